//! Checks of the conversation state: the `&mut T` parameters that take it
//! and the `state = "Variant"` filters of routes, against the type the
//! agent declares with `#[rbm_agent(state = T)]`.

use syn::{Ident, Type};

use crate::agent::errors::Errors;
use crate::agent::model::{Handler, Key, StateFilter};
use crate::agent::{state, types};

/// Records what is wrong with the handler's `&mut` parameters; whether the
/// generated dispatch can hand it the state.
pub(crate) fn params(handler: &Handler, declared: Option<&Type>, errors: &mut Errors) -> bool {
    let mut usable = true;
    let mut taken = false;
    for param in &handler.params {
        let Some(wanted) = &param.state_of else {
            continue;
        };
        let wanted_name = types::canonical(wanted);
        let Some(declared) = declared else {
            errors.spanned(
                &param.tokens,
                format!(
                    "`&mut {wanted_name}` asks for the conversation state, but this agent declares none: \
                     write `#[rbm_agent(state = {wanted_name})]` on the impl \
                     (`{wanted_name}` must be `Serialize + DeserializeOwned + Default + Send`); \
                     every other parameter is taken by value or by `&`"
                ),
            );
            usable = false;
            continue;
        };
        let declared_name = types::canonical(declared);
        if wanted_name != declared_name {
            errors.spanned(
                &param.tokens,
                format!(
                    "`&mut {wanted_name}` is not this agent's state: it declares `#[rbm_agent(state = {declared_name})]`, \
                     so take `&mut {declared_name}` (types are compared as written: \
                     a `type` alias or another path to the same type counts as a different type)"
                ),
            );
            usable = false;
        } else if taken {
            errors.spanned(
                &param.tokens,
                format!(
                    "`{}` already takes the conversation state: a handler takes `&mut {declared_name}` once",
                    handler.ident
                ),
            );
            usable = false;
        }
        taken = true;
    }
    usable
}

/// The state filter of a route attribute's keys: `Ok(None)` without one,
/// `Err(())` when it is wrong (recorded).
pub(crate) fn filter(
    keys: &[Key],
    declared: Option<&Type>,
    errors: &mut Errors,
) -> Result<Option<StateFilter>, ()> {
    let Some(lit) = keys.iter().find_map(|key| match key {
        Key::State(_, lit) => Some(lit),
        _ => None,
    }) else {
        return Ok(None);
    };
    let value = lit.value();
    let mut variant = match syn::parse_str::<Ident>(&value) {
        Ok(variant) => variant,
        Err(_) => {
            let hint = match value.rsplit_once("::") {
                Some((_, last)) if syn::parse_str::<Ident>(last).is_ok() => format!(
                    "write the variant alone, `state = \"{last}\"`: its type is the agent's `state = ...`"
                ),
                _ => {
                    "write the name of a variant of the state enum, such as `state = \"Checkout\"`"
                        .to_string()
                }
            };
            errors.spanned(
                lit,
                format!("`state = {value:?}` names no enum variant: {hint}"),
            );
            return Err(());
        }
    };
    variant.set_span(lit.span());
    let Some(declared) = declared else {
        errors.spanned(
            lit,
            format!(
                "`state = \"{variant}\"` limits the route to a conversation state, but this agent declares none: \
                 write `#[rbm_agent(state = Flow)]` on the impl, where `Flow` is the enum `{variant}` is a variant of"
            ),
        );
        return Err(());
    };
    if state::enum_path(declared).is_none() {
        errors.spanned(
            lit,
            format!(
                "`state = \"{variant}\"` needs a state enum named by its path, such as `#[rbm_agent(state = Flow)]`, \
                 not `{}`",
                types::canonical(declared)
            ),
        );
        return Err(());
    }
    Ok(Some(StateFilter { variant }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::parse;

    fn keys(state: &str) -> Vec<Key> {
        let lit: syn::LitStr = syn::parse_str(&format!("{state:?}")).expect("a literal");
        vec![Key::State(syn::parse_str("state").expect("an ident"), lit)]
    }

    fn declared() -> Type {
        syn::parse_str("Order").expect("a type")
    }

    fn filter_of(state: &str, declared: Option<&Type>) -> (Option<String>, String) {
        let mut errors = Errors::default();
        let filter = filter(&keys(state), declared, &mut errors);
        let variant = filter.ok().flatten().map(|f| f.variant.to_string());
        (variant, errors.to_compile_errors().to_string())
    }

    #[test]
    fn a_filter_names_a_variant() {
        let (variant, errors) = filter_of("Paying", Some(&declared()));
        assert_eq!(variant.as_deref(), Some("Paying"));
        assert!(errors.is_empty(), "{errors}");
        let mut errors = Errors::default();
        assert!(matches!(
            filter(&[], Some(&declared()), &mut errors),
            Ok(None)
        ));
    }

    #[test]
    fn a_filter_that_is_no_identifier_is_explained() {
        let (variant, errors) = filter_of("not an ident", Some(&declared()));
        assert_eq!(variant, None);
        assert!(errors.contains("names no enum variant"), "{errors}");
        let (_, errors) = filter_of("Order::Paying", Some(&declared()));
        assert!(errors.contains("write the variant alone"), "{errors}");
        let (_, errors) = filter_of("", Some(&declared()));
        assert!(errors.contains("names no enum variant"), "{errors}");
    }

    #[test]
    fn a_filter_needs_a_declared_state_enum() {
        let (variant, errors) = filter_of("Paying", None);
        assert_eq!(variant, None);
        assert!(errors.contains("declares none"), "{errors}");
        let tuple: Type = syn::parse_str("(u8, u8)").expect("a type");
        let (variant, errors) = filter_of("Paying", Some(&tuple));
        assert_eq!(variant, None);
        assert!(
            errors.contains("needs a state enum named by its path"),
            "{errors}"
        );
    }

    fn param_errors(method: &str, declared: Option<&Type>) -> (bool, String) {
        let mut item: syn::ItemImpl =
            syn::parse_str(&format!("impl Bot {{ #[on_message] {method} }}")).expect("an impl");
        let mut errors = Errors::default();
        let agent = parse::parse(&mut item, &mut errors);
        let usable = params(&agent.handlers[0], declared, &mut errors);
        (usable, errors.to_compile_errors().to_string())
    }

    #[test]
    fn the_state_parameter_is_the_declared_type_once() {
        let ok = "async fn a(&self, text: Text, order: &mut ::core::primitive::u8) {}";
        let u8_state: Type = syn::parse_str("u8").expect("a type");
        assert_eq!(param_errors(ok, Some(&u8_state)), (true, String::new()));

        let (usable, errors) = param_errors("async fn a(&self, o: &mut Order) {}", None);
        assert!(!usable);
        assert!(errors.contains("#[rbm_agent(state = Order)]"), "{errors}");

        let twice = "async fn a(&self, o: &mut Order, again: &mut Order) {}";
        let (usable, errors) = param_errors(twice, Some(&declared()));
        assert!(!usable);
        assert!(
            errors.contains("already takes the conversation state"),
            "{errors}"
        );

        let other = "async fn a(&self, cart: &mut Cart) {}";
        let (usable, errors) = param_errors(other, Some(&declared()));
        assert!(!usable);
        assert!(errors.contains("is not this agent's state"), "{errors}");
    }
}
