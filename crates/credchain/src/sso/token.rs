//! The SSO token cache shared with the AWS CLI v2 (`~/.aws/sso/cache`,
//! P-SSO-3/4/6).
//!
//! * File: `<sha1hex(K)>.json`, K the sso-session name when one is used,
//!   else the start URL (UTF-8, not normalised).
//! * Reading follows botocore's `SSOTokenLoader`: a missing file is
//!   `SSOTokenLoadError ... does not exist`, a file that is not JSON is the
//!   bare `KeyError` botocore's `JSONFileCache` lets escape, a document
//!   without `accessToken` or `expiresAt` is `... is invalid`.
//! * Writing ([`save`]) is the one writer for this directory, so `sso login`
//!   can reuse it for the token and the registration file (P-SSO-9): the
//!   document is serialised like Python's `json.dumps` with the default
//!   separators (keys in the caller's order), to a temp file (0600) in a
//!   0700 directory, fsynced and renamed over the target. Callers that
//!   read-modify-write hold [`super::lock::with_token_lock`].

use std::fmt;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};
use sha1::{Digest, Sha1};

use crate::error::Error;
use crate::os::{Env, FileType, Fs};
use crate::time::{Timestamp, TimestampError};

/// Largest token file read (a real one is under 4 KiB).
const MAX_TOKEN_FILE: u64 = 1024 * 1024;

/// `~/.aws/sso/cache` under the user's home (no env var moves it, P-SSO-3).
pub fn cache_dir(env: &dyn Env, fs: &dyn Fs) -> PathBuf {
    crate::config::paths::expand_user_os(std::ffi::OsStr::new("~/.aws/sso/cache"), env, fs)
}

/// Lower-case hex SHA-1 of `s`.
pub fn sha1_hex(s: &str) -> String {
    let mut hex = String::with_capacity(40);
    for b in Sha1::digest(s.as_bytes()) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// botocore's `SSOTokenLoader._generate_cache_key`: SHA-1 of the session
/// name if there is one, else of the start URL.
pub fn cache_key(start_url: &str, session_name: Option<&str>) -> String {
    sha1_hex(session_name.unwrap_or(start_url))
}

/// The name (without `.json`) of the client registration file `sso login`
/// writes beside the tokens (P-SSO-9): SHA-1 of `json.dumps({"tool":
/// "botocore", "startUrl", "region", "scopes", "session_name"},
/// sort_keys=True)`, `null` for absent scopes or session. Written with
/// [`write_atomic`] like the token, so login reuses this module.
pub fn registration_cache_key(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> String {
    let opt = |v: Option<&str>| v.map_or(Json::Null, |s| Json::String(s.to_owned()));
    // Keys in Python's sort order (code points).
    let args = TokenDoc::from_fields(vec![
        ("region", Json::String(region.to_owned())),
        (
            "scopes",
            scopes.map_or(Json::Null, |s| {
                Json::Array(s.iter().cloned().map(Json::String).collect())
            }),
        ),
        ("session_name", opt(session_name)),
        ("startUrl", Json::String(start_url.to_owned())),
        ("tool", Json::String("botocore".into())),
    ]);
    sha1_hex(&args.to_py_json())
}

/// The token file for `key` in `dir`.
pub fn token_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.json"))
}

/// A cached token document, keys in file order. `Debug` shows the keys
/// only: `accessToken`, `refreshToken` and `clientSecret` are secrets.
#[derive(Clone, PartialEq)]
pub struct TokenDoc(Map<String, Json>);

impl fmt::Debug for TokenDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TokenDoc")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The refresh fields botocore requires, in its order (P-SSO-6).
pub const REFRESH_KEYS: [&str; 4] = [
    "refreshToken",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
];

impl TokenDoc {
    /// A document from its fields, in order.
    pub fn from_fields(fields: Vec<(&str, Json)>) -> TokenDoc {
        TokenDoc(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
    /// Whether the key is present (any value, as Python's `in`).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
    /// A field.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.0.get(key)
    }
    /// A string field.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Json::as_str)
    }
    /// The access token. Callers send it, never print it.
    pub fn access_token(&self) -> Option<&str> {
        self.get_str("accessToken")
    }
    /// The refresh fields that are missing, in botocore's order.
    pub fn missing_refresh_keys(&self) -> Vec<&'static str> {
        REFRESH_KEYS.into_iter().filter(|k| !self.has(k)).collect()
    }
    /// `expiresAt` as botocore's `dateutil.parser.parse` reads it.
    pub fn expires_at(&self) -> Result<Timestamp, Error> {
        parse_time(self.get("expiresAt"), "expiresAt")
    }
    /// Python's `json.dumps(doc)`: default separators, `ensure_ascii`,
    /// keys in document order (what botocore writes, P-SSO-6).
    pub fn to_py_json(&self) -> String {
        let mut out = String::new();
        py_dumps(&Json::Object(self.0.clone()), &mut out);
        out
    }
}

/// `dateutil.parser.parse(v)` compared with an aware "now", as botocore
/// does: a non-string is `TypeError`, text that is not a date
/// `ParserError`, a date without an offset the naive/aware `TypeError`.
pub fn parse_time(v: Option<&Json>, key: &str) -> Result<Timestamp, Error> {
    let Some(v) = v else {
        return Err(Error::Unhandled {
            class: "KeyError",
            message: format!("'{key}'"),
        });
    };
    let Some(s) = v.as_str() else {
        return Err(Error::Unhandled {
            class: "TypeError",
            message: format!("Parser must be a string or character stream, not {key} {v}"),
        });
    };
    Timestamp::parse(s).map_err(|e| match e {
        TimestampError::Unparseable => Error::Unhandled {
            class: "ParserError",
            message: format!("Unknown string format: {s}"),
        },
        TimestampError::NoTimezone => Error::Unhandled {
            class: "TypeError",
            message: "can't subtract offset-naive and offset-aware datetimes".into(),
        },
    })
}

/// `datetime.strftime('%Y-%m-%dT%H:%M:%SZ')` in UTC (sub-seconds dropped).
pub fn utc_z(t: std::time::SystemTime) -> String {
    let iso = Timestamp::from_system_time(t).to_string();
    format!("{}Z", &iso[..19])
}

/// Python's `json.dumps` with default separators and `ensure_ascii`.
fn py_dumps(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::String(s) => crate::cache::py_json_str(s, out),
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_dumps(x, out);
            }
            out.push(']');
        }
        Json::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                crate::cache::py_json_str(k, out);
                out.push_str(": ");
                py_dumps(x, out);
            }
            out.push('}');
        }
    }
}

/// Why a token could not be loaded, before the caller adds its login hint.
#[derive(Debug)]
pub enum LoadError {
    /// `SSOTokenLoadError` with botocore's `error_msg`.
    Load(String),
    /// Any other error (botocore's escaped `KeyError`, `TypeError`).
    Other(Error),
}

/// botocore's `SSOTokenLoader.__call__` over `dir` (read through `fs`).
pub fn load(
    fs: &dyn Fs,
    dir: &Path,
    start_url: &str,
    session_name: Option<&str>,
) -> Result<TokenDoc, LoadError> {
    let key = cache_key(start_url, session_name);
    let path = token_path(dir, &key);
    // `cache_key in cache` is `os.path.isfile`.
    if fs.file_type(&path) != Some(FileType::File) {
        let name = session_name.unwrap_or(start_url);
        return Err(LoadError::Load(format!("Token for {name} does not exist")));
    }
    // JSONFileCache turns OSError and ValueError into `KeyError(key)`.
    let key_error = || {
        LoadError::Other(Error::Unhandled {
            class: "KeyError",
            message: format!("'{key}' (unreadable or not JSON: {})", path.display()),
        })
    };
    if fs.len(&path).is_some_and(|n| n > MAX_TOKEN_FILE) {
        return Err(key_error());
    }
    let bytes = fs.read(&path).map_err(|_| key_error())?;
    let doc: Json = serde_json::from_slice(&bytes).map_err(|_| key_error())?;
    let invalid = || LoadError::Load(format!("Token for {start_url} is invalid"));
    match doc {
        Json::Object(m) => {
            if m.contains_key("accessToken") && m.contains_key("expiresAt") {
                Ok(TokenDoc(m))
            } else {
                Err(invalid())
            }
        }
        // `'accessToken' in x` on a list or str is a membership or
        // substring test that a token document never passes.
        Json::Array(_) | Json::String(_) => Err(invalid()),
        other => Err(LoadError::Other(Error::Unhandled {
            class: "TypeError",
            message: format!(
                "argument of type '{}' is not iterable",
                match other {
                    Json::Null => "NoneType",
                    Json::Bool(_) => "bool",
                    _ => "int",
                }
            ),
        })),
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::Unhandled {
        class: "OSError",
        message: format!("SSO token cache: {what} {}: {e}", path.display()),
    }
}

/// Creates `dir` (and missing parents) with mode 0700, as every path that
/// creates `~/.aws` does ([`crate::filelock::create_private_dir`]).
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), Error> {
    crate::filelock::create_private_dir(dir).map_err(|e| io_error("creating", dir, &e))
}

/// Writes `text` to `dir/<name>` atomically: temp file (0600) in `dir`,
/// fsync, rename. The directory is created 0700 when missing.
pub fn write_atomic(dir: &Path, name: &str, text: &str) -> Result<(), Error> {
    create_private_dir(dir)?;
    let target = dir.join(name);
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(".credchain-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error("creating a temp file in", dir, &e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_error("writing", tmp.path(), &e))?;
    tmp.persist(&target)
        .map_err(|e| io_error("renaming over", &target, &e.error))?;
    Ok(())
}

/// Writes a token document to `<dir>/<key>.json` (see [`write_atomic`]).
pub fn save(dir: &Path, key: &str, doc: &TokenDoc) -> Result<(), Error> {
    write_atomic(dir, &format!("{key}.json"), &doc.to_py_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::{MapEnv, MemFs};
    use serde_json::json;

    #[test]
    fn p_sso_3_cache_keys_match_botocore() {
        assert_eq!(
            cache_key("https://my.awsapps.com/start", None),
            "40840c65697c043e2a71754cccb2ab4de3acc1c1"
        );
        assert_eq!(
            cache_key("https://my.awsapps.com/start", Some("my-sso")),
            "0ad374308c5a4e22f723adf10145eafad7c4031c"
        );
        let env = MapEnv::from_pairs([("HOME", "/h")]);
        assert_eq!(
            cache_dir(&env, &MemFs::new()),
            Path::new("/h/.aws/sso/cache")
        );
    }

    #[test]
    fn p_sso_9_registration_keys_match_the_aws_cli() {
        // hashlib.sha1(json.dumps({...}, sort_keys=True).encode()).hexdigest()
        let url = "https://my.awsapps.com/start";
        assert_eq!(
            registration_cache_key(
                url,
                "us-east-1",
                Some(&["sso:account:access".to_owned()]),
                Some("my-sso")
            ),
            "d44e592c34ee20a8c68aaf6a8db45b78a6bdd9e5"
        );
        assert_eq!(
            registration_cache_key(url, "us-east-1", None, None),
            "c7f15c71b419f826dea14aae2254aa51d0940ed1"
        );
    }

    #[test]
    fn p_sso_6_serialises_like_json_dumps() {
        let doc = TokenDoc::from_fields(vec![
            ("startUrl", json!("https://x/start")),
            ("region", json!("us-east-1")),
            ("accessToken", json!("é")),
            ("n", json!([1, null, true])),
        ]);
        // json.dumps({...}) in Python, same key order.
        assert_eq!(
            doc.to_py_json(),
            r#"{"startUrl": "https://x/start", "region": "us-east-1", "accessToken": "\u00e9", "n": [1, null, true]}"#
        );
        assert_eq!(
            format!("{doc:?}"),
            r#"TokenDoc(["startUrl", "region", "accessToken", "n"])"#
        );
    }

    #[test]
    fn p_sso_4_load_errors_match_botocore() {
        let dir = Path::new("/c");
        let url = "https://u/start";
        let file =
            |text: &str| MemFs::new().with_file(token_path(dir, &cache_key(url, Some("s"))), text);
        let msg = |r: Result<TokenDoc, LoadError>| match r {
            Err(LoadError::Load(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            msg(load(&MemFs::new(), dir, url, Some("s"))),
            "Token for s does not exist"
        );
        assert_eq!(
            msg(load(&MemFs::new(), dir, url, None)),
            "Token for https://u/start does not exist"
        );
        // "invalid" names the start URL even in session mode.
        assert_eq!(
            msg(load(&file(r#"{"accessToken": "a"}"#), dir, url, Some("s"))),
            "Token for https://u/start is invalid"
        );
        assert_eq!(
            msg(load(&file("[1]"), dir, url, Some("s"))),
            "Token for https://u/start is invalid"
        );
        match load(&file("{not json"), dir, url, Some("s")) {
            Err(LoadError::Other(e)) => assert_eq!(e.kind(), "KeyError"),
            other => panic!("{other:?}"),
        }
        match load(&file("3"), dir, url, Some("s")) {
            Err(LoadError::Other(e)) => assert_eq!(e.kind(), "TypeError"),
            other => panic!("{other:?}"),
        }
        let ok = load(
            &file(r#"{"accessToken": "a", "expiresAt": "2099-01-01T00:00:00Z"}"#),
            dir,
            url,
            Some("s"),
        )
        .unwrap();
        assert_eq!(ok.expires_at().unwrap().unix_seconds(), 4_070_908_800);
        assert_eq!(ok.missing_refresh_keys(), REFRESH_KEYS);
    }

    #[test]
    fn expiry_parse_errors_are_botocore_kinds() {
        let kind = |v: Json| parse_time(Some(&v), "expiresAt").unwrap_err().kind();
        assert_eq!(kind(json!(5)), "TypeError");
        assert_eq!(kind(json!("soon")), "ParserError");
        assert_eq!(kind(json!("2099-01-01T00:00:00")), "TypeError");
        assert_eq!(
            utc_z(std::time::UNIX_EPOCH + std::time::Duration::from_millis(4_070_908_800_500)),
            "2099-01-01T00:00:00Z"
        );
    }

    #[test]
    fn save_is_atomic_and_private() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".aws/sso/cache");
        let doc = TokenDoc::from_fields(vec![("accessToken", json!("a"))]);
        save(&dir, "k", &doc).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("k.json")).unwrap(),
            r#"{"accessToken": "a"}"#
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.join("k.json")), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["k.json"]);
    }
}
