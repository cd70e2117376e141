//! Shared set-up of the `api_*` integration tests.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use rbm_runtime::api::{RbmApiClient, RetryPolicy};
use rbm_runtime::reply::{AgentEvent, Reply};
use rbm_runtime::testing::fake_api::FakeRbmApi;
use rbm_runtime::{OutgoingEvent, OutgoingMessage};

/// The agent every test sends as.
pub const AGENT: &str = "test-agent@rbm.goog";
/// The user every test sends to.
pub const PHONE: &str = "+12223334444";

/// Retries that do not slow the tests down: 4 tries, 1–8 ms apart.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::new(4, Duration::from_millis(1), Duration::from_millis(8))
}

/// A fake and a client of it with fast retries and a default agent.
pub async fn fake_and_client() -> (FakeRbmApi, RbmApiClient) {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let client = client_of(&fake);
    (fake, client)
}

/// A client of `fake` with fast retries and a default agent.
pub fn client_of(fake: &FakeRbmApi) -> RbmApiClient {
    fake.client_builder()
        .expect("a builder")
        .agent_id(AGENT)
        .retry(fast_retry())
        .build()
        .expect("the client builds")
}

/// An outgoing message to [`PHONE`] with the given id.
pub fn message(id: &str, reply: Reply) -> OutgoingMessage {
    OutgoingMessage {
        phone_number: PHONE.into(),
        agent_id: Some(AGENT.into()),
        message_id: id.into(),
        reply,
    }
}

/// An outgoing event to [`PHONE`] with the given id.
pub fn event(id: &str, event: AgentEvent) -> OutgoingEvent {
    OutgoingEvent {
        phone_number: PHONE.into(),
        agent_id: Some(AGENT.into()),
        event_id: id.into(),
        event,
    }
}

/// Shares a client as the runtime does.
pub fn shared(client: RbmApiClient) -> Arc<dyn rbm_runtime::ReplySender> {
    Arc::new(client)
}
