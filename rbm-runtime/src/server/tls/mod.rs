//! HTTPS on the webhook port with rustls: a certificate from files
//! (reloaded when they change) or from ACME; plain HTTP when neither is set.

mod acme;
mod certificate;
mod files;
mod settings;

pub use settings::{AcmeSettings, CertFiles, TlsSettings};

use std::net::IpAddr;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::{ConfigError, Error};

/// The one crypto provider of the workspace (reqwest, redis and the
/// testing kit use ring too); also installed as the process default, so
/// that no dependency that asks for the default panics for want of one.
fn provider() -> Arc<CryptoProvider> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Err: one is installed already (by the application, or earlier here).
    let _ = CryptoProvider::install_default(rustls::crypto::ring::default_provider());
    provider
}

/// TLS checked and configured, before the server listens.
pub(crate) struct Prepared {
    acceptor: Arc<Acceptor>,
    background: Background,
    announcement: Announcement,
}

/// What keeps the certificate current.
enum Background {
    Files(CertFiles, files::Contents, Arc<files::ReloadingCert>),
    Acme(Box<acme::Acme>),
}

/// Checks the settings (reading the certificate files or the ACME CA and
/// cache) and configures TLS; `None` for plain HTTP.
pub(crate) fn prepare(settings: &TlsSettings) -> Result<Option<Prepared>, ConfigError> {
    settings.check()?;
    let provider = provider();
    let server_config = |resolver: Arc<dyn rustls::server::ResolvesServerCert>| {
        rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map(|builder| Arc::new(builder.with_no_client_auth().with_cert_resolver(resolver)))
            .map_err(|error| ConfigError::Invalid {
                name: "RBM_TLS_CERT",
                value: String::new(),
                reason: error.to_string(),
            })
    };
    // No ALPN protocol is offered: clients then speak HTTP/1.1, the one the
    // listener serves.
    let prepared = match settings {
        TlsSettings::Off => return Ok(None),
        TlsSettings::Files(cert_files) => {
            let loaded = files::load(cert_files, &provider)?;
            let resolver = Arc::new(files::ReloadingCert::new(loaded.key));
            Prepared {
                acceptor: Arc::new(Acceptor {
                    config: server_config(Arc::clone(&resolver) as _)?,
                    challenge: None,
                }),
                background: Background::Files(cert_files.clone(), loaded.contents, resolver),
                announcement: Announcement::Files {
                    names: loaded.validity.names.join(","),
                    not_after: loaded.validity.not_after.to_rfc3339(),
                },
            }
        }
        TlsSettings::Acme(settings) => {
            let acme = acme::Acme::prepare(settings, &provider)?;
            Prepared {
                acceptor: Arc::new(Acceptor {
                    config: server_config(acme.resolver())?,
                    challenge: acme.challenge_config(&provider),
                }),
                background: Background::Acme(Box::new(acme)),
                announcement: Announcement::Acme {
                    domains: settings.domains.join(","),
                    directory: settings.directory.clone(),
                    challenge: match settings.http_port {
                        Some(_) => "HTTP-01 on RBM_ACME_HTTP_PORT",
                        None => "TLS-ALPN-01 on this port",
                    },
                },
            }
        }
    };
    Ok(Some(prepared))
}

impl Prepared {
    /// Starts keeping the certificate current (binding the HTTP-01 port
    /// on `bind` if asked to).
    pub(crate) async fn start(self, bind: IpAddr) -> Result<Tls, Error> {
        let tasks = match self.background {
            Background::Files(files, contents, resolver) => {
                let provider = Arc::clone(self.acceptor.config.crypto_provider());
                vec![tokio::spawn(files::watch(
                    files, contents, resolver, provider,
                ))]
            }
            Background::Acme(acme) => acme.start(bind).await?,
        };
        Ok(Tls {
            acceptor: self.acceptor,
            announcement: self.announcement,
            _tasks: Tasks(tasks),
        })
    }
}

/// TLS running: the handshakes, and what keeps the certificate current
/// (stopped when this is dropped).
pub(crate) struct Tls {
    acceptor: Arc<Acceptor>,
    announcement: Announcement,
    _tasks: Tasks,
}

impl Tls {
    /// Performs the handshakes of the listener's connections.
    pub(crate) fn acceptor(&self) -> Arc<Acceptor> {
        Arc::clone(&self.acceptor)
    }

    /// What the start-up log says about HTTPS.
    pub(crate) fn announcement(&self) -> Announcement {
        self.announcement.clone()
    }
}

struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// How the webhook port is secured, for the start-up log.
#[derive(Debug, Clone)]
pub(crate) enum Announcement {
    Plain,
    Files {
        names: String,
        not_after: String,
    },
    Acme {
        domains: String,
        directory: String,
        challenge: &'static str,
    },
}

impl Announcement {
    /// The one start-up line about HTTPS.
    pub(crate) fn log(&self) {
        match self {
            Self::Plain => tracing::info!(
                "serving plain HTTP: Google calls only https:// webhooks, so put this behind \
                 a load balancer or proxy that terminates TLS, or set RBM_TLS_DOMAINS \
                 (or RBM_TLS_CERT and RBM_TLS_KEY)"
            ),
            Self::Files { names, not_after } => tracing::info!(
                %names,
                %not_after,
                "serving HTTPS with the certificate of RBM_TLS_CERT, read again when the files change"
            ),
            Self::Acme {
                domains,
                directory,
                challenge,
            } => tracing::info!(
                %domains,
                %directory,
                %challenge,
                "serving HTTPS with certificates from ACME (RBM_TLS_DOMAINS), obtained and renewed automatically"
            ),
        }
    }
}

/// The TLS side of the listener's connections.
pub(crate) struct Acceptor {
    config: Arc<rustls::ServerConfig>,
    /// For ACME's TLS-ALPN-01 validation handshakes, when that challenge is used.
    challenge: Option<Arc<rustls::ServerConfig>>,
}

impl Acceptor {
    /// The handshake: a secured stream, or `None` when the connection was
    /// an ACME validation (answered by the handshake itself, then closed).
    pub(crate) async fn accept<IO>(&self, io: IO) -> std::io::Result<Option<TlsStream<IO>>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), io).await?;
        if let Some(challenge) = &self.challenge
            && rustls_acme::is_tls_alpn_challenge(&start.client_hello())
        {
            tracing::debug!("answering an ACME TLS-ALPN-01 validation");
            start.into_stream(Arc::clone(challenge)).await?;
            return Ok(None);
        }
        Ok(Some(start.into_stream(Arc::clone(&self.config)).await?))
    }
}
