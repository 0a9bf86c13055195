//! The loopback redirect listener of the authorization-code flow (the AWS
//! CLI v2's `AuthCodeFetcher`): an HTTP server on `127.0.0.1`, random
//! port, that waits for the browser to come back to `/oauth/callback`
//! with `code` and `state` (or `error`).
//!
//! * One *answer* ends the wait: a callback with `code` and `state` (the
//!   state must be the one sent: a different one is an error page and
//!   `AuthorizationCodeLoadError`), or one with `error`. Other requests
//!   (`/favicon.ico`, a callback without parameters) get a 404 or 400
//!   page and the wait goes on, as the AWS CLI's does.
//! * The wait is bounded ([`super::CALLBACK_TIMEOUT`] by default, the AWS
//!   CLI's 600 s) and each connection must send its request within 10 s
//!   (the AWS CLI's `_REQUEST_TIMEOUT`), so a silent client cannot stall
//!   the login.
//! * Unlike the AWS CLI (which binds every interface), only 127.0.0.1 is
//!   bound: the redirect URI names it, and nothing else needs to reach it.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::credentials::SecretString;
use crate::error::{Error, SsoLoginFailure};
use crate::http::server_head::{ParseError, Request, parse_head};

/// How long one connection may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head read (a browser's head carries the cookies of
/// every `127.0.0.1` page, whatever the port).
const MAX_HEAD: usize = 16 * 1024;
/// How often the non-blocking accept is retried.
const ACCEPT_POLL: Duration = Duration::from_millis(25);

const DONE_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>credchain sso login</title></head><body><h1>Login complete</h1>\
<p id=\"result\">credchain has received the authorization. You can close this window and \
return to the terminal.</p></body></html>";

fn error_page(what: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>credchain sso login failed</title></head><body><h1>Login failed</h1>\
         <p id=\"result\">{}</p><p>Close this window and run the login again.</p></body></html>",
        html_escape(what)
    )
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// The listener, bound and ready before the browser is sent anywhere.
#[derive(Debug)]
pub struct CallbackListener {
    listener: TcpListener,
    port: u16,
}

impl CallbackListener {
    /// Binds `127.0.0.1:0`.
    pub fn bind() -> Result<CallbackListener, Error> {
        let fail = |e: std::io::Error| Error::SsoLogin {
            failure: SsoLoginFailure::AuthCodeFetcher,
            detail: e.to_string(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").map_err(fail)?;
        let port = listener.local_addr().map_err(fail)?.port();
        listener.set_nonblocking(true).map_err(fail)?;
        Ok(CallbackListener { listener, port })
    }

    /// `http://127.0.0.1:PORT/oauth/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/oauth/callback", self.port)
    }

    /// Waits up to `timeout` for the callback; the authorization code.
    /// `on_tick` runs between polls (the CLI's progress indicator).
    ///
    /// Each connection's request is read on its own thread: browsers open
    /// speculative connections that send nothing, and one of those must
    /// not hold up the real callback for `REQUEST_TIMEOUT`.
    pub fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
        on_tick: &dyn Fn(),
    ) -> Result<SecretString, Error> {
        let deadline = Instant::now() + timeout;
        let mut last_tick = Instant::now();
        let (tx, rx) = std::sync::mpsc::channel::<(TcpStream, Request)>();
        loop {
            // Accept everything waiting; a reset before accept is ignored.
            while let Ok((mut conn, _)) = self.listener.accept() {
                let tx = tx.clone();
                std::thread::spawn(move || match read_head(&mut conn) {
                    Some(Ok(req)) => {
                        let _ = tx.send((conn, req));
                    }
                    Some(Err(e)) => refuse(&mut conn, e),
                    None => {}
                });
            }
            while let Ok((conn, req)) = rx.try_recv() {
                if let Some(done) = serve(conn, &req, expected_state) {
                    return done;
                }
            }
            if Instant::now() >= deadline {
                return Err(Error::SsoLogin {
                    failure: SsoLoginFailure::PendingAuthorizationExpired,
                    detail: format!(
                        "no browser came back to {} within {} s",
                        self.redirect_uri(),
                        timeout.as_secs()
                    ),
                });
            }
            if last_tick.elapsed() >= Duration::from_millis(250) {
                on_tick();
                last_tick = Instant::now();
            }
            std::thread::sleep(ACCEPT_POLL);
        }
    }
}

/// The first non-empty value of `name` in a query string, as the AWS CLI
/// reads it (`parse_qs(query)[name][0]`: pairs split on `&`, `+` is a
/// space, `%XX` decoded, invalid UTF-8 replaced, blank values dropped).
fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.into_owned())
}

fn respond(conn: &mut TcpStream, status: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
    let _ = conn.flush();
}

/// Reads one request head (`httparse`, through the parser `credchain
/// serve` uses); `None` when the client sent none in time or closed.
fn read_head(conn: &mut TcpStream) -> Option<Result<Request, ParseError>> {
    conn.set_nonblocking(false).ok()?;
    conn.set_read_timeout(Some(REQUEST_TIMEOUT)).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        match parse_head(&buf, MAX_HEAD) {
            Ok(Some((req, _))) => return Some(Ok(req)),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The error page for a head that could not be used.
fn refuse(conn: &mut TcpStream, e: ParseError) {
    let status = match e {
        ParseError::Malformed => "400 Bad Request",
        ParseError::TooLarge => "431 Request Header Fields Too Large",
        ParseError::Body => "413 Content Too Large",
    };
    respond(conn, status, &error_page("This request could not be read."));
    // Unread bytes at close would reset the connection, and the page with
    // it: read (a bounded amount, for at most a second) what the client
    // still sends.
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = std::io::copy(&mut conn.take(64 * 1024), &mut std::io::sink());
}

/// Answers one request; `Some` when it ends the wait.
fn serve(
    mut conn: TcpStream,
    req: &Request,
    expected_state: &str,
) -> Option<Result<SecretString, Error>> {
    let query = req.query();
    if req.method != "GET" || req.path() != "/oauth/callback" {
        respond(&mut conn, "404 Not Found", &error_page("Not found."));
        return None;
    }
    let load_error = |detail: String| Error::SsoLogin {
        failure: SsoLoginFailure::AuthorizationCodeLoad,
        detail,
    };
    if let Some(error) = query_param(query, "error") {
        let why = match query_param(query, "error_description") {
            Some(d) => format!("{error}: {d}"),
            None => error,
        };
        respond(
            &mut conn,
            "400 Bad Request",
            &error_page(&format!("The sign-in was not completed ({why}).")),
        );
        return Some(Err(load_error(format!(
            "Failed to retrieve an authorization code ({why})."
        ))));
    }
    let (Some(code), Some(state)) = (query_param(query, "code"), query_param(query, "state"))
    else {
        respond(
            &mut conn,
            "400 Bad Request",
            &error_page("This page expects the code and state parameters."),
        );
        return None;
    };
    if state != expected_state {
        respond(
            &mut conn,
            "400 Bad Request",
            &error_page(
                "The state parameter does not match this login; the authorization was refused.",
            ),
        );
        return Some(Err(load_error(
            "State parameter does not match expected value.".into(),
        )));
    }
    respond(&mut conn, "200 OK", DONE_PAGE);
    Some(Ok(SecretString::new(code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(port: u16, target: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    fn run(requests: &'static [&'static str]) -> (Vec<String>, Result<String, Error>) {
        let l = CallbackListener::bind().unwrap();
        let port = l.port;
        let client =
            std::thread::spawn(move || requests.iter().map(|r| get(port, r)).collect::<Vec<_>>());
        let r = l
            .wait("st-1", Duration::from_secs(20), &|| {})
            .map(|c| c.expose().to_owned());
        (client.join().unwrap(), r)
    }

    #[test]
    fn serves_one_valid_callback_after_noise() {
        let (pages, r) = run(&[
            "/favicon.ico",
            "/oauth/callback",
            "/oauth/callback?code=c%2Fd+e&state=st-1",
        ]);
        assert_eq!(r.unwrap(), "c/d e");
        assert!(pages[0].starts_with("HTTP/1.1 404"));
        assert!(pages[1].starts_with("HTTP/1.1 400"));
        assert!(pages[2].starts_with("HTTP/1.1 200"));
        assert!(pages[2].contains("You can close this window"));
    }

    #[test]
    fn wrong_state_is_an_error_page_and_a_failed_login() {
        let (pages, r) = run(&["/oauth/callback?code=c&state=forged"]);
        let e = r.unwrap_err();
        assert_eq!(e.kind(), "AuthorizationCodeLoadError");
        assert_eq!(
            e.to_string(),
            "Error loading authorization code: State parameter does not match expected value."
        );
        assert!(pages[0].starts_with("HTTP/1.1 400"), "{}", pages[0]);
        assert!(pages[0].contains("does not match"));
        assert!(!pages[0].contains("forged"));
    }

    #[test]
    fn error_callback_fails_with_the_reason() {
        let (_, r) = run(&["/oauth/callback?error=access_denied&state=st-1"]);
        assert_eq!(
            r.unwrap_err().to_string(),
            "Error loading authorization code: Failed to retrieve an authorization code \
             (access_denied)."
        );
    }

    #[test]
    fn a_silent_connection_does_not_hold_up_the_callback() {
        let l = CallbackListener::bind().unwrap();
        let port = l.port;
        let started = Instant::now();
        let client = std::thread::spawn(move || {
            // A browser's speculative connection: open, send nothing.
            let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            get(port, "/oauth/callback?code=c&state=st-1")
        });
        let code = l.wait("st-1", Duration::from_secs(20), &|| {}).unwrap();
        assert_eq!(code.expose(), "c");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(client.join().unwrap().starts_with("HTTP/1.1 200"));
    }

    #[test]
    fn unreadable_heads_get_an_error_page_and_the_wait_goes_on() {
        let l = CallbackListener::bind().unwrap();
        let port = l.port;
        let raw = move |head: String| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(head.as_bytes()).unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            out
        };
        let client = std::thread::spawn(move || {
            let pages = [
                raw("GET /oauth/callback?code=c&state=st-1 HTTP/9\r\n\r\n".into()),
                raw(format!(
                    "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
                    "a".repeat(MAX_HEAD)
                )),
                raw("POST /oauth/callback HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc".into()),
            ];
            (pages, get(port, "/oauth/callback?code=c&state=st-1"))
        });
        let code = l.wait("st-1", Duration::from_secs(20), &|| {}).unwrap();
        assert_eq!(code.expose(), "c");
        let (pages, last) = client.join().unwrap();
        assert!(pages[0].starts_with("HTTP/1.1 400"), "{}", pages[0]);
        assert!(pages[1].starts_with("HTTP/1.1 431"), "{}", pages[1]);
        assert!(pages[2].starts_with("HTTP/1.1 413"), "{}", pages[2]);
        assert!(last.starts_with("HTTP/1.1 200"), "{last}");
    }

    #[test]
    fn query_params_read_as_parse_qs_reads_them() {
        // Each expectation is CPython's `urllib.parse.parse_qs(q)[name][0]`.
        for (q, name, want) in [
            ("code=c%2Fd+e&state=st-1", "code", Some("c/d e")),
            ("code=&code=x&state=s", "code", Some("x")),
            ("code&state=s&code=y", "code", Some("y")),
            ("code=a%zzb&state=s", "code", Some("a%zzb")),
            (
                "code=k&state=%E2%82%AC+%ff",
                "state",
                Some("\u{20ac} \u{fffd}"),
            ),
            (
                "error=e&error_description=User+denied%20it",
                "error_description",
                Some("User denied it"),
            ),
            ("c%6Fde=k&state=s", "code", Some("k")),
            ("code=a=b&state=s;x", "code", Some("a=b")),
            ("code=a=b&state=s;x", "state", Some("s;x")),
            ("&&code=q&", "code", Some("q")),
            ("code=%2B+%2b", "code", Some("+ +")),
            ("code=&state=s", "code", None),
            ("", "code", None),
        ] {
            assert_eq!(query_param(q, name).as_deref(), want, "{q:?} {name}");
        }
    }

    #[test]
    fn wait_is_bounded() {
        let l = CallbackListener::bind().unwrap();
        let uri = l.redirect_uri();
        let started = Instant::now();
        let e = l.wait("s", Duration::from_millis(300), &|| {}).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(e.kind(), "PendingAuthorizationExpiredError");
        assert!(e.to_string().contains(&uri), "{e}");
    }
}
