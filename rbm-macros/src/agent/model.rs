//! What `parse` makes of the user's impl: handlers and their routes.

use proc_macro2::{Span, TokenStream};
use syn::{Ident, Type};

use crate::exports::{self, Export};

/// One annotated handler method.
pub(crate) struct Handler {
    /// The method's name.
    pub(crate) ident: Ident,
    /// Whether it takes `&self` (otherwise it is an associated function).
    pub(crate) takes_self: bool,
    /// Its typed parameters, in order (without the receiver).
    pub(crate) params: Vec<Param>,
    /// The span of its return type (the name when it returns `()`).
    pub(crate) output_span: Span,
    /// The first line of its doc comment.
    pub(crate) doc: String,
}

/// One typed parameter of a handler.
pub(crate) struct Param {
    /// Its type as written.
    pub(crate) ty: Type,
    /// Its name, when the pattern is a plain identifier.
    pub(crate) name: Option<String>,
    /// `T` when the type is written `Option<T>`.
    pub(crate) option_of: Option<Type>,
}

/// One route: a route attribute on a handler.
pub(crate) struct Route {
    /// The index of its handler.
    pub(crate) handler: usize,
    /// What it matches.
    pub(crate) matcher: Matcher,
    /// The attribute as written, canonically formatted, for logs.
    pub(crate) pattern: String,
    /// The attribute's tokens, to point errors at the whole attribute.
    pub(crate) tokens: TokenStream,
    /// The span of its string literal (text, regex, template...), if any.
    pub(crate) literal: Option<Span>,
}

/// What a route matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Matcher {
    /// A text message: exactly `value` (`None`: any text).
    Text {
        value: Option<String>,
        ignore_case: bool,
    },
    /// A text message whose first word is `word`.
    Command { word: String, ignore_case: bool },
    /// A text message starting with `value`.
    Prefix { value: String, ignore_case: bool },
    /// A text message matching a regular expression.
    Regex {
        source: String,
        ignore_case: bool,
        names: Vec<String>,
    },
    /// A suggestion response.
    Postback(Postback),
    /// A shared location.
    Location,
    /// A user file, optionally of some MIME types.
    File(Mime),
    /// Any message no other route took.
    Fallback,
    /// User events of the given types (empty: any type).
    UserEvent(Vec<&'static str>),
    /// Server events of the given types (empty: any type).
    ServerEvent(Vec<&'static str>),
    /// Launch events whose new state is one of these (empty: any).
    LaunchEvent(Vec<&'static str>),
    /// A payload of no known kind.
    Unknown,
}

/// What a postback route matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Postback {
    /// Exactly this data.
    Exact(String),
    /// Data of this shape.
    Template(Vec<Piece>),
    /// Any postback data.
    Any,
}

/// A piece of a postback template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Verbatim text.
    Literal(String),
    /// A named segment.
    Segment(String),
}

/// The MIME filter of a file route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mime {
    /// Exactly this essence, lowercase (`image/png`).
    Exact(String),
    /// Any subtype of this top-level type (`image/*`).
    TopLevel(String),
    /// Any file.
    Any,
}

impl Matcher {
    /// The parameter trait of the route kind.
    pub(crate) fn param_trait(&self) -> Export {
        match self {
            Self::Text { .. } => exports::TEXT_PARAM,
            Self::Command { .. } | Self::Prefix { .. } => exports::PREFIX_PARAM,
            Self::Regex { .. } => exports::REGEX_PARAM,
            Self::Postback(_) => exports::POSTBACK_PARAM,
            Self::Location => exports::LOCATION_PARAM,
            Self::File(_) => exports::FILE_PARAM,
            Self::Fallback => exports::MESSAGE_PARAM,
            Self::UserEvent(_) => exports::USER_EVENT_PARAM,
            Self::ServerEvent(_) => exports::SERVER_EVENT_PARAM,
            Self::LaunchEvent(_) => exports::LAUNCH_EVENT_PARAM,
            Self::Unknown => exports::UNKNOWN_PARAM,
        }
    }

    /// The names a parameter can take to receive a regex group or a
    /// template segment by name.
    pub(crate) fn named_values(&self) -> Vec<&str> {
        match self {
            Self::Regex { names, .. } => names.iter().map(String::as_str).collect(),
            Self::Postback(Postback::Template(pieces)) => pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Segment(name) => Some(name.as_str()),
                    Piece::Literal(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}
