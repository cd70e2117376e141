//! Signed push deliveries exactly as Google sends them: [`Google`] holds the
//! webhook's client token and the defaults, [`PushBuilder`] one delivery,
//! [`SignedPush`] the result (body and `X-Goog-Signature`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hyper::http;

use super::ids;
use super::payload::{self, Common, Content, FileSpec};
use crate::protocol::{LaunchState, ServerEventType, UserEventType};

/// The agent id deliveries name unless told otherwise.
pub const DEFAULT_AGENT_ID: &str = "test-agent@rbm.goog";
/// The user deliveries come from unless told otherwise.
pub const DEFAULT_SENDER: &str = "+12223334444";
/// The Pub/Sub subscription deliveries name.
const SUBSCRIPTION: &str = "projects/rbm-test-partner/subscriptions/rbm-test-agent";

/// Plays Google's side of a webhook: builds signed deliveries for one client
/// token, agent and user. Cheap to clone.
///
/// ```
/// use rbm_runtime::testing::Google;
///
/// let google = Google::new("SJENCPGJESMGUFPY").sender("+15550001111");
/// let push = google.text("hi").build();
/// assert_eq!(push.payload_json()["text"], "hi");
/// assert_eq!(push.payload_json()["senderPhoneNumber"], "+15550001111");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Google {
    client_token: String,
    agent_id: String,
    sender: String,
}

impl Google {
    /// Deliveries signed with `client_token`, from [`DEFAULT_SENDER`] to
    /// [`DEFAULT_AGENT_ID`].
    pub fn new(client_token: impl Into<String>) -> Self {
        Self {
            client_token: client_token.into(),
            agent_id: DEFAULT_AGENT_ID.to_owned(),
            sender: DEFAULT_SENDER.to_owned(),
        }
    }

    /// Names this agent in every delivery.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = agent_id.into();
        self
    }

    /// Sends every delivery from this user (E.164).
    pub fn sender(mut self, phone_number: impl Into<String>) -> Self {
        self.sender = phone_number.into();
        self
    }

    /// The client token deliveries are signed with.
    pub fn client_token(&self) -> &str {
        &self.client_token
    }

    /// The agent deliveries name.
    pub fn agent(&self) -> &str {
        &self.agent_id
    }

    /// The user deliveries come from.
    pub fn user(&self) -> &str {
        &self.sender
    }

    fn builder(&self, content: Content) -> PushBuilder {
        let is_message = matches!(
            content,
            Content::Text(_)
                | Content::Suggestion { .. }
                | Content::Location { .. }
                | Content::File { .. }
        );
        let now = ids::now();
        PushBuilder {
            client_token: self.client_token.clone(),
            common: Common {
                phone_number: self.sender.clone(),
                agent_id: Some(self.agent_id.clone()),
                // Messages carry a messageId; events an eventId (and, for
                // receipts and TTL events, the agent message's id).
                message_id: is_message.then(ids::client_id),
                event_id: (!is_message).then(ids::client_id),
                send_time: ids::send_time(now),
            },
            attribute_type: if matches!(content, Content::Launch { .. }) {
                "agent_launch_event"
            } else {
                "message"
            },
            content,
            pubsub_id: ids::pubsub_id(),
            publish_time: ids::publish_time(now),
        }
    }

    /// A text message.
    pub fn text(&self, text: impl Into<String>) -> PushBuilder {
        self.builder(Content::Text(text.into()))
    }

    /// A tap on a suggested reply: `postback_data` and the chip's `text`.
    /// [`PushBuilder::as_action_tap`] makes it a tap on a suggested action.
    pub fn postback(
        &self,
        postback_data: impl Into<String>,
        text: impl Into<String>,
    ) -> PushBuilder {
        self.builder(Content::Suggestion {
            postback_data: postback_data.into(),
            text: Some(text.into()),
            response_type: Some("REPLY"),
        })
    }

    /// A shared location.
    pub fn location(&self, latitude: f64, longitude: f64) -> PushBuilder {
        self.builder(Content::Location {
            latitude,
            longitude,
        })
    }

    /// A file at `uri` of type `mime_type` (with its `category` when it is an
    /// image, video or audio file). See [`PushBuilder::file_size`] and friends.
    pub fn file(&self, uri: impl Into<String>, mime_type: impl Into<String>) -> PushBuilder {
        let payload = FileSpec::new(uri, mime_type);
        self.builder(Content::File {
            category: payload::category_of(&payload.mime_type),
            payload,
            thumbnail: None,
        })
    }

    /// A user event. `DELIVERED` and `READ` name an agent message: a random
    /// one unless [`PushBuilder::message_id`] sets it.
    pub fn user_event(&self, event_type: UserEventType) -> PushBuilder {
        let names_a_message = matches!(event_type, UserEventType::Delivered | UserEventType::Read);
        let mut builder = self.builder(Content::UserEvent(event_type));
        if names_a_message {
            builder.common.message_id = Some(ids::uuid());
        }
        builder
    }

    /// A TTL server event about the agent message `agent_message_id`.
    pub fn server_event(
        &self,
        event_type: ServerEventType,
        agent_message_id: impl Into<String>,
    ) -> PushBuilder {
        let mut builder = self.builder(Content::ServerEvent(event_type));
        builder.common.message_id = Some(agent_message_id.into());
        builder
    }

    /// An agent launch event: the launch state went from `old` to `new`.
    pub fn launch_event(&self, old: LaunchState, new: LaunchState) -> PushBuilder {
        self.builder(Content::Launch { old, new })
    }

    /// A delivery whose payload is `data`, as given (unknown kinds, broken JSON).
    pub fn raw(&self, data: impl Into<Vec<u8>>) -> PushBuilder {
        self.builder(Content::Raw(data.into()))
    }

    /// The body of the console's verification handshake for this token.
    pub fn handshake_body(&self, secret: &str) -> Bytes {
        let body = serde_json::json!({"clientToken": self.client_token, "secret": secret});
        Bytes::from(body.to_string())
    }
}

/// One delivery being built; [`build`](Self::build) signs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PushBuilder {
    client_token: String,
    content: Content,
    common: Common,
    attribute_type: &'static str,
    pubsub_id: String,
    publish_time: String,
}

impl PushBuilder {
    /// Sends it from this user (E.164).
    pub fn sender(mut self, phone_number: impl Into<String>) -> Self {
        self.common.phone_number = phone_number.into();
        self
    }

    /// Names this agent.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.common.agent_id = Some(agent_id.into());
        self
    }

    /// Leaves `agentId` out.
    pub fn without_agent_id(mut self) -> Self {
        self.common.agent_id = None;
        self
    }

    /// Sets `messageId` (a message's own id; an event's agent message).
    pub fn message_id(mut self, message_id: impl Into<String>) -> Self {
        self.common.message_id = Some(message_id.into());
        self
    }

    /// Leaves `messageId` out.
    pub fn without_message_id(mut self) -> Self {
        self.common.message_id = None;
        self
    }

    /// Sets `eventId`.
    pub fn event_id(mut self, event_id: impl Into<String>) -> Self {
        self.common.event_id = Some(event_id.into());
        self
    }

    /// Sets `sendTime`, verbatim.
    pub fn send_time(mut self, send_time: impl Into<String>) -> Self {
        self.common.send_time = send_time.into();
        self
    }

    /// Sets the Pub/Sub message id.
    pub fn pubsub_id(mut self, pubsub_id: impl Into<String>) -> Self {
        self.pubsub_id = pubsub_id.into();
        self
    }

    /// Sets the Pub/Sub publish time, verbatim.
    pub fn publish_time(mut self, publish_time: impl Into<String>) -> Self {
        self.publish_time = publish_time.into();
        self
    }

    /// Signs with another client token (a forgery, as far as the webhook knows).
    pub fn client_token(mut self, client_token: impl Into<String>) -> Self {
        self.client_token = client_token.into();
        self
    }

    /// Makes a suggestion response a tap on a suggested *action*: type
    /// `ACTION`, with an `eventId` and no `messageId`, as Google sends those.
    pub fn as_action_tap(mut self) -> Self {
        if let Content::Suggestion { response_type, .. } = &mut self.content {
            *response_type = Some("ACTION");
            self.common.message_id = None;
            self.common.event_id.get_or_insert_with(ids::client_id);
        }
        self
    }

    /// Sets the file's size in bytes (default 1024).
    pub fn file_size(mut self, bytes: u64) -> Self {
        if let Content::File { payload, .. } = &mut self.content {
            payload.size = bytes;
        }
        self
    }

    /// Sets the file's name (default: the URL's last segment).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        if let Content::File { payload, .. } = &mut self.content {
            payload.name = name.into();
        }
        self
    }

    /// Adds a thumbnail to the file.
    pub fn thumbnail(mut self, uri: impl Into<String>, mime_type: impl Into<String>) -> Self {
        if let Content::File { thumbnail, .. } = &mut self.content {
            *thumbnail = Some(FileSpec::new(uri, mime_type));
        }
        self
    }

    /// Signs the payload and wraps it in a push envelope.
    pub fn build(self) -> SignedPush {
        let data = payload::encode(&self.content, &self.common);
        let signature = crate::verify::sign(&self.client_token, &data);
        SignedPush {
            signature,
            pubsub_id: self.pubsub_id,
            publish_time: self.publish_time,
            attribute_type: self.attribute_type,
            agent_id: self.common.agent_id,
            sender: self.common.phone_number,
            message_id: self.common.message_id,
            event_id: self.common.event_id,
            delivery_attempt: 1,
            data: Bytes::from(data),
        }
    }
}

/// A delivery ready to POST: the envelope body and its `X-Goog-Signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPush {
    data: Bytes,
    signature: String,
    pubsub_id: String,
    publish_time: String,
    attribute_type: &'static str,
    agent_id: Option<String>,
    sender: String,
    message_id: Option<String>,
    event_id: Option<String>,
    delivery_attempt: u32,
}

impl SignedPush {
    /// The payload bytes (the decoded `message.data`, which is what is signed).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The payload, parsed.
    pub fn payload_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.data).unwrap_or(serde_json::Value::Null)
    }

    /// The `X-Goog-Signature` header value.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The Pub/Sub message id (kept by redeliveries).
    pub fn pubsub_id(&self) -> &str {
        &self.pubsub_id
    }

    /// The payload's `messageId`, if any.
    pub fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    /// The payload's `eventId`, if any.
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// The user the payload is about.
    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// The agent the payload names, if any.
    pub fn agent_id(&self) -> Option<&str> {
        self.agent_id.as_deref()
    }

    /// Google delivering the same message again: the same payload bytes,
    /// Pub/Sub id and ids, with the next `deliveryAttempt`.
    pub fn redelivery(&self) -> Self {
        Self {
            delivery_attempt: self.delivery_attempt + 1,
            ..self.clone()
        }
    }

    /// The same delivery with another signature header value.
    pub fn with_signature(mut self, signature: impl Into<String>) -> Self {
        self.signature = signature.into();
        self
    }

    /// The envelope JSON, with both spellings of the Pub/Sub fields as Google sends.
    pub fn body(&self) -> Bytes {
        let mut attributes = serde_json::Map::new();
        attributes.insert("type".into(), self.attribute_type.into());
        attributes.insert("product".into(), "RBM".into());
        if let Some(agent_id) = &self.agent_id {
            attributes.insert("business_id".into(), agent_id.as_str().into());
        }
        let mut message = serde_json::json!({
            "attributes": attributes,
            "data": STANDARD.encode(&self.data),
            "messageId": self.pubsub_id,
            "message_id": self.pubsub_id,
            "publishTime": self.publish_time,
            "publish_time": self.publish_time,
        });
        let mut envelope = serde_json::json!({"subscription": SUBSCRIPTION});
        if self.delivery_attempt > 1 {
            envelope["deliveryAttempt"] = self.delivery_attempt.into();
        }
        envelope["message"] = message.take();
        Bytes::from(envelope.to_string())
    }

    /// The HTTP request Google would send to the webhook at `path`.
    pub fn request(&self, path: &str) -> http::Request<Bytes> {
        let body = self.body();
        let mut request = http::Request::new(body);
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = path.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
        let headers = request.headers_mut();
        for (name, value) in self.headers() {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        request
    }

    /// The headers Google sends with it.
    pub fn headers(&self) -> Vec<(http::HeaderName, String)> {
        vec![
            (http::header::CONTENT_TYPE, "application/json".to_owned()),
            (
                http::header::USER_AGENT,
                "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"
                    .to_owned(),
            ),
            (
                http::HeaderName::from_static("x-goog-signature"),
                self.signature.clone(),
            ),
        ]
    }
}
