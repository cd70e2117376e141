//! The writer thread: owns the write connection and group-commits every
//! request waiting at that moment in one transaction and one fsync.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::queries::{self, WriteError};
use super::schema::{self, Role};
use crate::store::memory::{PRUNE_BATCH, PRUNE_EVERY};
use crate::store::{
    Appended, DedupeKey, Entry, EntryId, NewEntry, Selection, StoreConfig, StoreError,
    StoreErrorSource,
};

/// The most requests one transaction takes: bounds the latency of the last.
const MAX_BATCH: usize = 256;
/// With no request for this long, the writer prunes a batch of old marks.
const IDLE_PRUNE_AFTER: Duration = Duration::from_secs(60);

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A write, with where to send its answer.
pub(super) enum Request {
    Append(NewEntry, Reply<Appended>),
    Complete(EntryId, Reply<()>),
    RecordFailure {
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: String,
        reply: Reply<()>,
    },
    DeadLetter(EntryId, String, Reply<()>),
    RetryDead(Selection, Reply<Vec<Entry>>),
    DropDead(Selection, Reply<u64>),
    /// An inline delivery was handled: mark its keys done.
    Finish(Vec<DedupeKey>, Reply<()>),
    /// Prune every done mark due now.
    Prune(Reply<u64>),
}

/// A request's answer, held until its transaction commits.
enum Answer {
    Appended(Reply<Appended>, Result<Appended, StoreError>),
    Unit(Reply<()>, Result<(), StoreError>),
    Entries(Reply<Vec<Entry>>, Result<Vec<Entry>, StoreError>),
    Count(Reply<u64>, Result<u64, StoreError>),
}

impl Answer {
    fn succeeded(&self) -> bool {
        match self {
            Self::Appended(_, result) => result.is_ok(),
            Self::Unit(_, result) => result.is_ok(),
            Self::Entries(_, result) => result.is_ok(),
            Self::Count(_, result) => result.is_ok(),
        }
    }

    /// Whether its changes are kept: it succeeded and is not a duplicate
    /// (whose tentative rows are rolled back).
    fn to_keep(&self) -> bool {
        match self {
            Self::Appended(_, Ok(Appended::Duplicate)) => false,
            other => other.succeeded(),
        }
    }

    /// The transaction did not commit: what succeeded in it did not happen.
    fn undone(self, cause: &StoreErrorSource) -> Self {
        let failed = || StoreError::Write(Arc::clone(cause));
        match self {
            Self::Appended(reply, Ok(_)) => Self::Appended(reply, Err(failed())),
            Self::Unit(reply, Ok(())) => Self::Unit(reply, Err(failed())),
            Self::Entries(reply, Ok(_)) => Self::Entries(reply, Err(failed())),
            Self::Count(reply, Ok(_)) => Self::Count(reply, Err(failed())),
            failed_alone => failed_alone,
        }
    }

    /// Why this request failed, if it did with a backend error.
    fn cause(&self) -> Option<StoreErrorSource> {
        let error = match self {
            Self::Appended(_, Err(error)) => error,
            Self::Unit(_, Err(error)) => error,
            Self::Entries(_, Err(error)) => error,
            Self::Count(_, Err(error)) => error,
            _ => return None,
        };
        match error {
            StoreError::Write(source) | StoreError::Read(source) => Some(Arc::clone(source)),
            _ => None,
        }
    }

    fn send(self) {
        // A caller that stopped waiting (its request was cancelled) needs
        // no answer: what committed stays committed either way.
        let _ = match self {
            Self::Appended(reply, result) => reply.send(result).map_err(drop),
            Self::Unit(reply, result) => reply.send(result).map_err(drop),
            Self::Entries(reply, result) => reply.send(result).map_err(drop),
            Self::Count(reply, result) => reply.send(result).map_err(drop),
        };
    }
}

/// What the writer has done, for measurement and tests.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) commits: AtomicU64,
    pub(super) requests: AtomicU64,
}

/// The handle of the writer thread: dropping it lets the thread finish the
/// requests already sent, then waits for it to close the file.
#[derive(Debug)]
pub(super) struct Writer {
    requests: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    pub(super) counters: Arc<Counters>,
}

impl Writer {
    /// Starts the writer thread on `conn`, an open and checked store.
    pub(super) fn start(
        conn: Connection,
        path: PathBuf,
        config: StoreConfig,
    ) -> Result<Self, StoreError> {
        let (requests, receiver) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let mut thread = WriterThread {
            conn: Some(conn),
            path,
            config,
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
            counters,
        })
    }

    /// Sends a request built around its reply channel, and waits for the
    /// answer (after the commit).
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
        // Closing the channel ends the thread's loop once it is drained.
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the store's writer thread panicked");
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

    /// Runs `batch` in one transaction, each request under its own
    /// savepoint so that a failing one fails alone, then commits once and
    /// answers every request.
    fn run_batch(&mut self, batch: Vec<Request>) {
        let size = batch.len() as u64;
        let now = self.config.clock.now_ms();
        let answers = match self.begin() {
            Err(cause) => batch
                .into_iter()
                .map(|request| refuse(request, &cause))
                .collect(),
            Ok(()) => self.execute_and_commit(batch, now),
        };
        self.counters.requests.fetch_add(size, Ordering::Relaxed);
        for answer in answers {
            answer.send();
        }
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

    fn execute_and_commit(&mut self, batch: Vec<Request>, now: i64) -> Vec<Answer> {
        let Some(conn) = self.conn.take() else {
            let cause: StoreErrorSource = Arc::new(StoreError::Closed);
            return batch.into_iter().map(|r| refuse(r, &cause)).collect();
        };
        let mut answers = Vec::with_capacity(batch.len());
        let mut aborted: Option<StoreErrorSource> = None;
        for request in batch {
            if let Some(cause) = &aborted {
                answers.push(refuse(request, cause));
                continue;
            }
            answers.push(self.execute_one(&conn, request, now));
            // SQLite rolls back the whole transaction on some errors (disk
            // full, I/O): then nothing before in this batch will commit.
            if conn.is_autocommit() {
                let cause = answers
                    .last()
                    .and_then(Answer::cause)
                    .unwrap_or_else(|| Arc::new(rolled_back()));
                aborted = Some(cause);
            }
        }
        if aborted.is_none() && self.marked_done_since_prune >= PRUNE_EVERY {
            self.marked_done_since_prune = 0;
            self.prune_in_batch(&conn, now);
        }
        let committed = match aborted {
            Some(cause) => Err(cause),
            None => run(&conn, "COMMIT").map_err(|error| {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                Arc::new(error) as StoreErrorSource
            }),
        };
        match committed {
            Ok(()) => {
                self.counters.commits.fetch_add(1, Ordering::Relaxed);
                self.conn = Some(conn);
                answers
            }
            Err(cause) => {
                tracing::warn!(error = %cause, "the store could not commit a batch of writes");
                // `conn` is dropped: the next batch reopens the file.
                answers.into_iter().map(|a| a.undone(&cause)).collect()
            }
        }
    }

    fn execute_one(&mut self, conn: &Connection, request: Request, now: i64) -> Answer {
        if let Err(error) = run(conn, "SAVEPOINT request") {
            let cause: StoreErrorSource = Arc::new(error);
            return refuse(request, &cause);
        }
        let answer = self.apply(conn, request, now);
        let ended = if answer.to_keep() {
            run(conn, "RELEASE request")
        } else if conn.is_autocommit() {
            Ok(())
        } else {
            run(conn, "ROLLBACK TO request").and_then(|()| run(conn, "RELEASE request"))
        };
        match ended {
            Ok(()) => answer,
            Err(error) => answer.undone(&(Arc::new(error) as StoreErrorSource)),
        }
    }

    fn apply(&mut self, conn: &Connection, request: Request, now: i64) -> Answer {
        let error = StoreError::from;
        match request {
            Request::Append(entry, reply) => {
                Answer::Appended(reply, queries::append(conn, &entry).map_err(error))
            }
            Request::Complete(id, reply) => {
                let done = queries::complete(conn, id, now);
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
            Request::Finish(keys, reply) => {
                let done = queries::finish(conn, &keys, now);
                self.count_done(&done, 1);
                Answer::Unit(reply, done.map_err(error))
            }
            Request::Prune(reply) => {
                let cutoff = now.saturating_sub(self.config.mark_ttl_ms());
                let pruned = queries::prune(conn, cutoff, self.config.mark_capacity, usize::MAX);
                Answer::Count(reply, pruned.map_err(error))
            }
        }
    }

    fn count_done<T>(&mut self, done: &Result<T, WriteError>, marks: u64) {
        if done.is_ok() {
            self.marked_done_since_prune += marks;
        }
    }

    /// Prunes a bounded batch of old marks inside the current transaction;
    /// a failure only postpones pruning.
    fn prune_in_batch(&mut self, conn: &Connection, now: i64) {
        let cutoff = now.saturating_sub(self.config.mark_ttl_ms());
        let pruned = conn
            .execute_batch("SAVEPOINT prune")
            .map_err(WriteError::Sql)
            .and_then(|()| queries::prune(conn, cutoff, self.config.mark_capacity, PRUNE_BATCH));
        let ended = match &pruned {
            Ok(_) => conn.execute_batch("RELEASE prune"),
            Err(_) if conn.is_autocommit() => Ok(()),
            Err(_) => conn.execute_batch("ROLLBACK TO prune; RELEASE prune"),
        };
        if let Err(error) = pruned
            .map_err(StoreError::from)
            .and(ended.map_err(StoreError::write))
        {
            tracing::warn!(%error, "the store could not prune old duplicate marks");
        }
    }

    /// The idle timer's pruning, by age as well as count, so that old marks
    /// go even when nothing is written: its own small transaction.
    fn prune_when_idle(&mut self) {
        if self.begin().is_err() {
            return;
        }
        self.marked_done_since_prune = PRUNE_EVERY;
        let now = self.config.clock.now_ms();
        self.execute_and_commit(Vec::new(), now);
    }
}

/// The answer of a request that could not run: `cause` failed it.
fn refuse(request: Request, cause: &StoreErrorSource) -> Answer {
    let failed = || StoreError::Write(Arc::clone(cause));
    match request {
        Request::Append(_, reply) => Answer::Appended(reply, Err(failed())),
        Request::Complete(_, reply)
        | Request::RecordFailure { reply, .. }
        | Request::DeadLetter(_, _, reply)
        | Request::Finish(_, reply) => Answer::Unit(reply, Err(failed())),
        Request::RetryDead(_, reply) => Answer::Entries(reply, Err(failed())),
        Request::DropDead(_, reply) | Request::Prune(reply) => Answer::Count(reply, Err(failed())),
    }
}

fn rolled_back() -> std::io::Error {
    std::io::Error::other("SQLite rolled the batch's transaction back")
}

/// Runs one statement without parameters, prepared once per connection:
/// the batch's control statements run for every request.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}
