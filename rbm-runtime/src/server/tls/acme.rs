//! Certificates from an ACME server (`RBM_TLS_DOMAINS`): rustls-acme
//! obtains, caches and renews them; here it is configured, driven and
//! logged, and its HTTP-01 challenges are answered when asked for.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_acme::caches::DirCache;
use rustls_acme::{AcmeConfig, AcmeState, EventOk, ResolvesServerCertAcme, UseChallenge};
use rustls_platform_verifier::BuilderVerifierExt as _;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::AcmeSettings;
use crate::error::{ConfigError, Error};

/// rustls-acme's state with its file cache.
type State = AcmeState<std::io::Error, std::io::Error>;

/// The ACME client, configured and checked, not started.
pub(super) struct Acme {
    settings: AcmeSettings,
    state: State,
}

impl Acme {
    /// Checks the settings that need the file system (the CA file, the
    /// cache directory) and configures the client.
    pub(super) fn prepare(
        settings: &AcmeSettings,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Self, ConfigError> {
        let client = client_config(settings.ca.as_deref(), provider)?;
        prepare_cache(&settings.cache)?;
        let challenge = match settings.http_port {
            Some(_) => UseChallenge::Http01,
            None => UseChallenge::TlsAlpn01,
        };
        let state = AcmeConfig::new_with_client_config(&settings.domains, Arc::new(client))
            .directory(&settings.directory)
            .contact(settings.email.iter().map(|email| format!("mailto:{email}")))
            .cache(DirCache::new(settings.cache.clone()))
            .challenge_type(challenge)
            .state();
        Ok(Self {
            settings: settings.clone(),
            state,
        })
    }

    /// Where handshakes get their certificate.
    pub(super) fn resolver(&self) -> Arc<ResolvesServerCertAcme> {
        self.state.resolver()
    }

    /// The TLS configuration of TLS-ALPN-01 validation handshakes, unless
    /// the challenge is HTTP-01.
    pub(super) fn challenge_config(
        &self,
        provider: &Arc<CryptoProvider>,
    ) -> Option<Arc<rustls::ServerConfig>> {
        match self.settings.http_port {
            Some(_) => None,
            None => Some(
                self.state
                    .challenge_rustls_config_with_provider(Arc::clone(provider)),
            ),
        }
    }

    /// Binds the HTTP-01 port (if any), then obtains, and keeps renewing,
    /// the certificate in the background. The tasks stop when dropped.
    pub(super) async fn start(
        self,
        bind: IpAddr,
    ) -> Result<Vec<tokio::task::JoinHandle<()>>, Error> {
        let mut tasks = Vec::new();
        if let Some(port) = self.settings.http_port {
            let addr = SocketAddr::new(bind, port);
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| Error::Bind { addr, source })?;
            tasks.push(tokio::spawn(answer_http01(listener, self.state.resolver())));
        }
        tasks.push(tokio::spawn(drive(self.state, self.settings.domains)));
        Ok(tasks)
    }
}

/// The TLS client configuration for the ACME server: the roots of
/// `RBM_ACME_CA`, or the system's.
fn client_config(
    ca: Option<&Path>,
    provider: &Arc<CryptoProvider>,
) -> Result<rustls::ClientConfig, ConfigError> {
    let invalid = |value: String, reason: String| ConfigError::Invalid {
        name: "RBM_ACME_CA",
        value,
        reason,
    };
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| invalid(String::new(), error.to_string()))?;
    let Some(path) = ca else {
        return builder
            .with_platform_verifier()
            .map(|builder| builder.with_no_client_auth())
            .map_err(|error| {
                invalid(
                    String::new(),
                    format!("the system's trust store cannot be used ({error}): name the roots in a PEM file"),
                )
            });
    };
    let shown = path.display().to_string();
    let pem = std::fs::read(path)
        .map_err(|error| invalid(shown.clone(), format!("cannot read it: {error}")))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|error| {
            invalid(
                shown.clone(),
                format!("not a PEM certificate file: {error}"),
            )
        })?;
        roots.add(cert).map_err(|error| {
            invalid(
                shown.clone(),
                format!("a certificate cannot be a root: {error}"),
            )
        })?;
    }
    if roots.is_empty() {
        return Err(invalid(
            shown,
            "no certificate in it (expected PEM blocks BEGIN CERTIFICATE)".to_owned(),
        ));
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// Creates the cache directory, readable by this user only (it holds the
/// account key and the certificates' keys), and checks it can be written.
fn prepare_cache(dir: &Path) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        name: "RBM_ACME_CACHE",
        value: dir.display().to_string(),
        reason,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|error| invalid(format!("cannot create the directory: {error}")))?;
    let probe = dir.join(".rbm-write-check");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|error| invalid(format!("cannot write in it: {error}")))
}

/// Polls rustls-acme, which loads the cache, orders a certificate when
/// there is none, renews it once two thirds of its life has passed, and
/// after a failure waits 1 s, 2 s, 4 s, … (up to about 18 hours) before
/// trying again; says what happens.
async fn drive(mut state: State, domains: Vec<String>) {
    let domains = domains.join(",");
    let started = Instant::now();
    while let Some(event) = state.next().await {
        match event {
            Ok(EventOk::DeployedCachedCert) => {
                tracing::info!(%domains, "serving the cached certificate (RBM_ACME_CACHE)");
            }
            Ok(EventOk::DeployedNewCert) => tracing::info!(
                %domains,
                after_ms = started.elapsed().as_millis(),
                "obtained a new certificate from the ACME server; renewed after two thirds of its life"
            ),
            Ok(EventOk::CertCacheStore) => tracing::debug!("certificate stored in RBM_ACME_CACHE"),
            Ok(EventOk::AccountCacheStore) => {
                tracing::debug!("ACME account key stored in RBM_ACME_CACHE");
            }
            Err(error) => tracing::warn!(
                %domains,
                %error,
                "ACME: no certificate this time; trying again after a growing pause"
            ),
        }
    }
}

/// The most HTTP-01 connections open at once: the port is public, and
/// only the ACME server's few validation requests need it.
const HTTP01_CONNECTIONS: usize = 64;

/// Answers `GET /.well-known/acme-challenge/TOKEN` on the HTTP-01 port
/// (404 for anything else), one request per connection.
async fn answer_http01(listener: TcpListener, resolver: Arc<ResolvesServerCertAcme>) {
    let permits = Arc::new(Semaphore::new(HTTP01_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::debug!(%error, "HTTP-01 accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let resolver = Arc::clone(&resolver);
        let service = hyper::service::service_fn(move |request| {
            std::future::ready(Ok::<_, std::convert::Infallible>(http01_answer(
                &resolver, &request,
            )))
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .keep_alive(false);
        let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(30), connection).await;
            drop(permit);
        });
    }
}

const CHALLENGE_PREFIX: &str = "/.well-known/acme-challenge/";

fn http01_answer<B>(
    resolver: &ResolvesServerCertAcme,
    request: &hyper::Request<B>,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let answer = request
        .uri()
        .path()
        .strip_prefix(CHALLENGE_PREFIX)
        .filter(|_| request.method() == hyper::Method::GET)
        .and_then(|token| resolver.get_http_01_key_auth(token));
    let (status, body) = match answer {
        Some(key_authorization) => (hyper::StatusCode::OK, key_authorization),
        None => (hyper::StatusCode::NOT_FOUND, String::new()),
    };
    let mut response = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
    *response.status_mut() = status;
    response
}
