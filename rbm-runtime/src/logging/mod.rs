//! Log set-up for binaries that do not install their own subscriber:
//! lines for people or JSON for a log platform (`RBM_LOG_FORMAT`), filtered
//! by `RUST_LOG`, written by a background thread.

mod format;
mod json;
mod text;

pub(crate) use format::structured;
pub use format::{ENV_LOG_FORMAT, LogFormat, set_structured};

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};

/// Keeps the background log writer running; dropping it flushes what is left.
#[must_use = "logs written after the guard is dropped are lost"]
pub struct LogGuard {
    _worker: WorkerGuard,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogGuard")
    }
}

/// Installs a `tracing` subscriber writing to stderr in the format
/// `RBM_LOG_FORMAT` names (text when unset or invalid: check it first with
/// [`LogFormat::from_env`] to refuse a wrong value), filtered by `RUST_LOG`
/// (default `info`). Returns `None` if the program installed one already.
pub fn init() -> Option<LogGuard> {
    init_with(LogFormat::from_env().unwrap_or_default())
}

/// Installs a `tracing` subscriber writing to stderr in `format`, filtered
/// by `RUST_LOG` (default `info`). Returns `None` if the program installed
/// one already.
///
/// Lines are written by a background thread in batches: one line per
/// delivery must not cost every request a `write` system call.
pub fn init_with(format: LogFormat) -> Option<LogGuard> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    let (writer, worker) = NonBlockingBuilder::default()
        // Block rather than drop lines when the writer falls behind.
        .lossy(false)
        .buffered_lines_limit(4096)
        .thread_name("rbm-log")
        .finish(BufWriter::new(std::io::stderr()));
    let installed = match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            // Colour codes only help a person at a terminal; in files they are noise.
            .with_ansi(ansi)
            .fmt_fields(text::TextFields)
            .event_format(text::TextLines { ansi })
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .with_ansi(false)
            .fmt_fields(json::JsonFields)
            .event_format(json::JsonLines)
            .try_init(),
    };
    installed.ok().map(|()| {
        set_structured(format == LogFormat::Json);
        LogGuard { _worker: worker }
    })
}
