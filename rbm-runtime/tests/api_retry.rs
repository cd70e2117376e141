//! Retries: 429, 5xx and network errors are retried with back-off; 400, 403
//! and 404 are final at once.

mod api_support;

use rbm_runtime::SendError;
use rbm_runtime::api::{ApiError, RetryPolicy, Revocation};
use rbm_runtime::reply::Reply;

use api_support::{AGENT, PHONE, client_of, fake_and_client, message, shared};

#[tokio::test]
async fn throttling_and_server_errors_are_retried_with_the_same_id() {
    for status in [429, 500, 502, 503] {
        let (fake, client) = fake_and_client().await;
        fake.fail_next(status, 2);
        client
            .send_message(&message("m-1", Reply::text("hi")))
            .await
            .unwrap_or_else(|e| panic!("{status} then success: {e}"));
        let requests = fake.requests();
        let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [status, status, 200]);
        assert!(
            requests
                .iter()
                .all(|r| r.query_param("messageId") == Some("m-1"))
        );
        assert_eq!(fake.stats().agent_messages, 1);
    }
}

#[tokio::test]
async fn retries_are_bounded_and_end_transient() {
    let (fake, client) = fake_and_client().await;
    fake.fail_next(503, 10);
    let sender = shared(client);
    let error = sender
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("still failing after 4 tries");
    assert!(matches!(error, SendError::Transient(_)), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(fake.stats().requests, 4);
}

#[tokio::test]
async fn permanent_errors_are_not_retried() {
    for status in [400, 403, 404] {
        let (fake, client) = fake_and_client().await;
        fake.fail_next(status, 1);
        let error = shared(client)
            .send_message(&message("m-1", Reply::text("hi")))
            .await
            .expect_err("refused");
        match error {
            SendError::Permanent { status: got, .. } => assert_eq!(got, status),
            other => panic!("{status} gave {other:?}"),
        }
        assert_eq!(fake.stats().requests, 1, "{status} was retried");
    }
}

#[tokio::test]
async fn an_unreachable_api_is_transient() {
    let fake = api_support::fake_and_client().await.0;
    let client = fake
        .client_builder()
        .expect("a builder")
        .base_url("http://127.0.0.1:9")
        .agent_id(AGENT)
        .retry(RetryPolicy::new(
            2,
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        ))
        .build()
        .expect("the client builds");
    let error = client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("nothing listens on port 9");
    assert!(
        matches!(error, ApiError::Unavailable { attempts: 2, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn revoking_an_undelivered_message_and_a_delivered_one() {
    let (fake, client) = fake_and_client().await;
    client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect("sent");
    let first = client
        .revoke_message(PHONE, "m-1", None)
        .await
        .expect("revoked");
    assert_eq!(first, Revocation::Revoked);
    let again = client
        .revoke_message(PHONE, "m-1", None)
        .await
        .expect("answered");
    assert_eq!(again, Revocation::AlreadyDelivered);
    let revoke = &fake.requests()[1];
    assert_eq!(revoke.method, "DELETE");
    assert_eq!(revoke.path, format!("/v1/phones/{PHONE}/agentMessages/m-1"));
    assert_eq!(revoke.query_param("agentId"), Some(AGENT));
    assert_eq!(fake.stats().revocations, 1);
}

#[tokio::test]
async fn without_an_agent_id_nothing_is_sent() {
    let (fake, _) = fake_and_client().await;
    let client = fake
        .client_builder()
        .expect("a builder")
        .build()
        .expect("the client builds");
    let mut outgoing = message("m-1", Reply::text("hi"));
    outgoing.agent_id = None;
    let error = client
        .send_message(&outgoing)
        .await
        .expect_err("no agentId");
    assert!(matches!(error, ApiError::InvalidRequest(_)), "{error:?}");
    assert_eq!(fake.stats().requests + fake.stats().token_requests, 0);
    // The client's default agent fills in when the delivery names none.
    let with_default = client_of(&fake);
    with_default.send_message(&outgoing).await.expect("sent");
    assert_eq!(fake.requests()[0].query_param("agentId"), Some(AGENT));
}
