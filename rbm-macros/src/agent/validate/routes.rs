//! Checks that need every route at once: duplicates, unreachable routes and
//! a single fallback.
//!
//! A route's `state = "Variant"` filter is part of what it matches: the same
//! matcher in two states (or in one state and in none) makes two routes that
//! can both run; the same matcher with the same filter twice does not.

use std::collections::HashMap;

use crate::agent::errors::Errors;
use crate::agent::model::{Handler, Matcher, Mime, Piece, Postback, Route};
use crate::agent::{template, types};

/// Records every problem; returns which routes are sound enough to dispatch.
pub(crate) fn check(handlers: &[Handler], routes: &[Route], errors: &mut Errors) -> Vec<bool> {
    let mut keep = vec![true; routes.len()];
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut templates: Vec<(usize, String, Vec<Option<String>>)> = Vec::new();
    for (index, route) in routes.iter().enumerate() {
        let state = filter_key(route);
        if let Matcher::Postback(Postback::Template(pieces)) = &route.matcher {
            let skeleton = format!("{}{state}", template::skeleton(pieces));
            let types = segment_types(pieces, &handlers[route.handler]);
            let shadowing = templates
                .iter()
                .find(|(_, other, earlier)| *other == skeleton && shadows(earlier, &types));
            match shadowing {
                Some(&(first, _, ref earlier)) => {
                    shadowed_template(handlers, &routes[first], earlier, route, &types, errors);
                    keep[index] = false;
                }
                None => templates.push((index, skeleton, types)),
            }
        }
        for key in match_keys(&route.matcher) {
            let key = format!("{key}{state}");
            match seen.get(&key) {
                Some(&first) => {
                    duplicate(handlers, &routes[first], route, errors);
                    keep[index] = false;
                }
                None => {
                    seen.insert(key, index);
                }
            }
        }
    }
    keep
}

/// What keeps routes of one matcher apart: the state they are limited to.
fn filter_key(route: &Route) -> String {
    match &route.filter {
        Some(filter) => format!(" in state {}", filter.variant),
        None => String::new(),
    }
}

fn duplicate(handlers: &[Handler], first: &Route, again: &Route, errors: &mut Errors) {
    let name = |r: &Route| handlers[r.handler].ident.to_string();
    let message = if again.matcher == Matcher::Fallback {
        format!(
            "more than one fallback: `{}` and `{}` both have `#[on_message]` without keys{}; keep one",
            name(first),
            name(again),
            match &again.filter {
                Some(filter) => format!(" but `state = \"{}\"`", filter.variant),
                None => String::new(),
            }
        )
    } else {
        format!(
            "unreachable route: `#[{}]` on `{}` matches exactly what `#[{}]` on `{}` already matches, so it can never run",
            again.pattern,
            name(again),
            first.pattern,
            name(first)
        )
    };
    match again.literal {
        Some(span) => errors.at(span, message),
        None => errors.spanned(&again.tokens, message),
    }
}

/// The type of the parameter taking each segment of a template, in the
/// canonical spelling of [`types::canonical`] (`T` for `Option<T>`), in
/// order; `None` for a segment that takes any text: a `String` parameter,
/// or an ignored `{_name}`. A `type` alias is compared as written (a macro
/// cannot resolve it), so an alias of `String` is not seen to take any text.
fn segment_types(pieces: &[Piece], handler: &Handler) -> Vec<Option<String>> {
    pieces
        .iter()
        .filter_map(|piece| match piece {
            Piece::Segment(name) => Some(name),
            Piece::Literal(_) => None,
        })
        .map(|name| {
            let param = handler
                .params
                .iter()
                .find(|p| p.name.as_deref() == Some(name))?;
            let ty = param.option_of.as_ref().unwrap_or(&param.ty);
            (!types::is_string(ty)).then(|| types::canonical(ty))
        })
        .collect()
}

/// Whether an earlier template of the same shape takes every postback a
/// later one could: each of its segments takes any text or has the same
/// type. Templates of one shape are tried in declaration order, so
/// `{n}` as `u32` before `{word}` as `String` is fine, the reverse is not.
fn shadows(earlier: &[Option<String>], later: &[Option<String>]) -> bool {
    earlier
        .iter()
        .zip(later)
        .all(|(e, l)| e.is_none() || e == l)
}

fn shadowed_template(
    handlers: &[Handler],
    first: &Route,
    earlier: &[Option<String>],
    again: &Route,
    types: &[Option<String>],
    errors: &mut Errors,
) {
    let name = |r: &Route| handlers[r.handler].ident.to_string();
    let why = if earlier == types {
        "its segments have the same types".to_string()
    } else {
        "each segment of the first takes any text (a `String` or an ignored `{_name}`) or has the same type".to_string()
    };
    let message = format!(
        "unreachable route: `#[{}]` on `{}` has the same shape as `#[{}]` on `{}`, and {why}, so the first takes every postback this one could match; \
         templates of one shape are tried in declaration order, so give their segments different types and declare the more specific one first \
         (e.g. `qty:{{n}}` with `n: u32` before `qty:{{word}}` with `word: String`), or merge the two handlers",
        again.pattern,
        name(again),
        first.pattern,
        name(first),
    );
    match again.literal {
        Some(span) => errors.at(span, message),
        None => errors.spanned(&again.tokens, message),
    }
}

/// What a route matches, reduced to keys: two routes with a common key
/// match the same deliveries at the same priority, so the second never runs.
fn match_keys(matcher: &Matcher) -> Vec<String> {
    let case = |value: &str, ignore_case: bool| {
        if ignore_case {
            format!("ignore_case:{}", value.to_lowercase())
        } else {
            format!("exact:{value}")
        }
    };
    let key = match matcher {
        Matcher::Text {
            value: Some(v),
            ignore_case,
        } => format!("text {}", case(v, *ignore_case)),
        Matcher::Text { value: None, .. } => "text any".into(),
        Matcher::Command { word, ignore_case } => format!("command {}", case(word, *ignore_case)),
        Matcher::Prefix { value, ignore_case } => format!("prefix {}", case(value, *ignore_case)),
        Matcher::Regex {
            source,
            ignore_case,
            ..
        } => format!("regex {ignore_case} {source}"),
        Matcher::Postback(Postback::Exact(v)) => format!("postback exact {v}"),
        // Templates of one shape may differ by segment types: see `shadows`.
        Matcher::Postback(Postback::Template(_)) => return Vec::new(),
        Matcher::Postback(Postback::Any) => "postback any".into(),
        Matcher::Location => "location".into(),
        Matcher::File(Mime::Exact(m)) => format!("file {m}"),
        Matcher::File(Mime::TopLevel(t)) => format!("file {t}/*"),
        Matcher::File(Mime::Any) => "file any".into(),
        Matcher::Fallback => "fallback".into(),
        Matcher::Unknown => "unknown".into(),
        Matcher::UserEvent(types) => return event_keys("user event", types),
        Matcher::ServerEvent(types) => return event_keys("server event", types),
        Matcher::LaunchEvent(states) => return event_keys("launch event", states),
    };
    vec![key]
}

fn event_keys(kind: &str, types: &[&str]) -> Vec<String> {
    if types.is_empty() {
        return vec![format!("{kind} any")];
    }
    types.iter().map(|t| format!("{kind} {t}")).collect()
}
