//! `TestBot` ties each delivery's replies to that delivery, even when one
//! bot takes several deliveries at once.

use std::sync::Arc;

use rbm_runtime::protocol::Payload;
use rbm_runtime::testing::{StatusCode, TestBot};
use rbm_runtime::{Agent, Context, Delivery, HandlerResult, Reply};
use tokio::sync::Notify;

/// When the slow handler runs, and when it may finish.
#[derive(Default)]
struct Gate {
    entered: Notify,
    release: Notify,
}

/// Echoes texts; "slow" waits until the test opens the gate.
struct Gated(Arc<Gate>);

impl Agent for Gated {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        let Payload::Message(message) = &delivery.payload else {
            return Ok(vec![]);
        };
        let text = message.text().unwrap_or("?").to_owned();
        if text == "slow" {
            self.0.entered.notify_one();
            self.0.release.notified().await;
        }
        Ok(vec![Reply::text(text)])
    }
}

/// Releases the slow handler once it is running (and once the deliveries
/// polled before this future have started).
async fn release(gate: &Gate) {
    gate.entered.notified().await;
    tokio::task::yield_now().await;
    gate.release.notify_one();
}

#[tokio::test]
async fn a_message_that_waited_in_line_shows_only_its_own_replies() {
    let gate = Arc::new(Gate::default());
    let bot = TestBot::new(Gated(Arc::clone(&gate)));
    // One user: "fast" waits in the user's line behind "slow".
    let (slow, fast, ()) = tokio::join!(bot.text("slow"), bot.text("fast"), release(&gate));
    assert_eq!(slow.texts(), ["slow"], "{slow}");
    assert_eq!(fast.texts(), ["fast"], "{fast}");
}

#[tokio::test]
async fn a_copy_that_waited_for_the_first_shows_no_reply() {
    let gate = Arc::new(Gate::default());
    let bot = TestBot::new(Gated(Arc::clone(&gate)));
    let push = bot.google().text("slow").build();
    let (first, copy, ()) = tokio::join!(
        bot.deliver(push.clone()),
        bot.deliver(push.redelivery()),
        release(&gate)
    );
    assert_eq!(first.texts(), ["slow"], "{first}");
    copy.expect_status(StatusCode::OK).expect_no_reply();
}

#[tokio::test]
async fn users_talking_at_once_each_get_their_replies() {
    let gate = Arc::new(Gate::default());
    let bot = TestBot::new(Gated(Arc::clone(&gate)));
    let ann = bot.google().clone().sender("+15550000001");
    let bob = bot.google().clone().sender("+15550000002");
    let (slow, fast, ()) = tokio::join!(
        bot.send(ann.text("slow")),
        bot.send(bob.text("fast")),
        release(&gate)
    );
    assert_eq!(slow.texts(), ["slow"], "{slow}");
    assert_eq!(slow[0].phone_number, "+15550000001");
    assert_eq!(fast.texts(), ["fast"], "{fast}");
    assert_eq!(fast[0].phone_number, "+15550000002");
}
