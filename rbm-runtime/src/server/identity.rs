//! The stable identity of a delivery: what makes a redelivery recognisable
//! (duplicate keys), whose line it waits in, and what reply ids derive from.

use crate::agent::Delivery;
use crate::dedupe::DedupeKey;
use crate::protocol::Payload;

/// The identity of one delivery.
pub(crate) struct Identity {
    /// Every key a redelivery keeps: the Pub/Sub id, and the sender +
    /// message id of a user message or the event id of an event.
    pub(crate) keys: Vec<DedupeKey>,
    /// The per-sender line (agent + phone number).
    pub(crate) lane: u128,
    /// The name reply ids derive from: the most specific stable id.
    pub(crate) name: String,
}

impl Identity {
    pub(crate) fn of(delivery: &Delivery, webhook_path: &str) -> Self {
        let payload = &delivery.payload;
        let agent = payload.agent_id().unwrap_or(webhook_path);
        let phone = payload.phone_number().unwrap_or("");
        let mut keys = Vec::with_capacity(2);
        let mut name = None;
        if let (Payload::Message(message), Some(id)) = (payload, payload.message_id()) {
            keys.push(DedupeKey::of(&[
                "message",
                agent,
                &message.sender_phone_number,
                id,
            ]));
            name = Some(format!(
                "message/{agent}/{}/{id}",
                message.sender_phone_number
            ));
        }
        if let Some(event_id) = payload.event_id() {
            keys.push(DedupeKey::of(&["event", agent, event_id]));
            if name.is_none() {
                name = Some(format!("event/{agent}/{event_id}"));
            }
        }
        if let Some(pubsub) = delivery.pubsub_message_id.as_deref() {
            keys.push(DedupeKey::of(&["pubsub", webhook_path, pubsub]));
            if name.is_none() {
                name = Some(format!("pubsub/{webhook_path}/{pubsub}"));
            }
        }
        Self {
            keys,
            lane: DedupeKey::of(&[agent, phone]).as_u128(),
            // A delivery with no id at all cannot be recognised again; its
            // replies get fresh ids (at-least-once, never silently dropped).
            name: name.unwrap_or_else(|| format!("anonymous/{}", uuid::Uuid::new_v4())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(json: &str, pubsub: Option<&str>) -> Delivery {
        let payload = Payload::classify(json.as_bytes(), None).expect("json");
        Delivery {
            payload,
            pubsub_message_id: pubsub.map(str::to_owned),
            publish_time: None,
        }
    }

    #[test]
    fn a_user_message_is_known_by_sender_and_id_and_by_pubsub_id() {
        let json = r#"{"senderPhoneNumber":"+1","messageId":"m","text":"hi","agentId":"a"}"#;
        let first = Identity::of(&delivery(json, Some("p1")), "/");
        let again = Identity::of(&delivery(json, Some("p2")), "/");
        assert_eq!(first.keys.len(), 2);
        assert_eq!(first.keys[0], again.keys[0]);
        assert_eq!(first.name, again.name);
        assert_eq!(first.lane, again.lane);
    }

    #[test]
    fn events_are_known_by_event_id() {
        let json = r#"{"senderPhoneNumber":"+1","eventType":"READ","eventId":"e","messageId":"m"}"#;
        let identity = Identity::of(&delivery(json, None), "/");
        assert_eq!(identity.keys, vec![DedupeKey::of(&["event", "/", "e"])]);
        assert_eq!(identity.name, "event///e");
    }
}
