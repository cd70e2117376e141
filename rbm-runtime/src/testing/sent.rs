//! What the agent sent, as the user's phone sees it: read back from the RBM
//! API JSON, so in-process and over-HTTP tests (and `rbm chat`) see the same.

use serde_json::Value;

use crate::reply::Suggestion;
use crate::sender::{OutgoingEvent, OutgoingMessage};

/// One agent message the user received.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentMessage {
    /// The recipient (E.164).
    pub phone_number: String,
    /// The message id the agent chose.
    pub message_id: String,
    /// The agent that sent it, when named.
    pub agent_id: Option<String>,
    /// What it shows.
    pub content: Content,
    /// The chips under the message (not those on cards, see [`Self::buttons`]).
    pub suggestions: Vec<Chip>,
    /// The `agentMessages.create` body, as sent.
    pub json: Value,
}

/// What an [`AgentMessage`] shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// One rich card.
    Card(Card),
    /// A carousel of cards.
    Carousel(Vec<Card>),
    /// A file fetched from a URL.
    File {
        /// The file's URL.
        url: String,
        /// The thumbnail's URL, if any.
        thumbnail_url: Option<String>,
    },
    /// A file uploaded to the platform beforehand.
    UploadedFile {
        /// Its upload name.
        name: String,
    },
    /// Content this kit does not know.
    Other,
}

/// A rich card.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    /// The title, if any.
    pub title: Option<String>,
    /// The description, if any.
    pub description: Option<String>,
    /// The media's URL (or upload name), if any.
    pub media: Option<String>,
    /// The card's buttons.
    pub suggestions: Vec<Chip>,
}

/// A suggested reply or action the user can tap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    /// The label.
    pub text: String,
    /// What a tap sends back.
    pub postback_data: String,
    /// `None` for a suggested reply; for an action, what the phone does,
    /// e.g. `dial +15556667777` or `open https://…`.
    pub action: Option<String>,
}

/// Something a user can tap: a [`Chip`] seen in a reply, or a [`Suggestion`]
/// built by the agent.
pub trait Tappable {
    /// The chip's label.
    fn label(&self) -> &str;
    /// The postback data a tap sends.
    fn postback(&self) -> &str;
    /// Whether it is a suggested action (its tap arrives as `ACTION`).
    fn is_action(&self) -> bool;
}

impl Tappable for Chip {
    fn label(&self) -> &str {
        &self.text
    }
    fn postback(&self) -> &str {
        &self.postback_data
    }
    fn is_action(&self) -> bool {
        self.action.is_some()
    }
}

impl Tappable for Suggestion {
    fn label(&self) -> &str {
        self.text()
    }
    fn postback(&self) -> &str {
        self.postback_data()
    }
    fn is_action(&self) -> bool {
        matches!(self, Suggestion::Action(_))
    }
}

impl<T: Tappable + ?Sized> Tappable for &T {
    fn label(&self) -> &str {
        (**self).label()
    }
    fn postback(&self) -> &str {
        (**self).postback()
    }
    fn is_action(&self) -> bool {
        (**self).is_action()
    }
}

impl AgentMessage {
    /// Reads an `agentMessages.create` body sent to `phone_number`.
    pub fn from_json(
        phone_number: impl Into<String>,
        message_id: impl Into<String>,
        agent_id: Option<String>,
        json: Value,
    ) -> Self {
        let content_message = &json["contentMessage"];
        Self {
            phone_number: phone_number.into(),
            message_id: message_id.into(),
            agent_id,
            content: content_of(content_message),
            suggestions: chips(&content_message["suggestions"]),
            json,
        }
    }

    /// Reads what a [`ReplySender`](crate::ReplySender) was given.
    pub fn from_outgoing(message: &OutgoingMessage) -> Self {
        let json = serde_json::to_value(&message.reply).unwrap_or(Value::Null);
        Self::from_json(
            message.phone_number.clone(),
            message.message_id.clone(),
            message.agent_id.clone(),
            json,
        )
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match &self.content {
            Content::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The card, if this is a standalone card.
    pub fn card(&self) -> Option<&Card> {
        match &self.content {
            Content::Card(card) => Some(card),
            _ => None,
        }
    }

    /// Every card: one for a standalone card, all of a carousel, else none.
    pub fn cards(&self) -> &[Card] {
        match &self.content {
            Content::Card(card) => std::slice::from_ref(card),
            Content::Carousel(cards) => cards,
            _ => &[],
        }
    }

    /// Everything tappable, in the order shown: card buttons, then the chips
    /// under the message.
    pub fn buttons(&self) -> Vec<&Chip> {
        self.cards()
            .iter()
            .flat_map(|card| &card.suggestions)
            .chain(&self.suggestions)
            .collect()
    }

    /// The first tappable thing labelled `label`.
    pub fn button(&self, label: &str) -> Option<&Chip> {
        self.buttons().into_iter().find(|chip| chip.text == label)
    }
}

impl std::fmt::Display for AgentMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.content {
            Content::Text(text) => write!(f, "{text:?}")?,
            Content::Card(card) => write!(f, "{card}")?,
            Content::Carousel(cards) => {
                f.write_str("carousel[")?;
                for (i, card) in cards.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{card}")?;
                }
                f.write_str("]")?;
            }
            Content::File { url, .. } => write!(f, "file {url}")?,
            Content::UploadedFile { name } => write!(f, "uploaded file {name}")?,
            Content::Other => write!(f, "{}", self.json["contentMessage"])?,
        }
        for chip in &self.suggestions {
            write!(f, " [{}]", chip.text)?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card(")?;
        let parts: Vec<String> = [&self.title, &self.description, &self.media]
            .into_iter()
            .flatten()
            .map(|part| format!("{part:?}"))
            .chain(
                self.suggestions
                    .iter()
                    .map(|chip| format!("[{}]", chip.text)),
            )
            .collect();
        f.write_str(&parts.join(" "))?;
        f.write_str(")")
    }
}

fn content_of(content_message: &Value) -> Content {
    let str_of = |value: &Value| value.as_str().map(str::to_owned);
    if let Some(text) = content_message["text"].as_str() {
        return Content::Text(text.to_owned());
    }
    let rich = &content_message["richCard"];
    if let Some(standalone) = rich.get("standaloneCard") {
        return Content::Card(card(&standalone["cardContent"]));
    }
    if let Some(carousel) = rich.get("carouselCard") {
        let cards = carousel["cardContents"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        return Content::Carousel(cards.iter().map(card).collect());
    }
    if let Some(info) = content_message.get("contentInfo") {
        return Content::File {
            url: str_of(&info["fileUrl"]).unwrap_or_default(),
            thumbnail_url: str_of(&info["thumbnailUrl"]),
        };
    }
    if let Some(file) = content_message.get("uploadedRbmFile") {
        return Content::UploadedFile {
            name: str_of(&file["fileName"]).unwrap_or_default(),
        };
    }
    Content::Other
}

fn card(content: &Value) -> Card {
    let str_of = |value: &Value| value.as_str().map(str::to_owned);
    let media = &content["media"];
    Card {
        title: str_of(&content["title"]),
        description: str_of(&content["description"]),
        media: str_of(&media["contentInfo"]["fileUrl"])
            .or_else(|| str_of(&media["uploadedRbmFile"]["fileName"])),
        suggestions: chips(&content["suggestions"]),
    }
}

fn chips(suggestions: &Value) -> Vec<Chip> {
    let Some(suggestions) = suggestions.as_array() else {
        return Vec::new();
    };
    suggestions.iter().filter_map(chip).collect()
}

fn chip(suggestion: &Value) -> Option<Chip> {
    let (body, is_action) = match (suggestion.get("reply"), suggestion.get("action")) {
        (Some(reply), _) => (reply, false),
        (None, Some(action)) => (action, true),
        (None, None) => return None,
    };
    Some(Chip {
        text: body["text"].as_str().unwrap_or_default().to_owned(),
        postback_data: body["postbackData"].as_str().unwrap_or_default().to_owned(),
        action: is_action.then(|| describe_action(body)),
    })
}

/// A short description of what an action does, for transcripts.
fn describe_action(action: &Value) -> String {
    let s = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    if let Some(dial) = action.get("dialAction") {
        return format!("dial {}", s(&dial["phoneNumber"]));
    }
    if let Some(open) = action.get("openUrlAction") {
        return format!("open {}", s(&open["url"]));
    }
    if let Some(view) = action.get("viewLocationAction") {
        if let Some(query) = view["query"].as_str() {
            return format!("map search {query:?}");
        }
        let lat_long = &view["latLong"];
        return format!("map at {},{}", lat_long["latitude"], lat_long["longitude"]);
    }
    if action.get("shareLocationAction").is_some() {
        return "share location".to_owned();
    }
    if let Some(event) = action.get("createCalendarEventAction") {
        return format!(
            "calendar {:?} at {}",
            s(&event["title"]),
            s(&event["startTime"])
        );
    }
    if let Some(compose) = action.get("composeAction") {
        let to = compose
            .as_object()
            .and_then(|c| c.values().find_map(|v| v["phoneNumber"].as_str()))
            .unwrap_or_default();
        return format!("compose to {to}");
    }
    "action".to_owned()
}

/// An agent event the user received (read receipt, typing indicator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEvent {
    /// The recipient (E.164).
    pub phone_number: String,
    /// The event id the agent chose.
    pub event_id: String,
    /// `READ` or `IS_TYPING`.
    pub event_type: String,
    /// For `READ`: the user's message that was read.
    pub message_id: Option<String>,
}

impl SentEvent {
    /// Reads what a [`ReplySender`](crate::ReplySender) was given.
    pub fn from_outgoing(event: &OutgoingEvent) -> Self {
        let message_id = match &event.event {
            crate::reply::AgentEvent::Read { message_id } => Some(message_id.clone()),
            crate::reply::AgentEvent::IsTyping => None,
        };
        Self {
            phone_number: event.phone_number.clone(),
            event_id: event.event_id.clone(),
            event_type: event.event.event_type().to_owned(),
            message_id,
        }
    }
}
