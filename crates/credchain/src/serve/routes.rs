//! What each request gets: a pure function of the request, the
//! credentials and the clock (no sockets), so every protocol rule is
//! tested without a server.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::Protocol;
use super::http::Response;
use crate::credentials::{Credentials, SecretString};
use crate::http::server_head::Request;
use crate::os::Clock;
use crate::refreshable::RefreshableCredentials;
use crate::time::Timestamp;

/// The container protocol's one path.
pub const CONTAINER_PATH: &str = "/credentials";

/// The IMDS role name when no role ARN is known.
pub const DEFAULT_ROLE_NAME: &str = "credchain";

/// IMDS: where tokens are issued, and their TTL header (real IMDS: 1 to
/// 21,600 s; botocore asks for 21,600, P-IMDS-2).
const TOKEN_PATH: &str = "/latest/api/token";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const MAX_TTL: u64 = 21_600;
const ROLES_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// How long a set without an expiry (static keys) is said to last: the
/// protocols require an `Expiration`; clients ask again when under 15
/// minutes remain, so they come back every 45 minutes.
const STATIC_LIFETIME: Duration = Duration::from_secs(3600);

/// Everything a request is answered from.
pub(crate) struct State {
    pub(crate) protocol: Protocol,
    pub(crate) credentials: RefreshableCredentials,
    pub(crate) token: SecretString,
    /// Signs IMDS session tokens (HMAC-SHA256 under a random key): tokens
    /// need no table, so a flood of `PUT`s costs no memory.
    pub(crate) imds_key: credchain_sigv4::SigningKey,
    pub(crate) role_arn: Option<String>,
    pub(crate) role_name: String,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Equal bytes, in time that depends on the length only (the length of
/// the expected token is public: 64 hex digits).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// `2026-11-29T18:00:00Z`: the ECS agent's and IMDS's format, whole
/// seconds in UTC.
pub(crate) fn zulu(unix_seconds: i64) -> String {
    let secs = u64::try_from(unix_seconds).unwrap_or(0);
    let t = Timestamp::from_system_time(UNIX_EPOCH + Duration::from_secs(secs)).to_string();
    // UTC timestamps print as `...+00:00` (Python's isoformat).
    format!("{}Z", t.trim_end_matches("+00:00"))
}

fn unix_now(clock: &dyn Clock) -> u64 {
    clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The answer to `req`, and the route name for the request log (never the
/// path itself: an unknown path could carry anything).
pub(crate) fn respond(state: &State, req: &Request) -> (Response, &'static str) {
    match state.protocol {
        Protocol::Container => container(state, req),
        Protocol::Imds => imds(state, req),
    }
}

fn container(state: &State, req: &Request) -> (Response, &'static str) {
    // The token is checked before anything else, so a caller without it
    // learns nothing (not even which paths exist).
    let authorized = req
        .header("authorization")
        .is_some_and(|t| constant_time_eq(t.as_bytes(), state.token.expose().as_bytes()));
    if !authorized {
        return (Response::empty(401), "(unauthorized)");
    }
    if req.path() != CONTAINER_PATH {
        return (Response::empty(404), "(unknown path)");
    }
    if req.method != "GET" {
        return (Response::empty(405), "credentials");
    }
    let resp = match fresh(state) {
        Ok(c) => {
            let mut doc = document(&c, state.clock.now());
            if let Some(arn) = &state.role_arn {
                doc.insert("RoleArn".into(), Value::String(arn.clone()));
            }
            if let Some(account) = c.account_id() {
                doc.insert("AccountId".into(), Value::String(account.to_owned()));
            }
            Response::json(200, &Value::Object(doc))
        }
        // The ECS agent's error shape; botocore retries a non-200 twice,
        // then raises CredentialRetrievalError quoting this body.
        Err((code, message)) => Response::json(500, &json!({"code": code, "message": message})),
    };
    (resp, "credentials")
}

fn imds(state: &State, req: &Request) -> (Response, &'static str) {
    if req.path() == TOKEN_PATH {
        return (issue_token(state, req), "token");
    }
    let route = if req.path() == ROLES_PATH || req.path() == ROLES_PATH.trim_end_matches('/') {
        "roles"
    } else if req
        .path()
        .strip_prefix(ROLES_PATH)
        .is_some_and(|r| r.trim_end_matches('/') == state.role_name)
    {
        "role-credentials"
    } else {
        "(unknown path)"
    };
    // IMDSv1 (no token) is refused, as on an instance that requires v2.
    let valid = req
        .header(TOKEN_HEADER)
        .is_some_and(|t| token_valid(state, t));
    if !valid {
        return (Response::empty(401), route);
    }
    if req.method != "GET" {
        return (Response::empty(405), route);
    }
    let resp = match route {
        "roles" => Response::text(200, state.role_name.clone()),
        "role-credentials" => match fresh(state) {
            Ok(c) => {
                let now = state.clock.now();
                let mut doc = Map::new();
                doc.insert("Code".into(), "Success".into());
                doc.insert(
                    "LastUpdated".into(),
                    zulu(i64::try_from(unix_now(&*state.clock)).unwrap_or(0)).into(),
                );
                doc.insert("Type".into(), "AWS-HMAC".into());
                doc.extend(document(&c, now));
                Response::json(200, &Value::Object(doc))
            }
            Err((code, message)) => Response::json(500, &json!({"Code": code, "Message": message})),
        },
        _ => Response::empty(404),
    };
    (resp, route)
}

/// `PUT /latest/api/token`: a token for `TTL` seconds (1..=21600).
fn issue_token(state: &State, req: &Request) -> Response {
    if req.method != "PUT" {
        return Response::empty(405);
    }
    // Real IMDS refuses a token request that went through a proxy.
    if req.header("x-forwarded-for").is_some() {
        return Response::empty(403);
    }
    let Some(ttl) = req
        .header(TTL_HEADER)
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|t| (1..=MAX_TTL).contains(t))
    else {
        return Response::empty(400);
    };
    let expires = unix_now(&*state.clock).saturating_add(ttl);
    let token = format!("{expires}.{}", state.imds_key.sign(&expires.to_string()));
    let mut resp = Response::text(200, token);
    resp.headers
        .push(("X-aws-ec2-metadata-token-ttl-seconds", ttl.to_string()));
    resp
}

fn token_valid(state: &State, token: &str) -> bool {
    let Some((expires, mac)) = token.split_once('.') else {
        return false;
    };
    let Ok(expires_at) = expires.parse::<u64>() else {
        return false;
    };
    constant_time_eq(
        mac.as_bytes(),
        state.imds_key.sign(&expires_at.to_string()).as_bytes(),
    ) && unix_now(&*state.clock) < expires_at
}

/// The credentials to hand out now: refreshed within botocore's windows,
/// never expired. Errors as `(code, message)` for the error document
/// (library messages never hold secrets).
fn fresh(state: &State) -> Result<Credentials, (&'static str, String)> {
    let c = state
        .credentials
        .get_frozen_credentials()
        .map_err(|e| (e.kind(), e.to_string()))?;
    // Static credentials with an expiry (AWS_CREDENTIAL_EXPIRATION) are
    // never refreshed: once past it, nothing valid is left to serve.
    if let Some(exp) = c.expiration()
        && exp.seconds_after(state.clock.now()) <= 0.0
    {
        return Err((
            "ExpiredCredentials",
            format!(
                "the {} credentials expired at {} and cannot be refreshed",
                c.method(),
                zulu(exp.unix_seconds())
            ),
        ));
    }
    Ok(c)
}

/// The four fields both protocols share.
fn document(c: &Credentials, now: SystemTime) -> Map<String, Value> {
    let expiration = c.expiration().map_or_else(
        || Timestamp::from_system_time(now + STATIC_LIFETIME).unix_seconds(),
        |e| e.unix_seconds(),
    );
    let mut doc = Map::new();
    doc.insert("AccessKeyId".into(), c.access_key_id().into());
    doc.insert(
        "SecretAccessKey".into(),
        c.secret_access_key().expose().into(),
    );
    // botocore reads `Token` unconditionally (a missing key is a KeyError,
    // P-CONT-5, P-IMDS-5); null is its "no token".
    doc.insert(
        "Token".into(),
        c.session_token()
            .map_or(Value::Null, |t| Value::String(t.expose().to_owned())),
    );
    doc.insert("Expiration".into(), zulu(expiration).into());
    doc
}
