//! What an agent sends: replies (agent messages) and agent events.

mod suggestion;

use std::fmt;

use serde::Serialize;

pub use suggestion::Suggestion;

/// One agent message to send to the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    /// The message's content.
    pub content: ReplyContent,
    /// Suggested replies and actions shown under it (at most 11).
    pub suggestions: Vec<Suggestion>,
}

/// The content of a [`Reply`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReplyContent {
    /// Plain text.
    Text(String),
}

impl Reply {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: ReplyContent::Text(text.into()),
            suggestions: Vec::new(),
        }
    }

    /// Adds a suggested reply: tapping it sends `postback_data` back.
    pub fn suggest_reply(mut self, text: impl Into<String>, postback_data: impl Into<String>) -> Self {
        self.suggestions.push(Suggestion::reply(text, postback_data));
        self
    }

    /// Adds a suggestion (reply or action).
    pub fn suggest(mut self, suggestion: Suggestion) -> Self {
        self.suggestions.push(suggestion);
        self
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match &self.content {
            ReplyContent::Text(text) => Some(text),
        }
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

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.content {
            ReplyContent::Text(text) => write!(f, "{text:?}")?,
        }
        for suggestion in &self.suggestions {
            write!(f, " [{}]", suggestion.text())?;
        }
        Ok(())
    }
}

/// An agent event: a read receipt or a typing indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AgentEvent {
    /// Tells the user their message was read.
    Read {
        /// The user's message id.
        message_id: String,
    },
    /// Shows the user that the agent is typing.
    IsTyping,
}
