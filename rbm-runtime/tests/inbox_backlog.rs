//! A backlog longer than the inbox keeps in memory: the entries beyond it
//! wait by id and are read from the store in their turn, still in order and
//! each handled once.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rbm_runtime::prelude::*;
use rbm_runtime::protocol::Payload;
use rbm_runtime::store::StoreUrl;
use rbm_runtime::testing::{HttpBot, StatusCode, TEST_CLIENT_TOKEN};
use rbm_runtime::{HandlerResult, Server};
use tokio::sync::Semaphore;

/// Records each text it handles; waits for a permit before each one, so
/// that the test decides when the backlog drains.
struct Gated {
    handled: Arc<Mutex<Vec<String>>>,
    gate: Arc<Semaphore>,
}

impl Agent for Gated {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        if let Payload::Message(message) = &delivery.payload {
            let permit = self.gate.acquire().await.expect("the gate stays open");
            permit.forget();
            let text = message.text().unwrap_or_default().to_owned();
            self.handled.lock().expect("handled").push(text);
        }
        Ok(Vec::new())
    }
}

async fn backlog_is_handled_in_order(store: StoreUrl) {
    let handled = Arc::new(Mutex::new(Vec::new()));
    let gate = Arc::new(Semaphore::new(0));
    let agent = Gated {
        handled: Arc::clone(&handled),
        gate: Arc::clone(&gate),
    };
    let server = Server::builder()
        .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .store_url(store)
        .resident_entries(3)
        .webhook("/", TEST_CLIENT_TOKEN, agent)
        .bind()
        .await
        .expect("the server starts");
    let url = format!("http://{}/", server.local_addr());
    let user = HttpBot::new(&url, TEST_CLIENT_TOKEN).expect("a client");
    let other = HttpBot::new(&url, TEST_CLIENT_TOKEN)
        .expect("a client")
        .sender("+15550009999");
    let count = 40;
    for n in 0..count {
        let bot = if n % 4 == 3 { &other } else { &user };
        let replies = bot.text(format!("{n}")).await;
        replies.expect_status(StatusCode::OK);
    }
    gate.add_permits(count);
    tokio::time::timeout(Duration::from_secs(20), async {
        while handled.lock().expect("handled").len() < count {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("every entry handled");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let handled = handled.lock().expect("handled").clone();
    assert_eq!(handled.len(), count, "each entry once: {handled:?}");
    for sender_of in [|n: usize| n % 4 == 3, |n: usize| n % 4 != 3] {
        let theirs: Vec<usize> = handled
            .iter()
            .map(|text| text.parse::<usize>().expect("a number"))
            .filter(|n| sender_of(*n))
            .collect();
        let mut sorted = theirs.clone();
        sorted.sort_unstable();
        assert_eq!(theirs, sorted, "one user's entries in order");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_beyond_memory_is_read_back_in_order_from_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    backlog_is_handled_in_order(StoreUrl::Sqlite(dir.path().join("rbm.sqlite3"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_beyond_memory_is_read_back_in_order_from_memory() {
    backlog_is_handled_in_order(StoreUrl::Memory).await;
}
