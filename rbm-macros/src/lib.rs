//! Attribute macros of rbm. Users depend on `rbm-runtime`, which re-exports
//! them (`use rbm_runtime::prelude::*;`). The DSL is documented on
//! [`macro@rbm_agent`].

mod agent;

use proc_macro::TokenStream;

/// Turns an `impl` block of async handlers into an RBM agent.
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
