//! The `otel` feature: the delivery spans (see [`spans`](super::spans))
//! exported to an OpenTelemetry collector over OTLP/HTTP, one trace per
//! delivery.
//!
//! On when `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL, `/v1/traces` is
//! added) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as it is) is set;
//! the exporter reads the other standard variables itself
//! (`OTEL_EXPORTER_OTLP_PROTOCOL` `http/protobuf` or `http/json`,
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`…). Spans are sent in
//! batches from a background thread; dropping the [`LogGuard`](super::LogGuard)
//! sends what is left.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

/// The variables that turn the export on.
const ENDPOINTS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

/// The running export: shut down (flushed) when dropped.
pub(crate) struct OtelExport {
    provider: SdkTracerProvider,
}

impl Drop for OtelExport {
    fn drop(&mut self) {
        // Sends the spans still batched; an unreachable collector only
        // loses them (logging has no one left to tell).
        let _ = self.provider.shutdown();
    }
}

/// The layer that sends spans to the collector.
pub(crate) type SpanLayer<S> = OpenTelemetryLayer<S, SdkTracer>;

/// The layer sending spans to the collector the environment names, and
/// the export to keep running; `None` when no endpoint is set.
pub(crate) fn layer<S>() -> Result<Option<(SpanLayer<S>, OtelExport)>, String>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let configured = ENDPOINTS
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    if !configured {
        return Ok(None);
    }
    // The exporter's HTTP client takes the process's default TLS provider:
    // ours (ring), unless the program installed one already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|error| format!("{}: {error}", ENDPOINTS[0]))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    let tracer = provider.tracer("rbm");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Only the spans: events are the log's business.
        .with_location(false)
        .with_threads(false);
    Ok(Some((layer, OtelExport { provider })))
}
