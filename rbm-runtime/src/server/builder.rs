//! Configuring a server from code: webhooks, settings, the store, and the
//! checks that run before it starts.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::claim::Claims;
use super::config::DeliveryMode;
use super::config::{ServerConfig, check_path};
use super::handling::Handling;
use super::listener;
use super::outcome::Outcome;
use super::pipeline::{Mode, Pipeline};
use super::running::{RunningServer, WebhookHandler, start};
use super::sequencer::Sequencer;
use super::tls::{self, TlsSettings};
use super::webhook::{Target, Webhook};
use crate::agent::{Agent, DynAgent};
use crate::api::RbmApiClient;
use crate::error::{ConfigError, Error};
use crate::inbox::{Backoff, Inbox, InboxLimits, Verdict};
use crate::metrics::{OutcomeNames, ServerMetrics};
use crate::sender::{LogSender, ReplySender};
use crate::store::{MemoryStore, Store, StoreConfig, StoreUrl};

/// The agents a partner webhook serves, each under its `agentId`.
#[derive(Default)]
pub struct PartnerAgents {
    agents: Vec<(String, Arc<dyn DynAgent>)>,
}

impl PartnerAgents {
    /// No agents yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves deliveries whose `agentId` is `agent_id` with `agent`.
    pub fn agent(mut self, agent_id: impl Into<String>, agent: impl Agent) -> Self {
        self.agents.push((agent_id.into(), Arc::new(agent)));
        self
    }
}

struct WebhookSpec {
    path: String,
    token: String,
    target: Target,
}

/// The entry point for hosting agents from code: `Server::builder()`.
pub struct Server;

impl Server {
    /// A builder with the default [`ServerConfig`] and no webhook yet.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            config: ServerConfig::default(),
            webhooks: Vec::new(),
            sender: None,
            api_client: None,
            store: None,
            duplicate_agent_ids: Vec::new(),
        }
    }
}

/// Collects webhooks and settings; [`ServerBuilder::bind`] checks them all.
pub struct ServerBuilder {
    config: ServerConfig,
    webhooks: Vec<WebhookSpec>,
    sender: Option<Arc<dyn ReplySender>>,
    /// The reply sender, when it is the RBM API client: its calls are
    /// counted in the server's metrics.
    api_client: Option<RbmApiClient>,
    store: Option<Arc<dyn Store>>,
    duplicate_agent_ids: Vec<String>,
}

impl ServerBuilder {
    /// Replaces every setting (e.g. with [`ServerConfig::from_env`]'s).
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// The address and port to listen on (port 0 picks a free one).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.config.bind = addr.ip();
        self.config.port = addr.port();
        self
    }

    /// The largest request body accepted, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// The time a client has to send its headers, and then its body.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_timeout = timeout;
        self.config.body_timeout = timeout;
        self
    }

    /// How long a response may wait for the client to take it before the
    /// connection is closed (a client that never reads frees its slot).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.config.write_timeout = timeout;
        self
    }

    /// The most connections open at once.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.config.max_connections = connections;
        self
    }

    /// How long shutdown waits for requests in flight.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// Bounds the in-memory duplicate store.
    pub fn dedupe_limits(mut self, capacity: usize, max_age: Duration) -> Self {
        self.config.dedupe_capacity = capacity;
        self.config.dedupe_max_age = max_age;
        self
    }

    /// Hosts an agent webhook: deliveries on `path`, signed with `client_token`, go to `agent`.
    pub fn webhook(
        mut self,
        path: impl Into<String>,
        client_token: impl Into<String>,
        agent: impl Agent,
    ) -> Self {
        self.webhooks.push(WebhookSpec {
            path: path.into(),
            token: client_token.into(),
            target: Target::Agent(Arc::new(agent)),
        });
        self
    }

    /// Hosts a partner webhook: a delivery on `path` goes to the agent of `agents`
    /// named by its `agentId`.
    pub fn partner_webhook(
        mut self,
        path: impl Into<String>,
        client_token: impl Into<String>,
        agents: PartnerAgents,
    ) -> Self {
        let mut served = HashMap::new();
        for (agent_id, agent) in agents.agents {
            if served.insert(agent_id.clone(), agent).is_some() {
                self.duplicate_agent_ids.push(agent_id);
            }
        }
        self.webhooks.push(WebhookSpec {
            path: path.into(),
            token: client_token.into(),
            target: Target::Partner(served),
        });
        self
    }

    /// Where replies go (default: the log, see [`LogSender`]). With
    /// metrics on, the calls of an [`RbmApiClient`] are counted.
    pub fn reply_sender(mut self, sender: impl ReplySender) -> Self {
        self.api_client = (&sender as &dyn Any)
            .downcast_ref::<RbmApiClient>()
            .cloned();
        self.sender = Some(Arc::new(sender));
        self
    }

    /// Where replies go, shared with other code (an [`RbmApiClient`] given
    /// so is not counted in the metrics: give it with
    /// [`reply_sender`](Self::reply_sender), a clone shares its connections).
    pub fn shared_reply_sender(mut self, sender: Arc<dyn ReplySender>) -> Self {
        self.api_client = None;
        self.sender = Some(sender);
        self
    }

    /// Serves Prometheus metrics on `addr` (`GET /metrics`), a listener of
    /// their own (`RBM_METRICS_ADDR`; port 0 picks a free one, see
    /// [`RunningServer::metrics_addr`]). Off by default.
    pub fn metrics_addr(mut self, addr: SocketAddr) -> Self {
        self.config.metrics_addr = Some(addr);
        self
    }

    /// Serves HTTPS with a certificate from files or from ACME (default:
    /// plain HTTP; see [`TlsSettings`]).
    pub fn tls(mut self, tls: TlsSettings) -> Self {
        self.config.tls = tls;
        self
    }

    /// When deliveries are acknowledged: once stored in the inbox (the
    /// default) or once handled (inline).
    pub fn delivery(mut self, mode: DeliveryMode) -> Self {
        self.config.delivery = mode;
        self
    }

    /// Where the inbox, duplicate marks and dead letters are kept
    /// (`sqlite://PATH` by default, or `memory`).
    pub fn store_url(mut self, url: StoreUrl) -> Self {
        self.config.store = url;
        self
    }

    /// Uses `store` (already open, possibly shared) instead of opening one.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Stored deliveries handled at once, over all users.
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = workers;
        self
    }

    /// Attempts, and the age, after which a failing stored delivery becomes
    /// a dead letter.
    pub fn retry_limits(mut self, max_attempts: u32, max_age: Duration) -> Self {
        self.config.max_attempts = max_attempts;
        self.config.max_age = max_age;
        self
    }

    /// The longest a handler (with its replies) may take.
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.config.handler_timeout = timeout;
        self
    }

    /// How long a user's conversation state may stay untouched before it
    /// reads as its type's `Default` again (default: forever).
    pub fn state_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.config.state_ttl = ttl;
        self
    }

    /// With a store shared by several replicas: how long a lease on a
    /// partition of the inbox lasts (default 10 s), so how soon another
    /// replica takes over the users of one that died.
    pub fn partition_lease(mut self, lease: std::time::Duration) -> Self {
        self.config.partition_lease = lease;
        self
    }

    /// The most waiting deliveries the inbox keeps in memory (default
    /// 4096); beyond, it keeps only their ids and reads each one from the
    /// store when its turn comes.
    pub fn resident_entries(mut self, entries: usize) -> Self {
        self.config.resident_entries = entries;
        self
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |name, value: &str, reason: &str| ConfigError::Invalid {
            name,
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        if self.webhooks.is_empty() {
            return Err(ConfigError::Missing {
                name: "webhook",
                hint: "add one with Server::builder().webhook(path, client_token, agent)",
            });
        }
        let mut paths = HashSet::new();
        for spec in &self.webhooks {
            check_path("webhook path", &spec.path)?;
            if !paths.insert(spec.path.as_str()) {
                return Err(invalid(
                    "webhook path",
                    &spec.path,
                    "two webhooks use this path",
                ));
            }
            if spec.token.is_empty() {
                return Err(invalid(
                    "client token",
                    &spec.path,
                    "the webhook on this path has an empty client token",
                ));
            }
            if let Target::Partner(agents) = &spec.target
                && agents.is_empty()
            {
                return Err(invalid("partner agents", &spec.path, "no agent registered"));
            }
        }
        if let Some(agent_id) = self.duplicate_agent_ids.first() {
            return Err(invalid(
                "partner agents",
                agent_id,
                "this agent id is registered twice",
            ));
        }
        let durations = [
            (
                "read timeout (RBM_HEADER_TIMEOUT_SECS)",
                self.config.header_timeout,
            ),
            (
                "read timeout (RBM_BODY_TIMEOUT_SECS)",
                self.config.body_timeout,
            ),
            (
                "write timeout (RBM_WRITE_TIMEOUT_SECS)",
                self.config.write_timeout,
            ),
            (
                "dedupe max age (RBM_DEDUPE_TTL_SECS)",
                self.config.dedupe_max_age,
            ),
            ("max age (RBM_MAX_AGE_SECS)", self.config.max_age),
            (
                "handler timeout (RBM_HANDLER_TIMEOUT_SECS)",
                self.config.handler_timeout,
            ),
        ];
        for (name, value) in durations {
            if value.is_zero() {
                return Err(invalid(name, "0", "it must be longer than zero"));
            }
        }
        let positive = [
            ("body limit (RBM_BODY_LIMIT)", self.config.body_limit),
            (
                "max connections (RBM_MAX_CONNECTIONS)",
                self.config.max_connections,
            ),
            (
                "dedupe capacity (RBM_DEDUPE_CAPACITY)",
                self.config.dedupe_capacity,
            ),
            ("workers (RBM_WORKERS)", self.config.workers),
            (
                "max attempts (RBM_MAX_ATTEMPTS)",
                self.config.max_attempts as usize,
            ),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(invalid(name, "0", "it must be positive"));
            }
        }
        self.config.tls.check()
    }

    /// Checks everything, opens the store and assembles the request pipeline.
    /// A Redis store must be opened before (by [`bind`](Self::bind)).
    fn assemble(self) -> Result<(Arc<Pipeline>, ServerConfig), Error> {
        self.check()?;
        let config = self.config;
        let store_config = store_config(&config);
        let store = match self.store {
            Some(store) => store,
            None => match &config.store {
                StoreUrl::Memory => Arc::new(MemoryStore::new(store_config)),
                url => crate::store::open_blocking(url, store_config)
                    .map_err(|source| Error::Store { source })?,
            },
        };
        let replies_to_log = self.sender.is_none();
        let sender = self.sender.unwrap_or_else(|| Arc::new(LogSender));
        let webhooks: Vec<Webhook> = self
            .webhooks
            .into_iter()
            .map(|spec| Webhook::new(spec.path, &spec.token, spec.target))
            .collect();
        let metrics = config.metrics_addr.map(|_| {
            let inbox = (config.delivery == DeliveryMode::Inbox).then(|| Arc::clone(&store));
            let metrics = Arc::new(ServerMetrics::new(
                webhooks.iter().map(Webhook::routes).collect(),
                OutcomeNames {
                    request: Outcome::LABELS,
                    attempt: Verdict::LABELS,
                },
                inbox,
            ));
            if let Some(client) = &self.api_client {
                client.measure_with(metrics.api());
            }
            metrics
        });
        let handling = Arc::new(Handling {
            webhooks: webhooks.into_boxed_slice(),
            sender,
            handler_timeout: config.handler_timeout,
            store: Arc::clone(&store),
            state_expires: config.state_ttl.is_some(),
            metrics,
        });
        let mode = match config.delivery {
            DeliveryMode::Inline => Mode::Inline {
                claims: Claims::new(store),
                sequencer: Arc::new(Sequencer::default()),
            },
            DeliveryMode::Inbox => {
                let limits = InboxLimits {
                    workers: config.workers,
                    max_attempts: config.max_attempts,
                    max_age: config.max_age,
                    backoff: Backoff::default(),
                    resident: config.resident_entries,
                };
                let inbox = Arc::new(Inbox::new(
                    Arc::clone(&store),
                    Arc::clone(&handling),
                    limits,
                ));
                Mode::Inbox { store, inbox }
            }
        };
        let pipeline = Arc::new(Pipeline {
            handling,
            mode,
            body_limit: config.body_limit,
            body_timeout: config.body_timeout,
            replies_to_log,
        });
        Ok((pipeline, config))
    }

    /// Checks the configuration, binds the socket and starts serving in the
    /// background. Fails with a message naming the setting or the address.
    ///
    /// The webhook port answers from the start: `/healthz` says the process
    /// is up, `/readyz` says 503 (and deliveries get 503) until the store is
    /// open and what a previous run left is queued.
    pub async fn bind(self) -> Result<RunningServer, Error> {
        self.check()?;
        // The certificate files are read before anything listens.
        let tls = tls::prepare(&self.config.tls)?;
        let addr = self.config.socket_addr();
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let metrics_listener = match self.config.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| Error::Bind { addr, source })?,
            ),
            None => None,
        };
        let tls = match tls {
            Some(tls) => Some(tls.start(self.config.bind).await?),
            None => None,
        };
        let starting = start(&self.config, listener, tls)?;
        match self.open().await {
            Ok((pipeline, config)) => starting.ready(pipeline, &config, metrics_listener),
            Err(error) => {
                starting.abandon().await;
                Err(error)
            }
        }
    }

    /// Opens the store, assembles the pipeline and queues what a previous
    /// run left, before anything new arrives.
    async fn open(mut self) -> Result<(Arc<Pipeline>, ServerConfig), Error> {
        if self.store.is_none() && matches!(self.config.store, StoreUrl::Redis { .. }) {
            // A shared store is connected to here, asynchronously; a file
            // store is opened by `assemble`, blocking briefly.
            let store = crate::store::open(&self.config.store, store_config(&self.config))
                .await
                .map_err(|source| Error::Store { source })?;
            self.store = Some(store);
        }
        let (pipeline, config) = self.assemble()?;
        pipeline
            .recover()
            .await
            .map_err(|source| Error::Store { source })?;
        if config.store != StoreUrl::Memory {
            pipeline.watch_foreign_entries();
        }
        Ok((pipeline, config))
    }

    /// Checks the configuration and returns the request pipeline without a
    /// socket: requests go in as values (the in-process testing kit uses it).
    /// In inbox mode it must be called inside a tokio runtime: entries a
    /// previous run left in the store are queued in the background.
    pub fn into_handler(self) -> Result<WebhookHandler, Error> {
        let (pipeline, _) = self.assemble()?;
        pipeline.track_attempts();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let recovering = Arc::clone(&pipeline);
            runtime.spawn(async move {
                if let Err(error) = recovering.recover().await {
                    tracing::error!(%error, "the inbox's stored deliveries could not be read");
                }
            });
        }
        Ok(WebhookHandler { pipeline })
    }

    /// Binds and serves until Ctrl-C or SIGTERM, then shuts down gracefully.
    /// Fails if the listening socket fails while serving.
    pub async fn serve(self) -> Result<(), Error> {
        self.bind()
            .await?
            .run_until(listener::shutdown_signal())
            .await
    }
}

/// How the server's store bounds what it keeps, from the server's settings.
/// An inline claim outlives the longest handler by a minute.
fn store_config(config: &ServerConfig) -> StoreConfig {
    StoreConfig::default()
        .with_mark_ttl(config.dedupe_max_age)
        .with_mark_capacity(config.dedupe_capacity)
        .with_state_ttl(config.state_ttl)
        .with_claim_lease(config.handler_timeout + std::time::Duration::from_secs(60))
        .with_partition_lease(config.partition_lease)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{Delivery, HandlerResult};
    use crate::context::Context;

    struct Quiet;

    impl Agent for Quiet {
        async fn handle(&self, _: &Delivery, _: &Context) -> HandlerResult {
            Ok(Vec::new())
        }
    }

    fn refused(builder: ServerBuilder) -> String {
        builder
            .into_handler()
            .expect_err("the configuration must be refused")
            .to_string()
    }

    #[test]
    fn every_inconsistent_configuration_is_refused_with_its_name() {
        assert!(refused(Server::builder()).starts_with("webhook is not set"));
        let two_paths = Server::builder()
            .webhook("/a", "t", Quiet)
            .webhook("/a", "u", Quiet);
        assert!(refused(two_paths).contains("two webhooks use this path"));
        let no_token = Server::builder().webhook("/a", "", Quiet);
        assert!(refused(no_token).contains("empty client token"));
        let relative = Server::builder().webhook("hook", "t", Quiet);
        assert!(refused(relative).contains("must start with '/'"));
        let twice = PartnerAgents::new()
            .agent("a@rbm.goog", Quiet)
            .agent("a@rbm.goog", Quiet);
        let twice = Server::builder().partner_webhook("/p", "t", twice);
        assert!(refused(twice).contains("registered twice"));
        let nobody = Server::builder().partner_webhook("/p", "t", PartnerAgents::new());
        assert!(refused(nobody).contains("no agent registered"));
        let zero = Server::builder()
            .webhook("/", "t", Quiet)
            .read_timeout(Duration::ZERO);
        assert!(refused(zero).contains("RBM_HEADER_TIMEOUT_SECS"));
        let forgetful = Server::builder()
            .webhook("/", "t", Quiet)
            .dedupe_limits(10, Duration::ZERO);
        assert!(refused(forgetful).contains("RBM_DEDUPE_TTL_SECS"));
        let impatient = Server::builder()
            .webhook("/", "t", Quiet)
            .write_timeout(Duration::ZERO);
        assert!(refused(impatient).contains("RBM_WRITE_TIMEOUT_SECS"));
        let no_room = Server::builder().webhook("/", "t", Quiet).body_limit(0);
        assert!(refused(no_room).contains("RBM_BODY_LIMIT"));
    }

    // Shutting a listening socket down makes its accepts fail on Linux only.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_listening_socket_that_fails_ends_serving_with_its_error() {
        let (pipeline, config) = Server::builder()
            .store_url(StoreUrl::Memory)
            .webhook("/", "t", Quiet)
            .assemble()
            .expect("a valid configuration");
        let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        socket.set_nonblocking(true).expect("non-blocking");
        let same_socket = socket.try_clone().expect("a second handle");
        let listener = TcpListener::from_std(socket).expect("a tokio listener");
        let server = start(&config, listener, None)
            .and_then(|starting| starting.ready(pipeline, &config, None))
            .expect("started");
        // On Linux, a listening socket that is shut down fails every accept
        // with EINVAL: it will never accept again.
        socket2::SockRef::from(&same_socket)
            .shutdown(std::net::Shutdown::Both)
            .expect("shutdown");
        let served = tokio::time::timeout(
            Duration::from_secs(10),
            server.run_until(std::future::pending()),
        )
        .await
        .expect("serving ends once the socket fails");
        let error = served.expect_err("a failure");
        assert!(matches!(error, Error::Accept { .. }), "{error}");
        assert!(
            error
                .to_string()
                .starts_with("stopped accepting connections on 127.0.0.1:"),
            "{error}"
        );
    }

    #[test]
    fn a_valid_configuration_is_accepted() {
        let agents = PartnerAgents::new()
            .agent("a@rbm.goog", Quiet)
            .agent("b@rbm.goog", Quiet);
        let builder = Server::builder()
            .store_url(StoreUrl::Memory)
            .webhook("/agent", "t1", Quiet)
            .partner_webhook("/partner", "t2", agents);
        assert!(builder.into_handler().is_ok());
    }
}
