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
