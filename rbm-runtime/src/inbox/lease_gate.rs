//! Whether this process may still start an entry of a shared inbox: only
//! while its lease on the entry's partition is surely alive.
//!
//! Fencing refuses the writes of a process whose lease lapsed, but not the
//! replies its handlers send: a process that kept running the entries of a
//! partition another one took over would answer from a state the new holder
//! is about to change. So an entry starts only before the lease, as last
//! renewed, runs out (less a margin for clock drift and the time the
//! handler needs to start), and a partition whose write was refused is
//! given up here at once.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The partitions an entry may start in, and until when.
#[derive(Debug, Default)]
pub(crate) struct LeaseGate {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per partition held: the last moment an entry of it may start.
    open_until: HashMap<u32, Instant>,
    /// Partitions given up here since the last balance (a refused write,
    /// an entry that could not start): read again from their start if the
    /// lease turns out to be still ours.
    revoked: HashSet<u32>,
    /// Per partition, how many times it was given up here: an entry queued
    /// before that starts no more, so that the entries read again come in
    /// order, not after one left from before.
    epochs: HashMap<u32, u64>,
}

impl LeaseGate {
    /// After a balance that began at `asked` and found `held`: their
    /// leases run until `asked + lease`; entries may start until 80 % of it.
    pub(crate) fn renewed(&self, asked: Instant, lease: Duration, held: &[u32]) {
        let until = asked + lease.mul_f64(0.8);
        let mut inner = self.lock();
        inner.open_until.clear();
        for n in held {
            inner.open_until.insert(*n, until);
        }
    }

    /// The epoch of partition `n`, for an entry of it queued now.
    pub(crate) fn epoch(&self, n: u32) -> u64 {
        self.lock().epochs.get(&n).copied().unwrap_or_default()
    }

    /// Whether an entry of partition `n` queued in `epoch` may start now;
    /// if not, the partition is given up here.
    pub(crate) fn may_start(&self, n: u32, epoch: u64) -> bool {
        let mut inner = self.lock();
        let current = inner.epochs.get(&n).copied().unwrap_or_default();
        let open = epoch == current
            && inner
                .open_until
                .get(&n)
                .is_some_and(|until| Instant::now() < *until);
        if !open && epoch == current {
            Self::give_up(&mut inner, n);
        }
        open
    }

    /// Gives partition `n` up here: another process holds it now.
    pub(crate) fn revoke(&self, n: u32) {
        Self::give_up(&mut self.lock(), n);
    }

    fn give_up(inner: &mut Inner, n: u32) {
        inner.open_until.remove(&n);
        inner.revoked.insert(n);
        *inner.epochs.entry(n).or_default() += 1;
    }

    /// The partitions given up since the last call.
    pub(crate) fn take_revoked(&self) -> HashSet<u32> {
        std::mem::take(&mut self.lock().revoked)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn entries_start_only_well_within_the_lease() {
        let gate = LeaseGate::default();
        assert!(!gate.may_start(3, 0), "nothing held yet");
        assert_eq!(gate.take_revoked(), HashSet::from([3]));
        gate.renewed(Instant::now(), Duration::from_secs(10), &[1, 2]);
        assert!(gate.may_start(1, 0));
        tokio::time::advance(Duration::from_secs(7)).await;
        assert!(gate.may_start(2, 0));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!gate.may_start(2, 0), "past 80 % of the lease");
        gate.revoke(1);
        assert!(!gate.may_start(1, 0));
        assert_eq!(gate.take_revoked(), HashSet::from([1, 2]));
        assert!(gate.take_revoked().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_entry_queued_before_a_partition_was_given_up_never_starts() {
        let gate = LeaseGate::default();
        gate.renewed(Instant::now(), Duration::from_secs(10), &[1]);
        let before = gate.epoch(1);
        gate.revoke(1);
        // The lease was ours after all: the partition is read again.
        gate.renewed(Instant::now(), Duration::from_secs(10), &[1]);
        assert!(!gate.may_start(1, before), "queued before it was given up");
        let now = gate.epoch(1);
        assert!(gate.may_start(1, now), "read again after");
    }
}
