//! The HTTP seam for the network providers (container, IMDS).
//!
//! Providers build a [`Request`], hand it to an [`HttpClient`] and parse the
//! [`Response`]; they never open sockets themselves, so every fault can be
//! played by a fake client or by the loopback server in
//! `credchain::testkit` (feature `test-util`).
//!
//! The real client, [`StdHttpClient`], is a small blocking HTTP/1.1 client
//! over `std::net::TcpStream` for the plain-`http` link-local and loopback
//! endpoints these providers talk to. It enforces a connect timeout, a
//! per-read timeout (urllib3's semantics, which botocore uses) **and** a
//! total deadline per request (which urllib3 lacks: a server that drips one
//! byte per second would hold botocore forever), and caps the response
//! size. `https` is not supported by it ([`HttpClient::supports_https`]):
//! [`DefaultClient`], the session default, sends `https` through ureq 3
//! (rustls) instead. Plain `http` stays on the std client because ureq 3
//! cannot send a request to a proxy in absolute form, as botocore does;
//! the measurements are in `client.rs`.
//!
//! [`proxy`] resolves the environment proxies botocore uses
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`); a [`Request`] carries the one
//! it goes through, and the root certificates to trust ([`CaBundle`],
//! botocore's `verify=` / `AWS_CA_BUNDLE`) when not the webpki ones.

mod bundle_tls;
mod client;
pub mod proxy;
pub(crate) mod server_head;
mod tls;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use client::StdHttpClient;
pub use tls::{DefaultClient, UreqClient};

use crate::os::{Random, RealRandom, RealSleep, Sleep};

/// An HTTP method the providers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `PUT` (the IMDSv2 token).
    Put,
    /// `POST` (STS query-protocol calls).
    Post,
}

impl HttpMethod {
    /// `GET` or `PUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
        }
    }
}

/// One HTTP request, fully built by a provider (sans-IO).
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: HttpMethod,
    /// The absolute URL.
    pub url: String,
    /// Extra headers, in order (`Host`, `Content-Length` and `Connection`
    /// are added by the client).
    pub headers: Vec<(String, String)>,
    /// An `http://host:port` proxy to send the request through (absolute
    /// form), as botocore's IMDS fetcher does with environment proxies.
    pub proxy: Option<String>,
    /// The body (sent with a `Content-Length`; STS query bodies).
    pub body: Vec<u8>,
    /// Trust exactly these roots for `https` instead of the webpki ones
    /// (botocore's `verify=<path>`: `AWS_CA_BUNDLE` / `ca_bundle`).
    pub ca_bundle: Option<CaBundle>,
    /// `false` is botocore's `verify=False` (the AWS CLI's
    /// `--no-verify-ssl`): no certificate or host-name check for `https`.
    /// Only a command's own client ever sets it; the credential chain never
    /// does.
    pub verify: bool,
}

/// A PEM CA bundle, parsed: the certificates `https` requests trust instead
/// of the built-in webpki roots (as botocore passes `verify=<path>` to
/// urllib3, which loads it with `load_verify_locations`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaBundle {
    /// As configured: a non-UTF-8 `AWS_CA_BUNDLE` is kept byte for byte.
    path: std::path::PathBuf,
    certs: Arc<Vec<Vec<u8>>>,
}

impl CaBundle {
    /// Parses the PEM text read from `path` (named in errors). A bundle that
    /// is not PEM or holds no certificate is an `SSLError`, as OpenSSL's
    /// `load_verify_locations` makes it in botocore.
    pub fn from_pem(
        path: impl AsRef<std::path::Path>,
        pem: &[u8],
    ) -> Result<CaBundle, TransportError> {
        let path = path.as_ref();
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c.der().to_vec()),
                Ok(_) => {}
                Err(e) => {
                    return Err(TransportError::new(
                        TransportErrorKind::Tls,
                        format!("invalid CA bundle {}: {e}", path.display()),
                    ));
                }
            }
        }
        if certs.is_empty() {
            return Err(TransportError::new(
                TransportErrorKind::Tls,
                format!(
                    "invalid CA bundle {}: no PEM certificate found",
                    path.display()
                ),
            ));
        }
        Ok(CaBundle {
            path: path.to_owned(),
            certs: Arc::new(certs),
        })
    }
    /// The path it was read from.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
    /// The certificates, DER-encoded, in file order.
    pub fn certs_der(&self) -> &[Vec<u8>] {
        &self.certs
    }
}

impl Request {
    /// A request without headers or proxy.
    pub fn new(method: HttpMethod, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            proxy: None,
            body: Vec::new(),
            ca_bundle: None,
            verify: true,
        }
    }
    /// Sets the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }
    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// The value of a header (case-insensitive name).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                // One list of secret header names for every `Debug`.
                let secret = credchain_sigv4::is_secret_header(k);
                (k.as_str(), if secret { "<redacted>" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("proxy", &self.proxy)
            .field("body_len", &self.body.len())
            .field("ca_bundle", &self.ca_bundle.as_ref().map(CaBundle::path))
            .field("verify", &self.verify)
            .finish()
    }
}

/// The `User-Agent` credchain sends to AWS services, shaped like botocore's
/// (`Botocore/1.43.11 ua/2.1 os/linux#… md/arch#x86_64 lang/python#…`) but
/// naming credchain: `credchain/<version> ua/2.1 os/<os> md/arch#<arch>
/// lang/rust cfg/retry-mode#legacy`, then `exec-env/<AWS_EXECUTION_ENV>`
/// when that is set (P-ENV-3), with characters outside botocore's allowed
/// set replaced by `-` as its `sanitize_user_agent_string_component` does.
pub fn user_agent(env: &dyn crate::os::Env) -> String {
    let sanitize = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "!$%&'*+-.^_`|~".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let mut ua = format!(
        "credchain/{} ua/2.1 os/{} md/arch#{} lang/rust cfg/retry-mode#legacy",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        sanitize(std::env::consts::ARCH),
    );
    if let Some(e) = env.get("AWS_EXECUTION_ENV").filter(|e| !e.is_empty()) {
        ua.push_str(" exec-env/");
        ua.push_str(&sanitize(&e));
    }
    ua
}

/// One HTTP response. The body may hold credentials: `Debug` shows only its
/// length.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (decoded from chunked transfer encoding).
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a status and body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    /// The body as text, undecodable bytes replaced (Python's
    /// `response.text` falls back similarly).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Time limits for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP connection (urllib3 `connect`).
    pub connect: Duration,
    /// Waiting for any one read to return data (urllib3 `read`).
    pub read: Duration,
    /// The whole request, connect to last body byte. botocore has no such
    /// limit; credchain adds it so a slow-drip server cannot hang the chain.
    pub total: Duration,
}

impl Timeouts {
    /// botocore's single `timeout` for connect and read, with a total
    /// deadline of three times that.
    pub fn botocore(timeout: Duration) -> Timeouts {
        Timeouts {
            connect: timeout,
            read: timeout,
            total: timeout.saturating_mul(3),
        }
    }
}

/// What kind of transport failure happened, named after the botocore
/// exception it corresponds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The TCP connection was not established in time (`ConnectTimeoutError`).
    ConnectTimeout,
    /// A read, or the whole request, ran out of time (`ReadTimeoutError`).
    ReadTimeout,
    /// The connection was refused or the host did not resolve
    /// (`EndpointConnectionError`).
    Connect,
    /// The connection closed early or the response was malformed
    /// (`ConnectionClosedError`).
    ConnectionClosed,
    /// The URL cannot be requested (urllib3 `LocationParseError`, surfaced by
    /// botocore as `HTTPClientError`).
    InvalidUrl,
    /// The request cannot be sent as given, e.g. a header value outside
    /// Latin-1 (`HTTPClientError`).
    InvalidRequest,
    /// The client cannot do this (an `https` URL on [`StdHttpClient`]).
    Unsupported,
    /// The TLS handshake or certificate check failed, or the CA bundle
    /// could not be loaded (`SSLError`).
    Tls,
    /// The proxy could not be reached or refused the tunnel
    /// (`ProxyConnectionError`).
    ProxyConnect,
    /// The response is larger than the client's cap (1 MiB by default).
    /// botocore reads any size and has no such class: credchain's own
    /// `ResponseTooLargeError`, not retried (the same answer would come).
    ResponseTooLarge,
}

impl TransportErrorKind {
    /// The botocore exception class name.
    pub fn botocore_class(self) -> &'static str {
        match self {
            TransportErrorKind::ConnectTimeout => "ConnectTimeoutError",
            TransportErrorKind::ReadTimeout => "ReadTimeoutError",
            TransportErrorKind::Connect => "EndpointConnectionError",
            TransportErrorKind::ConnectionClosed => "ConnectionClosedError",
            TransportErrorKind::InvalidUrl
            | TransportErrorKind::InvalidRequest
            | TransportErrorKind::Unsupported => "HTTPClientError",
            TransportErrorKind::Tls => "SSLError",
            TransportErrorKind::ProxyConnect => "ProxyConnectionError",
            TransportErrorKind::ResponseTooLarge => "ResponseTooLargeError",
        }
    }
    /// Whether botocore retries it (`RETRYABLE_HTTP_ERRORS`).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            TransportErrorKind::ConnectTimeout
                | TransportErrorKind::ReadTimeout
                | TransportErrorKind::Connect
                | TransportErrorKind::ConnectionClosed
        )
    }
}

/// A request that produced no HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    detail: String,
}

impl TransportError {
    /// A new error; `detail` must not contain secrets.
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> TransportError {
        TransportError {
            kind,
            detail: detail.into(),
        }
    }
    /// The kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
    /// The detail, without the class name.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.botocore_class(), self.detail)
    }
}

impl std::error::Error for TransportError {}

/// A blocking HTTP client: the one way providers reach the network (IMDS,
/// the container endpoint, STS, SSO), so tests can pass a fake or a
/// loopback-only client ([`crate::SessionBuilder::http_client`]). The
/// built-in one is [`Network::real`]'s.
pub trait HttpClient: Send + Sync {
    /// Sends one request and reads the whole response within `timeouts`
    /// (connect, per-read and total limits; a provider retries, not the
    /// client). A non-2xx status is a [`Response`], not an error; a
    /// [`TransportError`] is a connection, timeout or TLS failure, with
    /// botocore's class ([`TransportErrorKind`]).
    fn send(&self, req: &Request, timeouts: &Timeouts) -> Result<Response, TransportError>;
    /// Whether `https` URLs can be requested.
    fn supports_https(&self) -> bool {
        false
    }
}

/// A client that refuses every request, for sessions that must stay off
/// the network.
#[derive(Clone, Copy, Debug, Default)]
pub struct OfflineClient;

impl HttpClient for OfflineClient {
    fn send(&self, req: &Request, _: &Timeouts) -> Result<Response, TransportError> {
        Err(TransportError::new(
            TransportErrorKind::Connect,
            format!(
                "network access disabled for this session ({} {})",
                req.method.as_str(),
                req.url
            ),
        ))
    }
}

/// The network services the HTTP providers use: client, back-off sleep and
/// jitter randomness.
#[derive(Clone)]
pub struct Network {
    /// The HTTP client.
    pub http: Arc<dyn HttpClient>,
    /// Sleeps between container retries.
    pub sleep: Arc<dyn Sleep>,
    /// IMDS static-stability jitter.
    pub random: Arc<dyn Random>,
}

impl Network {
    /// The real client, sleep and randomness.
    pub fn real() -> Network {
        Network {
            http: Arc::new(DefaultClient::default()),
            sleep: Arc::new(RealSleep),
            random: Arc::new(RealRandom::default()),
        }
    }
    /// No network at all (every request fails to connect); real sleep.
    pub fn offline() -> Network {
        Network {
            http: Arc::new(OfflineClient),
            ..Network::real()
        }
    }
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Network { .. }")
    }
}

/// The parts of a URL the providers and the client need, split the way
/// Python's `urllib.parse.urlsplit` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts {
    /// The scheme, lower-cased; empty when there is none.
    pub scheme: String,
    /// Everything between `//` and the path (userinfo, host, port).
    pub netloc: String,
    /// The path, query included (fragment dropped).
    pub path_and_query: String,
}

impl UrlParts {
    /// Splits `url` like `urlsplit` (after stripping leading C0 controls
    /// and spaces and removing tab, CR and LF anywhere, as CPython does).
    pub fn split(url: &str) -> UrlParts {
        let cleaned: String = url
            .trim_start_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
            .collect();
        let mut rest = cleaned.as_str();
        let mut scheme = String::new();
        if let Some(i) = rest.find(':') {
            let cand = &rest[..i];
            if cand.starts_with(|c: char| c.is_ascii_alphabetic())
                && cand
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            {
                scheme = cand.to_ascii_lowercase();
                rest = &rest[i + 1..];
            }
        }
        let mut netloc = String::new();
        if let Some(r) = rest.strip_prefix("//") {
            let end = r.find(['/', '?', '#']).unwrap_or(r.len());
            r[..end].clone_into(&mut netloc);
            rest = &r[end..];
        }
        let path_and_query = rest.split('#').next().unwrap_or("").to_owned();
        UrlParts {
            scheme,
            netloc,
            path_and_query,
        }
    }

    /// The host as Python's `.hostname`: after the last `@`, brackets and
    /// port removed, lower-cased; `None` when empty.
    pub fn hostname(&self) -> Option<String> {
        let hostport = self.netloc.rsplit('@').next().unwrap_or("");
        let host = if let Some(r) = hostport.strip_prefix('[') {
            r.split(']').next().unwrap_or("")
        } else if hostport.contains('[') {
            hostport
                .split('[')
                .nth(1)
                .and_then(|r| r.split(']').next())
                .unwrap_or("")
        } else {
            hostport.split(':').next().unwrap_or("")
        };
        (!host.is_empty()).then(|| host.to_lowercase())
    }

    /// The `ValueError` CPython 3.11's `urlsplit` raises for this netloc
    /// (`Invalid IPv6 URL` for unbalanced brackets; since 3.11.4 a
    /// bracketed host must be an IPv6 address or an IPvFuture `vX.…`), or
    /// `None` when it splits cleanly. botocore's `urlparse` calls raise it.
    pub fn netloc_error(&self) -> Option<String> {
        let (open, close) = (self.netloc.contains('['), self.netloc.contains(']'));
        if open != close {
            return Some("Invalid IPv6 URL".to_owned());
        }
        if !open {
            return None;
        }
        let inner = self.netloc.split_once('[').map_or("", |(_, r)| r);
        let host = inner.split_once(']').map_or(inner, |(h, _)| h);
        if let Some(rest) = host.strip_prefix('v') {
            // `\Av[a-fA-F0-9]+\..+\Z`
            let ok = rest.split_once('.').is_some_and(|(hex, tail)| {
                !hex.is_empty()
                    && hex.bytes().all(|b| b.is_ascii_hexdigit())
                    && !tail.is_empty()
                    && !tail.contains('\n')
            });
            return (!ok).then(|| "IPvFuture address is invalid".to_owned());
        }
        match py_ip_address(host) {
            Some(std::net::IpAddr::V6(_)) => None,
            Some(std::net::IpAddr::V4(_)) => {
                Some("An IPv4 address cannot be in brackets".to_owned())
            }
            None => Some(format!(
                "{} does not appear to be an IPv4 or IPv6 address",
                py_repr(host)
            )),
        }
    }

    /// The port text after the host, if any.
    pub fn port_text(&self) -> Option<&str> {
        let hostport = self.netloc.rsplit('@').next().unwrap_or("");
        let after = match hostport.rfind(']') {
            Some(i) => &hostport[i + 1..],
            None => hostport,
        };
        after.split_once(':').map(|(_, p)| p)
    }
}

/// Python's `ipaddress.ip_address(text)`: an IPv4 address in strict
/// dotted-decimal (no leading zeros), else an IPv6 address, which may carry
/// a non-empty `%scope` without another `%` (scope ids are IPv6-only:
/// `127.0.0.1%x` is not an address). `None` where Python raises.
pub fn py_ip_address(text: &str) -> Option<std::net::IpAddr> {
    if let Ok(v4) = text.parse::<std::net::Ipv4Addr>() {
        return Some(std::net::IpAddr::V4(v4));
    }
    let addr = match text.split_once('%') {
        Some((_, scope)) if scope.is_empty() || scope.contains('%') => return None,
        Some((addr, _)) => addr,
        None => text,
    };
    // Rust's parser also reads `a.b.c.d` forms only as IPv4 above; an IPv6
    // text always holds a colon.
    if !addr.contains(':') {
        return None;
    }
    addr.parse::<std::net::Ipv6Addr>()
        .ok()
        .map(std::net::IpAddr::V6)
}

/// Python's `repr()` of a `str`, for messages quoting one as Python does
/// (one implementation, shared with the chain's messages).
pub fn py_repr(s: &str) -> String {
    crate::chain::repr::py_repr(s)
}

#[cfg(test)]
mod tests;
