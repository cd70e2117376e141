//! One request, start to finish: find the webhook, read the body, recognise
//! it, verify it, suppress duplicates, hand it to the agent, pick the status.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::BodyExt as _;
use hyper::body::Body;
use hyper::header::HeaderValue;
use hyper::{HeaderMap, Method};

use super::Response;
use super::claim::{ClaimGuard, Claims, Refused};
use super::handling::{Attempt, Handling};
use super::identity::Identity;
use super::outcome::{self, DeliveryFacts, Outcome};
use super::sequencer::Sequencer;
use super::webhook::Webhook;
use tracing::Instrument as _;

use crate::agent::{Delivery, DynAgent};
use crate::escape::Escaped;
use crate::inbox::{Inbox, Job};
use crate::logging::spans;
use crate::metrics::Counted;
use crate::protocol::{Incoming, Payload, PushEnvelope};
use crate::store::{Appended, EntryId, NewEntry, Store, StoreError};

/// What the pipeline needs of a request's head.
pub(crate) struct RequestHead {
    /// `X-Goog-Signature`, if present.
    pub(crate) signature: Option<HeaderValue>,
    /// The body's declared length (`Content-Length`), if it has one.
    pub(crate) content_length: Option<u64>,
}

impl RequestHead {
    /// Picks what the pipeline reads out of a request's headers and body.
    /// Hyper has checked `Content-Length` already: the body knows it.
    pub(crate) fn of<B: Body>(headers: &HeaderMap, body: &B) -> Self {
        Self {
            signature: headers.get(SIGNATURE_HEADER).cloned(),
            content_length: body.size_hint().exact(),
        }
    }
}

/// The header carrying the HMAC of `message.data`.
pub(crate) const SIGNATURE_HEADER: &str = "x-goog-signature";

/// Everything the requests of one server share.
pub(crate) struct Pipeline {
    pub(crate) handling: Arc<Handling>,
    pub(crate) mode: Mode,
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
    /// No reply sender was configured: replies go to the log.
    pub(crate) replies_to_log: bool,
}

/// How authentic deliveries are handled.
pub(crate) enum Mode {
    /// Stored durably, acknowledged, then handled by the inbox workers.
    Inbox {
        /// Where deliveries are stored.
        store: Arc<dyn Store>,
        /// The workers.
        inbox: Arc<Inbox>,
    },
    /// Handled inside the request, acknowledged once handled.
    Inline {
        /// Duplicate claims.
        claims: Arc<Claims>,
        /// Per-user order.
        sequencer: Arc<Sequencer>,
    },
}

/// A delivery just stored, to be queued in its lane once its request is logged.
pub(crate) struct StoredJob {
    pub(crate) id: EntryId,
    pub(crate) lane: u128,
    pub(crate) agent: Arc<dyn DynAgent>,
    pub(crate) identity: String,
}

/// The inbox entry a delivery was stored as: put on the response (never
/// sent) so that the in-process testing kit can wait for its handling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredEntry(pub(crate) EntryId);

/// Why an inline delivery was not handled, attached to its response for
/// the in-process testing kit.
#[derive(Debug, Clone)]
pub(crate) struct HandlingFailure(pub(crate) String);

impl Pipeline {
    /// Logs what is served and where replies go.
    pub(crate) fn announce(&self) {
        for webhook in &*self.handling.webhooks {
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
        match &self.mode {
            Mode::Inbox { .. } => tracing::info!(
                "deliveries are acknowledged once stored in the inbox, then handled (RBM_DELIVERY=inbox)"
            ),
            Mode::Inline { .. } => tracing::info!(
                "deliveries are handled before they are acknowledged (RBM_DELIVERY=inline)"
            ),
        }
        if self.replies_to_log {
            tracing::info!("replies go to the log: no RBM API credentials configured");
        }
    }

    /// Queues what a previous run left in the inbox (inbox mode). A shared
    /// store's entries are read by partition instead (see
    /// [`watch_foreign_entries`](Self::watch_foreign_entries)).
    pub(crate) async fn recover(&self) -> Result<usize, StoreError> {
        match &self.mode {
            Mode::Inbox { inbox, .. } if inbox.shared_wake().is_none() => inbox.recover().await,
            Mode::Inbox { .. } | Mode::Inline { .. } => Ok(0),
        }
    }

    /// Starts looking for entries another process adds to the inbox
    /// (`rbm inbox retry` while this server runs; with a shared store, every
    /// entry of the partitions this process holds).
    pub(crate) fn watch_foreign_entries(&self) {
        if let Mode::Inbox { inbox, .. } = &self.mode {
            match inbox.shared_wake() {
                Some(wake) => tokio::spawn(Arc::clone(inbox).run_shared(wake)),
                None => tokio::spawn(Arc::clone(inbox).rescan()),
            };
        }
    }

    /// Lets the testing kit wait for attempts ([`Inbox::attempted`]).
    pub(crate) fn track_attempts(&self) {
        if let Mode::Inbox { inbox, .. } = &self.mode {
            inbox.track_attempts();
        }
    }

    /// Waits for the attempt of a stored entry (testing kit).
    pub(crate) async fn attempted(&self, id: EntryId) -> Option<String> {
        match &self.mode {
            Mode::Inbox { inbox, .. } => inbox.attempted(id).await,
            Mode::Inline { .. } => None,
        }
    }

    /// Stops the inbox workers, letting running handlers finish within `grace`.
    pub(crate) async fn stop_inbox(&self, grace: Duration) {
        if let Mode::Inbox { inbox, .. } = &self.mode {
            inbox.stop(grace).await;
        }
    }

    /// Serves one request.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn's future keeps its arguments twice"
    )]
    pub(crate) fn serve<P, B>(
        self: Arc<Self>,
        method: Method,
        path: P,
        head: RequestHead,
        body: B,
    ) -> impl Future<Output = Response>
    where
        P: AsRef<str>,
        B: Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        // An `async` block rather than an `async fn`: an `async fn` keeps
        // room for its arguments twice (as arguments, and as the locals they
        // are moved into), and this future is copied whole when it is boxed.
        async move {
            let path = path.as_ref();
            let body = std::pin::pin!(body);
            let started = Instant::now();
            let mut facts = DeliveryFacts {
                path,
                ..DeliveryFacts::default()
            };
            let span = spans::receive(path);
            // Wrapping the future in a span moves it once more: only when
            // spans are on.
            let outcome = if span.is_none() {
                self.outcome(&method, &head, body, &mut facts).await
            } else {
                self.outcome(&method, &head, body, &mut facts)
                    .instrument(span.clone())
                    .await
            };
            record_on(&span, &outcome, &facts);
            // The clock is read again only for a line or a metric.
            let elapsed = self.handling.metrics.is_some().then(|| started.elapsed());
            outcome::log(&outcome, &facts, || {
                elapsed.unwrap_or_else(|| started.elapsed())
            });
            if let Some(elapsed) = elapsed {
                self.measure(&outcome, &facts, elapsed);
            }
            let failure = outcome.failure().or_else(|| facts.dropped.take());
            let mut response = outcome.into_response();
            if let Some(failure) = failure {
                response.extensions_mut().insert(HandlingFailure(failure));
            }
            // Taken out of the facts only to be queued: a delivery is several
            // hundred bytes, and inline mode drops it where it is.
            if let Mode::Inbox { inbox, .. } = &self.mode
                && let (Some(stored), Some(delivery)) = (facts.stored.take(), facts.delivery.take())
            {
                response.extensions_mut().insert(StoredEntry(stored.id));
                inbox.stored(Job {
                    id: stored.id,
                    lane: stored.lane,
                    path: Arc::from(path),
                    agent: stored.agent,
                    delivery,
                    identity: stored.identity,
                    attempts: 0,
                    queued_at_ms: crate::inbox::now_ms(),
                    // Queued here only when the store is not shared.
                    epoch: 0,
                    received_in: (!span.is_none()).then_some(span),
                });
            }
            response
        }
    }

    /// Counts a request in the metrics, when they are on.
    pub(crate) fn measure(&self, outcome: &Outcome, facts: &DeliveryFacts<'_>, elapsed: Duration) {
        let Some(metrics) = &self.handling.metrics else {
            return;
        };
        let webhook = metrics.webhook(facts.webhook);
        webhook.delivered(Counted {
            kind: facts.delivery.as_ref().map(|d| d.payload.kind()),
            route: facts.route,
            outcome: outcome.index(),
        });
        if facts.webhook.is_some() {
            webhook.answered_in(elapsed);
        }
        if let Some(handled_in) = facts.handled_in {
            webhook.handled_in(handled_in);
        }
        if matches!(outcome, Outcome::Duplicate) {
            webhook.duplicate();
        }
    }

    async fn outcome<B>(
        &self,
        method: &Method,
        head: &RequestHead,
        body: std::pin::Pin<&mut B>,
        facts: &mut DeliveryFacts<'_>,
    ) -> Outcome
    where
        B: Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        let Some(index) = self.handling.webhook_index(facts.path) else {
            return Outcome::NotFound;
        };
        facts.webhook = Some(index);
        let webhook = &self.handling.webhooks[index];
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
    async fn read_body<B>(
        &self,
        declared: Option<u64>,
        mut body: std::pin::Pin<&mut B>,
    ) -> Result<Bytes, Outcome>
    where
        B: Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        if declared.is_some_and(|len| len > self.body_limit as u64) {
            return Err(Outcome::TooLarge);
        }
        let read = async {
            let mut first: Option<Bytes> = None;
            let mut rest: Option<BytesMut> = None;
            let mut len = 0usize;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| Outcome::BadRequest(format!("body: {e}")))?;
                // Trailers carry nothing the pipeline reads.
                let Ok(chunk) = frame.into_data() else {
                    continue;
                };
                len += chunk.len();
                if len > self.body_limit {
                    return Err(Outcome::TooLarge);
                }
                match (&mut first, &mut rest) {
                    (None, _) => first = Some(chunk),
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
        // A small body has usually arrived with the head: then it is read
        // without setting up a timer (a clock read, a timer entry).
        let mut read = std::pin::pin!(read);
        if let Some(read) = ready_now(read.as_mut()).await {
            return read;
        }
        tokio::time::timeout(self.body_timeout, read)
            .await
            .unwrap_or(Err(Outcome::BodyTimeout))
    }

    /// Hands an authentic push to its agent, once: stores it in the inbox,
    /// or handles it here in inline mode.
    async fn deliver(
        &self,
        webhook: &Webhook,
        envelope: &PushEnvelope<'_>,
        data: &[u8],
        facts: &mut DeliveryFacts<'_>,
    ) -> Outcome {
        let delivery = match keep_delivery(&mut facts.delivery, envelope, data) {
            Ok(delivery) => delivery,
            Err(outcome) => return outcome,
        };
        let Some(agent) = webhook.agent_for(&delivery.payload) else {
            return Outcome::Unhandleable(format!(
                "no agent for agentId {:?} on this partner webhook",
                delivery.payload.agent_id().unwrap_or("")
            ));
        };
        match &self.mode {
            Mode::Inbox { store, .. } => {
                let mut identity = Identity::of(delivery, &webhook.path);
                let lane = identity.lane();
                let entry = NewEntry {
                    lane: format!("{lane:032x}"),
                    webhook: webhook.path.to_string(),
                    keys: std::mem::take(&mut identity.keys),
                    data: data.to_vec(),
                    pubsub_message_id: delivery.pubsub_message_id.clone(),
                    publish_time: delivery.publish_time.clone(),
                    attribute_type: envelope.attribute_type().map(str::to_owned),
                    received_at_ms: crate::inbox::now_ms(),
                };
                match store.append(entry).await {
                    Ok(Appended::Stored(id)) => {
                        // Queued once the request's line is logged (see `serve`).
                        facts.stored = Some(StoredJob {
                            id,
                            lane,
                            agent: Arc::clone(agent),
                            identity: identity.name(),
                        });
                        Outcome::Stored(id)
                    }
                    Ok(Appended::Duplicate) => Outcome::Duplicate,
                    Err(error) => Outcome::StoreFailed(error.to_string()),
                }
            }
            Mode::Inline { claims, sequencer } => {
                let mut identity = Identity::of(delivery, &webhook.path);
                // Claimed here, so that a duplicate (most redeliveries) ends
                // before the boxed part below is built.
                let claim = match claims.claim(std::mem::take(&mut identity.keys)).await {
                    Ok(claim) => claim,
                    Err(Refused::InFlight) => return Outcome::StillInFlight,
                    Err(Refused::Done) => return Outcome::Duplicate,
                    Err(Refused::Store(error)) => return Outcome::StoreFailed(error.to_string()),
                };
                // Boxed: handling is the largest part of a request's state
                // machine, and every enclosing future (up to the boxed one
                // a request is answered by) is moved by value at least once.
                // Inline, each move copies kilobytes; boxed, a pointer.
                let (outcome, handled) =
                    Box::pin(self.handle_claimed(claim, sequencer, agent, delivery, &identity))
                        .await;
                facts.route = handled.route;
                facts.handled_in = handled.handled_in;
                facts.dropped = handled.dropped;
                outcome
            }
        }
    }

    /// Waits for the sender's turn and runs the agent on a claimed
    /// delivery; the outcome, and what the handling tells the log line.
    async fn handle_claimed(
        &self,
        claim: ClaimGuard,
        sequencer: &Arc<Sequencer>,
        agent: &Arc<dyn DynAgent>,
        delivery: &Delivery,
        identity: &Identity<'_>,
    ) -> (Outcome, HandlingFacts) {
        let mut handled = HandlingFacts::default();
        // Waiting in line happens in the request, so arrival order is the
        // order of the line.
        let lane = identity.lane();
        let turn = sequencer.enter(lane).await;
        // Across the processes that share the store, the user's lock.
        let lock = match LaneLock::take(&self.handling, lane).await {
            Ok(lock) => lock,
            Err(outcome) => return (outcome, handled),
        };
        // If Google hangs up mid-way, this future is dropped: the claim guard
        // releases the claim so the redelivery is handled again, with the
        // same reply ids, so nothing already sent is sent twice.
        // Timed only for the metrics: off, they cost nothing.
        let started = self.handling.metrics.is_some().then(Instant::now);
        let handle_span = spans::handle(None, None);
        let attempted = self
            .handling
            .attempt(agent.as_ref(), delivery, &identity.name())
            .instrument(handle_span.clone())
            .await;
        if let Some(route) = attempted.route {
            handle_span.record("route", route.name);
        }
        handled.handled_in = started.map(|started| started.elapsed());
        handled.route = attempted.route;
        handled.dropped = attempted.dropped;
        let outcome = match attempted.attempt {
            Attempt::Handled => Outcome::Handled,
            Attempt::Undeliverable(reason) => Outcome::Undeliverable(reason),
            Attempt::Panicked(message) => Outcome::Panicked(message),
            failed => Outcome::Failed(failed.reason().unwrap_or_default()),
        };
        let done = matches!(outcome, Outcome::Handled | Outcome::Undeliverable(_));
        let changes_state = attempted.state.is_some();
        let outcome = match claim.end(done, attempted.state).await {
            Ok(()) => outcome,
            // The state change was not stored: acknowledging would lose it.
            // The redelivery runs the handler again on the old state, with
            // the same reply ids, so the user sees nothing twice.
            Err(error) if changes_state => Outcome::StoreFailed(error.to_string()),
            Err(error) => {
                // Handled and answered: a redelivery may run it again, with
                // the same reply ids, so the user sees nothing twice.
                tracing::error!(%error, "the done mark of a handled delivery could not be stored");
                outcome
            }
        };
        if let Some(lock) = lock {
            lock.release().await;
        }
        drop(turn);
        (outcome, handled)
    }
}

/// Polls `future` once: its output if it is ready now, `None` if it waits
/// (it is then polled again by whoever awaits it next).
async fn ready_now<F: Future>(mut future: std::pin::Pin<&mut F>) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match future.as_mut().poll(cx) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

/// Classifies the payload and keeps the delivery in `slot`, where the log
/// line reads it, lending it from there: a delivery is several hundred
/// bytes, each move a copy. A plain function, so that the payload on its
/// way is not a part of the request's future (an `async` body keeps room
/// for each of its locals).
fn keep_delivery<'d>(
    slot: &'d mut Option<Delivery>,
    envelope: &PushEnvelope<'_>,
    data: &[u8],
) -> Result<&'d Delivery, Outcome> {
    let payload = Payload::classify(data, envelope.attribute_type())
        .map_err(|error| Outcome::Unhandleable(format!("payload is not JSON: {error}")))?;
    if let Payload::Unknown(unknown) = &payload {
        tracing::warn!(
            reason = %crate::escape::Escaped(&unknown.reason),
            "authentic payload of an unknown kind"
        );
    }
    Ok(slot.insert(Delivery {
        payload,
        pubsub_message_id: envelope.message_id.as_deref().map(str::to_owned),
        publish_time: envelope.publish_time.as_deref().map(str::to_owned),
    }))
}

/// What handling a delivery inline tells its log line and metrics.
#[derive(Default)]
struct HandlingFacts {
    /// The route whose handler ran.
    route: Option<&'static crate::route::RouteInfo>,
    /// How long the attempt took (when metrics are on).
    handled_in: Option<Duration>,
    /// Why replies were dropped, for the testing kit.
    dropped: Option<String>,
}

/// Records a request's facts on its receive span (when spans are on).
fn record_on(span: &tracing::Span, outcome: &Outcome, facts: &DeliveryFacts<'_>) {
    if span.is_none() {
        return;
    }
    if let Some(delivery) = &facts.delivery {
        span.record("kind", delivery.payload.kind().as_str());
        if let Some(id) = &delivery.pubsub_message_id {
            span.record("delivery_id", tracing::field::display(Escaped(id)));
        }
    }
    if let Some(route) = facts.route {
        span.record("route", route.name);
    }
    span.record("outcome", outcome.label());
    span.record("status", outcome.status().as_u16());
}

/// How much longer than a handler may run a user's lock is held, so that
/// it outlasts the handler and the writes after it.
const LANE_LOCK_MARGIN: Duration = Duration::from_secs(30);

/// A user's lock in a store shared by several processes, given up when
/// released or dropped (a request Google hung up on).
struct LaneLock {
    store: Arc<dyn Store>,
    lane: String,
    token: u64,
    released: bool,
}

impl LaneLock {
    /// Takes user `lane`'s lock when the store has such locks (`None` when
    /// it does not); the outcome to answer when it cannot be had.
    async fn take(handling: &Handling, lane: u128) -> Result<Option<Self>, Outcome> {
        let Some(locks) = handling.store.lane_locks() else {
            return Ok(None);
        };
        let lane = format!("{lane:032x}");
        let lease = handling.handler_timeout + LANE_LOCK_MARGIN;
        match locks.acquire(&lane, lease, lease).await {
            Ok(Some(token)) => Ok(Some(Self {
                store: Arc::clone(&handling.store),
                lane,
                token,
                released: false,
            })),
            // Another process handles this user's previous delivery for
            // longer than a handler may run: Google redelivers.
            Ok(None) => Err(Outcome::StillInFlight),
            Err(error) => Err(Outcome::StoreFailed(error.to_string())),
        }
    }

    async fn release(mut self) {
        self.released = true;
        if let Some(locks) = self.store.lane_locks()
            && let Err(error) = locks.release(&self.lane, self.token).await
        {
            tracing::warn!(%error, "a user's lock could not be given up; it lapses with its lease");
        }
    }
}

impl Drop for LaneLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let (store, lane, token) = (
            Arc::clone(&self.store),
            std::mem::take(&mut self.lane),
            self.token,
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Some(locks) = store.lane_locks() {
                    let _ = locks.release(&lane, token).await;
                }
            });
        }
    }
}
