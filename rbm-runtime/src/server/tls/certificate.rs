//! What a certificate says about itself: when it is valid, and for which names.

use chrono::{DateTime, Utc};
use rustls::pki_types::CertificateDer;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// When a certificate is valid, and for which names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Validity {
    pub(super) not_before: DateTime<Utc>,
    pub(super) not_after: DateTime<Utc>,
    /// Its DNS names (subject alternative names).
    pub(super) names: Vec<String>,
}

/// Reads `cert`'s dates and names; the error says why it cannot be read.
pub(super) fn validity(cert: &CertificateDer<'_>) -> Result<Validity, String> {
    let (_, parsed) = X509Certificate::from_der(cert)
        .map_err(|error| format!("the first certificate cannot be read: {error}"))?;
    let time = |t: x509_parser::time::ASN1Time| {
        DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    let names = parsed
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Validity {
        not_before: time(parsed.validity().not_before),
        not_after: time(parsed.validity().not_after),
        names,
    })
}

impl Validity {
    /// Fails, saying why, when the certificate is not valid now.
    pub(super) fn check_now(&self) -> Result<(), String> {
        let now = DateTime::<Utc>::from(std::time::SystemTime::now());
        if self.not_after < now {
            return Err(format!(
                "the certificate expired on {}",
                self.not_after.format("%Y-%m-%d %H:%M:%S UTC")
            ));
        }
        if self.not_before > now {
            return Err(format!(
                "the certificate is not valid before {}",
                self.not_before.format("%Y-%m-%d %H:%M:%S UTC")
            ));
        }
        Ok(())
    }
}
