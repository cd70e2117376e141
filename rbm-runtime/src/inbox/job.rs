//! One stored delivery on its way through a lane, and what becomes of it
//! after each attempt: done, tried again later, or a dead letter.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;
use tracing::Instrument as _;

use super::InboxLimits;
use super::lanes::Step;
use super::settled::Settled;
use crate::agent::{Delivery, DynAgent};
use crate::escape::Escaped;
use crate::metrics::Counted;
use crate::server::handling::{Attempt, Handling};
use crate::store::{Entry, EntryId, Store, StoreError};

tokio::task_local! {
    /// The entry whose attempt is being polled (the testing kit tells the
    /// replies of one entry from those of another by it).
    static CURRENT_ENTRY: EntryId;
}

/// The entry whose attempt the current task is running, if any.
#[cfg(feature = "testing")]
pub(crate) fn current_entry() -> Option<EntryId> {
    CURRENT_ENTRY.try_with(|id| *id).ok()
}

/// A stored delivery, ready to run.
pub(crate) struct Job {
    /// Its place in the inbox.
    pub(crate) id: EntryId,
    /// Its user's lane.
    pub(crate) lane: u128,
    /// The webhook path it came to (for its log line).
    pub(crate) path: Arc<str>,
    /// The agent that handles it.
    pub(crate) agent: Arc<dyn DynAgent>,
    /// The delivery itself.
    pub(crate) delivery: Delivery,
    /// The name its reply ids derive from.
    pub(crate) identity: String,
    /// Attempts that failed so far.
    pub(crate) attempts: u32,
    /// When it joined the inbox (unix ms): stored by the webhook, or put
    /// back from the dead letters. Its age counts from here.
    pub(crate) queued_at_ms: i64,
    /// With a shared store: its partition's epoch when it was queued here
    /// (see `lease_gate.rs`); 0 otherwise.
    pub(crate) epoch: u64,
    /// The receive span of the request that stored it, when spans are on
    /// and this process stored it: its handling joins that trace.
    pub(crate) received_in: Option<tracing::Span>,
}

/// Runs jobs and writes down what became of them.
pub(crate) struct Runner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) handling: Arc<Handling>,
    pub(crate) limits: InboxLimits,
    pub(crate) settled: Arc<Settled>,
    /// With a shared store: whether this process may still start an entry.
    pub(crate) gate: Option<Arc<super::LeaseGate>>,
}

/// How many times a store write after an attempt is tried before the
/// runner gives up on it (the entry then stays as it was in the store).
const STORE_TRIES: u32 = 6;

impl Runner {
    /// The job of a stored entry. An entry that can no longer be handled
    /// here (its payload does not parse, its webhook or agent is gone)
    /// becomes a dead letter: `None`.
    pub(crate) async fn prepare(&self, entry: Entry) -> Option<Job> {
        match self.handling.job_of_entry(entry) {
            Ok(mut job) => {
                if let Some((partition, gate)) = self.partition(&job) {
                    job.epoch = gate.epoch(partition);
                }
                Some(job)
            }
            Err((id, reason)) => {
                tracing::error!(entry = %id, reason = %Escaped(&reason), "stored delivery moved to the dead letters");
                if let Err(error) = self.store.dead_letter(id, &reason).await {
                    tracing::error!(entry = %id, %error, "inbox: could not dead-letter the entry");
                }
                None
            }
        }
    }

    /// The job of the waiting entry `id`, read from the store: `None` if it
    /// is no longer waiting or became a dead letter.
    pub(crate) async fn load(&self, id: EntryId) -> Result<Option<Job>, StoreError> {
        match self.store.entry(id).await? {
            Some(entry) => Ok(self.prepare(entry).await),
            None => Ok(None),
        }
    }

    /// The partition of a shared store `job` is in, if the store is shared.
    fn partition(&self, job: &Job) -> Option<(u32, &super::LeaseGate)> {
        let gate = self.gate.as_deref()?;
        let partitions = self.store.partitions()?;
        Some((partitions.partition_of(&format!("{:032x}", job.lane)), gate))
    }

    /// One attempt of `job`.
    pub(crate) async fn run(&self, mut job: Job) -> Step<Job> {
        if let Some((partition, gate)) = self.partition(&job)
            && !gate.may_start(partition, job.epoch)
        {
            // The lease may have lapsed: the entry is left to whoever holds
            // the partition (this process again, if it still does, reading
            // the partition from its start).
            tracing::debug!(entry = %job.id, partition, "inbox: not started, the partition's lease is not sure");
            self.settled
                .ended(job.id, Some("its partition's lease lapsed here".to_owned()));
            return Step::Settled;
        }
        let started = std::time::Instant::now();
        let handle_span = crate::logging::spans::handle(Some(job.id.0), job.received_in.as_ref());
        let attempted = CURRENT_ENTRY
            .scope(
                job.id,
                self.handling
                    .attempt(job.agent.as_ref(), &job.delivery, &job.identity),
            )
            .instrument(delivery_span(&job))
            .instrument(handle_span.clone())
            .await;
        if let Some(route) = attempted.route {
            handle_span.record("route", route.name);
        }
        let handled_in = started.elapsed();
        let attempts = job.attempts.saturating_add(1);
        let step = match (&attempted.attempt, attempted.attempt.reason()) {
            (Attempt::Handled, _) | (_, None) => {
                let state = &attempted.state;
                let completed = self
                    .write(job.id, "complete", || {
                        self.store.complete_with(job.id, state.clone())
                    })
                    .await;
                if completed == Written::NotOwner {
                    Verdict::HandedOver
                } else if completed == Written::Gone {
                    Verdict::Gone
                } else if completed == Written::Made {
                    Verdict::Done
                } else {
                    // Not done in the store: the lane must not go on (the
                    // user's next entry would see the state before this
                    // one). Run it again later, with the same reply ids.
                    let reason = "its done mark could not be stored".to_owned();
                    Verdict::Retry(reason, self.limits.backoff.after(attempts))
                }
            }
            (attempt, Some(reason)) => {
                let age = Duration::from_millis(
                    u64::try_from(now_ms().saturating_sub(job.queued_at_ms)).unwrap_or(0),
                );
                if !attempt.is_retryable() {
                    Verdict::Dead(reason)
                } else if attempts >= self.limits.max_attempts {
                    Verdict::Dead(format!("{reason} (attempt {attempts}, the last one)"))
                } else if age >= self.limits.max_age {
                    Verdict::Dead(format!(
                        "{reason} (after {} s, too old to retry)",
                        age.as_secs()
                    ))
                } else {
                    let pause = self.limits.backoff.after(attempts);
                    let next_ms = now_ms()
                        .saturating_add(i64::try_from(pause.as_millis()).unwrap_or(i64::MAX));
                    let recorded = self
                        .write(job.id, "record a failure", || {
                            self.store
                                .record_failure(job.id, attempts, next_ms, &reason)
                        })
                        .await;
                    match recorded {
                        Written::NotOwner => Verdict::HandedOver,
                        Written::Gone => Verdict::Gone,
                        Written::Made | Written::Failed => Verdict::Retry(reason, pause),
                    }
                }
            }
        };
        let step = match step {
            Verdict::Dead(reason) => {
                let buried = self
                    .write(job.id, "dead-letter", || {
                        self.store.dead_letter(job.id, &reason)
                    })
                    .await;
                match buried {
                    Written::NotOwner => Verdict::HandedOver,
                    Written::Gone => Verdict::Gone,
                    Written::Made | Written::Failed => Verdict::Dead(reason),
                }
            }
            other => other,
        };
        self.handling.log_attempt(
            job.id,
            &job.path,
            &job.delivery,
            attempted.route,
            step.label(),
            attempts,
            step.reason(),
            started.elapsed(),
        );
        if let Some(metrics) = &self.handling.metrics {
            let webhook = metrics.webhook(self.handling.webhook_index(&job.path));
            webhook.handled_in(handled_in);
            webhook.attempted(Counted {
                kind: Some(job.delivery.payload.kind()),
                route: attempted.route,
                outcome: step.index(),
            });
        }
        let failure = step.reason().map(str::to_owned).or(attempted.dropped);
        self.settled.ended(job.id, failure);
        match step {
            Verdict::Retry(_, pause) => {
                job.attempts = attempts;
                Step::RetryAt(job, Instant::now() + pause)
            }
            Verdict::HandedOver | Verdict::Gone => {
                // With a shared store, another process may hold the
                // partition now: this one stops starting its entries.
                if let Some((partition, gate)) = self.partition(&job) {
                    gate.revoke(partition);
                }
                Step::Settled
            }
            Verdict::Done | Verdict::Dead(_) => Step::Settled,
        }
    }

    /// Runs a store write after an attempt, trying again a few times: a
    /// store that stays broken leaves the entry as it was, so it runs again
    /// (with the same reply ids: nothing reaches the user twice). A shared
    /// store whose partition another process holds now refuses it at once.
    async fn write<'s, F>(&'s self, id: EntryId, what: &str, op: impl Fn() -> F) -> Written
    where
        F: std::future::Future<Output = Result<(), StoreError>> + 's,
    {
        let mut pause = Duration::from_millis(50);
        for attempt in 1..=STORE_TRIES {
            match op().await {
                Ok(()) => return Written::Made,
                Err(StoreError::NotOwner(_)) => return Written::NotOwner,
                Err(StoreError::UnknownEntry(_)) => return Written::Gone,
                Err(error) if attempt == STORE_TRIES => {
                    tracing::error!(entry = %id, %error, "inbox: could not {what} in the store; the entry runs again");
                }
                Err(error) => {
                    tracing::warn!(entry = %id, %error, "inbox: could not {what} in the store; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
        Written::Failed
    }
}

/// What became of a store write after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Made,
    /// The store stayed broken: the entry is as it was.
    Failed,
    /// Another process handles the entry's partition now: it runs the
    /// entry again there (same reply ids), and this process lets it go.
    NotOwner,
    /// The entry is no longer waiting: it was settled meanwhile, by another
    /// process or by this one's earlier write whose answer was lost (a
    /// connection cut after the store applied it). Retrying cannot help.
    Gone,
}

/// What one attempt comes to.
pub(crate) enum Verdict {
    Done,
    Retry(String, Duration),
    Dead(String),
    /// Its partition went to another process meanwhile: nothing written.
    HandedOver,
    /// It was settled meanwhile (see [`Written::Gone`]).
    Gone,
}

impl Verdict {
    /// The name of every verdict, in the order of [`index`](Self::index):
    /// the `outcome` of an attempt's log line and metrics.
    pub(crate) const LABELS: &'static [&'static str] = &[
        "handled",
        "retry",
        "dead_letter",
        "handed_over",
        "settled_meanwhile",
    ];

    fn index(&self) -> usize {
        match self {
            Self::Done => 0,
            Self::Retry(..) => 1,
            Self::Dead(_) => 2,
            Self::HandedOver => 3,
            Self::Gone => 4,
        }
    }

    fn label(&self) -> &'static str {
        Self::LABELS[self.index()]
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Self::Done => None,
            Self::HandedOver => Some("another process handles its partition now"),
            Self::Gone => Some("it was settled meanwhile, by another process or an earlier write"),
            Self::Retry(reason, _) | Self::Dead(reason) => Some(reason),
        }
    }
}

/// Now, in unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The span of a stored delivery's handling, for structured logs: every line
/// it logs (its replies, their retries, its outcome) carries the entry and
/// the Pub/Sub message id, as the line that stored it did. None for text
/// logs, where a span would be formatted for nothing on every job.
fn delivery_span(job: &Job) -> tracing::Span {
    if crate::logging::structured() {
        tracing::info_span!(
            "delivery",
            entry = job.id.0,
            delivery_id = job.delivery.pubsub_message_id.as_deref()
        )
    } else {
        tracing::Span::none()
    }
}
