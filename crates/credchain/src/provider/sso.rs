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
//! The chain gets [`RefreshableCredentials`] whose refresher runs
//! [`fetch`] again (deferred for [`crate::Session::credentials`], P-REF-4,
//! as botocore's `SSOProvider`; the snapshot API and `explain` fetch at
//! resolution). The token load and `GetRoleCredentials` run inside the
//! locked cache fetch-through ([`fetch_through`]), so N processes that miss
//! `~/.aws/cli/cache` at once make one call.

use super::attempt;
use super::cache::{fetch_through, usable};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::refreshable::RefreshableCredentials;
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
    let client = access.portal_client(&cfg.region)?;
    let mut token_detail = None;
    let (doc, cached) = fetch_through(
        ctx.sts.cache.as_deref(),
        &key,
        &format!(
            "fetching SSO role credentials for {} in account {}",
            cfg.role_name, cfg.account_id
        ),
        client.call_bound() + sso::lock::LOCK_WAIT,
        |doc| usable(doc, ctx.os.clock.now()),
        || {
            let token = match &cfg.session {
                None => sso::legacy_token(ctx.os, cfg)?,
                Some(name) => sso::session_token(&access, cfg, name)?,
            };
            token_detail = Some(token.describe());
            sso::role_credentials(&client, cfg, &token)
        },
    )?;
    let creds = sts::credentials_from_doc(&doc, Method::Sso)?;
    let creds = sts::check_not_expired(creds, ctx.os.clock.now())?;
    let detail = match token_detail {
        Some(d) if !cached => d,
        _ => format!(
            "role credentials cached ({key}; fetched by another process while this one waited)"
        ),
    };
    Ok((creds, detail))
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
            let owned = ctx.to_owned_ctx()?;
            let cfg2 = cfg.clone();
            let refresher = move || owned.with(|ctx| fetch(ctx, &cfg2)).map(|(c, _)| Some(c));
            let clock = std::sync::Arc::clone(&ctx.os.clock);
            if ctx.defer {
                let rc = RefreshableCredentials::deferred_with_clock(Method::Sso, refresher, clock);
                let detail = format!(
                    "{}; deferred: fetched on first use",
                    describe_config(ctx, &cfg)
                );
                return Ok(Outcome::Refreshable(rc, detail));
            }
            Ok(match fetch(ctx, &cfg) {
                Ok((creds, detail)) => Outcome::Refreshable(
                    RefreshableCredentials::with_clock(creds, refresher, clock),
                    format!("{}; {detail}", describe_config(ctx, &cfg)),
                ),
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
