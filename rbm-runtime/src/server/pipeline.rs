//! One request, start to finish: find the webhook, read the body, recognise
//! it, verify it, suppress duplicates, hand it to the agent, pick the status.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::{FutureExt, Stream, StreamExt};
use warp::http::{HeaderMap, HeaderValue, Method, header};
use warp::reply::Response;

use super::claim::Claims;
use super::identity::Identity;
use super::outcome::{self, DeliveryFacts, Outcome};
use super::sequencer::Sequencer;
use super::webhook::Webhook;
use crate::agent::{Delivery, DynAgent, HandlerError};
use crate::context::Context;
use crate::dedupe::Claim;
use crate::protocol::{Incoming, Payload, PushEnvelope};
use crate::route::RouteInfo;
use crate::sender::ReplySender;

/// What the pipeline needs of a request's head.
pub(crate) struct RequestHead {
    /// `X-Goog-Signature`, if present.
    pub(crate) signature: Option<HeaderValue>,
    /// `Content-Length`, if present and a number.
    pub(crate) content_length: Option<u64>,
}

impl RequestHead {
    /// Picks the two headers out of a full header map.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            signature: headers.get(SIGNATURE_HEADER).cloned(),
            content_length: headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok()),
        }
    }
}

/// The header carrying the HMAC of `message.data`.
pub(crate) const SIGNATURE_HEADER: &str = "x-goog-signature";

/// Everything the requests of one server share.
pub(crate) struct Pipeline {
    pub(crate) webhooks: Vec<Webhook>,
    pub(crate) claims: Arc<Claims>,
    pub(crate) sender: Arc<dyn ReplySender>,
    pub(crate) sequencer: Arc<Sequencer>,
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
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
        head: RequestHead,
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
        let outcome = self.outcome(&method, &head, body, &mut facts).await;
        outcome::log(&outcome, &facts, started.elapsed());
        outcome.into_response()
    }

    async fn outcome<S, B>(
        &self,
        method: &Method,
        head: &RequestHead,
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
        let body = match self.read_body(head.content_length, body).await {
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
        let signature = head.signature.as_ref().map(|v| v.as_bytes());
        if let Err(error) = webhook.verifier.verify(&data, signature) {
            return Outcome::Unauthorized(error);
        }
        self.deliver(webhook, &envelope, &data, facts).await
    }

    /// Reads the body up to the limit, within the body timeout. A body that
    /// arrives in one chunk (the usual case) is kept without a copy.
    async fn read_body<S, B>(
        &self,
        declared: Option<u64>,
        mut body: std::pin::Pin<&mut S>,
    ) -> Result<Bytes, Outcome>
    where
        S: Stream<Item = Result<B, warp::Error>>,
        B: Buf,
    {
        if declared.is_some_and(|len| len > self.body_limit as u64) {
            return Err(Outcome::TooLarge);
        }
        let read = async {
            let mut first: Option<Bytes> = None;
            let mut rest: Option<BytesMut> = None;
            let mut len = 0usize;
            while let Some(chunk) = body.next().await {
                let mut chunk = chunk.map_err(|e| Outcome::BadRequest(format!("body: {e}")))?;
                len += chunk.remaining();
                if len > self.body_limit {
                    return Err(Outcome::TooLarge);
                }
                match (&mut first, &mut rest) {
                    (None, _) => first = Some(chunk.copy_to_bytes(chunk.remaining())),
                    (Some(head), None) => {
                        // The declared length is the client's word: never
                        // reserve more than a little ahead of what arrived.
                        let capacity = declared
                            .map_or(2 * len, |d| d as usize)
                            .min(len + 64 * 1024);
                        let mut buffer = BytesMut::with_capacity(capacity);
                        buffer.extend_from_slice(head);
                        buffer.put(chunk);
                        rest = Some(buffer);
                    }
                    (Some(_), Some(buffer)) => buffer.put(chunk),
                }
            }
            Ok(match (first, rest) {
                (_, Some(buffer)) => buffer.freeze(),
                (Some(head), None) => head,
                (None, None) => Bytes::new(),
            })
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
        if let Payload::Unknown(unknown) = &payload {
            tracing::warn!(
                reason = %crate::escape::Escaped(&unknown.reason),
                "authentic payload of an unknown kind"
            );
        }
        let delivery = Delivery {
            payload,
            pubsub_message_id: envelope.message_id.as_deref().map(str::to_owned),
            publish_time: envelope.publish_time.as_deref().map(str::to_owned),
        };
        let outcome = match webhook.agent_for(&delivery.payload) {
            Some(agent) => self.handle_once(webhook, agent, &delivery, facts).await,
            None => Outcome::Unhandleable(format!(
                "no agent for agentId {:?} on this partner webhook",
                delivery.payload.agent_id().unwrap_or("")
            )),
        };
        // The log line reads the kind, sender and agent from it.
        facts.payload = Some(delivery.payload);
        outcome
    }

    /// Claims the delivery, waits for its sender's turn, runs the agent.
    async fn handle_once(
        &self,
        webhook: &Webhook,
        agent: &Arc<dyn DynAgent>,
        delivery: &Delivery,
        facts: &mut DeliveryFacts<'_>,
    ) -> Outcome {
        let identity = Identity::of(delivery, &webhook.path);
        let claim = match self.claims.claim(identity.keys).await {
            Ok(claim) => claim,
            Err(Claim::InFlight) => return Outcome::StillInFlight,
            Err(_) => return Outcome::Duplicate,
        };
        // Waiting in line happens in the request, so arrival order is the
        // order of the line.
        let turn = self.sequencer.enter(identity.lane).await;
        let context = Context::new(
            Arc::clone(&self.sender),
            identity.name,
            delivery.payload.phone_number().map(str::to_owned),
            delivery.payload.agent_id().map(str::to_owned),
            user_message_id(delivery),
        );
        // A panic fails this delivery only. If Google hangs up mid-way, this
        // future is dropped: the claim guard releases the claim so the
        // redelivery is handled again, with the same reply ids, so nothing
        // already sent is sent twice.
        let handled = AssertUnwindSafe(handle(agent.as_ref(), delivery, &context))
            .catch_unwind()
            .await;
        let outcome = match handled {
            Ok((route, result)) => {
                facts.route = route;
                match result {
                    Ok(()) => Outcome::Handled,
                    Err(error) if error.is_retryable() => Outcome::Failed(error.to_string()),
                    Err(error) => Outcome::Undeliverable(error.to_string()),
                }
            }
            // The route of a handler that panicked is unknown: its result,
            // which names it, never came back.
            Err(_) => Outcome::Panicked,
        };
        claim.end(matches!(outcome, Outcome::Handled)).await;
        drop(turn);
        outcome
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

fn user_message_id(delivery: &Delivery) -> Option<String> {
    match &delivery.payload {
        Payload::Message(message) => message.message_id.clone(),
        _ => None,
    }
}
