//! A fake IAM Identity Center on `127.0.0.1`: the portal's
//! `GetRoleCredentials` and `Logout`, and SSO-OIDC's `CreateToken`
//! (refresh-token grant), on one port, so both `AWS_ENDPOINT_URL_SSO` and
//! `AWS_ENDPOINT_URL_SSO_OIDC` can point at [`FakeSso::url`].
//!
//! Its answers are a pure function of the request, so credchain and
//! botocore (the differential tests) get the same ones; faults are chosen
//! by the token's prefix:
//!
//! | bearer token (portal) | answer |
//! |---|---|
//! | `unauthorized…` | 401 `UnauthorizedException` |
//! | `forbidden…` | 403 `ForbiddenException` (not modeled: `ClientError`) |
//! | `throttle…` | 429 `TooManyRequestsException` |
//! | `servererror…` | 500, empty body |
//! | `malformed…` | 200, not JSON |
//! | `slow…` | the normal answer after [`SLOW`] |
//! | `blackhole…` | never answers (until the server is dropped) |
//! | anything else | 200, role credentials derived from token, role and account |
//!
//! | refresh token (`CreateToken`) | answer |
//! |---|---|
//! | `rt-fail…` | 400 `InvalidGrantException` |
//! | `rt-throttle…` | 429 (`ClientError`) |
//! | `rt-servererror…` | 500, empty body |
//! | `rt-malformed…` | 200, not JSON |
//! | `rt-zero…` | 200, `expiresIn: 0` (an already expired token) |
//! | `rt-slow…` | the normal answer after [`SLOW`] |
//! | anything else | 200, `accessToken` `good-refreshed-<rt>`, `expiresIn` 3600, `refreshToken` `<rt>-next` |
//!
//! Every fault ends in bounded time except `blackhole`, which tests meet
//! with short client timeouts. [`FakeSso::create_token_calls`] counts
//! `CreateToken` calls (the concurrency tests), [`FakeSso::set_create_token_delay`]
//! widens the race window.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Recorded, Reply, TestServer};

/// The delay of the `slow` faults.
pub const SLOW: Duration = Duration::from_millis(1500);

/// Expiry of every role credential served: 2100-01-01T00:00:00Z in epoch
/// milliseconds, so both sides of a differential see the same value.
pub const ROLE_EXPIRATION_MS: i64 = 4_102_444_800_000;

#[derive(Default)]
struct State {
    create_token: AtomicUsize,
    get_role: AtomicUsize,
    logout: AtomicUsize,
    delay_ms: AtomicU64,
    logged_out: Mutex<Vec<String>>,
}

/// The fake portal + SSO-OIDC server. Stops when dropped.
pub struct FakeSso {
    server: TestServer,
    state: Arc<State>,
}

impl std::fmt::Debug for FakeSso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FakeSso({})", self.url())
    }
}

fn hex_digest(s: &str) -> String {
    crate::sso::token::sha1_hex(s)
}

/// The role credentials the fake serves for `(token, role, account)`:
/// `(access key id, secret, session token)`.
pub fn role_credentials_for(token: &str, role: &str, account: &str) -> (String, String, String) {
    let h = hex_digest(&format!("{token}|{role}|{account}"));
    (
        format!("ASIA{}", h[..16].to_ascii_uppercase()),
        format!("secret-{}", &h[..24]),
        format!("session-{}", &h[16..40]),
    )
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query(path: &str, key: &str) -> Option<String> {
    let q = path.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == key).then(|| percent_decode(v))
    })
}

fn json_reply(status: u16, error_type: Option<&str>, body: &str) -> Reply {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
    if let Some(t) = error_type {
        let _ = write!(
            head,
            "x-amzn-ErrorType: {t}:http://internal.amazon.com/\r\n"
        );
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    Reply::Raw(bytes)
}

fn error_reply(status: u16, code: &str, message: &str) -> Reply {
    json_reply(
        status,
        Some(code),
        &serde_json::json!({ "message": message }).to_string(),
    )
}

fn portal(req: &Recorded) -> Reply {
    let token = req.header("x-amz-sso_bearer_token").unwrap_or_default();
    let role = query(&req.path, "role_name").unwrap_or_default();
    let account = query(&req.path, "account_id").unwrap_or_default();
    if token.is_empty() || token.starts_with("unauthorized") {
        return error_reply(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
        );
    }
    if token.starts_with("forbidden") {
        return error_reply(403, "ForbiddenException", "No access");
    }
    if token.starts_with("throttle") {
        return error_reply(429, "TooManyRequestsException", "Rate exceeded");
    }
    if token.starts_with("servererror") {
        return Reply::Respond(500, String::new());
    }
    if token.starts_with("malformed") {
        return Reply::Respond(200, "<html>this is not JSON".into());
    }
    if token.starts_with("blackhole") {
        return Reply::BlackHole;
    }
    if token.starts_with("slow") {
        std::thread::sleep(SLOW);
    }
    let (ak, sk, st) = role_credentials_for(token, &role, &account);
    json_reply(
        200,
        None,
        &serde_json::json!({"roleCredentials": {"accessKeyId": ak, "secretAccessKey": sk,
            "sessionToken": st, "expiration": ROLE_EXPIRATION_MS}})
        .to_string(),
    )
}

fn create_token(req: &Recorded, state: &State) -> Reply {
    state.create_token.fetch_add(1, Ordering::SeqCst);
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let rt = body["refreshToken"].as_str().unwrap_or_default().to_owned();
    if body["grantType"] != "refresh_token" || body["clientId"].as_str().is_none() {
        return error_reply(400, "UnsupportedGrantTypeException", "bad grant");
    }
    if rt.starts_with("rt-fail") {
        return error_reply(
            400,
            "InvalidGrantException",
            "Invalid refresh token provided",
        );
    }
    if rt.starts_with("rt-throttle") {
        return error_reply(429, "TooManyRequestsException", "Rate exceeded");
    }
    if rt.starts_with("rt-servererror") {
        return Reply::Respond(500, String::new());
    }
    if rt.starts_with("rt-malformed") {
        return Reply::Respond(200, "{\"accessToken\": ".into());
    }
    if rt.starts_with("rt-slow") {
        std::thread::sleep(SLOW);
    }
    let expires_in = if rt.starts_with("rt-zero") { 0 } else { 3600 };
    json_reply(
        200,
        None,
        &serde_json::json!({"accessToken": format!("good-refreshed-{rt}"), "tokenType": "Bearer",
            "expiresIn": expires_in, "refreshToken": format!("{rt}-next")})
        .to_string(),
    )
}

impl FakeSso {
    /// Starts the fake on `127.0.0.1:0`.
    pub fn start() -> FakeSso {
        let state = Arc::new(State::default());
        let s = Arc::clone(&state);
        let server = TestServer::start(move |req, _| {
            let path = req.path.split('?').next().unwrap_or_default();
            match (req.method.as_str(), path) {
                ("GET", "/federation/credentials") => {
                    s.get_role.fetch_add(1, Ordering::SeqCst);
                    portal(req)
                }
                ("POST", "/token") => create_token(req, &s),
                ("POST", "/logout") => {
                    s.logout.fetch_add(1, Ordering::SeqCst);
                    let token = req.header("x-amz-sso_bearer_token").unwrap_or_default();
                    if let Ok(mut l) = s.logged_out.lock() {
                        l.push(token.to_owned());
                    }
                    Reply::Respond(200, String::new())
                }
                _ => error_reply(404, "UnknownOperationException", "no such route"),
            }
        });
        FakeSso { server, state }
    }
    /// `http://127.0.0.1:PORT`: the endpoint of both services.
    pub fn url(&self) -> String {
        self.server.url("")
    }
    /// `CreateToken` calls so far.
    pub fn create_token_calls(&self) -> usize {
        self.state.create_token.load(Ordering::SeqCst)
    }
    /// `GetRoleCredentials` calls so far.
    pub fn get_role_credentials_calls(&self) -> usize {
        self.state.get_role.load(Ordering::SeqCst)
    }
    /// `Logout` calls so far.
    pub fn logout_calls(&self) -> usize {
        self.state.logout.load(Ordering::SeqCst)
    }
    /// The bearer tokens `Logout` was called with, in order.
    pub fn logged_out_tokens(&self) -> Vec<String> {
        self.state
            .logged_out
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
    /// Delays every `CreateToken` answer (widens the race window).
    pub fn set_create_token_delay(&self, d: Duration) {
        self.state.delay_ms.store(
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }
    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}
