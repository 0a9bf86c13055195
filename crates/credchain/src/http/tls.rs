//! `https` through ureq 3 (rustls, webpki roots), and [`DefaultClient`],
//! which sends plain `http` through [`StdHttpClient`] (whose timeout
//! behaviour is tested byte by byte against the loopback server) and `https`
//! through ureq.

use std::io;
use std::time::Duration;

use super::{
    HttpClient, Request, Response, StdHttpClient, Timeouts, TransportError, TransportErrorKind,
    UrlParts,
};

/// An `https` client on ureq: no redirects, no environment proxies (only
/// [`Request::proxy`], reached with a `CONNECT` tunnel), statuses returned
/// rather than raised, body capped. [`Request::ca_bundle`] replaces the
/// webpki roots. A `User-Agent` header on the request replaces the default
/// one.
#[derive(Clone, Debug)]
pub struct UreqClient {
    max_body: u64,
    user_agent: String,
}

impl Default for UreqClient {
    fn default() -> UreqClient {
        UreqClient {
            max_body: 1024 * 1024,
            user_agent: format!("credchain/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

fn map_error(e: &ureq::Error) -> TransportError {
    use ureq::Error as E;
    use ureq::Timeout as T;
    let kind = match e {
        E::Timeout(T::Connect | T::Resolve) => TransportErrorKind::ConnectTimeout,
        E::Timeout(_) | E::BodyStalled => TransportErrorKind::ReadTimeout,
        // ureq's words for a proxy that closed the connection without
        // answering the CONNECT: urllib3 then raises `RemoteDisconnected`,
        // which botocore reports as `ConnectionClosedError` naming the
        // endpoint (measured with botocore 1.43.11).
        E::ConnectProxyFailed(why) if why == "proxy server did not respond" => {
            TransportErrorKind::ConnectionClosed
        }
        // The proxy answered the CONNECT with a non-200 status (502, 407):
        // urllib3's `ProxyError`, botocore's `ProxyConnectionError`.
        E::ConnectProxyFailed(_) => TransportErrorKind::ProxyConnect,
        E::BodyExceedsLimit(_) => TransportErrorKind::ResponseTooLarge,
        E::HostNotFound | E::ConnectionFailed => TransportErrorKind::Connect,
        E::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => TransportErrorKind::Connect,
        // A failed handshake or certificate check surfaces from the rustls
        // stream as an I/O error wrapping the rustls error.
        E::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            TransportErrorKind::Tls
        }
        E::Io(io)
            if matches!(
                io.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            TransportErrorKind::ReadTimeout
        }
        E::BadUri(_) | E::InvalidProxyUrl => TransportErrorKind::InvalidUrl,
        E::Http(_) => TransportErrorKind::InvalidRequest,
        E::Tls(_) | E::Rustls(_) | E::TlsRequired => TransportErrorKind::Tls,
        _ => TransportErrorKind::ConnectionClosed,
    };
    let detail = match e {
        E::BodyExceedsLimit(n) => format!("response body larger than the {n}-byte limit"),
        other => other.to_string(),
    };
    TransportError::new(kind, detail)
}

/// With a proxy, every connection is to the proxy: failing to reach it, or
/// its refusing the tunnel, is urllib3's `ProxyError`, which botocore raises
/// as `ProxyConnectionError` (timeouts keep their own classes).
fn map_proxied_error(e: &ureq::Error, proxy: &str) -> TransportError {
    let mapped = map_error(e);
    if matches!(
        mapped.kind(),
        TransportErrorKind::Connect | TransportErrorKind::ProxyConnect
    ) {
        TransportError::new(
            TransportErrorKind::ProxyConnect,
            format!(
                "{} ({})",
                super::proxy::mask_proxy_url(proxy),
                mapped.detail
            ),
        )
    } else {
        mapped
    }
}

impl HttpClient for UreqClient {
    fn send(&self, req: &Request, timeouts: &Timeouts) -> Result<Response, TransportError> {
        let proxy = match &req.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| map_error(&e))?),
            None => None,
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(self.user_agent.as_str())
            .timeout_connect(Some(timeouts.connect))
            .timeout_per_read(Some(timeouts.read))
            .timeout_global(Some(timeouts.total.max(Duration::from_millis(1))))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(!req.verify)
                    .build(),
            )
            .build();
        let agent: ureq::Agent = match &req.ca_bundle {
            // `verify=False` ignores any bundle, as urllib3 does.
            _ if !req.verify => config.into(),
            None => config.into(),
            // ureq's connector chain with the TLS step trusting the bundle
            // as OpenSSL does (see `bundle_tls`).
            Some(bundle) => {
                use ureq::unversioned::resolver::DefaultResolver;
                use ureq::unversioned::transport::{
                    ConnectProxyConnector, Connector as _, TcpConnector,
                };
                let tls = super::bundle_tls::BundleTlsConnector(super::bundle_tls::client_config(
                    bundle,
                )?);
                // The order of ureq's `DefaultConnector`: a CONNECT tunnel
                // when proxied, else TCP, then TLS.
                let chain =
                    ().chain(ConnectProxyConnector::default())
                        .chain(TcpConnector::default())
                        .chain(tls);
                ureq::Agent::with_parts(config, chain, DefaultResolver::default())
            }
        };
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url.as_str());
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder.body(req.body.clone()).map_err(|e| {
            // The http crate's message may quote the value: keep it out.
            TransportError::new(
                TransportErrorKind::InvalidRequest,
                if e.is::<ureq::http::header::InvalidHeaderValue>() {
                    "invalid header value".to_owned()
                } else {
                    "invalid request".to_owned()
                },
            )
        })?;
        let mut resp = agent.run(request).map_err(|e| match &req.proxy {
            Some(p) => map_proxied_error(&e, p),
            None => map_error(&e),
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(self.max_body)
            .read_to_vec()
            .map_err(|e| map_error(&e))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
    fn supports_https(&self) -> bool {
        true
    }
}

/// The session default: [`StdHttpClient`] for `http`, [`UreqClient`] for
/// `https`.
#[derive(Clone, Debug, Default)]
pub struct DefaultClient {
    plain: StdHttpClient,
    tls: UreqClient,
}

impl HttpClient for DefaultClient {
    fn send(&self, req: &Request, timeouts: &Timeouts) -> Result<Response, TransportError> {
        if UrlParts::split(&req.url).scheme == "https" {
            self.tls.send(req, timeouts)
        } else {
            self.plain.send(req, timeouts)
        }
    }
    fn supports_https(&self) -> bool {
        true
    }
}
