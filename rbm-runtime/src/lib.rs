//! rbm-runtime: host Google RCS Business Messaging agents.
#![forbid(unsafe_code)]

pub mod agent;
pub mod api;
pub mod context;
pub mod dsl;
mod mask;
pub mod protocol;
pub mod reply;
pub mod prelude;
pub mod sender;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

pub use agent::{Agent, Delivery, HandlerError, HandlerResult, RouteInfo};
pub use api::RbmApiClient;
pub use context::Context;
pub use reply::{AgentEvent, Reply, Suggestion};
pub use sender::{LogSender, OutgoingEvent, OutgoingMessage, ReplySender, SendError};
pub use verify::{SignatureError, SignatureVerifier, sign};

#[doc(hidden)]
pub use dsl::private as __private;
pub use rbm_macros::{on_event, on_launch_event, on_message, on_server_event, on_unknown, rbm_agent};
