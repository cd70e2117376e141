//! Log set-up for binaries that do not install their own subscriber:
//! lines for people or JSON for a log platform (`RBM_LOG_FORMAT`), filtered
//! by `RUST_LOG`, written by a background thread.

mod batch;
#[cfg(test)]
mod captured;
mod direct;
mod format;
mod json;
#[cfg(feature = "otel")]
mod otel;
pub(crate) mod spans;
mod text;

pub(crate) use direct::write as write_direct;
pub(crate) use format::structured;
pub use format::{ENV_LOG_FORMAT, LogFormat, set_structured};
pub use spans::set_spans;

use std::io::IsTerminal;

/// Keeps the background log writer running (and, with the `otel` feature,
/// the span export); dropping it flushes what is left.
#[must_use = "logs written after the guard is dropped are lost"]
pub struct LogGuard {
    // Dropped first: its last spans may log.
    #[cfg(feature = "otel")]
    _export: Option<otel::OtelExport>,
    _writer: batch::BatchGuard,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogGuard")
    }
}

/// Installs a `tracing` subscriber writing to stderr in the format
/// `RBM_LOG_FORMAT` names (text when unset or invalid: check it first with
/// [`LogFormat::from_env`] to refuse a wrong value), filtered by `RUST_LOG`
/// (default `info`). With the `otel` feature and
/// `OTEL_EXPORTER_OTLP_ENDPOINT` set, it also exports the delivery spans.
/// Returns `None` if the program installed one already.
pub fn init() -> Option<LogGuard> {
    init_with(LogFormat::from_env().unwrap_or_default())
}

/// Installs a `tracing` subscriber writing to stderr in `format`, filtered
/// by `RUST_LOG` (default `info`). Returns `None` if the program installed
/// one already.
///
/// Lines are written by a background thread in batches, within 10 ms: one
/// line per delivery must not cost every request a `write` system call.
pub fn init_with(format: LogFormat) -> Option<LogGuard> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    let (writer, writer_guard) = batch::start(std::io::stderr());
    let direct =
        (format == LogFormat::Text).then(|| direct::DirectLines::new(writer.clone(), ansi));
    let text = (format == LogFormat::Text).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(writer.clone())
            // Colour codes only help a person at a terminal; in files they are noise.
            .with_ansi(ansi)
            .fmt_fields(text::TextFields)
            .event_format(text::TextLines { ansi })
    });
    let json = (format == LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .fmt_fields(json::JsonFields)
            .event_format(json::JsonLines)
    });
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(text)
        .with(json)
        .with(direct);
    #[cfg(feature = "otel")]
    let (registry, export) = {
        let (layer, export) = match otel::layer() {
            Ok(Some((layer, export))) => (Some(layer), Some(export)),
            Ok(None) => (None, None),
            Err(error) => {
                eprintln!("spans are not exported: {error}");
                (None, None)
            }
        };
        (registry.with(layer), export)
    };
    registry.try_init().ok().map(|()| {
        set_structured(format == LogFormat::Json);
        #[cfg(feature = "otel")]
        set_spans(export.is_some());
        LogGuard {
            #[cfg(feature = "otel")]
            _export: export,
            _writer: writer_guard,
        }
    })
}
