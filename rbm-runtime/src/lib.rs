//! rbm-runtime: host Google RCS Business Messaging agents.
//!
//! Write an agent as an `impl` block of async handlers marked
//! [`#[rbm_agent]`](rbm_agent), and serve it with [`serve_from_env`]. The
//! modules users name are [`api`] (the RBM API client), [`protocol`] (the
//! wire types), [`reply`] (what handlers send), [`store`] (what the runtime
//! remembers), [`logging`], and, with the `testing` feature, `testing`;
//! everything else is re-exported here.
#![forbid(unsafe_code)]

mod agent;
#[cfg(feature = "mimalloc")]
mod allocator;
pub mod api;
pub mod campaign;
mod context;
mod dedupe;
mod dsl;
mod error;
mod escape;
mod handler_error;
mod inbox;
pub mod logging;
mod mask;
mod metrics;
pub mod prelude;
pub mod protocol;
pub mod reply;
mod route;
mod sender;
mod server;
mod state;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod verify;

pub use agent::{Agent, Delivery, Handled, HandlerError, HandlerResult};
pub use api::RbmApiClient;
pub use context::Context;
pub use error::{ConfigError, Error};
pub use handler_error::Retryable;
pub use reply::{AgentEvent, Reply, Suggestion};
pub use route::RouteInfo;
pub use sender::{LogSender, OutgoingEvent, OutgoingMessage, ReplySender, SendError, SendFuture};
pub use server::{
    AcmeSettings, CertFiles, DeliveryMode, EnvWebhook, PartnerAgents, RunningServer, Server,
    ServerBuilder, ServerConfig, TlsSettings, WebhookHandler, serve_from_env,
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
