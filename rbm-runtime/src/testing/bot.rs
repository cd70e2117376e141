//! [`Bot`]: a user talking to an agent through some [`Transport`], with one
//! helper per thing a user can do.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use hyper::StatusCode;

use super::push::{Google, PushBuilder, SignedPush};
use super::replies::Replies;
use super::sent::Tappable;
use crate::protocol::{LaunchState, ServerEventType, UserEventType};

/// Why a delivery could not reach the bot (over HTTP).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Nothing answered at the URL (not started, wrong port, crashed).
    #[error("cannot reach the bot at {url}: {reason}")]
    Unreachable {
        /// Where the delivery was sent.
        url: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// The HTTP client could not be set up.
    #[error("the HTTP client cannot be built: {0}")]
    Client(String),
}

/// Carries signed deliveries to a bot and reports what it sent back.
pub trait Transport: Send + Sync {
    /// Delivers `push` and returns the webhook's status with the agent
    /// messages and events sent to the push's sender while it was handled.
    fn deliver(
        &self,
        push: &SignedPush,
    ) -> impl Future<Output = Result<Replies, TransportError>> + Send;
}

/// A user of a bot: sends messages, taps, locations, files and events as
/// Google would, and returns what the bot answered. Use [`TestBot`] for an
/// agent in this process and [`HttpBot`] for a running server.
///
/// The helpers panic when the bot cannot be reached (they are for tests);
/// [`try_deliver`](Self::try_deliver) returns the error instead.
///
/// [`TestBot`]: super::TestBot
/// [`HttpBot`]: super::HttpBot
#[derive(Debug)]
pub struct Bot<T> {
    transport: T,
    google: Google,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last: Option<SignedPush>,
    last_status: Option<StatusCode>,
    last_agent_message: Option<String>,
}

impl<T: Transport> Bot<T> {
    /// A user of the bot behind `transport`, signing with `google`'s token.
    pub fn with_transport(transport: T, google: Google) -> Self {
        Self {
            transport,
            google,
            state: Mutex::new(State::default()),
        }
    }

    /// Talks as this user from now on (E.164).
    pub fn sender(mut self, phone_number: impl Into<String>) -> Self {
        self.google = self.google.sender(phone_number);
        self
    }

    /// Names this agent in deliveries from now on.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.google = self.google.agent_id(agent_id);
        self
    }

    /// The delivery builders, with this bot's token, agent and user.
    pub fn google(&self) -> &Google {
        &self.google
    }

    /// The transport (to reach the captured replies, the fake API…).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub(super) fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    fn session(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Delivers a signed push and returns what came back, or why the bot
    /// could not be reached.
    pub async fn try_deliver(&self, push: SignedPush) -> Result<Replies, TransportError> {
        let result = self.transport.deliver(&push).await;
        let mut state = self.session();
        state.last = Some(push);
        if let Ok(replies) = &result {
            state.last_status = Some(replies.status());
            if let Some(last) = replies.messages().last() {
                state.last_agent_message = Some(last.message_id.clone());
            }
        }
        result
    }

    /// Delivers a signed push; panics when the bot cannot be reached.
    pub async fn deliver(&self, push: SignedPush) -> Replies {
        match self.try_deliver(push).await {
            Ok(replies) => replies,
            Err(error) => panic!("{error}"),
        }
    }

    /// Signs and delivers what `builder` describes.
    pub async fn send(&self, builder: PushBuilder) -> Replies {
        self.deliver(builder.build()).await
    }

    /// The user sends `text`.
    pub async fn text(&self, text: impl Into<String>) -> Replies {
        self.send(self.google.text(text)).await
    }

    /// The user taps a chip or card button (a [`Chip`](super::Chip) from a
    /// reply, or a [`Suggestion`](crate::Suggestion)); an action's tap
    /// arrives as Google sends it, with an `eventId` and no `messageId`.
    pub async fn tap(&self, suggestion: impl Tappable) -> Replies {
        let builder = self
            .google
            .postback(suggestion.postback(), suggestion.label());
        let builder = if suggestion.is_action() {
            builder.as_action_tap()
        } else {
            builder
        };
        self.send(builder).await
    }

    /// The user taps a suggested reply sending `postback_data`.
    pub async fn postback(&self, postback_data: impl Into<String>) -> Replies {
        let postback_data = postback_data.into();
        self.send(self.google.postback(postback_data.clone(), postback_data))
            .await
    }

    /// The user shares a location.
    pub async fn location(&self, latitude: f64, longitude: f64) -> Replies {
        self.send(self.google.location(latitude, longitude)).await
    }

    /// The user sends the file at `uri` of type `mime_type`.
    pub async fn file(&self, uri: impl Into<String>, mime_type: impl Into<String>) -> Replies {
        self.send(self.google.file(uri, mime_type)).await
    }

    /// A user event; `DELIVERED` and `READ` name the agent's last message.
    pub async fn event(&self, event_type: UserEventType) -> Replies {
        let last = self.session().last_agent_message.clone();
        let builder = self.google.user_event(event_type.clone());
        let builder = match (event_type, last) {
            (UserEventType::Delivered | UserEventType::Read, Some(id)) => builder.message_id(id),
            _ => builder,
        };
        self.send(builder).await
    }

    /// A TTL server event about the agent's last message (or a random id).
    pub async fn server_event(&self, event_type: ServerEventType) -> Replies {
        let last = self.session().last_agent_message.clone();
        let id = last.unwrap_or_else(super::ids::uuid);
        self.send(self.google.server_event(event_type, id)).await
    }

    /// An agent launch event: the agent's state became `new` (from `PENDING`).
    pub async fn launch(&self, new: LaunchState) -> Replies {
        self.send(self.google.launch_event(LaunchState::Pending, new))
            .await
    }

    /// Google delivers the last delivery again: same Pub/Sub id, same ids.
    ///
    /// # Panics
    ///
    /// When nothing was delivered yet.
    pub async fn redeliver_last(&self) -> Replies {
        let last = self.session().last.clone();
        match last {
            Some(push) => self.deliver(push.redelivery()).await,
            None => panic!("redeliver_last: nothing was delivered yet"),
        }
    }

    /// The status the webhook answered to the last delivery.
    pub fn last_status(&self) -> Option<StatusCode> {
        self.session().last_status
    }

    /// The last delivery sent.
    pub fn last_delivery(&self) -> Option<SignedPush> {
        self.session().last.clone()
    }
}
