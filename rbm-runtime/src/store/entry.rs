//! The values a [`Store`](super::Store) keeps and answers with.

use std::fmt;

use crate::dedupe::DedupeKey;

/// Position in the inbox: increases with arrival, so it is also the order of
/// a lane. Never reused: a retried dead letter gets a new, larger id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(pub i64);

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// An authentic delivery, as the webhook appends it to the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// The user's lane (webhook path, agent and phone): entries of one lane
    /// are handled in id order. Opaque to the store.
    pub lane: String,
    /// The webhook path the delivery came to.
    pub webhook: String,
    /// Its duplicate keys: a later delivery sharing any of them is a duplicate.
    pub keys: Vec<DedupeKey>,
    /// The decoded, authenticated `message.data` bytes.
    pub data: Vec<u8>,
    /// The Pub/Sub message id of the envelope, if it had one.
    pub pubsub_message_id: Option<String>,
    /// The Pub/Sub publish time of the envelope, as sent.
    pub publish_time: Option<String>,
    /// The envelope's `attributes.type` (a classification hint).
    pub attribute_type: Option<String>,
    /// When the webhook received it (unix milliseconds).
    pub received_at_ms: i64,
}

/// An entry of the inbox: a stored delivery and its handling so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its position in the inbox.
    pub id: EntryId,
    /// Failed attempts so far (0 for a new or retried entry).
    pub attempts: u32,
    /// When the next attempt is due (unix milliseconds).
    pub next_attempt_at_ms: i64,
    /// The error of the last failed attempt, if any. Kept when a dead letter
    /// is retried, as a record of why it died.
    pub last_error: Option<String>,
    /// When it joined the inbox (unix milliseconds): `received_at_ms`, or
    /// the time a dead letter was retried. An age limit on handling counts
    /// from here, so a retried entry gets a full second chance.
    pub queued_at_ms: i64,
    /// The user's lane; see [`NewEntry::lane`].
    pub lane: String,
    /// The webhook path it came to.
    pub webhook: String,
    /// Its duplicate keys.
    pub keys: Vec<DedupeKey>,
    /// The decoded, authenticated `message.data` bytes.
    pub data: Vec<u8>,
    /// The Pub/Sub message id of the envelope, if it had one.
    pub pubsub_message_id: Option<String>,
    /// The Pub/Sub publish time of the envelope, as sent.
    pub publish_time: Option<String>,
    /// The envelope's `attributes.type`.
    pub attribute_type: Option<String>,
    /// When the webhook received it (unix milliseconds).
    pub received_at_ms: i64,
}

impl Entry {
    /// A fresh entry with position `id`, due at once.
    pub(crate) fn new(id: EntryId, new: NewEntry) -> Self {
        Self {
            id,
            attempts: 0,
            next_attempt_at_ms: new.received_at_ms,
            last_error: None,
            queued_at_ms: new.received_at_ms,
            lane: new.lane,
            webhook: new.webhook,
            keys: new.keys,
            data: new.data,
            pubsub_message_id: new.pubsub_message_id,
            publish_time: new.publish_time,
            attribute_type: new.attribute_type,
            received_at_ms: new.received_at_ms,
        }
    }
}

/// What [`Store::append`](super::Store::append) did with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored durably, at this position.
    Stored(EntryId),
    /// One of its keys was marked already: not stored.
    Duplicate,
}

/// An entry that failed too often, too long, or for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The entry as it was when it died.
    pub entry: Entry,
    /// Why it died.
    pub error: String,
    /// When it died (unix milliseconds).
    pub died_at_ms: i64,
}

/// Counts of what the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxStatus {
    /// Entries waiting to be handled (not dead), retrying ones included.
    pub waiting: u64,
    /// Of the waiting entries, those that failed at least once.
    pub retrying: u64,
    /// When the oldest waiting entry was received (unix milliseconds).
    pub oldest_received_at_ms: Option<i64>,
    /// Dead letters.
    pub dead: u64,
    /// Done marks: handled (or dropped) deliveries still remembered.
    pub done_marks: u64,
}

/// Which dead letters an operation applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The dead letter at this position.
    One(EntryId),
    /// Every dead letter.
    All,
}
