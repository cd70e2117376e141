//! Duplicate keys: Google delivers at least once, so the same event can
//! arrive twice, close together or much later. The store keeps the keys
//! (see [`crate::store`]).
//!
//! A delivery *claims* its keys before it is handled. The claim is either
//! fresh (handle it), done (a duplicate of a handled delivery: acknowledge
//! it), or in flight (a copy is being handled right now: wait for it). When
//! handling fails the claim is released, so the redelivery is handled.

mod key_set;

pub(crate) use key_set::KeySet;

/// One identity of a delivery: a 128-bit hash of e.g. its Pub/Sub message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DedupeKey(u128);

impl DedupeKey {
    /// The key of an identity made of `parts` (a namespace first, then ids).
    pub fn of(parts: &[&str]) -> Self {
        use xxhash_rust::xxh3::xxh3_64_with_seed;
        // Two independent 64-bit chains make the 128 bits. Each part seeds
        // the next, so ("ab","c") and ("a","bc") differ; one-shot hashing of
        // short strings costs far less than a streaming hasher's set-up.
        let (mut high, mut low) = (0x9e37_79b9_7f4a_7c15_u64, 0xc2b2_ae3d_27d4_eb4f_u64);
        for part in parts {
            high = xxh3_64_with_seed(part.as_bytes(), high);
            low = xxh3_64_with_seed(part.as_bytes(), low ^ high);
        }
        Self((u128::from(high) << 64) | u128::from(low))
    }

    /// The raw 128-bit value (for stores that persist keys).
    pub fn as_u128(self) -> u128 {
        self.0
    }

    /// The key as 16 bytes, big-endian (how stores persist it).
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// The key that [`to_bytes`](Self::to_bytes) gave `bytes`.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(u128::from_be_bytes(bytes))
    }
}

/// Hashes a [`DedupeKey`] (or any `u128` that is already a hash) by folding
/// it to 64 bits: hashing a hash again would only cost time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PrehashedKey(u64);

impl std::hash::Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys that are not a single u128: fold them in.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 ^= (value as u64) ^ ((value >> 64) as u64);
    }
}

/// A `BuildHasher` for maps keyed by [`DedupeKey`] or other 128-bit hashes.
pub(crate) type PrehashedKeys = std::hash::BuildHasherDefault<PrehashedKey>;

/// The state of a delivery's keys when it is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// None of the keys is known: they are now claimed by the caller.
    Fresh,
    /// A delivery with one of these keys was handled: this one is a duplicate.
    Done,
    /// A delivery with one of these keys is being handled right now.
    InFlight,
}
