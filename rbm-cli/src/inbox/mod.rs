//! `rbm inbox`: what a bot's store holds, and its dead letters retried or
//! dropped. The commands open the server's own SQLite file, next to the
//! running server if need be (WAL lets a second process read and write).

mod change;
mod dead;
mod show;
mod status;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rbm_runtime::store::{self, Store, StoreConfig, StoreUrl};

use crate::cli::{InboxArgs, InboxCommand};
use crate::error::CliError;

/// Runs an `rbm inbox` command.
pub(crate) async fn run(args: InboxArgs) -> Result<bool, CliError> {
    match args.command {
        InboxCommand::Status { store, json } => {
            let opened = Opened::existing(&store.url).await?;
            status::run(&opened, json).await?;
        }
        InboxCommand::Dead { store, limit, json } => {
            let opened = Opened::existing(&store.url).await?;
            dead::run(&opened, limit, json).await?;
        }
        InboxCommand::Retry(which) => {
            let opened = Opened::existing(&which.store.url).await?;
            change::retry(&opened, which.id, which.all).await?;
        }
        InboxCommand::Drop(which) => {
            let opened = Opened::existing(&which.store.url).await?;
            change::drop(&opened, which.id, which.all).await?;
        }
    }
    Ok(true)
}

/// A store the server made, opened by this tool.
pub(crate) struct Opened {
    /// Its file.
    path: PathBuf,
    /// The store.
    store: Arc<dyn Store>,
}

impl Opened {
    /// Opens the SQLite store `url` names, which must exist: opening a
    /// missing path would create an empty store and report on it, when the
    /// mistake is most likely the working directory.
    async fn existing(url: &str) -> Result<Self, CliError> {
        let path = match url.parse::<StoreUrl>()? {
            StoreUrl::Sqlite(path) => path,
            StoreUrl::Memory => return Err(CliError::MemoryStore),
        };
        if !exists(&path) {
            return Err(CliError::NoStore { path });
        }
        let store = store::open(&StoreUrl::Sqlite(path.clone()), never_prunes()).await?;
        Ok(Self { path, store })
    }
}

/// Whether something is at `path`. An error other than "not found"
/// (permissions) counts as there, so that opening it reports the real cause.
fn exists(path: &Path) -> bool {
    !matches!(
        std::fs::metadata(path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound
    )
}

/// A config under which this process's writer prunes no duplicate marks:
/// the server's own limits (`RBM_DEDUPE_*`) may be larger than the
/// defaults, and pruning a mark it still keeps would let a redelivery be
/// handled twice. The server prunes by itself.
fn never_prunes() -> StoreConfig {
    StoreConfig::default()
        .with_mark_ttl(Duration::MAX)
        .with_mark_capacity(usize::MAX)
}
