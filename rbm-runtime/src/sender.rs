//! Where replies go: the [`ReplySender`] trait and the default log sender.

use std::future::Future;
use std::pin::Pin;

use crate::reply::{AgentEvent, Reply};

/// A boxed future, as returned by [`ReplySender`] methods.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// One agent message, addressed and with its deterministic id.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// The recipient (E.164).
    pub phone_number: String,
    /// The agent sending it, when known.
    pub agent_id: Option<String>,
    /// The message id (a UUID derived from the event it answers and its position).
    pub message_id: String,
    /// What to send.
    pub reply: Reply,
}

/// The namespace of the message ids derived from a caller's key, apart
/// from the ids of replies (see [`OutgoingMessage::key`]).
const KEYED_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x3b0e_91d4_5c7a_4f26_a8e1_07d9_c2b4_6f15);

impl OutgoingMessage {
    /// A message the business starts (a notification, a reminder) to
    /// `phone_number`, with a fresh random id. Give it a [`key`](Self::key)
    /// when the job sending it may run again.
    pub fn to(phone_number: impl Into<String>, reply: Reply) -> Self {
        Self {
            phone_number: phone_number.into(),
            agent_id: None,
            message_id: uuid::Uuid::new_v4().to_string(),
            reply,
        }
    }

    /// Derives the message id from `key` (an order number, a reminder's
    /// date, a campaign's name) and the recipient: sending again with the
    /// same key to the same number reuses the id, which the platform
    /// ignores (`409`), so a retried job never sends twice.
    pub fn key(mut self, key: &str) -> Self {
        let name = format!("{}\n{key}", self.phone_number);
        self.message_id = uuid::Uuid::new_v5(&KEYED_ID_NAMESPACE, name.as_bytes()).to_string();
        self
    }

    /// Sends it for `agent_id` rather than the client's default agent.
    pub fn agent(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }
}

/// One agent event (read receipt, typing indicator), addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    /// The recipient (E.164).
    pub phone_number: String,
    /// The agent sending it, when known.
    pub agent_id: Option<String>,
    /// The event id (a UUID derived from the event it answers and its position).
    pub event_id: String,
    /// What to send.
    pub event: AgentEvent,
}

/// Why a reply could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The reply breaks a documented limit; it was never sent.
    #[error("invalid reply: {0}")]
    Invalid(String),
    /// The RBM API refused it for good (400, 403, 404): retrying cannot help.
    #[error("the RBM API refused the reply with {status}: {message}")]
    Permanent {
        /// The HTTP status.
        status: u16,
        /// What the API said.
        message: String,
    },
    /// It still failed after the retries (429, 5xx, network): worth redelivering.
    #[error("the reply could not be sent: {0}")]
    Transient(String),
}

impl SendError {
    /// Whether handling the delivery again could succeed (the delivery answers
    /// `500` so Google redelivers it).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Sends replies and agent events to users; the RBM API client implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot send RBM replies",
    note = "implement `rbm_runtime::ReplySender` (send_message and send_event) for it"
)]
pub trait ReplySender: Send + Sync + 'static {
    /// Sends one agent message. Must be idempotent on `message.message_id`.
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a>;

    /// Sends one agent event. Must be idempotent on `event.event_id`.
    fn send_event<'a>(&'a self, event: &'a OutgoingEvent) -> SendFuture<'a>;
}

/// The sender used when no RBM API credentials are configured: every reply
/// is written to the log (at `info`) instead of being sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSender;

impl ReplySender for LogSender {
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        tracing::info!(
            to = %crate::mask::MaskedPhone(&message.phone_number),
            message_id = %message.message_id,
            reply = %crate::escape::Escaped(&message.reply),
            "reply (not sent: no RBM API credentials)"
        );
        Box::pin(std::future::ready(Ok(())))
    }

    fn send_event<'a>(&'a self, event: &'a OutgoingEvent) -> SendFuture<'a> {
        tracing::info!(
            to = %crate::mask::MaskedPhone(&event.phone_number),
            event_id = %event.event_id,
            event = ?event.event,
            "agent event (not sent: no RBM API credentials)"
        );
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gives_the_same_id_for_the_same_number_only() {
        let reply = || Reply::text("Your order shipped");
        let first = OutgoingMessage::to("+12223334444", reply()).key("order-17");
        let again = OutgoingMessage::to("+12223334444", reply()).key("order-17");
        let other = OutgoingMessage::to("+12223335555", reply()).key("order-17");
        assert_eq!(first.message_id, again.message_id);
        assert_ne!(first.message_id, other.message_id);
        let unkeyed = OutgoingMessage::to("+12223334444", reply());
        assert_ne!(
            unkeyed.message_id,
            OutgoingMessage::to("+12223334444", reply()).message_id
        );
    }
}
