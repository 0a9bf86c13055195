//! Credentials, the derived signing key and the HMAC/SHA-256 primitives.
//!
//! Secrets (the secret access key, the session token and every derived key) live in
//! `Zeroizing` buffers and never appear in `Debug` output. The HMAC state inside the
//! `hmac` crate is not zeroized; it is dropped right after each call.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// AWS credentials used to sign: access key id, secret access key, optional session token.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

impl Credentials {
    /// Credentials from their three parts.
    ///
    /// botocore treats an empty-string token differently per mode: header signing skips
    /// it (`if token:`), presigning adds it (`if token is not None`). Both are kept.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            session_token: session_token.map(Zeroizing::new),
        }
    }

    /// The access key id (not a secret; it is sent in the clear).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_ref().map(|t| t.as_str())
    }

    /// The signing key for one day, region and service (see [`SigningKey::derive`]).
    pub fn signing_key(&self, date_stamp: &str, region: &str, service: &str) -> SigningKey {
        SigningKey::derive(&self.secret_access_key, date_stamp, region, service)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// The derived SigV4 key `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request")`.
///
/// It depends only on the secret, the day, the region and the service, so callers that
/// sign many requests may derive it once per day and reuse it with
/// [`SigningKey::sign`]. Zeroized on drop; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SigningKey {
    key: Zeroizing<[u8; 32]>,
}

impl SigningKey {
    /// Derives the key exactly as botocore's `SigV4Auth.signature` does.
    pub fn derive(secret_access_key: &str, date_stamp: &str, region: &str, service: &str) -> Self {
        let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
        seed.extend_from_slice(b"AWS4");
        seed.extend_from_slice(secret_access_key.as_bytes());
        let k_date = Zeroizing::new(hmac_sha256(&seed, date_stamp.as_bytes()));
        let k_region = Zeroizing::new(hmac_sha256(k_date.as_slice(), region.as_bytes()));
        let k_service = Zeroizing::new(hmac_sha256(k_region.as_slice(), service.as_bytes()));
        Self {
            key: Zeroizing::new(hmac_sha256(k_service.as_slice(), b"aws4_request")),
        }
    }

    /// The lowercase-hex HMAC-SHA256 of `string_to_sign`: the SigV4 signature.
    pub fn sign(&self, string_to_sign: &str) -> String {
        hex(&hmac_sha256(self.key.as_slice(), string_to_sign.as_bytes()))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(** redacted **)")
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Lowercase-hex SHA-256 of `data` (the payload hash and the canonical-request hash).
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Lowercase hex, as Python's `hexdigest()`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn empty_hash() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0xff, 0x10]), "00abff10");
    }

    #[test]
    fn documented_example_signature() {
        // AWS docs / aws4-testsuite-2015 get-vanilla string to sign.
        let sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
                   bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
        let key = SigningKey::derive(SECRET, "20150830", "us-east-1", "service");
        assert_eq!(
            key.sign(sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::new("AKID", SECRET, Some("tokentoken".into()));
        let s = format!("{c:?}");
        assert!(s.contains("AKID"));
        assert!(!s.contains(SECRET) && !s.contains("tokentoken"), "{s}");
        let k = c.signing_key("20150830", "us-east-1", "service");
        assert_eq!(format!("{k:?}"), "SigningKey(** redacted **)");
        assert_eq!(c.session_token(), Some("tokentoken"));
        assert_eq!(c.access_key_id(), "AKID");
    }
}
