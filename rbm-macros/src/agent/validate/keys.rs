//! What the keys of one route attribute mean together: one [`Matcher`], or
//! the errors saying why they cannot make one.

use std::mem::discriminant;

use proc_macro2::Span;
use syn::LitStr;

use crate::agent::errors::Errors;
use crate::agent::model::{AttrKind, Key, Matcher, Mime, Piece, Postback};
use crate::agent::{regex, template};

/// The kind of content an `#[on_message]` key selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Text,
    Prefix,
    Command,
    Regex,
    Postback,
    Location,
    File,
}

impl Content {
    /// The content `key` selects (`mime` selects files, as if `file` had
    /// been written); `None` for a key that only qualifies another.
    fn of(key: &Key) -> Option<Self> {
        Some(match key {
            Key::Text(..) => Self::Text,
            Key::Prefix(..) => Self::Prefix,
            Key::Command(..) => Self::Command,
            Key::Regex(..) => Self::Regex,
            Key::Postback(..) => Self::Postback,
            Key::Location(_) => Self::Location,
            Key::File(_) | Key::Mime(..) => Self::File,
            Key::IgnoreCase(_) | Key::Event(..) | Key::State(..) => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Prefix => "prefix",
            Self::Command => "command",
            Self::Regex => "regex",
            Self::Postback => "postback",
            Self::Location => "location",
            Self::File => "file",
        }
    }
}

/// The matcher of a route attribute's keys; `None` when they do not make
/// one (errors recorded).
pub(crate) fn matcher(kind: AttrKind, keys: &[Key], errors: &mut Errors) -> Option<Matcher> {
    let keys = once_each(keys, errors)?;
    match kind {
        AttrKind::Message => message(&keys, errors),
        AttrKind::Event => Some(Matcher::UserEvent(variants(&keys))),
        AttrKind::ServerEvent => Some(Matcher::ServerEvent(variants(&keys))),
        AttrKind::LaunchEvent => Some(Matcher::LaunchEvent(variants(&keys))),
        AttrKind::Unknown => Some(Matcher::Unknown),
    }
}

/// The keys, each given once; `None` (errors recorded) when one is repeated.
fn once_each<'k>(keys: &'k [Key], errors: &mut Errors) -> Option<Vec<&'k Key>> {
    let mut seen: Vec<&Key> = Vec::new();
    let mut ok = true;
    for key in keys {
        let same = |other: &&Key| match (key, *other) {
            (Key::Event(_, a), Key::Event(_, b)) => a == b,
            _ => discriminant(key) == discriminant(*other),
        };
        if seen.iter().any(same) {
            let ident = key.ident();
            errors.spanned(ident, format!("`{ident}` is given twice"));
            ok = false;
        } else {
            seen.push(key);
        }
    }
    ok.then_some(seen)
}

fn variants(keys: &[&Key]) -> Vec<&'static str> {
    keys.iter()
        .filter_map(|key| match key {
            Key::Event(_, variant) => Some(*variant),
            _ => None,
        })
        .collect()
}

/// The matcher of `#[on_message(...)]` keys (no keys: the fallback).
fn message(keys: &[&Key], errors: &mut Errors) -> Option<Matcher> {
    let mut contents = keys
        .iter()
        .filter_map(|key| Some((Content::of(key)?, key.ident().span())));
    let ignore_case = keys.iter().find_map(|key| match key {
        Key::IgnoreCase(ident) => Some(ident.span()),
        _ => None,
    });
    let Some((first, _)) = contents.next() else {
        if let Some(span) = ignore_case {
            errors.at(
                span,
                "`ignore_case` alone selects nothing: add `text = \"...\"`, `prefix`, `command` or `regex`",
            );
            return None;
        }
        return Some(Matcher::Fallback);
    };
    let mut ok = true;
    for (other, span) in contents.filter(|(c, _)| *c != first) {
        errors.at(
            span,
            format!(
                "`{}` cannot be combined with `{}`: a route matches one kind of content; \
                 put a second `#[on_message(...)]` on the handler to take both",
                other.name(),
                first.name()
            ),
        );
        ok = false;
    }
    let literal = |want: Content| {
        keys.iter().find_map(|key| match (key, want) {
            (Key::Text(_, lit), Content::Text) | (Key::Postback(_, lit), Content::Postback) => {
                lit.clone()
            }
            (Key::Prefix(_, lit), Content::Prefix)
            | (Key::Command(_, lit), Content::Command)
            | (Key::Regex(_, lit), Content::Regex)
            | (Key::Mime(_, lit), Content::File) => Some(lit.clone()),
            _ => None,
        })
    };
    let value = literal(first);
    let takes_case = matches!(first, Content::Prefix | Content::Command | Content::Regex)
        || (first == Content::Text && value.is_some());
    if let (Some(span), false) = (ignore_case, takes_case) {
        errors.at(
            span,
            "`ignore_case` applies to `text = \"...\"`, `prefix`, `command` and `regex` only",
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let ignore_case = ignore_case.is_some();
    match (first, value) {
        (Content::Text, value) => Some(Matcher::Text {
            value: value.map(|l| l.value()),
            ignore_case,
        }),
        (Content::Prefix, Some(lit)) => prefix(&lit, ignore_case, errors),
        (Content::Command, Some(lit)) => command(&lit, ignore_case, errors),
        (Content::Regex, Some(lit)) => match regex::check(&lit.value(), ignore_case) {
            Ok(names) => Some(Matcher::Regex {
                source: lit.value(),
                ignore_case,
                names,
            }),
            Err(error) => {
                errors.spanned(&lit, format!("invalid regular expression:\n{error}"));
                None
            }
        },
        (Content::Postback, None) => Some(Matcher::Postback(Postback::Any)),
        (Content::Postback, Some(lit)) => postback(&lit, errors),
        (Content::Location, _) => Some(Matcher::Location),
        (Content::File, None) => Some(Matcher::File(Mime::Any)),
        (Content::File, Some(lit)) => Some(Matcher::File(mime(&lit, errors)?)),
        // The parser gives these keys a value, always.
        (Content::Prefix | Content::Command | Content::Regex, None) => None,
    }
}

fn prefix(lit: &LitStr, ignore_case: bool, errors: &mut Errors) -> Option<Matcher> {
    if lit.value().is_empty() {
        errors.spanned(
            lit,
            "an empty prefix matches every text: use `text` to take any text",
        );
        return None;
    }
    Some(Matcher::Prefix {
        value: lit.value(),
        ignore_case,
    })
}

fn command(lit: &LitStr, ignore_case: bool, errors: &mut Errors) -> Option<Matcher> {
    let word = lit.value();
    if word.is_empty() || word.contains(char::is_whitespace) {
        errors.spanned(
            lit,
            "this command can never match: a command is the first word of the text, so it cannot be empty or contain whitespace (use `prefix` for that)",
        );
        return None;
    }
    Some(Matcher::Command { word, ignore_case })
}

/// Exact postback data, or a template when it has segments.
fn postback(lit: &LitStr, errors: &mut Errors) -> Option<Matcher> {
    let pieces = match template::parse(&lit.value()) {
        Ok(pieces) => pieces,
        Err(error) => {
            errors.spanned(lit, error);
            return None;
        }
    };
    Some(Matcher::Postback(
        if pieces.iter().any(|p| matches!(p, Piece::Segment(_))) {
            Postback::Template(pieces)
        } else {
            Postback::Exact(lit.value().replace("{{", "{").replace("}}", "}"))
        },
    ))
}

/// Parses a MIME filter: `type/subtype`, `type/*` or `*/*`.
fn mime(lit: &LitStr, errors: &mut Errors) -> Option<Mime> {
    let value = lit.value().trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match value.split_once('/') {
        Some(("*", "*")) => Some(Mime::Any),
        Some((top, "*")) if token(top) => Some(Mime::TopLevel(top.to_string())),
        Some((top, sub)) if token(top) && token(sub) => Some(Mime::Exact(value.clone())),
        _ => {
            errors.spanned(
                lit,
                "expected a MIME type such as `image/png`, a wildcard such as `image/*`, or `*/*`",
            );
            None
        }
    }
}

/// The span of the attribute's first string literal but a `state` filter,
/// where errors about what the route matches point.
pub(crate) fn literal_span(keys: &[Key]) -> Option<Span> {
    keys.iter()
        .filter(|key| !matches!(key, Key::State(..)))
        .find_map(|key| Some(key.literal()?.span()))
}
