//! Measures what a Redis store costs in Redis's memory: per remembered
//! delivery (a handled delivery's done mark, kept for duplicates) and per
//! user's conversation state.
//!
//! `cargo run --release -p rbm-runtime --example redis_memory REDIS_URL [N]`
//! (default 100000; use an empty Redis: the figures are `used_memory` deltas).

use std::sync::Arc;

use rbm_runtime::store::{
    Appended, DedupeKey, NewEntry, RedisStore, RedisUrl, StateChange, StateKey, Store, StoreConfig,
};

fn entry(n: u64) -> NewEntry {
    let id = format!("{n:016x}-pubsub-message");
    NewEntry {
        lane: format!("{:032x}", u128::from(n % 1000)),
        webhook: "/".to_owned(),
        keys: vec![
            DedupeKey::of(&["pubsub", &id]),
            DedupeKey::of(&["msg", &id]),
        ],
        data: b"{\"text\":\"hello there\"}".to_vec(),
        pubsub_message_id: Some(id),
        publish_time: Some("2024-01-01T00:00:00.000Z".to_owned()),
        attribute_type: None,
        received_at_ms: 1_700_000_000_000,
    }
}

async fn used_memory(url: &RedisUrl) -> Result<i64, Box<dyn std::error::Error>> {
    let client = redis::Client::open(url.to_string().as_str())?;
    let mut connection = client.get_multiplexed_async_connection().await?;
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut connection)
        .await?;
    let used = info
        .lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .ok_or("no used_memory in INFO")?;
    Ok(used.trim().parse()?)
}

/// Runs `n` operations from 64 tasks.
async fn run<F, Fut>(n: u64, op: F) -> Result<(), Box<dyn std::error::Error>>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let op = Arc::new(op);
    let tasks: Vec<_> = (0..64)
        .map(|task| {
            let op = Arc::clone(&op);
            tokio::spawn(async move {
                let mut i = task;
                while i < n {
                    op(i).await?;
                    i += 64;
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = RedisUrl::parse(&args.next().ok_or("give the Redis URL")?)?;
    let n: u64 = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let store = Arc::new(
        RedisStore::open(
            &url,
            "memtest",
            StoreConfig::default().with_mark_capacity(usize::MAX),
        )
        .await?,
    );

    let before = used_memory(&url).await?;
    let marks = Arc::clone(&store);
    run(n, move |i| {
        let store = Arc::clone(&marks);
        async move {
            match store.append(entry(i)).await.map_err(|e| e.to_string())? {
                Appended::Stored(id) => store.complete(id).await.map_err(|e| e.to_string()),
                Appended::Duplicate => Err("a fresh entry was a duplicate".to_owned()),
            }
        }
    })
    .await?;
    let after_marks = used_memory(&url).await?;

    let states = Arc::clone(&store);
    run(n, move |i| {
        let store = Arc::clone(&states);
        async move {
            let change = StateChange {
                key: StateKey::new("agent@rbm.goog", format!("+1555{i:07}")),
                data: Some(format!("{{\"count\":{}}}", i % 100).into_bytes()),
            };
            store.put_state(change).await.map_err(|e| e.to_string())
        }
    })
    .await?;
    let after_states = used_memory(&url).await?;

    let per = |bytes: i64| bytes as f64 / n as f64;
    println!(
        "{n} remembered deliveries: {:.1} MB ({:.0} bytes each); {n} users' state: {:.1} MB ({:.0} bytes each)",
        (after_marks - before) as f64 / 1e6,
        per(after_marks - before),
        (after_states - after_marks) as f64 / 1e6,
        per(after_states - after_marks),
    );
    Ok(())
}
