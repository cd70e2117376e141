//! [`TestBot`]: an agent driven through the real request pipeline in this
//! process, with no socket, no credentials and its replies captured.

use std::sync::atomic::{AtomicU64, Ordering};

use super::bot::{Bot, Transport, TransportError};
use super::capture::{self, CapturingSender};
use super::push::{Google, SignedPush};
use super::replies::Replies;
use super::sent::{AgentMessage, SentEvent};
use crate::agent::Agent;
use crate::error::Error;
use crate::server::{DeliveryMode, Server, ServerBuilder, WebhookHandler};
use crate::store::{StateChange, StateKey};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The client token a [`TestBot`] signs with unless told otherwise.
pub const TEST_CLIENT_TOKEN: &str = "rbm-test-client-token";

/// An agent in this process, driven through [`WebhookHandler`]: signature
/// checks, duplicate suppression, per-sender order, dispatch and the reply
/// rules all run as in production.
///
/// The [`Replies`] of a delivery are exactly what the pipeline sent while
/// handling that delivery (each send is tagged with the delivery being
/// handled), so one `TestBot` may take several deliveries at once, from one
/// user or many: a copy that waited for another copy and was found to be a
/// duplicate shows no reply, and a message that waited in its user's line
/// shows only its own replies.
///
/// ```
/// # async fn run() {
/// use rbm_runtime::prelude::*;
/// use rbm_runtime::testing::TestBot;
///
/// struct Hello;
/// impl Agent for Hello {
///     async fn handle(&self, _: &Delivery, _: &Context) -> rbm_runtime::HandlerResult {
///         Ok(vec![Reply::text("Hello").suggest_reply("Menu", "menu")])
///     }
/// }
///
/// let bot = TestBot::new(Hello);
/// let replies = bot.text("hi").await;
/// assert_eq!(replies[0].as_text(), Some("Hello"));
/// bot.tap(&replies[0].suggestions[0]).await.expect_text("Hello");
/// # }
/// ```
pub type TestBot = Bot<InProcess>;

/// The in-process transport of a [`TestBot`].
#[derive(Debug, Clone)]
pub struct InProcess {
    handler: WebhookHandler,
    captured: CapturingSender,
    path: String,
}

impl InProcess {
    /// Everything the agent sent so far (the capturing reply sender).
    pub fn captured(&self) -> &CapturingSender {
        &self.captured
    }
}

/// Tags deliveries, so that what was sent for each can be told apart.
static NEXT_DELIVERY: AtomicU64 = AtomicU64::new(0);

impl Transport for InProcess {
    async fn deliver(&self, push: &SignedPush) -> Result<Replies, TransportError> {
        let tag = NEXT_DELIVERY.fetch_add(1, Ordering::Relaxed);
        let since = self.captured.counts();
        let response =
            capture::during_delivery(tag, self.handler.handle(push.request(&self.path))).await;
        // Inline, the pipeline sends replies before it answers; from the
        // inbox, once the entry's attempt ended: all are recorded now.
        let (tag, failure) = match self.handler.stored_entry(&response) {
            Some(entry) => {
                let failure = self.handler.attempted(entry).await;
                (capture::entry_tag(entry), failure)
            }
            None => (tag, self.handler.failure(&response)),
        };
        let (messages, events) = self.captured.sent_for(tag, since);
        let messages = messages.iter().map(AgentMessage::from_outgoing).collect();
        let events = events.iter().map(SentEvent::from_outgoing).collect();
        Ok(Replies::new(response.status(), messages, events).with_failure(failure))
    }
}

impl Bot<InProcess> {
    /// `agent` on a webhook at `/` with [`TEST_CLIENT_TOKEN`], in the
    /// default delivery mode (inbox) on a memory store: each call returns
    /// once the delivery's attempt ended, with what it sent.
    pub fn new(agent: impl Agent) -> Self {
        Self::with_builder(Server::builder(), agent)
    }

    /// Like [`new`](Self::new), in inline mode: a failing handler answers
    /// `500` and is handled again when Google redelivers it
    /// ([`redeliver_last`](Bot::redeliver_last)).
    pub fn inline(agent: impl Agent) -> Self {
        Self::with_builder(Server::builder().delivery(DeliveryMode::Inline), agent)
    }

    fn with_builder(builder: ServerBuilder, agent: impl Agent) -> Self {
        let builder = builder.store_url(crate::store::StoreUrl::Memory).webhook(
            "/",
            TEST_CLIENT_TOKEN,
            agent,
        );
        match Self::from_server(builder, "/", Google::new(TEST_CLIENT_TOKEN)) {
            Ok(bot) => bot,
            // "/" and a non-empty token are always a valid configuration.
            Err(error) => unreachable!("the default test webhook is valid: {error}"),
        }
    }

    /// A server configured by hand (several webhooks, a partner webhook,
    /// other limits), driven by deliveries to `path` built by `google`.
    /// Its reply sender is replaced by a capturing one.
    pub fn from_server(
        builder: ServerBuilder,
        path: impl Into<String>,
        google: Google,
    ) -> Result<Self, Error> {
        let captured = CapturingSender::new();
        let handler = builder.reply_sender(captured.clone()).into_handler()?;
        let transport = InProcess {
            handler,
            captured,
            path: path.into(),
        };
        Ok(Self::with_transport(transport, google))
    }

    /// Everything the agent sent so far, to anyone.
    pub fn captured(&self) -> &CapturingSender {
        self.transport().captured()
    }

    /// This user's conversation state with this agent, as stored (what the
    /// last handled delivery left), or `T::default()` if there is none.
    /// Panics if the stored state is not a `T` (a test's mistake).
    pub async fn state<T: DeserializeOwned + Default>(&self) -> T {
        let key = self.state_key();
        let stored = self.state_store().state(&key).await;
        match stored.expect("the store answers") {
            Some(stored) => serde_json::from_slice(&stored.data)
                .expect("the stored state deserialises as the asked type"),
            None => T::default(),
        }
    }

    /// Sets this user's conversation state, as if a handler had left it.
    pub async fn set_state<T: Serialize>(&self, state: &T) {
        let data = serde_json::to_vec(state).expect("the state serialises");
        let change = StateChange {
            key: self.state_key(),
            data: Some(data),
        };
        self.state_store()
            .put_state(change)
            .await
            .expect("the store takes it");
    }

    fn state_key(&self) -> StateKey {
        let google = self.google();
        StateKey::new(google.agent(), google.user())
    }

    fn state_store(&self) -> &std::sync::Arc<dyn crate::store::Store> {
        self.transport().handler.store()
    }
}
