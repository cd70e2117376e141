//! Collects every error of one `#[rbm_agent]` impl, so they are all reported
//! together instead of one per compile (as serde_derive's `Ctxt` does).

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// What an error is about, so errors come out in source order although
/// parsing and validation each walk the whole impl: the impl's arguments,
/// then each handler (its signature, then its route attributes in order),
/// then the checks across routes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Origin(usize, usize);

impl Origin {
    /// The impl itself and the arguments of `#[rbm_agent]`.
    pub(crate) const AGENT: Self = Self(0, 0);

    /// The checks that compare routes with each other.
    pub(crate) const ROUTES: Self = Self(usize::MAX, 0);

    /// The signature of handler number `handler`.
    pub(crate) fn signature(handler: usize) -> Self {
        Self(handler + 1, 0)
    }

    /// Route attribute number `attr` of handler number `handler`.
    pub(crate) fn attr(handler: usize, attr: usize) -> Self {
        Self(handler + 1, attr + 1)
    }
}

/// The errors found so far.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<(Origin, syn::Error)>,
    origin: Origin,
}

impl Errors {
    /// Records the next errors as being about `origin`.
    pub(crate) fn about(&mut self, origin: Origin) {
        self.origin = origin;
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanning the tokens of `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl quote::ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error produced by syn.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push((self.origin, error));
    }

    /// How many errors there are (to tell whether a step added one).
    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    /// The `compile_error!`s of every error, in source order (errors about
    /// one thing in the order they were found).
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        let mut errors: Vec<_> = self.errors.iter().collect();
        errors.sort_by_key(|(origin, _)| *origin);
        errors
            .into_iter()
            .map(|(_, error)| error.to_compile_error())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_come_out_in_source_order() {
        let mut errors = Errors::default();
        errors.about(Origin::ROUTES);
        errors.at(Span::call_site(), "across routes");
        errors.about(Origin::attr(1, 0));
        errors.at(Span::call_site(), "second handler");
        errors.about(Origin::signature(0));
        errors.at(Span::call_site(), "first handler");
        let out = errors.to_compile_errors().to_string();
        let first = out.find("first handler").expect("reported");
        let second = out.find("second handler").expect("reported");
        let across = out.find("across routes").expect("reported");
        assert!(first < second && second < across, "{out}");
    }
}
