//! The testing kit on every payload kind: what `TestBot` sends arrives, as
//! Google would send it, through the real pipeline.

use std::sync::{Arc, Mutex};

use rbm_runtime::prelude::{LaunchState, ServerEventType, UserEventType};
use rbm_runtime::protocol::{MessageContent, Payload};
use rbm_runtime::reply::{CardContent, StandaloneCard};
use rbm_runtime::testing::{StatusCode, TestBot};
use rbm_runtime::{Agent, Context, Delivery, HandlerResult, Reply, Suggestion};

/// Answers every delivery with a text describing it, and keeps them all.
#[derive(Clone, Default)]
struct Describe {
    seen: Arc<Mutex<Vec<Delivery>>>,
}

impl Describe {
    fn seen(&self) -> Vec<Delivery> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

fn describe(payload: &Payload) -> String {
    match payload {
        Payload::Message(m) => match &m.content {
            MessageContent::Text(text) => format!("text {text}"),
            MessageContent::SuggestionResponse(r) => format!(
                "postback {} {:?} {} message_id={}",
                r.postback_data,
                r.text.as_deref().unwrap_or(""),
                r.response_type.as_ref().map_or("-", |t| t.as_str()),
                m.message_id.is_some(),
            ),
            MessageContent::Location(l) => format!("location {} {}", l.latitude, l.longitude),
            MessageContent::UserFile(f) => format!(
                "file {} {} {} {:?} {}",
                f.payload.mime_type,
                f.payload.file_uri,
                f.payload.file_name.as_deref().unwrap_or(""),
                f.payload.file_size_bytes,
                f.category.as_ref().map_or("-", |c| c.as_str()),
            ),
        },
        Payload::UserEvent(e) => format!(
            "event {} {}",
            e.event_type,
            e.message_id.as_deref().unwrap_or("-")
        ),
        Payload::ServerEvent(e) => format!(
            "server {} {}",
            e.event_type,
            e.message_id.as_deref().unwrap_or("-")
        ),
        Payload::LaunchEvent(e) => format!("launch {:?}", e.new_launch_state),
        Payload::Unknown(u) => format!("unknown {}", u.reason),
    }
}

impl Agent for Describe {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        self.seen
            .lock()
            .expect("not poisoned")
            .push(delivery.clone());
        if delivery.payload.phone_number().is_none() {
            return Ok(vec![]);
        }
        let card = StandaloneCard::vertical(
            CardContent::new()
                .title("Margherita")
                .suggest_reply("Order", "order:margherita")
                .suggest(Suggestion::dial("Call us", "call", "+15556667777")),
        );
        Ok(vec![
            Reply::text(describe(&delivery.payload)).suggest_reply("Again", "again"),
            Reply::card(card),
        ])
    }
}

#[tokio::test]
async fn text_arrives_signed_with_ids_and_defaults() {
    let agent = Describe::default();
    let bot = TestBot::new(agent.clone());
    let replies = bot.text("hi").await;
    assert_eq!(replies.status(), StatusCode::OK);
    assert_eq!(replies[0].as_text(), Some("text hi"));
    assert_eq!(replies.len(), 2);
    bot.text("hi").await.expect_text("text hi");

    let seen = agent.seen();
    let (Payload::Message(first), Payload::Message(second)) = (&seen[0].payload, &seen[1].payload)
    else {
        panic!("not messages: {seen:?}");
    };
    assert_eq!(first.sender_phone_number, "+12223334444");
    assert_eq!(first.agent_id.as_deref(), Some("test-agent@rbm.goog"));
    assert!(first.send_time.as_ref().and_then(|t| t.instant()).is_some());
    // Ids are unique per delivery.
    assert_ne!(first.message_id, second.message_id);
    assert_ne!(seen[0].pubsub_message_id, seen[1].pubsub_message_id);
    assert!(seen[0].publish_time.is_some());
}

#[tokio::test]
async fn taps_send_the_postback_of_chips_and_card_buttons() {
    let bot = TestBot::new(Describe::default());
    let replies = bot.text("menu").await;
    // A suggested reply: a message with a messageId, type REPLY.
    bot.tap(&replies[0].suggestions[0])
        .await
        .expect_text("postback again \"Again\" REPLY message_id=true");
    // A card button.
    bot.tap(replies.expect_button("Order"))
        .await
        .expect_text("postback order:margherita \"Order\" REPLY message_id=true");
    // A suggested action: Google sends an eventId and no messageId.
    bot.tap(replies.expect_button("Call us"))
        .await
        .expect_text("postback call \"Call us\" ACTION message_id=false");
    assert_eq!(
        replies[1].card().and_then(|c| c.title.as_deref()),
        Some("Margherita")
    );
    assert_eq!(
        replies[1].buttons()[1].action.as_deref(),
        Some("dial +15556667777")
    );
    // The agent's own Suggestion values can be tapped too.
    bot.tap(Suggestion::reply("Yes", "yes"))
        .await
        .expect_text("postback yes \"Yes\" REPLY message_id=true");
    bot.postback("raw")
        .await
        .expect_text("postback raw \"raw\" REPLY message_id=true");
}

#[tokio::test]
async fn locations_and_files_arrive_as_google_sends_them() {
    let bot = TestBot::new(Describe::default());
    bot.location(37.422, -122.084056)
        .await
        .expect_text("location 37.422 -122.084056");
    bot.file("https://example.com/a.jpeg", "image/jpeg")
        .await
        .expect_text("file image/jpeg https://example.com/a.jpeg a.jpeg Some(1024) IMAGE");
    let push = bot
        .google()
        .file("https://example.com/doc", "application/pdf")
        .file_name("report.pdf")
        .file_size(127_806)
        .thumbnail("https://example.com/t.png", "image/png");
    bot.send(push)
        .await
        .expect_text("file application/pdf https://example.com/doc report.pdf Some(127806) -");
}

#[tokio::test]
async fn every_user_event_arrives_and_receipts_name_the_last_agent_message() {
    let bot = TestBot::new(Describe::default());
    let replies = bot.text("hi").await;
    let last_agent_message = replies[1].message_id.clone();
    for (event, expected) in [
        (
            UserEventType::Delivered,
            format!("event DELIVERED {last_agent_message}"),
        ),
        (UserEventType::Read, "event READ".to_owned()),
        (UserEventType::IsTyping, "event IS_TYPING -".to_owned()),
        (UserEventType::Subscribe, "event SUBSCRIBE -".to_owned()),
        (UserEventType::Unsubscribe, "event UNSUBSCRIBE -".to_owned()),
    ] {
        let replies = bot.event(event).await;
        assert_eq!(replies.status(), StatusCode::OK);
        let text = replies[0].as_text().expect("a text");
        assert!(text.starts_with(&expected), "{text:?} is not {expected:?}");
    }
}

#[tokio::test]
async fn server_and_launch_events_arrive() {
    let agent = Describe::default();
    let bot = TestBot::new(agent.clone());
    let replies = bot.text("hi").await;
    let last = replies[1].message_id.clone();
    bot.server_event(ServerEventType::TtlExpirationRevoked)
        .await
        .expect_text(&format!("server TTL_EXPIRATION_REVOKED {last}"));
    bot.server_event(ServerEventType::TtlExpirationRevokeFailed)
        .await
        .expect_status(StatusCode::OK);
    bot.launch(LaunchState::Launched).await.expect_no_reply();
    let seen = agent.seen();
    let Payload::LaunchEvent(launch) = &seen[3].payload else {
        panic!("not a launch event: {:?}", seen[3]);
    };
    assert_eq!(launch.new_launch_state, Some(LaunchState::Launched));
    assert_eq!(launch.old_launch_state, Some(LaunchState::Pending));
    assert_eq!(launch.region_id.as_deref(), Some("/v1/regions/fi-rcs"));
    assert!(launch.event_id.is_some());
}

#[tokio::test]
async fn a_redelivery_keeps_its_ids_and_is_not_handled_again() {
    let agent = Describe::default();
    let bot = TestBot::new(agent.clone());
    bot.text("once").await.expect_text("text once");
    let first = bot.last_delivery().expect("delivered");
    bot.redeliver_last().await.expect_no_reply();
    let again = bot.last_delivery().expect("delivered");
    assert_eq!(first.pubsub_id(), again.pubsub_id());
    assert_eq!(first.message_id(), again.message_id());
    assert_eq!(first.data(), again.data());
    assert_eq!(agent.seen().len(), 1);
    assert_eq!(bot.last_status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn forged_and_unknown_deliveries_get_the_pipelines_statuses() {
    let agent = Describe::default();
    let bot = TestBot::new(agent.clone());
    let forged = bot.google().text("hi").client_token("not-the-token");
    bot.send(forged)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    let unsigned = bot.google().text("hi").build().with_signature("");
    bot.deliver(unsigned)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    // An authentic payload of no known kind is acknowledged (and handed over).
    bot.send(bot.google().raw(r#"{"somethingNew":true}"#))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(agent.seen().len(), 1);
    assert_eq!(bot.last_status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn senders_agents_ids_and_times_can_be_set() {
    let agent = Describe::default();
    let bot = TestBot::new(agent.clone()).sender("+358401234567");
    let push = bot
        .google()
        .text("hi")
        .message_id("MxChosen")
        .send_time("2018-12-31T15:01:23.045123456Z")
        .pubsub_id("14150481888479752")
        .publish_time("2025-03-05T18:50:21.88Z");
    let replies = bot.send(push).await;
    assert_eq!(replies[0].phone_number, "+358401234567");
    let seen = agent.seen();
    let Payload::Message(message) = &seen[0].payload else {
        panic!("not a message");
    };
    assert_eq!(message.message_id.as_deref(), Some("MxChosen"));
    assert_eq!(
        message.send_time.as_ref().map(|t| t.as_str()),
        Some("2018-12-31T15:01:23.045123456Z")
    );
    assert_eq!(
        seen[0].pubsub_message_id.as_deref(),
        Some("14150481888479752")
    );
    assert_eq!(
        seen[0].publish_time.as_deref(),
        Some("2025-03-05T18:50:21.88Z")
    );
}

#[tokio::test]
#[should_panic(expected = "expected the reply \"Goodbye\", got:")]
async fn a_failed_expectation_shows_what_came_back() {
    let bot = TestBot::new(Describe::default());
    bot.text("hi").await.expect_text("Goodbye");
}
