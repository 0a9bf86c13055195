//! `sso login`: the AWS CLI v2's login (P-SSO-9), without the CLI.
//!
//! Two grants against SSO-OIDC, as `awscli.customizations.sso.utils.
//! do_sso_login` chooses them:
//!
//! * **authorization code with PKCE** ([`pkce`], [`callback`]), for
//!   sso-session configurations: `RegisterClient` with `grantTypes`
//!   `authorization_code`/`refresh_token`, `redirectUris`
//!   `["http://127.0.0.1/oauth/callback"]` and `issuerUrl` (the start
//!   URL); the browser is sent to `<oidc endpoint>/authorize?…`, comes back
//!   to the loopback listener with `code` and `state`, and `CreateToken`
//!   exchanges the code with the verifier;
//! * **device code** ([`device`]), with `--use-device-code` and for legacy
//!   `sso_start_url` profiles.
//!
//! The client registration is cached in `~/.aws/sso/cache/<sha1>.json`
//! ([`token::registration_cache_key`]) with the AWS CLI's layout
//! (`clientId`, `clientSecret`, `expiresAt`, `scopes`, and `grantTypes`
//! for PKCE) and reused while it has 15 minutes left and was made for the
//! same grant. The token file (P-SSO-3/4) gets the AWS CLI's fields in its
//! order, `expiresAt` = now + `expiresIn`. Both are written atomically
//! (0600, directory 0700) under the token lock ([`super::lock`]).
//!
//! Beyond the AWS CLI:
//!
//! * a **login lock** (`.<key>.login.lock` beside the token file, held
//!   for the whole login): N logins for one session at once make one
//!   login; the others wait, then find the token changed and valid and
//!   use it;
//! * [`choose_flow`]: `sso_login_flow = device|pkce` in the profile or
//!   sso-session section, and the device flow when no browser can be
//!   shown here (no display, or an SSH session, and no `BROWSER`);
//! * [`target_for_profile`] follows `source_profile` to the SSO profile a
//!   role chain starts from;
//! * the waits are bounded (the device authorization's `expiresIn`, the
//!   listener's 600 s).
//!
//! Nothing here is reached from the credential chain: only `sso login`
//! starts an interactive login.

pub mod callback;
pub mod device;
pub mod pkce;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value as Json};

use super::OidcAccess;
use super::client::SsoClient;
use super::token::{self, TokenDoc};
use crate::config::{ConfigFiles, Profile};
use crate::credentials::SecretString;
use crate::error::{Error, SsoLoginFailure};
use crate::filelock::{FileLock, LockWait};
use crate::os::{Env, Fs};
use crate::time::Timestamp;

/// botocore's `_EXPIRY_WINDOW`: a registration (or a token another login
/// just wrote) needs this many seconds left to be used.
pub const EXPIRY_WINDOW_SECONDS: f64 = 900.0;

/// The AWS CLI's overall wait for the browser's callback.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a login waits for another login of the same session: the other
/// one's whole wait plus its `CreateToken` calls.
pub const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(600 + 180);

/// The scope PKCE registrations get when none is configured.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// The grants a PKCE client is registered for (botocore's
/// `_AUTH_GRANT_TYPES`).
pub const AUTH_GRANT_TYPES: [&str; 2] = ["authorization_code", "refresh_token"];

/// The redirect URI registered for PKCE clients (the port is added in
/// the authorize request and `CreateToken`).
pub const REGISTERED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// Which OAuth grant a login runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE (browser on this machine).
    Pkce,
    /// Device code (any browser, any device).
    DeviceCode,
}

impl Flow {
    /// `pkce` or `device`, as `sso_login_flow` spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Pkce => "pkce",
            Flow::DeviceCode => "device",
        }
    }
}

/// What a login is for: one sso-session, or one legacy start URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginTarget {
    /// The profiles walked to get here (`--profile` first, then each
    /// `source_profile`); empty with `--sso-session`.
    pub profiles: Vec<String>,
    /// The sso-session, `None` for a legacy profile.
    pub session: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// `sso_registration_scopes`, split on commas (sessions only).
    pub scopes: Option<Vec<String>>,
    /// `sso_login_flow` (the profile's, else the session's).
    pub login_flow: Option<Flow>,
}

fn invalid(detail: String) -> Error {
    Error::SsoLogin {
        failure: SsoLoginFailure::InvalidSsoConfig,
        detail,
    }
}

/// awscli's `parse_sso_registration_scopes`: comma-separated, trimmed,
/// empty items dropped.
pub fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn flow_setting(section: &Profile, where_: &str) -> Result<Option<Flow>, Error> {
    let Some(v) = section.get_str("sso_login_flow") else {
        return Ok(None);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "device" | "device-code" | "device_code" => Ok(Some(Flow::DeviceCode)),
        "pkce" | "authorization-code" | "authorization_code" => Ok(Some(Flow::Pkce)),
        _ => Err(Error::InvalidConfig {
            message: format!("sso_login_flow = {v} in {where_}: expected `device` or `pkce`"),
        }),
    }
}

fn missing_message(section: &Profile) -> Option<String> {
    let missing: Vec<&str> = ["sso_start_url", "sso_region"]
        .into_iter()
        .filter(|k| !section.contains(k))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "Missing the following required SSO configuration values: {}",
            missing.join(", ")
        )
    })
}

/// The login for sso-session `name` (awscli's `_get_sso_session_config`).
pub fn target_for_session(files: &ConfigFiles, name: &str) -> Result<LoginTarget, Error> {
    let Some(section) = files.sso_sessions().get(name) else {
        return Err(invalid(format!(
            "The specified sso-session does not exist: \"{name}\""
        )));
    };
    if let Some(m) = missing_message(section) {
        return Err(invalid(format!("{m} (in [sso-session {name}]).")));
    }
    let get = |k: &str| section.get_str(k).unwrap_or_default().to_owned();
    Ok(LoginTarget {
        profiles: Vec::new(),
        session: Some(name.to_owned()),
        start_url: get("sso_start_url"),
        region: get("sso_region"),
        scopes: section.get_str("sso_registration_scopes").map(parse_scopes),
        login_flow: flow_setting(section, &format!("[sso-session {name}]"))?,
    })
}

/// The login `--profile name` needs: the profile's own SSO configuration
/// (awscli's `_get_sso_config`), or, for a role profile, that of the
/// profile its `source_profile` chain starts from.
pub fn target_for_profile(files: &ConfigFiles, name: &str) -> Result<LoginTarget, Error> {
    let mut visited: Vec<String> = Vec::new();
    let mut current = name.to_owned();
    loop {
        let Some(p) = files.profile(&current) else {
            return Err(Error::ProfileNotFound { profile: current });
        };
        visited.push(current.clone());
        let section_name = if current == "default" {
            "[default]".to_owned()
        } else {
            format!("[profile {current}]")
        };
        if let Some(session) = p.get_str("sso_session") {
            let mut t = target_for_session(files, session)?;
            if let Some(f) = flow_setting(p, &section_name)? {
                t.login_flow = Some(f);
            }
            t.profiles = visited;
            return Ok(t);
        }
        if p.contains("sso_start_url") || p.contains("sso_region") {
            if let Some(m) = missing_message(p) {
                return Err(invalid(format!("{m} (in {section_name}).")));
            }
            let get = |k: &str| p.get_str(k).unwrap_or_default().to_owned();
            return Ok(LoginTarget {
                profiles: visited,
                session: None,
                start_url: get("sso_start_url"),
                region: get("sso_region"),
                scopes: None,
                login_flow: flow_setting(p, &section_name)?,
            });
        }
        match p.get_str("source_profile") {
            Some(src) if !visited.iter().any(|v| v == src) => src.clone_into(&mut current),
            Some(src) => {
                return Err(Error::InfiniteLoopConfig {
                    source_profile: src.to_owned(),
                    visited,
                });
            }
            None => {
                let chain = if visited.len() > 1 {
                    format!(" (reached from profile {name} through source_profile)")
                } else {
                    String::new()
                };
                return Err(invalid(format!(
                    "Missing the following required SSO configuration values: sso_start_url, \
                     sso_region. {section_name}{chain} has neither `sso_session` nor \
                     `sso_start_url`, so there is nothing to log in to."
                )));
            }
        }
    }
}

/// Why no browser can be shown on this machine, if so: an SSH session, or
/// (on Linux and the BSDs) no X11/Wayland display. `BROWSER` set means the
/// user has said how to open one, so there is no reason then.
pub fn headless_reason(env: &dyn Env) -> Option<String> {
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    if set("BROWSER") {
        return None;
    }
    for k in ["SSH_CONNECTION", "SSH_TTY"] {
        if set(k) {
            return Some(format!("this is an SSH session ({k} is set)"));
        }
    }
    if cfg!(all(unix, not(target_os = "macos"))) && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Some(
            "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)".into(),
        );
    }
    None
}

/// The grant to run and, when credchain chose the device flow on its own,
/// why (for a line on stderr). Order: legacy profiles have only the
/// device flow; `--use-device-code`; `sso_login_flow`; no browser here.
pub fn choose_flow(
    target: &LoginTarget,
    use_device_code: bool,
    env: &dyn Env,
) -> (Flow, Option<String>) {
    if target.session.is_none() || use_device_code {
        return (Flow::DeviceCode, None);
    }
    if let Some(f) = target.login_flow {
        return (f, None);
    }
    match headless_reason(env) {
        Some(why) => (
            Flow::DeviceCode,
            Some(format!(
                "using the device code flow: {why}, so a browser here could not complete the \
                 login (set BROWSER, or sso_login_flow = pkce, to override)"
            )),
        ),
        None => (Flow::Pkce, None),
    }
}

/// The commands to try, in order, to open `url`: each `BROWSER` entry
/// (`:`-separated, as Python's `webbrowser` reads it; `%s` is replaced by
/// the URL, else the URL is appended), then `open` (macOS) or `xdg-open`.
pub fn browser_commands(env: &dyn Env, url: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if let Some(b) = env.get("BROWSER") {
        for entry in b.split(':').filter(|e| !e.trim().is_empty()) {
            let mut argv: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
            if argv.iter().any(|a| a.contains("%s")) {
                for a in &mut argv {
                    *a = a.replace("%s", url);
                }
            } else {
                argv.push(url.to_owned());
            }
            out.push(argv);
        }
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    out.push(vec![opener.to_owned(), url.to_owned()]);
    out
}

/// What the AWS CLI prints while it waits for the user
/// (`OpenBrowserHandler` when a browser is opened, else
/// `PrintOnlyHandler`); `user_code` is `None` for PKCE.
pub fn pending_message(
    flow: Flow,
    open_browser: bool,
    user_code: Option<&str>,
    uri: &str,
    uri_complete: &str,
) -> String {
    let _ = flow;
    if !open_browser {
        let mut s = format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{uri}\n"
        );
        if let Some(code) = user_code {
            let _ = write!(
                s,
                "\nThen enter the code:\n\n{code}\n\nAlternatively, you may visit the following \
                 URL which will autofill the code upon loading:\n{uri_complete}\n"
            );
        }
        return s;
    }
    match user_code {
        Some(code) => format!(
            "Attempting to open your default browser.\nIf the browser does not open or you wish \
             to use a different device to authorize this request, open the following URL:\n\n\
             {uri}\n\nThen enter the code:\n\n{code}\n"
        ),
        None => format!(
            "Attempting to open your default browser. If the browser does not open, open the \
             following URL.\nIf you are unable to open the URL on this device, run this command \
             again with the '--use-device-code' option.\n\n{uri}\n\n"
        ),
    }
}

/// How a login talks to its user. The CLI prints; tests record and play
/// the browser.
pub trait LoginUi {
    /// Text the AWS CLI prints (to stdout): the URL, the code.
    fn say(&self, text: &str);
    /// A credchain remark for stderr (why the device flow, waiting for
    /// another login).
    fn note(&self, text: &str);
    /// Opens `url` in a browser; `Err` says why it could not.
    fn open_browser(&self, url: &str) -> Result<(), String>;
    /// Called while waiting for the user (a progress indicator).
    fn tick(&self) {}
    /// A `--debug` line. Never given a token, code, verifier or secret.
    fn debug(&self, _text: &str) {}
}

/// How to run a login.
#[derive(Clone, Debug)]
pub struct LoginOptions {
    /// The grant.
    pub flow: Flow,
    /// Open a browser (`false`: `--no-browser`, print the URL only).
    pub open_browser: bool,
    /// How long the PKCE listener waits for the browser.
    pub callback_timeout: Duration,
    /// How long to wait for another login of the same session.
    pub lock_wait: Duration,
}

impl LoginOptions {
    /// The AWS CLI's bounds.
    pub fn new(flow: Flow, open_browser: bool) -> LoginOptions {
        LoginOptions {
            flow,
            open_browser,
            callback_timeout: CALLBACK_TIMEOUT,
            lock_wait: LOGIN_LOCK_WAIT,
        }
    }
}

/// What a login did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginOutcome {
    /// The token file.
    pub token_path: PathBuf,
    /// The new token's `expiresAt`.
    pub expires_at: Timestamp,
    /// `false` when another process logged in while this one waited, and
    /// its token was used.
    pub by_this_process: bool,
    /// Whether `RegisterClient` was called (else a cached registration).
    pub registered: bool,
}

/// A client registration, from the cache or `RegisterClient`.
struct Registration {
    client_id: String,
    client_secret: SecretString,
    /// `expiresAt` as the registration file holds it.
    expires_at: String,
}

/// `now + secs` as Python computes it; `OverflowError` where Python raises
/// it. `secs` comes from service answers, so it must never panic.
fn secs_from(now: SystemTime, secs: i64) -> Result<SystemTime, Error> {
    crate::time::checked_offset(now, secs).ok_or_else(Error::date_out_of_range)
}

fn cached_registration(
    fs: &dyn Fs,
    path: &std::path::Path,
    now: SystemTime,
    flow: Flow,
) -> Option<Registration> {
    let bytes = fs.read(path).ok()?;
    let Json::Object(doc) = serde_json::from_slice::<Json>(&bytes).ok()? else {
        return None;
    };
    let exp = token::parse_time(doc.get("expiresAt"), "expiresAt").ok()?;
    if exp.seconds_after(now) < EXPIRY_WINDOW_SECONDS {
        return None;
    }
    // botocore's `_is_registration_for_auth_code`: files without
    // `grantTypes` are device registrations.
    let for_auth = doc
        .get("grantTypes")
        .and_then(Json::as_array)
        .is_some_and(|g| g.iter().any(|v| v == "authorization_code"));
    if for_auth != (flow == Flow::Pkce) {
        return None;
    }
    Some(Registration {
        client_id: doc.get("clientId")?.as_str()?.to_owned(),
        client_secret: SecretString::new(doc.get("clientSecret")?.as_str()?),
        expires_at: doc.get("expiresAt")?.as_str()?.to_owned(),
    })
}

fn register(
    oidc: &SsoClient<'_>,
    target: &LoginTarget,
    flow: Flow,
    now: SystemTime,
) -> Result<(Registration, TokenDoc), Error> {
    // botocore's `_generate_client_name`: the session name, else the epoch
    // seconds.
    let client_name = format!(
        "botocore-client-{}",
        target
            .session
            .clone()
            .unwrap_or_else(|| { Timestamp::from_system_time(now).unix_seconds().to_string() })
    );
    let configured = target.scopes.as_ref().filter(|s| !s.is_empty());
    let scopes_json =
        |s: &[String]| Json::Array(s.iter().cloned().map(Json::String).collect::<Vec<_>>());
    let mut body = Map::new();
    body.insert("clientName".into(), Json::String(client_name));
    body.insert("clientType".into(), Json::String("public".into()));
    let pkce_scopes: Vec<String> = configured
        .cloned()
        .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]);
    let grant_types = Json::Array(
        AUTH_GRANT_TYPES
            .iter()
            .map(|g| Json::String((*g).to_owned()))
            .collect(),
    );
    match flow {
        Flow::Pkce => {
            body.insert("grantTypes".into(), grant_types.clone());
            body.insert(
                "redirectUris".into(),
                Json::Array(vec![Json::String(REGISTERED_REDIRECT_URI.into())]),
            );
            body.insert("issuerUrl".into(), Json::String(target.start_url.clone()));
            body.insert("scopes".into(), scopes_json(&pkce_scopes));
        }
        Flow::DeviceCode => {
            if let Some(s) = configured {
                body.insert("scopes".into(), scopes_json(s));
            }
        }
    }
    let resp = oidc.register_client(&Json::Object(body))?;
    let key_error = |k: &str| Error::Unhandled {
        class: "KeyError",
        message: format!("'{k}' (in the RegisterClient answer)"),
    };
    let s = |k: &str| -> Result<String, Error> {
        resp.get(k)
            .and_then(Json::as_str)
            .map(str::to_owned)
            .ok_or_else(|| key_error(k))
    };
    let secret_expires = match resp.get("clientSecretExpiresAt") {
        Some(Json::Number(n)) => n.as_i64().or_else(|| {
            #[allow(clippy::cast_possible_truncation)]
            n.as_f64().map(|f| f as i64)
        }),
        _ => None,
    }
    .ok_or_else(|| key_error("clientSecretExpiresAt"))?;
    let reg = Registration {
        client_id: s("clientId")?,
        client_secret: SecretString::new(s("clientSecret")?),
        expires_at: token::utc_z(secs_from(std::time::UNIX_EPOCH, secret_expires)?),
    };
    let mut fields = vec![
        ("clientId", Json::String(reg.client_id.clone())),
        (
            "clientSecret",
            Json::String(reg.client_secret.expose().to_owned()),
        ),
        ("expiresAt", Json::String(reg.expires_at.clone())),
    ];
    match flow {
        Flow::Pkce => {
            fields.push(("scopes", scopes_json(&pkce_scopes)));
            fields.push(("grantTypes", grant_types));
        }
        Flow::DeviceCode => {
            if let Some(s) = configured {
                fields.push(("scopes", scopes_json(s)));
            }
        }
    }
    Ok((reg, TokenDoc::from_fields(fields)))
}

/// The token document the AWS CLI writes (P-SSO-4 field order).
fn token_doc(
    target: &LoginTarget,
    reg: &Registration,
    resp: &Map<String, Json>,
    now: SystemTime,
) -> Result<TokenDoc, Error> {
    let expires_in = super::expires_in_of(resp)?;
    let access = resp
        .get("accessToken")
        .cloned()
        .ok_or_else(|| Error::Unhandled {
            class: "KeyError",
            message: "'accessToken' (in the CreateToken answer)".into(),
        })?;
    let mut fields = vec![
        ("startUrl", Json::String(target.start_url.clone())),
        ("region", Json::String(target.region.clone())),
        ("accessToken", access),
        (
            "expiresAt",
            Json::String(token::utc_z(secs_from(now, expires_in)?)),
        ),
        ("clientId", Json::String(reg.client_id.clone())),
        (
            "clientSecret",
            Json::String(reg.client_secret.expose().to_owned()),
        ),
        (
            "registrationExpiresAt",
            Json::String(reg.expires_at.clone()),
        ),
    ];
    if let Some(r) = resp.get("refreshToken") {
        fields.push(("refreshToken", r.clone()));
    }
    Ok(TokenDoc::from_fields(fields))
}

/// `scheme://netloc` of the OIDC endpoint (botocore's
/// `_get_base_authorization_uri`).
fn base_uri(endpoint: &str) -> String {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("https", endpoint));
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{scheme}://{netloc}")
}

fn pkce_grant(
    oidc: &SsoClient<'_>,
    reg: &Registration,
    target: &LoginTarget,
    opts: &LoginOptions,
    ui: &dyn LoginUi,
) -> Result<Map<String, Json>, Error> {
    let listener = callback::CallbackListener::bind()?;
    let redirect = listener.redirect_uri();
    let secrets = pkce::Pkce::generate()?;
    let url = pkce::authorize_url(
        &base_uri(oidc.endpoint()),
        &reg.client_id,
        &redirect,
        secrets.state(),
        target.scopes.as_deref(),
        secrets.challenge(),
    );
    ui.debug(&format!("waiting for the browser at {redirect}"));
    ui.say(&pending_message(
        Flow::Pkce,
        opts.open_browser,
        None,
        &url,
        &url,
    ));
    if opts.open_browser {
        if let Err(why) = ui.open_browser(&url) {
            ui.debug(&format!("could not open a browser: {why}"));
        }
    }
    let code = listener.wait(secrets.state(), opts.callback_timeout, &|| ui.tick())?;
    ui.debug("authorization code received; CreateToken (authorization_code)");
    let body = serde_json::json!({
        "grantType": "authorization_code",
        "clientId": reg.client_id,
        "clientSecret": reg.client_secret.expose(),
        "redirectUri": redirect,
        "codeVerifier": secrets.verifier(),
        "code": code.expose(),
    });
    match oidc.create_token(&body) {
        Err(Error::SsoService { code, .. }) if code == "ExpiredTokenException" => {
            Err(Error::SsoLogin {
                failure: SsoLoginFailure::PendingAuthorizationExpired,
                detail: String::new(),
            })
        }
        r => r,
    }
}

/// Logs in for `target` (see the module docs) and writes the token file.
pub fn login(
    access: &OidcAccess<'_>,
    target: &LoginTarget,
    opts: &LoginOptions,
    ui: &dyn LoginUi,
) -> Result<LoginOutcome, Error> {
    let os = access.os;
    // The client first: botocore checks the region before anything else.
    let oidc = access.oidc_client(&target.region)?;
    let dir = token::cache_dir(&*os.env, &*os.fs);
    let key = token::cache_key(&target.start_url, target.session.as_deref());
    let token_path = token::token_path(&dir, &key);
    let load = || token::load(&*os.fs, &dir, &target.start_url, target.session.as_deref()).ok();
    let before = load();
    token::create_private_dir(&dir)?;
    let notice = |m: &str| ui.note(m);
    let wait = LockWait {
        timeout: opts.lock_wait,
        what: format!("logging in to {}", target.start_url),
        notice: &notice,
    };
    let login_lock = FileLock::acquire(&dir.join(format!("{key}.login")), &wait).map_err(|e| {
        Error::Unhandled {
            class: "OSError",
            message: format!("SSO login: {e}"),
        }
    })?;
    // Another login finished while we waited: its token is ours.
    if let Some(after) = load()
        && before.as_ref() != Some(&after)
        && let Ok(exp) = after.expires_at()
        && exp.seconds_after(os.clock.now()) >= EXPIRY_WINDOW_SECONDS
    {
        drop(login_lock);
        return Ok(LoginOutcome {
            token_path,
            expires_at: exp,
            by_this_process: false,
            registered: false,
        });
    }
    let reg_key = token::registration_cache_key(
        &target.start_url,
        &target.region,
        target.scopes.as_deref(),
        target.session.as_deref(),
    );
    let reg_path = token::token_path(&dir, &reg_key);
    let cached = cached_registration(&*os.fs, &reg_path, os.clock.now(), opts.flow);
    let registered = cached.is_none();
    let reg = if let Some(r) = cached {
        ui.debug(&format!(
            "reusing the client registration {} (expires {})",
            reg_path.display(),
            r.expires_at
        ));
        r
    } else {
        let (r, doc) = register(&oidc, target, opts.flow, os.clock.now())?;
        super::lock::with_token_lock(&dir, &reg_key, || token::save(&dir, &reg_key, &doc))?;
        ui.debug(&format!(
            "RegisterClient: new {} client, cached in {} (expires {})",
            opts.flow.as_str(),
            reg_path.display(),
            r.expires_at
        ));
        r
    };
    let resp = match opts.flow {
        Flow::Pkce => pkce_grant(&oidc, &reg, target, opts, ui)?,
        Flow::DeviceCode => device::run(
            &oidc,
            access.net,
            &*os.clock,
            ui,
            opts.open_browser,
            (&reg.client_id, reg.client_secret.expose()),
            &target.start_url,
        )?,
    };
    let doc = token_doc(target, &reg, &resp, os.clock.now())?;
    let expires_at = doc.expires_at()?;
    super::lock::with_token_lock(&dir, &key, || token::save(&dir, &key, &doc))?;
    ui.debug(&format!("wrote the token file {}", token_path.display()));
    drop(login_lock);
    Ok(LoginOutcome {
        token_path,
        expires_at,
        by_this_process: true,
        registered,
    })
}

#[cfg(test)]
mod tests;
