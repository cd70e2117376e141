//! `phones.getCapabilities`: whether RBM reaches a user, and what their
//! device supports.

use serde_json::json;

use super::answer::Answer;
use super::reachability::is_e164;
use super::request::ReadRequest;
use super::state::{Counters, State};

/// `GET /v1/phones/{phone}/capabilities?requestId=…&agentId=…`.
pub(super) fn get(state: &State, request: &ReadRequest, phone: &str) -> Answer {
    if !is_e164(phone) {
        return Answer::invalid("The phone number must be in E.164 format");
    }
    if request.query("agentId").is_none() {
        return Answer::no_agent();
    }
    let Some(request_id) = request.query("requestId") else {
        return Answer::invalid("requestId is required");
    };
    if uuid::Uuid::try_parse(request_id).is_err() {
        return Answer::invalid("requestId must be a UUID");
    }
    Counters::bump(&state.counters.capability_checks);
    let memory = state.memory();
    if !memory.reach.is_reachable(phone) {
        return Answer::unreachable();
    }
    Answer::ok(json!({ "features": memory.reach.features(phone) }))
}
