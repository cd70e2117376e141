//! The fake RBM API over real HTTP, resource by resource, with every error
//! it answers as Google does.

use std::time::Duration;

use chrono::DateTime;
use rbm_runtime::OutgoingEvent;
use rbm_runtime::api::RetryPolicy;
use rbm_runtime::reply::AgentEvent;
use rbm_runtime::testing::fake_api::{
    AgentUseCase, DEFAULT_FEATURES, FakeFile, FakeRbmApi, FileContent, InviteStatus, RemoteFakeApi,
};
use serde_json::{Value, json};

const AGENT: &str = "test-agent@rbm.goog";
/// A US number: messages to it carry the US billing fields.
const PHONE: &str = "+12223334444";
/// A Finnish number.
const FI_PHONE: &str = "+358401234567";
const REQUEST_ID: &str = "6f1c3c55-0c7b-4c5e-9d4e-4a3f0d1b2c3d";

/// A fake, a plain HTTP client and a live bearer token of the fake's.
struct Api {
    fake: FakeRbmApi,
    http: reqwest::Client,
    authorization: String,
}

/// An answer: status, JSON body, `Retry-After`.
struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<String>,
}

impl Answer {
    fn error_status(&self) -> &str {
        self.body["error"]["status"].as_str().unwrap_or("")
    }
}

impl Api {
    /// The token is the one the fake's own client fetched, read from the
    /// request it made with it (an IS_TYPING to a number the tests never use).
    async fn start() -> Self {
        let fake = FakeRbmApi::start().await.expect("the fake starts");
        let client = fake
            .client_builder()
            .expect("a builder")
            .agent_id(AGENT)
            .retry(RetryPolicy::none())
            .build()
            .expect("a client");
        client
            .send_event(&OutgoingEvent {
                phone_number: "+15559990000".into(),
                agent_id: Some(AGENT.into()),
                event_id: "token-fetch".into(),
                event: AgentEvent::IsTyping,
            })
            .await
            .expect("the event is sent");
        let authorization = fake.requests()[0]
            .authorization
            .clone()
            .expect("a bearer token");
        Self {
            fake,
            http: rbm_runtime::testing::http_client().expect("an HTTP client"),
            authorization,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request
            .header("Authorization", &self.authorization)
            .send()
            .await
            .expect("the fake answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().expect("text").to_owned());
        let body = response.json().await.expect("a JSON answer");
        Answer {
            status,
            body,
            retry_after,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.base_url())
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn post_bytes(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> Answer {
        let request = self
            .http
            .post(self.url(path))
            .header("Content-Type", content_type)
            .body(bytes);
        self.send(request).await
    }

    async fn capabilities(&self, phone: &str) -> Answer {
        self.get(&format!(
            "/v1/phones/{phone}/capabilities?requestId={REQUEST_ID}&agentId={AGENT}"
        ))
        .await
    }

    async fn message(&self, phone: &str, id: &str, body: &Value) -> Answer {
        self.post(
            &format!("/v1/phones/{phone}/agentMessages?messageId={id}&agentId={AGENT}"),
            body,
        )
        .await
    }

    async fn invite(&self, phone: &str) -> Answer {
        self.post(
            &format!("/v1/phones/{phone}/testers?agentId={AGENT}"),
            &json!({}),
        )
        .await
    }
}

fn features(answer: &Answer) -> Vec<&str> {
    answer.body["features"]
        .as_array()
        .expect("a list of features")
        .iter()
        .map(|f| f.as_str().expect("a string"))
        .collect()
}

#[tokio::test]
async fn capabilities_answer_features_or_not_found() {
    let api = Api::start().await;
    let answer = api.capabilities(PHONE).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(features(&answer), DEFAULT_FEATURES);
    let encoded = api
        .get(&format!(
            "/v1/phones/%2B12223334444/capabilities?requestId={REQUEST_ID}&agentId={AGENT}"
        ))
        .await;
    assert_eq!(encoded.status, 200, "a percent-encoded + is a +");

    api.fake
        .set_features(FI_PHONE, ["RICHCARD_STANDALONE", "ACTION_SOMETHING_NEW"]);
    let answer = api.capabilities(FI_PHONE).await;
    assert_eq!(
        features(&answer),
        ["RICHCARD_STANDALONE", "ACTION_SOMETHING_NEW"]
    );

    api.fake.set_unreachable([PHONE]);
    let answer = api.capabilities(PHONE).await;
    assert_eq!((answer.status, answer.error_status()), (404, "NOT_FOUND"));
    assert_eq!(answer.body["error"]["code"], 404);
    assert!(answer.body["error"]["message"].is_string());
    api.fake.set_all_reachable();
    assert_eq!(api.capabilities(PHONE).await.status, 200);
    assert_eq!(api.fake.stats().capability_checks, 5);

    for (query, status, name) in [
        (format!("agentId={AGENT}"), 400, "INVALID_ARGUMENT"),
        (
            format!("requestId=not-a-uuid&agentId={AGENT}"),
            400,
            "INVALID_ARGUMENT",
        ),
        (format!("requestId={REQUEST_ID}"), 403, "PERMISSION_DENIED"),
    ] {
        let answer = api
            .get(&format!("/v1/phones/{PHONE}/capabilities?{query}"))
            .await;
        assert_eq!(
            (answer.status, answer.error_status()),
            (status, name),
            "{query}"
        );
    }
    let answer = api.capabilities("12223334444").await;
    assert_eq!(answer.status, 400, "not E.164");
    let anonymous = api
        .http
        .get(api.url(&format!(
            "/v1/phones/{PHONE}/capabilities?requestId={REQUEST_ID}&agentId={AGENT}"
        )))
        .send()
        .await
        .expect("answered");
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn batch_get_lists_the_reachable_and_estimates_reach_from_a_sample() {
    let api = Api::start().await;
    let few = ["+15550000001", "+15550000002", "+15550000003"];
    api.fake
        .set_reachable_only(["+15550000001", "+15550000003"]);
    let answer = api
        .post(
            "/v1/users:batchGet",
            &json!({"users": few, "agentId": AGENT}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({
            "reachableUsers": ["+15550000001", "+15550000003"],
            "totalRandomSampleUserCount": 0,
            "reachableRandomSampleUserCount": 0
        })
    );

    // 5,000 numbers, a fifth of them unreachable.
    api.fake.set_all_reachable();
    let many: Vec<String> = (0..5000).map(|i| format!("+1555{i:07}")).collect();
    api.fake.set_unreachable(many.iter().step_by(5).cloned());
    let answer = api
        .post(
            "/v1/users:batchGet",
            &json!({"users": many, "agentId": AGENT}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body["reachableUsers"].as_array().map(Vec::len),
        Some(4000)
    );
    let total = answer.body["totalRandomSampleUserCount"]
        .as_u64()
        .expect("a count");
    let reachable = answer.body["reachableRandomSampleUserCount"]
        .as_u64()
        .expect("a count");
    assert!((3500..=4000).contains(&total), "about 75% sampled: {total}");
    let share = reachable as f64 / total as f64;
    assert!(
        (0.75..=0.85).contains(&share),
        "about 80% reachable: {share}"
    );
    let again = api
        .post(
            "/v1/users:batchGet",
            &json!({"users": many, "agentId": AGENT}),
        )
        .await;
    assert_eq!(again.body, answer.body, "the same sample every time");
    assert_eq!(api.fake.stats().user_batches, 3);

    let too_many: Vec<String> = (0..10_001).map(|i| format!("+1555{i:07}")).collect();
    for (body, status) in [
        (json!({"users": too_many, "agentId": AGENT}), 400),
        (json!({"users": ["+15550000001"]}), 403),
        (json!({"users": ["555-0001"], "agentId": AGENT}), 400),
        (json!({"users": "+15550000001", "agentId": AGENT}), 400),
        (json!(["+15550000001"]), 400),
    ] {
        let answer = api.post("/v1/users:batchGet", &body).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(answer.body["error"]["status"].is_string());
    }
}

#[tokio::test]
async fn tester_invites_are_pending_until_answered_and_limited_per_day() {
    let api = Api::start().await;
    let answer = api.invite(PHONE).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({"name": format!("phones/{PHONE}/testers"), "inviteStatus": "PENDING"})
    );
    assert!(
        api.fake
            .set_tester_status(AGENT, PHONE, InviteStatus::Accepted)
    );
    assert!(
        !api.fake
            .set_tester_status(AGENT, FI_PHONE, InviteStatus::Accepted)
    );
    // Inviting again answers where the invite stands, and costs no invite.
    let again = api
        .post(
            &format!("/v1/phones/{PHONE}/testers?agentId={AGENT}"),
            &json!({"name": "ignored", "inviteStatus": "DECLINED"}),
        )
        .await;
    assert_eq!(again.body["inviteStatus"], "ACCEPTED");

    api.fake.set_tester_invite_limits(2, 200);
    assert_eq!(api.invite(FI_PHONE).await.body["inviteStatus"], "PENDING");
    let third = api.invite("+15550000003").await;
    assert_eq!(
        (third.status, third.error_status()),
        (429, "RESOURCE_EXHAUSTED")
    );
    assert_eq!(api.fake.stats().rate_limited, 1);
    assert!(
        api.fake
            .set_tester_status(AGENT, FI_PHONE, InviteStatus::Declined)
    );
    let testers = api.fake.testers();
    let listed: Vec<(&str, &str, InviteStatus)> = testers
        .iter()
        .map(|t| (t.agent_id.as_str(), t.phone_number.as_str(), t.status))
        .collect();
    assert_eq!(
        listed,
        [
            (AGENT, PHONE, InviteStatus::Accepted),
            (AGENT, FI_PHONE, InviteStatus::Declined)
        ]
    );

    api.fake.set_unreachable(["+15550000004"]);
    assert_eq!(api.invite("+15550000004").await.status, 404);
    let no_agent = api
        .post(&format!("/v1/phones/{PHONE}/testers"), &json!({}))
        .await;
    assert_eq!(no_agent.status, 403);
    let not_a_tester = api
        .post(
            &format!("/v1/phones/{PHONE}/testers?agentId={AGENT}"),
            &json!([1]),
        )
        .await;
    assert_eq!(not_a_tester.status, 400);
    assert_eq!(api.invite("+0123").await.status, 400);
}

#[tokio::test]
async fn files_by_url_are_kept_and_bad_urls_refused() {
    let api = Api::start().await;
    let answer = api
        .post(
            "/v1/files",
            &json!({
                "fileUrl": "https://example.com/cat.png",
                "thumbnailUrl": "https://example.com/cat-small.png",
                "contentDescription": "A cat",
                "agentId": AGENT
            }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let name = answer.body["name"].as_str().expect("a name").to_owned();
    assert!(
        name.starts_with("files/") && name.len() > "files/".len(),
        "{name}"
    );
    assert_eq!(
        api.fake.files(),
        [FakeFile {
            name,
            agent_id: AGENT.into(),
            content: FileContent::Url("https://example.com/cat.png".into()),
            thumbnail_url: Some("https://example.com/cat-small.png".into()),
            content_description: Some("A cat".into()),
        }]
    );
    for (body, status) in [
        (json!({"fileUrl": "/cat.png", "agentId": AGENT}), 400),
        (
            json!({"fileUrl": "ftp://example.com/cat.png", "agentId": AGENT}),
            400,
        ),
        (json!({"agentId": AGENT}), 400),
        (
            json!({"fileUrl": "https://example.com/a.png", "thumbnailUrl": "small.png", "agentId": AGENT}),
            400,
        ),
        (json!({"fileUrl": "https://example.com/a.png"}), 403),
    ] {
        let answer = api.post("/v1/files", &body).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
    }
    assert_eq!(api.fake.files().len(), 1);
    assert_eq!(api.fake.stats().files, 1);
}

/// A multipart/related body: the metadata, then the media.
fn related(boundary: &str, metadata: &Value, media_type: &str, media: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n\
         --{boundary}\r\nContent-Type: {media_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(media);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn uploads_by_media_and_multipart_keep_their_bytes() {
    let api = Api::start().await;
    let png = b"\x89PNG\r\n\x1a\n pretend pixels".to_vec();
    let media = api
        .post_bytes(
            &format!("/upload/v1/files?uploadType=media&agentId={AGENT}"),
            "image/png",
            png.clone(),
        )
        .await;
    assert_eq!(media.status, 200, "{}", media.body);

    let mp4 = vec![7_u8; 4096];
    let metadata = json!({
        "thumbnailUrl": "https://example.com/thumb.jpg",
        "contentDescription": "A clip",
        "agentId": AGENT
    });
    let multipart = api
        .post_bytes(
            "/upload/v1/files?uploadType=multipart",
            "multipart/related; boundary=rbm_boundary_42",
            related("rbm_boundary_42", &metadata, "video/mp4", &mp4),
        )
        .await;
    assert_eq!(multipart.status, 200, "{}", multipart.body);

    let files = api.fake.files();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].name, media.body["name"].as_str().expect("a name"));
    assert_eq!(files[0].content, FileContent::uploaded("image/png", png));
    assert_eq!(
        (
            files[0].thumbnail_url.as_deref(),
            files[0].agent_id.as_str()
        ),
        (None, AGENT)
    );
    let FileContent::Uploaded {
        content_type,
        bytes,
        sha256,
    } = &files[1].content
    else {
        panic!("uploaded: {:?}", files[1].content);
    };
    assert_eq!(
        (content_type.as_str(), bytes.len(), sha256.len()),
        ("video/mp4", 4096, 64)
    );
    assert_eq!(bytes.as_ref(), mp4.as_slice());
    assert_eq!(
        files[1].thumbnail_url.as_deref(),
        Some("https://example.com/thumb.jpg")
    );
    assert_eq!(files[1].content_description.as_deref(), Some("A clip"));
    // What is recorded of a multipart upload is its metadata, not its bytes.
    let recorded = api.fake.requests();
    assert_eq!(recorded.last().and_then(|r| r.body.clone()), Some(metadata));
}

#[tokio::test]
async fn uploads_of_the_wrong_kind_size_or_shape_are_refused() {
    let api = Api::start().await;
    api.fake.set_max_file_bytes(1000);
    let media_path = format!("/upload/v1/files?uploadType=media&agentId={AGENT}");
    let exactly = api
        .post_bytes(&media_path, "image/jpeg", vec![1; 1000])
        .await;
    assert_eq!(exactly.status, 200, "{}", exactly.body);
    let over = api
        .post_bytes(&media_path, "image/jpeg", vec![1; 1001])
        .await;
    assert_eq!(
        (over.status, over.error_status()),
        (413, "INVALID_ARGUMENT")
    );
    let text = api
        .post_bytes(&media_path, "text/plain", b"hello".to_vec())
        .await;
    assert_eq!(
        (text.status, text.error_status()),
        (400, "INVALID_ARGUMENT")
    );
    let empty = api.post_bytes(&media_path, "image/png", Vec::new()).await;
    assert_eq!(empty.status, 400);
    let no_agent = api
        .post_bytes(
            "/upload/v1/files?uploadType=media",
            "image/png",
            vec![1; 10],
        )
        .await;
    assert_eq!(no_agent.status, 403);
    let resumable = api
        .post_bytes(
            &format!("/upload/v1/files?uploadType=resumable&agentId={AGENT}"),
            "image/png",
            vec![1; 10],
        )
        .await;
    assert_eq!(resumable.status, 400);

    let multipart_path = "/upload/v1/files?uploadType=multipart";
    let metadata = json!({"agentId": AGENT});
    let big = related("b", &metadata, "image/gif", &[0; 1001]);
    assert_eq!(
        api.post_bytes(multipart_path, "multipart/related; boundary=b", big)
            .await
            .status,
        413
    );
    let exe = related("b", &metadata, "application/x-msdownload", b"MZ");
    assert_eq!(
        api.post_bytes(multipart_path, "multipart/related; boundary=b", exe)
            .await
            .status,
        400
    );
    let no_agent = related("b", &json!({}), "image/gif", b"GIF89a");
    assert_eq!(
        api.post_bytes(multipart_path, "multipart/related; boundary=b", no_agent)
            .await
            .status,
        403
    );
    let gif = related("b", &metadata, "image/gif", b"GIF89a");
    for content_type in [
        "multipart/form-data; boundary=b",
        "multipart/related; boundary=c",
    ] {
        let answer = api
            .post_bytes(multipart_path, content_type, gif.clone())
            .await;
        assert_eq!(answer.status, 400, "{content_type}: {}", answer.body);
    }
    let truncated = gif[..gif.len() - 8].to_vec();
    let answer = api
        .post_bytes(multipart_path, "multipart/related; boundary=b", truncated)
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(api.fake.files().len(), 1, "only the first upload is kept");
}

#[tokio::test]
async fn messages_may_only_name_files_the_fake_knows() {
    let api = Api::start().await;
    let upload = api
        .post_bytes(
            &format!("/upload/v1/files?agentId={AGENT}"),
            "image/png",
            b"PNG".to_vec(),
        )
        .await;
    assert_eq!(upload.status, 200, "Google's example omits uploadType");
    let name = upload.body["name"].as_str().expect("a name");
    let known = json!({"contentMessage": {"uploadedRbmFile": {"fileName": name}}});
    assert_eq!(api.message(PHONE, "m-1", &known).await.status, 200);
    for (id, content) in [
        (
            "m-2",
            json!({"uploadedRbmFile": {"fileName": name, "thumbnailName": "files/nope"}}),
        ),
        (
            "m-3",
            json!({"richCard": {"standaloneCard": {"cardContent": {
            "media": {"height": "TALL", "uploadedRbmFile": {"fileName": "files/nope"}}}}}}),
        ),
        (
            "m-4",
            json!({"richCard": {"carouselCard": {"cardWidth": "MEDIUM", "cardContents": [
            {"media": {"height": "SHORT", "fileName": "files/nope"}}]}}}),
        ),
    ] {
        let answer = api
            .message(PHONE, id, &json!({"contentMessage": content}))
            .await;
        assert_eq!(
            (answer.status, answer.error_status()),
            (400, "INVALID_ARGUMENT"),
            "{id}"
        );
    }
}

#[tokio::test]
async fn agent_messages_answer_the_agent_message_as_stored() {
    let api = Api::start().await;
    let body = json!({
        "contentMessage": {"text": "Hello!", "suggestions": [{"reply": {"text": "Yes", "postbackData": "yes"}}]},
        "messageTrafficType": "PROMOTION",
        "ttl": "600s"
    });
    let answer = api.message(PHONE, "m-1", &body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let sent = &answer.body;
    assert_eq!(sent["name"], format!("phones/{PHONE}/agentMessages/m-1"));
    let send_time = sent["sendTime"].as_str().expect("a time");
    DateTime::parse_from_rfc3339(send_time).expect("RFC 3339");
    assert_eq!(sent["contentMessage"], body["contentMessage"]);
    assert_eq!(sent["messageTrafficType"], "PROMOTION");
    assert_eq!(
        sent["richMessageClassification"],
        json!({"classificationType": "RICH_MESSAGE", "segmentCount": 1})
    );
    assert_eq!(
        sent["totalPayloadSizeBytes"],
        serde_json::to_vec(&body).expect("JSON").len().to_string()
    );
    assert!(sent["carrier"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(
        (&sent["ttl"], sent.get("expireTime")),
        (&json!("600s"), None)
    );

    // Unset, the traffic type is the agent's use case's; outside the US no
    // billing fields.
    let card = json!({
        "contentMessage": {"richCard": {"standaloneCard": {"cardContent": {"title": "Hi"}}}},
        "expireTime": "2030-01-01T00:00:00Z"
    });
    let answer = api.message(FI_PHONE, "m-2", &card).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["messageTrafficType"], "TRANSACTION");
    assert_eq!(answer.body["expireTime"], "2030-01-01T00:00:00Z");
    for absent in [
        "richMessageClassification",
        "totalPayloadSizeBytes",
        "carrier",
        "ttl",
    ] {
        assert!(
            answer.body.get(absent).is_none(),
            "{absent}: {}",
            answer.body
        );
    }
    let us_card = api.message(PHONE, "m-3", &card).await;
    assert_eq!(
        us_card.body["richMessageClassification"],
        json!({"classificationType": "RICH_MEDIA_MESSAGE"})
    );

    api.fake.set_agent_use_case(AgentUseCase::Otp);
    let text = json!({"contentMessage": {"text": "Your code is 123456"}});
    assert_eq!(
        api.message(PHONE, "m-4", &text).await.body["messageTrafficType"],
        "AUTHENTICATION"
    );
    api.fake.set_agent_use_case(AgentUseCase::MultiUse);
    assert_eq!(api.message(PHONE, "m-5", &text).await.status, 400);
    let unspecified = json!({"contentMessage": {"text": "x"}, "messageTrafficType": "MESSAGE_TRAFFIC_TYPE_UNSPECIFIED"});
    assert_eq!(api.message(PHONE, "m-6", &unspecified).await.status, 400);
    let bogus = json!({"contentMessage": {"text": "x"}, "messageTrafficType": "SPAM"});
    assert_eq!(api.message(PHONE, "m-7", &bogus).await.status, 400);
    let both = json!({"contentMessage": {"text": "x"}, "messageTrafficType": "PROMOTION",
                      "ttl": "1s", "expireTime": "2030-01-01T00:00:00Z"});
    assert_eq!(api.message(PHONE, "m-8", &both).await.status, 400);
}

#[tokio::test]
async fn unreachable_users_and_reused_ids_are_refused() {
    let api = Api::start().await;
    let hello = json!({"contentMessage": {"text": "Hello"}});
    api.fake.set_unreachable([FI_PHONE]);
    let answer = api.message(FI_PHONE, "m-1", &hello).await;
    assert_eq!((answer.status, answer.error_status()), (404, "NOT_FOUND"));
    let event = api
        .post(
            &format!("/v1/phones/{FI_PHONE}/agentEvents?eventId=e-1&agentId={AGENT}"),
            &json!({"eventType": "IS_TYPING"}),
        )
        .await;
    assert_eq!(event.status, 404);

    assert_eq!(api.message(PHONE, "m-1", &hello).await.status, 200);
    let other = json!({"contentMessage": {"text": "Something else"}});
    let reused = api.message(PHONE, "m-1", &other).await;
    assert_eq!(
        (reused.status, reused.error_status()),
        (409, "ALREADY_EXISTS")
    );
    assert_eq!(api.fake.stats().duplicates, 1);
    // What exists is kept: it can still be revoked, once.
    let revoke = format!("/v1/phones/{PHONE}/agentMessages/m-1?agentId={AGENT}");
    let revoked = api.send(api.http.delete(api.url(&revoke))).await;
    assert_eq!(revoked.status, 200);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_spares_tokens() {
    let api = Api::start().await;
    api.fake.set_rate_limit(2, Duration::from_secs(60));
    for _ in 0..2 {
        assert_eq!(api.capabilities(PHONE).await.status, 200);
    }
    let limited = api.capabilities(PHONE).await;
    assert_eq!(
        (limited.status, limited.error_status()),
        (429, "RESOURCE_EXHAUSTED")
    );
    let seconds: u64 = limited
        .retry_after
        .as_deref()
        .expect("a Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((59..=60).contains(&seconds), "{seconds}");
    assert_eq!(api.fake.stats().rate_limited, 1);

    // A new client's token request is not an API call: it gets its token,
    // and only its message is refused.
    let client = api
        .fake
        .client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .retry(RetryPolicy::none())
        .build()
        .expect("a client");
    let typing = OutgoingEvent {
        phone_number: PHONE.into(),
        agent_id: Some(AGENT.into()),
        event_id: "e-limited".into(),
        event: AgentEvent::IsTyping,
    };
    let error = client.send_event(&typing).await.expect_err("rate-limited");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(api.fake.requests().last().map(|r| r.status), Some(429));
    let tokens = api.fake.token_requests();
    assert_eq!(tokens.last().map(|t| t.status), Some(200));
    assert_eq!(api.fake.stats().rate_limited, 2);

    // A short window frees its place after the announced wait.
    api.fake.set_rate_limit(1, Duration::from_millis(300));
    assert_eq!(api.capabilities(PHONE).await.status, 200);
    let limited = api.capabilities(PHONE).await;
    assert_eq!(limited.retry_after.as_deref(), Some("1"));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(api.capabilities(PHONE).await.status, 200);
    api.fake.clear_rate_limit();
    for _ in 0..5 {
        assert_eq!(api.capabilities(PHONE).await.status, 200);
    }
}

#[tokio::test]
async fn another_process_reads_every_resource_call_over_http() {
    let api = Api::start().await;
    api.capabilities(PHONE).await;
    api.invite(PHONE).await;
    let metadata = json!({"agentId": AGENT, "contentDescription": "A GIF"});
    api.post_bytes(
        "/upload/v1/files?uploadType=multipart",
        "multipart/related; boundary=b",
        related("b", &metadata, "image/gif", b"GIF89a"),
    )
    .await;
    let remote = RemoteFakeApi::new(api.fake.base_url()).expect("a client");
    let (requests, total) = remote.requests_after(1).await.expect("read");
    assert_eq!(total, 4);
    let seen: Vec<(&str, &str, u16)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    let capabilities = format!("/v1/phones/{PHONE}/capabilities");
    let testers = format!("/v1/phones/{PHONE}/testers");
    assert_eq!(
        seen,
        [
            ("GET", capabilities.as_str(), 200),
            ("POST", testers.as_str(), 200),
            ("POST", "/upload/v1/files", 200)
        ]
    );
    assert_eq!(requests[0].query_param("requestId"), Some(REQUEST_ID));
    assert_eq!(requests[2].body, Some(metadata));
    assert!(requests.iter().all(|r| r.authorization.is_none()));
}
