//! Running an agent on one delivery: the same in both delivery modes (in
//! the request, inline; from the inbox, by a worker). The handler deadline,
//! panics, the automatic read receipt and the replies are all handled here.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

use super::identity::Identity;
use super::webhook::Webhook;
use crate::agent::{Delivery, DynAgent, HandlerError};
use crate::context::Context;
use crate::escape::push_escaped;
use crate::inbox::Job;
use crate::mask::MaskedPhone;
use crate::metrics::ServerMetrics;
use crate::protocol::Payload;
use crate::route::RouteInfo;
use crate::sender::ReplySender;
use crate::state::StateSlot;
use crate::store::{Entry, EntryId, StateChange, StateKey, Store};

/// What the webhooks of a server share to handle deliveries.
pub(crate) struct Handling {
    /// The hosted webhooks.
    pub(crate) webhooks: Box<[Webhook]>,
    /// Where replies go.
    pub(crate) sender: Arc<dyn ReplySender>,
    /// The longest a handler (with its replies) may take (`RBM_HANDLER_TIMEOUT_SECS`).
    pub(crate) handler_timeout: Duration,
    /// Where conversation state is kept (the server's store).
    pub(crate) store: Arc<dyn Store>,
    /// Whether state expires (`RBM_STATE_TTL_SECS`): then a handled
    /// delivery rewrites the state it read, so state in use stays.
    pub(crate) state_expires: bool,
    /// What the server measures, when metrics are on (`RBM_METRICS_ADDR`).
    pub(crate) metrics: Option<Arc<ServerMetrics>>,
}

/// How one attempt at handling a delivery ended.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// The handler succeeded and its replies were accepted.
    Handled,
    /// The handler or its replies failed; trying again may succeed.
    Failed(String),
    /// The handler failed in a way trying again cannot fix.
    Undeliverable(String),
    /// The handler panicked, with this message.
    Panicked(String),
    /// The handler did not finish within the deadline.
    TimedOut(Duration),
}

impl Attempt {
    /// Why it failed, for a log line or a dead letter (`None` when handled).
    pub(crate) fn reason(&self) -> Option<String> {
        match self {
            Self::Handled => None,
            Self::Failed(reason) | Self::Undeliverable(reason) => Some(reason.clone()),
            Self::Panicked(message) => Some(panic_reason(message)),
            Self::TimedOut(deadline) => Some(format!(
                "the handler took longer than {} s (RBM_HANDLER_TIMEOUT_SECS)",
                deadline.as_secs_f64()
            )),
        }
    }

    /// Whether trying again could succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        !matches!(self, Self::Handled | Self::Undeliverable(_))
    }
}

/// The message a panic was given (`panic!("…")`, `expect("…")`), or a
/// placeholder for a payload of another type (`panic_any`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a value that is not a message".to_owned())
}

/// What a log line, a dead letter and a test say of a panic.
pub(crate) fn panic_reason(message: &str) -> String {
    format!("the handler panicked: {message}")
}

/// An attempt and the route that took the delivery.
pub(crate) struct Attempted {
    /// The route whose handler ran (unknown if it panicked or timed out).
    pub(crate) route: Option<&'static RouteInfo>,
    /// How it ended.
    pub(crate) attempt: Attempt,
    /// The user's state as the handler left it, to store with the done
    /// mark (only for a handled delivery whose handler changed it).
    pub(crate) state: Option<StateChange>,
    /// Why replies were dropped (refused for good), joined; `None` if none was.
    pub(crate) dropped: Option<String>,
}

impl Attempted {
    fn ended(attempt: Attempt) -> Self {
        Self {
            route: None,
            attempt,
            state: None,
            dropped: None,
        }
    }
}

impl Handling {
    /// The webhook on `path`.
    pub(crate) fn webhook(&self, path: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| *w.path == *path)
    }

    /// The position of the webhook on `path` among the server's.
    pub(crate) fn webhook_index(&self, path: &str) -> Option<usize> {
        self.webhooks.iter().position(|w| *w.path == *path)
    }

    /// Runs `agent` on `delivery` and sends its replies, within the handler
    /// deadline. Reply ids derive from `identity`, so an attempt repeated
    /// for the same delivery sends nothing twice. A panic fails this attempt only.
    pub(crate) async fn attempt(
        &self,
        agent: &dyn DynAgent,
        delivery: &Delivery,
        identity: &str,
    ) -> Attempted {
        let mut context = Context::new(
            Arc::clone(&self.sender),
            identity,
            delivery.payload.phone_number().map(str::to_owned),
            delivery.payload.agent_id().map(str::to_owned),
            user_message_id(delivery),
        );
        if agent.uses_state() {
            match self.load_state(delivery).await {
                Ok(Some(slot)) => context = context.with_state(slot),
                Ok(None) => {}
                Err(reason) => return Attempted::ended(Attempt::Failed(reason)),
            }
        }
        let run = AssertUnwindSafe(handle(agent, delivery, &context)).catch_unwind();
        match tokio::time::timeout(self.handler_timeout, run).await {
            Err(_) => Attempted::ended(Attempt::TimedOut(self.handler_timeout)),
            // The route of a handler that panicked is unknown: its result,
            // which names it, never came back.
            Ok(Err(payload)) => {
                Attempted::ended(Attempt::Panicked(panic_message(payload.as_ref())))
            }
            Ok(Ok((route, result))) => {
                let (attempt, state) = match result {
                    Ok(()) => (Attempt::Handled, context.state_change()),
                    Err(error) if error.is_retryable() => {
                        (Attempt::Failed(error.to_string()), None)
                    }
                    Err(error) => (Attempt::Undeliverable(error.to_string()), None),
                };
                let dropped = context.dropped();
                Attempted {
                    route,
                    attempt,
                    state,
                    dropped: (!dropped.is_empty()).then(|| dropped.join("; ")),
                }
            }
        }
    }

    /// The state of the user `delivery` is about, read from the store;
    /// `None` for a delivery without a user.
    async fn load_state(&self, delivery: &Delivery) -> Result<Option<StateSlot>, String> {
        let Some(user) = delivery.payload.phone_number() else {
            return Ok(None);
        };
        let agent = delivery.payload.agent_id().unwrap_or_default();
        let key = StateKey::new(agent, user);
        match self.store.state(&key).await {
            Ok(stored) => {
                let loaded = stored.map(|stored| stored.data);
                Ok(Some(StateSlot::new(key, loaded, self.state_expires)))
            }
            Err(error) => Err(format!("the conversation state could not be read: {error}")),
        }
    }

    /// The job of an entry read back from the store, or why it can no
    /// longer be handled here (it becomes a dead letter).
    pub(crate) fn job_of_entry(&self, entry: Entry) -> Result<Job, (EntryId, String)> {
        let id = entry.id;
        let Some(webhook) = self.webhook(&entry.webhook) else {
            return Err((id, "no webhook serves its path any more".to_owned()));
        };
        let payload = Payload::classify(&entry.data, entry.attribute_type.as_deref())
            .map_err(|error| (id, format!("its payload no longer parses: {error}")))?;
        let delivery = Delivery {
            payload,
            pubsub_message_id: entry.pubsub_message_id,
            publish_time: entry.publish_time,
        };
        let Some(agent) = webhook.agent_for(&delivery.payload) else {
            return Err((
                id,
                "no agent of its webhook serves its agentId any more".to_owned(),
            ));
        };
        let (lane, identity) = {
            let identity = Identity::of(&delivery, &webhook.path);
            (identity.lane(), identity.name())
        };
        Ok(Job {
            id,
            lane,
            path: Arc::from(&*webhook.path),
            agent: Arc::clone(agent),
            delivery,
            identity,
            attempts: entry.attempts,
            queued_at_ms: entry.queued_at_ms,
            epoch: 0,
            received_in: None,
        })
    }

    /// The log line of one attempt at a stored delivery (target
    /// `rbm::delivery`, like the request lines).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn log_attempt(
        &self,
        entry: crate::store::EntryId,
        path: &str,
        delivery: &Delivery,
        route: Option<&'static RouteInfo>,
        outcome: &str,
        attempt: u32,
        reason: Option<&str>,
        latency: Duration,
    ) {
        let failed = reason.is_some();
        let enabled = if failed {
            tracing::enabled!(target: "rbm::delivery", tracing::Level::WARN)
        } else {
            tracing::enabled!(target: "rbm::delivery", tracing::Level::INFO)
        };
        if !enabled {
            return;
        }
        let payload = &delivery.payload;
        let level = if failed {
            tracing::Level::WARN
        } else {
            tracing::Level::INFO
        };
        // Built straight into the log writer's line when it can be.
        let Err(line) = crate::logging::write_direct(level, "rbm::delivery", |line| {
            line.push_str("inbox delivery path=");
            push_escaped(line, path);
            line.push_str(" kind=");
            line.push_str(payload.kind().as_str());
            line.push_str(" agent=");
            push_escaped(line, payload.agent_id().unwrap_or("-"));
            line.push_str(" route=");
            line.push_str(route.map_or("-", |r| r.name));
            line.push_str(" sender=");
            match payload.phone_number() {
                Some(phone) => MaskedPhone(phone).push_to(line),
                None => line.push('-'),
            }
            line.push_str(" outcome=");
            line.push_str(outcome);
            line.push_str(" attempt=");
            line.push_str(itoa::Buffer::new().format(attempt));
            line.push_str(" latency_us=");
            line.push_str(itoa::Buffer::new().format(latency.as_micros() as u64));
            line.push_str(" entry=");
            line.push_str(itoa::Buffer::new().format(entry.0));
            if let Some(reason) = reason {
                line.push_str(" reason=");
                push_escaped(line, reason);
            }
        }) else {
            return;
        };
        if failed {
            tracing::warn!(target: "rbm::delivery", "{line}");
        } else {
            tracing::info!(target: "rbm::delivery", "{line}");
        }
    }
}

/// Runs the agent on a delivery and sends what it returns; says which route
/// took it. An automatic read receipt that cannot be sent does not stop the
/// handler.
async fn handle(
    agent: &dyn DynAgent,
    delivery: &Delivery,
    context: &Context,
) -> (Option<&'static RouteInfo>, Result<(), HandlerError>) {
    if agent.auto_read_receipts() && user_message_id(delivery).is_some() {
        match context.mark_read().await {
            Err(error) if error.is_retryable() => return (None, Err(error.into())),
            Err(error) => tracing::warn!(%error, "read receipt dropped"),
            Ok(()) => {}
        }
    }
    let handled = agent.dispatch_boxed(delivery, context).await;
    let sent = match handled.result {
        Ok(replies) => context.reply_all(replies).await.map_err(HandlerError::from),
        Err(error) => Err(error),
    };
    (handled.route, sent)
}

/// The `messageId` of a user message (what a read receipt names).
pub(crate) fn user_message_id(delivery: &Delivery) -> Option<String> {
    match &delivery.payload {
        Payload::Message(message) => message.message_id.clone(),
        _ => None,
    }
}
