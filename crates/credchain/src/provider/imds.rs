//! `iam-role`: EC2 instance metadata (P-IMDS-*), botocore's
//! `InstanceMetadataProvider` + `InstanceMetadataFetcher`. Always tried
//! unless `AWS_EC2_METADATA_DISABLED=true`.
//!
//! Sans-IO: [`ImdsFlow`] is a step machine (Token → Role → Credentials,
//! with the IMDSv1 fallback as its own transition) that hands out
//! [`Request`]s and takes back responses; [`run`] drives it through an
//! [`HttpClient`](crate::http::HttpClient). Endpoint and mode selection
//! ([`endpoint_mode`], [`base_url`], [`ImdsConfig::resolve`]) are pure.
//!
//! Not yet: `credential_source = Ec2InstanceMetadata | EcsContainer` (needs
//! STS assume-role); the IMDS "extended" credentials API and
//! `ec2_instance_profile_name`, which botocore 1.43 does not implement.
//!
//! Known differences: each request also has a total deadline (three times
//! the timeout) and a 1 MiB response cap that botocore lacks. Credentials
//! that expire within 15 minutes after static stability (an `Expiration` in
//! another format) are re-fetched once, as botocore's refresh on first use.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

use crate::chain::{Ctx, Outcome, Provider};
use crate::config::Profile;
use crate::credentials::{Credentials, Method, SecretString};
use crate::env_vars::{
    AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT,
    AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, AWS_EC2_METADATA_V1_DISABLED, AWS_IMDS_USE_IPV6,
    AWS_METADATA_SERVICE_NUM_ATTEMPTS, AWS_METADATA_SERVICE_TIMEOUT,
};
use crate::error::Error;
use crate::http::{
    HttpMethod, Network, Request, Response, Timeouts, TransportError, TransportErrorKind, UrlParts,
};
use crate::os::Env;
use crate::refreshable::RefreshableCredentials;
use crate::session::Session;
use crate::time::Timestamp;

/// botocore's `METADATA_BASE_URL`.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254/";
/// botocore's `METADATA_BASE_URL_IPv6`.
pub const DEFAULT_ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]/";
/// The IMDSv2 token path.
pub const TOKEN_PATH: &str = "latest/api/token";
/// The token TTL botocore asks for, in seconds.
pub const TOKEN_TTL: &str = "21600";
/// The role-name listing; the role name is appended for the credentials.
pub const CREDENTIALS_PATH: &str = "latest/meta-data/iam/security-credentials/";
/// The availability zone (region lookup, P-IMDS-7).
pub const REGION_PATH: &str = "latest/meta-data/placement/availability-zone/";
/// Fields a credentials document must have (else: no credentials).
pub const REQUIRED_FIELDS: [&str; 4] = ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"];
/// `ec2_credential_refresh_window` as botocore's resolver sets it (the
/// advisory refresh window).
const REFRESH_WINDOW: u64 = 900;

/// botocore's `resolve_imds_endpoint_mode`: an explicit mode
/// (case-insensitive, `ipv4` or `ipv6`) wins; otherwise `imds_use_ipv6`
/// (`true` in any case) selects `ipv6`.
pub fn endpoint_mode(mode: Option<&str>, use_ipv6: Option<&str>) -> Result<&'static str, Error> {
    match mode {
        Some(m) => match m.to_lowercase().as_str() {
            "ipv4" => Ok("ipv4"),
            "ipv6" => Ok("ipv6"),
            _ => Err(Error::InvalidImdsEndpointMode { mode: m.to_owned() }),
        },
        None if use_ipv6.is_some_and(|v| v.to_lowercase() == "true") => Ok("ipv6"),
        None => Ok("ipv4"),
    }
}

/// botocore's `_select_base_url` (P-IMDS-1): a non-empty custom endpoint
/// beats the mode; it must pass `is_valid_uri`.
pub fn base_url(custom: Option<&str>, mode: &str) -> Result<String, Error> {
    let chosen = match custom {
        Some(c) if !c.is_empty() => c,
        _ if mode == "ipv6" => DEFAULT_ENDPOINT_IPV6,
        _ => DEFAULT_ENDPOINT,
    };
    if is_valid_uri(chosen) {
        Ok(chosen.to_owned())
    } else {
        Err(Error::InvalidImdsEndpoint {
            endpoint: chosen.to_owned(),
        })
    }
}

/// botocore's `_construct_url`: a `/` between base and path when needed.
pub fn url(base: &str, path: &str) -> String {
    let sep = if !base.is_empty() && !base.ends_with('/') {
        "/"
    } else {
        ""
    };
    format!("{base}{sep}{path}")
}

fn is_dns_label(l: &str) -> bool {
    (1..=63).contains(&l.len())
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// botocore's `is_valid_uri`: a host made of DNS labels (after
/// `urlsplit`), or a bracketed IPv6 literal; never tab/CR/LF.
pub fn is_valid_uri(endpoint: &str) -> bool {
    if endpoint.contains(['\t', '\r', '\n']) {
        return false;
    }
    let Some(host) = UrlParts::split(endpoint).hostname() else {
        return false;
    };
    if host.len() > 255 {
        return false;
    }
    let h = host.strip_suffix('.').unwrap_or(&host);
    if !h.is_empty() && h.split('.').all(is_dns_label) {
        return true;
    }
    // IPv6 (with an optional zone id), as IPV6_ADDRZ_RE.
    let (addr, zone) = match host.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (host.as_str(), None),
    };
    let zone_ok = zone.is_none_or(|z| {
        let z = z.strip_prefix("25").unwrap_or(z);
        !z.is_empty()
            && z.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._!-~%".contains(&b))
    });
    zone_ok && addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Python `int(str)` for the integer settings; `None` if not an integer
/// (an empty or blank value, `0x5`, `1__0`: botocore's `ValueError`).
/// Python ints are unbounded: a huge one saturates rather than fails.
fn py_int(s: &str) -> Option<i64> {
    if !crate::pyint::is_py_int(s) {
        return None;
    }
    Some(crate::pyint::py_int_value(s).unwrap_or_else(|| {
        if credchain_ini::py_strip(s).starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        }
    }))
}

/// The urllib environment proxy for `base` (botocore's
/// `get_environ_proxies`): see [`crate::http::proxy`] for the rules.
pub fn environ_proxy(env: &dyn Env, base: &str) -> Option<String> {
    crate::http::proxy::environ_proxy(env, base)
}

/// Everything the IMDS fetcher is configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImdsConfig {
    /// `AWS_EC2_METADATA_DISABLED=true` (any case).
    pub disabled: bool,
    /// `metadata_service_timeout`, seconds (default 1).
    pub timeout_secs: i64,
    /// `metadata_service_num_attempts` (default 1).
    pub num_attempts: i64,
    /// The selected base URL.
    pub base_url: String,
    /// `ec2_metadata_v1_disabled`.
    pub v1_disabled: bool,
    /// The environment proxy for the base URL.
    pub proxy: Option<String>,
}

impl ImdsConfig {
    /// Resolves the settings as botocore's `create_credential_resolver`
    /// does: each from its env var, else the profile, else the default.
    pub fn resolve(env: &dyn Env, profile: Option<&Profile>) -> Result<ImdsConfig, Error> {
        let lookup = |key: &str, var: &str| -> Option<String> {
            env.get(var).or_else(|| {
                profile
                    .and_then(|p| p.get(key))
                    .map(|s| s.value.as_str().unwrap_or("<sub-properties>").to_owned())
            })
        };
        let int = |key: &str, var: &str| -> Result<i64, Error> {
            match lookup(key, var) {
                None => Ok(1),
                Some(v) => py_int(&v).ok_or(Error::InvalidInteger {
                    setting: key.into(),
                    value: v,
                }),
            }
        };
        let timeout_secs = int("metadata_service_timeout", AWS_METADATA_SERVICE_TIMEOUT)?;
        let num_attempts = int(
            "metadata_service_num_attempts",
            AWS_METADATA_SERVICE_NUM_ATTEMPTS,
        )?;
        let custom = lookup(
            "ec2_metadata_service_endpoint",
            AWS_EC2_METADATA_SERVICE_ENDPOINT,
        );
        let mode = endpoint_mode(
            lookup(
                "ec2_metadata_service_endpoint_mode",
                AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE,
            )
            .as_deref(),
            lookup("imds_use_ipv6", AWS_IMDS_USE_IPV6).as_deref(),
        )?;
        let v1_disabled = lookup("ec2_metadata_v1_disabled", AWS_EC2_METADATA_V1_DISABLED)
            .is_some_and(|v| v.to_lowercase() == "true");
        let base_url = base_url(custom.as_deref(), mode)?;
        Ok(ImdsConfig {
            disabled: env
                .get(AWS_EC2_METADATA_DISABLED)
                .is_some_and(|v| v.to_lowercase() == "true"),
            timeout_secs,
            num_attempts,
            proxy: environ_proxy(env, &base_url),
            base_url,
            v1_disabled,
        })
    }

    /// The per-request time limits.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts::botocore(Duration::from_secs(self.timeout_secs.max(1).unsigned_abs()))
    }
}

/// What the flow is after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Role name, then the role's credentials.
    Credentials,
    /// The availability zone (region = all but its last character).
    Region,
}

/// Where the flow is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImdsStep {
    /// `PUT latest/api/token`, attempt `n` (0-based).
    Token(i64),
    /// `GET` of the role listing (or the availability zone), attempt `n`.
    Role(i64),
    /// `GET` of the named role's credentials, attempt `n`.
    Credentials(String, i64),
    /// Finished.
    Done,
}

/// A credentials document as IMDS served it (secrets redacted in Debug).
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The role name (the whole listing body).
    pub role: String,
    /// The parsed document.
    document: SecretJson,
}

/// JSON that may hold secrets.
#[derive(Clone)]
struct SecretJson(Json);

impl std::fmt::Debug for SecretJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<document>")
    }
}

/// What the flow produced.
#[derive(Clone, Debug)]
pub enum ImdsResult {
    /// A credentials document with every required field.
    Credentials(Fetched),
    /// The availability-zone text.
    Region(String),
    /// Nothing (botocore returns `{}` / `None`); the chain moves on.
    None,
}

/// The IMDS step machine.
#[derive(Debug)]
pub struct ImdsFlow {
    cfg: ImdsConfig,
    target: Target,
    step: ImdsStep,
    token: Option<SecretString>,
    trace: Vec<String>,
    result: Option<Result<ImdsResult, Error>>,
}

fn short(r: &Result<Response, TransportError>) -> String {
    match r {
        Ok(resp) => format!("HTTP {}", resp.status),
        Err(e) => e.to_string(),
    }
}

impl ImdsFlow {
    /// A flow at its first step.
    pub fn new(cfg: ImdsConfig, target: Target) -> ImdsFlow {
        ImdsFlow {
            cfg,
            target,
            step: ImdsStep::Token(0),
            token: None,
            trace: Vec::new(),
            result: None,
        }
    }

    /// The current step.
    pub fn step(&self) -> &ImdsStep {
        &self.step
    }

    fn finish(&mut self, r: Result<ImdsResult, Error>, why: &str) {
        self.trace.push(why.to_owned());
        self.result = Some(r);
        self.step = ImdsStep::Done;
    }

    /// The next request to send, or `None` when finished.
    pub fn next_request(&mut self) -> Option<Request> {
        loop {
            match self.step.clone() {
                ImdsStep::Done => return None,
                ImdsStep::Token(n) => {
                    if n >= self.cfg.num_attempts {
                        self.fall_back_to_v1();
                        continue;
                    }
                    if self.cfg.timeout_secs <= 0 {
                        let t = self.cfg.timeout_secs;
                        self.finish(
                            Err(Error::Unhandled {
                                class: "HTTPClientError",
                                message: format!(
                                    "An HTTP Client raised an unhandled exception: Attempted to \
                                     set connect timeout to {t}, but the timeout cannot be set \
                                     to a value less than or equal to 0."
                                ),
                            }),
                            "metadata_service_timeout must be positive",
                        );
                        return None;
                    }
                    let mut req =
                        Request::new(HttpMethod::Put, url(&self.cfg.base_url, TOKEN_PATH))
                            .header("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL);
                    req.proxy.clone_from(&self.cfg.proxy);
                    return Some(req);
                }
                ImdsStep::Role(n) | ImdsStep::Credentials(_, n) => {
                    if self.token.as_ref().is_none_or(|t| t.expose().is_empty())
                        && self.cfg.v1_disabled
                    {
                        self.finish(
                            Err(Error::MetadataRetrieval {
                                message: "Unable to retrieve token for use in IMDSv2 call and \
                                          IMDSv1 has been disabled"
                                    .into(),
                            }),
                            "IMDSv1 disabled (ec2_metadata_v1_disabled)",
                        );
                        return None;
                    }
                    if n >= self.cfg.num_attempts {
                        let why = format!(
                            "no {} after {} attempt(s)",
                            self.target_name(),
                            self.cfg.num_attempts.max(0)
                        );
                        self.finish(Ok(ImdsResult::None), &why);
                        return None;
                    }
                    let path = match &self.step {
                        ImdsStep::Credentials(role, _) => format!("{CREDENTIALS_PATH}{role}"),
                        _ if self.target == Target::Region => REGION_PATH.to_owned(),
                        _ => CREDENTIALS_PATH.to_owned(),
                    };
                    let mut req = Request::new(HttpMethod::Get, url(&self.cfg.base_url, &path));
                    if let Some(t) = &self.token {
                        req = req.header("x-aws-ec2-metadata-token", t.expose());
                    }
                    req.proxy.clone_from(&self.cfg.proxy);
                    return Some(req);
                }
            }
        }
    }

    fn target_name(&self) -> &'static str {
        match (&self.step, self.target) {
            (ImdsStep::Credentials(..), _) => "credentials",
            (_, Target::Region) => "availability zone",
            _ => "role name",
        }
    }

    fn fall_back_to_v1(&mut self) {
        self.token = None;
        self.trace
            .push("continuing without a token (IMDSv1)".into());
        self.step = ImdsStep::Role(0);
    }

    /// Feeds the outcome of the request last returned by
    /// [`next_request`](Self::next_request).
    pub fn on_response(&mut self, r: &Result<Response, TransportError>, req: &Request) {
        let what = format!("{} {}: {}", req.method.as_str(), req.url, short(r));
        self.trace.push(what);
        match self.step.clone() {
            ImdsStep::Done => {}
            ImdsStep::Token(n) => match r {
                Ok(resp) if resp.status == 200 => match String::from_utf8(resp.body.clone()) {
                    Ok(t) => {
                        self.token = Some(SecretString::new(t));
                        self.step = ImdsStep::Role(0);
                    }
                    Err(_) => self.finish(
                        Err(Error::Unhandled {
                            class: "UnicodeDecodeError",
                            message: "'utf-8' codec can't decode the IMDS token".into(),
                        }),
                        "token is not UTF-8",
                    ),
                },
                Ok(resp) if (403..=405).contains(&resp.status) => self.fall_back_to_v1(),
                Ok(resp) if resp.status == 400 => self.finish(
                    Ok(ImdsResult::None),
                    "400 from the token endpoint (BadIMDSRequestError): no credentials",
                ),
                Ok(_) => self.step = ImdsStep::Token(n + 1),
                Err(e) if e.kind() == TransportErrorKind::ReadTimeout => self.fall_back_to_v1(),
                Err(e) if e.kind().is_retryable() => self.step = ImdsStep::Token(n + 1),
                Err(e) if e.kind() == TransportErrorKind::InvalidUrl => self.finish(
                    Err(Error::InvalidImdsEndpoint {
                        endpoint: req.url.clone(),
                    }),
                    "invalid endpoint",
                ),
                Err(e) => self.finish(Err(unhandled(e)), "HTTP client error"),
            },
            ImdsStep::Role(n) => match r {
                Ok(resp) if resp.status == 200 && !resp.body.is_empty() => {
                    match String::from_utf8(resp.body.clone()) {
                        Err(_) => self.finish(
                            Err(Error::Unhandled {
                                class: "UnicodeDecodeError",
                                message: format!(
                                    "'utf-8' codec can't decode the {}",
                                    self.target_name()
                                ),
                            }),
                            "response is not UTF-8",
                        ),
                        Ok(text) if self.target == Target::Region => {
                            let mut chars = text.chars();
                            chars.next_back();
                            let region = chars.as_str().to_owned();
                            self.finish(Ok(ImdsResult::Region(region)), "availability zone read");
                        }
                        Ok(role) => {
                            // The whole body, not trimmed (P-IMDS-2).
                            self.trace.push(format!("role name {role:?}"));
                            self.step = ImdsStep::Credentials(role, 0);
                        }
                    }
                }
                Ok(_) => self.step = ImdsStep::Role(n + 1),
                Err(e) if e.kind().is_retryable() => self.step = ImdsStep::Role(n + 1),
                Err(e) => self.finish(Err(unhandled(e)), "HTTP client error"),
            },
            ImdsStep::Credentials(role, n) => {
                let doc = match r {
                    Ok(resp) if resp.status == 200 && !resp.body.is_empty() => {
                        std::str::from_utf8(&resp.body)
                            .ok()
                            .and_then(|t| serde_json::from_str::<Json>(t).ok())
                    }
                    Ok(_) => None,
                    Err(e) if e.kind().is_retryable() => None,
                    Err(e) => {
                        self.finish(Err(unhandled(e)), "HTTP client error");
                        return;
                    }
                };
                match doc {
                    None => self.step = ImdsStep::Credentials(role, n + 1),
                    Some(doc) => self.document(role, doc),
                }
            }
        }
    }

    /// `_contains_all_credential_fields` and the indexing after it, as
    /// Python evaluates them on any JSON value.
    fn document(&mut self, role: String, doc: Json) {
        let has = |f: &str| -> Result<bool, &'static str> {
            match &doc {
                Json::Object(m) => Ok(m.contains_key(f)),
                Json::Array(a) => Ok(a.iter().any(|v| v.as_str() == Some(f))),
                Json::String(s) => Ok(s.contains(f)),
                Json::Null => Err("NoneType"),
                Json::Bool(_) => Err("bool"),
                Json::Number(n) if n.is_f64() => Err("float"),
                Json::Number(_) => Err("int"),
            }
        };
        for f in REQUIRED_FIELDS {
            match has(f) {
                Err(t) => {
                    return self.finish(
                        Err(Error::Unhandled {
                            class: "TypeError",
                            message: format!("argument of type '{t}' is not iterable"),
                        }),
                        "credentials document is not an object",
                    );
                }
                Ok(false) => {
                    let mut why = format!("credentials document has no {f}: no credentials");
                    if let Some(code) = doc.get("Code").and_then(Json::as_str) {
                        if doc.get("Message").is_some() {
                            let _ = write!(why, " (IMDS error code {code:?})");
                        }
                    }
                    return self.finish(Ok(ImdsResult::None), &why);
                }
                Ok(true) => {}
            }
        }
        let class_msg = match &doc {
            Json::Array(_) => Some("list indices must be integers or slices, not str"),
            Json::String(_) => Some("string indices must be integers, not 'str'"),
            _ => None,
        };
        if let Some(m) = class_msg {
            return self.finish(
                Err(Error::Unhandled {
                    class: "TypeError",
                    message: m.into(),
                }),
                "credentials document is not an object",
            );
        }
        self.finish(
            Ok(ImdsResult::Credentials(Fetched {
                role,
                document: SecretJson(doc),
            })),
            "credentials document read",
        );
    }

    /// The result and a readable account of every request (no secrets).
    pub fn into_result(self) -> (Result<ImdsResult, Error>, String) {
        let r = self.result.unwrap_or(Ok(ImdsResult::None));
        (r, self.trace.join("; "))
    }
}

fn unhandled(e: &TransportError) -> Error {
    Error::Unhandled {
        class: e.kind().botocore_class(),
        message: format!("An HTTP Client raised an unhandled exception: {e}"),
    }
}

/// Drives a flow through the session's HTTP client.
pub fn run(cfg: ImdsConfig, target: Target, net: &Network) -> (Result<ImdsResult, Error>, String) {
    let timeouts = cfg.timeouts();
    let mut flow = ImdsFlow::new(cfg, target);
    while let Some(req) = flow.next_request() {
        let r = net.http.send(&req, &timeouts);
        flow.on_response(&r, &req);
    }
    flow.into_result()
}

/// Python's `strptime(s, "%Y-%m-%dT%H:%M:%SZ")`: 1-2 digit fields (4 for
/// the year), range-checked. Returns seconds since the epoch.
fn strptime_z(s: &str) -> Option<i64> {
    let body = s.strip_suffix('Z')?;
    let (date, time) = body.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, mo, da) = (d.next()?, d.next()?, d.next()?);
    let mut t = time.splitn(3, ':');
    let (h, mi, se) = (t.next()?, t.next()?, t.next()?);
    let digits = |v: &str, lo: usize, hi: usize| -> Option<i64> {
        let v = v.strip_prefix(' ').filter(|_| lo == 1).unwrap_or(v);
        ((lo..=hi).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse().ok())
            .flatten()
    };
    let (y, mo, da) = (digits(y, 4, 4)?, digits(mo, 1, 2)?, digits(da, 1, 2)?);
    let (h, mi, se) = (digits(h, 1, 2)?, digits(mi, 1, 2)?, digits(se, 1, 2)?);
    if h > 23 || mi > 59 || se > 59 || !(1..=12).contains(&mo) || da < 1 {
        return None;
    }
    let ts = Timestamp::parse(&format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{se:02}Z")).ok()?;
    Some(ts.unix_seconds())
}

/// Static stability (P-IMDS-6): when `expiry` (strictly
/// `%Y-%m-%dT%H:%M:%SZ`) is within 900 s + `jitter` of `now`, or past,
/// returns the replacement `now + 900 + jitter` (whole seconds).
pub fn extended_expiry(expiry: &str, now: SystemTime, jitter: u64) -> Option<String> {
    let exp = strptime_z(expiry)?;
    let now_s = i64::try_from(now.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    let offset = i64::try_from(REFRESH_WINDOW + jitter).ok()?;
    if now_s >= exp - offset {
        let t = Timestamp::from_system_time(
            UNIX_EPOCH + Duration::from_secs((now_s + offset).unsigned_abs()),
        );
        // isoformat "+00:00" → botocore's strftime "%Y-%m-%dT%H:%M:%SZ".
        let iso = t.to_string();
        return Some(format!("{}Z", iso.strip_suffix("+00:00").unwrap_or(&iso)));
    }
    None
}

/// Turns a fetched document into credentials: static stability, then the
/// expiry parse and checks botocore's `create_from_metadata` makes.
pub fn credentials(
    fetched: &Fetched,
    now: SystemTime,
    jitter: u64,
) -> Result<(Credentials, Option<String>), Error> {
    let doc = &fetched.document.0;
    let m = Method::IamRole;
    let field = |k: &str| doc.get(k).cloned().unwrap_or(Json::Null);
    let mut exp = field("Expiration");
    let mut note = None;
    match &exp {
        Json::Null => {}
        Json::String(s) => {
            if let Some(new) = extended_expiry(s, now, jitter) {
                note = Some(format!(
                    "expiry {s} extended to {new} (static stability: IMDS credentials kept usable)"
                ));
                exp = Json::String(new);
            }
        }
        other => {
            return Err(Error::Unhandled {
                class: "TypeError",
                message: format!(
                    "strptime() argument 1 must be str, not {}",
                    if other.is_number() { "int" } else { "bool" }
                ),
            });
        }
    }
    let as_str = |k: &str| -> Result<String, Error> {
        match field(k) {
            Json::String(s) => Ok(s),
            _ => Err(Error::Unhandled {
                class: "TypeError",
                message: format!("{k} is not a string"),
            }),
        }
    };
    // An expiry still past (another format than static stability's) is
    // re-fetched on first use (`super::refresh`), not refused here.
    let ts = super::container::parse_expiration(&exp, m)?;
    let creds = Credentials::new(
        as_str("AccessKeyId")?,
        as_str("SecretAccessKey")?,
        Some(as_str("Token")?),
        m,
    )
    .with_expiration(Some(ts));
    Ok((creds, note))
}

/// The instance's region from IMDS (P-IMDS-7): the availability zone minus
/// its last character, or `None` when IMDS is disabled or gives nothing.
/// botocore uses this only with `defaults_mode = auto`; the AWS CLI v2 uses
/// it as the last region source.
pub fn region(session: &Session) -> Result<Option<String>, Error> {
    let cfg = ImdsConfig::resolve(&*session.os().env, session.scoped_profile()?)?;
    if cfg.disabled {
        return Ok(None);
    }
    match run(cfg, Target::Region, session.network()).0? {
        ImdsResult::Region(r) => Ok(Some(r)),
        _ => Ok(None),
    }
}

/// EC2 instance role.
pub(crate) struct ImdsProvider;

impl Provider for ImdsProvider {
    fn method(&self) -> Method {
        Method::IamRole
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        let profile = match ctx.files() {
            Ok(f) => f.profile(ctx.profile),
            Err(e) => return Outcome::Failed(e),
        };
        let cfg = match ImdsConfig::resolve(&*ctx.os.env, profile) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(e),
        };
        if cfg.disabled {
            return Outcome::Skipped(format!("{AWS_EC2_METADATA_DISABLED}=true"));
        }
        let base = cfg.base_url.clone();
        let (limits, attempts) = (cfg.timeout_secs, cfg.num_attempts);
        let refetch_cfg = cfg.clone();
        let (result, trace) = run(cfg, Target::Credentials, ctx.net);
        let mut detail = format!(
            "instance metadata at {base} (timeout {limits}s, {attempts} attempt(s)): {trace}"
        );
        match result {
            Ok(ImdsResult::Credentials(f)) => {
                let jitter = ctx.net.random.randint(120, 600);
                let now = ctx.os.clock.now();
                let first = match credentials(&f, now, jitter) {
                    Ok((c, note)) => {
                        if let Some(n) = note {
                            let _ = write!(detail, "; {n}");
                        }
                        c
                    }
                    Err(e) => return Outcome::Failed(e),
                };
                // botocore's InstanceMetadataProvider returns
                // RefreshableCredentials too: refresh on first use
                // (P-REF-1..3). After static stability this only happens
                // for an expiry in another format than `...Z`.
                let first_expiry = first
                    .expiration()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                let (os, net) = (ctx.os.clone(), ctx.net.clone());
                let refetch = move || match run(refetch_cfg.clone(), Target::Credentials, &net).0? {
                    ImdsResult::Credentials(f) => {
                        let jitter = net.random.randint(120, 600);
                        credentials(&f, os.clock.now(), jitter).map(|(c, _)| Some(c))
                    }
                    _ => Ok(None),
                };
                let rc = RefreshableCredentials::with_clock(
                    first,
                    refetch,
                    std::sync::Arc::clone(&ctx.os.clock),
                );
                match super::refresh::first_use(&rc) {
                    Ok((_, used)) => {
                        if let Some(n) = used.note(&first_expiry) {
                            let _ = write!(detail, "; {n}");
                        }
                        Outcome::Refreshable(rc, format!("role {:?} via {detail}", f.role))
                    }
                    Err(e) => Outcome::Failed(e),
                }
            }
            Ok(_) => Outcome::Skipped(detail),
            Err(e) => Outcome::Failed(match e {
                Error::Unhandled { class, message } => Error::Unhandled {
                    class,
                    message: format!("{message} [{detail}]"),
                },
                Error::MetadataRetrieval { message } => Error::MetadataRetrieval {
                    message: format!("{message} [{detail}]"),
                },
                other => other,
            }),
        }
    }
}
