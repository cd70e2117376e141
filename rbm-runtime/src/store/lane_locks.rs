//! Inline mode with a store shared by several processes: one user's
//! deliveries are handled one at a time across all of them, through a lock
//! per user held with a lease (a process that dies mid-delivery does not
//! keep it).

use std::time::Duration;

use super::StoreFuture;

/// The per-user locks of a shared store.
pub trait LaneLocks: Send + Sync {
    /// Takes the lock of user `lane` for `lease`, waiting up to `wait` for
    /// another process to give it up. Returns the token to release it with,
    /// or `None` when it stayed taken.
    fn acquire<'a>(
        &'a self,
        lane: &'a str,
        lease: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<u64>>;

    /// Gives up the lock of `lane` if `token` still holds it.
    fn release<'a>(&'a self, lane: &'a str, token: u64) -> StoreFuture<'a, ()>;
}
