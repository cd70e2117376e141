//! The in-memory duplicate store, bounded in entries and in age.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Claim, DedupeKey, DuplicateStore, PrehashedKeys, StoreFuture};

#[derive(Debug, Clone, Copy)]
struct Entry {
    since: Instant,
    done: bool,
}

/// The keys, and the order they came in (oldest first) for eviction. The
/// map is allocated once at full size and the order is a ring: claiming a
/// delivery allocates nothing.
#[derive(Debug)]
struct Keys {
    entries: HashMap<DedupeKey, Entry, PrehashedKeys>,
    order: VecDeque<(DedupeKey, Instant)>,
}

/// Keeps at most `capacity` keys for at most `max_age`, oldest evicted first.
/// A delivery has two or three keys (Pub/Sub id, message or event id).
#[derive(Debug)]
pub struct MemoryStore {
    keys: Mutex<Keys>,
    capacity: usize,
    max_age: Duration,
}

impl MemoryStore {
    /// A store of at most `capacity` keys (at least 1), each kept `max_age`.
    pub fn new(capacity: usize, max_age: Duration) -> Self {
        let capacity = capacity.max(1);
        Self {
            keys: Mutex::new(Keys {
                entries: HashMap::with_capacity_and_hasher(capacity, PrehashedKeys::default()),
                order: VecDeque::with_capacity(capacity),
            }),
            capacity,
            max_age,
        }
    }

    /// How many keys are remembered now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The claim, synchronously (the store never waits on I/O).
    pub fn claim_now(&self, keys: &[DedupeKey]) -> Claim {
        let now = Instant::now();
        let mut guard = self.lock();
        let store = &mut *guard;
        self.evict(store, now);
        let mut state = Claim::Fresh;
        for key in keys {
            match store.entries.get(key) {
                Some(entry) if entry.done => return Claim::Done,
                Some(_) => state = Claim::InFlight,
                None => {}
            }
        }
        if state == Claim::Fresh {
            for key in keys {
                store.entries.insert(
                    *key,
                    Entry {
                        since: now,
                        done: false,
                    },
                );
                store.order.push_back((*key, now));
            }
            self.evict(store, now);
        }
        state
    }

    /// Ends a claim synchronously; see [`DuplicateStore::finish`].
    pub fn finish_now(&self, keys: &[DedupeKey], handled: bool) {
        let mut guard = self.lock();
        let store = &mut *guard;
        for key in keys {
            if handled {
                if let Some(entry) = store.entries.get_mut(key) {
                    entry.done = true;
                }
            } else {
                // Its place in `order` goes stale and is skipped on eviction.
                store.entries.remove(key);
            }
        }
    }

    /// Drops keys past their age, then the oldest while over capacity. A
    /// claim still in flight is kept until it ends or expires (the store may
    /// briefly hold more than `capacity`): forgetting it would let a copy be
    /// handled twice.
    fn evict(&self, store: &mut Keys, now: Instant) {
        while let Some(&(key, since)) = store.order.front() {
            let entry = store.entries.get(&key).filter(|e| e.since == since);
            let live = entry.is_some();
            let expired = now.duration_since(since) > self.max_age;
            if entry.is_some_and(|e| !e.done) && !expired {
                break;
            }
            let over = store.entries.len() > self.capacity
                // Stale places (released keys) are dropped too, so the ring
                // never outgrows twice the capacity.
                || store.order.len() > 2 * self.capacity;
            if live && !expired && !over {
                break;
            }
            store.order.pop_front();
            if live {
                store.entries.remove(&key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
        // The maps stay consistent even if a holder panicked: every
        // operation leaves them valid between statements.
        self.keys
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
            store.finish_now(&keys(&[id]), true);
        }
        assert_eq!(store.claim_now(&keys(&["d"])), Claim::Fresh);
        assert_eq!(store.len(), 2);
        assert_eq!(store.claim_now(&keys(&["a"])), Claim::Fresh);

        let store = MemoryStore::new(10, Duration::ZERO);
        store.claim_now(&keys(&["a"]));
        store.finish_now(&keys(&["a"]), true);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.claim_now(&keys(&["a"])), Claim::Fresh);
    }

    #[test]
    fn a_claim_in_flight_is_never_evicted_to_make_room() {
        let store = MemoryStore::new(2, Duration::from_secs(60));
        assert_eq!(store.claim_now(&keys(&["slow"])), Claim::Fresh);
        for id in ["a", "b", "c"] {
            assert_eq!(store.claim_now(&keys(&[id])), Claim::Fresh);
            store.finish_now(&keys(&[id]), true);
        }
        assert_eq!(store.claim_now(&keys(&["slow"])), Claim::InFlight);
        store.finish_now(&keys(&["slow"]), true);
        assert_eq!(store.claim_now(&keys(&["e"])), Claim::Fresh);
        assert!(store.len() <= 3, "{}", store.len());
    }

    #[test]
    fn keys_of_different_parts_differ() {
        assert_ne!(DedupeKey::of(&["ab", "c"]), DedupeKey::of(&["a", "bc"]));
        assert_eq!(DedupeKey::of(&["a", "b"]), DedupeKey::of(&["a", "b"]));
    }
}
