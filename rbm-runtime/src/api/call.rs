//! One RBM API call with its retries: the token, the tries, the pauses, all
//! within a deadline. Every method of the client goes through here.

use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use tokio::time::Instant;
use url::Url;

use crate::mask::MaskedPhone;
use crate::metrics::ApiStatus;

use super::client::RbmApiClient;
use super::error::{ApiError, google_error_message};
use super::http::{self, ExchangeError, StatusClass};
use super::retry::GiveUp;

/// What a call waits for while its request is out (see [`Progress`]).
const ANSWER: &str = "the API's answer";

/// One API call: what it is, where it goes, what it carries.
#[derive(Debug)]
pub(super) struct Call<'a> {
    /// The API method, for logs (`agentMessages.create`).
    pub(super) name: &'static str,
    /// The HTTP method.
    pub(super) method: Method,
    /// The URL, query included.
    pub(super) url: Url,
    /// The body and its content type.
    pub(super) body: Option<(Bytes, String)>,
    /// The user concerned, for logs (shown masked).
    pub(super) phone: Option<&'a str>,
    /// Longer limits than a reply's (uploads).
    pub(super) limits: Option<Limits>,
}

/// Limits of a call that differ from the client's (a large upload takes
/// longer than a reply may).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Every try and pause of the call.
    pub(super) deadline: Duration,
    /// One request, its body sent and its answer read.
    pub(super) request_timeout: Duration,
}

impl<'a> Call<'a> {
    /// A call without a body.
    pub(super) fn new(name: &'static str, method: Method, url: Url) -> Self {
        Self {
            name,
            method,
            url,
            body: None,
            phone: None,
            limits: None,
        }
    }

    /// With a JSON body.
    pub(super) fn json(mut self, body: Vec<u8>) -> Self {
        self.body = Some((Bytes::from(body), "application/json".to_owned()));
        self
    }

    /// With a body of the given content type.
    pub(super) fn body(mut self, body: Bytes, content_type: String) -> Self {
        self.body = Some((body, content_type));
        self
    }

    /// About the user `phone`.
    pub(super) fn about(mut self, phone: &'a str) -> Self {
        self.phone = Some(phone);
        self
    }

    /// With its own limits.
    pub(super) fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The masked user, or nothing, for a log field.
    fn to(&self) -> String {
        self.phone
            .map(|phone| MaskedPhone(phone).to_string())
            .unwrap_or_default()
    }
}

impl RbmApiClient {
    /// Makes `call` with its retries, all within its deadline: 429, 408, 5xx
    /// and network errors are tried again after a pause; a 401 once, at
    /// once, with a fresh token; any other status is final (see
    /// [`http::classify`]). Returns the answer's body on success. When the
    /// deadline passes, or a pause would end past it, the call ends with
    /// [`ApiError::DeadlineExceeded`] (transient).
    pub(super) async fn call(&self, call: Call<'_>) -> Result<Bytes, ApiError> {
        let limit = call
            .limits
            .map_or(self.inner.retry.deadline, |limits| limits.deadline);
        let started = Instant::now();
        let deadline = started + limit;
        let mut progress = Progress::default();
        let attempts = self.attempts(&call, deadline, &mut progress);
        let result = match tokio::time::timeout_at(deadline, attempts).await {
            Ok(result) => result,
            Err(_elapsed) => {
                if progress.waiting_for == ANSWER {
                    // The try the deadline cut short got no answer.
                    self.count_exchange(&call, None);
                }
                let error = progress.out_of_time(limit);
                tracing::warn!(call = call.name, to = %call.to(), %error, "RBM API call abandoned at its deadline");
                Err(error)
            }
        };
        if let Some(metrics) = self.inner.metrics.get() {
            metrics.called_in(call.name, started.elapsed());
        }
        result
    }

    /// Counts one HTTP exchange of `call` in the metrics, if any.
    fn count_exchange(&self, call: &Call<'_>, status: Option<u16>) {
        if let Some(metrics) = self.inner.metrics.get() {
            metrics.exchanged(call.name, ApiStatus(status));
        }
    }

    /// The tries of [`call`](Self::call), recording in `progress` what the
    /// deadline would interrupt.
    async fn attempts(
        &self,
        call: &Call<'_>,
        deadline: Instant,
        progress: &mut Progress,
    ) -> Result<Bytes, ApiError> {
        let retry = self.inner.retry;
        let mut renewed_token = false;
        loop {
            progress.waiting_for = "the API's quota (429)";
            self.inner.quota.wait().await;
            progress.waiting_for = "an access token";
            let token = self.inner.tokens.token().await?;
            progress.waiting_for = ANSWER;
            progress.attempts += 1;
            let attempt = progress.attempts;
            if attempt > 1
                && let Some(metrics) = self.inner.metrics.get()
            {
                metrics.retried(call.name);
            }
            let mut request = self
                .inner
                .http
                .request(call.method.clone(), call.url.clone())
                .bearer_auth(token.secret());
            if let Some((body, content_type)) = &call.body {
                request = request
                    .header(CONTENT_TYPE, content_type.as_str())
                    .body(body.clone());
            }
            if let Some(limits) = call.limits {
                request = request.timeout(limits.request_timeout);
            }
            let exchanged = http::exchange(request).await;
            progress.waiting_for = "the next try";
            let (message, status, retry_after) = match exchanged {
                Err(ExchangeError::Unsendable(error)) => {
                    return Err(ApiError::InvalidRequest(error.to_string()));
                }
                Err(ExchangeError::NoAnswer(error)) => {
                    self.count_exchange(call, None);
                    (error.to_string(), None, None)
                }
                Ok(answer) => {
                    let status = answer.status;
                    self.count_exchange(call, Some(status.as_u16()));
                    let class = http::classify(status);
                    if class == StatusClass::Success {
                        tracing::debug!(call = call.name, to = %call.to(), attempt, "RBM API call succeeded");
                        // Done is done: a broken-off answer does not undo
                        // the call, and its reader treats it as empty.
                        return Ok(answer.body.unwrap_or_else(|error| {
                            tracing::debug!(call = call.name, %error, "the API's answer was cut short; the call succeeded");
                            Bytes::new()
                        }));
                    }
                    let message = google_error_message(&answer.body.unwrap_or_default());
                    match class {
                        StatusClass::Unauthorized if !renewed_token => {
                            // The token was revoked or expired early: one
                            // more try with a new one, without a pause.
                            tracing::debug!(call = call.name, to = %call.to(), "401: renewing the access token");
                            renewed_token = true;
                            self.inner.tokens.invalidate(&token);
                            continue;
                        }
                        StatusClass::Unauthorized => {
                            return Err(ApiError::Unauthenticated(message));
                        }
                        StatusClass::Success | StatusClass::Final => {
                            return Err(ApiError::Rejected {
                                status: status.as_u16(),
                                message,
                            });
                        }
                        StatusClass::Retryable => {
                            if status.as_u16() == 429 {
                                self.inner.quota.pause(answer.retry_after);
                            }
                            (
                                format!("{status}: {message}"),
                                Some(status.as_u16()),
                                answer.retry_after,
                            )
                        }
                    }
                }
            };
            // A 401 answered by a token renewal does not use up a try.
            let counted = attempt - u32::from(renewed_token);
            let pause = match retry.pause_after(counted, retry_after, deadline) {
                Ok(pause) => pause,
                Err(GiveUp::Exhausted) => {
                    return Err(ApiError::Unavailable {
                        attempts: attempt,
                        message,
                        status,
                        retry_after,
                    });
                }
                // Waiting would outlast the deadline: give up now and let
                // the delivery come again.
                Err(GiveUp::Deadline) => {
                    return Err(ApiError::DeadlineExceeded {
                        attempts: attempt,
                        deadline: deadline_of(call, retry.deadline),
                        message,
                    });
                }
            };
            tracing::warn!(call = call.name, to = %call.to(), attempt, ?pause, error = %message, "RBM API call failed; retrying");
            progress.last_error = Some(message);
            progress.waiting_for = "the next try";
            tokio::time::sleep(pause).await;
        }
    }
}

/// The deadline `call` runs under.
fn deadline_of(call: &Call<'_>, default: Duration) -> Duration {
    call.limits.map_or(default, |limits| limits.deadline)
}

/// How far a call got, for the error when its deadline interrupts it.
#[derive(Debug, Default)]
struct Progress {
    attempts: u32,
    waiting_for: &'static str,
    last_error: Option<String>,
}

impl Progress {
    fn out_of_time(self, deadline: Duration) -> ApiError {
        let mut message = format!("still waiting for {}", self.waiting_for);
        if let Some(last) = self.last_error {
            message.push_str("; last error: ");
            message.push_str(&last);
        }
        ApiError::DeadlineExceeded {
            attempts: self.attempts,
            deadline,
            message,
        }
    }
}
