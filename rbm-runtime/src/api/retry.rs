//! Bounded exponential back-off with jitter for `429`, `5xx` and network errors.

use std::time::Duration;

use tokio::time::Instant;

/// How often and how patiently a failed call is tried again.
///
/// Attempt `n` (from 1) that fails is followed by a pause drawn uniformly
/// from `[d/2, d]`, where `d = initial_backoff · 2^(n−1)` capped at
/// `max_backoff`; a `Retry-After` from the server raises the pause (never
/// above `max_backoff`). Jitter keeps many replicas from retrying in step.
///
/// All tries of one send — the access token it may have to wait for
/// included — fit in `deadline`: a pause that would end past it is not
/// taken, and a request still running at the deadline is abandoned. Either
/// way the send ends as a transient failure, so the webhook can answer
/// before Google's push deadline (about 10 s) and the delivery comes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The pause after the first failure (before jitter).
    pub initial_backoff: Duration,
    /// No pause is longer than this.
    pub max_backoff: Duration,
    /// The time one send may take, every try and pause included (default 8 s).
    pub deadline: Duration,
}

/// The default [`RetryPolicy::deadline`]: inside Google's ~10 s push
/// deadline with room to answer the webhook.
pub const DEFAULT_SEND_DEADLINE: Duration = Duration::from_secs(8);

impl Default for RetryPolicy {
    /// 4 tries, pausing about 0.2 s, 0.4 s, 0.8 s, all within 8 s: short
    /// enough to answer the webhook in time, long enough to ride out a blip.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            deadline: DEFAULT_SEND_DEADLINE,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// `max_attempts` tries with pauses starting at `initial_backoff`
    /// (tests use a millisecond), within the default deadline.
    pub fn new(max_attempts: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            initial_backoff,
            max_backoff,
            deadline: DEFAULT_SEND_DEADLINE,
        }
    }

    /// The same policy with another overall [`deadline`](Self::deadline).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The pause after failed attempt `attempt` (from 1).
    pub(crate) fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let floor = ceiling / 2;
        let spread = (ceiling - floor).as_nanos() as u64;
        let jittered = floor + Duration::from_nanos(fastrand::u64(0..=spread));
        match retry_after {
            Some(wait) => jittered.max(wait.min(self.max_backoff)),
            None => jittered,
        }
    }
}

/// Why a failed call is not tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// Every try of [`RetryPolicy::max_attempts`] was used.
    Exhausted,
    /// The pause would end past the deadline.
    Deadline,
}

impl RetryPolicy {
    /// The pause to take after failed try `attempt` (from 1) of a call that
    /// must end by `deadline`, or why there is no next try.
    pub(crate) fn pause_after(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        deadline: Instant,
    ) -> Result<Duration, GiveUp> {
        if attempt >= self.max_attempts {
            return Err(GiveUp::Exhausted);
        }
        let pause = self.backoff(attempt, retry_after);
        if Instant::now() + pause >= deadline {
            return Err(GiveUp::Deadline);
        }
        Ok(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_stay_bounded() {
        let policy = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..100 {
            let first = policy.backoff(1, None);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3, None);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(policy.backoff(30, None) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn retry_after_raises_the_pause_up_to_the_cap() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_secs(2));
        assert!(policy.backoff(1, Some(Duration::from_secs(1))) >= Duration::from_secs(1));
        assert!(policy.backoff(1, Some(Duration::from_secs(60))) <= Duration::from_secs(2));
    }

    #[test]
    fn a_call_gives_up_when_out_of_tries_or_time() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_millis(20));
        let later = Instant::now() + Duration::from_secs(60);
        let pause = policy.pause_after(2, None, later).expect("a third try");
        assert!(pause <= Duration::from_millis(20));
        assert_eq!(policy.pause_after(3, None, later), Err(GiveUp::Exhausted));
        let soon = Instant::now() + Duration::from_millis(1);
        assert_eq!(policy.pause_after(1, None, soon), Err(GiveUp::Deadline));
    }

    #[test]
    fn the_deadline_defaults_to_8_seconds_and_can_be_changed() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_secs(2));
        assert_eq!(policy.deadline, Duration::from_secs(8));
        assert_eq!(RetryPolicy::default().deadline, Duration::from_secs(8));
        let shorter = policy.with_deadline(Duration::from_secs(1));
        assert_eq!(shorter.deadline, Duration::from_secs(1));
        assert_eq!(shorter.max_attempts, 3);
    }
}
