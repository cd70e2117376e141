//! `RBM_LOG_FORMAT=json`: the `inbox_echo` example as a server process
//! writes one JSON object per line; a delivery's facts are fields, its
//! stored line and its handling's lines share its ids, and no line holds
//! the client token, an access token or a full phone number.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rbm_runtime::testing::fake_api::FakeRbmApi;
use serde_json::Value;
use support::{TOKEN, example, text_message};

const PATH: &str = "/hook";
const PHONE: &str = "+15550001234";

struct Bot {
    child: Child,
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, api: &FakeRbmApi, format: &str, port: u16) -> Bot {
    let key = dir.join("key.json");
    api.write_key_file(&key).expect("key file");
    let log = std::fs::File::create(dir.join("server.log")).expect("log file");
    let child = Command::new(example("inbox_echo"))
        .env_clear()
        .env("RUST_LOG", "info")
        .env("RBM_LOG_FORMAT", format)
        .env("RBM_CLIENT_TOKEN", TOKEN)
        .env("BIND", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("RBM_WEBHOOK_PATH", PATH)
        .env(
            "RBM_STORE",
            format!("sqlite://{}", dir.join("rbm.sqlite3").display()),
        )
        .env("RBM_API_BASE_URL", api.base_url())
        .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the example");
    Bot { child }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test]
async fn json_lines_parse_carry_the_deliverys_fields_and_no_secret() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let api = FakeRbmApi::start().await.expect("the fake API");
    let port = free_port();
    let mut bot = start(dir.path(), &api, "json", port);
    let url = format!("http://127.0.0.1:{port}{PATH}");
    let client = support::client();
    let data = text_message(PHONE, "msg-1", "hello json");
    let envelope = support::envelope(&data, "ps-json-1", support::Spelling::Camel);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent = client
            .post(&url)
            .header("content-type", "application/json")
            .header("X-Goog-Signature", rbm_runtime::sign(TOKEN, &data))
            .body(envelope.clone())
            .send()
            .await;
        if sent.is_ok_and(|answer| answer.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "the bot did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while api
        .requests()
        .iter()
        .all(|r| !r.path.ends_with("/agentMessages"))
    {
        assert!(Instant::now() < deadline, "the echo never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A forged delivery: its line has the reason as a field.
    let forged = client
        .post(&url)
        .header("content-type", "application/json")
        .header("X-Goog-Signature", "bm90IGEgc2lnbmF0dXJl")
        .body(envelope)
        .send()
        .await
        .expect("an answer");
    assert_eq!(forged.status(), 401);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // SIGKILL would lose the buffered lines: stop it as a platform does.
    let pid = bot.child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let _ = bot.child.wait();

    let log = std::fs::read_to_string(dir.path().join("server.log")).expect("the log");
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(lines.len() >= 3, "{log}");
    for line in &lines {
        for field in ["time", "severity", "target", "message"] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
    }
    assert!(!log.contains(TOKEN), "the client token leaked: {log}");
    assert!(!log.contains(PHONE), "a full phone number leaked: {log}");
    assert!(!log.to_lowercase().contains("bearer"), "{log}");
    let deliveries: Vec<&Value> = lines
        .iter()
        .filter(|line| line["target"] == "rbm::delivery")
        .collect();
    let stored = deliveries
        .iter()
        .find(|line| line["outcome"] == "stored")
        .unwrap_or_else(|| panic!("no stored line: {log}"));
    assert_eq!(stored["kind"], "message");
    assert_eq!(stored["status"], 200);
    assert_eq!(stored["delivery_id"], "ps-json-1");
    assert!(stored["entry"].is_u64(), "{stored}");
    assert_eq!(stored["sender"], "***1234");
    let refused = deliveries
        .iter()
        .find(|line| line["status"] == 401)
        .unwrap_or_else(|| panic!("no 401 line: {log}"));
    assert!(refused["reason"].is_string(), "{refused}");
}

#[test]
fn a_wrong_log_format_stops_start_up_naming_the_setting() {
    let output = Command::new(example("inbox_echo"))
        .env_clear()
        .env("RBM_LOG_FORMAT", "yaml")
        .env("RBM_CLIENT_TOKEN", TOKEN)
        .env("PORT", "0")
        .output()
        .expect("the example runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("RBM_LOG_FORMAT"), "{stderr}");
}
