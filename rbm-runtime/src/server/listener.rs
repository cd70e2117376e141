//! The accept loop: warp's service on hyper's HTTP/1 connections, with a
//! header read timeout (which also ends idle keep-alive connections), a
//! write timeout, a connection limit and graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;
use warp::Filter;

use super::pipeline::{Pipeline, RequestHead, SIGNATURE_HEADER};
use super::target::TargetCheck;

/// Limits of the connections a listener accepts.
pub(crate) struct ListenerLimits {
    pub(crate) header_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) shutdown_grace: Duration,
}

/// Serves `pipeline` on `listener` until `shutdown` completes, then stops
/// accepting and lets requests in flight finish (for up to the grace period).
/// Fails if the listening socket itself fails: then it accepts no more.
pub(crate) async fn run(
    listener: TcpListener,
    pipeline: Arc<Pipeline>,
    limits: ListenerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let filter = warp::method()
        .and(warp::path::full())
        // Only the two headers the pipeline reads: cloning a `HeaderValue`
        // is a reference count, cloning the whole map is several allocations.
        .and(
            warp::header::value(SIGNATURE_HEADER)
                .map(Some)
                .or(warp::any().map(|| None))
                .unify(),
        )
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .then(
            move |method, path: warp::path::FullPath, signature, content_length, body| {
                let pipeline = Arc::clone(&pipeline);
                let head = RequestHead {
                    signature,
                    content_length,
                };
                async move { pipeline.serve(method, path.as_str(), head, body).await }
            },
        );
    let service = TargetCheck::new(TowerToHyperService::new(warp::service(filter)));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    let mut failure = Ok(());
    loop {
        // Waiting for a permit before accepting leaves excess clients in the
        // kernel's backlog instead of exhausting file descriptors.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => match AcceptFailure::of(&error) {
                    AcceptFailure::Connection => continue,
                    AcceptFailure::Resources => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                    AcceptFailure::Listener => {
                        tracing::error!(%error, "the listening socket failed: no more connections");
                        failure = Err(error);
                        break;
                    }
                },
            },
        };
        let _ = stream.set_nodelay(true);
        // Hyper has no deadline on writing a response: without this, a client
        // that sends requests and never reads the answers holds its
        // connection, and its slot, for ever.
        let mut stream = TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.write_timeout));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(Box::pin(stream)), service.clone());
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, waiting for requests in flight");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the grace period; stopping anyway");
    }
    failure
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
