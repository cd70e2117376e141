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
//!
//! Up to `InboxLimits::resident` waiting entries are kept in memory, ready
//! to run; beyond, a lane keeps only an entry's id and reads the entry from
//! the store when its turn comes ([`Queued`]), so a backlog of any length
//! costs disk, not memory.

mod backoff;
mod job;
mod lanes;
mod lease_gate;
mod queued;
mod settled;
mod shared;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub(crate) use backoff::Backoff;
#[cfg(feature = "testing")]
pub(crate) use job::current_entry;
pub(crate) use job::{Job, Verdict, now_ms};
use lanes::{Lanes, Step};
use lease_gate::LeaseGate;
use queued::Queued;
pub(crate) use settled::Settled;

use crate::server::handling::Handling;
use crate::store::{Entry, EntryId, Store, StoreError};

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
    /// Waiting entries kept in memory, ready to run.
    pub(crate) resident: usize,
}

/// Entries read from the store at once, at start-up and on a rescan.
const PAGE: usize = 1000;

/// How often a server looks for entries another process put in its inbox
/// (`rbm inbox retry` while the server runs).
const RESCAN_EVERY: Duration = Duration::from_secs(2);

/// An entry put in the inbox this long ago and not queued here was put
/// there by another process (this server queues its own at once).
const FOREIGN_AFTER_MS: i64 = 1_000;

/// The running inbox of one server.
pub(crate) struct Inbox {
    lanes: Arc<Lanes<Queued>>,
    store: Arc<dyn Store>,
    runner: Arc<job::Runner>,
    settled: Arc<Settled>,
    /// Entries queued or running here, with the epoch they were queued in
    /// (see `lease_gate.rs`; always 0 with a store of one process): a
    /// rescan skips them, and a copy from an older epoch does not count.
    known: Arc<Mutex<Known>>,
    /// Jobs queued in memory now (not counting those queued by id).
    resident: Arc<AtomicUsize>,
    limits: InboxLimits,
    /// With a store shared by several processes: wakes the reader of the
    /// partitions held (see `shared.rs`).
    shared_wake: Option<Arc<tokio::sync::Notify>>,
    /// With a shared store: the partitions whose entries may start here.
    gate: Option<Arc<LeaseGate>>,
}

impl Inbox {
    /// An inbox handling entries of `store` with `handling`.
    pub(crate) fn new(store: Arc<dyn Store>, handling: Arc<Handling>, limits: InboxLimits) -> Self {
        let settled = Arc::new(Settled::default());
        let known: Arc<Mutex<Known>> = Arc::default();
        let resident: Arc<AtomicUsize> = Arc::default();
        let gate = store.partitions().map(|_| Arc::new(LeaseGate::default()));
        let runner = Arc::new(job::Runner {
            store: Arc::clone(&store),
            handling,
            limits,
            settled: Arc::clone(&settled),
            gate: gate.clone(),
        });
        let (forget, in_memory, run) = (
            Arc::clone(&known),
            Arc::clone(&resident),
            Arc::clone(&runner),
        );
        let lanes = Lanes::new(
            limits.workers,
            Arc::new(move |queued: Queued| {
                let (runner, forget) = (Arc::clone(&run), Arc::clone(&forget));
                let in_memory = Arc::clone(&in_memory);
                Box::pin(async move {
                    let (id, epoch) = (queued.id(), queued.epoch());
                    let job = match queued {
                        Queued::Resident(job) => {
                            in_memory.fetch_sub(1, Ordering::Relaxed);
                            *job
                        }
                        Queued::Stored(id, epoch) => match runner.load(id).await {
                            Ok(Some(job)) => Job { epoch, ..job },
                            Ok(None) => {
                                forget_copy(&forget, id, epoch);
                                return Step::Settled;
                            }
                            // The store cannot be read now: the lane waits.
                            Err(error) => {
                                tracing::warn!(entry = %id, %error, "inbox: could not read the entry; trying again");
                                let later = tokio::time::Instant::now() + Duration::from_secs(1);
                                return Step::RetryAt(Queued::Stored(id, epoch), later);
                            }
                        },
                    };
                    match runner.run(job).await {
                        Step::Settled => {
                            forget_copy(&forget, id, epoch);
                            Step::Settled
                        }
                        Step::RetryAt(job, at) => {
                            in_memory.fetch_add(1, Ordering::Relaxed);
                            Step::RetryAt(Queued::Resident(Box::new(job)), at)
                        }
                    }
                })
            }),
        );
        let shared_wake = gate.as_ref().map(|_| Arc::default());
        Self {
            lanes,
            store,
            runner,
            settled,
            known,
            resident,
            limits,
            shared_wake,
            gate,
        }
    }

    /// A delivery the webhook just stored: queued at once, or, with a store
    /// shared by several processes, read back in its partition's order by
    /// the process that holds the partition (this one is woken to look).
    pub(crate) fn stored(&self, job: Job) {
        match &self.shared_wake {
            Some(wake) => wake.notify_one(),
            None => self.push(job),
        }
    }

    /// Whether the store is shared: then [`run_shared`](Self::run_shared)
    /// must run instead of [`recover`](Self::recover) and
    /// [`rescan`](Self::rescan).
    pub(crate) fn shared_wake(&self) -> Option<Arc<tokio::sync::Notify>> {
        self.shared_wake.clone()
    }

    /// Queues a stored entry in its user's lane: in memory, or by its id
    /// when enough entries are in memory already.
    pub(crate) fn push(&self, job: Job) {
        {
            let mut known = lock(&self.known);
            // Queued already, unless as an older copy that will not start.
            if known.get(&job.id).is_some_and(|epoch| *epoch >= job.epoch) {
                return;
            }
            known.insert(job.id, job.epoch);
        }
        let (lane, order) = (job.lane, job.id.0);
        let queued = if self.resident.load(Ordering::Relaxed) < self.limits.resident {
            self.resident.fetch_add(1, Ordering::Relaxed);
            Queued::Resident(Box::new(job))
        } else {
            Queued::Stored(job.id, job.epoch)
        };
        self.lanes.push(lane, order, queued);
    }

    /// Every [`RESCAN_EVERY`], queues the entries another process put in
    /// the store (dead letters moved back by `rbm inbox retry`). Runs until
    /// the inbox stops.
    pub(crate) async fn rescan(self: Arc<Self>) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(RESCAN_EVERY) => {}
                () = self.lanes.stopped() => return,
            }
            // Counting is cheap; reading every entry is not: read them only
            // when the store holds more than this process knows of.
            match self.store.status().await {
                Ok(status) if status.waiting <= lock(&self.known).len() as u64 => continue,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "inbox: could not look for entries added by another process");
                    continue;
                }
            }
            let mut after = None;
            let mut queued = 0;
            loop {
                let page = match self.store.pending_after(after, PAGE).await {
                    Ok(page) => page,
                    Err(error) => {
                        tracing::warn!(%error, "inbox: could not look for entries added by another process");
                        break;
                    }
                };
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                let now = now_ms();
                let foreign: Vec<Entry> = {
                    let known = lock(&self.known);
                    page.into_iter()
                        .filter(|e| {
                            !known.contains_key(&e.id) && now - e.queued_at_ms >= FOREIGN_AFTER_MS
                        })
                        .collect()
                };
                queued += self.queue_stored(foreign).await;
            }
            if queued > 0 {
                tracing::info!(
                    entries = queued,
                    "inbox: queued entries added by another process"
                );
            }
        }
    }

    /// Reads back every entry a previous run left and queues it, in order.
    /// An entry that can no longer be handled here (its payload does not
    /// parse, its webhook or agent is gone) becomes a dead letter.
    pub(crate) async fn recover(&self) -> Result<usize, StoreError> {
        let mut after = None;
        let mut queued = 0;
        loop {
            let page = self.store.pending_after(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            queued += self.queue_stored(page).await;
        }
        if queued > 0 {
            tracing::info!(
                entries = queued,
                "inbox: handling deliveries left by the last run"
            );
        }
        Ok(queued)
    }

    /// Queues entries read from the store; those that can no longer be
    /// handled here become dead letters. Returns how many were queued.
    async fn queue_stored(&self, entries: Vec<Entry>) -> usize {
        let mut queued = 0;
        for entry in entries {
            if let Some(job) = self.runner.prepare(entry).await {
                self.push(job);
                queued += 1;
            }
        }
        queued
    }

    /// Starts recording attempts, for [`attempted`](Self::attempted).
    pub(crate) fn track_attempts(&self) {
        self.settled.track();
    }

    /// Waits until the attempt of entry `id` that is running or next to run
    /// has ended (the testing kit returns the replies of a delivery then);
    /// returns why it failed, if it did.
    pub(crate) async fn attempted(&self, id: EntryId) -> Option<String> {
        self.settled.wait(id).await
    }

    /// Takes no more entries and waits up to `grace` for the running ones.
    pub(crate) async fn stop(&self, grace: Duration) {
        if !self.lanes.stop(grace).await {
            tracing::warn!(
                "inbox: handlers still running after the grace period; their entries stay in the inbox"
            );
            // Their leases lapse instead: no other process runs them meanwhile.
            return;
        }
        if self.shared_wake.is_some() {
            self.release_partitions().await;
        }
    }
}

/// The entries queued or running here, and the epoch of each one's copy.
type Known = HashMap<EntryId, u64>;

fn lock(known: &Mutex<Known>) -> MutexGuard<'_, Known> {
    known.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Forgets entry `id` once its copy of `epoch` settled, unless a newer copy
/// was queued meanwhile.
fn forget_copy(known: &Mutex<Known>, id: EntryId, epoch: u64) {
    let mut known = lock(known);
    if known.get(&id) == Some(&epoch) {
        known.remove(&id);
    }
}
