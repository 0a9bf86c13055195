//! IAM Identity Center (SSO), without the chain: the profile's SSO
//! configuration as botocore validates it (P-SSO-1/2), the access token
//! from the shared token cache with the sso-session refresh (P-SSO-3..6),
//! and the `sso` / `sso-oidc` clients ([`client`]).
//!
//! The provider (`provider::sso`) strings these together; `sso status`,
//! `sso logout` and `sso login` ([`login`]) reuse the same pieces, and every
//! write of `~/.aws/sso/cache` goes through [`token::save`] under
//! [`lock::with_token_lock`].
//!
//! Refresh (sso-session profiles only, P-SSO-6): with less than 900 s of
//! validity left, and `refreshToken`, `clientId`, `clientSecret` and an
//! unexpired `registrationExpiresAt` present, the token is refreshed with
//! SSO-OIDC `CreateToken`. To make N processes that need it at once do
//! **one** call, the refresh takes the lock beside the token file,
//! re-reads the file and refreshes only if that is still needed; the
//! others then find the new token. A service error (`ClientError`) is
//! swallowed and the old token used while it is valid, as botocore does;
//! transport errors and malformed answers propagate (botocore's refresh is
//! "mandatory" on first use, so they are raised). A failed attempt is not
//! retried for 60 s within the process.

pub mod client;
pub mod configure;
pub mod lock;
pub mod login;
pub mod manage;
pub mod token;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::Value as Json;

use crate::config::{ConfigFiles, Origin, Profile, Value};
use crate::error::Error;
use crate::http::Network;
use crate::os::Os;
use crate::time::Timestamp;

pub use client::error_class;
use client::{Service, SsoClient};
use token::{LoadError, TokenDoc};

/// Seconds of validity below which an sso-session token is refreshed.
pub const REFRESH_WINDOW_SECONDS: f64 = 900.0;

/// A failed refresh is not retried sooner than this (botocore's
/// `_attempt_timeout`).
pub const REFRESH_ATTEMPT_INTERVAL: Duration = Duration::from_secs(60);

/// A profile's SSO configuration, validated as botocore's `SSOProvider`
/// does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoConfig {
    /// The profile holding `sso_account_id` / `sso_role_name`.
    pub profile: String,
    /// `sso_start_url` (profile or sso-session).
    pub start_url: String,
    /// `sso_region` (profile or sso-session): where the portal is called.
    pub region: String,
    /// `sso_role_name`.
    pub role_name: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_session`, when the profile uses one.
    pub session: Option<String>,
    /// Where the trigger key was written.
    pub origin: Origin,
}

impl SsoConfig {
    /// The command that logs this configuration in again.
    pub fn login_hint(&self) -> String {
        login_hint(&self.profile, self.session.as_deref())
    }
}

/// The exact login command: `--sso-session S` for sessions, else
/// `--profile P` (`credchain sso login` writes the token cache the AWS CLI
/// v2 shares).
pub fn login_hint(profile: &str, session: Option<&str>) -> String {
    match session {
        Some(s) => format!("credchain sso login --sso-session {s}"),
        None => format!("credchain sso login --profile {profile}"),
    }
}

/// Python's `str()` of a config value (a nested block is a dict).
fn py_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Nested(kv) => {
            let items: Vec<String> = kv
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        crate::chain::repr::py_repr(k),
                        crate::chain::repr::py_repr(v)
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

fn str_value(v: &Value, key: &str) -> Result<String, Error> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Nested(_) => Err(Error::InvalidConfig {
            message: format!("`{key}` must be a value, not a block of sub-properties"),
        }),
    }
}

/// botocore's `SSOProvider._load_sso_config` for `profile`: `None` when
/// the profile has neither `sso_account_id` nor `sso_role_name`.
pub fn sso_config(files: &ConfigFiles, profile: &str) -> Result<Option<SsoConfig>, Error> {
    let Some(p) = files.profile(profile) else {
        return Ok(None);
    };
    let Some(trigger) = ["sso_role_name", "sso_account_id"]
        .into_iter()
        .find_map(|k| p.get(k))
    else {
        return Ok(None);
    };
    // The resolved view: the profile, then the session's keys, which must
    // agree with the profile's where both are set (P-SSO-2).
    let mut resolved: Vec<(String, Value)> = p
        .iter()
        .map(|(k, s)| (k.to_owned(), s.value.clone()))
        .collect();
    let mut session = None;
    if let Some(s) = p.get("sso_session") {
        let name = str_value(&s.value, "sso_session")?;
        let Some(section) = files.sso_sessions().get(&name) else {
            return Err(Error::InvalidConfig {
                message: format!("The specified sso-session does not exist: \"{name}\""),
            });
        };
        for (key, setting) in section.iter() {
            if let Some(mine) = p.get(key)
                && mine.value != setting.value
            {
                return Err(Error::InvalidConfig {
                    message: format!(
                        "The value for {key} is inconsistent between profile ({}) and \
                         sso-session ({}).",
                        py_str(&mine.value),
                        py_str(&setting.value)
                    ),
                });
            }
            if !resolved.iter().any(|(k, _)| k == key) {
                resolved.push((key.to_owned(), setting.value.clone()));
            }
        }
        session = Some(name);
    }
    let get = |k: &str| resolved.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let missing: Vec<&str> = [
        "sso_role_name",
        "sso_account_id",
        "sso_start_url",
        "sso_region",
    ]
    .into_iter()
    .filter(|k| get(k).is_none())
    .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidConfig {
            message: format!(
                "The profile \"{profile}\" is configured to use SSO but is missing required \
                 configuration: {}",
                missing.join(", ")
            ),
        });
    }
    let value = |k: &str| get(k).map_or(Ok(String::new()), |v| str_value(v, k));
    Ok(Some(SsoConfig {
        profile: profile.to_owned(),
        start_url: value("sso_start_url")?,
        region: value("sso_region")?,
        role_name: value("sso_role_name")?,
        account_id: value("sso_account_id")?,
        session,
        origin: trigger.origin,
    }))
}

/// The sso-session settings the token provider reads (botocore's
/// `SSOTokenProvider._load_sso_config`): the session section's own
/// `sso_start_url` and `sso_region`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// The session name.
    pub name: String,
    /// Its `sso_start_url`.
    pub start_url: String,
    /// Its `sso_region` (where SSO-OIDC is called).
    pub region: String,
}

/// botocore's `SSOTokenProvider._load_sso_config` for `profile`, which
/// names sso-session `name`.
pub fn session_config(
    files: &ConfigFiles,
    profile: &str,
    name: &str,
) -> Result<SessionConfig, Error> {
    let section: Option<&Profile> = files.sso_sessions().get(name);
    // An empty section is falsy in Python: "does not exist".
    let Some(section) = section.filter(|s| s.iter().next().is_some()) else {
        return Err(Error::InvalidConfig {
            message: format!(
                "The profile \"{profile}\" is configured to use the SSO token provider but the \
                 \"{name}\" sso_session configuration does not exist."
            ),
        });
    };
    let missing: Vec<String> = ["sso_start_url", "sso_region"]
        .into_iter()
        .filter(|k| !section.contains(k))
        .map(str::to_owned)
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidConfig {
            message: format!(
                "The profile \"{profile}\" is configured to use the SSO token provider but is \
                 missing the following configuration: {}.",
                crate::chain::repr::py_list_repr(&missing)
            ),
        });
    }
    let get = |k: &str| {
        section
            .get(k)
            .map_or(Ok(String::new()), |s| str_value(&s.value, k))
    };
    Ok(SessionConfig {
        name: name.to_owned(),
        start_url: get("sso_start_url")?,
        region: get("sso_region")?,
    })
}

/// The configuration checks of botocore's `Session.get_auth_token`, which
/// `create_client` runs for every client (even with explicit keys), before
/// the defaults mode: `SSOTokenProvider._load_sso_config` for `profile`
/// (the session's profile, or `default`). `None` when the profile does not
/// exist or names no `sso_session`. Nothing else: botocore's
/// `load_token` only wraps the provider in a `DeferredRefreshableToken`,
/// so no token is read or refreshed and nothing is sent.
///
/// # Errors
///
/// `InvalidConfigError` for a missing, empty or incomplete sso-session
/// section ([`session_config`]); Python's `TypeError` when `sso_session` is
/// a block of sub-properties (a dict is no key of `sso_sessions`).
pub fn token_provider_config(
    files: &ConfigFiles,
    profile: &str,
) -> Result<Option<SessionConfig>, Error> {
    let Some(setting) = files.profile(profile).and_then(|p| p.get("sso_session")) else {
        return Ok(None);
    };
    match &setting.value {
        Value::Str(name) => session_config(files, profile, name).map(Some),
        Value::Nested(_) => Err(Error::Unhandled {
            class: "TypeError",
            message: "unhashable type: 'dict'".into(),
        }),
    }
}

/// The key of the SSO role credentials in the AWS CLI cache (P-SSO-8):
/// SHA-1 of the compact, sorted JSON of `accountId`, `roleName` and
/// `sessionName` or `startUrl`.
pub fn role_cache_key(cfg: &SsoConfig) -> String {
    let mut args = vec![
        ("accountId", cfg.account_id.as_str()),
        ("roleName", cfg.role_name.as_str()),
    ];
    match &cfg.session {
        Some(s) => args.push(("sessionName", s.as_str())),
        None => args.push(("startUrl", cfg.start_url.as_str())),
    }
    args.sort_by(|a, b| a.0.cmp(b.0));
    let mut json = String::from("{");
    for (i, (k, v)) in args.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        crate::cache::py_json_str(k, &mut json);
        json.push(':');
        crate::cache::py_json_str(v, &mut json);
    }
    json.push('}');
    token::sha1_hex(&json)
}

/// What happened to the token on the way to the portal, for `explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenState {
    /// Valid for at least the refresh window.
    Valid,
    /// Inside the refresh window; why it was not refreshed.
    NotRefreshed(String),
    /// Refreshed by this process through `CreateToken`.
    Refreshed,
    /// Found refreshed by another process under the lock.
    RefreshedElsewhere,
}

/// An access token ready to send, and where it came from.
#[derive(Clone)]
pub struct AccessToken {
    token: crate::credentials::SecretString,
    /// The token file.
    pub path: PathBuf,
    /// `expiresAt`.
    pub expires_at: Timestamp,
    /// What was done to it.
    pub state: TokenState,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("path", &self.path)
            .field("expires_at", &self.expires_at.to_string())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    /// The token itself, for the bearer header only.
    pub fn expose(&self) -> &str {
        self.token.expose()
    }
    /// One line for `explain`: file, expiry, what was done. Never the token.
    pub fn describe(&self) -> String {
        let mut s = format!("token {} expires {}", self.path.display(), self.expires_at);
        let _ = match &self.state {
            TokenState::Valid => write!(s, " (valid)"),
            TokenState::NotRefreshed(why) => write!(s, " (refresh needed, not done: {why})"),
            TokenState::Refreshed => write!(s, " (refreshed now through SSO-OIDC CreateToken)"),
            TokenState::RefreshedElsewhere => write!(s, " (refreshed by another process)"),
        };
        s
    }
}

fn with_hint(e: LoadError, hint: &str) -> Error {
    match e {
        LoadError::Load(message) => Error::SsoTokenLoad {
            message,
            login_hint: hint.to_owned(),
        },
        LoadError::Other(e) => e,
    }
}

fn access_token_of(doc: &TokenDoc) -> Result<String, Error> {
    match doc.get("accessToken") {
        Some(Json::String(s)) => Ok(s.clone()),
        _ => Err(Error::Unhandled {
            class: "ParamValidationError",
            message: "Parameter validation failed: accessToken must be a string".into(),
        }),
    }
}

/// A legacy profile's token (P-SSO-5): no refresh; expired at or before
/// now is `UnauthorizedSSOTokenError` before any call.
pub fn legacy_token(os: &Os, cfg: &SsoConfig) -> Result<AccessToken, Error> {
    let hint = cfg.login_hint();
    let dir = token::cache_dir(&*os.env, &*os.fs);
    let doc = token::load(&*os.fs, &dir, &cfg.start_url, None).map_err(|e| with_hint(e, &hint))?;
    let token = access_token_of(&doc)?;
    let exp = doc.expires_at()?;
    if exp.seconds_after(os.clock.now()) <= 0.0 {
        return Err(Error::UnauthorizedSsoToken { login_hint: hint });
    }
    Ok(AccessToken {
        token: crate::credentials::SecretString::new(token),
        path: token::token_path(&dir, &token::cache_key(&cfg.start_url, None)),
        expires_at: exp,
        state: TokenState::Valid,
    })
}

/// Token files whose refresh failed recently in this process, and when.
fn attempts() -> &'static Mutex<HashMap<PathBuf, SystemTime>> {
    static A: OnceLock<Mutex<HashMap<PathBuf, SystemTime>>> = OnceLock::new();
    A.get_or_init(|| Mutex::new(HashMap::new()))
}

fn recently_attempted(path: &std::path::Path, now: SystemTime) -> bool {
    attempts()
        .lock()
        .ok()
        .and_then(|m| m.get(path).copied())
        .is_some_and(|t| {
            now.duration_since(t)
                .is_ok_and(|d| d < REFRESH_ATTEMPT_INTERVAL)
        })
}

fn record_attempt(path: &std::path::Path, now: SystemTime) {
    if let Ok(mut m) = attempts().lock() {
        m.insert(path.to_owned(), now);
    }
}

/// Why `doc` cannot be refreshed (botocore's checks, in its order), or
/// `None` when it can.
fn refresh_blocker(doc: &TokenDoc, now: SystemTime) -> Result<Option<String>, Error> {
    let missing = doc.missing_refresh_keys();
    if !missing.is_empty() {
        return Ok(Some(format!("missing {}", missing.join(", "))));
    }
    let reg = token::parse_time(doc.get("registrationExpiresAt"), "registrationExpiresAt")?;
    if reg.seconds_after(now) <= 0.0 {
        return Ok(Some(format!("client registration expired at {reg}")));
    }
    Ok(None)
}

/// `expiresIn` of a `CreateToken` answer (seconds), as botocore's
/// `timedelta(seconds=...)` takes it.
pub(crate) fn expires_in_of(resp: &serde_json::Map<String, Json>) -> Result<i64, Error> {
    match resp.get("expiresIn") {
        Some(Json::Number(n)) => n.as_i64(),
        Some(Json::String(s)) => crate::pyint::py_int_value(s),
        _ => {
            return Err(Error::Unhandled {
                class: "KeyError",
                message: "'expiresIn' (in the CreateToken answer)".into(),
            });
        }
    }
    .ok_or_else(|| Error::Unhandled {
        class: "ValueError",
        message: "expiresIn in the CreateToken answer is not an integer".into(),
    })
}

/// The refreshed document botocore writes (P-SSO-6 field order).
fn refreshed_doc(
    sess: &SessionConfig,
    old: &TokenDoc,
    resp: &serde_json::Map<String, Json>,
    now: SystemTime,
) -> Result<TokenDoc, Error> {
    let key_error = |k: &str| Error::Unhandled {
        class: "KeyError",
        message: format!("'{k}' (in the CreateToken answer)"),
    };
    let expires_in = expires_in_of(resp)?;
    let access = resp
        .get("accessToken")
        .cloned()
        .ok_or_else(|| key_error("accessToken"))?;
    // botocore's `now + timedelta(seconds=expires_in)`: an out-of-range
    // answer is its `OverflowError`, never a panic.
    let expires =
        crate::time::checked_offset(now, expires_in).ok_or_else(Error::date_out_of_range)?;
    let copy = |k: &str| old.get(k).cloned().unwrap_or(Json::Null);
    let mut fields = vec![
        ("startUrl", Json::String(sess.start_url.clone())),
        ("region", Json::String(sess.region.clone())),
        ("accessToken", access),
        ("expiresAt", Json::String(token::utc_z(expires))),
        ("clientId", copy("clientId")),
        ("clientSecret", copy("clientSecret")),
        ("registrationExpiresAt", copy("registrationExpiresAt")),
    ];
    if let Some(r) = resp.get("refreshToken") {
        fields.push(("refreshToken", r.clone()));
    }
    Ok(TokenDoc::from_fields(fields))
}

/// The network side of a session token: the OIDC client comes from the
/// session's profile settings.
pub struct OidcAccess<'a> {
    /// OS services.
    pub os: &'a Os,
    /// The network.
    pub net: &'a Network,
    /// Both files.
    pub files: &'a ConfigFiles,
    /// The session's profile (configured endpoints, retries).
    pub client_profile: Option<&'a Profile>,
}

impl<'a> OidcAccess<'a> {
    /// The SSO-OIDC client for `region` (token refresh, device and PKCE
    /// login), with the session profile's endpoint and retry settings.
    ///
    /// # Errors
    /// An invalid region (`InvalidRegionError`) or endpoint setting, as
    /// botocore's client creation.
    pub fn oidc_client(&self, region: &str) -> Result<SsoClient<'a>, Error> {
        SsoClient::new(
            self.os,
            self.net,
            self.files,
            self.client_profile,
            Service::Oidc,
            region,
        )
    }

    /// The SSO portal client for `region` (`GetRoleCredentials`), with
    /// the same settings as [`Self::oidc_client`].
    ///
    /// # Errors
    /// As [`Self::oidc_client`].
    pub fn portal_client(&self, region: &str) -> Result<SsoClient<'a>, Error> {
        SsoClient::new(
            self.os,
            self.net,
            self.files,
            self.client_profile,
            Service::Portal,
            region,
        )
    }
}

/// An sso-session profile's token (P-SSO-6), refreshed when needed.
pub fn session_token(
    access: &OidcAccess<'_>,
    cfg: &SsoConfig,
    session_name: &str,
) -> Result<AccessToken, Error> {
    let os = access.os;
    let hint = cfg.login_hint();
    let sess = session_config(access.files, &cfg.profile, session_name)?;
    let dir = token::cache_dir(&*os.env, &*os.fs);
    let key = token::cache_key(&sess.start_url, Some(&sess.name));
    let path = token::token_path(&dir, &key);
    let load = || {
        token::load(&*os.fs, &dir, &sess.start_url, Some(&sess.name))
            .map_err(|e| with_hint(e, &hint))
    };
    let mut doc = load()?;
    let mut exp = doc.expires_at()?;
    let now = os.clock.now();
    let mut state = TokenState::Valid;
    if exp.seconds_after(now) < REFRESH_WINDOW_SECONDS {
        state = if recently_attempted(&path, now) {
            TokenState::NotRefreshed("a refresh failed less than 60 s ago".into())
        } else if let Some(why) = refresh_blocker(&doc, now)? {
            TokenState::NotRefreshed(why)
        } else {
            let (d, s) = lock::with_token_lock(&dir, &key, || {
                // Another process may have refreshed while we waited.
                let fresh = load()?;
                let now = os.clock.now();
                if fresh.expires_at()?.seconds_after(now) >= REFRESH_WINDOW_SECONDS {
                    return Ok((fresh, TokenState::RefreshedElsewhere));
                }
                if let Some(why) = refresh_blocker(&fresh, now)? {
                    return Ok((fresh, TokenState::NotRefreshed(why)));
                }
                record_attempt(&path, now);
                let oidc = access.oidc_client(&sess.region)?;
                let s = |k: &str| fresh.get_str(k).unwrap_or_default().to_owned();
                match oidc.create_token_refresh(
                    &s("clientId"),
                    &s("clientSecret"),
                    &s("refreshToken"),
                ) {
                    Ok(resp) => {
                        let new = refreshed_doc(&sess, &fresh, &resp, now)?;
                        token::save(&dir, &key, &new)?;
                        Ok((new, TokenState::Refreshed))
                    }
                    // botocore swallows ClientError and keeps the old token.
                    Err(e @ Error::SsoService { .. }) => Ok((
                        fresh,
                        TokenState::NotRefreshed(format!("{}: {e}", e.kind())),
                    )),
                    Err(e) => Err(e),
                }
            })?;
            doc = d;
            exp = doc.expires_at()?;
            s
        };
    }
    if exp.seconds_after(os.clock.now()) <= 0.0 {
        return Err(Error::TokenRetrieval {
            message: "Token has expired and refresh failed".into(),
            login_hint: hint,
        });
    }
    Ok(AccessToken {
        token: crate::credentials::SecretString::new(access_token_of(&doc)?),
        path,
        expires_at: exp,
        state,
    })
}

/// The role credentials document for `cfg` (`GetRoleCredentials` with the
/// token), with `AccountId` added as botocore does; 401
/// `UnauthorizedException` is `UnauthorizedSSOTokenError`.
pub fn role_credentials(
    client: &SsoClient<'_>,
    cfg: &SsoConfig,
    token: &AccessToken,
) -> Result<Json, Error> {
    let mut doc = client
        .get_role_credentials(token.expose(), &cfg.role_name, &cfg.account_id)
        .map_err(|e| match e {
            Error::SsoService { code, .. } if code == "UnauthorizedException" => {
                Error::UnauthorizedSsoToken {
                    login_hint: cfg.login_hint(),
                }
            }
            e => e,
        })?;
    if let Some(c) = doc.get_mut("Credentials").and_then(Json::as_object_mut) {
        c.insert("AccountId".into(), Json::String(cfg.account_id.clone()));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests;
