//! Retries: 408, 429, 5xx and network errors are retried with back-off,
//! within the send's deadline; 400, 403 and 404 are final at once; a 401 is
//! met with one new token.

mod api_support;

use std::time::Duration;

use rbm_runtime::SendError;
use rbm_runtime::api::{ApiError, RetryPolicy, Revocation};
use rbm_runtime::reply::Reply;

use api_support::{AGENT, PHONE, client_of, fake_and_client, message, shared};

#[tokio::test]
async fn throttling_and_server_errors_are_retried_with_the_same_id() {
    for status in [408, 429, 500, 502, 503] {
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

/// A listener that accepts connections and never answers.
async fn silent_listener() -> String {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let address = silent.local_addr().expect("an address");
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_failing_api_is_abandoned_at_the_deadline() {
    let (fake, _) = fake_and_client().await;
    fake.fail_always(503);
    // Patient retries (a thousand tries, 20-40 ms apart: half a minute)
    // that the 300 ms deadline cuts short; set before the policy, it holds.
    let client = fake
        .client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .deadline(Duration::from_millis(300))
        .retry(RetryPolicy::new(
            1000,
            Duration::from_millis(20),
            Duration::from_millis(40),
        ))
        .build()
        .expect("the client builds");
    let sent = tokio::time::timeout(
        Duration::from_secs(10),
        client.send_message(&message("m-1", Reply::text("hi"))),
    )
    .await
    .expect("the send ends near its deadline, long before its tries run out");
    let error = sent.expect_err("503 forever");
    let ApiError::DeadlineExceeded {
        attempts,
        deadline,
        message: ref last,
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(deadline, Duration::from_millis(300));
    assert!(last.contains("503"), "{last}");
    assert!((2..1000).contains(&attempts), "{attempts} tries");
    assert!(fake.stats().requests < 1000);
    assert!(matches!(SendError::from(error), SendError::Transient(_)));
    // The fake recovers: the next send goes through.
    fake.stop_failing();
    client
        .send_message(&message("m-2", Reply::text("hi")))
        .await
        .expect("sent");
}

#[tokio::test]
async fn a_hanging_api_is_abandoned_at_the_deadline() {
    let (fake, _) = fake_and_client().await;
    let client = fake
        .client_builder()
        .expect("a builder")
        .base_url(silent_listener().await)
        .agent_id(AGENT)
        .retry(RetryPolicy::default().with_deadline(Duration::from_millis(300)))
        .build()
        .expect("the client builds");
    let sent = tokio::time::timeout(
        Duration::from_secs(4),
        shared(client).send_message(&message("m-1", Reply::text("hi"))),
    )
    .await
    .expect("the send ends at its deadline, not the 5 s request timeout");
    let error = sent.expect_err("never answered");
    match &error {
        SendError::Transient(message) => {
            assert!(message.contains("the API's answer"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_pause_past_the_deadline_ends_the_send_at_once() {
    let (fake, _) = fake_and_client().await;
    fake.fail_always(429);
    // The pause (at least 1 s) would end past the 300 ms deadline.
    let client = fake
        .client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .retry(RetryPolicy::new(
            4,
            Duration::from_secs(1),
            Duration::from_secs(2),
        ))
        .deadline(Duration::from_millis(300))
        .build()
        .expect("the client builds");
    let error = client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("429 forever");
    assert!(
        matches!(error, ApiError::DeadlineExceeded { attempts: 1, .. }),
        "{error:?}"
    );
    assert_eq!(fake.stats().requests, 1);
}

#[tokio::test]
async fn a_401_gets_one_new_token_and_a_second_401_keeps_the_delivery() {
    let (fake, client) = fake_and_client().await;
    fake.fail_next(401, 2);
    let error = shared(client.clone())
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("401 twice");
    // A fresh token refused too is a setup problem an operator can fix:
    // Google should redeliver, so it is transient, not permanent.
    assert!(matches!(error, SendError::Transient(_)), "{error:?}");
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 401]);
    assert_eq!(fake.stats().token_requests, 2);
    // A single 401 costs neither a failure nor one of the four tries.
    fake.fail_next(401, 1);
    fake.fail_next(503, 3);
    client
        .send_message(&message("m-2", Reply::text("hi")))
        .await
        .expect("401, then 503 three times, then sent on the fourth try");
    assert_eq!(fake.stats().agent_messages, 1);
}

#[tokio::test]
async fn a_409_on_a_create_is_the_earlier_send_and_counts_as_sent() {
    let (fake, client) = fake_and_client().await;
    fake.fail_next(409, 1);
    client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect("409 means already sent");
    fake.fail_next(409, 1);
    client
        .send_event(&api_support::event(
            "e-1",
            rbm_runtime::reply::AgentEvent::IsTyping,
        ))
        .await
        .expect("409 means already sent");
    assert_eq!(fake.stats().requests, 2, "a 409 is not retried");
}
