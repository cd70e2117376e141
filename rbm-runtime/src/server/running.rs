//! A server once started: serving in the background ([`RunningServer`]), or
//! its pipeline without a socket ([`WebhookHandler`], for the testing kit).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::http;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinError, JoinHandle};

use super::config::ServerConfig;
use super::health::Health;
use super::listener::{self, ListenerLimits};
use super::pipeline::{Pipeline, RequestHead, StoredEntry};
use super::tls::{Announcement, Tls};
use crate::error::Error;
use crate::store::EntryId;

/// Starts serving on `listener` (over `tls` when given) in the background:
/// health probes at once, deliveries once [`Starting::ready`] hands over
/// the pipeline.
pub(super) fn start(
    config: &ServerConfig,
    listener: TcpListener,
    tls: Option<Tls>,
) -> Result<Starting, Error> {
    let addr = config.socket_addr();
    let local_addr = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let limits = ListenerLimits {
        header_timeout: config.header_timeout,
        write_timeout: config.write_timeout,
        max_connections: config.max_connections,
        shutdown_grace: config.shutdown_grace,
    };
    let health = Arc::new(Health::starting());
    let announcement = tls.as_ref().map_or(Announcement::Plain, Tls::announcement);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(listener::run(
        listener,
        Arc::clone(&health),
        limits,
        tls,
        async move {
            let _ = stopped.await;
        },
    ));
    Ok(Starting {
        local_addr,
        announcement,
        health,
        stop,
        task,
    })
}

/// A server listening while it starts: alive, not ready.
pub(super) struct Starting {
    local_addr: SocketAddr,
    announcement: Announcement,
    health: Arc<Health>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Starting {
    /// Accepts deliveries with `pipeline` from now on, and serves the
    /// metrics on `metrics_listener` (when metrics are on).
    pub(super) fn ready(
        self,
        pipeline: Arc<Pipeline>,
        config: &ServerConfig,
        metrics_listener: Option<TcpListener>,
    ) -> Result<RunningServer, Error> {
        let mut metrics_addr = None;
        let mut metrics_stop = None;
        if let (Some(listener), Some(metrics)) = (metrics_listener, &pipeline.handling.metrics) {
            let asked = config.metrics_addr.unwrap_or(self.local_addr);
            let addr = listener.local_addr().map_err(|source| Error::Bind {
                addr: asked,
                source,
            })?;
            let (stop, stopped) = oneshot::channel::<()>();
            tokio::spawn(crate::metrics::serve(
                listener,
                Arc::clone(metrics),
                async move {
                    let _ = stopped.await;
                },
            ));
            metrics_addr = Some(addr);
            metrics_stop = Some(stop);
        }
        self.health.ready(Arc::clone(&pipeline));
        // Announced only once ready: a failed start prints its one error line alone.
        pipeline.announce();
        let local_addr = self.local_addr;
        tracing::info!(%local_addr, "rbm webhook server listening");
        self.announcement.log();
        if let Some(addr) = metrics_addr {
            tracing::info!(%addr, "metrics served on GET /metrics (RBM_METRICS_ADDR)");
        }
        Ok(RunningServer {
            local_addr,
            metrics_addr,
            stop: Some(self.stop),
            metrics_stop,
            task: self.task,
            pipeline,
            grace: config.shutdown_grace,
        })
    }

    /// Gives up starting: stops listening.
    pub(super) async fn abandon(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A server serving in the background.
pub struct RunningServer {
    local_addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    metrics_stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    pipeline: Arc<Pipeline>,
    grace: Duration,
}

impl RunningServer {
    /// The address it listens on (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address metrics are served on (with the real port when 0 was
    /// asked), when they are on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops accepting, lets requests in flight finish, and returns when done.
    pub async fn shutdown(mut self) {
        if let Err(error) = self.stop_and_wait().await {
            tracing::error!(%error, "the server had failed before it was shut down");
        }
    }

    /// Serves until `signal` completes, then shuts down gracefully. Returns
    /// early, with the error, if the accept loop fails first.
    pub(super) async fn run_until(mut self, signal: impl Future<Output = ()>) -> Result<(), Error> {
        tokio::select! {
            () = signal => self.stop_and_wait().await,
            ended = &mut self.task => {
                // It ended without being asked to: whatever it says, a failure.
                self.stop = None;
                Err(self.failure(ended))
            }
        }
    }

    async fn stop_and_wait(&mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let ended = (&mut self.task).await;
        // No request adds to the inbox any more: let running handlers finish.
        self.pipeline.stop_inbox(self.grace).await;
        // Scraped until the end, so the drain shows in the metrics.
        if let Some(stop) = self.metrics_stop.take() {
            let _ = stop.send(());
        }
        match ended {
            Ok(Ok(())) => Ok(()),
            ended => Err(self.failure(ended)),
        }
    }

    fn failure(&self, ended: Result<std::io::Result<()>, JoinError>) -> Error {
        let source = match ended {
            Ok(Err(error)) => error,
            Ok(Ok(())) => std::io::Error::other("the accept loop ended by itself"),
            Err(join) => std::io::Error::other(join),
        };
        Error::Accept {
            addr: self.local_addr,
            source,
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.metrics_stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The whole request pipeline of a server, without a socket.
#[derive(Clone)]
pub struct WebhookHandler {
    pub(super) pipeline: Arc<Pipeline>,
}

impl std::fmt::Debug for WebhookHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookHandler").finish_non_exhaustive()
    }
}

impl WebhookHandler {
    /// The inbox entry a response says its delivery was stored as.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn stored_entry<B>(&self, response: &http::Response<B>) -> Option<EntryId> {
        response
            .extensions()
            .get::<StoredEntry>()
            .map(|stored| stored.0)
    }

    /// The store this server keeps its inbox, marks and state in.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn store(&self) -> &Arc<dyn crate::store::Store> {
        &self.pipeline.handling.store
    }

    /// Waits until the attempt of stored entry `id` has ended; why it
    /// failed, if it did.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) async fn attempted(&self, id: EntryId) -> Option<String> {
        self.pipeline.attempted(id).await
    }

    /// Why the agent did not handle an inline delivery, as its response says.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn failure<B>(&self, response: &http::Response<B>) -> Option<String> {
        response
            .extensions()
            .get::<super::pipeline::HandlingFailure>()
            .map(|failure| failure.0.clone())
    }

    /// Handles one request exactly as the server would and returns its response.
    pub async fn handle(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        let (parts, body) = request.into_parts();
        let body = http_body_util::Full::new(body);
        let head = RequestHead::of(&parts.headers, &body);
        let response = Arc::clone(&self.pipeline)
            .serve(parts.method, parts.uri.path(), head, body)
            .await;
        let (parts, body) = response.into_parts();
        // The pipeline's bodies are in-memory; reading them cannot fail.
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        http::Response::from_parts(parts, body)
    }
}
