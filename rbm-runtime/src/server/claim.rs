//! Claiming a delivery in the duplicate store, waiting for a copy in
//! flight, and ending the claim exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::dedupe::{Claim, DedupeKey, DuplicateStore};

/// How long a copy of a delivery waits for another copy being handled.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);
/// How often that wait re-checks a store that cannot notify (a shared one).
const IN_FLIGHT_POLL: Duration = Duration::from_millis(100);

/// The duplicate store, plus a wake-up for copies waiting on a claim.
pub(crate) struct Claims {
    store: Arc<dyn DuplicateStore>,
    ended: Notify,
    /// Copies waiting right now: ending a claim wakes them only if there are
    /// any, so the usual delivery never touches the notifier's lock.
    waiting: AtomicUsize,
}

impl Claims {
    pub(crate) fn new(store: Arc<dyn DuplicateStore>) -> Arc<Self> {
        Arc::new(Self {
            store,
            ended: Notify::new(),
            waiting: AtomicUsize::new(0),
        })
    }

    /// Claims `keys`. A copy in flight is waited for (up to 10 s), so that
    /// when it fails this copy is handled and when it succeeds this one is
    /// a duplicate; `Fresh` comes with the guard that ends the claim.
    pub(crate) async fn claim(self: &Arc<Self>, keys: Vec<DedupeKey>) -> Result<ClaimGuard, Claim> {
        let mut claim = self.store.claim(&keys).await;
        if claim == Claim::InFlight {
            claim = self.wait_for_copy(&keys).await;
        }
        match claim {
            Claim::Fresh => Ok(ClaimGuard {
                claims: Arc::clone(self),
                keys,
                ended: false,
            }),
            other => Err(other),
        }
    }

    async fn wait_for_copy(&self, keys: &[DedupeKey]) -> Claim {
        let deadline = Instant::now() + IN_FLIGHT_WAIT;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let claim = loop {
            // Registered before the re-check, so an end in between is seen.
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let claim = self.store.claim(keys).await;
            if claim != Claim::InFlight || Instant::now() >= deadline {
                break claim;
            }
            let wake = (Instant::now() + IN_FLIGHT_POLL).min(deadline);
            let _ = tokio::time::timeout_at(wake, ended).await;
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        claim
    }

    async fn end(&self, keys: &[DedupeKey], handled: bool) {
        self.store.finish(keys, handled).await;
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.ended.notify_waiters();
        }
    }
}

/// Ends a claim exactly once: when handling ends, or when the request is
/// dropped half-way (then the claim is released for the redelivery).
pub(crate) struct ClaimGuard {
    claims: Arc<Claims>,
    keys: Vec<DedupeKey>,
    ended: bool,
}

impl ClaimGuard {
    /// Marks the keys done (`handled`) or releases them.
    pub(crate) async fn end(mut self, handled: bool) {
        self.ended = true;
        self.claims.end(&self.keys, handled).await;
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (claims, keys) = (Arc::clone(&self.claims), std::mem::take(&mut self.keys));
        tokio::spawn(async move { claims.end(&keys, false).await });
    }
}
