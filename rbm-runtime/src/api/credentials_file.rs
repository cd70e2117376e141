//! A Google credentials JSON file, read as what its `type` says: a
//! service-account key or an authorized user's credentials.

use std::path::Path;

use serde::Deserialize;

use super::auth::Credentials;
use super::authorized_user::{AuthorizedUser, AuthorizedUserError};
use super::credentials::{KeyError, ServiceAccountKey};

/// A credentials file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsFileError {
    /// The file cannot be read.
    #[error("cannot read the credentials file: {0}")]
    Read(#[source] std::io::Error),
    /// The file is not JSON.
    #[error("not a JSON credentials file: {0}")]
    Json(String),
    /// A `service_account` file is not a usable key.
    #[error(transparent)]
    ServiceAccount(KeyError),
    /// An `authorized_user` file is incomplete.
    #[error(transparent)]
    AuthorizedUser(AuthorizedUserError),
    /// The file's `type` is one rbm cannot use.
    #[error(
        "credentials of type {0:?} are not supported: use a service-account key \
         (\"service_account\") or `gcloud auth application-default login` (\"authorized_user\")"
    )]
    UnknownType(String),
}

/// Only the `type`, to pick the parser.
#[derive(Deserialize)]
struct Typed {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Reads the file at `path` and parses it as its `type` says; a file without
/// `type` is taken for a service-account key, as before types were read.
pub(crate) fn load(path: &Path) -> Result<Credentials, CredentialsFileError> {
    let json = std::fs::read_to_string(path).map_err(CredentialsFileError::Read)?;
    parse(&json)
}

/// Parses credentials JSON as its `type` says.
pub(crate) fn parse(json: &str) -> Result<Credentials, CredentialsFileError> {
    let typed: Typed =
        serde_json::from_str(json).map_err(|e| CredentialsFileError::Json(e.to_string()))?;
    match typed.kind.as_deref() {
        None | Some("service_account") => ServiceAccountKey::from_json(json)
            .map(Credentials::ServiceAccount)
            .map_err(CredentialsFileError::ServiceAccount),
        Some("authorized_user") => AuthorizedUser::from_json(json)
            .map(Credentials::AuthorizedUser)
            .map_err(CredentialsFileError::AuthorizedUser),
        Some(other) => Err(CredentialsFileError::UnknownType(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::CredentialsKind;

    #[test]
    fn the_type_picks_the_parser() {
        let user =
            r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}"#;
        let parsed = parse(user).expect("a user");
        assert_eq!(parsed.kind(), CredentialsKind::AuthorizedUser);
        // A service account's file is read by the key parser, which says
        // what it misses.
        let key = r#"{"type":"service_account","private_key":"x"}"#;
        let error = parse(key).expect_err("no client_email");
        assert!(
            matches!(
                error,
                CredentialsFileError::ServiceAccount(KeyError::Missing("client_email"))
            ),
            "{error:?}"
        );
        let untyped = r#"{"client_email":"a@b"}"#;
        let error = parse(untyped).expect_err("no private_key");
        assert!(
            matches!(error, CredentialsFileError::ServiceAccount(_)),
            "{error:?}"
        );
    }

    #[test]
    fn an_unknown_type_is_named() {
        let error = parse(r#"{"type":"external_account","audience":"x"}"#).expect_err("unknown");
        let text = error.to_string();
        assert!(text.contains("\"external_account\""), "{text}");
        assert!(text.contains("authorized_user"), "{text}");
    }

    #[test]
    fn junk_is_not_json() {
        for junk in ["", "{", "[1]", r#"{"type": 7}"#] {
            assert!(
                matches!(parse(junk), Err(CredentialsFileError::Json(_))),
                "{junk:?}"
            );
        }
    }
}
