//! `users.batchGet`: which of many numbers can receive the agent's messages,
//! in calls of at most 10,000 numbers, at most 600 calls a minute.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::call::Call;
use super::client::RbmApiClient;
use super::endpoint::check_phone;
use super::error::ApiError;

/// The most numbers one `users.batchGet` call takes.
pub const BATCH_GET_MAX_USERS: usize = 10_000;

/// Google's documented limit on `users.batchGet` calls per minute.
pub const BATCH_GET_CALLS_PER_MINUTE: u32 = 600;

/// Keeps a client's `users.batchGet` calls within Google's per-minute limit.
pub(super) fn batch_get_limiter() -> DefaultDirectRateLimiter {
    let per_minute = NonZeroU32::new(BATCH_GET_CALLS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_minute(per_minute))
}

/// Which numbers of a list can receive the agent's messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReachableUsers {
    /// The reachable numbers, in the order the API listed them.
    pub reachable: Vec<String>,
    /// Google's estimate over a random sample of the numbers (summed over
    /// the calls): how many were sampled…
    pub total_random_sample: u64,
    /// …and how many of those are reachable by RCS at all (launched or not).
    pub reachable_random_sample: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchGetRequest<'a> {
    users: &'a [&'a str],
    agent_id: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchGetAnswer {
    #[serde(default)]
    reachable_users: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::protocol::message::number_or_string"
    )]
    total_random_sample_user_count: Option<u64>,
    #[serde(
        default,
        deserialize_with = "crate::protocol::message::number_or_string"
    )]
    reachable_random_sample_user_count: Option<u64>,
}

impl RbmApiClient {
    /// The numbers among `numbers` that can receive the client's agent's
    /// messages (`users.batchGet`): any number of them, sent in calls of
    /// [`BATCH_GET_MAX_USERS`], no more than
    /// [`BATCH_GET_CALLS_PER_MINUTE`] calls a minute from this client
    /// (and its clones). Every number must be E.164; the error of one
    /// that is not says which (by position), nothing is sent.
    pub async fn reachable_users<S: AsRef<str>>(
        &self,
        numbers: &[S],
    ) -> Result<ReachableUsers, ApiError> {
        let agent_id = self.agent_id(None)?;
        let numbers: Vec<&str> = numbers.iter().map(AsRef::as_ref).collect();
        for (position, number) in numbers.iter().enumerate() {
            check_phone(number).map_err(|_| {
                ApiError::InvalidRequest(format!(
                    "number {} of the list is not E.164 (+ and up to 15 digits)",
                    position + 1
                ))
            })?;
        }
        let mut found = ReachableUsers::default();
        for chunk in numbers.chunks(BATCH_GET_MAX_USERS) {
            self.inner.batch_get_limiter.until_ready().await;
            let body = serde_json::to_vec(&BatchGetRequest {
                users: chunk,
                agent_id,
            })
            .map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
            let url = self.inner.endpoint.url(&["v1", "users:batchGet"], &[])?;
            let call = Call::new("users.batchGet", Method::POST, url).json(body);
            let answer = self.call(call).await?;
            let answer: BatchGetAnswer =
                serde_json::from_slice(&answer).map_err(|error| ApiError::UnexpectedAnswer {
                    call: "users.batchGet",
                    reason: error.to_string(),
                })?;
            found.reachable.extend(answer.reachable_users);
            found.total_random_sample += answer.total_random_sample_user_count.unwrap_or(0);
            found.reachable_random_sample += answer.reachable_random_sample_user_count.unwrap_or(0);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_and_answer_use_the_schemas_names() {
        let body = serde_json::to_value(BatchGetRequest {
            users: &["+12223334444"],
            agent_id: "a@rbm.goog",
        })
        .expect("serialises");
        assert_eq!(
            body,
            serde_json::json!({"users": ["+12223334444"], "agentId": "a@rbm.goog"})
        );
        let answer: BatchGetAnswer = serde_json::from_str(
            r#"{"reachableUsers": ["+1"], "totalRandomSampleUserCount": "10", "reachableRandomSampleUserCount": 7}"#,
        )
        .expect("parses");
        assert_eq!(answer.reachable_users, ["+1"]);
        assert_eq!(answer.total_random_sample_user_count, Some(10));
        assert_eq!(answer.reachable_random_sample_user_count, Some(7));
    }
}
