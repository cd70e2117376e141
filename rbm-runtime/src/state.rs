//! A user's conversation state during one delivery: loaded before the
//! handler, changed by it, and written with the delivery's done mark once
//! the handler succeeded (see `server/handling.rs`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::handler_error::HandlerError;
use crate::mask::MaskedPhone;
use crate::store::{StateChange, StateKey};

/// The state of the user a delivery is about, as the handler sees it.
#[derive(Debug, Default)]
pub(crate) struct StateSlot {
    /// Whose state; `None` when the delivery has no user (or its agent
    /// declares no state): then nothing is loaded or written.
    key: Option<StateKey>,
    /// As stored when the delivery came (`None`: no state yet, or expired).
    loaded: Option<Vec<u8>>,
    /// What the handler set: `Some(None)` is a reset.
    changed: Mutex<Option<Option<Vec<u8>>>>,
    /// With a state TTL, a handled delivery rewrites the state it read, so
    /// that state in use does not expire.
    touch: bool,
    /// The stored state did not deserialise and that was logged.
    warned: AtomicBool,
}

impl StateSlot {
    /// The state of `key`, stored as `loaded`.
    pub(crate) fn new(key: StateKey, loaded: Option<Vec<u8>>, touch: bool) -> Self {
        Self {
            key: Some(key),
            loaded,
            touch,
            ..Self::default()
        }
    }

    /// The current state as `T`: what the handler set, else what was
    /// stored, else `T::default()`. Stored bytes that no longer deserialise
    /// as `T` (its type changed between deploys) are logged once and read
    /// as `T::default()`.
    pub(crate) fn get<T: DeserializeOwned + Default>(&self) -> T {
        // Read under the lock rather than copied out: nothing awaits here.
        let changed = self.lock();
        let bytes = match &*changed {
            Some(now) => now.as_deref(),
            None => self.loaded.as_deref(),
        };
        let Some(bytes) = bytes else {
            return T::default();
        };
        match serde_json::from_slice(bytes) {
            Ok(state) => state,
            Err(error) => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    let (agent, user) = self
                        .key
                        .as_ref()
                        .map_or(("", ""), |key| (key.agent.as_str(), key.user.as_str()));
                    tracing::warn!(
                        agent = %crate::escape::Escaped(agent),
                        user = %MaskedPhone(user),
                        %error,
                        "the stored conversation state does not fit the agent's state type; using its default"
                    );
                }
                T::default()
            }
        }
    }

    /// Sets the state to `state`.
    pub(crate) fn set<T: Serialize>(&self, state: &T) -> Result<(), HandlerError> {
        let bytes = serde_json::to_vec(state).map_err(|error| {
            HandlerError::permanent(format!(
                "the conversation state does not serialise: {error}"
            ))
        })?;
        *self.lock() = Some(Some(bytes));
        Ok(())
    }

    /// Resets the state: the next delivery sees `T::default()`.
    pub(crate) fn reset(&self) {
        *self.lock() = Some(None);
    }

    /// What to write with the done mark: `None` when nothing changed (and
    /// no TTL asks for a touch).
    pub(crate) fn change(&self) -> Option<StateChange> {
        let key = self.key.clone()?;
        let data = match self.changed_now() {
            Some(now) if now == self.loaded && !self.touch => return None,
            Some(now) => now,
            None if self.touch && self.loaded.is_some() => self.loaded.clone(),
            None => return None,
        };
        Some(StateChange { key, data })
    }

    fn changed_now(&self) -> Option<Option<Vec<u8>>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Option<Vec<u8>>>> {
        self.changed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Count {
        n: u32,
    }

    fn slot(loaded: Option<&str>, touch: bool) -> StateSlot {
        let key = StateKey::new("agent", "+15550001234");
        StateSlot::new(key, loaded.map(|s| s.as_bytes().to_vec()), touch)
    }

    #[test]
    fn no_state_reads_as_default_and_writes_nothing() {
        let slot = slot(None, false);
        assert_eq!(slot.get::<Count>(), Count::default());
        assert_eq!(slot.change(), None);
    }

    #[test]
    fn a_set_is_read_back_and_written_unless_unchanged() {
        let slot = slot(Some(r#"{"n":1}"#), false);
        assert_eq!(slot.get::<Count>(), Count { n: 1 });
        slot.set(&Count { n: 1 }).expect("serialises");
        assert_eq!(slot.change(), None, "the same state: nothing to write");
        slot.set(&Count { n: 2 }).expect("serialises");
        assert_eq!(slot.get::<Count>(), Count { n: 2 });
        let change = slot.change().expect("a change");
        assert_eq!(change.data.as_deref(), Some(&br#"{"n":2}"#[..]));
    }

    #[test]
    fn a_reset_deletes_and_a_ttl_touches_what_was_read() {
        let reset = slot(Some(r#"{"n":1}"#), false);
        reset.reset();
        assert_eq!(reset.get::<Count>(), Count::default());
        assert_eq!(reset.change().map(|c| c.data), Some(None));

        let touched = slot(Some(r#"{"n":1}"#), true);
        let _ = touched.get::<Count>();
        let change = touched.change().expect("a touch");
        assert_eq!(change.data.as_deref(), Some(&br#"{"n":1}"#[..]));
    }

    #[test]
    fn state_that_no_longer_fits_its_type_reads_as_default() {
        let slot = slot(Some(r#"{"n":"not a number"}"#), false);
        assert_eq!(slot.get::<Count>(), Count::default());
        assert_eq!(
            slot.get::<Count>(),
            Count::default(),
            "warned once, still default"
        );
    }
}
