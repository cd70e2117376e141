//! Checks a token request's JWT the way Google's token endpoint does: RS256
//! signature by the service account's key, issuer, audience, scope, times.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use serde::Deserialize;

use crate::api::RBM_SCOPE;

/// Clock skew tolerated on `iat`.
const SKEW_SECS: u64 = 60;
/// Google refuses assertions valid for longer than an hour.
const MAX_LIFETIME_SECS: u64 = 3600;

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    scope: String,
    aud: String,
    iat: u64,
    exp: u64,
}

/// What the token endpoint expects of an assertion.
pub(super) struct Expected<'a> {
    pub(super) public_key_der: &'a [u8],
    pub(super) client_email: &'a str,
    pub(super) token_uri: &'a str,
}

/// `Ok` if `jwt` is a valid assertion; otherwise the OAuth error description.
pub(super) fn check(jwt: &str, expected: &Expected<'_>) -> Result<(), String> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("Invalid JWT: not three parts".into());
    };
    let header: Header = decode_json(header)?;
    if header.alg != "RS256" {
        return Err(format!("Invalid JWT: alg {:?} is not RS256", header.alg));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "Invalid JWT Signature.".to_owned())?;
    let signed = &jwt[..header_and_claims_len(jwt)];
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, expected.public_key_der)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| "Invalid JWT Signature.".to_owned())?;

    let claims: Claims = decode_json(claims)?;
    if claims.iss != expected.client_email {
        return Err(format!("Invalid issuer {:?}", claims.iss));
    }
    if claims.aud != expected.token_uri {
        return Err(format!("Invalid audience {:?}", claims.aud));
    }
    if !claims.scope.split(' ').any(|scope| scope == RBM_SCOPE) {
        return Err(format!("Invalid scope {:?}", claims.scope));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    if claims.iat > now + SKEW_SECS {
        return Err("Invalid JWT: iat is in the future".into());
    }
    if claims.exp <= now || claims.exp <= claims.iat {
        return Err("Invalid JWT: expired".into());
    }
    if claims.exp - claims.iat > MAX_LIFETIME_SECS {
        return Err("Invalid JWT: valid for more than an hour".into());
    }
    Ok(())
}

/// The length of `header.claims`, the signed part.
fn header_and_claims_len(jwt: &str) -> usize {
    jwt.rfind('.').unwrap_or(jwt.len())
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| "Invalid JWT: bad base64url".to_owned())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("Invalid JWT: {e}"))
}
