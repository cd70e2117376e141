//! The embedded store at the level of its file: reopening, group commit,
//! and the files it refuses.

use std::path::Path;
use std::sync::Arc;

use rbm_runtime::store::DedupeKey;
use rbm_runtime::store::{
    self, Appended, Claim, NewEntry, Selection, SqliteStore, Store, StoreConfig, StoreError,
    StoreUrl,
};

fn entry(lane: &str, id: &str) -> NewEntry {
    NewEntry {
        lane: lane.to_owned(),
        webhook: "/rbm".to_owned(),
        keys: vec![DedupeKey::of(&["pubsub", id]), DedupeKey::of(&["msg", id])],
        data: format!("{{\"messageId\":\"{id}\"}}").into_bytes(),
        pubsub_message_id: Some(id.to_owned()),
        publish_time: None,
        attribute_type: Some("message".to_owned()),
        received_at_ms: 1_700_000_000_000,
    }
}

async fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, StoreConfig::default())
        .await
        .expect("open the store")
}

async fn stored(store: &SqliteStore, new: NewEntry) -> store::EntryId {
    match store.append(new).await.expect("append") {
        Appended::Stored(id) => id,
        Appended::Duplicate => panic!("a fresh entry was taken for a duplicate"),
    }
}

#[tokio::test]
async fn entries_marks_and_dead_letters_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    let (waiting, dead) = {
        let store = open(&path).await;
        let done = stored(&store, entry("a", "1")).await;
        let waiting = stored(&store, entry("a", "2")).await;
        let dead = stored(&store, entry("b", "3")).await;
        store.complete(done).await.expect("complete");
        store
            .dead_letter(dead, "does not parse")
            .await
            .expect("dead");
        store
            .finish(&[DedupeKey::of(&["inline", "4"])], true)
            .await
            .expect("finish");
        (waiting, dead)
    };

    let store = open(&path).await;
    let pending = store.pending().await.expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, waiting);
    assert_eq!(pending[0].data, entry("a", "2").data);
    let letters = store.dead_letters(10).await.expect("dead letters");
    assert_eq!(letters.len(), 1);
    assert_eq!(
        (letters[0].entry.id, letters[0].error.as_str()),
        (dead, "does not parse")
    );
    for id in ["1", "2", "3"] {
        assert_eq!(
            store.append(entry("c", id)).await.expect("append"),
            Appended::Duplicate
        );
    }
    let inline = [DedupeKey::of(&["inline", "4"])];
    assert_eq!(store.claim(&inline).await.expect("claim"), Claim::Done);
    let status = store.status().await.expect("status");
    assert_eq!((status.waiting, status.dead, status.done_marks), (1, 1, 2));
    let next = stored(&store, entry("a", "5")).await;
    assert!(next > dead, "ids keep increasing across a reopen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_share_commits() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(open(&dir.path().join("rbm.sqlite3")).await);
    let appends = 500;
    let tasks: Vec<_> = (0..appends)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .append(entry(&format!("u{}", n % 7), &n.to_string()))
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert!(matches!(task.await.expect("task"), Ok(Appended::Stored(_))));
    }
    let stats = store.writer_stats();
    assert_eq!(stats.requests, appends);
    assert!(
        stats.commits < appends,
        "{} commits for {appends} appends",
        stats.commits
    );
    // Every answer waited for a flush; a flush covers every commit before it.
    assert!(
        (1..=stats.commits).contains(&stats.syncs),
        "{} flushes for {} commits",
        stats.syncs,
        stats.commits
    );
    assert_eq!(store.pending().await.expect("pending").len(), 500);
}

#[tokio::test]
async fn a_failing_request_fails_alone_in_its_batch() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir.path().join("rbm.sqlite3")).await;
    let unknown = store::EntryId(4242);
    let (first, bad, second) = tokio::join!(
        store.append(entry("a", "1")),
        store.complete(unknown),
        store.append(entry("a", "2")),
    );
    assert!(matches!(first, Ok(Appended::Stored(_))));
    assert!(matches!(bad, Err(StoreError::UnknownEntry(id)) if id == unknown));
    assert!(matches!(second, Ok(Appended::Stored(_))));
    assert_eq!(store.pending().await.expect("pending").len(), 2);
}

#[tokio::test]
async fn the_directory_is_created_and_the_file_is_plain_sqlite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("data/nested/rbm.sqlite3");
    let url: StoreUrl = format!("sqlite://{}", path.display()).parse().expect("url");
    let store = store::open(&url, StoreConfig::default())
        .await
        .expect("open");
    let id = match store.append(entry("lane-1", "1")).await.expect("append") {
        Appended::Stored(id) => id,
        Appended::Duplicate => panic!("duplicate"),
    };
    drop(store);

    let file = rusqlite::Connection::open(&path).expect("open with rusqlite");
    let (state, lane, received): (String, String, i64) = file
        .query_row(
            "SELECT state, lane, received_at_ms FROM entries WHERE id = ?1",
            [id.0],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("the entry row");
    assert_eq!(
        (state.as_str(), lane.as_str(), received),
        ("waiting", "lane-1", 1_700_000_000_000)
    );
    let mode: String = file
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let keys: i64 = file
        .query_row("SELECT length(keys) FROM entries", [], |row| row.get(0))
        .expect("keys");
    assert_eq!(keys, 32, "two 16-byte keys");
}

#[tokio::test]
async fn the_memory_url_opens_a_memory_store() {
    let store = store::open(&StoreUrl::Memory, StoreConfig::default())
        .await
        .expect("open");
    assert!(matches!(
        store.append(entry("a", "1")).await,
        Ok(Appended::Stored(_))
    ));
    assert_eq!(
        store.append(entry("a", "1")).await.expect("append"),
        Appended::Duplicate
    );
}

#[tokio::test]
async fn a_text_file_is_not_our_database() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("notes.txt");
    let text = "these are my notes, not a database\n".repeat(100);
    std::fs::write(&path, &text).expect("write");
    let error = SqliteStore::open(&path, StoreConfig::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, StoreError::NotOurDatabase { path: p } if *p == path),
        "{error}"
    );
    assert!(error.to_string().contains("notes.txt"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        text,
        "the file is left alone"
    );
}

#[tokio::test]
async fn another_applications_database_is_not_ours() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, application_id) in [("tagged.db", 42), ("untagged.db", 0)] {
        let path = dir.path().join(name);
        {
            let other = rusqlite::Connection::open(&path).expect("create");
            other
                .execute_batch(&format!(
                    "CREATE TABLE customers (name TEXT); PRAGMA application_id = {application_id};"
                ))
                .expect("schema");
        }
        let error = SqliteStore::open(&path, StoreConfig::default())
            .await
            .expect_err("refused");
        assert!(
            matches!(error, StoreError::NotOurDatabase { .. }),
            "{name}: {error}"
        );
        let other = rusqlite::Connection::open(&path).expect("reopen");
        let mode: String = other
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("mode");
        assert_eq!(mode, "delete", "{name} was changed");
    }
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    drop(open(&path).await);
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute_batch("PRAGMA user_version = 999")
        .expect("bump the version");
    let error = SqliteStore::open(&path, StoreConfig::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            error,
            StoreError::NewerSchema {
                found: 999,
                supported: 2,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("999"), "{error}");
}

#[tokio::test]
async fn a_path_that_cannot_be_created_is_an_open_error_naming_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let path = file.join("sub/rbm.sqlite3");
    let error = SqliteStore::open(&path, StoreConfig::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, StoreError::Open { path: p, .. } if *p == path),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[tokio::test]
async fn dead_letters_retried_after_a_reopen_keep_their_keys_marked() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    {
        let store = open(&path).await;
        let id = stored(&store, entry("a", "1")).await;
        store.dead_letter(id, "boom").await.expect("dead");
    }
    let store = open(&path).await;
    let retried = store.retry_dead(Selection::All).await.expect("retry");
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].last_error.as_deref(), Some("boom"));
    assert_eq!(
        store.append(entry("b", "1")).await.expect("append"),
        Appended::Duplicate
    );
    store.complete(retried[0].id).await.expect("complete");
    assert_eq!(
        store.append(entry("b", "1")).await.expect("append"),
        Appended::Duplicate
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_appended_at_once_are_stored_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(open(&dir.path().join("rbm.sqlite3")).await);
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let store = Arc::clone(&store);
            // Every copy shares the message id; half share the Pub/Sub id.
            let mut copy = entry("a", "1");
            copy.keys[0] = DedupeKey::of(&["pubsub", &(n % 2).to_string()]);
            tokio::spawn(async move { store.append(copy).await })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.expect("task").expect("append") {
            Appended::Stored(_) => stored += 1,
            Appended::Duplicate => {}
        }
    }
    assert_eq!(stored, 1);
    let pending = store.pending().await.expect("pending");
    assert_eq!(pending.len(), 1);
    let file = rusqlite::Connection::open(dir.path().join("rbm.sqlite3")).expect("open");
    let rows: i64 = file
        .query_row(
            "SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM done_marks)",
            [],
            |row| row.get(0),
        )
        .expect("rows");
    assert_eq!(rows, 1, "a duplicate leaves nothing behind");
}

/// The schema of version 1, as the first release with an inbox wrote it.
const SCHEMA_V1: &str = "
CREATE TABLE entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'dead')),
    lane TEXT NOT NULL, webhook TEXT NOT NULL, keys BLOB NOT NULL, data BLOB NOT NULL,
    pubsub_message_id TEXT, publish_time TEXT, attribute_type TEXT,
    received_at_ms INTEGER NOT NULL, queued_at_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL, last_error TEXT, died_at_ms INTEGER
);
CREATE INDEX entries_dead ON entries (id) WHERE state = 'dead';
CREATE TABLE marks (key BLOB PRIMARY KEY, entry INTEGER) WITHOUT ROWID;
CREATE TABLE done_marks (
    id INTEGER PRIMARY KEY, entry INTEGER, done_at_ms INTEGER NOT NULL, keys BLOB NOT NULL
);
PRAGMA application_id = 1380076883;
PRAGMA user_version = 1;
";

#[tokio::test]
async fn a_version_1_store_is_upgraded_and_keeps_its_entries_and_marks() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    let waiting = entry("a", "1");
    let done = entry("b", "2");
    {
        let file = rusqlite::Connection::open(&path).expect("create");
        file.execute_batch(SCHEMA_V1).expect("version 1");
        let blob = |keys: &[DedupeKey]| keys.iter().flat_map(|k| k.to_bytes()).collect::<Vec<_>>();
        file.execute(
            "INSERT INTO entries (state, lane, webhook, keys, data, received_at_ms,
                 queued_at_ms, attempts, next_attempt_at_ms)
             VALUES ('waiting', 'a', '/', ?1, x'7b7d', 1, 1, 0, 1)",
            [blob(&waiting.keys)],
        )
        .expect("an entry");
        file.execute(
            "INSERT INTO done_marks (entry, done_at_ms, keys) VALUES (NULL, 1, ?1)",
            [blob(&done.keys)],
        )
        .expect("a done mark");
    }
    let store = open(&path).await;
    assert_eq!(store.pending().await.expect("pending").len(), 1);
    for copy in [waiting, done] {
        let appended = store.append(copy).await.expect("append");
        assert_eq!(appended, Appended::Duplicate);
    }
    drop(store);
    let file = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = file
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .expect("version");
    assert_eq!(version, 2);
    let tables: i64 = file
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'marks'",
            [],
            |row| row.get(0),
        )
        .expect("tables");
    assert_eq!(tables, 0, "the marks table is gone");
    let states: i64 = file
        .query_row("SELECT count(*) FROM states", [], |row| row.get(0))
        .expect("the states table of version 2");
    assert_eq!(states, 0);
}

#[tokio::test]
async fn state_survives_a_reopen_and_is_plain_json_in_the_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    let key = store::StateKey::new("agent-1", "+15551234567");
    {
        let store = open(&path).await;
        let id = stored(&store, entry("a", "1")).await;
        let change = store::StateChange {
            key: key.clone(),
            data: Some(br#"{"count":3}"#.to_vec()),
        };
        store
            .complete_with(id, Some(change))
            .await
            .expect("complete");
    }
    let store = open(&path).await;
    let state = store.state(&key).await.expect("state").expect("kept");
    assert_eq!(state.data, br#"{"count":3}"#);
    drop(store);
    let file = rusqlite::Connection::open(&path).expect("open");
    let json: String = file
        .query_row(
            "SELECT CAST(data AS TEXT) FROM states WHERE agent = 'agent-1'",
            [],
            |row| row.get(0),
        )
        .expect("a row");
    assert_eq!(json, r#"{"count":3}"#);
}
