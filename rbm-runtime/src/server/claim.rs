//! Claiming a delivery in the duplicate store, waiting for a copy in
//! flight, and ending the claim exactly once.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Waker};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::store::{Claim, DedupeKey, StateChange, Store, StoreError};

/// How long a copy of a delivery waits for another copy being handled.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);
/// How often that wait re-checks a store that cannot notify (a shared one).
const IN_FLIGHT_POLL: Duration = Duration::from_millis(100);

/// The duplicate store, plus a wake-up for copies waiting on a claim.
pub(crate) struct Claims {
    store: Arc<dyn Store>,
    ended: Notify,
    /// Copies waiting right now: ending a claim wakes them only if there are
    /// any, so the usual delivery never touches the notifier's lock.
    waiting: AtomicUsize,
}

impl Claims {
    pub(crate) fn new(store: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            store,
            ended: Notify::new(),
            waiting: AtomicUsize::new(0),
        })
    }

    /// Claims `keys`. A copy in flight is waited for (up to 10 s), so that
    /// when it fails this copy is handled and when it succeeds this one is
    /// a duplicate; `Fresh` comes with the guard that ends the claim.
    pub(crate) async fn claim(
        self: &Arc<Self>,
        keys: Vec<DedupeKey>,
    ) -> Result<ClaimGuard, Refused> {
        let mut claim = self.store.claim(&keys).await.map_err(Refused::Store)?;
        if claim == Claim::InFlight {
            // Boxed: rare, and its timer would make every claim's future
            // (part of every request's) larger.
            claim = Box::pin(self.wait_for_copy(&keys))
                .await
                .map_err(Refused::Store)?;
        }
        match claim {
            Claim::Fresh => Ok(ClaimGuard {
                claims: Arc::clone(self),
                keys,
                ended: false,
            }),
            Claim::Done => Err(Refused::Done),
            Claim::InFlight => Err(Refused::InFlight),
        }
    }

    async fn wait_for_copy(&self, keys: &[DedupeKey]) -> Result<Claim, StoreError> {
        let deadline = Instant::now() + IN_FLIGHT_WAIT;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let claim = loop {
            // Registered before the re-check, so an end in between is seen.
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let claim = match self.store.claim(keys).await {
                Ok(claim) => claim,
                Err(error) => break Err(error),
            };
            if claim != Claim::InFlight || Instant::now() >= deadline {
                break Ok(claim);
            }
            let wake = (Instant::now() + IN_FLIGHT_POLL).min(deadline);
            let _ = tokio::time::timeout_at(wake, ended).await;
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        claim
    }

    async fn end(
        &self,
        keys: &[DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> Result<(), StoreError> {
        let finished = self.store.finish_with(keys, handled, change).await;
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.ended.notify_waiters();
        }
        finished
    }
}

/// Why a delivery could not be claimed.
#[derive(Debug)]
pub(crate) enum Refused {
    /// A copy was handled already: a duplicate.
    Done,
    /// A copy is still being handled after the wait.
    InFlight,
    /// The store failed.
    Store(StoreError),
}

/// Ends a claim exactly once: when handling ends, or when the request is
/// dropped half-way (then the claim is released for the redelivery).
pub(crate) struct ClaimGuard {
    claims: Arc<Claims>,
    keys: Vec<DedupeKey>,
    ended: bool,
}

impl ClaimGuard {
    /// Marks the keys done (`handled`), with the handler's state `change`
    /// in the same transaction, or releases them.
    pub(crate) async fn end(
        mut self,
        handled: bool,
        change: Option<StateChange>,
    ) -> Result<(), StoreError> {
        self.ended = true;
        self.claims.end(&self.keys, handled, change).await
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (claims, keys) = (Arc::clone(&self.claims), std::mem::take(&mut self.keys));
        let mut release: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            if let Err(error) = claims.end(&keys, false, None).await {
                tracing::warn!(%error, "a dropped delivery's claim could not be released");
            }
        });
        // A store that answers at once (the in-memory one) is released right
        // here: no task, and no runtime needed, so a request dropped after
        // its runtime is gone still frees its claim. A store that is polled
        // outside a runtime and needs one panics: that must not escape a drop.
        let mut context = Context::from_waker(Waker::noop());
        let polled =
            std::panic::catch_unwind(AssertUnwindSafe(|| release.as_mut().poll(&mut context)));
        match (polled, Handle::try_current()) {
            (Ok(std::task::Poll::Ready(())), _) => {}
            // The same future goes on in a task: nothing is done twice.
            (Ok(std::task::Poll::Pending), Ok(runtime)) => drop(runtime.spawn(release)),
            _ => tracing::warn!(
                "a dropped delivery's claim could not be released (its store needs a \
                 runtime and none is running): its redelivery waits until the store forgets it"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        Appended, DeadLetter, Entry, EntryId, InboxStatus, MemoryStore, NewEntry, Selection,
        StateChange, StateKey, StoreConfig, StoreFuture, StoredState,
    };

    fn keys() -> Vec<DedupeKey> {
        vec![DedupeKey::of(&["pubsub", "/", "1"])]
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    fn memory() -> Arc<dyn Store> {
        Arc::new(MemoryStore::new(StoreConfig::default()))
    }

    #[test]
    fn a_claim_dropped_outside_any_runtime_is_released_at_once() {
        let claims = Claims::new(memory());
        let guard = runtime()
            .block_on(claims.claim(keys()))
            .unwrap_or_else(|refused| panic!("not fresh: {refused:?}"));
        // The runtime is gone: dropping the guard must not panic.
        drop(guard);
        let again = runtime().block_on(claims.claim(keys()));
        assert!(
            again.is_ok(),
            "the claim was not released: {again:?}",
            again = again.err()
        );
    }

    /// A store whose `finish` needs the runtime (it yields once first).
    struct Yielding(Arc<dyn Store>);

    impl Store for Yielding {
        fn append(&self, entry: NewEntry) -> StoreFuture<'_, Appended> {
            self.0.append(entry)
        }
        fn pending_after(&self, after: Option<EntryId>, n: usize) -> StoreFuture<'_, Vec<Entry>> {
            self.0.pending_after(after, n)
        }
        fn entry(&self, id: EntryId) -> StoreFuture<'_, Option<Entry>> {
            self.0.entry(id)
        }
        fn complete_with(&self, id: EntryId, change: Option<StateChange>) -> StoreFuture<'_, ()> {
            self.0.complete_with(id, change)
        }
        fn state<'a>(&'a self, key: &'a StateKey) -> StoreFuture<'a, Option<StoredState>> {
            self.0.state(key)
        }
        fn put_state(&self, change: StateChange) -> StoreFuture<'_, ()> {
            self.0.put_state(change)
        }
        fn record_failure(&self, id: EntryId, n: u32, at: i64, e: &str) -> StoreFuture<'_, ()> {
            self.0.record_failure(id, n, at, e)
        }
        fn dead_letter(&self, id: EntryId, error: &str) -> StoreFuture<'_, ()> {
            self.0.dead_letter(id, error)
        }
        fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
            self.0.dead_letters(limit)
        }
        fn retry_dead(&self, which: Selection) -> StoreFuture<'_, Vec<Entry>> {
            self.0.retry_dead(which)
        }
        fn drop_dead(&self, which: Selection) -> StoreFuture<'_, u64> {
            self.0.drop_dead(which)
        }
        fn status(&self) -> StoreFuture<'_, InboxStatus> {
            self.0.status()
        }
        fn prune_marks(&self) -> StoreFuture<'_, u64> {
            self.0.prune_marks()
        }
        fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim> {
            self.0.claim(keys)
        }
        fn finish_with<'a>(
            &'a self,
            keys: &'a [DedupeKey],
            handled: bool,
            change: Option<StateChange>,
        ) -> StoreFuture<'a, ()> {
            Box::pin(async move {
                tokio::task::yield_now().await;
                self.0.finish_with(keys, handled, change).await
            })
        }
    }

    #[tokio::test]
    async fn a_claim_of_a_slower_store_is_released_by_a_task() {
        let claims = Claims::new(Arc::new(Yielding(memory())));
        let guard = claims.claim(keys()).await.expect("fresh");
        drop(guard);
        let again = tokio::time::timeout(Duration::from_secs(5), claims.claim(keys())).await;
        assert!(matches!(again, Ok(Ok(_))), "the claim was not released");
    }

    #[test]
    fn a_claim_of_a_slower_store_dropped_outside_any_runtime_does_not_panic() {
        let claims = Claims::new(Arc::new(Yielding(memory())));
        let guard = runtime().block_on(claims.claim(keys())).expect("fresh");
        drop(guard);
    }
}
