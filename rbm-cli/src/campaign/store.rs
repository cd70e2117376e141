//! The store a campaign keeps its progress in: the server's (RBM_STORE).

use std::sync::Arc;

use rbm_runtime::store::{self, Store, StoreUrl};

use crate::cli::StoreArg;
use crate::error::CliError;
use crate::inbox::never_prunes;

/// Opens the store `arg` names; a SQLite file that does not exist yet is
/// created (a first campaign on a machine without a server). A memory
/// store is refused: the progress would die with this process.
pub(super) async fn open(arg: &StoreArg) -> Result<Arc<dyn Store>, CliError> {
    let url = arg
        .url
        .parse::<StoreUrl>()?
        .with_redis_prefix(arg.redis_prefix.as_str());
    if matches!(url, StoreUrl::Memory) {
        return Err(CliError::Usage(
            "--store (RBM_STORE): a memory store would lose the campaign's progress when the command ends; give a sqlite:// or redis:// store"
                .to_owned(),
        ));
    }
    Ok(store::open(&url, never_prunes()).await?)
}
