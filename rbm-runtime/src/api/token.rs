//! OAuth access tokens for the service account: fetched once, cached, and
//! refreshed shortly before they expire by one caller while the others wait
//! for its result (single flight).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use tokio::time::Instant;

use super::config::RBM_SCOPE;
use super::credentials::ServiceAccountKey;
use super::jwt;
use super::retry::RetryPolicy;

/// The OAuth grant type of a signed-JWT token request.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Refresh this long before expiry at most (one minute of an hour's token).
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A bearer access token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
    /// The token itself, for the `Authorization` header. Never log it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// No access token could be obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The assertion could not be signed.
    #[error("signing the token request failed")]
    Sign,
    /// The token endpoint refused the key (4xx): the key is revoked, the
    /// clock is off, or `token_uri` is wrong.
    #[error("the token endpoint refused the service-account key with {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth error and its description.
        message: String,
    },
    /// The token endpoint could not be reached or kept failing (5xx, 429).
    #[error("the token endpoint is unavailable: {0}")]
    Unavailable(String),
    /// The token endpoint answered 200 with something that is not a token.
    #[error("the token endpoint's answer is not a token: {0}")]
    InvalidResponse(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: Option<String>,
    error_description: Option<String>,
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

/// Fetches and caches access tokens for one service-account key.
pub(crate) struct TokenSource {
    key: ServiceAccountKey,
    http: reqwest::Client,
    retry: RetryPolicy,
    cached: RwLock<Option<Cached>>,
    refreshing: tokio::sync::Mutex<()>,
    requests: AtomicU64,
}

impl TokenSource {
    pub(crate) fn new(key: ServiceAccountKey, http: reqwest::Client, retry: RetryPolicy) -> Self {
        Self {
            key,
            http,
            retry,
            cached: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            requests: AtomicU64::new(0),
        }
    }

    /// How many token requests were made (each try counts).
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A token that is valid for a while yet: the cached one, or a new one.
    pub(crate) async fn token(&self) -> Result<AccessToken, TokenError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // Single flight: the first caller refreshes; the others queue here
        // and find the new token when they get the lock.
        let _refreshing = self.refreshing.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let (token, lifetime) = self.fetch().await?;
        let margin = (lifetime / 10).min(MAX_REFRESH_MARGIN);
        let refresh_at = Instant::now() + lifetime.saturating_sub(margin);
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) = Some(Cached {
            token: token.clone(),
            refresh_at,
        });
        Ok(token)
    }

    /// Forgets `token` (the API said 401) unless it was already replaced.
    pub(crate) fn invalidate(&self, token: &AccessToken) {
        let mut cached = self.cached.write().unwrap_or_else(|p| p.into_inner());
        if cached.as_ref().is_some_and(|c| &c.token == token) {
            *cached = None;
        }
    }

    fn fresh(&self) -> Option<AccessToken> {
        let cached = self.cached.read().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// Exchanges a new assertion for a token, retrying 429, 5xx and network errors.
    async fn fetch(&self) -> Result<(AccessToken, Duration), TokenError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (error, retry_after) = match self.try_fetch().await {
                Ok(token) => return Ok(token),
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Retryable(error, retry_after)) => (error, retry_after),
            };
            if attempt >= self.retry.max_attempts {
                return Err(error);
            }
            let pause = self.retry.backoff(attempt, retry_after);
            tracing::warn!(attempt, ?pause, %error, "token request failed; retrying");
            tokio::time::sleep(pause).await;
        }
    }

    async fn try_fetch(&self) -> Result<(AccessToken, Duration), Failure> {
        let assertion = jwt::assertion(&self.key, RBM_SCOPE, SystemTime::now())
            .map_err(|_| Failure::Final(TokenError::Sign))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = self
            .http
            .post(self.key.token_uri())
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)])
            .send()
            .await
            .map_err(|e| {
                Failure::Retryable(TokenError::Unavailable(e.without_url().to_string()), None)
            })?;
        let status = response.status();
        let retry_after = super::client::retry_after(response.headers());
        let body = response.bytes().await.map_err(|e| {
            Failure::Retryable(TokenError::Unavailable(e.without_url().to_string()), None)
        })?;
        if status.is_success() {
            let parsed: TokenResponse = serde_json::from_slice(&body)
                .map_err(|e| Failure::Final(TokenError::InvalidResponse(e.to_string())))?;
            if parsed.access_token.is_empty() {
                let why = "empty access_token".to_owned();
                return Err(Failure::Final(TokenError::InvalidResponse(why)));
            }
            // Google's tokens last an hour; assume so when it does not say.
            let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
            return Ok((AccessToken(parsed.access_token.into()), lifetime));
        }
        let message = oauth_error_message(&body);
        if status.as_u16() == 429 || status.is_server_error() {
            let error = TokenError::Unavailable(format!("{status}: {message}"));
            return Err(Failure::Retryable(error, retry_after));
        }
        Err(Failure::Final(TokenError::Rejected {
            status: status.as_u16(),
            message,
        }))
    }
}

enum Failure {
    Retryable(TokenError, Option<Duration>),
    Final(TokenError),
}

/// `invalid_grant: Invalid JWT Signature.` from an OAuth error body.
fn oauth_error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<OAuthError>(body) {
        Ok(OAuthError {
            error: Some(error),
            error_description,
        }) => match error_description {
            Some(description) => format!("{error}: {description}"),
            None => error,
        },
        _ => super::error::snippet(body),
    }
}
