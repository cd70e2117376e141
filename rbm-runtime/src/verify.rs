//! X-Goog-Signature: base64(HMAC-SHA512(key = client token, msg = decoded `message.data`)).
//!
//! Verification is a pure function over bytes; the HMAC is keyed once at
//! start-up and cloned per request, and the comparison is constant time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha512;

type HmacSha512 = Hmac<Sha512>;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The request carried no `X-Goog-Signature` header.
    #[error("X-Goog-Signature header is missing")]
    Missing,
    /// The header is not base64 of a 64-byte HMAC-SHA512.
    #[error("X-Goog-Signature is not base64 of 64 bytes")]
    Malformed,
    /// The signature does not match the payload and the client token.
    #[error("X-Goog-Signature does not match the payload")]
    Mismatch,
}

/// Checks signatures for one client token. Cheap to clone.
#[derive(Clone)]
pub struct SignatureVerifier {
    keyed: HmacSha512,
}

impl std::fmt::Debug for SignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignatureVerifier { key: <redacted> }")
    }
}

impl SignatureVerifier {
    /// Keys the HMAC with the client token (any length is a valid key).
    pub fn new(client_token: &str) -> Self {
        Self {
            keyed: keyed_mac(client_token),
        }
    }

    /// Verifies `header` (the `X-Goog-Signature` value, if any) against the
    /// decoded `message.data` bytes.
    pub fn verify(&self, payload: &[u8], header: Option<&[u8]>) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let header = header.trim_ascii();
        // A 64-byte MAC is exactly 88 base64 characters; refuse anything else
        // before decoding so a huge header costs nothing.
        if header.len() != 88 {
            return Err(SignatureError::Malformed);
        }
        // Checks the padding too: only then is the decode's room known.
        if base64_simd::STANDARD.decoded_length(header).ok() != Some(64) {
            return Err(SignatureError::Malformed);
        }
        let mut expected = [0u8; 64];
        let expected = base64_simd::STANDARD
            .decode(header, base64_simd::Out::from_slice(&mut expected))
            .map_err(|_| SignatureError::Malformed)?;
        let mut mac = self.keyed.clone();
        mac.update(payload);
        mac.verify_slice(expected)
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// Signs payload bytes as Google does: the `X-Goog-Signature` value for them.
pub fn sign(client_token: &str, payload: &[u8]) -> String {
    let mut mac = keyed_mac(client_token);
    mac.update(payload);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn keyed_mac(client_token: &str) -> HmacSha512 {
    match HmacSha512::new_from_slice(client_token.as_bytes()) {
        Ok(mac) => mac,
        // HMAC accepts keys of every length (long keys are hashed first).
        Err(_) => unreachable!("HMAC-SHA512 takes a key of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "SJENCPGJESMGUFPY";
    const DATA: &[u8] = br#"{"senderPhoneNumber":"+12223334444","messageId":"MxAbCdEf0123456789","sendTime":"2018-12-31T15:01:23.045123456Z","text":"Hello, world!","agentId":"my-agent_abc123_agent@rbm.goog"}"#;
    const SIGNATURE: &str =
        "5xTnvEIfErtuemBaoDIte8CuA+PYkuC0CIe7rcj2tVc+MCn0XeVLj9uAkO8BipP0DhmogdkeCuTQpkClh9C7ag==";

    #[test]
    fn signs_the_protocol_test_vector() {
        assert_eq!(sign(TOKEN, DATA), SIGNATURE);
    }

    #[test]
    fn verifies_the_protocol_test_vector() {
        let verifier = SignatureVerifier::new(TOKEN);
        assert_eq!(verifier.verify(DATA, Some(SIGNATURE.as_bytes())), Ok(()));
        let padded = format!(" {SIGNATURE} ");
        assert_eq!(verifier.verify(DATA, Some(padded.as_bytes())), Ok(()));
    }

    #[test]
    fn refuses_missing_malformed_and_wrong_signatures() {
        let verifier = SignatureVerifier::new(TOKEN);
        assert_eq!(verifier.verify(DATA, None), Err(SignatureError::Missing));
        assert_eq!(
            verifier.verify(DATA, Some(b"abc")),
            Err(SignatureError::Malformed)
        );
        let not_base64 = "!".repeat(88);
        assert_eq!(
            verifier.verify(DATA, Some(not_base64.as_bytes())),
            Err(SignatureError::Malformed)
        );
        let other_key = sign("another-token", DATA);
        assert_eq!(
            verifier.verify(DATA, Some(other_key.as_bytes())),
            Err(SignatureError::Mismatch)
        );
        let mut tampered = DATA.to_vec();
        tampered[20] ^= 1;
        assert_eq!(
            verifier.verify(&tampered, Some(SIGNATURE.as_bytes())),
            Err(SignatureError::Mismatch)
        );
    }

    proptest::proptest! {
        /// Any 88 bytes of a header are told apart as the base64 crate's
        /// standard engine tells them (a 64-byte MAC that does not match, or
        /// malformed), and none makes the decoder panic.
        #[test]
        fn headers_of_signature_length_are_judged_as_the_standard_engine_does(
            body in proptest::collection::vec(proptest::sample::select(b"AQgw+/9".to_vec()), 86),
            end in proptest::sample::select(vec!["==", "A=", "=A", "AA", "Q=", "g=", "AQ"]),
            flaw in proptest::option::of((0..88usize, proptest::sample::select(b"=-_!\xff".to_vec()))),
        ) {
            use base64::Engine as _;
            let mut header = [body.as_slice(), end.as_bytes()].concat();
            if let Some((at, byte)) = flaw {
                header[at] = byte;
            }
            let mut room = [0u8; 66];
            let standard = match STANDARD.decode_slice(&header, &mut room) {
                Ok(64) => Err(SignatureError::Mismatch),
                _ => Err(SignatureError::Malformed),
            };
            let verifier = SignatureVerifier::new(TOKEN);
            proptest::prop_assert_eq!(verifier.verify(DATA, Some(&header)), standard);
        }
    }
}
