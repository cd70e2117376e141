//! The output: the user's impl as plain methods, plus the `Agent` impl with
//! its route table, text and postback route tables and dispatch.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemImpl;

use super::Options;
use super::dispatch::{dispatch, passes};
use super::model::Handler;
use super::state;
use super::tables::tables;
use super::validate::Valid;
use crate::exports::{
    AGENT, CONTEXT, DELIVERY, FUTURE, HANDLED, HANDLER_RESULT, OTHER_RETURN_KIND,
    RETRYABLE_RESULT_KIND, ROUTE_INFO, UNHANDLED,
};

/// Everything `#[rbm_agent]` emits besides the user's impl. Only the routes
/// that are `live` are dispatched (the others had errors, already reported).
pub(crate) fn expand(
    item: &ItemImpl,
    handlers: &[Handler],
    valid: &Valid,
    options: &Options,
) -> TokenStream {
    let live: Vec<_> = valid
        .routes
        .iter()
        .enumerate()
        .filter(|(i, _)| valid.live[*i])
        .collect();
    let infos = valid.routes.iter().map(|route| {
        let handler = &handlers[route.handler];
        let name = handler.ident.to_string();
        let pattern = &route.pattern;
        let doc = &handler.doc;
        // `line!()` spanned on the method's name gives the method's line.
        let line = quote_spanned!(handler.ident.span()=> ::core::line!());
        quote! {
            #ROUTE_INFO {
                name: #name,
                pattern: #pattern,
                doc: #doc,
                file: ::core::file!(),
                line: #line,
            }
        }
    });
    let count = valid.routes.len();
    let tables = tables(&passes(&live));
    let read_receipts = options.read_receipts.then(|| {
        quote! {
            fn auto_read_receipts(&self) -> bool {
                true
            }
        }
    });
    let state_type = options.state.as_ref();
    let uses_state = state_type.map(|_| {
        quote! {
            fn uses_state(&self) -> bool {
                true
            }
        }
    });
    // The state is loaded only when a route filters on it or a handler
    // takes it; its type is checked either way.
    let needs_state = live
        .iter()
        .any(|(_, r)| r.filter.is_some() || handlers[r.handler].state_param().is_some());
    let load_state = state_type.map(|ty| {
        let bounds = state::bounds(ty);
        let load = needs_state.then(|| state::load(ty));
        quote! { #bounds #load }
    });
    let body = dispatch(handlers, &valid.routes, &live, state_type);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    quote! {
        const _: () = {
            // The two ways a handler's return value is finished (see `finish`
            // in `call.rs`): method lookup picks one by the value's type.
            #[allow(unused_imports)]
            use #RETRYABLE_RESULT_KIND as _;
            #[allow(unused_imports)]
            use #OTHER_RETURN_KIND as _;

            static __RBM_ROUTES: [#ROUTE_INFO; #count] = [#(#infos),*];
            #tables

            #[automatically_derived]
            impl #impl_generics #AGENT for #self_ty #where_clause {
                fn handle<'__rbm>(
                    &'__rbm self,
                    __rbm_delivery: &'__rbm #DELIVERY,
                    __rbm_ctx: &'__rbm #CONTEXT,
                ) -> impl #FUTURE<Output = #HANDLER_RESULT> + ::core::marker::Send + '__rbm {
                    async move {
                        <Self as #AGENT>::dispatch(self, __rbm_delivery, __rbm_ctx)
                            .await
                            .result
                    }
                }

                #[allow(unused_variables, unused_mut, unused_labels, unreachable_code, clippy::all)]
                fn dispatch<'__rbm>(
                    &'__rbm self,
                    __rbm_delivery: &'__rbm #DELIVERY,
                    __rbm_ctx: &'__rbm #CONTEXT,
                ) -> impl #FUTURE<Output = #HANDLED> + ::core::marker::Send + '__rbm {
                    async move {
                        #load_state
                        #body
                        #UNHANDLED()
                    }
                }

                fn routes(&self) -> &'static [#ROUTE_INFO] {
                    &__RBM_ROUTES
                }

                #read_receipts
                #uses_state
            }
        };
    }
}
