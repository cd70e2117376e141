//! How several processes share one store's inbox: its entries fall into a
//! fixed number of partitions by user, and each partition is handled by one
//! process at a time, which holds its lease and renews it (as Kafka
//! consumers own partitions). A user's entries are all in one partition, so
//! they are handled in order by one process; a process that dies loses its
//! leases when they lapse, and another takes its partitions over with
//! their unfinished entries.

use std::time::Duration;

use super::{Entry, EntryId, StoreFuture};

/// The partitions of a shared store, as one process sees them.
pub trait Partitions: Send + Sync {
    /// How many there are.
    fn count(&self) -> u32;

    /// The partition of user lane `lane` (as [`NewEntry::lane`](super::NewEntry::lane)).
    fn partition_of(&self, lane: &str) -> u32;

    /// How long a lease lasts unless renewed.
    fn lease(&self) -> Duration;

    /// How often [`balance`](Self::balance) must run for the leases to hold
    /// (a third of their length).
    fn renew_every(&self) -> Duration;

    /// Renews this process's leases, gives up the partitions in `release`,
    /// and takes free partitions up to a fair share. Returns the fair share
    /// and the partitions held now. From the first call on, this process
    /// completes, retries and dead-letters only entries of partitions it
    /// holds ([`StoreError::NotOwner`](super::StoreError::NotOwner) else).
    fn balance<'a>(&'a self, release: &'a [u32]) -> StoreFuture<'a, (u32, Vec<u32>)>;

    /// The waiting entries of each `(partition, after)` with an id above
    /// `after` (all if `None`), at most `limit` per partition, in id order
    /// within a partition.
    fn pending_in<'a>(
        &'a self,
        cursors: &'a [(u32, Option<EntryId>)],
        limit: usize,
    ) -> StoreFuture<'a, Vec<(u32, Entry)>>;

    /// Gives up every lease (an orderly shutdown): the other processes take
    /// the partitions over at their next balance, not after a lease lapses.
    fn release_all(&self) -> StoreFuture<'_, ()>;
}
