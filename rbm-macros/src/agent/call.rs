//! One route attempt: check the route's state filter, extract every
//! parameter, call the handler, convert what it returns (and store the
//! state it was handed). A filter that does not match or a parameter that
//! cannot be extracted breaks out of the attempt, so dispatch goes on with
//! the next candidate route.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use super::model::{Handler, Param, Route};
use super::state;
use crate::exports::{Export, HANDLED, NAMED, NAMED_OPTIONAL, REQUIRE_SEND};

/// The labelled block that tries route number `index`. `input` builds the
/// `Input` from what the match found (captures, segments, rest); `state` is
/// the agent's state type, when it declares one (then `__rbm_state` holds
/// the user's state).
pub(crate) fn route_block(
    index: usize,
    route: &Route,
    handler: &Handler,
    input: TokenStream,
    state: Option<&Type>,
) -> TokenStream {
    let label = syn::Lifetime::new(&format!("'__rbm_route_{index}"), Span::call_site());
    let named = route.matcher.named_values();
    let param_trait = route.matcher.param_trait();
    // Validation let no filter or state parameter through without a state type.
    let state = state.filter(|_| route.filter.is_some() || handler.state_param().is_some());
    let guard = route.filter.as_ref().zip(state).map(|(filter, ty)| {
        let matches = state::matches(ty, filter);
        quote! {
            if !#matches { break #label; }
        }
    });
    let args: Vec<_> = (0..handler.params.len())
        .map(|i| format_ident!("__rbm_arg_{i}"))
        .collect();
    let extractions = handler.params.iter().zip(&args).map(|(param, arg)| {
        if param.state_of.is_some() {
            return quote! { let #arg = &mut __rbm_state; };
        }
        let extract = extraction(param, &named, param_trait);
        quote! {
            let ::core::option::Option::Some(#arg) = #extract else { break #label; };
        }
    });
    let method = &handler.ident;
    // Spanned on the handler's name: a future that is not `Send` is
    // reported on the handler that made it.
    let span = method.span();
    let call = if handler.takes_self {
        quote_spanned! {span=> Self::#method(self, #(#args),*) }
    } else {
        quote_spanned! {span=> Self::#method(#(#args),*) }
    };
    let require_send = REQUIRE_SEND.at(span);
    let call = quote_spanned! {span=> #require_send(#call) };
    // Autoref specialization (see `RetryableResultKind` in the runtime):
    // a `Result` whose error answers `Retryable` keeps that answer. Spanned
    // on the return type, so a type that is no reply is an error there.
    let finish = quote_spanned! {handler.output_span=>
        match __rbm_out {
            __rbm_value => (&__rbm_value).__rbm_kind().finish(__rbm_value),
        }
    };
    // Only a handler that was handed the state stores it: one that was not
    // may have set or reset it through `Context` instead.
    let result = match (handler.state_param(), state) {
        (Some(_), Some(_)) => state::save(finish),
        _ => finish,
    };
    quote! {
        #label: {
            #guard
            let __rbm_input = #input;
            #(#extractions)*
            let __rbm_out = #call.await;
            return #HANDLED::by_route(&__RBM_ROUTES[#index], #result);
        }
    }
}

/// The expression extracting one parameter, spanned on its type so a type
/// the route does not allow is an error on that parameter.
fn extraction(param: &Param, named: &[&str], param_trait: Export) -> TokenStream {
    let ty = &param.ty;
    let span = ty.span();
    match param.name.as_deref().filter(|n| named.contains(n)) {
        Some(name) => match &param.option_of {
            Some(inner) => {
                let named_optional = NAMED_OPTIONAL.at(span);
                quote_spanned! {span=> #named_optional::<#inner>(&__rbm_input, #name) }
            }
            None => {
                let named = NAMED.at(span);
                quote_spanned! {span=> #named::<#ty>(&__rbm_input, #name) }
            }
        },
        None => {
            let param_trait = param_trait.at(span);
            quote_spanned! {span=> <#ty as #param_trait<'_>>::extract(&__rbm_input) }
        }
    }
}
