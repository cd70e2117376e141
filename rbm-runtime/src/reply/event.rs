//! Agent events: read receipts and the typing indicator.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

/// An agent event: a read receipt or a typing indicator. Serialises as the
/// RBM body, `{"eventType": "READ", "messageId": "…"}` or `{"eventType": "IS_TYPING"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentEvent {
    /// Tells the user their message was read.
    Read {
        /// The user's message id.
        message_id: String,
    },
    /// Shows the user that the agent is typing.
    IsTyping,
}

impl AgentEvent {
    /// The RBM `eventType` of this event.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Read { .. } => "READ",
            Self::IsTyping => "IS_TYPING",
        }
    }
}

impl Serialize for AgentEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Read { message_id } => {
                let mut body = serializer.serialize_struct("AgentEvent", 2)?;
                body.serialize_field("eventType", self.event_type())?;
                body.serialize_field("messageId", message_id)?;
                body.end()
            }
            Self::IsTyping => {
                let mut body = serializer.serialize_struct("AgentEvent", 1)?;
                body.serialize_field("eventType", self.event_type())?;
                body.end()
            }
        }
    }
}
