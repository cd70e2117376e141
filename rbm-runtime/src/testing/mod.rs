//! Helpers for testing bots and rbm itself without Google (feature `testing`).
//!
//! - [`TestBot`]: drives an agent through the real request pipeline in this
//!   process and captures what it sends; [`HttpBot`] does the same for a
//!   running server, reading its replies from a [`fake_api::FakeRbmApi`].
//! - [`Google`]: signed deliveries of every payload kind, exactly as Google
//!   sends them.
//! - [`fake_api`]: a local fake of the RBM API and its OAuth token endpoint,
//!   over real HTTP, that checks signatures, records requests and can be
//!   scripted to fail.
//!
//! ```
//! # async fn run() {
//! use rbm_runtime::prelude::*;
//! use rbm_runtime::testing::TestBot;
//!
//! struct Echo;
//! impl Agent for Echo {
//!     async fn handle(&self, delivery: &Delivery, _: &Context) -> rbm_runtime::HandlerResult {
//!         let text = match &delivery.payload {
//!             rbm_runtime::protocol::Payload::Message(m) => m.text().unwrap_or("?").to_owned(),
//!             _ => return Ok(vec![]),
//!         };
//!         Ok(vec![Reply::text(text)])
//!     }
//! }
//!
//! let bot = TestBot::new(Echo);
//! bot.text("hi").await.expect_text("hi");
//! bot.redeliver_last().await.expect_no_reply(); // a duplicate is not handled again
//! # }
//! ```

mod bot;
mod capture;
pub mod fake_api;
mod http;
mod ids;
mod in_process;
mod payload;
mod push;
mod redis_server;
mod replies;
mod sent;

pub use bot::{Bot, Transport, TransportError};
pub use capture::CapturingSender;
pub use http::{HttpBot, OverHttp, http_client, read_sent};
pub use hyper::StatusCode;
pub use hyper::header::HeaderName;
pub use in_process::{InProcess, TEST_CLIENT_TOKEN, TestBot};
pub use push::{DEFAULT_AGENT_ID, DEFAULT_SENDER, Google, PushBuilder, SignedPush};
pub use redis_server::RedisServer;
pub use replies::Replies;
pub use sent::{AgentMessage, Card, Chip, Content, SentEvent, Tappable};
