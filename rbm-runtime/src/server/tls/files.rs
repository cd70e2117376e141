//! A certificate chain and key from PEM files (`RBM_TLS_CERT`,
//! `RBM_TLS_KEY`), served by a resolver whose certificate is swapped when
//! the files change, so that a renewal by an outside tool (certbot, a
//! mounted Kubernetes secret) needs no restart and drops no connection.

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::CertFiles;
use super::certificate::{self, Validity};
use crate::error::ConfigError;

/// What the two files held when read.
pub(super) type Contents = (Vec<u8>, Vec<u8>);

/// A certificate and key checked for use: they match, and the certificate
/// is valid now.
pub(super) struct Loaded {
    pub(super) key: Arc<CertifiedKey>,
    pub(super) validity: Validity,
    /// What the files held: a change is seen against it.
    pub(super) contents: Contents,
}

/// Reads both files; the error names the setting of the one that failed.
fn read(files: &CertFiles) -> Result<Contents, ConfigError> {
    Ok((
        read_one("RBM_TLS_CERT", &files.cert)?,
        read_one("RBM_TLS_KEY", &files.key)?,
    ))
}

fn read_one(name: &'static str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|error| invalid(name, path, format!("cannot read it: {error}")))
}

fn invalid(name: &'static str, path: &Path, reason: String) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: path.display().to_string(),
        reason,
    }
}

/// Reads and checks the files, as at start-up.
pub(super) fn load(files: &CertFiles, provider: &CryptoProvider) -> Result<Loaded, ConfigError> {
    parse(files, read(files)?, provider)
}

/// Checks what the files hold: a chain, a key of its first certificate,
/// and a certificate valid now.
fn parse(
    files: &CertFiles,
    contents: Contents,
    provider: &CryptoProvider,
) -> Result<Loaded, ConfigError> {
    let (cert_pem, key_pem) = &contents;
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| {
            invalid(
                "RBM_TLS_CERT",
                &files.cert,
                format!("not a PEM certificate chain: {error}"),
            )
        })?;
    let Some(first) = chain.first() else {
        return Err(invalid(
            "RBM_TLS_CERT",
            &files.cert,
            "no certificate in it (expected PEM blocks BEGIN CERTIFICATE)".to_owned(),
        ));
    };
    let validity = certificate::validity(first)
        .map_err(|reason| invalid("RBM_TLS_CERT", &files.cert, reason))?;
    validity
        .check_now()
        .map_err(|reason| invalid("RBM_TLS_CERT", &files.cert, reason))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|error| {
        invalid(
            "RBM_TLS_KEY",
            &files.key,
            format!("no PEM private key in it: {error}"),
        )
    })?;
    let key = CertifiedKey::from_der(chain, key, provider).map_err(|error| {
        let reason = match error {
            rustls::Error::InconsistentKeys(_) => {
                "it is not the key of the first certificate in RBM_TLS_CERT".to_owned()
            }
            error => format!("the key cannot be used: {error}"),
        };
        invalid("RBM_TLS_KEY", &files.key, reason)
    })?;
    Ok(Loaded {
        key: Arc::new(key),
        validity,
        contents,
    })
}

/// Hands every handshake the current certificate.
#[derive(Debug)]
pub(super) struct ReloadingCert {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadingCert {
    pub(super) fn new(key: Arc<CertifiedKey>) -> Self {
        Self {
            current: RwLock::new(key),
        }
    }

    fn replace(&self, key: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = key;
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

/// Reads the files every `files.reload_every` and serves what they hold
/// once it changed and passes the start-up checks. Connections already
/// open keep the certificate of their handshake; new ones get the new one.
///
/// Polled rather than watched (inotify): renewal tools replace files by
/// renaming or by swapping symlinks (certbot's `live/`, Kubernetes'
/// `..data`), which a watch on the file misses; comparing the contents is
/// two small reads per interval and sees every kind of change.
pub(super) async fn watch(
    files: CertFiles,
    loaded: Contents,
    resolver: Arc<ReloadingCert>,
    provider: Arc<CryptoProvider>,
) {
    let mut seen = Ok(loaded);
    let mut ticks = tokio::time::interval(files.reload_every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let now = read_blocking(&files).await;
        if now == seen {
            continue;
        }
        seen = now;
        let checked = seen
            .clone()
            .and_then(|contents| parse(&files, contents, &provider));
        match checked {
            Ok(loaded) => {
                resolver.replace(loaded.key);
                tracing::info!(
                    not_after = %loaded.validity.not_after,
                    "the certificate files changed: new connections get the new certificate"
                );
            }
            Err(error) => tracing::warn!(
                %error,
                "the certificate files changed but cannot be used (yet): still serving the previous certificate"
            ),
        }
    }
}

async fn read_blocking(files: &CertFiles) -> Result<Contents, ConfigError> {
    let files = files.clone();
    tokio::task::spawn_blocking(move || read(&files))
        .await
        .unwrap_or_else(|join| {
            Err(ConfigError::Invalid {
                name: "RBM_TLS_CERT",
                value: String::new(),
                reason: format!("reading the files failed: {join}"),
            })
        })
}
