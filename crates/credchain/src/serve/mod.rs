/*!
A loopback credential endpoint: the ECS container-credentials protocol
(what botocore's `container-role` provider reads, P-CONT-1..5) or the
IMDSv2 protocol (its `iam-role` provider, P-IMDS-2..7), answered from
[`RefreshableCredentials`], so every answer is refreshed within botocore's
windows (P-REF-1..3) and never expired.

```text
 RefreshableCredentials ──► routes::respond (pure: request + now → response)
                                 ▲
 TcpListener (127.0.0.1) ──► acceptor ──► bounded queue ──► N worker threads
                                 └─ queue full: 503, closed
```

Threads, not an async runtime: a request costs one `RwLock` read and a
small JSON document, and the clients keep their connections alive.
Bounds: at most [`ServeOptions::max_connections`] connections are served
at once and as many wait; beyond that a connection gets `503` and is
closed. A request head is at most [`MAX_HEAD_BYTES`]; a request
body is refused (`413`); an idle or slow connection is closed after
[`ServeOptions::idle_timeout`].

The container bearer token is 256 bits from the OS CSPRNG, compared in
constant time; it is handed out only by [`CredentialServer::env_vars`]. The
request log ([`ServeOptions::log`]) shows the method, a route name, the
status and the time taken: never a header, a token or a path the server
does not know.
*/

pub(crate) mod http;
mod routes;
#[cfg(test)]
mod tests;

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::credentials::SecretString;
use crate::error::Error;
use crate::http::server_head;
use crate::os::{Clock, RealClock};
use crate::refreshable::RefreshableCredentials;

pub use http::MAX_HEAD_BYTES;
pub use routes::{CONTAINER_PATH, DEFAULT_ROLE_NAME};

/// Which metadata protocol the endpoint speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// ECS container credentials: `GET CONTAINER_PATH` with
    /// `Authorization: <token>` → the credentials JSON. Clients are pointed
    /// at it with `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    Container,
    /// IMDSv2: `PUT /latest/api/token`, then
    /// `GET /latest/meta-data/iam/security-credentials/[ROLE]` with the
    /// token. Clients are pointed at it with
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`. IMDS has no client secret: any
    /// local process that can reach the port gets the credentials.
    Imds,
}

/// A sink for the request log (one line per request, never a secret).
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// How the endpoint runs.
#[derive(Clone)]
pub struct ServeOptions {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Worker threads: connections served at once (as many more wait).
    pub max_connections: usize,
    /// A connection that sends nothing (or nothing complete) for this long
    /// is closed; also the write timeout.
    pub idle_timeout: Duration,
    /// The `RoleArn` answered by the container protocol, when known; its
    /// last path segment names the IMDS role.
    pub role_arn: Option<String>,
    /// The request log; `None` logs nothing.
    pub log: Option<LogSink>,
    /// The clock for expiry checks and IMDS token lifetimes.
    pub clock: Arc<dyn Clock>,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            port: 0,
            max_connections: 64,
            idle_timeout: Duration::from_secs(5),
            role_arn: None,
            log: None,
            clock: Arc::new(RealClock),
        }
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("port", &self.port)
            .field("max_connections", &self.max_connections)
            .field("idle_timeout", &self.idle_timeout)
            .field("role_arn", &self.role_arn)
            .finish_non_exhaustive()
    }
}

/// A bound, not yet running endpoint. `Debug` never shows the token.
pub struct CredentialServer {
    listener: TcpListener,
    port: u16,
    state: Arc<routes::State>,
    options: ServeOptions,
}

impl std::fmt::Debug for CredentialServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialServer")
            .field("port", &self.port)
            .field("protocol", &self.state.protocol)
            .finish_non_exhaustive()
    }
}

/// 32 bytes from the OS CSPRNG.
fn random_bytes() -> Result<[u8; 32], Error> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).map_err(|e| Error::Unhandled {
        class: "OSError",
        message: format!("no randomness from the operating system: {e}"),
    })?;
    Ok(b)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl CredentialServer {
    /// Binds `127.0.0.1:options.port` and draws the bearer token (and, for
    /// IMDS, the key its session tokens are signed with).
    ///
    /// # Errors
    ///
    /// `OSError` (as [`Error::Unhandled`]) when the port cannot be bound or
    /// the OS has no randomness.
    pub fn bind(
        protocol: Protocol,
        credentials: RefreshableCredentials,
        options: ServeOptions,
    ) -> Result<CredentialServer, Error> {
        // Loopback only, whatever the caller wants: the endpoint hands out
        // credentials.
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
        let listener = TcpListener::bind(addr).map_err(|e| Error::Unhandled {
            class: "OSError",
            message: format!("cannot listen on {addr}: {e}"),
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Unhandled {
                class: "OSError",
                message: format!("cannot read the listening address: {e}"),
            })?
            .port();
        let token = SecretString::new(hex(&random_bytes()?));
        let imds_key = credchain_sigv4::SigningKey::derive(
            &hex(&random_bytes()?),
            "credchain",
            "serve",
            "imds",
        );
        let role_name = options
            .role_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or(DEFAULT_ROLE_NAME)
            .to_owned();
        let state = Arc::new(routes::State {
            protocol,
            credentials,
            token,
            imds_key,
            role_arn: options.role_arn.clone(),
            role_name,
            clock: Arc::clone(&options.clock),
        });
        Ok(CredentialServer {
            listener,
            port,
            state,
            options,
        })
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The variables that point a client at this endpoint, as
    /// `(NAME, value)`: `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN` (the bearer token itself: print
    /// it only where the client reads it), or
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        match self.state.protocol {
            Protocol::Container => vec![
                (
                    crate::env_vars::AWS_CONTAINER_CREDENTIALS_FULL_URI,
                    format!("http://127.0.0.1:{}{CONTAINER_PATH}", self.port),
                ),
                (
                    crate::container::AWS_CONTAINER_AUTHORIZATION_TOKEN,
                    self.state.token.expose().to_owned(),
                ),
            ],
            Protocol::Imds => vec![(
                crate::env_vars::AWS_EC2_METADATA_SERVICE_ENDPOINT,
                format!("http://127.0.0.1:{}/", self.port),
            )],
        }
    }

    /// Starts the acceptor and the worker threads; the endpoint serves
    /// until [`RunningServer::stop`] (or the process ends).
    pub fn spawn(self) -> RunningServer {
        let workers = self.options.max_connections.max(1);
        let (tx, rx) = mpsc::sync_channel::<TcpStream>(workers);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..workers {
            let rx = Arc::clone(&rx);
            let state = Arc::clone(&self.state);
            let options = self.options.clone();
            std::thread::spawn(move || worker(&rx, &state, &options));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = Arc::clone(&stop);
            let listener = self.listener;
            std::thread::spawn(move || accept_loop(&listener, &tx, &stop))
        };
        RunningServer {
            port: self.port,
            stop,
            acceptor: Some(acceptor),
        }
    }
}

/// A running endpoint. Dropping it leaves it running; [`RunningServer::stop`]
/// stops accepting (connections being served finish their request).
#[derive(Debug)]
pub struct RunningServer {
    port: u16,
    stop: Arc<AtomicBool>,
    acceptor: Option<std::thread::JoinHandle<()>>,
}

impl RunningServer {
    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops accepting connections and waits for the acceptor to end; the
    /// workers end as their connections close.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, tx: &SyncSender<TcpStream>, stop: &AtomicBool) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        // A failed accept (EMFILE, a reset before accept) concerns that
        // connection only; a short pause keeps an fd shortage from spinning.
        let Ok(conn) = conn else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        match tx.try_send(conn) {
            Ok(()) => {}
            Err(TrySendError::Full(mut conn)) => {
                let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = conn.write_all(&http::Response::empty(503).to_bytes(false));
            }
            Err(TrySendError::Disconnected(_)) => break,
        }
    }
    // Dropping `tx` ends the workers once the queue is empty.
}

fn worker(rx: &Mutex<Receiver<TcpStream>>, state: &routes::State, options: &ServeOptions) {
    loop {
        // The lock is held only while waiting for the next connection.
        let next = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(conn) = next else { return };
        serve_connection(conn, state, options);
    }
}

/// Answers requests on one connection until it closes, idles out, asks to
/// close or sends something unusable.
fn serve_connection(mut conn: TcpStream, state: &routes::State, options: &ServeOptions) {
    let _ = conn.set_read_timeout(Some(options.idle_timeout));
    let _ = conn.set_write_timeout(Some(options.idle_timeout));
    let _ = conn.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        match server_head::parse_head(&buf, MAX_HEAD_BYTES) {
            Ok(Some((req, used))) => {
                let started = Instant::now();
                let (resp, route) = routes::respond(state, &req);
                let keep_alive = req.keep_alive && resp.status < 500;
                let mut bytes = resp.to_bytes(keep_alive);
                let written = conn.write_all(&bytes);
                zeroize::Zeroize::zeroize(&mut bytes);
                if let Some(log) = &options.log {
                    log(&format!(
                        "{} {} -> {} ({} us)",
                        req.method,
                        route,
                        resp.status,
                        started.elapsed().as_micros()
                    ));
                }
                buf.drain(..used);
                if written.is_err() || !keep_alive {
                    return;
                }
            }
            Ok(None) => match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            },
            Err(e) => {
                let _ = conn.write_all(&http::Response::empty(e.status()).to_bytes(false));
                if let Some(log) = &options.log {
                    log(&format!("(unreadable request) -> {}", e.status()));
                }
                return;
            }
        }
    }
}
