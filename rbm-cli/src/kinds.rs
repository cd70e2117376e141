//! From command-line values to the wire enums, and from `rbm send` kinds to
//! delivery builders.

use rbm_runtime::protocol::{LaunchState, ServerEventType, UserEventType};
use rbm_runtime::testing::{Google, PushBuilder};

use crate::cli::{EventKind, Kind, LaunchKind, TtlOutcome};

impl From<EventKind> for UserEventType {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::Delivered => Self::Delivered,
            EventKind::Read => Self::Read,
            EventKind::Typing => Self::IsTyping,
            EventKind::Subscribe => Self::Subscribe,
            EventKind::Unsubscribe => Self::Unsubscribe,
        }
    }
}

impl From<TtlOutcome> for ServerEventType {
    fn from(outcome: TtlOutcome) -> Self {
        match outcome {
            TtlOutcome::Revoked => Self::TtlExpirationRevoked,
            TtlOutcome::RevokeFailed => Self::TtlExpirationRevokeFailed,
        }
    }
}

impl From<LaunchKind> for LaunchState {
    fn from(kind: LaunchKind) -> Self {
        match kind {
            LaunchKind::Unlaunched => Self::Unlaunched,
            LaunchKind::Pending => Self::Pending,
            LaunchKind::Launched => Self::Launched,
            LaunchKind::Rejected => Self::Rejected,
            LaunchKind::Suspended => Self::Suspended,
        }
    }
}

/// The delivery `rbm send` sends for `kind`.
pub(crate) fn builder(google: &Google, kind: Kind) -> PushBuilder {
    match kind {
        Kind::Text { text } => google.text(text),
        Kind::Postback { data, text, action } => {
            let label = text.unwrap_or_else(|| data.clone());
            let builder = google.postback(data, label);
            if action {
                builder.as_action_tap()
            } else {
                builder
            }
        }
        Kind::Location {
            latitude,
            longitude,
        } => google.location(latitude, longitude),
        Kind::File { url, mime } => google.file(url, mime),
        Kind::Event { event, message_id } => {
            let builder = google.user_event(event.into());
            match message_id {
                Some(id) => builder.message_id(id),
                None => builder,
            }
        }
        Kind::Ttl {
            outcome,
            message_id,
        } => google.server_event(outcome.into(), message_id),
        Kind::Launch { state, from } => google.launch_event(from.into(), state.into()),
        Kind::Raw { json } => google.raw(json),
    }
}
