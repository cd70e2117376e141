//! The output: the user's impl as plain methods, plus the `Agent` impl with
//! its route table, compiled regexes, templates and dispatch.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ItemImpl;

use super::Options;
use super::dispatch::{dispatch, pieces};
use super::model::{Matcher, Postback};
use super::parse::Agent;

/// Everything `#[rbm_agent]` emits besides the user's impl. Only the routes
/// with `keep[i]` are dispatched (the others had errors, already reported).
pub(crate) fn expand(
    item: &ItemImpl,
    agent: &Agent,
    keep: &[bool],
    options: &Options,
) -> TokenStream {
    let live: Vec<_> = agent
        .routes
        .iter()
        .enumerate()
        .filter(|(i, _)| keep[*i])
        .collect();
    let infos = agent.routes.iter().map(|route| {
        let handler = &agent.handlers[route.handler];
        let name = handler.ident.to_string();
        let pattern = &route.pattern;
        let doc = &handler.doc;
        // `line!()` spanned on the method's name gives the method's line.
        let line = quote_spanned!(handler.ident.span()=> ::core::line!());
        quote! {
            ::rbm_runtime::__private::RouteInfo {
                name: #name,
                pattern: #pattern,
                doc: #doc,
                file: ::core::file!(),
                line: #line,
            }
        }
    });
    let count = agent.routes.len();
    let statics = live.iter().map(|(i, route)| match &route.matcher {
        Matcher::Regex {
            source,
            ignore_case,
            ..
        } => {
            let name = format_ident!("__RBM_REGEX_{i}");
            quote! {
                static #name: ::rbm_runtime::__private::LazyLock<
                    ::core::option::Option<::rbm_runtime::__private::Regex>,
                > =
                    ::rbm_runtime::__private::LazyLock::new(|| {
                        ::rbm_runtime::__private::compile_regex(#source, #ignore_case)
                    });
            }
        }
        Matcher::Postback(Postback::Template(template)) => {
            let name = format_ident!("__RBM_TEMPLATE_{i}");
            let pieces = pieces(template);
            quote! {
                static #name: &[::rbm_runtime::__private::Piece] = #pieces;
            }
        }
        _ => TokenStream::new(),
    });
    let read_receipts = options.read_receipts.then(|| {
        quote! {
            fn auto_read_receipts(&self) -> bool {
                true
            }
        }
    });
    let body = dispatch(agent, &live);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    quote! {
        const _: () = {
            static __RBM_ROUTES: [::rbm_runtime::__private::RouteInfo; #count] = [#(#infos),*];
            #(#statics)*

            #[automatically_derived]
            impl #impl_generics ::rbm_runtime::__private::Agent for #self_ty #where_clause {
                #[allow(unused_variables, unused_labels, unreachable_code, clippy::all)]
                fn handle<'__rbm>(
                    &'__rbm self,
                    __rbm_delivery: &'__rbm ::rbm_runtime::__private::Delivery,
                    __rbm_ctx: &'__rbm ::rbm_runtime::__private::Context,
                ) -> impl ::rbm_runtime::__private::Future<
                    Output = ::rbm_runtime::__private::HandlerResult,
                > + ::core::marker::Send + '__rbm {
                    async move {
                        #body
                        ::rbm_runtime::__private::unhandled()
                    }
                }

                fn routes(&self) -> &'static [::rbm_runtime::__private::RouteInfo] {
                    &__RBM_ROUTES
                }

                #read_receipts
            }
        };
    }
}
