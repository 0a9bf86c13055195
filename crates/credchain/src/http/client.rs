//! [`StdHttpClient`]: HTTP/1.1 over `std::net::TcpStream`, plain `http`
//! only, one connection per request (`Connection: close`).
//!
//! Why not ureq, which already carries `https` (issue 8 §3)? Measured
//! 2026-11-29 by routing plain `http` through [`super::UreqClient`] and
//! running the IMDS, container and STS fault suites: 4 of 44 failed, one
//! of them for a reason ureq cannot fix from outside:
//!
//! * **Proxies.** ureq 3.5 sends *every* proxied request through a
//!   `CONNECT` tunnel (`ureq-proto` writes only origin-form request
//!   targets). botocore (urllib3) sends plain `http` to an HTTP proxy in
//!   absolute form (`GET http://169.254.169.254/latest/... HTTP/1.1`), and
//!   many proxies refuse `CONNECT` to port 80 (squid's default
//!   `deny CONNECT !SSL_ports`): IMDS through `HTTP_PROXY` would break
//!   (`imds::proxy_is_used_for_imds_requests`,
//!   `transport::plain_http_goes_through_the_proxy_in_absolute_form`).
//! * A role name holding a space: `http::Uri` rejects the raw path, where
//!   botocore sends `%20` (fixable by pre-encoding).
//! * The total deadline is reported as ureq's `timeout: global` instead of
//!   naming the deadline (wording only).
//!
//! Speed was no reason either way: 500 sequential loopback GETs of a
//! 1,000-byte body took 0.80 ms each here and 2.66 ms each through ureq
//! with a new agent per request (as [`super::UreqClient`] builds one), on
//! the 2-core CI machine. This client stays until ureq can send
//! absolute-form requests to a proxy.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::{
    HttpClient, Request, Response, Timeouts, TransportError, TransportErrorKind, UrlParts,
};

/// Largest response head (status line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A minimal blocking HTTP/1.1 client for plain-`http` endpoints.
#[derive(Clone, Debug)]
pub struct StdHttpClient {
    max_body: usize,
    user_agent: String,
}

impl Default for StdHttpClient {
    fn default() -> StdHttpClient {
        StdHttpClient {
            max_body: 1024 * 1024,
            user_agent: format!("credchain/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl StdHttpClient {
    /// A client that refuses bodies larger than `max_body` bytes.
    #[must_use]
    pub fn with_max_body(mut self, max_body: usize) -> StdHttpClient {
        self.max_body = max_body;
        self
    }
}

fn err(kind: TransportErrorKind, detail: impl Into<String>) -> TransportError {
    TransportError::new(kind, detail)
}

/// Host, port and request target for a plain-http URL.
struct Target {
    host: String,
    port: u16,
    host_header: String,
    path: String,
}

fn target(url: &str) -> Result<Target, TransportError> {
    let parts = UrlParts::split(url);
    match parts.scheme.as_str() {
        "http" => {}
        "https" => {
            return Err(err(
                TransportErrorKind::Unsupported,
                "https is not supported by the built-in HTTP client",
            ));
        }
        s => {
            return Err(err(
                TransportErrorKind::InvalidUrl,
                format!("unsupported URL scheme {s:?}"),
            ));
        }
    }
    let Some(host) = parts.hostname() else {
        return Err(err(TransportErrorKind::InvalidUrl, "URL has no host"));
    };
    let port = match parts.port_text() {
        None | Some("") => 80,
        Some(p) => p.parse::<u16>().map_err(|_| {
            err(
                TransportErrorKind::InvalidUrl,
                format!("invalid port {p:?}"),
            )
        })?,
    };
    let bracketed = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let host_header = if port == 80 {
        bracketed
    } else {
        format!("{bracketed}:{port}")
    };
    let mut path = parts.path_and_query;
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    Ok(Target {
        host,
        port,
        host_header,
        path: encode_target(&path),
    })
}

/// Percent-encodes bytes that may not appear raw in a request target
/// (urllib3 does the same when it normalizes the URL).
fn encode_target(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_graphic() {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// botocore's `ProxyConfiguration.proxy_headers_for`: `Basic` credentials
/// when the proxy URL has both a user name and a password (percent-decoded
/// like `unquote`; non-ASCII fails like its `encode('ascii')`).
fn proxy_authorization(proxy: &str) -> Result<Option<String>, TransportError> {
    let parts = UrlParts::split(proxy);
    let Some((userinfo, _)) = parts.netloc.rsplit_once('@') else {
        return Ok(None);
    };
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (user, pass) = (percent_decode(user), percent_decode(pass));
    if user.is_empty() || pass.is_empty() {
        return Ok(None);
    }
    let mut plain = user;
    plain.push(b':');
    plain.extend_from_slice(&pass);
    if !plain.is_ascii() {
        return Err(err(
            TransportErrorKind::InvalidRequest,
            "proxy credentials are not ASCII",
        ));
    }
    Ok(Some(format!("Basic {}", base64(&plain))))
}

/// `%XX` → byte; anything else kept (Python's `unquote`).
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Latin-1 bytes of a header value, as `http.client` encodes them.
fn latin1(name: &str, value: &str) -> Result<Vec<u8>, TransportError> {
    value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| {
            err(
                TransportErrorKind::InvalidRequest,
                format!("header {name} is not Latin-1"),
            )
        })
}

struct Conn {
    stream: TcpStream,
    deadline: Instant,
    read_timeout: Duration,
    buf: Vec<u8>,
    pos: usize,
}

impl Conn {
    fn remaining(&self) -> Result<Duration, TransportError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(err(
                TransportErrorKind::ReadTimeout,
                "total request deadline exceeded",
            ))
        } else {
            Ok(left)
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at EOF.
    fn fill(&mut self) -> Result<usize, TransportError> {
        let left = self.remaining()?;
        let t = self.read_timeout.min(left).max(Duration::from_millis(1));
        self.stream
            .set_read_timeout(Some(t))
            .map_err(|e| err(TransportErrorKind::ConnectionClosed, e.to_string()))?;
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    let what = if t < self.read_timeout {
                        "total request deadline exceeded".to_owned()
                    } else {
                        format!("no data for {:?}", self.read_timeout)
                    };
                    return Err(err(TransportErrorKind::ReadTimeout, what));
                }
                Err(e) => return Err(err(TransportErrorKind::ConnectionClosed, e.to_string())),
            }
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads one CRLF-terminated line (without the CRLF), at most `max`
    /// bytes.
    fn line(&mut self, max: usize) -> Result<Vec<u8>, TransportError> {
        loop {
            if let Some(i) = self.unread().windows(2).position(|w| w == b"\r\n") {
                let line = self.unread()[..i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            if self.unread().len() > max {
                return Err(err(TransportErrorKind::ConnectionClosed, "line too long"));
            }
            if self.fill()? == 0 {
                return Err(err(
                    TransportErrorKind::ConnectionClosed,
                    "connection closed before the response was complete",
                ));
            }
        }
    }

    /// Takes exactly `n` bytes.
    fn exact(&mut self, n: usize) -> Result<Vec<u8>, TransportError> {
        while self.unread().len() < n {
            if self.fill()? == 0 {
                return Err(err(
                    TransportErrorKind::ConnectionClosed,
                    "connection closed before the body was complete",
                ));
            }
        }
        let out = self.unread()[..n].to_vec();
        self.pos += n;
        Ok(out)
    }
}

fn too_large(max: usize) -> TransportError {
    err(
        TransportErrorKind::ResponseTooLarge,
        format!("response body larger than the {max}-byte limit"),
    )
}

/// Resolves the host. IP literals need no lookup; a name is looked up on a
/// helper thread so a stuck resolver cannot outlast the connect timeout.
fn resolve(t: &Target, limit: Duration) -> Result<Vec<SocketAddr>, TransportError> {
    if let Ok(ip) = t.host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, t.port)]);
    }
    let (host, port) = (t.host.clone(), t.port);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(
            (host.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect),
        );
    });
    match rx.recv_timeout(limit.max(Duration::from_millis(1))) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(err(
            TransportErrorKind::Connect,
            format!("could not resolve {}: {e}", t.host),
        )),
        Err(_) => Err(err(
            TransportErrorKind::ConnectTimeout,
            format!("resolving {} took longer than {limit:?}", t.host),
        )),
    }
}

fn connect(
    t: &Target,
    timeouts: &Timeouts,
    deadline: Instant,
) -> Result<TcpStream, TransportError> {
    let addrs = resolve(
        t,
        timeouts
            .connect
            .min(deadline.saturating_duration_since(Instant::now())),
    )?;
    let mut last = err(
        TransportErrorKind::Connect,
        format!("{} resolved to no address", t.host),
    );
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(err(
                TransportErrorKind::ConnectTimeout,
                "total request deadline exceeded while connecting",
            ));
        }
        let limit = timeouts.connect.min(left).max(Duration::from_millis(1));
        match TcpStream::connect_timeout(&addr, limit) {
            Ok(s) => return Ok(s),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                last = err(
                    TransportErrorKind::ConnectTimeout,
                    format!("connect to {addr} timed out after {limit:?}"),
                );
            }
            Err(e) => {
                last = err(
                    TransportErrorKind::Connect,
                    format!("connect to {addr}: {e}"),
                );
            }
        }
    }
    Err(last)
}

impl HttpClient for StdHttpClient {
    fn send(&self, req: &Request, timeouts: &Timeouts) -> Result<Response, TransportError> {
        let start = Instant::now();
        // A huge configured timeout must not overflow the clock.
        let deadline = start
            .checked_add(timeouts.total)
            .unwrap_or_else(|| start + Duration::from_secs(365 * 86_400));
        let t = target(&req.url)?;
        // Through a proxy: connect to it and send the absolute URL.
        let (dial, request_target) = if let Some(p) = &req.proxy {
            let pt = target(p)?;
            (pt, format!("http://{}{}", t.host_header, t.path))
        } else {
            let path = t.path.clone();
            (t, path)
        };
        let host_header = match &req.proxy {
            Some(_) => target(&req.url)?.host_header,
            None => dial.host_header.clone(),
        };
        let mut head = Vec::with_capacity(256);
        head.extend_from_slice(
            format!(
                "{} {request_target} HTTP/1.1\r\nHost: {host_header}\r\n",
                req.method.as_str(),
            )
            .as_bytes(),
        );
        // The request's own User-Agent (STS) replaces the default one.
        if req.header_value("user-agent").is_none() {
            head.extend_from_slice(format!("User-Agent: {}\r\n", self.user_agent).as_bytes());
        }
        head.extend_from_slice(b"Accept-Encoding: identity\r\nConnection: close\r\n");
        // botocore sends the proxy's credentials with each proxied request.
        if let Some(auth) = req
            .proxy
            .as_deref()
            .map(proxy_authorization)
            .transpose()?
            .flatten()
        {
            head.extend_from_slice(format!("Proxy-Authorization: {auth}\r\n").as_bytes());
        }
        for (k, v) in &req.headers {
            if k.is_empty() || k.bytes().any(|b| !b.is_ascii_graphic() || b == b':') {
                return Err(err(
                    TransportErrorKind::InvalidRequest,
                    format!("invalid header name {k:?}"),
                ));
            }
            let value = latin1(k, v)?;
            if value.iter().any(|&b| b == b'\r' || b == b'\n') {
                return Err(err(
                    TransportErrorKind::InvalidRequest,
                    format!("header {k} contains CR or LF"),
                ));
            }
            head.extend_from_slice(k.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(&value);
            head.extend_from_slice(b"\r\n");
        }
        if req.method != super::HttpMethod::Get || !req.body.is_empty() {
            head.extend_from_slice(format!("Content-Length: {}\r\n", req.body.len()).as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(&req.body);

        let mut stream = connect(&dial, timeouts, deadline).map_err(|e| blame_the_proxy(req, e))?;
        let left = deadline.saturating_duration_since(Instant::now());
        let _ =
            stream.set_write_timeout(Some(timeouts.read.min(left).max(Duration::from_millis(1))));
        stream.write_all(&head).map_err(|e| {
            let kind = if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                TransportErrorKind::ReadTimeout
            } else {
                TransportErrorKind::ConnectionClosed
            };
            blame_the_proxy(req, err(kind, format!("sending the request: {e}")))
        })?;
        let mut conn = Conn {
            stream,
            deadline,
            read_timeout: timeouts.read,
            buf: Vec::new(),
            pos: 0,
        };
        let (status, headers) = loop {
            let (status, headers) = read_head(&mut conn).map_err(|e| {
                // Closed before a single byte of the answer came back.
                if conn.buf.is_empty() {
                    blame_the_proxy(req, e)
                } else {
                    e
                }
            })?;
            // Interim 1xx responses precede the real one.
            if !(100..200).contains(&status) {
                break (status, headers);
            }
        };
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
        };
        let body = if status == 204 || status == 304 {
            Vec::new()
        } else if header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            read_chunked(&mut conn, self.max_body)?
        } else if let Some(len) = header("content-length") {
            let n: usize = len.parse().map_err(|_| {
                err(
                    TransportErrorKind::ConnectionClosed,
                    format!("invalid Content-Length {len:?}"),
                )
            })?;
            if n > self.max_body {
                return Err(too_large(self.max_body));
            }
            conn.exact(n)?
        } else {
            loop {
                if conn.unread().len() > self.max_body {
                    return Err(too_large(self.max_body));
                }
                if conn.fill()? == 0 {
                    break conn.unread().to_vec();
                }
            }
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// Through a forwarding proxy, failing to connect, to send, or getting the
/// connection closed before any answer is urllib3's `ProxyError`, which
/// botocore reports as `ProxyConnectionError` naming the proxy (measured
/// with botocore 1.43.11: a proxy that accepts and closes gives that, one
/// that answers garbage gives `ConnectionClosedError`). The detail holds
/// the proxy URL with its credentials masked.
fn blame_the_proxy(req: &Request, e: TransportError) -> TransportError {
    match &req.proxy {
        Some(p)
            if matches!(
                e.kind(),
                TransportErrorKind::Connect | TransportErrorKind::ConnectionClosed
            ) =>
        {
            err(
                TransportErrorKind::ProxyConnect,
                format!("{} ({})", super::proxy::mask_proxy_url(p), e.detail()),
            )
        }
        _ => e,
    }
}

type Head = (u16, Vec<(String, String)>);

fn read_head(conn: &mut Conn) -> Result<Head, TransportError> {
    let bad = |what: &str| err(TransportErrorKind::ConnectionClosed, what.to_owned());
    let status_line = conn.line(MAX_HEAD)?;
    let status_line = String::from_utf8_lossy(&status_line).into_owned();
    let mut it = status_line.splitn(3, ' ');
    let version = it.next().unwrap_or("");
    if !version.starts_with("HTTP/") {
        return Err(bad("malformed status line"));
    }
    let status: u16 = it
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(|| bad("malformed status code"))?;
    let mut headers = Vec::new();
    let mut total = status_line.len();
    loop {
        let line = conn.line(MAX_HEAD)?;
        total += line.len() + 2;
        if total > MAX_HEAD {
            return Err(bad("response head too large"));
        }
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Ok((status, headers))
}

fn read_chunked(conn: &mut Conn, max: usize) -> Result<Vec<u8>, TransportError> {
    let mut body = Vec::new();
    loop {
        let line = conn.line(1024)?;
        let line = String::from_utf8_lossy(&line);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| err(TransportErrorKind::ConnectionClosed, "malformed chunk size"))?;
        if size == 0 {
            // Trailers, up to the blank line.
            while !conn.line(MAX_HEAD)?.is_empty() {}
            return Ok(body);
        }
        if body.len().saturating_add(size) > max {
            return Err(too_large(max));
        }
        body.extend_from_slice(&conn.exact(size)?);
        conn.exact(2)?;
    }
}

#[cfg(test)]
mod proxy_auth_tests {
    use super::{base64, proxy_authorization};

    #[test]
    fn base64_matches_python() {
        // base64.b64encode in CPython.
        for (plain, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("u:pw", "dTpwdw=="),
            ("user:p@ss word", "dXNlcjpwQHNzIHdvcmQ="),
        ] {
            assert_eq!(base64(plain.as_bytes()), want, "{plain:?}");
        }
    }

    #[test]
    fn proxy_authorization_as_botocore() {
        let row = |url: &str| proxy_authorization(url).unwrap();
        assert_eq!(row("http://u:pw@p:1"), Some("Basic dTpwdw==".to_owned()));
        assert_eq!(
            row("http://user:p%40ss%20word@p:1"),
            Some("Basic dXNlcjpwQHNzIHdvcmQ=".to_owned())
        );
        // Both parts are needed.
        assert_eq!(row("http://u@p:1"), None);
        assert_eq!(row("http://u:@p:1"), None);
        assert_eq!(row("http://:pw@p:1"), None);
        assert_eq!(row("http://p:1"), None);
        assert!(proxy_authorization("http://u:%C3%A9@p:1").is_err());
    }
}
