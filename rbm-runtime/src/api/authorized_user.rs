//! An authorized user's credentials: what `gcloud auth application-default
//! login` writes (an OAuth client and a refresh token of the person who
//! logged in), exchanged for access tokens by the refresh-token grant.

use std::fmt;

use serde::Deserialize;

/// Where refresh tokens are exchanged when the file names no `token_uri`.
pub(crate) const DEFAULT_USER_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The credentials of an authorized user (`"type": "authorized_user"`).
/// Its `Debug` never shows the client secret or the refresh token.
#[derive(Clone)]
pub struct AuthorizedUser {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    token_uri: String,
    quota_project_id: Option<String>,
}

/// An authorized-user credentials file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizedUserError {
    /// The file is not JSON of the expected shape.
    #[error("not an authorized_user credentials JSON file: {0}")]
    Json(String),
    /// A required field is missing or empty.
    #[error("the authorized_user credentials have no `{0}`")]
    Missing(&'static str),
}

/// The fields we use; the rest (`account`, `universe_domain`…) is ignored.
#[derive(Deserialize)]
struct UserFile {
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    token_uri: Option<String>,
    quota_project_id: Option<String>,
}

impl AuthorizedUser {
    /// Parses the JSON of an `authorized_user` file (its `type` is checked
    /// by whoever chose this parser).
    pub fn from_json(json: &str) -> Result<Self, AuthorizedUserError> {
        let file: UserFile =
            serde_json::from_str(json).map_err(|e| AuthorizedUserError::Json(e.to_string()))?;
        Ok(Self {
            client_id: non_empty(file.client_id)
                .ok_or(AuthorizedUserError::Missing("client_id"))?,
            client_secret: non_empty(file.client_secret)
                .ok_or(AuthorizedUserError::Missing("client_secret"))?,
            refresh_token: non_empty(file.refresh_token)
                .ok_or(AuthorizedUserError::Missing("refresh_token"))?,
            token_uri: non_empty(file.token_uri)
                .unwrap_or_else(|| DEFAULT_USER_TOKEN_URI.to_owned()),
            quota_project_id: non_empty(file.quota_project_id),
        })
    }

    /// The OAuth client the refresh token was issued to (not a secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Where the refresh token is exchanged for access tokens.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// The project that API calls are billed to and counted against
    /// (`gcloud auth application-default set-quota-project`), sent as
    /// `x-goog-user-project`: without it, calls count against gcloud's own
    /// project, where the RBM API is not enabled.
    pub fn quota_project_id(&self) -> Option<&str> {
        self.quota_project_id.as_deref()
    }

    /// The same credentials with another token endpoint.
    pub fn with_token_uri(mut self, token_uri: impl Into<String>) -> Self {
        self.token_uri = token_uri.into();
        self
    }

    /// The form of the refresh-token grant. It holds the secrets: never log it.
    pub(crate) fn grant_form(&self) -> [(&'static str, &str); 4] {
        [
            ("grant_type", "refresh_token"),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("refresh_token", &self.refresh_token),
        ]
    }
}

impl fmt::Debug for AuthorizedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizedUser")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_uri", &self.token_uri)
            .field("quota_project_id", &self.quota_project_id)
            .finish()
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GCLOUD_FILE: &str = r#"{
        "account": "",
        "client_id": "123.apps.googleusercontent.com",
        "client_secret": "d-s3cret",
        "quota_project_id": "my-project",
        "refresh_token": "1//r3fresh",
        "type": "authorized_user",
        "universe_domain": "googleapis.com"
    }"#;

    #[test]
    fn gclouds_file_parses_with_the_default_token_endpoint() {
        let user = AuthorizedUser::from_json(GCLOUD_FILE).expect("valid");
        assert_eq!(user.client_id(), "123.apps.googleusercontent.com");
        assert_eq!(user.token_uri(), DEFAULT_USER_TOKEN_URI);
        assert_eq!(user.quota_project_id(), Some("my-project"));
        let form = user.grant_form();
        assert!(form.contains(&("refresh_token", "1//r3fresh")));
        assert!(form.contains(&("client_secret", "d-s3cret")));
    }

    #[test]
    fn a_token_uri_in_the_file_is_used() {
        let json = r#"{"client_id":"c","client_secret":"s","refresh_token":"r",
            "token_uri":"http://127.0.0.1:9/token"}"#;
        let user = AuthorizedUser::from_json(json).expect("valid");
        assert_eq!(user.token_uri(), "http://127.0.0.1:9/token");
        assert_eq!(user.quota_project_id(), None);
    }

    #[test]
    fn missing_fields_are_named() {
        for (json, field) in [
            (r#"{"client_secret":"s","refresh_token":"r"}"#, "client_id"),
            (r#"{"client_id":"c","refresh_token":"r"}"#, "client_secret"),
            (
                r#"{"client_id":"c","client_secret":"s","refresh_token":" "}"#,
                "refresh_token",
            ),
        ] {
            let error = AuthorizedUser::from_json(json).expect_err("incomplete");
            assert!(error.to_string().contains(field), "{error}");
        }
        let error = AuthorizedUser::from_json("[").expect_err("not JSON");
        assert!(matches!(error, AuthorizedUserError::Json(_)), "{error:?}");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let user = AuthorizedUser::from_json(GCLOUD_FILE).expect("valid");
        let shown = format!("{user:?}");
        assert!(
            !shown.contains("d-s3cret") && !shown.contains("r3fresh"),
            "{shown}"
        );
        assert!(shown.contains("123.apps.googleusercontent.com"), "{shown}");
    }
}
