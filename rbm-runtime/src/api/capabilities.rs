//! `phones.getCapabilities`: whether a number can receive RBM, and what its
//! device shows.

use std::fmt;

use reqwest::Method;
use serde::Deserialize;

use super::call::Call;
use super::client::RbmApiClient;
use super::error::ApiError;

/// What a device supports, from `phones.getCapabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(from = "String")]
#[non_exhaustive]
pub enum Feature {
    /// Standalone rich cards.
    RichcardStandalone,
    /// Carousels of rich cards.
    RichcardCarousel,
    /// The "create calendar event" action.
    ActionCreateCalendarEvent,
    /// The "dial" action.
    ActionDial,
    /// The "open URL" action.
    ActionOpenUrl,
    /// The "share location" action.
    ActionShareLocation,
    /// The "view location" action.
    ActionViewLocation,
    /// Revoking messages.
    Revocation,
    /// Payments (version 1).
    PaymentsV1,
    /// A feature this version does not know, by its API name.
    Other(String),
}

impl Feature {
    /// The API's name of the feature (`RICHCARD_CAROUSEL`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::RichcardStandalone => "RICHCARD_STANDALONE",
            Self::RichcardCarousel => "RICHCARD_CAROUSEL",
            Self::ActionCreateCalendarEvent => "ACTION_CREATE_CALENDAR_EVENT",
            Self::ActionDial => "ACTION_DIAL",
            Self::ActionOpenUrl => "ACTION_OPEN_URL",
            Self::ActionShareLocation => "ACTION_SHARE_LOCATION",
            Self::ActionViewLocation => "ACTION_VIEW_LOCATION",
            Self::Revocation => "REVOCATION",
            Self::PaymentsV1 => "PAYMENTS_V1",
            Self::Other(name) => name,
        }
    }
}

impl From<String> for Feature {
    fn from(name: String) -> Self {
        match name.as_str() {
            "RICHCARD_STANDALONE" => Self::RichcardStandalone,
            "RICHCARD_CAROUSEL" => Self::RichcardCarousel,
            "ACTION_CREATE_CALENDAR_EVENT" => Self::ActionCreateCalendarEvent,
            "ACTION_DIAL" => Self::ActionDial,
            "ACTION_OPEN_URL" => Self::ActionOpenUrl,
            "ACTION_SHARE_LOCATION" => Self::ActionShareLocation,
            "ACTION_VIEW_LOCATION" => Self::ActionViewLocation,
            "REVOCATION" => Self::Revocation,
            "PAYMENTS_V1" => Self::PaymentsV1,
            _ => Self::Other(name),
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reachable device's capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Capabilities {
    /// The features its RCS client supports.
    #[serde(default)]
    pub features: Vec<Feature>,
    /// The user's carrier, when the API says.
    #[serde(default)]
    pub carrier: Option<String>,
}

impl Capabilities {
    /// Whether the device supports `feature`.
    pub fn supports(&self, feature: &Feature) -> bool {
        self.features.contains(feature)
    }
}

/// Whether a number can receive this agent's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reachability {
    /// It can, with these capabilities.
    Reachable(Capabilities),
    /// It cannot (`404`): no RCS, RCS off, or the agent is not launched on
    /// the user's carrier (nor is the user a tester). Send by another channel.
    NotReachable,
}

impl Reachability {
    /// Whether the number is reachable.
    pub fn is_reachable(&self) -> bool {
        matches!(self, Self::Reachable(_))
    }
}

impl RbmApiClient {
    /// Asks whether `phone` can receive the agent's messages and what its
    /// device supports (`phones.getCapabilities`, for the client's agent).
    /// "Not reachable" is an answer, not an error. Retried like a send.
    pub async fn capabilities(&self, phone: &str) -> Result<Reachability, ApiError> {
        let agent_id = self.agent_id(None)?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let url = self.inner.endpoint.phone_url(
            phone,
            &["capabilities"],
            &[("requestId", &request_id), ("agentId", agent_id)],
        )?;
        let call = Call::new("phones.getCapabilities", Method::GET, url).about(phone);
        match self.call(call).await {
            Ok(answer) => serde_json::from_slice(&answer)
                .map(Reachability::Reachable)
                .map_err(|error| ApiError::UnexpectedAnswer {
                    call: "phones.getCapabilities",
                    reason: error.to_string(),
                }),
            Err(ApiError::Rejected { status: 404, .. }) => Ok(Reachability::NotReachable),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_features_parse() {
        let capabilities: Capabilities = serde_json::from_str(
            r#"{"features": ["RICHCARD_CAROUSEL", "ACTION_DIAL", "SOMETHING_NEW"], "carrier": "X"}"#,
        )
        .expect("parses");
        assert!(capabilities.supports(&Feature::RichcardCarousel));
        assert!(!capabilities.supports(&Feature::RichcardStandalone));
        assert_eq!(
            capabilities.features[2],
            Feature::Other("SOMETHING_NEW".into())
        );
        assert_eq!(Feature::PaymentsV1.to_string(), "PAYMENTS_V1");
        assert_eq!(Feature::from("REVOCATION".to_owned()), Feature::Revocation);
        let empty: Capabilities = serde_json::from_str("{}").expect("parses");
        assert!(empty.features.is_empty());
    }
}
