//! The duplicate marks, in memory: every key of a waiting entry, a dead
//! letter or a done mark, loaded from the file when it opens.
//!
//! The file keeps each delivery's keys with its row (`entries.keys`,
//! `done_marks.keys`), written in arrival order; an index of random 128-bit
//! keys on disk would dirty a random page for every key of every append
//! (measured: half of the writer's time went to writing those pages to the
//! WAL). One process serves from a store, so its memory is the index.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::dedupe::{KeySet, PrehashedKeys};
use crate::store::DedupeKey;

/// The marked keys. A key normally has one holder (the delivery it came
/// with); `extra` counts the rare further holders, so that pruning one
/// holder's mark keeps the key while another still holds it.
#[derive(Debug, Default)]
pub(super) struct Marks {
    keys: KeySet,
    extra: HashMap<DedupeKey, u32, PrehashedKeys>,
}

impl Marks {
    /// Whether any of `keys` is marked.
    pub(super) fn any(&self, keys: &[DedupeKey]) -> bool {
        keys.iter().any(|key| self.keys.contains(key))
    }

    /// Adds one holder of each key in `keys`.
    pub(super) fn add(&mut self, keys: impl IntoIterator<Item = DedupeKey>) {
        for key in keys {
            if !self.keys.insert(key) {
                *self.extra.entry(key).or_default() += 1;
            }
        }
    }

    /// Removes one holder of each key in `keys`.
    pub(super) fn remove(&mut self, keys: impl IntoIterator<Item = DedupeKey>) {
        for key in keys {
            match self.extra.get_mut(&key) {
                Some(count) if *count > 1 => *count -= 1,
                Some(_) => {
                    self.extra.remove(&key);
                }
                None => {
                    self.keys.remove(&key);
                }
            }
        }
    }

    /// How many distinct keys are marked.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// [`Marks`] shared by the writer thread (which changes them after each
/// commit) and the inline claims (which read them).
#[derive(Debug, Default)]
pub(super) struct SharedMarks(Mutex<Marks>);

impl SharedMarks {
    pub(super) fn new(marks: Marks) -> Self {
        Self(Mutex::new(marks))
    }

    /// The marks, locked. Every change leaves them valid, so a panic while
    /// locked poisons nothing that matters.
    pub(super) fn lock(&self) -> MutexGuard<'_, Marks> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The marks a batch of writes makes and unmakes, applied to [`Marks`] only
/// once the batch committed: a claim never sees a mark that may roll back.
#[derive(Debug, Default)]
pub(super) struct MarksDelta {
    added: HashSet<DedupeKey, PrehashedKeys>,
    removed: Vec<DedupeKey>,
}

impl MarksDelta {
    /// Whether any of `keys` was marked by this batch so far.
    pub(super) fn any_added(&self, keys: &[DedupeKey]) -> bool {
        keys.iter().any(|key| self.added.contains(key))
    }

    /// The keys this batch marked.
    pub(super) fn added(&self) -> &HashSet<DedupeKey, PrehashedKeys> {
        &self.added
    }

    /// Marks `keys` (each once, however often it is listed).
    pub(super) fn add(&mut self, keys: &[DedupeKey]) {
        self.added.extend(keys.iter().copied());
    }

    /// Unmarks `keys` (one holder each).
    pub(super) fn remove(&mut self, keys: impl IntoIterator<Item = DedupeKey>) {
        self.removed.extend(keys);
    }

    /// Applies the committed batch's changes.
    pub(super) fn apply(self, marks: &mut Marks) {
        marks.add(self.added);
        marks.remove(self.removed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> DedupeKey {
        DedupeKey::from_bytes([n; 16])
    }

    #[test]
    fn a_key_held_twice_stays_until_both_holders_go() {
        let mut marks = Marks::default();
        marks.add([key(1), key(2)]);
        marks.add([key(1)]);
        marks.remove([key(1)]);
        assert!(marks.any(&[key(1)]), "one holder left");
        marks.remove([key(1), key(2)]);
        assert!(!marks.any(&[key(1), key(2)]));
        assert_eq!(marks.len(), 0);
    }

    #[test]
    fn a_delta_applies_once_and_counts_a_key_listed_twice_once() {
        let mut marks = Marks::default();
        marks.add([key(9)]);
        let mut delta = MarksDelta::default();
        delta.add(&[key(1), key(1)]);
        assert!(delta.any_added(&[key(1)]));
        assert!(!marks.any(&[key(1)]), "not before the commit");
        delta.remove([key(9)]);
        delta.apply(&mut marks);
        assert!(marks.any(&[key(1)]));
        assert!(!marks.any(&[key(9)]));
        marks.remove([key(1)]);
        assert_eq!(marks.len(), 0, "one holder, not two");
    }
}
