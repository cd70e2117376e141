//! Health checks on the webhook port: `GET /healthz` (the process is up)
//! and `GET /readyz` (the store answers and deliveries are accepted: not
//! while starting, nor once shutdown has begun). They need no signature and
//! write no log line: probes come every few seconds.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Method, StatusCode};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Response;
use super::pipeline::Pipeline;
use crate::store::EntryId;

/// The liveness path.
pub(crate) const HEALTHZ: &str = "/healthz";
/// The readiness path.
pub(crate) const READYZ: &str = "/readyz";

/// How long one answer of the store counts for readiness.
const STORE_FRESH_FOR: Duration = Duration::from_secs(1);
/// How long a readiness probe waits for the store.
const STORE_TIMEOUT: Duration = Duration::from_secs(1);

const STARTING: u8 = 0;
const READY: u8 = 1;
const DRAINING: u8 = 2;

/// Where a server is in its life, and its pipeline once it has one.
pub(crate) struct Health {
    phase: AtomicU8,
    pipeline: OnceLock<Arc<Pipeline>>,
    /// When the store last answered or failed, and which; held while
    /// asking, so concurrent probes share one question.
    store_checked: Mutex<Option<(Instant, bool)>>,
}

/// A health check a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// `/healthz`.
    Live,
    /// `/readyz`.
    Ready,
}

impl Probe {
    /// The probe `path` asks for, if it is one of the health paths.
    pub(crate) fn of(path: &str) -> Option<Self> {
        match path {
            HEALTHZ => Some(Self::Live),
            READYZ => Some(Self::Ready),
            _ => None,
        }
    }
}

impl Health {
    /// A server starting: alive, not ready.
    pub(crate) fn starting() -> Self {
        Self {
            phase: AtomicU8::new(STARTING),
            pipeline: OnceLock::new(),
            store_checked: Mutex::new(None),
        }
    }

    /// The server is ready with `pipeline`: deliveries are accepted.
    pub(crate) fn ready(&self, pipeline: Arc<Pipeline>) {
        let _ = self.pipeline.set(pipeline);
        self.phase.store(READY, Ordering::Release);
    }

    /// Shutdown has begun: deliveries are no longer accepted.
    pub(crate) fn draining(&self) {
        self.phase.store(DRAINING, Ordering::Release);
    }

    /// The pipeline, while deliveries are accepted.
    pub(crate) fn accepting(&self) -> Option<&Arc<Pipeline>> {
        if self.phase.load(Ordering::Acquire) == READY {
            self.pipeline.get()
        } else {
            None
        }
    }

    /// The pipeline, once the server has been ready (also while draining).
    pub(crate) fn pipeline(&self) -> Option<&Arc<Pipeline>> {
        self.pipeline.get()
    }

    /// The answer to `probe` asked with `method`.
    pub(crate) async fn answer(&self, probe: Probe, method: &Method) -> Response {
        if method != Method::GET && method != Method::HEAD {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        match probe {
            Probe::Live => text(StatusCode::OK, "ok"),
            Probe::Ready => match self.phase.load(Ordering::Acquire) {
                STARTING => text(StatusCode::SERVICE_UNAVAILABLE, "starting"),
                DRAINING => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
                _ if self.store_answers().await => text(StatusCode::OK, "ok"),
                _ => text(StatusCode::SERVICE_UNAVAILABLE, "the store does not answer"),
            },
        }
    }

    /// Whether the store answered a point read lately (asked at most once
    /// per [`STORE_FRESH_FOR`]).
    async fn store_answers(&self) -> bool {
        let Some(pipeline) = self.pipeline.get() else {
            return false;
        };
        let mut checked = self.store_checked.lock().await;
        if let Some((at, answered)) = *checked
            && at.elapsed() < STORE_FRESH_FOR
        {
            return answered;
        }
        // Entry ids start at 1: a read that finds nothing, the cheapest
        // question every store answers, and one that changes nothing.
        let read = pipeline.handling.store.entry(EntryId(0));
        let answered = match tokio::time::timeout(STORE_TIMEOUT, read).await {
            Ok(Ok(_)) => true,
            Ok(Err(error)) => {
                tracing::warn!(%error, "not ready: the store does not answer");
                false
            }
            Err(_) => {
                tracing::warn!("not ready: the store does not answer in time");
                false
            }
        };
        *checked = Some((Instant::now(), answered));
        answered
    }
}

fn text(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    if !body.is_empty() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_health_paths_and_get_or_head_are_probes() {
        assert_eq!(Probe::of("/healthz"), Some(Probe::Live));
        assert_eq!(Probe::of("/readyz"), Some(Probe::Ready));
        assert_eq!(Probe::of("/readyz/"), None);
        let health = Health::starting();
        let status = |response: Response| response.status().as_u16();
        assert_eq!(status(health.answer(Probe::Live, &Method::GET).await), 200);
        assert_eq!(
            status(health.answer(Probe::Ready, &Method::HEAD).await),
            503
        );
        let refused = health.answer(Probe::Live, &Method::POST).await;
        assert_eq!(refused.status().as_u16(), 405);
        assert_eq!(refused.headers()[header::ALLOW], "GET, HEAD");
        health.draining();
        assert_eq!(status(health.answer(Probe::Ready, &Method::GET).await), 503);
        assert_eq!(status(health.answer(Probe::Live, &Method::GET).await), 200);
    }
}
