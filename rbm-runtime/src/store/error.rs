//! Why a store operation failed.

use std::path::PathBuf;
use std::sync::Arc;

use super::EntryId;

/// The cause of a [`StoreError`], from the backend. Shared, because one
/// failed commit fails every request of its batch with the same cause.
pub type StoreErrorSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A store operation failed. Whatever it was, nothing was acknowledged that
/// was not kept: an append that fails stored nothing durable.
///
/// Each message is one line, fit to follow `RBM_STORE: ` at start-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be opened or created at `path`.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The store's file.
        path: PathBuf,
        /// What the backend or the operating system said.
        source: StoreErrorSource,
    },
    /// The server at `url` (its password masked) could not be reached, or
    /// refused the credentials.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The store's URL, as shown.
        url: String,
        /// What the client said.
        source: StoreErrorSource,
    },
    /// The file at `path` is not an rbm store (another application's
    /// database, or not a database at all).
    #[error("{} is not an rbm store (not a database, or another application's)", path.display())]
    NotOurDatabase {
        /// The file.
        path: PathBuf,
    },
    /// The store at `path` was written by a newer version of rbm.
    #[error(
        "{} has schema version {found}, newer than this rbm supports ({supported}): upgrade rbm",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this version reads.
        supported: i64,
    },
    /// The store could not be written (disk full, read-only, I/O error):
    /// nothing of the failed operation was kept.
    #[error("cannot write the store: {0}")]
    Write(#[source] StoreErrorSource),
    /// The store could not be read.
    #[error("cannot read the store: {0}")]
    Read(#[source] StoreErrorSource),
    /// The store is closed: its writer is gone.
    #[error("the store is closed")]
    Closed,
    /// No entry with this id is where the operation expects it (waiting, or
    /// dead for the dead-letter operations).
    #[error("no entry {0} in the store")]
    UnknownEntry(EntryId),
    /// Entry `0` is in a partition another process handles now (this one's
    /// lease on it lapsed): nothing was changed.
    #[error("entry {0} is handled by another process now")]
    NotOwner(EntryId),
}

impl StoreError {
    /// A write error caused by `source`.
    pub(crate) fn write(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Write(Arc::new(source))
    }

    /// A read error caused by `source`.
    pub(crate) fn read(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Read(Arc::new(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_name_the_path() {
        let open = StoreError::Open {
            path: PathBuf::from("rbm-data/rbm.sqlite3"),
            source: Arc::new(std::io::Error::other("permission denied")),
        };
        let newer = StoreError::NewerSchema {
            path: PathBuf::from("x.db"),
            found: 999,
            supported: 1,
        };
        for error in [open, newer, StoreError::UnknownEntry(EntryId(7))] {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message}");
        }
        let open = StoreError::Open {
            path: PathBuf::from("rbm-data/rbm.sqlite3"),
            source: Arc::new(std::io::Error::other("permission denied")),
        };
        assert_eq!(
            open.to_string(),
            "cannot open rbm-data/rbm.sqlite3: permission denied"
        );
        assert!(std::error::Error::source(&open).is_some());
    }
}
