//! Every kind of message this module builds, encoded by [`Reply::encode`] and
//! walked key by key against the RBM API v1 schema, so a field the API does
//! not know (like `uploadedRbmFile.thumbnailUrl`, which it rejects), a
//! deprecated one or an output-only one never reaches it.
//!
//! The allow-lists below are written from the schema's reference page,
//! "REST Resource: phones.agentMessages" (AgentMessage, AgentContentMessage,
//! UploadedRbmFile, ContentInfo, RichCard, StandaloneCard, CarouselCard,
//! CardContent, Media, Suggestion, SuggestedReply, SuggestedAction and each
//! action), <https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages>.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::action::{
    ActionKind, OpenUrlAction, RecordingType, SuggestedAction, UrlApplication, WebviewViewMode,
};
use super::{
    CardContent, CardWidth, ContentInfo, Media, MediaHeight, Reply, StandaloneCard, Suggestion,
    ThumbnailAlignment, TrafficType, UploadedRbmFile,
};

/// What a field's value must be.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// An object of the named schema type.
    Object(&'static str),
    /// A list of objects of the named schema type.
    Objects(&'static str),
    /// One of these names (the `…_UNSPECIFIED` one is never sent).
    Enum(&'static [&'static str]),
    Text,
    Number,
    Flag,
    /// An RFC 3339 timestamp (`google.protobuf.Timestamp`).
    Timestamp,
    /// Seconds with up to nine fractional digits and an `s` (`google.protobuf.Duration`).
    Duration,
}

/// Whether a message we send may carry a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Input,
    /// Still in the schema, replaced by a newer field: never sent.
    Deprecated,
    /// Set by the platform in its answer: never sent.
    OutputOnly,
}

struct Field {
    name: &'static str,
    kind: Kind,
    usage: Use,
}

/// A union field: at most one of `members` (exactly one when `required`).
struct Union {
    members: &'static [&'static str],
    required: bool,
}

struct Type {
    name: &'static str,
    fields: &'static [Field],
    unions: &'static [Union],
}

const fn input(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        usage: Use::Input,
    }
}

const fn deprecated(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        usage: Use::Deprecated,
    }
}

const fn output(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        usage: Use::OutputOnly,
    }
}

const TRAFFIC_TYPES: &[&str] = &[
    "MESSAGE_TRAFFIC_TYPE_UNSPECIFIED",
    "AUTHENTICATION",
    "TRANSACTION",
    "PROMOTION",
    "SERVICEREQUEST",
    "ACKNOWLEDGEMENT",
];

/// The schema, one entry per object type.
const SCHEMA: &[Type] = &[
    Type {
        name: "AgentMessage",
        fields: &[
            output("name", Kind::Text),
            output("sendTime", Kind::Timestamp),
            input("contentMessage", Kind::Object("AgentContentMessage")),
            input("messageTrafficType", Kind::Enum(TRAFFIC_TYPES)),
            output(
                "richMessageClassification",
                Kind::Object("RichMessageClassification"),
            ),
            output("totalPayloadSizeBytes", Kind::Text),
            output("carrier", Kind::Text),
            input("expireTime", Kind::Timestamp),
            input("ttl", Kind::Duration),
        ],
        unions: &[Union {
            members: &["expireTime", "ttl"],
            required: false,
        }],
    },
    Type {
        name: "AgentContentMessage",
        fields: &[
            input("suggestions", Kind::Objects("Suggestion")),
            input("text", Kind::Text),
            deprecated("fileName", Kind::Text),
            input("uploadedRbmFile", Kind::Object("UploadedRbmFile")),
            input("richCard", Kind::Object("RichCard")),
            input("contentInfo", Kind::Object("ContentInfo")),
        ],
        unions: &[Union {
            members: &[
                "text",
                "fileName",
                "uploadedRbmFile",
                "richCard",
                "contentInfo",
            ],
            required: true,
        }],
    },
    Type {
        name: "UploadedRbmFile",
        fields: &[
            input("fileName", Kind::Text),
            input("thumbnailName", Kind::Text),
        ],
        unions: &[],
    },
    Type {
        name: "ContentInfo",
        fields: &[
            input("fileUrl", Kind::Text),
            input("thumbnailUrl", Kind::Text),
            input("forceRefresh", Kind::Flag),
        ],
        unions: &[],
    },
    Type {
        name: "RichCard",
        fields: &[
            input("carouselCard", Kind::Object("CarouselCard")),
            input("standaloneCard", Kind::Object("StandaloneCard")),
        ],
        unions: &[Union {
            members: &["carouselCard", "standaloneCard"],
            required: true,
        }],
    },
    Type {
        name: "StandaloneCard",
        fields: &[
            input(
                "cardOrientation",
                Kind::Enum(&["CARD_ORIENTATION_UNSPECIFIED", "HORIZONTAL", "VERTICAL"]),
            ),
            input(
                "thumbnailImageAlignment",
                Kind::Enum(&["THUMBNAIL_IMAGE_ALIGNMENT_UNSPECIFIED", "LEFT", "RIGHT"]),
            ),
            input("cardContent", Kind::Object("CardContent")),
        ],
        unions: &[],
    },
    Type {
        name: "CarouselCard",
        fields: &[
            input(
                "cardWidth",
                Kind::Enum(&["CARD_WIDTH_UNSPECIFIED", "SMALL", "MEDIUM"]),
            ),
            input("cardContents", Kind::Objects("CardContent")),
        ],
        unions: &[],
    },
    Type {
        name: "CardContent",
        fields: &[
            input("title", Kind::Text),
            input("description", Kind::Text),
            input("media", Kind::Object("Media")),
            input("suggestions", Kind::Objects("Suggestion")),
        ],
        unions: &[],
    },
    Type {
        name: "Media",
        fields: &[
            input(
                "height",
                Kind::Enum(&["HEIGHT_UNSPECIFIED", "SHORT", "MEDIUM", "TALL"]),
            ),
            deprecated("fileName", Kind::Text),
            input("uploadedRbmFile", Kind::Object("UploadedRbmFile")),
            input("contentInfo", Kind::Object("ContentInfo")),
        ],
        unions: &[Union {
            members: &["fileName", "uploadedRbmFile", "contentInfo"],
            required: true,
        }],
    },
    Type {
        name: "Suggestion",
        fields: &[
            input("reply", Kind::Object("SuggestedReply")),
            input("action", Kind::Object("SuggestedAction")),
        ],
        unions: &[Union {
            members: &["reply", "action"],
            required: true,
        }],
    },
    Type {
        name: "SuggestedReply",
        fields: &[input("text", Kind::Text), input("postbackData", Kind::Text)],
        unions: &[],
    },
    Type {
        name: "SuggestedAction",
        fields: &[
            input("text", Kind::Text),
            input("postbackData", Kind::Text),
            input("fallbackUrl", Kind::Text),
            input("dialAction", Kind::Object("DialAction")),
            input("viewLocationAction", Kind::Object("ViewLocationAction")),
            input(
                "createCalendarEventAction",
                Kind::Object("CreateCalendarEventAction"),
            ),
            input("openUrlAction", Kind::Object("OpenUrlAction")),
            input("shareLocationAction", Kind::Object("ShareLocationAction")),
            input("composeAction", Kind::Object("ComposeAction")),
        ],
        unions: &[Union {
            members: &[
                "dialAction",
                "viewLocationAction",
                "createCalendarEventAction",
                "openUrlAction",
                "shareLocationAction",
                "composeAction",
            ],
            required: true,
        }],
    },
    Type {
        name: "DialAction",
        fields: &[input("phoneNumber", Kind::Text)],
        unions: &[],
    },
    Type {
        name: "ViewLocationAction",
        fields: &[
            input("latLong", Kind::Object("LatLng")),
            input("label", Kind::Text),
            input("query", Kind::Text),
        ],
        unions: &[],
    },
    Type {
        name: "LatLng",
        fields: &[
            input("latitude", Kind::Number),
            input("longitude", Kind::Number),
        ],
        unions: &[],
    },
    Type {
        name: "CreateCalendarEventAction",
        fields: &[
            input("startTime", Kind::Timestamp),
            input("endTime", Kind::Timestamp),
            input("title", Kind::Text),
            input("description", Kind::Text),
        ],
        unions: &[],
    },
    Type {
        name: "OpenUrlAction",
        fields: &[
            input("url", Kind::Text),
            input(
                "application",
                Kind::Enum(&["OPEN_URL_APPLICATION_UNSPECIFIED", "BROWSER", "WEBVIEW"]),
            ),
            input(
                "webviewViewMode",
                Kind::Enum(&["WEBVIEW_VIEW_MODE_UNSPECIFIED", "FULL", "HALF", "TALL"]),
            ),
            input("description", Kind::Text),
        ],
        unions: &[],
    },
    Type {
        name: "ShareLocationAction",
        fields: &[],
        unions: &[],
    },
    Type {
        name: "ComposeAction",
        fields: &[
            input("composeTextMessage", Kind::Object("ComposeTextMessage")),
            input(
                "composeRecordingMessage",
                Kind::Object("ComposeRecordingMessage"),
            ),
        ],
        unions: &[Union {
            members: &["composeTextMessage", "composeRecordingMessage"],
            required: true,
        }],
    },
    Type {
        name: "ComposeTextMessage",
        fields: &[input("phoneNumber", Kind::Text), input("text", Kind::Text)],
        unions: &[],
    },
    Type {
        name: "ComposeRecordingMessage",
        fields: &[
            input("phoneNumber", Kind::Text),
            input(
                "type",
                Kind::Enum(&[
                    "COMPOSE_RECORDING_ACTION_TYPE_UNSPECIFIED",
                    "ACTION_TYPE_AUDIO",
                    "ACTION_TYPE_VIDEO",
                ]),
            ),
        ],
        unions: &[],
    },
];

fn schema_of(name: &str) -> &'static Type {
    SCHEMA
        .iter()
        .find(|ty| ty.name == name)
        .unwrap_or_else(|| panic!("no schema type {name}"))
}

/// What the walked messages used: types, fields and enum values.
#[derive(Default)]
struct Seen {
    types: BTreeSet<&'static str>,
    fields: BTreeSet<(&'static str, &'static str)>,
    values: BTreeSet<(&'static str, &'static str, String)>,
}

/// Checks `value` as a `ty` at path `at`.
fn walk(ty: &'static str, value: &Value, at: &str, seen: &mut Seen) -> Result<(), String> {
    let schema = schema_of(ty);
    let object = value
        .as_object()
        .ok_or_else(|| format!("{at}: a {ty} is an object, not {value}"))?;
    seen.types.insert(ty);
    for (key, child) in object {
        let at = format!("{at}.{key}");
        let field = schema
            .fields
            .iter()
            .find(|field| field.name == key)
            .ok_or_else(|| format!("{at}: {ty} has no field {key:?}"))?;
        if field.usage != Use::Input {
            return Err(format!("{at}: {:?} field of {ty}", field.usage));
        }
        seen.fields.insert((ty, field.name));
        walk_value(ty, field, child, &at, seen)?;
    }
    for union in schema.unions {
        let present: Vec<_> = union
            .members
            .iter()
            .filter(|member| object.contains_key(**member))
            .collect();
        if present.len() > 1 || (union.required && present.is_empty()) {
            return Err(format!(
                "{at}: {ty} needs {} of {:?}, has {present:?}",
                if union.required { "one" } else { "at most one" },
                union.members
            ));
        }
    }
    Ok(())
}

fn walk_value(
    ty: &'static str,
    field: &Field,
    value: &Value,
    at: &str,
    seen: &mut Seen,
) -> Result<(), String> {
    let wrong = || Err(format!("{at}: not a {:?}: {value}", field.kind));
    match field.kind {
        Kind::Object(inner) => walk(inner, value, at, seen),
        Kind::Objects(inner) => {
            let Some(items) = value.as_array() else {
                return wrong();
            };
            for (index, item) in items.iter().enumerate() {
                walk(inner, item, &format!("{at}[{index}]"), seen)?;
            }
            Ok(())
        }
        Kind::Enum(names) => match value.as_str() {
            Some(name) if names.contains(&name) && !name.ends_with("_UNSPECIFIED") => {
                seen.values.insert((ty, field.name, name.to_owned()));
                Ok(())
            }
            _ => wrong(),
        },
        Kind::Text if value.is_string() => Ok(()),
        Kind::Number if value.is_number() => Ok(()),
        Kind::Flag if value.is_boolean() => Ok(()),
        Kind::Timestamp
            if value
                .as_str()
                .is_some_and(|text| DateTime::parse_from_rfc3339(text).is_ok()) =>
        {
            Ok(())
        }
        Kind::Duration if value.as_str().is_some_and(is_protobuf_duration) => Ok(()),
        _ => wrong(),
    }
}

/// `600s`, `3.5s`: whole seconds, up to nine fractional digits, an `s`.
fn is_protobuf_duration(text: &str) -> bool {
    let Some(number) = text.strip_suffix('s') else {
        return false;
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && fraction.len() <= 9
}

/// Every suggestion kind with all its options.
fn every_suggestion() -> Vec<Suggestion> {
    let start: DateTime<Utc> = "2030-01-02T10:00:00Z".parse().expect("a timestamp");
    let described_page = OpenUrlAction {
        application: Some(UrlApplication::Browser),
        description: Some("Our shop".into()),
        ..OpenUrlAction::browser("https://example.com/shop")
    };
    let mut suggestions = vec![
        Suggestion::reply("Yes", "yes"),
        Suggestion::dial("Call", "call", "+15556667777"),
        Suggestion::view_location("Map", "map", 37.422, -122.084, Some("HQ".into())),
        Suggestion::view_location_query("Near", "near", "pizza"),
        Suggestion::share_location("Where", "where"),
        Suggestion::open_url("Site", "site", "https://example.com"),
        Suggestion::action(SuggestedAction::new(
            "Shop",
            "shop",
            ActionKind::OpenUrl(described_page),
        )),
        Suggestion::create_calendar_event(
            "Save",
            "save",
            "Visit",
            start,
            start + TimeDelta::hours(1),
            Some("Bring ID".into()),
        ),
        Suggestion::compose_text("Text us", "text", "+15550001111", "Hi"),
        Suggestion::compose_recording("Audio", "audio", "+15550001111", RecordingType::Audio),
        Suggestion::compose_recording("Video", "video", "+15550001111", RecordingType::Video),
    ];
    for mode in [
        WebviewViewMode::Full,
        WebviewViewMode::Half,
        WebviewViewMode::Tall,
    ] {
        suggestions.push(Suggestion::open_url_in_webview(
            "Form",
            "form",
            "https://example.com/form",
            mode,
        ));
    }
    // Every action may carry a fallback URL.
    for suggestion in &mut suggestions {
        if let Suggestion::Action(action) = suggestion {
            action.fallback_url = Some("https://example.com/fallback".into());
        }
    }
    suggestions
}

/// Every media source, for a card of the given height.
fn every_media(height: MediaHeight) -> [Media; 4] {
    [
        Media::url(height, "https://example.com/a.jpg"),
        Media::content(
            height,
            ContentInfo::new("https://example.com/b.mp4")
                .thumbnail("https://example.com/b.jpg")
                .force_refresh(),
        ),
        Media::uploaded(height, "files/c"),
        Media::uploaded(
            height,
            UploadedRbmFile::new("files/d").thumbnail_name("files/d-thumb"),
        ),
    ]
}

fn card(media: Media) -> CardContent {
    CardContent::new()
        .title("Pizza")
        .description("Large, with everything")
        .media(media)
        .suggest_reply("Order", "order")
        .suggest(Suggestion::dial("Call", "call", "+15556667777"))
}

/// Every kind of message the builders make.
fn every_message() -> Vec<Reply> {
    let tomorrow = DateTime::<Utc>::from(std::time::SystemTime::now()) + TimeDelta::days(1);
    let mut messages = Vec::new();
    let mut text = Reply::text("Pick one")
        .traffic_type(TrafficType::Transaction)
        .ttl(Duration::from_secs(600));
    let mut chips = every_suggestion().into_iter();
    // 11 under a message at most: the rest go on a second one.
    for suggestion in chips.by_ref().take(11) {
        text = text.suggest(suggestion);
    }
    messages.push(text);
    messages.push(chips.fold(
        Reply::text("More").ttl(Duration::from_millis(3500)),
        Reply::suggest,
    ));
    messages.push(
        Reply::file(
            ContentInfo::new("https://example.com/a.pdf")
                .thumbnail("https://example.com/a.jpg")
                .force_refresh(),
        )
        .traffic_type(TrafficType::Promotion)
        .expire_at(tomorrow),
    );
    messages.push(Reply::file_url("https://example.com/a.gif"));
    messages.push(
        Reply::uploaded_file(UploadedRbmFile::new("files/a").thumbnail_name("files/a-thumb"))
            .traffic_type(TrafficType::Authentication),
    );
    messages.push(Reply::uploaded_file("files/b").traffic_type(TrafficType::ServiceRequest));
    for height in [MediaHeight::Short, MediaHeight::Medium, MediaHeight::Tall] {
        for media in every_media(height) {
            messages.push(Reply::card(StandaloneCard::vertical(card(media))));
        }
    }
    for side in [ThumbnailAlignment::Left, ThumbnailAlignment::Right] {
        for media in every_media(MediaHeight::Medium) {
            let horizontal = StandaloneCard::horizontal(card(media), side);
            messages.push(Reply::card(horizontal).traffic_type(TrafficType::Acknowledgement));
        }
    }
    for (width, height) in [
        (CardWidth::Small, MediaHeight::Medium),
        (CardWidth::Medium, MediaHeight::Tall),
    ] {
        let cards = every_media(height).map(card);
        messages.push(Reply::carousel(width, cards).suggest_reply("Menu", "menu"));
    }
    messages
}

fn encoded(reply: &Reply) -> Value {
    let body = reply.encode().unwrap_or_else(|e| panic!("{reply}: {e}"));
    serde_json::from_slice(&body).expect("the body is JSON")
}

#[test]
fn every_message_has_only_fields_of_the_schema() {
    let mut seen = Seen::default();
    for reply in every_message() {
        let body = encoded(&reply);
        if let Err(why) = walk("AgentMessage", &body, "AgentMessage", &mut seen) {
            panic!("{why}\nin {body:#}");
        }
    }
    // And the messages above really use every type, field and enum value
    // that a message can carry.
    for ty in SCHEMA {
        assert!(seen.types.contains(ty.name), "{} is never sent", ty.name);
        for field in ty.fields.iter().filter(|field| field.usage == Use::Input) {
            assert!(
                seen.fields.contains(&(ty.name, field.name)),
                "{}.{} is never sent",
                ty.name,
                field.name
            );
            let Kind::Enum(names) = field.kind else {
                continue;
            };
            for name in names.iter().filter(|name| !name.ends_with("_UNSPECIFIED")) {
                assert!(
                    seen.values
                        .contains(&(ty.name, field.name, (*name).to_owned())),
                    "{}.{} is never {name}",
                    ty.name,
                    field.name
                );
            }
        }
    }
}

/// The walk refuses what the API would: a check that cannot fail would
/// prove nothing.
#[test]
fn the_walk_refuses_fields_the_schema_does_not_allow() {
    let refused = |body: Value| {
        let mut seen = Seen::default();
        walk("AgentMessage", &body, "AgentMessage", &mut seen).expect_err("refused")
    };
    let thumbnail_url = refused(json!({"contentMessage": {"uploadedRbmFile":
        {"fileName": "files/a", "thumbnailUrl": "https://example.com/t.jpg"}}}));
    assert_eq!(
        thumbnail_url,
        "AgentMessage.contentMessage.uploadedRbmFile.thumbnailUrl: \
         UploadedRbmFile has no field \"thumbnailUrl\""
    );
    let deprecated = refused(json!({"contentMessage": {"richCard": {"standaloneCard": {
        "cardOrientation": "VERTICAL",
        "cardContent": {"media": {"height": "SHORT", "fileName": "files/a"}}}}}}));
    assert!(
        deprecated.ends_with("media.fileName: Deprecated field of Media"),
        "{deprecated}"
    );
    let output_only =
        refused(json!({"name": "phones/+1/agentMessages/m", "contentMessage": {"text": "hi"}}));
    assert!(output_only.contains("OutputOnly"), "{output_only}");
    let both = refused(json!({"contentMessage": {"text": "hi"}, "ttl": "1s",
        "expireTime": "2030-01-01T00:00:00Z"}));
    assert!(both.contains("at most one"), "{both}");
    let unspecified = refused(json!({"contentMessage": {"text": "hi"},
        "messageTrafficType": "MESSAGE_TRAFFIC_TYPE_UNSPECIFIED"}));
    assert!(unspecified.contains("messageTrafficType"), "{unspecified}");
    assert!(refused(json!({"contentMessage": {"text": "hi"}, "ttl": "600"})).contains("ttl"));
    assert!(refused(json!({"contentMessage": {}})).contains("needs one"));
}

#[test]
fn durations_are_recognised() {
    for good in ["600s", "3.5s", "0.000000001s"] {
        assert!(is_protobuf_duration(good), "{good}");
    }
    for bad in ["600", "s", "1.s", "1.0000000001s", "-1s", "1e3s"] {
        assert!(!is_protobuf_duration(bad), "{bad}");
    }
}
