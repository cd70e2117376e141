//! rbm-runtime: host Google RCS Business Messaging agents.
#![forbid(unsafe_code)]

pub mod agent;
pub mod api;
pub mod context;
pub mod dedupe;
pub mod dsl;
mod error;
mod escape;
mod handler_error;
pub mod logging;
mod mask;
pub mod prelude;
pub mod protocol;
pub mod reply;
mod route;
pub mod sender;
pub mod server;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

pub use agent::{Agent, Delivery, Handled, HandlerError, HandlerResult};
pub use api::RbmApiClient;
pub use context::Context;
pub use error::{ConfigError, Error};
pub use handler_error::Retryable;
pub use reply::{AgentEvent, Reply, Suggestion};
pub use route::RouteInfo;
pub use sender::{LogSender, OutgoingEvent, OutgoingMessage, ReplySender, SendError};
pub use server::{
    PartnerAgents, RunningServer, Server, ServerBuilder, ServerConfig, WebhookHandler,
    serve_from_env,
};
pub use verify::{SignatureError, SignatureVerifier, sign};

#[doc(hidden)]
pub use dsl::private as __private;
pub use dsl::{
    AgentId, Captures, EventId, IntoHandlerResult, MessageId, PhoneNumber, PostbackData, Rest, Text,
};
// At the root so compiler messages name one stable path for each handler type.
pub use protocol::{
    AgentLaunchEvent, Location, SendTime, ServerEvent, ServerEventType, SuggestionResponse,
    UnknownPayload, UserEvent, UserEventType, UserFile, UserMessage,
};
pub use rbm_macros::{
    on_event, on_launch_event, on_message, on_server_event, on_unknown, rbm_agent,
};
