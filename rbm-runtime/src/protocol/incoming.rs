//! The request body: a verification handshake or a Pub/Sub push envelope.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

use super::json_fields::string_bytes;

/// Why a request body is neither a handshake nor a push envelope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IncomingError {
    /// The body is not JSON (or not a JSON object of the expected shape).
    #[error("body is not valid JSON: {0}")]
    NotJson(String),
    /// The body is JSON but neither a handshake nor a push envelope.
    #[error("body is neither a verification handshake nor a push envelope")]
    UnknownShape,
    /// `message.data` is not standard base64.
    #[error("message.data is not valid base64")]
    BadBase64,
}

/// The console's verification request: `{"clientToken": …, "secret": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake<'a> {
    /// The token the console believes this webhook has.
    pub client_token: Cow<'a, str>,
    /// The value to answer with, verbatim, when the token matches.
    pub secret: Cow<'a, str>,
}

/// A Cloud Pub/Sub push request carrying one RBM payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEnvelope<'a> {
    /// `message.data` as sent: the standard base64 of the payload JSON,
    /// still encoded and not yet checked ([`decode_data`](Self::decode_data)
    /// checks every byte).
    pub data: Cow<'a, [u8]>,
    /// The Pub/Sub message id (`messageId` or `message_id`); stable across redeliveries.
    pub message_id: Option<Cow<'a, str>>,
    /// The Pub/Sub publish time (`publishTime` or `publish_time`).
    pub publish_time: Option<Cow<'a, str>>,
    /// Unsigned attributes: a routing hint at most.
    pub attributes: Option<HashMap<String, String>>,
    /// The subscription that delivered the message.
    pub subscription: Option<Cow<'a, str>>,
}

impl PushEnvelope<'_> {
    /// Decodes `message.data` into the payload bytes that the signature covers.
    pub fn decode_data(&self) -> Result<Vec<u8>, IncomingError> {
        base64_simd::STANDARD
            .decode_to_vec(&self.data)
            .map_err(|_| IncomingError::BadBase64)
    }

    /// `attributes.type`, when present (e.g. `message`, `agent_launch_event`).
    pub fn attribute_type(&self) -> Option<&str> {
        self.attributes.as_ref()?.get("type").map(String::as_str)
    }
}

/// A request body, recognised in one borrowed pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// The console's verification handshake.
    Handshake(Handshake<'a>),
    /// A push delivery.
    Push(PushEnvelope<'a>),
}

#[derive(Deserialize)]
struct RawBody<'a> {
    #[serde(rename = "clientToken", borrow, default)]
    client_token: Option<Text<'a>>,
    #[serde(borrow, default)]
    secret: Option<Text<'a>>,
    #[serde(borrow, default)]
    message: Option<RawMessage<'a>>,
    #[serde(borrow, default)]
    subscription: Option<Text<'a>>,
}

// Both spellings of the Pub/Sub fields may appear at once, so they are
// separate fields rather than serde aliases (which reject duplicates).
#[derive(Deserialize)]
struct RawMessage<'a> {
    // Without the UTF-8 check of a `str`: base64 decoding checks every
    // byte again anyway, and it is the longest string of a delivery.
    #[serde(borrow, deserialize_with = "string_bytes")]
    data: Cow<'a, [u8]>,
    #[serde(rename = "messageId", borrow, default)]
    message_id_camel: Option<Text<'a>>,
    #[serde(rename = "message_id", borrow, default)]
    message_id_snake: Option<Text<'a>>,
    #[serde(rename = "publishTime", borrow, default)]
    publish_time_camel: Option<Text<'a>>,
    #[serde(rename = "publish_time", borrow, default)]
    publish_time_snake: Option<Text<'a>>,
    #[serde(default)]
    attributes: Option<HashMap<String, String>>,
}

/// A JSON string, borrowed from the body unless it has escapes. serde
/// borrows a `Cow<str>` field only when it is one, not inside an `Option`
/// (there it always copies): hence this wrapper.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'a> Text<'a> {
    fn of(text: Option<Self>) -> Option<Cow<'a, str>> {
        text.map(|Self(text)| text)
    }
}

impl<'a> Incoming<'a> {
    /// Recognises a request body. A body with both `clientToken` and `secret`
    /// at the top level is a handshake; one with `message.data` is a push.
    pub fn parse(body: &'a [u8]) -> Result<Self, IncomingError> {
        // serde also reads a struct from a JSON array, by position: refuse arrays.
        if body.trim_ascii_start().starts_with(b"[") {
            return Err(IncomingError::NotJson("a JSON array, not an object".into()));
        }
        let raw: RawBody<'a> =
            serde_json::from_slice(body).map_err(|e| IncomingError::NotJson(e.to_string()))?;
        if let (Some(Text(client_token)), Some(Text(secret))) = (raw.client_token, raw.secret) {
            return Ok(Self::Handshake(Handshake {
                client_token,
                secret,
            }));
        }
        let message = raw.message.ok_or(IncomingError::UnknownShape)?;
        Ok(Self::Push(PushEnvelope {
            data: message.data,
            message_id: Text::of(message.message_id_camel.or(message.message_id_snake)),
            publish_time: Text::of(message.publish_time_camel.or(message.publish_time_snake)),
            attributes: message.attributes,
            subscription: Text::of(raw.subscription),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_a_handshake_with_extra_fields() {
        let body = br#"{"clientToken":"SJENCPGJESMGUFPY","secret":"1234567890","extra":1}"#;
        let Ok(Incoming::Handshake(h)) = Incoming::parse(body) else {
            panic!("not a handshake");
        };
        assert_eq!(h.client_token, "SJENCPGJESMGUFPY");
        assert_eq!(h.secret, "1234567890");
    }

    #[test]
    fn accepts_either_spelling_of_pubsub_fields() {
        let both = br#"{"message":{"data":"e30=","messageId":"1","message_id":"1","publishTime":"t","publish_time":"t"},"subscription":"s"}"#;
        let snake = br#"{"message":{"data":"e30=","message_id":"2","publish_time":"t2","deliveryAttempt":3}}"#;
        let Ok(Incoming::Push(p)) = Incoming::parse(both) else {
            panic!("not a push");
        };
        assert_eq!(p.message_id.as_deref(), Some("1"));
        assert_eq!(p.subscription.as_deref(), Some("s"));
        let Ok(Incoming::Push(p)) = Incoming::parse(snake) else {
            panic!("not a push");
        };
        assert_eq!(p.message_id.as_deref(), Some("2"));
        assert_eq!(p.publish_time.as_deref(), Some("t2"));
        assert_eq!(p.decode_data(), Ok(b"{}".to_vec()));
    }

    #[test]
    fn envelope_strings_are_borrowed_unless_escaped() {
        let body = br#"{"message":{"data":"e30=","messageId":"1","publishTime":"t\u0032"},"subscription":"s"}"#;
        let Ok(Incoming::Push(p)) = Incoming::parse(body) else {
            panic!("not a push");
        };
        assert!(matches!(p.message_id, Some(Cow::Borrowed("1"))));
        assert!(matches!(p.subscription, Some(Cow::Borrowed("s"))));
        // An escape has to be resolved into a string of its own.
        assert!(matches!(p.publish_time, Some(Cow::Owned(ref t)) if t == "t2"));
        let handshake = br#"{"clientToken":"a","secret":"b"}"#;
        let Ok(Incoming::Handshake(h)) = Incoming::parse(handshake) else {
            panic!("not a handshake");
        };
        assert!(matches!(
            (h.client_token, h.secret),
            (Cow::Borrowed("a"), Cow::Borrowed("b"))
        ));
    }

    #[test]
    fn data_with_escapes_is_unescaped_before_decoding() {
        // JSON may escape any character, `/` included.
        let body = br#"{"message":{"data":"e30\u003d","messageId":"1"}}"#;
        let Ok(Incoming::Push(p)) = Incoming::parse(body) else {
            panic!("not a push");
        };
        assert_eq!(p.decode_data(), Ok(b"{}".to_vec()));
    }

    #[test]
    fn rejects_bodies_of_other_shapes() {
        assert!(matches!(
            Incoming::parse(b"{\"a\":"),
            Err(IncomingError::NotJson(_))
        ));
        assert!(matches!(
            Incoming::parse(b"[1,2]"),
            Err(IncomingError::NotJson(_))
        ));
        assert_eq!(
            Incoming::parse(br#"{"clientToken":"x"}"#),
            Err(IncomingError::UnknownShape)
        );
        let Ok(Incoming::Push(p)) = Incoming::parse(br#"{"message":{"data":"%%%"}}"#) else {
            panic!("not a push");
        };
        assert_eq!(p.decode_data(), Err(IncomingError::BadBase64));
        // Bytes that are not even UTF-8 are not base64 either.
        let Ok(Incoming::Push(p)) = Incoming::parse(b"{\"message\":{\"data\":\"e3\xff=\"}}") else {
            panic!("not a push");
        };
        assert_eq!(p.decode_data(), Err(IncomingError::BadBase64));
        assert!(matches!(
            Incoming::parse(br#"{"message":{"data":[101,51,48,61]}}"#),
            Err(IncomingError::NotJson(_))
        ));
    }

    proptest::proptest! {
        /// The SIMD decoder accepts and refuses what the base64 crate's
        /// standard engine does (padding, trailing bits, stray bytes), with
        /// the same bytes: a delivery's `data` means what it meant before.
        #[test]
        fn data_decodes_as_the_standard_engine_does(
            data in proptest::collection::vec(
                proptest::sample::select(b"AQgw+/=e3-_ \n\xff".to_vec()),
                0..40,
            ),
        ) {
            use base64::Engine as _;
            let envelope = PushEnvelope {
                data: Cow::Borrowed(&data),
                message_id: None,
                publish_time: None,
                attributes: None,
                subscription: None,
            };
            let standard = base64::engine::general_purpose::STANDARD
                .decode(&data)
                .map_err(|_| IncomingError::BadBase64);
            proptest::prop_assert_eq!(envelope.decode_data(), standard);
        }
    }
}
