//! `#[rbm_agent]`: parse the impl, validate every route, expand the dispatch.
//!
//! Like serde_derive, every error is collected and reported at once; the
//! user's impl is always emitted (without the route attributes) so the IDE
//! and the rest of the crate keep working while routes are being fixed.

mod attr;
mod call;
mod dispatch;
mod errors;
mod expand;
mod model;
mod options;
mod parse;
mod regex;
mod state;
mod suggest;
mod tables;
mod template;
mod types;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use errors::Errors;
pub(crate) use options::Options;

/// Expands `#[rbm_agent]` (with its arguments, if any) on `item`.
pub(crate) fn rbm_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = options::parse(args, &mut errors);
    let mut item: syn::ItemImpl = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            errors.at(
                proc_macro2::Span::call_site(),
                "`#[rbm_agent]` goes on an `impl` block of async handler methods",
            );
            let errors = errors.to_compile_errors();
            return quote! { #item #errors };
        }
    };
    let agent = parse::parse(&mut item, &mut errors);
    let valid = validate::validate(&agent, options.state.as_ref(), &mut errors);
    // A trait impl cannot also implement `Agent`: only the error is emitted.
    let generated = if item.trait_.is_some() {
        TokenStream::new()
    } else {
        expand::expand(&item, &agent.handlers, &valid, &options)
    };
    let errors = errors.to_compile_errors();
    quote! {
        #item
        #generated
        #errors
    }
}

/// Expands a route attribute met outside `#[rbm_agent]`: an error saying so,
/// and the item unchanged.
pub(crate) fn stray(name: &str, item: TokenStream) -> TokenStream {
    let message = format!(
        "`#[{name}]` only works on a method of an `impl` block marked `#[rbm_agent]` (put `#[rbm_agent]` on the impl, above this method)"
    );
    quote! {
        ::core::compile_error!(#message);
        #item
    }
}
