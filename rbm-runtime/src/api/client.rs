//! [`RbmApiClient`]: sends agent messages and events, revokes messages.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::mask::MaskedPhone;
use crate::sender::{OutgoingEvent, OutgoingMessage, ReplySender, SendError, SendFuture};

use super::config::{
    ApiConfigError, DEFAULT_BASE_URL, ENV_AGENT_ID, ENV_BASE_URL, ENV_CREDENTIALS,
};
use super::credentials::ServiceAccountKey;
use super::endpoint::Endpoint;
use super::error::{ApiError, google_error_message};
use super::retry::RetryPolicy;
use super::tls;
use super::token::TokenSource;

/// A client of the RBM API for one service account. Cheap to clone (shared
/// connection pool and token cache).
#[derive(Clone)]
pub struct RbmApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Endpoint,
    default_agent_id: Option<String>,
    retry: RetryPolicy,
    tokens: TokenSource,
}

impl std::fmt::Debug for RbmApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RbmApiClient")
            .field("base_url", &self.inner.endpoint.base().as_str())
            .field("default_agent_id", &self.inner.default_agent_id)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// What revoking a message found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// The message was still undelivered and is now revoked.
    Revoked,
    /// The message was already delivered (or never existed): the API said 404.
    AlreadyDelivered,
}

/// Builds an [`RbmApiClient`]; see [`RbmApiClient::builder`].
#[derive(Debug)]
pub struct RbmApiClientBuilder {
    key: ServiceAccountKey,
    base_url: String,
    base_url_setting: &'static str,
    agent_id: Option<String>,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
}

impl RbmApiClientBuilder {
    /// The API endpoint (default [`DEFAULT_BASE_URL`]); use a regional one
    /// (`https://europe-rcsbusinessmessaging.googleapis.com`) or a local fake.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self.base_url_setting = "base_url";
        self
    }

    /// The agent used when an outgoing message or event names none.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// How failed calls (and token requests) are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The limit on one HTTP request, response included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit on opening a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds the client (no network access happens yet).
    pub fn build(self) -> Result<RbmApiClient, ApiConfigError> {
        let base = parse_base_url(&self.base_url, self.base_url_setting)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls::client_config()?)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("rbm-runtime/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiConfigError::Http(e.to_string()))?;
        let tokens = TokenSource::new(self.key, http.clone(), self.retry);
        Ok(RbmApiClient {
            inner: Arc::new(Inner {
                http,
                endpoint: Endpoint::new(base),
                default_agent_id: self.agent_id.filter(|id| !id.is_empty()),
                retry: self.retry,
                tokens,
            }),
        })
    }
}

fn parse_base_url(value: &str, setting: &'static str) -> Result<Url, ApiConfigError> {
    let error = |reason: &str| ApiConfigError::BaseUrl {
        setting,
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(value).map_err(|e| error(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(error("the scheme must be http or https"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(error("it must be an absolute URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(error("it must not have a query or fragment"));
    }
    Ok(url)
}

impl RbmApiClient {
    /// A builder for a client authenticating with `key`.
    pub fn builder(key: ServiceAccountKey) -> RbmApiClientBuilder {
        RbmApiClientBuilder {
            key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            base_url_setting: ENV_BASE_URL,
            agent_id: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// A client configured from the process environment:
    /// `GOOGLE_APPLICATION_CREDENTIALS` (the key file; `None` when unset or
    /// empty), `RBM_API_BASE_URL` (optional) and `RBM_AGENT_ID` (optional
    /// default agent). A missing or invalid file is an error naming the setting.
    pub fn from_env() -> Result<Option<Self>, ApiConfigError> {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the settings through `var`
    /// (tests cannot safely change the process environment).
    pub fn from_env_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ApiConfigError> {
        let Some(path) = var(ENV_CREDENTIALS).filter(|p| !p.trim().is_empty()) else {
            return Ok(None);
        };
        let path = PathBuf::from(path);
        let key =
            ServiceAccountKey::from_file(&path).map_err(|source| ApiConfigError::KeyFile {
                setting: ENV_CREDENTIALS,
                path,
                source,
            })?;
        let mut builder = Self::builder(key);
        if let Some(base_url) = var(ENV_BASE_URL).filter(|v| !v.trim().is_empty()) {
            builder.base_url = base_url.trim().to_owned();
        }
        if let Some(agent_id) = var(ENV_AGENT_ID).filter(|v| !v.trim().is_empty()) {
            builder = builder.agent_id(agent_id.trim());
        }
        builder.build().map(Some)
    }

    /// The API endpoint in use.
    pub fn base_url(&self) -> &str {
        self.inner.endpoint.base().as_str()
    }

    /// How many token requests this client made so far (for metrics and tests).
    pub fn token_requests(&self) -> u64 {
        self.inner.tokens.requests()
    }

    /// Validates and sends one agent message. A message id the platform has
    /// seen already (`409`) counts as sent: the id makes the send idempotent.
    pub async fn send_message(&self, message: &OutgoingMessage) -> Result<(), ApiError> {
        let body = message.reply.encode()?;
        let agent_id = self.agent_id(message.agent_id.as_deref())?;
        let url = self.inner.endpoint.phone_url(
            &message.phone_number,
            &["agentMessages"],
            &[("messageId", &message.message_id), ("agentId", agent_id)],
        )?;
        let sent = self
            .call(Method::POST, url, Some(body), &message.phone_number)
            .await;
        already_exists_is_ok(sent, "message", &message.message_id)
    }

    /// Sends one agent event (read receipt, typing indicator).
    pub async fn send_event(&self, event: &OutgoingEvent) -> Result<(), ApiError> {
        let body = serde_json::to_vec(&event.event)
            .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let agent_id = self.agent_id(event.agent_id.as_deref())?;
        let url = self.inner.endpoint.phone_url(
            &event.phone_number,
            &["agentEvents"],
            &[("eventId", &event.event_id), ("agentId", agent_id)],
        )?;
        let sent = self
            .call(Method::POST, url, Some(body), &event.phone_number)
            .await;
        already_exists_is_ok(sent, "event", &event.event_id)
    }

    /// Revokes an undelivered message; `404` means it was already delivered.
    pub async fn revoke_message(
        &self,
        phone_number: &str,
        message_id: &str,
        agent_id: Option<&str>,
    ) -> Result<Revocation, ApiError> {
        let agent_id = self.agent_id(agent_id)?;
        let url = self.inner.endpoint.phone_url(
            phone_number,
            &["agentMessages", message_id],
            &[("agentId", agent_id)],
        )?;
        match self.call(Method::DELETE, url, None, phone_number).await {
            Ok(()) => Ok(Revocation::Revoked),
            Err(ApiError::Rejected { status: 404, .. }) => Ok(Revocation::AlreadyDelivered),
            Err(error) => Err(error),
        }
    }

    fn agent_id<'a>(&'a self, given: Option<&'a str>) -> Result<&'a str, ApiError> {
        given
            .filter(|id| !id.is_empty())
            .or(self.inner.default_agent_id.as_deref())
            .ok_or_else(|| {
                ApiError::InvalidRequest(format!(
                    "no agentId: the delivery names no agent and {ENV_AGENT_ID} is unset"
                ))
            })
    }

    /// One API call with its retries: 429, 5xx and network errors are tried
    /// again after a pause; a 401 once at once with a fresh token; any other
    /// status is final.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        phone: &str,
    ) -> Result<(), ApiError> {
        let retry = self.inner.retry;
        let body = body.map(bytes::Bytes::from);
        let mut renewed_token = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.inner.tokens.token().await?;
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.secret());
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let (message, retry_after) = match request.send().await {
                Err(error) => (error.without_url().to_string(), None),
                Ok(response) => {
                    let status = response.status();
                    if status.is_success() {
                        tracing::debug!(%method, to = %MaskedPhone(phone), attempt, "RBM API call succeeded");
                        return Ok(());
                    }
                    let retry_after = retry_after(response.headers());
                    let body = response.bytes().await.unwrap_or_default();
                    let message = format!("{status}: {}", google_error_message(&body));
                    if status == StatusCode::UNAUTHORIZED && !renewed_token {
                        // The token was revoked or expired early: one more
                        // try with a new one, without a pause.
                        renewed_token = true;
                        self.inner.tokens.invalidate(&token);
                        attempt -= 1;
                        continue;
                    }
                    if !is_retryable(status) {
                        return Err(ApiError::Rejected {
                            status: status.as_u16(),
                            message: google_error_message(&body),
                        });
                    }
                    (message, retry_after)
                }
            };
            if attempt >= retry.max_attempts {
                return Err(ApiError::Unavailable {
                    attempts: attempt,
                    message,
                });
            }
            let pause = retry.backoff(attempt, retry_after);
            tracing::warn!(%method, to = %MaskedPhone(phone), attempt, ?pause, error = %message, "RBM API call failed; retrying");
            tokio::time::sleep(pause).await;
        }
    }
}

/// `429`, `408` and `5xx` are worth another try; other statuses are final.
fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// A create with an id the platform has already seen (`409 ALREADY_EXISTS`)
/// is the earlier send of the same reply: success.
fn already_exists_is_ok(sent: Result<(), ApiError>, what: &str, id: &str) -> Result<(), ApiError> {
    match sent {
        Err(ApiError::Rejected { status: 409, .. }) => {
            tracing::debug!(what, id, "already sent (409): not sent again");
            Ok(())
        }
        other => other,
    }
}

/// The `Retry-After` header in seconds (the HTTP-date form is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl ReplySender for RbmApiClient {
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        Box::pin(async move {
            RbmApiClient::send_message(self, message)
                .await
                .map_err(SendError::from)
        })
    }

    fn send_event<'a>(&'a self, event: &'a OutgoingEvent) -> SendFuture<'a> {
        Box::pin(async move {
            RbmApiClient::send_event(self, event)
                .await
                .map_err(SendError::from)
        })
    }
}
