//! `tracing` spans around a delivery's three steps: `rbm.receive` (the
//! request, from its first byte to its answer), `rbm.handle` (the agent's
//! handler) and `rbm.send` (each reply or agent event sent to the RBM API).
//! Handling and sending happen inside the receive span (inline mode) or
//! under it as their parent (inbox mode, while the process that stored the
//! delivery handles it), so a tracing exporter shows one trace per delivery.
//!
//! Spans are built only when something reads them: the OpenTelemetry export
//! of the `otel` feature turns them on, as [`set_spans`] does for a
//! subscriber of one's own. Off, each step costs one atomic load.

use std::sync::atomic::{AtomicBool, Ordering};

use tracing::Span;

/// Whether the delivery spans are built.
static SPANS: AtomicBool = AtomicBool::new(false);

/// Builds the `rbm.receive`, `rbm.handle` and `rbm.send` spans of every
/// delivery, for a subscriber of one's own that exports or shows spans
/// (OpenTelemetry, a flame graph). [`init`](super::init) turns them on when
/// it exports to OpenTelemetry.
pub fn set_spans(on: bool) {
    SPANS.store(on, Ordering::Relaxed);
}

/// Whether the delivery spans are built.
pub(crate) fn spans() -> bool {
    SPANS.load(Ordering::Relaxed)
}

/// The span of one request to a webhook; its delivery's facts are recorded
/// on it once known ([`Span::record`]).
pub(crate) fn receive(path: &str) -> Span {
    if !spans() {
        return Span::none();
    }
    tracing::info_span!(
        target: "rbm::trace",
        "rbm.receive",
        path = %crate::escape::Escaped(path),
        delivery_id = tracing::field::Empty,
        kind = tracing::field::Empty,
        route = tracing::field::Empty,
        outcome = tracing::field::Empty,
        status = tracing::field::Empty,
    )
}

/// The span of a handler's run. `parent`: the receive span of the request
/// that stored the delivery (inbox mode); `None` for the current span.
pub(crate) fn handle(entry: Option<i64>, parent: Option<&Span>) -> Span {
    if !spans() {
        return Span::none();
    }
    match parent {
        Some(parent) => tracing::info_span!(
            target: "rbm::trace",
            parent: parent,
            "rbm.handle",
            entry,
            route = tracing::field::Empty,
        ),
        None => tracing::info_span!(
            target: "rbm::trace",
            "rbm.handle",
            entry,
            route = tracing::field::Empty,
        ),
    }
}

/// The span of one reply or agent event sent.
pub(crate) fn send(what: &'static str, id: &str) -> Span {
    if !spans() {
        return Span::none();
    }
    tracing::info_span!(target: "rbm::trace", "rbm.send", what, id = %id)
}
