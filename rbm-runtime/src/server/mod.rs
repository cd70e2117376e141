//! The webhook server: hosts one or more webhooks on a hyper + tokio server.

mod builder;
mod claim;
mod config;
pub(crate) mod drain;
pub(crate) mod handling;
mod header_timer;
mod health;
mod identity;
mod listener;
mod outcome;
mod pipeline;
mod running;
mod sequencer;
mod service;
mod tls;
mod webhook;

pub use builder::{PartnerAgents, Server, ServerBuilder};
pub use config::{DeliveryMode, EnvWebhook, ServerConfig};
pub use running::{RunningServer, WebhookHandler};
pub use tls::{AcmeSettings, CertFiles, TlsSettings};

use bytes::Bytes;
use http_body_util::Full;

use crate::agent::Agent;
use crate::api::RbmApiClient;
use crate::error::Error;

/// An answer of the webhook port: every body is in memory when it is sent.
pub(crate) type Response = hyper::Response<Full<Bytes>>;

/// Runs `agent` on the webhook configured by the environment (`PORT`,
/// `BIND`, `RBM_CLIENT_TOKEN`, `RBM_WEBHOOK_PATH`, …) until Ctrl-C or
/// SIGTERM. Replies go through the RBM API when credentials are found (see
/// [`RbmApiClient::from_env`]; `RBM_API_BASE_URL` picks the endpoint), and
/// to the log otherwise. Logs go to stderr, filtered by `RUST_LOG` (default `info`).
pub async fn serve_from_env<A: Agent>(agent: A) -> Result<(), Error> {
    let format = crate::logging::LogFormat::from_env()?;
    // Held until the server has stopped, so the last lines are flushed.
    let _log = crate::logging::init_with(format);
    let config = ServerConfig::from_env()?;
    let webhook = EnvWebhook::from_env()?;
    let mut builder =
        Server::builder()
            .config(config)
            .webhook(webhook.path, webhook.client_token, agent);
    if let Some(client) = RbmApiClient::from_env()? {
        tracing::info!(
            base_url = client.base_url(),
            "replies go through the RBM API"
        );
        builder = builder.reply_sender(client);
    }
    builder.serve().await
}
