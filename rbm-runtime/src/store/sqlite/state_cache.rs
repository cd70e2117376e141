//! The conversation states read or written lately, in memory: reading one
//! from the file costs a trip to the blocking pool and the reader's lock,
//! for every delivery of an agent with state (measured: the counter example
//! made half the acknowledgements a second of the echo example without it).
//!
//! One process serves from a store, and one user's deliveries run one at a
//! time, each after the previous one's write was answered: a write updates
//! the cache before the user's next delivery reads it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::store::{StateChange, StateKey, StoredState};

/// The most states kept; past it the cache starts again empty (a bound on
/// memory, not a policy: a miss only costs a read).
const CAPACITY: usize = 10_000;

/// Known states by key; `None` is a user known to have none.
#[derive(Debug, Default)]
pub(super) struct StateCache(Mutex<HashMap<StateKey, Option<StoredState>>>);

impl StateCache {
    /// What is known of `key`: `None` if nothing is.
    pub(super) fn get(&self, key: &StateKey) -> Option<Option<StoredState>> {
        self.lock().get(key).cloned()
    }

    /// Remembers what the file holds for `key`.
    pub(super) fn put(&self, key: StateKey, state: Option<StoredState>) {
        let mut states = self.lock();
        if states.len() >= CAPACITY && !states.contains_key(&key) {
            states.clear();
        }
        states.insert(key, state);
    }

    /// A change the file committed, at `now_ms`.
    pub(super) fn changed(&self, change: StateChange, now_ms: i64) {
        let state = change.data.map(|data| StoredState {
            data,
            updated_at_ms: now_ms,
        });
        self.put(change.key, state);
    }

    /// Forgets `key`: a write whose outcome is unknown.
    pub(super) fn forget(&self, key: &StateKey) {
        self.lock().remove(key);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<StateKey, Option<StoredState>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_states_absences_and_forgets_on_demand() {
        let cache = StateCache::default();
        let key = StateKey::new("agent", "+1555");
        assert_eq!(cache.get(&key), None, "unknown");
        cache.put(key.clone(), None);
        assert_eq!(cache.get(&key), Some(None), "known to be absent");
        let change = StateChange {
            key: key.clone(),
            data: Some(b"{}".to_vec()),
        };
        cache.changed(change, 7);
        let known = cache.get(&key).flatten().expect("a state");
        assert_eq!(
            (known.data.as_slice(), known.updated_at_ms),
            (&b"{}"[..], 7)
        );
        cache.forget(&key);
        assert_eq!(cache.get(&key), None);
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = StateCache::default();
        for n in 0..=CAPACITY {
            cache.put(StateKey::new("a", n.to_string()), None);
        }
        assert!(cache.lock().len() <= CAPACITY);
    }
}
