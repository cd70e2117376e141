//! The conversation as a list of events the page renders, kept whole so that
//! a tab opened late (or reconnecting) sees all of it, and announced to
//! every tab watching.

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::watch;

/// Every event so far, numbered from 1, and a signal for new ones.
pub(super) struct Hub {
    events: Mutex<Vec<Arc<str>>>,
    count: watch::Sender<usize>,
}

impl Hub {
    /// An empty conversation.
    pub(super) fn new() -> Self {
        Self {
            events: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
        }
    }

    fn events(&self) -> MutexGuard<'_, Vec<Arc<str>>> {
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `event` (a JSON object) and wakes the watchers; returns its number.
    pub(super) fn publish(&self, mut event: Value) -> usize {
        let mut events = self.events();
        let number = events.len() + 1;
        if let Some(object) = event.as_object_mut() {
            object.insert("seq".to_owned(), number.into());
        }
        events.push(Arc::from(event.to_string()));
        // Under the lock: watchers never see a count ahead of the list.
        self.count.send_replace(number);
        number
    }

    /// The events after the `after`th, each with its number.
    pub(super) fn since(&self, after: usize) -> Vec<(usize, Arc<str>)> {
        let events = self.events();
        events
            .iter()
            .enumerate()
            .skip(after)
            .map(|(i, event)| (i + 1, Arc::clone(event)))
            .collect()
    }

    /// A receiver that changes whenever an event is published.
    pub(super) fn watch(&self) -> watch::Receiver<usize> {
        self.count.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_are_numbered_kept_and_announced() {
        let hub = Hub::new();
        let mut watcher = hub.watch();
        assert_eq!(hub.publish(json!({"type": "a"})), 1);
        assert_eq!(hub.publish(json!({"type": "b"})), 2);
        assert!(watcher.has_changed().expect("the hub lives"));
        assert_eq!(*watcher.borrow_and_update(), 2);
        let after_first = hub.since(1);
        assert_eq!(after_first.len(), 1);
        assert_eq!(after_first[0].0, 2);
        assert_eq!(&*after_first[0].1, r#"{"seq":2,"type":"b"}"#);
        assert!(hub.since(5).is_empty());
    }
}
