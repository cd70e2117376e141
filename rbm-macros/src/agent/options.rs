//! The arguments of `#[rbm_agent(...)]`: what the agent asks for besides
//! its routes.

use proc_macro2::TokenStream;
use syn::Type;
use syn::meta::ParseNestedMeta;

use super::attr;
use super::errors::{Errors, Origin};

/// The arguments `#[rbm_agent(...)]` understands.
const AGENT_ARGS: &[&str] = &["read_receipts", "state"];

/// What `#[rbm_agent(...)]` asks for besides the routes.
#[derive(Default)]
pub(crate) struct Options {
    /// `read_receipts`: the runtime marks every user message read before
    /// its handler runs (`Agent::auto_read_receipts`).
    pub(crate) read_receipts: bool,
    /// `state = T`: the agent keeps a `T` per user (`Agent::uses_state`),
    /// which handlers take as `&mut T` and routes filter on.
    pub(crate) state: Option<Type>,
}

/// Parses the arguments of `#[rbm_agent(...)]`, recording what is wrong.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Options {
    errors.about(Origin::AGENT);
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("read_receipts") {
            read_receipts(&meta, &mut options, errors)
        } else if meta.path.is_ident("state") {
            state(&meta, &mut options, errors)
        } else {
            attr::unknown_key(&meta, "rbm_agent", AGENT_ARGS, errors)
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        errors.push(error);
    }
    options
}

fn read_receipts(
    meta: &ParseNestedMeta<'_>,
    options: &mut Options,
    errors: &mut Errors,
) -> syn::Result<()> {
    if options.read_receipts {
        errors.spanned(&meta.path, "`read_receipts` is given twice");
    } else if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.spanned(
            &meta.path,
            "`read_receipts` takes no value: write just `#[rbm_agent(read_receipts)]`",
        );
        return attr::skip_value(meta);
    }
    options.read_receipts = true;
    Ok(())
}

/// `state = Type`. The type is kept as written: the generated code names it
/// in the user's scope, so any path the impl can see works.
fn state(
    meta: &ParseNestedMeta<'_>,
    options: &mut Options,
    errors: &mut Errors,
) -> syn::Result<()> {
    const HOW: &str = "write the type of the conversation state: `#[rbm_agent(state = Order)]`";
    if !meta.input.peek(syn::Token![=]) {
        errors.spanned(&meta.path, format!("`state` needs a type: {HOW}"));
        return attr::skip_value(meta);
    }
    let value = meta.value()?;
    if value.peek(syn::LitStr) {
        let lit: syn::LitStr = value.parse()?;
        errors.spanned(
            &lit,
            format!(
                "`state` takes a type, not a string: write `#[rbm_agent(state = {})]`",
                lit.value()
            ),
        );
        return Ok(());
    }
    let ty: Type = value.parse()?;
    if options.state.is_some() {
        errors.spanned(
            &meta.path,
            "`state` is given twice: an agent has one state type",
        );
    } else {
        options.state = Some(ty);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn parse_args(args: &str) -> (Options, String) {
        let mut errors = Errors::default();
        let options = parse(args.parse().expect("tokens"), &mut errors);
        (options, errors.to_compile_errors().to_string())
    }

    #[test]
    fn state_takes_a_type_next_to_read_receipts() {
        let (options, errors) = parse_args("read_receipts, state = flows::Wizard<u8>");
        assert!(errors.is_empty(), "{errors}");
        assert!(options.read_receipts);
        let state = options.state.map(|ty| ty.to_token_stream().to_string());
        assert_eq!(state.as_deref(), Some("flows :: Wizard < u8 >"));
        let (options, _) = parse_args("");
        assert!(options.state.is_none() && !options.read_receipts);
    }

    #[test]
    fn state_without_a_type_or_as_a_string_is_explained() {
        let (options, errors) = parse_args("state");
        assert!(options.state.is_none());
        assert!(errors.contains("`state` needs a type"), "{errors}");
        let (options, errors) = parse_args("state = \"Order\"");
        assert!(options.state.is_none());
        assert!(errors.contains("not a string"), "{errors}");
        let (_, errors) = parse_args("state = A, state = B");
        assert!(errors.contains("given twice"), "{errors}");
    }
}
