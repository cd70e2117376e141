//! Property tests of the wire types: nothing an attacker (or a future Google)
//! sends makes parsing, decoding, classification or verification panic; the
//! classification table of docs/protocol.md#payload-kinds decides the kind;
//! signatures verify exactly the signed bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use rbm_runtime::protocol::{Incoming, Payload, PayloadKind};
use rbm_runtime::{SignatureError, SignatureVerifier, sign};
use serde_json::{Map, Value, json};

/// Every field name the payload and envelope types look at.
const KNOWN_FIELDS: &[&str] = &[
    "senderPhoneNumber",
    "phoneNumber",
    "messageId",
    "eventId",
    "eventType",
    "sendTime",
    "agentId",
    "text",
    "suggestionResponse",
    "location",
    "userFile",
    "richMessageClassification",
    "carrier",
    "botDisplayName",
    "brandId",
    "brandDisplayName",
    "regionId",
    "oldLaunchState",
    "newLaunchState",
    "actingParty",
    "comment",
    // nested names
    "postbackData",
    "type",
    "latitude",
    "longitude",
    "payload",
    "thumbnail",
    "category",
    "mimeType",
    "fileSizeBytes",
    "fileUri",
    "fileName",
    "classificationType",
    "segmentCount",
    // handshake and envelope
    "clientToken",
    "secret",
    "message",
    "data",
    "message_id",
    "publishTime",
    "publish_time",
    "attributes",
    "subscription",
];

const WIRE_WORDS: &[&str] = &[
    "DELIVERED",
    "READ",
    "IS_TYPING",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "TTL_EXPIRATION_REVOKED",
    "TTL_EXPIRATION_REVOKE_FAILED",
    "UNLAUNCHED",
    "PENDING",
    "LAUNCHED",
    "REJECTED",
    "SUSPENDED",
    "REPLY",
    "ACTION",
    "UNKNOWN",
    "IMAGE",
    "VIDEO",
    "AUDIO",
    "agent_launch_event",
    "message",
    "+12223334444",
    "2018-12-31T15:01:23.045123456Z",
    "e30=",
    "127806",
    "",
];

// ------------------------------------------------------------ strategies

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        select(WIRE_WORDS).prop_map(str::to_owned),
        "[a-zA-Z0-9+/=_ -]{0,12}",
        any::<String>(),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        any_string().prop_map(Value::String),
    ]
}

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(KNOWN_FIELDS).prop_map(str::to_owned),
        1 => "[a-zA-Z_]{0,8}",
    ]
}

/// Arbitrary JSON trees whose object keys are mostly the known field names.
fn any_json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(any_key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A JSON object with any of the known field names, each holding any JSON.
fn any_json_object() -> impl Strategy<Value = Value> {
    btree_map(any_key(), any_json(), 0..10)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn attribute_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some("message".to_owned())),
        1 => Just(Some("agent_launch_event".to_owned())),
        1 => any_string().prop_map(Some),
    ]
}

fn well_typed_file_info() -> impl Strategy<Value = Value> {
    (
        proptest::option::of(any_string()),
        proptest::option::of(prop_oneof![
            any::<u64>().prop_map(Value::from),
            any::<u64>().prop_map(|n| Value::from(n.to_string())),
            any_string().prop_map(Value::String),
            Just(Value::Null),
        ]),
        proptest::option::of(any_string()),
        proptest::option::of(any_string()),
    )
        .prop_map(|(mime, size, uri, name)| {
            let mut m = Map::new();
            if let Some(mime) = mime {
                m.insert("mimeType".into(), mime.into());
            }
            if let Some(size) = size {
                m.insert("fileSizeBytes".into(), size);
            }
            if let Some(uri) = uri {
                m.insert("fileUri".into(), uri.into());
            }
            if let Some(name) = name {
                m.insert("fileName".into(), name.into());
            }
            Value::Object(m)
        })
}

/// A well-typed value for a known payload field (the types the docs give).
fn well_typed(field: &'static str) -> BoxedStrategy<Value> {
    match field {
        "suggestionResponse" => (
            proptest::option::of(any_string()),
            proptest::option::of(any_string()),
            proptest::option::of(any_string()),
        )
            .prop_map(|(postback, text, kind)| {
                let mut m = Map::new();
                if let Some(p) = postback {
                    m.insert("postbackData".into(), p.into());
                }
                if let Some(t) = text {
                    m.insert("text".into(), t.into());
                }
                if let Some(k) = kind {
                    m.insert("type".into(), k.into());
                }
                Value::Object(m)
            })
            .boxed(),
        "location" => (-90f64..90.0, -180f64..180.0)
            .prop_map(|(latitude, longitude)| json!({"latitude": latitude, "longitude": longitude}))
            .boxed(),
        "userFile" => (
            well_typed_file_info(),
            proptest::option::of(well_typed_file_info()),
            proptest::option::of(any_string()),
        )
            .prop_map(|(payload, thumbnail, category)| {
                let mut m = Map::new();
                m.insert("payload".into(), payload);
                if let Some(t) = thumbnail {
                    m.insert("thumbnail".into(), t);
                }
                if let Some(c) = category {
                    m.insert("category".into(), c.into());
                }
                Value::Object(m)
            })
            .boxed(),
        "richMessageClassification" => (
            proptest::option::of(any_string()),
            proptest::option::of(prop_oneof![
                any::<u64>().prop_map(Value::from),
                any::<u64>().prop_map(|n| Value::from(n.to_string())),
            ]),
        )
            .prop_map(|(kind, count)| {
                let mut m = Map::new();
                if let Some(k) = kind {
                    m.insert("classificationType".into(), k.into());
                }
                if let Some(c) = count {
                    m.insert("segmentCount".into(), c);
                }
                Value::Object(m)
            })
            .boxed(),
        // Every other payload field is a string.
        _ => any_string().prop_map(Value::String).boxed(),
    }
}

const PAYLOAD_FIELDS: &[&str] = &[
    "senderPhoneNumber",
    "phoneNumber",
    "messageId",
    "eventId",
    "eventType",
    "sendTime",
    "agentId",
    "text",
    "suggestionResponse",
    "location",
    "userFile",
    "richMessageClassification",
    "carrier",
    "botDisplayName",
    "brandId",
    "brandDisplayName",
    "regionId",
    "oldLaunchState",
    "newLaunchState",
    "actingParty",
    "comment",
];

/// What a generated payload field holds.
#[derive(Debug, Clone)]
enum Slot {
    Absent,
    Null,
    WellTyped(Value),
    Anything(Value),
}

/// The fields the classification table looks at: the three sender/type fields, then the contents.
const DISCRIMINATORS: &[&str] = &[
    "senderPhoneNumber",
    "phoneNumber",
    "eventType",
    "text",
    "suggestionResponse",
    "location",
    "userFile",
];

/// A payload-shaped object: each known field absent, null, well typed, or
/// (when `random_types`) holding any JSON; plus unknown extra fields.
/// Returns the object and whether every field it holds is well typed.
fn payload_like(random_types: bool) -> impl Strategy<Value = (Value, bool)> {
    let anything = u32::from(random_types);
    let slots: Vec<BoxedStrategy<Slot>> = PAYLOAD_FIELDS
        .iter()
        .map(|&field| {
            // The fields the table looks at are present often, so that every
            // row and every conflict between rows is reached; newLaunchState
            // (which beats everything) and the rest less often.
            let (absent, present) = if DISCRIMINATORS[..3].contains(&field) {
                (3, 3)
            } else if DISCRIMINATORS.contains(&field) {
                (5, 2)
            } else if field == "newLaunchState" {
                (8, 1)
            } else {
                (4, 2)
            };
            prop_oneof![
                absent => Just(Slot::Absent),
                1 => Just(Slot::Null),
                present => well_typed(field).prop_map(Slot::WellTyped),
                anything => any_json().prop_map(Slot::Anything),
            ]
            .boxed()
        })
        .collect();
    let extras = btree_map("x[a-z]{0,6}", any_json(), 0..3);
    (slots, extras).prop_map(|(slots, extras)| {
        let mut m = Map::new();
        let mut well_typed = true;
        for (field, slot) in PAYLOAD_FIELDS.iter().zip(slots) {
            match slot {
                Slot::Absent => {}
                Slot::Null => {
                    m.insert((*field).into(), Value::Null);
                }
                Slot::WellTyped(v) => {
                    m.insert((*field).into(), v);
                }
                Slot::Anything(v) => {
                    well_typed = false;
                    m.insert((*field).into(), v);
                }
            }
        }
        m.extend(extras);
        (Value::Object(m), well_typed)
    })
}

/// The classification table (docs/protocol.md#payload-kinds), evaluated
/// directly on the JSON (`null` counts as absent).
fn table_kind(v: &Value, attribute_type: Option<&str>) -> PayloadKind {
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    let contents = ["text", "userFile", "location", "suggestionResponse"]
        .into_iter()
        .filter(|k| has(k))
        .count();
    if has("newLaunchState") || attribute_type == Some("agent_launch_event") {
        PayloadKind::LaunchEvent
    } else if has("eventType") && has("phoneNumber") && !has("senderPhoneNumber") {
        PayloadKind::ServerEvent
    } else if has("eventType") && has("senderPhoneNumber") {
        PayloadKind::UserEvent
    } else if has("senderPhoneNumber") && contents == 1 {
        PayloadKind::Message
    } else {
        // Includes a message with more than one content.
        PayloadKind::Unknown
    }
}

/// Arbitrary extra fields for an envelope level, never colliding with known names.
fn extras() -> impl Strategy<Value = Map<String, Value>> {
    btree_map("(x|delivery|ordering)[A-Za-z]{0,6}", any_json(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

/// Classifies `value` and checks the kind against the classification table, and the
/// accessors against the JSON.
fn check_against_table(
    value: &Value,
    well_typed: bool,
    attribute_type: Option<&str>,
) -> Result<(), TestCaseError> {
    let data = serde_json::to_vec(value).expect("serialise");
    let payload = Payload::classify(&data, attribute_type).expect("valid JSON always classifies");
    let expected = table_kind(value, attribute_type);
    if well_typed {
        prop_assert_eq!(payload.kind(), expected, "{}", value);
    } else {
        // A field of the wrong type may make it unknown, never another kind.
        prop_assert!(
            payload.kind() == expected || payload.kind() == PayloadKind::Unknown,
            "{:?} but the table says {:?}: {}",
            payload.kind(),
            expected,
            value
        );
    }
    // What the payload reports is what the JSON says.
    let string = |k: &str| value.get(k).and_then(Value::as_str);
    match &payload {
        Payload::Unknown(u) => {
            let raw: Value = serde_json::from_slice(&data).expect("JSON");
            prop_assert_eq!(&u.json, &raw);
            prop_assert!(!u.reason.is_empty());
            prop_assert_eq!(payload.agent_id(), string("agentId"));
        }
        other => {
            prop_assert_eq!(other.agent_id(), string("agentId"));
            prop_assert_eq!(other.event_id(), string("eventId"));
            prop_assert_eq!(other.send_time().map(|t| t.as_str()), string("sendTime"));
            if other.kind() != PayloadKind::LaunchEvent {
                prop_assert_eq!(other.message_id(), string("messageId"));
            }
            let phone = if other.kind() == PayloadKind::ServerEvent {
                string("phoneNumber")
            } else if other.kind() == PayloadKind::LaunchEvent {
                None
            } else {
                string("senderPhoneNumber")
            };
            prop_assert_eq!(other.phone_number(), phone);
        }
    }
    Ok(())
}

fn flip_bit(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let bit = bit % (out.len() * 8);
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Exercises every entry point on `body` and on what it decodes to.
fn exercise(body: &[u8], attribute_type: Option<&str>) {
    if let Ok(Incoming::Push(p)) = Incoming::parse(body) {
        let _ = p.attribute_type();
        if let Ok(data) = p.decode_data() {
            let _ = Payload::classify(&data, p.attribute_type());
        }
    }
    if let Ok(payload) = Payload::classify(body, attribute_type) {
        let _ = (
            payload.kind(),
            payload.agent_id(),
            payload.phone_number(),
            payload.message_id(),
            payload.event_id(),
            payload.send_time(),
        );
    }
    let verifier = SignatureVerifier::new("SJENCPGJESMGUFPY");
    let _ = verifier.verify(body, Some(body));
    let _ = verifier.verify(body, None);
    let signature = sign("SJENCPGJESMGUFPY", body);
    assert_eq!(verifier.verify(body, Some(signature.as_bytes())), Ok(()));
}

// -------------------------------------------------------------- never panic

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        body in vec(any::<u8>(), 0..512),
        attribute_type in attribute_type(),
    ) {
        exercise(&body, attribute_type.as_deref());
    }

    #[test]
    fn mutated_json_never_panics(
        value in any_json_object(),
        edits in vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        // Valid JSON, then a few byte insertions, deletions or overwrites.
        let mut body = serde_json::to_vec(&value).expect("serialise");
        for (at, byte, op) in edits {
            let at = at % (body.len() + 1);
            match op {
                0 => body.insert(at, byte),
                1 if at < body.len() => { body.remove(at); }
                _ if at < body.len() => body[at] = byte,
                _ => body.push(byte),
            }
        }
        exercise(&body, None);
    }

    #[test]
    fn arbitrary_json_never_panics_and_always_classifies(
        value in any_json(),
        pretty in any::<bool>(),
        attribute_type in attribute_type(),
    ) {
        let data = if pretty {
            serde_json::to_vec_pretty(&value)
        } else {
            serde_json::to_vec(&value)
        }
        .expect("serialise");
        exercise(&data, attribute_type.as_deref());
        // Valid JSON always classifies (possibly as unknown), never errors.
        let payload = Payload::classify(&data, attribute_type.as_deref());
        prop_assert!(payload.is_ok(), "{:?}", payload);
        // As an envelope's data.
        let body = json!({"message": {"data": STANDARD.encode(&data)}}).to_string();
        exercise(body.as_bytes(), None);
        // And as the envelope or handshake itself.
        let body = json!({"message": value.clone(), "clientToken": value}).to_string();
        exercise(body.as_bytes(), None);
    }

    #[test]
    fn objects_with_known_fields_of_random_types_never_panic(
        value in any_json_object(),
        attribute_type in attribute_type(),
    ) {
        let data = serde_json::to_vec(&value).expect("serialise");
        exercise(&data, attribute_type.as_deref());
        let payload = Payload::classify(&data, attribute_type.as_deref());
        prop_assert!(payload.is_ok(), "{:?}", payload);
    }
}

// --------------------------------------------------------- the table decides

proptest! {
    #[test]
    fn well_typed_payloads_classify_exactly_by_the_table(
        (value, well_typed) in payload_like(false),
        attribute_type in attribute_type(),
    ) {
        prop_assert!(well_typed);
        check_against_table(&value, well_typed, attribute_type.as_deref())?;
    }

    #[test]
    fn fields_of_random_types_give_the_table_kind_or_unknown(
        (value, well_typed) in payload_like(true),
        attribute_type in attribute_type(),
    ) {
        check_against_table(&value, well_typed, attribute_type.as_deref())?;
    }

    #[test]
    fn pretty_and_compact_payloads_classify_the_same(
        (value, _) in payload_like(true),
        attribute_type in attribute_type(),
    ) {
        let compact = serde_json::to_vec(&value).expect("serialise");
        let pretty = serde_json::to_vec_pretty(&value).expect("serialise");
        let a = Payload::classify(&compact, attribute_type.as_deref()).expect("JSON");
        let b = Payload::classify(&pretty, attribute_type.as_deref()).expect("JSON");
        match (&a, &b) {
            // Reasons name a line and column, which differ.
            (Payload::Unknown(a), Payload::Unknown(b)) => prop_assert_eq!(&a.json, &b.json),
            _ => prop_assert_eq!(a, b),
        }
    }
}

// ------------------------------------------------------------ the envelope

proptest! {
    #[test]
    fn envelopes_round_trip_their_data(
        data in vec(any::<u8>(), 0..256),
        message_id in proptest::option::of("[0-9]{1,20}"),
        publish_time in proptest::option::of("[0-9TZ:.-]{1,30}"),
        spelling in 0u8..3,
        attributes in proptest::option::of(btree_map(any_key(), any_string(), 0..4)),
        subscription in proptest::option::of(any_string()),
        top_extras in extras(),
        message_extras in extras(),
        pretty in any::<bool>(),
    ) {
        let mut message = message_extras;
        message.insert("data".into(), STANDARD.encode(&data).into());
        for (camel, snake, value) in [
            ("messageId", "message_id", &message_id),
            ("publishTime", "publish_time", &publish_time),
        ] {
            if let Some(value) = value {
                if spelling != 1 {
                    message.insert(camel.into(), value.clone().into());
                }
                if spelling != 0 {
                    message.insert(snake.into(), value.clone().into());
                }
            }
        }
        if let Some(attributes) = &attributes {
            message.insert("attributes".into(), json!(attributes));
        }
        let mut body = top_extras;
        body.insert("message".into(), Value::Object(message));
        if let Some(subscription) = &subscription {
            body.insert("subscription".into(), subscription.clone().into());
        }
        let body = Value::Object(body);
        let body = if pretty {
            serde_json::to_vec_pretty(&body)
        } else {
            serde_json::to_vec(&body)
        }
        .expect("serialise");

        let parsed = Incoming::parse(&body);
        let Ok(Incoming::Push(p)) = parsed else {
            return Err(TestCaseError::fail(format!("not a push: {parsed:?}")));
        };
        prop_assert_eq!(p.decode_data(), Ok(data));
        prop_assert_eq!(p.message_id.as_deref(), message_id.as_deref());
        prop_assert_eq!(p.publish_time.as_deref(), publish_time.as_deref());
        prop_assert_eq!(p.subscription.as_deref(), subscription.as_deref());
        let expected_attributes =
            attributes.map(|a| a.into_iter().collect::<std::collections::HashMap<_, _>>());
        prop_assert_eq!(
            p.attribute_type(),
            expected_attributes.as_ref().and_then(|a| a.get("type")).map(String::as_str)
        );
        prop_assert_eq!(p.attributes, expected_attributes);
    }

    #[test]
    fn handshakes_keep_token_and_secret(
        client_token in any::<String>(),
        secret in any::<String>(),
        extra in extras(),
    ) {
        let mut body = extra;
        body.insert("clientToken".into(), client_token.clone().into());
        body.insert("secret".into(), secret.clone().into());
        let body = serde_json::to_vec(&Value::Object(body)).expect("serialise");
        let parsed = Incoming::parse(&body);
        let Ok(Incoming::Handshake(h)) = parsed else {
            return Err(TestCaseError::fail(format!("not a handshake: {parsed:?}")));
        };
        prop_assert_eq!(h.client_token, client_token);
        prop_assert_eq!(h.secret, secret);
    }
}

// ------------------------------------------------------------ signatures

proptest! {
    #[test]
    fn a_signed_payload_verifies(token in any::<String>(), payload in vec(any::<u8>(), 0..512)) {
        let signature = sign(&token, &payload);
        prop_assert_eq!(signature.len(), 88);
        prop_assert_eq!(
            SignatureVerifier::new(&token).verify(&payload, Some(signature.as_bytes())),
            Ok(())
        );
    }

    #[test]
    fn any_single_bit_change_of_the_payload_fails(
        token in "[A-Z0-9]{0,32}",
        payload in vec(any::<u8>(), 1..512),
        bit in any::<usize>(),
    ) {
        let signature = sign(&token, &payload);
        let tampered = flip_bit(&payload, bit);
        prop_assert_eq!(
            SignatureVerifier::new(&token).verify(&tampered, Some(signature.as_bytes())),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_single_bit_change_of_the_signature_fails(
        token in "[A-Z0-9]{0,32}",
        payload in vec(any::<u8>(), 0..512),
        bit in any::<usize>(),
    ) {
        let verifier = SignatureVerifier::new(&token);
        let signature = sign(&token, &payload);
        // A different MAC, correctly encoded: a mismatch.
        let mac = STANDARD.decode(&signature).expect("base64");
        let other = STANDARD.encode(flip_bit(&mac, bit));
        prop_assert_eq!(
            verifier.verify(&payload, Some(other.as_bytes())),
            Err(SignatureError::Mismatch)
        );
        // A flipped bit in the header text: refused, one way or the other.
        let header = flip_bit(signature.as_bytes(), bit);
        prop_assert!(verifier.verify(&payload, Some(&header)).is_err());
    }

    #[test]
    fn another_token_fails(
        token in "[A-Z0-9]{1,32}",
        other in "[A-Z0-9]{1,32}",
        payload in vec(any::<u8>(), 0..256),
    ) {
        prop_assume!(token != other);
        let signature = sign(&token, &payload);
        prop_assert_eq!(
            SignatureVerifier::new(&other).verify(&payload, Some(signature.as_bytes())),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn arbitrary_headers_never_verify_or_panic(
        header in prop_oneof![
            vec(any::<u8>(), 0..100),
            vec(any::<u8>(), 88..=88),
            "[A-Za-z0-9+/]{86}==".prop_map(String::into_bytes),
            "[A-Za-z0-9+/=]{88}".prop_map(String::into_bytes),
        ],
        payload in vec(any::<u8>(), 0..64),
    ) {
        let verifier = SignatureVerifier::new("SJENCPGJESMGUFPY");
        prop_assume!(header.trim_ascii() != sign("SJENCPGJESMGUFPY", &payload).as_bytes());
        prop_assert!(verifier.verify(&payload, Some(&header)).is_err());
    }
}

// --------------------------------------------------- arrays are not objects

fn string_or_null() -> impl Strategy<Value = Value> {
    prop_oneof![Just(Value::Null), any_string().prop_map(Value::String)]
}

proptest! {
    #[test]
    fn arrays_are_never_payloads_handshakes_or_envelopes(
        items in vec(string_or_null(), 0..24),
        attribute_type in attribute_type(),
    ) {
        let data = serde_json::to_vec(&Value::Array(items)).expect("serialise");
        let payload = Payload::classify(&data, attribute_type.as_deref()).expect("JSON");
        prop_assert_eq!(payload.kind(), PayloadKind::Unknown);
        prop_assert!(Incoming::parse(&data).is_err());
    }
}
