//! The request that asks for an access token, one per kind of credentials:
//! a signed JWT (service account), the refresh-token grant (authorized
//! user), or a GET of the metadata server. All three answer with the same
//! `{"access_token", "expires_in"}` JSON.

use std::time::SystemTime;

use super::auth::{Credentials, CredentialsKind};
use super::config::RBM_SCOPE;
use super::jwt;
use super::metadata_server::ENV_METADATA_HOST;
use super::token::TokenError;

/// The OAuth grant type of a signed-JWT token request.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The header without which the metadata server refuses to answer (it
/// keeps requests forwarded by a confused proxy out).
const METADATA_FLAVOR: (&str, &str) = ("Metadata-Flavor", "Google");

/// A token request for `credentials`, sent with `http`. It may carry
/// secrets (an assertion, a refresh token): never log it.
pub(crate) fn token_request(
    credentials: &Credentials,
    http: &reqwest::Client,
) -> Result<reqwest::RequestBuilder, TokenError> {
    Ok(match credentials {
        Credentials::ServiceAccount(key) => {
            let assertion =
                jwt::assertion(key, RBM_SCOPE, SystemTime::now()).map_err(|_| TokenError::Sign)?;
            http.post(key.token_uri())
                .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)])
        }
        // A refresh token carries the scopes it was granted with (see
        // `gcloud auth application-default login --scopes`); asking for
        // others here would be refused.
        Credentials::AuthorizedUser(user) => http.post(user.token_uri()).form(&user.grant_form()),
        Credentials::MetadataServer(server) => http
            .get(server.token_url(RBM_SCOPE))
            .header(METADATA_FLAVOR.0, METADATA_FLAVOR.1),
    })
}

/// Who refused a token request, and what: the start of a
/// [`TokenError::Rejected`] message, naming what the user can fix.
pub(crate) fn refusal(kind: CredentialsKind) -> &'static str {
    match kind {
        CredentialsKind::ServiceAccount => "the token endpoint refused the service-account key",
        CredentialsKind::AuthorizedUser => {
            "the token endpoint refused the authorized user's refresh token \
             (log in again: gcloud auth application-default login)"
        }
        CredentialsKind::MetadataServer => {
            "the metadata server refused to give the default service account's token"
        }
    }
}

/// Who did not answer, for a [`TokenError::Unavailable`] message.
pub(crate) fn endpoint(credentials: &Credentials) -> String {
    match credentials {
        Credentials::ServiceAccount(key) => key.token_uri().to_owned(),
        Credentials::AuthorizedUser(user) => user.token_uri().to_owned(),
        Credentials::MetadataServer(server) => {
            format!(
                "the metadata server at {} ({ENV_METADATA_HOST})",
                server.host()
            )
        }
    }
}
