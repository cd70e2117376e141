//! `rbm inbox`: what a bot's store holds, and its dead letters retried or
//! dropped. The commands open the server's own store, next to the running
//! server if need be: its SQLite file (WAL lets a second process read and
//! write) or its Redis, under the same key prefix.

mod change;
mod dead;
pub(crate) mod show;
mod status;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rbm_runtime::store::{self, Store, StoreConfig, StoreUrl};

use crate::cli::{InboxArgs, InboxCommand, StoreArg};
use crate::error::CliError;

pub(crate) use show::one_line;

/// Runs an `rbm inbox` command.
pub(crate) async fn run(args: InboxArgs) -> Result<bool, CliError> {
    match args.command {
        InboxCommand::Status { store, json } => {
            let opened = Opened::existing(&store).await?;
            status::run(&opened, json).await?;
        }
        InboxCommand::Dead { store, limit, json } => {
            let opened = Opened::existing(&store).await?;
            dead::run(&opened, limit, json).await?;
        }
        InboxCommand::Retry(which) => {
            let opened = Opened::existing(&which.store).await?;
            change::retry(&opened, which.id, which.all).await?;
        }
        InboxCommand::Drop(which) => {
            let opened = Opened::existing(&which.store).await?;
            change::drop(&opened, which.id, which.all).await?;
        }
    }
    Ok(true)
}

/// A store the server made, opened by this tool.
pub(crate) struct Opened {
    /// Its name as shown: the file, or the URL without its password and
    /// the key prefix.
    shown: String,
    /// The store.
    store: Arc<dyn Store>,
}

impl Opened {
    /// Opens the store `arg` names. A SQLite file must exist: opening a
    /// missing path would create an empty store and report on it, when the
    /// mistake is most likely the working directory.
    async fn existing(arg: &StoreArg) -> Result<Self, CliError> {
        let url = arg
            .url
            .parse::<StoreUrl>()?
            .with_redis_prefix(arg.redis_prefix.as_str());
        let shown = match &url {
            StoreUrl::Sqlite(path) if !exists(path) => {
                return Err(CliError::NoStore { path: path.clone() });
            }
            StoreUrl::Sqlite(path) => path.display().to_string(),
            StoreUrl::Memory => return Err(CliError::MemoryStore),
            StoreUrl::Redis { url, prefix } => format!("{url} (prefix {prefix})"),
        };
        let store = store::open(&url, never_prunes()).await?;
        Ok(Self { shown, store })
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
pub(crate) fn never_prunes() -> StoreConfig {
    StoreConfig::default()
        .with_mark_ttl(Duration::MAX)
        .with_mark_capacity(usize::MAX)
}
