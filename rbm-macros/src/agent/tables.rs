//! The route tables: the text and postback routes of an agent as data, built
//! once per agent type (a `static` `LazyLock`) into the runtime's lookup
//! structures, so dispatch finds the matching routes without trying each.
//!
//! Each table lists its passes (routes limited to a state, then the others;
//! empty ones left out), each pass its routes in declaration order with
//! their number; the runtime puts them in the documented order.

use proc_macro2::TokenStream;
use quote::quote;

use super::dispatch::{Passes, pieces};
use super::model::{Matcher, Postback};
use crate::exports::{LAZY_LOCK, POSTBACK_ROUTE, POSTBACK_ROUTES, TEXT_ROUTE, TEXT_ROUTES};

/// The name of the static holding the text routes.
pub(crate) fn text_table_name() -> TokenStream {
    quote! { __RBM_TEXT_ROUTES }
}

/// The name of the static holding the postback routes.
pub(crate) fn postback_table_name() -> TokenStream {
    quote! { __RBM_POSTBACK_ROUTES }
}

/// The runtime's description of a text route, if `matcher` is one.
pub(crate) fn text_route(matcher: &Matcher) -> Option<TokenStream> {
    Some(match matcher {
        Matcher::Text {
            value: Some(value),
            ignore_case: false,
        } => quote! { #TEXT_ROUTE::Exact(#value) },
        Matcher::Text {
            value: Some(value),
            ignore_case: true,
        } => quote! { #TEXT_ROUTE::ExactIgnoreCase(#value) },
        Matcher::Text { value: None, .. } => quote! { #TEXT_ROUTE::Any },
        Matcher::Command { word, ignore_case } => {
            quote! { #TEXT_ROUTE::Command { word: #word, ignore_case: #ignore_case } }
        }
        Matcher::Prefix { value, ignore_case } => {
            quote! { #TEXT_ROUTE::Prefix { value: #value, ignore_case: #ignore_case } }
        }
        Matcher::Regex {
            source,
            ignore_case,
            ..
        } => quote! { #TEXT_ROUTE::Regex { source: #source, ignore_case: #ignore_case } },
        _ => return None,
    })
}

/// The runtime's description of a postback route, if `matcher` is one.
pub(crate) fn postback_route(matcher: &Matcher) -> Option<TokenStream> {
    Some(match matcher {
        Matcher::Postback(Postback::Exact(data)) => quote! { #POSTBACK_ROUTE::Exact(#data) },
        Matcher::Postback(Postback::Template(template)) => {
            let pieces = pieces(template);
            quote! { #POSTBACK_ROUTE::Template(#pieces) }
        }
        Matcher::Postback(Postback::Any) => quote! { #POSTBACK_ROUTE::Any },
        _ => return None,
    })
}

/// The statics of the route tables the agent needs.
pub(crate) fn tables(passes: &Passes<'_>) -> TokenStream {
    let text = table(passes, text_route).map(|passes| {
        let name = text_table_name();
        quote! {
            static #name: #LAZY_LOCK<#TEXT_ROUTES> =
                #LAZY_LOCK::new(|| #TEXT_ROUTES::new(&[#(#passes),*]));
        }
    });
    let postback = table(passes, postback_route).map(|passes| {
        let name = postback_table_name();
        quote! {
            static #name: #LAZY_LOCK<#POSTBACK_ROUTES> =
                #LAZY_LOCK::new(|| #POSTBACK_ROUTES::new(&[#(#passes),*]));
        }
    });
    quote! { #text #postback }
}

/// Each non-empty pass as `&[(number, route), ...]`; `None` when there are
/// no routes of the kind `describe` recognises.
fn table(
    passes: &Passes<'_>,
    describe: fn(&Matcher) -> Option<TokenStream>,
) -> Option<Vec<TokenStream>> {
    let passes: Vec<TokenStream> = passes
        .iter()
        .filter_map(|pass| {
            let routes: Vec<TokenStream> = pass
                .iter()
                .filter_map(|(i, route)| describe(&route.matcher).map(|m| quote! { (#i, #m) }))
                .collect();
            (!routes.is_empty()).then(|| quote! { &[#(#routes),*] })
        })
        .collect();
    (!passes.is_empty()).then_some(passes)
}
