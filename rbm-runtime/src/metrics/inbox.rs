//! The inbox gauges: entries waiting, the age of the oldest, dead letters.
//!
//! They are read from the store when scraped ([`Store::status`]), not
//! counted by this process: with a store shared by several replicas, or
//! entries moved by `rbm inbox retry`, only the store knows the totals. The
//! reading is kept for [`FRESH_FOR`], so frequent scrapes (or several
//! Prometheus servers) cost the store one count a second at most, and the
//! request path pays nothing for these gauges.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::store::Store;

/// How long one reading of the store's counts is served.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// How long a scrape waits for the store's counts before it shows the last ones.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The inbox gauges of one server.
pub(crate) struct InboxGauges {
    store: Arc<dyn Store>,
    depth: Gauge,
    oldest_age: Gauge<f64, AtomicU64>,
    dead: Gauge,
    /// When the gauges were last read from the store; held while reading,
    /// so concurrent scrapes share one reading.
    read_at: Mutex<Option<Instant>>,
}

impl InboxGauges {
    /// The gauges of `store`'s inbox, registered in `registry`.
    pub(crate) fn register(registry: &mut Registry, store: Arc<dyn Store>) -> Self {
        let gauges = Self {
            store,
            depth: Gauge::default(),
            oldest_age: Gauge::default(),
            dead: Gauge::default(),
            read_at: Mutex::new(None),
        };
        registry.register(
            "rbm_inbox_depth",
            "Stored deliveries waiting to be handled, retrying ones included",
            gauges.depth.clone(),
        );
        registry.register_with_unit(
            "rbm_inbox_oldest_entry_age",
            "Age of the oldest waiting delivery (0 when none waits)",
            Unit::Seconds,
            gauges.oldest_age.clone(),
        );
        registry.register(
            "rbm_dead_letters",
            "Stored deliveries given up on (see `rbm inbox`)",
            gauges.dead.clone(),
        );
        gauges
    }

    /// Reads the store's counts into the gauges, unless they are fresh. A
    /// store that fails or does not answer in time leaves the last values.
    pub(crate) async fn refresh(&self) {
        let mut read_at = self.read_at.lock().await;
        if read_at.is_some_and(|at| at.elapsed() < FRESH_FOR) {
            return;
        }
        match tokio::time::timeout(READ_TIMEOUT, self.store.status()).await {
            Ok(Ok(status)) => {
                let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                self.depth.set(clamp(status.waiting));
                self.dead.set(clamp(status.dead));
                let age_ms = status
                    .oldest_received_at_ms
                    .map_or(0, |at| crate::inbox::now_ms().saturating_sub(at).max(0));
                self.oldest_age.set(age_ms as f64 / 1000.0);
                *read_at = Some(Instant::now());
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "metrics: the inbox's counts could not be read");
            }
            Err(_) => tracing::warn!("metrics: the store did not give the inbox's counts in time"),
        }
    }
}
