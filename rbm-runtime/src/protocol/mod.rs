//! Wire types of the RBM webhook (no I/O): what Google POSTs to the webhook.
//!
//! The request body is either a verification [`Handshake`] or a Pub/Sub push
//! [`PushEnvelope`]; both are recognised by [`Incoming::parse`] in one borrowed
//! pass. The decoded `message.data` of a push is classified into a [`Payload`]
//! by [`Payload::classify`], following the table in docs/protocol.md#payload-kinds.

mod catch_all;
mod event;
mod incoming;
mod json_fields;
mod launch;
pub(crate) mod message;
mod payload;
mod timestamp;

pub use event::{ServerEvent, ServerEventType, UserEvent, UserEventType};
pub use incoming::{Handshake, Incoming, IncomingError, PushEnvelope};
pub use launch::{AgentLaunchEvent, LaunchState};
pub use message::{
    FileCategory, FileInfo, Location, MessageContent, RichMessageClassification,
    SuggestionResponse, SuggestionResponseType, UserFile, UserMessage,
};
pub use payload::{Payload, PayloadKind, UnknownPayload};
pub use timestamp::SendTime;
