//! Per-sender order: deliveries of one user are handled one at a time, in
//! arrival order; different users are handled in parallel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Mutex as Lane, OwnedMutexGuard};

use crate::dedupe::PrehashedKeys;

/// The lanes of the users that have a delivery in flight.
#[derive(Debug, Default)]
pub(crate) struct Sequencer {
    lanes: Mutex<HashMap<u128, Arc<Lane<()>>, PrehashedKeys>>,
}

/// A turn in a user's lane; the next delivery of that user waits until it is dropped.
pub(crate) struct Turn {
    sequencer: Arc<Sequencer>,
    key: u128,
    lane: Arc<Lane<()>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Sequencer {
    /// Waits for the turn of the user identified by `key`. Waiters are served
    /// first come, first served (tokio's mutex is fair).
    pub(crate) async fn enter(self: &Arc<Self>, key: u128) -> Turn {
        let lane = self.lanes().entry(key).or_default().clone();
        let guard = lane.clone().lock_owned().await;
        Turn {
            sequencer: Arc::clone(self),
            key,
            lane,
            guard: Some(guard),
        }
    }

    fn lanes(&self) -> MutexGuard<'_, HashMap<u128, Arc<Lane<()>>, PrehashedKeys>> {
        self.lanes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn active(&self) -> usize {
        self.lanes().len()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut lanes = self.sequencer.lanes();
        // Clones are only made under the map's lock, so this count is exact:
        // the map's copy and ours mean nobody else waits in this lane.
        if Arc::strong_count(&self.lane) == 2 {
            lanes.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_user_is_served_in_order_and_lanes_are_dropped() {
        let sequencer = Arc::new(Sequencer::default());
        let log = Arc::new(Mutex::new(Vec::new()));
        let first = sequencer.enter(1).await;
        let mut tasks = Vec::new();
        for i in 0..5 {
            let (sequencer, log) = (sequencer.clone(), log.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = sequencer.enter(1).await;
                log.lock().expect("log").push(i);
            }));
            // Let each waiter queue up before the next one arrives.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let other = sequencer.enter(2).await; // another user is not blocked
        drop(other);
        drop(first);
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(*log.lock().expect("log"), vec![0, 1, 2, 3, 4]);
        assert_eq!(sequencer.active(), 0);
    }
}
