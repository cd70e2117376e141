//! A request's way in: hyper hands each request to [`WebhookService`], which
//! answers it with a probe's answer, the pipeline's, or a refusal.
//!
//! Requests are taken straight from hyper: the pipeline reads the method,
//! the path, one header and the body, and a filter chain around that would
//! cost more than the rest of the way in.
//!
//! HTTP/1.1 allows four forms of request target: a path (`/hook`), an
//! absolute URL (`http://host/hook`, served by its path), `*` (`OPTIONS *`,
//! no webhook there: 404) and the authority form `host:port` that `CONNECT`
//! sends to proxies. The last has no path at all: it is answered `400`
//! before routing, whatever the method (this server is not a proxy).
//!
//! A request head over 400 KiB gets `431`. Hyper enforces that limit only
//! on a head it has not yet parsed when its buffer fills up: one that
//! arrives fast enough is read and parsed whole, so it is measured here.

use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Body;
use hyper::service::Service;
use hyper::{HeaderMap, Method, Request, Uri};

use super::Response;
use super::health::{Health, Probe};
use super::outcome::{self, DeliveryFacts, Outcome};
use super::pipeline::RequestHead;

/// Answers the requests of the webhook port.
#[derive(Clone)]
pub(crate) struct WebhookService {
    health: Arc<Health>,
}

impl WebhookService {
    /// Answers with what `health` says the server is doing: starting,
    /// serving its pipeline, or draining.
    pub(crate) fn new(health: Arc<Health>) -> Self {
        Self { health }
    }
}

impl<B> Service<Request<B>> for WebhookService
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Display,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, mut request: Request<B>) -> Answer {
        let uri = std::mem::take(request.uri_mut());
        if uri.path_and_query().is_none() {
            return Answer::now(refuse(&self.health, Outcome::NoPathInTarget, "-"));
        }
        if head_size(request.method(), &uri, request.headers()) > MAX_HEAD_BYTES {
            return Answer::now(refuse(&self.health, Outcome::HeadTooLarge, uri.path()));
        }
        let method = request.method().clone();
        let head = RequestHead::of(request.headers(), request.body());
        answer_request(
            &self.health,
            method,
            RequestPath(uri),
            head,
            request.into_body(),
        )
    }
}

/// The answer to a request refused before the pipeline sees it: a target
/// without a path, a head over the limit, or a delivery while the server is
/// starting or shutting down (503, so Google delivers it again later).
/// Logged, and counted once the server has its metrics.
fn refuse(health: &Health, outcome: Outcome, path: &str) -> Response {
    let pipeline = health.pipeline();
    let facts = DeliveryFacts {
        path,
        webhook: pipeline.and_then(|pipeline| pipeline.handling.webhook_index(path)),
        ..DeliveryFacts::default()
    };
    outcome::log(&outcome, &facts, || Duration::ZERO);
    if let Some(pipeline) = pipeline {
        pipeline.measure(&outcome, &facts, Duration::ZERO);
    }
    outcome.into_response()
}

/// The largest request head answered (the README's limit).
const MAX_HEAD_BYTES: usize = 400 * 1024;

/// The size of a request head as its parts add up: the request line and
/// each field with its separators.
fn head_size(method: &Method, uri: &Uri, headers: &HeaderMap) -> usize {
    let line = method.as_str().len() + uri.path_and_query().map_or(0, |p| p.as_str().len());
    headers.iter().fold(line, |size, (name, value)| {
        // `name: value\r\n`
        size + name.as_str().len() + value.len() + 4
    })
}

/// The future of a request's answer: a probe's, the pipeline's or a refusal.
///
/// Boxed where it is built, never wrapped in an `async` block: hyper moves
/// the future it is given, and every `async` layer moves its inner future
/// once more. Unboxed, or wrapped, that is the state machine of a delivery
/// (kilobytes) copied again each time.
pub(crate) struct Answer(Pin<Box<dyn Future<Output = Response> + Send>>);

impl Answer {
    /// An answer that is ready now.
    fn now(response: Response) -> Self {
        Self(Box::pin(std::future::ready(response)))
    }
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx).map(Ok)
    }
}

/// A request's path, kept with its future.
struct RequestPath(Uri);

impl AsRef<str> for RequestPath {
    fn as_ref(&self) -> &str {
        self.0.path()
    }
}

/// Starts the answer to a request: a probe's, the pipeline's, or 503 while
/// the server does not take deliveries.
fn answer_request<B>(
    health: &Arc<Health>,
    method: Method,
    path: RequestPath,
    head: RequestHead,
    body: B,
) -> Answer
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Display,
{
    if let Some(probe) = Probe::of(path.as_ref()) {
        let health = Arc::clone(health);
        return Answer(Box::pin(async move { health.answer(probe, &method).await }));
    }
    match health.accepting() {
        Some(pipeline) => Answer(Box::pin(
            Arc::clone(pipeline).serve(method, path, head, body),
        )),
        None => Answer::now(refuse(health, Outcome::NotReady, path.as_ref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use http_body_util::Empty;
    use hyper::StatusCode;

    fn request(method: &str, target: &str) -> Request<Empty<Bytes>> {
        Request::builder()
            .method(method)
            .uri(target)
            .body(Empty::new())
            .expect("a valid request")
    }

    /// The status a server that is still starting gives `method target`.
    async fn status_while_starting(method: &str, target: &str) -> StatusCode {
        let service = WebhookService::new(Arc::new(Health::starting()));
        let response = service
            .call(request(method, target))
            .await
            .expect("infallible");
        response.status()
    }

    #[tokio::test]
    async fn a_target_without_a_path_is_refused_before_routing() {
        for (method, target) in [("CONNECT", "127.0.0.1:80"), ("POST", "example.com:443")] {
            let status = status_while_starting(method, target).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {target}");
        }
    }

    #[tokio::test]
    async fn paths_urls_and_the_asterisk_are_routed() {
        // Routed, they reach a server that is not ready yet: 503, not 400.
        for target in [
            "/rbm/webhook",
            "http://example.com/rbm/webhook",
            "http://h",
            "*",
        ] {
            let status = status_while_starting("POST", target).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{target}");
        }
    }

    #[tokio::test]
    async fn a_head_over_the_limit_read_whole_gets_431() {
        let service = WebhookService::new(Arc::new(Health::starting()));
        let with_field = |len: usize| {
            let mut request = request("POST", "/rbm/webhook");
            let value = "a".repeat(len);
            let value = value.parse().expect("a header value");
            request.headers_mut().insert("x-big", value);
            request
        };
        // `POST` + path + `x-big: …\r\n`: exactly at the limit, then one over.
        let at_limit = MAX_HEAD_BYTES - "POST/rbm/webhook".len() - "x-big".len() - 4;
        let status = |request| async { service.call(request).await.expect("infallible").status() };
        assert_eq!(
            status(with_field(at_limit)).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(with_field(at_limit + 1)).await,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
    }

    #[tokio::test]
    async fn probes_are_answered_while_starting() {
        assert_eq!(
            status_while_starting("GET", "/healthz").await,
            StatusCode::OK
        );
        assert_eq!(
            status_while_starting("GET", "/readyz").await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
