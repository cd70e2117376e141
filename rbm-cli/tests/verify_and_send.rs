//! `rbm verify` against a correct webhook and broken ones; `rbm send` of
//! deliveries and the statuses it prints.

mod support;

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use rbm_runtime::{Agent, Context, Delivery, HandlerResult, Reply, RunningServer, Server};
use support::text;

const TOKEN: &str = "SJENCPGJESMGUFPY";

struct Hello;

impl Agent for Hello {
    async fn handle(&self, _: &Delivery, _: &Context) -> HandlerResult {
        Ok(vec![Reply::text("Hello")])
    }
}

/// A correct rbm webhook on `/hook`.
async fn webhook() -> (RunningServer, String) {
    let server = Server::builder()
        .delivery(rbm_runtime::DeliveryMode::Inline)
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .webhook("/hook", TOKEN, Hello)
        .bind()
        .await
        .expect("server starts");
    let url = format!("http://{}/hook", server.local_addr());
    (server, url)
}

/// Runs `rbm` off the async runtime (it blocks).
async fn rbm(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::run(&args, "")
    })
    .await
    .expect("rbm ran")
}

/// Runs `rbm` with `RBM_CLIENT_TOKEN` set to `token`, or unset.
async fn rbm_with_token_env(
    args: Vec<String>,
    token: Option<&'static str>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::run_with(&args, "", |command| {
            match token {
                Some(token) => command.env("RBM_CLIENT_TOKEN", token),
                None => command.env_remove("RBM_CLIENT_TOKEN"),
            };
        })
    })
    .await
    .expect("rbm ran")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A broken webhook answering every request with `respond(secret)`, in a thread.
fn broken(respond: Respond) -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // Read the headers, then the body by Content-Length.
            let body = loop {
                let Ok(n) = stream.read(&mut buffer) else {
                    break String::new();
                };
                if n == 0 {
                    break String::new();
                }
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break text[end + 4..].to_owned();
                    }
                }
            };
            let secret = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["secret"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = stream.write_all(respond(&secret).as_bytes());
        }
    });
    url
}

/// How a broken webhook answers, given the handshake's secret.
type Respond = fn(&str) -> String;

fn response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn verify_passes_a_correct_webhook() {
    let (server, url) = webhook().await;
    let output = rbm(args(&["verify", &url, "--token", TOKEN])).await;
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("PASS"), "{stdout}");
    assert!(
        stdout.contains("a wrong client token is refused (400 Bad Request)"),
        "{stdout}"
    );
    // The wrong token for this webhook: the console would fail.
    let output = rbm(args(&["verify", &url, "--token", "WRONG"])).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL status 400 Bad Request: the webhook refused the token"),
        "{stdout}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn verify_says_why_a_broken_webhook_fails() {
    let cases: [(Respond, &str); 4] = [
        (
            |_| response("500 Internal Server Error", "text/plain", ""),
            "status 500 Internal Server Error: the console needs 200 OK",
        ),
        (
            |_| response("200 OK", "text/plain", "ok"),
            "the body must be the secret",
        ),
        (
            |s| {
                response(
                    "200 OK",
                    "application/json",
                    &format!("{{\"secret\":\"{s}\"}}"),
                )
            },
            "the body must be the secret",
        ),
        (
            |s| response("200 OK", "application/json", s),
            "Content-Type is \"application/json\"; it must be text/plain",
        ),
    ];
    for (respond, why) in cases {
        let url = broken(respond);
        let output = rbm(args(&["verify", &url, "--token", TOKEN])).await;
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains(why), "{why:?} not in:\n{stdout}");
        assert!(
            stdout.contains("FAIL: the console's verification would fail."),
            "{stdout}"
        );
    }
    // An echo of the secret for any token passes, with a warning.
    let url = broken(|s| response("200 OK", "text/plain; charset=utf-8", s));
    let output = rbm(args(&["verify", &url, "--token", TOKEN])).await;
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("warn a wrong client token is accepted too"),
        "{stdout}"
    );
}

#[tokio::test]
async fn verify_reports_an_unreachable_webhook() {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let output = rbm(args(&["verify", &url, "--token", TOKEN])).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL the webhook is unreachable"),
        "{stdout}"
    );
}

#[tokio::test]
async fn send_delivers_every_kind_and_prints_the_status() {
    let (server, url) = webhook().await;
    let kinds: [&[&str]; 9] = [
        &["text", "hello"],
        &["postback", "menu", "--text", "Menu"],
        &["postback", "call", "--action"],
        &["location", "--", "-33.86", "151.2"],
        &["file", "https://example.com/a.png", "image/png"],
        &["event", "read", "--message-id", "m1"],
        &["ttl", "revoke-failed"],
        &["launch", "launched"],
        &["raw", "{\"somethingNew\":1}"],
    ];
    for kind in kinds {
        let mut command = args(&["send", &url, "--token", TOKEN, "--show"]);
        command.extend(args(kind));
        let output = rbm(command).await;
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{kind:?}: {stdout}{}",
            text(&output.stderr)
        );
        assert!(
            stdout.contains(&format!("POST {url} -> 200 OK")),
            "{stdout}"
        );
        assert!(stdout.contains("payload: {"), "{stdout}");
    }
    let output = rbm(args(&["send", &url, "--token", "WRONG", "text", "hi"])).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).contains("401 Unauthorized"));
    assert!(text(&output.stderr).contains("is --token the webhook's client token?"));
    server.shutdown().await;
}

#[tokio::test]
async fn the_token_can_come_from_the_environment() {
    let (server, url) = webhook().await;
    let sent = rbm_with_token_env(args(&["send", &url, "text", "hi"]), Some(TOKEN)).await;
    assert!(
        text(&sent.stdout).contains("-> 200 OK"),
        "{}",
        text(&sent.stderr)
    );
    let verified = rbm_with_token_env(args(&["verify", &url]), Some(TOKEN)).await;
    assert!(verified.status.success(), "{}", text(&verified.stdout));
    // The command line wins over the environment.
    let explicit = rbm_with_token_env(
        args(&["send", &url, "--token", TOKEN, "text", "hi"]),
        Some("WRONG"),
    )
    .await;
    assert!(explicit.status.success(), "{}", text(&explicit.stdout));
    let wrong = rbm_with_token_env(args(&["send", &url, "text", "hi"]), Some("WRONG")).await;
    assert!(text(&wrong.stdout).contains("401 Unauthorized"));
    // Neither: a usage error naming both ways.
    let neither = rbm_with_token_env(args(&["send", &url, "text", "hi"]), None).await;
    assert_eq!(neither.status.code(), Some(2));
    assert!(
        text(&neither.stderr).contains("--token"),
        "{}",
        text(&neither.stderr)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn help_names_the_token_variable_but_never_its_value() {
    for command in ["send", "verify", "chat"] {
        let help = rbm_with_token_env(args(&[command, "--help"]), Some("SECRETVALUE")).await;
        let stdout = text(&help.stdout);
        assert!(help.status.success(), "{command}: {stdout}");
        assert!(stdout.contains("RBM_CLIENT_TOKEN"), "{command}: {stdout}");
        assert!(!stdout.contains("SECRETVALUE"), "{command}: {stdout}");
    }
}
