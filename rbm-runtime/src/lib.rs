//! rbm-runtime: host Google RCS Business Messaging agents.
#![forbid(unsafe_code)]

pub mod agent;
pub mod api;
pub mod context;
mod mask;
pub mod protocol;
pub mod reply;
pub mod sender;
pub mod verify;

pub use agent::{Agent, Delivery, HandlerError, HandlerResult, RouteInfo};
pub use api::RbmApiClient;
pub use context::Context;
pub use reply::{AgentEvent, Reply, Suggestion};
pub use sender::{LogSender, OutgoingEvent, OutgoingMessage, ReplySender, SendError};
pub use verify::{SignatureError, SignatureVerifier, sign};
