//! `TestBot` says why a delivery was not handled: the handler's error, a
//! panic, or the limit a reply broke, in both delivery modes, and in the
//! message of a failed expectation.

use rbm_runtime::prelude::*;
use rbm_runtime::protocol::Payload;
use rbm_runtime::reply::{CardContent, CardWidth};
use rbm_runtime::testing::{StatusCode, TestBot};
use rbm_runtime::{HandlerError, HandlerResult};

/// `crm` fails, `boom` panics, `carousel` answers a carousel of one card.
struct Failing;

impl Agent for Failing {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        let Payload::Message(message) = &delivery.payload else {
            return Ok(Vec::new());
        };
        match message.text() {
            Some("crm") => Err(HandlerError::new("the CRM answered 503")),
            Some("boom") => panic!("a bug"),
            Some("carousel") => {
                let card = CardContent::new().title("Margherita");
                Ok(vec![Reply::carousel(CardWidth::Medium, [card])])
            }
            _ => Ok(vec![Reply::text("fine")]),
        }
    }
}

#[tokio::test]
async fn the_handlers_error_is_the_reason_in_both_modes() {
    let inbox = TestBot::new(Failing);
    let replies = inbox.text("crm").await;
    replies.expect_status(StatusCode::OK); // stored, retried later
    assert_eq!(replies.failure(), Some("the CRM answered 503"));

    let inline = TestBot::inline(Failing);
    let replies = inline.text("crm").await;
    replies.expect_status(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(replies.failure(), Some("the CRM answered 503"));

    assert_eq!(inline.text("hello").await.failure(), None);
}

#[tokio::test]
async fn a_panic_and_a_refused_reply_say_so() {
    for bot in [TestBot::inline(Failing), TestBot::new(Failing)] {
        assert_eq!(
            bot.text("boom").await.failure(),
            Some("the handler panicked: a bug")
        );
    }
    let bot = TestBot::inline(Failing);
    let refused = bot.text("carousel").await;
    let reason = refused.failure().expect("a reason");
    assert!(
        reason.contains("a carousel has 1 card; it needs 2 to 10"),
        "{reason}"
    );
}

#[tokio::test]
#[should_panic(expected = "problem: the CRM answered 503")]
async fn a_failed_expectation_shows_why_the_delivery_was_not_handled() {
    let bot = TestBot::new(Failing);
    bot.text("crm").await.expect_text("fine");
}
