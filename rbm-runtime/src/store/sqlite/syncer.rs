//! The syncer thread: makes committed batches durable and only then answers
//! them.
//!
//! The writer commits with `synchronous=NORMAL`: SQLite writes the batch to
//! the WAL without waiting for the disk (and still syncs the WAL header on
//! a restart and both files around a checkpoint, which keeps the file
//! consistent). This thread then syncs the WAL file, which is what
//! `synchronous=FULL` would have done inside the commit, and answers every
//! batch committed before that sync began. Meanwhile the writer runs the
//! next batch: the disk flush no longer stalls the writes (measured with
//! 64 concurrent append-and-complete loops on one core: 15.2k pairs a second
//! with `FULL`, twice that pipelined).

use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};

use super::marks::{MarksDelta, SharedMarks};
use super::request::Answer;
use crate::store::{StoreError, StoreErrorSource};

/// A batch the writer finished: its answers, and, if it committed, the
/// marks it changed.
pub(super) struct Finished {
    /// The writer's number for the batch, counting from 1.
    pub(super) seq: u64,
    pub(super) answers: Vec<Answer>,
    /// `Some` if the batch committed (and so must be synced before its
    /// answers go out); `None` if it failed (its answers are errors).
    pub(super) committed: Option<MarksDelta>,
}

/// Where the syncer has got to, shared with the writer.
#[derive(Debug, Default)]
pub(super) struct SyncProgress {
    /// The highest batch number whose marks are in the shared marks.
    pub(super) applied: AtomicU64,
    /// Syncs of the WAL done (for measurement and tests).
    pub(super) syncs: AtomicU64,
}

pub(super) struct Syncer {
    pub(super) wal: PathBuf,
    pub(super) marks: Arc<SharedMarks>,
    pub(super) progress: Arc<SyncProgress>,
}

impl Syncer {
    /// The WAL file of the database at `path`.
    pub(super) fn wal_of(path: &Path) -> PathBuf {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        PathBuf::from(wal)
    }

    pub(super) fn run(self, finished: Receiver<Finished>) {
        while let Ok(first) = finished.recv() {
            let mut group = vec![first];
            group.extend(finished.try_iter());
            let synced = if group.iter().any(|batch| batch.committed.is_some()) {
                self.sync()
            } else {
                Ok(())
            };
            self.answer(group, synced);
        }
    }

    /// Flushes the WAL to the disk. A WAL that is gone was checkpointed into
    /// the database, which SQLite synced before deleting it.
    fn sync(&self) -> Result<(), StoreErrorSource> {
        // Opened for each sync, so that a WAL that SQLite recreated is the
        // one flushed; the open costs little next to the flush.
        let synced = match OpenOptions::new().read(true).open(&self.wal) {
            Ok(file) => file.sync_data(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        };
        self.progress.syncs.fetch_add(1, Ordering::Relaxed);
        synced.map_err(|error| {
            tracing::error!(%error, "the store could not flush its file to the disk");
            Arc::new(StoreError::write(error)) as StoreErrorSource
        })
    }

    fn answer(&self, group: Vec<Finished>, synced: Result<(), StoreErrorSource>) {
        let last = group.last().map_or(0, |batch| batch.seq);
        let mut answers = Vec::new();
        {
            let mut marks = self.marks.lock();
            for batch in group {
                // The marks follow the file, where the batch is committed;
                // its answers wait for the disk. After a failed flush they
                // are errors (nothing is acknowledged that may not be on
                // the disk), and a redelivery is a duplicate answered only
                // after a later flush succeeded.
                if let Some(delta) = batch.committed {
                    delta.apply(&mut marks);
                    match &synced {
                        Ok(()) => answers.extend(batch.answers),
                        Err(cause) => {
                            answers.extend(batch.answers.into_iter().map(|a| a.undone(cause)));
                        }
                    }
                } else {
                    answers.extend(batch.answers);
                }
            }
        }
        self.progress.applied.store(last, Ordering::Release);
        for answer in answers {
            answer.send();
        }
    }
}

/// The sending side, held by the writer thread: dropping it ends the syncer
/// once it has answered everything.
pub(super) type FinishedSender = Sender<Finished>;
