//! Settings of the RBM API client and how they are read from the environment.

use std::fmt;
use std::path::{Path, PathBuf};

use super::credentials::KeyError;
use super::credentials_file::CredentialsFileError;

/// The environment variable naming the credentials file: a service-account
/// key or an authorized user's credentials (see [`Credentials`](super::Credentials)).
pub const ENV_CREDENTIALS: &str = "GOOGLE_APPLICATION_CREDENTIALS";
/// The environment variable naming gcloud's configuration directory, where
/// `gcloud auth application-default login` writes its credentials
/// (default `$HOME/.config/gcloud`).
pub const ENV_GCLOUD_CONFIG: &str = "CLOUDSDK_CONFIG";
/// The environment variable overriding the API base URL (regional endpoints, fakes).
pub const ENV_BASE_URL: &str = "RBM_API_BASE_URL";
/// The environment variable naming the agent used when a reply names none.
pub const ENV_AGENT_ID: &str = "RBM_AGENT_ID";
/// The environment variable naming the traffic type of every message that
/// sets none (`TRANSACTION`, `PROMOTION`…; required by multi-use agents).
pub const ENV_TRAFFIC_TYPE: &str = "RBM_MESSAGE_TRAFFIC_TYPE";
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
    /// A credentials file other than a service-account key named by
    /// `GOOGLE_APPLICATION_CREDENTIALS` (those are [`KeyFile`](Self::KeyFile)
    /// errors) cannot be used: gcloud's file, an authorized user's, or one
    /// of a type rbm does not support.
    #[error("{}: {source}", origin.with_path(path))]
    CredentialsFile {
        /// Where the file was found.
        origin: CredentialsOrigin,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: CredentialsFileError,
    },
    /// The base URL is not an absolute http(s) URL without credentials.
    #[error("{setting}={value:?} is not a usable base URL: {reason}")]
    BaseUrl {
        /// The environment variable (or builder call) that set it.
        setting: &'static str,
        /// The value given, with the password of any `user:password@` masked.
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

/// Where a credentials file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsOrigin {
    /// Named by this environment variable (`GOOGLE_APPLICATION_CREDENTIALS`).
    Setting(&'static str),
    /// gcloud's `application_default_credentials.json`, in the directory
    /// this environment variable leads to (`CLOUDSDK_CONFIG`, else `HOME`).
    Gcloud(&'static str),
}

impl CredentialsOrigin {
    /// `GOOGLE_APPLICATION_CREDENTIALS=/path`, or what gcloud's file is and
    /// where it was looked for.
    fn with_path<'a>(&'a self, path: &'a Path) -> impl fmt::Display + 'a {
        struct Shown<'a>(&'a CredentialsOrigin, &'a Path);
        impl fmt::Display for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let path = self.1.display();
                match self.0 {
                    CredentialsOrigin::Setting(setting) => write!(f, "{setting}={path}"),
                    CredentialsOrigin::Gcloud(setting) => write!(
                        f,
                        "gcloud's application-default credentials {path} (found through {setting})"
                    ),
                }
            }
        }
        Shown(self, path)
    }
}

/// `value` with the password of its `user:password@` masked as `***`, so that
/// an unusable URL can be shown.
///
/// Works on the text, as the value may not parse as a URL. Everything from
/// the first `:` after the scheme to the last `@` before any query or
/// fragment is masked: over-masking an odd URL costs some clarity, while
/// under-masking would leak a password.
pub(crate) fn without_password(value: &str) -> String {
    let start = value.find("://").map_or(0, |i| i + "://".len());
    let end = value[start..]
        .find(['?', '#'])
        .map_or(value.len(), |i| start + i);
    let Some(at) = value[start..end].rfind('@').map(|i| start + i) else {
        return value.to_owned();
    };
    match value[start..at].find(':') {
        Some(colon) => format!("{}:***{}", &value[..start + colon], &value[at..]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_in_urls_that_parse_or_not() {
        let cases = [
            (
                "https://user:s3cret@example.com/v1",
                "https://user:***@example.com/v1",
            ),
            (
                "ftp://user:s3cret@example.com",
                "ftp://user:***@example.com",
            ),
            ("http://user:s3c/ret@host:80", "http://user:***@host:80"),
            ("http://user:s3cr@t@host", "http://user:***@host"),
            ("user:s3cret@host", "user:***@host"),
            ("http:// us er:s3cret@host", "http:// us er:***@host"),
            ("http://user@host", "http://user@host"),
            ("http://host:8080/path", "http://host:8080/path"),
            ("http://host/?to=a:b@c", "http://host/?to=a:b@c"),
            ("", ""),
        ];
        for (value, shown) in cases {
            assert_eq!(without_password(value), shown, "{value}");
        }
    }
}
