//! The extractor types: what a handler parameter can be, by type.
//!
//! Each is a thin newtype over what the payload carries, so a handler's
//! signature says what it needs and a unit test can build the values by hand.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use super::input::Input;
use crate::agent::Delivery;
use crate::context::Context;
use crate::protocol::{
    AgentLaunchEvent, Location, Payload, SendTime, ServerEvent, ServerEventType,
    SuggestionResponse, UnknownPayload, UserEvent, UserEventType, UserFile, UserMessage,
};

/// Declares a `String` newtype extractor with `Deref<Target = str>`, `Display`
/// and conversions, so it reads like the string it wraps.
macro_rules! string_extractor {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The wrapped string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_extractor! {
    /// The user's phone number (E.164): the sender of a message or user
    /// event, the recipient of a server event.
    PhoneNumber
}

string_extractor! {
    /// The payload's `messageId`. On a user message: the user's message (absent
    /// on some suggested-action taps). On `DELIVERED`/`READ` and server events:
    /// the agent's earlier message.
    MessageId
}

string_extractor! {
    /// The payload's `eventId` (events, and suggested-action taps).
    EventId
}

string_extractor! {
    /// The agent the payload is for (`name@rbm.goog`).
    AgentId
}

string_extractor! {
    /// The whole text of a text message.
    Text
}

string_extractor! {
    /// The `postbackData` of the suggestion the user tapped.
    PostbackData
}

/// On a `prefix` or `command` route: the text after the prefix or command,
/// without leading whitespace, parsed as `T`. If it does not parse, the
/// route does not match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rest<T = String>(pub T);

impl<T> Rest<T> {
    /// The parsed value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Rest<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Display> fmt::Display for Rest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// On a `regex` route: the groups the regular expression captured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Captures {
    groups: Vec<(Option<String>, Option<String>)>,
}

impl Captures {
    /// Captures from `(name, value)` pairs in group order; group 0 is the
    /// whole match. Handy to call a handler from a unit test.
    pub fn from_groups<N, V>(groups: impl IntoIterator<Item = (Option<N>, Option<V>)>) -> Self
    where
        N: Into<String>,
        V: Into<String>,
    {
        Self {
            groups: groups
                .into_iter()
                .map(|(n, v)| (n.map(Into::into), v.map(Into::into)))
                .collect(),
        }
    }

    /// The text of group `index` (0 is the whole match), if it took part.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.groups.get(index)?.1.as_deref()
    }

    /// The text of the group named `name`, if it took part.
    pub fn name(&self, name: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))?
            .1
            .as_deref()
    }

    /// The number of groups, including group 0.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups at all (never true for a real match).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub(crate) fn from_regex(regex: &regex::Regex, caps: &regex::Captures<'_>) -> Self {
        Self {
            groups: regex
                .capture_names()
                .zip(caps.iter())
                .map(|(n, m)| (n.map(str::to_owned), m.map(|m| m.as_str().to_owned())))
                .collect(),
        }
    }
}

impl std::ops::Index<&str> for Captures {
    type Output = str;

    /// The group named `name`. Panics if it did not take part in the match.
    fn index(&self, name: &str) -> &str {
        match self.name(name) {
            Some(value) => value,
            None => panic!("no group named {name:?} took part in the match"),
        }
    }
}

/// The one extraction of each type, shared by every route kind that allows
/// it; the per-kind traits in `kinds` decide where it may be used.
#[doc(hidden)]
pub(crate) trait Extractor<'a>: Sized {
    /// The value, or `None` when this delivery does not have it.
    fn get(input: &Input<'a>) -> Option<Self>;
}

fn message<'a>(input: &Input<'a>) -> Option<&'a UserMessage> {
    match &input.delivery().payload {
        Payload::Message(message) => Some(message),
        _ => None,
    }
}

impl<'a> Extractor<'a> for PhoneNumber {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.delivery().payload.phone_number().map(Self::from)
    }
}

impl<'a> Extractor<'a> for MessageId {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.delivery().payload.message_id().map(Self::from)
    }
}

impl<'a> Extractor<'a> for EventId {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.delivery().payload.event_id().map(Self::from)
    }
}

impl<'a> Extractor<'a> for AgentId {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.delivery().payload.agent_id().map(Self::from)
    }
}

impl<'a> Extractor<'a> for SendTime {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.delivery().payload.send_time().cloned()
    }
}

impl<'a> Extractor<'a> for Text {
    fn get(input: &Input<'a>) -> Option<Self> {
        message(input)?.text().map(Self::from)
    }
}

impl<'a> Extractor<'a> for PostbackData {
    fn get(input: &Input<'a>) -> Option<Self> {
        message(input)?.postback_data().map(Self::from)
    }
}

impl<'a, T: FromStr> Extractor<'a> for Rest<T> {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.rest()?.parse().ok().map(Rest)
    }
}

impl<'a> Extractor<'a> for Captures {
    fn get(input: &Input<'a>) -> Option<Self> {
        input.captures()
    }
}

impl<'a> Extractor<'a> for Location {
    fn get(input: &Input<'a>) -> Option<Self> {
        message(input)?.location().copied()
    }
}

impl<'a> Extractor<'a> for UserFile {
    fn get(input: &Input<'a>) -> Option<Self> {
        message(input)?.user_file().cloned()
    }
}

impl<'a> Extractor<'a> for &'a UserFile {
    fn get(input: &Input<'a>) -> Option<Self> {
        message(input)?.user_file()
    }
}

impl<'a> Extractor<'a> for &'a SuggestionResponse {
    fn get(input: &Input<'a>) -> Option<Self> {
        match &message(input)?.content {
            crate::protocol::MessageContent::SuggestionResponse(response) => Some(response),
            _ => None,
        }
    }
}

impl<'a> Extractor<'a> for &'a UserMessage {
    fn get(input: &Input<'a>) -> Option<Self> {
        message(input)
    }
}

impl<'a> Extractor<'a> for &'a UserEvent {
    fn get(input: &Input<'a>) -> Option<Self> {
        match &input.delivery().payload {
            Payload::UserEvent(event) => Some(event),
            _ => None,
        }
    }
}

impl<'a> Extractor<'a> for UserEventType {
    fn get(input: &Input<'a>) -> Option<Self> {
        <&UserEvent>::get(input).map(|event| event.event_type.clone())
    }
}

impl<'a> Extractor<'a> for &'a ServerEvent {
    fn get(input: &Input<'a>) -> Option<Self> {
        match &input.delivery().payload {
            Payload::ServerEvent(event) => Some(event),
            _ => None,
        }
    }
}

impl<'a> Extractor<'a> for ServerEventType {
    fn get(input: &Input<'a>) -> Option<Self> {
        <&ServerEvent>::get(input).map(|event| event.event_type.clone())
    }
}

impl<'a> Extractor<'a> for &'a AgentLaunchEvent {
    fn get(input: &Input<'a>) -> Option<Self> {
        match &input.delivery().payload {
            Payload::LaunchEvent(event) => Some(event),
            _ => None,
        }
    }
}

impl<'a> Extractor<'a> for &'a UnknownPayload {
    fn get(input: &Input<'a>) -> Option<Self> {
        match &input.delivery().payload {
            Payload::Unknown(unknown) => Some(unknown),
            _ => None,
        }
    }
}

impl<'a> Extractor<'a> for &'a Context {
    fn get(input: &Input<'a>) -> Option<Self> {
        Some(input.context())
    }
}

impl<'a> Extractor<'a> for &'a Delivery {
    fn get(input: &Input<'a>) -> Option<Self> {
        Some(input.delivery())
    }
}
