//! Shared set-up of the `server_*` end-to-end tests: push envelopes signed
//! like Google signs them, an agent that records what it is handed (and can
//! be told to fail, panic, sleep or wait), a recording reply sender, and a
//! server on 127.0.0.1:0 with an HTTP client for it.

#![allow(dead_code, unreachable_pub)]

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rbm_runtime::SendFuture;
use rbm_runtime::protocol::{Payload, PayloadKind};
use rbm_runtime::reply::Reply;
use rbm_runtime::{
    Agent, Context, Delivery, HandlerError, HandlerResult, OutgoingEvent, OutgoingMessage,
    ReplySender, RunningServer, Server, ServerBuilder, sign,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// The client token of the default webhook (the protocol's test vector key).
pub const TOKEN: &str = "SJENCPGJESMGUFPY";
/// The path of the default webhook.
pub const PATH: &str = "/rbm/webhook";
/// The agent every default payload is for.
pub const AGENT: &str = "my-agent_abc123_agent@rbm.goog";
/// The user every default payload comes from.
pub const PHONE: &str = "+12223334444";
/// The limit on every wait of a test: generous, so only a hang trips it.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Fails the test if `future` does not finish within [`PATIENCE`].
pub async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .expect("the test timed out: something hangs")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// Payloads and envelopes
// ---------------------------------------------------------------------------

/// How the envelope spells the Pub/Sub fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `messageId`, `publishTime`.
    Camel,
    /// `message_id`, `publish_time`.
    Snake,
    /// Both at once, as Google usually sends.
    Both,
}

/// The payload JSON of a text message from `phone` to `agent`.
pub fn text_message_for(agent: &str, phone: &str, message_id: &str, text: &str) -> Vec<u8> {
    json!({
        "senderPhoneNumber": phone,
        "messageId": message_id,
        "sendTime": "2018-12-31T15:01:23.045123456Z",
        "text": text,
        "agentId": agent,
    })
    .to_string()
    .into_bytes()
}

/// The payload JSON of a text message from `phone` to [`AGENT`].
pub fn text_message(phone: &str, message_id: &str, text: &str) -> Vec<u8> {
    text_message_for(AGENT, phone, message_id, text)
}

/// The payload JSON of a user event (`READ`, `IS_TYPING`, …) from `phone`.
pub fn user_event(phone: &str, event_id: &str, event_type: &str) -> Vec<u8> {
    json!({
        "senderPhoneNumber": phone,
        "eventType": event_type,
        "eventId": event_id,
        "sendTime": "2018-12-31T15:01:23.045Z",
        "agentId": AGENT,
    })
    .to_string()
    .into_bytes()
}

/// A push envelope carrying `data` (base64-encoded here) under Pub/Sub id `pubsub_id`.
pub fn envelope(data: &[u8], pubsub_id: &str, spelling: Spelling) -> String {
    let mut message = serde_json::Map::new();
    message.insert("data".into(), json!(STANDARD.encode(data)));
    if spelling != Spelling::Snake {
        message.insert("messageId".into(), json!(pubsub_id));
        message.insert("publishTime".into(), json!("2025-03-05T18:50:21.88Z"));
    }
    if spelling != Spelling::Camel {
        message.insert("message_id".into(), json!(pubsub_id));
        message.insert("publish_time".into(), json!("2025-03-05T18:50:21.88Z"));
    }
    message.insert(
        "attributes".into(),
        json!({"type": "message", "business_id": AGENT, "product": "RBM"}),
    );
    // Unknown fields appear at every level: the server must tolerate them.
    message.insert("deliveryAttempt".into(), json!(1));
    json!({
        "message": message,
        "subscription": "projects/rbm-partner/subscriptions/rbm-sub",
    })
    .to_string()
}

/// A fresh Pub/Sub id, unique within the test process.
pub fn pubsub_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("1415048188847{n:04}")
}

// ---------------------------------------------------------------------------
// Talking to a server
// ---------------------------------------------------------------------------

/// An HTTP client for plain http. reqwest is built without a default TLS
/// provider, so it gets a TLS configuration that trusts nothing: the tests
/// never speak TLS.
pub fn client() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(PATIENCE)
        .build()
        .expect("an HTTP client")
}

/// The URL of `path` on the server at `addr`.
pub fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

/// POSTs `body` as JSON with the given `X-Goog-Signature` (or none).
pub async fn post(url: &str, body: String, signature: Option<&str>) -> reqwest::Response {
    post_with(&client(), url, body, signature).await
}

/// [`post`] through `client` (one that speaks TLS, say).
pub async fn post_with(
    client: &reqwest::Client,
    url: &str,
    body: String,
    signature: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(signature) = signature {
        request = request.header("X-Goog-Signature", signature);
    }
    within(request.send())
        .await
        .expect("the request is answered")
}

/// Pushes `data` under `pubsub_id`, signed with `token` like Google does.
pub async fn push_as(url: &str, token: &str, data: &[u8], pubsub_id: &str) -> reqwest::Response {
    post(
        url,
        envelope(data, pubsub_id, Spelling::Both),
        Some(&sign(token, data)),
    )
    .await
}

/// Pushes `data` under `pubsub_id`, signed with [`TOKEN`].
pub async fn push(url: &str, data: &[u8], pubsub_id: &str) -> reqwest::Response {
    push_as(url, TOKEN, data, pubsub_id).await
}

/// [`push`] through `client`.
pub async fn push_with(
    client: &reqwest::Client,
    url: &str,
    data: &[u8],
    pubsub_id: &str,
) -> reqwest::Response {
    let envelope = envelope(data, pubsub_id, Spelling::Both);
    post_with(client, url, envelope, Some(&sign(TOKEN, data))).await
}

/// The console's verification handshake.
pub async fn handshake(url: &str, token: &str, secret: &str) -> reqwest::Response {
    let body = json!({"clientToken": token, "secret": secret}).to_string();
    post(url, body, None).await
}

/// The status of a request's response (for the many checks that need only it).
pub async fn status(response: impl Future<Output = reqwest::Response>) -> u16 {
    response.await.status().as_u16()
}

/// The status and body of a response.
pub async fn status_and_body(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body = within(response.text()).await.expect("a body");
    (status, body)
}

/// Writes `request` on a new connection and returns the response head (status
/// line and headers), read until the blank line or the end of the stream.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    within(async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("write the request");
        read_head(&mut stream).await
    })
    .await
}

/// Reads a response head from `stream`.
pub async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The status code of a raw response head (0 when there is none).
pub fn raw_status(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// The recording agent
// ---------------------------------------------------------------------------

/// How a handler call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Returns its replies.
    Ok,
    /// Returns a `HandlerError`.
    Fail,
    /// Panics.
    Panic,
}

/// What one handler call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    /// Waits for [`Recorder::release`] first.
    pub hold: bool,
    /// Then sleeps this long.
    pub sleep: Duration,
    /// Then ends like this.
    pub end: End,
}

impl Action {
    /// Succeeds at once.
    pub const OK: Self = Self {
        hold: false,
        sleep: Duration::ZERO,
        end: End::Ok,
    };

    /// Sleeps `ms` milliseconds, then succeeds.
    pub fn sleep_ms(ms: u64) -> Self {
        Self {
            sleep: Duration::from_millis(ms),
            ..Self::OK
        }
    }

    /// Ends like `end` (after this action's wait, if any).
    pub fn then(self, end: End) -> Self {
        Self { end, ..self }
    }

    /// Fails at once.
    pub fn fail() -> Self {
        Self::OK.then(End::Fail)
    }

    /// Panics at once.
    pub fn panic() -> Self {
        Self::OK.then(End::Panic)
    }

    /// Waits for [`Recorder::release`], then succeeds.
    pub fn hold() -> Self {
        Self {
            hold: true,
            ..Self::OK
        }
    }
}

#[derive(Default)]
struct Concurrency {
    now: HashMap<String, usize>,
    max: HashMap<String, usize>,
    now_total: usize,
    max_total: usize,
}

struct State {
    name: String,
    script: Mutex<VecDeque<Action>>,
    default: Mutex<Action>,
    calls: Mutex<Vec<Delivery>>,
    finished: Mutex<usize>,
    concurrency: Mutex<Concurrency>,
    gate: Semaphore,
}

/// An agent that records every delivery it is handed. Clones share the
/// record: keep one, give the other to the server.
#[derive(Clone)]
pub struct Recorder {
    state: Arc<State>,
}

impl Recorder {
    /// A recorder that succeeds at once on every delivery.
    pub fn new(name: &str) -> Self {
        Self {
            state: Arc::new(State {
                name: name.to_owned(),
                script: Mutex::new(VecDeque::new()),
                default: Mutex::new(Action::OK),
                calls: Mutex::new(Vec::new()),
                finished: Mutex::new(0),
                concurrency: Mutex::new(Concurrency::default()),
                gate: Semaphore::new(0),
            }),
        }
    }

    /// What every call not scripted does.
    pub fn always(self, action: Action) -> Self {
        *lock(&self.state.default) = action;
        self
    }

    /// What the next calls do, in order (then the default again).
    pub fn script(&self, actions: impl IntoIterator<Item = Action>) {
        lock(&self.state.script).extend(actions);
    }

    /// Lets one held call go on.
    pub fn release(&self) {
        self.state.gate.add_permits(1);
    }

    /// How many times the handler was called.
    pub fn calls(&self) -> usize {
        lock(&self.state.calls).len()
    }

    /// How many calls succeeded.
    pub fn finished(&self) -> usize {
        *lock(&self.state.finished)
    }

    /// Every delivery handed over, in call order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.state.calls).clone()
    }

    /// The most calls for one sender that ran at the same time.
    pub fn max_concurrent_for(&self, phone: &str) -> usize {
        lock(&self.state.concurrency)
            .max
            .get(phone)
            .copied()
            .unwrap_or(0)
    }

    /// The most calls that ran at the same time, over all senders.
    pub fn max_concurrent(&self) -> usize {
        lock(&self.state.concurrency).max_total
    }

    /// Waits until the handler has been called `n` times.
    pub async fn wait_for_calls(&self, n: usize) {
        within(async {
            while self.calls() < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
    }

    fn next_action(&self) -> Action {
        let scripted = lock(&self.state.script).pop_front();
        scripted.unwrap_or_else(|| *lock(&self.state.default))
    }

    fn enter(&self, sender: &str, delivery: &Delivery) {
        lock(&self.state.calls).push(delivery.clone());
        let mut c = lock(&self.state.concurrency);
        let now = {
            let now = c.now.entry(sender.to_owned()).or_default();
            *now += 1;
            *now
        };
        let max = c.max.entry(sender.to_owned()).or_default();
        *max = (*max).max(now);
        c.now_total += 1;
        c.max_total = c.max_total.max(c.now_total);
    }
}

/// Leaves the concurrency record even when the handler panics.
struct Leave<'a> {
    state: &'a State,
    sender: String,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut c = lock(&self.state.concurrency);
        if let Some(now) = c.now.get_mut(&self.sender) {
            *now -= 1;
        }
        c.now_total -= 1;
    }
}

impl Agent for Recorder {
    async fn handle(&self, delivery: &Delivery, _ctx: &Context) -> HandlerResult {
        let action = self.next_action();
        let sender = delivery.payload.phone_number().unwrap_or("-").to_owned();
        self.enter(&sender, delivery);
        let _leave = Leave {
            state: &self.state,
            sender,
        };
        if action.hold {
            within(self.state.gate.acquire())
                .await
                .expect("the gate stays open")
                .forget();
        }
        if !action.sleep.is_zero() {
            tokio::time::sleep(action.sleep).await;
        }
        match action.end {
            End::Ok => {
                *lock(&self.state.finished) += 1;
                // One reply per user delivery, so the sender sees the handling end.
                Ok(match delivery.payload.phone_number() {
                    Some(_) => vec![Reply::text(format!("handled by {}", self.state.name))],
                    None => Vec::new(),
                })
            }
            End::Fail => Err(HandlerError::new("the recorder was told to fail")),
            End::Panic => panic!("the recorder was told to panic"),
        }
    }
}

/// The kind of each recorded delivery.
pub fn kinds(deliveries: &[Delivery]) -> Vec<PayloadKind> {
    deliveries.iter().map(|d| d.payload.kind()).collect()
}

/// The text of a recorded user message.
pub fn text_of(delivery: &Delivery) -> Option<&str> {
    match &delivery.payload {
        Payload::Message(message) => message.text(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The recording reply sender
// ---------------------------------------------------------------------------

/// A [`ReplySender`] that keeps everything sent. Clones share the record.
#[derive(Clone, Default)]
pub struct RecordingSender {
    messages: Arc<Mutex<Vec<OutgoingMessage>>>,
    events: Arc<Mutex<Vec<OutgoingEvent>>>,
}

impl RecordingSender {
    /// Every agent message sent, in order.
    pub fn messages(&self) -> Vec<OutgoingMessage> {
        lock(&self.messages).clone()
    }

    /// Every agent event sent, in order.
    pub fn events(&self) -> Vec<OutgoingEvent> {
        lock(&self.events).clone()
    }
}

impl ReplySender for RecordingSender {
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        lock(&self.messages).push(message.clone());
        Box::pin(std::future::ready(Ok(())))
    }

    fn send_event<'a>(&'a self, event: &'a OutgoingEvent) -> SendFuture<'a> {
        lock(&self.events).push(event.clone());
        Box::pin(std::future::ready(Ok(())))
    }
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

/// A builder listening on 127.0.0.1 with a free port.
pub fn builder() -> ServerBuilder {
    Server::builder()
        .delivery(rbm_runtime::DeliveryMode::Inline)
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .listen(SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// A running server with one agent webhook at [`PATH`] ([`TOKEN`]).
pub struct TestServer {
    /// The server (shut down when dropped).
    pub server: RunningServer,
    /// The URL of the webhook.
    pub url: String,
    /// The agent, recording.
    pub agent: Recorder,
    /// The reply sender, recording.
    pub sender: RecordingSender,
}

impl TestServer {
    /// Starts `agent` on [`PATH`] with the builder's other settings.
    pub async fn start_with(agent: Recorder, builder: ServerBuilder) -> Self {
        let sender = RecordingSender::default();
        let server = builder
            .webhook(PATH, TOKEN, agent.clone())
            .reply_sender(sender.clone())
            .bind()
            .await
            .expect("the server starts");
        let url = url(server.local_addr(), PATH);
        Self {
            server,
            url,
            agent,
            sender,
        }
    }

    /// Starts `agent` on [`PATH`] with default settings.
    pub async fn start(agent: Recorder) -> Self {
        Self::start_with(agent, builder()).await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
}

// ---------------------------------------------------------------------------
// Example binaries
// ---------------------------------------------------------------------------

/// The rbm-runtime example `name`, next to this test executable
/// (`target/<profile>/examples/`), built here first (a no-op when fresh)
/// because `cargo test --test …` does not build examples.
pub fn example(name: &str) -> std::path::PathBuf {
    use std::process::Command;
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().expect("the test executable");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_owned();
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut built = lock(&BUILT);
    if !built.iter().any(|b| b == name) {
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let mut cargo = Command::new(env!("CARGO"));
        // Cargo hands this test the variables of its package; build scripts
        // (ring's) watch some of them and would rebuild on every run.
        for (var, _) in std::env::vars_os() {
            let var = var.to_string_lossy();
            let prefixes = [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ];
            let singles = ["OUT_DIR", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"];
            if prefixes.iter().any(|p| var.starts_with(p)) || singles.contains(&&*var) {
                cargo.env_remove(&*var);
            }
        }
        // Every example of the workspace, as `cargo test --workspace` builds
        // them: the same features, so the same artifacts (a build of one
        // package's example resolves features differently and rebuilds the
        // runtime on every run).
        let status = cargo
            .args(["build", "--quiet", "--workspace", "--examples"])
            .args(["--profile", profile])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status();
        match status {
            Ok(status) if status.success() => {}
            other => assert!(binary.exists(), "building the {name} example: {other:?}"),
        }
        built.push(name.to_owned());
    }
    assert!(binary.exists(), "no example at {}", binary.display());
    binary
}
