//! The durable inbox end to end, with the compiled `inbox_echo` example as
//! a real server process on a real SQLite store, replying to a fake RBM API
//! in this process: `kill -9` under load loses nothing and sends nothing
//! twice, a slow API does not slow acknowledgements, duplicates are known
//! across restarts, dead letters can be retried while the server runs, a
//! store that cannot be written answers `503`, and start-up errors name
//! `RBM_STORE`.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rbm_runtime::store::{Selection, StoreConfig, StoreUrl};
use rbm_runtime::testing::fake_api::FakeRbmApi;
use support::{TOKEN, example, text_message};

const PATH: &str = "/hook";

/// A running `inbox_echo` process.
struct Bot {
    child: Child,
    url: String,
}

impl Bot {
    /// Starts the example on `store` (a SQLite file), replying to `api`.
    fn start(dir: &Path, api: &FakeRbmApi, extra: &[(&str, String)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let key = dir.join("key.json");
        api.write_key_file(&key).expect("key file");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .expect("log file");
        let child = Command::new(example("inbox_echo"))
            .env_clear()
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn")
            .env("RBM_CLIENT_TOKEN", TOKEN)
            .env("BIND", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RBM_WEBHOOK_PATH", PATH)
            .env(
                "RBM_STORE",
                format!("sqlite://{}", store_path(dir).display()),
            )
            .env("RBM_API_BASE_URL", api.base_url())
            .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the example");
        let bot = Self {
            child,
            url: format!("http://127.0.0.1:{port}{PATH}"),
        };
        bot.wait_ready(dir);
        bot
    }

    fn wait_ready(&self, dir: &Path) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let body = r#"{"clientToken":"SJENCPGJESMGUFPY","secret":"ready"}"#;
        loop {
            let answered = ureq_like_post(&self.url, body).is_some_and(|status| status == 200);
            if answered {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start; its log: {}",
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kill -9`: no shutdown, no flush, nothing.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking handshake POST with std only (used before the async client is needed).
fn ureq_like_post(url: &str, body: &str) -> Option<u16> {
    use std::io::Read as _;
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/')?;
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until the store in `dir` has nothing waiting and `marks` done marks.
async fn until_done(dir: &Path, marks: u64) {
    let url = StoreUrl::Sqlite(store_path(dir));
    let store = rbm_runtime::store::open(&url, StoreConfig::default())
        .await
        .expect("the store opens beside the server");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = store.status().await.expect("status");
        if status.waiting == 0 && status.done_marks >= marks {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the done mark was not stored: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn store_path(dir: &Path) -> PathBuf {
    dir.join("store").join("rbm.sqlite3")
}

fn temp_dir() -> tempfile::TempDir {
    // Inside target/: the same file system as the build, so `chattr` works.
    tempfile::Builder::new()
        .prefix("inbox-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temporary directory")
}

/// Posts delivery `i` (its own message id, Pub/Sub id and text `m{i}`) from
/// sender `sender`; `None` when the connection failed (the server died).
async fn deliver(
    client: &reqwest::Client,
    url: &str,
    sender: usize,
    text: &str,
    id: &str,
) -> Option<u16> {
    let phone = format!("+1555000{sender:04}");
    let data = text_message(&phone, id, text);
    let envelope = support::envelope(&data, &format!("ps-{id}"), support::Spelling::Camel);
    let signature = rbm_runtime::sign(TOKEN, &data);
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("X-Goog-Signature", signature)
        .body(envelope)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    Some(answer.status().as_u16())
}

/// How many times the fake API accepted a message with each text (what
/// reached users), and the order in which each phone got its texts.
fn accepted(api: &FakeRbmApi) -> (BTreeMap<String, usize>, BTreeMap<String, Vec<String>>) {
    let mut counts = BTreeMap::new();
    let mut orders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for request in api.requests() {
        if request.status != 200 || !request.path.ends_with("/agentMessages") {
            continue;
        }
        let Some(text) = request
            .body
            .as_ref()
            .and_then(|b| b.pointer("/contentMessage/text"))
            .and_then(|t| t.as_str())
        else {
            continue;
        };
        *counts.entry(text.to_owned()).or_insert(0) += 1;
        let phone = request
            .path
            .split('/')
            .nth(3)
            .unwrap_or_default()
            .to_owned();
        orders.entry(phone).or_default().push(text.to_owned());
    }
    (counts, orders)
}

/// Waits until `done` holds of the fake API's record (up to a minute).
async fn until(api: &FakeRbmApi, what: &str, done: impl Fn(&BTreeMap<String, usize>) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (counts, _) = accepted(api);
        if done(&counts) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_acknowledged_and_sends_nothing_twice() {
    let dir = temp_dir();
    let api = FakeRbmApi::start().await.expect("fake API");
    // Slow replies build a backlog, so the kill finds entries stored but not handled.
    api.set_latency(Duration::from_millis(20));
    let bot = Bot::start(dir.path(), &api, &[]);
    let client = support::client();
    const N: usize = 400;
    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(std::sync::Mutex::new(HashSet::new()));
    let mut posters = Vec::new();
    for _ in 0..16 {
        let (client, url, next, acked) =
            (client.clone(), bot.url.clone(), next.clone(), acked.clone());
        posters.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= N {
                    return;
                }
                if deliver(&client, &url, i % 8, &format!("m{i}"), &format!("id-{i}")).await
                    == Some(200)
                {
                    acked.lock().expect("acked").insert(i);
                }
            }
        }));
    }
    // Kill once part of the load is acknowledged, with more still coming.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().expect("acked").len() < 150 {
        assert!(Instant::now() < deadline, "the load does not progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bot.kill();
    for poster in posters {
        poster.await.expect("poster");
    }
    let acked_before: HashSet<usize> = acked.lock().expect("acked").clone();
    let (handled_before, _) = accepted(&api);
    assert!(
        handled_before.len() < acked_before.len(),
        "the kill came too late to test anything: every acknowledged delivery was already handled"
    );

    // Google redelivers whatever did not get a 200, and some that did.
    let bot = Bot::start(dir.path(), &api, &[]);
    for i in 0..N {
        if !acked_before.contains(&i) || i % 7 == 0 {
            let status = deliver(
                &client,
                &bot.url,
                i % 8,
                &format!("m{i}"),
                &format!("id-{i}"),
            )
            .await;
            assert_eq!(status, Some(200), "redelivery of m{i}");
        }
    }
    until(&api, "every delivery answered", |counts| counts.len() == N).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (counts, orders) = accepted(&api);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "answered more than once: {twice:?}");
    assert_eq!(orders.len(), 8, "eight users");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_api_does_not_slow_acknowledgements_and_one_users_replies_keep_their_order() {
    let dir = temp_dir();
    let api = FakeRbmApi::start().await.expect("fake API");
    api.set_latency(Duration::from_millis(400));
    let bot = Bot::start(dir.path(), &api, &[]);
    let client = support::client();
    for i in 0..10 {
        let status = deliver(&client, &bot.url, 1, &format!("m{i}"), &format!("slow-{i}")).await;
        assert_eq!(status, Some(200));
    }
    // Ten acknowledgements, one after the other, while the API took at
    // most a few of the replies: each would have waited 400 ms inline.
    let (counts, _) = accepted(&api);
    assert!(
        counts.len() < 5,
        "acknowledgements waited for replies: {counts:?}"
    );
    until(&api, "ten replies", |counts| counts.len() == 10).await;
    let (_, orders) = accepted(&api);
    let expected: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    assert_eq!(orders.values().next(), Some(&expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_300_from_one_user_is_acknowledged_at_once_and_each_answered_once() {
    let dir = temp_dir();
    let api = FakeRbmApi::start().await.expect("fake API");
    let bot = Bot::start(dir.path(), &api, &[]);
    let client = support::client();
    let started = Instant::now();
    let mut posts = Vec::new();
    for i in 0..300 {
        let (client, url) = (client.clone(), bot.url.clone());
        posts.push(tokio::spawn(async move {
            deliver(&client, &url, 3, &format!("b{i}"), &format!("burst-{i}")).await
        }));
    }
    for post in posts {
        assert_eq!(post.await.expect("post"), Some(200));
    }
    let acknowledged_in = started.elapsed();
    assert!(
        acknowledged_in < Duration::from_secs(10),
        "300 deliveries took {acknowledged_in:?} to acknowledge"
    );
    until(&api, "300 replies", |counts| counts.len() == 300).await;
    assert!(accepted(&api).0.values().all(|n| *n == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_of_a_delivery_handled_before_a_restart_is_not_handled_again() {
    let dir = temp_dir();
    let api = FakeRbmApi::start().await.expect("fake API");
    let client = support::client();
    let bot = Bot::start(dir.path(), &api, &[]);
    assert_eq!(
        deliver(&client, &bot.url, 1, "once", "dup-1").await,
        Some(200)
    );
    until(&api, "the reply", |counts| counts.contains_key("once")).await;
    // The reply goes out before the done mark is written: a kill between
    // the two leaves the entry to be handled again after the restart, with
    // the same reply id (at least once). This test is about the done mark.
    until_done(dir.path(), 1).await;
    bot.kill();
    let bot = Bot::start(dir.path(), &api, &[]);
    let requests = api.requests().len();
    assert_eq!(
        deliver(&client, &bot.url, 1, "once", "dup-1").await,
        Some(200)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        api.requests().len(),
        requests,
        "the duplicate was handled again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_let_the_user_go_on_and_are_retried_while_the_server_runs() {
    let dir = temp_dir();
    let api = FakeRbmApi::start().await.expect("fake API");
    let fail_file = dir.path().join("fail");
    std::fs::write(&fail_file, "").expect("fail file");
    let bot = Bot::start(
        dir.path(),
        &api,
        &[("ECHO_FAIL_FILE", fail_file.display().to_string())],
    );
    let client = support::client();
    assert_eq!(
        deliver(&client, &bot.url, 2, "fail-1", "dead-1").await,
        Some(200)
    );
    assert_eq!(
        deliver(&client, &bot.url, 2, "after", "dead-2").await,
        Some(200)
    );
    until(&api, "the next message of the user", |c| {
        c.contains_key("after")
    })
    .await;

    // The same store, opened by another process as `rbm inbox` does.
    let url = StoreUrl::Sqlite(store_path(dir.path()));
    let store = rbm_runtime::store::open(&url, StoreConfig::default())
        .await
        .expect("the store opens beside the server");
    let dead = store.dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].error.contains("told to fail"), "{}", dead[0].error);

    std::fs::remove_file(&fail_file).expect("no more failing");
    let retried = store.retry_dead(Selection::All).await.expect("retry");
    assert_eq!(retried.len(), 1);
    until(&api, "the retried delivery's reply", |c| {
        c.contains_key("fail-1")
    })
    .await;
    let status = store.status().await.expect("status");
    assert_eq!(status.dead, 0);
    drop(bot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_be_written_answers_503_until_it_can() {
    let dir = temp_dir();
    let api = FakeRbmApi::start().await.expect("fake API");
    let bot = Bot::start(dir.path(), &api, &[]);
    let client = support::client();
    assert_eq!(
        deliver(&client, &bot.url, 1, "before", "ro-0").await,
        Some(200)
    );
    let db = store_path(dir.path());
    let files = [db.clone(), PathBuf::from(format!("{}-wal", db.display()))];
    let chattr = |flag: &str| {
        for file in &files {
            let done = Command::new("chattr").arg(flag).arg(file).status();
            assert!(
                matches!(done, Ok(status) if status.success()),
                "`chattr {flag} {}` failed ({done:?}): this test makes the store immutable, \
                 which needs root (CAP_LINUX_IMMUTABLE), e2fsprogs (apt-get install e2fsprogs) \
                 and an ext2/3/4 file system under target/",
                file.display()
            );
        }
    };
    chattr("+i");
    let refused = deliver(&client, &bot.url, 1, "during", "ro-1").await;
    chattr("-i");
    assert_eq!(
        refused,
        Some(503),
        "a delivery that cannot be stored must not be acknowledged"
    );
    // Writable again: Google's redelivery is stored and handled.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = deliver(&client, &bot.url, 1, "during", "ro-1").await;
        if status == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "still {status:?} once writable");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until(&api, "the stored delivery's reply", |c| {
        c.contains_key("during")
    })
    .await;
}

/// Runs the example with `store` as `RBM_STORE`, expecting it to stop at
/// once with one line naming `RBM_STORE`.
fn assert_store_refused(store: &str, what: &str) {
    let output = Command::new(example("inbox_echo"))
        .env_clear()
        .env("NO_COLOR", "1")
        .env("RBM_CLIENT_TOKEN", TOKEN)
        .env("BIND", "127.0.0.1")
        .env("PORT", "0")
        .env("RBM_STORE", store)
        .stdin(Stdio::null())
        .output()
        .expect("run the example");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{store}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{store}: {stderr}");
    assert!(stderr.contains("RBM_STORE"), "{store}: {stderr}");
    assert!(stderr.contains(what), "{store}: {what:?} not in {stderr}");
}

#[test]
fn start_up_refuses_a_store_it_cannot_use_with_one_line_naming_rbm_store() {
    let dir = temp_dir();
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "not a database, just some text that is long enough to be a header",
    )
    .expect("text file");
    assert_store_refused(&format!("sqlite://{}", text.display()), "not an rbm store");

    let newer = dir.path().join("newer.sqlite3");
    let conn = rusqlite::Connection::open(&newer).expect("sqlite");
    // An rbm store ("RBMS" application id) written by a newer schema version.
    conn.execute_batch(
        "PRAGMA application_id = 1380076883; CREATE TABLE t(x); PRAGMA user_version = 999;",
    )
    .expect("schema");
    drop(conn);
    assert_store_refused(&format!("sqlite://{}", newer.display()), "newer");

    let other = dir.path().join("other.sqlite3");
    let conn = rusqlite::Connection::open(&other).expect("sqlite");
    conn.execute_batch("PRAGMA application_id = 42; CREATE TABLE t(x);")
        .expect("schema");
    drop(conn);
    assert_store_refused(&format!("sqlite://{}", other.display()), "not an rbm store");

    let under_a_file = text.join("store.sqlite3");
    assert_store_refused(
        &format!("sqlite://{}", under_a_file.display()),
        "cannot open",
    );
    assert_store_refused("postgres://localhost/db", "");
}
