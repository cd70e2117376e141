//! A [`ReplySender`] that keeps everything it is given, for in-process tests.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::sender::{OutgoingEvent, OutgoingMessage, ReplySender, SendError, SendFuture};

tokio::task_local! {
    /// The delivery whose handling is being polled: a [`TestBot`](super::TestBot)
    /// runs the pipeline for one delivery inside [`during_delivery`], and the
    /// pipeline handles a delivery inside its request's future, so every
    /// send made for that delivery carries its tag.
    static DELIVERY: u64;
}

/// Runs `future` (the pipeline handling one delivery) with what it sends
/// tagged `tag`.
pub(crate) async fn during_delivery<F: Future>(tag: u64, future: F) -> F::Output {
    DELIVERY.scope(tag, future).await
}

/// Records agent messages and events instead of sending them. Like the RBM
/// API, it ignores a message or event whose id it has already accepted (so
/// a redelivered event handled again shows nothing twice), and it can be
/// told to fail the next sends. Clones share the same record.
#[derive(Debug, Clone, Default)]
pub struct CapturingSender {
    inner: Arc<Mutex<Record>>,
}

#[derive(Debug, Default)]
struct Record {
    messages: Vec<OutgoingMessage>,
    events: Vec<OutgoingEvent>,
    /// The delivery each message was sent for (see [`during_delivery`]).
    message_tags: Vec<Option<u64>>,
    /// The delivery each event was sent for.
    event_tags: Vec<Option<u64>>,
    seen_ids: HashSet<String>,
    failures: VecDeque<SendError>,
}

impl CapturingSender {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        // A test that panicked mid-send must not take later assertions down.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<OutgoingMessage> {
        self.record().messages.clone()
    }

    /// Every event accepted so far, in order.
    pub fn events(&self) -> Vec<OutgoingEvent> {
        self.record().events.clone()
    }

    /// How many messages and events were accepted so far.
    pub fn counts(&self) -> (usize, usize) {
        let record = self.record();
        (record.messages.len(), record.events.len())
    }

    /// The messages and events sent for the delivery tagged `tag`, among
    /// those accepted after the counts `since` (from [`counts`](Self::counts)).
    pub(crate) fn sent_for(
        &self,
        tag: u64,
        since: (usize, usize),
    ) -> (Vec<OutgoingMessage>, Vec<OutgoingEvent>) {
        fn tagged<T: Clone>(items: &[T], tags: &[Option<u64>], from: usize, tag: u64) -> Vec<T> {
            let items = items.get(from..).unwrap_or_default();
            let tags = tags.get(from..).unwrap_or_default();
            items
                .iter()
                .zip(tags)
                .filter(|(_, t)| **t == Some(tag))
                .map(|(item, _)| item.clone())
                .collect()
        }
        let record = self.record();
        (
            tagged(&record.messages, &record.message_tags, since.0, tag),
            tagged(&record.events, &record.event_tags, since.1, tag),
        )
    }

    /// Fails the next send (message or event) with `error`; calls queue up.
    pub fn fail_next(&self, error: SendError) {
        self.record().failures.push_back(error);
    }

    fn accept<T>(
        &self,
        id: &str,
        item: &T,
        push: impl FnOnce(&mut Record, T),
    ) -> Result<(), SendError>
    where
        T: Clone,
    {
        let mut record = self.record();
        if let Some(error) = record.failures.pop_front() {
            return Err(error);
        }
        if record.seen_ids.insert(id.to_owned()) {
            push(&mut record, item.clone());
        }
        Ok(())
    }
}

impl ReplySender for CapturingSender {
    fn send_message<'a>(&'a self, message: &'a OutgoingMessage) -> SendFuture<'a> {
        // An invalid reply would be refused by the real client before sending.
        let result = match message.reply.validate() {
            Err(error) => Err(SendError::Invalid(error.to_string())),
            Ok(()) => self.accept(&message.message_id, message, |r, m| {
                r.messages.push(m);
                r.message_tags.push(current_delivery());
            }),
        };
        Box::pin(std::future::ready(result))
    }

    fn send_event<'a>(&'a self, event: &'a OutgoingEvent) -> SendFuture<'a> {
        let result = self.accept(&event.event_id, event, |r, e| {
            r.events.push(e);
            r.event_tags.push(current_delivery());
        });
        Box::pin(std::future::ready(result))
    }
}

/// Marks the tags of inbox entries, apart from those of requests.
const ENTRY_TAG: u64 = 1 << 63;

/// The tag of what an inbox worker sends for entry `id`.
pub(crate) fn entry_tag(id: crate::store::EntryId) -> u64 {
    ENTRY_TAG | (id.0 as u64 & !ENTRY_TAG)
}

/// The tag of the delivery being handled: the request a
/// [`TestBot`](super::TestBot) runs inline, or the inbox entry a worker runs.
fn current_delivery() -> Option<u64> {
    DELIVERY
        .try_with(|tag| *tag)
        .ok()
        .or_else(|| crate::inbox::current_entry().map(entry_tag))
}
