//! The request head of credchain's two loopback servers (`credchain serve`
//! and the `sso login` redirect listener), parsed by `httparse`. Sans IO:
//! bytes in, a [`Request`] and the bytes it took out.
//!
//! What `httparse` checks: the request line (a token method, one space, a
//! target, one space, `HTTP/1.0` or `HTTP/1.1`), header names that are
//! tokens (so no space before the colon and no obsolete folded line: both
//! request-smuggling vectors RFC 9112 says to refuse) and at most
//! [`MAX_HEADERS`] headers. What this module adds: a bound on the head's
//! size, an upper-case method and an origin-form target (`/…`), UTF-8
//! header values, and no body (a `Content-Length` other than 0, in any of
//! them, or any `Transfer-Encoding`: neither server reads one; a length
//! that is not digits is malformed). `proptests.rs` feeds it arbitrary
//! bytes and mutated heads; `fuzz/fuzz_targets/server_head.rs` does the
//! same for longer runs.

/// The most header lines a request may carry.
pub(crate) const MAX_HEADERS: usize = 64;

/// A parsed request head. Header names are kept as sent; look them up
/// with [`Request::header`] (case-insensitive).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// `GET`, `PUT`, ...
    pub(crate) method: String,
    /// The request target as sent, query string included
    /// (`/oauth/callback?code=…`): it can hold a secret, so it is never
    /// logged; [`Request::path`] is the part without the query.
    target: String,
    /// Whether the connection stays open after the answer (HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `keep-alive`).
    pub(crate) keep_alive: bool,
    headers: Vec<(String, String)>,
}

// Headers (`Authorization`, IMDS tokens) and query strings (authorization
// codes) can hold secrets: only the method, path and header names print.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path())
            .field("keep_alive", &self.keep_alive)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Request {
    /// The request target without its query string (`/latest/api/token`).
    pub(crate) fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The target's length in bytes (query included).
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn target_len(&self) -> usize {
        self.target.len()
    }

    /// How many header lines were kept.
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn header_count(&self) -> usize {
        self.headers.len()
    }

    /// The bytes of all header names and values kept.
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn header_bytes(&self) -> usize {
        self.headers.iter().map(|(n, v)| n.len() + v.len()).sum()
    }

    /// The query string (after the first `?`), `""` when there is none.
    pub(crate) fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The first header called `name` (ASCII case-insensitive), its value
    /// trimmed of surrounding spaces and tabs.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a head could not be used; each maps to a status and closes the
/// connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Not HTTP/1.x, a malformed line, a bad header (400).
    Malformed,
    /// Over the size bound or [`MAX_HEADERS`] (431).
    TooLarge,
    /// A request body (`Content-Length` > 0 or `Transfer-Encoding`): none
    /// of the endpoints takes one (413).
    Body,
}

impl ParseError {
    /// The status code answered.
    pub(crate) fn status(self) -> u16 {
        match self {
            ParseError::Malformed => 400,
            ParseError::TooLarge => 431,
            ParseError::Body => 413,
        }
    }
}

/// Parses one head from the start of `buf`, which may take at most
/// `max_head_bytes` (request line + headers + the blank line): `Ok(None)`
/// when more bytes are needed, else the request and how many bytes it took
/// (what follows is the next pipelined request).
pub(crate) fn parse_head(
    buf: &[u8],
    max_head_bytes: usize,
) -> Result<Option<(Request, usize)>, ParseError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    let end = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(end)) if end <= max_head_bytes => end,
        Ok(httparse::Status::Partial) if buf.len() < max_head_bytes => return Ok(None),
        Ok(_) | Err(httparse::Error::TooManyHeaders) => return Err(ParseError::TooLarge),
        Err(_) => return Err(ParseError::Malformed),
    };
    // A complete parse always has all three; `version` is 0 or 1.
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(ParseError::Malformed);
    };
    if !method.bytes().all(|b| b.is_ascii_uppercase()) || !target.starts_with('/') {
        return Err(ParseError::Malformed);
    }
    let headers = parsed
        .headers
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value).map_err(|_| ParseError::Malformed)?;
            Ok((
                h.name.to_owned(),
                value.trim_matches([' ', '\t']).to_owned(),
            ))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let req = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        keep_alive: false,
        headers,
    };
    if req.header("transfer-encoding").is_some() {
        return Err(ParseError::Body);
    }
    // Every `Content-Length`, not the first: `0` then `5` would otherwise
    // pass as no body and the 5 bytes be read as the next request (RFC 9112
    // §6.3: differing or invalid lengths are an error). Digits only, so
    // `+0` is no length either.
    for (name, value) in &req.headers {
        if name.eq_ignore_ascii_case("content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParseError::Malformed);
            }
            if value.bytes().any(|b| b != b'0') {
                return Err(ParseError::Body);
            }
        }
    }
    let connection = req.header("connection").unwrap_or("");
    let keep_alive = if version == 1 {
        !connection.eq_ignore_ascii_case("close")
    } else {
        connection.eq_ignore_ascii_case("keep-alive")
    };
    Ok(Some((Request { keep_alive, ..req }, end)))
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 8 * 1024;

    fn parse(s: &str) -> Result<Option<(Request, usize)>, ParseError> {
        parse_head(s.as_bytes(), MAX)
    }

    #[test]
    fn a_get_with_headers_and_a_pipelined_rest() {
        let raw = "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization:  tok \r\n\r\nGET /";
        let (req, used) = parse(raw).unwrap().unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path(), "/a/b");
        assert_eq!(req.query(), "x=1");
        assert_eq!(req.header("authorization"), Some("tok"));
        assert!(req.keep_alive);
        assert_eq!(&raw[used..], "GET /");
        let (req, _) = parse("GET /p HTTP/1.1\r\n\r\n").unwrap().unwrap();
        assert_eq!((req.path(), req.query()), ("/p", ""));
    }

    #[test]
    fn debug_shows_no_header_value_or_query() {
        let raw = "GET /cb?code=SECRETCODE HTTP/1.1\r\nAuthorization: SECRETTOKEN\r\n\r\n";
        let shown = format!("{:?}", parse(raw).unwrap().unwrap().0);
        assert!(
            shown.contains("/cb") && shown.contains("Authorization"),
            "{shown}"
        );
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn incomplete_heads_ask_for_more_until_the_cap() {
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: h\r\n"), Ok(None));
        assert_eq!(parse(""), Ok(None));
        let big = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX));
        assert_eq!(parse(&big), Err(ParseError::TooLarge));
        let big_complete = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX));
        assert_eq!(parse(&big_complete), Err(ParseError::TooLarge));
        // The bound is the caller's: the same head fits a larger one.
        assert!(
            parse_head(big_complete.as_bytes(), 2 * MAX)
                .unwrap()
                .is_some()
        );
        let many = (0..=MAX_HEADERS).fold(String::new(), |s, i| s + &format!("H{i}: v\r\n"));
        assert_eq!(
            parse(&format!("GET / HTTP/1.1\r\n{many}\r\n")),
            Err(ParseError::TooLarge)
        );
        let enough = (0..MAX_HEADERS).fold(String::new(), |s, i| s + &format!("H{i}: v\r\n"));
        assert!(
            parse(&format!("GET / HTTP/1.1\r\n{enough}\r\n"))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn malformed_heads_and_bodies_are_refused() {
        for bad in [
            "GET /\r\n\r\n",
            "GET / HTTP/2\r\n\r\n",
            "GET / HTTP/1.2\r\n\r\n",
            "get / HTTP/1.1\r\n\r\n",
            "GET x HTTP/1.1\r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: b\r\n\r\n",
            "GET / HTTP/1.1\r\nName : b\r\n\r\n",
            "GET / HTTP/1.1\r\n: b\r\n\r\n",
        ] {
            assert_eq!(parse(bad), Err(ParseError::Malformed), "{bad:?}");
        }
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nX: \xff\r\n\r\n", MAX),
            Err(ParseError::Malformed)
        );
        assert_eq!(
            parse("PUT / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            Err(ParseError::Body)
        );
        assert_eq!(
            parse("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(ParseError::Body)
        );
        assert!(
            parse("PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                .unwrap()
                .is_some()
        );
        // Found by `proptests::a_body_is_never_accepted`: only the first
        // length was checked, so a second one smuggled a body through.
        assert_eq!(
            parse("PUT / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello"),
            Err(ParseError::Body)
        );
        for bad in ["+0", "-0", "0x0", "", "1 0"] {
            assert_eq!(
                parse(&format!("PUT / HTTP/1.1\r\nContent-Length: {bad}\r\n\r\n")),
                Err(ParseError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse("PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Err(ParseError::Body)
        );
    }

    #[test]
    fn keep_alive_follows_the_version_and_connection_header() {
        let ka = |s: &str| parse(s).unwrap().unwrap().0.keep_alive;
        assert!(ka("GET / HTTP/1.1\r\n\r\n"));
        assert!(!ka("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!ka("GET / HTTP/1.0\r\n\r\n"));
        assert!(ka("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    }
}
