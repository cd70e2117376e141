//! Measures a campaign: messages a second and the process's peak memory,
//! for N numbers (default 100,000) on a SQLite store in a temporary
//! directory.
//!
//! `cargo run --release -p rbm-runtime --example campaign_throughput [N] [RATE|unlimited]`
//!
//! With `RBM_API_BASE_URL` and `GOOGLE_APPLICATION_CREDENTIALS` set (as
//! `rbm api` prints them), it sends to that API, so that the fake's own
//! memory is not counted; otherwise it starts a fake in this process.

use std::num::NonZeroU32;
use std::time::Instant;

use rbm_runtime::Reply;
use rbm_runtime::api::RbmApiClient;
use rbm_runtime::campaign::Campaign;
use rbm_runtime::store::{SqliteStore, StoreConfig};
use rbm_runtime::testing::fake_api::FakeRbmApi;

/// The process's peak resident memory in KiB (Linux), or 0.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let rate = args.next().unwrap_or_else(|| "default".to_owned());

    let (_fake, client) = match RbmApiClient::from_env()? {
        Some(client) => (None, client),
        None => {
            let fake = FakeRbmApi::builder().record_requests(false).start().await?;
            let client = fake.client_builder()?.agent_id("bench@rbm.goog").build()?;
            (Some(fake), client)
        }
    };
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("rbm.sqlite3"), StoreConfig::default()).await?;
    let numbers: Vec<String> = (0..count).map(|n| format!("+1555{n:07}")).collect();
    let mut campaign = Campaign::new(
        format!("bench-{}", std::process::id()),
        Reply::text("Spring sale: 20% off everything until Sunday"),
    )?
    .concurrency(64);
    campaign = match rate.as_str() {
        "default" => campaign,
        "unlimited" => campaign.unlimited(),
        per_second => campaign.rate(per_second.parse::<NonZeroU32>()?),
    };
    let before = peak_rss_kib();
    let start = Instant::now();
    let summary = campaign.run(&client, &store, &numbers, |_| {}).await?;
    let elapsed = start.elapsed();
    println!("{summary}");
    println!(
        "{count} numbers, rate {rate}: {:.1} s, {:.0} messages/s; peak RSS {} MiB (before the run {} MiB)",
        elapsed.as_secs_f64(),
        summary.sent as f64 / elapsed.as_secs_f64(),
        peak_rss_kib() / 1024,
        before / 1024,
    );
    Ok(())
}
