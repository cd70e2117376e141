//! End to end over real HTTP, with the server's `tracing` output captured:
//! one line per delivery with its kind, outcome and latency; phone numbers
//! masked to their last 4 digits; the client token never written.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use support::{
    Action, PHONE, Recorder, Spelling, TOKEN, TestServer, envelope, handshake, post, pubsub_id,
    push, status, text_message, text_message_for, user_event,
};

/// Everything the subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether a log line has `key=value` (string values may be quoted).
fn has_field(line: &str, key: &str, value: &str) -> bool {
    line.contains(&format!("{key}={value}")) || line.contains(&format!("{key}=\"{value}\""))
}

/// Runs `test` on a current-thread runtime (so the server's tasks log on
/// this thread) with a subscriber writing to the returned capture.
fn capture_logs<F: Future<Output = ()>>(test: impl FnOnce() -> F) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(test());
    captured.text()
}

#[test]
fn a_delivery_is_logged_once_with_kind_outcome_latency_and_a_masked_sender() {
    let log = capture_logs(|| async {
        let agent = Recorder::new("agent");
        agent.script([Action::OK, Action::fail()]);
        let server = TestServer::start(agent).await;
        let message = text_message(PHONE, "MxLogged", "Hello, world!");
        assert_eq!(status(push(&server.url, &message, &pubsub_id())).await, 200);
        let event = user_event(PHONE, "EvLogged", "READ");
        assert_eq!(status(push(&server.url, &event, &pubsub_id())).await, 500);
        server.server.shutdown().await;
    });
    let deliveries: Vec<&str> = log.lines().filter(|l| l.contains("delivery")).collect();
    assert_eq!(deliveries.len(), 2, "one line per delivery:\n{log}");
    let [handled, failed] = [deliveries[0], deliveries[1]];
    for (field, value) in [
        ("kind", "message"),
        ("outcome", "handled"),
        ("status", "200"),
        ("sender", "***4444"),
        ("agent", support::AGENT),
    ] {
        assert!(
            has_field(handled, field, value),
            "{field}={value} missing: {handled}"
        );
    }
    assert!(handled.contains("latency_us="), "{handled}");
    for (field, value) in [
        ("kind", "user_event"),
        ("outcome", "failed"),
        ("status", "500"),
        ("sender", "***4444"),
    ] {
        assert!(
            has_field(failed, field, value),
            "{field}={value} missing: {failed}"
        );
    }
    assert!(
        failed.contains("the recorder was told to fail"),
        "the reason: {failed}"
    );
    assert!(
        !log.contains("2223334444"),
        "an unmasked phone number:\n{log}"
    );
}

#[test]
fn the_client_token_is_never_logged() {
    let log = capture_logs(|| async {
        let server = TestServer::start(Recorder::new("agent")).await;
        // A handshake carries the token; forged pushes are signed with it
        // over other bytes; a good push is signed with it.
        assert_eq!(status(handshake(&server.url, TOKEN, "s")).await, 200);
        let almost = format!("{TOKEN}X");
        assert_eq!(status(handshake(&server.url, &almost, "s")).await, 400);
        let data = text_message(PHONE, "MxToken", "hi");
        let body = envelope(&data, &pubsub_id(), Spelling::Both);
        let forged = rbm_runtime::sign(TOKEN, b"other bytes");
        assert_eq!(status(post(&server.url, body, Some(&forged))).await, 401);
        assert_eq!(status(push(&server.url, &data, &pubsub_id())).await, 200);
        server.server.shutdown().await;
    });
    assert!(
        log.contains("outcome=") || log.contains("outcome=\""),
        "nothing captured:\n{log}"
    );
    assert!(
        log.contains("unauthorized"),
        "the forged push is logged:\n{log}"
    );
    assert!(!log.contains(TOKEN), "the client token was logged:\n{log}");
}

#[test]
fn what_a_payload_says_cannot_forge_colour_or_split_a_log_line() {
    let forged = "evil\nINFO rbm::delivery: delivery path=/forged outcome=handled\x1b[2K\x1b[31m";
    let log = capture_logs(|| async {
        let server = TestServer::start(Recorder::new("agent")).await;
        let message = text_message_for(forged, "+12223\n\x1b[", "MxForged", "hi\nthere");
        assert_eq!(status(push(&server.url, &message, &pubsub_id())).await, 200);
        server.server.shutdown().await;
    });
    let deliveries: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("delivery path="))
        .collect();
    assert_eq!(deliveries.len(), 1, "one line for the delivery:\n{log}");
    let line = deliveries[0];
    assert!(has_field(line, "outcome", "handled"), "{line}");
    assert!(
        line.contains(r#"agent="evil\nINFO"#),
        "the agent, escaped: {line}"
    );
    assert!(
        line.contains(r#"sender="***3\n\u{1b}[""#),
        "the sender, escaped: {line}"
    );
    assert!(
        !log.contains('\x1b'),
        "an ANSI escape reached the log:\n{log}"
    );
}
