//! The fake's request quota: at most N API calls in any window of the given
//! length (a sliding window, so a burst cannot straddle two fixed windows).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A sliding-window rate limit over the calls it let through.
#[derive(Debug, Clone)]
pub(super) struct RateLimit {
    requests: usize,
    per: Duration,
    /// When each call still inside the window was let through, oldest first.
    admitted: VecDeque<Instant>,
}

impl RateLimit {
    pub(super) fn new(requests: usize, per: Duration) -> Self {
        Self {
            requests,
            per,
            admitted: VecDeque::new(),
        }
    }

    /// Lets a call through at `now` (and counts it), or tells in whole
    /// seconds, rounded up, when the window frees a place. Refused calls are
    /// not counted: they used no quota.
    pub(super) fn admit(&mut self, now: Instant) -> Result<(), u64> {
        while self
            .admitted
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= self.per)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < self.requests {
            self.admitted.push_back(now);
            return Ok(());
        }
        // With no place at all (0 requests) the window never frees one: the
        // whole window is as good an answer as any.
        let frees_at = self
            .admitted
            .front()
            .map_or(now + self.per, |&oldest| oldest + self.per);
        Err(ceil_secs(frees_at.saturating_duration_since(now)).max(1))
    }
}

fn ceil_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_beyond_the_limit_wait_for_the_oldest_to_leave_the_window() {
        let start = Instant::now();
        let mut limit = RateLimit::new(2, Duration::from_secs(10));
        assert_eq!(limit.admit(start), Ok(()));
        assert_eq!(limit.admit(start + Duration::from_millis(2500)), Ok(()));
        // The first leaves the window at 10 s: 9.9 s from 0.1 s, rounded up.
        assert_eq!(limit.admit(start + Duration::from_millis(100)), Err(10));
        assert_eq!(limit.admit(start + Duration::from_millis(9000)), Err(1));
        assert_eq!(limit.admit(start + Duration::from_secs(10)), Ok(()));
        // Now the second (2.5 s) is the oldest: it leaves at 12.5 s.
        assert_eq!(limit.admit(start + Duration::from_secs(11)), Err(2));
        assert_eq!(limit.admit(start + Duration::from_millis(12_500)), Ok(()));
    }

    #[test]
    fn refused_calls_use_no_quota_and_zero_allows_nothing() {
        let start = Instant::now();
        let mut limit = RateLimit::new(1, Duration::from_secs(1));
        assert_eq!(limit.admit(start), Ok(()));
        for ms in [10, 20, 30] {
            assert!(limit.admit(start + Duration::from_millis(ms)).is_err());
        }
        assert_eq!(limit.admit(start + Duration::from_secs(1)), Ok(()));
        let mut none = RateLimit::new(0, Duration::from_secs(5));
        assert_eq!(none.admit(start), Err(5));
    }
}
