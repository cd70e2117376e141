//! Every JSON example of docs/protocol.md parses and classifies as documented.
//!
//! Sections: the handshake (#the-verification-handshake), the push envelope
//! (#the-push-envelope), the signature and its test vector (#the-signature),
//! and each payload kind with the classification order (#payload-kinds).
//! Pretty-printed payloads get the same treatment as compact ones.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rbm_runtime::protocol::{
    AgentLaunchEvent, FileCategory, Incoming, IncomingError, LaunchState, MessageContent, Payload,
    PayloadKind, PushEnvelope, ServerEvent, ServerEventType, SuggestionResponseType,
    UnknownPayload, UserEvent, UserEventType, UserMessage,
};
use rbm_runtime::{SignatureError, SignatureVerifier, sign};
use serde_json::{Value, json};

/// The test vector of docs/protocol.md#test-vector.
const TOKEN: &str = "SJENCPGJESMGUFPY";
const VECTOR_DATA: &str = r#"{"senderPhoneNumber":"+12223334444","messageId":"MxAbCdEf0123456789","sendTime":"2018-12-31T15:01:23.045123456Z","text":"Hello, world!","agentId":"my-agent_abc123_agent@rbm.goog"}"#;
const VECTOR_SIGNATURE: &str =
    "5xTnvEIfErtuemBaoDIte8CuA+PYkuC0CIe7rcj2tVc+MCn0XeVLj9uAkO8BipP0DhmogdkeCuTQpkClh9C7ag==";

// ---------------------------------------------------------------- helpers

fn classify_with(json: &str, attribute_type: Option<&str>) -> Payload {
    match Payload::classify(json.as_bytes(), attribute_type) {
        Ok(payload) => payload,
        Err(e) => panic!("classify refused valid JSON {json}: {e}"),
    }
}

fn classify(json: &str) -> Payload {
    classify_with(json, None)
}

fn message(json: &str) -> UserMessage {
    match classify(json) {
        Payload::Message(m) => m,
        other => panic!("not a user message: {other:?}\n{json}"),
    }
}

fn user_event(json: &str) -> UserEvent {
    match classify(json) {
        Payload::UserEvent(e) => e,
        other => panic!("not a user event: {other:?}\n{json}"),
    }
}

fn server_event(json: &str) -> ServerEvent {
    match classify(json) {
        Payload::ServerEvent(e) => e,
        other => panic!("not a server event: {other:?}\n{json}"),
    }
}

fn launch_event_with(json: &str, attribute_type: Option<&str>) -> AgentLaunchEvent {
    match classify_with(json, attribute_type) {
        Payload::LaunchEvent(e) => e,
        other => panic!("not a launch event: {other:?}\n{json}"),
    }
}

fn unknown_with(json: &str, attribute_type: Option<&str>) -> UnknownPayload {
    match classify_with(json, attribute_type) {
        Payload::Unknown(u) => {
            let raw: Value = serde_json::from_str(json).expect("test JSON is valid");
            assert_eq!(u.json, raw, "unknown payload must keep the raw JSON");
            assert!(
                !u.reason.trim().is_empty(),
                "unknown payload without a reason"
            );
            u
        }
        other => panic!("not unknown: {other:?}\n{json}"),
    }
}

fn unknown(json: &str) -> UnknownPayload {
    unknown_with(json, None)
}

fn push(body: &[u8]) -> PushEnvelope<'_> {
    match Incoming::parse(body) {
        Ok(Incoming::Push(p)) => p,
        other => panic!(
            "not a push envelope: {other:?}\n{}",
            String::from_utf8_lossy(body)
        ),
    }
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

// ------------------------------------------------------------ the handshake

#[test]
fn handshake_example_parses() {
    let body = br#"{"clientToken":"SJENCPGJESMGUFPY","secret":"1234567890"}"#;
    let Ok(Incoming::Handshake(h)) = Incoming::parse(body) else {
        panic!("not a handshake");
    };
    assert_eq!(h.client_token, "SJENCPGJESMGUFPY");
    assert_eq!(h.secret, "1234567890");
}

#[test]
fn handshake_tolerates_extra_fields_of_any_type() {
    let body = br#"{
        "extra": {"nested": [1, 2, {"deep": null}]},
        "clientToken": "SJENCPGJESMGUFPY",
        "number": 12.5,
        "secret": "1234567890",
        "flag": true,
        "subscription": "projects/p/subscriptions/s"
    }"#;
    let Ok(Incoming::Handshake(h)) = Incoming::parse(body) else {
        panic!("not a handshake");
    };
    assert_eq!(h.client_token, "SJENCPGJESMGUFPY");
    assert_eq!(h.secret, "1234567890");
}

#[test]
fn handshake_secret_is_the_json_string_value() {
    // The secret is the decoded string value, escapes resolved.
    let body = br#"{"clientToken":"T","secret":"a\"b\\c\u00e9"}"#;
    let Ok(Incoming::Handshake(h)) = Incoming::parse(body) else {
        panic!("not a handshake");
    };
    assert_eq!(h.secret, "a\"b\\c\u{e9}");
}

#[test]
fn half_a_handshake_is_not_a_handshake() {
    assert_eq!(
        Incoming::parse(br#"{"clientToken":"SJENCPGJESMGUFPY"}"#),
        Err(IncomingError::UnknownShape)
    );
    assert_eq!(
        Incoming::parse(br#"{"secret":"1234567890"}"#),
        Err(IncomingError::UnknownShape)
    );
    assert_eq!(Incoming::parse(b"{}"), Err(IncomingError::UnknownShape));
}

#[test]
fn handshake_wins_over_a_message_field() {
    // Both clientToken and secret at the top level: a handshake, whatever else is there.
    let body = br#"{"clientToken":"T","secret":"S","message":{"data":"e30="}}"#;
    assert!(matches!(Incoming::parse(body), Ok(Incoming::Handshake(_))));
}

#[test]
fn non_json_bodies_are_refused() {
    for body in [
        &b""[..],
        b"not json",
        b"{\"a\":",
        b"\xff\xfe",
        b"null",
        b"42",
        b"\"s\"",
    ] {
        assert!(
            matches!(Incoming::parse(body), Err(IncomingError::NotJson(_))),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

// ------------------------------------------------------- the push envelope

fn doc_envelope(data: &str) -> String {
    format!(
        r#"{{
  "message": {{
    "data": "{data}",
    "messageId": "14150481888479752",
    "message_id": "14150481888479752",
    "publishTime": "2025-03-05T18:50:21.88Z",
    "publish_time": "2025-03-05T18:50:21.88Z",
    "attributes": {{"type": "message", "business_id": "my-agent@rbm.goog", "product": "RBM"}}
  }},
  "subscription": "projects/rbm-partner/subscriptions/rbm-sub"
}}"#
    )
}

#[test]
fn envelope_example_parses_with_both_spellings() {
    let body = doc_envelope(&b64(VECTOR_DATA.as_bytes()));
    let p = push(body.as_bytes());
    assert_eq!(p.message_id.as_deref(), Some("14150481888479752"));
    assert_eq!(p.publish_time.as_deref(), Some("2025-03-05T18:50:21.88Z"));
    assert_eq!(
        p.subscription.as_deref(),
        Some("projects/rbm-partner/subscriptions/rbm-sub")
    );
    assert_eq!(p.attribute_type(), Some("message"));
    let attributes = p.attributes.as_ref().expect("attributes");
    assert_eq!(attributes.len(), 3);
    assert_eq!(attributes["business_id"], "my-agent@rbm.goog");
    assert_eq!(attributes["product"], "RBM");
    assert_eq!(p.decode_data(), Ok(VECTOR_DATA.as_bytes().to_vec()));
}

#[test]
fn envelope_with_only_the_camel_case_spelling() {
    let body = json!({"message": {"data": "e30=", "messageId": "1", "publishTime": "t1"}});
    let body = body.to_string();
    let p = push(body.as_bytes());
    assert_eq!(p.message_id.as_deref(), Some("1"));
    assert_eq!(p.publish_time.as_deref(), Some("t1"));
    assert_eq!(p.subscription, None);
}

#[test]
fn envelope_with_only_the_snake_case_spelling() {
    let body = json!({"message": {"data": "e30=", "message_id": "2", "publish_time": "t2"}});
    let body = body.to_string();
    let p = push(body.as_bytes());
    assert_eq!(p.message_id.as_deref(), Some("2"));
    assert_eq!(p.publish_time.as_deref(), Some("t2"));
}

#[test]
fn envelope_with_neither_spelling_nor_attributes() {
    let p = push(br#"{"message":{"data":"e30="}}"#);
    assert_eq!(p.message_id, None);
    assert_eq!(p.publish_time, None);
    assert_eq!(p.attributes, None);
    assert_eq!(p.attribute_type(), None);
    assert_eq!(p.subscription, None);
    assert_eq!(p.decode_data(), Ok(b"{}".to_vec()));
}

#[test]
fn envelope_attributes_without_a_type() {
    let p = push(br#"{"message":{"data":"e30=","attributes":{"product":"RBM"}}}"#);
    assert_eq!(p.attribute_type(), None);
    let p = push(br#"{"message":{"data":"e30=","attributes":{}}}"#);
    assert_eq!(p.attribute_type(), None);
    let p = push(br#"{"message":{"data":"e30=","attributes":null}}"#);
    assert_eq!(p.attributes, None);
}

#[test]
fn envelope_tolerates_unknown_fields_at_every_level() {
    let data = b64(VECTOR_DATA.as_bytes());
    let body = json!({
        "deliveryAttempt": 5,
        "message": {
            "data": data,
            "messageId": "14150481888479752",
            "orderingKey": "key-1",
            "deliveryAttempt": 2,
            "someFutureObject": {"a": [1, {"b": null}]},
            "attributes": {"type": "agent_launch_event", "googclient_schemaencoding": "JSON"}
        },
        "subscription": "projects/rbm-partner/subscriptions/rbm-sub",
        "somethingNew": [true, 1.5, "x"]
    });
    let body = body.to_string();
    let p = push(body.as_bytes());
    assert_eq!(p.message_id.as_deref(), Some("14150481888479752"));
    assert_eq!(p.attribute_type(), Some("agent_launch_event"));
    assert_eq!(p.decode_data(), Ok(VECTOR_DATA.as_bytes().to_vec()));
}

#[test]
fn compact_and_pretty_envelopes_parse_the_same() {
    let data = b64(VECTOR_DATA.as_bytes());
    let pretty = doc_envelope(&data);
    let value: Value = serde_json::from_str(&pretty).expect("valid JSON");
    let compact = value.to_string();
    assert!(pretty.contains('\n') && !compact.contains('\n'));
    assert_eq!(push(pretty.as_bytes()), push(compact.as_bytes()));
}

#[test]
fn envelope_data_must_be_standard_base64() {
    // Pub/Sub always pads: unpadded, URL-safe, non-canonical or junk data is refused.
    for data in ["%%%", "e30", "e3=", "e31=", "e30=e30=", "-_-_", "e30=\n"] {
        let body = json!({"message": {"data": data}}).to_string();
        let p = push(body.as_bytes());
        assert_eq!(p.decode_data(), Err(IncomingError::BadBase64), "{data:?}");
    }
    let p = push(br#"{"message":{"data":""}}"#);
    assert_eq!(p.decode_data(), Ok(Vec::new()));
    assert!(
        Payload::classify(&[], None).is_err(),
        "empty data is not JSON"
    );
}

#[test]
fn envelope_without_data_is_refused_without_panicking() {
    assert!(Incoming::parse(br#"{"message":{"messageId":"1"}}"#).is_err());
    assert!(Incoming::parse(br#"{"message":{"data":5}}"#).is_err());
    assert!(Incoming::parse(br#"{"message":"e30="}"#).is_err());
}

// ----------------------------------------------------------- the signature

#[test]
fn test_vector_signs_and_verifies() {
    assert_eq!(sign(TOKEN, VECTOR_DATA.as_bytes()), VECTOR_SIGNATURE);
    assert_eq!(VECTOR_SIGNATURE.len(), 88);
    let verifier = SignatureVerifier::new(TOKEN);
    assert_eq!(
        verifier.verify(VECTOR_DATA.as_bytes(), Some(VECTOR_SIGNATURE.as_bytes())),
        Ok(())
    );
    assert_eq!(
        verifier.verify(VECTOR_DATA.as_bytes(), None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        SignatureVerifier::new("SJENCPGJESMGUFPZ")
            .verify(VECTOR_DATA.as_bytes(), Some(VECTOR_SIGNATURE.as_bytes())),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn signature_header_must_be_88_base64_characters() {
    let verifier = SignatureVerifier::new(TOKEN);
    let data = VECTOR_DATA.as_bytes();
    let unpadded = VECTOR_SIGNATURE.trim_end_matches('=');
    let doubled = format!("{VECTOR_SIGNATURE}{VECTOR_SIGNATURE}");
    let short = &VECTOR_SIGNATURE[..84];
    let url_safe = VECTOR_SIGNATURE.replace('+', "-");
    let inner_space = format!("{} {}", &VECTOR_SIGNATURE[..40], &VECTOR_SIGNATURE[41..]);
    for header in [
        "",
        unpadded,
        short,
        doubled.as_str(),
        url_safe.as_str(),
        inner_space.as_str(),
    ] {
        assert_eq!(
            verifier.verify(data, Some(header.as_bytes())),
            Err(SignatureError::Malformed),
            "{header:?}"
        );
    }
    // Surrounding whitespace of a header value is not part of it.
    let padded = format!("\t{VECTOR_SIGNATURE}\r\n");
    assert_eq!(verifier.verify(data, Some(padded.as_bytes())), Ok(()));
}

#[test]
fn full_envelope_around_the_test_vector() {
    let body = doc_envelope(&b64(VECTOR_DATA.as_bytes()));
    let p = push(body.as_bytes());
    let data = p.decode_data().expect("valid base64");
    assert_eq!(data, VECTOR_DATA.as_bytes());

    let verifier = SignatureVerifier::new(TOKEN);
    assert_eq!(
        verifier.verify(&data, Some(VECTOR_SIGNATURE.as_bytes())),
        Ok(())
    );
    // Only the decoded data is signed: not the body, not the base64 text.
    assert_eq!(
        verifier.verify(body.as_bytes(), Some(VECTOR_SIGNATURE.as_bytes())),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verifier.verify(&p.data, Some(VECTOR_SIGNATURE.as_bytes())),
        Err(SignatureError::Mismatch)
    );

    let Payload::Message(m) = Payload::classify(&data, p.attribute_type()).expect("JSON") else {
        panic!("the test vector is a user message");
    };
    assert_eq!(m.sender_phone_number, "+12223334444");
    assert_eq!(m.message_id.as_deref(), Some("MxAbCdEf0123456789"));
    assert_eq!(
        m.agent_id.as_deref(),
        Some("my-agent_abc123_agent@rbm.goog")
    );
    assert_eq!(m.text(), Some("Hello, world!"));
    assert_eq!(m.event_id, None);
    let time = m.send_time.as_ref().expect("sendTime");
    assert_eq!(time.as_str(), "2018-12-31T15:01:23.045123456Z");
    let instant = time.instant().expect("valid RFC 3339");
    assert_eq!(instant.timestamp(), 1_546_268_483);
    assert_eq!(instant.timestamp_subsec_nanos(), 45_123_456);
}

#[test]
fn attributes_are_not_signed() {
    let data = b64(VECTOR_DATA.as_bytes());
    let verifier = SignatureVerifier::new(TOKEN);
    for attributes in [
        json!({"type": "message"}),
        json!({"type": "agent_launch_event", "product": "other"}),
        json!({}),
    ] {
        let body = json!({"message": {"data": data, "attributes": attributes}}).to_string();
        let decoded = push(body.as_bytes()).decode_data().expect("base64");
        assert_eq!(
            verifier.verify(&decoded, Some(VECTOR_SIGNATURE.as_bytes())),
            Ok(())
        );
    }
}

// --------------------------------------------------------- user messages

#[test]
fn text_message() {
    let m = message(VECTOR_DATA);
    assert_eq!(m.content, MessageContent::Text("Hello, world!".into()));
    assert_eq!(m.rich_message_classification, None);
    assert_eq!(m.carrier, None);
    assert_eq!(m.postback_data(), None);
    assert_eq!(m.location(), None);
    assert_eq!(m.user_file(), None);
}

#[test]
fn minimal_message_has_only_sender_and_content() {
    let m = message(r#"{"senderPhoneNumber":"+12223334444","text":""}"#);
    assert_eq!(m.sender_phone_number, "+12223334444");
    assert_eq!(m.text(), Some(""));
    assert_eq!(m.message_id, None);
    assert_eq!(m.event_id, None);
    assert_eq!(m.send_time, None);
    assert_eq!(m.agent_id, None);
}

#[test]
fn realistic_message_id_and_agent_id_are_kept() {
    let m = message(
        r#"{"senderPhoneNumber":"+358401234567","messageId":"MxIgT-4pWCQu2tH9hMkSTljQ",
            "sendTime":"2025-03-05T18:50:21Z","text":"hei","agentId":"name@rbm.goog"}"#,
    );
    assert_eq!(m.message_id.as_deref(), Some("MxIgT-4pWCQu2tH9hMkSTljQ"));
    assert_eq!(m.agent_id.as_deref(), Some("name@rbm.goog"));
    let payload = classify(
        r#"{"senderPhoneNumber":"+358401234567","messageId":"MxIgT-4pWCQu2tH9hMkSTljQ","text":"hei","agentId":"name@rbm.goog"}"#,
    );
    assert_eq!(payload.kind(), PayloadKind::Message);
    assert_eq!(payload.agent_id(), Some("name@rbm.goog"));
    assert_eq!(payload.phone_number(), Some("+358401234567"));
    assert_eq!(payload.message_id(), Some("MxIgT-4pWCQu2tH9hMkSTljQ"));
}

#[test]
fn send_time_with_0_to_9_fractional_digits() {
    for (time, nanos) in [
        ("2025-03-05T18:50:21Z", 0),
        ("2025-03-05T18:50:21.8Z", 800_000_000),
        ("2025-03-05T18:50:21.88Z", 880_000_000),
        ("2025-03-05T18:50:21.123Z", 123_000_000),
        ("2025-03-05T18:50:21.123456Z", 123_456_000),
        ("2025-03-05T18:50:21.123456789Z", 123_456_789),
        ("2025-03-05T20:50:21.5+02:00", 500_000_000),
    ] {
        let json = json!({"senderPhoneNumber": "+1", "text": "t", "sendTime": time}).to_string();
        let m = message(&json);
        let send_time = m.send_time.expect("sendTime");
        assert_eq!(send_time.as_str(), time);
        let instant = send_time.instant().expect(time);
        assert_eq!(instant.timestamp_subsec_nanos(), nanos, "{time}");
        assert_eq!(instant.timestamp(), 1_741_200_621, "{time}");
    }
}

#[test]
fn unparseable_send_time_is_kept_and_does_not_fail_the_payload() {
    let m = message(r#"{"senderPhoneNumber":"+1","text":"t","sendTime":"yesterday"}"#);
    let send_time = m.send_time.expect("sendTime");
    assert_eq!(send_time.as_str(), "yesterday");
    assert_eq!(send_time.instant(), None);
}

#[test]
fn suggestion_response_with_type() {
    let m = message(
        r#"{"senderPhoneNumber":"+12223334444","messageId":"MxA","agentId":"a@rbm.goog",
            "suggestionResponse": {"postbackData": "suggestion_1", "text": "Suggestion #1", "type": "REPLY"}}"#,
    );
    let MessageContent::SuggestionResponse(r) = &m.content else {
        panic!("not a suggestion response: {m:?}");
    };
    assert_eq!(r.postback_data, "suggestion_1");
    assert_eq!(r.text.as_deref(), Some("Suggestion #1"));
    assert_eq!(r.response_type, Some(SuggestionResponseType::Reply));
    assert_eq!(m.postback_data(), Some("suggestion_1"));
    assert_eq!(
        m.text(),
        None,
        "the suggestion's text is not a text message"
    );
}

#[test]
fn suggestion_response_type_values() {
    for (wire, expected) in [
        ("UNKNOWN", SuggestionResponseType::Unknown),
        ("ACTION", SuggestionResponseType::Action),
        ("REPLY", SuggestionResponseType::Reply),
        (
            "SOMETHING_NEW",
            SuggestionResponseType::Other("SOMETHING_NEW".into()),
        ),
    ] {
        let json = json!({"senderPhoneNumber": "+1",
                          "suggestionResponse": {"postbackData": "p", "type": wire}})
        .to_string();
        let m = message(&json);
        let MessageContent::SuggestionResponse(r) = m.content else {
            panic!("not a suggestion response");
        };
        assert_eq!(r.response_type.as_ref(), Some(&expected));
        assert_eq!(expected.as_str(), wire);
    }
}

#[test]
fn suggestion_response_without_type() {
    let m = message(
        r#"{"senderPhoneNumber":"+12223334444","messageId":"MxA",
            "suggestionResponse": {"postbackData": "suggestion_1", "text": "Suggestion #1"}}"#,
    );
    let MessageContent::SuggestionResponse(r) = &m.content else {
        panic!("not a suggestion response: {m:?}");
    };
    assert_eq!(r.response_type, None);
    assert_eq!(r.postback_data, "suggestion_1");
}

#[test]
fn action_tap_with_event_id_and_no_message_id() {
    let json = r#"{"senderPhoneNumber":"+12223334444","eventId":"Ev123abc","sendTime":"2025-03-05T18:50:21.88Z",
                   "agentId":"a@rbm.goog",
                   "suggestionResponse":{"postbackData":"call","text":"Call","type":"ACTION"}}"#;
    let m = message(json);
    assert_eq!(m.message_id, None);
    assert_eq!(m.event_id.as_deref(), Some("Ev123abc"));
    assert_eq!(m.postback_data(), Some("call"));
    let payload = classify(json);
    assert_eq!(payload.message_id(), None);
    assert_eq!(payload.event_id(), Some("Ev123abc"));
}

#[test]
fn location_message() {
    let m = message(
        r#"{"senderPhoneNumber":"+12223334444","messageId":"MxA",
            "location": {"latitude": 37.422, "longitude": -122.084056}}"#,
    );
    let location = m.location().expect("a location");
    assert_eq!(location.latitude, 37.422);
    assert_eq!(location.longitude, -122.084056);
    // Integral coordinates are JSON integers.
    let m = message(r#"{"senderPhoneNumber":"+1","location":{"latitude":0,"longitude":-180}}"#);
    let location = m.location().expect("a location");
    assert_eq!((location.latitude, location.longitude), (0.0, -180.0));
}

#[test]
fn user_file_with_thumbnail() {
    let m = message(
        r#"{"senderPhoneNumber":"+12223334444","messageId":"MxA",
            "userFile": {"thumbnail": {"mimeType": "image/jpeg", "fileSizeBytes": 1280, "fileUri": "https://rcs.example/t", "fileName": "a.jpeg"},
                         "payload":   {"mimeType": "image/gif",  "fileSizeBytes": 127806, "fileUri": "https://rcs.example/p", "fileName": "a.gif"}}}"#,
    );
    let file = m.user_file().expect("a user file");
    assert_eq!(file.payload.mime_type, "image/gif");
    assert_eq!(file.payload.file_size_bytes, Some(127_806));
    assert_eq!(file.payload.file_uri, "https://rcs.example/p");
    assert_eq!(file.payload.file_name.as_deref(), Some("a.gif"));
    let thumbnail = file.thumbnail.as_ref().expect("a thumbnail");
    assert_eq!(thumbnail.mime_type, "image/jpeg");
    assert_eq!(thumbnail.file_size_bytes, Some(1280));
    assert_eq!(thumbnail.file_uri, "https://rcs.example/t");
    assert_eq!(thumbnail.file_name.as_deref(), Some("a.jpeg"));
    assert_eq!(file.category, None);
}

#[test]
fn user_file_without_thumbnail_with_category() {
    for (wire, expected) in [
        ("IMAGE", FileCategory::Image),
        ("VIDEO", FileCategory::Video),
        ("AUDIO", FileCategory::Audio),
        ("DOCUMENT", FileCategory::Other("DOCUMENT".into())),
    ] {
        let json = json!({"senderPhoneNumber": "+1",
                          "userFile": {"category": wire,
                                       "payload": {"mimeType": "video/mp4", "fileSizeBytes": 42,
                                                   "fileUri": "https://rcs.example/v"}}})
        .to_string();
        let m = message(&json);
        let file = m.user_file().expect("a user file");
        assert_eq!(file.thumbnail, None);
        assert_eq!(file.category.as_ref(), Some(&expected));
        assert_eq!(file.payload.file_name, None);
        assert_eq!(file.payload.file_size_bytes, Some(42));
    }
}

#[test]
fn file_size_bytes_as_number_or_string() {
    for (size, expected) in [
        (json!(127806), Some(127_806)),
        (json!("127806"), Some(127_806)),
        (json!(0), Some(0)),
        (json!("18446744073709551615"), Some(u64::MAX)),
        (json!(u64::MAX), Some(u64::MAX)),
        (json!(null), None),
    ] {
        let json = json!({"senderPhoneNumber": "+1",
                          "userFile": {"payload": {"mimeType": "image/gif", "fileSizeBytes": size,
                                                   "fileUri": "https://rcs.example/p"}}})
        .to_string();
        let m = message(&json);
        assert_eq!(
            m.user_file().expect("a user file").payload.file_size_bytes,
            expected,
            "{size}"
        );
    }
    // Absent altogether.
    let m = message(r#"{"senderPhoneNumber":"+1","userFile":{"payload":{"fileUri":"u"}}}"#);
    assert_eq!(m.user_file().expect("file").payload.file_size_bytes, None);
}

#[test]
fn rich_message_classification_and_carrier() {
    let m = message(
        r#"{"senderPhoneNumber":"+12223334444","messageId":"MxA","text":"hi",
            "richMessageClassification":{"classificationType":"BASIC_MESSAGE","segmentCount":1},
            "carrier":"T-Mobile"}"#,
    );
    let rmc = m
        .rich_message_classification
        .as_ref()
        .expect("classification");
    assert_eq!(rmc.classification_type.as_deref(), Some("BASIC_MESSAGE"));
    assert_eq!(rmc.segment_count, Some(1));
    assert_eq!(m.carrier.as_deref(), Some("T-Mobile"));

    let m = message(
        r#"{"senderPhoneNumber":"+1","text":"hi",
            "richMessageClassification":{"classificationType":"SINGLE_MESSAGE","segmentCount":"3"}}"#,
    );
    let rmc = m.rich_message_classification.expect("classification");
    assert_eq!(rmc.segment_count, Some(3));
    let m = message(r#"{"senderPhoneNumber":"+1","text":"hi","richMessageClassification":{}}"#);
    let rmc = m.rich_message_classification.expect("classification");
    assert_eq!((rmc.classification_type, rmc.segment_count), (None, None));
}

#[test]
fn message_ignores_unknown_fields() {
    let m = message(
        r#"{"senderPhoneNumber":"+1","text":"hi","futureField":{"x":[1,2]},"another":null}"#,
    );
    assert_eq!(m.text(), Some("hi"));
}

#[test]
fn message_with_two_contents_is_unknown() {
    let u = unknown(
        r#"{"senderPhoneNumber":"+1","text":"hi","location":{"latitude":1,"longitude":2}}"#,
    );
    assert!(u.reason.contains("more than one"), "{}", u.reason);
}

#[test]
fn sender_without_content_or_content_without_sender_is_unknown() {
    unknown(r#"{"senderPhoneNumber":"+1","messageId":"MxA","agentId":"a@rbm.goog"}"#);
    unknown(r#"{"senderPhoneNumber":"+1","text":null}"#);
    let u = unknown(r#"{"text":"hello","agentId":"a@rbm.goog"}"#);
    assert_eq!(u.agent_id(), Some("a@rbm.goog"));
    unknown(r#"{"phoneNumber":"+1","text":"hello"}"#);
}

// ----------------------------------------------------------- user events

#[test]
fn delivered_and_read_events_carry_our_message_id() {
    for (wire, expected) in [
        ("DELIVERED", UserEventType::Delivered),
        ("READ", UserEventType::Read),
    ] {
        let json = json!({"senderPhoneNumber": "+12223334444", "eventType": wire,
                          "eventId": "MxEv1", "messageId": "4f9c1a34-3c54-4ad4-9dc2-4b6f1b6b0a1e",
                          "sendTime": "2025-03-05T18:50:21.88Z", "agentId": "a@rbm.goog"})
        .to_string();
        let e = user_event(&json);
        assert_eq!(e.event_type, expected);
        assert_eq!(e.event_type.as_str(), wire);
        assert_eq!(e.sender_phone_number, "+12223334444");
        assert_eq!(e.event_id.as_deref(), Some("MxEv1"));
        assert_eq!(
            e.message_id.as_deref(),
            Some("4f9c1a34-3c54-4ad4-9dc2-4b6f1b6b0a1e")
        );
        assert_eq!(e.agent_id.as_deref(), Some("a@rbm.goog"));
        assert!(e.send_time.and_then(|t| t.instant()).is_some());
        let payload = classify(&json);
        assert_eq!(payload.kind(), PayloadKind::UserEvent);
        assert_eq!(payload.event_id(), Some("MxEv1"));
        assert_eq!(
            payload.message_id(),
            Some("4f9c1a34-3c54-4ad4-9dc2-4b6f1b6b0a1e")
        );
        assert_eq!(payload.phone_number(), Some("+12223334444"));
    }
}

#[test]
fn typing_and_subscription_events() {
    for (wire, expected) in [
        ("IS_TYPING", UserEventType::IsTyping),
        ("SUBSCRIBE", UserEventType::Subscribe),
        ("UNSUBSCRIBE", UserEventType::Unsubscribe),
    ] {
        let json = json!({"senderPhoneNumber": "+12223334444", "eventType": wire,
                          "eventId": "Ev9", "sendTime": "2025-03-05T18:50:21Z",
                          "agentId": "a@rbm.goog"})
        .to_string();
        let e = user_event(&json);
        assert_eq!(e.event_type, expected);
        assert_eq!(e.message_id, None);
        assert_eq!(e.event_id.as_deref(), Some("Ev9"));
    }
}

#[test]
fn new_user_event_type_is_kept_in_other() {
    let e = user_event(r#"{"senderPhoneNumber":"+1","eventType":"REACTION_ADDED","eventId":"E"}"#);
    assert_eq!(e.event_type, UserEventType::Other("REACTION_ADDED".into()));
    assert_eq!(e.event_type.as_str(), "REACTION_ADDED");
    assert_eq!(e.event_type.to_string(), "REACTION_ADDED");
    // The empty string is a value too.
    let e = user_event(r#"{"senderPhoneNumber":"+1","eventType":""}"#);
    assert_eq!(e.event_type, UserEventType::Other(String::new()));
}

#[test]
fn unsubscribe_sends_both_a_text_and_an_event() {
    let stop = message(r#"{"senderPhoneNumber":"+34600000000","messageId":"MxS","text":"BAJA"}"#);
    assert_eq!(stop.text(), Some("BAJA"));
    let event = user_event(
        r#"{"senderPhoneNumber":"+34600000000","eventType":"UNSUBSCRIBE","eventId":"E"}"#,
    );
    assert_eq!(event.event_type, UserEventType::Unsubscribe);
}

// --------------------------------------------------------- server events

#[test]
fn ttl_server_events() {
    for (wire, expected) in [
        (
            "TTL_EXPIRATION_REVOKED",
            ServerEventType::TtlExpirationRevoked,
        ),
        (
            "TTL_EXPIRATION_REVOKE_FAILED",
            ServerEventType::TtlExpirationRevokeFailed,
        ),
    ] {
        let json = json!({"phoneNumber": "+12223334444", "agentId": "a@rbm.goog",
                          "messageId": "agent-msg-1", "eventId": "SrvEv1",
                          "sendTime": "2025-03-05T18:50:21.88Z", "eventType": wire})
        .to_string();
        let e = server_event(&json);
        assert_eq!(e.event_type, expected);
        assert_eq!(e.event_type.as_str(), wire);
        assert_eq!(e.phone_number, "+12223334444");
        assert_eq!(e.message_id.as_deref(), Some("agent-msg-1"));
        assert_eq!(e.event_id.as_deref(), Some("SrvEv1"));
        assert_eq!(e.agent_id.as_deref(), Some("a@rbm.goog"));
        let payload = classify(&json);
        assert_eq!(payload.kind(), PayloadKind::ServerEvent);
        assert_eq!(payload.phone_number(), Some("+12223334444"));
        assert_eq!(payload.agent_id(), Some("a@rbm.goog"));
    }
    let e = server_event(r#"{"phoneNumber":"+1","eventType":"TTL_SOMETHING_ELSE"}"#);
    assert_eq!(
        e.event_type,
        ServerEventType::Other("TTL_SOMETHING_ELSE".into())
    );
}

// --------------------------------------------------- agent launch events

fn launch_json(old: &str, new: &str) -> String {
    json!({"eventId": "LaunchEv1", "agentId": "a@rbm.goog", "botDisplayName": "My Bot",
           "brandId": "brand-1", "brandDisplayName": "My Brand", "regionId": "/v1/regions/fi-rcs",
           "oldLaunchState": old, "newLaunchState": new, "actingParty": "CARRIER",
           "comment": "looks good", "sendTime": "2025-03-05T18:50:21.88Z"})
    .to_string()
}

#[test]
fn launch_event_fields() {
    let e = launch_event_with(&launch_json("PENDING", "LAUNCHED"), None);
    assert_eq!(e.event_id.as_deref(), Some("LaunchEv1"));
    assert_eq!(e.agent_id.as_deref(), Some("a@rbm.goog"));
    assert_eq!(e.bot_display_name.as_deref(), Some("My Bot"));
    assert_eq!(e.brand_id.as_deref(), Some("brand-1"));
    assert_eq!(e.brand_display_name.as_deref(), Some("My Brand"));
    assert_eq!(e.region_id.as_deref(), Some("/v1/regions/fi-rcs"));
    assert_eq!(e.old_launch_state, Some(LaunchState::Pending));
    assert_eq!(e.new_launch_state, Some(LaunchState::Launched));
    assert_eq!(e.acting_party.as_deref(), Some("CARRIER"));
    assert_eq!(e.comment.as_deref(), Some("looks good"));
    assert_eq!(
        e.send_time.as_ref().map(|t| t.as_str()),
        Some("2025-03-05T18:50:21.88Z")
    );
    let payload = classify(&launch_json("PENDING", "LAUNCHED"));
    assert_eq!(payload.kind(), PayloadKind::LaunchEvent);
    assert_eq!(payload.agent_id(), Some("a@rbm.goog"));
    assert_eq!(payload.event_id(), Some("LaunchEv1"));
    assert_eq!(payload.phone_number(), None);
}

#[test]
fn every_launch_state() {
    let states = [
        ("UNLAUNCHED", LaunchState::Unlaunched),
        ("PENDING", LaunchState::Pending),
        ("LAUNCHED", LaunchState::Launched),
        ("REJECTED", LaunchState::Rejected),
        ("SUSPENDED", LaunchState::Suspended),
        ("WITHDRAWN", LaunchState::Other("WITHDRAWN".into())),
    ];
    for (old_wire, old) in &states {
        for (new_wire, new) in &states {
            let e = launch_event_with(&launch_json(old_wire, new_wire), None);
            assert_eq!(e.old_launch_state.as_ref(), Some(old));
            assert_eq!(e.new_launch_state.as_ref(), Some(new));
            assert_eq!(new.as_str(), *new_wire);
        }
    }
}

#[test]
fn launch_event_without_old_state() {
    let e = launch_event_with(
        r#"{"agentId":"a@rbm.goog","newLaunchState":"PENDING"}"#,
        None,
    );
    assert_eq!(e.old_launch_state, None);
    assert_eq!(e.new_launch_state, Some(LaunchState::Pending));
}

#[test]
fn launch_attribute_type_makes_a_launch_event() {
    // No newLaunchState, but the envelope says agent_launch_event.
    let json = r#"{"eventId":"LaunchEv2","agentId":"a@rbm.goog","regionId":"/v1/regions/fi-rcs"}"#;
    let e = launch_event_with(json, Some("agent_launch_event"));
    assert_eq!(e.new_launch_state, None);
    assert_eq!(e.event_id.as_deref(), Some("LaunchEv2"));
    // Without the hint (or with another one) it is unknown.
    unknown_with(json, None);
    unknown_with(json, Some("message"));
    unknown_with(json, Some("AGENT_LAUNCH_EVENT"));
    // The hint does not stop newLaunchState from counting.
    launch_event_with(&launch_json("PENDING", "LAUNCHED"), Some("message"));
}

#[test]
fn launch_event_through_an_envelope() {
    let data = r#"{"eventId":"LaunchEv3","agentId":"a@rbm.goog","oldLaunchState":"LAUNCHED"}"#;
    let body = json!({"message": {"data": b64(data.as_bytes()), "messageId": "9",
                                  "attributes": {"type": "agent_launch_event"}}})
    .to_string();
    let p = push(body.as_bytes());
    let decoded = p.decode_data().expect("base64");
    let payload = Payload::classify(&decoded, p.attribute_type()).expect("JSON");
    let Payload::LaunchEvent(e) = payload else {
        panic!("not a launch event: {payload:?}");
    };
    assert_eq!(e.old_launch_state, Some(LaunchState::Launched));
    assert_eq!(e.new_launch_state, None);
}

// ------------------------------------------------ classification order

#[test]
fn classification_order_of_the_table() {
    let cases: &[(&str, Option<&str>, PayloadKind)] = &[
        // Row 1 beats everything.
        (
            r#"{"newLaunchState":"LAUNCHED","eventType":"READ","senderPhoneNumber":"+1","text":"x"}"#,
            None,
            PayloadKind::LaunchEvent,
        ),
        (
            r#"{"newLaunchState":"LAUNCHED","eventType":"TTL_EXPIRATION_REVOKED","phoneNumber":"+1"}"#,
            None,
            PayloadKind::LaunchEvent,
        ),
        (
            r#"{"senderPhoneNumber":"+1","text":"x"}"#,
            Some("agent_launch_event"),
            PayloadKind::LaunchEvent,
        ),
        // Server event: eventType + phoneNumber, no senderPhoneNumber.
        (
            r#"{"eventType":"TTL_EXPIRATION_REVOKED","phoneNumber":"+1","text":"x"}"#,
            None,
            PayloadKind::ServerEvent,
        ),
        (
            r#"{"eventType":"TTL_EXPIRATION_REVOKED","phoneNumber":"+1","senderPhoneNumber":"+1"}"#,
            None,
            PayloadKind::UserEvent,
        ),
        // User event beats user message.
        (
            r#"{"eventType":"READ","senderPhoneNumber":"+1","text":"x"}"#,
            None,
            PayloadKind::UserEvent,
        ),
        (
            r#"{"eventType":"IS_TYPING","senderPhoneNumber":"+1","suggestionResponse":{"postbackData":"p"}}"#,
            None,
            PayloadKind::UserEvent,
        ),
        (
            r#"{"senderPhoneNumber":"+1","text":"x","phoneNumber":"+2"}"#,
            None,
            PayloadKind::Message,
        ),
        // Not enough for any row.
        (r#"{"eventType":"READ"}"#, None, PayloadKind::Unknown),
        (
            r#"{"eventType":"READ","text":"x"}"#,
            None,
            PayloadKind::Unknown,
        ),
        (r#"{"phoneNumber":"+1"}"#, None, PayloadKind::Unknown),
        (r#"{"newLaunchState":null}"#, None, PayloadKind::Unknown),
        (r#"{}"#, Some("message"), PayloadKind::Unknown),
    ];
    for (json, attribute_type, expected) in cases {
        assert_eq!(
            classify_with(json, *attribute_type).kind(),
            *expected,
            "{json} with {attribute_type:?}"
        );
    }
}

#[test]
fn user_event_with_text_keeps_the_event_fields() {
    let e =
        user_event(r#"{"eventType":"READ","senderPhoneNumber":"+1","text":"x","messageId":"m"}"#);
    assert_eq!(e.event_type, UserEventType::Read);
    assert_eq!(e.message_id.as_deref(), Some("m"));
}

// ------------------------------------------------------ unknown payloads

#[test]
fn unknown_payloads_keep_the_raw_json_and_a_reason() {
    let u = unknown("{}");
    assert_eq!(u.json, json!({}));
    assert_eq!(u.agent_id(), None);
    let u = unknown(r#"{"agentId":"a@rbm.goog","somethingNew":{"a":[1,2,3]},"x":1.5}"#);
    assert_eq!(u.agent_id(), Some("a@rbm.goog"));
    assert_eq!(u.json["somethingNew"]["a"][2], 3);
    let payload = classify(r#"{"agentId":"a@rbm.goog"}"#);
    assert_eq!(payload.kind(), PayloadKind::Unknown);
    assert_eq!(payload.agent_id(), Some("a@rbm.goog"));
    assert_eq!(payload.phone_number(), None);
    assert_eq!(payload.message_id(), None);
    assert_eq!(payload.event_id(), None);
    assert_eq!(payload.send_time(), None);
}

#[test]
fn non_object_json_is_unknown_not_an_error() {
    for json in [
        "null",
        "true",
        "42",
        "\"text\"",
        "[]",
        "[1,2]",
        "[{\"text\":\"x\"}]",
    ] {
        unknown(json);
    }
}

#[test]
fn bytes_that_are_not_json_are_an_error() {
    for data in [
        &b""[..],
        b"{",
        b"hello",
        b"\xff",
        b"{\"text\":\"x\"} trailing",
    ] {
        assert!(
            Payload::classify(data, None).is_err(),
            "{:?}",
            String::from_utf8_lossy(data)
        );
    }
}

#[test]
fn fields_of_the_wrong_type_give_unknown() {
    let cases = [
        r#"{"senderPhoneNumber":12223334444,"text":"x"}"#,
        r#"{"senderPhoneNumber":"+1","text":5}"#,
        r#"{"senderPhoneNumber":"+1","text":["x"]}"#,
        r#"{"senderPhoneNumber":"+1","text":"x","messageId":{"id":1}}"#,
        r#"{"senderPhoneNumber":"+1","text":"x","sendTime":1741200621}"#,
        r#"{"senderPhoneNumber":"+1","text":"x","agentId":true}"#,
        r#"{"senderPhoneNumber":"+1","location":"37.4,-122.0"}"#,
        r#"{"senderPhoneNumber":"+1","location":{"latitude":"37.4","longitude":-122.0}}"#,
        r#"{"senderPhoneNumber":"+1","location":{"latitude":37.4}}"#,
        r#"{"senderPhoneNumber":"+1","suggestionResponse":"p"}"#,
        r#"{"senderPhoneNumber":"+1","suggestionResponse":{"postbackData":7}}"#,
        r#"{"senderPhoneNumber":"+1","suggestionResponse":{"postbackData":"p","type":1}}"#,
        r#"{"senderPhoneNumber":"+1","userFile":"https://x"}"#,
        r#"{"senderPhoneNumber":"+1","userFile":{"thumbnail":{"fileUri":"u"}}}"#,
        r#"{"senderPhoneNumber":"+1","userFile":{"payload":{"fileSizeBytes":-1}}}"#,
        r#"{"senderPhoneNumber":"+1","userFile":{"payload":{"fileSizeBytes":1.5}}}"#,
        r#"{"senderPhoneNumber":"+1","userFile":{"payload":{"fileSizeBytes":true}}}"#,
        r#"{"senderPhoneNumber":"+1","userFile":{"payload":{"fileUri":"u"},"category":3}}"#,
        r#"{"senderPhoneNumber":"+1","text":"x","richMessageClassification":"BASIC"}"#,
        r#"{"senderPhoneNumber":"+1","text":"x","richMessageClassification":{"segmentCount":[1]}}"#,
        r#"{"senderPhoneNumber":"+1","text":"x","carrier":1}"#,
        r#"{"senderPhoneNumber":"+1","eventType":1}"#,
        r#"{"senderPhoneNumber":"+1","eventType":{"type":"READ"}}"#,
        r#"{"phoneNumber":5,"eventType":"TTL_EXPIRATION_REVOKED"}"#,
        r#"{"newLaunchState":3}"#,
        r#"{"newLaunchState":"LAUNCHED","oldLaunchState":["PENDING"]}"#,
        r#"{"newLaunchState":"LAUNCHED","regionId":{}}"#,
        r#"{"newLaunchState":"LAUNCHED","comment":false}"#,
        // A duplicated field is not a valid payload either.
        r#"{"senderPhoneNumber":"+1","text":"a","text":"b"}"#,
    ];
    for json in cases {
        let u = unknown(json);
        assert!(u.reason.contains("do not parse"), "{json}: {}", u.reason);
    }
}

// ---------------------------------------------------- pretty-printed payloads

/// Each documented example, compact and hand pretty-printed (indentation,
/// tabs, CRLF line ends, blank lines).
fn compact_and_pretty_examples() -> Vec<(&'static str, &'static str, PayloadKind)> {
    vec![
        (
            VECTOR_DATA,
            "{\n  \"senderPhoneNumber\": \"+12223334444\",\n  \"messageId\": \"MxAbCdEf0123456789\",\n  \"sendTime\": \"2018-12-31T15:01:23.045123456Z\",\n  \"text\": \"Hello, world!\",\n  \"agentId\": \"my-agent_abc123_agent@rbm.goog\"\n}\n",
            PayloadKind::Message,
        ),
        (
            r#"{"senderPhoneNumber":"+1","suggestionResponse":{"postbackData":"suggestion_1","text":"Suggestion #1","type":"REPLY"}}"#,
            "{\r\n\t\"senderPhoneNumber\" : \"+1\",\r\n\t\"suggestionResponse\" : {\r\n\t\t\"postbackData\" : \"suggestion_1\",\r\n\t\t\"text\" : \"Suggestion #1\",\r\n\t\t\"type\" : \"REPLY\"\r\n\t}\r\n}\r\n",
            PayloadKind::Message,
        ),
        (
            r#"{"senderPhoneNumber":"+1","location":{"latitude":37.422,"longitude":-122.084056}}"#,
            "\n\n  {\n    \"senderPhoneNumber\": \"+1\",\n\n    \"location\": {\n      \"latitude\": 37.422,\n      \"longitude\": -122.084056\n    }\n  }\n\n",
            PayloadKind::Message,
        ),
        (
            r#"{"senderPhoneNumber":"+1","userFile":{"thumbnail":{"mimeType":"image/jpeg","fileSizeBytes":1280,"fileUri":"https://x/t","fileName":"a.jpeg"},"payload":{"mimeType":"image/gif","fileSizeBytes":"127806","fileUri":"https://x/p","fileName":"a.gif"}}}"#,
            "{\n  \"senderPhoneNumber\": \"+1\",\n  \"userFile\": {\n    \"thumbnail\": {\n      \"mimeType\": \"image/jpeg\",\n      \"fileSizeBytes\": 1280,\n      \"fileUri\": \"https://x/t\",\n      \"fileName\": \"a.jpeg\"\n    },\n    \"payload\": {\n      \"mimeType\": \"image/gif\",\n      \"fileSizeBytes\": \"127806\",\n      \"fileUri\": \"https://x/p\",\n      \"fileName\": \"a.gif\"\n    }\n  }\n}",
            PayloadKind::Message,
        ),
        (
            r#"{"senderPhoneNumber":"+1","eventType":"READ","eventId":"E","messageId":"m"}"#,
            "{\n    \"senderPhoneNumber\": \"+1\",\n    \"eventType\": \"READ\",\n    \"eventId\": \"E\",\n    \"messageId\": \"m\"\n}\n",
            PayloadKind::UserEvent,
        ),
        (
            r#"{"phoneNumber":"+1","eventType":"TTL_EXPIRATION_REVOKE_FAILED","messageId":"m"}"#,
            "{\n  \"phoneNumber\": \"+1\",\n  \"eventType\": \"TTL_EXPIRATION_REVOKE_FAILED\",\n  \"messageId\": \"m\"\n}\n",
            PayloadKind::ServerEvent,
        ),
        (
            r#"{"agentId":"a@rbm.goog","regionId":"/v1/regions/fi-rcs","oldLaunchState":"PENDING","newLaunchState":"REJECTED"}"#,
            "{\n  \"agentId\": \"a@rbm.goog\",\n  \"regionId\": \"/v1/regions/fi-rcs\",\n  \"oldLaunchState\": \"PENDING\",\n  \"newLaunchState\": \"REJECTED\"\n}\n",
            PayloadKind::LaunchEvent,
        ),
        (
            r#"{"agentId":"a@rbm.goog","somethingNew":[1,{"a":null}]}"#,
            "{\n  \"agentId\": \"a@rbm.goog\",\n  \"somethingNew\": [\n    1,\n    {\n      \"a\": null\n    }\n  ]\n}\n",
            PayloadKind::Unknown,
        ),
    ]
}

#[test]
fn pretty_printed_payloads_classify_like_compact_ones() {
    for (compact, pretty, kind) in compact_and_pretty_examples() {
        assert!(pretty.contains('\n') && !compact.contains('\n'));
        let a = classify(compact);
        let b = classify(pretty);
        assert_eq!(a.kind(), kind, "{compact}");
        assert_eq!(a, b, "{pretty}");
    }
}

#[test]
fn signatures_cover_the_exact_pretty_bytes() {
    let verifier = SignatureVerifier::new(TOKEN);
    for (compact, pretty, _) in compact_and_pretty_examples() {
        let pretty_signature = sign(TOKEN, pretty.as_bytes());
        let compact_signature = sign(TOKEN, compact.as_bytes());
        assert_ne!(pretty_signature, compact_signature);
        assert_eq!(
            verifier.verify(pretty.as_bytes(), Some(pretty_signature.as_bytes())),
            Ok(())
        );
        // Re-serialising (compact, or pretty-printed by serde) breaks the signature.
        let reserialized =
            serde_json::to_vec_pretty(&serde_json::from_str::<Value>(pretty).expect("JSON"))
                .expect("serialise");
        for other in [compact.as_bytes(), reserialized.as_slice()] {
            assert_eq!(
                verifier.verify(other, Some(pretty_signature.as_bytes())),
                Err(SignatureError::Mismatch)
            );
        }

        // Through a full envelope: the decoded data is the exact pretty bytes.
        let body = doc_envelope(&b64(pretty.as_bytes()));
        let p = push(body.as_bytes());
        let decoded = p.decode_data().expect("base64");
        assert_eq!(decoded, pretty.as_bytes());
        assert_eq!(
            verifier.verify(&decoded, Some(pretty_signature.as_bytes())),
            Ok(())
        );
        assert_eq!(
            Payload::classify(&decoded, p.attribute_type()).expect("JSON"),
            classify(compact)
        );
    }
}

// ------------------------------------------------- only objects have fields

#[test]
fn a_json_array_is_never_a_handshake_or_a_push() {
    // serde can read a struct from an array, by position; the protocol's
    // bodies are objects with named top-level fields.
    for body in [
        &br#"["SJENCPGJESMGUFPY","1234567890"]"#[..],
        br#" ["T","S",null,null]"#,
        br#"[null,null,{"data":"e30="},"projects/p/subscriptions/s"]"#,
    ] {
        assert!(
            matches!(Incoming::parse(body), Err(IncomingError::NotJson(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn a_positional_json_array_is_not_a_user_message() {
    // The 21 payload fields in declaration order, sender first and text eighth.
    let mut fields = vec![Value::Null; 21];
    fields[0] = "+12223334444".into();
    fields[7] = "Hello, world!".into();
    let u = unknown(&Value::Array(fields).to_string());
    assert!(u.json.is_array());
    let mut fields = vec![Value::Null; 21];
    fields[0] = "+12223334444".into();
    fields[4] = "READ".into();
    unknown(&Value::Array(fields).to_string());
}
