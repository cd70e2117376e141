//! The HTTP exchange that API calls and token requests share: the client and
//! its limits, one request with its answer read to a bounded size, and what
//! an answer's status means for a retry.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::config::ApiConfigError;
use super::tls;

/// The default limit on one HTTP request: a hung request leaves time for a
/// retry within the default send deadline.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The default limit on opening a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Answers are read up to this size (a message's answer echoes its content,
/// at most 250 KB); the rest of a larger one is dropped with its connection.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// An HTTP client for the API calls and the token requests, with the given
/// limits on a request and on connecting (see
/// [`Credentials::http_clients`](super::auth::Credentials::http_clients)).
pub(crate) fn client_builder(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::ClientBuilder, ApiConfigError> {
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls::client_config()?)
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .user_agent(concat!("rbm-runtime/", env!("CARGO_PKG_VERSION"))))
}

/// An answer, its body read.
#[derive(Debug)]
pub(crate) struct Answer {
    /// Its status.
    pub(crate) status: StatusCode,
    /// Its `Retry-After`, in seconds.
    pub(crate) retry_after: Option<Duration>,
    /// Its body, up to [`MAX_ANSWER_BYTES`], or why it broke off.
    pub(crate) body: Result<Bytes, reqwest::Error>,
}

/// Why a request got no answer. The URL is left out of the message: it can
/// carry a phone number.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExchangeError {
    /// The request could not be built (an invalid header or URL); nothing was sent.
    #[error(transparent)]
    Unsendable(reqwest::Error),
    /// No answer came: the connection failed or the request timed out.
    #[error(transparent)]
    NoAnswer(reqwest::Error),
}

/// Sends `request` and reads its answer.
pub(crate) async fn exchange(request: reqwest::RequestBuilder) -> Result<Answer, ExchangeError> {
    let response = request.send().await.map_err(|error| {
        let error = error.without_url();
        if error.is_builder() {
            ExchangeError::Unsendable(error)
        } else {
            ExchangeError::NoAnswer(error)
        }
    })?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    // Read to the end even when the caller needs no body: a response
    // dropped unread closes its HTTP/1 connection instead of returning it
    // to the pool.
    let body = read_body(response)
        .await
        .map_err(reqwest::Error::without_url);
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// Reads a body to its end, keeping at most [`MAX_ANSWER_BYTES`] (a larger
/// one is cut short, and its connection closed when dropped).
async fn read_body(mut response: reqwest::Response) -> Result<Bytes, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ANSWER_BYTES - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// The `Retry-After` header in seconds (the HTTP-date form is ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// What an answer's status means for the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusClass {
    /// `2xx`.
    Success,
    /// `401`: the credentials were refused.
    Unauthorized,
    /// Worth another try after a pause: `408`, `429`, `5xx`.
    Retryable,
    /// Retrying cannot help: any other status.
    Final,
}

/// The [`StatusClass`] of `status`.
pub(crate) fn classify(status: StatusCode) -> StatusClass {
    match status.as_u16() {
        200..=299 => StatusClass::Success,
        401 => StatusClass::Unauthorized,
        408 | 429 | 500..=599 => StatusClass::Retryable,
        _ => StatusClass::Final,
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn statuses_are_classified_as_documented() {
        let cases = [
            (200, StatusClass::Success),
            (204, StatusClass::Success),
            (400, StatusClass::Final),
            (401, StatusClass::Unauthorized),
            (403, StatusClass::Final),
            (404, StatusClass::Final),
            (408, StatusClass::Retryable),
            (409, StatusClass::Final),
            (413, StatusClass::Final),
            (429, StatusClass::Retryable),
            (500, StatusClass::Retryable),
            (502, StatusClass::Retryable),
            (503, StatusClass::Retryable),
            (504, StatusClass::Retryable),
        ];
        for (code, expected) in cases {
            let status = StatusCode::from_u16(code).expect("a valid status");
            assert_eq!(classify(status), expected, "{code}");
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            retry_after(&headers)
        };
        assert_eq!(with(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(with("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
