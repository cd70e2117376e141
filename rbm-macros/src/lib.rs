//! Attribute macros of rbm. Users depend on `rbm-runtime`, which re-exports
//! them (`use rbm_runtime::prelude::*;`). The DSL is documented on
//! [`macro@rbm_agent`].
//!
//! The generated code names items of the runtime's hidden `__private`
//! module, which is no stable API: `rbm-runtime` therefore depends on this
//! crate with an exact version requirement (`=0.1.0`), so a runtime never
//! meets a macros crate it was not released with.

mod agent;
mod exports;

use proc_macro::TokenStream;

// The DSL's documentation is a Markdown file so that the root package can
// run its examples as doctests: this crate's own doctests would need the
// runtime as a dev-dependency, built a second time for the host with the
// proc-macro's unit tests (see `doctest = false` in Cargo.toml).
#[doc = include_str!("rbm_agent.md")]
#[proc_macro_attribute]
pub fn rbm_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    agent::rbm_agent(args.into(), item.into()).into()
}

/// Routes user messages to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_message(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_message", item.into()).into()
}

/// Routes user events to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_event(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_event", item.into()).into()
}

/// Routes server (TTL expiry) events to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_server_event(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_server_event", item.into()).into()
}

/// Routes agent launch events to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_launch_event(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_launch_event", item.into()).into()
}

/// Routes payloads of no known kind to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_unknown(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_unknown", item.into()).into()
}
