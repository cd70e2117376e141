//! `sendTime` values: RFC 3339 with 0 to 9 fractional digits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A `sendTime` as sent by Google: the original text and, when it is valid
/// RFC 3339, the instant it names. An unparseable time never fails a payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SendTime {
    raw: String,
    #[serde(skip)]
    parsed: Option<DateTime<Utc>>,
}

impl SendTime {
    /// Wraps a wire value, parsing it once.
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let parsed = DateTime::parse_from_rfc3339(&raw)
            .ok()
            .map(|t| t.with_timezone(&Utc));
        Self { raw, parsed }
    }

    /// The instant, if the wire value was valid RFC 3339.
    pub fn instant(&self) -> Option<DateTime<Utc>> {
        self.parsed
    }

    /// The value exactly as received.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl<'de> Deserialize<'de> for SendTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::new(raw.into_owned()))
    }
}

impl std::fmt::Display for SendTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nanosecond_and_whole_second_times() {
        let t = SendTime::new("2018-12-31T15:01:23.045123456Z");
        assert_eq!(
            t.instant().map(|i| i.timestamp_subsec_nanos()),
            Some(45_123_456)
        );
        assert!(SendTime::new("2025-03-05T18:50:21Z").instant().is_some());
    }

    #[test]
    fn keeps_an_invalid_time_verbatim() {
        let t = SendTime::new("yesterday");
        assert_eq!(t.instant(), None);
        assert_eq!(t.as_str(), "yesterday");
    }
}
