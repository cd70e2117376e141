//! The RBM API families: calls by method and status, retries, call time,
//! token refreshes. The client is also used without a server (the CLI,
//! campaigns): it then has no metrics, and checking costs one atomic load.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The status of one HTTP exchange with the API: its code, or none when no
/// answer came (a network error or a timeout).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) struct ApiStatus(pub(crate) Option<u16>);

impl EncodeLabelValue for ApiStatus {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        use std::fmt::Write as _;
        match self.0 {
            Some(code) => encoder.write_str(itoa::Buffer::new().format(code)),
            None => encoder.write_str("error"),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: &'static str,
    status: ApiStatus,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefreshLabel {
    outcome: &'static str,
}

/// The API families of one server's registry.
pub(crate) struct ApiMetrics {
    calls: Family<CallLabels, Counter>,
    retries: Family<MethodLabel, Counter>,
    seconds: Family<MethodLabel, Histogram, fn() -> Histogram>,
    refreshed: Counter,
    refresh_failed: Counter,
}

impl ApiMetrics {
    /// The families, registered in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Arc<Self> {
        let refreshes = Family::<RefreshLabel, Counter>::default();
        let metrics = Self {
            calls: Family::default(),
            retries: Family::default(),
            seconds: Family::new_with_constructor(super::latency_histogram),
            // Both outcomes show from the start, at zero.
            refreshed: refreshes.get_or_create_owned(&RefreshLabel { outcome: "ok" }),
            refresh_failed: refreshes.get_or_create_owned(&RefreshLabel { outcome: "error" }),
        };
        registry.register(
            "rbm_api_calls",
            "HTTP requests to the RBM API, each try counted, by API method and HTTP status (error: no answer)",
            metrics.calls.clone(),
        );
        registry.register(
            "rbm_api_retries",
            "RBM API requests that were tries after the first one of their call",
            metrics.retries.clone(),
        );
        registry.register_with_unit(
            "rbm_api_call",
            "Time one RBM API call took, all its tries and pauses included",
            Unit::Seconds,
            metrics.seconds.clone(),
        );
        registry.register(
            "rbm_token_refreshes",
            "OAuth access token refreshes, by outcome",
            refreshes,
        );
        Arc::new(metrics)
    }

    /// Counts one exchange of `method` that ended with `status`.
    pub(crate) fn exchanged(&self, method: &'static str, status: ApiStatus) {
        self.calls
            .get_or_create(&CallLabels { method, status })
            .inc();
    }

    /// Counts a try after the first of a call of `method`.
    pub(crate) fn retried(&self, method: &'static str) {
        self.retries.get_or_create(&MethodLabel { method }).inc();
    }

    /// Records how long a call of `method` took.
    pub(crate) fn called_in(&self, method: &'static str, elapsed: Duration) {
        self.seconds
            .get_or_create(&MethodLabel { method })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a token refresh.
    pub(crate) fn refreshed(&self, ok: bool) {
        if ok {
            self.refreshed.inc();
        } else {
            self.refresh_failed.inc();
        }
    }
}

/// Where a client finds its metrics, once a server sets them. Shared by
/// the client's clones and its token source.
pub(crate) type ApiMetricsSlot = Arc<OnceLock<Arc<ApiMetrics>>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_network_errors_are_labelled() {
        let mut registry = Registry::default();
        let metrics = ApiMetrics::register(&mut registry);
        metrics.exchanged("agentMessages.create", ApiStatus(Some(200)));
        metrics.exchanged("agentMessages.create", ApiStatus(Some(200)));
        metrics.exchanged("agentMessages.create", ApiStatus(None));
        metrics.retried("agentMessages.create");
        metrics.refreshed(true);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        for line in [
            r#"rbm_api_calls_total{method="agentMessages.create",status="200"} 2"#,
            r#"rbm_api_calls_total{method="agentMessages.create",status="error"} 1"#,
            r#"rbm_api_retries_total{method="agentMessages.create"} 1"#,
            r#"rbm_token_refreshes_total{outcome="ok"} 1"#,
            r#"rbm_token_refreshes_total{outcome="error"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
