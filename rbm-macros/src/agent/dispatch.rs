//! The generated dispatch: classify the payload, then try the candidate
//! routes in the documented priority order, inside one `match`.
//!
//! Within each step of that order (one kind of content, the fallback, one
//! kind of event), the routes limited to a state (`state = "Variant"`) are
//! tried first, in the step's own order, then the routes without a filter:
//! a route for the current state beats a route for every state.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Type;

use super::call::route_block;
use super::model::{Handler, Matcher, Mime, Piece, Postback, Route};
use super::template;
use crate::exports::{
    INPUT, LAUNCH_STATE, MATCH_TEMPLATE, MESSAGE_CONTENT, MIME_ESSENCE, MIME_TOP_LEVEL, PAYLOAD,
    PIECE, REGEX_MATCH, SERVER_EVENT_TYPE, SPLIT_COMMAND, STRIP_PREFIX, USER_EVENT_TYPE,
};

/// The routes to dispatch: `(index in RouteInfo table, route)`.
type Live<'a> = Vec<(usize, &'a Route)>;

/// The routes limited to a state, then the others: each step is generated
/// once per pass, in this order.
type Passes<'a> = [Live<'a>; 2];

/// The body of `Agent::dispatch`: a `match` on the payload kind. `state` is
/// the agent's state type, when it declares one.
pub(crate) fn dispatch(
    handlers: &[Handler],
    routes: &[Route],
    live: &Live<'_>,
    state: Option<&Type>,
) -> TokenStream {
    let block = |index: usize, input: TokenStream| {
        let route = &routes[index];
        route_block(index, route, &handlers[route.handler], input, state)
    };
    let plain = quote! { #INPUT::new(__rbm_delivery, __rbm_ctx) };
    let (filtered, unfiltered): (Live<'_>, Live<'_>) =
        live.iter().partition(|(_, route)| route.filter.is_some());
    let passes: Passes<'_> = [filtered, unfiltered];
    let select = |f: &dyn Fn(&Matcher) -> bool| -> Vec<Vec<usize>> {
        passes
            .iter()
            .map(|pass| {
                pass.iter()
                    .filter(|(_, r)| f(&r.matcher))
                    .map(|(i, _)| *i)
                    .collect()
            })
            .collect()
    };
    let blocks = |indexes: Vec<Vec<usize>>| -> Vec<TokenStream> {
        indexes
            .into_iter()
            .flatten()
            .map(|i| block(i, plain.clone()))
            .collect()
    };

    let mut arms = Vec::new();

    let content_arms = [
        text_arm(&passes, &block, &plain),
        postback_arm(&passes, &block, &plain),
        location_arm(&blocks(select(&|m| *m == Matcher::Location))),
        file_arm(&passes, &block, &plain),
    ];
    let fallback = blocks(select(&|m| *m == Matcher::Fallback));
    if content_arms.iter().any(|a| !a.is_empty()) || !fallback.is_empty() {
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
        let mut steps = Vec::new();
        for pass in &passes {
            let routes: Vec<_> = pass
                .iter()
                .filter_map(|(i, r)| of(&r.matcher).map(|types| (*i, types)))
                .collect();
            // Several routes may name one type (in different states): each
            // is tried in turn, so each gets its own test, not a `match` arm.
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
                    quote! {
                        if ::core::matches!(&__rbm_event.#field, #(#patterns)|*) { #body }
                    }
                });
            let any = routes
                .iter()
                .filter(|(_, t)| t.is_empty())
                .map(|(i, _)| block(*i, plain.clone()));
            steps.extend(specific.chain(any));
        }
        if steps.is_empty() {
            return None;
        }
        Some(quote! {
            #PAYLOAD::#variant(__rbm_event) => {
                #(#steps)*
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
    let unknown = blocks(select(&|m| *m == Matcher::Unknown));
    if !unknown.is_empty() {
        arms.push(quote! {
            #PAYLOAD::Unknown(_) => { #(#unknown)* }
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

/// The arm `pattern => { ... }` trying `steps` in order; nothing when
/// there are none. Each step is a block of its own, so their local names
/// do not meet.
fn arm(pattern: TokenStream, steps: Vec<TokenStream>) -> TokenStream {
    if steps.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #pattern => { #({ #steps })* }
    }
}

/// `MessageContent::Text`: in each pass, exact, ignore_case, commands,
/// prefixes (longest first), regexes (declaration order), any text.
fn text_arm(passes: &Passes<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let steps = passes
        .iter()
        .flat_map(|pass| text_steps(pass, block, plain))
        .collect();
    arm(quote! { #MESSAGE_CONTENT::Text(__rbm_text) }, steps)
}

fn text_steps(live: &Live<'_>, block: &Block<'_>, plain: &TokenStream) -> Vec<TokenStream> {
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
            } => exact.push((v.clone(), block(i, plain.clone()))),
            Matcher::Text {
                value: Some(v),
                ignore_case: true,
            } => folded.push((v.to_lowercase(), block(i, plain.clone()))),
            Matcher::Text { value: None, .. } => any.push(block(i, plain.clone())),
            Matcher::Command {
                word,
                ignore_case: false,
            } => commands.push((word.clone(), block(i, with_rest.clone()))),
            Matcher::Command {
                word,
                ignore_case: true,
            } => folded_commands.push((word.to_lowercase(), block(i, with_rest.clone()))),
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
    // Longer prefixes are more specific: they are tried first (a stable
    // sort, so prefixes of one length keep their declaration order).
    prefixes.sort_by_key(|p| std::cmp::Reverse(p.0));
    let prefixes = prefixes.into_iter().map(|(_, p)| p);
    let mut body = Vec::new();
    if !exact.is_empty() {
        let exact = literal_arms(exact);
        body.push(quote! { match __rbm_text.as_str() { #(#exact)* _ => {} } });
    }
    if !folded.is_empty() {
        let folded = literal_arms(folded);
        body.push(quote! {
            let __rbm_lower = __rbm_text.to_lowercase();
            match __rbm_lower.as_str() { #(#folded)* _ => {} }
        });
    }
    if !commands.is_empty() || !folded_commands.is_empty() {
        let commands = literal_arms(commands);
        let folded = (!folded_commands.is_empty()).then(|| {
            let folded_commands = literal_arms(folded_commands);
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
    body
}

/// One `match` arm per distinct value, trying the blocks of every route of
/// that value in order (routes of one value differ by their state filter).
fn literal_arms(routes: Vec<(String, TokenStream)>) -> Vec<TokenStream> {
    let mut values: Vec<(String, Vec<TokenStream>)> = Vec::new();
    for (value, body) in routes {
        match values.iter_mut().find(|(v, _)| *v == value) {
            Some((_, bodies)) => bodies.push(body),
            None => values.push((value, vec![body])),
        }
    }
    values
        .into_iter()
        .map(|(value, bodies)| quote! { #value => { #(#bodies)* } })
        .collect()
}

/// `MessageContent::SuggestionResponse`: in each pass, exact data,
/// templates (most literal characters first), any postback.
fn postback_arm(passes: &Passes<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let steps = passes
        .iter()
        .flat_map(|pass| postback_steps(pass, block, plain))
        .collect();
    arm(
        quote! { #MESSAGE_CONTENT::SuggestionResponse(__rbm_response) },
        steps,
    )
}

fn postback_steps(live: &Live<'_>, block: &Block<'_>, plain: &TokenStream) -> Vec<TokenStream> {
    let mut exact = Vec::new();
    let mut templates = Vec::new();
    let mut any = Vec::new();
    for &(i, route) in live {
        match &route.matcher {
            Matcher::Postback(Postback::Exact(v)) => {
                exact.push((v.clone(), block(i, plain.clone())));
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
        let exact = literal_arms(exact);
        quote! { match __rbm_response.postback_data.as_str() { #(#exact)* _ => {} } }
    });
    exact.into_iter().chain(templates).chain(any).collect()
}

fn location_arm(blocks: &[TokenStream]) -> TokenStream {
    if blocks.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #MESSAGE_CONTENT::Location(_) => { #(#blocks)* }
    }
}

/// `MessageContent::UserFile`: in each pass, exact MIME type, `type/*`,
/// any file.
fn file_arm(passes: &Passes<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let steps: Vec<TokenStream> = passes
        .iter()
        .flat_map(|pass| file_steps(pass, block, plain))
        .collect();
    if steps.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #MESSAGE_CONTENT::UserFile(__rbm_file) => {
            let __rbm_mime = #MIME_ESSENCE(&__rbm_file.payload.mime_type);
            #({ #steps })*
        }
    }
}

fn file_steps(live: &Live<'_>, block: &Block<'_>, plain: &TokenStream) -> Vec<TokenStream> {
    let mut exact = Vec::new();
    let mut top = Vec::new();
    let mut any = Vec::new();
    for &(i, route) in live {
        match &route.matcher {
            Matcher::File(Mime::Exact(m)) => exact.push((m.clone(), block(i, plain.clone()))),
            Matcher::File(Mime::TopLevel(t)) => top.push((t.clone(), block(i, plain.clone()))),
            Matcher::File(Mime::Any) => any.push(block(i, plain.clone())),
            _ => {}
        }
    }
    let exact = (!exact.is_empty()).then(|| {
        let exact = literal_arms(exact);
        quote! { match __rbm_mime.as_str() { #(#exact)* _ => {} } }
    });
    let top = (!top.is_empty()).then(|| {
        let top = literal_arms(top);
        quote! { match #MIME_TOP_LEVEL(&__rbm_mime) { #(#top)* _ => {} } }
    });
    exact.into_iter().chain(top).chain(any).collect()
}

/// The template pieces as runtime `Piece`s.
pub(crate) fn pieces(pieces: &[Piece]) -> TokenStream {
    let items = pieces.iter().map(|p| match p {
        Piece::Literal(l) => quote! { #PIECE::Literal(#l) },
        Piece::Segment(s) => quote! { #PIECE::Segment(#s) },
    });
    quote! { &[#(#items),*] }
}
