//! End to end over real HTTP: the status of every request that is not a
//! handled delivery — handshakes, forged or malformed pushes, payloads that
//! can never be handled, oversized bodies, other methods and other paths.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rbm_runtime::protocol::{Payload, PayloadKind};
use rbm_runtime::sign;
use serde_json::json;

use support::{
    PATH, PHONE, Recorder, Spelling, TOKEN, TestServer, builder, envelope, handshake, kinds, post,
    pubsub_id, push, raw_exchange, raw_status, status_and_body, text_message, url, within,
};

const SECRET: &str = "1234567890-the-secret";

#[tokio::test]
async fn handshake_with_the_right_token_answers_the_bare_secret_as_plain_text() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let response = handshake(&server.url, TOKEN, SECRET).await;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("text/plain; charset=utf-8")
    );
    let (_, body) = status_and_body(response).await;
    assert_eq!(body, SECRET);

    // Extra fields may appear in a handshake.
    let body = json!({"clientToken": TOKEN, "secret": SECRET, "extra": {"x": 1}}).to_string();
    let (status, body) = status_and_body(post(&server.url, body, None).await).await;
    assert_eq!((status, body.as_str()), (200, SECRET));
    assert_eq!(server.agent.calls(), 0, "a handshake is not a delivery");
}

#[tokio::test]
async fn handshake_with_a_wrong_or_missing_token_is_refused_without_the_secret() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let wrong = [
        handshake(&server.url, "WRONGTOKENWRONGT", SECRET).await,
        handshake(&server.url, "", SECRET).await,
        // A prefix of the right token is not the right token.
        handshake(&server.url, &TOKEN[..8], SECRET).await,
        post(&server.url, json!({"secret": SECRET}).to_string(), None).await,
        post(
            &server.url,
            json!({"clientToken": null, "secret": SECRET}).to_string(),
            None,
        )
        .await,
    ];
    for response in wrong {
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, 400);
        assert!(!body.contains(SECRET), "the secret was echoed: {body:?}");
    }
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn a_push_without_a_valid_signature_is_unauthorized_and_not_dispatched() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = text_message(PHONE, "MxForged", "hello");
    let body = || envelope(&data, &pubsub_id(), Spelling::Both);
    let right = sign(TOKEN, &data);
    let mut flipped = right.clone().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("empty", Some(String::new())),
        ("not base64", Some("not base64 at all!".repeat(5))),
        ("wrong length", Some(STANDARD.encode([7u8; 32]))),
        ("one character changed", Some(flipped)),
        ("another token", Some(sign("ANOTHERTOKEN1234", &data))),
        ("over the whole body", Some(sign(TOKEN, body().as_bytes()))),
        (
            "over the base64 text",
            Some(sign(TOKEN, STANDARD.encode(&data).as_bytes())),
        ),
    ];
    for (case, signature) in cases {
        let response = post(&server.url, body(), signature.as_deref()).await;
        assert_eq!(response.status().as_u16(), 401, "signature {case}");
    }
    // The same delivery, signed right, is accepted: the cases above failed
    // for their signature alone.
    let response = post(&server.url, body(), Some(&right)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 1);
}

#[tokio::test]
async fn the_signature_header_name_is_case_insensitive() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = text_message(PHONE, "MxCase", "hello");
    let response = within(
        support::client()
            .post(&server.url)
            .header("x-goog-signature", sign(TOKEN, &data))
            .body(envelope(&data, &pubsub_id(), Spelling::Camel))
            .send(),
    )
    .await
    .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 1);
}

#[tokio::test]
async fn a_body_that_is_not_an_envelope_is_a_bad_request() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = text_message(PHONE, "MxBad", "hello");
    let signature = sign(TOKEN, &data);
    let cases = [
        ("not JSON", "hello, webhook".to_owned()),
        ("truncated JSON", "{\"message\":".to_owned()),
        ("a JSON array", "[1,2,3]".to_owned()),
        ("not an envelope", json!({"foo": 1}).to_string()),
        (
            "message without data",
            json!({"message": {"messageId": "1"}}).to_string(),
        ),
        (
            "data not base64",
            json!({"message": {"data": "%%% not base64 %%%"}}).to_string(),
        ),
        ("empty body", String::new()),
    ];
    for (case, body) in cases {
        let response = post(&server.url, body, Some(&signature)).await;
        assert_eq!(response.status().as_u16(), 400, "{case}");
    }
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn an_authentic_payload_of_an_unknown_kind_is_acknowledged_and_dispatched_as_unknown() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let response = push(&server.url, br#"{"foo":1}"#, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    let deliveries = server.agent.deliveries();
    assert_eq!(kinds(&deliveries), [PayloadKind::Unknown]);
    let Payload::Unknown(unknown) = &deliveries[0].payload else {
        panic!("not unknown");
    };
    assert_eq!(unknown.json, json!({"foo": 1}));

    // A message whose fields do not parse is kept as unknown JSON too.
    let odd = json!({"senderPhoneNumber": PHONE, "text": 42, "agentId": support::AGENT});
    let response = push(&server.url, odd.to_string().as_bytes(), &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 2);
    assert_eq!(
        server.agent.deliveries()[1].payload.kind(),
        PayloadKind::Unknown
    );
}

#[tokio::test]
async fn an_authentic_payload_that_is_not_json_is_acknowledged_and_not_dispatched() {
    let server = TestServer::start(Recorder::new("agent")).await;
    for data in [&b"not json"[..], b"", b"{\"unterminated\": "] {
        let response = push(&server.url, data, &pubsub_id()).await;
        assert_eq!(
            response.status().as_u16(),
            200,
            "{:?}",
            String::from_utf8_lossy(data)
        );
    }
    assert_eq!(server.agent.calls(), 0);
    // A forged one is still refused.
    let body = envelope(b"not json", &pubsub_id(), Spelling::Both);
    let response = post(&server.url, body, Some(&sign("WRONG", b"not json"))).await;
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn a_body_over_the_limit_with_a_content_length_is_too_large() {
    let server = TestServer::start_with(Recorder::new("agent"), builder().body_limit(1024)).await;
    let data = text_message(PHONE, "MxBig", &"x".repeat(2000));
    let response = push(&server.url, &data, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 413);

    // Just under the limit is accepted.
    let data = text_message(PHONE, "MxSmall", "small");
    let response = push(&server.url, &data, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 1);
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_too_large() {
    let server = TestServer::start_with(Recorder::new("agent"), builder().body_limit(1024)).await;
    let data = text_message(PHONE, "MxChunked", &"y".repeat(2000));
    let body = envelope(&data, &pubsub_id(), Spelling::Both);
    let mut request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         X-Goog-Signature: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        sign(TOKEN, &data)
    )
    .into_bytes();
    for chunk in body.as_bytes().chunks(300) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let head = raw_exchange(server.addr(), &request).await;
    assert_eq!(raw_status(&head), 413, "{head}");

    // A chunked body under the limit is read whole and handled.
    let data = text_message(PHONE, "MxChunkedSmall", "small");
    let body = envelope(&data, &pubsub_id(), Spelling::Snake);
    let mut request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: localhost\r\nX-Goog-Signature: {}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        sign(TOKEN, &data)
    )
    .into_bytes();
    for chunk in body.as_bytes().chunks(100) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let head = raw_exchange(server.addr(), &request).await;
    assert_eq!(raw_status(&head), 200, "{head}");
    assert_eq!(server.agent.calls(), 1);
}

#[tokio::test]
async fn another_method_is_not_allowed_and_names_post() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let client = support::client();
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let response = within(client.request(method.clone(), &server.url).send())
            .await
            .expect("answered");
        assert_eq!(response.status().as_u16(), 405, "{method}");
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok());
        assert_eq!(allow, Some("POST"), "{method}");
    }
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn another_path_is_not_found() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = text_message(PHONE, "MxPath", "hello");
    for path in ["/", "/rbm", "/rbm/webhook/extra", "/other", "/RBM/WEBHOOK"] {
        let response = support::push(&url(server.addr(), path), &data, &pubsub_id()).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let response = handshake(&url(server.addr(), path), TOKEN, "s").await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    assert_eq!(server.agent.calls(), 0);
}
