//! What an agent sends: replies (agent messages) and agent events.
//!
//! A [`Reply`] serialises to the exact body of the RBM API's
//! `agentMessages.create`:
//!
//! ```
//! use std::time::Duration;
//! use rbm_runtime::reply::{Reply, Suggestion, TrafficType};
//!
//! let reply = Reply::text("Hello!")
//!     .suggest_reply("Yes", "yes")
//!     .suggest(Suggestion::dial("Call", "call", "+15556667777"))
//!     .traffic_type(TrafficType::Transaction)
//!     .ttl(Duration::from_secs(600));
//! let json = serde_json::to_value(&reply).unwrap();
//! assert_eq!(json["contentMessage"]["text"], "Hello!");
//! assert_eq!(json["ttl"], "600s");
//! assert!(reply.validate().is_ok());
//! ```
//!
//! [`Reply::encode`] checks the documented limits first (lengths, counts,
//! action URLs, a `ttl` or `expireTime` at most 15 days ahead, 250,000 bytes in
//! all) and fails with a [`ReplyError`] naming the limit instead of a `400`.
//!
//! Agents of the multi-use billing category must give every message a
//! traffic type (`messageTrafficType`); see [`TrafficType`], and
//! `RBM_MESSAGE_TRAFFIC_TYPE` for a default for all of an agent's messages.

pub mod action;
pub mod card;
mod event;
pub mod file;
mod options;
#[cfg(test)]
mod schema_tests;
mod span;
mod suggestion;
mod validate;
mod validate_expiry;
mod validate_url;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

pub use action::{ActionKind, SuggestedAction};
pub use card::{
    CardContent, CardOrientation, CardWidth, CarouselCard, Media, MediaHeight, MediaSource,
    RichCard, StandaloneCard, ThumbnailAlignment,
};
pub use event::AgentEvent;
pub use file::{ContentInfo, UploadedRbmFile};
pub use options::{Expiry, TrafficType, UnknownTrafficType};
pub use suggestion::Suggestion;
pub use validate::{
    MAX_CALENDAR_DESCRIPTION_CHARS, MAX_CALENDAR_TITLE_CHARS, MAX_CARD_DESCRIPTION_CHARS,
    MAX_CARD_SUGGESTIONS, MAX_CARD_TITLE_CHARS, MAX_CAROUSEL_CARDS, MAX_MESSAGE_BYTES,
    MAX_POSTBACK_CHARS, MAX_SUGGESTION_TEXT_CHARS, MAX_SUGGESTIONS, MAX_TEXT_CHARS,
    MIN_CAROUSEL_CARDS, ReplyError,
};
pub use validate_expiry::MAX_EXPIRY;
pub use validate_url::MAX_URL_CHARS;

/// One agent message to send to the user. Serialises as the RBM
/// `{"contentMessage": {...}, "messageTrafficType": ..., "ttl": ...}` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The message's content.
    pub content: ReplyContent,
    /// Suggested replies and actions shown under it (at most 11).
    pub suggestions: Vec<Suggestion>,
    /// The traffic type, when set (required for multi-use agents, unless the
    /// agent has a default: see [`TrafficType`]).
    pub traffic_type: Option<TrafficType>,
    /// When an undelivered message is revoked, when set.
    pub expiry: Option<Expiry>,
}

/// The content of a [`Reply`]: exactly one of the RBM content kinds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ReplyContent {
    /// Plain text (`text`, at most 3072 characters).
    #[serde(rename = "text")]
    Text(String),
    /// A standalone card or a carousel (`richCard`).
    #[serde(rename = "richCard")]
    RichCard(RichCard),
    /// A file the platform fetches from a URL (`contentInfo`).
    #[serde(rename = "contentInfo")]
    File(ContentInfo),
    /// A file uploaded to the platform beforehand (`uploadedRbmFile`).
    #[serde(rename = "uploadedRbmFile")]
    UploadedFile(UploadedRbmFile),
}

impl Reply {
    /// A message with the given content and nothing else.
    pub fn new(content: ReplyContent) -> Self {
        Self {
            content,
            suggestions: Vec::new(),
            traffic_type: None,
            expiry: None,
        }
    }

    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(ReplyContent::Text(text.into()))
    }

    /// A standalone rich card.
    pub fn card(card: StandaloneCard) -> Self {
        Self::new(ReplyContent::RichCard(RichCard::Standalone(card)))
    }

    /// A carousel of 2 to 10 cards of the given width.
    pub fn carousel(width: CardWidth, cards: impl IntoIterator<Item = CardContent>) -> Self {
        Self::new(ReplyContent::RichCard(RichCard::Carousel(CarouselCard {
            card_width: width,
            card_contents: cards.into_iter().collect(),
        })))
    }

    /// A file (image, video, PDF…) the platform fetches from `file_url`.
    pub fn file_url(file_url: impl Into<String>) -> Self {
        Self::file(ContentInfo::new(file_url))
    }

    /// A file described by a [`ContentInfo`] (with a thumbnail, say).
    pub fn file(content_info: ContentInfo) -> Self {
        Self::new(ReplyContent::File(content_info))
    }

    /// A file uploaded to the RBM platform beforehand: its upload name
    /// (`"files/…"`) or an [`UploadedRbmFile`] with its thumbnail.
    pub fn uploaded_file(file: impl Into<UploadedRbmFile>) -> Self {
        Self::new(ReplyContent::UploadedFile(file.into()))
    }

    /// Adds a suggested reply: tapping it sends `postback_data` back.
    pub fn suggest_reply(
        mut self,
        text: impl Into<String>,
        postback_data: impl Into<String>,
    ) -> Self {
        self.suggestions
            .push(Suggestion::reply(text, postback_data));
        self
    }

    /// Adds a suggestion (reply or action).
    pub fn suggest(mut self, suggestion: Suggestion) -> Self {
        self.suggestions.push(suggestion);
        self
    }

    /// Sets the traffic type (`messageTrafficType`). Agents of the multi-use
    /// billing category must set one on every message (the API refuses a
    /// message without), unless the agent has a default for all its messages,
    /// `RBM_MESSAGE_TRAFFIC_TYPE`; a type set here wins over that default.
    pub fn traffic_type(mut self, traffic_type: TrafficType) -> Self {
        self.traffic_type = Some(traffic_type);
        self
    }

    /// Revokes the message if it is still undelivered after `ttl` (more than
    /// zero, at most 15 days).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.expiry = Some(Expiry::Ttl(ttl));
        self
    }

    /// Revokes the message if it is still undelivered at `time` (after the
    /// time of sending, at most 15 days later).
    pub fn expire_at(mut self, time: DateTime<Utc>) -> Self {
        self.expiry = Some(Expiry::ExpireTime(time));
        self
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match &self.content {
            ReplyContent::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// The wire shape of an agent message; `Reply` keeps a flatter model.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentMessageBody<'a> {
    content_message: ContentMessageBody<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_traffic_type: Option<TrafficType>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    expiry: Option<&'a Expiry>,
}

#[derive(Serialize)]
struct ContentMessageBody<'a> {
    #[serde(flatten)]
    content: &'a ReplyContent,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    suggestions: &'a [Suggestion],
}

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AgentMessageBody {
            content_message: ContentMessageBody {
                content: &self.content,
                suggestions: &self.suggestions,
            },
            message_traffic_type: self.traffic_type,
            expiry: self.expiry.as_ref(),
        }
        .serialize(serializer)
    }
}

impl From<&str> for Reply {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<String> for Reply {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<StandaloneCard> for Reply {
    fn from(card: StandaloneCard) -> Self {
        Self::card(card)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.content {
            ReplyContent::Text(text) => write!(f, "{text:?}")?,
            ReplyContent::RichCard(RichCard::Standalone(card)) => {
                f.write_str("<card")?;
                if let Some(title) = &card.card_content.title {
                    write!(f, " {title:?}")?;
                }
                f.write_str(">")?;
            }
            ReplyContent::RichCard(RichCard::Carousel(carousel)) => {
                let count = carousel.card_contents.len();
                write!(f, "<carousel of {}>", validate::cards(count))?;
            }
            ReplyContent::File(info) => write!(f, "<file {}>", info.file_url)?,
            ReplyContent::UploadedFile(file) => write!(f, "<uploaded file {}>", file.file_name)?,
        }
        for suggestion in &self.suggestions {
            write!(f, " [{}]", suggestion.text())?;
        }
        Ok(())
    }
}
