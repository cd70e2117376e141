//! Access tokens: a signed JWT exchanged once, cached, shared by concurrent
//! senders, refreshed before expiry and after a 401.

mod api_support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use rbm_runtime::SendError;
use rbm_runtime::api::{ApiError, TokenError};
use rbm_runtime::reply::Reply;
use rbm_runtime::testing::fake_api::FakeRbmApi;
use serde_json::Value;

use api_support::{client_of, fake_and_client, message};

#[tokio::test]
async fn one_token_serves_many_messages() {
    let (fake, client) = fake_and_client().await;
    for n in 0..5 {
        client
            .send_message(&message(&format!("m-{n}"), Reply::text("hi")))
            .await
            .expect("sent");
    }
    assert_eq!(fake.stats().token_requests, 1);
    assert_eq!(client.token_requests(), 1);
    let requests = fake.requests();
    assert_eq!(requests.len(), 5);
    let first_auth = requests[0]
        .authorization
        .clone()
        .expect("an Authorization header");
    assert!(first_auth.starts_with("Bearer fake-rbm-token-"));
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_ref() == Some(&first_auth))
    );
}

#[tokio::test]
async fn concurrent_senders_share_one_token_request() {
    let (fake, client) = fake_and_client().await;
    let sends = (0..32).map(|n| {
        let client = client.clone();
        async move {
            client
                .send_message(&message(&format!("m-{n}"), Reply::text("hi")))
                .await
        }
    });
    let results = join_all(sends.map(tokio::spawn)).await;
    for result in results {
        result.expect("the task ran").expect("sent");
    }
    assert_eq!(fake.stats().token_requests, 1);
    assert_eq!(fake.stats().agent_messages, 32);
}

#[tokio::test]
async fn the_assertion_is_a_signed_jwt_for_the_rbm_scope() {
    let (fake, client) = fake_and_client().await;
    client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect("sent");
    let token_requests = fake.token_requests();
    assert_eq!(token_requests.len(), 1);
    let form = token_requests[0].body.clone().expect("form fields");
    assert_eq!(
        form["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let assertion = form["assertion"].as_str().expect("an assertion");
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], fake.account().private_key_id());
    let claims = decode(parts[1]);
    assert_eq!(claims["iss"], fake.account().client_email());
    assert_eq!(claims["aud"], fake.token_uri());
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/rcsbusinessmessaging"
    );
    let iat = claims["iat"].as_u64().expect("iat");
    assert_eq!(claims["exp"].as_u64(), Some(iat + 3600));
}

#[tokio::test]
async fn an_expiring_token_is_replaced_before_it_expires() {
    let fake = FakeRbmApi::builder()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .expect("the fake starts");
    let client = client_of(&fake);
    client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect("sent");
    // Past the token's lifetime: the client must fetch a new one first
    // rather than be refused with 401.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client
        .send_message(&message("m-2", Reply::text("hi")))
        .await
        .expect("sent");
    assert_eq!(fake.stats().token_requests, 2);
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.status == 200), "{requests:?}");
    assert_ne!(requests[0].authorization, requests[1].authorization);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once_after_a_401() {
    let (fake, client) = fake_and_client().await;
    client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect("sent");
    fake.revoke_tokens();
    client
        .send_message(&message("m-2", Reply::text("hi")))
        .await
        .expect("sent with a new token");
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 401, 200]);
    assert_eq!(fake.stats().token_requests, 2);
}

#[tokio::test]
async fn token_endpoint_outages_are_retried() {
    let (fake, client) = fake_and_client().await;
    fake.fail_next_token_requests(503, 2);
    client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect("sent after the token endpoint recovered");
    assert_eq!(fake.stats().token_requests, 3);
}

#[tokio::test]
async fn a_refused_key_is_not_retried_and_keeps_the_delivery() {
    let (fake, client) = fake_and_client().await;
    fake.fail_next_token_requests(400, 1);
    let error = client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("the key was refused");
    assert!(
        matches!(
            error,
            ApiError::Token(TokenError::Rejected { status: 400, .. })
        ),
        "{error:?}"
    );
    // Fixing the key lets Google's redelivery succeed: not a permanent failure.
    assert!(error.is_retryable());
    assert_eq!(fake.stats().token_requests, 1);
    assert_eq!(fake.stats().requests, 0);
}

#[tokio::test]
async fn a_key_the_endpoint_does_not_trust_is_refused() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let stranger =
        rbm_runtime::testing::fake_api::TestServiceAccount::generate(fake.account().client_email());
    let key = rbm_runtime::api::ServiceAccountKey::from_json(&stranger.key_json(fake.token_uri()))
        .expect("a valid key file");
    let client = rbm_runtime::api::RbmApiClient::builder(key)
        .base_url(fake.base_url())
        .agent_id(api_support::AGENT)
        .retry(api_support::fast_retry())
        .build()
        .expect("the client builds");
    let error = client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("the signature does not verify");
    assert!(
        error.to_string().contains("Invalid JWT Signature"),
        "{error}"
    );
}

#[tokio::test]
async fn concurrent_sends_share_one_failed_refresh() {
    let (fake, client) = fake_and_client().await;
    let attempts = api_support::fast_retry().max_attempts;
    // Exactly one refresh's worth of failures: a second refresh would succeed.
    fake.fail_next_token_requests(503, attempts as usize);
    let sender = api_support::shared(client.clone());
    let sends = (0..10).map(|n| {
        let sender = sender.clone();
        tokio::spawn(async move {
            sender
                .send_message(&message(&format!("m-{n}"), Reply::text("hi")))
                .await
        })
    });
    for result in join_all(sends).await {
        let error = result
            .expect("the task ran")
            .expect_err("the token endpoint is down");
        assert!(matches!(error, SendError::Transient(_)), "{error:?}");
    }
    // One refresh with its retries, shared by all ten, not one each.
    assert_eq!(fake.stats().token_requests, u64::from(attempts));
    assert_eq!(client.token_requests(), u64::from(attempts));
    assert_eq!(fake.stats().requests, 0);
    // The failure is remembered only briefly: once it is forgotten, a send
    // asks again, and the recovered endpoint answers.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    client
        .send_message(&message("m-later", Reply::text("hi")))
        .await
        .expect("sent once the endpoint recovered");
    assert_eq!(fake.stats().token_requests, u64::from(attempts) + 1);
}

#[tokio::test]
async fn a_hanging_token_endpoint_costs_one_request_and_the_deadline() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let token_uri = format!("http://{}/token", silent.local_addr().expect("an address"));
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let key = fake.service_account_key().with_token_uri(token_uri);
    let client = rbm_runtime::api::RbmApiClient::builder(key)
        .base_url(fake.base_url())
        .agent_id(api_support::AGENT)
        .retry(api_support::fast_retry())
        .deadline(Duration::from_millis(300))
        .build()
        .expect("the client builds");
    let sender = api_support::shared(client.clone());
    let sends = (0..10).map(|n| {
        let sender = sender.clone();
        tokio::spawn(async move {
            sender
                .send_message(&message(&format!("m-{n}"), Reply::text("hi")))
                .await
        })
    });
    let results = tokio::time::timeout(Duration::from_secs(20), join_all(sends))
        .await
        .expect("every send ends near its 300 ms deadline");
    for result in results {
        let error = result.expect("the task ran").expect_err("no token");
        assert!(matches!(error, SendError::Transient(_)), "{error:?}");
    }
    assert_eq!(client.token_requests(), 1);
    assert_eq!(fake.stats().requests, 0);
}
