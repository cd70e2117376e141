//! Throwaway service-account keys for tests, and the key files naming them.

use std::fmt;
use std::path::Path;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{KeyPair as _, RsaKeyPair};
use rsa::pkcs8::EncodePrivateKey as _;

/// The size of generated keys: the smallest Google (and ring) accept.
const KEY_BITS: usize = 2048;

/// A generated RSA service-account key. Its `Debug` hides the private key.
#[derive(Clone)]
pub struct TestServiceAccount {
    client_email: String,
    private_key_id: String,
    private_key_pem: String,
    public_key_der: Vec<u8>,
}

/// One key per test binary: generating RSA keys is slow.
static SHARED: LazyLock<TestServiceAccount> = LazyLock::new(|| {
    TestServiceAccount::generate("rbm-test@rbm-test-project.iam.gserviceaccount.com")
});

impl TestServiceAccount {
    /// The key shared by everything in this process (generated on first use).
    pub fn shared() -> &'static Self {
        &SHARED
    }

    /// A fresh 2048-bit key for the service account `client_email`.
    ///
    /// # Panics
    ///
    /// If the operating system has no random numbers to give.
    pub fn generate(client_email: impl Into<String>) -> Self {
        let private = rsa::PrivateKey::new(&mut getrandom::SysRng, KEY_BITS)
            .expect("the OS random number generator works");
        let pkcs8 = private
            .to_pkcs8_der()
            .expect("a generated RSA key encodes as PKCS#8");
        let pair = RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).expect("ring reads what rsa wrote");
        let fingerprint = &STANDARD.encode(&pair.public_key().as_ref()[..24]);
        Self {
            client_email: client_email.into(),
            private_key_id: fingerprint
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect(),
            private_key_pem: pem("PRIVATE KEY", pkcs8.as_bytes()),
            public_key_der: pair.public_key().as_ref().to_vec(),
        }
    }

    /// The service account's e-mail address.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The key id (`private_key_id`, the JWT's `kid`).
    pub fn private_key_id(&self) -> &str {
        &self.private_key_id
    }

    /// The public half, PKCS#1 DER (what RS256 signatures are checked with).
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// The JSON of a Google service-account key file whose `token_uri` is `token_uri`.
    pub fn key_json(&self, token_uri: &str) -> String {
        serde_json::json!({
            "type": "service_account",
            "project_id": "rbm-test-project",
            "private_key_id": self.private_key_id,
            "private_key": self.private_key_pem,
            "client_email": self.client_email,
            "client_id": "000000000000000000000",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
        })
        .to_string()
    }

    /// Writes [`key_json`](Self::key_json) to `path`, whole or not at all:
    /// a bot starting meanwhile reads the old file or the new one, never a
    /// half-written one (tests rewrite a key file while a replica starts).
    pub fn write_key_file(&self, path: impl AsRef<Path>, token_uri: &str) -> std::io::Result<()> {
        write_whole(path.as_ref(), &self.key_json(token_uri))
    }
}

/// Writes `contents` to `path` whole or not at all (a temporary file renamed
/// over it), so that a reader meanwhile sees the old file or the new one.
pub(super) fn write_whole(path: &Path, contents: &str) -> std::io::Result<()> {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let mut partial = path.as_os_str().to_owned();
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    partial.push(format!(".{}.{n}.partial", std::process::id()));
    std::fs::write(&partial, contents)?;
    std::fs::rename(&partial, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })
}

impl fmt::Debug for TestServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServiceAccount")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// PEM armour with 64-column lines.
fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
