//! A route's named values (regex groups, template segments) against its
//! handler's parameters, which take them by name, in both directions.
//!
//! - A value no parameter takes: a template segment is always an error (it
//!   exists only to be taken; `{_name}` is matched and ignored). So is a
//!   named regex group, unless the handler takes `Captures` (which reads
//!   every group): the `regex` crate has no backreferences, so a group's
//!   name changes nothing about what matches and only serves to be taken;
//!   `(?<_name>...)`, like `{_name}`, or `(?:...)` says a group only matches.
//! - A parameter named like no value: an error when its type is certainly
//!   a plain value ([`types::is_plain_value`], or an `Option` of one), which
//!   no extractor is, so it can only have meant a value. Any other type may
//!   be an extractor (`Text`, `Captures`...) or a user's `FromStr` type: a
//!   macro cannot tell, so the runtime's trait error about a parameter the
//!   route does not allow reports those.

use crate::agent::errors::Errors;
use crate::agent::model::{Handler, Key, Matcher, Param, Postback, RouteAttr};
use crate::agent::suggest;
use crate::agent::types;
use crate::agent::validate::keys;

/// What a route names values in.
#[derive(Clone, Copy)]
enum Source {
    /// A regular expression: its named groups.
    Regex,
    /// A postback template (or an exact postback, which has no segments).
    Template,
}

impl Source {
    fn of(matcher: &Matcher) -> Option<Self> {
        match matcher {
            Matcher::Regex { .. } => Some(Self::Regex),
            Matcher::Postback(Postback::Template(_) | Postback::Exact(_)) => Some(Self::Template),
            _ => None,
        }
    }

    /// What one value is called.
    fn value(self) -> &'static str {
        match self {
            Self::Regex => "group",
            Self::Template => "segment",
        }
    }

    /// What the route matches with, for messages.
    fn pattern(self) -> &'static str {
        match self {
            Self::Regex => "regex",
            Self::Template => "template",
        }
    }

    /// That the literal names no value.
    fn none(self) -> &'static str {
        match self {
            Self::Regex => "has no named groups",
            Self::Template => "has no segments",
        }
    }

    /// The route kind, as the runtime's messages call it.
    fn route(self) -> &'static str {
        match self {
            Self::Regex => "regex",
            Self::Template => "postback",
        }
    }

    /// A value as the user writes it in the literal.
    fn written(self, name: &str) -> String {
        match self {
            Self::Regex => format!("`{name}`"),
            Self::Template => format!("`{{{name}}}`"),
        }
    }

    /// How to add a value called `name` to the literal.
    fn how_to_add(self, name: &str) -> String {
        match self {
            Self::Regex => format!("write `(?<{name}>...)` around the part it should take"),
            Self::Template => format!("write `{{{name}}}` where its value is in the postback data"),
        }
    }
}

/// Records every value of the route `attr` (whose matcher is `matcher`)
/// that no parameter of `handler` takes, and every plain-value parameter
/// that names none; whether there was none of either.
pub(crate) fn check(
    attr: &RouteAttr,
    matcher: &Matcher,
    handler: &Handler,
    errors: &mut Errors,
) -> bool {
    let Some(source) = Source::of(matcher) else {
        return true;
    };
    let values = matcher.named_values();
    let literal = route_literal(attr);
    let mut ok = true;
    // The values a parameter's error already suggests: one typo, one error.
    let mut suggested = Vec::new();
    for param in &handler.params {
        if let Some((message, suggestion)) = param_names_nothing(source, param, &values, &literal) {
            errors.spanned(&param.tokens, message);
            suggested.extend(suggestion);
            ok = false;
        }
    }
    for name in values.iter().filter(|name| !suggested.contains(name)) {
        if let Some(message) = value_not_taken(source, name, &values, handler) {
            match keys::literal_span(&attr.keys) {
                Some(span) => errors.at(span, message),
                None => errors.spanned(&attr.tokens, message),
            }
            ok = false;
        }
    }
    ok
}

/// The literal the route matches with, as the user wrote its value.
fn route_literal(attr: &RouteAttr) -> String {
    attr.keys
        .iter()
        .filter(|key| !matches!(key, Key::State(..)))
        .find_map(|key| Some(key.literal()?.value()))
        .unwrap_or_default()
}

/// The error about `param`, if it is a plain value named like no value,
/// with the value it suggests instead.
fn param_names_nothing<'v>(
    source: Source,
    param: &Param,
    values: &[&'v str],
    literal: &str,
) -> Option<(String, Option<&'v str>)> {
    // The conversation state is handed over whatever its name.
    if param.state_of.is_some() {
        return None;
    }
    let name = param.name.as_deref()?;
    let plain = types::is_plain_value(param.option_of.as_ref().unwrap_or(&param.ty));
    if values.contains(&name) || !plain {
        return None;
    }
    let declared = format!("`{name}: {}`", types::canonical(&param.ty));
    let (value, pattern) = (source.value(), source.pattern());
    let only = format!(
        "a plain value is no extractor: on a {} route it can only take the {value} of its name",
        source.route()
    );
    if values.is_empty() {
        let message = format!(
            "{declared} takes nothing: the {pattern} `{literal}` {}, and {only}; {}",
            source.none(),
            source.how_to_add(name)
        );
        return Some((message, None));
    }
    let listed: Vec<String> = values.iter().map(|v| source.written(v)).collect();
    let suggestion = suggest::closest(name, values);
    let hint = match suggestion {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("rename the parameter, or {}", source.how_to_add(name)),
    };
    let message = format!(
        "{declared} takes nothing: `{name}` names no {value} of the {pattern} `{literal}`, whose {value}s are {}; {hint} ({only})",
        listed.join(", ")
    );
    Some((message, suggestion))
}

/// The error about the value `name` (one of the route's `values`), if no
/// parameter of `handler` takes it.
fn value_not_taken(
    source: Source,
    name: &str,
    values: &[&str],
    handler: &Handler,
) -> Option<String> {
    if name.starts_with('_') || reads_every_value(source, handler) {
        return None;
    }
    let names: Vec<&str> = handler
        .params
        .iter()
        .filter(|p| p.state_of.is_none())
        .filter_map(|p| p.name.as_deref())
        .collect();
    if names.contains(&name) {
        return None;
    }
    // A parameter that takes no value of the route may be a misspelling.
    let takes_none: Vec<&str> = names.into_iter().filter(|p| !values.contains(p)).collect();
    let misspelt = match suggest::closest(name, &takes_none) {
        Some(close) => format!(
            " (is `{close}` meant to be `{name}`? a parameter takes a {} by its exact name)",
            source.value()
        ),
        None => String::new(),
    };
    Some(match source {
        Source::Template => format!(
            "template segment `{{{name}}}` is not taken by any parameter of `{}`{misspelt}: add a parameter `{name}: String` (or any `FromStr` type), or write `{{_{name}}}` to ignore it",
            handler.ident
        ),
        Source::Regex => format!(
            "regex group `{name}` is not taken by any parameter of `{}`{misspelt}: add a parameter `{name}: String` \
             (or any `FromStr` type; `Option<_>` if the group may not take part), or take `Captures` to read the groups yourself; \
             a group that only matches needs no name: write `(?:...)`, or `(?<_{name}>...)` to keep one",
            handler.ident
        ),
    })
}

/// Whether the handler reads every value of the route at once: a regex
/// route's `Captures`. (A template's `PostbackData` is the raw data, not
/// its segments: a segment exists only to be taken by name.)
fn reads_every_value(source: Source, handler: &Handler) -> bool {
    matches!(source, Source::Regex) && takes_captures(handler)
}

/// Whether a parameter is `Captures` (or `Option<Captures>`), which reads
/// every group. Recognised by its last path segment, as it is re-exported
/// at several paths; an alias of it is not recognised (its handler names
/// its groups `_name`, or takes them as parameters).
fn takes_captures(handler: &Handler) -> bool {
    handler.params.iter().any(|param| {
        let ty = param.option_of.as_ref().unwrap_or(&param.ty);
        matches!(ty, syn::Type::Path(path)
            if path.qself.is_none()
                && path.path.segments.last().is_some_and(|s| s.ident == "Captures"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::parse;

    /// The errors of the one route of `method`, and whether it is sound.
    fn errors_of(route: &str, method: &str) -> (bool, String) {
        let mut item: syn::ItemImpl =
            syn::parse_str(&format!("impl Bot {{ #[on_message({route})] {method} }}"))
                .expect("an impl");
        let mut errors = Errors::default();
        let agent = parse::parse(&mut item, &mut errors);
        let attr = &agent.attrs[0];
        let matcher = keys::matcher(attr.kind, &attr.keys, &mut errors).expect("a matcher");
        let ok = check(attr, &matcher, &agent.handlers[0], &mut errors);
        (ok, errors.to_compile_errors().to_string())
    }

    const ORDER: &str = r#"regex = r"^(?<qty>\d+) (?<size>\w+)$""#;

    #[test]
    fn parameters_take_groups_and_extractors() {
        let method =
            "async fn a(&self, size: Size, qty: Option<u32>, text: Text, from: PhoneNumber) {}";
        assert_eq!(errors_of(ORDER, method), (true, String::new()));
        let segments = "async fn a(size: String, qty: u8, data: PostbackData) {}";
        assert_eq!(
            errors_of(r#"postback = "add:{size}:{qty}:{_note}""#, segments),
            (true, String::new())
        );
    }

    #[test]
    fn a_plain_value_named_like_no_group_is_explained() {
        let method = "async fn a(&self, size: String, qty2: u32) {}";
        let (ok, errors) = errors_of(ORDER, method);
        assert!(!ok);
        assert!(errors.contains("`qty2` names no group"), "{errors}");
        assert!(errors.contains("did you mean `qty`?"), "{errors}");
        // The parameter's error says what `qty` lacks: it is not said twice.
        assert!(!errors.contains("regex group `qty`"), "{errors}");

        let (ok, errors) = errors_of(r#"regex = r"^\d+$""#, "async fn a(n: Option<u8>) {}");
        assert!(!ok);
        assert!(errors.contains("has no named groups"), "{errors}");
        assert!(errors.contains("`(?<n>...)`"), "{errors}");
    }

    #[test]
    fn a_plain_value_named_like_no_segment_is_explained() {
        let (ok, errors) = errors_of(
            r#"postback = "add:{size}""#,
            "async fn a(size: String, count: bool) {}",
        );
        assert!(!ok);
        assert!(errors.contains("`count` names no segment"), "{errors}");
        assert!(errors.contains("`{size}`"), "{errors}");
        let (ok, errors) = errors_of(r#"postback = "yes""#, "async fn a(n: u32) {}");
        assert!(!ok);
        assert!(
            errors.contains("the template `yes` has no segments"),
            "{errors}"
        );
    }

    #[test]
    fn groups_need_a_taker_unless_ignored_or_captured() {
        let (ok, errors) = errors_of(ORDER, "async fn a(&self, qty: u32) {}");
        assert!(!ok);
        assert!(errors.contains("regex group `size`"), "{errors}");
        let ignored = r#"regex = r"^(?<qty>\d+) (?<_size>\w+)$""#;
        assert_eq!(
            errors_of(ignored, "async fn a(qty: u32) {}"),
            (true, String::new())
        );
        let captures = "async fn a(caps: Option<rbm_runtime::Captures>) {}";
        assert_eq!(errors_of(ORDER, captures), (true, String::new()));
    }

    #[test]
    fn a_value_names_the_parameter_likely_meant_for_it() {
        // `Qty` may be an extractor for all a macro knows: the parameter is
        // not reported, but the segment it probably misses is.
        let (ok, errors) = errors_of(
            r#"postback = "add:{qty}""#,
            "async fn a(qtty: Qty, data: PostbackData) {}",
        );
        assert!(!ok);
        assert!(errors.contains("(is `qtty` meant to be `qty`?"), "{errors}");
        assert!(!errors.contains("`data` meant"), "{errors}");
    }

    #[test]
    fn the_state_takes_no_value() {
        let (ok, errors) = errors_of(ORDER, "async fn a(size: String, qty: &mut u32) {}");
        assert!(!ok);
        assert!(
            errors.contains("regex group `qty` is not taken"),
            "{errors}"
        );
    }

    #[test]
    fn other_routes_are_not_concerned() {
        assert_eq!(
            errors_of(r#"text = "hi""#, "async fn a(n: u32) {}"),
            (true, String::new())
        );
    }
}
