//! Which store to open (`RBM_STORE`) and how it bounds its marks.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{RedisUrl, RedisUrlError};

/// The store's clock: the time now in unix milliseconds. Injected so that
/// tests of pruning by age need not sleep.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// A clock that reads `now`.
    pub fn new(now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The system's wall clock.
    pub fn system() -> Self {
        Self::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| {
                    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
                })
        })
    }

    /// The time now, in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// How a store bounds its duplicate marks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreConfig {
    /// Done marks are kept at least this long (unless over capacity), and
    /// pruned after. Default 7 days: Google redelivers for up to 7 days.
    pub mark_ttl: Duration,
    /// At most this many done marks (deliveries, not keys) are kept; the
    /// oldest go first. Marks of entries waiting or dead are never pruned.
    /// Default 100 000.
    pub mark_capacity: usize,
    /// The time, for done marks' age and failed or retried entries.
    pub clock: Clock,
    /// Conversation state untouched for this long reads as absent (its
    /// type's `Default`) and is pruned. Default: kept until changed.
    pub state_ttl: Option<Duration>,
    /// How long an inline claim (a delivery being handled inside its
    /// request) holds in a store shared by several processes, so that one
    /// that dies mid-delivery does not leave it claimed. Default 5 minutes;
    /// the server sets it to its handler timeout and a margin.
    pub claim_lease: Duration,
    /// How long a process's lease on a partition of a shared inbox lasts
    /// unless renewed (every third of it). Default 10 s.
    pub partition_lease: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            mark_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            mark_capacity: 100_000,
            clock: Clock::system(),
            state_ttl: None,
            claim_lease: Duration::from_secs(300),
            partition_lease: Duration::from_secs(10),
        }
    }
}

impl StoreConfig {
    /// The default config with `mark_ttl` instead.
    pub fn with_mark_ttl(mut self, mark_ttl: Duration) -> Self {
        self.mark_ttl = mark_ttl;
        self
    }

    /// The default config with `mark_capacity` instead.
    pub fn with_mark_capacity(mut self, mark_capacity: usize) -> Self {
        self.mark_capacity = mark_capacity;
        self
    }

    /// The default config with `clock` instead.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The default config with `claim_lease` instead.
    pub fn with_claim_lease(mut self, claim_lease: Duration) -> Self {
        self.claim_lease = claim_lease;
        self
    }

    /// The default config with `partition_lease` instead.
    pub fn with_partition_lease(mut self, partition_lease: Duration) -> Self {
        self.partition_lease = partition_lease;
        self
    }

    /// The default config with `state_ttl` instead.
    pub fn with_state_ttl(mut self, state_ttl: Option<Duration>) -> Self {
        self.state_ttl = state_ttl;
        self
    }

    /// The oldest `updated_at_ms` of a state still alive at `now_ms`.
    pub(crate) fn state_cutoff_ms(&self, now_ms: i64) -> i64 {
        self.state_ttl.map_or(i64::MIN, |ttl| {
            now_ms.saturating_sub(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
        })
    }

    /// `mark_ttl` in milliseconds, saturated.
    pub(crate) fn mark_ttl_ms(&self) -> i64 {
        i64::try_from(self.mark_ttl.as_millis()).unwrap_or(i64::MAX)
    }
}

/// Where the store lives: the value of `RBM_STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite://PATH`: one SQLite file; a relative path is relative to the
    /// working directory, and the file's directory is created.
    Sqlite(PathBuf),
    /// `memory`: in this process only, lost on exit.
    Memory,
    /// `redis://…` or `rediss://…`: one Redis shared by every replica,
    /// keys under `prefix` (`RBM_REDIS_PREFIX`, default `rbm`).
    Redis {
        /// The server (its password masked when shown).
        url: RedisUrl,
        /// What every key begins with, so that agents can share a Redis.
        prefix: String,
    },
}

impl StoreUrl {
    /// The default store, `sqlite://rbm-data/rbm.sqlite3`.
    pub const DEFAULT: &'static str = "sqlite://rbm-data/rbm.sqlite3";

    /// The default prefix of a Redis store's keys.
    pub const DEFAULT_REDIS_PREFIX: &'static str = "rbm";

    /// A Redis store: its keys under `prefix` instead of the default.
    /// Other stores are returned as they are.
    pub fn with_redis_prefix(self, prefix: impl Into<String>) -> Self {
        match self {
            Self::Redis { url, .. } => Self::Redis {
                url,
                prefix: prefix.into(),
            },
            other => other,
        }
    }
}

impl Default for StoreUrl {
    fn default() -> Self {
        Self::Sqlite(PathBuf::from("rbm-data/rbm.sqlite3"))
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Memory => f.write_str("memory"),
            Self::Redis { url, .. } => fmt::Display::fmt(url, f),
        }
    }
}

/// Why a store URL cannot be used. Each message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreUrlError {
    /// The URL is empty.
    #[error("no store given: use sqlite://PATH, redis://HOST:PORT or memory")]
    Empty,
    /// `sqlite://` without a path.
    #[error("sqlite:// needs a file path, e.g. {}", StoreUrl::DEFAULT)]
    MissingPath,
    /// A Redis URL that is not one.
    #[error(transparent)]
    Redis(#[from] RedisUrlError),
    /// Some other scheme or word.
    #[error("unknown store {0:?}: use sqlite://PATH, redis://HOST:PORT or memory")]
    Unknown(String),
}

impl FromStr for StoreUrl {
    type Err = StoreUrlError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        if value.is_empty() {
            return Err(StoreUrlError::Empty);
        }
        if value == "memory" {
            return Ok(Self::Memory);
        }
        if let Some(path) = value.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreUrlError::MissingPath);
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if value.starts_with("redis://") || value.starts_with("rediss://") {
            return Ok(Self::Redis {
                url: RedisUrl::parse(value)?,
                prefix: Self::DEFAULT_REDIS_PREFIX.to_owned(),
            });
        }
        // Only the scheme is echoed: the rest may hold credentials.
        let shown = value.split_once("://").map_or(value, |(scheme, _)| scheme);
        Err(StoreUrlError::Unknown(shown.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_store_urls() {
        assert_eq!("memory".parse(), Ok(StoreUrl::Memory));
        assert_eq!(
            "sqlite://data/x.db".parse(),
            Ok(StoreUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            "sqlite:///var/lib/rbm.db".parse(),
            Ok(StoreUrl::Sqlite(PathBuf::from("/var/lib/rbm.db")))
        );
        assert_eq!(
            StoreUrl::DEFAULT.parse::<StoreUrl>(),
            Ok(StoreUrl::default())
        );
        assert_eq!(StoreUrl::default().to_string(), StoreUrl::DEFAULT);
        let redis: StoreUrl = "redis://:pw@127.0.0.1:6379/1".parse().expect("redis");
        assert_eq!(redis.to_string(), "redis://:***@127.0.0.1:6379/1");
        let StoreUrl::Redis { prefix, .. } = redis.clone().with_redis_prefix("shop") else {
            panic!("a Redis store: {redis}")
        };
        assert_eq!(prefix, "shop");
        assert!(matches!(redis, StoreUrl::Redis { prefix, .. } if prefix == "rbm"));
    }

    #[test]
    fn refuses_what_it_cannot_open() {
        assert_eq!("".parse::<StoreUrl>(), Err(StoreUrlError::Empty));
        assert_eq!(
            "sqlite://".parse::<StoreUrl>(),
            Err(StoreUrlError::MissingPath)
        );
        assert!(matches!(
            "redis://".parse::<StoreUrl>(),
            Err(StoreUrlError::Redis(RedisUrlError::NoHost))
        ));
        let other = "postgres://user:secret@host/db".parse::<StoreUrl>();
        assert_eq!(other, Err(StoreUrlError::Unknown("postgres".into())));
        assert!(!other.expect_err("postgres").to_string().contains("secret"));
    }

    #[test]
    fn the_default_keeps_marks_a_week() {
        let config = StoreConfig::default();
        assert_eq!(config.mark_ttl, Duration::from_secs(604_800));
        assert_eq!(config.mark_capacity, 100_000);
        assert!(config.clock.now_ms() > 1_600_000_000_000);
    }
}
