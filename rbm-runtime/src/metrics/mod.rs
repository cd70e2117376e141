//! Prometheus metrics of a server, in the OpenMetrics text format, served on
//! a listener of their own (`RBM_METRICS_ADDR`) so that nothing internal
//! shows on the webhook's public port. Off (and free) when not configured.
//!
//! Families (see the README's "Metrics and health"): `rbm_deliveries_total`,
//! `rbm_inbox_attempts_total`, `rbm_delivery_handling_seconds`,
//! `rbm_delivery_ack_seconds`, `rbm_duplicates_suppressed_total`,
//! `rbm_api_calls_total`, `rbm_api_retries_total`, `rbm_api_call_seconds`,
//! `rbm_token_refreshes_total`, `rbm_inbox_depth`,
//! `rbm_inbox_oldest_entry_age_seconds`, `rbm_dead_letters`.

mod api;
mod delivery;
mod endpoint;
mod inbox;

use std::sync::Arc;

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub(crate) use api::{ApiMetrics, ApiMetricsSlot, ApiStatus};
pub(crate) use delivery::{Counted, WebhookMetrics};
pub(crate) use endpoint::serve;
use inbox::InboxGauges;

use crate::store::Store;

/// A latency histogram: 0.5 ms to 16 s, doubling (16 buckets).
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// What a server measures, and the registry it is exposed from.
pub(crate) struct ServerMetrics {
    registry: Registry,
    webhooks: Box<[WebhookMetrics]>,
    /// Requests on no webhook (unknown paths, targets without a path).
    unrouted: WebhookMetrics,
    inbox: Option<InboxGauges>,
    api: Arc<ApiMetrics>,
}

/// The webhooks a server hosts, as the metrics see them.
pub(crate) struct WebhookRoutes<'a> {
    /// The configured path (the `webhook` label).
    pub(crate) path: &'a str,
    /// The route names of its agents.
    pub(crate) routes: Vec<&'static str>,
}

/// The outcome names of requests and of inbox attempts, in the order of
/// their indexes.
pub(crate) struct OutcomeNames {
    pub(crate) request: &'static [&'static str],
    pub(crate) attempt: &'static [&'static str],
}

impl ServerMetrics {
    /// The metrics of a server hosting `webhooks`; with `inbox`, the inbox
    /// gauges of that store too.
    pub(crate) fn new(
        webhooks: Vec<WebhookRoutes<'_>>,
        outcomes: OutcomeNames,
        inbox: Option<Arc<dyn Store>>,
    ) -> Self {
        let mut registry = Registry::default();
        let families = delivery::DeliveryFamilies::register(&mut registry);
        let webhooks = webhooks
            .into_iter()
            .map(|hook| {
                WebhookMetrics::new(
                    &families,
                    hook.path,
                    hook.routes,
                    outcomes.request,
                    outcomes.attempt,
                )
            })
            .collect();
        let unrouted = WebhookMetrics::new(
            &families,
            delivery::NONE,
            [],
            outcomes.request,
            outcomes.attempt,
        );
        let api = ApiMetrics::register(&mut registry);
        let inbox = inbox.map(|store| InboxGauges::register(&mut registry, store));
        Self {
            registry,
            webhooks,
            unrouted,
            inbox,
            api,
        }
    }

    /// The handles of webhook `index` (its position in the server's list),
    /// or of the requests on no webhook.
    pub(crate) fn webhook(&self, index: Option<usize>) -> &WebhookMetrics {
        index
            .and_then(|i| self.webhooks.get(i))
            .unwrap_or(&self.unrouted)
    }

    /// The API families, for the server's RBM API client.
    pub(crate) fn api(&self) -> &Arc<ApiMetrics> {
        &self.api
    }

    /// The exposition, the inbox gauges read from the store first.
    pub(crate) async fn exposition(&self) -> String {
        if let Some(inbox) = &self.inbox {
            inbox.refresh().await;
        }
        let mut text = String::with_capacity(8 * 1024);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
