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
mod parse;
mod regex;
mod suggest;
mod template;
mod types;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use errors::{Errors, Origin};

/// The arguments `#[rbm_agent(...)]` understands.
const AGENT_ARGS: &[&str] = &["read_receipts"];

/// What `#[rbm_agent(...)]` asks for besides the routes.
#[derive(Default)]
pub(crate) struct Options {
    /// `read_receipts`: the runtime marks every user message read before
    /// its handler runs (`Agent::auto_read_receipts`).
    pub(crate) read_receipts: bool,
}

/// Expands `#[rbm_agent]` / `#[rbm_agent(read_receipts)]` on `item`.
pub(crate) fn rbm_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = options(args, &mut errors);
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
    let valid = validate::validate(&agent, &mut errors);
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

/// Parses the arguments of `#[rbm_agent(...)]`, recording unknown ones.
fn options(args: TokenStream, errors: &mut Errors) -> Options {
    errors.about(Origin::AGENT);
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| {
        if !meta.path.is_ident("read_receipts") {
            return attr::unknown_key(&meta, "rbm_agent", AGENT_ARGS, errors);
        }
        if options.read_receipts {
            errors.spanned(&meta.path, "`read_receipts` is given twice");
        } else if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
            errors.spanned(
                &meta.path,
                "`read_receipts` takes no value: write just `#[rbm_agent(read_receipts)]`",
            );
            return attr::skip_value(&meta);
        }
        options.read_receipts = true;
        Ok(())
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        errors.push(error);
    }
    options
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
