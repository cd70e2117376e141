//! Helpers for testing bots and rbm itself without Google (feature `testing`).
//!
//! - [`fake_api`]: a local fake of the RBM API and its OAuth token endpoint,
//!   over real HTTP, that checks signatures, records requests and can be
//!   scripted to fail.

pub mod fake_api;
