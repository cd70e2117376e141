//! The certificate check of `rbm verify https://…`: the TLS handshake
//! Google's push makes, and what is wrong with the certificate when it fails.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig};
use rustls_platform_verifier::BuilderVerifierExt as _;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::CliError;

/// Fewer days left than this is worth a warning: renewal has failed.
const LOW_DAYS: i64 = 14;

/// What the certificate check found.
pub(crate) enum Verdict {
    /// Trusted, for the host, valid now: what it says, and a warning if
    /// it expires soon.
    Valid {
        what: String,
        warning: Option<String>,
    },
    /// Google would refuse it: why.
    Invalid(String),
    /// Nothing answered: the handshake with the console says it.
    Unreachable,
}

/// The TLS client configuration Google's push would use: the system's
/// roots, or only those of `ca` (a PEM file) for a private CA.
pub(crate) fn client_config(ca: Option<&Path>) -> Result<ClientConfig, CliError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| CliError::Usage(format!("TLS: {error}")))?;
    let Some(ca) = ca else {
        return builder
            .with_platform_verifier()
            .map(|builder| builder.with_no_client_auth())
            .map_err(|error| CliError::Usage(format!("the system's trust store: {error}")));
    };
    let shown = ca.display();
    let pem = std::fs::read(ca)
        .map_err(|error| CliError::Usage(format!("--ca {shown}: cannot read it: {error}")))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|error| {
            CliError::Usage(format!("--ca {shown}: not a PEM certificate file: {error}"))
        })?;
        roots.add(cert).map_err(|error| {
            CliError::Usage(format!(
                "--ca {shown}: a certificate cannot be a root: {error}"
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(CliError::Usage(format!(
            "--ca {shown}: no certificate in it (expected PEM blocks BEGIN CERTIFICATE)"
        )));
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// Makes the handshake with `host` on `port` and judges its certificate.
pub(crate) async fn check(config: ClientConfig, host: &str, port: u16) -> Verdict {
    let Ok(name) = ServerName::try_from(host.to_owned()) else {
        return Verdict::Invalid(format!(
            "{host:?} is not a host name a certificate can be for"
        ));
    };
    let connect = async {
        let tcp = TcpStream::connect((host, port)).await.ok()?;
        Some(
            TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await,
        )
    };
    match tokio::time::timeout(Duration::from_secs(15), connect).await {
        Err(_) | Ok(None) => Verdict::Unreachable,
        Ok(Some(Err(error))) => Verdict::Invalid(explain(host, &error)),
        Ok(Some(Ok(stream))) => {
            let (_, session) = stream.get_ref();
            let Some(leaf) = session.peer_certificates().and_then(|chain| chain.first()) else {
                return Verdict::Invalid("the server sent no certificate".to_owned());
            };
            describe(host, leaf)
        }
    }
}

/// What a trusted certificate says: for whom, by whom, until when.
fn describe(host: &str, leaf: &CertificateDer<'_>) -> Verdict {
    let Ok((_, cert)) = X509Certificate::from_der(leaf) else {
        return Verdict::Valid {
            what: format!("the certificate is trusted and valid for {host}"),
            warning: None,
        };
    };
    let not_after = cert.validity().not_after;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let days = (not_after.timestamp() - now) / 86_400;
    Verdict::Valid {
        what: format!(
            "the certificate is trusted and valid for {host}: issued by {}, valid until {not_after} ({days} days left)",
            cert.issuer()
        ),
        warning: (days < LOW_DAYS)
            .then(|| format!("the certificate expires in {days} days: is its renewal working?")),
    }
}

/// Why the handshake failed, as a person can act on it.
fn explain(host: &str, error: &std::io::Error) -> String {
    let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return format!("the TLS handshake failed: {error}");
    };
    let rustls::Error::InvalidCertificate(invalid) = tls else {
        return format!(
            "the TLS handshake failed ({tls}): does the server speak HTTPS on this port, with a certificate?"
        );
    };
    match invalid {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            let when = match invalid {
                CertificateError::ExpiredContext { not_after, .. } => {
                    format!(" on {}", date(not_after.as_secs()))
                }
                _ => String::new(),
            };
            format!("the certificate expired{when}: renew it")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the certificate is not valid yet: check the server's clock, or its not-before date"
                .to_owned()
        }
        CertificateError::NotValidForName => format!("the certificate is not for {host}"),
        CertificateError::NotValidForNameContext { presented, .. } => format!(
            "the certificate is not for {host}; it is for {}",
            presented.join(", ")
        ),
        CertificateError::UnknownIssuer => {
            "the certificate is not signed by an authority Google trusts: \
             self-signed, from a private CA (use --ca to trust one for tests), or the server \
             does not send its intermediate certificates (serve the full chain)"
                .to_owned()
        }
        CertificateError::Revoked => "the certificate has been revoked".to_owned(),
        other => format!("the certificate is refused: {other:?}"),
    }
}

/// A Unix time as a UTC date.
fn date(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| x509_parser::time::ASN1Time::from_timestamp(s).ok())
        .map_or_else(|| seconds.to_string(), |time| time.to_string())
}
