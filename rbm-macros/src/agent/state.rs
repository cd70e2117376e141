//! The generated code of conversation state: the state loaded once per
//! delivery, the checks of its type, the `state = "Variant"` guards, and
//! storing what a handler made of it.
//!
//! Everything that names the user's state type is spanned on that type in
//! `#[rbm_agent(state = T)]`, so rustc's errors about it land there.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{PathArguments, Type};

use super::model::StateFilter;
use crate::exports::{LOAD_STATE, SAVE_STATE};

/// The state type as a path a pattern can name its variants through
/// (`Flow` or `flow::Flow::<u8>`, generic arguments in turbofish form);
/// `None` for a type that is no plain path, hence no enum a pattern can name.
pub(crate) fn enum_path(ty: &Type) -> Option<syn::Path> {
    match ty {
        Type::Group(group) => enum_path(&group.elem),
        Type::Paren(paren) => enum_path(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let mut path = path.path.clone();
            for segment in &mut path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    args.colon2_token = Some(Default::default());
                }
            }
            Some(path)
        }
        _ => None,
    }
}

/// Checks, at the start of the dispatch, that the state type is what the
/// runtime needs (`DeserializeOwned + Default` to load it, `Serialize` to
/// store it, `Send` to be held across a handler's `.await`).
pub(crate) fn bounds(ty: &Type) -> TokenStream {
    let span = ty.span();
    let load = LOAD_STATE.at(span);
    let save = SAVE_STATE.at(span);
    quote_spanned! {span=>
        let _ = #load::<#ty>;
        let _ = #save::<#ty>;
        {
            fn __rbm_state_is_send<__RbmState: ::core::marker::Send>() {}
            __rbm_state_is_send::<#ty>();
        }
    }
}

/// The state of this delivery's user, loaded once for every route.
pub(crate) fn load(ty: &Type) -> TokenStream {
    let load = LOAD_STATE.at(ty.span());
    quote! {
        let mut __rbm_state: #ty = #load::<#ty>(__rbm_ctx);
    }
}

/// Whether the current state is the filter's variant (of any shape: unit,
/// tuple or struct variants all match `Variant { .. }`).
pub(crate) fn matches(ty: &Type, filter: &StateFilter) -> TokenStream {
    // Validation let no filter through on a type that is no path.
    let path = enum_path(ty).map_or_else(|| quote!(#ty), |path| quote!(#path));
    let variant = &filter.variant;
    quote! {
        ::core::matches!(&__rbm_state, #path::#variant { .. })
    }
}

/// The handler's `result`, after storing the state it was handed (only if
/// it succeeded: see `save_state` in the runtime).
pub(crate) fn save(result: TokenStream) -> TokenStream {
    quote! {
        #SAVE_STATE(__rbm_ctx, &__rbm_state, #result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn path_of(ty: &str) -> Option<String> {
        let ty: Type = syn::parse_str(ty).expect("a type");
        enum_path(&ty).map(|path| path.to_token_stream().to_string())
    }

    #[test]
    fn a_state_enum_is_named_by_its_path_with_turbofish_arguments() {
        assert_eq!(path_of("Order").as_deref(), Some("Order"));
        assert_eq!(
            path_of("flows::Wizard<u8>").as_deref(),
            Some("flows :: Wizard :: < u8 >")
        );
        assert_eq!(path_of("(Order)").as_deref(), Some("Order"));
    }

    #[test]
    fn a_type_that_is_no_path_names_no_variants() {
        assert_eq!(path_of("(u8, u8)"), None);
        assert_eq!(path_of("<T as Trait>::State"), None);
        assert_eq!(path_of("&'static Order"), None);
    }

    #[test]
    fn a_filter_matches_every_shape_of_variant() {
        let ty: Type = syn::parse_str("Order").expect("a type");
        let filter = StateFilter {
            variant: syn::parse_str("Paying").expect("an ident"),
        };
        assert_eq!(
            matches(&ty, &filter).to_string(),
            ":: core :: matches ! (& __rbm_state , Order :: Paying { .. })"
        );
    }
}
