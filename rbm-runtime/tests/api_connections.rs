//! Connections to the API are kept alive and reused: every answer is read to
//! its end, so a busy bot does not open a connection per reply.

mod api_support;

use rbm_runtime::reply::{AgentEvent, CardContent, CardWidth, Reply};

use api_support::{event, fake_and_client, message};

#[tokio::test]
async fn sequential_sends_reuse_one_connection() {
    let (fake, client) = fake_and_client().await;
    for n in 0..20 {
        client
            .send_message(&message(&format!("m-{n}"), Reply::text("hi")))
            .await
            .expect("sent");
    }
    client
        .send_event(&event("e-1", AgentEvent::IsTyping))
        .await
        .expect("sent");
    let stats = fake.stats();
    assert_eq!(stats.agent_messages, 20);
    // The token request and the 21 calls share a connection (2 at most, in
    // case the token endpoint's connection is not the one reused).
    assert!(
        stats.connections <= 2,
        "{} connections for {} requests",
        stats.connections,
        stats.requests + stats.token_requests
    );
}

/// A carousel of about 80 KB, which the API (and the fake) echo back: an
/// answer larger than what arrives with its headers.
fn large_reply() -> Reply {
    let description = "\u{1D538}".repeat(2000);
    Reply::carousel(
        CardWidth::Medium,
        (0..10).map(|n| {
            CardContent::new()
                .title(format!("card {n}"))
                .description(description.clone())
        }),
    )
}

#[tokio::test]
async fn large_answers_are_read_so_their_connection_is_reused() {
    let (fake, client) = fake_and_client().await;
    for n in 0..20 {
        client
            .send_message(&message(&format!("m-{n}"), large_reply()))
            .await
            .expect("sent");
    }
    let stats = fake.stats();
    assert_eq!(stats.agent_messages, 20);
    assert!(stats.connections <= 2, "{stats:?}");
}

#[tokio::test]
async fn error_answers_do_not_cost_a_connection_either() {
    let (fake, client) = fake_and_client().await;
    for n in 0..10 {
        fake.fail_next(503, 1);
        client
            .send_message(&message(&format!("m-{n}"), Reply::text("hi")))
            .await
            .expect("sent on the second try");
    }
    let stats = fake.stats();
    assert_eq!((stats.requests, stats.agent_messages), (20, 10));
    assert!(stats.connections <= 2, "{stats:?}");
}
