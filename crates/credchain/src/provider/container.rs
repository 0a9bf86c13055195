//! `container-role`: the ECS / EKS Pod Identity endpoint (P-CONT-*),
//! botocore's `ContainerProvider` + `ContainerMetadataFetcher`.
//!
//! Triggered by the presence (even empty) of either URI variable. The
//! pieces are pure ([`resolve_uri`], [`validate_url`], [`build_request`],
//! [`parse_document`]); [`fetch`] drives them through an
//! [`HttpClient`](crate::http::HttpClient) with botocore's 2 s timeout and
//! three attempts, sleeping 1 s after *each* failed attempt.
//!
//! Refresh on first use ([`fetch_for_use`]) as botocore's
//! `RefreshableCredentials`. Known difference: a client without
//! `https` support ([`HttpClient::supports_https`](crate::http::HttpClient::supports_https))
//! gives `NotSupportedYet` for an `https` `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! (the session default supports it).

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::env_vars::{AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI};
use crate::error::Error;
use crate::http::{HttpMethod, Network, Request, Response, Timeouts, UrlParts};
use crate::os::Os;
use crate::pyjson::py_type;
use crate::refreshable::RefreshableCredentials;
use crate::time::{Timestamp, TimestampError};

/// File holding the `Authorization` header value; read on every fetch and
/// not stripped (P-CONT-3).
pub const AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// The `Authorization` header value, when no token file is set.
pub const AWS_CONTAINER_AUTHORIZATION_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// What `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is appended to.
pub const RELATIVE_URI_BASE: &str = "http://169.254.170.2";
/// Hosts allowed for a plain-`http` full URI besides loopback addresses,
/// in botocore's order (it prints them in the error).
pub const ALLOWED_HOSTS: [&str; 4] = [
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
    "localhost",
];
/// botocore's `ContainerMetadataFetcher.TIMEOUT_SECONDS`.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// botocore's `RETRY_ATTEMPTS`.
pub const ATTEMPTS: u32 = 3;
/// botocore's `SLEEP_TIME`, slept after every failed attempt.
pub const RETRY_SLEEP: Duration = Duration::from_secs(1);
/// The longest a non-200 body is quoted in an error.
const QUOTE_MAX: usize = 300;

/// The URL the provider calls, or `None` when neither variable is set:
/// the relative URI (appended to [`RELATIVE_URI_BASE`] as is) wins over the
/// full URI (P-CONT-1).
pub fn resolve_uri(get: impl Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(rel) = get(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
        return Some(format!("{RELATIVE_URI_BASE}{rel}"));
    }
    get(AWS_CONTAINER_CREDENTIALS_FULL_URI)
}

/// botocore's `_is_loopback_address`: `ip_address(hostname).is_loopback`
/// (a scope id only after an IPv6 address: `127.0.0.1%x` is no address).
fn is_loopback(host: &str) -> bool {
    crate::http::py_ip_address(host).is_some_and(|a| a.is_loopback())
}

/// botocore's `_validate_allowed_url` (P-CONT-2): any `https` URL; for
/// anything else the host must be loopback or one of [`ALLOWED_HOSTS`].
/// Applied to relative URIs too (`/x@evil` makes the host `evil`).
pub fn validate_url(url: &str) -> Result<(), Error> {
    let parts = UrlParts::split(url);
    if let Some(e) = parts.netloc_error() {
        return Err(value_error(&e));
    }
    if parts.scheme == "https" {
        return Ok(());
    }
    let host = parts.hostname();
    if let Some(h) = &host {
        if is_loopback(h) || ALLOWED_HOSTS.contains(&h.as_str()) {
            return Ok(());
        }
    }
    Err(value_error(&format!(
        "Unsupported host '{}'.  Can only retrieve metadata from a loopback address or one of \
         these hosts: {}",
        host.as_deref().unwrap_or("None"),
        ALLOWED_HOSTS.join(", ")
    )))
}

fn value_error(message: &str) -> Error {
    Error::Unhandled {
        class: "ValueError",
        message: message.to_owned(),
    }
}

/// Where the `Authorization` value came from, for `explain`.
fn token_source(os: &Os) -> Option<(String, Result<String, Error>)> {
    if let Some(path) = os.env.get(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) {
        // Read at the OS's bytes; `path` (lossy) is only for messages.
        let os_path = os
            .env
            .get_os(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)
            .map_or_else(|| PathBuf::from(&path), PathBuf::from);
        let read = read_token_file(os, &os_path, &path);
        return Some((
            format!("{AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE} ({path})"),
            read,
        ));
    }
    os.env
        .get(AWS_CONTAINER_AUTHORIZATION_TOKEN)
        .map(|t| (AWS_CONTAINER_AUTHORIZATION_TOKEN.to_owned(), Ok(t)))
}

/// Python's `open(path).read()`: the exception classes and messages it
/// raises, and universal-newline translation.
fn read_token_file(os: &Os, os_path: &Path, path: &str) -> Result<String, Error> {
    let bytes = os.fs.read(os_path).map_err(|e| {
        let (class, errno, text) = match e.kind() {
            io::ErrorKind::NotFound => ("FileNotFoundError", 2, "No such file or directory"),
            io::ErrorKind::IsADirectory => ("IsADirectoryError", 21, "Is a directory"),
            io::ErrorKind::PermissionDenied => ("PermissionError", 13, "Permission denied"),
            // A FIFO, device or oversized file refused by the bounded
            // read: its own message names the file and what was expected.
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
                return Error::Unhandled {
                    class: "OSError",
                    message: e.to_string(),
                };
            }
            _ => ("OSError", 5, "Input/output error"),
        };
        Error::Unhandled {
            class,
            message: format!("[Errno {errno}] {text}: '{path}'"),
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Unhandled {
        class: "UnicodeDecodeError",
        message: format!("{path}: the token file is not valid UTF-8"),
    })?;
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The GET botocore sends: `Accept: application/json` and, when a token is
/// given, `Authorization` (refused with botocore's `ValueError` if it holds
/// CR or LF, P-CONT-3).
pub fn build_request(url: &str, token: Option<&str>) -> Result<Request, Error> {
    let mut req = Request::new(HttpMethod::Get, url).header("Accept", "application/json");
    if let Some(t) = token {
        if t.contains(['\r', '\n']) {
            return Err(value_error("Auth token value is not a legal header value"));
        }
        req = req.header("Authorization", t);
    }
    Ok(req)
}

/// Why one attempt failed.
#[derive(Debug)]
pub enum AttemptError {
    /// Counts as a failed attempt (botocore's `MetadataRetrievalError`).
    Retry(String),
    /// Escapes botocore's retry loop and stops the chain.
    Fatal(Error),
}

fn quote(body: &str) -> String {
    let mut q: String = body.chars().take(QUOTE_MAX).collect();
    if q.len() < body.len() {
        q.push_str("...");
    }
    q
}

/// One attempt's response → the JSON document (botocore's `_get_response`).
pub fn parse_response(resp: &Response) -> Result<Json, AttemptError> {
    let text = std::str::from_utf8(&resp.body).map_err(|e| {
        AttemptError::Fatal(Error::Unhandled {
            class: "UnicodeDecodeError",
            message: format!(
                "'utf-8' codec can't decode the container metadata response at byte {}",
                e.valid_up_to()
            ),
        })
    })?;
    if resp.status != 200 {
        return Err(AttemptError::Retry(format!(
            "Received non 200 response {} from container metadata: {}",
            resp.status,
            quote(text)
        )));
    }
    serde_json::from_str(text).map_err(|_| {
        AttemptError::Retry(
            "Unable to parse JSON returned from container metadata services".to_owned(),
        )
    })
}

fn type_error(message: String) -> Error {
    Error::Unhandled {
        class: "TypeError",
        message,
    }
}

/// `response['Key']` as Python evaluates it on any JSON value.
fn index<'a>(doc: &'a Json, key: &str, provider: Method) -> Result<&'a Json, Error> {
    match doc {
        Json::Object(m) => m.get(key).ok_or_else(|| Error::Unhandled {
            class: "KeyError",
            message: format!("'{key}' (missing from the {provider} response)"),
        }),
        Json::Array(_) => Err(type_error(
            "list indices must be integers or slices, not str".into(),
        )),
        Json::String(_) => Err(type_error(
            "string indices must be integers, not 'str'".into(),
        )),
        other => Err(type_error(format!(
            "'{}' object is not subscriptable",
            py_type(other)
        ))),
    }
}

fn string_field(v: &Json, key: &str) -> Result<String, Error> {
    match v {
        Json::String(s) => Ok(s.clone()),
        other => Err(type_error(format!(
            "{key} is a {}, not a string",
            py_type(other)
        ))),
    }
}

/// Parses an `Expiration` the way `_parse_if_needed` (dateutil) does. An
/// expiry in the past is not an error here: botocore re-fetches such an
/// answer on first use ([`super::refresh`]).
pub(crate) fn parse_expiration(raw: &Json, provider: Method) -> Result<Timestamp, Error> {
    let Json::String(raw) = raw else {
        return Err(type_error(format!(
            "Parser must be a string or character stream, not {}",
            py_type(raw)
        )));
    };
    let source = format!("Expiration (from {provider})");
    let ts = match Timestamp::parse(raw) {
        Ok(ts) => ts,
        Err(TimestampError::Unparseable) => {
            return Err(Error::InvalidExpiration {
                source,
                value: raw.clone(),
            });
        }
        Err(TimestampError::NoTimezone) => {
            return Err(Error::ExpirationWithoutTimezone {
                source,
                value: raw.clone(),
            });
        }
    };
    Ok(ts)
}

/// The credentials in a container document (P-CONT-5): `AccessKeyId`,
/// `SecretAccessKey`, `Token` and `Expiration` required (a bare `KeyError`
/// otherwise), `AccountId` optional. Expired credentials are returned as
/// they are; [`fetch_for_use`] applies botocore's first-use refresh.
pub fn parse_document(doc: &Json) -> Result<Credentials, Error> {
    let m = Method::ContainerRole;
    let ak = index(doc, "AccessKeyId", m)?;
    let sk = index(doc, "SecretAccessKey", m)?;
    let token = index(doc, "Token", m)?;
    let exp = index(doc, "Expiration", m)?;
    let account = match doc.get("AccountId") {
        Some(Json::String(s)) => Some(s.clone()),
        _ => None,
    };
    let exp = parse_expiration(exp, m)?;
    Ok(Credentials::new(
        string_field(ak, "AccessKeyId")?,
        string_field(sk, "SecretAccessKey")?,
        Some(string_field(token, "Token")?),
        m,
    )
    .with_expiration(Some(exp))
    .with_account_id(account))
}

/// Fetches and parses the credentials document with botocore's retry loop.
/// Returns the credentials and a description of what was done.
pub fn fetch(os: &Os, net: &Network, url: &str) -> Result<(Credentials, String), Error> {
    // botocore builds the headers (reading and checking the token) before
    // it validates the URL, so token errors win.
    let (token_desc, token) = match token_source(os) {
        Some((desc, t)) => (Some(desc), Some(t?)),
        None => (None, None),
    };
    let req = build_request(url, token.as_deref())?;
    validate_url(url)?;
    if UrlParts::split(url).scheme == "https" && !net.http.supports_https() {
        return Err(Error::NotSupportedYet {
            provider: Method::ContainerRole,
            trigger: format!("the https container endpoint {url}"),
        });
    }
    let timeouts = Timeouts::botocore(TIMEOUT);
    let mut trace = String::new();
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let outcome = match net.http.send(&req, &timeouts) {
            Ok(resp) => parse_response(&resp).map_err(|e| (e, format!("HTTP {}", resp.status))),
            Err(te) if te.kind().is_retryable() => {
                let msg =
                    format!("Received error when attempting to retrieve container metadata: {te}");
                Err((AttemptError::Retry(msg), te.to_string()))
            }
            Err(te) => Err((
                AttemptError::Fatal(Error::Unhandled {
                    class: te.kind().botocore_class(),
                    message: format!("An HTTP Client raised an unhandled exception: {te}"),
                }),
                te.to_string(),
            )),
        };
        match outcome {
            Ok(doc) => {
                let creds = parse_document(&doc)?;
                let mut desc = format!("GET {url} (attempt {attempt} of {ATTEMPTS}");
                if let Some(t) = &token_desc {
                    let _ = write!(desc, "; Authorization from {t}");
                }
                desc.push(')');
                if !trace.is_empty() {
                    let _ = write!(desc, " after {trace}");
                }
                return Ok((creds, desc));
            }
            Err((AttemptError::Fatal(e), _)) => return Err(e),
            Err((AttemptError::Retry(msg), short)) => {
                let _ = write!(
                    trace,
                    "{}attempt {attempt}: {short}",
                    if trace.is_empty() { "" } else { "; " }
                );
                last = msg;
                net.sleep.sleep(RETRY_SLEEP);
            }
        }
    }
    Err(Error::CredentialRetrieval {
        provider: Method::ContainerRole,
        message: format!(
            "Error retrieving metadata: {last} [GET {url}, {ATTEMPTS} attempts, {}s sleep after \
             each: {trace}]",
            RETRY_SLEEP.as_secs()
        ),
    })
}

/// [`fetch`], then botocore's refresh on first use (P-REF-1..3, its
/// `ContainerProvider` returns `RefreshableCredentials`): an answer that
/// expires in under 15 minutes is fetched once more; if that fails with
/// under 10 minutes left, its `CredentialRetrievalError` is the result; an
/// answer still expired after the re-fetch is `RuntimeError`.
pub fn fetch_for_use(os: &Os, net: &Network, url: &str) -> Result<(Credentials, String), Error> {
    fetch_refreshable(os, net, url).map(|(_, c, d)| (c, d))
}

/// [`fetch_for_use`], also handing out the live credentials, whose
/// refresher fetches `url` again (owning clones of `os` and `net`).
pub(crate) fn fetch_refreshable(
    os: &Os,
    net: &Network,
    url: &str,
) -> Result<(RefreshableCredentials, Credentials, String), Error> {
    let (first, mut desc) = fetch(os, net, url)?;
    let first_expiry = first
        .expiration()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let (os2, net2, url2) = (os.clone(), net.clone(), url.to_owned());
    let rc = RefreshableCredentials::with_clock(
        first,
        move || fetch(&os2, &net2, &url2).map(|(c, _)| Some(c)),
        Arc::clone(&os.clock),
    );
    let (creds, used) = super::refresh::first_use(&rc)?;
    if let Some(note) = used.note(&first_expiry) {
        let _ = write!(desc, "; {note}");
    }
    Ok((rc, creds, desc))
}

/// Container credentials endpoint.
pub(crate) struct ContainerProvider;

impl Provider for ContainerProvider {
    fn method(&self) -> Method {
        Method::ContainerRole
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        let Some(url) = resolve_uri(|k| ctx.env(k)) else {
            return Outcome::Skipped(format!(
                "neither {AWS_CONTAINER_CREDENTIALS_RELATIVE_URI} nor \
                 {AWS_CONTAINER_CREDENTIALS_FULL_URI} set"
            ));
        };
        match fetch_refreshable(ctx.os, ctx.net, &url) {
            Ok((rc, _, desc)) => Outcome::Refreshable(rc, desc),
            Err(e) => Outcome::Failed(e),
        }
    }
}
