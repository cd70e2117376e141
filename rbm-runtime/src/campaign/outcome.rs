//! What became of one number of a campaign, as kept in the store.

use serde::{Deserialize, Serialize};

/// The final outcome of sending a campaign's message to one number. Only
/// final outcomes are kept: a number that failed for a reason that may pass
/// (quota, the API unavailable) has none, and is tried again on the next run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The platform took the message (or had taken it in an earlier run).
    Sent,
    /// The number cannot receive the agent's messages (no RCS, or the agent
    /// is not launched on its carrier): send by another channel.
    NotReachable,
    /// The API refused the message for good.
    Failed {
        /// Why, as the API said it.
        reason: String,
    },
}

impl Outcome {
    /// The outcome as stored.
    pub(super) fn encode(&self) -> Vec<u8> {
        // A plain enum of strings always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// A stored outcome; `None` for data that is not one (a state written by
    /// something else under the campaign's key is not trusted as progress).
    pub(super) fn decode(data: &[u8]) -> Option<Self> {
        serde_json::from_slice(data).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_and_foreign_data_is_none() {
        for outcome in [
            Outcome::Sent,
            Outcome::NotReachable,
            Outcome::Failed {
                reason: "400: bad".into(),
            },
        ] {
            assert_eq!(Outcome::decode(&outcome.encode()), Some(outcome));
        }
        assert_eq!(Outcome::decode(b"{\"count\":3}"), None);
    }
}
