//! The RBM API client: sends agent messages and agent events, revokes
//! messages, asks which numbers can receive the agent's messages
//! ([`RbmApiClient::capabilities`], [`RbmApiClient::reachable_users`]),
//! invites testers, uploads files; authenticates with a service-account
//! key, an authorized user's refresh token or the metadata server of Google
//! Cloud (Application Default Credentials, see [`RbmApiClient::from_env`]),
//! retries what is worth retrying and nothing else.
//!
//! Outside handlers (notifications, reminders), a message the business
//! starts is an [`OutgoingMessage::to`](crate::OutgoingMessage::to) with a
//! [`key`](crate::OutgoingMessage::key) so that a job run twice sends once.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rbm_runtime::api::RbmApiClient;
//!
//! // GOOGLE_APPLICATION_CREDENTIALS, gcloud's credentials or the metadata
//! // server; None when there are none.
//! if let Some(client) = RbmApiClient::from_env()? {
//!     let sender: std::sync::Arc<dyn rbm_runtime::ReplySender> = std::sync::Arc::new(client);
//! }
//! # Ok(()) }
//! ```
//!
//! Each send — waiting for an access token, every try and every pause — fits
//! in a deadline (8 s by default, [`RbmApiClientBuilder::deadline`]) inside
//! Google's ~10 s push deadline; past it the send ends as a transient
//! failure and the delivery comes again. Concurrent sends share one token
//! refresh and its outcome, failure included.
//!
//! Every call carries `agentId`; message and event ids come from the caller
//! (derived from the delivery being answered), so a retried or redelivered
//! send is ignored by the platform instead of reaching the user twice.

mod adc;
mod auth;
mod authorized_user;
mod call;
mod capabilities;
mod client;
mod config;
mod credentials;
mod credentials_file;
mod endpoint;
mod error;
mod files;
mod http;
mod jwt;
mod message_answer;
mod metadata_server;
mod quota;
mod reachable;
mod retry;
mod testers;
mod tls;
mod token;
mod token_request;

pub use auth::{Credentials, CredentialsKind};
pub use authorized_user::{AuthorizedUser, AuthorizedUserError};
pub use capabilities::{Capabilities, Feature, Reachability};
pub use client::{RbmApiClient, RbmApiClientBuilder, Revocation};
pub use config::{
    ApiConfigError, CredentialsOrigin, DEFAULT_BASE_URL, ENV_AGENT_ID, ENV_BASE_URL,
    ENV_CREDENTIALS, ENV_GCLOUD_CONFIG, ENV_TRAFFIC_TYPE, RBM_SCOPE,
};
pub use credentials::{KeyError, ServiceAccountKey};
pub use credentials_file::CredentialsFileError;
pub use endpoint::is_e164;
pub use error::ApiError;
pub use files::{FileUpload, MAX_FILE_BYTES, SUPPORTED_CONTENT_TYPES, UploadedFile};
pub use http::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
pub use message_answer::SentMessage;
pub use metadata_server::{
    DEFAULT_METADATA_HOST, ENV_METADATA_HOST, MetadataHostError, MetadataServer,
};
pub use reachable::{BATCH_GET_CALLS_PER_MINUTE, BATCH_GET_MAX_USERS, ReachableUsers};
pub use retry::{DEFAULT_SEND_DEADLINE, RetryPolicy};
pub use testers::{InviteStatus, Tester};
pub use token::{AccessToken, TokenError};
