//! What one delivery produced, with assertions that print the whole exchange
//! when they fail.

use std::fmt;
use std::ops::Deref;

use hyper::StatusCode;

use super::sent::{AgentMessage, Chip, SentEvent};

/// The webhook's answer to one delivery and what the agent sent while
/// handling it. Derefs to the messages: `replies[0].as_text()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Replies {
    status: StatusCode,
    messages: Vec<AgentMessage>,
    events: Vec<SentEvent>,
    failure: Option<String>,
}

impl Replies {
    /// Assembles an exchange (transports build these).
    pub fn new(status: StatusCode, messages: Vec<AgentMessage>, events: Vec<SentEvent>) -> Self {
        Self {
            status,
            messages,
            events,
            failure: None,
        }
    }

    /// The HTTP status the webhook answered.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Why the agent did not handle the delivery (its handler's error, a
    /// panic, a store failure), or why a reply it returned was not sent (a
    /// limit it broke), when the bot is in this process
    /// ([`TestBot`](super::TestBot)): `None` if all went well. In inbox
    /// mode a failed delivery is still acknowledged (`200`) and tried again
    /// later; this says why its first attempt failed.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// These replies, with why handling failed.
    pub fn with_failure(mut self, failure: Option<String>) -> Self {
        self.failure = failure;
        self
    }

    /// The agent messages sent, in order.
    pub fn messages(&self) -> &[AgentMessage] {
        &self.messages
    }

    /// The agent events (read receipts, typing) sent, in order.
    pub fn events(&self) -> &[SentEvent] {
        &self.events
    }

    /// The texts of the text messages, in order.
    pub fn texts(&self) -> Vec<&str> {
        self.messages
            .iter()
            .filter_map(AgentMessage::as_text)
            .collect()
    }

    /// Panics (showing the exchange) unless the webhook answered `status`.
    #[track_caller]
    pub fn expect_status(&self, status: StatusCode) -> &Self {
        if self.status != status {
            panic!("expected status {status}, got:\n{self}");
        }
        self
    }

    /// Panics (showing the exchange) unless the delivery was accepted (200)
    /// and one of the messages is exactly the text `text` (same case, same
    /// whitespace, the whole text).
    #[track_caller]
    pub fn expect_text(&self, text: &str) -> &Self {
        if self.status != StatusCode::OK || !self.texts().contains(&text) {
            panic!("expected the reply {text:?}, got:\n{self}");
        }
        self
    }

    /// Panics (showing the exchange) unless the delivery was accepted (200)
    /// and the text messages are exactly `texts`, in order.
    #[track_caller]
    pub fn expect_texts(&self, texts: &[&str]) -> &Self {
        if self.status != StatusCode::OK || self.texts() != texts {
            panic!("expected the replies {texts:?}, got:\n{self}");
        }
        self
    }

    /// Panics (showing the exchange) unless the delivery was accepted (200)
    /// and nothing was sent back.
    #[track_caller]
    pub fn expect_no_reply(&self) -> &Self {
        if self.status != StatusCode::OK || !self.messages.is_empty() {
            panic!("expected no reply, got:\n{self}");
        }
        self
    }

    /// The first button or chip labelled `label` in any message; panics
    /// (showing the exchange) when there is none.
    #[track_caller]
    pub fn expect_button(&self, label: &str) -> &Chip {
        match self.messages.iter().find_map(|m| m.button(label)) {
            Some(chip) => chip,
            None => panic!("expected a button {label:?}, got:\n{self}"),
        }
    }
}

impl Deref for Replies {
    type Target = [AgentMessage];

    fn deref(&self) -> &[AgentMessage] {
        &self.messages
    }
}

impl<'a> IntoIterator for &'a Replies {
    type Item = &'a AgentMessage;
    type IntoIter = std::slice::Iter<'a, AgentMessage>;

    fn into_iter(self) -> Self::IntoIter {
        self.messages.iter()
    }
}

impl fmt::Display for Replies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  status {}", self.status)?;
        if let Some(failure) = &self.failure {
            writeln!(f, "  problem: {failure}")?;
        }
        if self.messages.is_empty() {
            writeln!(f, "  (no reply)")?;
        }
        for (i, message) in self.messages.iter().enumerate() {
            writeln!(f, "  [{i}] {message}")?;
        }
        for event in &self.events {
            writeln!(f, "  event {}", event.event_type)?;
        }
        Ok(())
    }
}
