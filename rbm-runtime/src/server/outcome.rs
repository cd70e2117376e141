//! Every way a request can end, the one status each gets, and its log line.

use std::time::Duration;

use tracing::Level;

use bytes::Bytes;
use http_body_util::Full;
use hyper::StatusCode;
use hyper::header::{self, HeaderValue};

use super::Response;
use super::pipeline::StoredJob;
use crate::agent::Delivery;
use crate::escape::{Escaped, push_escaped};
use crate::mask::MaskedPhone;
use crate::protocol::Payload;
use crate::route::RouteInfo;
use crate::store::EntryId;

/// How a request ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// No webhook on this path.
    NotFound,
    /// The target is `host:port` (authority form, as `CONNECT` sends): no path to route.
    NoPathInTarget,
    /// A webhook path, but not `POST`.
    MethodNotAllowed,
    /// The body is over the limit.
    TooLarge,
    /// The client did not send its body in time.
    BodyTimeout,
    /// The body is not JSON, not an envelope, or not base64.
    BadRequest(String),
    /// Handshake with the right token: answer with the secret.
    HandshakeAccepted(String),
    /// Handshake with a wrong token.
    HandshakeRefused,
    /// The signature is missing, malformed or wrong.
    Unauthorized(crate::verify::SignatureError),
    /// Authentic, but can never be handled here: acknowledged, not retried.
    Unhandleable(String),
    /// A copy of a delivery that was already handled.
    Duplicate,
    /// Another copy is still being handled after the wait: Google retries later.
    StillInFlight,
    /// The agent handled it and its replies were accepted.
    Handled,
    /// Stored durably in the inbox: acknowledged, handled next.
    Stored(EntryId),
    /// The store could not keep or check it: Google redelivers.
    StoreFailed(String),
    /// The handler (or sending its replies) failed: Google redelivers.
    Failed(String),
    /// The handler failed in a way redelivery cannot fix (a reply the RBM
    /// API refuses for good): logged and acknowledged.
    Undeliverable(String),
    /// The handler panicked (with this message): Google redelivers.
    Panicked(String),
    /// The server is starting or shutting down: Google redelivers.
    NotReady,
    /// The request head is over its limit (hyper refuses most such heads
    /// itself; this is one it read whole).
    HeadTooLarge,
}

impl Outcome {
    /// Why the agent did not handle the delivery, when it was its handling
    /// (or keeping its result) that failed.
    pub(crate) fn failure(&self) -> Option<String> {
        match self {
            Self::Failed(reason) | Self::Undeliverable(reason) | Self::StoreFailed(reason) => {
                Some(reason.clone())
            }
            Self::Panicked(message) => Some(super::handling::panic_reason(message)),
            _ => None,
        }
    }

    /// The single status of each outcome.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::BadRequest(_) | Self::HandshakeRefused | Self::NoPathInTarget => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::HandshakeAccepted(_)
            | Self::Unhandleable(_)
            | Self::Undeliverable(_)
            | Self::Duplicate
            | Self::Stored(_)
            | Self::Handled => StatusCode::OK,
            Self::StillInFlight | Self::StoreFailed(_) | Self::NotReady => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Failed(_) | Self::Panicked(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::HeadTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        }
    }

    /// The name of every outcome, in the order of [`index`](Self::index):
    /// the `outcome` of its log line and of its metrics.
    pub(crate) const LABELS: &'static [&'static str] = &[
        "not_found",
        "no_path_in_target",
        "method_not_allowed",
        "too_large",
        "body_timeout",
        "bad_request",
        "handshake_accepted",
        "handshake_refused",
        "unauthorized",
        "unhandleable",
        "duplicate",
        "still_in_flight",
        "handled",
        "stored",
        "store_failed",
        "failed",
        "undeliverable",
        "panicked",
        "not_ready",
        "head_too_large",
    ];

    /// Its position in [`LABELS`](Self::LABELS).
    pub(crate) fn index(&self) -> usize {
        match self {
            Self::NotFound => 0,
            Self::NoPathInTarget => 1,
            Self::MethodNotAllowed => 2,
            Self::TooLarge => 3,
            Self::BodyTimeout => 4,
            Self::BadRequest(_) => 5,
            Self::HandshakeAccepted(_) => 6,
            Self::HandshakeRefused => 7,
            Self::Unauthorized(_) => 8,
            Self::Unhandleable(_) => 9,
            Self::Duplicate => 10,
            Self::StillInFlight => 11,
            Self::Handled => 12,
            Self::Stored(_) => 13,
            Self::StoreFailed(_) => 14,
            Self::Failed(_) => 15,
            Self::Undeliverable(_) => 16,
            Self::Panicked(_) => 17,
            Self::NotReady => 18,
            Self::HeadTooLarge => 19,
        }
    }

    pub(crate) fn label(&self) -> &'static str {
        Self::LABELS[self.index()]
    }

    /// How loud its log line is: problems warn, routine deliveries inform,
    /// requests that are not deliveries at all are debug.
    fn level(&self) -> Level {
        match self {
            Self::Handled
            | Self::Stored(_)
            | Self::Duplicate
            | Self::HandshakeAccepted(_)
            | Self::NotReady => Level::INFO,
            Self::Unhandleable(_)
            | Self::Undeliverable(_)
            | Self::Failed(_)
            | Self::BadRequest(_)
            | Self::Unauthorized(_)
            | Self::Panicked(_)
            | Self::StoreFailed(_)
            | Self::StillInFlight
            | Self::HandshakeRefused => Level::WARN,
            Self::NotFound
            | Self::NoPathInTarget
            | Self::HeadTooLarge
            | Self::MethodNotAllowed
            | Self::TooLarge
            | Self::BodyTimeout => Level::DEBUG,
        }
    }

    /// The HTTP response: empty body except the handshake's secret.
    pub(crate) fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match self {
            Self::HandshakeAccepted(secret) => {
                let mut response = Response::new(Full::new(Bytes::from(secret)));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                response
            }
            Self::MethodNotAllowed => {
                let mut response = Response::new(Full::default());
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                response
            }
            _ => Response::new(Full::default()),
        };
        *response.status_mut() = status;
        response
    }
}

/// What is known about a delivery by the time it ends, for its log line.
#[derive(Default)]
pub(crate) struct DeliveryFacts<'a> {
    /// The authentic delivery, once decoded (kind, agent, sender).
    pub(crate) delivery: Option<Delivery>,
    /// The inbox entry it was stored as, to queue once the line is logged.
    pub(crate) stored: Option<StoredJob>,
    /// The route whose handler ran, as the agent's dispatch returned it.
    pub(crate) route: Option<&'static RouteInfo>,
    pub(crate) path: &'a str,
    /// The position of the webhook on `path` among the server's, if any.
    pub(crate) webhook: Option<usize>,
    /// How long the attempt at handling it took (inline mode).
    pub(crate) handled_in: Option<Duration>,
    /// Why replies were dropped, for the testing kit.
    pub(crate) dropped: Option<String>,
}

/// Writes the one log line of a request.
pub(crate) fn log(
    outcome: &Outcome,
    facts: &DeliveryFacts<'_>,
    latency: impl FnOnce() -> Duration,
) {
    // Tracing needs each level spelled out at its call site.
    macro_rules! at_level {
        ($level:expr, $what:ident) => {
            match $level {
                Level::INFO => $what!(Level::INFO),
                Level::WARN => $what!(Level::WARN),
                _ => $what!(Level::DEBUG),
            }
        };
    }
    macro_rules! enabled {
        ($level:expr) => {
            tracing::enabled!(target: "rbm::delivery", $level)
        };
    }
    let level = outcome.level();
    // Nothing is assembled for a line nobody reads (e.g. `RUST_LOG=warn`).
    if !at_level!(level, enabled) {
        return;
    }
    // Read only for a line that is written: a clock read is not free.
    let latency = latency();
    if crate::logging::structured() {
        structured(level, outcome, facts, latency);
        return;
    }
    let Err(line) = crate::logging::write_direct(level, "rbm::delivery", |line| {
        write_line(line, outcome, facts, latency);
    }) else {
        return;
    };
    macro_rules! emit {
        ($level:expr) => {
            tracing::event!(target: "rbm::delivery", $level, "{line}")
        };
    }
    at_level!(level, emit)
}

/// The event of a request with each fact a field, for JSON logs: the
/// values are JSON strings there, escaped by the format. The sender is
/// masked as in text lines.
fn structured(level: Level, outcome: &Outcome, facts: &DeliveryFacts<'_>, latency: Duration) {
    let delivery = facts.delivery.as_ref();
    let payload = delivery.map(|d| &d.payload);
    let sender = payload
        .and_then(Payload::phone_number)
        .map(|phone| MaskedPhone(phone).to_string());
    let entry = match outcome {
        Outcome::Stored(entry) => Some(entry.0),
        _ => None,
    };
    let reason = reason(outcome).map(ToString::to_string);
    macro_rules! emit {
        ($level:expr) => {
            tracing::event!(
                target: "rbm::delivery",
                $level,
                path = facts.path,
                kind = payload.map_or("-", |p| p.kind().as_str()),
                agent = payload.and_then(Payload::agent_id),
                route = facts.route.map(|r| r.name),
                sender,
                outcome = outcome.label(),
                status = outcome.status().as_u16(),
                latency_us = latency.as_micros() as u64,
                entry,
                delivery_id = delivery.and_then(|d| d.pubsub_message_id.as_deref()),
                reason,
                "delivery"
            )
        };
    }
    match level {
        Level::INFO => emit!(Level::INFO),
        Level::WARN => emit!(Level::WARN),
        _ => emit!(Level::DEBUG),
    }
}

/// Why a request failed, when it did.
fn reason(outcome: &Outcome) -> Option<&dyn std::fmt::Display> {
    match outcome {
        Outcome::Unhandleable(reason)
        | Outcome::Undeliverable(reason)
        | Outcome::Failed(reason)
        | Outcome::StoreFailed(reason)
        | Outcome::BadRequest(reason) => Some(reason),
        Outcome::Unauthorized(error) => Some(error),
        Outcome::Panicked(message) => Some(message),
        _ => None,
    }
}

/// Appends the one line of a request to `line`. It is assembled by hand
/// and handed over as one message: formatting ten fields through `fmt`
/// costs several times more, on every request. Every value that comes from the request (path,
/// agent, sender, reason) is escaped, so none can forge or hide a line.
fn write_line(line: &mut String, outcome: &Outcome, facts: &DeliveryFacts<'_>, latency: Duration) {
    let payload = facts.delivery.as_ref().map(|d| &d.payload);
    let kind = payload.map_or("-", |p| p.kind().as_str());
    let agent = payload.and_then(Payload::agent_id).unwrap_or("-");
    let route = facts.route.map_or("-", |r| r.name);
    line.push_str("delivery path=");
    push_escaped(line, facts.path);
    line.push_str(" kind=");
    line.push_str(kind);
    line.push_str(" agent=");
    push_escaped(line, agent);
    line.push_str(" route=");
    line.push_str(route);
    line.push_str(" sender=");
    match payload.and_then(Payload::phone_number) {
        Some(phone) => MaskedPhone(phone).push_to(line),
        None => line.push('-'),
    }
    line.push_str(" outcome=");
    line.push_str(outcome.label());
    line.push_str(" status=");
    line.push_str(itoa::Buffer::new().format(outcome.status().as_u16()));
    line.push_str(" latency_us=");
    line.push_str(itoa::Buffer::new().format(latency.as_micros() as u64));
    if let Outcome::Stored(entry) = outcome {
        line.push_str(" entry=");
        line.push_str(itoa::Buffer::new().format(entry.0));
    }
    if let Some(reason) = reason(outcome) {
        use std::fmt::Write as _;
        let _ = write!(line, " reason={}", Escaped(reason));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_own_label() {
        let outcomes = [
            Outcome::NotFound,
            Outcome::NoPathInTarget,
            Outcome::MethodNotAllowed,
            Outcome::TooLarge,
            Outcome::BodyTimeout,
            Outcome::BadRequest(String::new()),
            Outcome::HandshakeAccepted(String::new()),
            Outcome::HandshakeRefused,
            Outcome::Unauthorized(crate::verify::SignatureError::Missing),
            Outcome::Unhandleable(String::new()),
            Outcome::Duplicate,
            Outcome::StillInFlight,
            Outcome::Handled,
            Outcome::Stored(EntryId(1)),
            Outcome::StoreFailed(String::new()),
            Outcome::Failed(String::new()),
            Outcome::Undeliverable(String::new()),
            Outcome::Panicked(String::new()),
            Outcome::NotReady,
            Outcome::HeadTooLarge,
        ];
        let indexes: Vec<usize> = outcomes.iter().map(Outcome::index).collect();
        assert_eq!(indexes, (0..Outcome::LABELS.len()).collect::<Vec<_>>());
    }
}
