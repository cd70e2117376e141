//! Per-message delivery options: the traffic type and the expiry.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// What kind of traffic a message is (`messageTrafficType`); carriers may
/// bill and filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrafficType {
    /// One-time passwords and other authentication.
    Authentication,
    /// Transactions: receipts, confirmations, alerts the user asked for.
    Transaction,
    /// Promotions and marketing.
    Promotion,
    /// Answers to a request of the user.
    #[serde(rename = "SERVICEREQUEST")]
    ServiceRequest,
    /// Acknowledgements (of an unsubscribe, say).
    Acknowledgement,
}

/// When an undelivered message is revoked automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Expiry {
    /// After this long (`"ttl": "600s"`).
    #[serde(rename = "ttl", serialize_with = "duration")]
    Ttl(Duration),
    /// At this instant (`"expireTime": "2025-01-01T00:00:00Z"`).
    #[serde(rename = "expireTime", serialize_with = "timestamp")]
    ExpireTime(DateTime<Utc>),
}

/// A protobuf JSON duration: seconds with up to nine fractional digits and an `s`.
fn duration<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_duration(*value))
}

fn timestamp<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `600s`, `3.5s`, `0.000000001s`: the shortest exact form.
pub(crate) fn format_duration(value: Duration) -> String {
    let nanos = value.subsec_nanos();
    if nanos == 0 {
        return format!("{}s", value.as_secs());
    }
    let fraction = format!("{nanos:09}");
    format!("{}.{}s", value.as_secs(), fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_protobuf_json() {
        assert_eq!(format_duration(Duration::from_secs(600)), "600s");
        assert_eq!(format_duration(Duration::from_millis(3500)), "3.5s");
        assert_eq!(format_duration(Duration::from_nanos(1)), "0.000000001s");
    }
}
