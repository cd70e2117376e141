//! The metadata server of Google Cloud (Compute Engine, GKE, Cloud Run,
//! App Engine): it hands out access tokens of the service account the
//! workload runs as, with no key file at all.

use url::Url;

/// The environment variable naming the metadata server (`host[:port]`),
/// as Google's own client libraries read it. Setting it also tells rbm it
/// runs on Google Cloud.
pub const ENV_METADATA_HOST: &str = "GCE_METADATA_HOST";
/// The metadata server's address on every Google Cloud runtime (an IP
/// rather than `metadata.google.internal`: no DNS lookup to fail or wait for).
pub const DEFAULT_METADATA_HOST: &str = "169.254.169.254";
/// The path of the default service account's access tokens.
pub(crate) const METADATA_TOKEN_PATH: &str =
    "/computeMetadata/v1/instance/service-accounts/default/token";

/// The metadata server to ask for the default service account's tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataServer {
    host: String,
}

/// A metadata host that is not `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a metadata server host[:port]: {0}")]
pub struct MetadataHostError(String);

impl Default for MetadataServer {
    fn default() -> Self {
        Self {
            host: DEFAULT_METADATA_HOST.to_owned(),
        }
    }
}

impl MetadataServer {
    /// The metadata server at `host` (`host` or `host:port`, no scheme or path),
    /// e.g. `127.0.0.1:8089` for a local fake.
    pub fn at(host: &str) -> Result<Self, MetadataHostError> {
        let host = host.trim();
        let bad = |why: &str| MetadataHostError(why.to_owned());
        if host.is_empty() {
            return Err(bad("it is empty"));
        }
        if host.contains(['/', '@', '?', '#']) || host.contains("://") {
            return Err(bad("give host[:port] only, without a scheme, path or user"));
        }
        let url = Url::parse(&format!("http://{host}/")).map_err(|e| bad(&e.to_string()))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        Ok(Self {
            host: host.to_owned(),
        })
    }

    /// The host (and port) asked.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The URL of an access token for `scope`.
    pub(crate) fn token_url(&self, scope: &str) -> String {
        // `at` checked that `host` is a bare authority, so this is a URL.
        let mut url = format!("http://{}{METADATA_TOKEN_PATH}?scopes=", self.host);
        url.extend(url::form_urlencoded::byte_serialize(scope.as_bytes()));
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_with_and_without_ports_are_taken() {
        for host in [
            "169.254.169.254",
            "metadata.google.internal",
            "127.0.0.1:8089",
            "[::1]:80",
        ] {
            assert_eq!(MetadataServer::at(host).expect(host).host(), host);
        }
        assert_eq!(MetadataServer::default().host(), DEFAULT_METADATA_HOST);
    }

    #[test]
    fn urls_and_junk_are_refused() {
        for host in [
            "",
            " ",
            "http://169.254.169.254",
            "169.254.169.254/computeMetadata",
            "user@host",
            "host:port",
            "ho st",
        ] {
            assert!(MetadataServer::at(host).is_err(), "{host:?}");
        }
    }

    #[test]
    fn the_token_url_asks_for_the_scope() {
        let server = MetadataServer::at("127.0.0.1:9").expect("valid");
        assert_eq!(
            server.token_url("https://www.googleapis.com/auth/rcsbusinessmessaging"),
            "http://127.0.0.1:9/computeMetadata/v1/instance/service-accounts/default/token\
             ?scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Frcsbusinessmessaging"
        );
    }
}
