//! `assume-role-with-web-identity` (P-WEB-*): token file, role and session
//! name looked up key by key, env first unless the profile is explicit
//! (P-WEB-1, P-CHAIN-6); then one unsigned `AssumeRoleWithWebIdentity`
//! call, through the credential cache when one is configured (locked:
//! one call for N processes, [`fetch_through`]). The chain gets
//! [`RefreshableCredentials`] whose refresher reads the token file and
//! calls again (deferred for [`crate::Session::credentials`], P-WEB-4).

use super::attempt;
use super::cache::{CacheArg, cache_key, fetch_through, usable};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::env_vars::{AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, AWS_WEB_IDENTITY_TOKEN_FILE};
use crate::error::Error;
use crate::refreshable::RefreshableCredentials;
use crate::sts;
use crate::sts::client::StsClient;

/// Web identity federation.
pub(crate) struct WebIdentityProvider;

/// A validated web identity configuration (no IO yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WebIdentityConfig {
    /// The token file path, used as written (no `~` expansion, P-WEB-3).
    pub(crate) token_file: String,
    /// The role to assume.
    pub(crate) role_arn: String,
    /// The configured session name, if non-empty.
    pub(crate) role_session_name: Option<String>,
    /// Where the token file setting came from, for `explain`.
    pub(crate) source: String,
}

const NO_ROLE_ARN: &str = "The provided profile or the current environment is configured to \
                           assume role with web identity but has no role ARN configured. Ensure \
                           that the profile has the role_arnconfiguration set or the \
                           AWS_ROLE_ARN env var is set.";

/// botocore's `_assume_role_with_web_identity` up to (not including) the
/// STS call: `None` when no token file is configured.
pub(crate) fn config(ctx: &Ctx<'_>, disable_env: bool) -> Result<Option<WebIdentityConfig>, Error> {
    let files = ctx.files()?;
    let profile = files.profile(ctx.profile);
    let get = |key: &str, var: &str| -> Result<Option<(String, String)>, Error> {
        if !disable_env && let Some(v) = ctx.env(var) {
            return Ok(Some((v, var.to_owned())));
        }
        match profile.and_then(|p| p.get(key)) {
            None => Ok(None),
            Some(s) => Ok(Some((
                super::string_value(&s.value, key)?.to_owned(),
                format!(
                    "`{key}` in profile {} ({})",
                    ctx.profile,
                    files.describe(s.origin)
                ),
            ))),
        }
    };
    let Some((token_file, source)) =
        get("web_identity_token_file", AWS_WEB_IDENTITY_TOKEN_FILE)?.filter(|(v, _)| !v.is_empty())
    else {
        return Ok(None);
    };
    let Some((role_arn, _)) = get("role_arn", AWS_ROLE_ARN)?.filter(|(v, _)| !v.is_empty()) else {
        return Err(Error::InvalidConfig {
            message: NO_ROLE_ARN.into(),
        });
    };
    let role_session_name = get("role_session_name", AWS_ROLE_SESSION_NAME)?
        .map(|(v, _)| v)
        .filter(|v| !v.is_empty());
    Ok(Some(WebIdentityConfig {
        token_file,
        role_arn,
        role_session_name,
        source,
    }))
}

/// Reads the token as Python's text-mode `open().read()` does: UTF-8,
/// universal newlines, nothing stripped (P-WEB-3).
fn read_token(ctx: &Ctx<'_>, cfg: &WebIdentityConfig) -> Result<String, Error> {
    let path = cfg.token_file.as_str();
    // From the environment the path is taken as the OS holds it: a
    // non-UTF-8 name must not turn into a lossily converted one.
    let os_path = (cfg.source == AWS_WEB_IDENTITY_TOKEN_FILE)
        .then(|| ctx.os.env.get_os(AWS_WEB_IDENTITY_TOKEN_FILE))
        .flatten()
        .map_or_else(|| std::path::PathBuf::from(path), std::path::PathBuf::from);
    let bytes = ctx.os.fs.read(&os_path).map_err(|e| {
        let (class, errno) = match e.kind() {
            std::io::ErrorKind::NotFound => {
                ("FileNotFoundError", "[Errno 2] No such file or directory")
            }
            std::io::ErrorKind::PermissionDenied => {
                ("PermissionError", "[Errno 13] Permission denied")
            }
            std::io::ErrorKind::IsADirectory => ("IsADirectoryError", "[Errno 21] Is a directory"),
            // Refused by the bounded read (FIFO, device, oversized): its
            // message names the file and what was expected.
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                return Error::Unhandled {
                    class: "OSError",
                    message: e.to_string(),
                };
            }
            _ => ("OSError", "cannot read file"),
        };
        Error::Unhandled {
            class,
            message: format!("{errno}: {}", crate::chain::repr::py_repr(path)),
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Unhandled {
        class: "UnicodeDecodeError",
        message: format!("web identity token file {path} is not valid UTF-8"),
    })?;
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The generated session name, `botocore-session-<epoch>` (P-WEB-4).
pub(crate) fn default_session_name(ctx: &Ctx<'_>) -> String {
    let secs = ctx
        .os
        .clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("botocore-session-{secs}")
}

/// The STS client for the session: `ctx` must be the session's context
/// (its profile configures the client, not a source profile's).
pub(crate) fn sts_client<'a>(ctx: &'a Ctx<'_>) -> Result<StsClient<'a>, Error> {
    let files = ctx.files()?;
    let profile = files.profile(ctx.profile);
    StsClient::new(ctx.os, ctx.net, files, profile, ctx.sts.region.as_deref())
}

/// Fetches (or reads from the cache) the credentials for `cfg`. Returns
/// them and whether they came from the cache.
/// `ctx` must be the session's context (see [`sts_client`]).
pub(crate) fn fetch(ctx: &Ctx<'_>, cfg: &WebIdentityConfig) -> Result<(Credentials, bool), Error> {
    let method = Method::AssumeRoleWithWebIdentity;
    let mut args = vec![("RoleArn", CacheArg::Str(cfg.role_arn.clone()))];
    if let Some(s) = &cfg.role_session_name {
        args.push(("RoleSessionName", CacheArg::Str(s.clone())));
    }
    let key = cache_key(&args);
    if let Some(cache) = &ctx.sts.cache
        && let Some(doc) = cache.get(&key)
        && usable(&doc, ctx.os.clock.now())
    {
        return Ok((sts::credentials_from_doc(&doc, method)?, true));
    }
    let session = cfg
        .role_session_name
        .clone()
        .unwrap_or_else(|| default_session_name(ctx));
    // botocore reads the token before it creates the client.
    let token = read_token(ctx, cfg)?;
    let client = sts_client(ctx)?;
    // After the client (its region check comes first in botocore), before
    // anything is sent.
    sts::validate_web_identity(
        &cfg.role_arn,
        &session,
        cfg.role_session_name.is_some(),
        &token,
    )?;
    let op = "AssumeRoleWithWebIdentity";
    let (doc, cached) = fetch_through(
        ctx.sts.cache.as_deref(),
        &key,
        &format!("fetching role {} from STS (web identity)", cfg.role_arn),
        client.lock_wait(),
        |doc| usable(doc, ctx.os.clock.now()),
        || {
            let body = client.call(
                op,
                &sts::assume_role_with_web_identity_body(&cfg.role_arn, &session, &token),
                None,
            )?;
            sts::parse_assume_role(op, &body)
        },
    )?;
    let creds = sts::credentials_from_doc(&doc, method)?;
    Ok((sts::check_not_expired(creds, ctx.os.clock.now())?, cached))
}

impl Provider for WebIdentityProvider {
    fn method(&self) -> Method {
        Method::AssumeRoleWithWebIdentity
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let Some(cfg) = config(ctx, ctx.explicit_profile)? else {
                return Ok(Outcome::Skipped(
                    "no web identity token file configured".into(),
                ));
            };
            let owned = ctx.to_owned_ctx()?;
            let cfg2 = cfg.clone();
            let refresher = move || owned.with(|ctx| fetch(ctx, &cfg2)).map(|(c, _)| Some(c));
            let clock = std::sync::Arc::clone(&ctx.os.clock);
            if ctx.defer {
                let rc = RefreshableCredentials::deferred_with_clock(
                    Method::AssumeRoleWithWebIdentity,
                    refresher,
                    clock,
                );
                let detail = format!("{}; deferred: fetched on first use", describe(&cfg, false));
                return Ok(Outcome::Refreshable(rc, detail));
            }
            Ok(match fetch(ctx, &cfg) {
                Ok((creds, cached)) => Outcome::Refreshable(
                    RefreshableCredentials::with_clock(creds, refresher, clock),
                    describe(&cfg, cached),
                ),
                Err(e) => Outcome::FailedWith(e, describe(&cfg, false)),
            })
        })
    }
}

/// `explain` detail for a web identity fetch.
pub(crate) fn describe(cfg: &WebIdentityConfig, cached: bool) -> String {
    format!(
        "web identity token {} ({}) → role {}{}",
        cfg.token_file,
        cfg.source,
        cfg.role_arn,
        if cached { " (cached)" } else { "" }
    )
}
