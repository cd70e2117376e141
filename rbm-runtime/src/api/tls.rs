//! TLS for the RBM API: rustls with the ring provider (builds without cmake)
//! and the operating system's trust store.

use std::sync::Arc;

use rustls_platform_verifier::BuilderVerifierExt as _;

use super::config::ApiConfigError;

/// A rustls client configuration for HTTPS to Google (HTTP/2 preferred).
pub(crate) fn client_config() -> Result<rustls::ClientConfig, ApiConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ApiConfigError::Http(e.to_string()))?
        .with_platform_verifier()
        .map_err(|e| ApiConfigError::Http(e.to_string()))?
        .with_no_client_auth();
    // reqwest leaves ALPN to a preconfigured TLS config.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
