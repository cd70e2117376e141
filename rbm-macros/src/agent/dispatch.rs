//! The generated dispatch: classify the payload, then try the candidate
//! routes in the documented priority order, inside one `match`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::call::route_block;
use super::model::{Handler, Matcher, Mime, Piece, Postback, Route};
use super::template;
use crate::exports::{
    INPUT, LAUNCH_STATE, MATCH_TEMPLATE, MESSAGE_CONTENT, MIME_ESSENCE, MIME_TOP_LEVEL, PAYLOAD,
    PIECE, REGEX_MATCH, SERVER_EVENT_TYPE, SPLIT_COMMAND, STRIP_PREFIX, USER_EVENT_TYPE,
};

/// The routes to dispatch: `(index in RouteInfo table, route)`.
type Live<'a> = Vec<(usize, &'a Route)>;

/// The body of `Agent::dispatch`: a `match` on the payload kind.
pub(crate) fn dispatch(handlers: &[Handler], routes: &[Route], live: &Live<'_>) -> TokenStream {
    let block = |index: usize, input: TokenStream| {
        let route = &routes[index];
        route_block(index, route, &handlers[route.handler], input)
    };
    let plain = quote! { #INPUT::new(__rbm_delivery, __rbm_ctx) };
    let select = |f: &dyn Fn(&Matcher) -> bool| -> Vec<usize> {
        live.iter()
            .filter(|(_, r)| f(&r.matcher))
            .map(|(i, _)| *i)
            .collect()
    };

    let mut arms = Vec::new();

    let content_arms = [
        text_arm(live, &block, &plain),
        postback_arm(live, &block, &plain),
        location_arm(&select(&|m| *m == Matcher::Location), &block, &plain),
        file_arm(live, &block, &plain),
    ];
    let fallback = select(&|m| *m == Matcher::Fallback);
    if content_arms.iter().any(|a| !a.is_empty()) || !fallback.is_empty() {
        let fallback = fallback.iter().map(|&i| block(i, plain.clone()));
        arms.push(quote! {
            #PAYLOAD::Message(__rbm_message) => {
                match &__rbm_message.content {
                    #(#content_arms)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
                #(#fallback)*
            }
        });
    }

    let event_arm = |variant: TokenStream,
                     field: TokenStream,
                     enum_path: TokenStream,
                     optional: bool,
                     of: &dyn Fn(&Matcher) -> Option<&Vec<&'static str>>| {
        let routes: Vec<_> = live
            .iter()
            .filter_map(|(i, r)| of(&r.matcher).map(|types| (*i, types)))
            .collect();
        if routes.is_empty() {
            return None;
        }
        let specific = routes
            .iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, types)| {
                let patterns = types.iter().map(|t| {
                    let variant = format_ident!("{t}");
                    if optional {
                        quote! { ::core::option::Option::Some(#enum_path::#variant) }
                    } else {
                        quote! { #enum_path::#variant }
                    }
                });
                let body = block(*i, plain.clone());
                quote! { #(#patterns)|* => { #body } }
            });
        let any = routes
            .iter()
            .filter(|(_, t)| t.is_empty())
            .map(|(i, _)| block(*i, plain.clone()));
        Some(quote! {
            #PAYLOAD::#variant(__rbm_event) => {
                match &__rbm_event.#field {
                    #(#specific)*
                    _ => {}
                }
                #(#any)*
            }
        })
    };
    arms.extend(event_arm(
        quote!(UserEvent),
        quote!(event_type),
        quote!(#USER_EVENT_TYPE),
        false,
        &|m| match m {
            Matcher::UserEvent(t) => Some(t),
            _ => None,
        },
    ));
    arms.extend(event_arm(
        quote!(ServerEvent),
        quote!(event_type),
        quote!(#SERVER_EVENT_TYPE),
        false,
        &|m| match m {
            Matcher::ServerEvent(t) => Some(t),
            _ => None,
        },
    ));
    arms.extend(event_arm(
        quote!(LaunchEvent),
        quote!(new_launch_state),
        quote!(#LAUNCH_STATE),
        true,
        &|m| match m {
            Matcher::LaunchEvent(t) => Some(t),
            _ => None,
        },
    ));
    let unknown = select(&|m| *m == Matcher::Unknown);
    if !unknown.is_empty() {
        let blocks = unknown.iter().map(|&i| block(i, plain.clone()));
        arms.push(quote! {
            #PAYLOAD::Unknown(_) => { #(#blocks)* }
        });
    }

    quote! {
        match &__rbm_delivery.payload {
            #(#arms)*
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

type Block<'b> = dyn Fn(usize, TokenStream) -> TokenStream + 'b;

/// `MessageContent::Text`: exact, ignore_case, commands, prefixes (longest
/// first), regexes (declaration order), any text.
fn text_arm(live: &Live<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let mut exact = Vec::new();
    let mut folded = Vec::new();
    let mut commands = Vec::new();
    let mut folded_commands = Vec::new();
    let mut prefixes = Vec::new();
    let mut regexes = Vec::new();
    let mut any = Vec::new();
    let with_rest = quote! { #plain.with_rest(__rbm_rest) };
    for &(i, route) in live {
        match &route.matcher {
            Matcher::Text {
                value: Some(v),
                ignore_case: false,
            } => exact.push(literal_arm(v, block(i, plain.clone()))),
            Matcher::Text {
                value: Some(v),
                ignore_case: true,
            } => folded.push(literal_arm(&v.to_lowercase(), block(i, plain.clone()))),
            Matcher::Text { value: None, .. } => any.push(block(i, plain.clone())),
            Matcher::Command {
                word,
                ignore_case: false,
            } => commands.push(literal_arm(word, block(i, with_rest.clone()))),
            Matcher::Command {
                word,
                ignore_case: true,
            } => folded_commands.push(literal_arm(
                &word.to_lowercase(),
                block(i, with_rest.clone()),
            )),
            Matcher::Prefix { value, ignore_case } => {
                let body = block(i, with_rest.clone());
                let attempt = quote! {
                    if let ::core::option::Option::Some(__rbm_rest) =
                        #STRIP_PREFIX(__rbm_text, #value, #ignore_case)
                    { #body }
                };
                prefixes.push((value.chars().count(), attempt));
            }
            Matcher::Regex { .. } => {
                let regex = format_ident!("__RBM_REGEX_{i}");
                let body = block(
                    i,
                    quote! { #plain.with_captures(__rbm_regex, __rbm_captures) },
                );
                regexes.push(quote! {
                    if let ::core::option::Option::Some((__rbm_regex, __rbm_captures)) =
                        #REGEX_MATCH(&#regex, __rbm_text)
                    {
                        #body
                    }
                });
            }
            _ => {}
        }
    }
    // Longer prefixes are more specific: they are tried first.
    prefixes.sort_by_key(|p| std::cmp::Reverse(p.0));
    let prefixes = prefixes.into_iter().map(|(_, p)| p);
    let mut body = Vec::new();
    if !exact.is_empty() {
        body.push(quote! { match __rbm_text.as_str() { #(#exact)* _ => {} } });
    }
    if !folded.is_empty() {
        body.push(quote! {
            let __rbm_lower = __rbm_text.to_lowercase();
            match __rbm_lower.as_str() { #(#folded)* _ => {} }
        });
    }
    if !commands.is_empty() || !folded_commands.is_empty() {
        let folded = (!folded_commands.is_empty()).then(|| {
            quote! {
                let __rbm_word = __rbm_word.to_lowercase();
                match __rbm_word.as_str() { #(#folded_commands)* _ => {} }
            }
        });
        body.push(quote! {
            let (__rbm_word, __rbm_rest) = #SPLIT_COMMAND(__rbm_text);
            match __rbm_word { #(#commands)* _ => {} }
            #folded
        });
    }
    body.extend(prefixes);
    body.extend(regexes);
    body.extend(any);
    if body.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #MESSAGE_CONTENT::Text(__rbm_text) => { #({ #body })* }
    }
}

fn literal_arm(value: &str, body: TokenStream) -> TokenStream {
    quote! { #value => { #body } }
}

/// `MessageContent::SuggestionResponse`: exact data, templates (most
/// literal characters first), any postback.
fn postback_arm(live: &Live<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let mut exact = Vec::new();
    let mut templates = Vec::new();
    let mut any = Vec::new();
    for &(i, route) in live {
        match &route.matcher {
            Matcher::Postback(Postback::Exact(v)) => {
                exact.push(literal_arm(v, block(i, plain.clone())));
            }
            Matcher::Postback(Postback::Template(pieces)) => {
                let name = format_ident!("__RBM_TEMPLATE_{i}");
                let body = block(i, quote! { #plain.with_segments(__rbm_segments) });
                templates.push((
                    template::literal_len(pieces),
                    quote! {
                        if let ::core::option::Option::Some(__rbm_segments) =
                            #MATCH_TEMPLATE(#name, &__rbm_response.postback_data)
                        { #body }
                    },
                ));
            }
            Matcher::Postback(Postback::Any) => any.push(block(i, plain.clone())),
            _ => {}
        }
    }
    templates.sort_by_key(|t| std::cmp::Reverse(t.0));
    let templates = templates.into_iter().map(|(_, t)| t);
    let exact = (!exact.is_empty()).then(|| {
        quote! { match __rbm_response.postback_data.as_str() { #(#exact)* _ => {} } }
    });
    let body: Vec<TokenStream> = exact.into_iter().chain(templates).chain(any).collect();
    if body.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #MESSAGE_CONTENT::SuggestionResponse(__rbm_response) => {
            #({ #body })*
        }
    }
}

fn location_arm(routes: &[usize], block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    if routes.is_empty() {
        return TokenStream::new();
    }
    let blocks = routes.iter().map(|&i| block(i, plain.clone()));
    quote! {
        #MESSAGE_CONTENT::Location(_) => { #(#blocks)* }
    }
}

/// `MessageContent::UserFile`: exact MIME type, `type/*`, any file.
fn file_arm(live: &Live<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let mut exact = Vec::new();
    let mut top = Vec::new();
    let mut any = Vec::new();
    for &(i, route) in live {
        match &route.matcher {
            Matcher::File(Mime::Exact(m)) => exact.push(literal_arm(m, block(i, plain.clone()))),
            Matcher::File(Mime::TopLevel(t)) => top.push(literal_arm(t, block(i, plain.clone()))),
            Matcher::File(Mime::Any) => any.push(block(i, plain.clone())),
            _ => {}
        }
    }
    if exact.is_empty() && top.is_empty() && any.is_empty() {
        return TokenStream::new();
    }
    let exact =
        (!exact.is_empty()).then(|| quote! { match __rbm_mime.as_str() { #(#exact)* _ => {} } });
    let top = (!top.is_empty()).then(|| {
        quote! { match #MIME_TOP_LEVEL(&__rbm_mime) { #(#top)* _ => {} } }
    });
    quote! {
        #MESSAGE_CONTENT::UserFile(__rbm_file) => {
            let __rbm_mime = #MIME_ESSENCE(&__rbm_file.payload.mime_type);
            #exact
            #top
            #({ #any })*
        }
    }
}

/// The template pieces as runtime `Piece`s.
pub(crate) fn pieces(pieces: &[Piece]) -> TokenStream {
    let items = pieces.iter().map(|p| match p {
        Piece::Literal(l) => quote! { #PIECE::Literal(#l) },
        Piece::Segment(s) => quote! { #PIECE::Segment(#s) },
    });
    quote! { &[#(#items),*] }
}
