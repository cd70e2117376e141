//! The fake's authorized user: the OAuth client and refresh token that
//! `gcloud auth application-default login` would have written, and the
//! refresh-token grant of the token endpoint that trusts them.

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::key::write_whole;
use super::state::Memory;

/// The OAuth grant type of a refresh-token request.
const REFRESH_TOKEN_GRANT: &str = "refresh_token";

/// An authorized user the fake's token endpoint knows. Its `Debug` hides the
/// client secret and the refresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct TestAuthorizedUser {
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

impl TestAuthorizedUser {
    /// A user with fresh random secrets.
    pub fn generate() -> Self {
        let random = || format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        Self::new(
            format!("{}.apps.googleusercontent.com", fastrand::u64(..)),
            format!("fake-secret-{}", random()),
            format!("1//fake-refresh-{}", random()),
        )
    }

    /// A user with the given OAuth client and refresh token.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
        }
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The refresh token (a fake one: it works against this fake only).
    pub fn refresh_token(&self) -> &str {
        &self.refresh_token
    }

    /// The same user with another refresh token (one the fake does not know,
    /// say).
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.refresh_token = refresh_token.into();
        self
    }

    /// The JSON gcloud writes for this user (`"type": "authorized_user"`),
    /// with `token_uri` (gcloud's own file has none: Google's endpoint).
    pub fn credentials_json(&self, token_uri: &str) -> String {
        json!({
            "account": "",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "quota_project_id": "rbm-test-project",
            "refresh_token": self.refresh_token,
            "token_uri": token_uri,
            "type": "authorized_user",
            "universe_domain": "googleapis.com",
        })
        .to_string()
    }

    /// Writes [`credentials_json`](Self::credentials_json) to `path`, whole
    /// or not at all.
    pub fn write_credentials_file(
        &self,
        path: impl AsRef<Path>,
        token_uri: &str,
    ) -> std::io::Result<()> {
        write_whole(path.as_ref(), &self.credentials_json(token_uri))
    }
}

impl fmt::Debug for TestAuthorizedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestAuthorizedUser")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// The refresh-token grant, when `form` asks for one (`None` otherwise):
/// a token for the user the fake knows, `invalid_client` for another
/// client, `invalid_grant` for another refresh token, as Google answers.
pub(super) fn grant(
    user: &TestAuthorizedUser,
    memory: &mut Memory,
    form: &Map<String, Value>,
) -> Option<(u16, Value)> {
    let field = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or("");
    if field("grant_type") != REFRESH_TOKEN_GRANT {
        return None;
    }
    if field("client_id") != user.client_id || field("client_secret") != user.client_secret {
        return Some((401, oauth_error("invalid_client", "Unauthorized")));
    }
    if field("refresh_token") != user.refresh_token {
        return Some((
            400,
            oauth_error("invalid_grant", "Token has been expired or revoked."),
        ));
    }
    let (token, lifetime) = memory.issue_token();
    Some((
        200,
        json!({
            "access_token": token,
            "expires_in": lifetime.as_secs(),
            "scope": "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/rcsbusinessmessaging",
            "token_type": "Bearer",
        }),
    ))
}

/// An OAuth error body.
fn oauth_error(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn form(fields: &[(&str, &str)]) -> Map<String, Value> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    #[test]
    fn only_the_known_user_gets_a_token() {
        let user = TestAuthorizedUser::generate();
        let mut memory = Memory::new(true, Duration::from_secs(60));
        let good = [
            ("grant_type", "refresh_token"),
            ("client_id", user.client_id.as_str()),
            ("client_secret", user.client_secret.as_str()),
            ("refresh_token", user.refresh_token.as_str()),
        ];
        let (status, answer) = grant(&user, &mut memory, &form(&good)).expect("a grant");
        assert_eq!(status, 200, "{answer}");
        let token = answer["access_token"].as_str().expect("a token");
        assert!(memory.authorized(Some(&format!("Bearer {token}"))));

        let mut wrong_token = good;
        wrong_token[3].1 = "1//another";
        let (status, answer) = grant(&user, &mut memory, &form(&wrong_token)).expect("a grant");
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_grant"))
        );

        let mut wrong_secret = good;
        wrong_secret[2].1 = "guess";
        let (status, answer) = grant(&user, &mut memory, &form(&wrong_secret)).expect("a grant");
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("invalid_client"))
        );

        let jwt = form(&[("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")]);
        assert!(grant(&user, &mut memory, &jwt).is_none());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let user = TestAuthorizedUser::generate();
        let shown = format!("{user:?}");
        assert!(!shown.contains(&user.client_secret) && !shown.contains(&user.refresh_token));
    }
}
