//! `rbm verify https://…`: the certificate checked as Google's push checks
//! it (trusted chain, name, expiry), against webhooks on 127.0.0.1 with
//! certificates of the test's own CA.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rbm_runtime::{
    Agent, CertFiles, Context, Delivery, HandlerResult, Reply, RunningServer, Server, TlsSettings,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, date_time_ymd};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use support::text;

const TOKEN: &str = "SJENCPGJESMGUFPY";

struct Hello;

impl Agent for Hello {
    async fn handle(&self, _: &Delivery, _: &Context) -> HandlerResult {
        Ok(vec![Reply::text("Hello")])
    }
}

/// A test CA: its certificate and key.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new() -> Self {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "rbm verify test CA");
        let cert = params.self_signed(&key).expect("a CA");
        Self { cert, key }
    }

    /// A certificate for `name` (expired long ago if `expired`), written as
    /// `cert.pem` and `key.pem` in `dir`.
    fn issue(&self, name: &str, expired: bool, dir: &Path) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
        if expired {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        }
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("a certificate");
        let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert_path, cert.pem()).expect("write");
        std::fs::write(&key_path, key.serialize_pem()).expect("write");
        (cert_path, key_path)
    }

    fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.cert.pem()).expect("write");
        path
    }
}

/// An rbm webhook on `/hook` over HTTPS with the certificate files given.
async fn https_webhook(cert: PathBuf, key: PathBuf) -> (RunningServer, String) {
    let server = Server::builder()
        .delivery(rbm_runtime::DeliveryMode::Inline)
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .tls(TlsSettings::Files(CertFiles::new(cert, key)))
        .webhook("/hook", TOKEN, Hello)
        .bind()
        .await
        .expect("server starts");
    let url = format!("https://localhost:{}/hook", server.local_addr().port());
    (server, url)
}

/// A TLS server that presents the certificate files given (even an expired
/// one, which an rbm server refuses to start with) and says nothing more.
async fn presenting(cert: &Path, key: &Path) -> String {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .expect("the chain")
        .collect::<Result<_, _>>()
        .expect("PEM");
    let key = PrivateKeyDer::from_pem_file(key).expect("the key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("a server configuration");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = acceptor.accept(stream).await;
        }
    });
    format!("https://localhost:{port}/hook")
}

/// Runs `rbm verify` off the async runtime (it blocks).
async fn verify(args: &[&str]) -> (bool, String) {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let output = tokio::task::spawn_blocking(move || {
        let mut all = vec!["verify", "--token", TOKEN];
        all.extend(args.iter().map(String::as_str));
        support::run(&all, "")
    })
    .await
    .expect("rbm ran");
    (output.status.success(), text(&output.stdout))
}

#[tokio::test]
async fn a_trusted_certificate_passes_and_each_problem_is_named() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = Ca::new();
    let ca_file = ca.write(dir.path());
    let ca_arg = ca_file.to_str().expect("a UTF-8 path");

    let good = tempfile::tempdir().expect("a temporary directory");
    let (cert, key) = ca.issue("localhost", false, good.path());
    let (_server, url) = https_webhook(cert, key).await;
    let (passed, stdout) = verify(&[&url, "--ca", ca_arg]).await;
    assert!(passed, "{stdout}");
    assert!(
        stdout.contains("ok   the certificate is trusted and valid for localhost"),
        "{stdout}"
    );
    assert!(stdout.contains("days left"), "{stdout}");
    assert!(stdout.contains("PASS"), "{stdout}");

    // Without --ca the private CA is not trusted, as Google would not.
    let (passed, stdout) = verify(&[&url]).await;
    assert!(!passed, "{stdout}");
    assert!(
        stdout.contains("FAIL the certificate is not signed by an authority Google trusts"),
        "{stdout}"
    );

    let wrong = tempfile::tempdir().expect("a temporary directory");
    let (cert, key) = ca.issue("other.rbm.test", false, wrong.path());
    let (_other, url) = https_webhook(cert, key).await;
    let (passed, stdout) = verify(&[&url, "--ca", ca_arg]).await;
    assert!(!passed, "{stdout}");
    assert!(
        stdout.contains("FAIL the certificate is not for localhost; it is for"),
        "{stdout}"
    );
    assert!(stdout.contains("other.rbm.test"), "{stdout}");

    let old = tempfile::tempdir().expect("a temporary directory");
    let (cert, key) = ca.issue("localhost", true, old.path());
    let url = presenting(&cert, &key).await;
    let (passed, stdout) = verify(&[&url, "--ca", ca_arg]).await;
    assert!(!passed, "{stdout}");
    assert!(stdout.contains("FAIL the certificate expired"), "{stdout}");
    assert!(
        stdout.contains("FAIL: the console's verification would fail."),
        "{stdout}"
    );
}
