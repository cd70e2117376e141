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
use rbm_runtime::testing::{
    Google, HeaderName, HttpBot, RedisServer, StatusCode, TestBot, read_sent,
};

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

/// The counter example as a server process on a SQLite store in `dir`
/// (or the store `RBM_STORE` names in `env`), replying to `api`.
struct Server {
    child: Child,
    url: String,
    /// Where its stderr goes: shown when it does not start.
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path, api: &FakeRbmApi) -> Self {
        Self::start_with(dir, api, &[])
    }

    fn start_with(dir: &Path, api: &FakeRbmApi, env: &[(&str, String)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let key = dir.join("key.json");
        api.write_key_file(&key).expect("key file");
        let log = dir.join(format!("counter-{port}.log"));
        let stderr = std::fs::File::create(&log).expect("a log file");
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
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the counter starts");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            log,
        }
    }

    /// Waits until it answers the handshake; if it exits or does not
    /// answer in time, fails with what it printed.
    async fn ready(&mut self) {
        let bot = HttpBot::new(&self.url, TOKEN).expect("a client");
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
            let exited = self.child.try_wait().expect("the counter's status");
            if exited.is_some() || Instant::now() >= deadline {
                let printed = std::fs::read_to_string(&self.log).unwrap_or_default();
                let how = exited.map_or("did not answer within 60 s".to_owned(), |status| {
                    format!("exited ({status})")
                });
                panic!("the counter at {} {how}; it printed:\n{printed}", self.url);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
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
    // Every example, as `cargo test --workspace` builds them: the same
    // features, so the same artifacts (see `rbm-cli/tests/support`).
    let status = cargo
        .args(["build", "--quiet", "--workspace", "--examples"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the counter example builds");
    profile_dir.join("examples").join("counter")
}

/// The texts the fake API accepted for the user, in arrival order.
fn accepted_texts(api: &FakeRbmApi) -> Vec<String> {
    accepted_texts_of(api, USER)
}

/// The texts the fake API accepted for `user`, in arrival order.
fn accepted_texts_of(api: &FakeRbmApi, user: &str) -> Vec<String> {
    let (messages, _) = read_sent(&api.requests(), Some(user));
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
    server.ready().await;
    let bot = HttpBot::new(&server.url, TOKEN).expect("a client");
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
    let mut server = Server::start(dir.path(), &api);
    server.ready().await;
    let bot = HttpBot::new(&server.url, TOKEN).expect("a client");
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

/// User `u` of the replica tests.
fn replica_user(u: usize) -> String {
    format!("+1555100{u:04}")
}

/// Sends `count` to the replicas as a load balancer and Google would: round
/// robin, and what is not acknowledged (a replica gone, Redis down) again,
/// to the next replica, until it is.
async fn count_through(replicas: &[HttpBot], n: usize) {
    let user = replicas[0].google().user().to_owned();
    let push = replicas[0]
        .google()
        .text("count")
        .message_id(format!("{user}-{n}"))
        .build();
    let deadline = Instant::now() + Duration::from_secs(90);
    for attempt in 0.. {
        let bot = &replicas[(n + attempt) % replicas.len()];
        if let Ok(replies) = bot.try_deliver(push.clone()).await
            && replies.status() == StatusCode::OK
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{user}'s count {n} was never acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_on_redis_count_exactly_through_a_kill_9_and_a_redis_restart() {
    const USERS: usize = 50;
    const COUNTS: usize = 40;
    let mut redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let api = FakeRbmApi::start().await.expect("the fake API");
    // A short lease: the dead replica's users are taken over within 2 s.
    let env = [
        ("RBM_STORE", redis.raw_url()),
        ("RBM_REDIS_LEASE_SECS", "2".to_owned()),
    ];
    let mut replicas: Vec<Server> = (0..3)
        .map(|_| Server::start_with(dir.path(), &api, &env))
        .collect();
    for replica in &mut replicas {
        replica.ready().await;
    }
    let all: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();

    // Each user counts in order; users at once.
    let send = |urls: Vec<String>, counts: std::ops::RangeInclusive<usize>| {
        let tasks: Vec<_> = (0..USERS)
            .map(|u| {
                let (urls, counts) = (urls.clone(), counts.clone());
                tokio::spawn(async move {
                    // One client per user and replica, as Google keeps its connections.
                    let bots: Vec<HttpBot> = urls
                        .iter()
                        .map(|url| {
                            HttpBot::new(url, TOKEN)
                                .expect("a client")
                                .sender(replica_user(u))
                        })
                        .collect();
                    for n in counts {
                        count_through(&bots, n).await;
                    }
                })
            })
            .collect();
        async move {
            for task in tasks {
                task.await.expect("a user's counts");
            }
        }
    };
    send(all.clone(), 1..=COUNTS / 2).await;
    // One replica dies mid-stream: its partitions, with what it stored and
    // did not handle, go to the others once its leases lapse.
    replicas[2].kill();
    let survivors = all[..2].to_vec();
    let second_half = send(survivors, COUNTS / 2 + 1..=COUNTS);
    // Redis goes away for a moment: deliveries get 503 and are sent again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    redis.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.restart();
    second_half.await;

    let deadline = Instant::now() + Duration::from_secs(90);
    let expected: Vec<String> = (1..=COUNTS).map(|n| n.to_string()).collect();
    loop {
        let done = (0..USERS)
            .filter(|u| accepted_texts_of(&api, &replica_user(*u)).len() >= COUNTS)
            .count();
        if done == USERS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{done} of {USERS} users got every count"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for u in 0..USERS {
        // In order and each once: the state moved exactly once per count.
        assert_eq!(
            accepted_texts_of(&api, &replica_user(u)),
            expected,
            "user {u}"
        );
    }
}
