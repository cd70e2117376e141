//! The inbox workers: deliveries stored by the webhook are handled here,
//! after Google got its `200`.
//!
//! Each stored entry runs in its user's lane ([`lanes`]): one at a time per
//! user, in inbox order, users in parallel up to `RBM_WORKERS`. An entry that
//! fails in a way worth retrying is tried again with back-off ([`backoff`]);
//! after `RBM_MAX_ATTEMPTS` attempts or `RBM_MAX_AGE_SECS`, or at once for a
//! failure retrying cannot fix, it becomes a dead letter and the user's next
//! entries go on. Entries left by a crash or a shutdown are read back at the
//! next start ([`Inbox::recover`]) and handled in order.

mod backoff;
mod job;
mod lanes;
mod settled;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use backoff::Backoff;
pub(crate) use job::{Job, current_entry, now_ms};
use lanes::Lanes;
pub(crate) use settled::Settled;

use crate::server::handling::Handling;
use crate::store::{EntryId, Store, StoreError};

/// How the inbox retries and how much it runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InboxLimits {
    /// Entries handled at once, over all users (`RBM_WORKERS`).
    pub(crate) workers: usize,
    /// Attempts before an entry becomes a dead letter (`RBM_MAX_ATTEMPTS`).
    pub(crate) max_attempts: u32,
    /// Age after which a failing entry becomes a dead letter (`RBM_MAX_AGE_SECS`).
    pub(crate) max_age: Duration,
    /// Pauses between attempts.
    pub(crate) backoff: Backoff,
}

/// The running inbox of one server.
pub(crate) struct Inbox {
    lanes: Arc<Lanes<Job>>,
    store: Arc<dyn Store>,
    settled: Arc<Settled>,
}

impl Inbox {
    /// An inbox handling entries of `store` with `handling`.
    pub(crate) fn new(store: Arc<dyn Store>, handling: Arc<Handling>, limits: InboxLimits) -> Self {
        let settled = Arc::new(Settled::default());
        let runner = Arc::new(job::Runner {
            store: Arc::clone(&store),
            handling,
            limits,
            settled: Arc::clone(&settled),
        });
        let lanes = Lanes::new(
            limits.workers,
            Arc::new(move |job: Job| {
                let runner = Arc::clone(&runner);
                Box::pin(async move { runner.run(job).await })
            }),
        );
        Self {
            lanes,
            store,
            settled,
        }
    }

    /// Queues a stored entry in its user's lane.
    pub(crate) fn push(&self, job: Job) {
        let (lane, order) = (job.lane, job.id.0);
        self.lanes.push(lane, order, job);
    }

    /// Reads back every entry a previous run left and queues it, in order.
    /// An entry that can no longer be handled here (its payload does not
    /// parse, its webhook or agent is gone) becomes a dead letter.
    pub(crate) async fn recover(&self, handling: &Handling) -> Result<usize, StoreError> {
        let entries = self.store.pending().await?;
        let mut queued = 0;
        for entry in entries {
            match handling.job_of_entry(entry) {
                Ok(job) => {
                    self.push(job);
                    queued += 1;
                }
                Err((id, reason)) => {
                    tracing::error!(entry = %id, %reason, "stored delivery moved to the dead letters");
                    self.store.dead_letter(id, &reason).await?;
                }
            }
        }
        if queued > 0 {
            tracing::info!(entries = queued, "inbox: handling deliveries left by the last run");
        }
        Ok(queued)
    }

    /// Starts recording attempts, for [`attempted`](Self::attempted).
    pub(crate) fn track_attempts(&self) {
        self.settled.track();
    }

    /// Waits until the attempt of entry `id` that is running or next to run
    /// has ended (the testing kit returns the replies of a delivery then).
    pub(crate) async fn attempted(&self, id: EntryId) {
        self.settled.wait(id).await;
    }

    /// Takes no more entries and waits up to `grace` for the running ones.
    pub(crate) async fn stop(&self, grace: Duration) {
        if !self.lanes.stop(grace).await {
            tracing::warn!("inbox: handlers still running after the grace period; their entries stay in the inbox");
        }
    }
}
