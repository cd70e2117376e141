//! `RBM_LOG_FORMAT`: lines for people (`text`) or one JSON object per line
//! for a log platform (`json`).

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::ConfigError;

/// The environment variable choosing the log format.
pub const ENV_LOG_FORMAT: &str = "RBM_LOG_FORMAT";

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line, every field a field: what Cloud Logging,
    /// Loki and most log platforms parse.
    Json,
}

impl FromStr for LogFormat {
    type Err = ConfigError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(ConfigError::Invalid {
                name: ENV_LOG_FORMAT,
                value: value.to_owned(),
                reason: "expected text or json".to_owned(),
            }),
        }
    }
}

impl LogFormat {
    /// The format `RBM_LOG_FORMAT` names (`text` when unset).
    pub fn from_env() -> Result<Self, ConfigError> {
        std::env::var(ENV_LOG_FORMAT).map_or(Ok(Self::Text), |value| value.parse())
    }
}

/// Whether log events should carry their facts as separate fields (JSON)
/// rather than as one pre-assembled line (text, cheaper to format).
static STRUCTURED: AtomicBool = AtomicBool::new(false);

/// Makes the runtime's own events carry separate fields: set by
/// [`init_with`](super::init_with) for JSON; call it when installing a
/// structured subscriber of your own.
pub fn set_structured(structured: bool) {
    STRUCTURED.store(structured, Ordering::Relaxed);
}

/// Whether the runtime's events carry separate fields.
pub(crate) fn structured() -> bool {
    STRUCTURED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_a_wrong_one_names_the_setting() {
        assert_eq!("json".parse::<LogFormat>().ok(), Some(LogFormat::Json));
        assert_eq!(" Text ".parse::<LogFormat>().ok(), Some(LogFormat::Text));
        let error = "yaml".parse::<LogFormat>().expect_err("not a format");
        assert!(error.to_string().starts_with("RBM_LOG_FORMAT"), "{error}");
    }
}
