//! The writer thread: owns the write connection and group-commits every
//! request waiting at that moment in one transaction; the syncer thread
//! (`syncer.rs`) flushes it to the disk and answers.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::marks::{MarksDelta, SharedMarks};
use super::queries::{self, WriteError};
use super::request::{Answer, Reply, Request, refuse};
use super::schema::{self, Role};
use super::syncer::{Finished, FinishedSender, SyncProgress, Syncer};
use crate::dedupe::PrehashedKeys;
use crate::store::memory::{PRUNE_BATCH, PRUNE_EVERY};
use crate::store::{Appended, DedupeKey, StoreConfig, StoreError, StoreErrorSource};

/// The most requests one transaction takes: bounds the latency of the last.
const MAX_BATCH: usize = 256;
/// With no request for this long, the writer prunes a batch of old marks.
const IDLE_PRUNE_AFTER: Duration = Duration::from_secs(60);

/// What the writer has done, for measurement and tests.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) commits: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) sync: Arc<SyncProgress>,
}

/// The handle of the writer thread: dropping it lets the thread finish the
/// requests already sent, then waits for it to close the file.
#[derive(Debug)]
pub(super) struct Writer {
    requests: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    syncer: Option<JoinHandle<()>>,
    pub(super) counters: Arc<Counters>,
}

impl Writer {
    /// Starts the writer thread on `conn`, an open and checked store.
    pub(super) fn start(
        conn: Connection,
        path: PathBuf,
        config: StoreConfig,
        marks: Arc<SharedMarks>,
    ) -> Result<Self, StoreError> {
        let (requests, receiver) = mpsc::channel();
        let (finished, finished_receiver) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let syncer = Syncer {
            wal: Syncer::wal_of(&path),
            marks: Arc::clone(&marks),
            progress: Arc::clone(&counters.sync),
        };
        let syncer = std::thread::Builder::new()
            .name("rbm-store-syncer".into())
            .spawn(move || syncer.run(finished_receiver))
            .map_err(StoreError::write)?;
        let mut thread = WriterThread {
            conn: Some(conn),
            path,
            config,
            marks,
            unsynced: VecDeque::new(),
            finished,
            seq: 0,
            counters: Arc::clone(&counters),
            marked_done_since_prune: 0,
        };
        let thread = std::thread::Builder::new()
            .name("rbm-store-writer".into())
            .spawn(move || thread.run(receiver))
            .map_err(StoreError::write)?;
        Ok(Self {
            requests: Some(requests),
            thread: Some(thread),
            syncer: Some(syncer),
            counters,
        })
    }

    /// Sends a request built around its reply channel, and waits for the
    /// answer (once the commit is on the disk).
    pub(super) async fn send<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> Request,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let requests = self.requests.as_ref().ok_or(StoreError::Closed)?;
        requests
            .send(request(reply))
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel ends the writer's loop once it is drained;
        // the writer's end closes the syncer's channel in turn.
        drop(self.requests.take());
        for (thread, name) in [
            (self.thread.take(), "writer"),
            (self.syncer.take(), "syncer"),
        ] {
            if thread.is_some_and(|thread| thread.join().is_err()) {
                tracing::error!("the store's {name} thread panicked");
            }
        }
    }
}

struct WriterThread {
    /// `None` after a failed transaction: reopened for the next batch, so
    /// that writing recovers once the disk is writable again.
    conn: Option<Connection>,
    path: PathBuf,
    config: StoreConfig,
    /// Changed by the syncer once a batch is on the disk, so that they never
    /// show a write that may roll back or vanish.
    marks: Arc<SharedMarks>,
    /// The keys marked by committed batches that are not in `marks` yet,
    /// by batch number: a copy in those batches is a duplicate too.
    unsynced: VecDeque<(u64, HashSet<DedupeKey, PrehashedKeys>)>,
    finished: FinishedSender,
    /// The number of the last batch.
    seq: u64,
    counters: Arc<Counters>,
    marked_done_since_prune: u64,
}

impl WriterThread {
    fn run(&mut self, receiver: Receiver<Request>) {
        loop {
            let first = match receiver.recv_timeout(IDLE_PRUNE_AFTER) {
                Ok(request) => request,
                Err(RecvTimeoutError::Timeout) => {
                    self.prune_when_idle();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let mut batch = Vec::with_capacity(MAX_BATCH);
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            self.run_batch(batch);
        }
    }

    fn connection(&mut self) -> Result<&Connection, StoreError> {
        if self.conn.is_none() {
            let conn = schema::connect(&self.path, Role::Writer)?;
            schema::durable(&conn).map_err(StoreError::write)?;
            self.conn = Some(conn);
        }
        self.conn.as_ref().ok_or(StoreError::Closed)
    }

    /// Runs `batch` in one transaction, commits once and hands the answers
    /// to the syncer.
    fn run_batch(&mut self, batch: Vec<Request>) {
        let size = batch.len() as u64;
        let now = self.config.clock.now_ms();
        let (answers, committed) = match self.begin() {
            Err(cause) => {
                let refused = batch.into_iter().map(|r| refuse(r, &cause)).collect();
                (refused, None)
            }
            Ok(()) => self.execute_and_commit(batch, now),
        };
        self.counters.requests.fetch_add(size, Ordering::Relaxed);
        self.seq += 1;
        if let Some(delta) = &committed
            && !delta.added().is_empty()
        {
            self.unsynced.push_back((self.seq, delta.added().clone()));
        }
        let finished = Finished {
            seq: self.seq,
            answers,
            committed,
        };
        if let Err(mpsc::SendError(finished)) = self.finished.send(finished) {
            // The syncer is gone (it panicked): nothing can be flushed.
            let cause: StoreErrorSource = Arc::new(StoreError::Closed);
            for answer in finished.answers {
                answer.undone(&cause).send();
            }
        }
    }

    /// Whether a committed batch not yet in the shared marks marked any of
    /// `keys`.
    fn unsynced_any(&mut self, keys: &[DedupeKey]) -> bool {
        let applied = self.counters.sync.applied.load(Ordering::Acquire);
        while self
            .unsynced
            .front()
            .is_some_and(|(seq, _)| *seq <= applied)
        {
            self.unsynced.pop_front();
        }
        self.unsynced
            .iter()
            .any(|(_, added)| keys.iter().any(|key| added.contains(key)))
    }

    fn begin(&mut self) -> Result<(), StoreErrorSource> {
        let begun = self
            .connection()
            .and_then(|conn| run(conn, "BEGIN IMMEDIATE").map_err(StoreError::write));
        begun.map_err(|error| {
            tracing::warn!(%error, "the store cannot start a write");
            self.conn = None;
            Arc::new(error) as StoreErrorSource
        })
    }

    /// Applies every request, then commits. A request whose precondition
    /// fails (an unknown entry) changes nothing and fails alone; a database
    /// error fails the whole batch: such errors (disk full, I/O, a read-only
    /// file) are the file's, not the request's, and a savepoint per request
    /// to isolate them cost more than the writes themselves.
    fn execute_and_commit(
        &mut self,
        batch: Vec<Request>,
        now: i64,
    ) -> (Vec<Answer>, Option<MarksDelta>) {
        let Some(conn) = self.conn.take() else {
            let cause: StoreErrorSource = Arc::new(StoreError::Closed);
            return (batch.into_iter().map(|r| refuse(r, &cause)).collect(), None);
        };
        let mut delta = MarksDelta::default();
        let mut answers = Vec::with_capacity(batch.len());
        let mut aborted: Option<StoreErrorSource> = None;
        for request in batch {
            if let Some(cause) = &aborted {
                answers.push(refuse(request, cause));
                continue;
            }
            let answer = self.apply(&conn, request, now, &mut delta);
            aborted = answer.cause();
            answers.push(answer);
        }
        if aborted.is_none() && self.marked_done_since_prune >= PRUNE_EVERY {
            self.marked_done_since_prune = 0;
            aborted = self.prune_in_batch(&conn, now, &mut delta);
        }
        let committed = match aborted {
            Some(cause) => Err(cause),
            None => run(&conn, "COMMIT").map_err(|error| Arc::new(error) as StoreErrorSource),
        };
        match committed {
            Ok(()) => {
                self.counters.commits.fetch_add(1, Ordering::Relaxed);
                self.conn = Some(conn);
                (answers, Some(delta))
            }
            Err(cause) => {
                tracing::warn!(error = %cause, "the store could not commit a batch of writes");
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                // `conn` is dropped: the next batch reopens the file.
                let undone = answers.into_iter().map(|a| a.undone(&cause)).collect();
                (undone, None)
            }
        }
    }

    fn apply(
        &mut self,
        conn: &Connection,
        request: Request,
        now: i64,
        delta: &mut MarksDelta,
    ) -> Answer {
        let error = StoreError::from;
        match request {
            Request::Append(entry, reply) => {
                let duplicate = delta.any_added(&entry.keys)
                    || self.unsynced_any(&entry.keys)
                    || self.marks.lock().any(&entry.keys);
                let appended = if duplicate {
                    Ok(Appended::Duplicate)
                } else {
                    queries::append(conn, &entry).map(|id| {
                        delta.add(&entry.keys);
                        Appended::Stored(id)
                    })
                };
                Answer::Appended(reply, appended.map_err(error))
            }
            Request::Complete(id, change, reply) => {
                let done = queries::complete(conn, id, now)
                    .and_then(|()| queries::change_state(conn, change.as_ref(), now));
                self.count_done(&done, 1);
                Answer::Unit(reply, done.map_err(error))
            }
            Request::RecordFailure {
                id,
                attempts,
                next_attempt_at_ms,
                error: message,
                reply,
            } => {
                let recorded =
                    queries::record_failure(conn, id, attempts, next_attempt_at_ms, &message);
                Answer::Unit(reply, recorded.map_err(error))
            }
            Request::DeadLetter(id, message, reply) => {
                let dead = queries::dead_letter(conn, id, &message, now);
                Answer::Unit(reply, dead.map_err(error))
            }
            Request::RetryDead(which, reply) => {
                Answer::Entries(reply, queries::retry_dead(conn, which, now).map_err(error))
            }
            Request::DropDead(which, reply) => {
                let dropped = queries::drop_dead(conn, which, now);
                if let Ok(count) = &dropped {
                    self.marked_done_since_prune += count;
                }
                Answer::Count(reply, dropped.map_err(error))
            }
            Request::Finish(keys, change, reply) => {
                let done = queries::finish(conn, &keys, now)
                    .and_then(|()| queries::change_state(conn, change.as_ref(), now));
                if done.is_ok() {
                    delta.add(&keys);
                }
                self.count_done(&done, 1);
                Answer::Unit(reply, done.map_err(error))
            }
            Request::PutState(change, reply) => {
                let put = queries::change_state(conn, Some(&change), now);
                Answer::Unit(reply, put.map_err(error))
            }
            Request::Prune(reply) => {
                let cutoff = now.saturating_sub(self.config.mark_ttl_ms());
                let pruned = queries::prune(conn, cutoff, self.config.mark_capacity, usize::MAX)
                    .and_then(|pruned| {
                        let alive_since = self.config.state_cutoff_ms(now);
                        queries::prune_states(conn, alive_since, usize::MAX)?;
                        Ok(pruned)
                    })
                    .map(|pruned| {
                        delta.remove(pruned.keys);
                        pruned.count
                    });
                Answer::Count(reply, pruned.map_err(error))
            }
        }
    }

    fn count_done<T>(&mut self, done: &Result<T, WriteError>, marks: u64) {
        if done.is_ok() {
            self.marked_done_since_prune += marks;
        }
    }

    /// Prunes a bounded batch of old marks inside the current transaction.
    /// A failed prune only postpones pruning, unless SQLite rolled the
    /// transaction back: then the batch failed, and this says why.
    fn prune_in_batch(
        &mut self,
        conn: &Connection,
        now: i64,
        delta: &mut MarksDelta,
    ) -> Option<StoreErrorSource> {
        let cutoff = now.saturating_sub(self.config.mark_ttl_ms());
        let alive_since = self.config.state_cutoff_ms(now);
        let pruned = queries::prune(conn, cutoff, self.config.mark_capacity, PRUNE_BATCH).and_then(
            |pruned| {
                queries::prune_states(conn, alive_since, PRUNE_BATCH)?;
                Ok(pruned)
            },
        );
        match pruned {
            Ok(pruned) => {
                delta.remove(pruned.keys);
                None
            }
            Err(error) => {
                let error = StoreError::from(error);
                tracing::warn!(%error, "the store could not prune old duplicate marks");
                conn.is_autocommit()
                    .then(|| Arc::new(error) as StoreErrorSource)
            }
        }
    }

    /// The idle timer's pruning, by age as well as count, so that old marks
    /// go even when nothing is written: its own small transaction.
    fn prune_when_idle(&mut self) {
        self.marked_done_since_prune = PRUNE_EVERY;
        self.run_batch(Vec::new());
    }
}

/// Runs one statement without parameters, prepared once per connection:
/// the batch's control statements run for every request.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}
