//! Shared set-up of the TLS tests: a test CA with `rcgen`, certificates it
//! signs, and clients that trust it (or any root they are given).

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The name the test certificates are for (resolved to 127.0.0.1 by hand).
pub const HOST: &str = "bot.rbm.test";

/// A certificate authority of the test's own.
pub struct TestCa {
    key: KeyPair,
    cert: rcgen::Certificate,
}

/// A certificate and its key, as PEM.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Issued {
    /// The certificate as DER.
    pub fn der(&self) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(self.cert_pem.as_bytes()).expect("a PEM certificate")
    }

    /// Writes `cert.pem` and `key.pem` into `dir`; returns their paths.
    pub fn write(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        // Written beside and renamed, as renewal tools do: a reader never
        // sees half a file.
        for (path, text) in [(&cert, &self.cert_pem), (&key, &self.key_pem)] {
            let partial = path.with_extension("partial");
            std::fs::write(&partial, text).expect("write a PEM file");
            std::fs::rename(&partial, path).expect("move the PEM file in place");
        }
        (cert, key)
    }
}

impl TestCa {
    /// A fresh CA.
    pub fn new() -> Self {
        let key = KeyPair::generate().expect("a CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "rbm test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).expect("a CA certificate");
        Self { key, cert }
    }

    /// The CA's certificate, as PEM.
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// Writes the CA's certificate into `dir`; returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.pem()).expect("write the CA");
        path
    }

    /// A certificate for `names`, valid now.
    pub fn issue(&self, names: &[&str]) -> Issued {
        self.issue_with(names, |_| {})
    }

    /// A certificate for `names` that expired long ago.
    pub fn issue_expired(&self, names: &[&str]) -> Issued {
        self.issue_with(names, |params| {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        })
    }

    fn issue_with(&self, names: &[&str], adjust: impl FnOnce(&mut CertificateParams)) -> Issued {
        let key = KeyPair::generate().expect("a key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("certificate params");
        params
            .distinguished_name
            .push(DnType::CommonName, "rbm test");
        adjust(&mut params);
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("a certificate");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// The ring provider, like the server's.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS client configuration trusting the roots in `roots_pem`.
pub fn client_config(roots_pem: &str) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(roots_pem.as_bytes()) {
        roots.add(cert.expect("a PEM root")).expect("a usable root");
    }
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// An HTTPS client trusting `roots_pem` that reaches [`HOST`] at `addr`.
pub fn https_client(roots_pem: &str, addr: SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config(roots_pem))
        .resolve(HOST, addr)
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("an HTTPS client")
}

/// A TLS connection to `addr`, verified for [`HOST`] against `roots_pem`.
pub async fn connect(roots_pem: &str, addr: SocketAddr) -> std::io::Result<TlsStream<TcpStream>> {
    connect_to(roots_pem, addr, HOST).await
}

/// A TLS connection to `addr`, verified for `host` against `roots_pem`.
pub async fn connect_to(
    roots_pem: &str,
    addr: SocketAddr,
    host: &str,
) -> std::io::Result<TlsStream<TcpStream>> {
    let connector = TlsConnector::from(Arc::new(client_config(roots_pem)));
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(host.to_owned()).expect("a DNS name");
    connector.connect(name, tcp).await
}

/// The certificate the server presented on `stream`.
pub fn peer_certificate(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    let (_, session) = stream.get_ref();
    session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("the server's certificate")
        .clone()
        .into_owned()
}
