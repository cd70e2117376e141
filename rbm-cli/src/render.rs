//! The bot's messages as lines of a conversation, with every button numbered.

use rbm_runtime::testing::{AgentMessage, Card, Chip, Content, SentEvent};

/// Lines of the conversation and the buttons they numbered (1-based).
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub(crate) lines: Vec<String>,
    pub(crate) buttons: Vec<Chip>,
}

const BOT: &str = "bot> ";
const INDENT: &str = "     ";

/// Renders the messages of one turn; numbering starts at 1.
pub(crate) fn messages(messages: &[AgentMessage]) -> Rendered {
    let mut out = Rendered::default();
    for message in messages {
        match &message.content {
            Content::Text(text) => {
                for (i, line) in text.lines().enumerate() {
                    out.lines
                        .push(format!("{}{line}", if i == 0 { BOT } else { INDENT }));
                }
                if text.is_empty() {
                    out.lines.push(BOT.trim_end().to_owned());
                }
            }
            Content::Card(card) => {
                out.lines.push(format!("{BOT}[card]"));
                render_card(card, &mut out);
            }
            Content::Carousel(cards) => {
                out.lines
                    .push(format!("{BOT}[carousel of {} cards]", cards.len()));
                for (i, card) in cards.iter().enumerate() {
                    out.lines.push(format!("{INDENT}card {}:", i + 1));
                    render_card(card, &mut out);
                }
            }
            Content::File { url, thumbnail_url } => {
                let thumbnail = thumbnail_url
                    .as_deref()
                    .map(|t| format!(" (thumbnail {t})"))
                    .unwrap_or_default();
                out.lines.push(format!("{BOT}[file] {url}{thumbnail}"));
            }
            Content::UploadedFile { name } => {
                out.lines.push(format!("{BOT}[uploaded file] {name}"))
            }
            Content::Other => out.lines.push(format!("{BOT}[message] {}", message.json)),
        }
        if !message.suggestions.is_empty() {
            let chips = number(&message.suggestions, &mut out.buttons);
            out.lines.push(format!("{INDENT}{chips}"));
        }
    }
    out
}

fn render_card(card: &Card, out: &mut Rendered) {
    let pad = format!("{INDENT}  ");
    if let Some(title) = &card.title {
        out.lines.push(format!("{pad}{title}"));
    }
    if let Some(description) = &card.description {
        out.lines
            .extend(description.lines().map(|l| format!("{pad}{l}")));
    }
    if let Some(media) = &card.media {
        out.lines.push(format!("{pad}(media {media})"));
    }
    if !card.suggestions.is_empty() {
        let chips = number(&card.suggestions, &mut out.buttons);
        out.lines.push(format!("{pad}{chips}"));
    }
}

/// `[1] Yes  [2] Call (dial +1555…)`, adding the chips to `buttons`.
fn number(chips: &[Chip], buttons: &mut Vec<Chip>) -> String {
    let mut parts = Vec::new();
    for chip in chips {
        buttons.push(chip.clone());
        let action = chip
            .action
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        parts.push(format!("[{}] {}{action}", buttons.len(), chip.text));
    }
    parts.join("  ")
}

/// A line for an agent event.
pub(crate) fn event(event: &SentEvent) -> String {
    match event.event_type.as_str() {
        "READ" => "     (bot read your message)".to_owned(),
        "IS_TYPING" => "     (bot is typing…)".to_owned(),
        other => format!("     (bot event {other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_card_buttons_then_chips() {
        let body = json!({"contentMessage": {
            "richCard": {"standaloneCard": {"cardContent": {
                "title": "Margherita",
                "suggestions": [{"reply": {"text": "Order", "postbackData": "order"}}]}}},
            "suggestions": [{"action": {"text": "Call", "postbackData": "call",
                                        "dialAction": {"phoneNumber": "+15556667777"}}}]}});
        let message = AgentMessage::from_json("+1", "m", None, body);
        let rendered = messages(&[message]);
        assert_eq!(rendered.buttons.len(), 2);
        assert_eq!(rendered.buttons[0].postback_data, "order");
        let text = rendered.lines.join("\n");
        assert!(text.contains("[1] Order"), "{text}");
        assert!(text.contains("[2] Call (dial +15556667777)"), "{text}");
    }
}
