//! Every content kind and agent event reaches the API as the exact RBM JSON.

mod api_support;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use rbm_runtime::reply::action::{RecordingType, WebviewViewMode};
use rbm_runtime::reply::card::ThumbnailAlignment;
use rbm_runtime::reply::{
    AgentEvent, CardContent, CardWidth, ContentInfo, Media, MediaHeight, Reply, StandaloneCard,
    SuggestedAction, Suggestion, TrafficType, UploadedRbmFile,
};
use rbm_runtime::testing::fake_api::FakeFile;
use serde_json::{Value, json};

use api_support::{AGENT, PHONE, event, fake_and_client, message};

/// Sends `reply` through the fake and returns the body it recorded.
async fn sent_body(reply: Reply) -> Value {
    sent_body_naming(reply, &[]).await
}

/// Sends `reply`, which names these uploaded files, through a fake that
/// holds them, and returns the body it recorded.
async fn sent_body_naming(reply: Reply, files: &[&str]) -> Value {
    let (fake, client) = fake_and_client().await;
    for name in files {
        fake.insert_file(FakeFile::from_url(
            *name,
            AGENT,
            "https://example.com/a.png",
        ));
    }
    client
        .send_message(&message("m-1", reply))
        .await
        .expect("the fake accepts it");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/v1/phones/{PHONE}/agentMessages"));
    assert_eq!(request.query_param("messageId"), Some("m-1"));
    assert_eq!(request.query_param("agentId"), Some(AGENT));
    assert_eq!(request.status, 200);
    request.body.clone().expect("a JSON body")
}

fn time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid timestamp")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn text_with_replies_traffic_type_and_ttl() {
    let reply = Reply::text("Hello!")
        .suggest_reply("Yes", "yes")
        .suggest(Suggestion::dial("Call", "call", "+15556667777"))
        .traffic_type(TrafficType::Transaction)
        .ttl(Duration::from_secs(600));
    let expected = json!({
        "contentMessage": {
            "text": "Hello!",
            "suggestions": [
                {"reply": {"text": "Yes", "postbackData": "yes"}},
                {"action": {"text": "Call", "postbackData": "call",
                            "dialAction": {"phoneNumber": "+15556667777"}}}
            ]
        },
        "messageTrafficType": "TRANSACTION",
        "ttl": "600s"
    });
    assert_eq!(sent_body(reply).await, expected);
}

#[tokio::test]
async fn every_suggested_action() {
    // The API takes an expireTime at most 15 days ahead: tomorrow, whole seconds.
    let tomorrow = DateTime::<Utc>::from(std::time::SystemTime::now()) + TimeDelta::days(1);
    let tomorrow = time(&tomorrow.to_rfc3339_opts(SecondsFormat::Secs, true));
    let start = time("2030-01-02T10:00:00Z");
    let end = time("2030-01-02T11:30:00Z");
    let reply = Reply::text("Pick one")
        .suggest(Suggestion::view_location(
            "Map",
            "map",
            37.422,
            -122.084,
            Some("HQ".into()),
        ))
        .suggest(Suggestion::view_location_query("Near", "near", "pizza"))
        .suggest(Suggestion::share_location("Where", "where"))
        .suggest(Suggestion::open_url("Site", "site", "https://example.com"))
        .suggest(Suggestion::open_url_in_webview(
            "Form",
            "form",
            "https://example.com/form",
            WebviewViewMode::Half,
        ))
        .suggest(Suggestion::create_calendar_event(
            "Save",
            "save",
            "Visit",
            start,
            end,
            Some("Bring ID".into()),
        ))
        .suggest(Suggestion::compose_text(
            "Text us",
            "text",
            "+15550001111",
            "Hi",
        ))
        .suggest(Suggestion::compose_recording(
            "Record",
            "rec",
            "+15550001111",
            RecordingType::Video,
        ))
        .suggest(Suggestion::action(
            SuggestedAction::new("Call", "call", dial("+15556667777"))
                .fallback_url("https://example.com/call"),
        ))
        .expire_at(tomorrow)
        .traffic_type(TrafficType::ServiceRequest);
    let expected = json!({
        "contentMessage": {
            "text": "Pick one",
            "suggestions": [
                {"action": {"text": "Map", "postbackData": "map", "viewLocationAction":
                    {"latLong": {"latitude": 37.422, "longitude": -122.084}, "label": "HQ"}}},
                {"action": {"text": "Near", "postbackData": "near",
                    "viewLocationAction": {"query": "pizza"}}},
                {"action": {"text": "Where", "postbackData": "where", "shareLocationAction": {}}},
                {"action": {"text": "Site", "postbackData": "site",
                    "openUrlAction": {"url": "https://example.com"}}},
                {"action": {"text": "Form", "postbackData": "form", "openUrlAction":
                    {"url": "https://example.com/form", "application": "WEBVIEW", "webviewViewMode": "HALF"}}},
                {"action": {"text": "Save", "postbackData": "save", "createCalendarEventAction": {
                    "startTime": "2030-01-02T10:00:00Z", "endTime": "2030-01-02T11:30:00Z",
                    "title": "Visit", "description": "Bring ID"}}},
                {"action": {"text": "Text us", "postbackData": "text", "composeAction":
                    {"composeTextMessage": {"phoneNumber": "+15550001111", "text": "Hi"}}}},
                {"action": {"text": "Record", "postbackData": "rec", "composeAction":
                    {"composeRecordingMessage": {"phoneNumber": "+15550001111", "type": "ACTION_TYPE_VIDEO"}}}},
                {"action": {"text": "Call", "postbackData": "call", "fallbackUrl": "https://example.com/call",
                    "dialAction": {"phoneNumber": "+15556667777"}}}
            ]
        },
        "messageTrafficType": "SERVICEREQUEST",
        "expireTime": tomorrow.to_rfc3339_opts(SecondsFormat::Secs, true)
    });
    assert_eq!(sent_body(reply).await, expected);
}

fn dial(number: &str) -> rbm_runtime::reply::ActionKind {
    rbm_runtime::reply::ActionKind::Dial(rbm_runtime::reply::action::DialAction {
        phone_number: number.into(),
    })
}

#[tokio::test]
async fn standalone_card_with_media_and_suggestions() {
    let card = CardContent::new()
        .title("Pizza")
        .description("Large, with everything")
        .media(Media::content(
            MediaHeight::Medium,
            ContentInfo::new("https://example.com/pizza.jpg")
                .thumbnail("https://example.com/pizza-small.jpg")
                .force_refresh(),
        ))
        .suggest_reply("Order", "order:pizza");
    let reply = Reply::card(StandaloneCard::horizontal(card, ThumbnailAlignment::Left))
        .suggest_reply("Menu", "menu");
    let expected = json!({
        "contentMessage": {
            "richCard": {"standaloneCard": {
                "cardOrientation": "HORIZONTAL",
                "thumbnailImageAlignment": "LEFT",
                "cardContent": {
                    "title": "Pizza",
                    "description": "Large, with everything",
                    "media": {"height": "MEDIUM", "contentInfo": {
                        "fileUrl": "https://example.com/pizza.jpg",
                        "thumbnailUrl": "https://example.com/pizza-small.jpg",
                        "forceRefresh": true}},
                    "suggestions": [{"reply": {"text": "Order", "postbackData": "order:pizza"}}]
                }
            }},
            "suggestions": [{"reply": {"text": "Menu", "postbackData": "menu"}}]
        }
    });
    assert_eq!(sent_body(reply).await, expected);
}

#[tokio::test]
async fn carousel_of_cards() {
    let cards = [
        CardContent::new()
            .title("One")
            .media(Media::uploaded(MediaHeight::Short, "files/one")),
        CardContent::new().description("Two"),
    ];
    let expected = json!({
        "contentMessage": {"richCard": {"carouselCard": {
            "cardWidth": "MEDIUM",
            "cardContents": [
                {"title": "One", "media": {"height": "SHORT", "uploadedRbmFile": {"fileName": "files/one"}}},
                {"description": "Two"}
            ]
        }}}
    });
    assert_eq!(
        sent_body_naming(Reply::carousel(CardWidth::Medium, cards), &["files/one"]).await,
        expected
    );
}

#[tokio::test]
async fn files_by_url_and_uploaded() {
    let by_url = Reply::file_url("https://example.com/a.pdf");
    assert_eq!(
        sent_body(by_url).await,
        json!({"contentMessage": {"contentInfo": {"fileUrl": "https://example.com/a.pdf"}}})
    );
    let uploaded =
        Reply::uploaded_file(UploadedRbmFile::new("files/abc").thumbnail_name("files/abc-thumb"));
    assert_eq!(
        sent_body_naming(uploaded, &["files/abc", "files/abc-thumb"]).await,
        json!({"contentMessage": {"uploadedRbmFile": {"fileName": "files/abc", "thumbnailName": "files/abc-thumb"}}})
    );
}

#[tokio::test]
async fn read_receipt_and_typing_indicator() {
    let (fake, client) = fake_and_client().await;
    let read = AgentEvent::Read {
        message_id: "MxAbCdEf0123456789".into(),
    };
    client
        .send_event(&event("e-1", read))
        .await
        .expect("read receipt sent");
    client
        .send_event(&event("e-2", AgentEvent::IsTyping))
        .await
        .expect("typing indicator sent");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    for (request, id) in requests.iter().zip(["e-1", "e-2"]) {
        assert_eq!(request.path, format!("/v1/phones/{PHONE}/agentEvents"));
        assert_eq!(request.query_param("eventId"), Some(id));
        assert_eq!(request.query_param("agentId"), Some(AGENT));
        assert_eq!(request.status, 200);
    }
    assert_eq!(
        requests[0].body,
        Some(json!({"eventType": "READ", "messageId": "MxAbCdEf0123456789"}))
    );
    assert_eq!(requests[1].body, Some(json!({"eventType": "IS_TYPING"})));
}
