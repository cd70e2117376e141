//! What `agentMessages.create` answers: the message as the platform stored it.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::protocol::RichMessageClassification;
use crate::protocol::message::number_or_string;

/// Google's answer to a sent message. The fields other than `name` and
/// `send_time` are set for US traffic only; all are `None` when the message
/// had been sent before ([`already_sent`](Self::already_sent)), as the
/// platform then answers `409` without the message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SentMessage {
    /// `phones/{E.164}/agentMessages/{messageId}`.
    #[serde(default)]
    pub name: Option<String>,
    /// When the platform sent it.
    #[serde(default)]
    pub send_time: Option<DateTime<Utc>>,
    /// The traffic type it was sent with.
    #[serde(default)]
    pub message_traffic_type: Option<String>,
    /// The carrier's classification (US).
    #[serde(default)]
    pub rich_message_classification: Option<RichMessageClassification>,
    /// The whole message's size in bytes (US).
    #[serde(default, deserialize_with = "number_or_string")]
    pub total_payload_size_bytes: Option<u64>,
    /// The user's carrier (US).
    #[serde(default)]
    pub carrier: Option<String>,
    /// The id had been used before (`409`): this message was sent by an
    /// earlier try and not sent again.
    #[serde(skip)]
    pub already_sent: bool,
}

impl SentMessage {
    /// Reads the answer; an answer that does not parse (cut short, or not
    /// JSON) leaves the fields empty, since the message was sent all the same.
    pub(super) fn from_answer(answer: &[u8]) -> Self {
        if answer.is_empty() {
            return Self::default();
        }
        serde_json::from_slice(answer).unwrap_or_else(|error| {
            tracing::debug!(%error, "the answer to agentMessages.create does not parse; the message was sent");
            Self::default()
        })
    }

    /// A message whose id had been sent before.
    pub(super) fn already() -> Self {
        Self {
            already_sent: true,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_googles_answer_with_its_string_encoded_size() {
        let answer = br#"{
            "name": "phones/+12223334444/agentMessages/m-1",
            "sendTime": "2026-12-02T10:00:00.123456Z",
            "contentMessage": {"text": "hi"},
            "messageTrafficType": "TRANSACTION",
            "richMessageClassification": {"classificationType": "BASIC_MESSAGE", "segmentCount": "1"},
            "totalPayloadSizeBytes": "123",
            "carrier": "Example Mobile"
        }"#;
        let sent = SentMessage::from_answer(answer);
        assert_eq!(
            sent.name.as_deref(),
            Some("phones/+12223334444/agentMessages/m-1")
        );
        assert!(sent.send_time.is_some());
        assert_eq!(sent.total_payload_size_bytes, Some(123));
        assert_eq!(sent.carrier.as_deref(), Some("Example Mobile"));
        assert_eq!(
            sent.rich_message_classification
                .and_then(|c| c.classification_type)
                .as_deref(),
            Some("BASIC_MESSAGE")
        );
        assert!(!sent.already_sent);
    }

    #[test]
    fn an_empty_or_foreign_answer_still_means_sent() {
        assert_eq!(SentMessage::from_answer(b""), SentMessage::default());
        assert_eq!(SentMessage::from_answer(b"<html>"), SentMessage::default());
        assert!(SentMessage::already().already_sent);
    }
}
