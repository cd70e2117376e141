//! User messages: text, suggestion responses, locations and files.

use serde::{Deserialize, Deserializer, Serialize};

use super::SendTime;
use super::catch_all::wire_enum;

/// A message a user sent to the agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMessage {
    /// The sender's phone number (E.164).
    pub sender_phone_number: String,
    /// The client-assigned message id (absent on some suggested-action taps).
    pub message_id: Option<String>,
    /// The event id, present on some suggested-action taps instead of a message id.
    pub event_id: Option<String>,
    /// When the user sent it.
    pub send_time: Option<SendTime>,
    /// The agent the message is for (`name@rbm.goog`).
    pub agent_id: Option<String>,
    /// US only: how the carrier classifies the conversation.
    pub rich_message_classification: Option<RichMessageClassification>,
    /// US only: the user's carrier.
    pub carrier: Option<String>,
    /// What the user sent.
    pub content: MessageContent,
}

/// The one content a user message carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageContent {
    /// Free text.
    Text(String),
    /// A tap on one of the agent's suggested replies or actions.
    SuggestionResponse(SuggestionResponse),
    /// A shared location.
    Location(Location),
    /// A file the user sent.
    UserFile(UserFile),
}

impl UserMessage {
    /// The text, if this is a text message.
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            MessageContent::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The postback data, if this is a suggestion response.
    pub fn postback_data(&self) -> Option<&str> {
        match &self.content {
            MessageContent::SuggestionResponse(r) => Some(&r.postback_data),
            _ => None,
        }
    }

    /// The location, if this is a shared location.
    pub fn location(&self) -> Option<&Location> {
        match &self.content {
            MessageContent::Location(l) => Some(l),
            _ => None,
        }
    }

    /// The file, if this is a user file.
    pub fn user_file(&self) -> Option<&UserFile> {
        match &self.content {
            MessageContent::UserFile(f) => Some(f),
            _ => None,
        }
    }
}

/// The answer a user gave by tapping a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionResponse {
    /// The `postbackData` of the tapped suggestion.
    #[serde(default)]
    pub postback_data: String,
    /// The suggestion's text.
    #[serde(default)]
    pub text: Option<String>,
    /// Reply or action (often absent).
    #[serde(default, rename = "type")]
    pub response_type: Option<SuggestionResponseType>,
}

wire_enum! {
    /// Whether a suggestion response answers a suggested reply or action.
    pub enum SuggestionResponseType {
        /// Google could not tell.
        Unknown = "UNKNOWN",
        /// A suggested action.
        Action = "ACTION",
        /// A suggested reply.
        Reply = "REPLY",
    }
}

/// A location the user shared.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct Location {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
}

/// A file the user sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFile {
    /// The file itself.
    pub payload: FileInfo,
    /// A preview image, when the client made one.
    #[serde(default)]
    pub thumbnail: Option<FileInfo>,
    /// Image, video or audio, when known.
    #[serde(default)]
    pub category: Option<FileCategory>,
}

/// Where a file can be fetched and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    /// The MIME type, e.g. `image/jpeg`.
    #[serde(default)]
    pub mime_type: String,
    /// The size in bytes (proto JSON may send it as a string).
    #[serde(default, deserialize_with = "number_or_string")]
    pub file_size_bytes: Option<u64>,
    /// Where to download it.
    #[serde(default)]
    pub file_uri: String,
    /// The file's name.
    #[serde(default)]
    pub file_name: Option<String>,
}

wire_enum! {
    /// The kind of a user file.
    pub enum FileCategory {
        /// A picture.
        Image = "IMAGE",
        /// A video.
        Video = "VIDEO",
        /// A sound recording.
        Audio = "AUDIO",
    }
}

/// US only: the carrier's classification of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMessageClassification {
    /// The classification, e.g. `BASIC_MESSAGE`.
    #[serde(default)]
    pub classification_type: Option<String>,
    /// How many segments the message counts for.
    #[serde(default, deserialize_with = "number_or_string")]
    pub segment_count: Option<u64>,
}

/// Proto3 JSON writes 64-bit integers as strings; accept both forms.
pub(crate) fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire<'a> {
        Number(u64),
        Text(&'a str),
        Owned(String),
    }
    Ok(match Option::<Wire<'de>>::deserialize(d)? {
        None => None,
        Some(Wire::Number(n)) => Some(n),
        Some(Wire::Text(s)) => s.parse().ok(),
        Some(Wire::Owned(s)) => s.parse().ok(),
    })
}
