//! Everything an agent author needs: `use rbm_runtime::prelude::*;`.

pub use crate::agent::{Agent, Delivery, HandlerError};
pub use crate::context::Context;
pub use crate::dsl::{
    AgentId, Captures, EventId, IntoHandlerResult, MessageId, PhoneNumber, PostbackData, Rest, Text,
};
pub use crate::handler_error::Retryable;
pub use crate::protocol::{
    AgentLaunchEvent, FileInfo, LaunchState, Location, SendTime, ServerEvent, ServerEventType,
    SuggestionResponse, UnknownPayload, UserEvent, UserEventType, UserFile, UserMessage,
};
pub use crate::reply::{
    AgentEvent, CardContent, CardWidth, ContentInfo, Media, MediaHeight, Reply, StandaloneCard,
    Suggestion, ThumbnailAlignment,
};
pub use crate::sender::SendError;
pub use rbm_macros::{
    on_event, on_launch_event, on_message, on_server_event, on_unknown, rbm_agent,
};
