//! From the user's `impl` block to handlers and routes; strips the route
//! attributes so the impl can be emitted as plain methods.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, ReturnType, Type};

use super::errors::Errors;
use super::keys::{self, RouteAttr};
use super::model::{Handler, Param, Route};

/// The handlers and routes of an impl, in declaration order.
pub(crate) struct Agent {
    pub(crate) handlers: Vec<Handler>,
    pub(crate) routes: Vec<Route>,
}

/// Reads the routes of `item` and removes their attributes from it.
pub(crate) fn parse(item: &mut ItemImpl, errors: &mut Errors) -> Agent {
    if let Some((_, path, _)) = &item.trait_ {
        errors.spanned(
            path,
            "`#[rbm_agent]` goes on an inherent `impl` block of handlers, not on a trait impl",
        );
    }
    let mut agent = Agent {
        handlers: Vec::new(),
        routes: Vec::new(),
    };
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let attrs = take_route_attrs(method);
        if attrs.is_empty() {
            continue;
        }
        let handler_index = agent.handlers.len();
        let handler = handler(method, errors);
        let mut routes = Vec::new();
        for (kind, attr) in &attrs {
            if let Some(parsed) = keys::parse(*kind, attr, errors) {
                routes.push(Route {
                    handler: handler_index,
                    matcher: parsed.matcher,
                    pattern: parsed.pattern,
                    tokens: attr.meta.to_token_stream(),
                    literal: parsed.literal,
                });
            }
        }
        // A handler whose signature is broken gets no routes: its errors
        // are reported once, not again from the generated dispatch.
        if handler_is_usable(method) {
            agent.routes.extend(routes);
        }
        agent.handlers.push(handler);
    }
    agent
}

fn take_route_attrs(method: &mut ImplItemFn) -> Vec<(RouteAttr, syn::Attribute)> {
    let mut routes = Vec::new();
    method.attrs.retain(|attr| match RouteAttr::of(attr) {
        Some(kind) => {
            routes.push((kind, attr.clone()));
            false
        }
        None => true,
    });
    routes
}

/// Whether the generated dispatch can call the method at all.
fn handler_is_usable(method: &ImplItemFn) -> bool {
    let sig = &method.sig;
    sig.asyncness.is_some()
        && sig.generics.params.is_empty()
        && sig.inputs.iter().all(|arg| match arg {
            FnArg::Receiver(r) => r.reference.is_some() && r.mutability.is_none(),
            FnArg::Typed(_) => true,
        })
}

fn handler(method: &ImplItemFn, errors: &mut Errors) -> Handler {
    let sig = &method.sig;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            format!(
                "route handlers must be `async fn`: write `async fn {}(...)`",
                sig.ident
            ),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            "route handlers cannot be generic: every parameter is extracted by its concrete type",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "route handlers cannot be variadic");
    }
    let mut takes_self = false;
    let mut params = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => {
                if receiver.reference.is_none() || receiver.mutability.is_some() {
                    errors.spanned(
                        receiver,
                        "route handlers take `&self`: the agent is shared by every delivery",
                    );
                }
                takes_self = true;
            }
            FnArg::Typed(typed) => params.push(Param {
                name: match &*typed.pat {
                    Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
                    _ => None,
                },
                option_of: option_of(&typed.ty),
                ty: (*typed.ty).clone(),
            }),
        }
    }
    Handler {
        ident: sig.ident.clone(),
        takes_self,
        params,
        output_span: match &sig.output {
            ReturnType::Default => sig.ident.span(),
            ReturnType::Type(_, ty) => ty.span(),
        },
        doc: first_doc_line(&method.attrs),
    }
}

/// `T` when `ty` is written `Option<T>` (or `std::option::Option<T>`).
fn option_of(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

/// The first non-empty line of the doc comment.
fn first_doc_line(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| s.lines().map(|l| l.trim().to_string()).collect::<Vec<_>>())
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}
