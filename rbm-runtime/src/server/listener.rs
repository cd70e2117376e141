//! The accept loop: the webhook's service on hyper's HTTP/1 connections, plain or
//! over TLS, with a header read timeout (which also bounds the TLS
//! handshake and ends idle keep-alive connections), a write timeout, a
//! connection limit, health probes and graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1::Builder;
use hyper::service::HttpService;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_io_timeout::TimeoutStream;

use super::drain::{Drain, Watcher};
use super::header_timer::ConnectionTimer;
use super::health::Health;
use super::service::WebhookService;
use super::tls::{Acceptor, Tls};

/// Limits of the connections a listener accepts.
#[derive(Clone, Copy)]
pub(crate) struct ListenerLimits {
    pub(crate) header_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) shutdown_grace: Duration,
}

/// Serves on `listener` until `shutdown` completes: health probes always,
/// deliveries once `health` has a pipeline and while it accepts them. Then
/// stops taking deliveries and lets those in flight finish (for up to the
/// grace period); meanwhile new connections are still accepted, one request
/// each, so that probes see the drain (`/readyz` answers 503) and
/// deliveries are refused with 503 rather than a closed port. With `tls`,
/// every connection is secured first. Fails if the listening socket itself
/// fails: then it accepts no more.
pub(crate) async fn run(
    listener: TcpListener,
    health: Arc<Health>,
    limits: ListenerLimits,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let service = WebhookService::new(Arc::clone(&health));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let drain = Drain::new();
    tokio::pin!(shutdown);
    let mut failure = Ok(());
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &permits) => accepted,
        };
        match accepted {
            Accepted::Connection(stream, permit) => {
                let acceptor = tls.as_ref().map(Tls::acceptor);
                let watcher = Some(drain.watcher());
                let service = service.clone();
                tokio::spawn(async move {
                    serve(stream, acceptor, limits, service, watcher).await;
                    drop(permit);
                });
            }
            Accepted::Nothing => {}
            Accepted::ListenerFailed(error) => {
                failure = Err(error);
                break;
            }
        }
    }
    health.draining();
    // A start that failed prints its one error line alone.
    if health.pipeline().is_some() {
        tracing::info!("shutting down: no new deliveries, waiting for requests in flight");
    }
    let drained = tokio::time::timeout(limits.shutdown_grace, drain.shutdown());
    tokio::pin!(drained);
    let mut listening = failure.is_ok();
    loop {
        tokio::select! {
            waited = &mut drained => {
                if waited.is_err() {
                    tracing::warn!("requests still in flight after the grace period; stopping anyway");
                }
                break;
            }
            accepted = accept(&listener, &permits), if listening => match accepted {
                // Not watched: such a connection has one request, answered
                // at once (a probe, or 503), and must not prolong the drain.
                Accepted::Connection(stream, permit) => {
                    let acceptor = tls.as_ref().map(Tls::acceptor);
                    let service = service.clone();
                    tokio::spawn(async move {
                        serve(stream, acceptor, limits, service, None).await;
                        drop(permit);
                    });
                }
                Accepted::Nothing => {}
                Accepted::ListenerFailed(_) => listening = false,
            },
        }
    }
    drop(listener);
    // Stops what keeps the certificate current.
    drop(tls);
    failure
}

/// What one wait for a connection brought.
enum Accepted {
    /// A connection, and its slot.
    Connection(TcpStream, OwnedSemaphorePermit),
    /// A connection that failed before it was accepted, or a pause after
    /// running out of resources: wait for the next.
    Nothing,
    /// The listening socket failed for good.
    ListenerFailed(std::io::Error),
}

/// Waits for a free slot, then for a connection.
async fn accept(listener: &TcpListener, permits: &Arc<Semaphore>) -> Accepted {
    // Waiting for a permit before accepting leaves excess clients in the
    // kernel's backlog instead of exhausting file descriptors.
    let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
        // The semaphore is never closed.
        return std::future::pending().await;
    };
    match listener.accept().await {
        Ok((stream, _)) => Accepted::Connection(stream, permit),
        Err(error) => match AcceptFailure::of(&error) {
            AcceptFailure::Connection => Accepted::Nothing,
            AcceptFailure::Resources => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                Accepted::Nothing
            }
            AcceptFailure::Listener => {
                tracing::error!(%error, "the listening socket failed: no more connections");
                Accepted::ListenerFailed(error)
            }
        },
    }
}

/// Serves one connection: secures it first when TLS is on, then answers
/// its requests. A `watcher` keeps it alive between requests and lets
/// graceful shutdown end it; without one it answers one request and closes.
async fn serve<S, B>(
    stream: TcpStream,
    tls: Option<Arc<Acceptor>>,
    limits: ListenerLimits,
    service: S,
    watcher: Option<Watcher>,
) where
    S: HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    // Hyper has no deadline on writing a response: without this, a client
    // that sends requests and never reads the answers holds its
    // connection, and its slot, for ever.
    let mut stream = TimeoutStream::new(stream);
    stream.set_write_timeout(Some(limits.write_timeout));
    let stream = Box::pin(stream);
    let mut builder = Builder::new();
    builder
        .timer(ConnectionTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(watcher.is_some());
    let served = match tls {
        None => answer(&builder, stream, service, watcher).await,
        // A client that opens a connection and never completes the
        // handshake gets as long as one that never sends its headers.
        Some(tls) => match tokio::time::timeout(limits.header_timeout, tls.accept(stream)).await {
            Ok(Ok(Some(secured))) => answer(&builder, secured, service, watcher).await,
            // An ACME validation handshake: nothing more to say.
            Ok(Ok(None)) => Ok(()),
            Ok(Err(error)) => {
                tracing::debug!(%error, "TLS handshake failed");
                Ok(())
            }
            Err(_) => {
                tracing::debug!("TLS handshake timed out");
                Ok(())
            }
        },
    };
    if let Err(error) = served {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Answers the requests of a connection (plain or secured) with `builder`.
async fn answer<I, S, B>(
    builder: &Builder,
    io: I,
    service: S,
    watcher: Option<Watcher>,
) -> Result<(), hyper::Error>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + 'static,
    S: HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = builder.serve_connection(TokioIo::new(io), service);
    match watcher {
        Some(watcher) => watcher.watch(connection).await,
        None => connection.await,
    }
}

/// What a failed `accept` says about the listener.
#[derive(Debug, PartialEq, Eq)]
enum AcceptFailure {
    /// One connection failed before it was accepted: accept the next.
    Connection,
    /// The process or system is out of something (file descriptors,
    /// memory): it comes back as connections close.
    Resources,
    /// The listening socket itself is unusable (no longer listening, or
    /// accept is not supported on it): it will never accept again.
    Listener,
}

impl AcceptFailure {
    fn of(error: &std::io::Error) -> Self {
        use std::io::ErrorKind as Kind;
        match error.kind() {
            Kind::ConnectionAborted
            | Kind::ConnectionReset
            | Kind::ConnectionRefused
            | Kind::Interrupted
            | Kind::WouldBlock
            | Kind::TimedOut
            // Linux: a firewall rule refused this connection.
            | Kind::PermissionDenied => Self::Connection,
            Kind::InvalidInput | Kind::Unsupported | Kind::NotConnected => Self::Listener,
            _ => Self::Resources,
        }
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn only_a_broken_listener_stops_the_accept_loop() {
        let of = |kind| AcceptFailure::of(&Error::from(kind));
        assert_eq!(of(ErrorKind::ConnectionAborted), AcceptFailure::Connection);
        assert_eq!(of(ErrorKind::OutOfMemory), AcceptFailure::Resources);
        // EMFILE: "too many open files" has no kind of its own.
        let emfile = AcceptFailure::of(&Error::from_raw_os_error(24));
        assert_eq!(emfile, AcceptFailure::Resources);
        assert_eq!(of(ErrorKind::InvalidInput), AcceptFailure::Listener);
    }
}
