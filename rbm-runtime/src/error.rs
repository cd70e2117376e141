//! The errors that stop a server from starting or running.

use std::net::SocketAddr;

/// A setting is missing or invalid; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting is not set.
    #[error("{name} is not set: {hint}")]
    Missing {
        /// The setting (environment variable or builder method).
        name: &'static str,
        /// What to put there.
        hint: &'static str,
    },
    /// A setting has a value that cannot be used.
    #[error("{name} is invalid ({value:?}): {reason}")]
    Invalid {
        /// The setting (environment variable or builder method).
        name: &'static str,
        /// The offending value (never a secret).
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Two settings that exclude each other are both set.
    #[error("{name} and {other} are both set: {hint}")]
    Conflict {
        /// One of the settings.
        name: &'static str,
        /// The other.
        other: &'static str,
        /// Which to keep.
        hint: &'static str,
    },
}

/// Why the server stopped with an error.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listening socket could not be opened (e.g. the port is in use).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address from `BIND` and `PORT`.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The server stopped accepting connections: its listening socket failed
    /// (or, through a bug, its accept loop panicked).
    #[error("stopped accepting connections on {addr}: {source}")]
    Accept {
        /// The address it listened on.
        addr: SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
    /// The store (`RBM_STORE`) cannot be opened or read: a path that cannot
    /// be created, a file that is not an rbm store, a newer schema.
    #[error("RBM_STORE: {source}")]
    Store {
        /// Why.
        source: crate::store::StoreError,
    },
    /// The RBM API client's settings are invalid (e.g. an unreadable key file).
    #[error(transparent)]
    Api(#[from] crate::api::ApiConfigError),
}

// `main() -> Result<(), Error>` prints the error with `Debug`: keep it the
// one-line message, not a struct dump.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
