//! Graceful shutdown of keep-alive connections: when the server drains,
//! each watched connection finishes the request it is answering and closes;
//! the drain ends when the last one has.
//!
//! A connection is polled several times per request, so what it checks on
//! each poll must be nearly free: here a flag and a waker comparison. (A
//! `watch` channel, as hyper-util's `GracefulShutdown` uses, takes a lock
//! and re-arms a notification on every poll.) The registry of connections
//! is locked only when one opens or closes, and once at shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use futures_util::task::AtomicWaker;
use hyper::body::{Body, Incoming};
use hyper::rt::{Read, Write};
use hyper::server::conn::http1::Connection;
use hyper::service::HttpService;
use tokio::sync::Notify;

/// A connection that can be told to finish its current request and close.
pub(crate) trait GracefulConnection: Future {
    /// Asks the connection to close once its current request is answered.
    fn graceful_shutdown(self: std::pin::Pin<&mut Self>);
}

impl<I, S, B> GracefulConnection for Connection<I, S>
where
    I: Read + Write + Unpin + 'static,
    S: HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn graceful_shutdown(self: std::pin::Pin<&mut Self>) {
        Connection::graceful_shutdown(self);
    }
}

/// Tells watched connections to close, and waits until they have.
#[derive(Default)]
pub(crate) struct Drain {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Set once, when the drain starts.
    draining: AtomicBool,
    /// The id of the next watched connection.
    next_id: AtomicU64,
    /// Who to wake when draining starts: one entry per watched connection.
    watched: Mutex<HashMap<u64, Arc<AtomicWaker>>>,
    /// Told when the last watched connection ends during the drain.
    ended: Notify,
}

impl Shared {
    fn watched(&self) -> MutexGuard<'_, HashMap<u64, Arc<AtomicWaker>>> {
        // Each change is one map operation: nothing is left half-done.
        self.watched.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drain {
    /// A drain with no connections yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A watcher for one new connection.
    pub(crate) fn watcher(&self) -> Watcher {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let waker = Arc::new(AtomicWaker::new());
        self.shared.watched().insert(id, Arc::clone(&waker));
        Watcher {
            shared: Arc::clone(&self.shared),
            id,
            waker,
        }
    }

    /// Tells every watched connection to close once its current request is
    /// answered, and waits until all have ended.
    pub(crate) async fn shutdown(self) {
        self.shared.draining.store(true, Ordering::SeqCst);
        for waker in self.shared.watched().values() {
            waker.wake();
        }
        loop {
            // Armed before the check, so an end in between is not missed.
            let mut ended = pin!(self.shared.ended.notified());
            ended.as_mut().enable();
            if self.shared.watched().is_empty() {
                return;
            }
            ended.await;
        }
    }
}

/// One connection's part in the drain; the connection counts as open until
/// it is dropped.
pub(crate) struct Watcher {
    shared: Arc<Shared>,
    id: u64,
    waker: Arc<AtomicWaker>,
}

impl Watcher {
    /// Runs `connection`, starting its graceful shutdown once the drain begins.
    pub(crate) async fn watch<C: GracefulConnection>(self, connection: C) -> C::Output {
        let mut connection = pin!(connection);
        let mut registered: Option<Waker> = None;
        let mut closing = false;
        std::future::poll_fn(|cx| {
            if !closing {
                // A connection's task keeps its waker: register it once,
                // and again only if it changes.
                if !registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    self.waker.register(cx.waker());
                    registered = Some(cx.waker().clone());
                }
                if self.shared.draining.load(Ordering::SeqCst) {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            connection.as_mut().poll(cx)
        })
        .await
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let mut watched = self.shared.watched();
        watched.remove(&self.id);
        if watched.is_empty() && self.shared.draining.load(Ordering::SeqCst) {
            // A stored permit: the drain sees it even if not waiting yet.
            self.shared.ended.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::{Context, Poll};
    use std::time::Duration;

    /// A connection that runs until told to shut down, then ends after
    /// `linger` more polls; counts its shutdown calls.
    struct FakeConnection {
        linger: usize,
        shutdowns: Arc<AtomicUsize>,
        closing: bool,
    }

    impl Future for FakeConnection {
        type Output = Result<(), std::convert::Infallible>;

        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            if !self.closing {
                return Poll::Pending;
            }
            if self.linger == 0 {
                return Poll::Ready(Ok(()));
            }
            self.linger -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    impl GracefulConnection for FakeConnection {
        fn graceful_shutdown(mut self: std::pin::Pin<&mut Self>) {
            self.shutdowns.fetch_add(1, Ordering::SeqCst);
            self.closing = true;
        }
    }

    #[tokio::test]
    async fn the_drain_closes_every_connection_once_and_waits_for_them() {
        let drain = Drain::new();
        let shutdowns = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|linger| {
                let connection = FakeConnection {
                    linger,
                    shutdowns: Arc::clone(&shutdowns),
                    closing: false,
                };
                tokio::spawn(drain.watcher().watch(connection))
            })
            .collect();
        tokio::task::yield_now().await;
        tokio::time::timeout(Duration::from_secs(5), drain.shutdown())
            .await
            .expect("the drain ends once the connections have");
        assert_eq!(shutdowns.load(Ordering::SeqCst), 3);
        for task in tasks {
            assert!(task.await.expect("no panic").is_ok());
        }
    }

    #[tokio::test]
    async fn a_drain_without_connections_ends_at_once() {
        let drain = Drain::new();
        drop(drain.watcher());
        tokio::time::timeout(Duration::from_secs(5), drain.shutdown())
            .await
            .expect("nothing to wait for");
    }

    #[tokio::test]
    async fn a_connection_watched_after_the_drain_began_closes_at_its_first_poll() {
        let drain = Drain::new();
        let shared = Arc::clone(&drain.shared);
        shared.draining.store(true, Ordering::SeqCst);
        let shutdowns = Arc::new(AtomicUsize::new(0));
        let connection = FakeConnection {
            linger: 0,
            shutdowns: Arc::clone(&shutdowns),
            closing: false,
        };
        let watcher = drain.watcher();
        assert!(watcher.watch(connection).await.is_ok());
        assert_eq!(shutdowns.load(Ordering::SeqCst), 1);
        assert!(shared.watched().is_empty());
    }
}
