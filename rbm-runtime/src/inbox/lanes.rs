//! Per-user lanes of stored deliveries: one user's entries run one at a time,
//! in inbox order; different users run in parallel, at most `workers` at once.
//!
//! A lane has at most one task. The task takes the lane's first entry, runs
//! it, and either moves on (the entry is settled) or puts it back at the
//! front and sleeps until its retry time, so the user's later entries wait
//! behind it: order is kept through retries.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::dedupe::PrehashedKeys;

/// What running one job came to.
pub(crate) enum Step<J> {
    /// Settled (done or dead): the lane moves on.
    Settled,
    /// To be tried again at the given time, before anything after it in its lane.
    RetryAt(J, Instant),
}

/// Runs one job.
pub(crate) type Process<J> =
    Arc<dyn Fn(J) -> Pin<Box<dyn Future<Output = Step<J>> + Send>> + Send + Sync>;

/// Each user's jobs in inbox order, with their positions.
type Queues<J> = HashMap<u128, VecDeque<(i64, J)>, PrehashedKeys>;

/// The lanes and the tasks that drain them.
pub(crate) struct Lanes<J> {
    queues: Mutex<Queues<J>>,
    workers: Arc<Semaphore>,
    tasks: TaskTracker,
    stopping: CancellationToken,
    process: Process<J>,
}

impl<J: Send + 'static> Lanes<J> {
    /// Lanes running at most `workers` jobs at once with `process`.
    pub(crate) fn new(workers: usize, process: Process<J>) -> Arc<Self> {
        Arc::new(Self {
            queues: Mutex::new(HashMap::default()),
            workers: Arc::new(Semaphore::new(workers.max(1))),
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
            process,
        })
    }

    /// Queues `job` in `lane` at its inbox position `order` (entries are
    /// usually pushed in order; one that raced another is put in its place).
    /// After [`stop`](Self::stop) nothing is queued: the entry stays in the
    /// store for the next start.
    pub(crate) fn push(self: &Arc<Self>, lane: u128, order: i64, job: J) {
        if self.stopping.is_cancelled() {
            return;
        }
        let mut queues = self.queues();
        let idle = !queues.contains_key(&lane);
        let queue = queues.entry(lane).or_default();
        let at = queue
            .iter()
            .rposition(|(o, _)| *o < order)
            .map_or(0, |i| i + 1);
        queue.insert(at, (order, job));
        drop(queues);
        if idle {
            let lanes = Arc::clone(self);
            self.tasks.spawn(async move { lanes.drain(lane).await });
        }
    }

    /// Completes once the lanes stop.
    pub(crate) async fn stopped(&self) {
        self.stopping.cancelled().await;
    }

    /// Jobs queued and not yet settled, over every lane.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.queues().values().map(VecDeque::len).sum()
    }

    /// Takes no more jobs and waits up to `grace` for the running ones;
    /// whatever did not run stays in the store. Returns whether every
    /// running job finished in time.
    pub(crate) async fn stop(&self, grace: Duration) -> bool {
        self.stopping.cancel();
        self.tasks.close();
        tokio::time::timeout(grace, self.tasks.wait()).await.is_ok()
    }

    /// The lane's task: runs its jobs in order until it is empty or the
    /// lanes stop. The lane stays in the map (so pushes do not start a
    /// second task) until this task removes it.
    async fn drain(self: Arc<Self>, lane: u128) {
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&self.workers).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
                () = self.stopping.cancelled() => return,
            };
            let Some((order, job)) = self.take_first(lane) else {
                return;
            };
            let step = (self.process)(job).await;
            drop(permit);
            if let Step::RetryAt(job, at) = step {
                self.queues()
                    .entry(lane)
                    .or_default()
                    .push_front((order, job));
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = self.stopping.cancelled() => return,
                }
            }
        }
    }

    /// The lane's first job, or `None` (and the lane removed) when it is
    /// empty or the lanes stop.
    fn take_first(&self, lane: u128) -> Option<(i64, J)> {
        let mut queues = self.queues();
        let first = if self.stopping.is_cancelled() {
            None
        } else {
            queues.get_mut(&lane).and_then(VecDeque::pop_front)
        };
        if first.is_none() {
            queues.remove(&lane);
        }
        first
    }

    fn queues(&self) -> MutexGuard<'_, Queues<J>> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Log = Arc<Mutex<Vec<(u128, i64)>>>;

    /// Lanes whose jobs `(lane, order, fail_first_tries)` log themselves.
    fn lanes(
        workers: usize,
        log: Log,
        running: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    ) -> Arc<Lanes<(u128, i64, u32)>> {
        Lanes::new(
            workers,
            Arc::new(move |(lane, order, fails): (u128, i64, u32)| {
                let (log, running, peak) = (log.clone(), running.clone(), peak.clone());
                Box::pin(async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    if fails > 0 {
                        return Step::RetryAt(
                            (lane, order, fails - 1),
                            Instant::now() + Duration::from_millis(5),
                        );
                    }
                    log.lock().expect("log").push((lane, order));
                    Step::Settled
                })
            }),
        )
    }

    /// Waits until `count` jobs settled (logged) and none is queued.
    async fn settle<J: Send + 'static>(lanes: &Lanes<J>, log: &Log, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while lanes.queued() > 0 || log.lock().expect("log").len() < count {
            assert!(Instant::now() < deadline, "the lanes never settled");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    #[tokio::test]
    async fn one_lane_runs_in_order_through_retries_and_lanes_run_in_parallel() {
        let log: Log = Arc::default();
        let (running, peak) = (Arc::default(), Arc::new(AtomicUsize::new(0)));
        let lanes = lanes(4, log.clone(), running, peak.clone());
        for order in 0..20 {
            // Every third entry of lane 1 fails twice before it settles.
            let fails = if order % 3 == 0 { 2 } else { 0 };
            lanes.push(1, order, (1, order, fails));
            lanes.push(2, order, (2, order, 0));
            lanes.push(3, order, (3, order, 0));
        }
        settle(&lanes, &log, 60).await;
        assert!(lanes.stop(Duration::from_secs(5)).await);
        let log = log.lock().expect("log");
        for lane in 1..=3u128 {
            let orders: Vec<i64> = log
                .iter()
                .filter(|(l, _)| *l == lane)
                .map(|(_, o)| *o)
                .collect();
            assert_eq!(orders, (0..20).collect::<Vec<_>>(), "lane {lane}");
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!(
            (2..=3).contains(&peak),
            "lanes ran in parallel, one job per lane: {peak}"
        );
    }

    #[tokio::test]
    async fn workers_bound_the_jobs_running_at_once() {
        let log: Log = Arc::default();
        let (running, peak) = (Arc::default(), Arc::new(AtomicUsize::new(0)));
        let lanes = lanes(2, log.clone(), running, peak.clone());
        for lane in 0..10 {
            lanes.push(lane, 0, (lane, 0, 0));
        }
        settle(&lanes, &log, 10).await;
        assert_eq!(log.lock().expect("log").len(), 10);
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_job_pushed_out_of_order_takes_its_place() {
        let log: Log = Arc::default();
        let lanes = lanes(1, log.clone(), Arc::default(), Arc::default());
        // Hold the only worker so nothing runs while the lane fills.
        let hold = Arc::clone(&lanes.workers)
            .acquire_owned()
            .await
            .expect("permit");
        lanes.push(7, 5, (7, 5, 0));
        lanes.push(7, 3, (7, 3, 0));
        lanes.push(7, 4, (7, 4, 0));
        drop(hold);
        settle(&lanes, &log, 3).await;
        let orders: Vec<i64> = log.lock().expect("log").iter().map(|(_, o)| *o).collect();
        assert_eq!(orders, vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn stopping_leaves_queued_jobs_and_refuses_new_ones() {
        let log: Log = Arc::default();
        let lanes = lanes(1, log.clone(), Arc::default(), Arc::default());
        let hold = Arc::clone(&lanes.workers)
            .acquire_owned()
            .await
            .expect("permit");
        lanes.push(1, 0, (1, 0, 0));
        assert!(lanes.stop(Duration::from_secs(1)).await);
        drop(hold);
        lanes.push(1, 1, (1, 1, 0));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(log.lock().expect("log").is_empty());
    }
}
