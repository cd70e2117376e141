//! Why an RBM API call failed, and what that means for the delivery.

use crate::reply::ReplyError;
use crate::sender::SendError;

use super::token::TokenError;

/// An RBM API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The reply breaks a documented limit; nothing was sent.
    #[error("invalid reply: {0}")]
    InvalidReply(#[from] ReplyError),
    /// The request cannot be made as asked (bad phone number, no agent id); nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The API refused the call for good (400, 403, 404…): retrying cannot help.
    #[error("the RBM API refused the call with {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The API's error message.
        message: String,
    },
    /// The API kept failing (429, 5xx) or could not be reached, after every retry.
    #[error("the RBM API is unavailable after {attempts} tries: {message}")]
    Unavailable {
        /// How many tries were made.
        attempts: u32,
        /// The last failure.
        message: String,
        /// The last answer's status, when one came (`429` for the quota).
        status: Option<u16>,
        /// The last answer's `Retry-After`.
        retry_after: Option<std::time::Duration>,
    },
    /// The send's deadline ([`RetryPolicy::deadline`](super::RetryPolicy))
    /// passed, or the next pause would have outlasted it: the API is slow or
    /// failing, or the access token took too long.
    #[error("no answer from the RBM API within {deadline:?} ({attempts} tries): {message}")]
    DeadlineExceeded {
        /// How many requests were sent.
        attempts: u32,
        /// The deadline.
        deadline: std::time::Duration,
        /// What was still awaited, or the last failure.
        message: String,
    },
    /// The API refused a freshly issued access token too (`401` twice): the
    /// service account lacks the RBM scope or access. An operator's fix away,
    /// so the delivery is kept (transient), like a refused key.
    #[error("the RBM API refuses the service account's access tokens (401): {0}")]
    Unauthenticated(String),
    /// No access token could be obtained.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The API accepted the call but answered something this client cannot
    /// read (a proxy's page, an API change).
    #[error("the RBM API's answer to {call} cannot be read: {reason}")]
    UnexpectedAnswer {
        /// The API method.
        call: &'static str,
        /// What is wrong with the answer.
        reason: String,
    },
}

impl ApiError {
    /// Whether handling the delivery again later could succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::InvalidReply(_) | Self::InvalidRequest(_) | Self::Rejected { .. } => false,
            // A refused key or a broken token endpoint is an operator's fix
            // away: keep the delivery (Google redelivers for 7 days) rather
            // than drop it.
            Self::Unavailable { .. }
            | Self::DeadlineExceeded { .. }
            | Self::Unauthenticated(_)
            | Self::Token(_)
            | Self::UnexpectedAnswer { .. } => true,
        }
    }

    /// Whether the API refused the call for its quota (`429`) after every
    /// try, and how long it asked to wait.
    pub fn quota_exceeded(&self) -> Option<Option<std::time::Duration>> {
        match self {
            Self::Unavailable {
                status: Some(429),
                retry_after,
                ..
            } => Some(*retry_after),
            _ => None,
        }
    }

    /// The HTTP status the API answered, for `Rejected`.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<ApiError> for SendError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::InvalidReply(_) | ApiError::InvalidRequest(_) => {
                SendError::Invalid(error.to_string())
            }
            ApiError::Rejected { status, message } => SendError::Permanent { status, message },
            ApiError::Unavailable { .. }
            | ApiError::DeadlineExceeded { .. }
            | ApiError::Unauthenticated(_)
            | ApiError::Token(_)
            | ApiError::UnexpectedAnswer { .. } => SendError::Transient(error.to_string()),
        }
    }
}

/// A short, printable excerpt of an error body (bodies can be HTML pages).
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 300;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// The `error.message` of a Google API error body, or an excerpt of it.
pub(crate) fn google_error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Detail,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        message: Option<String>,
        status: Option<String>,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope { error }) => match (error.status, error.message) {
            (Some(status), Some(message)) => format!("{status}: {message}"),
            (None, Some(message)) => message,
            (Some(status), None) => status,
            (None, None) => snippet(body),
        },
        Err(_) => snippet(body),
    }
}
