//! `sendTime` values: RFC 3339 with 0 to 9 fractional digits.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A `sendTime` as sent by Google: the original text and, when it is valid
/// RFC 3339, the instant it names. An unparseable time never fails a payload.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct SendTime {
    raw: String,
    /// Parsed the first time it is asked for: most deliveries never are.
    #[serde(skip)]
    parsed: OnceLock<Option<DateTime<Utc>>>,
}

impl SendTime {
    /// Wraps a wire value; it is parsed once, when first needed.
    pub fn new(raw: impl Into<String>) -> Self {
        Self {
            raw: raw.into(),
            parsed: OnceLock::new(),
        }
    }

    /// The instant, if the wire value was valid RFC 3339.
    pub fn instant(&self) -> Option<DateTime<Utc>> {
        *self.parsed.get_or_init(|| {
            DateTime::parse_from_rfc3339(&self.raw)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
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

// The instant follows from the text: two times are equal when their texts are.
impl PartialEq for SendTime {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for SendTime {}

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
    fn equal_texts_are_equal_whether_parsed_or_not() {
        let (parsed, unparsed) = (
            SendTime::new("2025-03-05T18:50:21Z"),
            SendTime::new("2025-03-05T18:50:21Z"),
        );
        assert!(parsed.instant().is_some());
        assert_eq!(parsed, unparsed);
        assert_ne!(parsed, SendTime::new("2025-03-05T18:50:22Z"));
    }

    #[test]
    fn keeps_an_invalid_time_verbatim() {
        let t = SendTime::new("yesterday");
        assert_eq!(t.instant(), None);
        assert_eq!(t.as_str(), "yesterday");
    }
}
