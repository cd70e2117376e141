//! A fake RBM API in another process (`rbm api`), read over HTTP: what a
//! bot pointed at it sent, for a tool that delivered to that bot.

use serde::Deserialize;

use super::RecordedRequest;
use super::handler::RECORDED_PATH;
use crate::testing::TransportError;
use crate::testing::http::http_client;

/// Why the requests a remote fake recorded could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RemoteFakeApiError {
    /// Nothing answered, or the HTTP client could not be built.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Something answered, but not as rbm's fake RBM API does.
    #[error("{url} is not rbm's fake RBM API (start one with `rbm api`): {reason}")]
    NotAFake {
        /// The base URL given.
        url: String,
        /// What it answered instead.
        reason: String,
    },
}

/// The answer of `GET /rbm/requests`.
#[derive(Deserialize)]
struct Recorded {
    requests: Vec<RecordedRequest>,
    total: usize,
}

/// A [`FakeRbmApi`](super::FakeRbmApi) running elsewhere, known by its base
/// URL (the `RBM_API_BASE_URL` its bot was given).
#[derive(Debug, Clone)]
pub struct RemoteFakeApi {
    client: reqwest::Client,
    base_url: String,
}

impl RemoteFakeApi {
    /// The fake at `base_url` (`http://127.0.0.1:PORT`, a trailing `/` or not).
    pub fn new(base_url: impl Into<String>) -> Result<Self, TransportError> {
        Ok(Self {
            client: http_client()?,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        })
    }

    /// Its base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API requests it recorded from index `after` on (token requests
    /// excluded), and how many it recorded in all: the `after` of the next
    /// call.
    pub async fn requests_after(
        &self,
        after: usize,
    ) -> Result<(Vec<RecordedRequest>, usize), RemoteFakeApiError> {
        let url = format!("{}{RECORDED_PATH}?after={after}", self.base_url);
        let unreachable = |error: reqwest::Error| TransportError::Unreachable {
            url: self.base_url.clone(),
            reason: error.without_url().to_string(),
        };
        let not_a_fake = |reason: String| RemoteFakeApiError::NotAFake {
            url: self.base_url.clone(),
            reason,
        };
        let response = self.client.get(&url).send().await.map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(not_a_fake(format!("it answered {status}")));
        }
        let body = response.bytes().await.map_err(unreachable)?;
        let recorded: Recorded = serde_json::from_slice(&body).map_err(|error| {
            not_a_fake(format!("its answer is not a list of requests: {error}"))
        })?;
        Ok((recorded.requests, recorded.total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fake_api::FakeRbmApi;

    #[tokio::test]
    async fn what_a_fake_recorded_is_read_from_another_process_view() {
        let api = FakeRbmApi::start().await.expect("fake starts");
        let client = api
            .client_builder()
            .expect("client")
            .build()
            .expect("client");
        for id in ["m-1", "m-2"] {
            let message = crate::OutgoingMessage {
                phone_number: "+12223334444".to_owned(),
                agent_id: Some("agent".to_owned()),
                message_id: id.to_owned(),
                reply: crate::Reply::text("hello"),
            };
            client.send_message(&message).await.expect("sent");
        }
        let remote = RemoteFakeApi::new(format!("{}/", api.base_url())).expect("client");
        let (all, total) = remote.requests_after(0).await.expect("read");
        assert_eq!(total, 2);
        assert_eq!(all, {
            let mut local = api.requests();
            for request in &mut local {
                request.authorization = None;
            }
            local
        });
        let (rest, total) = remote.requests_after(1).await.expect("read");
        assert_eq!((rest.len(), total), (1, 2));
        assert_eq!(rest[0].query_param("messageId"), Some("m-2"));
        let (none, _) = remote.requests_after(7).await.expect("read");
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn something_else_is_not_taken_for_a_fake() {
        let api = FakeRbmApi::start().await.expect("fake starts");
        let elsewhere = RemoteFakeApi::new(format!("{}/v1", api.base_url())).expect("client");
        let error = elsewhere.requests_after(0).await.expect_err("not a fake");
        assert!(
            error
                .to_string()
                .contains("is not rbm's fake RBM API (start one with `rbm api`)"),
            "{error}"
        );
        let nothing = RemoteFakeApi::new("http://127.0.0.1:1").expect("client");
        assert!(matches!(
            nothing.requests_after(0).await,
            Err(RemoteFakeApiError::Transport(
                TransportError::Unreachable { .. }
            ))
        ));
    }
}
