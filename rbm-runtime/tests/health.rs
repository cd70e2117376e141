//! Health checks over real HTTP: `/healthz` answers while the process is
//! up, `/readyz` only while the store answers and deliveries are accepted:
//! not while starting (the store's inbox still being read back), not once
//! shutdown has begun (a slow delivery in flight keeps the drain open while
//! the probes look). Other methods get 405; a webhook cannot take their paths.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rbm_runtime::store::{
    Appended, Claim, DeadLetter, DedupeKey, Entry, EntryId, InboxStatus, MemoryStore, NewEntry,
    Selection, StateChange, StateKey, Store, StoreConfig, StoreError, StoreFuture, StoredState,
};
use rbm_runtime::{DeliveryMode, Server};
use support::{Action, PATH, PHONE, Recorder, TOKEN, builder, pubsub_id, push, text_message};
use tokio::sync::Semaphore;

/// A memory store whose start-up read waits until it is let through, and
/// whose reads can be made to fail.
struct GatedStore {
    inner: MemoryStore,
    gate: Semaphore,
    broken: AtomicBool,
}

impl GatedStore {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryStore::new(StoreConfig::default()),
            gate: Semaphore::new(0),
            broken: AtomicBool::new(false),
        })
    }

    fn open(&self) {
        self.gate.add_permits(1_000);
    }

    fn failure() -> StoreError {
        StoreError::Connect {
            url: "memory".to_owned(),
            source: Arc::new(std::io::Error::other("told to fail")),
        }
    }
}

impl Store for GatedStore {
    fn append(&self, entry: NewEntry) -> StoreFuture<'_, Appended> {
        self.inner.append(entry)
    }

    fn pending_after(&self, after: Option<EntryId>, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(async move {
            let _ = self.gate.acquire().await;
            self.inner.pending_after(after, limit).await
        })
    }

    fn entry(&self, id: EntryId) -> StoreFuture<'_, Option<Entry>> {
        if self.broken.load(Ordering::SeqCst) {
            return Box::pin(std::future::ready(Err(Self::failure())));
        }
        self.inner.entry(id)
    }

    fn complete_with(&self, id: EntryId, change: Option<StateChange>) -> StoreFuture<'_, ()> {
        self.inner.complete_with(id, change)
    }

    fn state<'a>(&'a self, key: &'a StateKey) -> StoreFuture<'a, Option<StoredState>> {
        self.inner.state(key)
    }

    fn put_state(&self, change: StateChange) -> StoreFuture<'_, ()> {
        self.inner.put_state(change)
    }

    fn record_failure(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> StoreFuture<'_, ()> {
        self.inner
            .record_failure(id, attempts, next_attempt_at_ms, error)
    }

    fn dead_letter(&self, id: EntryId, error: &str) -> StoreFuture<'_, ()> {
        self.inner.dead_letter(id, error)
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        self.inner.dead_letters(limit)
    }

    fn retry_dead(&self, which: Selection) -> StoreFuture<'_, Vec<Entry>> {
        self.inner.retry_dead(which)
    }

    fn drop_dead(&self, which: Selection) -> StoreFuture<'_, u64> {
        self.inner.drop_dead(which)
    }

    fn status(&self) -> StoreFuture<'_, InboxStatus> {
        self.inner.status()
    }

    fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim> {
        self.inner.claim(keys)
    }

    fn finish_with<'a>(
        &'a self,
        keys: &'a [DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> StoreFuture<'a, ()> {
        self.inner.finish_with(keys, handled, change)
    }

    fn prune_marks(&self) -> StoreFuture<'_, u64> {
        self.inner.prune_marks()
    }
}

/// The status and body of `method path` on `addr`, or `None` when nothing
/// answers there (yet, or any more).
async fn probe(addr: SocketAddr, method: &str, path: &str) -> Option<(u16, String)> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let response = support::client()
        .request(method, support::url(addr, path))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.unwrap_or_default()))
}

/// Waits until `GET path` answers `status`; its body then.
async fn until(addr: SocketAddr, path: &str, status: u16) -> String {
    support::within(async {
        loop {
            match probe(addr, "GET", path).await {
                Some((got, body)) if got == status => return body,
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await
}

/// A free port on 127.0.0.1 (free when asked: the server takes it next).
fn free_addr() -> SocketAddr {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    socket.local_addr().expect("its address")
}

#[tokio::test]
async fn readiness_waits_for_the_start_and_follows_the_store() {
    let store = GatedStore::new();
    let addr = free_addr();
    let agent = Recorder::new("agent");
    let starting = tokio::spawn(
        Server::builder()
            .delivery(DeliveryMode::Inbox)
            .store(Arc::clone(&store) as Arc<dyn Store>)
            .listen(addr)
            .webhook(PATH, TOKEN, agent.clone())
            .bind(),
    );
    // Up, but still reading back the inbox: alive, not ready, no deliveries.
    assert_eq!(until(addr, "/healthz", 200).await, "ok");
    assert_eq!(
        probe(addr, "GET", "/readyz").await,
        Some((503, "starting".to_owned()))
    );
    let url = support::url(addr, PATH);
    let early = push(&url, &text_message(PHONE, "MxEarly", "hi"), &pubsub_id()).await;
    assert_eq!(early.status().as_u16(), 503);
    assert!(!starting.is_finished());

    store.open();
    let server = support::within(starting)
        .await
        .expect("the start-up task")
        .expect("the server starts");
    assert_eq!(until(addr, "/readyz", 200).await, "ok");
    let ready = push(&url, &text_message(PHONE, "MxReady", "hi"), &pubsub_id()).await;
    assert_eq!(ready.status().as_u16(), 200);
    agent.wait_for_calls(1).await;

    // A store that stops answering makes the server unready (the last
    // answer counts for a second), and ready again once it answers.
    store.broken.store(true, Ordering::SeqCst);
    assert_eq!(
        until(addr, "/readyz", 503).await,
        "the store does not answer"
    );
    assert_eq!(probe(addr, "GET", "/healthz").await.map(|p| p.0), Some(200));
    store.broken.store(false, Ordering::SeqCst);
    until(addr, "/readyz", 200).await;
    // Probes never reached the agent, nor needed a signature.
    assert_eq!(agent.calls(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn readiness_ends_when_shutdown_begins_and_the_drain_is_probed() {
    let agent = Recorder::new("agent");
    agent.script([Action::hold()]);
    let support::TestServer {
        server,
        url,
        agent,
        sender,
    } = support::TestServer::start(agent).await;
    let addr = server.local_addr();
    assert_eq!(until(addr, "/readyz", 200).await, "ok");

    let in_flight = tokio::spawn({
        let url = url.clone();
        async move { push(&url, &text_message(PHONE, "MxSlow", "hi"), &pubsub_id()).await }
    });
    agent.wait_for_calls(1).await;
    let shutdown = tokio::spawn(server.shutdown());

    // While the slow delivery keeps the drain open: not ready, still alive.
    assert_eq!(until(addr, "/readyz", 503).await, "shutting down");
    assert_eq!(
        probe(addr, "GET", "/healthz").await,
        Some((200, "ok".to_owned()))
    );
    assert_eq!(probe(addr, "HEAD", "/readyz").await.map(|p| p.0), Some(503));
    assert!(!in_flight.is_finished(), "the drain did not wait");

    agent.release();
    let answered = support::within(in_flight).await.expect("the request task");
    assert_eq!(answered.status().as_u16(), 200);
    assert_eq!(sender.messages().len(), 1);
    support::within(shutdown).await.expect("shutdown completes");
    assert_eq!(
        probe(addr, "GET", "/healthz").await,
        None,
        "still listening"
    );
}

#[tokio::test]
async fn probes_answer_get_and_head_only() {
    let server = support::TestServer::start(Recorder::new("agent")).await;
    let addr = server.addr();
    assert_eq!(
        probe(addr, "HEAD", "/healthz").await.map(|p| p.0),
        Some(200)
    );
    assert_eq!(probe(addr, "HEAD", "/readyz").await.map(|p| p.0), Some(200));
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        for path in ["/healthz", "/readyz"] {
            let response = support::client()
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).expect("a method"),
                    support::url(addr, path),
                )
                .send()
                .await
                .expect("an answer");
            assert_eq!(response.status().as_u16(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], "GET, HEAD", "{method} {path}");
        }
    }
    // Only those two paths.
    for path in ["/healthz/", "/readyz/x", "/health", "/metrics"] {
        assert_eq!(
            probe(addr, "GET", path).await.map(|p| p.0),
            Some(404),
            "{path}"
        );
    }
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn a_webhook_cannot_take_a_health_path() {
    for path in ["/healthz", "/readyz"] {
        let refused = builder()
            .webhook(path, TOKEN, Recorder::new("agent"))
            .bind()
            .await
            .err()
            .expect("the configuration is refused");
        let message = refused.to_string();
        assert!(message.starts_with("webhook path"), "{message}");
        assert!(message.contains("/healthz and /readyz"), "{message}");
    }
}
