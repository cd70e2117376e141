//! The README's Rust code, compiled by `cargo test`: every ` ```rust ` block
//! of README.md is a doctest of this otherwise empty library (the `rbm`
//! package itself is its examples, its end-to-end tests and the `rbm` tool).
//! Complete programs are compiled (`rust,no_run` when running them would
//! serve forever); fragments are marked `rust,ignore`, and the "Testing a
//! bot" example is `tests/testing_readme.rs`, which checks that the README
//! shows it as it is.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct Readme;

/// The examples of `#[rbm_agent]`'s documentation (`rbm-macros/src/rbm_agent.md`),
/// compiled here: the macros crate does not run doctests (see its Cargo.toml).
#[cfg(doctest)]
#[doc = include_str!("../rbm-macros/src/rbm_agent.md")]
pub struct RbmAgentDocs;
