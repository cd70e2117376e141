//! `richMessageClassification`: how a message to a US number is billed.
//! Text with suggested replies, dial and open-in-browser actions is a
//! `RICH_MESSAGE` of one segment per 160 UTF-8 bytes of text (suggestions not
//! counted); anything with a card, a file or another action is a
//! `RICH_MEDIA_MESSAGE`, without segments.

use serde_json::{Value, json};

/// UTF-8 bytes of text per billed segment.
const SEGMENT_BYTES: usize = 160;

/// The classification of `content` (an `AgentContentMessage`).
pub(super) fn classify(content: &Value) -> Value {
    let has_media = ["richCard", "uploadedRbmFile", "contentInfo", "fileName"]
        .iter()
        .any(|field| content.get(field).is_some());
    let rich_action = content
        .get("suggestions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|suggestion| suggestion.get("action"))
        .any(is_rich_action);
    if has_media || rich_action {
        return json!({"classificationType": "RICH_MEDIA_MESSAGE"});
    }
    let bytes = content
        .get("text")
        .and_then(Value::as_str)
        .map_or(0, str::len);
    json!({
        "classificationType": "RICH_MESSAGE",
        "segmentCount": bytes.div_ceil(SEGMENT_BYTES).max(1),
    })
}

/// Whether a suggested action makes the message rich media: anything but
/// dialling and opening a URL in the browser.
fn is_rich_action(action: &Value) -> bool {
    if action.get("dialAction").is_some() {
        return false;
    }
    match action.get("openUrlAction") {
        Some(open) => open.get("application").and_then(Value::as_str) == Some("WEBVIEW"),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_billed_per_160_bytes() {
        let short = classify(&json!({"text": "Hello"}));
        assert_eq!(
            short,
            json!({"classificationType": "RICH_MESSAGE", "segmentCount": 1})
        );
        let exactly = classify(&json!({"text": "a".repeat(160)}));
        assert_eq!(exactly["segmentCount"], 1);
        let over = classify(&json!({"text": "a".repeat(300)}));
        assert_eq!(over["segmentCount"], 2);
        // "é" is two bytes: 81 of them are 162 bytes.
        let accents = classify(&json!({"text": "é".repeat(81)}));
        assert_eq!(accents["segmentCount"], 2);
    }

    #[test]
    fn replies_dial_and_browser_links_stay_rich_messages() {
        let content = json!({
            "text": "Hi",
            "suggestions": [
                {"reply": {"text": "a".repeat(200), "postbackData": "x"}},
                {"action": {"text": "Call", "postbackData": "c", "dialAction": {"phoneNumber": "+1"}}},
                {"action": {"text": "Web", "postbackData": "w",
                            "openUrlAction": {"url": "https://a.example", "application": "BROWSER"}}}
            ]
        });
        assert_eq!(
            classify(&content),
            json!({"classificationType": "RICH_MESSAGE", "segmentCount": 1})
        );
    }

    #[test]
    fn cards_files_and_other_actions_are_rich_media() {
        let media = json!({"classificationType": "RICH_MEDIA_MESSAGE"});
        for content in [
            json!({"richCard": {"standaloneCard": {}}}),
            json!({"uploadedRbmFile": {"fileName": "files/a"}}),
            json!({"contentInfo": {"fileUrl": "https://a.example/a.png"}}),
            json!({"text": "Where?", "suggestions": [{"action": {"shareLocationAction": {}}}]}),
            json!({"text": "App", "suggestions": [{"action": {
                "openUrlAction": {"url": "https://a.example", "application": "WEBVIEW"}}}]}),
        ] {
            assert_eq!(classify(&content), media, "{content}");
        }
    }
}
