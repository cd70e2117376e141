//! Everything that can stop a command, as a message for a person.

use std::path::PathBuf;

use rbm_runtime::api::{ApiConfigError, ApiError};
use rbm_runtime::campaign::CampaignError;
use rbm_runtime::store::{EntryId, StoreError, StoreUrlError};
use rbm_runtime::testing::TransportError;
use rbm_runtime::testing::fake_api::RemoteFakeApiError;

/// Why a command failed. The message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line is incomplete or contradictory.
    #[error("{0}")]
    Usage(String),
    /// The bot command could not be started.
    #[error("cannot start `{command}`: {source}")]
    Spawn {
        /// The command as given.
        command: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The bot exited (before it was ready, or during the chat).
    #[error("the bot exited ({status}){}", stderr_tail(.output))]
    BotExited {
        /// How it exited.
        status: String,
        /// The last lines it wrote.
        output: Vec<String>,
    },
    /// The bot did not answer within the ready timeout.
    #[error("the bot did not answer at {url} within {seconds} s (is it listening on PORT and BIND, with path RBM_WEBHOOK_PATH?){}", stderr_tail(.output))]
    NotReady {
        /// Where it was expected.
        url: String,
        /// How long the tool waited.
        seconds: u64,
        /// The last lines it wrote.
        output: Vec<String>,
    },
    /// A signal ended the tool (the bot it started was stopped first).
    #[error("stopped by {signal}; the bot was stopped too")]
    Stopped {
        /// The signal's name.
        signal: &'static str,
        /// The exit code: 128 + the signal's number.
        code: u8,
    },
    /// A delivery could not reach the bot.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// `--api` (or `RBM_API_BASE_URL`) is not a running `rbm api`.
    #[error("--api (RBM_API_BASE_URL): {source}")]
    FakeApi {
        /// Why its recorded requests could not be read.
        source: RemoteFakeApiError,
    },
    /// `--store` (or `RBM_STORE`) is not a store URL.
    #[error("--store (RBM_STORE): {0}")]
    StoreUrl(#[from] StoreUrlError),
    /// `--store memory`: such a store lives inside the server's process.
    #[error(
        "--store (RBM_STORE): a memory store lives inside the server's process and dies with it; nothing to inspect from here"
    )]
    MemoryStore,
    /// The store's file does not exist (and is not created for nothing).
    #[error("no store at {}: is the server's working directory here?", path.display())]
    NoStore {
        /// The file looked for.
        path: PathBuf,
    },
    /// No dead letter has this id.
    #[error("no dead letter {id} in {store}")]
    NoDeadLetter {
        /// The id given.
        id: EntryId,
        /// The store, as shown (no password).
        store: String,
    },
    /// The store could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No agent id for a command of the RBM API.
    #[error(
        "no agent id: set RBM_AGENT_ID or give --agent-id (the agent's id, name@rbm.goog, from the RBM console)"
    )]
    NoAgentId,
    /// No credentials for the RBM API.
    #[error(
        "no RBM API credentials: set {setting} to a service-account key file (or run `gcloud auth application-default login`); RBM_API_BASE_URL picks another endpoint"
    )]
    NoCredentials {
        /// The setting that names a key file.
        setting: &'static str,
    },
    /// The RBM API settings cannot be used (a key file, a URL).
    #[error(transparent)]
    ApiConfig(#[from] ApiConfigError),
    /// An RBM API call failed.
    #[error("{}", crate::api_failure::describe(.0))]
    Api(#[source] ApiError),
    /// A campaign cannot start or go on.
    #[error("{}", campaign_failure(.0))]
    Campaign(#[source] CampaignError),
    /// A file given on the command line cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A signal stopped a campaign; what it recorded stays.
    #[error("stopped by {signal}: what was sent is recorded; run the same command again to resume")]
    Interrupted {
        /// The signal's name.
        signal: &'static str,
        /// The exit code: 128 + the signal's number.
        code: u8,
    },
    /// Local I/O failed (the key file, the fake RBM API's socket, stdin).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl CliError {
    /// The process exit code: 2 for usage errors, 128 + the signal's number
    /// when a signal stopped the tool, 1 for the rest.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_)
            | Self::StoreUrl(_)
            | Self::MemoryStore
            | Self::NoAgentId
            | Self::NoCredentials { .. }
            | Self::ApiConfig(_)
            | Self::Campaign(CampaignError::Name(_)) => 2,
            Self::Stopped { code, .. } | Self::Interrupted { code, .. } => *code,
            _ => 1,
        }
    }

    /// An I/O error while doing `what`.
    pub(crate) fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Io { what, source }
    }
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<CampaignError> for CliError {
    fn from(error: CampaignError) -> Self {
        Self::Campaign(error)
    }
}

/// A campaign's failure, its RBM API part described like any other's.
fn campaign_failure(error: &CampaignError) -> String {
    match error {
        CampaignError::Precheck(api) => format!(
            "the reachability check (users.batchGet) failed: {}; --no-precheck finds unreachable numbers by sending",
            crate::api_failure::describe(api)
        ),
        CampaignError::Name(_) => format!("--name: {error}"),
        _ => error.to_string(),
    }
}

fn stderr_tail(output: &[String]) -> String {
    if output.is_empty() {
        return "; it wrote nothing".to_owned();
    }
    let mut text = String::from("; its last output:\n");
    for line in output {
        text.push_str("  | ");
        text.push_str(line);
        text.push('\n');
    }
    text.trim_end().to_owned()
}
