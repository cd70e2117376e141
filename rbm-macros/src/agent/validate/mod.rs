//! Every check of `#[rbm_agent]`: handler signatures, what each route
//! attribute's keys mean together, and routes compared with each other.
//! Turns the parsed model into routes the expansion can dispatch.

mod keys;
mod named;
mod routes;
mod signature;
mod state;

use syn::Type;

use super::errors::{Errors, Origin};
use super::model::Route;
use super::parse::Agent;

/// The routes of an agent, validated.
pub(crate) struct Valid {
    /// Every route whose attribute is sound, in declaration order: the
    /// route table of the logs.
    pub(crate) routes: Vec<Route>,
    /// For each route, whether it is dispatched (an unreachable one, already
    /// reported, is not).
    pub(crate) live: Vec<bool>,
}

/// Records every problem of `agent`, whose conversation state is of type
/// `state` (if it declares one); returns its sound routes.
pub(crate) fn validate(agent: &Agent, state: Option<&Type>, errors: &mut Errors) -> Valid {
    if let Some(path) = &agent.trait_path {
        errors.about(Origin::AGENT);
        errors.spanned(
            path,
            "`#[rbm_agent]` goes on an inherent `impl` block of handlers, not on a trait impl",
        );
    }
    let usable: Vec<bool> = agent
        .handlers
        .iter()
        .enumerate()
        .map(|(index, handler)| {
            errors.about(Origin::signature(index));
            // Both run: each reports its own problems.
            let callable = signature::check(handler, errors);
            state::params(handler, state, errors) && callable
        })
        .collect();
    let mut routes = Vec::new();
    // Per route, whether its values and parameters agree by name.
    let mut named = Vec::new();
    // An attribute with a syntax error was reported by the parser; judging
    // what is left of its keys would only add confusing errors.
    for attr in agent.attrs.iter().filter(|attr| attr.parsed) {
        errors.about(Origin::attr(attr.handler, attr.position));
        let matcher = keys::matcher(attr.kind, &attr.keys, errors);
        let filter = state::filter(&attr.keys, state, errors);
        let (Some(matcher), Ok(filter)) = (matcher, filter) else {
            continue;
        };
        // Checked even for a broken signature: the names are wrong all the same.
        let names_agree = named::check(attr, &matcher, &agent.handlers[attr.handler], errors);
        // A handler whose signature is broken gets no routes: its errors
        // are reported once, not again from the generated dispatch.
        if usable[attr.handler] {
            named.push(names_agree);
            routes.push(Route {
                handler: attr.handler,
                matcher,
                pattern: attr.pattern(),
                tokens: attr.tokens.clone(),
                literal: keys::literal_span(&attr.keys),
                filter,
            });
        }
    }
    errors.about(Origin::ROUTES);
    // A route whose names disagree is checked against the others (its
    // matcher is sound) but not dispatched, which would only add rustc's
    // errors about the same parameters.
    let live = routes::check(&agent.handlers, &routes, errors)
        .into_iter()
        .zip(named)
        .map(|(live, names_agree)| live && names_agree)
        .collect();
    Valid { routes, live }
}
