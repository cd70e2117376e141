//! The payload JSON (`message.data`) of every kind, with Google's field order.

use serde_json::Value;

use crate::protocol::{LaunchState, ServerEventType, UserEventType};

/// What one delivery carries, before the fields every kind shares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    /// A user's text message.
    Text(String),
    /// A tap on a suggested reply or action.
    Suggestion {
        postback_data: String,
        text: Option<String>,
        response_type: Option<&'static str>,
    },
    /// A shared location.
    Location { latitude: f64, longitude: f64 },
    /// A file the user sent.
    File {
        payload: FileSpec,
        thumbnail: Option<FileSpec>,
        category: Option<String>,
    },
    /// An event about the user (receipt, typing, subscription).
    UserEvent(UserEventType),
    /// A TTL expiry of an agent message.
    ServerEvent(ServerEventType),
    /// A change of the agent's launch state.
    Launch { old: LaunchState, new: LaunchState },
    /// Bytes sent as they are (unknown kinds, broken JSON).
    Raw(Vec<u8>),
}

/// One file of a `userFile` (the file itself or its thumbnail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileSpec {
    /// The file's URL.
    pub(crate) uri: String,
    /// Its MIME type.
    pub(crate) mime_type: String,
    /// Its size in bytes.
    pub(crate) size: u64,
    /// Its name.
    pub(crate) name: String,
}

impl FileSpec {
    /// A file at `uri` of type `mime_type`; the name is the URL's last segment.
    pub(crate) fn new(uri: impl Into<String>, mime_type: impl Into<String>) -> Self {
        let uri = uri.into();
        let name = uri
            .rsplit('/')
            .next()
            .filter(|name| !name.is_empty())
            .unwrap_or("file")
            .to_owned();
        Self {
            uri,
            mime_type: mime_type.into(),
            size: 1024,
            name,
        }
    }

    fn json(&self) -> Json {
        object([
            ("mimeType", Some(Json::str(&self.mime_type))),
            ("fileSizeBytes", Some(Json::value(self.size))),
            ("fileUri", Some(Json::str(&self.uri))),
            ("fileName", Some(Json::str(&self.name))),
        ])
    }
}

/// The `category` Google gives a file of this MIME type, if any.
pub(crate) fn category_of(mime_type: &str) -> Option<String> {
    let top = mime_type.split('/').next().unwrap_or("");
    match top {
        "image" => Some("IMAGE".into()),
        "video" => Some("VIDEO".into()),
        "audio" => Some("AUDIO".into()),
        _ => None,
    }
}

/// The fields every kind may carry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Common {
    pub(crate) phone_number: String,
    pub(crate) agent_id: Option<String>,
    pub(crate) message_id: Option<String>,
    pub(crate) event_id: Option<String>,
    pub(crate) send_time: String,
}

/// The launch-event fields other than the states.
pub(crate) const LAUNCH_DETAILS: [(&str, &str); 5] = [
    ("botDisplayName", "Test Agent"),
    ("brandId", "00000000-0000-0000-0000-000000000000"),
    ("brandDisplayName", "Test Brand"),
    ("regionId", "/v1/regions/fi-rcs"),
    ("actingParty", "CARRIER"),
];

/// The payload bytes, compact JSON in the field order Google uses.
pub(crate) fn encode(content: &Content, common: &Common) -> Vec<u8> {
    let text = |s: &str| Some(Json::str(s));
    let opt = |s: &Option<String>| s.as_deref().map(Json::str);
    let json = match content {
        Content::Raw(bytes) => return bytes.clone(),
        Content::UserEvent(event_type) => object([
            ("senderPhoneNumber", text(&common.phone_number)),
            ("eventType", text(event_type.as_str())),
            ("eventId", opt(&common.event_id)),
            ("messageId", opt(&common.message_id)),
            ("sendTime", text(&common.send_time)),
            ("agentId", opt(&common.agent_id)),
        ]),
        Content::ServerEvent(event_type) => object([
            ("phoneNumber", text(&common.phone_number)),
            ("agentId", opt(&common.agent_id)),
            ("messageId", opt(&common.message_id)),
            ("eventId", opt(&common.event_id)),
            ("sendTime", text(&common.send_time)),
            ("eventType", text(event_type.as_str())),
        ]),
        Content::Launch { old, new } => {
            let mut fields = vec![
                ("eventId", opt(&common.event_id)),
                ("agentId", opt(&common.agent_id)),
            ];
            fields.extend(LAUNCH_DETAILS[..4].iter().map(|(k, v)| (*k, text(v))));
            fields.push(("oldLaunchState", text(old.as_str())));
            fields.push(("newLaunchState", text(new.as_str())));
            fields.push(("actingParty", text(LAUNCH_DETAILS[4].1)));
            fields.push(("comment", text("Launch state changed by rbm testing")));
            fields.push(("sendTime", text(&common.send_time)));
            object(fields)
        }
        message => object([
            ("senderPhoneNumber", text(&common.phone_number)),
            ("messageId", opt(&common.message_id)),
            ("eventId", opt(&common.event_id)),
            ("sendTime", text(&common.send_time)),
            message_content(message),
            ("agentId", opt(&common.agent_id)),
        ]),
    };
    json.0.into_bytes()
}

fn message_content(content: &Content) -> (&'static str, Option<Json>) {
    match content {
        Content::Text(text) => ("text", Some(Json::str(text))),
        Content::Suggestion {
            postback_data,
            text,
            response_type,
        } => (
            "suggestionResponse",
            Some(object([
                ("postbackData", Some(Json::str(postback_data))),
                ("text", text.as_deref().map(Json::str)),
                ("type", response_type.map(Json::str)),
            ])),
        ),
        Content::Location {
            latitude,
            longitude,
        } => (
            "location",
            Some(object([
                ("latitude", Some(Json::value(*latitude))),
                ("longitude", Some(Json::value(*longitude))),
            ])),
        ),
        Content::File {
            payload,
            thumbnail,
            category,
        } => (
            "userFile",
            Some(object([
                ("thumbnail", thumbnail.as_ref().map(FileSpec::json)),
                ("payload", Some(payload.json())),
                ("category", category.as_deref().map(Json::str)),
            ])),
        ),
        // The other kinds are not user messages; `encode` handles them.
        _ => ("text", None),
    }
}

/// Rendered JSON. serde_json's map sorts its keys (no `preserve_order`), and
/// Google's payloads are not sorted: objects are rendered by hand, in order,
/// so the signed bytes look like the real ones.
#[derive(Debug, Clone)]
struct Json(String);

impl Json {
    fn str(value: &str) -> Self {
        Self(Value::from(value).to_string())
    }

    fn value(value: impl Into<Value>) -> Self {
        Self(value.into().to_string())
    }
}

/// A JSON object of the present fields, in the order given.
fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Option<Json>)>) -> Json {
    let mut out = String::from("{");
    for (key, value) in fields {
        let Some(Json(value)) = value else { continue };
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&Json::str(key).0);
        out.push(':');
        out.push_str(&value);
    }
    out.push('}');
    Json(out)
}
