//! A fake IAM Identity Center on `127.0.0.1`: the portal's
//! `GetRoleCredentials` and `Logout`, and SSO-OIDC's `RegisterClient`,
//! `StartDeviceAuthorization`, `CreateToken` (refresh-token, device-code
//! and authorization-code grants) and its `/authorize` page, on one port,
//! so both `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL_SSO_OIDC` can
//! point at [`FakeSso::url`].
//!
//! Logins (`sso login`):
//!
//! * `RegisterClient` issues `client-<n>` / `csecret-<n>`, valid 90 days;
//!   [`FakeSso::fail_register_client`] makes it answer 400
//!   `InvalidClientMetadataException`.
//! * `GET /authorize?…` checks the client (registered for
//!   `authorization_code`), the loopback `redirect_uri` and
//!   `code_challenge_method=S256`, and shows a page with an **Allow**
//!   link (`#allow`) to `redirect_uri?code=…&state=…` and a **Deny** link
//!   (`#deny`, `error=access_denied`). `CreateToken` with
//!   `authorization_code` takes each code once and checks the client, the
//!   redirect URI and that S256(`codeVerifier`) is the challenge.
//! * `StartDeviceAuthorization` issues a user code (`ABCD-0001`, …) with
//!   `interval` 1 and `expiresIn` 600; `/device?user_code=…` shows its
//!   **Allow** link (`/device/approve?user_code=…`); polls answer
//!   `AuthorizationPendingException` until it is approved
//!   ([`FakeSso::approve_user_code`] or the link), or follow a
//!   [`DeviceScript`] (slow down, pending, then approve/deny/expire).
//! * Tokens issued by a login are `good-login-<n>` (8 h) with refresh
//!   token `rt-login-<n>`; [`FakeSso::tokens_issued`] counts them.
//!
//! Account listings (`configure sso`): `ListAccounts` and `ListAccountRoles`
//! serve the accounts given to [`FakeSso::set_accounts`] in pages of
//! [`FakeSso::set_page_size`] items (default 2; a client's `max_result`
//! makes them smaller), with `nextToken` `page-<offset>`; the bearer token's
//! faults below apply to them too, and an unknown account is 404
//! `ResourceNotFoundException`.
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

/// `expiresIn` of the tokens a login gets (8 h).
pub const LOGIN_TOKEN_SECONDS: i64 = 28_800;

/// `clientSecretExpiresAt` of every registration: 2100-01-01T00:00:00Z.
pub const REGISTRATION_EPOCH: i64 = 4_102_444_800;

/// The keys of a refreshable token file, in the AWS CLI v2's order (its
/// `SSOTokenFetcher` writes them so; P-SSO-3/4), for the tests that
/// compare a written file with it.
pub const TOKEN_FILE_KEYS: [&str; 8] = [
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
];

/// The delay of the `slow` faults.
pub const SLOW: Duration = Duration::from_millis(1500);

/// Expiry of every role credential served: 2100-01-01T00:00:00Z in epoch
/// milliseconds, so both sides of a differential see the same value.
pub const ROLE_EXPIRATION_MS: i64 = 4_102_444_800_000;

/// How a device authorization answers its polls without a test
/// approving it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceScript {
    /// First polls answered `SlowDownException`.
    pub slow_down: usize,
    /// Then this many `AuthorizationPendingException`.
    pub pending: usize,
    /// Then this.
    pub then: DeviceOutcome,
}

/// The end of a [`DeviceScript`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceOutcome {
    /// A token.
    Approve,
    /// 400 `AccessDeniedException`.
    Deny,
    /// 400 `ExpiredTokenException`.
    Expire,
}

#[derive(Clone, Debug)]
struct Client {
    id: String,
    secret: String,
    auth_code: bool,
}

#[derive(Clone, Debug)]
struct DeviceAuth {
    device_code: String,
    user_code: String,
    client_id: String,
    approved: bool,
    polls: usize,
}

#[derive(Clone, Debug)]
struct IssuedCode {
    code: String,
    client_id: String,
    redirect_uri: String,
    challenge: String,
}

#[derive(Default)]
struct State {
    create_token: AtomicUsize,
    register_client: AtomicUsize,
    start_device: AtomicUsize,
    issued: AtomicUsize,
    fail_register: std::sync::atomic::AtomicBool,
    clients: Mutex<Vec<Client>>,
    devices: Mutex<Vec<DeviceAuth>>,
    codes: Mutex<Vec<IssuedCode>>,
    script: Mutex<Option<DeviceScript>>,
    device_fields: Mutex<serde_json::Map<String, serde_json::Value>>,
    get_role: AtomicUsize,
    logout: AtomicUsize,
    delay_ms: AtomicU64,
    logged_out: Mutex<Vec<String>>,
    accounts: Mutex<Vec<FakeAccount>>,
    page_size: AtomicUsize,
    list_calls: AtomicUsize,
}

/// An account the fake lists, with its roles in listing order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAccount {
    /// `accountId`.
    pub id: String,
    /// `accountName` (omitted from the answer when `None`).
    pub name: Option<String>,
    /// `emailAddress` (omitted when `None`).
    pub email: Option<String>,
    /// The role names.
    pub roles: Vec<String>,
}

impl FakeAccount {
    /// An account with a name, an e-mail address derived from it and roles.
    pub fn new(id: &str, name: &str, roles: &[&str]) -> FakeAccount {
        FakeAccount {
            id: id.to_owned(),
            name: Some(name.to_owned()),
            email: Some(format!(
                "{}@example.com",
                name.to_ascii_lowercase().replace(' ', ".")
            )),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
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
    if let Some(r) = token_fault(token) {
        return r;
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

/// The portal's bearer-token faults (see the module docs), if any.
fn token_fault(token: &str) -> Option<Reply> {
    if token.is_empty() || token.starts_with("unauthorized") {
        return Some(error_reply(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
        ));
    }
    if token.starts_with("forbidden") {
        return Some(error_reply(403, "ForbiddenException", "No access"));
    }
    if token.starts_with("throttle") {
        return Some(error_reply(
            429,
            "TooManyRequestsException",
            "Rate exceeded",
        ));
    }
    if token.starts_with("servererror") {
        return Some(Reply::Respond(500, String::new()));
    }
    if token.starts_with("malformed") {
        return Some(Reply::Respond(200, "<html>this is not JSON".into()));
    }
    if token.starts_with("blackhole") {
        return Some(Reply::BlackHole);
    }
    None
}

/// One page of `items` for a listing request, and the next page's token.
fn page_of<T: Clone>(req: &Recorded, state: &State, items: &[T]) -> (Vec<T>, Option<String>) {
    let size = state.page_size.load(Ordering::SeqCst).max(1);
    let size = query(&req.path, "max_result")
        .and_then(|m| m.parse::<usize>().ok())
        .filter(|m| *m > 0)
        .map_or(size, |m| m.min(size));
    let start = query(&req.path, "next_token")
        .and_then(|t| {
            t.strip_prefix("page-")
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(0)
        .min(items.len());
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("page-{end}"));
    (items[start..end].to_vec(), next)
}

fn list_accounts(req: &Recorded, state: &State) -> Reply {
    state.list_calls.fetch_add(1, Ordering::SeqCst);
    if let Some(r) = token_fault(req.header("x-amz-sso_bearer_token").unwrap_or_default()) {
        return r;
    }
    let accounts = state.accounts.lock().map(|a| a.clone()).unwrap_or_default();
    let (page, next) = page_of(req, state, &accounts);
    let list: Vec<serde_json::Value> = page
        .iter()
        .map(|a| {
            let mut o = serde_json::Map::new();
            o.insert("accountId".into(), a.id.clone().into());
            if let Some(n) = &a.name {
                o.insert("accountName".into(), n.clone().into());
            }
            if let Some(e) = &a.email {
                o.insert("emailAddress".into(), e.clone().into());
            }
            serde_json::Value::Object(o)
        })
        .collect();
    let mut body = serde_json::json!({ "accountList": list });
    if let Some(n) = next {
        body["nextToken"] = n.into();
    }
    json_reply(200, None, &body.to_string())
}

fn list_roles(req: &Recorded, state: &State) -> Reply {
    state.list_calls.fetch_add(1, Ordering::SeqCst);
    if let Some(r) = token_fault(req.header("x-amz-sso_bearer_token").unwrap_or_default()) {
        return r;
    }
    let account = query(&req.path, "account_id").unwrap_or_default();
    let accounts = state.accounts.lock().map(|a| a.clone()).unwrap_or_default();
    let Some(a) = accounts.iter().find(|a| a.id == account) else {
        return error_reply(404, "ResourceNotFoundException", "No such account");
    };
    let (page, next) = page_of(req, state, &a.roles);
    let list: Vec<serde_json::Value> = page
        .iter()
        .map(|r| serde_json::json!({"roleName": r, "accountId": a.id}))
        .collect();
    let mut body = serde_json::json!({ "roleList": list });
    if let Some(n) = next {
        body["nextToken"] = n.into();
    }
    json_reply(200, None, &body.to_string())
}

fn create_token(req: &Recorded, state: &State) -> Reply {
    state.create_token.fetch_add(1, Ordering::SeqCst);
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    if body["clientId"].as_str().is_none() {
        return error_reply(400, "InvalidRequestException", "clientId is required");
    }
    match body["grantType"].as_str() {
        Some("refresh_token") => refresh_grant(&body),
        Some(crate::sso::login::device::GRANT_TYPE) => device_grant(&body, state),
        Some("authorization_code") => auth_code_grant(&body, state),
        _ => error_reply(400, "UnsupportedGrantTypeException", "bad grant"),
    }
}

fn refresh_grant(body: &serde_json::Value) -> Reply {
    let rt = body["refreshToken"].as_str().unwrap_or_default().to_owned();
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

fn client_ok(state: &State, body: &serde_json::Value) -> Option<Client> {
    let clients = state.clients.lock().ok()?;
    clients
        .iter()
        .find(|c| {
            Some(c.id.as_str()) == body["clientId"].as_str()
                && Some(c.secret.as_str()) == body["clientSecret"].as_str()
        })
        .cloned()
}

fn issue(state: &State) -> Reply {
    let n = state.issued.fetch_add(1, Ordering::SeqCst) + 1;
    json_reply(
        200,
        None,
        &serde_json::json!({"accessToken": format!("good-login-{n}"), "tokenType": "Bearer",
            "expiresIn": LOGIN_TOKEN_SECONDS, "refreshToken": format!("rt-login-{n}")})
        .to_string(),
    )
}

fn device_grant(body: &serde_json::Value, state: &State) -> Reply {
    if client_ok(state, body).is_none() {
        return error_reply(401, "InvalidClientException", "unknown client");
    }
    let script = state.script.lock().ok().and_then(|s| *s);
    let verdict = {
        let Ok(mut devices) = state.devices.lock() else {
            return Reply::Respond(500, String::new());
        };
        let Some(d) = devices
            .iter_mut()
            .find(|d| Some(d.device_code.as_str()) == body["deviceCode"].as_str())
        else {
            return error_reply(400, "InvalidGrantException", "unknown device code");
        };
        if Some(d.client_id.as_str()) != body["clientId"].as_str() {
            return error_reply(
                400,
                "InvalidGrantException",
                "device code of another client",
            );
        }
        let k = d.polls;
        d.polls += 1;
        match script {
            _ if d.approved => Some(DeviceOutcome::Approve),
            Some(s) if k < s.slow_down => {
                return error_reply(400, "SlowDownException", "Client is polling too fast");
            }
            Some(s) if k >= s.slow_down + s.pending => Some(s.then),
            _ => None,
        }
    };
    match verdict {
        Some(DeviceOutcome::Approve) => issue(state),
        Some(DeviceOutcome::Deny) => {
            error_reply(400, "AccessDeniedException", "The user denied the request")
        }
        Some(DeviceOutcome::Expire) => {
            error_reply(400, "ExpiredTokenException", "Device code has expired")
        }
        None => error_reply(
            400,
            "AuthorizationPendingException",
            "Authorization is still pending",
        ),
    }
}

fn auth_code_grant(body: &serde_json::Value, state: &State) -> Reply {
    let Some(client) = client_ok(state, body) else {
        return error_reply(401, "InvalidClientException", "unknown client");
    };
    let code = {
        let Ok(mut codes) = state.codes.lock() else {
            return Reply::Respond(500, String::new());
        };
        let Some(i) = codes
            .iter()
            .position(|c| Some(c.code.as_str()) == body["code"].as_str())
        else {
            return error_reply(400, "InvalidGrantException", "Invalid authorization code");
        };
        // A code is good for one exchange.
        codes.remove(i)
    };
    let verifier = body["codeVerifier"].as_str().unwrap_or_default();
    let challenge = crate::sso::login::pkce::code_challenge(verifier);
    if code.client_id != client.id
        || Some(code.redirect_uri.as_str()) != body["redirectUri"].as_str()
        || challenge.trim_end_matches('=') != code.challenge
    {
        return error_reply(
            400,
            "InvalidGrantException",
            "code_verifier, client or redirect_uri does not match the authorization request",
        );
    }
    issue(state)
}

fn register_client(req: &Recorded, state: &State) -> Reply {
    state.register_client.fetch_add(1, Ordering::SeqCst);
    if state.fail_register.load(Ordering::SeqCst) {
        return error_reply(
            400,
            "InvalidClientMetadataException",
            "Client metadata is invalid",
        );
    }
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    if body["clientName"].as_str().is_none() || body["clientType"] != "public" {
        return error_reply(400, "InvalidRequestException", "clientName and clientType");
    }
    let auth_code = body["grantTypes"]
        .as_array()
        .is_some_and(|g| g.iter().any(|v| v == "authorization_code"));
    let Ok(mut clients) = state.clients.lock() else {
        return Reply::Respond(500, String::new());
    };
    let n = clients.len() + 1;
    let c = Client {
        id: format!("client-{n}"),
        secret: format!("csecret-{n}"),
        auth_code,
    };
    clients.push(c.clone());
    json_reply(
        200,
        None,
        &serde_json::json!({"clientId": c.id, "clientSecret": c.secret,
            "clientIdIssuedAt": REGISTRATION_EPOCH - 90 * 86_400,
            "clientSecretExpiresAt": REGISTRATION_EPOCH})
        .to_string(),
    )
}

fn start_device(req: &Recorded, state: &State, base: &str) -> Reply {
    state.start_device.fetch_add(1, Ordering::SeqCst);
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    if client_ok(state, &body).is_none() || body["startUrl"].as_str().is_none() {
        return error_reply(401, "InvalidClientException", "unknown client");
    }
    let Ok(mut devices) = state.devices.lock() else {
        return Reply::Respond(500, String::new());
    };
    let n = devices.len() + 1;
    let d = DeviceAuth {
        device_code: format!("devcode-{n}-{}", hex_digest(&format!("{body}"))),
        user_code: format!("ABCD-{n:04}"),
        client_id: body["clientId"].as_str().unwrap_or_default().to_owned(),
        approved: false,
        polls: 0,
    };
    devices.push(d.clone());
    let mut answer = serde_json::json!({"deviceCode": d.device_code, "userCode": d.user_code,
        "verificationUri": format!("{base}/device"),
        "verificationUriComplete": format!("{base}/device?user_code={}", d.user_code),
        "expiresIn": 600, "interval": 1});
    if let (Some(a), Ok(fields)) = (answer.as_object_mut(), state.device_fields.lock()) {
        for (k, v) in fields.iter() {
            if v.is_null() {
                a.remove(k);
            } else {
                a.insert(k.clone(), v.clone());
            }
        }
    }
    json_reply(200, None, &answer.to_string())
}

fn html_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

fn html_reply(status: u16, body: &str) -> Reply {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    Reply::Raw(bytes)
}

fn page(title: &str, allow: &str, deny: Option<&str>) -> String {
    let deny = deny.map_or(String::new(), |d| {
        format!(" <a id=\"deny\" href=\"{}\">Deny</a>", html_attr(d))
    });
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><a id=\"allow\" href=\"{}\">Allow</a>{deny}</body></html>",
        html_attr(allow)
    )
}

fn authorize(req: &Recorded, state: &State) -> Reply {
    let p = |k: &str| query(&req.path, k).unwrap_or_default();
    let (client_id, redirect, st) = (p("client_id"), p("redirect_uri"), p("state"));
    let known = state
        .clients
        .lock()
        .ok()
        .is_some_and(|c| c.iter().any(|c| c.id == client_id && c.auth_code));
    let loopback = redirect
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.split_once('/'))
        .is_some_and(|(port, path)| port.parse::<u16>().is_ok() && path == "oauth/callback");
    if !known || !loopback || p("response_type") != "code" || p("code_challenge_method") != "S256" {
        return html_reply(
            400,
            "<html><body>invalid authorization request</body></html>",
        );
    }
    let Ok(mut codes) = state.codes.lock() else {
        return Reply::Respond(500, String::new());
    };
    let code = format!(
        "authcode-{}-{}",
        codes.len() + 1,
        &hex_digest(&req.path)[..12]
    );
    codes.push(IssuedCode {
        code: code.clone(),
        client_id,
        redirect_uri: redirect.clone(),
        challenge: p("code_challenge"),
    });
    let enc = crate::sso::client::percent_encode;
    html_reply(
        200,
        &page(
            "Allow credchain to access your data?",
            &format!("{redirect}?code={}&state={}", enc(&code), enc(&st)),
            Some(&format!(
                "{redirect}?error=access_denied&state={}",
                enc(&st)
            )),
        ),
    )
}

fn device_page(req: &Recorded, state: &State, approve: bool) -> Reply {
    let code = query(&req.path, "user_code").unwrap_or_default();
    let Ok(mut devices) = state.devices.lock() else {
        return Reply::Respond(500, String::new());
    };
    let Some(d) = devices.iter_mut().find(|d| d.user_code == code) else {
        return html_reply(404, "<html><body>unknown code</body></html>");
    };
    if approve {
        d.approved = true;
        return html_reply(
            200,
            "<html><body><p id=\"result\">Request approved</p></body></html>",
        );
    }
    html_reply(
        200,
        &page(
            &format!("Authorize request {code}?"),
            &format!("/device/approve?user_code={code}"),
            None,
        ),
    )
}

impl FakeSso {
    /// Starts the fake on `127.0.0.1:0`.
    pub fn start() -> FakeSso {
        let state = Arc::new(State::default());
        state.page_size.store(2, Ordering::SeqCst);
        let s = Arc::clone(&state);
        let base = Arc::new(Mutex::new(String::new()));
        let b = Arc::clone(&base);
        let server = TestServer::start(move |req, _| {
            let path = req.path.split('?').next().unwrap_or_default();
            match (req.method.as_str(), path) {
                ("GET", "/federation/credentials") => {
                    s.get_role.fetch_add(1, Ordering::SeqCst);
                    portal(req)
                }
                ("GET", "/assignment/accounts") => list_accounts(req, &s),
                ("GET", "/assignment/roles") => list_roles(req, &s),
                ("POST", "/token") => create_token(req, &s),
                ("POST", "/client/register") => register_client(req, &s),
                ("POST", "/device_authorization") => {
                    let base = b.lock().map(|b| b.clone()).unwrap_or_default();
                    start_device(req, &s, &base)
                }
                ("GET", "/authorize") => authorize(req, &s),
                ("GET", "/device") => device_page(req, &s, false),
                ("GET", "/device/approve") => device_page(req, &s, true),
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
        if let Ok(mut b) = base.lock() {
            *b = server.url("");
        }
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
    /// `RegisterClient` calls so far.
    pub fn register_client_calls(&self) -> usize {
        self.state.register_client.load(Ordering::SeqCst)
    }
    /// `StartDeviceAuthorization` calls so far.
    pub fn start_device_authorization_calls(&self) -> usize {
        self.state.start_device.load(Ordering::SeqCst)
    }
    /// Tokens issued by logins (device or authorization code) so far.
    pub fn tokens_issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }
    /// Makes `RegisterClient` fail (400 `InvalidClientMetadataException`).
    pub fn fail_register_client(&self, fail: bool) {
        self.state.fail_register.store(fail, Ordering::SeqCst);
    }
    /// Device authorizations follow `script` instead of waiting for a test.
    pub fn set_device_script(&self, script: Option<DeviceScript>) {
        if let Ok(mut s) = self.state.script.lock() {
            *s = script;
        }
    }
    /// Overrides fields of the `StartDeviceAuthorization` answer (a `null`
    /// removes the field), e.g. a hostile `interval` or `expiresIn`.
    pub fn set_device_answer_fields(&self, fields: serde_json::Value) {
        if let (Ok(mut f), serde_json::Value::Object(m)) = (self.state.device_fields.lock(), fields)
        {
            *f = m;
        }
    }
    /// User codes issued and not yet approved.
    pub fn pending_user_codes(&self) -> Vec<String> {
        self.state
            .devices
            .lock()
            .map(|d| {
                d.iter()
                    .filter(|d| !d.approved)
                    .map(|d| d.user_code.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Approves a user code (as the user would in the browser); whether it
    /// was known.
    pub fn approve_user_code(&self, code: &str) -> bool {
        self.state.devices.lock().is_ok_and(|mut d| {
            d.iter_mut()
                .find(|d| d.user_code == code)
                .map(|d| d.approved = true)
                .is_some()
        })
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
    /// The accounts (and their roles) `ListAccounts` / `ListAccountRoles`
    /// serve from now on.
    pub fn set_accounts(&self, accounts: Vec<FakeAccount>) {
        if let Ok(mut a) = self.state.accounts.lock() {
            *a = accounts;
        }
    }
    /// Items per listing page (at least 1).
    pub fn set_page_size(&self, n: usize) {
        self.state.page_size.store(n.max(1), Ordering::SeqCst);
    }
    /// `ListAccounts` + `ListAccountRoles` calls so far.
    pub fn list_calls(&self) -> usize {
        self.state.list_calls.load(Ordering::SeqCst)
    }
    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}
