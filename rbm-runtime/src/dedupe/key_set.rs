//! A set of duplicate keys laid out for the lookup every delivery makes.
//!
//! A store remembers two keys per delivery for a week: tens of thousands of
//! random 128-bit keys, a table bigger than a core's caches. `HashSet` keeps
//! its control bytes and its keys in two arrays, so a lookup misses the
//! cache twice; measured on the echo example, those two misses were the
//! costliest part of answering a duplicate. Here the keys themselves are
//! the table (open addressing, linear probing): a lookup reads one slot,
//! usually one cache line. The keys are already uniform hashes, so a slot
//! is picked from their bits directly.

use super::DedupeKey;

/// A set of [`DedupeKey`]s, one table slot per key.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySet {
    /// A power of two of slots (or none yet); `EMPTY` marks a free one.
    slots: Vec<u128>,
    /// How many slots hold a key.
    used: usize,
    /// Whether the key whose value is `EMPTY` is in the set: it cannot
    /// have a slot.
    holds_empty: bool,
}

/// The value of a free slot.
const EMPTY: u128 = 0;
/// The fewest slots a table that holds anything has.
const MIN_SLOTS: usize = 16;

impl KeySet {
    /// How many keys the set holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.used + usize::from(self.holds_empty)
    }

    /// Whether `key` is in the set.
    pub(crate) fn contains(&self, key: &DedupeKey) -> bool {
        let key = key.as_u128();
        if key == EMPTY {
            return self.holds_empty;
        }
        self.find(key).is_ok()
    }

    /// Adds `key`; whether it was not there yet.
    pub(crate) fn insert(&mut self, key: DedupeKey) -> bool {
        let key = key.as_u128();
        if key == EMPTY {
            return !std::mem::replace(&mut self.holds_empty, true);
        }
        // At most three quarters full: probe runs stay short.
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        match self.find(key) {
            Ok(_) => false,
            Err(free) => {
                self.slots[free] = key;
                self.used += 1;
                true
            }
        }
    }

    /// Removes `key`; whether it was there.
    pub(crate) fn remove(&mut self, key: &DedupeKey) -> bool {
        let key = key.as_u128();
        if key == EMPTY {
            return std::mem::replace(&mut self.holds_empty, false);
        }
        let Ok(mut hole) = self.find(key) else {
            return false;
        };
        self.slots[hole] = EMPTY;
        self.used -= 1;
        // Backward-shift deletion: a key further along the run whose home
        // slot is at or before the hole moves into it, so that every key
        // stays reachable from its home without tombstones.
        let mask = self.mask();
        let mut next = (hole + 1) & mask;
        while self.slots[next] != EMPTY {
            let home = self.home(self.slots[next]);
            // Whether `home` lies cyclically outside (hole, next].
            if next.wrapping_sub(home) & mask >= next.wrapping_sub(hole) & mask {
                self.slots[hole] = self.slots[next];
                self.slots[next] = EMPTY;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        true
    }

    /// The slot holding `key` (`Ok`), or the free slot where it would go
    /// (`Err`). `key` is not `EMPTY`; the table has a free slot, or none.
    fn find(&self, key: u128) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.mask();
        let mut slot = self.home(key);
        loop {
            match self.slots[slot] {
                found if found == key => return Ok(slot),
                EMPTY => return Err(slot),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// The slot a key's probe starts at: its low bits, folded with the high
    /// ones so that keys differing only above 64 bits still spread.
    fn home(&self, key: u128) -> usize {
        ((key as u64) ^ ((key >> 64) as u64)) as usize & self.mask()
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Doubles the table and puts every key in its new place.
    fn grow(&mut self) {
        let slots = (self.slots.len() * 2).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; slots]);
        for key in old.into_iter().filter(|&key| key != EMPTY) {
            if let Err(free) = self.find(key) {
                self.slots[free] = key;
            }
        }
    }
}

impl Extend<DedupeKey> for KeySet {
    fn extend<I: IntoIterator<Item = DedupeKey>>(&mut self, keys: I) {
        for key in keys {
            self.insert(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key(value: u128) -> DedupeKey {
        DedupeKey::from_bytes(value.to_be_bytes())
    }

    #[test]
    fn holds_what_was_inserted_until_removed() {
        // Zero is the value of a free slot, and a key all the same.
        for value in [7, 0] {
            let mut set = KeySet::default();
            assert!(!set.contains(&key(value)));
            assert!(set.insert(key(value)));
            assert!(!set.insert(key(value)));
            assert!(set.contains(&key(value)));
            assert_eq!(set.len(), 1);
            assert!(set.remove(&key(value)));
            assert!(!set.remove(&key(value)));
            assert!(!set.contains(&key(value)));
            assert_eq!(set.len(), 0);
        }
    }

    #[test]
    fn keys_sharing_a_home_slot_survive_each_others_removal() {
        // Keys whose halves XOR to 15 all start at slot 15, the last of a
        // 16-slot table: one run of collisions that wraps the table's end.
        let mut set = KeySet::default();
        let collide = |i: u128| (i << 64) | (15 ^ i);
        let keys: Vec<u128> = (1..=10).map(collide).collect();
        for &k in &keys {
            set.insert(key(k));
        }
        let home = set.home(keys[0]);
        assert!(keys.iter().all(|&k| set.home(k) == home));
        for (i, &k) in keys.iter().enumerate().step_by(2) {
            assert!(set.remove(&key(k)), "key {i}");
        }
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(set.contains(&key(k)), i % 2 == 1, "key {i}");
        }
    }

    proptest! {
        /// Any sequence of inserts and removes leaves the set agreeing with
        /// `HashSet`. Small values so that keys collide and runs wrap.
        #[test]
        fn agrees_with_a_hash_set(ops in prop::collection::vec((any::<bool>(), 0u128..200), 0..600)) {
            let mut set = KeySet::default();
            let mut model = HashSet::new();
            for (add, value) in ops {
                // Spread some values into the high half too.
                let value = if value % 3 == 0 { value << 64 } else { value };
                let k = key(value);
                if add {
                    prop_assert_eq!(set.insert(k), model.insert(value));
                } else {
                    prop_assert_eq!(set.remove(&k), model.remove(&value));
                }
                prop_assert_eq!(set.len(), model.len());
            }
            for value in 0..200u128 {
                for value in [value, value << 64] {
                    prop_assert_eq!(set.contains(&key(value)), model.contains(&value));
                }
            }
        }
    }
}
