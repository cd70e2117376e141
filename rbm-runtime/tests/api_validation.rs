//! Replies that break a documented limit fail before anything is sent, with
//! an error that names the limit and the field.

mod api_support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rbm_runtime::SendError;
use rbm_runtime::reply::{
    CardContent, CardWidth, MAX_MESSAGE_BYTES, Media, MediaHeight, Reply, ReplyError,
    StandaloneCard, Suggestion,
};

use api_support::{fake_and_client, message, shared};

fn error_of(reply: Reply) -> ReplyError {
    reply
        .validate()
        .and_then(|()| reply.encode().map(drop))
        .expect_err("invalid")
}

#[test]
fn text_limits() {
    assert!(Reply::text("x".repeat(3072)).validate().is_ok());
    // Characters, not bytes: 3072 two-byte characters are fine.
    assert!(Reply::text("é".repeat(3072)).validate().is_ok());
    assert_eq!(
        error_of(Reply::text("x".repeat(3073))),
        ReplyError::TooLong {
            at: "contentMessage.text".into(),
            chars: 3073,
            max: 3072
        }
    );
    assert_eq!(
        error_of(Reply::text("  ")),
        ReplyError::Empty {
            at: "contentMessage.text".into()
        }
    );
}

#[test]
fn suggestion_limits() {
    let mut eleven = Reply::text("pick");
    for n in 0..11 {
        eleven = eleven.suggest_reply(format!("option {n}"), format!("o{n}"));
    }
    assert!(eleven.validate().is_ok());
    let twelve = eleven.suggest_reply("one more", "more");
    assert_eq!(
        error_of(twelve),
        ReplyError::TooManySuggestions {
            at: "contentMessage.suggestions".into(),
            count: 12,
            max: 11
        }
    );
    let long_label = Reply::text("pick")
        .suggest_reply("ok", "ok")
        .suggest_reply("x".repeat(26), "x");
    let error = error_of(long_label);
    assert_eq!(
        error,
        ReplyError::TooLong {
            at: "contentMessage.suggestions[1].reply.text".into(),
            chars: 26,
            max: 25
        }
    );
    assert_eq!(
        error.to_string(),
        "contentMessage.suggestions[1].reply.text is 26 characters long; the limit is 25"
    );
    let long_postback = Reply::text("pick").suggest(Suggestion::open_url(
        "Go",
        "p".repeat(2049),
        "https://e.com",
    ));
    assert_eq!(
        error_of(long_postback),
        ReplyError::TooLong {
            at: "contentMessage.suggestions[0].action.postbackData".into(),
            chars: 2049,
            max: 2048
        }
    );
}

#[test]
fn action_rules() {
    let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a timestamp");
    let backwards = Reply::text("when?").suggest(Suggestion::create_calendar_event(
        "Save",
        "save",
        "Visit",
        at("2030-01-02T11:00:00Z"),
        at("2030-01-02T10:00:00Z"),
        None,
    ));
    assert!(matches!(
        error_of(backwards),
        ReplyError::CalendarEventEndsBeforeStart { .. }
    ));
    let off_the_map =
        Reply::text("where?").suggest(Suggestion::view_location("Map", "map", 91.0, 0.0, None));
    assert!(matches!(
        error_of(off_the_map),
        ReplyError::InvalidCoordinates { .. }
    ));
}

#[test]
fn card_limits() {
    let titled = |title: String| CardContent::new().title(title);
    assert!(
        Reply::card(StandaloneCard::vertical(titled("t".repeat(200))))
            .validate()
            .is_ok()
    );
    assert_eq!(
        error_of(Reply::card(StandaloneCard::vertical(titled(
            "t".repeat(201)
        )))),
        ReplyError::TooLong {
            at: "contentMessage.richCard.standaloneCard.cardContent.title".into(),
            chars: 201,
            max: 200
        }
    );
    let described = CardContent::new().description("d".repeat(2001));
    assert!(matches!(
        error_of(Reply::card(StandaloneCard::vertical(described))),
        ReplyError::TooLong { max: 2000, .. }
    ));
    assert!(matches!(
        error_of(Reply::card(StandaloneCard::vertical(CardContent::new()))),
        ReplyError::EmptyCard { .. }
    ));
    let mut crowded = titled("t".into());
    for n in 0..5 {
        crowded = crowded.suggest_reply(format!("s{n}"), format!("s{n}"));
    }
    assert_eq!(
        error_of(Reply::card(StandaloneCard::vertical(crowded))),
        ReplyError::TooManySuggestions {
            at: "contentMessage.richCard.standaloneCard.cardContent.suggestions".into(),
            count: 5,
            max: 4
        }
    );
}

#[test]
fn carousel_sizes() {
    let cards = |n: usize| (0..n).map(|i| CardContent::new().title(format!("card {i}")));
    assert_eq!(
        error_of(Reply::carousel(CardWidth::Small, cards(1))),
        ReplyError::CarouselSize { count: 1 }
    );
    assert!(
        Reply::carousel(CardWidth::Small, cards(2))
            .validate()
            .is_ok()
    );
    assert!(
        Reply::carousel(CardWidth::Small, cards(10))
            .validate()
            .is_ok()
    );
    assert_eq!(
        error_of(Reply::carousel(CardWidth::Small, cards(11))),
        ReplyError::CarouselSize { count: 11 }
    );
    let bad_second = [
        CardContent::new().title("ok"),
        CardContent::new().title("x".repeat(201)),
    ];
    let error = error_of(Reply::carousel(CardWidth::Medium, bad_second));
    assert!(
        error.to_string().contains("cardContents[1].title"),
        "{error}"
    );
}

#[test]
fn whole_message_size() {
    // Ten cards within every per-field limit still exceed 250 KB with
    // long media URLs.
    let url = format!("https://example.com/{}", "a".repeat(30_000));
    let cards = (0..10).map(|i| {
        CardContent::new()
            .title(format!("card {i}"))
            .media(Media::url(MediaHeight::Tall, url.clone()))
    });
    let reply = Reply::carousel(CardWidth::Medium, cards);
    assert!(reply.validate().is_ok());
    match reply.encode() {
        Err(ReplyError::TooLarge { bytes }) => assert!(bytes > MAX_MESSAGE_BYTES),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn zero_ttl() {
    assert_eq!(
        error_of(Reply::text("hi").ttl(Duration::ZERO)),
        ReplyError::ZeroTtl
    );
}

#[tokio::test]
async fn an_invalid_reply_is_never_sent() {
    let (fake, client) = fake_and_client().await;
    let error = shared(client)
        .send_message(&message("m-1", Reply::text("x".repeat(4000))))
        .await
        .expect_err("too long");
    match &error {
        SendError::Invalid(why) => assert!(why.contains("the limit is 3072"), "{why}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(!error.is_retryable());
    assert_eq!(fake.stats().requests + fake.stats().token_requests, 0);
}

#[tokio::test]
async fn a_bad_phone_number_is_never_sent() {
    let (fake, client) = fake_and_client().await;
    let mut outgoing = message("m-1", Reply::text("hi"));
    outgoing.phone_number = "+1/../../v1/other".into();
    let error = shared(client)
        .send_message(&outgoing)
        .await
        .expect_err("not E.164");
    assert!(matches!(error, SendError::Invalid(_)), "{error:?}");
    assert_eq!(fake.stats().requests, 0);
}
