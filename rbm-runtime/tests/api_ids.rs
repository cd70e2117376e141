//! Reply ids derive from the delivery: handling the same delivery twice sends
//! the same ids, and the platform (here, the fake) keeps only the first.

mod api_support;

use rbm_runtime::Context;
use rbm_runtime::reply::Reply;

use api_support::{AGENT, PHONE, fake_and_client, shared};

fn context(sender: std::sync::Arc<dyn rbm_runtime::ReplySender>, identity: &str) -> Context {
    Context::new(
        sender,
        identity,
        Some(PHONE.into()),
        Some(AGENT.into()),
        Some("MxUserMessage1".into()),
    )
}

#[tokio::test]
async fn a_redelivered_event_sends_the_same_ids_and_nothing_twice() {
    let (fake, client) = fake_and_client().await;
    let sender = shared(client);
    for _ in 0..2 {
        // The same delivery, handled twice (a redelivery after a crash).
        let ctx = context(sender.clone(), "agent/+12223334444/MxUserMessage1");
        ctx.mark_read().await.expect("read receipt");
        ctx.reply(Reply::text("first")).await.expect("first reply");
        ctx.reply(Reply::text("second"))
            .await
            .expect("second reply");
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), 6);
    let ids: Vec<Option<&str>> = requests
        .iter()
        .map(|r| r.query_param("messageId").or(r.query_param("eventId")))
        .collect();
    assert_eq!(ids[..3], ids[3..], "the second handling reuses the ids");
    assert_ne!(ids[1], ids[2], "replies of one delivery have distinct ids");
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 409, 409, 409]);
    let stats = fake.stats();
    assert_eq!(
        (stats.agent_messages, stats.agent_events, stats.duplicates),
        (2, 1, 3)
    );
}

#[tokio::test]
async fn different_deliveries_get_different_ids() {
    let (fake, client) = fake_and_client().await;
    let sender = shared(client);
    for identity in ["agent/+12223334444/m1", "agent/+12223334444/m2"] {
        context(sender.clone(), identity)
            .reply(Reply::text("hi"))
            .await
            .expect("sent");
    }
    let requests = fake.requests();
    assert_ne!(
        requests[0].query_param("messageId"),
        requests[1].query_param("messageId")
    );
    assert_eq!(fake.stats().agent_messages, 2);
}
