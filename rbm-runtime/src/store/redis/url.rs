//! `RBM_STORE=redis://…`: a Redis URL, whose password never shows.

use std::fmt;

/// A Redis URL: `redis://[user:password@]host[:port][/db]`, or `rediss://`
/// for TLS. Shown (`Display`, `Debug`) with its password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(url::Url);

/// Why a Redis URL cannot be used. Each message is one line, and none
/// repeats the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedisUrlError {
    /// Not a URL at all.
    #[error("{0} is not a URL: use redis://[user:password@]host:port[/db]")]
    NotAUrl(String),
    /// No host.
    #[error("a Redis URL needs a host: redis://host:port")]
    NoHost,
    /// A database number that is not one.
    #[error("the Redis database must be a number (redis://host:port/0), not {0:?}")]
    Database(String),
}

impl RedisUrl {
    /// Parses `value`, which starts with `redis://` or `rediss://`.
    pub fn parse(value: &str) -> Result<Self, RedisUrlError> {
        let url =
            url::Url::parse(value).map_err(|error| RedisUrlError::NotAUrl(error.to_string()))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(RedisUrlError::NoHost);
        }
        let database = url.path().trim_start_matches('/');
        if !database.is_empty() && database.parse::<u16>().is_err() {
            return Err(RedisUrlError::Database(database.chars().take(20).collect()));
        }
        Ok(Self(url))
    }

    /// The URL as given, password included: for the client only.
    pub(crate) fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether it asks for TLS (`rediss://`).
    pub fn is_tls(&self) -> bool {
        self.0.scheme() == "rediss"
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // Cannot fail: the URL has a host, so it can have a password.
            let _ = shown.set_password(Some("***"));
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let url = RedisUrl::parse("redis://app:s3cret@cache.internal:6380/2").expect("valid");
        assert_eq!(url.to_string(), "redis://app:***@cache.internal:6380/2");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.as_str().contains("s3cret"));
        assert!(!url.is_tls());
        assert!(RedisUrl::parse("rediss://h:6379").expect("tls").is_tls());
        assert_eq!(
            RedisUrl::parse("redis://127.0.0.1:6379")
                .expect("plain")
                .to_string(),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn refuses_what_is_no_redis_address() {
        assert_eq!(RedisUrl::parse("redis://"), Err(RedisUrlError::NoHost));
        assert!(matches!(
            RedisUrl::parse("redis://h:6379/cache"),
            Err(RedisUrlError::Database(_))
        ));
        let error = RedisUrl::parse("redis://u:pw@h:notaport").expect_err("bad port");
        assert!(!error.to_string().contains("pw"), "{error}");
    }
}
