//! Checks of a handler's signature: what the generated dispatch can call.

use syn::FnArg;

use crate::agent::errors::Errors;
use crate::agent::model::Handler;

/// Records what is wrong with the handler's signature; whether the
/// generated dispatch can call it.
pub(crate) fn check(handler: &Handler, errors: &mut Errors) -> bool {
    let sig = &handler.sig;
    let mut usable = true;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            format!(
                "route handlers must be `async fn`: write `async fn {}(...)`",
                sig.ident
            ),
        );
        usable = false;
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            "route handlers cannot be generic: every parameter is extracted by its concrete type",
        );
        usable = false;
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "route handlers cannot be variadic");
    }
    for arg in &sig.inputs {
        if let FnArg::Receiver(receiver) = arg
            && (receiver.reference.is_none() || receiver.mutability.is_some())
        {
            errors.spanned(
                receiver,
                "route handlers take `&self`: the agent is shared by every delivery",
            );
            usable = false;
        }
    }
    usable
}
