//! `sso status` and `sso logout` without the CLI.
//!
//! * [`status`]: one row per sso-session section and per legacy start URL
//!   the profiles use, read from the token cache without refreshing or
//!   calling anything (aws-cli#7341 asks for this; the AWS CLI has none).
//! * [`logout`]: the AWS CLI v2's `sso logout`: every JSON file in
//!   `~/.aws/sso/cache` holding an `accessToken` gets a portal `Logout`
//!   call (when it names a `region`; a service error is ignored, as the AWS
//!   CLI does) and is deleted; registration files (no `accessToken`) stay.
//!   Then every file in `~/.aws/cli/cache` whose `ProviderType` is `sso` is
//!   deleted; assume-role entries stay. Token files are deleted under the
//!   token lock, so a concurrent refresh cannot write one back half-way.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value as Json;

use super::client::{Service, SsoClient};
use super::token;
use crate::config::{ConfigFiles, Profile};
use crate::error::Error;
use crate::http::Network;
use crate::os::{Env, Fs, Os};

/// The state of one cached token, without refreshing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenStatus {
    /// At least the refresh window (900 s) left.
    Valid,
    /// Less than 900 s left: the next use refreshes it if it can.
    RefreshDue,
    /// Expired.
    Expired,
    /// No token file: a login is needed.
    Missing,
    /// A token file botocore cannot use (not JSON, no `accessToken` /
    /// `expiresAt`, bad date).
    Invalid,
}

impl TokenStatus {
    /// `valid`, `refresh-due`, `expired`, `missing` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenStatus::Valid => "valid",
            TokenStatus::RefreshDue => "refresh-due",
            TokenStatus::Expired => "expired",
            TokenStatus::Missing => "missing",
            TokenStatus::Invalid => "invalid",
        }
    }
}

/// One sso-session (or legacy start URL) and its cached token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStatus {
    /// The sso-session name; `None` for a legacy start URL.
    pub session: Option<String>,
    /// `sso_start_url`.
    pub start_url: Option<String>,
    /// `sso_region`.
    pub region: Option<String>,
    /// The token file (whether or not it exists).
    pub token_file: PathBuf,
    /// The token's state.
    pub status: TokenStatus,
    /// `expiresAt`, as written.
    pub expires_at: Option<String>,
    /// Seconds until `expiresAt` (negative when past).
    pub seconds_left: Option<i64>,
    /// Whether an sso-session token can be refreshed without a login
    /// (refresh token, client and an unexpired registration present).
    pub refreshable: bool,
    /// `registrationExpiresAt`, as written.
    pub registration_expires_at: Option<String>,
    /// Profiles that use this session or start URL, in file order.
    pub profiles: Vec<String>,
}

fn str_of(p: &Profile, k: &str) -> Option<String> {
    p.get_str(k).map(str::to_owned)
}

/// Every sso-session and legacy start URL, with its token's state at `now`.
pub fn status(
    files: &ConfigFiles,
    env: &dyn Env,
    fs: &dyn Fs,
    now: SystemTime,
) -> Vec<SessionStatus> {
    let dir = token::cache_dir(env, fs);
    let mut rows: Vec<SessionStatus> = Vec::new();
    for (name, section) in files.sso_sessions().iter() {
        let start_url = str_of(section, "sso_start_url");
        let profiles = files
            .profiles()
            .filter(|(_, p)| p.get_str("sso_session") == Some(name))
            .map(|(n, _)| n.to_owned())
            .collect();
        rows.push(row(
            fs,
            &dir,
            Some(name),
            start_url,
            str_of(section, "sso_region"),
            profiles,
            now,
        ));
    }
    // Legacy profiles, one row per start URL.
    for (name, p) in files.profiles() {
        if p.contains("sso_session") {
            continue;
        }
        let Some(url) = str_of(p, "sso_start_url") else {
            continue;
        };
        if let Some(r) = rows
            .iter_mut()
            .find(|r| r.session.is_none() && r.start_url.as_deref() == Some(url.as_str()))
        {
            r.profiles.push(name.to_owned());
            continue;
        }
        rows.push(row(
            fs,
            &dir,
            None,
            Some(url),
            str_of(p, "sso_region"),
            vec![name.to_owned()],
            now,
        ));
    }
    rows
}

fn row(
    fs: &dyn Fs,
    dir: &Path,
    session: Option<&str>,
    start_url: Option<String>,
    region: Option<String>,
    profiles: Vec<String>,
    now: SystemTime,
) -> SessionStatus {
    let url = start_url.clone().unwrap_or_default();
    let key = token::cache_key(&url, session);
    let mut out = SessionStatus {
        session: session.map(str::to_owned),
        start_url,
        region,
        token_file: token::token_path(dir, &key),
        status: TokenStatus::Missing,
        expires_at: None,
        seconds_left: None,
        refreshable: false,
        registration_expires_at: None,
        profiles,
    };
    let doc = match token::load(fs, dir, &url, session) {
        Ok(d) => d,
        Err(token::LoadError::Load(m)) if m.ends_with("does not exist") => return out,
        Err(_) => {
            out.status = TokenStatus::Invalid;
            return out;
        }
    };
    out.expires_at = doc.get_str("expiresAt").map(str::to_owned);
    out.registration_expires_at = doc.get_str("registrationExpiresAt").map(str::to_owned);
    let Ok(exp) = doc.expires_at() else {
        out.status = TokenStatus::Invalid;
        return out;
    };
    let left = exp.seconds_after(now);
    #[allow(clippy::cast_possible_truncation)] // seconds, rounded down
    {
        out.seconds_left = Some(left.floor() as i64);
    }
    out.status = if left <= 0.0 {
        TokenStatus::Expired
    } else if left < super::REFRESH_WINDOW_SECONDS {
        TokenStatus::RefreshDue
    } else {
        TokenStatus::Valid
    };
    // Legacy tokens are never refreshed (P-SSO-5).
    out.refreshable = session.is_some()
        && doc.missing_refresh_keys().is_empty()
        && token::parse_time(doc.get("registrationExpiresAt"), "registrationExpiresAt")
            .is_ok_and(|t| t.seconds_after(now) > 0.0);
    out
}

/// What [`logout`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoutReport {
    /// Token files deleted.
    pub tokens_removed: Vec<PathBuf>,
    /// `Logout` calls answered with a service error (ignored, as the AWS
    /// CLI does): the file name and the error kind.
    pub logout_errors: Vec<(PathBuf, String)>,
    /// SSO role credential files deleted from the CLI cache.
    pub credentials_removed: Vec<PathBuf>,
}

/// JSON files of `dir` (sorted), with their parsed contents; unreadable or
/// non-JSON files are skipped, as the AWS CLI's sweeper does.
fn json_files(dir: &Path) -> Vec<(PathBuf, Json)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            // A real entry is a few KiB; refuse to slurp anything huge.
            if std::fs::metadata(&p).ok()?.len() > 1024 * 1024 {
                return None;
            }
            let v = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some((p, v))
        })
        .collect()
}

fn remove(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Unhandled {
            class: "OSError",
            message: format!("removing {}: {e}", path.display()),
        }),
    }
}

/// The AWS CLI v2's `sso logout` (see the module docs). `client_profile`
/// configures the portal clients (endpoints, retries), as the session's
/// profile does for the AWS CLI.
pub fn logout(
    os: &Os,
    net: &Network,
    files: &ConfigFiles,
    client_profile: Option<&Profile>,
) -> Result<LogoutReport, Error> {
    let mut report = LogoutReport::default();
    let dir = token::cache_dir(&*os.env, &*os.fs);
    for (path, doc) in json_files(&dir) {
        let Some(access) = doc.get("accessToken") else {
            continue;
        };
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        let region = doc
            .get("region")
            .and_then(Json::as_str)
            .filter(|r| !r.is_empty());
        super::lock::with_token_lock(&dir, &stem, || {
            if let Some(region) = region {
                let client =
                    SsoClient::new(os, net, files, client_profile, Service::Portal, region)?;
                match client.logout(access.as_str().unwrap_or_default()) {
                    Ok(()) => {}
                    Err(e @ Error::SsoService { .. }) => {
                        report
                            .logout_errors
                            .push((path.clone(), e.kind().to_owned()));
                    }
                    Err(e) => return Err(e),
                }
            }
            remove(&path)
        })?;
        report.tokens_removed.push(path);
    }
    let home = crate::config::paths::expand_user_os(std::ffi::OsStr::new("~"), &*os.env, &*os.fs);
    let cli_cache = crate::cache::JsonFileCache::cli_dir(&home);
    for (path, doc) in json_files(&cli_cache) {
        if doc.get("ProviderType").and_then(Json::as_str) == Some("sso") {
            remove(&path)?;
            report.credentials_removed.push(path);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::{MapEnv, MemFs};
    use std::time::{Duration, UNIX_EPOCH};

    /// session, status, seconds left, refreshable, profiles.
    type Row<'a> = (Option<&'a str>, &'a str, Option<i64>, bool, Vec<&'a str>);

    #[test]
    fn status_rows_per_session_and_legacy_start_url() {
        let config = "[profile a]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                      [profile b]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = R\n\
                      [profile l1]\nsso_start_url = https://legacy/start\nsso_region = eu-west-1\n\
                      [profile l2]\nsso_start_url = https://legacy/start\n\
                      [sso-session corp]\nsso_start_url = https://corp/start\nsso_region = us-east-1\n\
                      [sso-session idle]\nsso_start_url = https://idle/start\nsso_region = us-east-1\n";
        let files = ConfigFiles::from_texts(Some(config), None).unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_795_953_600); // 2026-11-29T12:00:00Z
        let dir = Path::new("/h/.aws/sso/cache");
        let fs = MemFs::new()
            .with_file(
                token::token_path(dir, &token::cache_key("", Some("corp"))),
                r#"{"accessToken": "t", "expiresAt": "2026-11-29T12:10:00Z", "refreshToken": "r",
                   "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2027-01-01T00:00:00Z"}"#,
            )
            .with_file(
                token::token_path(dir, &token::cache_key("https://legacy/start", None)),
                r#"{"accessToken": "t", "expiresAt": "2026-11-29T11:00:00Z"}"#,
            );
        let env = MapEnv::from_pairs([("HOME", "/h")]);
        let rows = status(&files, &env, &fs, now);
        let summary: Vec<Row<'_>> = rows
            .iter()
            .map(|r| {
                (
                    r.session.as_deref(),
                    r.status.as_str(),
                    r.seconds_left,
                    r.refreshable,
                    r.profiles.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Some("corp"), "refresh-due", Some(600), true, vec!["a", "b"]),
                (Some("idle"), "missing", None, false, vec![]),
                (None, "expired", Some(-3600), false, vec!["l1", "l2"]),
            ]
        );
        assert_eq!(rows[2].start_url.as_deref(), Some("https://legacy/start"));
        assert_eq!(rows[2].region.as_deref(), Some("eu-west-1"));
    }
}
