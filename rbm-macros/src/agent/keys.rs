//! The keys of each route attribute, parsed into a [`Matcher`].

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Meta};

use super::errors::Errors;
use super::model::{Matcher, Mime, Postback};
use super::suggest::closest;
use super::{regex, template};

/// The route attributes `#[rbm_agent]` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteAttr {
    Message,
    Event,
    ServerEvent,
    LaunchEvent,
    Unknown,
}

impl RouteAttr {
    /// The route attribute `attr` is, if it is one.
    pub(crate) fn of(attr: &Attribute) -> Option<Self> {
        let name = attr.path().segments.last()?.ident.to_string();
        Some(match name.as_str() {
            "on_message" => Self::Message,
            "on_event" => Self::Event,
            "on_server_event" => Self::ServerEvent,
            "on_launch_event" => Self::LaunchEvent,
            "on_unknown" => Self::Unknown,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Message => "on_message",
            Self::Event => "on_event",
            Self::ServerEvent => "on_server_event",
            Self::LaunchEvent => "on_launch_event",
            Self::Unknown => "on_unknown",
        }
    }

    /// For the event attributes: each key and the enum variant it selects.
    fn flags(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Event => &[
                ("delivered", "Delivered"),
                ("read", "Read"),
                ("is_typing", "IsTyping"),
                ("subscribe", "Subscribe"),
                ("unsubscribe", "Unsubscribe"),
            ],
            Self::ServerEvent => &[
                ("ttl_expiration_revoked", "TtlExpirationRevoked"),
                ("ttl_expiration_revoke_failed", "TtlExpirationRevokeFailed"),
            ],
            Self::LaunchEvent => &[
                ("unlaunched", "Unlaunched"),
                ("pending", "Pending"),
                ("launched", "Launched"),
                ("rejected", "Rejected"),
                ("suspended", "Suspended"),
            ],
            Self::Message | Self::Unknown => &[],
        }
    }
}

/// A parsed route attribute.
pub(crate) struct Parsed {
    pub(crate) matcher: Matcher,
    pub(crate) pattern: String,
    pub(crate) literal: Option<Span>,
}

const MESSAGE_KEYS: &[&str] = &[
    "text",
    "ignore_case",
    "prefix",
    "command",
    "regex",
    "postback",
    "location",
    "file",
    "mime",
];

/// The keys of `#[on_message(...)]` as written, before they are combined.
#[derive(Default)]
struct MessageKeys {
    text: Option<Option<LitStr>>,
    ignore_case: Option<Span>,
    prefix: Option<LitStr>,
    command: Option<LitStr>,
    regex: Option<LitStr>,
    postback: Option<Option<LitStr>>,
    location: bool,
    file: bool,
    mime: Option<LitStr>,
    /// The content selectors in the order written, to report a second one.
    selectors: Vec<(&'static str, Span)>,
}

/// Parses one route attribute; `None` when it is broken (errors recorded).
pub(crate) fn parse(kind: RouteAttr, attr: &Attribute, errors: &mut Errors) -> Option<Parsed> {
    let before = errors.len();
    let mut parts = Vec::new();
    let parsed = match &attr.meta {
        Meta::Path(_) => Some(match kind {
            RouteAttr::Message => Matcher::Fallback,
            RouteAttr::Event => Matcher::UserEvent(Vec::new()),
            RouteAttr::ServerEvent => Matcher::ServerEvent(Vec::new()),
            RouteAttr::LaunchEvent => Matcher::LaunchEvent(Vec::new()),
            RouteAttr::Unknown => Matcher::Unknown,
        }),
        Meta::NameValue(nv) => {
            errors.spanned(
                nv,
                format!(
                    "write `#[{}(key = \"...\")]`, not `#[{0} = ...]`",
                    kind.name()
                ),
            );
            None
        }
        Meta::List(list) => match kind {
            RouteAttr::Message => {
                let mut keys = MessageKeys::default();
                let result =
                    list.parse_nested_meta(|meta| message_key(&mut keys, &mut parts, meta, errors));
                if let Err(error) = result {
                    errors.push(error);
                }
                combine(keys, errors)
            }
            RouteAttr::Unknown => {
                errors.spanned(list, "`#[on_unknown]` takes no keys");
                None
            }
            _ => {
                let mut selected = Vec::new();
                let result = list.parse_nested_meta(|meta| {
                    flag_key(kind, &mut selected, &mut parts, meta, errors)
                });
                if let Err(error) = result {
                    errors.push(error);
                }
                Some(match kind {
                    RouteAttr::Event => Matcher::UserEvent(selected),
                    RouteAttr::ServerEvent => Matcher::ServerEvent(selected),
                    _ => Matcher::LaunchEvent(selected),
                })
            }
        },
    };
    let matcher = parsed.filter(|_| errors.len() == before)?;
    let pattern = if parts.is_empty() {
        kind.name().to_string()
    } else {
        format!("{}({})", kind.name(), parts.join(", "))
    };
    let literal = literal_span(&attr.meta);
    Some(Parsed {
        matcher,
        pattern,
        literal,
    })
}

/// The span of the attribute's first string literal, where errors about
/// what it matches should point.
fn literal_span(meta: &Meta) -> Option<Span> {
    let Meta::List(list) = meta else { return None };
    list.tokens.clone().into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Literal(l) => Some(l.span()),
        _ => None,
    })
}

/// Records an unknown key of `#[attr(...)]` (with a "did you mean") and
/// skips its value.
pub(crate) fn unknown_key(
    meta: &ParseNestedMeta<'_>,
    attr: &str,
    known: &[&str],
    errors: &mut Errors,
) -> syn::Result<()> {
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let hint = match closest(&key, known) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("expected one of: {}", known.join(", ")),
    };
    errors.spanned(
        &meta.path,
        format!("unknown key `{key}` in `#[{attr}]`: {hint}"),
    );
    skip_value(meta)
}

/// Consumes whatever follows a key (`= expr` or `(...)`) so parsing can go on.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// `key = "literal"`: the literal, or an error (and `None`).
fn string_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let expr: syn::Expr = meta.value()?.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(Some(lit)),
        other => {
            errors.spanned(other, "expected a string literal");
            Ok(None)
        }
    }
}

/// `key = "literal"` or a bare `key`.
fn optional_string(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(syn::Token![=]) {
        string_value(meta, errors)
    } else {
        Ok(None)
    }
}

fn message_key(
    keys: &mut MessageKeys,
    parts: &mut Vec<String>,
    meta: ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let Some(ident) = meta.path.get_ident() else {
        return unknown_key(&meta, "on_message", MESSAGE_KEYS, errors);
    };
    let key = ident.to_string();
    let span = ident.span();
    let Some(&known) = MESSAGE_KEYS.iter().find(|k| **k == key) else {
        return unknown_key(&meta, "on_message", MESSAGE_KEYS, errors);
    };
    let repeated = match known {
        "text" => keys.text.is_some(),
        "ignore_case" => keys.ignore_case.is_some(),
        "prefix" => keys.prefix.is_some(),
        "command" => keys.command.is_some(),
        "regex" => keys.regex.is_some(),
        "postback" => keys.postback.is_some(),
        "location" => keys.location,
        "file" => keys.file,
        _ => keys.mime.is_some(),
    };
    if repeated {
        errors.at(span, format!("`{known}` is given twice"));
        return skip_value(&meta);
    }
    let flag = |meta: &ParseNestedMeta<'_>, errors: &mut Errors| -> syn::Result<()> {
        if meta.input.peek(syn::Token![=]) {
            errors.at(
                span,
                format!("`{known}` takes no value: write just `{known}`"),
            );
            return skip_value(meta);
        }
        Ok(())
    };
    match known {
        "text" | "postback" => {
            let value = optional_string(&meta, errors)?;
            parts.push(match &value {
                Some(lit) => format!("{known} = {}", quoted(&lit.value())),
                None => known.to_string(),
            });
            if known == "text" {
                keys.text = Some(value);
            } else {
                keys.postback = Some(value);
            }
        }
        "prefix" | "command" | "regex" | "mime" => {
            let Some(value) = string_value(&meta, errors)? else {
                return Ok(());
            };
            parts.push(format!("{known} = {}", quoted(&value.value())));
            let slot = match known {
                "prefix" => &mut keys.prefix,
                "command" => &mut keys.command,
                "regex" => &mut keys.regex,
                _ => &mut keys.mime,
            };
            *slot = Some(value);
        }
        _ => {
            flag(&meta, errors)?;
            parts.push(known.to_string());
            match known {
                "ignore_case" => keys.ignore_case = Some(span),
                "location" => keys.location = true,
                _ => keys.file = true,
            }
        }
    }
    if !matches!(known, "ignore_case" | "mime") {
        keys.selectors.push((known, span));
    } else if known == "mime" && !keys.file {
        // `mime` alone selects files, as if `file` had been written.
        keys.selectors.push(("file", span));
    }
    Ok(())
}

/// Turns the keys of `#[on_message(...)]` into one matcher.
fn combine(keys: MessageKeys, errors: &mut Errors) -> Option<Matcher> {
    let mut selectors = keys.selectors.iter();
    let &(first, _) = selectors.next()?;
    let mut ok = true;
    for &(other, span) in selectors.filter(|(s, _)| *s != first) {
        errors.at(
            span,
            format!(
                "`{other}` cannot be combined with `{first}`: a route matches one kind of content; \
                 put a second `#[on_message(...)]` on the handler to take both"
            ),
        );
        ok = false;
    }
    let ignore_case = keys.ignore_case.is_some();
    let takes_case = matches!(first, "prefix" | "command" | "regex")
        || (first == "text" && matches!(keys.text, Some(Some(_))));
    if let (Some(span), false) = (keys.ignore_case, takes_case) {
        errors.at(
            span,
            "`ignore_case` applies to `text = \"...\"`, `prefix`, `command` and `regex` only",
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    match first {
        "text" => Some(Matcher::Text {
            value: keys.text.flatten().map(|l| l.value()),
            ignore_case,
        }),
        "prefix" => {
            let lit = keys.prefix?;
            if lit.value().is_empty() {
                errors.spanned(
                    &lit,
                    "an empty prefix matches every text: use `text` to take any text",
                );
                return None;
            }
            Some(Matcher::Prefix {
                value: lit.value(),
                ignore_case,
            })
        }
        "command" => {
            let lit = keys.command?;
            let word = lit.value();
            if word.is_empty() || word.contains(char::is_whitespace) {
                errors.spanned(
                    &lit,
                    "this command can never match: a command is the first word of the text, so it cannot be empty or contain whitespace (use `prefix` for that)",
                );
                return None;
            }
            Some(Matcher::Command { word, ignore_case })
        }
        "regex" => {
            let lit = keys.regex?;
            match regex::check(&lit.value(), ignore_case) {
                Ok(names) => Some(Matcher::Regex {
                    source: lit.value(),
                    ignore_case,
                    names,
                }),
                Err(error) => {
                    errors.spanned(&lit, format!("invalid regular expression:\n{error}"));
                    None
                }
            }
        }
        "postback" => Some(Matcher::Postback(match keys.postback.flatten() {
            None => Postback::Any,
            Some(lit) => match template::parse(&lit.value()) {
                Err(error) => {
                    errors.spanned(&lit, error);
                    return None;
                }
                Ok(pieces)
                    if pieces
                        .iter()
                        .any(|p| matches!(p, super::model::Piece::Segment(_))) =>
                {
                    Postback::Template(pieces)
                }
                Ok(_) => Postback::Exact(lit.value().replace("{{", "{").replace("}}", "}")),
            },
        })),
        "location" => Some(Matcher::Location),
        _ => Some(Matcher::File(match keys.mime {
            None => Mime::Any,
            Some(lit) => mime(&lit, errors)?,
        })),
    }
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

fn flag_key(
    kind: RouteAttr,
    selected: &mut Vec<&'static str>,
    parts: &mut Vec<String>,
    meta: ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let names: Vec<&str> = kind.flags().iter().map(|(k, _)| *k).collect();
    let key = meta.path.get_ident().map(ToString::to_string);
    let Some(&(key, variant)) = kind
        .flags()
        .iter()
        .find(|(k, _)| Some(*k) == key.as_deref())
    else {
        return unknown_key(&meta, kind.name(), &names, errors);
    };
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.spanned(
            &meta.path,
            format!("`{key}` takes no value: write just `{key}`"),
        );
        return skip_value(&meta);
    }
    if selected.contains(&variant) {
        errors.spanned(&meta.path, format!("`{key}` is given twice"));
        return Ok(());
    }
    selected.push(variant);
    parts.push(key.to_string());
    Ok(())
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
