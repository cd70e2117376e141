//! The signed JWT (RS256) a service account exchanges for an access token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::RSA_PKCS1_SHA256;
use serde::Serialize;

use super::credentials::ServiceAccountKey;

/// How long an assertion is valid; Google accepts at most one hour.
pub(crate) const ASSERTION_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// Signing failed (ring refused; not expected with a key it parsed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing the token request failed")]
pub(crate) struct SignError;

/// A JWT assertion for `scope`, issued by the key's service account for its
/// `token_uri`, valid from `now` for an hour.
pub(crate) fn assertion(
    key: &ServiceAccountKey,
    scope: &str,
    now: SystemTime,
) -> Result<String, SignError> {
    let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let header = Header {
        alg: "RS256",
        typ: "JWT",
        kid: key.private_key_id(),
    };
    let claims = Claims {
        iss: key.client_email(),
        scope,
        aud: key.token_uri(),
        iat,
        exp: iat + ASSERTION_LIFETIME.as_secs(),
    };
    let mut jwt = encode_part(&header)?;
    jwt.push('.');
    jwt.push_str(&encode_part(&claims)?);

    let signer = key.signer();
    let mut signature = vec![0; signer.public().modulus_len()];
    signer
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            jwt.as_bytes(),
            &mut signature,
        )
        .map_err(|_| SignError)?;
    jwt.push('.');
    jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(jwt)
}

fn encode_part(part: &impl Serialize) -> Result<String, SignError> {
    let json = serde_json::to_vec(part).map_err(|_| SignError)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}
