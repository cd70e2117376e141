//! Whether and how the webhook port speaks TLS: the settings, read from the
//! environment (`RBM_TLS_*`, `RBM_ACME_*`) or given in code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls::pki_types::DnsName;

use crate::error::ConfigError;
use crate::store::StoreUrl;

/// How the webhook port is secured (`RBM_TLS_CERT` + `RBM_TLS_KEY`, or
/// `RBM_TLS_DOMAINS`; neither: plain HTTP).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsSettings {
    /// Plain HTTP, for a server behind a load balancer or proxy that
    /// terminates TLS (Cloud Run, Kubernetes ingress, …). The default.
    #[default]
    Off,
    /// HTTPS with a certificate and key from PEM files, read again when
    /// they change.
    Files(CertFiles),
    /// HTTPS with certificates obtained and renewed over ACME (Let's Encrypt).
    Acme(AcmeSettings),
}

/// A certificate chain and its private key, in PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertFiles {
    /// The certificate chain, the server's own certificate first (`RBM_TLS_CERT`).
    pub cert: PathBuf,
    /// The private key of the first certificate (`RBM_TLS_KEY`): PKCS#8,
    /// PKCS#1 or SEC1.
    pub key: PathBuf,
    /// How often the files are read again to see whether an outside tool
    /// renewed them (default 10 s).
    pub reload_every: Duration,
}

impl CertFiles {
    /// `cert` (the chain) and `key`, checked for changes every 10 s.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self {
            cert: cert.into(),
            key: key.into(),
            reload_every: Duration::from_secs(10),
        }
    }
}

/// Certificates for `domains` from an ACME server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcmeSettings {
    /// The names the certificate is for (`RBM_TLS_DOMAINS`, comma-separated).
    pub domains: Vec<String>,
    /// The ACME directory URL (`RBM_ACME_DIRECTORY`: a URL, or `production`
    /// or `staging` for Let's Encrypt's; default Let's Encrypt production).
    pub directory: String,
    /// The account's contact address, told of problems with the
    /// certificates (`RBM_ACME_EMAIL`; optional).
    pub email: Option<String>,
    /// A PEM file of root certificates to trust for the ACME server itself,
    /// instead of the system's (`RBM_ACME_CA`; for a private ACME server).
    pub ca: Option<PathBuf>,
    /// Answer the HTTP-01 challenge on this port (`RBM_ACME_HTTP_PORT`,
    /// usually 80); unset, TLS-ALPN-01 is answered on the webhook port itself.
    pub http_port: Option<u16>,
    /// Where the account key and certificates are kept, so that a restart
    /// does not ask again (`RBM_ACME_CACHE`, default `acme` beside an SQLite
    /// store, else `rbm-data/acme`).
    pub cache: PathBuf,
}

impl AcmeSettings {
    /// Let's Encrypt's production directory, the default of `RBM_ACME_DIRECTORY`.
    pub const LETS_ENCRYPT_PRODUCTION: &'static str =
        "https://acme-v02.api.letsencrypt.org/directory";
    /// Let's Encrypt's staging directory (`RBM_ACME_DIRECTORY=staging`):
    /// untrusted certificates, generous rate limits.
    pub const LETS_ENCRYPT_STAGING: &'static str =
        "https://acme-staging-v02.api.letsencrypt.org/directory";

    /// Certificates for `domains` from Let's Encrypt production, cached in
    /// `rbm-data/acme`, over TLS-ALPN-01.
    pub fn new(domains: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            domains: domains.into_iter().map(Into::into).collect(),
            directory: Self::LETS_ENCRYPT_PRODUCTION.to_owned(),
            email: None,
            ca: None,
            http_port: None,
            cache: PathBuf::from("rbm-data/acme"),
        }
    }
}

impl TlsSettings {
    /// Reads `RBM_TLS_*` and `RBM_ACME_*` through `lookup`; `store` places
    /// the default ACME cache beside it.
    pub(crate) fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
        store: &StoreUrl,
    ) -> Result<Self, ConfigError> {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let cert = set("RBM_TLS_CERT");
        let key = set("RBM_TLS_KEY");
        let domains = set("RBM_TLS_DOMAINS");
        if domains.is_some() && (cert.is_some() || key.is_some()) {
            return Err(ConfigError::Conflict {
                name: "RBM_TLS_DOMAINS",
                other: if cert.is_some() {
                    "RBM_TLS_CERT"
                } else {
                    "RBM_TLS_KEY"
                },
                hint: "take the certificate from files or from ACME, not both",
            });
        }
        let Some(domains) = domains else {
            if ACME_ONLY.iter().any(|name| set(name).is_some()) {
                return Err(ConfigError::Missing {
                    name: "RBM_TLS_DOMAINS",
                    hint: "an RBM_ACME_* setting is set: name the domains to get certificates for",
                });
            }
            return match (cert, key) {
                (None, None) => Ok(Self::Off),
                (Some(_), None) => Err(ConfigError::Missing {
                    name: "RBM_TLS_KEY",
                    hint: "RBM_TLS_CERT is set: set RBM_TLS_KEY to its private key's PEM file",
                }),
                (None, Some(_)) => Err(ConfigError::Missing {
                    name: "RBM_TLS_CERT",
                    hint: "RBM_TLS_KEY is set: set RBM_TLS_CERT to the certificate chain's PEM file",
                }),
                (Some(cert), Some(key)) => Ok(Self::Files(CertFiles::new(cert.trim(), key.trim()))),
            };
        };
        let mut acme = AcmeSettings::new(parse_domains(&domains)?);
        if let Some(raw) = set("RBM_ACME_DIRECTORY") {
            acme.directory = directory(raw.trim())?;
        }
        if let Some(raw) = set("RBM_ACME_EMAIL") {
            acme.email = Some(raw.trim().to_owned());
        }
        acme.ca = set("RBM_ACME_CA").map(|raw| PathBuf::from(raw.trim()));
        if let Some(raw) = set("RBM_ACME_HTTP_PORT") {
            acme.http_port = Some(match raw.trim().parse::<u16>() {
                Ok(port) if port > 0 => port,
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "RBM_ACME_HTTP_PORT",
                        value: raw,
                        reason: "expected a port number 1-65535 (usually 80)".to_owned(),
                    });
                }
            });
        }
        acme.cache = match set("RBM_ACME_CACHE") {
            Some(raw) => PathBuf::from(raw.trim()),
            None => default_cache(store),
        };
        acme.check()?;
        Ok(Self::Acme(acme))
    }

    /// Checks what can be checked without reading files.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        match self {
            Self::Off => Ok(()),
            Self::Files(files) => {
                if files.reload_every.is_zero() {
                    return Err(ConfigError::Invalid {
                        name: "RBM_TLS_CERT",
                        value: files.cert.display().to_string(),
                        reason: "the reload interval must be longer than zero".to_owned(),
                    });
                }
                Ok(())
            }
            Self::Acme(acme) => acme.check(),
        }
    }
}

/// The ACME settings that mean nothing without `RBM_TLS_DOMAINS`.
const ACME_ONLY: [&str; 5] = [
    "RBM_ACME_DIRECTORY",
    "RBM_ACME_EMAIL",
    "RBM_ACME_CA",
    "RBM_ACME_HTTP_PORT",
    "RBM_ACME_CACHE",
];

impl AcmeSettings {
    fn check(&self) -> Result<(), ConfigError> {
        if self.domains.is_empty() {
            return Err(ConfigError::Missing {
                name: "RBM_TLS_DOMAINS",
                hint: "name at least one domain, e.g. bot.example.com",
            });
        }
        for domain in &self.domains {
            check_domain(domain)?;
        }
        directory(&self.directory)?;
        if let Some(email) = &self.email {
            let (user, host) = email.split_once('@').unwrap_or_default();
            if user.is_empty() || host.is_empty() || email.contains([' ', ',', ':']) {
                return Err(ConfigError::Invalid {
                    name: "RBM_ACME_EMAIL",
                    value: email.clone(),
                    reason: "expected one email address such as ops@example.com".to_owned(),
                });
            }
        }
        if self.cache.as_os_str().is_empty() {
            return Err(ConfigError::Invalid {
                name: "RBM_ACME_CACHE",
                value: String::new(),
                reason: "expected a directory".to_owned(),
            });
        }
        Ok(())
    }
}

/// `RBM_TLS_DOMAINS`: names separated by commas, in lower case.
fn parse_domains(raw: &str) -> Result<Vec<String>, ConfigError> {
    let domains: Vec<String> = raw
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    for domain in &domains {
        check_domain(domain)?;
    }
    Ok(domains)
}

/// A name an ACME server can issue a certificate for over HTTP-01 or
/// TLS-ALPN-01: a DNS name, not an IP address, no wildcard.
fn check_domain(domain: &str) -> Result<(), ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name: "RBM_TLS_DOMAINS",
        value: domain.chars().take(260).collect(),
        reason: reason.to_owned(),
    };
    if domain.parse::<std::net::IpAddr>().is_ok() {
        return Err(invalid(
            "an IP address: certificates are issued for domain names",
        ));
    }
    if domain.contains('*') {
        return Err(invalid(
            "a wildcard needs the DNS-01 challenge, which rbm does not answer; list each name",
        ));
    }
    // Host names: letters, digits and inner hyphens per label (RFC 1123;
    // ACME servers refuse underscores, which DNS names may hold).
    let host_label = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if DnsName::try_from(domain).is_err()
        || !domain.contains('.')
        || !domain.split('.').all(host_label)
    {
        return Err(invalid(
            "not a domain name such as bot.example.com (letters, digits, '-' and '.')",
        ));
    }
    Ok(())
}

/// `RBM_ACME_DIRECTORY`: a shortcut or an https URL.
fn directory(raw: &str) -> Result<String, ConfigError> {
    match raw {
        "production" | "letsencrypt" => return Ok(AcmeSettings::LETS_ENCRYPT_PRODUCTION.to_owned()),
        "staging" => return Ok(AcmeSettings::LETS_ENCRYPT_STAGING.to_owned()),
        _ => {}
    }
    match url::Url::parse(raw) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => Ok(raw.to_owned()),
        _ => Err(ConfigError::Invalid {
            name: "RBM_ACME_DIRECTORY",
            value: raw.to_owned(),
            reason: "expected an https:// directory URL, production or staging".to_owned(),
        }),
    }
}

/// `acme` beside an SQLite store's file, else `rbm-data/acme`.
fn default_cache(store: &StoreUrl) -> PathBuf {
    match store {
        StoreUrl::Sqlite(path) => path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join("acme"),
        _ => PathBuf::from("rbm-data/acme"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<TlsSettings, ConfigError> {
        let lookup = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        TlsSettings::from_lookup(&lookup, &StoreUrl::Sqlite("data/rbm.sqlite3".into()))
    }

    #[test]
    fn neither_setting_is_plain_http() {
        assert_eq!(read(&[]), Ok(TlsSettings::Off));
    }

    #[test]
    fn certificate_files_need_both_paths() {
        let files = read(&[("RBM_TLS_CERT", "c.pem"), ("RBM_TLS_KEY", "k.pem")]);
        assert_eq!(
            files,
            Ok(TlsSettings::Files(CertFiles::new("c.pem", "k.pem")))
        );
        let error = read(&[("RBM_TLS_CERT", "c.pem")]).expect_err("no key");
        assert!(
            error.to_string().starts_with("RBM_TLS_KEY is not set"),
            "{error}"
        );
        let error = read(&[("RBM_TLS_KEY", "k.pem")]).expect_err("no cert");
        assert!(
            error.to_string().starts_with("RBM_TLS_CERT is not set"),
            "{error}"
        );
    }

    #[test]
    fn acme_settings_are_read_with_their_defaults() {
        let Ok(TlsSettings::Acme(acme)) =
            read(&[("RBM_TLS_DOMAINS", " Bot.Example.com, b.example.org ")])
        else {
            panic!("ACME settings expected");
        };
        assert_eq!(acme.domains, ["bot.example.com", "b.example.org"]);
        assert_eq!(acme.directory, AcmeSettings::LETS_ENCRYPT_PRODUCTION);
        assert_eq!(acme.cache, PathBuf::from("data/acme"));
        assert_eq!(acme.http_port, None);
        let Ok(TlsSettings::Acme(acme)) = read(&[
            ("RBM_TLS_DOMAINS", "bot.example.com"),
            ("RBM_ACME_DIRECTORY", "staging"),
            ("RBM_ACME_EMAIL", "ops@example.com"),
            ("RBM_ACME_HTTP_PORT", "80"),
            ("RBM_ACME_CACHE", "/var/lib/rbm/acme"),
            ("RBM_ACME_CA", "/etc/rbm/ca.pem"),
        ]) else {
            panic!("ACME settings expected");
        };
        assert_eq!(acme.directory, AcmeSettings::LETS_ENCRYPT_STAGING);
        assert_eq!(acme.email.as_deref(), Some("ops@example.com"));
        assert_eq!(acme.http_port, Some(80));
        assert_eq!(acme.cache, PathBuf::from("/var/lib/rbm/acme"));
        assert_eq!(acme.ca, Some(PathBuf::from("/etc/rbm/ca.pem")));
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[
                    ("RBM_TLS_CERT", "c"),
                    ("RBM_TLS_KEY", "k"),
                    ("RBM_TLS_DOMAINS", "a.example.com"),
                ],
                "RBM_TLS_DOMAINS and RBM_TLS_CERT are both set",
            ),
            (
                &[("RBM_TLS_KEY", "k"), ("RBM_TLS_DOMAINS", "a.example.com")],
                "RBM_TLS_DOMAINS and RBM_TLS_KEY are both set",
            ),
            (
                &[("RBM_TLS_DOMAINS", "bot example.com")],
                "RBM_TLS_DOMAINS is invalid",
            ),
            (
                &[("RBM_TLS_DOMAINS", "a.example.com,-x.com")],
                "RBM_TLS_DOMAINS is invalid",
            ),
            (
                &[("RBM_TLS_DOMAINS", "*.example.com")],
                "RBM_TLS_DOMAINS is invalid",
            ),
            (
                &[("RBM_TLS_DOMAINS", "10.0.0.1")],
                "RBM_TLS_DOMAINS is invalid",
            ),
            (
                &[("RBM_TLS_DOMAINS", "localhost")],
                "RBM_TLS_DOMAINS is invalid",
            ),
            (&[("RBM_TLS_DOMAINS", " , ")], "RBM_TLS_DOMAINS is not set"),
            (
                &[("RBM_ACME_EMAIL", "ops@example.com")],
                "RBM_TLS_DOMAINS is not set",
            ),
            (
                &[
                    ("RBM_TLS_DOMAINS", "a.example.com"),
                    ("RBM_ACME_DIRECTORY", "http://ca/dir"),
                ],
                "RBM_ACME_DIRECTORY is invalid",
            ),
            (
                &[
                    ("RBM_TLS_DOMAINS", "a.example.com"),
                    ("RBM_ACME_EMAIL", "ops"),
                ],
                "RBM_ACME_EMAIL is invalid",
            ),
            (
                &[
                    ("RBM_TLS_DOMAINS", "a.example.com"),
                    ("RBM_ACME_HTTP_PORT", "0"),
                ],
                "RBM_ACME_HTTP_PORT is invalid",
            ),
        ];
        for (pairs, start) in cases {
            let error = read(pairs).expect_err(start);
            assert!(error.to_string().starts_with(start), "{error}");
        }
    }
}
