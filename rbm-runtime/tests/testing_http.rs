//! The testing kit against a running server: `HttpBot` over real HTTP, the
//! replies read back from the fake RBM API the server sends them to; and the
//! signed pushes byte for byte against the protocol's test vector.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use rbm_runtime::protocol::{Incoming, Payload};
use rbm_runtime::testing::fake_api::FakeRbmApi;
use rbm_runtime::testing::{Google, HttpBot, StatusCode, TransportError};
use rbm_runtime::{Agent, Context, Delivery, HandlerResult, Reply, Server, SignatureVerifier};

const TOKEN: &str = "SJENCPGJESMGUFPY";

/// Greets, offers a chip, and marks messages read.
struct Greeter;

impl Agent for Greeter {
    async fn handle(&self, delivery: &Delivery, ctx: &Context) -> HandlerResult {
        let Payload::Message(message) = &delivery.payload else {
            return Ok(vec![]);
        };
        ctx.mark_read().await?;
        let said = message.text().or(message.postback_data()).unwrap_or("?");
        Ok(vec![
            Reply::text(format!("Hello, {said}")).suggest_reply("Menu", "menu"),
        ])
    }
}

#[tokio::test]
async fn an_http_bot_sees_the_replies_a_running_server_sends_to_the_fake_api() {
    let api = Arc::new(FakeRbmApi::start().await.expect("fake API starts"));
    let client = api
        .client_builder()
        .expect("client builder")
        .build()
        .expect("client");
    let server = Server::builder()
        .delivery(rbm_runtime::DeliveryMode::Inline)
        .store_url(rbm_runtime::store::StoreUrl::Memory)
        .listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .webhook("/hook", TOKEN, Greeter)
        .reply_sender(client)
        .bind()
        .await
        .expect("server starts");
    let url = format!("http://{}/hook", server.local_addr());
    let bot = HttpBot::new(url, TOKEN)
        .expect("HTTP client")
        .replies_from(Arc::clone(&api));

    let replies = bot.text("world").await;
    replies.expect_texts(&["Hello, world"]);
    assert_eq!(replies[0].phone_number, "+12223334444");
    assert_eq!(replies[0].agent_id.as_deref(), Some("test-agent@rbm.goog"));
    assert_eq!(replies.events()[0].event_type, "READ");
    assert_eq!(
        replies.events()[0].message_id.as_deref(),
        bot.last_delivery()
            .and_then(|p| p.message_id().map(str::to_owned))
            .as_deref()
    );

    bot.tap(&replies[0].suggestions[0])
        .await
        .expect_text("Hello, menu");
    bot.redeliver_last().await.expect_no_reply();
    // Another user's replies are not this user's.
    let other = HttpBot::new(format!("http://{}/hook", server.local_addr()), TOKEN)
        .expect("HTTP client")
        .sender("+15550001111")
        .replies_from(Arc::clone(&api));
    other.text("there").await.expect_texts(&["Hello, there"]);
    bot.location(1.0, 2.0).await.expect_text("Hello, ?");

    let forged = bot.google().text("hi").client_token("wrong");
    bot.send(forged)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_bot_is_an_error_naming_the_url() {
    // Bind and drop: nothing listens on the port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let bot = HttpBot::new(url.clone(), TOKEN).expect("HTTP client");
    let error = bot
        .try_deliver(bot.google().text("hi").build())
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(error, TransportError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&url), "{error}");
}

#[test]
fn a_push_is_byte_for_byte_the_protocols_test_vector() {
    let push = Google::new(TOKEN)
        .agent_id("my-agent_abc123_agent@rbm.goog")
        .text("Hello, world!")
        .message_id("MxAbCdEf0123456789")
        .send_time("2018-12-31T15:01:23.045123456Z")
        .build();
    assert_eq!(
        push.data(),
        br#"{"senderPhoneNumber":"+12223334444","messageId":"MxAbCdEf0123456789","sendTime":"2018-12-31T15:01:23.045123456Z","text":"Hello, world!","agentId":"my-agent_abc123_agent@rbm.goog"}"#
    );
    assert_eq!(
        push.signature(),
        "5xTnvEIfErtuemBaoDIte8CuA+PYkuC0CIe7rcj2tVc+MCn0XeVLj9uAkO8BipP0DhmogdkeCuTQpkClh9C7ag=="
    );
}

#[test]
fn every_kind_is_an_envelope_the_runtime_parses_verifies_and_classifies() {
    use rbm_runtime::protocol::{LaunchState, PayloadKind, ServerEventType, UserEventType};
    let google = Google::new(TOKEN);
    let cases = [
        (google.text("hi"), PayloadKind::Message),
        (google.postback("p", "P"), PayloadKind::Message),
        (
            google.postback("p", "P").as_action_tap(),
            PayloadKind::Message,
        ),
        (google.location(1.5, -2.5), PayloadKind::Message),
        (
            google.file("https://x/y.gif", "image/gif"),
            PayloadKind::Message,
        ),
        (
            google.user_event(UserEventType::Delivered),
            PayloadKind::UserEvent,
        ),
        (
            google.user_event(UserEventType::Read),
            PayloadKind::UserEvent,
        ),
        (
            google.user_event(UserEventType::IsTyping),
            PayloadKind::UserEvent,
        ),
        (
            google.user_event(UserEventType::Subscribe),
            PayloadKind::UserEvent,
        ),
        (
            google.user_event(UserEventType::Unsubscribe),
            PayloadKind::UserEvent,
        ),
        (
            google.server_event(ServerEventType::TtlExpirationRevoked, "m"),
            PayloadKind::ServerEvent,
        ),
        (
            google.server_event(ServerEventType::TtlExpirationRevokeFailed, "m"),
            PayloadKind::ServerEvent,
        ),
        (
            google.launch_event(LaunchState::Unlaunched, LaunchState::Pending),
            PayloadKind::LaunchEvent,
        ),
        (google.raw("{}"), PayloadKind::Unknown),
    ];
    let verifier = SignatureVerifier::new(TOKEN);
    for (builder, kind) in cases {
        let push = builder.build();
        let body = push.body();
        let Ok(Incoming::Push(envelope)) = Incoming::parse(&body) else {
            panic!("not an envelope: {body:?}");
        };
        let data = envelope.decode_data().expect("base64");
        assert_eq!(data, push.data());
        assert_eq!(envelope.message_id.as_deref(), Some(push.pubsub_id()));
        verifier
            .verify(&data, Some(push.signature().as_bytes()))
            .expect("signed with the token");
        let payload = Payload::classify(&data, envelope.attribute_type()).expect("JSON");
        assert_eq!(payload.kind(), kind, "{}", String::from_utf8_lossy(&data));
        // A redelivery is the same message again.
        let again = push.redelivery();
        assert_eq!(
            (again.data(), again.pubsub_id()),
            (push.data(), push.pubsub_id())
        );
    }
}
