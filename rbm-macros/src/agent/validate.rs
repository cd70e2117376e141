//! Checks that need every route at once: duplicates, unreachable routes, a
//! single fallback, and template segments that some parameter takes.

use std::collections::HashMap;

use super::errors::Errors;
use super::model::{Handler, Matcher, Mime, Piece, Postback, Route};
use super::parse::Agent;
use super::template;

/// Records every problem; returns which routes are sound enough to dispatch.
pub(crate) fn validate(agent: &Agent, errors: &mut Errors) -> Vec<bool> {
    let mut keep = vec![true; agent.routes.len()];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, route) in agent.routes.iter().enumerate() {
        for key in match_keys(&route.matcher) {
            match seen.get(&key) {
                Some(&first) => {
                    duplicate(agent, &agent.routes[first], route, errors);
                    keep[index] = false;
                }
                None => {
                    seen.insert(key, index);
                }
            }
        }
        let handler = &agent.handlers[route.handler];
        if !segments_taken(route, handler, errors) {
            keep[index] = false;
        }
    }
    keep
}

fn duplicate(agent: &Agent, first: &Route, again: &Route, errors: &mut Errors) {
    let name = |r: &Route| agent.handlers[r.handler].ident.to_string();
    let message = if again.matcher == Matcher::Fallback {
        format!(
            "more than one fallback: `{}` and `{}` both have `#[on_message]` without keys; keep one",
            name(first),
            name(again)
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
        Matcher::Postback(Postback::Template(pieces)) => {
            format!("postback template {}", template::skeleton(pieces))
        }
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

/// Every named segment of a template must reach a parameter (segments
/// named `_...` are matched and ignored).
fn segments_taken(route: &Route, handler: &Handler, errors: &mut Errors) -> bool {
    let Matcher::Postback(Postback::Template(pieces)) = &route.matcher else {
        return true;
    };
    let mut ok = true;
    for piece in pieces {
        let Piece::Segment(name) = piece else {
            continue;
        };
        let taken = handler
            .params
            .iter()
            .any(|p| p.name.as_deref() == Some(name));
        if taken || name.starts_with('_') {
            continue;
        }
        let message = format!(
            "template segment `{{{name}}}` is not taken by any parameter of `{}`: add a parameter `{name}: String` (or any `FromStr` type), or write `{{_{name}}}` to ignore it",
            handler.ident
        );
        match route.literal {
            Some(span) => errors.at(span, message),
            None => errors.spanned(&route.tokens, message),
        }
        ok = false;
    }
    ok
}
