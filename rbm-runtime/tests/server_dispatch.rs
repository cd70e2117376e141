//! End to end over real HTTP: authentic deliveries reach the agent, the
//! answer waits for the handler, failures are redelivered, duplicates are
//! acknowledged without handling them again, and one sender's deliveries are
//! handled one at a time.

mod support;

use std::time::Duration;

use futures_util::future::join_all;
use rbm_runtime::protocol::PayloadKind;

use support::{
    AGENT, Action, End, PHONE, Recorder, Spelling, TOKEN, TestServer, envelope, kinds, post,
    pubsub_id, push, status, text_message, text_of, user_event, within,
};

#[tokio::test]
async fn an_authentic_message_is_dispatched_and_answered_after_the_handler_finished() {
    let agent = Recorder::new("agent").always(Action::sleep_ms(200));
    let server = TestServer::start(agent).await;
    let id = pubsub_id();
    let response = push(
        &server.url,
        &text_message(PHONE, "MxHello", "Hello, world!"),
        &id,
    )
    .await;
    // The handler slept 200 ms and its reply went out before the 200.
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.finished(), 1);
    let sent = server.sender.messages();
    assert_eq!(sent.len(), 1, "the reply was sent before the answer");
    assert_eq!(sent[0].phone_number, PHONE);
    assert_eq!(sent[0].agent_id.as_deref(), Some(AGENT));
    assert_eq!(sent[0].reply.as_text(), Some("handled by agent"));
    assert_eq!(
        response.text().await.expect("body"),
        "",
        "a delivery's answer is empty"
    );

    let deliveries = server.agent.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(text_of(&deliveries[0]), Some("Hello, world!"));
    assert_eq!(
        deliveries[0].pubsub_message_id.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(
        deliveries[0].publish_time.as_deref(),
        Some("2025-03-05T18:50:21.88Z")
    );
}

#[tokio::test]
async fn either_spelling_of_the_pubsub_fields_is_read() {
    let server = TestServer::start(Recorder::new("agent")).await;
    for (i, spelling) in [Spelling::Camel, Spelling::Snake, Spelling::Both]
        .into_iter()
        .enumerate()
    {
        let data = text_message(PHONE, &format!("MxSpelling{i}"), "hi");
        let id = pubsub_id();
        let body = envelope(&data, &id, spelling);
        let response = post(&server.url, body, Some(&rbm_runtime::sign(TOKEN, &data))).await;
        assert_eq!(response.status().as_u16(), 200, "{spelling:?}");
        let last = server.agent.deliveries().pop().expect("dispatched");
        assert_eq!(
            last.pubsub_message_id.as_deref(),
            Some(id.as_str()),
            "{spelling:?}"
        );
        assert!(last.publish_time.is_some(), "{spelling:?}");
    }
    assert_eq!(server.agent.calls(), 3);
}

#[tokio::test]
async fn every_kind_of_payload_is_dispatched() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let payloads = [
        text_message(PHONE, "MxKinds", "hi"),
        user_event(PHONE, "EvKinds", "READ"),
        br#"{"phoneNumber":"+12223334444","eventType":"TTL_EXPIRATION_REVOKED","eventId":"EvTtl","messageId":"m","agentId":"a@rbm.goog"}"#.to_vec(),
        br#"{"eventId":"EvLaunch","agentId":"a@rbm.goog","oldLaunchState":"PENDING","newLaunchState":"LAUNCHED"}"#.to_vec(),
        br#"{"somethingNew":true}"#.to_vec(),
    ];
    for data in &payloads {
        let response = push(&server.url, data, &pubsub_id()).await;
        assert_eq!(response.status().as_u16(), 200);
    }
    assert_eq!(
        kinds(&server.agent.deliveries()),
        [
            PayloadKind::Message,
            PayloadKind::UserEvent,
            PayloadKind::ServerEvent,
            PayloadKind::LaunchEvent,
            PayloadKind::Unknown,
        ]
    );
}

#[tokio::test]
async fn a_failing_handler_gets_500_and_the_redelivery_is_handled_again() {
    let agent = Recorder::new("agent");
    agent.script([Action::fail()]);
    let server = TestServer::start(agent).await;
    let data = text_message(PHONE, "MxFails", "hello");
    let id = pubsub_id();
    assert_eq!(status(push(&server.url, &data, &id)).await, 500);
    assert!(server.sender.messages().is_empty());
    // Google redelivers with the same Pub/Sub id: handled again, this time fine.
    assert_eq!(status(push(&server.url, &data, &id)).await, 200);
    assert_eq!(server.agent.calls(), 2);
    assert_eq!(server.agent.finished(), 1);
    // And now it is done: a third copy is a duplicate.
    assert_eq!(status(push(&server.url, &data, &id)).await, 200);
    assert_eq!(server.agent.calls(), 2);
    // Only the try that succeeded sent its reply.
    assert_eq!(server.sender.messages().len(), 1);
}

#[tokio::test]
async fn a_panicking_handler_gets_500_the_server_keeps_serving_and_the_redelivery_is_handled() {
    let agent = Recorder::new("agent");
    agent.script([Action::panic(), Action::panic()]);
    let server = TestServer::start(agent).await;
    let data = text_message(PHONE, "MxPanics", "hello");
    let id = pubsub_id();
    assert_eq!(status(push(&server.url, &data, &id)).await, 500);
    // Another delivery, while the first one is still owed: the server serves.
    let other = text_message("+15556667777", "MxOther", "hi");
    assert_eq!(status(push(&server.url, &other, &pubsub_id())).await, 500);
    assert_eq!(status(push(&server.url, &other, &pubsub_id())).await, 200);
    // The redelivery of the first.
    assert_eq!(status(push(&server.url, &data, &id)).await, 200);
    assert_eq!(server.agent.calls(), 4);
    assert_eq!(server.agent.finished(), 2);
}

#[tokio::test]
async fn the_same_pubsub_id_is_a_duplicate_in_either_spelling() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = text_message(PHONE, "MxDupPubsub", "hello");
    let id = pubsub_id();
    let sign = rbm_runtime::sign(TOKEN, &data);
    let first = post(
        &server.url,
        envelope(&data, &id, Spelling::Snake),
        Some(&sign),
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    let again = post(
        &server.url,
        envelope(&data, &id, Spelling::Camel),
        Some(&sign),
    )
    .await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 1);
    assert_eq!(server.sender.messages().len(), 1);

    // The Pub/Sub id alone identifies a delivery, whatever it carries.
    let unknown = br#"{"foo":"bar"}"#;
    assert_eq!(status(push(&server.url, unknown, &id)).await, 200);
    assert_eq!(server.agent.calls(), 1);
    let fresh = pubsub_id();
    assert_eq!(status(push(&server.url, unknown, &fresh)).await, 200);
    assert_eq!(status(push(&server.url, unknown, &fresh)).await, 200);
    assert_eq!(server.agent.calls(), 2);
}

#[tokio::test]
async fn the_same_sender_and_message_id_under_another_pubsub_id_is_a_duplicate() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = text_message(PHONE, "MxDupMessage", "hello");
    assert_eq!(status(push(&server.url, &data, &pubsub_id())).await, 200);
    assert_eq!(status(push(&server.url, &data, &pubsub_id())).await, 200);
    assert_eq!(server.agent.calls(), 1);
    // The same message id from another sender is another message.
    let other = text_message("+15556667777", "MxDupMessage", "hello");
    assert_eq!(status(push(&server.url, &other, &pubsub_id())).await, 200);
    assert_eq!(server.agent.calls(), 2);
}

#[tokio::test]
async fn the_same_event_id_under_another_pubsub_id_is_a_duplicate() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let data = user_event(PHONE, "EvDup", "IS_TYPING");
    assert_eq!(status(push(&server.url, &data, &pubsub_id())).await, 200);
    assert_eq!(status(push(&server.url, &data, &pubsub_id())).await, 200);
    assert_eq!(server.agent.calls(), 1);
    let next = user_event(PHONE, "EvDupNext", "IS_TYPING");
    assert_eq!(status(push(&server.url, &next, &pubsub_id())).await, 200);
    assert_eq!(server.agent.calls(), 2);
}

#[tokio::test]
async fn concurrent_copies_of_one_delivery_are_handled_exactly_once_and_all_acknowledged() {
    const COPIES: usize = 8;
    let agent = Recorder::new("agent").always(Action::sleep_ms(100));
    let server = TestServer::start(agent).await;
    let data = text_message(PHONE, "MxConcurrent", "hello");
    let id = pubsub_id();
    let copies = (0..COPIES).map(|_| {
        let (url, data, id) = (server.url.clone(), data.clone(), id.clone());
        tokio::spawn(async move { status(push(&url, &data, &id)).await })
    });
    let statuses: Vec<u16> = within(join_all(copies))
        .await
        .into_iter()
        .map(|status| status.expect("the request task"))
        .collect();
    assert_eq!(statuses, [200; COPIES]);
    assert_eq!(server.agent.calls(), 1);
    assert_eq!(server.sender.messages().len(), 1);
}

/// Sends a copy of a delivery while the first is held in its handler, then
/// lets the first end like `end`: the copy must then be handled.
async fn copy_while_the_first_ends(end: End, message_id: &str) {
    let agent = Recorder::new("agent");
    agent.script([Action::hold().then(end)]);
    let server = TestServer::start(agent).await;
    let data = text_message(PHONE, message_id, "hello");
    let id = pubsub_id();
    let send = || {
        let (url, data, id) = (server.url.clone(), data.clone(), id.clone());
        tokio::spawn(async move { status(push(&url, &data, &id)).await })
    };
    let first = send();
    server.agent.wait_for_calls(1).await;
    // The copy arrives while the first is being handled (it is held).
    let copy = send();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.agent.calls(), 1, "the copy waits for the first");
    server.agent.release();
    assert_eq!(within(first).await.expect("first"), 500);
    assert_eq!(within(copy).await.expect("copy"), 200);
    assert_eq!(server.agent.calls(), 2);
    assert_eq!(server.agent.finished(), 1);
}

#[tokio::test]
async fn a_copy_arriving_while_the_first_fails_is_handled() {
    copy_while_the_first_ends(End::Fail, "MxCopyOfFailing").await;
}

#[tokio::test]
async fn a_copy_arriving_while_the_first_panics_is_handled() {
    copy_while_the_first_ends(End::Panic, "MxCopyOfPanicking").await;
}

#[tokio::test]
async fn one_senders_deliveries_are_handled_one_at_a_time() {
    let agent = Recorder::new("agent").always(Action::sleep_ms(50));
    let server = TestServer::start(agent).await;
    let requests = (0..6).map(|i| {
        let url = server.url.clone();
        let data = if i % 2 == 0 {
            text_message(PHONE, &format!("MxOrder{i}"), "hello")
        } else {
            user_event(PHONE, &format!("EvOrder{i}"), "READ")
        };
        tokio::spawn(async move { status(push(&url, &data, &pubsub_id())).await })
    });
    let statuses: Vec<u16> = within(join_all(requests))
        .await
        .into_iter()
        .map(|status| status.expect("the request task"))
        .collect();
    assert_eq!(statuses, [200; 6]);
    assert_eq!(server.agent.calls(), 6);
    assert_eq!(server.agent.max_concurrent_for(PHONE), 1);
}

#[tokio::test]
async fn different_senders_are_handled_in_parallel() {
    let agent = Recorder::new("agent").always(Action::hold());
    let server = TestServer::start(agent).await;
    let phones = ["+15550000001", "+15550000002", "+15550000003"];
    let requests: Vec<_> = phones
        .iter()
        .map(|phone| {
            let url = server.url.clone();
            let data = text_message(phone, "MxParallel", "hello");
            tokio::spawn(async move { status(push(&url, &data, &pubsub_id())).await })
        })
        .collect();
    // Every sender's handler starts while the others are still held.
    server.agent.wait_for_calls(phones.len()).await;
    assert_eq!(server.agent.max_concurrent(), phones.len());
    for _ in phones {
        server.agent.release();
    }
    for request in requests {
        assert_eq!(within(request).await.expect("the request task"), 200);
    }
    for phone in phones {
        assert_eq!(server.agent.max_concurrent_for(phone), 1);
    }
}
