//! Metrics end to end: a server with `RBM_METRICS_ADDR` on 127.0.0.1:0,
//! replies through the real RBM API client to the fake RBM API, a known set
//! of deliveries, then `GET /metrics` over HTTP: exact counts per outcome,
//! the API calls the replies made, and no phone number or message text in
//! any label.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use rbm_runtime::prelude::*;
use rbm_runtime::testing::fake_api::FakeRbmApi;
use rbm_runtime::{DeliveryMode, RunningServer};
use support::{PATH, PHONE, Spelling, TOKEN, envelope, post, pubsub_id, push, text_message};

/// The text of the message that is handled: it must show in no label.
const SECRET_TEXT: &str = "a secret pizza order";

struct Shop;

#[rbm_agent]
impl Shop {
    #[on_message(text = "fail")]
    async fn broken(&self) -> Result<Reply, HandlerError> {
        Err(HandlerError::new("out of dough"))
    }

    #[on_message]
    async fn greet(&self) -> Reply {
        Reply::text("Hello!")
    }

    #[on_event(read)]
    async fn seen(&self) {}
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

async fn start(fake: &FakeRbmApi, mode: DeliveryMode) -> RunningServer {
    let client = fake
        .client_builder()
        .expect("a client builder")
        .build()
        .expect("a client");
    support::builder()
        .delivery(mode)
        .metrics_addr(local(0))
        .webhook(PATH, TOKEN, Shop)
        .reply_sender(client)
        .bind()
        .await
        .expect("the server starts")
}

/// One sample of the exposition: its name, its labels, its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Scrapes `/metrics` and parses the samples (the label values here hold
/// no quote, comma or brace).
async fn scrape(server: &RunningServer) -> Vec<Sample> {
    let addr = server.metrics_addr().expect("metrics are on");
    let response = support::within(support::client().get(support::url(addr, "/metrics")).send())
        .await
        .expect("a scrape");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"));
    let text = response.text().await.expect("a body");
    assert!(text.ends_with("# EOF\n"), "{text}");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a value");
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').expect("key=value");
                    (key.to_owned(), value.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().expect("a number"),
            }
        })
        .collect()
}

/// The value of the sample `name` whose labels include `labels` (0 if none).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert!(matching.len() <= 1, "{name} {labels:?}: {matching:?}");
    matching.first().map_or(0.0, |s| s.value)
}

fn delivered(samples: &[Sample], kind: &str, route: &str, outcome: &str) -> f64 {
    value(
        samples,
        "rbm_deliveries_total",
        &[
            ("webhook", PATH),
            ("kind", kind),
            ("route", route),
            ("outcome", outcome),
        ],
    )
}

fn read_event(event_id: &str) -> Vec<u8> {
    support::user_event(PHONE, event_id, "READ")
}

#[tokio::test]
async fn a_known_set_of_deliveries_is_counted_exactly() {
    let fake = FakeRbmApi::start().await.expect("the fake RBM API starts");
    let server = start(&fake, DeliveryMode::Inline).await;
    let url = support::url(server.local_addr(), PATH);

    // Handled, then its copy (a duplicate).
    let handled = text_message(PHONE, "MxHandled", SECRET_TEXT);
    let id = pubsub_id();
    assert_eq!(push(&url, &handled, &id).await.status().as_u16(), 200);
    assert_eq!(push(&url, &handled, &id).await.status().as_u16(), 200);
    // A bad signature.
    let forged = envelope(&handled, &pubsub_id(), Spelling::Both);
    assert_eq!(
        post(&url, forged, Some("Zm9yZ2Vk")).await.status().as_u16(),
        401
    );
    // A handler error.
    let failing = text_message(PHONE, "MxFailing", "fail");
    assert_eq!(
        push(&url, &failing, &pubsub_id()).await.status().as_u16(),
        500
    );
    // An event.
    let event = read_event("EvRead");
    assert_eq!(
        push(&url, &event, &pubsub_id()).await.status().as_u16(),
        200
    );
    // A path that is no webhook.
    let elsewhere = support::url(server.local_addr(), "/+12223334444");
    assert_eq!(
        post(&elsewhere, "{}".into(), None).await.status().as_u16(),
        404
    );

    let samples = scrape(&server).await;
    assert_eq!(delivered(&samples, "message", "greet", "handled"), 1.0);
    assert_eq!(delivered(&samples, "message", "none", "duplicate"), 1.0);
    assert_eq!(delivered(&samples, "none", "none", "unauthorized"), 1.0);
    assert_eq!(delivered(&samples, "message", "broken", "failed"), 1.0);
    assert_eq!(delivered(&samples, "user_event", "seen", "handled"), 1.0);
    let unrouted = [("webhook", "none"), ("outcome", "not_found")];
    assert_eq!(value(&samples, "rbm_deliveries_total", &unrouted), 1.0);
    let all: f64 = samples
        .iter()
        .filter(|s| s.name == "rbm_deliveries_total")
        .map(|s| s.value)
        .sum();
    assert_eq!(all, 6.0, "every request counted once");
    let webhook = [("webhook", PATH)];
    assert_eq!(
        value(&samples, "rbm_duplicates_suppressed_total", &webhook),
        1.0
    );
    // Every request on the webhook was answered; three reached a handler.
    assert_eq!(
        value(&samples, "rbm_delivery_ack_seconds_count", &webhook),
        5.0
    );
    assert_eq!(
        value(&samples, "rbm_delivery_handling_seconds_count", &webhook),
        3.0
    );

    // The one reply the handled message got, as the fake API saw it.
    let accepted = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/agentMessages") && r.status == 200)
        .count();
    assert_eq!(accepted, 1);
    let create = [("method", "agentMessages.create"), ("status", "200")];
    assert_eq!(value(&samples, "rbm_api_calls_total", &create), 1.0);
    let api_calls: f64 = samples
        .iter()
        .filter(|s| s.name == "rbm_api_calls_total")
        .map(|s| s.value)
        .sum();
    assert_eq!(api_calls, 1.0, "no other API call was made");
    let create = [("method", "agentMessages.create")];
    assert_eq!(value(&samples, "rbm_api_call_seconds_count", &create), 1.0);
    assert_eq!(value(&samples, "rbm_api_retries_total", &create), 0.0);
    let refreshed = [("outcome", "ok")];
    assert_eq!(
        value(&samples, "rbm_token_refreshes_total", &refreshed),
        1.0
    );

    // Nothing from a request in any label.
    for sample in &samples {
        for (key, label) in &sample.labels {
            let digits_after_plus = label
                .split('+')
                .skip(1)
                .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
            assert!(
                !label.contains("2223334444") && !digits_after_plus,
                "a phone number in {key}: {sample:?}"
            );
            assert!(
                !label.contains("secret") && !label.contains("pizza") && !label.contains("fail\""),
                "message text in {key}: {sample:?}"
            );
            assert!(!label.contains("MxHandled"), "an id in {key}: {sample:?}");
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn the_inbox_is_counted_and_its_gauges_read_from_the_store() {
    let fake = FakeRbmApi::start().await.expect("the fake RBM API starts");
    let server = start(&fake, DeliveryMode::Inbox).await;
    let url = support::url(server.local_addr(), PATH);
    let message = text_message(PHONE, "MxStored", SECRET_TEXT);
    assert_eq!(
        push(&url, &message, &pubsub_id()).await.status().as_u16(),
        200
    );
    let attempted = [
        ("webhook", PATH),
        ("kind", "message"),
        ("route", "greet"),
        ("outcome", "handled"),
    ];
    let samples = support::within(async {
        loop {
            let samples = scrape(&server).await;
            if value(&samples, "rbm_inbox_attempts_total", &attempted) == 1.0 {
                break samples;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(delivered(&samples, "message", "none", "stored"), 1.0);
    let webhook = [("webhook", PATH)];
    assert_eq!(
        value(&samples, "rbm_delivery_handling_seconds_count", &webhook),
        1.0
    );
    // The gauges are there (their reading may be up to a second old).
    for gauge in [
        "rbm_inbox_depth",
        "rbm_inbox_oldest_entry_age_seconds",
        "rbm_dead_letters",
    ] {
        assert!(
            samples.iter().any(|s| s.name == gauge),
            "{gauge} is missing"
        );
    }
    assert_eq!(value(&samples, "rbm_dead_letters", &[]), 0.0);
    // A second later the reading is fresh: nothing waits any more.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let samples = scrape(&server).await;
    assert_eq!(value(&samples, "rbm_inbox_depth", &[]), 0.0);
    assert_eq!(
        value(&samples, "rbm_inbox_oldest_entry_age_seconds", &[]),
        0.0
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_metrics_listener_answers_only_get_metrics() {
    let fake = FakeRbmApi::start().await.expect("the fake RBM API starts");
    let server = start(&fake, DeliveryMode::Inline).await;
    let addr = server.metrics_addr().expect("metrics are on");
    assert_ne!(addr.port(), 0, "the real port");
    assert_ne!(addr, server.local_addr());
    let client = support::client();
    let status = |response: reqwest::Response| response.status().as_u16();
    let other = client.get(support::url(addr, "/")).send().await;
    assert_eq!(other.map(status).ok(), Some(404));
    let post = client.post(support::url(addr, "/metrics")).send().await;
    let post = post.expect("an answer");
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(post.headers()["allow"], "GET");
    // Nothing internal on the webhook's port.
    let public = client
        .get(support::url(server.local_addr(), "/metrics"))
        .send()
        .await;
    assert_eq!(public.map(status).ok(), Some(404));
    server.shutdown().await;
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() {
    let server = support::builder()
        .webhook(PATH, TOKEN, Shop)
        .bind()
        .await
        .expect("the server starts");
    assert_eq!(server.metrics_addr(), None);
    server.shutdown().await;
}
