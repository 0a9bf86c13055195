/*!
AWS Signature Version 4 (`AWS4-HMAC-SHA256`) with botocore's exact rules, and no IO.

This crate opens no sockets, reads no files, env vars or clocks: the request, the
credentials and the signing time are all arguments, and the result is data (headers to
set, or a query string). That keeps it testable against fixed vectors and against botocore
itself, and lets `credchain` sign STS/SSO requests with whatever HTTP client it has.

# Pipeline

```text
Request ──► UriParts::parse (urlsplit) ──► canonical_path   ─┐
   │                                     ─► canonical_query ─┤
   └─ headers ──► HeadersToSign (drop unsigned, add host) ───┼─► canonical_request
   └─ payload ──► payload hash ──────────────────────────────┘          │
                                                                        ▼
Credentials ─► SigningKey::derive(date, region, service)    string_to_sign(time, scope)
                           │                                            │
                           └──────────────► SigningKey::sign ◄──────────┘
                                                  │
                         sign_headers ──► Authorization, X-Amz-Date, ...
                         presign      ──► X-Amz-* query parameters
```

Every stage is a public function, so a failing comparison can be narrowed down, and the
[`SigningKey`] (one per day, region and service) can be cached by callers.

# Example

```
use credchain_sigv4::{Credentials, Flavor, Request, SigningParams, SigningTime, sign_headers};

let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
let params = SigningParams {
    credentials: &creds,
    region: "us-east-1",
    service: "service",
    time: SigningTime::from_unix_seconds(1_440_938_160)?, // 2015-08-30T12:36:00Z
    flavor: Flavor::Standard,
};
let request = Request::new("GET", "https://example.amazonaws.com/");
let signed = sign_headers(&request, &params)?;
assert_eq!(
    signed.authorization(),
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
     SignedHeaders=host;x-amz-date, \
     Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
);
let mut headers = vec![("Host".to_owned(), "example.amazonaws.com".to_owned())];
signed.apply_to(&mut headers); // adds X-Amz-Date and Authorization
assert_eq!(headers.len(), 3);
# Ok::<(), credchain_sigv4::SigningError>(())
```

# botocore's rules, which this crate follows

* **Query string** (header signing): taken *as already encoded*, split on `&`, sorted by
  `(name, value)`, never re-encoded ([`canonical_query_string`]). botocore's serializers
  encode the query before signing; callers here must do the same.
* **Path**: [`Flavor::Standard`] removes dot segments, collapses `//` and percent-encodes
  the result again (so `%2F` becomes `%252F`); [`Flavor::S3`] uses the path as it is.
* **Headers**: names lowercased; values trimmed with every run of whitespace folded to one
  space (Python's `str.split()` whitespace, which includes U+001C..U+001F); repeated names
  joined with `,` in request order; [`UNSIGNED_HEADERS`] are never signed; `host` comes
  from the URI when there is no `Host` header.
* **Added headers** ([`sign_headers`]): `X-Amz-Date` (or, if the request has a `Date`
  header, that header rewritten and any `X-Amz-Date` removed), `X-Amz-Security-Token` when
  the token is non-empty (signed), `X-Amz-Content-SHA256` for S3 or an unsigned payload,
  and `Authorization`. Existing headers of those names are replaced.
* **Presigning** ([`presign`]): the existing query is decoded and re-encoded (Python's
  `parse_qs`, first value of a repeated name), followed by `X-Amz-Algorithm`,
  `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders` and, when a token
  is present (even empty), `X-Amz-Security-Token`, all signed; then `X-Amz-Signature`.
* **Payload hash**: an `X-Amz-Content-SHA256` header, when present, is used as is;
  otherwise the hash of the body, `UNSIGNED-PAYLOAD`, or the precomputed value.

# Known differences to botocore

* Header names must be HTTP tokens ([`ErrorKind::InvalidHeaderName`]); botocore would
  lowercase anything.
* [`presign`] rejects a non-empty body ([`ErrorKind::BodyNotPresignable`]). botocore
  instead moves a dict or JSON body into the query string (and raises for other bodies,
  which is why the `post-x-www-form-urlencoded*` query vectors are botocore errors); build
  that query yourself.
* Bracketed IPv6 hosts are not validated (Python's `urlsplit` rejects bad ones), and
  non-ASCII authorities are not NFKC-checked.
* Times before 1970 are not accepted.
*/

mod canonical;
mod error;
mod key;
mod time;
mod uri;

use std::fmt;

pub use canonical::{
    ALGORITHM, EMPTY_SHA256_HASH, Flavor, HeadersToSign, UNSIGNED_HEADERS, UNSIGNED_PAYLOAD,
    canonical_path, canonical_query_string, canonical_request, credential_scope, fold_header_value,
    is_secret_header, is_valid_header_name, string_to_sign,
};
pub use error::{ErrorKind, SigningError};
pub use key::{Credentials, SigningKey, sha256_hex};
pub use time::SigningTime;
pub use uri::{UriParts, normalize_path, parse_query_first_values, percent_encode_pairs, quote};

/// What to hash as the payload. `Debug` shows a body's length, not its bytes
/// (an STS body carries a web identity token or an MFA code).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The body bytes; their SHA-256 is signed.
    Bytes(&'a [u8]),
    /// A payload hash computed elsewhere (lowercase hex SHA-256), or a literal such as
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`; used verbatim.
    Precomputed(&'a str),
    /// Payload signing disabled (botocore's `payload_signing_enabled = False`): the hash
    /// is `UNSIGNED-PAYLOAD`, and header signing sends `X-Amz-Content-SHA256` with it.
    Unsigned,
}

/// The request to sign. `Debug` redacts secret header values
/// ([`is_secret_header`]) and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// HTTP method; upper-cased in the canonical request.
    pub method: &'a str,
    /// Absolute URI (`https://host/path?query`) or origin-form target (`/path?query`,
    /// not starting with `//`). The query must already be percent-encoded.
    pub uri: &'a str,
    /// Header fields in order; a name may repeat.
    pub headers: Vec<(&'a str, &'a str)>,
    /// The payload.
    pub payload: Payload<'a>,
}

impl fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Bytes(b) => write!(f, "Bytes(<{} bytes>)", b.len()),
            Payload::Precomputed(h) => f.debug_tuple("Precomputed").field(h).finish(),
            Payload::Unsigned => f.write_str("Unsigned"),
        }
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (*k, canonical::debug_value(k, v)))
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &headers)
            .field("payload", &self.payload)
            .finish()
    }
}

impl<'a> Request<'a> {
    /// A request with no headers and an empty body.
    pub fn new(method: &'a str, uri: &'a str) -> Self {
        Self {
            method,
            uri,
            headers: Vec::new(),
            payload: Payload::Bytes(b""),
        }
    }

    /// Appends a header field.
    #[must_use]
    pub fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sets the payload.
    #[must_use]
    pub fn payload(mut self, payload: Payload<'a>) -> Self {
        self.payload = payload;
        self
    }
}

/// Who signs, where, and when.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The credentials.
    pub credentials: &'a Credentials,
    /// Region, as in the credential scope (`us-east-1`).
    pub region: &'a str,
    /// Signing name of the service (`sts`, `s3`).
    pub service: &'a str,
    /// The signing time.
    pub time: SigningTime,
    /// botocore's standard or S3 rules.
    pub flavor: Flavor,
}

/// The intermediate values, for diagnosing signature mismatches and for tests.
///
/// The canonical request may hold the session token (header `x-amz-security-token` or
/// presigned query parameter), so `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSteps {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The hex signature.
    pub signature: String,
}

impl fmt::Debug for SigningSteps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningSteps")
            .field("canonical_request", &"** omitted **")
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish()
    }
}

/// The result of [`sign_headers`]: headers to set and to remove.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    set: Vec<(&'static str, String)>,
    remove: Vec<&'static str>,
    steps: SigningSteps,
}

impl SignedHeaders {
    /// Headers to set, in botocore's order. Each replaces every existing header of the
    /// same name (case-insensitive).
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.set
    }

    /// Header names to remove (only `X-Amz-Date`, when a `Date` header carried the time).
    pub fn removed(&self) -> &[&'static str] {
        &self.remove
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.set
            .iter()
            .find(|(n, _)| *n == "Authorization")
            .map_or("", |(_, v)| v.as_str())
    }

    /// The intermediate values.
    pub fn steps(&self) -> &SigningSteps {
        &self.steps
    }

    /// Applies the result to a header list: removals, then each header replacing any of
    /// its name and appended at the end (as botocore's `del` + set does).
    pub fn apply_to(&self, headers: &mut Vec<(String, String)>) {
        for name in &self.remove {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        }
        for (name, value) in &self.set {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push(((*name).to_owned(), value.clone()));
        }
    }
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<(&str, &str)> = self
            .set
            .iter()
            .map(|(n, v)| {
                if *n == "X-Amz-Security-Token" {
                    (*n, "** redacted **")
                } else {
                    (*n, v.as_str())
                }
            })
            .collect();
        f.debug_struct("SignedHeaders")
            .field("set", &shown)
            .field("remove", &self.remove)
            .field("steps", &self.steps)
            .finish()
    }
}

/// The result of [`presign`]: the new query string.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedQuery {
    query: String,
    steps: SigningSteps,
}

impl PresignedQuery {
    /// The complete query string to send (without `?`), ending in `X-Amz-Signature`.
    /// It replaces the request URI's query. It holds the session token, if any.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The intermediate values. The canonical request holds the session token, if any.
    pub fn steps(&self) -> &SigningSteps {
        &self.steps
    }
}

impl fmt::Debug for PresignedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query and canonical request may carry the session token.
        f.debug_struct("PresignedQuery")
            .field("signature", &self.steps.signature)
            .finish_non_exhaustive()
    }
}

fn has_header(headers: &[(&str, &str)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

fn first_header<'h>(headers: &[(&'h str, &'h str)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// botocore's `del request.headers[name]`: removes every header of that name.
fn delete(headers: &mut Vec<(&str, &str)>, name: &str) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
}

/// `del request.headers[name]; request.headers[name] = value`, recorded in `set`.
fn put(
    headers: &mut Vec<(&str, &str)>,
    set: &mut Vec<(&'static str, String)>,
    name: &'static str,
    value: String,
) {
    delete(headers, name);
    set.retain(|(n, _)| *n != name);
    set.push((name, value));
}

fn payload_hash(payload: Payload<'_>) -> String {
    match payload {
        Payload::Bytes(b) => sha256_hex(b),
        Payload::Precomputed(h) => h.to_owned(),
        Payload::Unsigned => UNSIGNED_PAYLOAD.to_owned(),
    }
}

/// Canonical request, string to sign and signature for a prepared header list.
fn sign_prepared(
    method: &str,
    parts: &UriParts,
    query: &str,
    headers: &[(&str, &str)],
    default_payload_hash: impl FnOnce() -> String,
    params: &SigningParams<'_>,
) -> Result<(SigningSteps, String), SigningError> {
    let to_sign = HeadersToSign::new(headers.iter().copied(), || parts.host_header())?;
    let payload = first_header(headers, "x-amz-content-sha256")
        .map_or_else(default_payload_hash, str::to_owned);
    let cr = canonical_request(
        method,
        &canonical_path(&parts.path, params.flavor),
        &canonical_query_string(query),
        &to_sign,
        &payload,
    );
    let date = params.time.date_stamp();
    let scope = credential_scope(&date, params.region, params.service);
    let sts = string_to_sign(&params.time.amz_date(), &scope, &cr);
    let signature = params
        .credentials
        .signing_key(&date, params.region, params.service)
        .sign(&sts);
    Ok((
        SigningSteps {
            canonical_request: cr,
            string_to_sign: sts,
            signature,
        },
        to_sign.signed_headers(),
    ))
}

/// Signs `request` for the `Authorization` header, as botocore's `SigV4Auth.add_auth`
/// ([`Flavor::Standard`]) or `S3SigV4Auth.add_auth` ([`Flavor::S3`]).
pub fn sign_headers(
    request: &Request<'_>,
    params: &SigningParams<'_>,
) -> Result<SignedHeaders, SigningError> {
    let parts = UriParts::parse(request.uri)?;
    let mut headers: Vec<(&str, &str)> = request.headers.clone();
    for (name, _) in &headers {
        if !is_valid_header_name(name) {
            return Err(SigningError::new(
                ErrorKind::InvalidHeaderName,
                format!("{name:?}"),
            ));
        }
    }
    let mut set: Vec<(&'static str, String)> = Vec::new();
    let mut remove = Vec::new();
    delete(&mut headers, "Authorization");
    if has_header(&headers, "date") {
        put(&mut headers, &mut set, "Date", params.time.http_date());
        delete(&mut headers, "X-Amz-Date");
        remove.push("X-Amz-Date");
    } else {
        put(&mut headers, &mut set, "X-Amz-Date", params.time.amz_date());
    }
    if let Some(token) = params.credentials.session_token().filter(|t| !t.is_empty()) {
        put(
            &mut headers,
            &mut set,
            "X-Amz-Security-Token",
            token.to_owned(),
        );
    }
    if request.payload == Payload::Unsigned {
        put(
            &mut headers,
            &mut set,
            "X-Amz-Content-SHA256",
            UNSIGNED_PAYLOAD.to_owned(),
        );
    }
    if params.flavor == Flavor::S3 {
        // S3SigV4Auth always sends (and signs) the payload hash.
        put(
            &mut headers,
            &mut set,
            "X-Amz-Content-SHA256",
            payload_hash(request.payload),
        );
    }
    // The added headers take part in signing, after the request's own.
    let mut signed: Vec<(&str, &str)> = headers;
    signed.extend(set.iter().map(|(n, v)| (*n, v.as_str())));
    let (steps, signed_headers) = sign_prepared(
        request.method,
        &parts,
        &parts.query,
        &signed,
        || payload_hash(request.payload),
        params,
    )?;
    let authorization = format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers}, Signature={}",
        params.credentials.access_key_id(),
        credential_scope(&params.time.date_stamp(), params.region, params.service),
        steps.signature
    );
    set.push(("Authorization", authorization));
    Ok(SignedHeaders { set, remove, steps })
}

/// Signs `request` as a presigned URL valid for `expires_in` seconds, as botocore's
/// `SigV4QueryAuth` ([`Flavor::Standard`]) or `S3SigV4QueryAuth` ([`Flavor::S3`]).
///
/// The body must be empty (or given as [`Payload::Precomputed`] / [`Payload::Unsigned`]).
/// The request's headers are signed as they are (nothing is added), except that a
/// `Content-Type: application/x-www-form-urlencoded; charset=utf-8` is dropped as
/// botocore does; the caller must send the same headers.
pub fn presign(
    request: &Request<'_>,
    params: &SigningParams<'_>,
    expires_in: u64,
) -> Result<PresignedQuery, SigningError> {
    if matches!(request.payload, Payload::Bytes(b) if !b.is_empty()) {
        return Err(SigningError::new(
            ErrorKind::BodyNotPresignable,
            "move the body's parameters into the query string",
        ));
    }
    let parts = UriParts::parse(request.uri)?;
    let mut headers: Vec<(&str, &str)> = request.headers.clone();
    if first_header(&headers, "content-type")
        == Some("application/x-www-form-urlencoded; charset=utf-8")
    {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    }
    let signed_headers =
        HeadersToSign::new(headers.iter().copied(), || parts.host_header())?.signed_headers();
    let date = params.time.date_stamp();
    let mut auth: Vec<(&str, String)> = vec![
        ("X-Amz-Algorithm", ALGORITHM.to_owned()),
        (
            "X-Amz-Credential",
            format!(
                "{}/{}",
                params.credentials.access_key_id(),
                credential_scope(&date, params.region, params.service)
            ),
        ),
        ("X-Amz-Date", params.time.amz_date()),
        ("X-Amz-Expires", expires_in.to_string()),
        ("X-Amz-SignedHeaders", signed_headers),
    ];
    if let Some(token) = params.credentials.session_token() {
        auth.push(("X-Amz-Security-Token", token.to_owned()));
    }
    let existing = parse_query_first_values(&parts.query);
    let mut query = String::new();
    if !existing.is_empty() {
        query.push_str(&percent_encode_pairs(&existing));
        query.push('&');
    }
    query.push_str(&percent_encode_pairs(&auth));
    // botocore rebuilds the URL with the new query and signs what `urlsplit` makes of it.
    let rebuilt = UriParts::parse(
        &UriParts {
            query: query.clone(),
            ..parts
        }
        .unsplit(),
    )?;
    let default_payload = || match (params.flavor, request.payload) {
        (Flavor::S3, _) => UNSIGNED_PAYLOAD.to_owned(),
        // botocore honours disabled payload signing only over https (a literal prefix
        // test on the rebuilt URL), and otherwise hashes the (empty) body.
        (Flavor::Standard, Payload::Unsigned) if !rebuilt.unsplit().starts_with("https") => {
            EMPTY_SHA256_HASH.to_owned()
        }
        (Flavor::Standard, payload) => payload_hash(payload),
    };
    let (steps, _) = sign_prepared(
        request.method,
        &rebuilt,
        &rebuilt.query,
        &headers,
        default_payload,
        params,
    )?;
    query.push_str("&X-Amz-Signature=");
    query.push_str(&steps.signature);
    Ok(PresignedQuery { query, steps })
}

#[cfg(test)]
mod tests;
