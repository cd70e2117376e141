//! Campaigns against the fake RBM API: 5,000 numbers, some unreachable,
//! interrupted mid-run and resumed from the store: every reachable number
//! gets exactly one message; the rate and the API's `429` are respected.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rbm_runtime::Reply;
use rbm_runtime::api::{RbmApiClient, RetryPolicy};
use rbm_runtime::campaign::{Campaign, CampaignSummary};
use rbm_runtime::store::{SqliteStore, Store, StoreConfig};
use rbm_runtime::testing::fake_api::FakeRbmApi;
use tokio::sync::Notify;

const AGENT: &str = "shop@rbm.goog";

fn numbers(count: usize) -> Vec<String> {
    (0..count).map(|n| format!("+1555{n:07}")).collect()
}

fn client(fake: &FakeRbmApi) -> RbmApiClient {
    fake.client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .retry(RetryPolicy::new(
            10,
            Duration::from_millis(1),
            Duration::from_millis(20),
        ))
        .build()
        .expect("a client")
}

/// Messages the fake accepted (200) per number.
fn accepted_per_number(fake: &FakeRbmApi) -> HashMap<String, usize> {
    let mut accepted = HashMap::new();
    for request in fake.requests() {
        if request.method == "POST"
            && request.path.ends_with("/agentMessages")
            && request.status == 200
        {
            let phone = request
                .path
                .trim_start_matches("/v1/phones/")
                .trim_end_matches("/agentMessages")
                .to_owned();
            *accepted.entry(phone).or_insert(0) += 1;
        }
    }
    accepted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_campaign_resumes_and_sends_each_reachable_number_one_message() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = client(&fake);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("rbm.sqlite3");
    let all = numbers(5_000);
    let away: Vec<String> = all.iter().step_by(9).cloned().collect();
    fake.set_unreachable(away.iter().map(String::as_str));
    let mut lines = all.clone();
    lines.push("not a number".into());
    lines.push(all[3].clone()); // a repeat: sent once
    let campaign = Campaign::new("spring-sale", Reply::text("Spring sale: 20% off"))
        .expect("a campaign")
        .unlimited()
        .concurrency(32);

    // The first run stops (as a crash would) after 1,500 numbers are done,
    // with sends in flight.
    {
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&path, StoreConfig::default())
                .await
                .expect("the store"),
        );
        let enough = Arc::new(Notify::new());
        let signal = Arc::clone(&enough);
        let run = campaign.run(
            &client,
            store.as_ref(),
            &lines,
            move |summary: &CampaignSummary| {
                if summary.sent >= 1_500 {
                    signal.notify_one();
                }
            },
        );
        tokio::select! {
            finished = run => panic!("the run was to be interrupted: {finished:?}"),
            () = enough.notified() => {}
        }
    }
    let first = accepted_per_number(&fake);
    assert!(
        first.len() >= 1_500 && first.len() < all.len() - away.len(),
        "{}",
        first.len()
    );

    // The second run picks up where the first stopped.
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&path, StoreConfig::default())
            .await
            .expect("the store again"),
    );
    let summary = campaign
        .run(&client, store.as_ref(), &lines, |_| {})
        .await
        .expect("the campaign completes");
    let reachable = all.len() - away.len();
    assert_eq!(summary.total, all.len());
    assert_eq!(summary.sent, reachable, "{summary}");
    assert_eq!(summary.not_reachable, away.len(), "{summary}");
    assert_eq!(summary.failed_count(), 0, "{summary:?}");
    assert_eq!(summary.unfinished, 0);
    assert!(summary.resumed >= 1_500, "{summary}");
    assert_eq!(summary.invalid, [all.len() + 1]);

    let accepted = accepted_per_number(&fake);
    assert_eq!(accepted.len(), reachable);
    assert!(accepted.values().all(|&count| count == 1));
    assert!(away.iter().all(|number| !accepted.contains_key(number)));

    // A third run has nothing left to send.
    let requests = fake.requests().len();
    let again = campaign
        .run(&client, store.as_ref(), &lines, |_| {})
        .await
        .expect("a finished campaign");
    assert_eq!(again.resumed, all.len());
    assert_eq!(
        fake.requests().len(),
        requests,
        "no API call for a finished campaign"
    );
}

#[tokio::test]
async fn the_campaign_rate_is_kept() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = client(&fake);
    let store = rbm_runtime::store::MemoryStore::new(StoreConfig::default());
    let rate = NonZeroU32::new(100).expect("not zero");
    let campaign = Campaign::new("rated", Reply::text("hi"))
        .expect("a campaign")
        .rate(rate)
        .precheck(false);
    let start = Instant::now();
    let summary = campaign
        .run(&client, &store, &numbers(200), |_| {})
        .await
        .expect("done");
    assert_eq!(summary.sent, 200);
    // 200 sends at 100 a second with a burst of 10 take at least 1.9 s.
    assert!(
        start.elapsed() >= Duration::from_millis(1_850),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn the_apis_429_pauses_the_whole_campaign_and_nothing_is_sent_twice() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = client(&fake);
    fake.set_rate_limit(60, Duration::from_secs(1));
    let store = rbm_runtime::store::MemoryStore::new(StoreConfig::default());
    let campaign = Campaign::new("throttled", Reply::text("hi"))
        .expect("a campaign")
        .unlimited()
        .precheck(false)
        .pause_between_rounds(Duration::from_millis(200));
    let summary = campaign
        .run(&client, &store, &numbers(150), |_| {})
        .await
        .expect("done");
    assert_eq!(summary.sent, 150, "{summary:?}");
    assert!(client.quota_pauses() > 0);
    assert!(fake.stats().rate_limited > 0);
    assert!(accepted_per_number(&fake).values().all(|&count| count == 1));
}

#[tokio::test]
async fn refused_numbers_are_failures_with_their_reason_and_are_not_retried() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = client(&fake);
    let store = rbm_runtime::store::MemoryStore::new(StoreConfig::default());
    fake.fail_always(403);
    let campaign = Campaign::new("refused", Reply::text("hi"))
        .expect("a campaign")
        .precheck(false);
    let summary = campaign
        .run(&client, &store, &numbers(3), |_| {})
        .await
        .expect("done");
    assert_eq!(summary.failed_count(), 3, "{summary:?}");
    assert_eq!(summary.failed.len(), 1);
    fake.stop_failing();
    let again = campaign
        .run(&client, &store, &numbers(3), |_| {})
        .await
        .expect("done");
    assert_eq!(again.resumed, 3);
    assert_eq!(again.sent, 0);
}
