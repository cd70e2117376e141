//! [`RbmApiClient`]: sends agent messages and events, revokes messages.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use url::Url;

use crate::metrics::{ApiMetrics, ApiMetricsSlot};
use crate::reply::TrafficType;
use crate::sender::{OutgoingEvent, OutgoingMessage, ReplySender, SendError, SendFuture};

use super::adc;
use super::auth::Credentials;
use super::call::Call;
use super::config::{
    ApiConfigError, DEFAULT_BASE_URL, ENV_AGENT_ID, ENV_BASE_URL, ENV_CREDENTIALS,
    ENV_TRAFFIC_TYPE, without_password,
};
use super::endpoint::Endpoint;
use super::error::ApiError;
use super::http::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use super::message_answer::SentMessage;
use super::retry::RetryPolicy;
use super::token::TokenSource;

/// A client of the RBM API for one set of [`Credentials`]. Cheap to clone
/// (shared connection pool and token cache).
#[derive(Clone)]
pub struct RbmApiClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) endpoint: Endpoint,
    pub(super) default_agent_id: Option<String>,
    pub(super) default_traffic_type: Option<TrafficType>,
    pub(super) retry: RetryPolicy,
    pub(super) tokens: TokenSource,
    /// Shared by clones, so the per-minute limit holds for the whole client.
    pub(super) batch_get_limiter: governor::DefaultDirectRateLimiter,
    /// A `429` pauses every call of the client (and its clones).
    pub(super) quota: super::quota::QuotaGate,
    /// The metrics of the server whose replies the client sends, once one
    /// sets them (see [`RbmApiClient::measure_with`]); empty otherwise.
    pub(super) metrics: ApiMetricsSlot,
}

impl std::fmt::Debug for RbmApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RbmApiClient")
            .field("base_url", &self.inner.endpoint.base().as_str())
            .field("default_agent_id", &self.inner.default_agent_id)
            .field("default_traffic_type", &self.inner.default_traffic_type)
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
    traffic_type: Option<TrafficType>,
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

    /// The traffic type (`messageTrafficType`) of every message that sets
    /// none. Agents of the multi-use billing category must give one on
    /// each message; this gives it once (`RBM_MESSAGE_TRAFFIC_TYPE`).
    pub fn default_traffic_type(mut self, traffic_type: TrafficType) -> Self {
        self.traffic_type = Some(traffic_type);
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
        let metrics = ApiMetricsSlot::default();
        let tokens = TokenSource::new(self.credentials, token_http, retry, Arc::clone(&metrics));
        Ok(RbmApiClient {
            inner: Arc::new(Inner {
                http,
                endpoint: Endpoint::new(base),
                default_agent_id: self.agent_id.filter(|id| !id.is_empty()),
                default_traffic_type: self.traffic_type,
                retry,
                tokens,
                batch_get_limiter: super::reachable::batch_get_limiter(),
                quota: super::quota::QuotaGate::default(),
                metrics,
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
    /// Counts this client's calls (and its clones') in a server's metrics.
    /// The first server to set them keeps them; a client no server measures
    /// only checks an empty slot per call.
    pub(crate) fn measure_with(&self, metrics: &Arc<ApiMetrics>) {
        let _ = self.inner.metrics.set(Arc::clone(metrics));
    }

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
            traffic_type: None,
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
        if let Some(value) = var(ENV_TRAFFIC_TYPE).filter(|v| !v.trim().is_empty()) {
            let traffic_type =
                value
                    .trim()
                    .parse::<TrafficType>()
                    .map_err(|error| ApiConfigError::Invalid {
                        setting: ENV_TRAFFIC_TYPE,
                        value: value.clone(),
                        reason: error.to_string(),
                    })?;
            builder = builder.default_traffic_type(traffic_type);
        }
        builder.build().map(Some)
    }

    /// The API endpoint in use.
    pub fn base_url(&self) -> &str {
        self.inner.endpoint.base().as_str()
    }

    /// How many times the API refused a call of this client for its quota
    /// (`429`); each one paused every call for its `Retry-After`.
    pub fn quota_pauses(&self) -> u64 {
        self.inner.quota.pauses()
    }

    /// How many token requests this client made so far (for metrics and tests).
    pub fn token_requests(&self) -> u64 {
        self.inner.tokens.requests()
    }

    /// Validates and sends one agent message, retrying within the send
    /// deadline, and returns Google's answer. A message id the platform has
    /// seen already (`409`) counts as sent: the id makes the send idempotent
    /// (see `already_exists_is_ok`); the answer then says
    /// [`already_sent`](SentMessage::already_sent).
    pub async fn send_message(&self, message: &OutgoingMessage) -> Result<SentMessage, ApiError> {
        let created = Creation {
            collection: "agentMessages",
            id_param: "messageId",
            id: &message.message_id,
            phone: &message.phone_number,
            agent_id: message.agent_id.as_deref(),
        };
        let body = match (self.inner.default_traffic_type, message.reply.traffic_type) {
            (Some(default), None) => message.reply.clone().traffic_type(default).encode()?,
            _ => message.reply.encode()?,
        };
        match self.create("agentMessages.create", created, body).await? {
            Some(answer) => Ok(SentMessage::from_answer(&answer)),
            None => Ok(SentMessage::already()),
        }
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
        self.create("agentEvents.create", created, body)
            .await
            .map(drop)
    }

    /// Creates a resource under the user's phone with a caller-chosen id,
    /// returning the answer; `None` when the id was created already (`409`,
    /// see [`already_exists_is_ok`]).
    async fn create(
        &self,
        name: &'static str,
        what: Creation<'_>,
        body: Vec<u8>,
    ) -> Result<Option<Bytes>, ApiError> {
        let agent_id = self.agent_id(what.agent_id)?;
        let url = self.inner.endpoint.phone_url(
            what.phone,
            &[what.collection],
            &[(what.id_param, what.id), ("agentId", agent_id)],
        )?;
        let call = Call::new(name, Method::POST, url)
            .json(body)
            .about(what.phone);
        already_exists_is_ok(self.call(call).await, what.collection, what.id)
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
        let call = Call::new("agentMessages.delete", Method::DELETE, url).about(phone_number);
        match self.call(call).await {
            Ok(_) => Ok(Revocation::Revoked),
            Err(ApiError::Rejected { status: 404, .. }) => Ok(Revocation::AlreadyDelivered),
            Err(error) => Err(error),
        }
    }

    /// The agent of a call: the one given, else the client's default.
    pub(super) fn agent_id<'a>(&'a self, given: Option<&'a str>) -> Result<&'a str, ApiError> {
        given
            .filter(|id| !id.is_empty())
            .or(self.inner.default_agent_id.as_deref())
            .ok_or_else(|| {
                ApiError::InvalidRequest(format!(
                    "no agentId: the delivery names no agent and {ENV_AGENT_ID} is unset"
                ))
            })
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
fn already_exists_is_ok(
    sent: Result<Bytes, ApiError>,
    what: &str,
    id: &str,
) -> Result<Option<Bytes>, ApiError> {
    match sent {
        Err(ApiError::Rejected { status: 409, .. }) => {
            tracing::debug!(what, id, "already sent (409): not sent again");
            Ok(None)
        }
        other => other.map(Some),
    }
}

impl ReplySender for RbmApiClient {
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        Box::pin(async move {
            RbmApiClient::send_message(self, message)
                .await
                .map(drop)
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
        assert_eq!(
            already_exists_is_ok(rejected(409), "message", "m"),
            Ok(None)
        );
        assert_eq!(
            already_exists_is_ok(rejected(404), "message", "m"),
            Err(ApiError::Rejected {
                status: 404,
                message: String::new(),
            })
        );
        assert_eq!(
            already_exists_is_ok(Ok(Bytes::from_static(b"{}")), "message", "m"),
            Ok(Some(Bytes::from_static(b"{}")))
        );
    }
}
