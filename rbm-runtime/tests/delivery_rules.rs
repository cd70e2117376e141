//! The delivery rules end to end: a signed delivery in, replies out through
//! the real RBM API client to the fake RBM API (real HTTP on 127.0.0.1).
//! A delivery answers 200 only after its replies were accepted; replies
//! that still fail after the retries make it 500, and the redelivery sends
//! nothing twice; a reply refused for good is dropped, not retried for days.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rbm_runtime::api::RetryPolicy;
use rbm_runtime::testing::Google;
use rbm_runtime::testing::fake_api::FakeRbmApi;
use rbm_runtime::{
    Agent, Context, Delivery, HandlerResult, RbmApiClient, Reply, Server, WebhookHandler,
};

const TOKEN: &str = "DELIVERYRULES123";

/// Answers every delivery with two texts.
struct TwoReplies;

impl Agent for TwoReplies {
    async fn handle(&self, _: &Delivery, _: &Context) -> HandlerResult {
        Ok(vec![Reply::text("one"), Reply::text("two")])
    }
}

/// A client of `fake` that gives up after two quick tries.
fn client_of(fake: &FakeRbmApi) -> RbmApiClient {
    fake.client_builder()
        .expect("client builder")
        .retry(RetryPolicy::new(
            2,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .build()
        .expect("client")
}

async fn setup() -> (FakeRbmApi, WebhookHandler) {
    let fake = FakeRbmApi::start().await.expect("fake RBM API starts");
    let client = client_of(&fake);
    let handler = Server::builder()
        .delivery(rbm_runtime::DeliveryMode::Inline)
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .webhook("/", TOKEN, TwoReplies)
        .reply_sender(client)
        .into_handler()
        .expect("valid configuration");
    (fake, handler)
}

/// `(messageId, status)` of every agent message the fake answered, in order.
fn message_calls(fake: &FakeRbmApi) -> Vec<(String, u16)> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/agentMessages"))
        .map(|r| {
            let id = r
                .query
                .iter()
                .find(|(k, _)| k == "messageId")
                .map(|(_, v)| v.clone())
                .expect("every message carries a messageId");
            (id, r.status)
        })
        .collect()
}

fn accepted_ids(fake: &FakeRbmApi) -> Vec<String> {
    message_calls(fake)
        .into_iter()
        .filter(|(_, status)| *status == 200)
        .map(|(id, _)| id)
        .collect()
}

#[tokio::test]
async fn replies_failing_after_the_retries_fail_the_delivery_and_the_redelivery_sends_each_once() {
    let (fake, handler) = setup().await;
    let push = Google::new(TOKEN).text("hi").build();

    // Both tries of the first reply fail: nothing was accepted, so 500.
    fake.fail_next(503, 2);
    let first = handler.handle(push.request("/")).await;
    assert_eq!(first.status(), 500);
    let calls = message_calls(&fake);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|(_, status)| *status == 503));

    // The redelivery is handled again, with the same ids.
    let again = handler.handle(push.redelivery().request("/")).await;
    assert_eq!(again.status(), 200);
    let accepted = accepted_ids(&fake);
    assert_eq!(accepted.len(), 2, "{:?}", message_calls(&fake));
    assert_eq!(accepted[0], calls[0].0, "the retried reply keeps its id");
    assert_ne!(accepted[0], accepted[1]);

    // A third copy is a duplicate: nothing more is sent.
    let third = handler.handle(push.redelivery().request("/")).await;
    assert_eq!(third.status(), 200);
    assert_eq!(accepted_ids(&fake), accepted);
}

/// Sends "one" at once through the context, then runs `between` (the test
/// scripts the fake there), then returns "two".
struct OneThenTwo {
    between: Box<dyn Fn() + Send + Sync>,
}

impl Agent for OneThenTwo {
    async fn handle(&self, _: &Delivery, ctx: &Context) -> HandlerResult {
        ctx.reply("one").await?;
        (self.between)();
        Ok(vec![Reply::text("two")])
    }
}

#[tokio::test]
async fn a_reply_accepted_before_a_failure_is_never_sent_twice() {
    let fake = Arc::new(FakeRbmApi::start().await.expect("fake RBM API starts"));
    let client = client_of(&fake);
    let scripted = Arc::new(AtomicBool::new(false));
    let between = {
        let (fake, scripted) = (Arc::clone(&fake), Arc::clone(&scripted));
        // Only during the first handling: both tries of "two" fail.
        move || {
            if !scripted.swap(true, Ordering::SeqCst) {
                fake.fail_next(503, 2);
            }
        }
    };
    let handler = Server::builder()
        .delivery(rbm_runtime::DeliveryMode::Inline)
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .webhook(
            "/",
            TOKEN,
            OneThenTwo {
                between: Box::new(between),
            },
        )
        .reply_sender(client)
        .into_handler()
        .expect("valid configuration");
    let push = Google::new(TOKEN).text("hi").build();

    let failed = handler.handle(push.request("/")).await;
    assert_eq!(failed.status(), 500);
    let sent_before = accepted_ids(&fake);
    assert_eq!(sent_before.len(), 1, "{:?}", message_calls(&fake));

    let again = handler.handle(push.redelivery().request("/")).await;
    assert_eq!(again.status(), 200);
    let calls = message_calls(&fake);
    // The redelivery re-sends "one" with its old id, which the API refuses
    // as a reuse (409, counted as already sent), then sends "two".
    let first_reply_accepted = calls
        .iter()
        .filter(|(id, status)| *id == sent_before[0] && *status == 200)
        .count();
    assert_eq!(
        first_reply_accepted, 1,
        "\"one\" reached the user once: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|(id, status)| *id == sent_before[0] && *status == 409)
    );
    assert_eq!(accepted_ids(&fake).len(), 2, "{calls:?}");
}

#[tokio::test]
async fn a_reply_refused_for_good_is_dropped_and_the_rest_still_go() {
    let (fake, handler) = setup().await;
    let push = Google::new(TOKEN).text("hi").build();

    fake.fail_next(404, 1);
    let response = handler.handle(push.request("/")).await;
    assert_eq!(response.status(), 200, "retrying for 7 days cannot help");
    let calls = message_calls(&fake);
    assert_eq!(calls.len(), 2, "a 404 is not retried: {calls:?}");
    assert_eq!(calls[0].1, 404);
    assert_eq!(calls[1].1, 200);

    let again = handler.handle(push.redelivery().request("/")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        message_calls(&fake).len(),
        2,
        "the delivery counts as handled"
    );
}
