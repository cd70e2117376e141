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
