//! What the runtime remembers: the inbox of deliveries still to handle, the
//! duplicate marks of deliveries seen, and the dead letters.
//!
//! One [`Store`] interface, several backends: [`MemoryStore`] (tests, and
//! users who accept losing the inbox on a crash), [`SqliteStore`] (one
//! crash-safe file on local disk, the default) and [`RedisStore`] (one Redis
//! shared by several processes). [`open`] picks one from a [`StoreUrl`] (the
//! `RBM_STORE` setting).

mod config;
mod entry;
mod error;
mod lane_locks;
mod memory;
mod partitions;
mod redis;
mod sqlite;
mod state;

#[cfg(test)]
mod suite;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use crate::dedupe::{Claim, DedupeKey};
pub use config::{Clock, StoreConfig, StoreUrl, StoreUrlError};
pub use entry::{Appended, DeadLetter, Entry, EntryId, InboxStatus, NewEntry, Selection};
pub use error::{StoreError, StoreErrorSource};
pub use lane_locks::LaneLocks;
pub use memory::MemoryStore;
pub use partitions::Partitions;
pub use redis::{RedisPersistence, RedisStore, RedisUrl, RedisUrlError};
pub use sqlite::{SqliteStore, WriterStats};
pub use state::{StateChange, StateKey, StoredState};

/// A boxed future, as returned by [`Store`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Everything the runtime must remember, behind one interface so that the
/// runtime never assumes a backend.
pub trait Store: Send + Sync + 'static {
    /// Atomically: if any of the entry's keys is marked (its delivery is in
    /// the inbox, dead, or done) the entry is a [`Appended::Duplicate`];
    /// otherwise it is stored and its keys marked. `Ok(Stored)` means the
    /// entry is durable (fsynced, for a backend on disk): only then may the
    /// delivery be acknowledged. Concurrent appends share one commit.
    fn append(&self, entry: NewEntry) -> StoreFuture<'_, Appended>;

    /// At most `limit` waiting (not dead) entries with an id above `after`
    /// (all if `None`), in id order: what is left to handle at start-up,
    /// read a page at a time.
    fn pending_after(&self, after: Option<EntryId>, limit: usize) -> StoreFuture<'_, Vec<Entry>>;

    /// Every waiting entry, in id order.
    fn pending(&self) -> StoreFuture<'_, Vec<Entry>> {
        self.pending_after(None, usize::MAX)
    }

    /// The waiting entry `id`, if it is still waiting: the inbox keeps only
    /// the ids of a long backlog in memory and reads each entry when its
    /// turn comes.
    fn entry(&self, id: EntryId) -> StoreFuture<'_, Option<Entry>>;

    /// Removes a handled entry and turns its keys into done marks, and
    /// applies its handler's state `change`, all in one transaction.
    /// [`StoreError::UnknownEntry`] (and no change) if it is not waiting.
    fn complete_with(&self, id: EntryId, change: Option<StateChange>) -> StoreFuture<'_, ()>;

    /// [`complete_with`](Self::complete_with) without a state change.
    fn complete(&self, id: EntryId) -> StoreFuture<'_, ()> {
        self.complete_with(id, None)
    }

    /// The state of `key`, unless there is none or it was last written
    /// longer ago than the configured state TTL.
    fn state<'a>(&'a self, key: &'a StateKey) -> StoreFuture<'a, Option<StoredState>>;

    /// Writes (or, with `data: None`, deletes) a state outside any
    /// delivery: for tests and maintenance. Handlers change state through
    /// their delivery's done mark instead.
    fn put_state(&self, change: StateChange) -> StoreFuture<'_, ()>;

    /// Records a failed attempt: the entry's attempts become `attempts`, its
    /// next attempt is due at `next_attempt_at_ms` and `error` is its last
    /// error.
    fn record_failure(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> StoreFuture<'_, ()>;

    /// Moves a waiting entry to the dead letters with `error`; its keys stay
    /// marked, so a redelivery is still a duplicate.
    fn dead_letter(&self, id: EntryId, error: &str) -> StoreFuture<'_, ()>;

    /// At most `limit` dead letters, oldest entry first.
    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>>;

    /// Moves dead letters back to the end of the inbox with their attempts
    /// reset, and returns them with their new ids so that a running server
    /// can schedule them. Their keys stay marked. Selecting an id that is not
    /// a dead letter is [`StoreError::UnknownEntry`].
    fn retry_dead(&self, which: Selection) -> StoreFuture<'_, Vec<Entry>>;

    /// Deletes dead letters and turns their keys into done marks (a
    /// redelivery stays a duplicate). Returns how many were deleted.
    /// Selecting an id that is not a dead letter is
    /// [`StoreError::UnknownEntry`].
    fn drop_dead(&self, which: Selection) -> StoreFuture<'_, u64>;

    /// How many entries wait, retry and died, and how many done marks exist.
    fn status(&self) -> StoreFuture<'_, InboxStatus>;

    /// Inline mode: atomically checks `keys` and, if no delivery with one of
    /// them is marked or being handled, claims them (see [`Claim`]). A key of
    /// an inbox entry or a dead letter counts as [`Claim::Done`]: that
    /// delivery was acknowledged already.
    fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim>;

    /// Inline mode: ends a claim. `handled` turns the keys into a done mark
    /// and applies the handler's state `change` in the same transaction
    /// (durably, before this returns); otherwise they are released so that a
    /// redelivery is handled, and `change` is ignored.
    fn finish_with<'a>(
        &'a self,
        keys: &'a [DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> StoreFuture<'a, ()>;

    /// [`finish_with`](Self::finish_with) without a state change.
    fn finish<'a>(&'a self, keys: &'a [DedupeKey], handled: bool) -> StoreFuture<'a, ()> {
        self.finish_with(keys, handled, None)
    }

    /// Prunes done marks past the configured age, then the oldest beyond the
    /// configured capacity (and states past the state TTL), and returns how
    /// many done marks were pruned. Backends also
    /// prune on their own, in bounded batches; this runs it now (tests, a
    /// maintenance command).
    fn prune_marks(&self) -> StoreFuture<'_, u64>;

    /// A store shared by several processes: its inbox's partitions, which
    /// one process at a time handles. `None` (the default) for a store of
    /// one process, whose inbox it handles whole.
    fn partitions(&self) -> Option<&dyn Partitions> {
        None
    }

    /// A store shared by several processes: per-user locks that keep one
    /// user's inline deliveries in order across them. `None` (the default)
    /// for a store of one process, whose server orders them itself.
    fn lane_locks(&self) -> Option<&dyn LaneLocks> {
        None
    }
}

/// Opens the store that `url` names, with `config`.
pub async fn open(url: &StoreUrl, config: StoreConfig) -> Result<Arc<dyn Store>, StoreError> {
    match url {
        StoreUrl::Memory => Ok(Arc::new(MemoryStore::new(config))),
        StoreUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path, config).await?)),
        StoreUrl::Redis { url, prefix } => {
            Ok(Arc::new(RedisStore::open(url, prefix, config).await?))
        }
    }
}

/// Opens the store that `url` names, on this thread (start-up, where a
/// short blocking open is fine and no runtime may be around).
pub(crate) fn open_blocking(
    url: &StoreUrl,
    config: StoreConfig,
) -> Result<Arc<dyn Store>, StoreError> {
    match url {
        StoreUrl::Memory => Ok(Arc::new(MemoryStore::new(config))),
        StoreUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open_blocking(path.clone(), config)?)),
        // Connecting is async: `ServerBuilder::bind` opens it with `open`.
        StoreUrl::Redis { .. } => Err(StoreError::Connect {
            url: url.to_string(),
            source: Arc::new(std::io::Error::other(
                "a Redis store is opened by an async start-up (ServerBuilder::bind, or store::open)",
            )),
        }),
    }
}
