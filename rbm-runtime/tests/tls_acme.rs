//! Certificates over ACME against a real ACME server, Let's Encrypt's test
//! server Pebble (Debian package `pebble`), started here on free ports with
//! a CA of the test's own for its HTTPS: the server obtains a certificate,
//! serves it to a client that trusts only Pebble's root, and serves the
//! cached one again after a restart, without a new order. One Pebble for
//! the whole file.

mod support;
mod tls_support;

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rbm_runtime::{AcmeSettings, TlsSettings};
use rustls::pki_types::CertificateDer;
use support::{PATH, Recorder, TestServer, builder, within};
use tls_support::{HOST, TestCa, connect_to, https_client, peer_certificate};

/// Where the test finds Pebble, when not on the PATH as `pebble`.
const BINARY_ENV: &str = "RBM_TEST_PEBBLE";

/// How long obtaining a certificate may take (Pebble answers at once; the
/// client polls the order every second or so).
const ISSUANCE: Duration = Duration::from_secs(60);

/// A free port on 127.0.0.1 (free when asked; Pebble binds it soon after).
fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A Pebble process with a configuration of its own, stopped when dropped.
struct Pebble {
    child: Child,
    dir: tempfile::TempDir,
    ca: TestCa,
    listen: SocketAddr,
    management: SocketAddr,
}

impl Pebble {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ca = TestCa::new();
        let (cert, key) = ca.issue(&["127.0.0.1", "localhost"]).write(dir.path());
        let listen = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let management = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let config = serde_json::json!({
            "pebble": {
                "listenAddress": listen.to_string(),
                "managementListenAddress": management.to_string(),
                "certificate": cert,
                "privateKey": key,
                // Never used: every challenge is taken as passed.
                "httpPort": free_port(),
                "tlsPort": free_port(),
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
                // A year: a restart must find its cached certificate far from renewal.
                "certificateValidityPeriod": 31_536_000,
            }
        });
        let config_path = dir.path().join("pebble-config.json");
        std::fs::write(&config_path, config.to_string()).expect("write Pebble's configuration");
        let log = std::fs::File::create(dir.path().join("pebble.log")).expect("Pebble's log");
        let binary = std::env::var_os(BINARY_ENV).unwrap_or_else(|| "pebble".into());
        let child = Command::new(&binary)
            .arg("-config")
            .arg(&config_path)
            // Issue without public DNS, at once, and never refuse a good nonce.
            .env("PEBBLE_VA_ALWAYS_VALID", "1")
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("Pebble's log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {} ({error}): the ACME tests need Let's Encrypt's test server \
                     Pebble; install it (Debian/Ubuntu: apt-get install pebble; elsewhere: go \
                     install github.com/letsencrypt/pebble/v2/cmd/pebble@latest) or set \
                     {BINARY_ENV} to its path",
                    PathBuf::from(&binary).display()
                )
            });
        let mut pebble = Self {
            child,
            dir,
            ca,
            listen,
            management,
        };
        pebble.wait_until_listening();
        pebble
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(self.listen).is_err()
            || std::net::TcpStream::connect(self.management).is_err()
        {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Pebble exited at start ({status}): {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "Pebble does not listen: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pebble.log")).unwrap_or_default()
    }

    /// The ACME directory URL.
    fn directory(&self) -> String {
        format!("https://{}/dir", self.listen)
    }

    /// The CA file that Pebble's own HTTPS is checked against (RBM_ACME_CA).
    fn ca_file(&self) -> PathBuf {
        self.ca.write(self.dir.path())
    }

    /// The root Pebble issues under (made anew at each start).
    async fn issuing_root(&self) -> String {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_support::client_config(&self.ca.pem()))
            .build()
            .expect("a client");
        let url = format!("https://{}/roots/0", self.management);
        let response = within(client.get(&url).send())
            .await
            .expect("Pebble's management port answers");
        assert_eq!(response.status(), 200, "GET {url}");
        within(response.text()).await.expect("the root")
    }

    /// ACME settings for `domains` against this Pebble, cached in `cache`.
    fn settings(&self, domains: &[&str], cache: &std::path::Path) -> AcmeSettings {
        let mut settings = AcmeSettings::new(domains.iter().copied());
        settings.directory = self.directory();
        settings.ca = Some(self.ca_file());
        settings.cache = cache.to_owned();
        settings
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server at `addr` completes a handshake for `host` that
/// `root` vouches for; returns its certificate.
async fn first_certificate(root: &str, addr: SocketAddr, host: &str) -> CertificateDer<'static> {
    let deadline = Instant::now() + ISSUANCE;
    loop {
        if let Ok(Ok(stream)) =
            tokio::time::timeout(Duration::from_secs(5), connect_to(root, addr, host)).await
        {
            return peer_certificate(&stream);
        }
        assert!(
            Instant::now() < deadline,
            "no certificate from Pebble within {ISSUANCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn certificates_from_pebble_are_served_then_reused_after_a_restart() {
    let pebble = Pebble::start();
    let cache = tempfile::tempdir().expect("a temporary directory");
    let settings = pebble.settings(&[HOST], &cache.path().join("acme"));

    // TLS-ALPN-01 on the webhook port: the certificate comes, and a client
    // trusting only Pebble's root delivers over HTTPS.
    let started = Instant::now();
    let server = TestServer::start_with(
        Recorder::new("acme"),
        builder().tls(TlsSettings::Acme(settings.clone())),
    )
    .await;
    let root = pebble.issuing_root().await;
    let issued = first_certificate(&root, server.addr(), HOST).await;
    println!(
        "first certificate from Pebble after {:?}",
        started.elapsed()
    );
    let url = format!("https://{HOST}:{}{PATH}", server.addr().port());
    let data = support::text_message(support::PHONE, "msg-acme-1", "hello over ACME");
    let client = https_client(&root, server.addr());
    let delivered = support::push_with(&client, &url, &data, &support::pubsub_id()).await;
    assert_eq!(delivered.status(), 200);
    assert_eq!(server.agent.deliveries().len(), 1);
    let TestServer { server, .. } = server;
    server.shutdown().await;

    // A restart serves the cached certificate: the very same one, at once,
    // and still the same a moment later (no new order replaced it).
    let started = Instant::now();
    let restarted = TestServer::start_with(
        Recorder::new("acme"),
        builder().tls(TlsSettings::Acme(settings)),
    )
    .await;
    let cached = first_certificate(&root, restarted.addr(), HOST).await;
    println!(
        "cached certificate served {:?} after the restart",
        started.elapsed()
    );
    assert_eq!(
        cached, issued,
        "the restart must reuse the cached certificate"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = first_certificate(&root, restarted.addr(), HOST).await;
    assert_eq!(later, issued, "no new order after a restart");
    let TestServer { server, .. } = restarted;
    server.shutdown().await;

    // HTTP-01 (RBM_ACME_HTTP_PORT): its own port answers the challenge path
    // (404 for a token it does not hold), and a certificate comes too.
    let other = "hooks.rbm.test";
    let mut settings = pebble.settings(&[other], &cache.path().join("acme"));
    let http_port = free_port();
    settings.http_port = Some(http_port);
    let server = TestServer::start_with(
        Recorder::new("acme-http"),
        builder().tls(TlsSettings::Acme(settings)),
    )
    .await;
    let probe = support::raw_exchange(
        ([127, 0, 0, 1], http_port).into(),
        b"GET /.well-known/acme-challenge/unknown HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert_eq!(support::raw_status(&probe), 404, "{probe:?}");
    let issued_http = first_certificate(&root, server.addr(), other).await;
    assert_ne!(issued_http, issued);
    let TestServer { server, .. } = server;
    server.shutdown().await;
}
