//! `#[rbm_agent(read_receipts)]`: the runtime marks each user message read
//! (with the user's `messageId`) before its handler runs, and a redelivery
//! never shows a second READ.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rbm_runtime::prelude::*;
use rbm_runtime::testing::{CapturingSender, SentEvent, StatusCode, TestBot};

/// Replies with how many agent events had been sent when it ran. Clones
/// share their state, so the test keeps a handle on the agent it hosts.
#[derive(Default, Clone)]
struct Receipts {
    /// What the bot has sent so far (set once the bot is built).
    sent: Arc<OnceLock<CapturingSender>>,
    /// Fails the next message, so that Google redelivers it.
    fail_next: Arc<AtomicBool>,
}

impl Receipts {
    fn events_so_far(&self) -> usize {
        self.sent.get().map_or(0, |sent| sent.events().len())
    }
}

#[rbm_agent(read_receipts)]
impl Receipts {
    #[on_message(text)]
    async fn echo(&self, text: Text) -> Result<Reply, String> {
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err("the order database is down".into());
        }
        Ok(Reply::text(format!(
            "{text} after {} event(s)",
            self.events_so_far()
        )))
    }

    #[on_event]
    async fn event(&self) -> Reply {
        Reply::text("event")
    }
}

/// The same handler without `read_receipts`.
struct NoReceipts;

#[rbm_agent]
impl NoReceipts {
    #[on_message(text)]
    async fn echo(&self, text: Text) -> Reply {
        Reply::text(text.to_string())
    }
}

/// A bot hosting `Receipts`, and a handle on that agent.
fn bot() -> (TestBot, Receipts) {
    let agent = Receipts::default();
    let bot = TestBot::inline(agent.clone());
    agent
        .sent
        .set(bot.captured().clone())
        .unwrap_or_else(|_| unreachable!("set once"));
    (bot, agent)
}

fn last_message_id(bot: &TestBot) -> String {
    let push = bot.last_delivery().expect("delivered");
    push.message_id()
        .expect("a user message has an id")
        .to_owned()
}

fn read_of(message_id: &str) -> impl Fn(&SentEvent) -> bool + '_ {
    move |event| event.event_type == "READ" && event.message_id.as_deref() == Some(message_id)
}

#[test]
fn the_attribute_argument_turns_auto_read_receipts_on() {
    assert!(Receipts::default().auto_read_receipts());
    assert!(!NoReceipts.auto_read_receipts());
}

#[tokio::test]
async fn a_message_is_marked_read_before_its_handler_runs() {
    let (bot, _) = bot();
    let replies = bot.text("hi").await;
    let message_id = last_message_id(&bot);
    assert_eq!(replies.events().len(), 1, "{replies}");
    assert!(read_of(&message_id)(&replies.events()[0]), "{replies}");
    // The handler already saw the READ: it went out before any reply.
    replies.expect_texts(&["hi after 1 event(s)"]);

    // A user event is not a message: nothing to mark read.
    let event = bot.event(UserEventType::IsTyping).await;
    event.expect_texts(&["event"]);
    assert!(event.events().is_empty(), "{event}");
}

#[tokio::test]
async fn a_redelivery_does_not_send_the_read_twice() {
    let (bot, agent) = bot();
    bot.text("hi").await.expect_texts(&["hi after 1 event(s)"]);
    // Handled already: a duplicate, not handled again.
    let again = bot.redeliver_last().await;
    again.expect_no_reply();
    assert!(again.events().is_empty(), "{again}");

    // A failed delivery is redelivered and handled again: its READ is sent
    // again with the same event id, which the API (here the capturing
    // sender) ignores.
    agent.fail_next.store(true, Ordering::SeqCst);
    let failed = bot.text("two").await;
    failed.expect_status(StatusCode::INTERNAL_SERVER_ERROR);
    let message_id = last_message_id(&bot);
    assert_eq!(failed.events().len(), 1, "{failed}");
    assert!(read_of(&message_id)(&failed.events()[0]), "{failed}");
    let retried = bot.redeliver_last().await;
    retried.expect_texts(&["two after 2 event(s)"]);
    assert!(retried.events().is_empty(), "{retried}");

    let reads = bot.captured().events();
    assert_eq!(reads.len(), 2, "one READ per message: {reads:?}");
}

#[tokio::test]
async fn without_the_argument_nothing_is_marked_read() {
    let bot = TestBot::new(NoReceipts);
    let replies = bot.text("hi").await;
    replies.expect_texts(&["hi"]);
    assert!(replies.events().is_empty(), "{replies}");
}
