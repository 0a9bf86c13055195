//! STS without IO: query-protocol request bodies, XML response parsing and
//! endpoint resolution ([`endpoint`]). The providers build a body here, sign
//! and send it through [`crate::http::HttpClient`], and parse the answer
//! here (STYLE.md §8).
//!
//! Responses are turned into the JSON document botocore's parser would
//! return (`{"Credentials": {...}, "AssumedRoleUser": {...},
//! "ResponseMetadata": {...}}`), which is also what the AWS CLI stores in
//! its credential cache (P-AR-10), so a fresh answer and a cached one go
//! through the same code.

pub mod client;
pub mod endpoint;
pub mod mfa;
pub mod validate;

use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value as Json};

use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::time::Timestamp;

/// The STS API version every request names.
pub const VERSION: &str = "2011-06-15";

/// The content type of query-protocol bodies (P-STS-1).
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Python's `urllib.parse.quote_plus` (what `urlencode` uses for botocore's
/// query bodies): unreserved characters kept, space as `+`.
pub fn quote_plus(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// `Action=..&Version=2011-06-15&k=v...`, form-encoded.
pub fn query_body(action: &str, params: &[(&str, String)]) -> String {
    let mut out = format!("Action={}&Version={VERSION}", quote_plus(action));
    for (k, v) in params {
        out.push('&');
        out.push_str(&quote_plus(k));
        out.push('=');
        out.push_str(&quote_plus(v));
    }
    out
}

/// The inputs of an `AssumeRole` call (P-AR-5).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AssumeRoleInput {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName` (configured or generated).
    pub role_session_name: String,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `SerialNumber` (the MFA device).
    pub serial_number: Option<String>,
    /// `TokenCode` (the MFA code; never cached, never logged).
    pub token_code: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<i64>,
}

impl std::fmt::Debug for AssumeRoleInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRoleInput")
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("external_id", &self.external_id)
            .field("serial_number", &self.serial_number)
            .field(
                "token_code",
                &self.token_code.as_ref().map(|_| "<redacted>"),
            )
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

impl AssumeRoleInput {
    /// botocore's `ParamValidationError` check of this call, with the
    /// parameters in the order botocore's `AssumeRoleProvider` builds its
    /// kwargs (which is the order it reports errors in): the configured
    /// `RoleSessionName`, `ExternalId`, `SerialNumber`, `DurationSeconds`,
    /// then `RoleArn`, a generated session name, and `TokenCode`.
    /// `session_name_configured` says whether the session name came from the
    /// profile (else it was generated and goes after `RoleArn`).
    pub fn validate(&self, session_name_configured: bool) -> Result<(), Error> {
        use validate::Value::{Int, Str};
        let mut p = Vec::with_capacity(7);
        if session_name_configured {
            p.push(("RoleSessionName", Str(&self.role_session_name)));
        }
        if let Some(e) = &self.external_id {
            p.push(("ExternalId", Str(e)));
        }
        if let Some(s) = &self.serial_number {
            p.push(("SerialNumber", Str(s)));
        }
        if let Some(d) = self.duration_seconds {
            p.push(("DurationSeconds", Int(d)));
        }
        p.push(("RoleArn", Str(&self.role_arn)));
        if !session_name_configured {
            p.push(("RoleSessionName", Str(&self.role_session_name)));
        }
        if let Some(t) = &self.token_code {
            p.push(("TokenCode", Str(t)));
        }
        validate::validate(&validate::ASSUME_ROLE, &p)
    }
}

/// botocore's `ParamValidationError` check of an
/// `AssumeRoleWithWebIdentity` call, in its kwargs order: a configured
/// `RoleSessionName`, `RoleArn`, a generated session name, then the token.
pub fn validate_web_identity(
    role_arn: &str,
    role_session_name: &str,
    session_name_configured: bool,
    token: &str,
) -> Result<(), Error> {
    use validate::Value::Str;
    let mut p = Vec::with_capacity(3);
    if session_name_configured {
        p.push(("RoleSessionName", Str(role_session_name)));
    }
    p.push(("RoleArn", Str(role_arn)));
    if !session_name_configured {
        p.push(("RoleSessionName", Str(role_session_name)));
    }
    p.push(("WebIdentityToken", Str(token)));
    validate::validate(&validate::ASSUME_ROLE_WITH_WEB_IDENTITY, &p)
}

/// The `AssumeRole` body.
pub fn assume_role_body(input: &AssumeRoleInput) -> String {
    let mut p = vec![
        ("RoleArn", input.role_arn.clone()),
        ("RoleSessionName", input.role_session_name.clone()),
    ];
    if let Some(e) = &input.external_id {
        p.push(("ExternalId", e.clone()));
    }
    if let Some(s) = &input.serial_number {
        p.push(("SerialNumber", s.clone()));
    }
    if let Some(t) = &input.token_code {
        p.push(("TokenCode", t.clone()));
    }
    if let Some(d) = input.duration_seconds {
        p.push(("DurationSeconds", d.to_string()));
    }
    query_body("AssumeRole", &p)
}

/// The `AssumeRoleWithWebIdentity` body (sent unsigned, P-WEB-4). The token
/// is sent exactly as read (P-WEB-3).
pub fn assume_role_with_web_identity_body(
    role_arn: &str,
    role_session_name: &str,
    token: &str,
) -> String {
    query_body(
        "AssumeRoleWithWebIdentity",
        &[
            ("RoleArn", role_arn.to_owned()),
            ("RoleSessionName", role_session_name.to_owned()),
            ("WebIdentityToken", token.to_owned()),
        ],
    )
}

/// The `GetCallerIdentity` body (P-STS-1).
pub fn get_caller_identity_body() -> String {
    query_body("GetCallerIdentity", &[])
}

/// The `GetSessionToken` body.
pub fn get_session_token_body(
    duration_seconds: Option<i64>,
    serial_number: Option<&str>,
    token_code: Option<&str>,
) -> String {
    let mut p = Vec::new();
    if let Some(d) = duration_seconds {
        p.push(("DurationSeconds", d.to_string()));
    }
    if let Some(s) = serial_number {
        p.push(("SerialNumber", s.to_owned()));
    }
    if let Some(t) = token_code {
        p.push(("TokenCode", t.to_owned()));
    }
    query_body("GetSessionToken", &p)
}

/// Leaf elements of an XML document as `(path, text)`, path = local names
/// joined by `/`. Enough for STS's flat answers; no DOM.
fn leaves(xml: &str) -> Result<Vec<(String, String)>, String> {
    const MAX_DEPTH: usize = 32;
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                if path.len() >= MAX_DEPTH {
                    return Err("XML nested too deeply".into());
                }
                path.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
                text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let mut p = path.join("/");
                if !p.is_empty() {
                    p.push('/');
                }
                p.push_str(&name);
                out.push((p, String::new()));
            }
            Event::Text(t) => {
                let s = t.xml_content().map_err(|e| e.to_string())?;
                // expat (botocore) rejects anything but whitespace outside
                // the root element; quick-xml reports it as text.
                if path.is_empty() && !s.trim().is_empty() {
                    return Err("syntax error: text outside the root element".into());
                }
                text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                // Entity and character references inside text.
                let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => text.push(c),
                    None => match name.as_str() {
                        "lt" => text.push('<'),
                        "gt" => text.push('>'),
                        "amp" => text.push('&'),
                        "apos" => text.push('\''),
                        "quot" => text.push('"'),
                        other => return Err(format!("unknown entity &{other};")),
                    },
                }
            }
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
            Event::End(_) => {
                out.push((path.join("/"), std::mem::take(&mut text)));
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err("XML document ends inside an element".into());
    }
    if out.is_empty() {
        // expat's words for an empty document.
        return Err("no element found".into());
    }
    Ok(out)
}

fn find<'a>(leaves: &'a [(String, String)], suffix: &str) -> Option<&'a str> {
    leaves
        .iter()
        .find(|(p, _)| p.ends_with(suffix))
        .map(|(_, t)| t.as_str())
}

/// The error of a non-2xx STS answer, as botocore's query-protocol parser
/// makes it (P-STS-2): a 5xx whose body is empty or starts with `<html>` is
/// a generic error (code = the status, message = Python's reason phrase);
/// any other body must be XML (else `ResponseParserError`, not retried),
/// and its `Error/Code` / `Error/Message` default to `Unknown` as in
/// `ClientError`.
pub fn parse_error(operation: &str, status: u16, body: &str) -> Error {
    let trimmed = body.trim_matches(|c: char| c.is_ascii_whitespace());
    if status >= 500 && (trimmed.is_empty() || trimmed.starts_with("<html>")) {
        return Error::Service {
            operation: operation.to_owned(),
            code: status.to_string(),
            message: http_reason(status).to_owned(),
        };
    }
    let leaves = match leaves(body) {
        Ok(l) => l,
        Err(why) => return unparseable(&why),
    };
    let field = |k: &str| find(&leaves, k).map_or_else(|| "Unknown".to_owned(), str::to_owned);
    Error::Service {
        operation: operation.to_owned(),
        code: field("Error/Code"),
        message: field("Error/Message"),
    }
}

/// Python's `http.client.responses` (botocore's generic error message).
fn http_reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// botocore's `ResponseParserError` for a body that is not XML. Unlike
/// botocore, the body itself is not quoted: it may hold credentials.
fn unparseable(why: &str) -> Error {
    Error::Unhandled {
        class: "ResponseParserError",
        message: format!(
            "Unable to parse response ({why}), invalid XML received. Further retries may \
             succeed"
        ),
    }
}

/// A well-formed answer without a field credchain needs. An assume-role
/// answer fails that provider (`CredentialRetrievalError`); other calls
/// blame the response, not a provider.
fn malformed(operation: &str, why: &str) -> Error {
    match operation {
        "AssumeRole" => Error::CredentialRetrieval {
            provider: Method::AssumeRole,
            message: format!("malformed {operation} response from STS: {why}"),
        },
        "AssumeRoleWithWebIdentity" => Error::CredentialRetrieval {
            provider: Method::AssumeRoleWithWebIdentity,
            message: format!("malformed {operation} response from STS: {why}"),
        },
        _ => Error::Unhandled {
            class: "ResponseParserError",
            message: format!("Unable to parse the {operation} response from STS: {why}"),
        },
    }
}

/// Parses a successful `AssumeRole` / `AssumeRoleWithWebIdentity` answer
/// (P-STS-3) into botocore's response document, with `AccountId` added
/// from the assumed-role ARN (P-AR-7).
pub fn parse_assume_role(operation: &str, body: &str) -> Result<Json, Error> {
    let l = leaves(body).map_err(|e| unparseable(&e))?;
    let result = format!("{operation}Result/");
    let get = |name: &str| find(&l, &format!("{result}{name}"));
    let mut creds = Map::new();
    for k in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        let v = get(&format!("Credentials/{k}"))
            .ok_or_else(|| malformed(operation, &format!("no Credentials/{k}")))?;
        creds.insert(k.into(), Json::String(v.to_owned()));
    }
    let mut doc = Map::new();
    let mut user = Map::new();
    for k in ["AssumedRoleId", "Arn"] {
        if let Some(v) = get(&format!("AssumedRoleUser/{k}")) {
            user.insert(k.into(), Json::String(v.to_owned()));
        }
    }
    if let Some(account) = user.get("Arn").and_then(Json::as_str).and_then(arn_account) {
        creds.insert("AccountId".into(), Json::String(account));
    }
    doc.insert("Credentials".into(), Json::Object(creds));
    if !user.is_empty() {
        doc.insert("AssumedRoleUser".into(), Json::Object(user));
    }
    for k in ["SubjectFromWebIdentityToken", "Provider", "Audience"] {
        if let Some(v) = get(k) {
            doc.insert(k.into(), Json::String(v.to_owned()));
        }
    }
    let mut meta = Map::new();
    if let Some(id) = find(&l, "ResponseMetadata/RequestId") {
        meta.insert("RequestId".into(), Json::String(id.to_owned()));
    }
    meta.insert("HTTPStatusCode".into(), Json::from(200));
    meta.insert("RetryAttempts".into(), Json::from(0));
    doc.insert("ResponseMetadata".into(), Json::Object(meta));
    Ok(Json::Object(doc))
}

/// The botocore exception class for an STS error code: the modeled
/// exceptions of the STS service model, else `ClientError`.
pub fn error_class(code: &str) -> &'static str {
    match code {
        "ExpiredTokenException" => "ExpiredTokenException",
        "ExpiredTradeInTokenException" => "ExpiredTradeInTokenException",
        "IDPCommunicationError" => "IDPCommunicationErrorException",
        "IDPRejectedClaim" => "IDPRejectedClaimException",
        "InvalidAuthorizationMessageException" => "InvalidAuthorizationMessageException",
        "InvalidIdentityToken" => "InvalidIdentityTokenException",
        "JWTPayloadSizeExceededException" => "JWTPayloadSizeExceededException",
        "MalformedPolicyDocument" => "MalformedPolicyDocumentException",
        "OutboundWebIdentityFederationDisabledException" => {
            "OutboundWebIdentityFederationDisabledException"
        }
        "PackedPolicyTooLarge" => "PackedPolicyTooLargeException",
        "RegionDisabledException" => "RegionDisabledException",
        "SessionDurationEscalationException" => "SessionDurationEscalationException",
        _ => "ClientError",
    }
}

/// botocore's refresh check (P-REF-3): credentials that are already
/// expired when fetched raise `RuntimeError`.
pub fn check_not_expired(
    creds: Credentials,
    now: std::time::SystemTime,
) -> Result<Credentials, Error> {
    match creds.expiration() {
        Some(exp) if exp.seconds_after(now) <= 0.0 => Err(Error::Expired {
            provider: creds.method(),
            expiration: exp.to_string(),
        }),
        _ => Ok(creds),
    }
}

/// botocore's `ArnParser`: the 5th `:`-separated field of a well-formed ARN.
pub fn arn_account(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn").then(|| parts[4].to_owned())
}

/// Credentials from a response document (fresh or cached): botocore's
/// `CachedCredentialFetcher._get_cached_credentials`.
pub fn credentials_from_doc(doc: &Json, method: Method) -> Result<Credentials, Error> {
    let c = doc.get("Credentials").ok_or_else(|| Error::Unhandled {
        class: "KeyError",
        message: "'Credentials'".into(),
    })?;
    let field = |k: &str| -> Result<String, Error> {
        c.get(k)
            .and_then(Json::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Unhandled {
                class: "KeyError",
                message: format!("'{k}'"),
            })
    };
    let expiration = field("Expiration")?;
    let exp = Timestamp::parse(&expiration).map_err(|_| Error::InvalidExpiration {
        source: format!("{method} response"),
        value: expiration.clone(),
    })?;
    Ok(Credentials::new(
        field("AccessKeyId")?,
        field("SecretAccessKey")?,
        Some(field("SessionToken")?),
        method,
    )
    .with_expiration(Some(exp))
    .with_account_id(c.get("AccountId").and_then(Json::as_str).map(str::to_owned)))
}

/// `GetCallerIdentity`'s answer (P-STS-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// `UserId`.
    pub user_id: String,
    /// `Account`.
    pub account: String,
    /// `Arn`.
    pub arn: String,
}

/// Parses a successful `GetCallerIdentity` answer.
pub fn parse_caller_identity(body: &str) -> Result<CallerIdentity, Error> {
    let op = "GetCallerIdentity";
    let l = leaves(body).map_err(|e| unparseable(&e))?;
    let get = |k: &str| {
        find(&l, &format!("GetCallerIdentityResult/{k}"))
            .map(str::to_owned)
            .ok_or_else(|| malformed(op, &format!("no {k}")))
    };
    Ok(CallerIdentity {
        user_id: get("UserId")?,
        account: get("Account")?,
        arn: get("Arn")?,
    })
}

#[cfg(test)]
mod tests;
