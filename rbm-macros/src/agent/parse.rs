//! From the user's `impl` block to handlers and their route attributes
//! (syntax only); strips the route attributes so the impl can be emitted as
//! plain methods.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, ReturnType, Type};

use super::attr;
use super::errors::{Errors, Origin};
use super::model::{AttrKind, Handler, Param, RouteAttr};

/// The handlers and route attributes of an impl, in declaration order.
pub(crate) struct Agent {
    pub(crate) handlers: Vec<Handler>,
    pub(crate) attrs: Vec<RouteAttr>,
    /// The trait, when the impl is a trait impl (which it must not be).
    pub(crate) trait_path: Option<syn::Path>,
}

/// Reads the route attributes of `item` and removes them from it.
pub(crate) fn parse(item: &mut ItemImpl, errors: &mut Errors) -> Agent {
    let mut agent = Agent {
        handlers: Vec::new(),
        attrs: Vec::new(),
        trait_path: item.trait_.as_ref().map(|(_, path, _)| path.clone()),
    };
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let attrs = take_route_attrs(method);
        if attrs.is_empty() {
            continue;
        }
        let handler = agent.handlers.len();
        for (position, (kind, attribute)) in attrs.iter().enumerate() {
            errors.about(Origin::attr(handler, position));
            let (keys, parsed) = attr::parse(*kind, attribute, errors);
            agent.attrs.push(RouteAttr {
                handler,
                position,
                kind: *kind,
                keys,
                tokens: attribute.meta.to_token_stream(),
                parsed,
            });
        }
        agent.handlers.push(self::handler(method));
    }
    agent
}

fn take_route_attrs(method: &mut ImplItemFn) -> Vec<(AttrKind, syn::Attribute)> {
    let mut routes = Vec::new();
    method.attrs.retain(|attr| match AttrKind::of(attr) {
        Some(kind) => {
            routes.push((kind, attr.clone()));
            false
        }
        None => true,
    });
    routes
}

fn handler(method: &ImplItemFn) -> Handler {
    let sig = &method.sig;
    let params = sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Receiver(_) => None,
            FnArg::Typed(typed) => Some(Param {
                name: match &*typed.pat {
                    Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
                    _ => None,
                },
                option_of: option_of(&typed.ty),
                state_of: state_of(&typed.ty),
                ty: (*typed.ty).clone(),
                tokens: typed.to_token_stream(),
            }),
        })
        .collect();
    Handler {
        ident: sig.ident.clone(),
        takes_self: sig.receiver().is_some(),
        params,
        output_span: match &sig.output {
            ReturnType::Default => sig.ident.span(),
            ReturnType::Type(_, ty) => ty.span(),
        },
        doc: first_doc_line(&method.attrs),
        sig: sig.clone(),
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

/// `T` when `ty` is written `&mut T`: only the conversation state is
/// handed to a handler by mutable reference.
fn state_of(ty: &Type) -> Option<Type> {
    match ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            Some((*reference.elem).clone())
        }
        Type::Group(group) => state_of(&group.elem),
        Type::Paren(paren) => state_of(&paren.elem),
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
