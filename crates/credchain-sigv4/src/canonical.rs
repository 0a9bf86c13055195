//! The pieces of the canonical request and the string to sign, one function each,
//! each following the botocore method of the same purpose (`SigV4Auth.*`).

use crate::error::{ErrorKind, SigningError};
use crate::key::sha256_hex;
use crate::uri::{normalize_path, quote};

/// The algorithm name at the start of the string to sign and the `Authorization` value.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash used when the payload is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Lowercase-hex SHA-256 of the empty payload.
pub const EMPTY_SHA256_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// botocore's `SIGNED_HEADERS_BLACKLIST` (botocore 1.43.11, `botocore/auth.py`): headers
/// that proxies and HTTP clients add or rewrite, so they are never signed.
pub const UNSIGNED_HEADERS: [&str; 11] = [
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Which botocore signer's path rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Flavor {
    /// `SigV4Auth` / `SigV4QueryAuth`: the path is dot-segment normalized, empty
    /// segments are collapsed, and it is percent-encoded again (`%2F` → `%252F`).
    #[default]
    Standard,
    /// `S3SigV4Auth` / `S3SigV4QueryAuth`: the path is used exactly as in the URI,
    /// `X-Amz-Content-SHA256` is always sent (header mode), and presigned URLs use
    /// `UNSIGNED-PAYLOAD`.
    S3,
}

/// The canonical URI line for `path` (the raw path of the request URI).
pub fn canonical_path(path: &str, flavor: Flavor) -> String {
    match flavor {
        Flavor::Standard => quote(&normalize_path(path), b"/~"),
        Flavor::S3 => path.to_owned(),
    }
}

/// botocore's `_canonical_query_string_url`: the query string is taken as already
/// encoded (botocore's serializers encode it), split on `&`, each field split on its first
/// `=`, and the `(name, value)` pairs sorted (name first, then value, byte order).
/// Nothing is re-encoded or decoded.
pub fn canonical_query_string(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|field| field.split_once('=').unwrap_or((field, "")))
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 1);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Python's `str.isspace()`, which `str.split()` splits on; wider than Rust's
/// `char::is_whitespace` (it also has U+001C..U+001F).
fn is_python_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\r'
            | '\u{1C}'..='\u{1F}'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// `' '.join(value.split())`: trims and folds every run of (Python) whitespace,
/// including line breaks of folded header lines, to one space.
pub fn fold_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(is_python_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `name` is an HTTP field name (RFC 9110 `token`).
pub fn is_valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// The headers that are signed, grouped by lowercase name.
///
/// Built like botocore's `headers_to_sign`: every header not in [`UNSIGNED_HEADERS`],
/// names lowercased, values kept in request order; `host` is added from the URI when
/// the request has no `Host` header.
///
/// `Debug` shows the names and the values of headers that are not secrets;
/// see [`is_secret_header`].
#[derive(Clone, PartialEq, Eq)]
pub struct HeadersToSign {
    /// Sorted by name; each name once with its values in request order.
    entries: Vec<(String, Vec<String>)>,
}

/// Headers whose values are credentials (the session token, a signature,
/// an IMDS or container token): never printed by `Debug`.
pub fn is_secret_header(name: &str) -> bool {
    [
        "authorization",
        "x-amz-security-token",
        "x-aws-ec2-metadata-token",
        // The SSO portal's bearer token (GetRoleCredentials, Logout).
        "x-amz-sso_bearer_token",
    ]
    .iter()
    .any(|s| name.eq_ignore_ascii_case(s))
}

/// A header value for `Debug`: `<redacted>` for [`is_secret_header`] names.
pub(crate) fn debug_value<'v>(name: &str, value: &'v str) -> &'v str {
    if is_secret_header(name) {
        "<redacted>"
    } else {
        value
    }
}

/// The values include the session token: wiped when dropped, like the
/// secret key in [`crate::Credentials`].
impl Drop for HeadersToSign {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for (_, values) in &mut self.entries {
            for v in values {
                v.zeroize();
            }
        }
    }
}

impl std::fmt::Debug for HeadersToSign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(name, values)| {
                let shown: Vec<&str> = values.iter().map(|v| debug_value(name, v)).collect();
                (name, shown)
            }))
            .finish()
    }
}

impl HeadersToSign {
    /// Selects the headers to sign. `host` is used when there is no `Host` header
    /// (pass `UriParts::host_header`'s result; `None` then is an error).
    pub fn new<'h>(
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        host: impl FnOnce() -> Result<Option<String>, SigningError>,
    ) -> Result<Self, SigningError> {
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in headers {
            if !is_valid_header_name(name) {
                return Err(SigningError::new(
                    ErrorKind::InvalidHeaderName,
                    format!("{name:?}"),
                ));
            }
            let lname = name.to_ascii_lowercase();
            if UNSIGNED_HEADERS.contains(&lname.as_str()) {
                continue;
            }
            match entries.iter_mut().find(|(n, _)| *n == lname) {
                Some((_, values)) => values.push(value.to_owned()),
                None => entries.push((lname, vec![value.to_owned()])),
            }
        }
        if !entries.iter().any(|(n, _)| n == "host") {
            let host = host()?.ok_or_else(|| SigningError::new(ErrorKind::MissingHost, ""))?;
            entries.push(("host".to_owned(), vec![host]));
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(Self { entries })
    }

    /// The canonical headers block: `name:folded,values` lines joined by `\n`
    /// (without the trailing blank line of the canonical request).
    pub fn canonical_headers(&self) -> String {
        let mut out = String::new();
        for (i, (name, values)) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(name);
            out.push(':');
            for (j, v) in values.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(&fold_header_value(v));
            }
        }
        out
    }

    /// The signed-headers list: sorted lowercase names joined by `;`.
    pub fn signed_headers(&self) -> String {
        let names: Vec<&str> = self.entries.iter().map(|(n, _)| n.as_str()).collect();
        names.join(";")
    }
}

/// The canonical request: method (upper-cased), canonical path, canonical query,
/// canonical headers, blank line, signed headers, payload hash, joined by `\n`.
pub fn canonical_request(
    method: &str,
    canonical_path: &str,
    canonical_query: &str,
    headers: &HeadersToSign,
    payload_hash: &str,
) -> String {
    format!(
        "{}\n{canonical_path}\n{canonical_query}\n{}\n\n{}\n{payload_hash}",
        method.to_uppercase(),
        headers.canonical_headers(),
        headers.signed_headers()
    )
}

/// `<date>/<region>/<service>/aws4_request`.
pub fn credential_scope(date_stamp: &str, region: &str, service: &str) -> String {
    format!("{date_stamp}/{region}/{service}/aws4_request")
}

/// The string to sign: algorithm, `X-Amz-Date` timestamp, credential scope and the
/// hex SHA-256 of the canonical request, joined by `\n`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // The shape `HeadersToSign::new` takes.
    fn no_host() -> Result<Option<String>, SigningError> {
        Ok(None)
    }

    #[test]
    fn debug_redacts_the_session_token_and_signature() {
        let h = HeadersToSign::new(
            [
                ("X-Amz-Security-Token", "SENTINEL-token"),
                ("Authorization", "SENTINEL-auth"),
                ("Content-Type", "text/plain"),
            ],
            || Ok(Some("sts.amazonaws.com".to_owned())),
        )
        .unwrap();
        let d = format!("{h:?}");
        assert!(!d.contains("SENTINEL"), "{d}");
        assert!(
            d.contains("x-amz-security-token") && d.contains("text/plain"),
            "{d}"
        );
    }

    #[test]
    fn path_per_flavor() {
        assert_eq!(
            canonical_path("/a b/./c//%2F/../", Flavor::Standard),
            "/a%20b/c/"
        );
        assert_eq!(
            canonical_path("/a:b@c%3A", Flavor::Standard),
            "/a%3Ab%40c%253A"
        );
        assert_eq!(canonical_path("", Flavor::Standard), "/");
        assert_eq!(canonical_path("/a b/./c", Flavor::S3), "/a b/./c");
        assert_eq!(canonical_path("", Flavor::S3), "");
    }

    #[test]
    fn query_sorted_verbatim() {
        assert_eq!(canonical_query_string(""), "");
        assert_eq!(canonical_query_string("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
        // Pairs sort by name first: `a` < `a-` even though `a=` > `a-=` as strings.
        assert_eq!(canonical_query_string("a-=1&a=2"), "a=2&a-=1");
        assert_eq!(canonical_query_string("&"), "=&=");
        assert_eq!(canonical_query_string("x=%7e&y=ሴ"), "x=%7e&y=ሴ");
    }

    #[test]
    fn folding_like_python_split() {
        assert_eq!(fold_header_value("  a   b\t\r\n c "), "a b c");
        assert_eq!(fold_header_value("a\u{1c}b\u{a0}c\u{3000}"), "a b c");
        assert_eq!(fold_header_value("   "), "");
        assert_eq!(fold_header_value("\"a   b\""), "\"a b\"");
    }

    #[test]
    fn header_names() {
        assert!(is_valid_header_name("X-Amz-Meta_1!"));
        assert!(!is_valid_header_name(""));
        assert!(!is_valid_header_name("a b"));
        assert!(!is_valid_header_name("a:b"));
        assert!(!is_valid_header_name("é"));
    }

    #[test]
    fn headers_to_sign_groups_and_skips() {
        let h = HeadersToSign::new(
            [
                ("My-Header", " a  b "),
                ("User-Agent", "x"),
                ("host", "h"),
                ("my-header", "c"),
                ("Expect", "100-continue"),
                ("A", ""),
            ],
            no_host,
        )
        .unwrap();
        assert_eq!(h.canonical_headers(), "a:\nhost:h\nmy-header:a b,c");
        assert_eq!(h.signed_headers(), "a;host;my-header");
    }

    #[test]
    fn host_from_uri_or_error() {
        let h = HeadersToSign::new([("x", "1")], || Ok(Some("example.com".into()))).unwrap();
        assert_eq!(h.signed_headers(), "host;x");
        let e = HeadersToSign::new([("x", "1")], no_host).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingHost);
        let e = HeadersToSign::new([("bad name", "1")], no_host).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidHeaderName);
    }

    #[test]
    fn request_and_string_to_sign() {
        let h = HeadersToSign::new(
            [
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
            ],
            no_host,
        )
        .unwrap();
        let cr = canonical_request("get", "/", "", &h, EMPTY_SHA256_HASH);
        assert_eq!(
            cr,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let scope = credential_scope("20150830", "us-east-1", "service");
        assert_eq!(scope, "20150830/us-east-1/service/aws4_request");
        assert_eq!(
            string_to_sign("20150830T123600Z", &scope, &cr),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
    }
}
