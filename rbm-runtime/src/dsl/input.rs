//! What generated dispatch code hands to extractors for one route attempt.

use super::extract::Captures;
use crate::agent::Delivery;
use crate::context::Context;

/// What a route's matcher found in a delivery, for its extractors.
#[doc(hidden)]
#[derive(Debug)]
pub enum Found<'a> {
    /// Nothing beyond the delivery (exact texts, any text...).
    Nothing,
    /// The text after a prefix or command.
    Rest(&'a str),
    /// A regex and its captures.
    Captures(&'a regex::Regex, regex::Captures<'a>),
    /// The named segments of a postback template.
    Segments(Vec<(&'static str, &'a str)>),
}

/// The delivery being dispatched plus what the matching route found in it
/// (regex captures, template segments, the rest after a prefix).
#[doc(hidden)]
#[derive(Debug)]
pub struct Input<'a> {
    delivery: &'a Delivery,
    ctx: &'a Context,
    regex: Option<(&'a regex::Regex, regex::Captures<'a>)>,
    segments: Vec<(&'static str, &'a str)>,
    rest: Option<&'a str>,
}

impl<'a> Input<'a> {
    /// The input of a route that matched without capturing anything.
    pub fn new(delivery: &'a Delivery, ctx: &'a Context) -> Self {
        Self {
            delivery,
            ctx,
            regex: None,
            segments: Vec::new(),
            rest: None,
        }
    }

    /// Adds the captures of a matching regular expression.
    pub fn with_captures(mut self, regex: &'a regex::Regex, caps: regex::Captures<'a>) -> Self {
        self.regex = Some((regex, caps));
        self
    }

    /// Adds the named segments of a matching postback template.
    pub fn with_segments(mut self, segments: Vec<(&'static str, &'a str)>) -> Self {
        self.segments = segments;
        self
    }

    /// Adds what the matching route found (see [`Found`]).
    pub fn with_found(self, found: Found<'a>) -> Self {
        match found {
            Found::Nothing => self,
            Found::Rest(rest) => self.with_rest(rest),
            Found::Captures(regex, caps) => self.with_captures(regex, caps),
            Found::Segments(segments) => self.with_segments(segments),
        }
    }

    /// Adds the text after a matching prefix or command.
    pub fn with_rest(mut self, rest: &'a str) -> Self {
        self.rest = Some(rest);
        self
    }

    /// The delivery being dispatched.
    pub fn delivery(&self) -> &'a Delivery {
        self.delivery
    }

    /// The handling context.
    pub fn context(&self) -> &'a Context {
        self.ctx
    }

    /// The text after the prefix or command, on such routes.
    pub fn rest(&self) -> Option<&'a str> {
        self.rest
    }

    /// All regex captures, on regex routes.
    pub fn captures(&self) -> Option<Captures> {
        let (regex, caps) = self.regex.as_ref()?;
        Some(Captures::from_regex(regex, caps))
    }

    /// A named regex group or template segment, if it took part in the match.
    pub fn named(&self, name: &str) -> Option<&'a str> {
        if let Some((_, caps)) = &self.regex {
            return caps.name(name).map(|m| m.as_str());
        }
        self.segments
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| *value)
    }
}
