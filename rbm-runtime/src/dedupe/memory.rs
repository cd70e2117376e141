//! The in-memory duplicate store, bounded in entries and in age.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use hashlink::LinkedHashMap;

use super::{Claim, DedupeKey, DuplicateStore, StoreFuture};

#[derive(Debug, Clone, Copy)]
struct Entry {
    since: Instant,
    done: bool,
}

/// Keeps at most `capacity` keys for at most `max_age`, oldest evicted first.
#[derive(Debug)]
pub struct MemoryStore {
    entries: Mutex<LinkedHashMap<DedupeKey, Entry>>,
    capacity: usize,
    max_age: Duration,
}

impl MemoryStore {
    /// A store of at most `capacity` keys (at least 1), each kept `max_age`.
    pub fn new(capacity: usize, max_age: Duration) -> Self {
        Self {
            entries: Mutex::new(LinkedHashMap::new()),
            capacity: capacity.max(1),
            max_age,
        }
    }

    /// How many keys are remembered now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The claim, synchronously (the store never waits on I/O).
    pub fn claim_now(&self, keys: &[DedupeKey]) -> Claim {
        let now = Instant::now();
        let mut entries = self.lock();
        self.evict_expired(&mut entries, now);
        let mut state = Claim::Fresh;
        for key in keys {
            match entries.get(key) {
                Some(entry) if entry.done => return Claim::Done,
                Some(_) => state = Claim::InFlight,
                None => {}
            }
        }
        if state == Claim::Fresh {
            for key in keys {
                entries.insert(
                    *key,
                    Entry {
                        since: now,
                        done: false,
                    },
                );
            }
            while entries.len() > self.capacity {
                entries.pop_front();
            }
        }
        state
    }

    /// Ends a claim synchronously; see [`DuplicateStore::finish`].
    pub fn finish_now(&self, keys: &[DedupeKey], handled: bool) {
        let mut entries = self.lock();
        for key in keys {
            if handled {
                if let Some(entry) = entries.get_mut(key) {
                    entry.done = true;
                }
            } else {
                entries.remove(key);
            }
        }
    }

    fn evict_expired(&self, entries: &mut LinkedHashMap<DedupeKey, Entry>, now: Instant) {
        while let Some((_, oldest)) = entries.front() {
            if now.duration_since(oldest.since) <= self.max_age {
                break;
            }
            entries.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LinkedHashMap<DedupeKey, Entry>> {
        // The map stays consistent even if a holder panicked: every
        // operation leaves it valid between statements.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl DuplicateStore for MemoryStore {
    fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim> {
        Box::pin(std::future::ready(self.claim_now(keys)))
    }

    fn finish<'a>(&'a self, keys: &'a [DedupeKey], handled: bool) -> StoreFuture<'a, ()> {
        self.finish_now(keys, handled);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ids: &[&str]) -> Vec<DedupeKey> {
        ids.iter().map(|id| DedupeKey::of(&["p", id])).collect()
    }

    #[test]
    fn a_handled_delivery_is_a_duplicate_and_a_failed_one_is_released() {
        let store = MemoryStore::new(10, Duration::from_secs(60));
        let a = keys(&["a"]);
        assert_eq!(store.claim_now(&a), Claim::Fresh);
        assert_eq!(store.claim_now(&a), Claim::InFlight);
        store.finish_now(&a, false);
        assert_eq!(store.claim_now(&a), Claim::Fresh);
        store.finish_now(&a, true);
        assert_eq!(store.claim_now(&a), Claim::Done);
    }

    #[test]
    fn any_shared_key_makes_a_duplicate() {
        let store = MemoryStore::new(10, Duration::from_secs(60));
        assert_eq!(store.claim_now(&keys(&["pubsub-1", "msg-1"])), Claim::Fresh);
        store.finish_now(&keys(&["pubsub-1", "msg-1"]), true);
        assert_eq!(store.claim_now(&keys(&["pubsub-2", "msg-1"])), Claim::Done);
        assert_eq!(store.claim_now(&keys(&["pubsub-3", "msg-3"])), Claim::Fresh);
    }

    #[test]
    fn is_bounded_in_size_and_age() {
        let store = MemoryStore::new(2, Duration::from_secs(60));
        for id in ["a", "b", "c"] {
            assert_eq!(store.claim_now(&keys(&[id])), Claim::Fresh);
        }
        assert_eq!(store.len(), 2);
        assert_eq!(store.claim_now(&keys(&["a"])), Claim::Fresh);

        let store = MemoryStore::new(10, Duration::ZERO);
        store.claim_now(&keys(&["a"]));
        store.finish_now(&keys(&["a"]), true);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.claim_now(&keys(&["a"])), Claim::Fresh);
    }

    #[test]
    fn keys_of_different_parts_differ() {
        assert_ne!(DedupeKey::of(&["ab", "c"]), DedupeKey::of(&["a", "bc"]));
        assert_eq!(DedupeKey::of(&["a", "b"]), DedupeKey::of(&["a", "b"]));
    }
}
