//! Suggested actions: chips that make the phone do something (dial, open a
//! map, a URL, the calendar, the composer) instead of sending text back.
//! Google has currently paused the compose actions; they are kept for when
//! they return.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// A suggested action: its label, the postback data a tap sends back, and
/// what the phone does.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedAction {
    /// The chip's label (at most 25 characters).
    pub text: String,
    /// What comes back to the agent when it is tapped (at most 2048 characters).
    pub postback_data: String,
    /// Opened instead when the device cannot perform the action (an absolute
    /// URL of at most 2,048 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_url: Option<String>,
    /// What the phone does when the chip is tapped.
    #[serde(flatten)]
    pub kind: ActionKind,
}

impl SuggestedAction {
    /// An action with the given label, postback data and behaviour.
    pub fn new(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        kind: ActionKind,
    ) -> Self {
        Self {
            text: text.into(),
            postback_data: postback_data.into(),
            fallback_url: None,
            kind,
        }
    }

    /// Sets the URL opened when the device cannot perform the action.
    pub fn fallback_url(mut self, url: impl Into<String>) -> Self {
        self.fallback_url = Some(url.into());
        self
    }
}

/// What a suggested action makes the phone do; serialised as the RBM
/// `…Action` field of the same name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ActionKind {
    /// Opens the dialer with a number.
    #[serde(rename = "dialAction")]
    Dial(DialAction),
    /// Shows a location in the map app.
    #[serde(rename = "viewLocationAction")]
    ViewLocation(ViewLocationAction),
    /// Asks the user to share their location with the agent.
    #[serde(rename = "shareLocationAction")]
    ShareLocation(ShareLocationAction),
    /// Opens a web page (browser or webview).
    #[serde(rename = "openUrlAction")]
    OpenUrl(OpenUrlAction),
    /// Starts a calendar event in the calendar app.
    #[serde(rename = "createCalendarEventAction")]
    CreateCalendarEvent(CreateCalendarEventAction),
    /// Opens the composer with a draft text or a recording to send.
    ///
    /// Google has currently paused compose actions; kept for when they return.
    #[serde(rename = "composeAction")]
    Compose(ComposeAction),
}

/// Opens the dialer with `phone_number`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DialAction {
    /// The number to dial, E.164 (`+15556667777`).
    pub phone_number: String,
}

/// Shows a place in the map app: by coordinates or by a search query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewLocationAction {
    /// The coordinates to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat_long: Option<LatLong>,
    /// The pin's label (with coordinates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A search run near the user's location (`"coffee"`), instead of coordinates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl ViewLocationAction {
    /// A pin at the given coordinates, with an optional label.
    pub fn at(latitude: f64, longitude: f64, label: Option<String>) -> Self {
        Self {
            lat_long: Some(LatLong {
                latitude,
                longitude,
            }),
            label,
            query: None,
        }
    }

    /// A map search near the user's location.
    pub fn search(query: impl Into<String>) -> Self {
        Self {
            lat_long: None,
            label: None,
            query: Some(query.into()),
        }
    }
}

/// A point on Earth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatLong {
    /// Latitude, −90 to 90.
    pub latitude: f64,
    /// Longitude, −180 to 180.
    pub longitude: f64,
}

/// Asks the user to share their location (serialised as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ShareLocationAction {}

/// Opens `url` in the browser or in a webview inside the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenUrlAction {
    /// The page to open (http or https, at most 2,048 characters).
    pub url: String,
    /// Where to open it (browser when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<UrlApplication>,
    /// How much of the screen a webview takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webview_view_mode: Option<WebviewViewMode>,
    /// An accessibility description of the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl OpenUrlAction {
    /// Opens `url` in the browser.
    pub fn browser(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            application: None,
            webview_view_mode: None,
            description: None,
        }
    }

    /// Opens `url` in a webview inside the conversation.
    pub fn webview(url: impl Into<String>, mode: WebviewViewMode) -> Self {
        Self {
            url: url.into(),
            application: Some(UrlApplication::Webview),
            webview_view_mode: Some(mode),
            description: None,
        }
    }
}

/// Where an [`OpenUrlAction`] opens its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UrlApplication {
    /// The user's browser.
    Browser,
    /// A webview inside the messaging app.
    Webview,
}

/// How much of the screen a webview takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebviewViewMode {
    /// The whole screen.
    Full,
    /// Half the screen.
    Half,
    /// Three quarters of the screen.
    Tall,
}

/// Starts a calendar event in the user's calendar app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCalendarEventAction {
    /// When it starts.
    #[serde(serialize_with = "rfc3339")]
    pub start_time: DateTime<Utc>,
    /// When it ends (not before `start_time`).
    #[serde(serialize_with = "rfc3339")]
    pub end_time: DateTime<Utc>,
    /// The event's title (at most 100 characters).
    pub title: String,
    /// The event's description (at most 500 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Writes a timestamp the way the RBM API documents it (RFC 3339, UTC, `Z`).
fn rfc3339<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Opens the composer with a draft for the user to send.
///
/// Google has currently paused compose actions; kept for when they return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ComposeAction {
    /// A draft text message to a number.
    #[serde(rename = "composeTextMessage")]
    Text(ComposeTextMessage),
    /// An audio or video recording to send to a number.
    #[serde(rename = "composeRecordingMessage")]
    Recording(ComposeRecordingMessage),
}

/// A draft text message to a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComposeTextMessage {
    /// The recipient, E.164.
    pub phone_number: String,
    /// The draft.
    pub text: String,
}

/// A recording to send to a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComposeRecordingMessage {
    /// The recipient, E.164.
    pub phone_number: String,
    /// Audio or video.
    #[serde(rename = "type")]
    pub recording_type: RecordingType,
}

/// What a [`ComposeRecordingMessage`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RecordingType {
    /// An audio recording.
    #[serde(rename = "ACTION_TYPE_AUDIO")]
    Audio,
    /// A video recording.
    #[serde(rename = "ACTION_TYPE_VIDEO")]
    Video,
}
