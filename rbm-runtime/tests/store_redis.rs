//! Several replicas on one real Redis (started by the tests): deliveries
//! spread over them as a load balancer would are each handled once, one
//! user's in order, also while a replica leaves; a Redis that goes away
//! gets `503`s, and what was acknowledged is handled once it is back.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rbm_runtime::prelude::*;
use rbm_runtime::protocol::Payload;
use rbm_runtime::testing::{Google, HttpBot, RedisServer, StatusCode, TEST_CLIENT_TOKEN};
use rbm_runtime::{HandlerResult, RunningServer, Server};

/// What every replica handled: per user, the texts in the order handled.
type Handled = Arc<Mutex<HashMap<String, Vec<u32>>>>;

/// Records each text (a number) under its sender.
struct Recorder(Handled);

impl Agent for Recorder {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        // A little work, so that replicas overlap.
        tokio::time::sleep(Duration::from_millis(1)).await;
        record(&self.0, delivery);
        Ok(Vec::new())
    }
}

/// Notes a message's number under its sender.
fn record(handled: &Handled, delivery: &Delivery) {
    if let Payload::Message(message) = &delivery.payload {
        let n = message
            .text()
            .unwrap_or_default()
            .parse()
            .expect("a number");
        let user = delivery
            .payload
            .phone_number()
            .unwrap_or_default()
            .to_owned();
        handled
            .lock()
            .expect("handled")
            .entry(user)
            .or_default()
            .push(n);
    }
}

async fn replica(redis: &RedisServer, handled: &Handled) -> RunningServer {
    Server::builder()
        .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .store_url(redis.store_url("e2e"))
        .webhook("/", TEST_CLIENT_TOKEN, Recorder(Arc::clone(handled)))
        .bind()
        .await
        .expect("a replica starts")
}

fn url(server: &RunningServer) -> String {
    format!("http://{}/", server.local_addr())
}

fn user(n: usize) -> String {
    format!("+1555000{n:04}")
}

/// Waits until every user's list has `per_user` entries (or 30 s).
async fn wait_for(handled: &Handled, users: usize, per_user: usize) {
    let done = || {
        let handled = handled.lock().expect("handled");
        (0..users).all(|u| handled.get(&user(u)).is_some_and(|l| l.len() >= per_user))
    };
    tokio::time::timeout(Duration::from_secs(30), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not everything was handled: {:?}", handled.lock()));
    // Anything handled twice would show up meanwhile.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

fn assert_each_once_in_order(handled: &Handled, users: usize, per_user: u32) {
    let handled = handled.lock().expect("handled");
    for u in 0..users {
        let expected: Vec<u32> = (1..=per_user).collect();
        assert_eq!(handled.get(&user(u)), Some(&expected), "user {u}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_handle_each_delivery_once_in_order_per_user() {
    let redis = RedisServer::start();
    let handled: Handled = Arc::default();
    let replicas = [
        replica(&redis, &handled).await,
        replica(&redis, &handled).await,
        replica(&redis, &handled).await,
    ];
    let urls: Vec<String> = replicas.iter().map(url).collect();
    let (users, per_user) = (20, 30);
    let mut tasks = Vec::new();
    for u in 0..users {
        let urls = urls.clone();
        tasks.push(tokio::spawn(async move {
            let bots: Vec<HttpBot> = urls
                .iter()
                .map(|url| {
                    HttpBot::new(url, TEST_CLIENT_TOKEN)
                        .expect("a client")
                        .sender(user(u))
                })
                .collect();
            for n in 1..=per_user {
                // Round robin over the replicas, as a load balancer would.
                let bot = &bots[(u + n as usize) % bots.len()];
                bot.text(n.to_string()).await.expect_status(StatusCode::OK);
            }
        }));
    }
    for task in tasks {
        task.await.expect("a user's deliveries");
    }
    wait_for(&handled, users, per_user as usize).await;
    assert_each_once_in_order(&handled, users, per_user);
    for replica in replicas {
        replica.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_delivery_sent_to_two_replicas_at_once_is_handled_once() {
    let redis = RedisServer::start();
    let handled: Handled = Arc::default();
    let (a, b) = (
        replica(&redis, &handled).await,
        replica(&redis, &handled).await,
    );
    let google = Google::new(TEST_CLIENT_TOKEN).sender(user(0));
    for n in 1..=20 {
        let push = google.text(n.to_string()).build();
        let to_a = HttpBot::new(url(&a), TEST_CLIENT_TOKEN).expect("a client");
        let to_b = HttpBot::new(url(&b), TEST_CLIENT_TOKEN).expect("a client");
        let (first, second) = tokio::join!(to_a.deliver(push.clone()), to_b.deliver(push));
        // Both are acknowledged: one stored it, the other saw a duplicate.
        first.expect_status(StatusCode::OK);
        second.expect_status(StatusCode::OK);
    }
    wait_for(&handled, 1, 20).await;
    assert_each_once_in_order(&handled, 1, 20);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_that_leaves_hands_its_partitions_over() {
    let redis = RedisServer::start();
    let handled: Handled = Arc::default();
    let staying = replica(&redis, &handled).await;
    let leaving = replica(&redis, &handled).await;
    let (users, per_user) = (10, 20);
    let send = |urls: Vec<String>, from: u32, to: u32| async move {
        let clients: Vec<HttpBot> = urls
            .iter()
            .map(|url| HttpBot::new(url, TEST_CLIENT_TOKEN).expect("a client"))
            .collect();
        for n in from..=to {
            for u in 0..users {
                let bot = &clients[(u + n as usize) % clients.len()];
                let push = bot
                    .google()
                    .clone()
                    .sender(user(u))
                    .text(n.to_string())
                    .build();
                bot.deliver(push).await.expect_status(StatusCode::OK);
            }
        }
    };
    send(vec![url(&staying), url(&leaving)], 1, 10).await;
    leaving.shutdown().await;
    // What the leaving replica stored and did not handle is handled by the
    // one that stays, before what comes next.
    send(vec![url(&staying)], 11, per_user).await;
    wait_for(&handled, users, per_user as usize).await;
    assert_each_once_in_order(&handled, users, per_user);
    staying.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_down_gets_503_and_what_was_acknowledged_is_handled_after() {
    let mut redis = RedisServer::start();
    let handled: Handled = Arc::default();
    let server = replica(&redis, &handled).await;
    let bot = HttpBot::new(url(&server), TEST_CLIENT_TOKEN)
        .expect("a client")
        .sender(user(0));
    bot.text("1").await.expect_status(StatusCode::OK);
    redis.kill();
    let second = bot.google().text("2").build();
    bot.deliver(second.clone())
        .await
        .expect_status(StatusCode::SERVICE_UNAVAILABLE);
    redis.restart();
    // Google redelivers what got a 503; the connection comes back by itself.
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..100 {
        status = bot.deliver(second.clone()).await.status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::OK);
    bot.text("3").await.expect_status(StatusCode::OK);
    wait_for(&handled, 1, 3).await;
    assert_each_once_in_order(&handled, 1, 3);
    server.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_redis_stops_start_up_naming_the_setting() {
    let redis = RedisServer::with_password("right-password");
    let wrong = format!("redis://:wrong-password@127.0.0.1:{}", redis.port());
    let started = Server::builder()
        .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .store_url(wrong.parse().expect("a store URL"))
        .webhook("/", TEST_CLIENT_TOKEN, Recorder(Arc::default()))
        .bind()
        .await;
    let Err(error) = started else {
        panic!("started with refused credentials")
    };
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "RBM_STORE: cannot connect to redis://:***@127.0.0.1:{}",
            redis.port()
        )),
        "{message}"
    );
    assert!(!message.contains("wrong-password"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

/// Counts handlers of one user running at once: more than one is a breach
/// of per-user order.
struct Exclusive {
    running: Arc<std::sync::atomic::AtomicUsize>,
    overlaps: Arc<std::sync::atomic::AtomicUsize>,
    handled: Handled,
}

impl Agent for Exclusive {
    async fn handle(&self, delivery: &Delivery, _: &Context) -> HandlerResult {
        use std::sync::atomic::Ordering;
        if self.running.fetch_add(1, Ordering::SeqCst) > 0 {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        record(&self.handled, delivery);
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(Vec::new())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inline_replicas_handle_one_users_deliveries_one_at_a_time() {
    let redis = RedisServer::start();
    let handled: Handled = Arc::default();
    let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let overlaps = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let agent = Exclusive {
            running: Arc::clone(&running),
            overlaps: Arc::clone(&overlaps),
            handled: Arc::clone(&handled),
        };
        replicas.push(
            Server::builder()
                .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .delivery(rbm_runtime::DeliveryMode::Inline)
                .store_url(redis.store_url("inline"))
                .webhook("/", TEST_CLIENT_TOKEN, agent)
                .bind()
                .await
                .expect("a replica starts"),
        );
    }
    let google = Google::new(TEST_CLIENT_TOKEN).sender(user(0));
    let a = HttpBot::new(url(&replicas[0]), TEST_CLIENT_TOKEN).expect("a client");
    let b = HttpBot::new(url(&replicas[1]), TEST_CLIENT_TOKEN).expect("a client");
    for n in (1..=20).step_by(2) {
        // Two messages of one user at once, to two replicas.
        let (first, second) = tokio::join!(
            a.deliver(google.text(n.to_string()).build()),
            b.deliver(google.text((n + 1).to_string()).build()),
        );
        first.expect_status(StatusCode::OK);
        second.expect_status(StatusCode::OK);
    }
    // A copy sent to both replicas: handled once.
    let copy = google.text("1").message_id("dup-1").build();
    a.deliver(copy.clone()).await.expect_status(StatusCode::OK);
    b.deliver(copy).await.expect_status(StatusCode::OK);
    assert_eq!(overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
    let mut got = handled
        .lock()
        .expect("handled")
        .get(&user(0))
        .cloned()
        .unwrap_or_default();
    assert_eq!(got.len(), 21, "each once, the copy once: {got:?}");
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), 20, "{got:?}");
    for replica in replicas {
        replica.shutdown().await;
    }
}
