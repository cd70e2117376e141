//! The embedded store: one SQLite file in WAL mode, every commit fsynced.
//!
//! A writer thread owns the write connection and group-commits all writes
//! waiting at that moment; reads run on their own connection on tokio's
//! blocking pool. The duplicate marks are indexed in memory (see
//! `marks.rs`), and so are the inline claims in flight.

mod marks;
mod queries;
mod request;
mod schema;
mod state_cache;
mod syncer;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use super::{
    Appended, Claim, DeadLetter, DedupeKey, Entry, EntryId, InboxStatus, NewEntry, Selection,
    StateChange, StateKey, Store, StoreConfig, StoreError, StoreFuture, StoredState,
};
use crate::dedupe::PrehashedKeys;
use marks::SharedMarks;
use request::Request;
use schema::Role;
use state_cache::StateCache;
use writer::Writer;

/// A [`Store`] in one SQLite file (inspectable with `sqlite3`). An append
/// that returned `Stored` survives `kill -9` and power loss.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    reader: Arc<Mutex<Connection>>,
    config: StoreConfig,
    marks: Arc<SharedMarks>,
    states: StateCache,
    in_flight: Mutex<HashSet<DedupeKey, PrehashedKeys>>,
}

/// What a [`SqliteStore`]'s writer has done since it opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    /// Transactions committed.
    pub commits: u64,
    /// Write requests handled, committed or not.
    pub requests: u64,
    /// Flushes of the file to the disk: each one makes every transaction
    /// committed before it durable.
    pub syncs: u64,
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file and its directory if
    /// need be. Refuses a file that is not an rbm store or has a newer schema.
    pub async fn open(path: &Path, config: StoreConfig) -> Result<Self, StoreError> {
        let owned = path.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(owned, config))
            .await
            .map_err(|join| StoreError::Open {
                path: path.to_owned(),
                source: Arc::new(join),
            })?
    }

    pub(crate) fn open_blocking(path: PathBuf, config: StoreConfig) -> Result<Self, StoreError> {
        let conn = schema::open_store(&path)?;
        let reader = schema::connect(&path, Role::Reader)?;
        let marks = queries::load_marks(&conn).map_err(|source| StoreError::Open {
            path: path.clone(),
            source: Arc::new(source),
        })?;
        let marks = Arc::new(SharedMarks::new(marks));
        let writer = Writer::start(conn, path.clone(), config.clone(), Arc::clone(&marks))?;
        Ok(Self {
            path,
            writer,
            reader: Arc::new(Mutex::new(reader)),
            config,
            marks,
            states: StateCache::default(),
            in_flight: Mutex::new(HashSet::default()),
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many commits and write requests the writer made so far: their
    /// ratio is the average batch size of group commit.
    pub fn writer_stats(&self) -> WriterStats {
        WriterStats {
            commits: self.writer.counters.commits.load(Ordering::Relaxed),
            requests: self.writer.counters.requests.load(Ordering::Relaxed),
            syncs: self.writer.counters.sync.syncs.load(Ordering::Relaxed),
        }
    }

    /// Runs `read` on the reader connection, off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(PoisonError::into_inner);
            read(&conn).map_err(StoreError::read)
        })
        .await
        .map_err(StoreError::read)?
    }

    fn in_flight(&self) -> MutexGuard<'_, HashSet<DedupeKey, PrehashedKeys>> {
        // A set of keys is valid after any partial update.
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn release(&self, keys: &[DedupeKey]) {
        let mut in_flight = self.in_flight();
        for key in keys {
            in_flight.remove(key);
        }
    }

    fn claim_keys(&self, keys: &[DedupeKey]) -> Claim {
        let mut in_flight = self.in_flight();
        if keys.iter().any(|key| in_flight.contains(key)) {
            return Claim::InFlight;
        }
        // Checked under the claims' lock: a `finish` marks the keys done
        // (after its commit) before it releases them, so this sees either
        // the claim or the mark.
        if self.marks.lock().any(keys) {
            return Claim::Done;
        }
        in_flight.extend(keys.iter().copied());
        Claim::Fresh
    }

    /// The user's state: from the cache, else read from the file (and
    /// cached). State past its TTL reads as none.
    async fn read_state(&self, key: &StateKey) -> Result<Option<StoredState>, StoreError> {
        let alive_since = self.config.state_cutoff_ms(self.config.clock.now_ms());
        let alive = |state: Option<StoredState>| state.filter(|s| s.updated_at_ms >= alive_since);
        if let Some(known) = self.states.get(key) {
            return Ok(alive(known));
        }
        let owned = key.clone();
        // Read whatever is stored, expired or not: the cache keeps its time.
        let stored = self
            .read(move |conn| queries::state(conn, &owned, i64::MIN))
            .await?;
        self.states.put(key.clone(), stored.clone());
        Ok(alive(stored))
    }

    /// Keeps the cache in step with a write that carried `change`: what it
    /// wrote, or nothing known if it failed.
    fn after_state_write(&self, change: Option<StateChange>, written: &Result<(), StoreError>) {
        let Some(change) = change else { return };
        match written {
            Ok(()) => self.states.changed(change, self.config.clock.now_ms()),
            Err(_) => self.states.forget(&change.key),
        }
    }

    async fn finish_keys(
        &self,
        keys: &[DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> Result<(), StoreError> {
        let marked = if handled {
            let owned = keys.to_vec();
            let cached = change.clone();
            let marked = self
                .writer
                .send(|reply| Request::Finish(owned, change, reply))
                .await;
            self.after_state_write(cached, &marked);
            marked
        } else {
            Ok(())
        };
        // Released even when marking failed: the delivery was not
        // acknowledged then, and its redelivery must be handled.
        self.release(keys);
        marked
    }
}

impl Store for SqliteStore {
    fn append(&self, entry: NewEntry) -> StoreFuture<'_, Appended> {
        Box::pin(self.writer.send(|reply| Request::Append(entry, reply)))
    }

    fn pending_after(&self, after: Option<EntryId>, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(self.read(move |conn| queries::pending_after(conn, after, limit)))
    }

    fn entry(&self, id: EntryId) -> StoreFuture<'_, Option<Entry>> {
        Box::pin(self.read(move |conn| queries::waiting_entry(conn, id)))
    }

    fn complete_with(&self, id: EntryId, change: Option<StateChange>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let cached = change.clone();
            let written = self
                .writer
                .send(move |reply| Request::Complete(id, change, reply))
                .await;
            self.after_state_write(cached, &written);
            written
        })
    }

    fn put_state(&self, change: StateChange) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let cached = change.clone();
            let written = self
                .writer
                .send(move |reply| Request::PutState(change, reply))
                .await;
            self.after_state_write(Some(cached), &written);
            written
        })
    }

    fn state<'a>(&'a self, key: &'a StateKey) -> StoreFuture<'a, Option<StoredState>> {
        Box::pin(self.read_state(key))
    }

    fn record_failure(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> StoreFuture<'_, ()> {
        let error = error.to_owned();
        Box::pin(self.writer.send(move |reply| Request::RecordFailure {
            id,
            attempts,
            next_attempt_at_ms,
            error,
            reply,
        }))
    }

    fn dead_letter(&self, id: EntryId, error: &str) -> StoreFuture<'_, ()> {
        let error = error.to_owned();
        Box::pin(
            self.writer
                .send(move |reply| Request::DeadLetter(id, error, reply)),
        )
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        Box::pin(self.read(move |conn| queries::dead_letters(conn, limit)))
    }

    fn retry_dead(&self, which: Selection) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(
            self.writer
                .send(move |reply| Request::RetryDead(which, reply)),
        )
    }

    fn drop_dead(&self, which: Selection) -> StoreFuture<'_, u64> {
        Box::pin(
            self.writer
                .send(move |reply| Request::DropDead(which, reply)),
        )
    }

    fn status(&self) -> StoreFuture<'_, InboxStatus> {
        Box::pin(self.read(queries::status))
    }

    fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim> {
        let claimed = self.claim_keys(keys);
        Box::pin(std::future::ready(Ok(claimed)))
    }

    fn finish_with<'a>(
        &'a self,
        keys: &'a [DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.finish_keys(keys, handled, change))
    }

    fn prune_marks(&self) -> StoreFuture<'_, u64> {
        Box::pin(self.writer.send(Request::Prune))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::suite::{Opened, store_suite};

    fn open(config: StoreConfig) -> std::pin::Pin<Box<dyn Future<Output = Opened> + Send>> {
        Box::pin(async move {
            let dir = tempfile::tempdir().expect("temporary directory");
            let store = SqliteStore::open(&dir.path().join("rbm.sqlite3"), config)
                .await
                .expect("open");
            let store: Arc<dyn Store> = Arc::new(store);
            Opened::new(store, dir)
        })
    }

    store_suite!(open);
}
