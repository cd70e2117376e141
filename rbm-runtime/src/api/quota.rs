//! The API's `429` honoured by every call of a client: one call told to
//! wait makes all of them wait, rather than each finding out by itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// How long calls pause after a `429` that gives no `Retry-After`.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

/// When a client's calls may go out again after a `429`.
#[derive(Debug, Default)]
pub(super) struct QuotaGate {
    until: Mutex<Option<Instant>>,
    pauses: AtomicU64,
}

impl QuotaGate {
    /// The API refused a call for its quota: no call goes out for
    /// `retry_after` (or a second).
    pub(super) fn pause(&self, retry_after: Option<Duration>) {
        let until = Instant::now() + retry_after.unwrap_or(DEFAULT_PAUSE);
        let mut slot = self
            .until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.is_none_or(|current| current < until) {
            *slot = Some(until);
        }
        self.pauses.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits until calls may go out.
    pub(super) async fn wait(&self) {
        loop {
            let until = *self
                .until
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// How many `429`s the client met.
    pub(super) fn pauses(&self) -> u64 {
        self.pauses.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_caller_until_the_latest_end() {
        let gate = QuotaGate::default();
        gate.pause(Some(Duration::from_secs(2)));
        gate.pause(Some(Duration::from_secs(1)));
        let start = Instant::now();
        gate.wait().await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert_eq!(gate.pauses(), 2);
        let again = Instant::now();
        gate.wait().await;
        assert_eq!(again.elapsed(), Duration::ZERO);
    }
}
