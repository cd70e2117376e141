//! `phones.agentMessages` (create, delete) and `phones.agentEvents.create`.

use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use super::answer::Answer;
use super::classification::classify;
use super::files::referenced_files;
use super::request::ReadRequest;
use super::state::{Counters, State, now};

/// The carrier the fake names for US numbers.
pub const FAKE_CARRIER: &str = "T-Mobile";

/// The values of `MessageTrafficType` an agent may send.
const TRAFFIC_TYPES: &[&str] = &[
    "MESSAGE_TRAFFIC_TYPE_UNSPECIFIED",
    "AUTHENTICATION",
    "TRANSACTION",
    "PROMOTION",
    "SERVICEREQUEST",
    "ACKNOWLEDGEMENT",
];

/// What an agent was registered for; it decides the traffic type of a
/// message that sets none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AgentUseCase {
    /// One-time passwords: `AUTHENTICATION`.
    Otp,
    /// Transactional (the fake's default): `TRANSACTION`.
    #[default]
    Transactional,
    /// Promotional: `PROMOTION`.
    Promotional,
    /// Multi-use: no default; a message must set its traffic type.
    MultiUse,
}

impl AgentUseCase {
    fn default_traffic_type(self) -> Option<&'static str> {
        match self {
            Self::Otp => Some("AUTHENTICATION"),
            Self::Transactional => Some("TRANSACTION"),
            Self::Promotional => Some("PROMOTION"),
            Self::MultiUse => None,
        }
    }
}

/// `POST /v1/phones/{phone}/agentMessages?messageId=…&agentId=…`.
pub(super) fn create(state: &State, request: &ReadRequest, phone: &str) -> Answer {
    if request.query("agentId").is_none() {
        return Answer::no_agent();
    }
    let Some(id) = request.query("messageId") else {
        return Answer::invalid("messageId is required");
    };
    let Some(body) = request.json() else {
        return Answer::invalid("contentMessage is required");
    };
    let Some(content) = body.get("contentMessage").filter(|c| c.is_object()) else {
        return Answer::invalid("contentMessage is required");
    };
    if body.get("ttl").is_some() && body.get("expireTime").is_some() {
        return Answer::invalid("Set ttl or expireTime, not both");
    }
    let mut memory = state.memory();
    if !memory.reach.is_reachable(phone) {
        return Answer::unreachable();
    }
    if let Some(unknown) = referenced_files(content)
        .into_iter()
        .find(|name| !memory.files.contains(name))
    {
        return Answer::invalid(&format!("File {unknown} was not found"));
    }
    let traffic_type = match body.get("messageTrafficType") {
        None => None,
        Some(value) => match value.as_str().filter(|t| TRAFFIC_TYPES.contains(t)) {
            Some(traffic_type) => Some(traffic_type),
            None => {
                return Answer::invalid("Invalid value at 'agent_message.message_traffic_type'");
            }
        },
    };
    let traffic_type = match traffic_type.filter(|t| *t != "MESSAGE_TRAFFIC_TYPE_UNSPECIFIED") {
        Some(traffic_type) => traffic_type,
        None => match memory.use_case.default_traffic_type() {
            Some(traffic_type) => traffic_type,
            None => {
                return Answer::invalid("A multi-use agent must set messageTrafficType");
            }
        },
    };
    if !memory.messages.insert(format!("{phone}/{id}")) {
        Counters::bump(&state.counters.duplicates);
        return Answer::error(409, "Requested entity already exists");
    }
    Counters::bump(&state.counters.agent_messages);
    let mut answer = Map::new();
    answer.insert(
        "name".into(),
        json!(format!("phones/{phone}/agentMessages/{id}")),
    );
    answer.insert("sendTime".into(), json!(timestamp()));
    answer.insert("contentMessage".into(), content.clone());
    answer.insert("messageTrafficType".into(), json!(traffic_type));
    // Google fills the billing fields for US numbers only.
    if phone.starts_with("+1") {
        answer.insert("richMessageClassification".into(), classify(content));
        answer.insert(
            "totalPayloadSizeBytes".into(),
            json!(request.body.len().to_string()),
        );
        answer.insert("carrier".into(), json!(FAKE_CARRIER));
    }
    for expiry in ["ttl", "expireTime"] {
        if let Some(value) = body.get(expiry) {
            answer.insert(expiry.into(), value.clone());
        }
    }
    Answer::ok(Value::Object(answer))
}

/// `DELETE /v1/phones/{phone}/agentMessages/{id}?agentId=…`: 404 once
/// delivered, revoked or never sent.
pub(super) fn revoke(state: &State, request: &ReadRequest, phone: &str, id: &str) -> Answer {
    if request.query("agentId").is_none() {
        return Answer::no_agent();
    }
    let key = format!("{phone}/{id}");
    let mut memory = state.memory();
    if memory.messages.contains(&key) && memory.revoked.insert(key) {
        Counters::bump(&state.counters.revocations);
        Answer::ok(json!({}))
    } else {
        Answer::error(404, "Requested entity was not found.")
    }
}

/// `POST /v1/phones/{phone}/agentEvents?eventId=…&agentId=…`.
pub(super) fn event(state: &State, request: &ReadRequest, phone: &str) -> Answer {
    if request.query("agentId").is_none() {
        return Answer::no_agent();
    }
    let Some(id) = request.query("eventId") else {
        return Answer::invalid("eventId is required");
    };
    let body = request.json();
    let field = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
    };
    let event_type = field("eventType");
    match (event_type, field("messageId")) {
        (Some("IS_TYPING"), _) | (Some("READ"), Some(_)) => {}
        _ => return Answer::invalid("eventType READ (with messageId) or IS_TYPING"),
    }
    let mut memory = state.memory();
    if !memory.reach.is_reachable(phone) {
        return Answer::unreachable();
    }
    if !memory.events.insert(format!("{phone}/{id}")) {
        Counters::bump(&state.counters.duplicates);
        return Answer::error(409, "Requested entity already exists");
    }
    Counters::bump(&state.counters.agent_events);
    Answer::ok(json!({
        "name": format!("phones/{phone}/agentEvents/{id}"),
        "eventType": event_type,
        "sendTime": timestamp(),
    }))
}

fn timestamp() -> String {
    now().to_rfc3339_opts(SecondsFormat::Micros, true)
}
