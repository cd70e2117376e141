//! The fake's routes: `POST /token`, `POST …/agentMessages`,
//! `POST …/agentEvents`, `DELETE …/agentMessages/{id}`, and
//! `GET /rbm/requests?after=N`, what it recorded (for `rbm send`).

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, Response};
use serde_json::{Value, json};

use super::assertion::{self, Expected};
use super::state::{Counters, RecordedRequest, State};

/// The path of the fake's OAuth token endpoint.
pub(super) const TOKEN_PATH: &str = "/token";

/// The path where the fake lists the API requests it recorded, from the
/// index `after` on: `{"requests": [...], "total": N}`. Not an RBM API path
/// (those begin with `/v1/`), not recorded itself.
pub(super) const RECORDED_PATH: &str = "/rbm/requests";

const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A request, read in full.
struct ReadRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
    body: Bytes,
}

pub(super) async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    if let Some(answer) = super::metadata::answer(&state, &request) {
        return Ok(answer);
    }
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let request = ReadRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        authorization: parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    if request.method == Method::GET && request.path == RECORDED_PATH {
        let (status, answer) = recorded(&state, &request);
        return Ok(json_response(status, &answer));
    }
    let token_endpoint = request.path == TOKEN_PATH;
    let (status, answer, recorded_body) = if token_endpoint {
        let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let (status, answer) = token(&state, &form);
        (status, answer, Some(Value::Object(form)))
    } else {
        let latency = state.latency_ms.load(std::sync::atomic::Ordering::Relaxed);
        if latency > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
        }
        let body = serde_json::from_slice::<Value>(&request.body).ok();
        let (status, answer) = api(&state, &request, body.as_ref());
        (status, answer, body)
    };
    if status != 200 {
        Counters::bump(&state.counters.failures);
    }
    state.memory().record(
        RecordedRequest {
            method: request.method.to_string(),
            path: request.path,
            query: request.query,
            body: recorded_body,
            authorization: request.authorization,
            status,
        },
        token_endpoint,
    );
    Ok(json_response(status, &answer))
}

fn json_response(status: u16, answer: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(answer.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// `GET /rbm/requests?after=N`: the recorded API requests from index `N`.
fn recorded(state: &State, request: &ReadRequest) -> (u16, Value) {
    let after = match request.query.iter().find(|(key, _)| key == "after") {
        None => 0,
        Some((_, value)) => match value.parse::<usize>() {
            Ok(after) => after,
            Err(_) => return (400, google_error(400, "after must be a whole number")),
        },
    };
    let memory = state.memory();
    let requests = memory.requests.get(after..).unwrap_or_default();
    let answer = json!({ "requests": requests, "total": memory.requests.len() });
    (200, answer)
}

/// The OAuth token endpoint.
fn token(state: &State, form: &serde_json::Map<String, Value>) -> (u16, Value) {
    Counters::bump(&state.counters.token_requests);
    let mut memory = state.memory();
    if let Some(status) = memory.token_failures.pop_front() {
        return (
            status,
            oauth_error("scripted_failure", "a scripted failure"),
        );
    }
    let field = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or("");
    if let Some(answer) = super::user_credentials::grant(&state.user, &mut memory, form) {
        return answer;
    }
    if field("grant_type") != JWT_BEARER_GRANT {
        return (
            400,
            oauth_error("unsupported_grant_type", "Invalid grant_type"),
        );
    }
    let expected = Expected {
        public_key_der: &state.public_key_der,
        client_email: &state.client_email,
        token_uri: &state.token_uri,
    };
    if let Err(why) = assertion::check(field("assertion"), &expected) {
        return (400, oauth_error("invalid_grant", &why));
    }
    let (token, lifetime) = memory.issue_token();
    let answer = json!({
        "access_token": token,
        "expires_in": lifetime.as_secs(),
        "token_type": "Bearer",
    });
    (200, answer)
}

/// The RBM API routes.
fn api(state: &State, request: &ReadRequest, body: Option<&Value>) -> (u16, Value) {
    Counters::bump(&state.counters.requests);
    let mut memory = state.memory();
    if let Some(status) = memory.api_failures.pop_front().or(memory.api_failing) {
        return (status, google_error(status, "a scripted failure"));
    }
    if !memory.authorized(request.authorization.as_deref()) {
        return (
            401,
            google_error(401, "Request had invalid authentication credentials."),
        );
    }
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let (phone, rest) = match segments.as_slice() {
        ["v1", "phones", phone, rest @ ..] => (*phone, rest),
        _ => return (404, google_error(404, "Unknown path")),
    };
    let query = |name: &str| {
        request
            .query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    };
    if query("agentId").is_none() {
        // What a partner-model agent gets without agentId.
        return (
            403,
            google_error(403, "The caller does not have permission"),
        );
    }
    match (&request.method, rest) {
        (&Method::POST, ["agentMessages"]) => {
            let Some(id) = query("messageId") else {
                return (400, google_error(400, "messageId is required"));
            };
            let Some(content) = body
                .and_then(|b| b.get("contentMessage"))
                .filter(|c| c.is_object())
            else {
                return (400, google_error(400, "contentMessage is required"));
            };
            if !memory.messages.insert(format!("{phone}/{id}")) {
                Counters::bump(&state.counters.duplicates);
                return (409, google_error(409, "Requested entity already exists"));
            }
            Counters::bump(&state.counters.agent_messages);
            let answer = json!({
                "name": format!("phones/{phone}/agentMessages/{id}"),
                "sendTime": now().to_rfc3339_opts(SecondsFormat::Micros, true),
                "contentMessage": content,
            });
            (200, answer)
        }
        (&Method::POST, ["agentEvents"]) => {
            let Some(id) = query("eventId") else {
                return (400, google_error(400, "eventId is required"));
            };
            let event_type = body
                .and_then(|b| b.get("eventType"))
                .and_then(Value::as_str);
            let message_id = body
                .and_then(|b| b.get("messageId"))
                .and_then(Value::as_str);
            match (event_type, message_id) {
                (Some("IS_TYPING"), _) | (Some("READ"), Some(_)) => {}
                _ => {
                    return (
                        400,
                        google_error(400, "eventType READ (with messageId) or IS_TYPING"),
                    );
                }
            }
            if !memory.events.insert(format!("{phone}/{id}")) {
                Counters::bump(&state.counters.duplicates);
                return (409, google_error(409, "Requested entity already exists"));
            }
            Counters::bump(&state.counters.agent_events);
            let answer = json!({
                "name": format!("phones/{phone}/agentEvents/{id}"),
                "eventType": event_type,
                "sendTime": now().to_rfc3339_opts(SecondsFormat::Micros, true),
            });
            (200, answer)
        }
        (&Method::DELETE, ["agentMessages", id]) => {
            let key = format!("{phone}/{id}");
            if memory.messages.contains(&key) && memory.revoked.insert(key) {
                Counters::bump(&state.counters.revocations);
                (200, json!({}))
            } else {
                (404, google_error(404, "Requested entity was not found."))
            }
        }
        _ => (404, google_error(404, "Unknown method")),
    }
}

/// A Google API error body.
fn google_error(code: u16, message: &str) -> Value {
    let status = match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ if code >= 500 => "INTERNAL",
        _ => "UNKNOWN",
    };
    json!({"error": {"code": code, "message": message, "status": status}})
}

/// An OAuth error body.
fn oauth_error(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

/// The current time (chrono's `clock` feature is not enabled).
fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}
