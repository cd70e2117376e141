//! Measures durable appends per second to the embedded store: N entries
//! from many concurrent tasks, every append fsynced in a group commit.
//!
//! `cargo run --release -p rbm-runtime --example store_appends [N] [TASKS] [DIR]`
//! (defaults: 100000 entries, 64 tasks, a temporary directory).

use std::sync::Arc;
use std::time::Instant;

use rbm_runtime::store::DedupeKey;
use rbm_runtime::store::{Appended, NewEntry, SqliteStore, Store, StoreConfig};

fn entry(n: u64) -> NewEntry {
    let id = n.to_string();
    NewEntry {
        lane: format!("/rbm|agent|+1555000{:04}", n % 1000),
        webhook: "/rbm".to_owned(),
        keys: vec![
            DedupeKey::of(&["pubsub", &id]),
            DedupeKey::of(&["msg", &id]),
        ],
        // About the size of a text message's decoded data.
        data: format!(
            "{{\"senderPhoneNumber\":\"+1555000{:04}\",\"messageId\":\"{id}\",\
             \"sendTime\":\"2024-01-01T00:00:00Z\",\"text\":\"hello there\",\
             \"agentId\":\"agent@rbm.goog\"}}",
            n % 1000
        )
        .into_bytes(),
        pubsub_message_id: Some(id),
        publish_time: Some("2024-01-01T00:00:00.000Z".to_owned()),
        attribute_type: Some("message".to_owned()),
        received_at_ms: 1_700_000_000_000,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let total: u64 = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let tasks: u64 = args.next().map_or(Ok(64), |n| n.parse())?;
    let temporary = tempfile::tempdir()?;
    let dir = args
        .next()
        .map_or_else(|| temporary.path().to_owned(), Into::into);
    let store =
        Arc::new(SqliteStore::open(&dir.join("bench.sqlite3"), StoreConfig::default()).await?);

    let started = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|task| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut n = task;
                while n < total {
                    match store.append(entry(n)).await? {
                        Appended::Stored(_) => {}
                        Appended::Duplicate => return Err("a fresh entry was a duplicate".into()),
                    }
                    n += tasks;
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await?.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed();
    let stats = store.writer_stats();
    println!(
        "{total} durable appends from {tasks} tasks in {:.2} s: {:.0} appends/s, \
         {} commits, {:.1} appends per commit on average",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        stats.commits,
        stats.requests as f64 / stats.commits.max(1) as f64,
    );
    Ok(())
}
