//! The live stream of a tab: Server-Sent Events, the conversation so far
//! first, then each event as it is published. A tab that reconnects names
//! the last event it saw (`Last-Event-ID`) and gets the rest.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use hyper::body::Frame;
use serde_json::Value;
use tokio::sync::watch;

use super::hub::Hub;

/// How often an idle stream says it is alive (proxies, and the browser,
/// would otherwise take a silent stream for a dead one).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long a browser waits before reconnecting, in milliseconds.
const RETRY_MS: u32 = 1000;

/// The stream of one tab: `hello` (not numbered), then every event after
/// the `after`th.
pub(super) fn stream(
    hub: Arc<Hub>,
    hello: &Value,
    after: usize,
) -> impl Stream<Item = Result<Frame<Bytes>, Infallible>> + Send + 'static {
    let first = format!("retry: {RETRY_MS}\nevent: hello\ndata: {hello}\n\n");
    let watcher = hub.watch();
    let state = Tab {
        hub,
        watcher,
        next: after,
        first: Some(first),
    };
    futures_util::stream::unfold(state, |mut tab| async move {
        let chunk = tab.next_chunk().await?;
        Some((Ok(Frame::data(Bytes::from(chunk))), tab))
    })
}

/// Where one tab's stream is.
struct Tab {
    hub: Arc<Hub>,
    watcher: watch::Receiver<usize>,
    /// How many events it was sent.
    next: usize,
    first: Option<String>,
}

impl Tab {
    /// The next chunk to send; `None` when the conversation is over.
    async fn next_chunk(&mut self) -> Option<String> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        loop {
            // Marked seen before reading: an event published in between
            // wakes the next wait instead of being missed.
            self.watcher.borrow_and_update();
            let events = self.hub.since(self.next);
            if let Some((last, _)) = events.last() {
                self.next = *last;
                return Some(format_events(&events));
            }
            match tokio::time::timeout(KEEP_ALIVE, self.watcher.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) => return None,
                Err(_) => return Some(": alive\n\n".to_owned()),
            }
        }
    }
}

/// Events as SSE messages, each with its number as its id.
fn format_events(events: &[(usize, Arc<str>)]) -> String {
    let mut out = String::new();
    for (number, event) in events {
        // Compact JSON has no line breaks: one `data:` line each.
        out.push_str(&format!("id: {number}\ndata: {event}\n\n"));
    }
    out
}

/// The event number a reconnecting tab saw last (`Last-Event-ID`).
pub(super) fn last_seen(header: Option<&str>) -> usize {
    header.and_then(|id| id.trim().parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;
    use serde_json::json;

    use super::*;

    async fn next_text(
        stream: &mut (impl Stream<Item = Result<Frame<Bytes>, Infallible>> + Unpin),
    ) -> String {
        let frame = stream.next().await.expect("a chunk").expect("infallible");
        let data = frame.into_data().expect("data");
        String::from_utf8(data.to_vec()).expect("UTF-8")
    }

    #[tokio::test]
    async fn a_tab_gets_hello_the_past_then_what_comes() {
        let hub = Arc::new(Hub::new());
        hub.publish(json!({"type": "a"}));
        hub.publish(json!({"type": "b"}));
        let mut stream = Box::pin(stream(Arc::clone(&hub), &json!({"users": []}), 1));
        let hello = next_text(&mut stream).await;
        assert_eq!(hello, "retry: 1000\nevent: hello\ndata: {\"users\":[]}\n\n");
        assert_eq!(
            next_text(&mut stream).await,
            "id: 2\ndata: {\"seq\":2,\"type\":\"b\"}\n\n"
        );
        let later = tokio::spawn(async move { next_text(&mut stream).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        hub.publish(json!({"type": "c"}));
        let text = later.await.expect("the stream task");
        assert_eq!(text, "id: 3\ndata: {\"seq\":3,\"type\":\"c\"}\n\n");
    }

    #[test]
    fn the_last_event_id_is_read_leniently() {
        assert_eq!(last_seen(Some(" 12 ")), 12);
        assert_eq!(last_seen(Some("x")), 0);
        assert_eq!(last_seen(None), 0);
    }
}
