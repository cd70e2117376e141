//! `examples/counter.rs`: the contract other tests rely on (`count` answers
//! 1, 2, ... per user, `reset` answers 0, anything else a hint), and its
//! state is exact across a `kill -9`: under a stream of `count` messages,
//! killed and restarted, with Google redelivering what was not
//! acknowledged, the replies are exactly 1..N, each once.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/counter.rs"]
mod counter;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use counter::{Counter, Tally};
use rbm_runtime::testing::fake_api::FakeRbmApi;
use rbm_runtime::testing::{Google, HeaderName, HttpBot, StatusCode, TestBot, read_sent};

#[tokio::test]
async fn count_counts_per_user_and_reset_starts_again() {
    let bot = TestBot::new(Counter);
    bot.text("count").await.expect_text("1");
    bot.text("Count").await.expect_text("2");
    assert_eq!(bot.state::<Tally>().await, Tally { count: 2 });
    let other = TestBot::new(Counter).sender("+15550002222");
    other.text("count").await.expect_text("1");
    bot.text("hello").await.expect_text("say count or reset");
    bot.text("reset").await.expect_text("0");
    bot.text("count").await.expect_text("1");
}

const TOKEN: &str = "counter-test-token";
const USER: &str = "+15550001111";

/// The counter example as a server process on a SQLite store in `dir`,
/// replying to `api`.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path, api: &FakeRbmApi) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let key = dir.join("key.json");
        api.write_key_file(&key).expect("key file");
        let child = Command::new(counter_binary())
            .env_clear()
            .env("RUST_LOG", "warn")
            .env("RBM_CLIENT_TOKEN", TOKEN)
            .env("BIND", "127.0.0.1")
            .env("PORT", port.to_string())
            .env(
                "RBM_STORE",
                format!("sqlite://{}", dir.join("rbm.sqlite3").display()),
            )
            .env("RBM_API_BASE_URL", api.base_url())
            .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the counter starts");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        }
    }

    /// `kill -9`: no shutdown, no flush.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example's binary, built first (`cargo test --test` builds none).
fn counter_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let mut cargo = Command::new(env!("CARGO"));
    // The variables cargo hands this test would make build scripts rerun.
    let handed = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
    ];
    let singles = ["OUT_DIR", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"];
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy().into_owned();
        if handed.iter().any(|p| var.starts_with(p)) || singles.contains(&var.as_str()) {
            cargo.env_remove(var);
        }
    }
    let status = cargo
        .args(["build", "--quiet", "-p", "rbm", "--example", "counter"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the counter example builds");
    profile_dir.join("examples").join("counter")
}

/// Waits until the server answers the handshake.
async fn ready(bot: &HttpBot) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let body = format!(r#"{{"clientToken":"{TOKEN}","secret":"up"}}"#);
    let json = (
        HeaderName::from_static("content-type"),
        "application/json".to_owned(),
    );
    loop {
        let answer = bot
            .transport()
            .post(std::slice::from_ref(&json), body.clone().into())
            .await;
        if matches!(answer, Ok((StatusCode::OK, _, _))) {
            return;
        }
        assert!(Instant::now() < deadline, "the counter did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The texts the fake API accepted for the user, in arrival order.
fn accepted_texts(api: &FakeRbmApi) -> Vec<String> {
    let (messages, _) = read_sent(&api.requests(), Some(USER));
    messages
        .iter()
        .filter_map(|message| message.as_text().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_stream_of_counts_neither_loses_nor_doubles_a_count() {
    const N: usize = 60;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let api = FakeRbmApi::start().await.expect("the fake API");
    // Slow replies build a backlog, so the kill finds counts stored but
    // not handled yet.
    api.set_latency(Duration::from_millis(25));
    let google = Google::new(TOKEN).sender(USER);
    let pushes: Vec<_> = (0..N)
        .map(|n| {
            google
                .text("count")
                .message_id(format!("msg-{n}"))
                .pubsub_id(format!("pubsub-{n}"))
                .build()
        })
        .collect();

    let mut server = Server::start(dir.path(), &api);
    let bot = HttpBot::new(&server.url, TOKEN).expect("a client");
    ready(&bot).await;
    let mut acknowledged = [false; N];
    for (n, push) in pushes.iter().enumerate().take(N / 2) {
        let status = bot.try_deliver(push.clone()).await.map(|r| r.status());
        acknowledged[n] = matches!(status, Ok(StatusCode::OK));
    }
    server.kill();
    let handled_before = accepted_texts(&api).len();
    assert!(
        handled_before < N / 2,
        "the kill came too late to test anything: {handled_before} counts already answered"
    );

    // The second half arrives while the server is down (refused), then
    // Google redelivers everything not acknowledged, and a few that were.
    let server = Server::start(dir.path(), &api);
    let bot = HttpBot::new(&server.url, TOKEN).expect("a client");
    ready(&bot).await;
    for (n, push) in pushes.iter().enumerate() {
        if !acknowledged[n] || n % 5 == 0 {
            bot.deliver(push.clone())
                .await
                .expect_status(StatusCode::OK);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while accepted_texts(&api).len() < N {
        assert!(Instant::now() < deadline, "not every count was answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut texts: Vec<u64> = accepted_texts(&api)
        .iter()
        .map(|text| text.parse().expect("a count"))
        .collect();
    texts.sort_unstable();
    let expected: Vec<u64> = (1..=N as u64).collect();
    assert_eq!(texts, expected, "each count exactly once");
}
