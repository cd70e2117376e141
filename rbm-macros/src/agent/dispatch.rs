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
use super::model::{Handler, Matcher, Mime, Piece, Route};
use super::tables;
use crate::exports::{
    INPUT, LAUNCH_STATE, MESSAGE_CONTENT, MIME_ESSENCE, MIME_TOP_LEVEL, PAYLOAD, PIECE,
    SERVER_EVENT_TYPE, USER_EVENT_TYPE,
};

/// The routes to dispatch: `(index in RouteInfo table, route)`.
pub(crate) type Live<'a> = Vec<(usize, &'a Route)>;

/// The routes limited to a state, then the others: each step is generated
/// once per pass, in this order.
pub(crate) type Passes<'a> = [Live<'a>; 2];

/// The live routes split into passes.
pub(crate) fn passes<'a>(live: &Live<'a>) -> Passes<'a> {
    let (filtered, unfiltered): (Live<'_>, Live<'_>) =
        live.iter().partition(|(_, route)| route.filter.is_some());
    [filtered, unfiltered]
}

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
    let passes = passes(live);
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

/// `MessageContent::Text`: the text routes the table finds for the text,
/// in the documented order, each tried in turn until one takes it.
fn text_arm(passes: &Passes<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let table = tables::text_table_name();
    candidate_arm(
        quote! { #MESSAGE_CONTENT::Text(__rbm_text) },
        quote! { #table.candidates(__rbm_text) },
        routes_of(passes, |m| tables::text_route(m).is_some()),
        block,
        plain,
    )
}

/// `MessageContent::SuggestionResponse`: the postback routes the table
/// finds for the data, in the documented order, each tried in turn.
fn postback_arm(passes: &Passes<'_>, block: &Block<'_>, plain: &TokenStream) -> TokenStream {
    let table = tables::postback_table_name();
    candidate_arm(
        quote! { #MESSAGE_CONTENT::SuggestionResponse(__rbm_response) },
        quote! { #table.candidates(&__rbm_response.postback_data) },
        routes_of(passes, |m| tables::postback_route(m).is_some()),
        block,
        plain,
    )
}

/// The numbers of the routes whose matcher `is` accepts, in every pass.
fn routes_of(passes: &Passes<'_>, is: fn(&Matcher) -> bool) -> Vec<usize> {
    passes
        .iter()
        .flatten()
        .filter(|(_, route)| is(&route.matcher))
        .map(|(i, _)| *i)
        .collect()
}

/// The arm `pattern => { ... }` that takes the candidates `candidates`
/// yields (route number, what it found) and tries each route's block,
/// picked by number; a block that does not take the delivery breaks out
/// to the next candidate. Nothing when there are no `routes`.
fn candidate_arm(
    pattern: TokenStream,
    candidates: TokenStream,
    routes: Vec<usize>,
    block: &Block<'_>,
    plain: &TokenStream,
) -> TokenStream {
    if routes.is_empty() {
        return TokenStream::new();
    }
    let input = quote! { #plain.with_found(__rbm_found) };
    let arms = routes.into_iter().map(|i| {
        let body = block(i, input.clone());
        quote! { #i => { #body } }
    });
    quote! {
        #pattern => {
            let mut __rbm_candidates = #candidates;
            while let ::core::option::Option::Some((__rbm_route, __rbm_found)) =
                ::core::iter::Iterator::next(&mut __rbm_candidates)
            {
                match __rbm_route {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    }
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
