//! Attribute macros of rbm. Users depend on `rbm-runtime`, which re-exports them.
