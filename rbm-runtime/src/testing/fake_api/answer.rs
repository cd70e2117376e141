//! What a route answers: a status, a JSON body and, for quota refusals, a
//! `Retry-After`; Google's error body for the failures.

use serde_json::{Value, json};

/// One answer of the fake, before it becomes an HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Value,
    /// Seconds, sent as `Retry-After` (429 answers of the rate limit).
    pub(super) retry_after: Option<u64>,
}

impl Answer {
    /// A 200 with `body`.
    pub(super) fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            retry_after: None,
        }
    }

    /// A Google API error: `{"error": {"code", "message", "status"}}`.
    pub(super) fn error(code: u16, message: &str) -> Self {
        Self {
            status: code,
            body: google_error(code, message),
            retry_after: None,
        }
    }

    /// 400 INVALID_ARGUMENT.
    pub(super) fn invalid(message: &str) -> Self {
        Self::error(400, message)
    }

    /// 404 NOT_FOUND, what Google answers for a user RBM cannot reach.
    pub(super) fn unreachable() -> Self {
        Self::error(404, "Requested entity was not found.")
    }

    /// 403 PERMISSION_DENIED, what a partner-model agent gets without `agentId`.
    pub(super) fn no_agent() -> Self {
        Self::error(403, "The caller does not have permission")
    }

    /// 429 RESOURCE_EXHAUSTED, with `Retry-After` when the wait is known.
    pub(super) fn exhausted(message: &str, retry_after: Option<u64>) -> Self {
        Self {
            retry_after,
            ..Self::error(429, message)
        }
    }
}

/// A Google API error body. 413 has no gRPC code of its own: the file is an
/// invalid argument.
pub(super) fn google_error(code: u16, message: &str) -> Value {
    let status = match code {
        400 | 413 => "INVALID_ARGUMENT",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_googles_status_names() {
        for (code, status) in [
            (400, "INVALID_ARGUMENT"),
            (404, "NOT_FOUND"),
            (409, "ALREADY_EXISTS"),
            (413, "INVALID_ARGUMENT"),
            (429, "RESOURCE_EXHAUSTED"),
            (500, "INTERNAL"),
        ] {
            let answer = Answer::error(code, "why");
            assert_eq!(answer.status, code);
            assert_eq!(answer.body["error"]["code"], code);
            assert_eq!(answer.body["error"]["status"], status);
            assert_eq!(answer.body["error"]["message"], "why");
        }
        let exhausted = Answer::exhausted("slow down", Some(3));
        assert_eq!((exhausted.status, exhausted.retry_after), (429, Some(3)));
    }
}
