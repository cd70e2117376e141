//! Conversation state through the runtime (a hand-written agent using
//! `Context::state`): kept per user, changed only by a handler that
//! succeeded, kept across a restart, expired by its TTL, and forgiving of a
//! stored state that no longer fits its type.

use std::time::Duration;

use rbm_runtime::prelude::*;
use rbm_runtime::protocol::Payload;
use rbm_runtime::store::StoreUrl;
use rbm_runtime::testing::{Google, StatusCode, TEST_CLIENT_TOKEN, TestBot};
use rbm_runtime::{HandlerError, HandlerResult, Server};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Count {
    n: u32,
}

/// `count` counts; `fail` counts, then fails; `boom` counts, then panics.
struct Counter;

impl Agent for Counter {
    async fn handle(&self, delivery: &Delivery, ctx: &Context) -> HandlerResult {
        let Payload::Message(message) = &delivery.payload else {
            return Ok(Vec::new());
        };
        let mut count: Count = ctx.state();
        count.n += 1;
        ctx.set_state(&count)?;
        match message.text() {
            Some("fail") => Err(HandlerError::new("the CRM is down")),
            Some("boom") => panic!("a handler that panics"),
            Some("reset") => {
                ctx.reset_state();
                Ok(vec![Reply::text("0")])
            }
            _ => Ok(vec![Reply::text(count.n.to_string())]),
        }
    }

    fn uses_state(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn state_is_kept_per_user_and_readable_and_settable_from_a_test() {
    let bot = TestBot::new(Counter);
    bot.text("count").await.expect_text("1");
    bot.text("count").await.expect_text("2");
    assert_eq!(bot.state::<Count>().await, Count { n: 2 });

    let other = TestBot::new(Counter).sender("+15550009999");
    other.text("count").await.expect_text("1");

    bot.set_state(&Count { n: 41 }).await;
    bot.text("count").await.expect_text("42");
    bot.text("reset").await.expect_text("0");
    assert_eq!(bot.state::<Count>().await, Count::default());
    bot.text("count").await.expect_text("1");
}

#[tokio::test]
async fn a_failing_handler_leaves_the_state_as_it_was_inline() {
    let bot = TestBot::inline(Counter);
    bot.text("count").await.expect_text("1");
    bot.text("fail")
        .await
        .expect_status(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(bot.state::<Count>().await, Count { n: 1 }, "not counted");
    bot.redeliver_last()
        .await
        .expect_status(StatusCode::INTERNAL_SERVER_ERROR);
    bot.text("count").await.expect_text("2");
}

#[tokio::test]
async fn a_panicking_handler_leaves_the_state_as_it_was_in_the_inbox() {
    let bot = TestBot::new(Counter);
    bot.text("count").await.expect_text("1");
    bot.text("boom").await.expect_no_reply();
    assert_eq!(bot.state::<Count>().await, Count { n: 1 });
}

#[tokio::test]
async fn an_agent_without_state_neither_reads_nor_writes_it() {
    struct Stateless;
    impl Agent for Stateless {
        async fn handle(&self, _: &Delivery, ctx: &Context) -> HandlerResult {
            let count: Count = ctx.state();
            ctx.set_state(&Count { n: count.n + 1 })?;
            Ok(vec![Reply::text(count.n.to_string())])
        }
    }
    let bot = TestBot::new(Stateless);
    bot.text("a").await.expect_text("0");
    bot.text("b").await.expect_text("0");
    assert_eq!(bot.state::<Count>().await, Count::default());
}

fn counter_on(path: &std::path::Path, ttl: Option<Duration>) -> TestBot {
    let builder = Server::builder()
        .store_url(StoreUrl::Sqlite(path.to_owned()))
        .state_ttl(ttl)
        .webhook("/", TEST_CLIENT_TOKEN, Counter);
    TestBot::from_server(builder, "/", Google::new(TEST_CLIENT_TOKEN)).expect("a valid server")
}

#[tokio::test]
async fn state_survives_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    let bot = counter_on(&path, None);
    bot.text("count").await.expect_text("1");
    bot.text("count").await.expect_text("2");
    drop(bot);
    let restarted = counter_on(&path, None);
    restarted.text("count").await.expect_text("3");
}

#[tokio::test]
async fn state_untouched_past_its_ttl_starts_again_from_default() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bot = counter_on(
        &dir.path().join("rbm.sqlite3"),
        Some(Duration::from_secs(1)),
    );
    bot.text("count").await.expect_text("1");
    bot.text("count").await.expect_text("2");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    bot.text("count").await.expect_text("1");
}

#[tokio::test]
async fn a_stored_state_that_no_longer_fits_its_type_reads_as_default() {
    let bot = TestBot::new(Counter);
    // What an older version of the agent might have stored.
    bot.set_state(&vec!["a", "list"]).await;
    bot.text("count").await.expect_text("1");
    assert_eq!(bot.state::<Count>().await, Count { n: 1 });
}
