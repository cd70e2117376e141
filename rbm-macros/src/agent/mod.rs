//! `#[rbm_agent]`: parse the impl, validate every route, expand the dispatch.
//!
//! Like serde_derive, every error is collected and reported at once; the
//! user's impl is always emitted (without the route attributes) so the IDE
//! and the rest of the crate keep working while routes are being fixed.

mod call;
mod dispatch;
mod errors;
mod expand;
mod keys;
mod model;
mod parse;
mod regex;
mod suggest;
mod template;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use errors::Errors;

/// Expands `#[rbm_agent]` on `item` (`args` must be empty).
pub(crate) fn rbm_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(&args, "`#[rbm_agent]` takes no arguments");
    }
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
    let keep = validate::validate(&agent, &mut errors);
    // A trait impl cannot also implement `Agent`: only the error is emitted.
    let generated = if item.trait_.is_some() {
        TokenStream::new()
    } else {
        expand::expand(&item, &agent, &keep)
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
