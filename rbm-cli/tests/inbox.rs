//! `rbm inbox` on a real SQLite store, made with the runtime's API in a
//! temporary directory and kept open by this test while the tool runs, as a
//! running server keeps it.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rbm_runtime::store::{
    self, Appended, DedupeKey, EntryId, NewEntry, Store, StoreConfig, StoreUrl,
};
use serde_json::Value;
use support::text;

const PHONE: &str = "+12223334444";
/// What a handler failed with: a newline and an ANSI colour, which the tool
/// must not print raw.
const NASTY_ERROR: &str = "handler failed:\n\u{1b}[31mboom";

/// A store in its own temporary directory.
struct TestStore {
    dir: tempfile::TempDir,
    path: PathBuf,
    store: Arc<dyn Store>,
}

impl TestStore {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("rbm.sqlite3");
        let store = store::open(&StoreUrl::Sqlite(path.clone()), StoreConfig::default())
            .await
            .expect("the store opens");
        Self { dir, path, store }
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// Appends the text message `n`, received `age_ms` ago.
    async fn message(&self, n: u32, age_ms: i64) -> EntryId {
        let data = format!(
            r#"{{"senderPhoneNumber":"{PHONE}","messageId":"m{n}","sendTime":"2024-05-01T10:00:00Z","agentId":"bot@rbm.goog","text":"hi {n}"}}"#
        );
        self.append(&format!("m{n}"), data.into_bytes(), age_ms)
            .await
    }

    /// Appends `data` with the one key `key`.
    async fn append(&self, key: &str, data: Vec<u8>, age_ms: i64) -> EntryId {
        match self.store.append(entry(key, data, age_ms)).await {
            Ok(Appended::Stored(id)) => id,
            other => panic!("appending {key}: {other:?}"),
        }
    }

    /// Runs `rbm inbox ARGS --store URL` on this store.
    fn rbm(&self, args: &[&str]) -> Output {
        let url = self.url();
        let mut all = vec!["inbox"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--store", &url]);
        rbm_in(&all, None, self.dir.path())
    }
}

fn entry(key: &str, data: Vec<u8>, age_ms: i64) -> NewEntry {
    NewEntry {
        lane: format!("/hook bot@rbm.goog {PHONE}"),
        webhook: "/hook".to_owned(),
        keys: vec![DedupeKey::of(&["test", key])],
        data,
        pubsub_message_id: Some(format!("pubsub-{key}")),
        publish_time: None,
        attribute_type: Some("message".to_owned()),
        received_at_ms: now_ms() - age_ms,
    }
}

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_millis()).expect("in range")
}

/// Runs `rbm ARGS` in `dir` with `RBM_STORE` set to `store_env`, or unset.
fn rbm_in(args: &[&str], store_env: Option<&str>, dir: &Path) -> Output {
    support::run_with(args, "", |command| {
        command.current_dir(dir);
        match store_env {
            Some(url) => command.env("RBM_STORE", url),
            None => command.env_remove("RBM_STORE"),
        };
    })
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "rbm failed: {}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The single line of an error and the exit code it came with.
fn failed(output: &Output) -> (String, Option<i32>) {
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    (stderr, output.status.code())
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&succeeded(output)).expect("the output is one JSON value")
}

#[tokio::test]
async fn status_counts_what_waits_retries_died_and_was_done() {
    let store = TestStore::new().await;
    let done = store.message(1, 0).await;
    let retrying = store.message(2, 125_000).await;
    store.message(3, 0).await;
    let dead = store.message(4, 0).await;
    store.store.complete(done).await.expect("completed");
    store
        .store
        .record_failure(retrying, 2, now_ms() + 60_000, "timed out")
        .await
        .expect("recorded");
    store.store.dead_letter(dead, "failed").await.expect("dead");

    let shown = succeeded(&store.rbm(&["status"]));
    for line in [
        "waiting:    2",
        "retrying:   1",
        "oldest:     2 min",
        "dead:       1",
        "done marks: 1",
    ] {
        assert!(shown.contains(line), "{line:?} in\n{shown}");
    }

    let status = json(&store.rbm(&["status", "--json"]));
    assert_eq!(status["waiting"], 2);
    assert_eq!(status["retrying"], 1);
    assert_eq!(status["dead"], 1);
    assert_eq!(status["done_marks"], 1);
    let oldest = status["oldest_age_ms"].as_i64().expect("an age");
    assert!((125_000..185_000).contains(&oldest), "{oldest}");
}

#[tokio::test]
async fn status_of_an_empty_store_has_no_oldest_entry() {
    let store = TestStore::new().await;
    assert!(succeeded(&store.rbm(&["status"])).contains("oldest:     -\n"));
    let status = json(&store.rbm(&["status", "--json"]));
    assert_eq!(status["oldest_age_ms"], Value::Null);
    assert_eq!(status["waiting"], 0);
}

#[tokio::test]
async fn dead_lists_letters_with_the_sender_masked_and_the_error_escaped() {
    let store = TestStore::new().await;
    let message = store.message(1, 3_900_000).await;
    let broken = store.append("broken", b"not json".to_vec(), 0).await;
    store.message(2, 0).await;
    store
        .store
        .record_failure(message, 3, now_ms(), "first")
        .await
        .expect("recorded");
    store
        .store
        .dead_letter(message, NASTY_ERROR)
        .await
        .expect("dead");
    store
        .store
        .dead_letter(broken, "its payload does not parse")
        .await
        .expect("dead");

    let shown = succeeded(&store.rbm(&["dead"]));
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two letters:\n{shown}");
    assert!(lines[0].starts_with("ID"), "{shown}");
    assert!(
        !shown.contains("2223334444"),
        "a full phone number:\n{shown}"
    );
    assert!(!shown.contains('\u{1b}'), "a raw escape:\n{shown}");
    let cells: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        cells[..9],
        [
            &message.to_string(),
            "1",
            "h",
            "5",
            "min",
            "3",
            "message",
            "***4444",
            "/hook"
        ]
    );
    assert!(
        lines[1].ends_with(r"handler failed:\n\u{1b}[31mboom"),
        "{shown}"
    );
    let cells: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        cells[..7],
        [&broken.to_string(), "0", "s", "0", "-", "-", "/hook"]
    );

    let listed = json(&store.rbm(&["dead", "--json"]));
    assert_eq!(listed["total"], 2);
    let first = &listed["dead_letters"][0];
    assert_eq!(first["id"], message.0);
    assert_eq!(first["sender"], "***4444");
    assert_eq!(first["kind"], "message");
    assert_eq!(first["attempts"], 3);
    assert_eq!(first["error"], r"handler failed:\n\u{1b}[31mboom");
    assert_eq!(listed["dead_letters"][1]["kind"], Value::Null);
    assert!(!listed.to_string().contains("2223334444"));

    let limited = succeeded(&store.rbm(&["dead", "--limit", "1"]));
    assert_eq!(limited.lines().count(), 3, "{limited}");
    assert!(limited.contains("(1 of 2 shown"), "{limited}");
}

#[tokio::test]
async fn dead_says_when_there_is_none() {
    let store = TestStore::new().await;
    assert_eq!(succeeded(&store.rbm(&["dead"])), "no dead letters\n");
    let listed = json(&store.rbm(&["dead", "--json"]));
    assert_eq!(listed["total"], 0);
    assert_eq!(listed["dead_letters"], Value::Array(Vec::new()));
}

#[tokio::test]
async fn retry_moves_dead_letters_back_to_the_inbox() {
    let store = TestStore::new().await;
    let mut dead = Vec::new();
    for n in 1..=3 {
        let id = store.message(n, 0).await;
        store.store.dead_letter(id, "failed").await.expect("dead");
        dead.push(id);
    }

    let one = succeeded(&store.rbm(&["retry", &dead[0].to_string()]));
    assert!(
        one.starts_with(&format!("moved dead letter {} back to the inbox", dead[0])),
        "{one}"
    );
    let pending = store.store.pending().await.expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].keys, [DedupeKey::of(&["test", "m1"])]);
    assert_eq!(pending[0].attempts, 0);

    let all = succeeded(&store.rbm(&["retry", "--all"]));
    assert_eq!(all, "moved 2 dead letters back to the inbox\n");
    let pending = store.store.pending().await.expect("pending");
    assert_eq!(pending.len(), 3);
    let status = store.store.status().await.expect("status");
    assert_eq!((status.waiting, status.dead), (3, 0));

    let none = succeeded(&store.rbm(&["retry", "--all"]));
    assert_eq!(none, "no dead letters to retry\n");
}

#[tokio::test]
async fn drop_deletes_dead_letters_and_keeps_them_duplicates() {
    let store = TestStore::new().await;
    let mut dead = Vec::new();
    for n in 1..=3 {
        let id = store.message(n, 0).await;
        store.store.dead_letter(id, "failed").await.expect("dead");
        dead.push(id);
    }

    let one = succeeded(&store.rbm(&["drop", &dead[1].to_string()]));
    assert_eq!(one, format!("dropped dead letter {}\n", dead[1]));
    assert_eq!(store.store.dead_letters(10).await.expect("dead").len(), 2);

    let all = succeeded(&store.rbm(&["drop", "--all"]));
    assert_eq!(all, "dropped 2 dead letters\n");
    let status = store.store.status().await.expect("status");
    assert_eq!((status.waiting, status.dead, status.done_marks), (0, 0, 3));

    for n in 1..=3 {
        let again = entry(&format!("m{n}"), b"{}".to_vec(), 0);
        let appended = store.store.append(again).await.expect("appended");
        assert_eq!(appended, Appended::Duplicate, "m{n}");
    }
    assert_eq!(
        succeeded(&store.rbm(&["drop", "--all"])),
        "no dead letters to drop\n"
    );
}

#[tokio::test]
async fn an_unknown_id_is_an_error_naming_it() {
    let store = TestStore::new().await;
    let waiting = store.message(1, 0).await;
    for command in ["retry", "drop"] {
        let (error, code) = failed(&store.rbm(&[command, "999"]));
        assert_eq!(code, Some(1), "{command}");
        assert!(error.contains("no dead letter 999"), "{error}");
        // A waiting entry is no dead letter either.
        let (error, code) = failed(&store.rbm(&[command, &waiting.to_string()]));
        assert_eq!(code, Some(1), "{command}");
        assert!(
            error.contains(&format!("no dead letter {waiting}")),
            "{error}"
        );
    }
    assert_eq!(store.store.pending().await.expect("pending").len(), 1);
}

#[tokio::test]
async fn retry_and_drop_take_an_id_or_all_but_not_both() {
    let store = TestStore::new().await;
    for args in [&["retry"][..], &["drop", "1", "--all"], &["retry", "0"]] {
        let output = store.rbm(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_missing_store_is_not_created() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("data").join("rbm.sqlite3");
    let url = format!("sqlite://{}", path.display());
    for command in [
        &["status"][..],
        &["dead"],
        &["retry", "--all"],
        &["drop", "1"],
    ] {
        let mut args = vec!["inbox"];
        args.extend_from_slice(command);
        args.extend_from_slice(&["--store", &url]);
        let (error, code) = failed(&rbm_in(&args, None, dir.path()));
        assert_eq!(code, Some(1), "{command:?}");
        assert!(
            error.contains(&format!("no store at {}", path.display())),
            "{error}"
        );
        assert!(error.contains("working directory"), "{error}");
    }
    // Nor is the server's default, relative to the working directory.
    let (error, _) = failed(&rbm_in(&["inbox", "status"], None, dir.path()));
    assert!(
        error.contains("no store at rbm-data/rbm.sqlite3"),
        "{error}"
    );
    let entries = std::fs::read_dir(dir.path()).expect("readable").count();
    assert_eq!(entries, 0, "nothing created");
}

#[test]
fn a_memory_store_or_a_bad_url_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let from_flag = rbm_in(&["inbox", "status", "--store", "memory"], None, dir.path());
    let from_env = rbm_in(&["inbox", "dead"], Some("memory"), dir.path());
    for output in [from_flag, from_env] {
        let (error, code) = failed(&output);
        assert_eq!(code, Some(2));
        assert!(error.contains("memory store"), "{error}");
    }
    let secret = rbm_in(
        &["inbox", "status"],
        Some("postgres://user:secret@db/rbm"),
        dir.path(),
    );
    let (error, code) = failed(&secret);
    assert_eq!(code, Some(2));
    assert!(error.contains("unknown store"), "{error}");
    assert!(!error.contains("secret"), "{error}");
}

#[tokio::test]
async fn the_store_defaults_to_rbm_store_then_the_servers_default() {
    let store = TestStore::new().await;
    let dead = store.message(1, 0).await;
    store.store.dead_letter(dead, "failed").await.expect("dead");
    let from_env = rbm_in(
        &["inbox", "status", "--json"],
        Some(&store.url()),
        Path::new("/"),
    );
    assert_eq!(json(&from_env)["dead"], 1);

    // The server's default: rbm-data/rbm.sqlite3 in the working directory.
    let path = store.dir.path().join("rbm-data").join("rbm.sqlite3");
    let beside = store::open(&StoreUrl::Sqlite(path), StoreConfig::default())
        .await
        .expect("the default store opens");
    let appended = beside.append(entry("m7", b"{}".to_vec(), 0)).await;
    assert!(matches!(appended, Ok(Appended::Stored(_))), "{appended:?}");
    let output = rbm_in(&["inbox", "status", "--json"], None, store.dir.path());
    assert_eq!(json(&output)["waiting"], 1);
}

#[tokio::test]
async fn the_same_commands_work_on_a_redis_store_under_its_prefix() {
    let redis = rbm_runtime::testing::RedisServer::with_password("inbox-secret");
    let store = store::open(&redis.store_url("pizza"), StoreConfig::default())
        .await
        .expect("the Redis store opens");
    let waiting = match store.append(entry("r1", b"{}".to_vec(), 0)).await {
        Ok(Appended::Stored(id)) => id,
        other => panic!("{other:?}"),
    };
    let dead = match store.append(entry("r2", b"{}".to_vec(), 0)).await {
        Ok(Appended::Stored(id)) => id,
        other => panic!("{other:?}"),
    };
    store.dead_letter(dead, "failed").await.expect("dead");
    let url = redis.raw_url();
    // The password comes with the URL, from the environment: never shown.
    let run = |args: &[&str]| {
        support::run_with(args, "", |command| {
            command
                .env("RBM_STORE", &url)
                .env("RBM_REDIS_PREFIX", "pizza");
        })
    };
    let status = json(&run(&["inbox", "status", "--json"]));
    assert_eq!(status["waiting"], 1, "{status}");
    assert_eq!(status["dead"], 1, "{status}");
    let shown = status["store"].as_str().expect("the store").to_owned();
    assert!(shown.contains("(prefix pizza)"), "{shown}");
    assert!(!shown.contains("inbox-secret"), "{shown}");

    let listed = succeeded(&run(&["inbox", "dead"]));
    assert!(listed.contains("failed"), "{listed}");
    succeeded(&run(&["inbox", "retry", &dead.to_string()]));
    let pending = store.pending().await.expect("pending");
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].id, waiting);

    // Another prefix is another agent's, empty inbox.
    let other = support::run_with(&["inbox", "status", "--json"], "", |command| {
        command
            .env("RBM_STORE", &url)
            .env("RBM_REDIS_PREFIX", "bank");
    });
    assert_eq!(json(&other)["waiting"], 0);
}
