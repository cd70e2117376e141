//! [`RbmApiClient`]: sends agent messages and events, revokes messages.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use tokio::time::Instant;
use url::Url;

use crate::mask::MaskedPhone;
use crate::sender::{OutgoingEvent, OutgoingMessage, ReplySender, SendError, SendFuture};

use super::adc;
use super::auth::Credentials;
use super::config::{
    ApiConfigError, DEFAULT_BASE_URL, ENV_AGENT_ID, ENV_BASE_URL, ENV_CREDENTIALS, without_password,
};
use super::endpoint::Endpoint;
use super::error::{ApiError, google_error_message};
use super::http::{
    self, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, ExchangeError, StatusClass,
};
use super::retry::{GiveUp, RetryPolicy};
use super::token::TokenSource;

/// A client of the RBM API for one set of [`Credentials`]. Cheap to clone
/// (shared connection pool and token cache).
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

/// A resource to create under a user's phone, with its caller-chosen id.
struct Creation<'a> {
    /// `agentMessages` or `agentEvents`.
    collection: &'static str,
    /// The query parameter carrying the id.
    id_param: &'static str,
    id: &'a str,
    phone: &'a str,
    /// The agent, when the outgoing message or event names one.
    agent_id: Option<&'a str>,
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
    credentials: Credentials,
    base_url: String,
    base_url_setting: &'static str,
    agent_id: Option<String>,
    retry: RetryPolicy,
    deadline: Option<Duration>,
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

    /// How failed calls (and token requests) are retried, and within what
    /// overall deadline (see [`deadline`](Self::deadline)).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The time one send may take in all — waiting for a token, every try
    /// and every pause — before it ends as a transient failure (default
    /// [`DEFAULT_SEND_DEADLINE`](super::DEFAULT_SEND_DEADLINE), 8 s, inside
    /// Google's ~10 s push deadline). Overrides the [`RetryPolicy`]'s
    /// deadline, whichever of the two calls comes first.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The limit on one HTTP request, response included (default 5 s). The
    /// send's [`deadline`](Self::deadline) bounds it too.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit on opening a connection (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds the client (no network access happens yet).
    pub fn build(self) -> Result<RbmApiClient, ApiConfigError> {
        let base = parse_base_url(&self.base_url, self.base_url_setting)?;
        let (http, token_http) = self
            .credentials
            .http_clients(self.timeout, self.connect_timeout)?;
        let mut retry = self.retry;
        if let Some(deadline) = self.deadline {
            retry.deadline = deadline;
        }
        let tokens = TokenSource::new(self.credentials, token_http, retry);
        Ok(RbmApiClient {
            inner: Arc::new(Inner {
                http,
                endpoint: Endpoint::new(base),
                default_agent_id: self.agent_id.filter(|id| !id.is_empty()),
                retry,
                tokens,
            }),
        })
    }
}

fn parse_base_url(value: &str, setting: &'static str) -> Result<Url, ApiConfigError> {
    let error = |reason: &str| ApiConfigError::BaseUrl {
        setting,
        value: without_password(value),
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
    // The API authenticates with the service account's tokens; credentials
    // in the URL would only end up in logs.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(error("it must not contain credentials (user:password@)"));
    }
    Ok(url)
}

impl RbmApiClient {
    /// A builder for a client authenticating with `credentials`: a
    /// [`ServiceAccountKey`](super::ServiceAccountKey), an
    /// [`AuthorizedUser`](super::AuthorizedUser), a
    /// [`MetadataServer`](super::MetadataServer), or any [`Credentials`].
    pub fn builder(credentials: impl Into<Credentials>) -> RbmApiClientBuilder {
        RbmApiClientBuilder {
            credentials: credentials.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            base_url_setting: ENV_BASE_URL,
            agent_id: None,
            retry: RetryPolicy::default(),
            deadline: None,
            timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// A client configured from the process environment, with Application
    /// Default Credentials: the file `GOOGLE_APPLICATION_CREDENTIALS` names (a
    /// service-account key or an authorized user's credentials, as its
    /// `type` says), else gcloud's `application_default_credentials.json`
    /// (under `CLOUDSDK_CONFIG`, else `$HOME/.config/gcloud`), else the
    /// metadata server when the process runs on Google Cloud
    /// (`GCE_METADATA_HOST`, Cloud Run, App Engine, a Compute Engine or GKE
    /// machine; decided without network access). `RBM_API_BASE_URL`
    /// (optional) picks the endpoint and `RBM_AGENT_ID` (optional) the
    /// default agent. A file or setting that cannot be used is an error
    /// naming it. The credentials used are logged (`tracing::info!`), never
    /// a secret.
    ///
    /// With none of the three there is no client (`None`), and a bot can
    /// still run (an echo bot needs only its client token; the server then
    /// logs its replies instead of sending them). `RBM_API_BASE_URL` or
    /// `RBM_AGENT_ID` set in that case cannot take effect: a warning
    /// (`tracing::warn!`) names the settings ignored and the one missing —
    /// a warning rather than an error, so that such a bot still starts.
    pub fn from_env() -> Result<Option<Self>, ApiConfigError> {
        Self::configure(&|name| std::env::var(name).ok(), &|| {
            adc::dmi_says_google(std::path::Path::new(adc::DMI_PRODUCT_NAME))
        })
    }

    /// Like [`from_env`](Self::from_env), reading the settings — `HOME` and
    /// `CLOUDSDK_CONFIG` included — through `var` (tests cannot safely change
    /// the process environment). The machine itself is not looked at: on a
    /// Compute Engine VM or GKE node that no setting reveals, `from_env`
    /// finds the metadata server and this does not (set `GCE_METADATA_HOST`).
    pub fn from_env_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ApiConfigError> {
        Self::configure(&var, &|| false)
    }

    /// [`from_env`](Self::from_env) with the settings read through `var`
    /// and the machine's own sign of Google Cloud through `on_google_hardware`.
    fn configure(
        var: &dyn Fn(&str) -> Option<String>,
        on_google_hardware: &dyn Fn() -> bool,
    ) -> Result<Option<Self>, ApiConfigError> {
        let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
        let Some(found) = adc::discover(var, on_google_hardware)? else {
            let ignored: Vec<&str> = [ENV_BASE_URL, ENV_AGENT_ID]
                .into_iter()
                .filter(|name| set(name))
                .collect();
            if !ignored.is_empty() {
                tracing::warn!(
                    ignored = %ignored.join(", "),
                    missing = ENV_CREDENTIALS,
                    "{} set without credentials ({ENV_CREDENTIALS}, gcloud's application-default \
                     credentials or a Google Cloud metadata server): ignored; no RBM API client, \
                     so replies are only logged",
                    ignored.join(" and "),
                );
            }
            return Ok(None);
        };
        tracing::info!(
            credentials = %found.credentials.describe(),
            found_through = %found.origin,
            "RBM API credentials"
        );
        let mut builder = Self::builder(found.credentials);
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

    /// Validates and sends one agent message, retrying within the send
    /// deadline. A message id the platform has seen already (`409`) counts
    /// as sent: the id makes the send idempotent (see `already_exists_is_ok`).
    pub async fn send_message(&self, message: &OutgoingMessage) -> Result<(), ApiError> {
        let created = Creation {
            collection: "agentMessages",
            id_param: "messageId",
            id: &message.message_id,
            phone: &message.phone_number,
            agent_id: message.agent_id.as_deref(),
        };
        self.create(created, message.reply.encode()?).await
    }

    /// Sends one agent event (read receipt, typing indicator).
    pub async fn send_event(&self, event: &OutgoingEvent) -> Result<(), ApiError> {
        let body = serde_json::to_vec(&event.event)
            .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let created = Creation {
            collection: "agentEvents",
            id_param: "eventId",
            id: &event.event_id,
            phone: &event.phone_number,
            agent_id: event.agent_id.as_deref(),
        };
        self.create(created, body).await
    }

    /// Creates a resource under the user's phone with a caller-chosen id; a
    /// `409` means that id was created already (see [`already_exists_is_ok`]).
    async fn create(&self, what: Creation<'_>, body: Vec<u8>) -> Result<(), ApiError> {
        let agent_id = self.agent_id(what.agent_id)?;
        let url = self.inner.endpoint.phone_url(
            what.phone,
            &[what.collection],
            &[(what.id_param, what.id), ("agentId", agent_id)],
        )?;
        let sent = self.call(Method::POST, url, Some(body), what.phone).await;
        already_exists_is_ok(sent, what.collection, what.id)
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

    /// One API call with its retries, all within the send deadline: 429,
    /// 408, 5xx and network errors are tried again after a pause; a 401 once,
    /// at once, with a fresh token; any other status is final (see
    /// [`http::classify`]). When the deadline passes — or a pause would end past
    /// it — the call ends with [`ApiError::DeadlineExceeded`] (transient).
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        phone: &str,
    ) -> Result<(), ApiError> {
        let limit = self.inner.retry.deadline;
        let deadline = Instant::now() + limit;
        let mut progress = Progress::default();
        let body = body.map(Bytes::from);
        let attempts = self.attempts(&method, &url, body, phone, deadline, &mut progress);
        match tokio::time::timeout_at(deadline, attempts).await {
            Ok(result) => result,
            Err(_elapsed) => {
                let error = progress.out_of_time(limit);
                tracing::warn!(%method, to = %MaskedPhone(phone), %error, "RBM API call abandoned at its deadline");
                Err(error)
            }
        }
    }

    /// The tries of [`call`](Self::call), recording in `progress` what the
    /// deadline would interrupt.
    async fn attempts(
        &self,
        method: &Method,
        url: &Url,
        body: Option<Bytes>,
        phone: &str,
        deadline: Instant,
        progress: &mut Progress,
    ) -> Result<(), ApiError> {
        let retry = self.inner.retry;
        let mut renewed_token = false;
        loop {
            progress.waiting_for = "an access token";
            let token = self.inner.tokens.token().await?;
            progress.waiting_for = "the API's answer";
            progress.attempts += 1;
            let attempt = progress.attempts;
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
            let (message, retry_after) = match http::exchange(request).await {
                Err(ExchangeError::Unsendable(error)) => {
                    return Err(ApiError::InvalidRequest(error.to_string()));
                }
                Err(ExchangeError::NoAnswer(error)) => (error.to_string(), None),
                Ok(answer) => {
                    let status = answer.status;
                    let class = http::classify(status);
                    if class == StatusClass::Success {
                        if let Err(error) = &answer.body {
                            tracing::debug!(error = %error, "the API's answer was cut short; the call succeeded");
                        }
                        tracing::debug!(%method, to = %MaskedPhone(phone), attempt, "RBM API call succeeded");
                        return Ok(());
                    }
                    let message = google_error_message(&answer.body.unwrap_or_default());
                    match class {
                        StatusClass::Unauthorized if !renewed_token => {
                            // The token was revoked or expired early: one
                            // more try with a new one, without a pause.
                            tracing::debug!(%method, to = %MaskedPhone(phone), "401: renewing the access token");
                            renewed_token = true;
                            self.inner.tokens.invalidate(&token);
                            continue;
                        }
                        StatusClass::Unauthorized => {
                            return Err(ApiError::Unauthenticated(message));
                        }
                        StatusClass::Success | StatusClass::Final => {
                            return Err(ApiError::Rejected {
                                status: status.as_u16(),
                                message,
                            });
                        }
                        StatusClass::Retryable => {
                            (format!("{status}: {message}"), answer.retry_after)
                        }
                    }
                }
            };
            // A 401 answered by a token renewal does not use up a try.
            let counted = attempt - u32::from(renewed_token);
            let pause = match retry.pause_after(counted, retry_after, deadline) {
                Ok(pause) => pause,
                Err(GiveUp::Exhausted) => {
                    return Err(ApiError::Unavailable {
                        attempts: attempt,
                        message,
                    });
                }
                // Waiting would outlast the deadline: give up now and let
                // the delivery come again.
                Err(GiveUp::Deadline) => {
                    return Err(ApiError::DeadlineExceeded {
                        attempts: attempt,
                        deadline: retry.deadline,
                        message,
                    });
                }
            };
            tracing::warn!(%method, to = %MaskedPhone(phone), attempt, ?pause, error = %message, "RBM API call failed; retrying");
            progress.last_error = Some(message);
            progress.waiting_for = "the next try";
            tokio::time::sleep(pause).await;
        }
    }
}

/// How far a call got, for the error when its deadline interrupts it.
#[derive(Debug, Default)]
struct Progress {
    attempts: u32,
    waiting_for: &'static str,
    last_error: Option<String>,
}

impl Progress {
    fn out_of_time(self, deadline: Duration) -> ApiError {
        let mut message = format!("still waiting for {}", self.waiting_for);
        if let Some(last) = self.last_error {
            message.push_str("; last error: ");
            message.push_str(&last);
        }
        ApiError::DeadlineExceeded {
            attempts: self.attempts,
            deadline,
            message,
        }
    }
}

/// A create with an id the platform has already seen (`409 ALREADY_EXISTS`)
/// is success.
///
/// Message and event ids are derived from the delivery being answered, so
/// the id being known means this very reply was created before: by an
/// earlier try whose answer was lost (a timeout, a dropped connection), or
/// by an earlier handling of the same delivery (Google redelivers what was
/// not acknowledged in time). The user has it already; failing would make
/// the delivery be retried (to meet 409 again) or dropped for nothing. The
/// flip side: a caller reusing an id for different content is not told —
/// ids must be derived per reply, as [`Context`](crate::Context) does.
fn already_exists_is_ok(sent: Result<(), ApiError>, what: &str, id: &str) -> Result<(), ApiError> {
    match sent {
        Err(ApiError::Rejected { status: 409, .. }) => {
            tracing::debug!(what, id, "already sent (409): not sent again");
            Ok(())
        }
        other => other,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_409_on_a_create_becomes_success() {
        let rejected = |status| {
            Err(ApiError::Rejected {
                status,
                message: String::new(),
            })
        };
        assert_eq!(already_exists_is_ok(rejected(409), "message", "m"), Ok(()));
        assert_eq!(
            already_exists_is_ok(rejected(404), "message", "m"),
            rejected(404)
        );
    }
}
