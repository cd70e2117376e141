//! End to end with the compiled `trivial` example (a binary built on
//! `serve_from_env`): configuration errors end it with one line naming the
//! setting, SIGTERM ends it cleanly, and its logs mask phone numbers and
//! never show the client token.

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{PATIENCE, handshake, post, pubsub_id, push, status_and_body, text_message};

const TOKEN: &str = "BINARYTOKEN12345";
const PHONE: &str = "+12223334444";

/// The example with a clean environment plus `vars`.
fn command(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(support::example("trivial"));
    command
        .env_clear()
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        // Nothing written to the source tree (a test that wants a store says so).
        .env("RBM_STORE", "memory")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Waits for `child` to exit, killing it after [`PATIENCE`].
fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the example did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs the example with `vars`, expecting it to stop at once: its status and stderr.
fn run_to_exit(vars: &[(&str, &str)]) -> (ExitStatus, String) {
    let mut child = command(vars).spawn().expect("start the example");
    let stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = wait(&mut child);
    (status, reader.join().expect("the stderr reader"))
}

/// Checks an exit on a configuration error: non-zero, one line, naming `what`.
fn assert_config_error(vars: &[(&str, &str)], what: &str) {
    let (status, stderr) = run_to_exit(vars);
    assert!(
        !status.success(),
        "{vars:?} exited with {status}; stderr: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{vars:?}: not one line: {stderr}"
    );
    assert!(
        stderr.contains(what),
        "{vars:?}: {what:?} not named: {stderr}"
    );
    for word in ["panicked", "backtrace", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(word), "{vars:?}: {stderr}");
    }
}

#[test]
fn a_missing_client_token_is_named() {
    assert_config_error(&[("PORT", "0")], "RBM_CLIENT_TOKEN");
    assert_config_error(
        &[("PORT", "0"), ("RBM_CLIENT_TOKEN", "")],
        "RBM_CLIENT_TOKEN",
    );
}

#[test]
fn a_port_that_is_not_a_number_is_named() {
    assert_config_error(&[("RBM_CLIENT_TOKEN", TOKEN), ("PORT", "abc")], "PORT");
}

#[test]
fn a_webhook_path_without_a_slash_is_named() {
    let vars = [
        ("RBM_CLIENT_TOKEN", TOKEN),
        ("PORT", "0"),
        ("RBM_WEBHOOK_PATH", "nopath"),
    ];
    assert_config_error(&vars, "RBM_WEBHOOK_PATH");
}

#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("addr").port().to_string();
    let vars = [
        ("RBM_CLIENT_TOKEN", TOKEN),
        ("BIND", "127.0.0.1"),
        ("PORT", port.as_str()),
    ];
    assert_config_error(&vars, &format!("127.0.0.1:{port}"));
    drop(taken);
}

/// Whether a log line has `key=value` (string values may be quoted).
fn has_field(line: &str, key: &str, value: &str) -> bool {
    line.contains(&format!("{key}={value}")) || line.contains(&format!("{key}=\"{value}\""))
}

/// Removes ANSI colour sequences, in case the subscriber colours anyway.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The example serving on a free port, its stderr collected line by line.
struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    addr: SocketAddr,
}

impl Running {
    fn start() -> Self {
        let mut child = command(&[
            ("RBM_CLIENT_TOKEN", TOKEN),
            ("BIND", "127.0.0.1"),
            ("PORT", "0"),
            ("RBM_WEBHOOK_PATH", "/hook"),
            ("RUST_LOG", "info"),
        ])
        .spawn()
        .expect("start the example");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn({
            let lines = Arc::clone(&lines);
            move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let line = strip_ansi(&line);
                    if let Some((_, rest)) = line.split_once("local_addr=") {
                        let addr = rest.split_whitespace().next().unwrap_or_default();
                        let _ = addr_tx.send(addr.parse::<SocketAddr>());
                    }
                    lines.lock().expect("lines").push(line);
                }
            }
        });
        let addr = match addr_rx.recv_timeout(PATIENCE) {
            Ok(Ok(addr)) => addr,
            other => {
                let _ = child.kill();
                panic!(
                    "no listening address logged ({other:?}): {:?}",
                    lines.lock()
                );
            }
        };
        Self {
            child,
            lines,
            reader: Some(reader),
            addr,
        }
    }

    fn url(&self) -> String {
        support::url(self.addr, "/hook")
    }

    /// Sends SIGTERM, waits for the exit, returns its status and every stderr line.
    fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let status = wait(&mut self.child);
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the stderr reader");
        }
        let lines = self.lines.lock().expect("lines").clone();
        (status, lines)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Only if a test failed before terminating it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_logs_masked_deliveries_and_exits_0_on_sigterm() {
    let running = Running::start();
    let url = running.url();

    let (status, body) = status_and_body(handshake(&url, TOKEN, "the-secret").await).await;
    assert_eq!((status, body.as_str()), (200, "the-secret"));
    let (status, _) = status_and_body(handshake(&url, "NOTTHETOKEN12345", "x").await).await;
    assert_eq!(status, 400);
    let data = text_message(PHONE, "MxFromBinary", "Hello, world!");
    let forged = support::envelope(&data, &pubsub_id(), support::Spelling::Both);
    let forged = post(
        &url,
        forged,
        Some(&rbm_runtime::sign("NOTTHETOKEN12345", &data)),
    )
    .await;
    assert_eq!(forged.status().as_u16(), 401);
    let handled = support::push_as(&url, TOKEN, &data, &pubsub_id()).await;
    assert_eq!(handled.status().as_u16(), 200);
    // The support module's default token is not this binary's.
    assert_eq!(support::status(push(&url, &data, &pubsub_id())).await, 401);

    let (status, lines) = running.terminate();
    let log = lines.join("\n");
    assert!(status.success(), "exit status {status}; stderr:\n{log}");

    let delivery = lines
        .iter()
        .find(|line| line.contains("delivery") && has_field(line, "outcome", "stored"))
        .unwrap_or_else(|| panic!("no delivery line:\n{log}"));
    for (field, value) in [
        ("kind", "message"),
        ("status", "200"),
        ("sender", "***4444"),
    ] {
        assert!(
            has_field(delivery, field, value),
            "{field}={value} missing: {delivery}"
        );
    }
    assert!(
        delivery.contains("latency_us="),
        "latency missing: {delivery}"
    );
    assert!(
        lines
            .iter()
            .any(|l| has_field(l, "outcome", "unauthorized")),
        "the forged delivery is logged:\n{log}"
    );
    assert!(
        !log.contains("2223334444"),
        "an unmasked phone number:\n{log}"
    );
    assert!(!log.contains(TOKEN), "the client token was logged:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}
