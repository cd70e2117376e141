//! Lets the in-process testing kit wait for the attempt of an entry it
//! stored, so a test sees the replies of `bot.text("hi")` as soon as they
//! were sent. Off in a server: nobody waits there, and nothing is recorded.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::store::EntryId;

/// Attempts that ended and were not waited for yet are forgotten past this
/// many, so entries nobody waits for (read back at start-up) cannot pile up.
const MAX_UNCLAIMED: usize = 10_000;

/// The entries whose attempt ended, and who waits for which.
#[derive(Debug, Default)]
pub(crate) struct Settled {
    tracking: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
}

/// How an attempt ended: `None` if handled, or why it failed.
pub(crate) type Ending = Option<String>;

#[derive(Debug, Default)]
struct State {
    ended: HashMap<EntryId, Ending>,
    waiting: HashMap<EntryId, Vec<oneshot::Sender<Ending>>>,
}

impl Settled {
    /// Starts recording attempts (the in-process testing kit).
    pub(crate) fn track(&self) {
        self.tracking
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// An attempt of `id` ended (`failure`: why, if it failed): wakes
    /// whoever waits for it.
    pub(crate) fn ended(&self, id: EntryId, failure: Ending) {
        if !self.tracking.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let mut state = self.state();
        match state.waiting.remove(&id) {
            Some(waiters) => waiters.into_iter().for_each(|w| {
                let _ = w.send(failure.clone());
            }),
            None => {
                if state.ended.len() >= MAX_UNCLAIMED {
                    state.ended.clear();
                }
                state.ended.insert(id, failure);
            }
        }
    }

    /// Waits for the next attempt of `id` to end (at once if it already did
    /// and nobody waited for it yet); returns why it failed, if it did.
    pub(crate) async fn wait(&self, id: EntryId) -> Ending {
        let receiver = {
            let mut state = self.state();
            if let Some(ending) = state.ended.remove(&id) {
                return ending;
            }
            let (sender, receiver) = oneshot::channel();
            state.waiting.entry(id).or_default().push(sender);
            receiver
        };
        receiver.await.unwrap_or_default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_is_woken_by_the_end_before_or_after_it_waits() {
        let settled = std::sync::Arc::new(Settled::default());
        settled.track();
        settled.ended(EntryId(1), None);
        // Ended before: returns at once.
        assert_eq!(settled.wait(EntryId(1)).await, None);
        let waiter = tokio::spawn({
            let settled = settled.clone();
            async move { settled.wait(EntryId(2)).await }
        });
        tokio::task::yield_now().await;
        settled.ended(EntryId(2), Some("the CRM is down".to_owned()));
        let failure = waiter.await.expect("woken");
        assert_eq!(failure.as_deref(), Some("the CRM is down"));
    }

    #[test]
    fn nothing_is_recorded_unless_tracking() {
        let settled = Settled::default();
        settled.ended(EntryId(1), None);
        assert!(settled.state().ended.is_empty());
    }
}
