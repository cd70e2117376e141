//! OAuth access tokens, whatever the [`Credentials`]: fetched once, cached,
//! and refreshed shortly before they expire by one refresh whose outcome —
//! token or error — every waiting caller shares (single flight).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;

use super::auth::{Credentials, CredentialsKind};
use super::http::{self, ExchangeError, StatusClass};
use super::retry::{GiveUp, RetryPolicy};
use super::token_request::{endpoint, refusal, token_request};
use crate::metrics::ApiMetricsSlot;
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
    /// The token endpoint refused the credentials (4xx): a key or refresh
    /// token revoked, the clock off, a wrong `token_uri`; or the metadata
    /// server refused (no service account attached, a scope it lacks).
    #[error("{} with {status}: {message}", refusal(*credentials))]
    Rejected {
        /// The kind of credentials refused.
        credentials: CredentialsKind,
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

/// What one refresh ended with, shared by every caller that waited for it.
type Outcome = Result<AccessToken, TokenError>;

/// The cache, the refresh in flight and the last failure, behind one lock
/// that is never held across an `await`.
#[derive(Default)]
struct Slot {
    cached: Option<Cached>,
    /// Tells the callers waiting for the refresh in flight its outcome.
    refreshing: Option<watch::Receiver<Option<Outcome>>>,
    /// The last refresh failed with this; callers get it at once until the
    /// instant passes rather than each ask the endpoint again.
    failed: Option<(TokenError, Instant)>,
}

/// Fetches and caches access tokens for one set of [`Credentials`].
///
/// Single flight: one refresh runs at a time, in a task of its own, and
/// every caller that needs a token meanwhile waits for its outcome —
/// success or failure. A failure is remembered for [`FAILURE_MEMORY`], so a
/// burst of deliveries against a dead token endpoint costs one refresh (its
/// retries included), not one per delivery. A caller giving up (its send
/// deadline passed) does not cancel the refresh for the others.
pub(crate) struct TokenSource {
    fetcher: Arc<Fetcher>,
    slot: Arc<Mutex<Slot>>,
}

/// How long a failed refresh is remembered and returned to new callers.
const FAILURE_MEMORY: Duration = Duration::from_secs(1);

/// What a refresh needs, shared with the task that runs it.
struct Fetcher {
    credentials: Credentials,
    /// The client's metrics, once a server sets them.
    metrics: ApiMetricsSlot,
    http: reqwest::Client,
    retry: RetryPolicy,
    requests: AtomicU64,
}

impl TokenSource {
    /// A source asking for tokens with `http` (see
    /// [`Credentials::token_client`]), retrying within `retry`.
    pub(crate) fn new(
        credentials: Credentials,
        http: reqwest::Client,
        retry: RetryPolicy,
        metrics: ApiMetricsSlot,
    ) -> Self {
        Self {
            fetcher: Arc::new(Fetcher {
                credentials,
                metrics,
                http,
                retry,
                requests: AtomicU64::new(0),
            }),
            slot: Arc::new(Mutex::new(Slot::default())),
        }
    }

    /// How many token requests were made (each try counts).
    pub(crate) fn requests(&self) -> u64 {
        self.fetcher.requests.load(Ordering::Relaxed)
    }

    /// A token that is valid for a while yet: the cached one, or the outcome
    /// of the refresh in flight (started here when there is none).
    pub(crate) async fn token(&self) -> Result<AccessToken, TokenError> {
        let mut outcome = {
            let mut slot = lock(&self.slot);
            let now = Instant::now();
            if let Some(cached) = slot.cached.as_ref().filter(|c| now < c.refresh_at) {
                return Ok(cached.token.clone());
            }
            match &slot.failed {
                Some((error, until)) if now < *until => return Err(error.clone()),
                _ => {}
            }
            match slot.refreshing.as_ref().filter(|rx| !abandoned(rx)) {
                Some(refreshing) => refreshing.clone(),
                None => {
                    let (tell, outcome) = watch::channel(None);
                    slot.refreshing = Some(outcome.clone());
                    let fetcher = Arc::clone(&self.fetcher);
                    let shared = Arc::clone(&self.slot);
                    tokio::spawn(async move {
                        let result = fetcher.fetch().await;
                        if let Some(metrics) = fetcher.metrics.get() {
                            metrics.refreshed(result.is_ok());
                        }
                        tell.send_replace(Some(settle(&shared, result)));
                    });
                    outcome
                }
            }
        };
        let result = outcome
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|outcome| outcome.clone());
        result.unwrap_or_else(|| {
            Err(TokenError::Unavailable(
                "the token refresh ended without an answer".to_owned(),
            ))
        })
    }

    /// Forgets `token` (the API said 401) unless it was already replaced.
    pub(crate) fn invalidate(&self, token: &AccessToken) {
        let mut slot = lock(&self.slot);
        if slot.cached.as_ref().is_some_and(|c| &c.token == token) {
            slot.cached = None;
        }
    }
}

/// Records a refresh's result in the slot (before the waiters hear of it, so
/// a caller arriving in between finds the token or the failure there).
fn settle(slot: &Mutex<Slot>, result: Result<(AccessToken, Duration), TokenError>) -> Outcome {
    let mut slot = lock(slot);
    slot.refreshing = None;
    match result {
        Ok((token, lifetime)) => {
            let margin = (lifetime / 10).min(MAX_REFRESH_MARGIN);
            slot.cached = Some(Cached {
                token: token.clone(),
                refresh_at: Instant::now() + lifetime.saturating_sub(margin),
            });
            slot.failed = None;
            Ok(token)
        }
        Err(error) => {
            slot.failed = Some((error.clone(), Instant::now() + FAILURE_MEMORY));
            Err(error)
        }
    }
}

/// Whether the refresh behind `outcome` ended without telling (its task was
/// cancelled with the runtime, or panicked): a new one must start.
fn abandoned(outcome: &watch::Receiver<Option<Outcome>>) -> bool {
    outcome.borrow().is_none() && outcome.has_changed().is_err()
}

fn lock(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Fetcher {
    /// Asks for a new token, retrying 429, 5xx and network errors, within
    /// the retry policy's deadline.
    async fn fetch(&self) -> Result<(AccessToken, Duration), TokenError> {
        let deadline = Instant::now() + self.retry.deadline;
        let out_of_time = |last: Option<&TokenError>| {
            let last = last.map_or_else(|| "no answer".to_owned(), ToString::to_string);
            TokenError::Unavailable(format!(
                "no token within {:?}; last: {last}",
                self.retry.deadline
            ))
        };
        let mut last = None;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let tried = tokio::time::timeout_at(deadline, self.try_fetch()).await;
            let (error, retry_after) = match tried {
                Err(_elapsed) => return Err(out_of_time(last.as_ref())),
                Ok(Ok(token)) => return Ok(token),
                Ok(Err(Failure::Final(error))) => return Err(error),
                Ok(Err(Failure::Retryable(error, retry_after))) => (error, retry_after),
            };
            let pause = match self.retry.pause_after(attempt, retry_after, deadline) {
                Ok(pause) => pause,
                Err(GiveUp::Exhausted) => return Err(error),
                Err(GiveUp::Deadline) => return Err(out_of_time(Some(&error))),
            };
            tracing::warn!(attempt, ?pause, %error, "token request failed; retrying");
            last = Some(error);
            tokio::time::sleep(pause).await;
        }
    }

    async fn try_fetch(&self) -> Result<(AccessToken, Duration), Failure> {
        let request = token_request(&self.credentials, &self.http).map_err(Failure::Final)?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let unavailable = |error: reqwest::Error| {
            TokenError::Unavailable(format!("{}: {error}", endpoint(&self.credentials)))
        };
        let answer = http::exchange(request).await.map_err(|error| match error {
            ExchangeError::Unsendable(error) => Failure::Final(unavailable(error)),
            ExchangeError::NoAnswer(error) => Failure::Retryable(unavailable(error), None),
        })?;
        let class = http::classify(answer.status);
        let body = answer
            .body
            .map_err(|error| Failure::Retryable(unavailable(error), None))?;
        match class {
            StatusClass::Success => {
                let parsed: TokenResponse = serde_json::from_slice(&body)
                    .map_err(|e| Failure::Final(TokenError::InvalidResponse(e.to_string())))?;
                if parsed.access_token.is_empty() {
                    let why = "empty access_token".to_owned();
                    return Err(Failure::Final(TokenError::InvalidResponse(why)));
                }
                // Google's tokens last an hour; assume so when it does not say.
                let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
                Ok((AccessToken(parsed.access_token.into()), lifetime))
            }
            StatusClass::Retryable => {
                let message = oauth_error_message(&body);
                let error = TokenError::Unavailable(format!(
                    "{}: {}: {message}",
                    endpoint(&self.credentials),
                    answer.status
                ));
                Err(Failure::Retryable(error, answer.retry_after))
            }
            // Refused credentials (401 included) are the key's, the
            // refresh token's or the clock's fault: asking again would be
            // refused alike.
            StatusClass::Unauthorized | StatusClass::Final => {
                Err(Failure::Final(TokenError::Rejected {
                    credentials: self.credentials.kind(),
                    status: answer.status.as_u16(),
                    message: oauth_error_message(&body),
                }))
            }
        }
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
