//! Suggested replies and actions shown under a message or a card.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::action::{
    ActionKind, ComposeAction, ComposeRecordingMessage, ComposeTextMessage,
    CreateCalendarEventAction, DialAction, OpenUrlAction, RecordingType, ShareLocationAction,
    SuggestedAction, ViewLocationAction, WebviewViewMode,
};

/// A chip under a message: a suggested reply or action. Serialises as the
/// RBM `{"reply": {...}}` or `{"action": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Suggestion {
    /// Tapping it sends `postback_data` back as a suggestion response.
    Reply {
        /// The chip's label.
        text: String,
        /// What comes back when it is tapped.
        postback_data: String,
    },
    /// Tapping it makes the phone do something (and reports the tap back).
    Action(SuggestedAction),
}

impl Suggestion {
    /// A suggested reply.
    pub fn reply(text: impl Into<String>, postback_data: impl Into<String>) -> Self {
        Self::Reply {
            text: text.into(),
            postback_data: postback_data.into(),
        }
    }

    /// A suggested action of any kind.
    pub fn action(action: SuggestedAction) -> Self {
        Self::Action(action)
    }

    /// Opens the dialer with `phone_number` (E.164).
    pub fn dial(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        phone_number: impl Into<String>,
    ) -> Self {
        let kind = ActionKind::Dial(DialAction {
            phone_number: phone_number.into(),
        });
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Shows a pin at the given coordinates in the map app.
    pub fn view_location(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        latitude: f64,
        longitude: f64,
        label: Option<String>,
    ) -> Self {
        let kind = ActionKind::ViewLocation(ViewLocationAction::at(latitude, longitude, label));
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Runs a map search (`"pizza"`) near the user's location.
    pub fn view_location_query(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        query: impl Into<String>,
    ) -> Self {
        let kind = ActionKind::ViewLocation(ViewLocationAction::search(query));
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Asks the user to share their location.
    pub fn share_location(text: impl Into<String>, postback_data: impl Into<String>) -> Self {
        let kind = ActionKind::ShareLocation(ShareLocationAction {});
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Opens `url` in the browser.
    pub fn open_url(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        let kind = ActionKind::OpenUrl(OpenUrlAction::browser(url));
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Opens `url` in a webview inside the conversation.
    pub fn open_url_in_webview(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        url: impl Into<String>,
        mode: WebviewViewMode,
    ) -> Self {
        let kind = ActionKind::OpenUrl(OpenUrlAction::webview(url, mode));
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Starts a calendar event from `start` to `end`.
    pub fn create_calendar_event(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        title: impl Into<String>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        description: Option<String>,
    ) -> Self {
        let kind = ActionKind::CreateCalendarEvent(CreateCalendarEventAction {
            start_time: start,
            end_time: end,
            title: title.into(),
            description,
        });
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Opens the composer with a draft `draft` to `phone_number`.
    ///
    /// Google has currently paused compose actions; kept for when they return.
    pub fn compose_text(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        phone_number: impl Into<String>,
        draft: impl Into<String>,
    ) -> Self {
        let kind = ActionKind::Compose(ComposeAction::Text(ComposeTextMessage {
            phone_number: phone_number.into(),
            text: draft.into(),
        }));
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// Opens the recorder to send an audio or video message to `phone_number`.
    ///
    /// Google has currently paused compose actions; kept for when they return.
    pub fn compose_recording(
        text: impl Into<String>,
        postback_data: impl Into<String>,
        phone_number: impl Into<String>,
        recording_type: RecordingType,
    ) -> Self {
        let kind = ActionKind::Compose(ComposeAction::Recording(ComposeRecordingMessage {
            phone_number: phone_number.into(),
            recording_type,
        }));
        Self::Action(SuggestedAction::new(text, postback_data, kind))
    }

    /// The chip's label.
    pub fn text(&self) -> &str {
        match self {
            Self::Reply { text, .. } => text,
            Self::Action(action) => &action.text,
        }
    }

    /// The postback data a tap sends back.
    pub fn postback_data(&self) -> &str {
        match self {
            Self::Reply { postback_data, .. } => postback_data,
            Self::Action(action) => &action.postback_data,
        }
    }
}

impl From<SuggestedAction> for Suggestion {
    fn from(action: SuggestedAction) -> Self {
        Self::Action(action)
    }
}
