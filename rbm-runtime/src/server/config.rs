//! Server settings, from the environment or from code, checked before binding.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use super::health::Probe;
use super::tls::TlsSettings;
use crate::error::ConfigError;
use crate::store::StoreUrl;

/// When Google gets its `200` (`RBM_DELIVERY`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryMode {
    /// Acknowledged once stored durably in the inbox, then handled by the
    /// inbox workers, per user in order (`inbox`, the default).
    #[default]
    Inbox,
    /// Handled inside the request and acknowledged once handled (`inline`:
    /// for hosts without a disk; Google waits for the handler).
    Inline,
}

impl DeliveryMode {
    /// The mode `RBM_DELIVERY` names (no `FromStr`: it would show in the
    /// compiler's list of parsable types under a user's parameter error).
    fn named(value: &str) -> Option<Self> {
        match value {
            "inbox" => Some(Self::Inbox),
            "inline" => Some(Self::Inline),
            _ => None,
        }
    }
}

/// How the server listens and what it accepts. Every field has a default;
/// [`ServerConfig::from_env`] reads the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Address to listen on (`BIND`, default `0.0.0.0`).
    pub bind: IpAddr,
    /// Port to listen on (`PORT`, default 8080; 0 picks a free port).
    pub port: u16,
    /// Largest request body accepted, in bytes (`RBM_BODY_LIMIT`, default 1 MiB).
    pub body_limit: usize,
    /// Time a client has to send a request's headers, counted from when the
    /// connection is ready for that request: so also the longest a keep-alive
    /// connection stays idle (`RBM_HEADER_TIMEOUT_SECS`, default 10 s).
    pub header_timeout: Duration,
    /// Time a client has to send its request body (`RBM_BODY_TIMEOUT_SECS`, default 10 s).
    pub body_timeout: Duration,
    /// Longest a response may wait for the client to take it: a connection
    /// whose writes make no progress for this long is closed, so a client
    /// that never reads cannot keep its slot (`RBM_WRITE_TIMEOUT_SECS`, default 10 s).
    pub write_timeout: Duration,
    /// Most connections open at once (`RBM_MAX_CONNECTIONS`, default 10 000).
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight (default 30 s).
    pub shutdown_grace: Duration,
    /// Most handled deliveries whose duplicates are recognised
    /// (`RBM_DEDUPE_CAPACITY`, default 100 000).
    pub dedupe_capacity: usize,
    /// How long a handled delivery's duplicates are recognised
    /// (`RBM_DEDUPE_TTL_SECS`, default 7 days: Google redelivers for up to 7 days).
    pub dedupe_max_age: Duration,
    /// When deliveries are acknowledged (`RBM_DELIVERY`, default `inbox`).
    pub delivery: DeliveryMode,
    /// Where the inbox, duplicate marks and dead letters are kept
    /// (`RBM_STORE`: `sqlite://PATH`, `redis://[user:password@]host:port[/db]`
    /// with its keys under `RBM_REDIS_PREFIX` (default `rbm`), or `memory`;
    /// default `sqlite://rbm-data/rbm.sqlite3`).
    pub store: StoreUrl,
    /// Stored deliveries handled at once, over all users (`RBM_WORKERS`, default 64).
    pub workers: usize,
    /// Attempts at a stored delivery before it becomes a dead letter
    /// (`RBM_MAX_ATTEMPTS`, default 12).
    pub max_attempts: u32,
    /// Age after which a failing stored delivery becomes a dead letter
    /// (`RBM_MAX_AGE_SECS`, default 24 h).
    pub max_age: Duration,
    /// Longest a handler may take, its replies included; past it the attempt
    /// fails and is retried (`RBM_HANDLER_TIMEOUT_SECS`, default 30 s).
    pub handler_timeout: Duration,
    /// Conversation state untouched for this long reads as its type's
    /// `Default` again (`RBM_STATE_TTL_SECS`, default: kept until changed).
    pub state_ttl: Option<Duration>,
    /// With a store shared by several replicas: how long a replica's lease
    /// on a partition of the inbox lasts unless renewed, so how soon the
    /// users of a replica that died are taken over (`RBM_REDIS_LEASE_SECS`,
    /// default 10 s; renewed every third of it).
    pub partition_lease: Duration,
    /// Most waiting deliveries the inbox keeps in memory (default 4096);
    /// beyond, it keeps only their ids and reads each from the store when
    /// its turn comes, so that a long backlog costs disk, not memory.
    pub resident_entries: usize,
    /// Where Prometheus metrics are served (`GET /metrics`), on a listener
    /// of their own so that nothing internal shows on the webhook's port
    /// (`RBM_METRICS_ADDR`, e.g. `127.0.0.1:9464`; default: no metrics).
    pub metrics_addr: Option<SocketAddr>,
    /// Whether the webhook port speaks HTTPS, with a certificate from files
    /// (`RBM_TLS_CERT` + `RBM_TLS_KEY`) or from ACME (`RBM_TLS_DOMAINS`
    /// with `RBM_ACME_*`); default plain HTTP, for a server behind a load
    /// balancer or proxy that terminates TLS.
    pub tls: TlsSettings,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 8080,
            body_limit: 1024 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(30),
            dedupe_capacity: 100_000,
            dedupe_max_age: Duration::from_secs(7 * 24 * 3600),
            delivery: DeliveryMode::Inbox,
            store: StoreUrl::default(),
            workers: 64,
            max_attempts: 12,
            max_age: Duration::from_secs(24 * 3600),
            handler_timeout: Duration::from_secs(30),
            state_ttl: None,
            partition_lease: Duration::from_secs(10),
            resident_entries: 4096,
            metrics_addr: None,
            tls: TlsSettings::Off,
        }
    }
}

/// The settings of the single webhook that [`crate::serve_from_env`] hosts.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvWebhook {
    /// `RBM_WEBHOOK_PATH` (default `/`).
    pub path: String,
    /// `RBM_CLIENT_TOKEN` (required).
    pub client_token: String,
}

impl std::fmt::Debug for EnvWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvWebhook")
            .field("path", &self.path)
            .field("client_token", &"<redacted>")
            .finish()
    }
}

impl ServerConfig {
    /// The address to bind.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.port)
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let mut config = Self {
            bind: parse(
                &lookup,
                "BIND",
                defaults.bind,
                "an IP address such as 0.0.0.0",
            )?,
            port: parse(&lookup, "PORT", defaults.port, "a port number 0-65535")?,
            body_limit: positive(&lookup, "RBM_BODY_LIMIT", defaults.body_limit)?,
            header_timeout: Duration::from_secs(positive(
                &lookup,
                "RBM_HEADER_TIMEOUT_SECS",
                defaults.header_timeout.as_secs(),
            )?),
            body_timeout: Duration::from_secs(positive(
                &lookup,
                "RBM_BODY_TIMEOUT_SECS",
                defaults.body_timeout.as_secs(),
            )?),
            write_timeout: Duration::from_secs(positive(
                &lookup,
                "RBM_WRITE_TIMEOUT_SECS",
                defaults.write_timeout.as_secs(),
            )?),
            max_connections: positive(&lookup, "RBM_MAX_CONNECTIONS", defaults.max_connections)?,
            dedupe_capacity: positive(&lookup, "RBM_DEDUPE_CAPACITY", defaults.dedupe_capacity)?,
            dedupe_max_age: Duration::from_secs(positive(
                &lookup,
                "RBM_DEDUPE_TTL_SECS",
                defaults.dedupe_max_age.as_secs(),
            )?),
            delivery: match lookup("RBM_DELIVERY") {
                None => defaults.delivery,
                Some(raw) => DeliveryMode::named(raw.trim()).ok_or(ConfigError::Invalid {
                    name: "RBM_DELIVERY",
                    value: raw,
                    reason: "expected inbox or inline".to_owned(),
                })?,
            },
            store: match lookup("RBM_STORE") {
                None => defaults.store.clone(),
                Some(raw) => raw
                    .trim()
                    .parse()
                    .map_err(|error: crate::store::StoreUrlError| ConfigError::Invalid {
                        name: "RBM_STORE",
                        value: without_credentials(&raw),
                        reason: error.to_string(),
                    })
                    .and_then(|store: StoreUrl| redis_prefix(&lookup, store))?,
            },
            workers: positive(&lookup, "RBM_WORKERS", defaults.workers)?,
            max_attempts: positive(&lookup, "RBM_MAX_ATTEMPTS", defaults.max_attempts)?,
            max_age: Duration::from_secs(positive(
                &lookup,
                "RBM_MAX_AGE_SECS",
                defaults.max_age.as_secs(),
            )?),
            handler_timeout: Duration::from_secs(positive(
                &lookup,
                "RBM_HANDLER_TIMEOUT_SECS",
                defaults.handler_timeout.as_secs(),
            )?),
            state_ttl: match lookup("RBM_STATE_TTL_SECS") {
                None => defaults.state_ttl,
                Some(_) => Some(Duration::from_secs(positive(
                    &lookup,
                    "RBM_STATE_TTL_SECS",
                    1,
                )?)),
            },
            partition_lease: Duration::from_secs(positive(
                &lookup,
                "RBM_REDIS_LEASE_SECS",
                defaults.partition_lease.as_secs(),
            )?),
            metrics_addr: match lookup("RBM_METRICS_ADDR") {
                None => defaults.metrics_addr,
                Some(_) => Some(parse(
                    &lookup,
                    "RBM_METRICS_ADDR",
                    defaults.socket_addr(),
                    "an address and port such as 127.0.0.1:9464",
                )?),
            },
            ..defaults
        };
        config.tls = TlsSettings::from_lookup(&lookup, &config.store)?;
        Ok(config)
    }
}

impl EnvWebhook {
    /// Reads `RBM_CLIENT_TOKEN` and `RBM_WEBHOOK_PATH` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the webhook's settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let client_token =
            lookup("RBM_CLIENT_TOKEN")
                .filter(|t| !t.is_empty())
                .ok_or(ConfigError::Missing {
                    name: "RBM_CLIENT_TOKEN",
                    hint: "set it to the webhook's client token from the RBM console",
                })?;
        let path = lookup("RBM_WEBHOOK_PATH").unwrap_or_else(|| "/".to_owned());
        check_path("RBM_WEBHOOK_PATH", &path)?;
        Ok(Self { path, client_token })
    }
}

/// A webhook path must be absolute and plain (no query or fragment).
/// `value` with the user and password of a URL masked: a store URL may
/// carry a password, and the message of a bad one is logged.
fn without_credentials(value: &str) -> String {
    match value.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => value.to_owned(),
        },
        None => value.to_owned(),
    }
}

/// A Redis store's keys under `RBM_REDIS_PREFIX`, when set: letters,
/// digits and `-_.:`, which cannot be mistaken for the keys under it.
fn redis_prefix(
    lookup: &impl Fn(&str) -> Option<String>,
    store: StoreUrl,
) -> Result<StoreUrl, ConfigError> {
    let Some(raw) = lookup("RBM_REDIS_PREFIX") else {
        return Ok(store);
    };
    let prefix = raw.trim();
    let fine = |c: char| c.is_ascii_alphanumeric() || "-_.:".contains(c);
    if prefix.is_empty() || prefix.len() > 64 || !prefix.chars().all(fine) {
        return Err(ConfigError::Invalid {
            name: "RBM_REDIS_PREFIX",
            value: raw.chars().take(80).collect(),
            reason: "expected 1 to 64 letters, digits, -, _, . or :".to_owned(),
        });
    }
    Ok(store.with_redis_prefix(prefix))
}

pub(crate) fn check_path(name: &'static str, path: &str) -> Result<(), ConfigError> {
    let reason = if !path.starts_with('/') {
        "it must start with '/'"
    } else if path.contains(['?', '#', ' ']) {
        "it must be a plain path without '?', '#' or spaces"
    } else if Probe::of(path).is_some() {
        "the health checks answer on /healthz and /readyz; pick another path"
    } else {
        return Ok(());
    };
    Err(ConfigError::Invalid {
        name,
        value: path.to_owned(),
        reason: reason.to_owned(),
    })
}

fn parse<T: FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    expected: &str,
) -> Result<T, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|_| ConfigError::Invalid {
            name,
            value: raw,
            reason: format!("expected {expected}"),
        }),
    }
}

fn positive<T: FromStr + PartialOrd + Default>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    let value = parse(lookup, name, default, "a positive whole number")?;
    if value <= T::default() {
        return Err(ConfigError::Invalid {
            name,
            value: lookup(name).unwrap_or_default(),
            reason: "expected a positive whole number".to_owned(),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(ServerConfig, EnvWebhook), ConfigError> {
        Ok((
            ServerConfig::from_lookup(&lookup)?,
            EnvWebhook::from_lookup(&lookup)?,
        ))
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_need_only_the_client_token() {
        let (config, webhook) = both(env(&[("RBM_CLIENT_TOKEN", "t")])).expect("valid config");
        assert_eq!(config, ServerConfig::default());
        assert_eq!(webhook.path, "/");
        assert_eq!(webhook.client_token, "t");
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "RBM_CLIENT_TOKEN"),
            (&[("RBM_CLIENT_TOKEN", "")], "RBM_CLIENT_TOKEN"),
            (&[("RBM_CLIENT_TOKEN", "t"), ("PORT", "http")], "PORT"),
            (&[("RBM_CLIENT_TOKEN", "t"), ("PORT", "70000")], "PORT"),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("BIND", "localhost:1")],
                "BIND",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_WEBHOOK_PATH", "hook")],
                "RBM_WEBHOOK_PATH",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_BODY_LIMIT", "0")],
                "RBM_BODY_LIMIT",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_DEDUPE_CAPACITY", "-1")],
                "RBM_DEDUPE_CAPACITY",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_WRITE_TIMEOUT_SECS", "0")],
                "RBM_WRITE_TIMEOUT_SECS",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_DELIVERY", "later")],
                "RBM_DELIVERY",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_STORE", "postgres://x")],
                "RBM_STORE",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_WORKERS", "0")],
                "RBM_WORKERS",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_MAX_ATTEMPTS", "x")],
                "RBM_MAX_ATTEMPTS",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_MAX_AGE_SECS", "0")],
                "RBM_MAX_AGE_SECS",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_HANDLER_TIMEOUT_SECS", "0")],
                "RBM_HANDLER_TIMEOUT_SECS",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_METRICS_ADDR", "9464")],
                "RBM_METRICS_ADDR",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_WEBHOOK_PATH", "/healthz")],
                "RBM_WEBHOOK_PATH",
            ),
            (
                &[("RBM_CLIENT_TOKEN", "t"), ("RBM_WEBHOOK_PATH", "/readyz")],
                "RBM_WEBHOOK_PATH",
            ),
        ];
        for (pairs, name) in cases {
            let error = both(env(pairs)).expect_err(name);
            assert!(error.to_string().starts_with(name), "{error}");
        }
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_given() {
        let (config, _) = both(env(&[("RBM_CLIENT_TOKEN", "t")])).expect("valid");
        assert_eq!(config.metrics_addr, None);
        let on = env(&[
            ("RBM_CLIENT_TOKEN", "t"),
            ("RBM_METRICS_ADDR", " 127.0.0.1:9464 "),
        ]);
        let (config, _) = both(on).expect("valid");
        assert_eq!(config.metrics_addr, Some(([127, 0, 0, 1], 9464).into()));
    }

    #[test]
    fn the_token_never_appears_in_debug_output() {
        let (_, webhook) = both(env(&[("RBM_CLIENT_TOKEN", "s3cret")])).expect("valid");
        assert!(!format!("{webhook:?}").contains("s3cret"));
    }
}
