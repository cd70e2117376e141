//! Classifying the decoded `message.data` into one payload kind
//! (docs/protocol.md#payload-kinds).

use serde::Deserialize;

use super::json_fields::optional_fields;
use super::{
    AgentLaunchEvent, LaunchState, Location, MessageContent, RichMessageClassification, SendTime,
    ServerEvent, ServerEventType, SuggestionResponse, UserEvent, UserEventType, UserFile,
    UserMessage,
};

/// What a push delivery carries, once authenticated and decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A message from a user.
    Message(UserMessage),
    /// An event about a user (receipt, typing, subscription).
    UserEvent(UserEvent),
    /// A platform event about an agent message (TTL expiry).
    ServerEvent(ServerEvent),
    /// A change of the agent's launch state.
    LaunchEvent(AgentLaunchEvent),
    /// JSON of a kind this version does not know, or that did not parse.
    Unknown(UnknownPayload),
}

/// The short name of a payload's kind, for logs and route metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// A user message.
    Message,
    /// A user event.
    UserEvent,
    /// A server event.
    ServerEvent,
    /// An agent launch event.
    LaunchEvent,
    /// Anything else.
    Unknown,
}

impl PayloadKind {
    /// A stable lowercase name, e.g. `user_event`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::UserEvent => "user_event",
            Self::ServerEvent => "server_event",
            Self::LaunchEvent => "launch_event",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authentic payload rbm could not classify, kept as raw JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownPayload {
    /// The payload, parsed as generic JSON.
    pub json: serde_json::Value,
    /// Why it is unknown (for logs): no matching kind, or which field failed.
    pub reason: String,
}

impl UnknownPayload {
    /// The `agentId` field, if the JSON has one.
    pub fn agent_id(&self) -> Option<&str> {
        self.json.get("agentId")?.as_str()
    }
}

optional_fields! {
    /// Every field of every kind: parsed once, then sorted out by [`Payload::classify`].
    struct RawPayload {
        sender_phone_number: String = b"senderPhoneNumber",
        phone_number: Box<str> = b"phoneNumber",
        message_id: String = b"messageId",
        event_id: String = b"eventId",
        event_type: String = b"eventType",
        send_time: SendTime = b"sendTime",
        agent_id: String = b"agentId",
        text: String = b"text",
        // Boxed (and texts as `Box<str>`, two words instead of three): the raw
        // payload is moved several times on its way to a `Payload`, and these
        // are rare (only server and launch events have them) or large.
        suggestion_response: Box<SuggestionResponse> = b"suggestionResponse",
        location: Location = b"location",
        user_file: Box<UserFile> = b"userFile",
        rich_message_classification: Box<RichMessageClassification> = b"richMessageClassification",
        carrier: String = b"carrier",
        bot_display_name: Box<str> = b"botDisplayName",
        brand_id: Box<str> = b"brandId",
        brand_display_name: Box<str> = b"brandDisplayName",
        region_id: Box<str> = b"regionId",
        old_launch_state: Box<LaunchState> = b"oldLaunchState",
        new_launch_state: Box<LaunchState> = b"newLaunchState",
        acting_party: Box<str> = b"actingParty",
        comment: Box<str> = b"comment",
    }
}

/// A rare field of [`RawPayload`], out of its box.
fn unboxed<T>(field: Option<Box<T>>) -> Option<T> {
    field.map(|value| *value)
}

impl Payload {
    /// Classifies decoded payload bytes. `attribute_type` is the envelope's
    /// unsigned `attributes.type` hint. Bytes that are not JSON at all give
    /// `Err`: there is nothing to keep.
    pub fn classify(data: &[u8], attribute_type: Option<&str>) -> Result<Self, serde_json::Error> {
        // serde also reads a struct from a JSON array, by position: an array has no fields.
        if data.trim_ascii_start().starts_with(b"[") {
            let json: serde_json::Value = serde_json::from_slice(data)?;
            return Ok(Self::unknown(json, "a JSON array, not an object".into()));
        }
        // Read with a deserializer of its own rather than `from_slice`,
        // whose layers each move the raw payload once more.
        let mut json = serde_json::Deserializer::from_slice(data);
        let raw = match RawPayload::deserialize(&mut json) {
            Ok(raw) => {
                // Anything but whitespace after the object: not JSON.
                json.end()?;
                raw
            }
            Err(typed) => {
                let json: serde_json::Value = serde_json::from_slice(data)?;
                // Not the serde message itself: it quotes the offending value,
                // which may be a phone number, and this reason is logged.
                let reason = format!(
                    "its fields do not parse (at line {}, column {})",
                    typed.line(),
                    typed.column()
                );
                return Ok(Self::unknown(json, reason));
            }
        };
        Ok(match raw.kind(attribute_type) {
            PayloadKind::LaunchEvent => Self::LaunchEvent(raw.into_launch_event()),
            PayloadKind::ServerEvent => Self::ServerEvent(raw.into_server_event()),
            PayloadKind::UserEvent => Self::UserEvent(raw.into_user_event()),
            PayloadKind::Message => match raw.into_user_message() {
                Ok(message) => Self::Message(message),
                Err(reason) => Self::unknown(serde_json::from_slice(data)?, reason.into()),
            },
            PayloadKind::Unknown => Self::unknown(
                serde_json::from_slice(data)?,
                "no known payload kind matches its fields".into(),
            ),
        })
    }

    fn unknown(json: serde_json::Value, reason: String) -> Self {
        Self::Unknown(UnknownPayload { json, reason })
    }

    /// The kind of this payload.
    pub fn kind(&self) -> PayloadKind {
        match self {
            Self::Message(_) => PayloadKind::Message,
            Self::UserEvent(_) => PayloadKind::UserEvent,
            Self::ServerEvent(_) => PayloadKind::ServerEvent,
            Self::LaunchEvent(_) => PayloadKind::LaunchEvent,
            Self::Unknown(_) => PayloadKind::Unknown,
        }
    }

    /// The agent the payload is for, if it names one.
    pub fn agent_id(&self) -> Option<&str> {
        match self {
            Self::Message(m) => m.agent_id.as_deref(),
            Self::UserEvent(e) => e.agent_id.as_deref(),
            Self::ServerEvent(e) => e.agent_id.as_deref(),
            Self::LaunchEvent(e) => e.agent_id.as_deref(),
            Self::Unknown(u) => u.agent_id(),
        }
    }

    /// The user's phone number: the sender, or the recipient of a server event.
    pub fn phone_number(&self) -> Option<&str> {
        match self {
            Self::Message(m) => Some(&m.sender_phone_number),
            Self::UserEvent(e) => Some(&e.sender_phone_number),
            Self::ServerEvent(e) => Some(&e.phone_number),
            Self::LaunchEvent(_) | Self::Unknown(_) => None,
        }
    }

    /// The payload's own message id, if any (for events: the agent message concerned).
    pub fn message_id(&self) -> Option<&str> {
        match self {
            Self::Message(m) => m.message_id.as_deref(),
            Self::UserEvent(e) => e.message_id.as_deref(),
            Self::ServerEvent(e) => e.message_id.as_deref(),
            Self::LaunchEvent(_) | Self::Unknown(_) => None,
        }
    }

    /// The payload's event id, if any.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Self::Message(m) => m.event_id.as_deref(),
            Self::UserEvent(e) => e.event_id.as_deref(),
            Self::ServerEvent(e) => e.event_id.as_deref(),
            Self::LaunchEvent(e) => e.event_id.as_deref(),
            Self::Unknown(_) => None,
        }
    }

    /// When the payload was sent.
    pub fn send_time(&self) -> Option<&SendTime> {
        match self {
            Self::Message(m) => m.send_time.as_ref(),
            Self::UserEvent(e) => e.send_time.as_ref(),
            Self::ServerEvent(e) => e.send_time.as_ref(),
            Self::LaunchEvent(e) => e.send_time.as_ref(),
            Self::Unknown(_) => None,
        }
    }
}

impl RawPayload {
    fn kind(&self, attribute_type: Option<&str>) -> PayloadKind {
        let has_content = self.text.is_some()
            || self.user_file.is_some()
            || self.location.is_some()
            || self.suggestion_response.is_some();
        if self.new_launch_state.is_some() || attribute_type == Some("agent_launch_event") {
            PayloadKind::LaunchEvent
        } else if self.event_type.is_some() && self.sender_phone_number.is_some() {
            PayloadKind::UserEvent
        } else if self.event_type.is_some() && self.phone_number.is_some() {
            PayloadKind::ServerEvent
        } else if self.sender_phone_number.is_some() && has_content {
            PayloadKind::Message
        } else {
            PayloadKind::Unknown
        }
    }

    fn into_launch_event(self) -> AgentLaunchEvent {
        AgentLaunchEvent {
            event_id: self.event_id,
            agent_id: self.agent_id,
            bot_display_name: self.bot_display_name.map(String::from),
            brand_id: self.brand_id.map(String::from),
            brand_display_name: self.brand_display_name.map(String::from),
            region_id: self.region_id.map(String::from),
            old_launch_state: unboxed(self.old_launch_state),
            new_launch_state: unboxed(self.new_launch_state),
            acting_party: self.acting_party.map(String::from),
            comment: self.comment.map(String::from),
            send_time: self.send_time,
        }
    }

    fn into_server_event(self) -> ServerEvent {
        ServerEvent {
            phone_number: self.phone_number.map(String::from).unwrap_or_default(),
            event_type: ServerEventType::from(self.event_type.as_deref().unwrap_or_default()),
            event_id: self.event_id,
            message_id: self.message_id,
            send_time: self.send_time,
            agent_id: self.agent_id,
        }
    }

    fn into_user_event(self) -> UserEvent {
        UserEvent {
            sender_phone_number: self.sender_phone_number.unwrap_or_default(),
            event_type: UserEventType::from(self.event_type.as_deref().unwrap_or_default()),
            event_id: self.event_id,
            message_id: self.message_id,
            send_time: self.send_time,
            agent_id: self.agent_id,
        }
    }

    fn into_user_message(self) -> Result<UserMessage, &'static str> {
        // Counted first, then taken by value: an array of the four optional
        // contents would move several hundred bytes on every message.
        let contents = usize::from(self.text.is_some())
            + usize::from(self.suggestion_response.is_some())
            + usize::from(self.location.is_some())
            + usize::from(self.user_file.is_some());
        if contents > 1 {
            return Err("a user message with more than one content");
        }
        let content = if let Some(text) = self.text {
            MessageContent::Text(text)
        } else if let Some(response) = self.suggestion_response {
            MessageContent::SuggestionResponse(*response)
        } else if let Some(location) = self.location {
            MessageContent::Location(location)
        } else if let Some(file) = self.user_file {
            MessageContent::UserFile(*file)
        } else {
            return Err("a user message without content");
        };
        Ok(UserMessage {
            sender_phone_number: self.sender_phone_number.unwrap_or_default(),
            message_id: self.message_id,
            event_id: self.event_id,
            send_time: self.send_time,
            agent_id: self.agent_id,
            rich_message_classification: self.rich_message_classification.map(|c| *c),
            carrier: self.carrier,
            content,
        })
    }
}
