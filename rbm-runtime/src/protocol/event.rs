//! User events (delivery, read, typing, subscription) and server (TTL) events.

use serde::Serialize;

use super::SendTime;
use super::catch_all::wire_enum;

/// An event about a user: a receipt, typing, or a subscription change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEvent {
    /// The user's phone number (E.164).
    pub sender_phone_number: String,
    /// What happened.
    pub event_type: UserEventType,
    /// The event's id; stable across redeliveries.
    pub event_id: Option<String>,
    /// For `DELIVERED` and `READ`: the id of the agent's earlier message.
    pub message_id: Option<String>,
    /// When it happened.
    pub send_time: Option<SendTime>,
    /// The agent concerned.
    pub agent_id: Option<String>,
}

wire_enum! {
    /// The type of a [`UserEvent`].
    pub enum UserEventType {
        /// The agent's message reached the device.
        Delivered = "DELIVERED",
        /// The user read the agent's message.
        Read = "READ",
        /// The user is typing.
        IsTyping = "IS_TYPING",
        /// The user subscribed to the agent.
        Subscribe = "SUBSCRIBE",
        /// The user unsubscribed (a `STOP`-like text arrives too).
        Unsubscribe = "UNSUBSCRIBE",
    }
}

/// An event from the platform about one of the agent's messages (TTL expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerEvent {
    /// The recipient's phone number (E.164).
    pub phone_number: String,
    /// What happened.
    pub event_type: ServerEventType,
    /// The event's id; stable across redeliveries.
    pub event_id: Option<String>,
    /// The id of the agent's message concerned.
    pub message_id: Option<String>,
    /// When it happened.
    pub send_time: Option<SendTime>,
    /// The agent concerned.
    pub agent_id: Option<String>,
}

wire_enum! {
    /// The type of a [`ServerEvent`].
    pub enum ServerEventType {
        /// The expired message was revoked: the user will not see it.
        TtlExpirationRevoked = "TTL_EXPIRATION_REVOKED",
        /// The expired message could not be revoked: it may still be delivered.
        TtlExpirationRevokeFailed = "TTL_EXPIRATION_REVOKE_FAILED",
    }
}
