//! Conversation state: what the store keeps per agent and user, as bytes
//! (the agent's serde type, serialised as JSON by the runtime).

use std::fmt;

/// Whose conversation state: one agent and one user.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StateKey {
    /// The agent's id.
    pub agent: String,
    /// The user's phone number.
    pub user: String,
}

impl StateKey {
    /// The state of `user` with `agent`.
    pub fn new(agent: impl Into<String>, user: impl Into<String>) -> Self {
        Self {
            agent: agent.into(),
            user: user.into(),
        }
    }
}

/// Masks the phone number: a key may end up in a log line.
impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateKey")
            .field("agent", &self.agent)
            .field(
                "user",
                &format_args!("{}", crate::mask::MaskedPhone(&self.user)),
            )
            .finish()
    }
}

/// A user's state as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredState {
    /// The serialised state.
    pub data: Vec<u8>,
    /// When it was last written (unix milliseconds): state untouched for
    /// longer than the store's `state_ttl` reads as absent.
    pub updated_at_ms: i64,
}

/// A change of one user's state, written in the same transaction as the
/// done mark of the delivery whose handler made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// Whose state.
    pub key: StateKey,
    /// The new state; `None` resets it (deletes it: it reads as absent).
    pub data: Option<Vec<u8>>,
}
