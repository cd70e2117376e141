//! [`HttpBot`]: a running bot driven over HTTP, its replies read from the
//! fake RBM API it sends them to.

use std::sync::Arc;
use std::time::Duration;

use hyper::StatusCode;
use rustls_platform_verifier::BuilderVerifierExt as _;

use super::bot::{Bot, Transport, TransportError};
use super::fake_api::{FakeRbmApi, RecordedRequest};
use super::push::{Google, SignedPush};
use super::replies::Replies;
use super::sent::{AgentMessage, SentEvent};

/// A bot running as a server (this process or another), reached over HTTP.
/// Its replies are seen when it sends them to a [`FakeRbmApi`] given with
/// [`HttpBot::replies_from`]; without one only statuses are seen.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use rbm_runtime::testing::{HttpBot, fake_api::FakeRbmApi};
///
/// let api = Arc::new(FakeRbmApi::start().await?);
/// // … start the bot with RBM_API_BASE_URL = api.base_url() and a key file …
/// let bot = HttpBot::new("http://127.0.0.1:8080/", "the-client-token")?.replies_from(api);
/// bot.text("hi").await.expect_text("Hello");
/// # Ok(()) }
/// ```
pub type HttpBot = Bot<OverHttp>;

/// The HTTP transport of an [`HttpBot`].
#[derive(Debug, Clone)]
pub struct OverHttp {
    client: reqwest::Client,
    url: String,
    api: Option<Arc<FakeRbmApi>>,
}

impl OverHttp {
    /// The webhook URL deliveries go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The fake RBM API replies are read from, if any.
    pub fn api(&self) -> Option<&Arc<FakeRbmApi>> {
        self.api.as_ref()
    }

    /// POSTs `body` with `headers` to the webhook; returns the status,
    /// content type and body of the answer.
    pub async fn post(
        &self,
        headers: &[(hyper::header::HeaderName, String)],
        body: bytes::Bytes,
    ) -> Result<(StatusCode, Option<String>, bytes::Bytes), TransportError> {
        let unreachable = |error: reqwest::Error| TransportError::Unreachable {
            url: self.url.clone(),
            reason: error_chain(&error),
        };
        let mut request = self.client.post(&self.url).body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value);
        }
        let response = request.send().await.map_err(unreachable)?;
        let status = StatusCode::from_u16(response.status().as_u16())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(unreachable)?;
        Ok((status, content_type, body))
    }
}

impl Transport for OverHttp {
    async fn deliver(&self, push: &SignedPush) -> Result<Replies, TransportError> {
        let seen = self.api.as_ref().map_or(0, |api| api.requests().len());
        let (status, _, _) = self.post(&push.headers(), push.body()).await?;
        // The server sends replies before it answers: all are recorded now.
        let recorded = self
            .api
            .as_ref()
            .map(|api| api.requests().split_off(seen))
            .unwrap_or_default();
        let (messages, events) = read_sent(&recorded, Some(push.sender()));
        Ok(Replies::new(status, messages, events))
    }
}

/// The agent messages and events accepted (200) among `requests`, to
/// `phone` or to anyone.
pub fn read_sent(
    requests: &[RecordedRequest],
    phone: Option<&str>,
) -> (Vec<AgentMessage>, Vec<SentEvent>) {
    let mut messages = Vec::new();
    let mut events = Vec::new();
    for request in requests
        .iter()
        .filter(|r| r.status == 200 && r.method == "POST")
    {
        let segments: Vec<&str> = request.path.split('/').collect();
        let Some(at) = segments.iter().position(|s| *s == "phones") else {
            continue;
        };
        let (Some(to), Some(collection)) = (segments.get(at + 1), segments.get(at + 2)) else {
            continue;
        };
        let to = to.replace("%2B", "+").replace("%2b", "+");
        if phone.is_some_and(|phone| phone != to) {
            continue;
        }
        let body = request.body.clone().unwrap_or_default();
        let agent_id = request.query_param("agentId").map(str::to_owned);
        match *collection {
            "agentMessages" => {
                let id = request.query_param("messageId").unwrap_or_default();
                messages.push(AgentMessage::from_json(to, id, agent_id, body));
            }
            "agentEvents" => events.push(SentEvent {
                event_id: request
                    .query_param("eventId")
                    .unwrap_or_default()
                    .to_owned(),
                event_type: body["eventType"].as_str().unwrap_or_default().to_owned(),
                message_id: body["messageId"].as_str().map(str::to_owned),
                phone_number: to,
            }),
            _ => {}
        }
    }
    (messages, events)
}

impl Bot<OverHttp> {
    /// A user of the webhook at `url` (with its path), signing with `client_token`.
    pub fn new(
        url: impl Into<String>,
        client_token: impl Into<String>,
    ) -> Result<Self, TransportError> {
        let transport = OverHttp {
            client: http_client()?,
            url: url.into(),
            api: None,
        };
        Ok(Self::with_transport(transport, Google::new(client_token)))
    }

    /// A user of the webhook at `url` whose HTTPS trusts what `tls` trusts
    /// (e.g. only a private CA) instead of the system's roots.
    pub fn with_tls(
        url: impl Into<String>,
        client_token: impl Into<String>,
        tls: rustls::ClientConfig,
    ) -> Result<Self, TransportError> {
        let transport = OverHttp {
            client: client_with(tls)?,
            url: url.into(),
            api: None,
        };
        Ok(Self::with_transport(transport, Google::new(client_token)))
    }

    /// Reads the bot's replies from `api`, the fake RBM API it sends them to.
    pub fn replies_from(mut self, api: Arc<FakeRbmApi>) -> Self {
        self.transport_mut().api = Some(api);
        self
    }
}

/// An HTTP client for webhooks: rustls with the ring provider and the
/// system's trust store (deployed webhooks are HTTPS), generous timeouts.
pub fn http_client() -> Result<reqwest::Client, TransportError> {
    let client_error = |e: &dyn std::fmt::Display| TransportError::Client(e.to_string());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| client_error(&e))?
        .with_platform_verifier()
        .map_err(|e| client_error(&e))?
        .with_no_client_auth();
    client_with(config)
}

/// A webhook client with `tls`, and generous timeouts.
fn client_with(tls: rustls::ClientConfig) -> Result<reqwest::Client, TransportError> {
    let client_error = |e: &dyn std::fmt::Display| TransportError::Client(e.to_string());
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| client_error(&e))
}

/// The error and its sources, on one line ("connection refused" is a source).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
