//! The inbox of a store shared by several processes: this process handles
//! the partitions whose leases it holds, and only those.
//!
//! Every `renew_every` it renews its leases and takes or hands over
//! partitions for a fair share ([`Partitions::balance`]); a partition it
//! hands over is first drained (nothing of it queued here any more), so
//! that no entry runs in two processes at once in an orderly hand-over. In
//! between, it reads the new entries of its partitions, in id order, from
//! where it left off: the only way entries reach its lanes, so a user's
//! entries arrive in order even when they were stored by other processes.
//! An entry stored here wakes the reader at once.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::{Inbox, PAGE, lock};
use crate::store::{EntryId, Partitions};

/// How often the partitions held are read for new entries when nothing
/// wakes the reader (entries stored by other processes wait this long).
const POLL: Duration = Duration::from_millis(20);
/// How often a process balances while partitions change hands (it holds
/// less or more than its share): a hand-over takes this long, not a lease
/// renewal period.
const REBALANCE: Duration = Duration::from_millis(250);

/// What this process knows of the partitions.
#[derive(Default)]
struct Held {
    /// Partitions held, and the last entry read from each.
    cursors: HashMap<u32, Option<EntryId>>,
    /// Partitions held but being handed over: not read any more.
    draining: BTreeSet<u32>,
    /// The entries queued from each partition and maybe not settled yet.
    queued: HashMap<u32, Vec<EntryId>>,
    /// The fair share at the last balance.
    share: usize,
}

impl Held {
    /// Whether partitions are changing hands: this process holds more or
    /// fewer than its share.
    fn settling(&self) -> bool {
        !self.draining.is_empty() || self.cursors.len() != self.share
    }
}

impl Inbox {
    /// Runs the shared inbox until the inbox stops ([`Inbox::stop`] then
    /// gives up the leases).
    pub(crate) async fn run_shared(self: Arc<Self>, wake: Arc<Notify>) {
        let Some(partitions) = self.store.partitions() else {
            return;
        };
        let mut held = Held::default();
        let mut next_balance = tokio::time::Instant::now();
        let mut failing = false;
        loop {
            if tokio::time::Instant::now() >= next_balance {
                self.balance(partitions, &mut held).await;
                let pause = if held.settling() {
                    REBALANCE
                } else {
                    partitions.renew_every()
                };
                next_balance = tokio::time::Instant::now() + pause;
            }
            match self.read_new(partitions, &mut held).await {
                Ok(()) if failing => {
                    failing = false;
                    tracing::info!("inbox: the shared store answers again");
                }
                Ok(()) => {}
                Err(error) if !failing => {
                    failing = true;
                    tracing::warn!(%error, "inbox: cannot read the shared store; trying again");
                }
                Err(_) => {}
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = wake.notified() => {}
                () = self.lanes.stopped() => return,
            }
        }
    }

    /// Gives up every lease once nothing runs here any more, so that the
    /// other processes take the partitions over at once.
    pub(super) async fn release_partitions(&self) {
        let Some(partitions) = self.store.partitions() else {
            return;
        };
        if let Err(error) = partitions.release_all().await {
            tracing::warn!(%error, "inbox: could not give up the partitions; others take them over when the leases lapse");
        }
    }

    /// Renews the leases, hands over drained partitions, takes new ones.
    async fn balance(&self, partitions: &dyn Partitions, held: &mut Held) {
        self.forget_revoked(held);
        let asked = tokio::time::Instant::now();
        let drained: Vec<u32> = {
            let known = lock(&self.known);
            held.draining
                .iter()
                .copied()
                .filter(|n| {
                    held.queued
                        .get(n)
                        .is_none_or(|ids| ids.iter().all(|id| !known.contains_key(id)))
                })
                .collect()
        };
        let (share, now_held) = match partitions.balance(&drained).await {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(%error, "inbox: could not renew the partition leases");
                return;
            }
        };
        if let Some(gate) = &self.gate {
            gate.renewed(asked, partitions.lease(), &now_held);
        }
        for n in &drained {
            held.draining.remove(n);
            held.queued.remove(n);
            held.cursors.remove(n);
        }
        let now_held: BTreeSet<u32> = now_held.into_iter().collect();
        let lost: Vec<u32> = held
            .cursors
            .keys()
            .copied()
            .filter(|n| !now_held.contains(n))
            .collect();
        if !lost.is_empty() {
            // Their entries still queued here do not start (the gate is
            // closed for them): the new holder handles them.
            tracing::warn!(
                partitions = ?lost,
                "inbox: leases lapsed; another process handles these partitions now"
            );
        }
        for n in lost {
            held.cursors.remove(&n);
            held.draining.remove(&n);
            held.queued.remove(&n);
        }
        let taken: Vec<u32> = now_held
            .iter()
            .copied()
            .filter(|n| !held.cursors.contains_key(n))
            .collect();
        if !taken.is_empty() {
            tracing::info!(partitions = ?taken, "inbox: handling partitions");
        }
        for n in taken {
            held.cursors.insert(n, None);
        }
        held.share = usize::try_from(share).unwrap_or(usize::MAX);
        let active = held.cursors.len() - held.draining.len();
        let extra = active.saturating_sub(held.share);
        let handing: Vec<u32> = held
            .cursors
            .keys()
            .copied()
            .filter(|n| !held.draining.contains(n))
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .rev()
            .take(extra)
            .collect();
        if !handing.is_empty() {
            tracing::info!(
                partitions = ?handing,
                "inbox: handing partitions over to another process once drained"
            );
        }
        held.draining.extend(handing);
    }

    /// Forgets the partitions given up here (a lease not sure, a write
    /// refused): if the lease is still ours they come back at the next
    /// balance as new, read again from their start in a new epoch, and what
    /// is still queued from before does not start.
    fn forget_revoked(&self, held: &mut Held) {
        let Some(gate) = &self.gate else { return };
        let mut stopped: Vec<u32> = Vec::new();
        for n in gate.take_revoked() {
            if held.cursors.remove(&n).is_some() {
                stopped.push(n);
            }
            held.draining.remove(&n);
            held.queued.remove(&n);
        }
        if !stopped.is_empty() {
            stopped.sort_unstable();
            tracing::warn!(
                partitions = ?stopped,
                "inbox: stopped handling partitions whose leases are not sure; read again from their start if still ours"
            );
        }
    }

    /// Queues the new entries of the partitions held (and not draining).
    async fn read_new(
        &self,
        partitions: &dyn Partitions,
        held: &mut Held,
    ) -> Result<(), crate::store::StoreError> {
        // A partition given up is not read on from where it was.
        self.forget_revoked(held);
        let cursors: Vec<(u32, Option<EntryId>)> = held
            .cursors
            .iter()
            .filter(|(n, _)| !held.draining.contains(n))
            .map(|(n, after)| (*n, *after))
            .collect();
        if cursors.is_empty() {
            return Ok(());
        }
        let epochs: HashMap<u32, u64> = cursors
            .iter()
            .map(|(n, _)| (*n, self.gate.as_ref().map_or(0, |gate| gate.epoch(*n))))
            .collect();
        let entries = partitions.pending_in(&cursors, PAGE).await?;
        {
            let known = lock(&self.known);
            for ids in held.queued.values_mut() {
                ids.retain(|id| known.contains_key(id));
            }
        }
        for (n, entry) in entries {
            // A partition given up meanwhile is not read further: it is read
            // again from its start once it is known to be ours.
            let given_up = self
                .gate
                .as_ref()
                .is_some_and(|gate| Some(&gate.epoch(n)) != epochs.get(&n));
            let Some(cursor) = held.cursors.get_mut(&n).filter(|_| !given_up) else {
                continue;
            };
            *cursor = Some(entry.id);
            held.queued.entry(n).or_default().push(entry.id);
            self.queue_stored(vec![entry]).await;
        }
        Ok(())
    }
}
