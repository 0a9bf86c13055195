//! `sso`: IAM Identity Center (P-SSO-*), triggered by `sso_account_id` or
//! `sso_role_name` in the profile.
//!
//! Order of work, as botocore's `SSOProvider` and `SSOCredentialFetcher`:
//! the configuration is validated first (P-SSO-2), then the role
//! credentials cache is consulted (the session's cache: in memory for the
//! library, `~/.aws/cli/cache` for the CLI as AWS CLI v2, P-SSO-8), then
//! the portal client is built, then the token loaded (legacy: expired is
//! `UnauthorizedSSOTokenError`; sso-session: refreshed, P-SSO-6), then
//! `GetRoleCredentials` (P-SSO-7).
//!
//! Difference to botocore: fetched at resolution, not on first use of the
//! key (as the assume-role provider).

use super::attempt;
use super::cache::usable;
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::sso::{self, OidcAccess, SsoConfig};
use crate::sts;

/// IAM Identity Center role credentials.
pub(crate) struct SsoProvider;

/// `explain`'s account of the configuration: profile, session or start
/// URL, role.
fn describe_config(ctx: &Ctx<'_>, cfg: &SsoConfig) -> String {
    let at = ctx
        .files()
        .map(|f| f.describe(cfg.origin))
        .unwrap_or_default();
    let source = match &cfg.session {
        Some(s) => format!("sso-session {s}"),
        None => format!("sso_start_url {} (legacy, no refresh)", cfg.start_url),
    };
    format!(
        "profile {} ({at}): {source}, role {} in account {}",
        cfg.profile, cfg.role_name, cfg.account_id
    )
}

/// Fetches the credentials: from the cache when fresh, else through the
/// portal. Returns them and a description for `explain`.
fn fetch(ctx: &Ctx<'_>, cfg: &SsoConfig) -> Result<(Credentials, String), Error> {
    let key = sso::role_cache_key(cfg);
    let now = ctx.os.clock.now();
    if let Some(cache) = &ctx.sts.cache
        && let Some(doc) = cache.get(&key)
        && usable(&doc, now)
    {
        let creds = sts::credentials_from_doc(&doc, Method::Sso)?;
        return Ok((creds, format!("role credentials cached ({key})")));
    }
    let files = ctx.files()?;
    let access = OidcAccess {
        os: ctx.os,
        net: ctx.net,
        files,
        client_profile: files.profile(ctx.session_profile),
    };
    // botocore creates the portal client before it loads the token.
    let client = sso::portal_client(&access, cfg)?;
    let token = match &cfg.session {
        None => sso::legacy_token(ctx.os, cfg)?,
        Some(name) => sso::session_token(&access, cfg, name)?,
    };
    let doc = sso::role_credentials(&client, cfg, &token)?;
    if let Some(cache) = &ctx.sts.cache {
        cache.set(&key, &doc)?;
    }
    let creds = sts::credentials_from_doc(&doc, Method::Sso)?;
    let creds = sts::check_not_expired(creds, ctx.os.clock.now())?;
    Ok((creds, token.describe()))
}

/// The token's state for a failed fetch: which file, when it expires and
/// what to run. Never the token.
fn failure_context(ctx: &Ctx<'_>, cfg: &SsoConfig) -> String {
    let (start_url, session) = match (&cfg.session, ctx.files()) {
        (Some(name), Ok(files)) => match sso::session_config(files, &cfg.profile, name) {
            Ok(s) => (s.start_url, Some(s.name)),
            Err(_) => return describe_config(ctx, cfg),
        },
        _ => (cfg.start_url.clone(), None),
    };
    let dir = sso::token::cache_dir(&*ctx.os.env, &*ctx.os.fs);
    let path = sso::token::token_path(&dir, &sso::token::cache_key(&start_url, session.as_deref()));
    let expiry = sso::token::load(&*ctx.os.fs, &dir, &start_url, session.as_deref())
        .ok()
        .and_then(|d| d.expires_at().ok())
        .map_or_else(
            || "missing or unreadable".to_owned(),
            |t| {
                let left = t.seconds_after(ctx.os.clock.now());
                if left <= 0.0 {
                    format!("expired {t}")
                } else {
                    format!("expires {t}")
                }
            },
        );
    format!(
        "{}; token {} {expiry}; login needed: {}",
        describe_config(ctx, cfg),
        path.display(),
        cfg.login_hint()
    )
}

impl Provider for SsoProvider {
    fn method(&self) -> Method {
        Method::Sso
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            let Some(cfg) = sso::sso_config(files, ctx.profile)? else {
                return Ok(Outcome::Skipped(format!(
                    "profile {} has no sso_account_id or sso_role_name",
                    ctx.profile
                )));
            };
            Ok(match fetch(ctx, &cfg) {
                Ok((creds, detail)) => {
                    Outcome::Found(creds, format!("{}; {detail}", describe_config(ctx, &cfg)))
                }
                Err(e) => {
                    let needs_login = matches!(
                        e.kind(),
                        "SSOTokenLoadError" | "UnauthorizedSSOTokenError" | "TokenRetrievalError"
                    );
                    if needs_login {
                        Outcome::FailedWith(e, failure_context(ctx, &cfg))
                    } else {
                        Outcome::FailedWith(e, describe_config(ctx, &cfg))
                    }
                }
            })
        })
    }
}
