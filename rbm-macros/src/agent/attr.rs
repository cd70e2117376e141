//! The syntax of route attributes: each one parsed once into typed
//! [`Key`]s. What the keys mean together is `validate`'s business.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Meta};

use super::errors::Errors;
use super::model::{AttrKind, Key};
use super::suggest::closest;

impl AttrKind {
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

    /// The attribute's name.
    pub(crate) fn name(self) -> &'static str {
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

/// The keys of `#[on_message(...)]`.
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
    "state",
];

/// The key every route attribute takes: the state the route is limited to.
const STATE_KEY: &str = "state";

/// Parses the keys of one route attribute: the well-formed ones, and
/// whether all were (errors recorded).
pub(crate) fn parse(kind: AttrKind, attr: &Attribute, errors: &mut Errors) -> (Vec<Key>, bool) {
    let before = errors.len();
    let mut keys = Vec::new();
    match &attr.meta {
        Meta::Path(_) => {}
        Meta::NameValue(nv) => errors.spanned(
            nv,
            format!(
                "write `#[{}(key = \"...\")]`, not `#[{0} = ...]`",
                kind.name()
            ),
        ),
        Meta::List(list) => {
            let result = list.parse_nested_meta(|meta| {
                let key = match kind {
                    _ if meta.path.is_ident(STATE_KEY) => state_key(&meta, errors)?,
                    AttrKind::Message => message_key(&meta, errors)?,
                    AttrKind::Unknown => {
                        unknown_key(&meta, kind.name(), &[STATE_KEY], errors)?;
                        None
                    }
                    _ => flag_key(kind, &meta, errors)?,
                };
                keys.extend(key);
                Ok(())
            });
            if let Err(error) = result {
                errors.push(error);
            }
        }
    }
    let parsed = errors.len() == before;
    (keys, parsed)
}

/// One key of `#[on_message(...)]`; `None` when it is broken (recorded).
fn message_key(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<Key>> {
    let Some(ident) = meta.path.get_ident().cloned() else {
        return unknown_key(meta, "on_message", MESSAGE_KEYS, errors).map(|()| None);
    };
    let key = match ident.to_string().as_str() {
        "text" => optional_string(meta, errors)?.map(|lit| Key::Text(ident, lit)),
        "postback" => optional_string(meta, errors)?.map(|lit| Key::Postback(ident, lit)),
        "prefix" => string_value(meta, errors)?.map(|lit| Key::Prefix(ident, lit)),
        "command" => string_value(meta, errors)?.map(|lit| Key::Command(ident, lit)),
        "regex" => string_value(meta, errors)?.map(|lit| Key::Regex(ident, lit)),
        "mime" => string_value(meta, errors)?.map(|lit| Key::Mime(ident, lit)),
        "ignore_case" => flag(meta, &ident, errors)?.then_some(Key::IgnoreCase(ident)),
        "location" => flag(meta, &ident, errors)?.then_some(Key::Location(ident)),
        "file" => flag(meta, &ident, errors)?.then_some(Key::File(ident)),
        _ => return unknown_key(meta, "on_message", MESSAGE_KEYS, errors).map(|()| None),
    };
    Ok(key)
}

/// `state = "Variant"`, in any route attribute; `None` when it is broken
/// (recorded). What the variant names is `validate`'s business.
fn state_key(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<Key>> {
    let Some(ident) = meta.path.get_ident().cloned() else {
        return Ok(None);
    };
    if !meta.input.peek(syn::Token![=]) {
        errors.spanned(
            &meta.path,
            "`state` needs the variant the route is limited to: write `state = \"Checkout\"`",
        );
        skip_value(meta)?;
        return Ok(None);
    }
    Ok(string_value(meta, errors)?.map(|lit| Key::State(ident, lit)))
}

/// One key of an event attribute; `None` when it is broken (recorded).
fn flag_key(
    kind: AttrKind,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<Option<Key>> {
    let mut names: Vec<&str> = kind.flags().iter().map(|(k, _)| *k).collect();
    names.push(STATE_KEY);
    let ident = meta.path.get_ident().cloned();
    let Some((ident, variant)) = ident.and_then(|ident| {
        let variant = kind.flags().iter().find(|(k, _)| ident == k)?.1;
        Some((ident, variant))
    }) else {
        return unknown_key(meta, kind.name(), &names, errors).map(|()| None);
    };
    Ok(flag(meta, &ident, errors)?.then_some(Key::Event(ident, variant)))
}

/// A key that takes no value: whether it was written so (otherwise the
/// error is recorded and the value skipped).
fn flag(meta: &ParseNestedMeta<'_>, ident: &Ident, errors: &mut Errors) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.spanned(
            &meta.path,
            format!("`{ident}` takes no value: write just `{ident}`"),
        );
        skip_value(meta)?;
        return Ok(false);
    }
    Ok(true)
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

/// `key = "literal"` or a bare `key`: `Some(None)` for the bare key, `None`
/// when the value is no string literal (recorded).
fn optional_string(
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<Option<Option<LitStr>>> {
    if meta.input.peek(syn::Token![=]) {
        Ok(string_value(meta, errors)?.map(Some))
    } else {
        Ok(Some(None))
    }
}
