//! Conversation state through `#[rbm_agent(state = T)]`: a `&mut T`
//! handler parameter kept per user, stored only when the handler succeeds,
//! and `state = "Variant"` filters tried before the routes without one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rbm_runtime::prelude::*;
use rbm_runtime::testing::{StatusCode, TestBot};
use serde::{Deserialize, Serialize};

/// Another user than the bot's default sender.
const OTHER_USER: &str = "+15550009999";

#[derive(Default, Serialize, Deserialize)]
struct Tally {
    count: u32,
}

/// Counts per user. Clones share `fail_next`, so the test keeps a handle
/// on the agent it hosts.
#[derive(Default, Clone)]
struct Counter {
    /// Fails the next `count` after it changed the state.
    fail_next: Arc<AtomicBool>,
}

#[rbm_agent(state = Tally)]
impl Counter {
    #[on_message(text = "count")]
    async fn count(&self, tally: &mut Tally) -> Result<Reply, String> {
        tally.count += 1;
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err("the tally database is down".into());
        }
        Ok(Reply::text(tally.count.to_string()))
    }

    #[on_message(text = "reset")]
    async fn reset(&self, ctx: &Context) -> Reply {
        ctx.reset_state();
        Reply::text("reset")
    }

    #[on_message(text = "zero")]
    async fn zero(&self, tally: &mut Tally) -> Reply {
        *tally = Tally::default();
        Reply::text("zero")
    }

    /// Reads the state through the context, not a parameter.
    #[on_message(text = "peek")]
    async fn peek(&self, ctx: &Context) -> Reply {
        Reply::text(format!("at {}", ctx.state::<Tally>().count))
    }
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
enum Checkout {
    #[default]
    Browsing,
    /// Choosing how many pizzas, after this many wrong answers.
    Sizing(u32),
    Paying {
        total: u32,
    },
}

struct Shop;

#[rbm_agent(state = Checkout)]
impl Shop {
    // Declared first, yet tried after the filtered `help` in `Paying`.
    #[on_message(text = "help")]
    async fn help(&self) -> Reply {
        Reply::text("say order")
    }

    #[on_message(text = "help", state = "Paying")]
    async fn help_paying(&self) -> Reply {
        Reply::text("tap Pay to finish")
    }

    #[on_message(text = "order")]
    async fn order(&self, checkout: &mut Checkout) -> Reply {
        *checkout = Checkout::Sizing(0);
        Reply::text("how many?")
    }

    #[on_message(regex = r"^(?<n>\d+)$", state = "Sizing")]
    async fn size(&self, checkout: &mut Checkout, n: u32) -> Reply {
        *checkout = Checkout::Paying { total: n * 12 };
        Reply::text(format!("{} EUR", n * 12))
    }

    /// Any other text while sizing: a filtered `text` comes before the
    /// unfiltered exact routes of the text step.
    #[on_message(text, state = "Sizing")]
    async fn not_a_number(&self, checkout: &mut Checkout) -> Reply {
        if let Checkout::Sizing(wrong) = checkout {
            *wrong += 1;
            return Reply::text(format!("a number please ({wrong})"));
        }
        Reply::text("unreachable")
    }

    #[on_message(postback = "pay", state = "Paying")]
    async fn pay(&self, checkout: &mut Checkout) -> Reply {
        let reply = match checkout {
            Checkout::Paying { total } => Reply::text(format!("paid {total} EUR")),
            _ => Reply::text("unreachable"),
        };
        *checkout = Checkout::default();
        reply
    }

    #[on_message(postback = "pay")]
    async fn nothing_to_pay(&self) -> Reply {
        Reply::text("nothing to pay")
    }

    /// Declared first, yet tried after the filtered one in `Paying`.
    #[on_event(is_typing)]
    async fn typing(&self) {}

    #[on_event(is_typing, state = "Paying")]
    async fn typing_while_paying(&self) -> Reply {
        Reply::text("take your time")
    }

    #[on_message(state = "Paying")]
    async fn other_while_paying(&self) -> Reply {
        Reply::text("finish paying first")
    }

    #[on_message]
    async fn other(&self) -> Reply {
        Reply::text("say order")
    }
}

/// The same agent without state, to compare.
struct Stateless;

#[rbm_agent]
impl Stateless {
    #[on_message]
    async fn any(&self) {}
}

#[test]
fn declaring_state_makes_the_runtime_keep_it() {
    assert!(Counter::default().uses_state());
    assert!(Shop.uses_state());
    assert!(!Stateless.uses_state());
}

#[tokio::test]
async fn each_user_has_their_own_count() {
    let bot = TestBot::new(Counter::default());
    for expected in ["1", "2", "3"] {
        bot.text("count").await.expect_texts(&[expected]);
    }
    let other = bot.google().text("count").sender(OTHER_USER);
    bot.send(other).await.expect_texts(&["1"]);
    bot.text("count").await.expect_texts(&["4"]);
    bot.text("peek").await.expect_texts(&["at 4"]);
}

#[tokio::test]
async fn a_failed_handler_leaves_the_state_as_it_was() {
    let agent = Counter::default();
    let bot = TestBot::inline(agent.clone());
    bot.text("count").await.expect_texts(&["1"]);

    // The handler counted to 2, then failed: nothing is stored.
    agent.fail_next.store(true, Ordering::SeqCst);
    bot.text("count")
        .await
        .expect_status(StatusCode::INTERNAL_SERVER_ERROR);
    bot.text("peek").await.expect_texts(&["at 1"]);
}

#[tokio::test]
async fn a_redelivered_failure_counts_from_the_old_value() {
    let agent = Counter::default();
    let bot = TestBot::inline(agent.clone());
    bot.text("count").await.expect_texts(&["1"]);
    agent.fail_next.store(true, Ordering::SeqCst);
    bot.text("count")
        .await
        .expect_status(StatusCode::INTERNAL_SERVER_ERROR);
    // Google redelivers it: the handler sees the old 1 again.
    bot.redeliver_last().await.expect_texts(&["2"]);
    bot.text("count").await.expect_texts(&["3"]);
}

#[tokio::test]
async fn the_state_resets_through_the_context_or_by_assigning_the_default() {
    let bot = TestBot::new(Counter::default());
    bot.text("count").await.expect_texts(&["1"]);
    bot.text("count").await.expect_texts(&["2"]);
    bot.text("reset").await.expect_texts(&["reset"]);
    bot.text("count").await.expect_texts(&["1"]);
    bot.text("zero").await.expect_texts(&["zero"]);
    bot.text("peek").await.expect_texts(&["at 0"]);
    bot.text("count").await.expect_texts(&["1"]);
}

#[tokio::test]
async fn a_route_for_the_current_state_beats_one_for_every_state() {
    let bot = TestBot::new(Shop);
    // Browsing: the filtered routes are skipped.
    bot.text("help").await.expect_texts(&["say order"]);
    bot.postback("pay").await.expect_texts(&["nothing to pay"]);
    bot.text("42").await.expect_texts(&["say order"]);

    bot.text("order").await.expect_texts(&["how many?"]);
    bot.text("2").await.expect_texts(&["24 EUR"]);
    // Paying: the filtered `help` first; the unfiltered one otherwise.
    bot.text("help").await.expect_texts(&["tap Pay to finish"]);
    bot.text("hello")
        .await
        .expect_texts(&["finish paying first"]);
    bot.event(UserEventType::IsTyping)
        .await
        .expect_texts(&["take your time"]);
    bot.postback("pay").await.expect_texts(&["paid 24 EUR"]);

    // Browsing again.
    bot.text("help").await.expect_texts(&["say order"]);
    bot.event(UserEventType::IsTyping).await.expect_no_reply();
}

#[tokio::test]
async fn a_filter_matches_a_variant_whatever_its_fields() {
    let bot = TestBot::new(Shop);
    bot.text("order").await.expect_texts(&["how many?"]);
    // `Sizing(n)` for every `n`: the tuple variant's field changes, the
    // filter still matches; and a filtered `text` beats the unfiltered
    // exact `help` in its state.
    bot.text("a few")
        .await
        .expect_texts(&["a number please (1)"]);
    bot.text("help")
        .await
        .expect_texts(&["a number please (2)"]);
    bot.text("3").await.expect_texts(&["36 EUR"]);
    // `Paying { total }` is matched by `state = "Paying"` and read whole.
    bot.postback("pay").await.expect_texts(&["paid 36 EUR"]);
}
