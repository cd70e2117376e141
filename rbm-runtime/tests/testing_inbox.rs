//! `TestBot` in inbox mode: calls return once a stored delivery was
//! handled; a bot on a temporary SQLite store can be restarted, and what
//! it handled before is still a duplicate after.

use rbm_runtime::prelude::*;
use rbm_runtime::store::StoreUrl;
use rbm_runtime::testing::{Google, StatusCode, TEST_CLIENT_TOKEN, TestBot};
use rbm_runtime::{HandlerResult, Server};

struct Echo;

impl Agent for Echo {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        match &delivery.payload {
            rbm_runtime::protocol::Payload::Message(m) => {
                Ok(vec![Reply::text(m.text().unwrap_or("?"))])
            }
            _ => Ok(Vec::new()),
        }
    }
}

fn bot_on(path: &std::path::Path) -> TestBot {
    let builder = Server::builder()
        .store_url(StoreUrl::Sqlite(path.to_owned()))
        .webhook("/", TEST_CLIENT_TOKEN, Echo);
    TestBot::from_server(builder, "/", Google::new(TEST_CLIENT_TOKEN)).expect("a valid server")
}

#[tokio::test]
async fn replies_come_back_once_the_stored_delivery_was_handled() {
    let bot = TestBot::new(Echo);
    let replies = bot.text("hi").await;
    replies.expect_status(StatusCode::OK);
    replies.expect_text("hi");
    bot.redeliver_last().await.expect_no_reply();
}

#[tokio::test]
async fn a_bot_on_a_sqlite_store_restarts_and_still_knows_what_it_handled() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = dir.path().join("rbm.sqlite3");
    let bot = bot_on(&store);
    bot.text("before").await.expect_text("before");
    let handled = bot.last_delivery().expect("a delivery");
    drop(bot);

    let restarted = bot_on(&store);
    let again = restarted.deliver(handled).await;
    again.expect_status(StatusCode::OK);
    again.expect_no_reply();
    restarted.text("after").await.expect_text("after");
}

struct Panicky;

impl Agent for Panicky {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        match &delivery.payload {
            rbm_runtime::protocol::Payload::Message(m) if m.text() == Some("boom") => {
                panic!("a handler that panics every time")
            }
            _ => Ok(vec![Reply::text("fine")]),
        }
    }
}

#[tokio::test]
async fn a_handler_that_panics_every_time_stops_neither_its_worker_nor_other_users() {
    let bot = TestBot::new(Panicky);
    let boom = bot.text("boom").await;
    boom.expect_status(StatusCode::OK); // stored: the inbox retries it later
    boom.expect_no_reply();
    for _ in 0..3 {
        let other_user = bot.google().text("hello").sender("+15550001111");
        bot.send(other_user).await.expect_text("fine");
    }
}

#[tokio::test]
async fn a_stored_entry_whose_payload_no_longer_parses_becomes_a_dead_letter_at_start() {
    use rbm_runtime::store::{DedupeKey, NewEntry, StoreConfig};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    let url = StoreUrl::Sqlite(path.clone());
    let store = rbm_runtime::store::open(&url, StoreConfig::default())
        .await
        .expect("store");
    store
        .append(NewEntry {
            lane: "lane".into(),
            webhook: "/".into(),
            keys: vec![DedupeKey::of(&["old", "1"])],
            data: b"{written by an older version".to_vec(),
            pubsub_message_id: Some("1".into()),
            publish_time: None,
            attribute_type: None,
            received_at_ms: 0,
        })
        .await
        .expect("appended");
    let bot = bot_on(&path);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let dead = store.dead_letters(10).await.expect("dead letters");
        if let Some(letter) = dead.first() {
            assert!(
                letter.error.contains("no longer parses"),
                "{}",
                letter.error
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never dead-lettered");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    bot.text("still fine").await.expect_text("still fine");
}
