//! Request targets that name no path. HTTP/1.1 allows four forms of target:
//! a path (`/hook`), an absolute URL (`http://host/hook`, served by its
//! path), `*` (`OPTIONS *`, no webhook there: 404) and the authority form
//! `host:port` that `CONNECT` sends to proxies. The last has no path at all,
//! and warp's path filter panics on it, so it is answered here, before
//! routing: `400`, whatever the method (this server is not a proxy).

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::Either;
use hyper::service::Service;
use warp::http::Request;
use warp::reply::Response;

use super::health::Health;
use super::outcome::{self, DeliveryFacts, Outcome};

/// Answers requests in authority form itself and hands the others to `inner`.
#[derive(Clone)]
pub(crate) struct TargetCheck<S> {
    inner: S,
    /// Where the server's metrics are, once it has them.
    health: Arc<Health>,
}

impl<S> TargetCheck<S> {
    pub(crate) fn new(inner: S, health: Arc<Health>) -> Self {
        Self { inner, health }
    }
}

impl<S, B> Service<Request<B>> for TargetCheck<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn call(&self, request: Request<B>) -> Self::Future {
        if request.uri().path_and_query().is_some() {
            return Either::Right(self.inner.call(request));
        }
        let outcome = Outcome::NoPathInTarget;
        let facts = DeliveryFacts {
            path: "-",
            ..DeliveryFacts::default()
        };
        outcome::log(&outcome, &facts, Duration::ZERO);
        if let Some(pipeline) = self.health.pipeline() {
            pipeline.measure(&outcome, &facts, Duration::ZERO);
        }
        Either::Left(ready(Ok(outcome.into_response())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use bytes::Bytes;
    use http_body_util::Empty;
    use warp::http::StatusCode;

    type Body = Empty<Bytes>;

    /// A check in front of a service that counts its calls in `calls` and answers 200.
    fn counted(
        calls: &Arc<AtomicUsize>,
    ) -> TargetCheck<impl Service<Request<Body>, Response = Response, Error = Infallible>> {
        let calls = Arc::clone(calls);
        let service = hyper::service::service_fn(move |_: Request<Body>| {
            calls.fetch_add(1, Ordering::SeqCst);
            ready(Ok::<_, Infallible>(Response::default()))
        });
        TargetCheck::new(service, Arc::new(Health::starting()))
    }

    fn request(method: &str, target: &str) -> Request<Body> {
        Request::builder()
            .method(method)
            .uri(target)
            .body(Empty::new())
            .expect("a valid request")
    }

    #[tokio::test]
    async fn a_target_without_a_path_is_refused_before_routing() {
        let calls = Arc::new(AtomicUsize::new(0));
        let check = counted(&calls);
        for (method, target) in [("CONNECT", "127.0.0.1:80"), ("POST", "example.com:443")] {
            let response = check
                .call(request(method, target))
                .await
                .expect("infallible");
            assert_eq!(
                response.status(),
                StatusCode::BAD_REQUEST,
                "{method} {target}"
            );
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn paths_urls_and_the_asterisk_are_routed() {
        let calls = Arc::new(AtomicUsize::new(0));
        let check = counted(&calls);
        for target in [
            "/rbm/webhook",
            "http://example.com/rbm/webhook",
            "http://h",
            "*",
        ] {
            let response = check
                .call(request("POST", target))
                .await
                .expect("infallible");
            assert_eq!(response.status(), StatusCode::OK, "{target}");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}
