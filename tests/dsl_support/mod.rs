//! Drives an agent over real HTTP like Google does: signed push deliveries
//! in, replies captured by a test `ReplySender`.

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use rbm_runtime::SendFuture;
use rbm_runtime::{Agent, OutgoingEvent, OutgoingMessage, ReplySender, RunningServer, Server};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The webhook's client token.
pub const TOKEN: &str = "SJENCPGJESMGUFPY";
/// The user.
pub const PHONE: &str = "+12223334444";
/// The agent.
pub const AGENT: &str = "pizza_abc123_agent@rbm.goog";

/// Records every reply and agent event, in order.
#[derive(Default)]
pub struct Capture {
    messages: Mutex<Vec<OutgoingMessage>>,
    events: Mutex<Vec<OutgoingEvent>>,
}

impl ReplySender for Capture {
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        self.messages.lock().expect("lock").push(message.clone());
        Box::pin(std::future::ready(Ok(())))
    }

    fn send_event<'a>(&'a self, event: &'a OutgoingEvent) -> SendFuture<'a> {
        self.events.lock().expect("lock").push(event.clone());
        Box::pin(std::future::ready(Ok(())))
    }
}

/// What one delivery produced.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status of the webhook's answer.
    pub status: u16,
    /// The texts of the replies sent while handling it, in order.
    pub texts: Vec<String>,
    /// The suggestion postbacks of those replies.
    pub postbacks: Vec<Vec<String>>,
    /// The agent events sent while handling it.
    pub events: Vec<OutgoingEvent>,
}

impl Answer {
    /// The only reply's text (panics otherwise, showing what there was).
    pub fn text(&self) -> &str {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.texts.len(), 1, "exactly one reply expected: {self:?}");
        &self.texts[0]
    }
}

/// A server on 127.0.0.1 hosting one agent.
pub struct Harness {
    server: Option<RunningServer>,
    sender: Arc<Capture>,
    next: AtomicU32,
}

impl Harness {
    /// Starts a server for `agent` on a free port.
    pub async fn start(agent: impl Agent) -> Self {
        let sender = Arc::new(Capture::default());
        let server = Server::builder()
            .delivery(rbm_runtime::DeliveryMode::Inline)
            .store_url(rbm_runtime::store::StoreUrl::Memory)
            .listen("127.0.0.1:0".parse().expect("address"))
            .webhook("/", TOKEN, agent)
            .shared_reply_sender(sender.clone())
            .bind()
            .await
            .expect("the server starts");
        Self {
            server: Some(server),
            sender,
            next: AtomicU32::new(0),
        }
    }

    /// A fresh id, so no two deliveries of a test look like duplicates.
    pub fn unique(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// Posts `payload` as a signed push delivery; returns what it produced.
    pub async fn deliver(&self, payload: Value) -> Answer {
        let before = (
            self.sender.messages.lock().expect("lock").len(),
            self.sender.events.lock().expect("lock").len(),
        );
        let data = serde_json::to_vec(&payload).expect("json");
        let envelope = json!({
            "message": {
                "data": base64::engine::general_purpose::STANDARD.encode(&data),
                "messageId": self.unique("pubsub-"),
                "publishTime": "2025-03-05T18:50:21.88Z",
            },
            "subscription": "projects/rbm-partner/subscriptions/rbm-sub",
        });
        let signature = rbm_runtime::sign(TOKEN, &data);
        let status = self.post(&envelope.to_string(), &signature).await;
        let messages = self.sender.messages.lock().expect("lock")[before.0..].to_vec();
        let events = self.sender.events.lock().expect("lock")[before.1..].to_vec();
        Answer {
            status,
            texts: messages
                .iter()
                .map(|m| m.reply.as_text().unwrap_or_default().to_owned())
                .collect(),
            postbacks: messages
                .iter()
                .map(|m| {
                    m.reply
                        .suggestions
                        .iter()
                        .map(|s| s.postback_data().to_owned())
                        .collect()
                })
                .collect(),
            events,
        }
    }

    /// A user message with `content` (e.g. `{"text": "hi"}`).
    pub async fn message(&self, content: Value) -> Answer {
        let mut payload = json!({
            "senderPhoneNumber": PHONE,
            "messageId": self.unique("Mx"),
            "sendTime": "2025-03-05T18:50:21.123456789Z",
            "agentId": AGENT,
        });
        merge(&mut payload, content);
        self.deliver(payload).await
    }

    /// A text message.
    pub async fn text(&self, text: &str) -> Answer {
        self.message(json!({ "text": text })).await
    }

    /// A tap on a suggested reply.
    pub async fn postback(&self, data: &str) -> Answer {
        self.message(json!({
            "suggestionResponse": {"postbackData": data, "text": data, "type": "REPLY"}
        }))
        .await
    }

    /// A shared location.
    pub async fn location(&self, latitude: f64, longitude: f64) -> Answer {
        self.message(json!({ "location": {"latitude": latitude, "longitude": longitude} }))
            .await
    }

    /// A user file of the given MIME type.
    pub async fn file(&self, mime_type: &str, name: &str) -> Answer {
        self.message(json!({
            "userFile": {"payload": {
                "mimeType": mime_type,
                "fileSizeBytes": 1234,
                "fileUri": "https://example.invalid/f",
                "fileName": name,
            }}
        }))
        .await
    }

    /// A user event of `event_type`.
    pub async fn event(&self, event_type: &str) -> Answer {
        self.deliver(json!({
            "senderPhoneNumber": PHONE,
            "eventType": event_type,
            "eventId": self.unique("Ev"),
            "messageId": "agent-message-1",
            "sendTime": "2025-03-05T18:50:21Z",
            "agentId": AGENT,
        }))
        .await
    }

    /// A server (TTL) event of `event_type`.
    pub async fn server_event(&self, event_type: &str) -> Answer {
        self.deliver(json!({
            "phoneNumber": PHONE,
            "eventType": event_type,
            "eventId": self.unique("Ttl"),
            "messageId": "agent-message-2",
            "sendTime": "2025-03-05T18:50:21Z",
            "agentId": AGENT,
        }))
        .await
    }

    /// An agent launch event to `new_state`.
    pub async fn launch(&self, new_state: &str) -> Answer {
        self.deliver(json!({
            "eventId": self.unique("Launch"),
            "agentId": AGENT,
            "regionId": "/v1/regions/fi-rcs",
            "oldLaunchState": "PENDING",
            "newLaunchState": new_state,
            "sendTime": "2025-03-05T18:50:21Z",
        }))
        .await
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// One HTTP/1.1 POST to `/`; returns the status code.
    async fn post(&self, body: &str, signature: &str) -> u16 {
        let addr = self.server.as_ref().expect("running").local_addr();
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             X-Goog-Signature: {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}
