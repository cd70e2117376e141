//! [`Credentials`]: what the RBM API client proves its identity with — a
//! service-account key, an authorized user's refresh token, or the metadata
//! server of the Google Cloud runtime it runs on.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::authorized_user::AuthorizedUser;
use super::config::ApiConfigError;
use super::credentials::ServiceAccountKey;
use super::http;
use super::metadata_server::MetadataServer;

/// The header naming the project a user's calls are billed to.
const USER_PROJECT_HEADER: HeaderName = HeaderName::from_static("x-goog-user-project");

/// What the RBM API client authenticates with. Its `Debug` never shows a
/// secret.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A service-account key file (`"type": "service_account"`): tokens come
    /// from signed JWTs exchanged at the key's `token_uri`.
    ServiceAccount(ServiceAccountKey),
    /// An authorized user's credentials (`"type": "authorized_user"`, what
    /// `gcloud auth application-default login` writes): tokens come from
    /// the refresh-token grant at its `token_uri`.
    AuthorizedUser(AuthorizedUser),
    /// The service account of the Google Cloud runtime (Cloud Run, GKE,
    /// Compute Engine), whose tokens the metadata server hands out.
    MetadataServer(MetadataServer),
}

/// The kind of [`Credentials`], for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsKind {
    /// [`Credentials::ServiceAccount`].
    ServiceAccount,
    /// [`Credentials::AuthorizedUser`].
    AuthorizedUser,
    /// [`Credentials::MetadataServer`].
    MetadataServer,
}

impl Credentials {
    /// Which kind these are.
    pub fn kind(&self) -> CredentialsKind {
        match self {
            Self::ServiceAccount(_) => CredentialsKind::ServiceAccount,
            Self::AuthorizedUser(_) => CredentialsKind::AuthorizedUser,
            Self::MetadataServer(_) => CredentialsKind::MetadataServer,
        }
    }

    /// Who is asked for tokens, for the start-up log: never a secret.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::ServiceAccount(key) => format!(
                "service account {} (tokens from {})",
                key.client_email(),
                key.token_uri()
            ),
            Self::AuthorizedUser(user) => format!(
                "authorized user of OAuth client {} (tokens from {}; quota project {})",
                user.client_id(),
                user.token_uri(),
                user.quota_project_id().unwrap_or("none")
            ),
            Self::MetadataServer(server) => format!(
                "the runtime's default service account (tokens from the metadata server at {})",
                server.host()
            ),
        }
    }

    /// The HTTP clients of the API calls and of the token requests. They
    /// share one connection pool, except with the metadata server, which is
    /// asked directly, never through a proxy the environment names for
    /// outgoing traffic. A user's API calls name their quota project.
    pub(crate) fn http_clients(
        &self,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<(reqwest::Client, reqwest::Client), ApiConfigError> {
        let built = |builder: reqwest::ClientBuilder| {
            builder
                .build()
                .map_err(|e| ApiConfigError::Http(e.to_string()))
        };
        let api = built(
            http::client_builder(timeout, connect_timeout)?.default_headers(self.api_headers()?),
        )?;
        let tokens = match self {
            Self::MetadataServer(_) => {
                built(http::client_builder(timeout, connect_timeout)?.no_proxy())?
            }
            Self::ServiceAccount(_) | Self::AuthorizedUser(_) => api.clone(),
        };
        Ok((api, tokens))
    }

    /// The headers every API call carries for these credentials: a user's
    /// quota project.
    fn api_headers(&self) -> Result<HeaderMap, ApiConfigError> {
        let mut headers = HeaderMap::new();
        if let Self::AuthorizedUser(user) = self
            && let Some(project) = user.quota_project_id()
        {
            let value = HeaderValue::from_str(project).map_err(|_| ApiConfigError::Invalid {
                setting: "quota_project_id",
                value: project.to_owned(),
                reason: "not a project id".to_owned(),
            })?;
            headers.insert(USER_PROJECT_HEADER, value);
        }
        Ok(headers)
    }
}

impl From<ServiceAccountKey> for Credentials {
    fn from(key: ServiceAccountKey) -> Self {
        Self::ServiceAccount(key)
    }
}

impl From<AuthorizedUser> for Credentials {
    fn from(user: AuthorizedUser) -> Self {
        Self::AuthorizedUser(user)
    }
}

impl From<MetadataServer> for Credentials {
    fn from(server: MetadataServer) -> Self {
        Self::MetadataServer(server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(extra: &str) -> Credentials {
        let json = format!(
            r#"{{"client_id":"c.apps","client_secret":"s3cret","refresh_token":"r3fresh"{extra}}}"#
        );
        Credentials::from(AuthorizedUser::from_json(&json).expect("valid"))
    }

    #[test]
    fn a_users_quota_project_is_sent_with_every_call() {
        let headers = user(r#","quota_project_id":"my-project""#)
            .api_headers()
            .expect("valid");
        assert_eq!(headers[&USER_PROJECT_HEADER], "my-project");
        assert!(user("").api_headers().expect("valid").is_empty());
        let metadata = Credentials::from(MetadataServer::default());
        assert!(metadata.api_headers().expect("valid").is_empty());
    }

    #[test]
    fn descriptions_name_the_source_but_no_secret() {
        let shown = user("").describe();
        assert!(shown.contains("c.apps") && shown.contains("oauth2.googleapis.com"));
        assert!(
            !shown.contains("s3cret") && !shown.contains("r3fresh"),
            "{shown}"
        );
        let metadata = Credentials::from(MetadataServer::default()).describe();
        assert!(metadata.contains("169.254.169.254"), "{metadata}");
    }
}
