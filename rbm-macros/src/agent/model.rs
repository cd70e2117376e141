//! The model of an agent: what `parse` reads from the user's impl (handlers,
//! route attributes as typed keys) and what `validate` makes of it (routes
//! with what they match).

use proc_macro2::{Span, TokenStream};
use syn::{Ident, LitStr, Signature, Type};

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
    /// Its signature, for validation.
    pub(crate) sig: Signature,
}

/// The route attributes `#[rbm_agent]` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrKind {
    /// `#[on_message]`.
    Message,
    /// `#[on_event]`.
    Event,
    /// `#[on_server_event]`.
    ServerEvent,
    /// `#[on_launch_event]`.
    LaunchEvent,
    /// `#[on_unknown]`.
    Unknown,
}

/// One key of a route attribute, as written, with its value. Parsing makes
/// these once; later stages match on them, never on key names.
#[derive(Clone)]
pub(crate) enum Key {
    /// `text = "..."`, or `text` alone.
    Text(Ident, Option<LitStr>),
    /// `ignore_case`.
    IgnoreCase(Ident),
    /// `prefix = "..."`.
    Prefix(Ident, LitStr),
    /// `command = "..."`.
    Command(Ident, LitStr),
    /// `regex = "..."`.
    Regex(Ident, LitStr),
    /// `postback = "..."`, or `postback` alone.
    Postback(Ident, Option<LitStr>),
    /// `location`.
    Location(Ident),
    /// `file`.
    File(Ident),
    /// `mime = "..."`.
    Mime(Ident, LitStr),
    /// An event type or launch state of the event attributes, with the
    /// variant of the runtime's enum it selects.
    Event(Ident, &'static str),
    /// `state = "Variant"`: the route matches only in that state.
    State(Ident, LitStr),
}

impl Key {
    /// The key's name, as written.
    pub(crate) fn ident(&self) -> &Ident {
        match self {
            Self::Text(ident, _)
            | Self::IgnoreCase(ident)
            | Self::Prefix(ident, _)
            | Self::Command(ident, _)
            | Self::Regex(ident, _)
            | Self::Postback(ident, _)
            | Self::Location(ident)
            | Self::File(ident)
            | Self::Mime(ident, _)
            | Self::Event(ident, _)
            | Self::State(ident, _) => ident,
        }
    }

    /// Its string literal, if it has one.
    pub(crate) fn literal(&self) -> Option<&LitStr> {
        match self {
            Self::Text(_, lit) | Self::Postback(_, lit) => lit.as_ref(),
            Self::Prefix(_, lit)
            | Self::Command(_, lit)
            | Self::Regex(_, lit)
            | Self::Mime(_, lit)
            | Self::State(_, lit) => Some(lit),
            Self::IgnoreCase(_) | Self::Location(_) | Self::File(_) | Self::Event(..) => None,
        }
    }
}

/// One route attribute of a handler, as parsed.
pub(crate) struct RouteAttr {
    /// The index of its handler.
    pub(crate) handler: usize,
    /// Its position among the handler's route attributes.
    pub(crate) position: usize,
    /// Which attribute it is.
    pub(crate) kind: AttrKind,
    /// Its keys in the order written (none: the attribute without a list).
    pub(crate) keys: Vec<Key>,
    /// The attribute's tokens, to point errors at the whole attribute.
    pub(crate) tokens: TokenStream,
    /// Whether it parsed without a syntax error (otherwise it makes no route).
    pub(crate) parsed: bool,
}

/// One typed parameter of a handler.
pub(crate) struct Param {
    /// Its type as written.
    pub(crate) ty: Type,
    /// Its name, when the pattern is a plain identifier.
    pub(crate) name: Option<String>,
    /// `T` when the type is written `Option<T>`.
    pub(crate) option_of: Option<Type>,
    /// `T` when the type is written `&mut T`: the conversation state.
    pub(crate) state_of: Option<Type>,
    /// The whole parameter (`name: Type`), to point errors at.
    pub(crate) tokens: TokenStream,
}

impl Handler {
    /// The index of the parameter that takes the conversation state, if
    /// one does (validation leaves at most one).
    pub(crate) fn state_param(&self) -> Option<usize> {
        self.params.iter().position(|p| p.state_of.is_some())
    }
}

impl RouteAttr {
    /// The attribute as written, canonically formatted, for logs.
    pub(crate) fn pattern(&self) -> String {
        let name = self.kind.name();
        if self.keys.is_empty() {
            return name.to_string();
        }
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|key| match key.literal() {
                Some(lit) => format!("{} = {}", key.ident(), quoted(&lit.value())),
                None => key.ident().to_string(),
            })
            .collect();
        format!("{name}({})", keys.join(", "))
    }
}

/// A string as it would be written in the attribute: raw when it has
/// backslashes or quotes, so a regex reads in logs as in the source.
fn quoted(value: &str) -> String {
    if value.contains(['\\', '"']) {
        let hashes = "#".repeat(value.matches('"').count().min(1));
        format!("r{hashes}\"{value}\"{hashes}")
    } else {
        format!("\"{value}\"")
    }
}

/// One route: a route attribute on a handler, validated.
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
    /// The state the route is limited to (`state = "Variant"`), if any.
    pub(crate) filter: Option<StateFilter>,
}

/// A route's `state = "Variant"`: the variant of the agent's state type
/// the current state must be for the route to match.
#[derive(Clone)]
pub(crate) struct StateFilter {
    /// The variant, spanned on the string literal, so that rustc's error
    /// about a variant the type does not have points there.
    pub(crate) variant: Ident,
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
