//! The RBM API methods beyond replies, against the fake RBM API over HTTP:
//! capabilities, `users.batchGet`, tester invites, file uploads, Google's
//! answer to a sent message, keyed messages the business starts, the
//! default traffic type and a `429` that pauses every call.

use std::time::Duration;

use rbm_runtime::api::{
    ApiError, Feature, FileUpload, InviteStatus, RbmApiClient, Reachability, RetryPolicy,
};
use rbm_runtime::reply::TrafficType;
use rbm_runtime::testing::fake_api::{FakeRbmApi, FileContent};
use rbm_runtime::{OutgoingMessage, Reply};

const AGENT: &str = "shop@rbm.goog";
const USER: &str = "+12223334444";
const AWAY: &str = "+12223339999";

async fn fake_and_client() -> (FakeRbmApi, RbmApiClient) {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = fake
        .client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .retry(RetryPolicy::new(
            4,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .build()
        .expect("a client");
    (fake, client)
}

#[tokio::test]
async fn capabilities_are_features_or_not_reachable() {
    let (fake, client) = fake_and_client().await;
    fake.set_unreachable([AWAY]);
    fake.set_features(USER, ["RICHCARD_CAROUSEL", "ACTION_DIAL"]);
    let Reachability::Reachable(capabilities) = client.capabilities(USER).await.expect("an answer")
    else {
        panic!("the user is reachable");
    };
    assert!(capabilities.supports(&Feature::RichcardCarousel));
    assert!(!capabilities.supports(&Feature::RichcardStandalone));
    assert_eq!(
        client.capabilities(AWAY).await.expect("an answer"),
        Reachability::NotReachable
    );
    let asked = fake
        .requests()
        .into_iter()
        .find(|request| request.path.ends_with("/capabilities"))
        .expect("a capabilities request");
    assert_eq!(asked.query_param("agentId"), Some(AGENT));
    assert!(
        asked
            .query_param("requestId")
            .is_some_and(|id| !id.is_empty())
    );
    assert!(matches!(
        client.capabilities("12223334444").await,
        Err(ApiError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn reachable_users_come_from_calls_of_at_most_10000_numbers() {
    let (fake, client) = fake_and_client().await;
    let numbers: Vec<String> = (0..25_000).map(|n| format!("+1555{n:07}")).collect();
    let away: Vec<&String> = numbers.iter().step_by(7).collect();
    fake.set_unreachable(away.iter().map(|n| n.as_str()));
    let found = client.reachable_users(&numbers).await.expect("an answer");
    let calls: Vec<usize> = fake
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/v1/users:batchGet"))
        .map(|request| {
            request.body.as_ref().expect("a body")["users"]
                .as_array()
                .expect("users")
                .len()
        })
        .collect();
    assert_eq!(calls, [10_000, 10_000, 5_000]);
    assert_eq!(found.reachable.len(), numbers.len() - away.len());
    assert!(found.reachable.iter().all(|n| !away.contains(&n)));
    let invalid = client
        .reachable_users(&["+12223334444", "nope"])
        .await
        .expect_err("an invalid number");
    assert!(invalid.to_string().contains("number 2"), "{invalid}");
}

#[tokio::test]
async fn a_tester_invite_answers_its_status_and_its_limits() {
    let (fake, client) = fake_and_client().await;
    fake.set_unreachable([AWAY]);
    let tester = client.invite_tester(USER).await.expect("invited");
    assert_eq!(tester.invite_status, InviteStatus::Pending);
    assert!(fake.set_tester_status(
        AGENT,
        USER,
        rbm_runtime::testing::fake_api::InviteStatus::Accepted
    ));
    let again = client.invite_tester(USER).await.expect("invited again");
    assert_eq!(again.invite_status, InviteStatus::Accepted);
    assert_eq!(
        client
            .invite_tester(AWAY)
            .await
            .expect_err("no RCS")
            .status(),
        Some(404)
    );
    fake.set_tester_invite_limits(1, 200);
    let limited = client
        .invite_tester("+12223335555")
        .await
        .expect_err("over the daily limit");
    assert!(limited.quota_exceeded().is_some(), "{limited:?}");
}

#[tokio::test]
async fn files_upload_by_url_and_by_bytes_and_messages_name_them() {
    let (fake, client) = fake_and_client().await;
    let by_url = client
        .upload_file(
            &FileUpload::url("https://example.com/menu.png")
                .thumbnail_url("https://example.com/menu-small.png")
                .content_description("Our menu"),
        )
        .await
        .expect("uploaded by URL");
    assert!(by_url.name.starts_with("files/"), "{}", by_url.name);
    let png = [0x89, b'P', b'N', b'G', 0, 1, 2, 3].repeat(100);
    let by_bytes = client
        .upload_file(&FileUpload::bytes(png.clone(), "image/png").content_description("Dots"))
        .await
        .expect("uploaded as bytes");
    let files = fake.files();
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0].content,
        FileContent::Url("https://example.com/menu.png".into())
    );
    assert_eq!(
        files[0].thumbnail_url.as_deref(),
        Some("https://example.com/menu-small.png")
    );
    assert_eq!(files[1].name, by_bytes.name);
    assert!(matches!(
        &files[1].content,
        FileContent::Uploaded { content_type, .. } if content_type == "image/png"
    ));
    assert_eq!(files[1].content_description.as_deref(), Some("Dots"));

    let sent = client
        .send_message(&OutgoingMessage::to(
            USER,
            Reply::uploaded_file(by_bytes.as_rbm_file()),
        ))
        .await
        .expect("a message naming the upload");
    assert!(!sent.already_sent);
    let unknown = client
        .send_message(&OutgoingMessage::to(
            USER,
            Reply::uploaded_file(rbm_runtime::reply::UploadedRbmFile::new("files/unknown")),
        ))
        .await
        .expect_err("an unknown file");
    assert_eq!(unknown.status(), Some(400));

    fake.set_max_file_bytes(100);
    let too_big = client
        .upload_file(&FileUpload::bytes(png, "image/png"))
        .await
        .expect_err("over the fake's limit");
    assert_eq!(too_big.status(), Some(413));
    let not_media = client
        .upload_file(&FileUpload::bytes(b"<html>".to_vec(), "text/html"))
        .await
        .expect_err("not media");
    assert!(matches!(not_media, ApiError::InvalidRequest(_)));
}

#[tokio::test]
async fn a_sent_message_returns_googles_answer_and_a_key_sends_once() {
    let (fake, client) = fake_and_client().await;
    let message = OutgoingMessage::to(USER, Reply::text("Your order shipped")).key("order-17");
    let sent = client.send_message(&message).await.expect("sent");
    assert_eq!(
        sent.name,
        Some(format!(
            "phones/{USER}/agentMessages/{}",
            message.message_id
        ))
    );
    assert!(sent.send_time.is_some());
    assert!(sent.total_payload_size_bytes.is_some_and(|size| size > 0));
    assert!(sent.carrier.is_some());
    assert!(!sent.already_sent);

    // The job runs again: same key, same id, not sent twice.
    let again = OutgoingMessage::to(USER, Reply::text("Your order shipped")).key("order-17");
    assert_eq!(again.message_id, message.message_id);
    let resent = client.send_message(&again).await.expect("not an error");
    assert!(resent.already_sent);
    let accepted = fake
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/agentMessages") && request.status == 200)
        .count();
    assert_eq!(accepted, 1);
}

#[tokio::test]
async fn the_default_traffic_type_applies_to_messages_that_set_none() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = fake
        .client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .default_traffic_type(TrafficType::Promotion)
        .build()
        .expect("a client");
    client
        .send_message(&OutgoingMessage::to(USER, Reply::text("Sale")))
        .await
        .expect("sent");
    client
        .send_message(&OutgoingMessage::to(
            USER,
            Reply::text("Your code").traffic_type(TrafficType::Authentication),
        ))
        .await
        .expect("sent");
    let types: Vec<String> = fake
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/agentMessages"))
        .map(|request| request.body.as_ref().expect("a body")["messageTrafficType"].to_string())
        .collect();
    assert_eq!(types, ["\"PROMOTION\"", "\"AUTHENTICATION\""]);
}

#[tokio::test]
async fn rbm_message_traffic_type_is_read_and_checked() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let key = dir.path().join("key.json");
    fake.write_key_file(&key).expect("a key file");
    let env = |traffic: &'static str| {
        let key = key.display().to_string();
        move |name: &str| match name {
            "GOOGLE_APPLICATION_CREDENTIALS" => Some(key.clone()),
            "RBM_MESSAGE_TRAFFIC_TYPE" => Some(traffic.to_owned()),
            _ => None,
        }
    };
    assert!(
        RbmApiClient::from_env_vars(env("transaction"))
            .expect("a valid setting")
            .is_some()
    );
    let error = RbmApiClient::from_env_vars(env("MARKETING")).expect_err("an invalid setting");
    let shown = error.to_string();
    assert!(
        shown.starts_with("RBM_MESSAGE_TRAFFIC_TYPE=\"MARKETING\""),
        "{shown}"
    );
    assert!(shown.contains("PROMOTION"), "{shown}");
}

#[tokio::test]
async fn a_429_pauses_every_call_of_the_client() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = fake
        .client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .retry(RetryPolicy::new(
            10,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .build()
        .expect("a client");
    fake.set_rate_limit(5, Duration::from_secs(1));
    let sends = (0..15).map(|n| {
        let client = client.clone();
        async move {
            client
                .send_message(
                    &OutgoingMessage::to(USER, Reply::text(format!("{n}"))).key(&n.to_string()),
                )
                .await
        }
    });
    let results = futures_util::future::join_all(sends).await;
    let failed: Vec<&ApiError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    // Pauses follow Retry-After (1 s) for every call, within the 8 s deadline.
    assert!(failed.is_empty(), "{failed:?}");
    assert!(client.quota_pauses() > 0);
    assert!(fake.stats().rate_limited > 0);
}
