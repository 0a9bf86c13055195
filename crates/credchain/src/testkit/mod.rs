//! Test helpers (feature `test-util`): a loopback HTTP server that plays
//! IMDS and the container endpoint and injects faults, a loopback-only
//! client, and a scripted fake client.
//!
//! Everything here binds or connects to `127.0.0.1` only. The fake client
//! never touches the network, so URL selection for `169.254.169.254`,
//! `169.254.170.2` and `fd00:ec2::254` is tested with it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub mod moto;
pub mod server_head;
pub mod sso;

use crate::http::{
    HttpClient, HttpMethod, Request, Response, StdHttpClient, Timeouts, TransportError,
    TransportErrorKind, UrlParts,
};

/// A request the server received. `Debug` redacts the values of secret
/// headers (`Authorization`, tokens), as [`Request`]'s does: test failure
/// output must not show them either.
#[derive(Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `PUT`, ...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (read up to its `Content-Length`, at most 1 MiB).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if credchain_sigv4::is_secret_header(k) {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("Recorded")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            // Request bodies carry secrets (CreateToken's refresh token and
            // client secret): their size only.
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Recorded {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the server answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A normal response.
    Respond(u16, String),
    /// Reads the request and never answers (until the server is dropped).
    BlackHole,
    /// Sends the head at once, then the body one byte per `gap`.
    Drip(u16, String, Duration),
    /// Closes the connection without a response.
    Close,
    /// Answers with a line that is not HTTP.
    Garbage,
    /// Sends these bytes as the whole response, then closes.
    Raw(Vec<u8>),
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A threaded HTTP/1.1 server on `127.0.0.1:0`. The handler gets each
/// request and its 0-based index.
pub struct TestServer {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestServer(127.0.0.1:{})", self.port)
    }
}

fn read_request(s: &mut TcpStream) -> Option<Recorded> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 65536 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut body = buf[head_end..].to_vec();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<(String, String)>>();
    let want = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1024 * 1024);
    while body.len() < want {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(want);
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

fn wait_or_stop(stop: &AtomicBool, d: Duration) -> bool {
    let tick = Duration::from_millis(20);
    let mut left = d;
    while !left.is_zero() {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let s = left.min(tick);
        thread::sleep(s);
        left -= s;
    }
    !stop.load(Ordering::Relaxed)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn serve(mut s: TcpStream, reply: Reply, stop: &AtomicBool) {
    match reply {
        Reply::Respond(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reason(status),
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body.as_bytes());
        }
        Reply::BlackHole => while wait_or_stop(stop, Duration::from_millis(100)) {},
        Reply::Drip(status, body, gap) => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reason(status),
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            for b in body.bytes() {
                if !wait_or_stop(stop, gap) || s.write_all(&[b]).is_err() {
                    return;
                }
            }
        }
        Reply::Close => {}
        Reply::Garbage => {
            let _ = s.write_all(b"SSH-2.0-not-http\r\n\r\n");
        }
        Reply::Raw(bytes) => {
            let _ = s.write_all(&bytes);
        }
    }
    let _ = s.flush();
    let _ = s.shutdown(Shutdown::Both);
}

impl TestServer {
    /// Starts a server; it stops when dropped.
    pub fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let counter = Arc::new(AtomicUsize::new(0));
        {
            let requests = Arc::clone(&requests);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(mut s) = conn else { continue };
                    let requests = Arc::clone(&requests);
                    let stop = Arc::clone(&stop);
                    let handler = Arc::clone(&handler);
                    let counter = Arc::clone(&counter);
                    thread::spawn(move || {
                        let Some(req) = read_request(&mut s) else {
                            return;
                        };
                        let i = counter.fetch_add(1, Ordering::SeqCst);
                        if let Ok(mut r) = requests.lock() {
                            r.push(req.clone());
                        }
                        let reply = handler(&req, i);
                        serve(s, reply, &stop);
                    });
                }
            });
        }
        TestServer {
            port,
            requests,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], self.port)),
            Duration::from_millis(200),
        );
    }
}

/// A credentials document as IMDS and the container endpoint serve it.
pub fn credentials_json(access_key: &str, expiration: &str) -> String {
    format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"{access_key}","SecretAccessKey":"secret-{access_key}","Token":"token-{access_key}","Expiration":"{expiration}"}}"#
    )
}

/// The real client, refusing any host that is not `127.0.0.1`,
/// `localhost` or `::1`, so a test can never reach a real metadata service.
#[derive(Clone, Debug, Default)]
pub struct LoopbackClient(StdHttpClient);

impl HttpClient for LoopbackClient {
    fn send(&self, req: &Request, timeouts: &Timeouts) -> Result<Response, TransportError> {
        for u in std::iter::once(&req.url).chain(req.proxy.as_ref()) {
            let host = UrlParts::split(u).hostname().unwrap_or_default();
            if !matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1") {
                return Err(TransportError::new(
                    TransportErrorKind::Connect,
                    format!("testkit: refusing non-loopback host {host:?}"),
                ));
            }
        }
        self.0.send(req, timeouts)
    }
}

/// A scripted client: answers requests in order from a list and records
/// them. Never touches the network.
#[derive(Debug, Default)]
pub struct FakeClient {
    script: Mutex<Vec<Result<Response, TransportError>>>,
    sent: Mutex<Vec<Request>>,
    https: bool,
}

impl FakeClient {
    /// A client that plays `script` in order, then refuses to connect.
    pub fn new(script: Vec<Result<Response, TransportError>>) -> FakeClient {
        let mut script = script;
        script.reverse();
        FakeClient {
            script: Mutex::new(script),
            sent: Mutex::new(Vec::new()),
            https: true,
        }
    }
    /// The requests sent so far.
    pub fn sent(&self) -> Vec<Request> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
    /// `(method, url)` of each request sent.
    pub fn sent_urls(&self) -> Vec<(HttpMethod, String)> {
        self.sent().into_iter().map(|r| (r.method, r.url)).collect()
    }
}

impl HttpClient for FakeClient {
    fn send(&self, req: &Request, _: &Timeouts) -> Result<Response, TransportError> {
        if let Ok(mut s) = self.sent.lock() {
            s.push(req.clone());
        }
        self.script
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_else(|| {
                Err(TransportError::new(
                    TransportErrorKind::Connect,
                    "FakeClient: script exhausted",
                ))
            })
    }
    fn supports_https(&self) -> bool {
        self.https
    }
}

/// The public cross-SDK vectors: `$CREDCHAIN_VECTORS`, else `shared/vectors`
/// beside the workspace. `None` — after saying so on stderr — when they are
/// absent, so a checkout without `shared/` still runs the other tests.
#[allow(clippy::print_stderr)]
pub fn vectors_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("CREDCHAIN_VECTORS").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
        std::path::PathBuf::from,
    );
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "vectors not found at {} (set CREDCHAIN_VECTORS); skipping",
            dir.display()
        );
        None
    }
}

/// The cross-SDK STS endpoint rule-set vectors
/// (`sts-endpoint-rules/.../endpoint-tests-1.json`) as JSON; `None` (with the
/// skip line of [`vectors_dir`]) when the vectors are absent.
///
/// # Panics
///
/// When the file is missing from a vectors directory or is not JSON.
pub fn sts_endpoint_vectors() -> Option<serde_json::Value> {
    let path = vectors_dir()?
        .join("sts-endpoint-rules/tests/functional/endpoint-rules/sts/endpoint-tests-1.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A fixture directory (the aws-config `fs/` layout) as a [`MemFs`] rooted
/// at `/`: `root/home/.aws/config` becomes `/home/.aws/config`.
pub fn mem_fs_from_dir(root: &std::path::Path) -> crate::os::MemFs {
    let mut fs = crate::os::MemFs::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let (Ok(rel), Ok(bytes)) = (p.strip_prefix(root), std::fs::read(&p)) {
                fs = fs.with_file(std::path::Path::new("/").join(rel), bytes);
            }
        }
    }
    fs
}
