//! What `#[rbm_agent]` accepts: agents that must compile, whose generated
//! code is then run. They are the counterpart of the UI suite's failures
//! (`tests/ui.rs`), kept in an ordinary test so that trybuild only has to
//! `check` its cases rather than build the whole dependency tree again.

// A handler may take every extractor there is; that is what one case shows.
#![allow(clippy::too_many_arguments)]

#[path = "expansions/conversation_state.rs"]
mod conversation_state;
#[path = "expansions/every_route_and_extractor.rs"]
mod every_route_and_extractor;
#[path = "expansions/handlers_stay_plain_methods.rs"]
mod handlers_stay_plain_methods;
#[path = "expansions/retryable_errors.rs"]
mod retryable_errors;

#[test]
fn conversation_state() {
    conversation_state::main();
}

#[test]
fn every_route_and_extractor() {
    every_route_and_extractor::main();
}

#[test]
fn handlers_stay_plain_methods() {
    handlers_stay_plain_methods::main();
}

#[test]
fn retryable_errors() {
    retryable_errors::main();
}
