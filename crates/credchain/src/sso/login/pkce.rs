//! The pieces of the authorization-code grant with PKCE (RFC 7636) that
//! botocore's `SSOTokenFetcherAuth` builds: the code verifier (64
//! characters from `[A-Za-z0-9-._~]`), its S256 challenge, the `state`
//! (a UUID4) and the authorize URL.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::credentials::SecretString;
use crate::error::Error;

/// The characters of a code verifier (botocore: `ascii_letters + digits +
/// '-._~'`).
const VERIFIER_ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

/// The verifier's length (botocore's).
pub const VERIFIER_LEN: usize = 64;

/// Bytes from the operating system's CSPRNG (`getrandom(2)`,
/// `getentropy`, `BCryptGenRandom`): the verifier and `state` must not be
/// guessable.
fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::getrandom(buf).map_err(|e| Error::Unhandled {
        class: "OSError",
        message: format!("no secure random numbers from the operating system: {e}"),
    })
}

/// One login's PKCE secrets. `Debug` shows the challenge and state only.
pub struct Pkce {
    verifier: SecretString,
    challenge: String,
    state: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh verifier and state from the OS's secure random numbers.
    pub fn generate() -> Result<Pkce, Error> {
        let mut verifier = String::with_capacity(VERIFIER_LEN);
        // Rejection sampling keeps the choice uniform over 66 characters.
        let limit = 256 - 256 % VERIFIER_ALPHABET.len();
        while verifier.len() < VERIFIER_LEN {
            let mut buf = [0u8; 96];
            random_bytes(&mut buf)?;
            for b in buf {
                if usize::from(b) < limit && verifier.len() < VERIFIER_LEN {
                    verifier.push(char::from(
                        VERIFIER_ALPHABET[usize::from(b) % VERIFIER_ALPHABET.len()],
                    ));
                }
            }
        }
        let mut u = [0u8; 16];
        random_bytes(&mut u)?;
        Ok(Pkce::from_parts(verifier, uuid4(u)))
    }

    /// A fixed verifier and state (tests).
    pub fn from_parts(verifier: String, state: String) -> Pkce {
        Pkce {
            challenge: code_challenge(&verifier),
            verifier: SecretString::new(verifier),
            state,
        }
    }

    /// The verifier, sent once in `CreateToken`.
    pub fn verifier(&self) -> &str {
        self.verifier.expose()
    }

    /// The S256 challenge, padded as botocore computes it.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The `state` the callback must carry back.
    pub fn state(&self) -> &str {
        &self.state
    }
}

/// `str(uuid.uuid4())` from 16 random bytes.
fn uuid4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `base64.urlsafe_b64encode(hashlib.sha256(verifier).digest())`: 44
/// characters ending in `=`.
pub fn code_challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// RFC 4648 §5 base64url, padded (Python's `urlsafe_b64encode`).
pub fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(char::from(A[(v >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The authorize URL botocore's `_get_authorization_uri` builds:
/// `<base>/authorize?response_type=code&client_id=…&redirect_uri=…&state=…
/// &code_challenge_method=S256&scopes=…&code_challenge=…`, parameters
/// percent-encoded as `percent_encode_sequence` does, scopes joined by a
/// space (default `sso:account:access`), the challenge's final `=` trimmed.
pub fn authorize_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: Option<&[String]>,
    challenge: &str,
) -> String {
    use super::super::client::percent_encode as enc;
    let scopes = match scopes {
        Some(s) if !s.is_empty() => s.join(" "),
        _ => super::DEFAULT_SCOPE.to_owned(),
    };
    let trimmed = &challenge[..challenge.len().saturating_sub(1)];
    format!(
        "{base}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}\
         &code_challenge_method=S256&scopes={}&code_challenge={trimmed}",
        enc(client_id),
        enc(redirect_uri),
        enc(state),
        enc(&scopes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_python() {
        // base64.urlsafe_b64encode(hashlib.sha256(b"abc").digest()).decode()
        assert_eq!(
            code_challenge("abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0="
        );
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="
        );
        assert_eq!(base64url(b"\xfb\xff"), "-_8=");
        assert_eq!(base64url(b"a"), "YQ==");
    }

    #[test]
    fn generated_secrets_have_botocore_shapes() {
        let a = Pkce::generate().unwrap();
        let b = Pkce::generate().unwrap();
        assert_eq!(a.verifier().len(), VERIFIER_LEN);
        assert!(a.verifier().bytes().all(|c| VERIFIER_ALPHABET.contains(&c)));
        assert_ne!(a.verifier(), b.verifier());
        assert_ne!(a.state(), b.state());
        let s = a.state().as_bytes();
        assert_eq!((s.len(), s[8], s[14]), (36, b'-', b'4'));
        assert!(matches!(s[19], b'8' | b'9' | b'a' | b'b'));
        assert!(!format!("{a:?}").contains(a.verifier()));
    }

    #[test]
    fn authorize_url_as_botocore_builds_it() {
        // botocore.utils.percent_encode_sequence of the same dict.
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com",
            "cid/+=",
            "http://127.0.0.1:4711/oauth/callback",
            "0b9e6e55-1c2f-4f5e-9a8b-0d1c2b3a4f5e",
            Some(&["sso:account:access".into(), "codewhisperer:x".into()]),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=\
             cid%2F%2B%3D&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Foauth%2Fcallback&state=\
             0b9e6e55-1c2f-4f5e-9a8b-0d1c2b3a4f5e&code_challenge_method=S256&scopes=\
             sso%3Aaccount%3Aaccess%20codewhisperer%3Ax&code_challenge=\
             E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
