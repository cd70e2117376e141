//! HTTPS on the webhook port with certificate files, end to end on
//! 127.0.0.1: the console's handshake and a signed delivery over TLS, a
//! renewed certificate served without a restart (open connections kept),
//! and every configuration error stopping start-up with one line that
//! names the setting.

mod support;
mod tls_support;

use std::time::{Duration, Instant};

use rbm_runtime::{AcmeSettings, CertFiles, Server, ServerConfig, TlsSettings};
use serde_json::json;
use support::{PATH, PATIENCE, Recorder, TOKEN, TestServer, builder, within};
use tls_support::{HOST, TestCa, connect, https_client, peer_certificate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Certificate files in a temporary directory, checked for changes often.
fn files(dir: &std::path::Path, issued: &tls_support::Issued) -> CertFiles {
    let (cert, key) = issued.write(dir);
    let mut files = CertFiles::new(cert, key);
    files.reload_every = Duration::from_millis(50);
    files
}

#[tokio::test]
async fn the_console_handshake_and_a_signed_delivery_over_https() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = TestCa::new();
    let files = files(dir.path(), &ca.issue(&[HOST]));
    let server = TestServer::start_with(
        Recorder::new("tls"),
        builder().tls(TlsSettings::Files(files)),
    )
    .await;
    let url = format!("https://{HOST}:{}{PATH}", server.addr().port());
    let client = https_client(&ca.pem(), server.addr());

    let handshake = json!({"clientToken": TOKEN, "secret": "s3cr3t"}).to_string();
    let answer = within(client.post(&url).body(handshake).send())
        .await
        .expect("the handshake is answered over HTTPS");
    assert_eq!(answer.status(), 200);
    assert_eq!(within(answer.text()).await.expect("a body"), "s3cr3t");

    let data = support::text_message(support::PHONE, "msg-tls-1", "hello over TLS");
    let delivered = support::push_with(&client, &url, &data, &support::pubsub_id()).await;
    assert_eq!(delivered.status(), 200);
    let deliveries = server.agent.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(support::text_of(&deliveries[0]), Some("hello over TLS"));

    // The port speaks TLS only: a plain HTTP request gets no HTTP answer.
    let plain =
        support::raw_exchange(server.addr(), b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(!plain.starts_with("HTTP/1.1 200"), "{plain:?}");
}

/// Sends `GET /healthz` on an open connection and reads the answer's status.
async fn healthz<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: &mut S) -> u16 {
    within(async {
        stream
            .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n").as_bytes())
            .await
            .expect("write the request");
        let mut answer = Vec::new();
        let mut buffer = [0u8; 1024];
        // The head, then as many body bytes as Content-Length says.
        loop {
            let n = stream.read(&mut buffer).await.expect("read the answer");
            assert!(n > 0, "the connection closed: {answer:?}");
            answer.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&answer).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length: usize = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return support::raw_status(head);
                }
            }
        }
    })
    .await
}

#[tokio::test]
async fn renewed_files_are_served_without_a_restart_and_open_connections_stay() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = TestCa::new();
    let first = ca.issue(&[HOST]);
    let files = files(dir.path(), &first);
    let server = TestServer::start_with(
        Recorder::new("tls"),
        builder().tls(TlsSettings::Files(files)),
    )
    .await;
    let mut kept = within(connect(&ca.pem(), server.addr()))
        .await
        .expect("a TLS connection");
    assert_eq!(peer_certificate(&kept), first.der());
    assert_eq!(healthz(&mut kept).await, 200);

    // A renewal that is not finished (a new certificate, the old key) is
    // not served: the current certificate stays.
    let second = ca.issue(&[HOST]);
    tls_support::Issued {
        cert_pem: second.cert_pem.clone(),
        key_pem: first.key_pem.clone(),
    }
    .write(dir.path());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fresh = within(connect(&ca.pem(), server.addr()))
        .await
        .expect("a TLS connection");
    assert_eq!(peer_certificate(&fresh), first.der());

    // Once both files are renewed, new connections get the new certificate.
    second.write(dir.path());
    let deadline = Instant::now() + PATIENCE;
    loop {
        let fresh = within(connect(&ca.pem(), server.addr()))
            .await
            .expect("a TLS connection");
        if peer_certificate(&fresh) == second.der() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate is never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The connection opened before is still served, on its old certificate.
    assert_eq!(healthz(&mut kept).await, 200);
    assert_eq!(peer_certificate(&kept), first.der());
}

/// The one-line error that stops a server with `tls` from starting.
async fn refused(tls: TlsSettings) -> String {
    let error = builder()
        .tls(tls)
        .webhook(PATH, TOKEN, Recorder::new("never"))
        .bind()
        .await
        .err()
        .expect("the server must not start");
    let line = error.to_string();
    assert!(!line.contains('\n'), "one line: {line:?}");
    line
}

#[tokio::test]
async fn each_configuration_error_stops_start_up_naming_the_setting() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = TestCa::new();
    let good = ca.issue(&[HOST]);
    let (cert, key) = good.write(dir.path());
    let missing = dir.path().join("missing.pem");

    let line = refused(TlsSettings::Files(CertFiles::new(&missing, &key))).await;
    assert!(line.starts_with("RBM_TLS_CERT is invalid"), "{line}");
    assert!(line.contains("cannot read it"), "{line}");
    let line = refused(TlsSettings::Files(CertFiles::new(&cert, &missing))).await;
    assert!(line.starts_with("RBM_TLS_KEY is invalid"), "{line}");
    // A directory is a path that exists but cannot be read as a file.
    let line = refused(TlsSettings::Files(CertFiles::new(dir.path(), &key))).await;
    assert!(line.starts_with("RBM_TLS_CERT is invalid"), "{line}");

    // The certificate file holds the key, the key file the certificate.
    let line = refused(TlsSettings::Files(CertFiles::new(&key, &key))).await;
    assert!(line.starts_with("RBM_TLS_CERT is invalid"), "{line}");
    assert!(line.contains("no certificate"), "{line}");
    let line = refused(TlsSettings::Files(CertFiles::new(&cert, &cert))).await;
    assert!(line.starts_with("RBM_TLS_KEY is invalid"), "{line}");

    let other = tempfile::tempdir().expect("a temporary directory");
    let (_, other_key) = ca.issue(&[HOST]).write(other.path());
    let line = refused(TlsSettings::Files(CertFiles::new(&cert, &other_key))).await;
    assert!(line.starts_with("RBM_TLS_KEY is invalid"), "{line}");
    assert!(
        line.contains("not the key of the first certificate"),
        "{line}"
    );

    let expired = tempfile::tempdir().expect("a temporary directory");
    let (old_cert, old_key) = ca.issue_expired(&[HOST]).write(expired.path());
    let line = refused(TlsSettings::Files(CertFiles::new(&old_cert, &old_key))).await;
    assert!(line.starts_with("RBM_TLS_CERT is invalid"), "{line}");
    assert!(line.contains("expired on 2001-01-01"), "{line}");

    let mut acme = AcmeSettings::new([HOST]);
    acme.ca = Some(missing.clone());
    acme.cache = dir.path().join("acme");
    let line = refused(TlsSettings::Acme(acme)).await;
    assert!(line.starts_with("RBM_ACME_CA is invalid"), "{line}");
    let mut acme = AcmeSettings::new([HOST]);
    acme.cache = cert.join("acme");
    let line = refused(TlsSettings::Acme(acme)).await;
    assert!(line.starts_with("RBM_ACME_CACHE is invalid"), "{line}");
    let line = refused(TlsSettings::Acme(AcmeSettings::new(["not a name"]))).await;
    assert!(line.starts_with("RBM_TLS_DOMAINS is invalid"), "{line}");

    // From the environment: both kinds at once, and a bad domain list.
    let from_env = |pairs: &'static [(&'static str, &'static str)]| {
        ServerConfig::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .expect_err("refused")
        .to_string()
    };
    let line = from_env(&[
        ("RBM_TLS_CERT", "cert.pem"),
        ("RBM_TLS_KEY", "key.pem"),
        ("RBM_TLS_DOMAINS", "bot.example.com"),
    ]);
    assert!(
        line.starts_with("RBM_TLS_DOMAINS and RBM_TLS_CERT are both set"),
        "{line}"
    );
    let line = from_env(&[("RBM_TLS_DOMAINS", "bot.example.com,bot_example.com")]);
    assert!(line.starts_with("RBM_TLS_DOMAINS is invalid"), "{line}");

    // Nothing was left listening or half-started: a good configuration starts.
    let server = Server::builder()
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .listen(([127, 0, 0, 1], 0).into())
        .tls(TlsSettings::Files(CertFiles::new(&cert, &key)))
        .webhook(PATH, TOKEN, Recorder::new("fine"))
        .bind()
        .await
        .expect("a valid configuration starts");
    server.shutdown().await;
}
