//! The timer of one connection's header read timeout.
//!
//! Hyper asks its timer for a new sleep for every request head it waits
//! for, and drops it once the head is in: with tokio's timer that is an
//! entry put in the timer wheel and taken out again, per request. Here the
//! connection keeps one tokio sleep and moves its deadline forward for each
//! head instead, which tokio does without touching the wheel.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// A connection's timer: hands hyper deadlines on one shared tokio sleep.
#[derive(Clone)]
pub(crate) struct ConnectionTimer {
    sleep: Arc<Mutex<Pin<Box<tokio::time::Sleep>>>>,
}

impl ConnectionTimer {
    /// A timer whose sleep is not armed yet.
    pub(crate) fn new() -> Self {
        let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);
        Self {
            sleep: Arc::new(Mutex::new(Box::pin(tokio::time::sleep_until(far)))),
        }
    }
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(Deadline {
            sleep: Arc::clone(&self.sleep),
            deadline: deadline.into(),
            armed: false,
        })
    }
}

/// One deadline on the connection's sleep, armed when first polled. Only
/// the deadline polled last counts: hyper has one at a time.
struct Deadline {
    sleep: Arc<Mutex<Pin<Box<tokio::time::Sleep>>>>,
    deadline: tokio::time::Instant,
    armed: bool,
}

impl Future for Deadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        // Only this connection's task takes the lock: it is never contended.
        let mut sleep = this.sleep.lock().unwrap_or_else(PoisonError::into_inner);
        if !this.armed {
            this.armed = true;
            sleep.as_mut().reset(this.deadline);
        }
        sleep.as_mut().poll(cx)
    }
}

impl Sleep for Deadline {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn each_deadline_fires_at_its_own_time() {
        let timer = ConnectionTimer::new();
        let started = tokio::time::Instant::now();
        in_(&timer, 2).await;
        assert_about(started.elapsed(), 2);
        // A later deadline on the same sleep, after an earlier one fired.
        in_(&timer, 3).await;
        assert_about(started.elapsed(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_moved_forward_does_not_fire_at_the_old_one() {
        let timer = ConnectionTimer::new();
        let started = tokio::time::Instant::now();
        let mut first = in_(&timer, 1);
        // Armed, then given up, as hyper does once a head is in.
        assert!(futures_util::poll!(&mut first).is_pending());
        drop(first);
        let second = in_(&timer, 10);
        second.await;
        assert_about(started.elapsed(), 10);
    }

    /// A deadline `seconds` ahead on tokio's clock, which these tests pause.
    fn in_(timer: &ConnectionTimer, seconds: u64) -> Pin<Box<dyn Sleep>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        timer.sleep_until(deadline.into_std())
    }

    /// Tokio rounds deadlines up to its next millisecond tick.
    fn assert_about(elapsed: Duration, seconds: u64) {
        let expected = Duration::from_secs(seconds);
        assert!(
            elapsed >= expected && elapsed < expected + Duration::from_millis(50),
            "{elapsed:?} is not about {seconds} s"
        );
    }
}
