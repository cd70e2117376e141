//! A request as the fake's routes see it: read in full, query decoded.

use bytes::Bytes;
use hyper::Method;
use serde_json::Value;

/// A request, read in full.
pub(super) struct ReadRequest {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) authorization: Option<String>,
    /// The `Content-Type` header, when it is text.
    pub(super) content_type: Option<String>,
    pub(super) body: Bytes,
}

impl ReadRequest {
    /// The first query parameter called `name`, when not empty.
    pub(super) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// The body as JSON, when it is.
    pub(super) fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `agentId` from a JSON body's field, else from the query: Google reads
    /// the body for methods whose body is the whole request.
    pub(super) fn agent_id<'a>(&'a self, body: Option<&'a Value>) -> Option<&'a str> {
        body.and_then(|b| b.get("agentId"))
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .or_else(|| self.query("agentId"))
    }
}
