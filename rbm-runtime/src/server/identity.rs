//! The stable identity of a delivery: what makes a redelivery recognisable
//! (duplicate keys), whose line it waits in, and what reply ids derive from.

use crate::agent::Delivery;
use crate::dedupe::DedupeKey;
use crate::protocol::Payload;

/// The identity of one delivery.
pub(crate) struct Identity<'a> {
    /// Every key a redelivery keeps: the Pub/Sub id, and the sender +
    /// message id of a user message or the event id of an event.
    pub(crate) keys: Vec<DedupeKey>,
    /// The agent and the sender's phone number: whose line it waits in.
    sender: (&'a str, &'a str),
    /// What the reply-id name is made of; spelled out only when the
    /// delivery is handled or stored (a duplicate never needs it).
    name: Name<'a>,
}

/// The most specific stable id of a delivery, with its namespace.
enum Name<'a> {
    Message {
        agent: &'a str,
        sender: &'a str,
        id: &'a str,
    },
    Event {
        agent: &'a str,
        id: &'a str,
    },
    Pubsub {
        webhook: &'a str,
        id: &'a str,
    },
    /// No id at all: a fresh one, drawn once.
    Anonymous(uuid::Uuid),
}

impl<'a> Identity<'a> {
    pub(crate) fn of(delivery: &'a Delivery, webhook_path: &'a str) -> Self {
        let payload = &delivery.payload;
        let agent = payload.agent_id().unwrap_or(webhook_path);
        let phone = payload.phone_number().unwrap_or("");
        let mut keys = Vec::with_capacity(2);
        let mut name = None;
        if let (Payload::Message(message), Some(id)) = (payload, payload.message_id()) {
            let sender = message.sender_phone_number.as_str();
            keys.push(DedupeKey::of(&["message", agent, sender, id]));
            name = Some(Name::Message { agent, sender, id });
        }
        if let Some(id) = payload.event_id() {
            keys.push(DedupeKey::of(&["event", agent, id]));
            name = name.or(Some(Name::Event { agent, id }));
        }
        if let Some(id) = delivery.pubsub_message_id.as_deref() {
            keys.push(DedupeKey::of(&["pubsub", webhook_path, id]));
            name = name.or(Some(Name::Pubsub {
                webhook: webhook_path,
                id,
            }));
        }
        Self {
            keys,
            sender: (agent, phone),
            // A delivery with no id at all cannot be recognised again; its
            // replies get fresh ids (at-least-once, never silently dropped).
            name: name.unwrap_or_else(|| Name::Anonymous(uuid::Uuid::new_v4())),
        }
    }

    /// The per-sender line (agent + phone number). Worked out when asked
    /// for: a duplicate never waits in line.
    pub(crate) fn lane(&self) -> u128 {
        let (agent, phone) = self.sender;
        DedupeKey::of(&[agent, phone]).as_u128()
    }

    /// The name reply ids derive from: the most specific stable id, e.g.
    /// `message/{agent}/{sender}/{message id}`.
    pub(crate) fn name(&self) -> String {
        let parts: &[&str] = match self.name {
            Name::Message { agent, sender, id } => &["message", agent, sender, id],
            Name::Event { agent, id } => &["event", agent, id],
            Name::Pubsub { webhook, id } => &["pubsub", webhook, id],
            Name::Anonymous(id) => return format!("anonymous/{id}"),
        };
        let mut name = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                name.push('/');
            }
            name.push_str(part);
        }
        name
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
        let (first, again) = (delivery(json, Some("p1")), delivery(json, Some("p2")));
        let (first, again) = (Identity::of(&first, "/"), Identity::of(&again, "/"));
        assert_eq!(first.keys.len(), 2);
        assert_eq!(first.keys[0], again.keys[0]);
        assert_eq!(first.name(), again.name());
        assert_eq!(first.name(), "message/a/+1/m");
        assert_eq!(first.lane(), again.lane());
        assert_eq!(first.lane(), DedupeKey::of(&["a", "+1"]).as_u128());
    }

    #[test]
    fn events_are_known_by_event_id() {
        let json = r#"{"senderPhoneNumber":"+1","eventType":"READ","eventId":"e","messageId":"m"}"#;
        let delivery = delivery(json, None);
        let identity = Identity::of(&delivery, "/");
        assert_eq!(identity.keys, vec![DedupeKey::of(&["event", "/", "e"])]);
        assert_eq!(identity.name(), "event///e");
    }

    #[test]
    fn a_delivery_without_ids_keeps_the_name_it_was_given() {
        let json = r#"{"agentId":"a","newLaunchState":"LAUNCHED"}"#;
        let delivery = delivery(json, None);
        let identity = Identity::of(&delivery, "/");
        assert!(identity.keys.is_empty());
        assert!(identity.name().starts_with("anonymous/"));
        assert_eq!(identity.name(), identity.name());
    }
}
