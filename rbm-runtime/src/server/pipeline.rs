//! One request, start to finish: find the webhook, read the body, recognise
//! it, verify it, suppress duplicates, hand it to the agent, pick the status.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, BytesMut};
use futures_util::{Stream, StreamExt};
use tokio::sync::Notify;
use warp::http::{HeaderMap, Method, header};
use warp::reply::Response;

use super::identity::Identity;
use super::outcome::{self, DeliveryFacts, Outcome};
use super::sequencer::Sequencer;
use super::webhook::Webhook;
use crate::agent::{Delivery, DynAgent, HandlerError};
use crate::context::Context;
use crate::dedupe::{Claim, DedupeKey, DuplicateStore};
use crate::protocol::{Incoming, Payload, PushEnvelope};
use crate::sender::ReplySender;

/// How long a copy of a delivery waits for another copy being handled.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);
/// How often that wait re-checks a store that cannot notify (a shared one).
const IN_FLIGHT_POLL: Duration = Duration::from_millis(100);

/// Everything the requests of one server share.
pub(crate) struct Pipeline {
    pub(crate) webhooks: Vec<Webhook>,
    pub(crate) store: Arc<dyn DuplicateStore>,
    pub(crate) sender: Arc<dyn ReplySender>,
    pub(crate) sequencer: Arc<Sequencer>,
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
    /// Woken whenever a claim ends, so waiting copies re-check at once.
    pub(crate) claim_ended: Arc<Notify>,
    /// No reply sender was configured: replies go to the log.
    pub(crate) replies_to_log: bool,
}

impl Pipeline {
    /// Logs what is served and where replies go.
    pub(crate) fn announce(&self) {
        for webhook in &self.webhooks {
            let kind = if webhook.is_partner() {
                "partner"
            } else {
                "agent"
            };
            let routes = webhook
                .agents()
                .map(|a| a.route_table().len())
                .sum::<usize>();
            tracing::info!(path = &*webhook.path, kind, routes, "webhook ready");
        }
        if self.replies_to_log {
            tracing::info!("replies go to the log: no RBM API credentials configured");
        }
    }

    /// Serves one request.
    pub(crate) async fn serve<S, B>(
        self: Arc<Self>,
        method: Method,
        path: &str,
        headers: HeaderMap,
        body: S,
    ) -> Response
    where
        S: Stream<Item = Result<B, warp::Error>>,
        B: Buf,
    {
        let body = std::pin::pin!(body);
        let started = Instant::now();
        let mut facts = DeliveryFacts {
            path,
            ..DeliveryFacts::default()
        };
        let outcome = self.outcome(&method, &headers, body, &mut facts).await;
        outcome::log(&outcome, &facts, started.elapsed());
        outcome.into_response()
    }

    async fn outcome<S, B>(
        &self,
        method: &Method,
        headers: &HeaderMap,
        body: std::pin::Pin<&mut S>,
        facts: &mut DeliveryFacts<'_>,
    ) -> Outcome
    where
        S: Stream<Item = Result<B, warp::Error>>,
        B: Buf,
    {
        let Some(webhook) = self.webhooks.iter().find(|w| *w.path == *facts.path) else {
            return Outcome::NotFound;
        };
        if method != Method::POST {
            return Outcome::MethodNotAllowed;
        }
        let body = match self.read_body(headers, body).await {
            Ok(body) => body,
            Err(outcome) => return outcome,
        };
        let envelope = match Incoming::parse(&body) {
            Ok(Incoming::Handshake(handshake)) => {
                return if webhook.token_matches(&handshake.client_token) {
                    Outcome::HandshakeAccepted(handshake.secret.into_owned())
                } else {
                    Outcome::HandshakeRefused
                };
            }
            Ok(Incoming::Push(envelope)) => envelope,
            Err(error) => return Outcome::BadRequest(error.to_string()),
        };
        let data = match envelope.decode_data() {
            Ok(data) => data,
            Err(error) => return Outcome::BadRequest(error.to_string()),
        };
        let signature = headers.get("x-goog-signature").map(|v| v.as_bytes());
        if let Err(error) = webhook.verifier.verify(&data, signature) {
            return Outcome::Unauthorized(error);
        }
        self.deliver(webhook, &envelope, &data, facts).await
    }

    /// Reads the body up to the limit, within the body timeout.
    async fn read_body<S, B>(
        &self,
        headers: &HeaderMap,
        mut body: std::pin::Pin<&mut S>,
    ) -> Result<BytesMut, Outcome>
    where
        S: Stream<Item = Result<B, warp::Error>>,
        B: Buf,
    {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.body_limit as u64) {
            return Err(Outcome::TooLarge);
        }
        let capacity = declared.map_or(8 * 1024, |len| len as usize);
        let read = async {
            let mut buffer = BytesMut::with_capacity(capacity);
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| Outcome::BadRequest(format!("body: {e}")))?;
                if buffer.len() + chunk.remaining() > self.body_limit {
                    return Err(Outcome::TooLarge);
                }
                buffer.put(chunk);
            }
            Ok(buffer)
        };
        tokio::time::timeout(self.body_timeout, read)
            .await
            .unwrap_or(Err(Outcome::BodyTimeout))
    }

    /// Hands an authentic push to its agent, once.
    async fn deliver(
        &self,
        webhook: &Webhook,
        envelope: &PushEnvelope<'_>,
        data: &[u8],
        facts: &mut DeliveryFacts<'_>,
    ) -> Outcome {
        let payload = match Payload::classify(data, envelope.attribute_type()) {
            Ok(payload) => payload,
            Err(error) => return Outcome::Unhandleable(format!("payload is not JSON: {error}")),
        };
        facts.kind = Some(payload.kind());
        facts.agent_id = payload.agent_id().map(str::to_owned);
        facts.phone_number = payload.phone_number().map(str::to_owned);
        if let Payload::Unknown(unknown) = &payload {
            tracing::warn!(
                reason = unknown.reason.as_str(),
                "authentic payload of an unknown kind"
            );
        }
        let Some(agent) = webhook.agent_for(&payload).cloned() else {
            return Outcome::Unhandleable(format!(
                "no agent for agentId {:?} on this partner webhook",
                payload.agent_id().unwrap_or("")
            ));
        };
        let delivery = Delivery {
            payload,
            pubsub_message_id: envelope.message_id.as_deref().map(str::to_owned),
            publish_time: envelope.publish_time.as_deref().map(str::to_owned),
        };
        let identity = Identity::of(&delivery, &webhook.path);
        match self.claim(&identity.keys).await {
            Claim::Fresh => {}
            Claim::Done => return Outcome::Duplicate,
            Claim::InFlight => return Outcome::StillInFlight,
        }
        let claim = ClaimGuard {
            store: Arc::clone(&self.store),
            keys: identity.keys.clone(),
            claim_ended: Arc::clone(&self.claim_ended),
            ended: false,
        };
        // Waiting in line happens here, in the request, so arrival order is
        // the order of the line; the handling itself runs on its own task so
        // a client that hangs up cannot cancel it half-way.
        let turn = self.sequencer.enter(identity.lane).await;
        let context = Context::new(
            Arc::clone(&self.sender),
            identity.name,
            delivery.payload.phone_number().map(str::to_owned),
            delivery.payload.agent_id().map(str::to_owned),
            user_message_id(&delivery),
        );
        let task = tokio::spawn(async move {
            let result = handle(agent.as_ref(), &delivery, &context).await;
            claim.end(result.is_ok()).await;
            drop(turn);
            (result, context.route())
        });
        match task.await {
            Ok((result, route)) => {
                facts.route = route;
                match result {
                    Ok(()) => Outcome::Handled,
                    Err(error) => Outcome::Failed(error.to_string()),
                }
            }
            Err(_) => Outcome::Panicked,
        }
    }

    /// Claims the keys; a copy in flight is waited for, so that when it
    /// fails this copy is handled and when it succeeds this one is a duplicate.
    async fn claim(&self, keys: &[DedupeKey]) -> Claim {
        let deadline = tokio::time::Instant::now() + IN_FLIGHT_WAIT;
        loop {
            let ended = self.claim_ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let claim = self.store.claim(keys).await;
            if claim != Claim::InFlight || tokio::time::Instant::now() >= deadline {
                return claim;
            }
            let wake = (tokio::time::Instant::now() + IN_FLIGHT_POLL).min(deadline);
            let _ = tokio::time::timeout_at(wake, ended).await;
        }
    }
}

/// Runs the agent on a delivery and sends what it returns.
async fn handle(
    agent: &dyn DynAgent,
    delivery: &Delivery,
    context: &Context,
) -> Result<(), HandlerError> {
    if agent.auto_read_receipts() && user_message_id(delivery).is_some() {
        if let Err(error) = context.mark_read().await {
            check_send(error)?;
        }
    }
    let replies = agent.handle_boxed(delivery, context).await?;
    if let Err(error) = context.reply_all(replies).await {
        check_send(error)?;
    }
    Ok(())
}

/// A reply that can never be sent is reported, not retried for 7 days;
/// one that failed after the sender's retries fails the delivery.
fn check_send(error: crate::sender::SendError) -> Result<(), HandlerError> {
    if error.is_retryable() {
        return Err(error.into());
    }
    tracing::error!(%error, "reply dropped: the RBM API will never accept it");
    Ok(())
}

fn user_message_id(delivery: &Delivery) -> Option<String> {
    match &delivery.payload {
        Payload::Message(message) => message.message_id.clone(),
        _ => None,
    }
}

/// Ends a claim exactly once: when handling ends, or when the handling task
/// unwinds from a panic (then the claim is released for the redelivery).
struct ClaimGuard {
    store: Arc<dyn DuplicateStore>,
    keys: Vec<DedupeKey>,
    claim_ended: Arc<Notify>,
    ended: bool,
}

impl ClaimGuard {
    async fn end(mut self, handled: bool) {
        self.ended = true;
        self.store.finish(&self.keys, handled).await;
        self.claim_ended.notify_waiters();
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (store, keys, claim_ended) = (
            Arc::clone(&self.store),
            std::mem::take(&mut self.keys),
            Arc::clone(&self.claim_ended),
        );
        tokio::spawn(async move {
            store.finish(&keys, false).await;
            claim_ended.notify_waiters();
        });
    }
}
