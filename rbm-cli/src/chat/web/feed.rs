//! What the bot sent, read from the fake RBM API, as events for the page:
//! each API call for the side panel, and the messages and agent events
//! (typing, read receipts) for the phones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use rbm_runtime::testing::fake_api::{FileContent, RecordedRequest};
use rbm_runtime::testing::read_sent;
use serde_json::{Value, json};

use super::hub::Hub;
use crate::chat::engine::Engine;

/// Reads the bot's calls once each, in order, into the hub.
pub(super) struct Feed {
    engine: Arc<Engine>,
    hub: Arc<Hub>,
    /// Each user's last agent message (what READ and DELIVERED name).
    last_agent_message: Mutex<HashMap<String, String>>,
    /// Held while reading and publishing, so two readers (the poll, a
    /// delivery) cannot publish calls out of order.
    reading: Mutex<()>,
}

impl Feed {
    /// A feed of `engine`'s fake API into `hub`.
    pub(super) fn new(engine: Arc<Engine>, hub: Arc<Hub>) -> Self {
        Self {
            engine,
            hub,
            last_agent_message: Mutex::new(HashMap::new()),
            reading: Mutex::new(()),
        }
    }

    fn last(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.last_agent_message
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes what the bot sent since the last time.
    pub(super) fn pump(&self) {
        let _reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        for request in self.engine.take_new() {
            self.hub.publish(api_call(&request));
            let (messages, events) = read_sent(std::slice::from_ref(&request), None);
            for message in messages {
                self.last()
                    .insert(message.phone_number.clone(), message.message_id.clone());
                let files = self.uploaded_files(&message.json);
                self.hub.publish(json!({
                    "type": "agent_message",
                    "user": message.phone_number,
                    "messageId": message.message_id,
                    "body": message.json,
                    "files": files,
                }));
            }
            for event in events {
                self.hub.publish(json!({
                    "type": "agent_event",
                    "user": event.phone_number,
                    "event": event.event_type,
                    "messageId": event.message_id,
                }));
            }
        }
    }

    /// What the page needs to show the uploaded files `message` names: each
    /// one's type (its bytes are served at `/rbm-files/NAME`), or the URL it
    /// was created from.
    fn uploaded_files(&self, message: &Value) -> Value {
        let mut names = Vec::new();
        uploaded_names(message, &mut names);
        if names.is_empty() {
            return json!({});
        }
        let files = self.engine.api().files();
        let known = names.iter().filter_map(|name| {
            let file = files.iter().find(|file| &file.name == name)?;
            let about = match &file.content {
                FileContent::Uploaded { content_type, .. } => json!({"type": content_type}),
                FileContent::Url(url) => json!({"url": url}),
            };
            Some((name.clone(), about))
        });
        Value::Object(known.collect())
    }

    /// The id of the last message the bot sent to `phone`.
    pub(super) fn last_agent_message(&self, phone: &str) -> Option<String> {
        self.last().get(phone).cloned()
    }
}

/// The file names of every `uploadedRbmFile` in `value`.
fn uploaded_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                if key == "uploadedRbmFile" {
                    for field in ["fileName", "thumbnailName"] {
                        if let Some(name) = inner[field].as_str() {
                            names.push(name.to_owned());
                        }
                    }
                }
                uploaded_names(inner, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| uploaded_names(item, names)),
        _ => {}
    }
}

/// One call of the bot to the RBM API, for the side panel (its access token
/// stays out: the page shows what was asked and answered).
fn api_call(request: &RecordedRequest) -> Value {
    let query: serde_json::Map<String, Value> = request
        .query
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    json!({
        "type": "api_call",
        "method": request.method,
        "path": request.path,
        "query": query,
        "status": request.status,
        "body": request.body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_call_shows_what_was_asked_and_answered() {
        let request = RecordedRequest {
            method: "POST".into(),
            path: "/v1/phones/+12223334444/agentMessages".into(),
            query: vec![("messageId".into(), "m-1".into())],
            body: Some(json!({"contentMessage": {"text": "hi"}})),
            authorization: Some("Bearer secret".into()),
            status: 200,
        };
        let call = api_call(&request);
        assert_eq!(call["query"]["messageId"], "m-1");
        assert_eq!(call["status"], 200);
        assert_eq!(call["body"]["contentMessage"]["text"], "hi");
        assert!(!call.to_string().contains("secret"), "{call}");
    }

    #[test]
    fn uploaded_files_are_found_anywhere_in_a_message() {
        let message = json!({"contentMessage": {"richCard": {"carouselCard": {"cardContents": [
            {"media": {"uploadedRbmFile": {"fileName": "files/a", "thumbnailName": "files/t"}}},
            {"media": {"contentInfo": {"fileUrl": "https://x/b.png"}}}]}}}});
        let mut names = Vec::new();
        uploaded_names(&message, &mut names);
        assert_eq!(names, ["files/a", "files/t"]);
    }
}
