//! The RBM API client of the commands that use the real API, set up from
//! the environment as the server sets up its own.

use rbm_runtime::RbmApiClient;
use rbm_runtime::api::{ENV_AGENT_ID, ENV_CREDENTIALS};

use crate::cli::AgentArg;
use crate::error::CliError;

/// The client for the agent `agent` names (else `RBM_AGENT_ID`), with the
/// server's credentials. No credentials, or no agent, is an error naming
/// the settings to set.
pub(crate) fn client(agent: &AgentArg) -> Result<RbmApiClient, CliError> {
    let given = agent
        .agent_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty());
    let client = match given {
        // The environment with the agent replaced. Unlike `from_env`, this
        // does not look at the machine's DMI name to find a Compute Engine
        // metadata server: there, GCE_METADATA_HOST says so.
        Some(agent_id) => RbmApiClient::from_env_vars(|name| {
            if name == ENV_AGENT_ID {
                Some(agent_id.to_owned())
            } else {
                std::env::var(name).ok()
            }
        })?,
        None => {
            let from_env = std::env::var(ENV_AGENT_ID).unwrap_or_default();
            if from_env.trim().is_empty() {
                return Err(CliError::NoAgentId);
            }
            RbmApiClient::from_env()?
        }
    };
    client.ok_or(CliError::NoCredentials {
        setting: ENV_CREDENTIALS,
    })
}
