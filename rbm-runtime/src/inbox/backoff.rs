//! When a failed entry is tried again: exponential back-off with jitter.

use std::time::Duration;

/// Retry timing of inbox entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The pause after the first failure.
    pub(crate) first: Duration,
    /// The longest pause.
    pub(crate) max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(1),
            max: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The pause after `attempts` failed attempts (1 = the first failure):
    /// `first · 2^(attempts-1)`, capped at `max`, then a random point in its
    /// upper half, so entries that failed together do not retry together.
    pub(crate) fn after(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(32);
        let full = self
            .first
            .saturating_mul(1u32 << doublings.min(31))
            .min(self.max);
        let half = full / 2;
        let spread = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_the_first_pause_up_to_the_cap_with_jitter_in_the_upper_half() {
        let backoff = Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(60),
        };
        for (attempts, full) in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)] {
            let full = Duration::from_secs(full);
            for _ in 0..50 {
                let pause = backoff.after(attempts);
                assert!(pause >= full / 2 && pause <= full, "{attempts}: {pause:?}");
            }
        }
    }
}
