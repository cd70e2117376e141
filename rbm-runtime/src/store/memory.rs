//! The in-memory store: the same semantics as the file store, lost on exit.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{
    Appended, Claim, DeadLetter, DedupeKey, Entry, EntryId, InboxStatus, NewEntry, Selection,
    StateChange, StateKey, Store, StoreConfig, StoreError, StoreFuture, StoredState,
};
use crate::dedupe::{KeySet, PrehashedKeys};

/// Done marks are pruned after this many completions, at most
/// [`PRUNE_BATCH`] at a time, so that no single completion pays for a sweep.
pub(super) const PRUNE_EVERY: u64 = 256;
/// The most done marks one automatic prune removes.
pub(super) const PRUNE_BATCH: usize = 1024;

/// A handled (or dropped) delivery, remembered so a redelivery is a duplicate.
#[derive(Debug)]
struct DoneMark {
    done_at_ms: i64,
    keys: Vec<DedupeKey>,
}

#[derive(Debug, Default)]
struct State {
    next_id: i64,
    waiting: BTreeMap<EntryId, Entry>,
    dead: BTreeMap<EntryId, DeadLetter>,
    /// Every key of a waiting entry, a dead letter or a done mark.
    marked: KeySet,
    /// Done marks in the order they were made, oldest first.
    done: VecDeque<DoneMark>,
    /// Keys claimed by inline deliveries being handled now.
    in_flight: HashSet<DedupeKey, PrehashedKeys>,
    /// Conversation state per agent and user.
    states: HashMap<StateKey, StoredState>,
    completions_since_prune: u64,
}

/// A [`Store`] in this process's memory. Bounded like the file store: done
/// marks are pruned by age and count; entries are kept until handled.
#[derive(Debug)]
pub struct MemoryStore {
    state: Mutex<State>,
    config: StoreConfig,
}

impl MemoryStore {
    /// An empty store bounding its marks as `config` says.
    pub fn new(config: StoreConfig) -> Self {
        Self {
            state: Mutex::new(State {
                next_id: 1,
                ..State::default()
            }),
            config,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every operation leaves the state valid between statements, so a
        // holder that panicked left nothing half-done worth refusing over.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append_now(&self, new: NewEntry) -> Appended {
        let mut state = self.lock();
        if new.keys.iter().any(|key| state.marked.contains(key)) {
            return Appended::Duplicate;
        }
        state.marked.extend(new.keys.iter().copied());
        let id = EntryId(state.next_id);
        state.next_id += 1;
        state.waiting.insert(id, Entry::new(id, new));
        Appended::Stored(id)
    }

    fn complete_now(&self, id: EntryId, change: Option<StateChange>) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state
            .waiting
            .remove(&id)
            .ok_or(StoreError::UnknownEntry(id))?;
        self.mark_done(&mut state, entry.keys);
        self.apply(&mut state, change);
        Ok(())
    }

    fn apply(&self, state: &mut State, change: Option<StateChange>) {
        let Some(StateChange { key, data }) = change else {
            return;
        };
        match data {
            Some(data) => {
                let updated_at_ms = self.config.clock.now_ms();
                state.states.insert(
                    key,
                    StoredState {
                        data,
                        updated_at_ms,
                    },
                );
            }
            None => {
                state.states.remove(&key);
            }
        }
    }

    fn record_failure_now(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state
            .waiting
            .get_mut(&id)
            .ok_or(StoreError::UnknownEntry(id))?;
        entry.attempts = attempts;
        entry.next_attempt_at_ms = next_attempt_at_ms;
        entry.last_error = Some(error.to_owned());
        Ok(())
    }

    fn dead_letter_now(&self, id: EntryId, error: &str) -> Result<(), StoreError> {
        let died_at_ms = self.config.clock.now_ms();
        let mut state = self.lock();
        let mut entry = state
            .waiting
            .remove(&id)
            .ok_or(StoreError::UnknownEntry(id))?;
        entry.last_error = Some(error.to_owned());
        let letter = DeadLetter {
            entry,
            error: error.to_owned(),
            died_at_ms,
        };
        state.dead.insert(id, letter);
        Ok(())
    }

    /// The ids `which` selects among the dead letters, oldest first.
    fn selected(state: &State, which: Selection) -> Result<Vec<EntryId>, StoreError> {
        match which {
            Selection::One(id) if state.dead.contains_key(&id) => Ok(vec![id]),
            Selection::One(id) => Err(StoreError::UnknownEntry(id)),
            Selection::All => Ok(state.dead.keys().copied().collect()),
        }
    }

    fn retry_dead_now(&self, which: Selection) -> Result<Vec<Entry>, StoreError> {
        let now = self.config.clock.now_ms();
        let mut state = self.lock();
        let mut retried = Vec::new();
        for old in Self::selected(&state, which)? {
            let Some(letter) = state.dead.remove(&old) else {
                continue;
            };
            let id = EntryId(state.next_id);
            state.next_id += 1;
            let entry = Entry {
                id,
                attempts: 0,
                next_attempt_at_ms: now,
                queued_at_ms: now,
                ..letter.entry
            };
            state.waiting.insert(id, entry.clone());
            retried.push(entry);
        }
        Ok(retried)
    }

    fn drop_dead_now(&self, which: Selection) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let mut dropped = 0;
        for id in Self::selected(&state, which)? {
            if let Some(letter) = state.dead.remove(&id) {
                self.mark_done(&mut state, letter.entry.keys);
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    fn status_now(&self) -> InboxStatus {
        let state = self.lock();
        InboxStatus {
            waiting: state.waiting.len() as u64,
            retrying: state.waiting.values().filter(|e| e.attempts > 0).count() as u64,
            oldest_received_at_ms: state.waiting.values().map(|e| e.received_at_ms).min(),
            dead: state.dead.len() as u64,
            done_marks: state.done.len() as u64,
        }
    }

    fn claim_now(&self, keys: &[DedupeKey]) -> Claim {
        let mut state = self.lock();
        if keys.iter().any(|key| state.marked.contains(key)) {
            return Claim::Done;
        }
        if keys.iter().any(|key| state.in_flight.contains(key)) {
            return Claim::InFlight;
        }
        state.in_flight.extend(keys.iter().copied());
        Claim::Fresh
    }

    fn finish_now(&self, keys: &[DedupeKey], handled: bool, change: Option<StateChange>) {
        let mut state = self.lock();
        for key in keys {
            state.in_flight.remove(key);
        }
        if handled {
            // Only the keys this delivery marks are its to prune later.
            let fresh = keys
                .iter()
                .copied()
                .filter(|key| state.marked.insert(*key))
                .collect();
            self.mark_done(&mut state, fresh);
            self.apply(&mut state, change);
        }
    }

    /// Records a done mark for `keys` (already in `marked`), pruning a batch
    /// of old marks every [`PRUNE_EVERY`] marks.
    fn mark_done(&self, state: &mut State, keys: Vec<DedupeKey>) {
        let done_at_ms = self.config.clock.now_ms();
        state.done.push_back(DoneMark { done_at_ms, keys });
        state.completions_since_prune += 1;
        if state.completions_since_prune >= PRUNE_EVERY {
            state.completions_since_prune = 0;
            self.prune(state, PRUNE_BATCH);
        }
    }

    /// Prunes at most `limit` done marks: those past their age, then the
    /// oldest beyond capacity. Returns how many went.
    fn prune(&self, state: &mut State, limit: usize) -> u64 {
        let cutoff = self
            .config
            .clock
            .now_ms()
            .saturating_sub(self.config.mark_ttl_ms());
        let mut pruned = 0;
        while pruned < limit {
            let Some(oldest) = state.done.front() else {
                break;
            };
            let expired = oldest.done_at_ms < cutoff;
            if !expired && state.done.len() <= self.config.mark_capacity {
                break;
            }
            if let Some(mark) = state.done.pop_front() {
                for key in &mark.keys {
                    state.marked.remove(key);
                }
            }
            pruned += 1;
        }
        let alive_since = self.config.state_cutoff_ms(self.config.clock.now_ms());
        state
            .states
            .retain(|_, kept| kept.updated_at_ms >= alive_since);
        pruned as u64
    }
}

impl Store for MemoryStore {
    fn append(&self, entry: NewEntry) -> StoreFuture<'_, Appended> {
        Box::pin(std::future::ready(Ok(self.append_now(entry))))
    }

    fn pending_after(&self, after: Option<EntryId>, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        let state = self.lock();
        let pending = match after {
            Some(after) => state
                .waiting
                .range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
                .map(|(_, entry)| entry.clone())
                .take(limit)
                .collect(),
            None => state.waiting.values().take(limit).cloned().collect(),
        };
        Box::pin(std::future::ready(Ok(pending)))
    }

    fn entry(&self, id: EntryId) -> StoreFuture<'_, Option<Entry>> {
        let entry = self.lock().waiting.get(&id).cloned();
        Box::pin(std::future::ready(Ok(entry)))
    }

    fn complete_with(&self, id: EntryId, change: Option<StateChange>) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(self.complete_now(id, change)))
    }

    fn put_state(&self, change: StateChange) -> StoreFuture<'_, ()> {
        self.apply(&mut self.lock(), Some(change));
        Box::pin(std::future::ready(Ok(())))
    }

    fn state<'a>(&'a self, key: &'a StateKey) -> StoreFuture<'a, Option<StoredState>> {
        let alive_since = self.config.state_cutoff_ms(self.config.clock.now_ms());
        let found = self
            .lock()
            .states
            .get(key)
            .filter(|kept| kept.updated_at_ms >= alive_since)
            .cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn record_failure(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> StoreFuture<'_, ()> {
        let recorded = self.record_failure_now(id, attempts, next_attempt_at_ms, error);
        Box::pin(std::future::ready(recorded))
    }

    fn dead_letter(&self, id: EntryId, error: &str) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(self.dead_letter_now(id, error)))
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        let letters = self.lock().dead.values().take(limit).cloned().collect();
        Box::pin(std::future::ready(Ok(letters)))
    }

    fn retry_dead(&self, which: Selection) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(std::future::ready(self.retry_dead_now(which)))
    }

    fn drop_dead(&self, which: Selection) -> StoreFuture<'_, u64> {
        Box::pin(std::future::ready(self.drop_dead_now(which)))
    }

    fn status(&self) -> StoreFuture<'_, InboxStatus> {
        Box::pin(std::future::ready(Ok(self.status_now())))
    }

    fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim> {
        Box::pin(std::future::ready(Ok(self.claim_now(keys))))
    }

    fn finish_with<'a>(
        &'a self,
        keys: &'a [DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> StoreFuture<'a, ()> {
        self.finish_now(keys, handled, change);
        Box::pin(std::future::ready(Ok(())))
    }

    fn prune_marks(&self) -> StoreFuture<'_, u64> {
        let mut state = self.lock();
        let pruned = self.prune(&mut state, usize::MAX);
        Box::pin(std::future::ready(Ok(pruned)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::suite::{Opened, store_suite};

    fn open(config: StoreConfig) -> std::pin::Pin<Box<dyn Future<Output = Opened> + Send>> {
        Box::pin(async move {
            let store: Arc<dyn Store> = Arc::new(MemoryStore::new(config));
            Opened::new(store, ())
        })
    }

    store_suite!(open);
}
