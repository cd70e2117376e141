//! The service-account key file: who we are (`client_email`), the private
//! key that signs our token requests, and where to send them (`token_uri`).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use ring::signature::RsaKeyPair;
use serde::Deserialize;

/// Where Google exchanges signed JWTs for access tokens, when the key file
/// does not say.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// A Google service-account key, parsed and ready to sign. Its `Debug` never
/// shows the private key.
#[derive(Clone)]
pub struct ServiceAccountKey {
    client_email: String,
    private_key_id: Option<String>,
    token_uri: String,
    signer: Arc<RsaKeyPair>,
}

/// A service-account key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file cannot be read.
    #[error("cannot read the service-account key file: {0}")]
    Read(#[from] std::io::Error),
    /// The file is not a JSON service-account key.
    #[error("not a service-account key JSON file: {0}")]
    Json(String),
    /// A required field is missing or empty.
    #[error("the key file has no `{0}`")]
    Missing(&'static str),
    /// The `private_key` is not a PEM RSA private key (PKCS#8 or PKCS#1).
    #[error("the key file's `private_key` is not a usable RSA private key: {0}")]
    PrivateKey(String),
}

/// The fields of the key file we use; the rest (project, client id…) is ignored.
#[derive(Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    private_key: Option<String>,
    private_key_id: Option<String>,
    token_uri: Option<String>,
}

impl ServiceAccountKey {
    /// Reads and parses a key file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let json = std::fs::read_to_string(path)?;
        Self::from_json(&json)
    }

    /// Parses the JSON of a key file.
    pub fn from_json(json: &str) -> Result<Self, KeyError> {
        let file: KeyFile =
            serde_json::from_str(json).map_err(|e| KeyError::Json(e.to_string()))?;
        if let Some(kind) = file.kind.as_deref()
            && kind != "service_account"
        {
            return Err(KeyError::Json(format!(
                "its type is {kind:?}, not \"service_account\""
            )));
        }
        let client_email = non_empty(file.client_email).ok_or(KeyError::Missing("client_email"))?;
        let pem = non_empty(file.private_key).ok_or(KeyError::Missing("private_key"))?;
        Ok(Self {
            client_email,
            private_key_id: non_empty(file.private_key_id),
            token_uri: non_empty(file.token_uri).unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned()),
            signer: Arc::new(parse_private_key(&pem)?),
        })
    }

    /// The service account's e-mail address (the JWT's issuer).
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// Where signed JWTs are exchanged for access tokens.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// The id of the private key (the JWT's `kid`), when the file has one.
    pub fn private_key_id(&self) -> Option<&str> {
        self.private_key_id.as_deref()
    }

    /// The same key with another token endpoint.
    pub fn with_token_uri(mut self, token_uri: impl Into<String>) -> Self {
        self.token_uri = token_uri.into();
        self
    }

    pub(crate) fn signer(&self) -> &RsaKeyPair {
        &self.signer
    }
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Decodes a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, what Google
/// issues) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
fn parse_private_key(pem: &str) -> Result<RsaKeyPair, KeyError> {
    let (label, der) = decode_pem(pem)?;
    let parsed = match label.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
        other => {
            return Err(KeyError::PrivateKey(format!(
                "a PEM {other:?} block is not an RSA private key"
            )));
        }
    };
    // ring's error says which check failed; it never contains key material.
    parsed.map_err(|e| KeyError::PrivateKey(e.to_string()))
}

/// The label and DER bytes of the first PEM block.
fn decode_pem(pem: &str) -> Result<(String, Vec<u8>), KeyError> {
    let bad = |why: &str| KeyError::PrivateKey(why.to_owned());
    let mut lines = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "));
    let begin = lines.next().ok_or_else(|| bad("no PEM BEGIN line"))?;
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .ok_or_else(|| bad("a malformed PEM BEGIN line"))?;
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    let mut ended = false;
    for line in lines {
        if line == end {
            ended = true;
            break;
        }
        body.push_str(line);
    }
    if !ended {
        return Err(bad("no PEM END line"));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| bad("the PEM body is not base64"))?;
    Ok((label.to_owned(), der))
}
