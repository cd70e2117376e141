//! What a handler can do besides returning replies: send extra replies and
//! agent events, with ids derived from the delivery it handles.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tracing::Instrument as _;
use uuid::Uuid;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::handler_error::HandlerError;
use crate::mask::MaskedPhone;
use crate::reply::{AgentEvent, Reply};
use crate::sender::{OutgoingEvent, OutgoingMessage, ReplySender, SendError};
use crate::state::StateSlot;
use crate::store::StateChange;

/// The namespace of every id rbm derives (UUID v5 of the delivery identity).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c2e_8d4b_4e77_9b1a_52c4_0e6f_d913);

/// The handling of one delivery: who to answer, and the id sequence that
/// makes a redelivered event produce the same reply ids again.
pub struct Context {
    sender: Arc<dyn ReplySender>,
    phone_number: Option<String>,
    agent_id: Option<String>,
    user_message_id: Option<String>,
    identity: String,
    next_position: AtomicU32,
    state: StateSlot,
    /// Why replies were dropped (refused for good): the testing kit and
    /// `rbm chat` show it.
    dropped: std::sync::Mutex<Vec<String>>,
}

// Neither the phone number nor the identity (which contains it) is
// printed whole: a `Context` in a `{:?}` must not leak a user's number.
impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field(
                "phone_number",
                &self.phone_number.as_deref().map(MaskedPhone),
            )
            .field("agent_id", &self.agent_id)
            .field("user_message_id", &self.user_message_id)
            .field("sent", &self.next_position.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context answering `phone_number` for the delivery whose stable
    /// identity is `identity` (ids of replies derive from it).
    pub fn new(
        sender: Arc<dyn ReplySender>,
        identity: impl Into<String>,
        phone_number: Option<String>,
        agent_id: Option<String>,
        user_message_id: Option<String>,
    ) -> Self {
        Self {
            sender,
            phone_number,
            agent_id,
            user_message_id,
            identity: identity.into(),
            next_position: AtomicU32::new(0),
            state: StateSlot::default(),
            dropped: std::sync::Mutex::default(),
        }
    }

    /// This context with the user's conversation state.
    pub(crate) fn with_state(mut self, state: StateSlot) -> Self {
        self.state = state;
        self
    }

    /// Why replies were dropped, one line each; empty if none was.
    pub(crate) fn dropped(&self) -> Vec<String> {
        self.dropped
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The state change to write with the delivery's done mark, if any.
    pub(crate) fn state_change(&self) -> Option<StateChange> {
        self.state.change()
    }

    /// The user's conversation state (see `#[rbm_agent(state = T)]`): what
    /// this delivery's handler set, else what the last handled delivery of
    /// this user left, else `T::default()`. State that no longer
    /// deserialises as `T` is logged once and read as `T::default()`.
    /// Without a declared state (or a user) it is always `T::default()`.
    pub fn state<T: DeserializeOwned + Default>(&self) -> T {
        self.state.get()
    }

    /// Sets the user's conversation state. It is stored with the delivery's
    /// done mark once the handler succeeded; a handler that fails, panics or
    /// times out leaves the stored state as it was.
    pub fn set_state<T: Serialize>(&self, state: &T) -> Result<(), HandlerError> {
        self.state.set(state)
    }

    /// Resets the user's conversation state: the next delivery sees the
    /// state type's `Default`.
    pub fn reset_state(&self) {
        self.state.reset();
    }

    /// The user this delivery is about, if it has one.
    pub fn phone_number(&self) -> Option<&str> {
        self.phone_number.as_deref()
    }

    /// The agent the delivery is for, if it names one.
    pub fn agent_id(&self) -> Option<&str> {
        self.agent_id.as_deref()
    }

    /// Sends a reply now, before the handler returns.
    pub async fn reply(&self, reply: impl Into<Reply>) -> Result<(), SendError> {
        let message = OutgoingMessage {
            phone_number: self.recipient()?.to_owned(),
            agent_id: self.agent_id.clone(),
            message_id: self.next_id("message").to_string(),
            reply: reply.into(),
        };
        let span = crate::logging::spans::send("message", &message.message_id);
        // Entered for the call too: a sender may do its work there.
        let sending = span.in_scope(|| self.sender.send_message(&message));
        sending.instrument(span).await
    }

    /// Sends several replies in order. A reply the RBM API refuses for good
    /// is logged and skipped (the rest still go); a failure worth retrying
    /// stops here and is returned, so the delivery can be redelivered.
    pub async fn reply_all(&self, replies: Vec<Reply>) -> Result<(), SendError> {
        for reply in replies {
            match self.reply(reply).await {
                Ok(()) => {}
                Err(error) if error.is_retryable() => return Err(error),
                Err(error) => {
                    tracing::error!(%error, "reply dropped: the RBM API will never accept it");
                    self.dropped
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(format!("a reply was not sent: {error}"));
                }
            }
        }
        Ok(())
    }

    /// Sends a read receipt for the user message being handled.
    pub async fn mark_read(&self) -> Result<(), SendError> {
        let message_id = self.user_message_id.clone().ok_or_else(|| {
            SendError::Invalid("a read receipt needs a user message with a messageId".into())
        })?;
        self.send_event(AgentEvent::Read { message_id }).await
    }

    /// Shows the typing indicator to the user.
    pub async fn typing(&self) -> Result<(), SendError> {
        self.send_event(AgentEvent::IsTyping).await
    }

    /// Sends an agent event to the user.
    pub async fn send_event(&self, event: AgentEvent) -> Result<(), SendError> {
        let event = OutgoingEvent {
            phone_number: self.recipient()?.to_owned(),
            agent_id: self.agent_id.clone(),
            event_id: self.next_id("event").to_string(),
            event,
        };
        let span = crate::logging::spans::send("event", &event.event_id);
        let sending = span.in_scope(|| self.sender.send_event(&event));
        sending.instrument(span).await
    }

    fn recipient(&self) -> Result<&str, SendError> {
        self.phone_number
            .as_deref()
            .ok_or_else(|| SendError::Invalid("this delivery has no user to answer".into()))
    }

    /// The next id in this delivery's sequence: the same delivery handled
    /// again yields the same ids in the same order.
    fn next_id(&self, what: &str) -> Uuid {
        let position = self.next_position.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}#{what}#{position}", self.identity);
        Uuid::new_v5(&ID_NAMESPACE, name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sender::LogSender;

    fn context(identity: &str) -> Context {
        Context::new(
            Arc::new(LogSender),
            identity,
            Some("+1555".into()),
            None,
            None,
        )
    }

    #[test]
    fn ids_repeat_for_the_same_delivery_and_differ_by_position() {
        let first = context("agent/+1555/m1");
        let again = context("agent/+1555/m1");
        let other = context("agent/+1555/m2");
        let a = [first.next_id("message"), first.next_id("message")];
        let b = [again.next_id("message"), again.next_id("message")];
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
        assert_ne!(a[0], other.next_id("message"));
    }

    #[test]
    fn debug_masks_the_phone_number() {
        let ctx = Context::new(
            Arc::new(LogSender),
            "message/agent/+12223334444/m1",
            Some("+12223334444".into()),
            Some("agent".into()),
            Some("m1".into()),
        );
        let printed = format!("{ctx:?}");
        assert!(!printed.contains("2223334444"), "{printed}");
        assert!(printed.contains("***4444"), "{printed}");
        assert!(printed.contains("agent"), "{printed}");
    }
}
