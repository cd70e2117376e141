//! Agent launch events: the agent's launch state changed on a carrier.

use serde::Serialize;

use super::SendTime;
use super::catch_all::wire_enum;

/// The agent's launch state changed in a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentLaunchEvent {
    /// The event's id; stable across redeliveries.
    pub event_id: Option<String>,
    /// The agent concerned.
    pub agent_id: Option<String>,
    /// The agent's display name.
    pub bot_display_name: Option<String>,
    /// The brand's id.
    pub brand_id: Option<String>,
    /// The brand's display name.
    pub brand_display_name: Option<String>,
    /// The region, e.g. `/v1/regions/fi-rcs`.
    pub region_id: Option<String>,
    /// The state before the change.
    pub old_launch_state: Option<LaunchState>,
    /// The state after the change.
    pub new_launch_state: Option<LaunchState>,
    /// Who made the change.
    pub acting_party: Option<String>,
    /// A free-text comment.
    pub comment: Option<String>,
    /// When it happened.
    pub send_time: Option<SendTime>,
}

wire_enum! {
    /// An agent's launch state in a region.
    pub enum LaunchState {
        /// Not launched.
        Unlaunched = "UNLAUNCHED",
        /// Launch requested, under review.
        Pending = "PENDING",
        /// Live.
        Launched = "LAUNCHED",
        /// Launch refused.
        Rejected = "REJECTED",
        /// Suspended after launch.
        Suspended = "SUSPENDED",
    }
}
