//! A local fake of the RBM API and its OAuth token endpoint, over real HTTP.
//!
//! It serves the whole RBM API v1 as Google documents it: agent messages
//! and events (create, revoke), capabilities, `users.batchGet`, tester
//! invites and files (by URL, or uploaded as `media` or `multipart`). It
//! checks what Google checks (the token request's RS256 signature, issuer,
//! audience and scope, or an authorized user's client and refresh token; a
//! live bearer token on every call; `agentId`; a fresh
//! `messageId`/`eventId`; known file names; content types and sizes),
//! answers Google's JSON errors, records every request, and can be told to
//! fail, to rate-limit, or which users it cannot reach. It plays the
//! metadata server of Google Cloud too ([`FakeRbmApi::metadata_host`], for
//! `GCE_METADATA_HOST`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rbm_runtime::testing::fake_api::FakeRbmApi;
//!
//! let fake = FakeRbmApi::start().await?;
//! let client = fake.client_builder()?.agent_id("agent@rbm.goog").build()?;
//! fake.fail_next(503, 2); // the next two API calls get 503
//! // … send through `client`, then inspect `fake.requests()` …
//! # Ok(()) }
//! ```

mod answer;
mod assertion;
mod capabilities;
mod classification;
mod files;
mod handler;
mod key;
mod messages;
mod metadata;
mod multipart;
mod quota;
mod reachability;
mod remote;
mod request;
mod resources;
mod state;
mod testers;
mod user_credentials;
mod users;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{
    ApiConfigError, AuthorizedUser, Credentials, MetadataServer, RbmApiClient, RbmApiClientBuilder,
    ServiceAccountKey,
};

pub use files::{DEFAULT_MAX_FILE_BYTES, FakeFile, FileContent, SUPPORTED_CONTENT_TYPES};
pub use key::TestServiceAccount;
pub use messages::{AgentUseCase, FAKE_CARRIER};
pub use reachability::{DEFAULT_FEATURES, FEATURES};
pub use remote::{RemoteFakeApi, RemoteFakeApiError};
pub use state::{FakeStats, RecordedRequest};
pub use testers::{DEFAULT_INVITES_IN_ALL, DEFAULT_INVITES_PER_DAY, FakeTester, InviteStatus};
pub use user_credentials::TestAuthorizedUser;
pub use users::MAX_USERS_PER_CALL;

use state::{Counters, Memory, State};

/// A running fake RBM API. Dropping it stops it; [`shutdown`](Self::shutdown)
/// also waits for open connections to finish.
pub struct FakeRbmApi {
    address: SocketAddr,
    account: TestServiceAccount,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Configures a [`FakeRbmApi`] before it starts.
#[derive(Debug, Clone)]
pub struct FakeRbmApiBuilder {
    bind: SocketAddr,
    token_lifetime: Duration,
    record_requests: bool,
    account: Option<TestServiceAccount>,
    user: Option<TestAuthorizedUser>,
}

impl Default for FakeRbmApiBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            token_lifetime: Duration::from_secs(3600),
            record_requests: true,
            account: None,
            user: None,
        }
    }
}

impl FakeRbmApiBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, address: SocketAddr) -> Self {
        self.bind = address;
        self
    }

    /// How long issued access tokens live (default one hour, like Google's;
    /// whole seconds are announced in `expires_in`).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Whether to keep every request for [`FakeRbmApi::requests`] (default
    /// yes); counters are kept either way. Turn it off for long benchmarks.
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// The service account whose key the token endpoint trusts (default
    /// [`TestServiceAccount::shared`]).
    pub fn account(mut self, account: TestServiceAccount) -> Self {
        self.account = Some(account);
        self
    }

    /// The authorized user whose refresh token the token endpoint takes
    /// (default [`TestAuthorizedUser::generate`]d).
    pub fn authorized_user(mut self, user: TestAuthorizedUser) -> Self {
        self.user = Some(user);
        self
    }

    /// Binds and starts serving.
    pub async fn start(self) -> std::io::Result<FakeRbmApi> {
        let listener = TcpListener::bind(self.bind).await?;
        let address = listener.local_addr()?;
        let account = self
            .account
            .unwrap_or_else(|| TestServiceAccount::shared().clone());
        let state = Arc::new(State {
            latency_ms: std::sync::atomic::AtomicU64::new(0),
            memory: Mutex::new(Memory::new(self.record_requests, self.token_lifetime)),
            counters: Counters::default(),
            client_email: account.client_email().to_owned(),
            public_key_der: account.public_key_der().to_vec(),
            token_uri: format!("http://{address}{}", handler::TOKEN_PATH),
            user: self.user.unwrap_or_else(TestAuthorizedUser::generate),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&state), stopped));
        Ok(FakeRbmApi {
            address,
            account,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// Accepts connections until `stopped` fires (or its sender is dropped).
async fn serve(listener: TcpListener, state: Arc<State>, mut stopped: oneshot::Receiver<()>) {
    let drain = crate::server::drain::Drain::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                Counters::bump(&state.counters.connections);
                let state = Arc::clone(&state);
                let service = service_fn(move |request| handler::handle(Arc::clone(&state), request));
                let connection = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let connection = drain.watcher().watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "fake RBM API connection ended with an error");
                    }
                });
            }
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    // Idle keep-alive connections close at once; a request in flight finishes.
    let _ = tokio::time::timeout(Duration::from_secs(5), drain.shutdown()).await;
}

impl FakeRbmApi {
    /// Starts a fake on a free port of 127.0.0.1 with the defaults.
    pub async fn start() -> std::io::Result<Self> {
        FakeRbmApiBuilder::default().start().await
    }

    /// A builder, to set the address, token lifetime or key.
    pub fn builder() -> FakeRbmApiBuilder {
        FakeRbmApiBuilder::default()
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base URL to give the client (`RBM_API_BASE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The URL of its OAuth token endpoint (the key file's `token_uri`).
    pub fn token_uri(&self) -> &str {
        &self.state.token_uri
    }

    /// The service account it trusts.
    pub fn account(&self) -> &TestServiceAccount {
        &self.account
    }

    /// A service-account key file JSON pointing at this fake.
    pub fn key_json(&self) -> String {
        self.account.key_json(self.token_uri())
    }

    /// Writes the key file (for `GOOGLE_APPLICATION_CREDENTIALS`).
    pub fn write_key_file(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        self.account.write_key_file(path, self.token_uri())
    }

    /// The parsed service-account key of this fake.
    pub fn service_account_key(&self) -> ServiceAccountKey {
        // The JSON is ours and well-formed; a failure would be a bug here.
        ServiceAccountKey::from_json(&self.key_json())
            .unwrap_or_else(|error| panic!("the fake's own key file is invalid: {error}"))
    }

    /// A client builder aimed at this fake; tune retries, agent id, then build.
    pub fn client_builder(&self) -> Result<RbmApiClientBuilder, ApiConfigError> {
        Ok(RbmApiClient::builder(self.service_account_key()).base_url(self.base_url()))
    }

    /// A client builder aimed at this fake with `credentials` (the
    /// [`authorized_user_credentials`](Self::authorized_user_credentials),
    /// the [`metadata_server`](Self::metadata_server)…).
    pub fn client_builder_with(&self, credentials: impl Into<Credentials>) -> RbmApiClientBuilder {
        RbmApiClient::builder(credentials).base_url(self.base_url())
    }

    /// The authorized user its token endpoint knows.
    pub fn authorized_user(&self) -> &TestAuthorizedUser {
        &self.state.user
    }

    /// The authorized user's credentials JSON (what `gcloud auth
    /// application-default login` writes), pointing at this fake.
    pub fn authorized_user_json(&self) -> String {
        self.state.user.credentials_json(self.token_uri())
    }

    /// Writes the authorized user's credentials file (for
    /// `GOOGLE_APPLICATION_CREDENTIALS`, or as gcloud's
    /// `application_default_credentials.json`).
    pub fn write_authorized_user_file(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        self.state
            .user
            .write_credentials_file(path, self.token_uri())
    }

    /// The parsed authorized-user credentials of this fake.
    pub fn authorized_user_credentials(&self) -> AuthorizedUser {
        // The JSON is ours and well-formed; a failure would be a bug here.
        AuthorizedUser::from_json(&self.authorized_user_json())
            .unwrap_or_else(|error| panic!("the fake's own user file is invalid: {error}"))
    }

    /// The `host:port` of its metadata server (`GCE_METADATA_HOST`).
    pub fn metadata_host(&self) -> String {
        self.address.to_string()
    }

    /// Its metadata server, as credentials.
    pub fn metadata_server(&self) -> MetadataServer {
        // A socket address is a valid host:port.
        MetadataServer::at(&self.metadata_host())
            .unwrap_or_else(|error| panic!("the fake's own address is refused: {error}"))
    }

    /// The API requests answered so far (token requests excluded), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.memory().requests.clone()
    }

    /// The token requests answered so far (metadata server requests
    /// included), their form fields as the body.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.state.memory().token_requests.clone()
    }

    /// Counters of everything answered so far.
    pub fn stats(&self) -> FakeStats {
        self.state.counters.snapshot()
    }

    /// Holds every RBM API answer (not the token endpoint's) for `latency`
    /// before answering, like a slow or far-away API.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.state
            .latency_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Answers the next `times` API calls with `status` (and a Google error body).
    pub fn fail_next(&self, status: u16, times: usize) {
        let mut memory = self.state.memory();
        memory
            .api_failures
            .extend(std::iter::repeat_n(status, times));
    }

    /// Answers every API call with `status` from now on (after the calls
    /// scripted by [`fail_next`](Self::fail_next)), until
    /// [`stop_failing`](Self::stop_failing).
    pub fn fail_always(&self, status: u16) {
        self.state.memory().api_failing = Some(status);
    }

    /// Ends [`fail_always`](Self::fail_always) (calls scripted by
    /// [`fail_next`](Self::fail_next) still fail).
    pub fn stop_failing(&self) {
        self.state.memory().api_failing = None;
    }

    /// Answers the next `times` token requests (the metadata server's
    /// included) with `status`.
    pub fn fail_next_token_requests(&self, status: u16, times: usize) {
        let mut memory = self.state.memory();
        memory
            .token_failures
            .extend(std::iter::repeat_n(status, times));
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.memory().token_lifetime = lifetime;
    }

    /// Makes every token issued so far invalid (as if revoked): the next call
    /// with one gets 401.
    pub fn revoke_tokens(&self) {
        self.state.memory().tokens.clear();
    }

    /// Stops accepting connections and waits (a few seconds at most) for
    /// open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl std::fmt::Debug for FakeRbmApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRbmApi")
            .field("address", &self.address)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
