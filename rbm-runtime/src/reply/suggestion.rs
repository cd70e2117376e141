//! Suggested replies and actions shown under a message.

use serde::Serialize;

/// A chip under a message: a suggested reply or action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Suggestion {
    /// Tapping it sends `postback_data` back as a suggestion response.
    Reply {
        /// The chip's label.
        text: String,
        /// What comes back when it is tapped.
        postback_data: String,
    },
}

impl Suggestion {
    /// A suggested reply.
    pub fn reply(text: impl Into<String>, postback_data: impl Into<String>) -> Self {
        Self::Reply {
            text: text.into(),
            postback_data: postback_data.into(),
        }
    }

    /// The chip's label.
    pub fn text(&self) -> &str {
        match self {
            Self::Reply { text, .. } => text,
        }
    }

    /// The postback data a tap sends back.
    pub fn postback_data(&self) -> &str {
        match self {
            Self::Reply { postback_data, .. } => postback_data,
        }
    }
}
