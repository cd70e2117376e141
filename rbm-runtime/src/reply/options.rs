//! Per-message delivery options: the traffic type and the expiry.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// What kind of traffic a message is (`messageTrafficType`); carriers may
/// bill and filter by it.
///
/// Agents of the multi-use billing category have no default traffic type:
/// every message they send must carry one, or the API refuses it. Agents of
/// the other categories get their category's type when a message has none.
/// An agent can set a default for all its messages with the
/// `RBM_MESSAGE_TRAFFIC_TYPE` setting (any of the names below); a type set on
/// a [`Reply`](super::Reply) wins over it.
///
/// The variants are the API's `MessageTrafficType` values, less
/// `MESSAGE_TRAFFIC_TYPE_UNSPECIFIED`, which is what leaving it unset means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrafficType {
    /// One-time passwords and other authentication (`AUTHENTICATION`).
    Authentication,
    /// Messages about the user's existing services or products: receipts,
    /// confirmations, alerts (`TRANSACTION`).
    Transaction,
    /// Offers, discounts, announcements and other promotions (`PROMOTION`).
    Promotion,
    /// Messages about a service the user explicitly asked for (`SERVICEREQUEST`).
    ServiceRequest,
    /// The acknowledgement of a user's action, an unsubscribe request
    /// (`ACKNOWLEDGEMENT`).
    Acknowledgement,
}

impl TrafficType {
    /// Every traffic type, in the API's order.
    pub const ALL: [TrafficType; 5] = [
        Self::Authentication,
        Self::Transaction,
        Self::Promotion,
        Self::ServiceRequest,
        Self::Acknowledgement,
    ];

    /// The API's name of this type (`"TRANSACTION"`), as sent in `messageTrafficType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authentication => "AUTHENTICATION",
            Self::Transaction => "TRANSACTION",
            Self::Promotion => "PROMOTION",
            Self::ServiceRequest => "SERVICEREQUEST",
            Self::Acknowledgement => "ACKNOWLEDGEMENT",
        }
    }
}

impl fmt::Display for TrafficType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TrafficType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A text that is not one of the API's traffic type names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{given:?} is not a message traffic type; expected one of {}",
    valid_names()
)]
pub struct UnknownTrafficType {
    /// The text that was given.
    pub given: String,
}

/// "AUTHENTICATION, …, PROMOTION or ACKNOWLEDGEMENT".
fn valid_names() -> String {
    let names: Vec<&str> = TrafficType::ALL.iter().map(|kind| kind.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl FromStr for TrafficType {
    type Err = UnknownTrafficType;

    /// Parses an API name (`TRANSACTION`), ignoring case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownTrafficType {
                given: text.to_owned(),
            })
    }
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
    fn traffic_types_parse_from_their_api_names_in_any_case() {
        for kind in TrafficType::ALL {
            assert_eq!(kind.as_str().parse::<TrafficType>(), Ok(kind));
            assert_eq!(
                kind.as_str().to_lowercase().parse::<TrafficType>(),
                Ok(kind)
            );
            assert_eq!(
                serde_json::to_value(kind).expect("serialisable"),
                serde_json::Value::from(kind.as_str())
            );
        }
        assert_eq!(
            "ServiceRequest".parse::<TrafficType>(),
            Ok(TrafficType::ServiceRequest)
        );
    }

    #[test]
    fn an_unknown_traffic_type_names_the_valid_ones() {
        for text in [
            "",
            "SERVICE_REQUEST",
            "MESSAGE_TRAFFIC_TYPE_UNSPECIFIED",
            " PROMOTION",
        ] {
            let error = text.parse::<TrafficType>().expect_err(text);
            assert_eq!(error.given, text);
        }
        let error = "promo".parse::<TrafficType>().expect_err("not a name");
        assert_eq!(
            error.to_string(),
            "\"promo\" is not a message traffic type; expected one of AUTHENTICATION, \
             TRANSACTION, PROMOTION, SERVICEREQUEST or ACKNOWLEDGEMENT"
        );
    }

    #[test]
    fn durations_are_protobuf_json() {
        assert_eq!(format_duration(Duration::from_secs(600)), "600s");
        assert_eq!(format_duration(Duration::from_millis(3500)), "3.5s");
        assert_eq!(format_duration(Duration::from_nanos(1)), "0.000000001s");
    }
}
