//! The HTTP/1.1 subset the credential endpoints need, sans IO: a request
//! head parsed from bytes, a response serialised to bytes. No bodies are
//! read (the token `PUT` has none; a declared body is refused), no chunked
//! encoding, no continuation lines: every client of these endpoints
//! (botocore, the SDKs, `curl`, load generators) sends plain heads.

/// The most bytes a request head may take (request line + headers + the
/// blank line). botocore's requests are under 1 KiB.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The most header lines a request may carry.
const MAX_HEADERS: usize = 64;

/// A parsed request head. Header names are kept as sent; look them up
/// with [`Request::header`] (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// `GET`, `PUT`, ...
    pub(crate) method: String,
    /// The request target without its query string (`/latest/api/token`).
    pub(crate) path: String,
    /// Whether the connection stays open after the answer (HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `keep-alive`).
    pub(crate) keep_alive: bool,
    headers: Vec<(String, String)>,
}

impl Request {
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
    /// Over [`MAX_HEAD_BYTES`] or [`MAX_HEADERS`] (431).
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

/// Parses one head from the start of `buf`: `Ok(None)` when more bytes
/// are needed, else the request and how many bytes it took (what follows
/// is the next pipelined request).
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(Request, usize)>, ParseError> {
    let Some(end) = find_head_end(buf) else {
        return if buf.len() >= MAX_HEAD_BYTES {
            Err(ParseError::TooLarge)
        } else {
            Ok(None)
        };
    };
    if end > MAX_HEAD_BYTES {
        return Err(ParseError::TooLarge);
    }
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| ParseError::Malformed)?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or(ParseError::Malformed)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::Malformed);
    };
    if method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || !target.starts_with('/')
    {
        return Err(ParseError::Malformed);
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(ParseError::Malformed),
    };
    let mut headers = Vec::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        if headers.len() == MAX_HEADERS {
            return Err(ParseError::TooLarge);
        }
        let (name, value) = line.split_once(':').ok_or(ParseError::Malformed)?;
        // A name with spaces (or an obsolete folded line, which starts with
        // one) is a request smuggling vector: refused, as RFC 9112 says.
        if name.is_empty() || name.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            return Err(ParseError::Malformed);
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    let req = Request {
        method: method.to_owned(),
        path: target.split('?').next().unwrap_or(target).to_owned(),
        keep_alive: false,
        headers,
    };
    if req.header("transfer-encoding").is_some()
        || req
            .header("content-length")
            .is_some_and(|n| n.parse::<u64>() != Ok(0))
    {
        return Err(ParseError::Body);
    }
    let connection = req.header("connection").unwrap_or("");
    let keep_alive = if http11 {
        !connection.eq_ignore_ascii_case("close")
    } else {
        connection.eq_ignore_ascii_case("keep-alive")
    };
    Ok(Some((Request { keep_alive, ..req }, end)))
}

/// The index just past the first `\r\n\r\n`.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// An answer: status, content type, extra headers and body.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

// A response body can hold credentials: never printed.
impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

// A credentials document is wiped once answered.
impl Drop for Response {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.body);
    }
}

impl Response {
    /// `status` with a plain-text body.
    pub(crate) fn text(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type: "text/plain",
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// `status` with a JSON body.
    pub(crate) fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    /// `status` with an empty body (`401`: no detail).
    pub(crate) fn empty(status: u16) -> Response {
        Response::text(status, Vec::new())
    }

    /// The bytes on the wire.
    pub(crate) fn to_bytes(&self, keep_alive: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(160 + self.body.len());
        out.extend_from_slice(
            format!(
                "HTTP/1.1 {} {}\r\nServer: credchain\r\nContent-Type: {}\r\n\
                 Content-Length: {}\r\nConnection: {}\r\n",
                self.status,
                reason(self.status),
                self.content_type,
                self.body.len(),
                if keep_alive { "keep-alive" } else { "close" }
            )
            .as_bytes(),
        );
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// The reason phrase of the statuses the server sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<(Request, usize)>, ParseError> {
        parse_head(s.as_bytes())
    }

    #[test]
    fn a_get_with_headers_and_a_pipelined_rest() {
        let raw = "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization:  tok \r\n\r\nGET /";
        let (req, used) = parse(raw).unwrap().unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.header("authorization"), Some("tok"));
        assert!(req.keep_alive);
        assert_eq!(&raw[used..], "GET /");
    }

    #[test]
    fn incomplete_heads_ask_for_more_until_the_cap() {
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: h\r\n"), Ok(None));
        let big = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(parse(&big), Err(ParseError::TooLarge));
        let many = (0..=MAX_HEADERS).fold(String::new(), |s, i| s + &format!("H{i}: v\r\n"));
        assert_eq!(
            parse(&format!("GET / HTTP/1.1\r\n{many}\r\n")),
            Err(ParseError::TooLarge)
        );
    }

    #[test]
    fn malformed_heads_and_bodies_are_refused() {
        for bad in [
            "GET /\r\n\r\n",
            "GET / HTTP/2\r\n\r\n",
            "get / HTTP/1.1\r\n\r\n",
            "GET x HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: b\r\n\r\n",
        ] {
            assert_eq!(parse(bad), Err(ParseError::Malformed), "{bad:?}");
        }
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
    }

    #[test]
    fn keep_alive_follows_the_version_and_connection_header() {
        let ka = |s: &str| parse(s).unwrap().unwrap().0.keep_alive;
        assert!(!ka("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!ka("GET / HTTP/1.0\r\n\r\n"));
        assert!(ka("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn responses_carry_length_and_connection() {
        let r = Response::text(401, "").to_bytes(false);
        assert_eq!(
            String::from_utf8(r).unwrap(),
            "HTTP/1.1 401 Unauthorized\r\nServer: credchain\r\nContent-Type: text/plain\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
}
