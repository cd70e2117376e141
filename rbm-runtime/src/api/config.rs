//! Settings of the RBM API client and how they are read from the environment.

use std::path::PathBuf;

use super::credentials::KeyError;

/// The environment variable naming the service-account key file.
pub const ENV_CREDENTIALS: &str = "GOOGLE_APPLICATION_CREDENTIALS";
/// The environment variable overriding the API base URL (regional endpoints, fakes).
pub const ENV_BASE_URL: &str = "RBM_API_BASE_URL";
/// The environment variable naming the agent used when a reply names none.
pub const ENV_AGENT_ID: &str = "RBM_AGENT_ID";
/// The global RBM API endpoint. Regional ones are
/// `https://{us,europe,asia}-rcsbusinessmessaging.googleapis.com`.
pub const DEFAULT_BASE_URL: &str = "https://rcsbusinessmessaging.googleapis.com";
/// The OAuth scope of the RBM API.
pub const RBM_SCOPE: &str = "https://www.googleapis.com/auth/rcsbusinessmessaging";

/// The RBM API client cannot be set up; the message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum ApiConfigError {
    /// The service-account key file is missing or invalid.
    #[error("{setting}={}: {source}", path.display())]
    KeyFile {
        /// The environment variable (or builder call) that named the file.
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: KeyError,
    },
    /// The base URL is not an absolute http(s) URL.
    #[error("{setting}={value:?} is not a usable base URL: {reason}")]
    BaseUrl {
        /// The environment variable (or builder call) that set it.
        setting: &'static str,
        /// The value given.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A setting has a value that cannot be used.
    #[error("{setting}={value:?}: {reason}")]
    Invalid {
        /// The environment variable (or builder call).
        setting: &'static str,
        /// The value given.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The HTTP client (TLS) could not be built.
    #[error("the HTTP client for the RBM API cannot be built: {0}")]
    Http(String),
}
