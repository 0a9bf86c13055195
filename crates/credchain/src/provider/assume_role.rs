//! `assume-role`: `role_arn` in the profile (P-CHAIN-2, P-AR-*).
//!
//! The plan ([`crate::chain::repr`]) is built first, with every validation
//! botocore makes eagerly; then the base credentials are resolved (profile
//! providers or `credential_source`), still before any STS call, so
//! configuration errors surface with no network (P-CHAIN-13). Then the
//! cache is read from the last hop back (P-AR-11): the newest fresh entry
//! wins and only the hops after it are fetched, in order, each by a
//! SigV4-signed `AssumeRole` signed with the previous hop's credentials
//! (see [`execute`]).
//!
//! The provider hands the chain [`RefreshableCredentials`] whose refresher
//! ([`RoleRefresher`]) owns what it needs (OS, network, files, STS options,
//! the plan and the resolved base) and runs [`execute`] again: the cache
//! first, then only the hops that are not fresh. Deferred (P-REF-4) for
//! [`crate::Session::credentials`]; the snapshot API and `explain` fetch at
//! resolution. Each hop's `AssumeRole` goes through the locked cache
//! fetch-through ([`fetch_through`]): one STS call for N processes.
//!
//! Differences to botocore: a refresh re-reads every hop from the cache
//! instead of keeping each hop's credentials in memory, so an inner hop
//! with `mfa_serial` whose cache entry is no longer fresh fails the refresh
//! with `RefreshWithMFAUnsupportedError` where botocore might still use the
//! inner hop's in-memory credentials for a while.

use super::cache::{CacheArg, cache_key, fetch_through, usable};
use super::{attempt, container, env, imds, login, process, sso, static_keys, web_identity};
use crate::chain::repr::{self, Base, CredentialSource, RoleHop, RolePlan};
use crate::chain::{Ctx, Outcome, OwnedCtx, Provider};
use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::refreshable::{Refresh, RefreshableCredentials};
use crate::sts;
use crate::sts::client::StsClient;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Assume a role named by `role_arn`.
pub(crate) struct AssumeRoleProvider;

/// The credentials a chain starts from.
#[derive(Clone)]
enum SourceCreds {
    /// Resolved (static keys, process, env, container, IMDS; SSO, deferred
    /// when the session defers): refreshed in their own windows when a hop
    /// needs them, as botocore's source credentials are.
    Ready(RefreshableCredentials, String),
    /// A web identity profile: fetched at execution time.
    WebIdentity(web_identity::WebIdentityConfig),
}

/// A context for another profile sharing the session's OS, network, files
/// and STS options.
fn sub_ctx<'a>(ctx: &Ctx<'a>, profile: &'a str, explicit: bool) -> Ctx<'a> {
    Ctx {
        os: ctx.os,
        net: ctx.net,
        profile,
        session_profile: ctx.session_profile,
        explicit_profile: explicit,
        files: ctx.files,
        sts: ctx.sts,
        defer: ctx.defer,
    }
}

/// Resolves the base of a plan the way botocore does before any STS call.
fn resolve_base(ctx: &Ctx<'_>, base: &Base) -> Result<SourceCreds, Error> {
    match base {
        Base::CredentialSource { source, profile } => {
            // The sourcer's providers run on their own; the env provider
            // reads the env even for an explicit profile (P-CHAIN-7).
            let sub = sub_ctx(ctx, ctx.profile, false);
            let provider: &dyn Provider = match source {
                CredentialSource::Environment => &env::EnvProvider,
                CredentialSource::Ec2InstanceMetadata => &imds::ImdsProvider,
                CredentialSource::EcsContainer => &container::ContainerProvider,
            };
            match provider.load(&sub) {
                Outcome::Found(c, detail) => Ok(SourceCreds::Ready(
                    RefreshableCredentials::from_static(c),
                    detail,
                )),
                Outcome::Refreshable(c, detail) => Ok(SourceCreds::Ready(c, detail)),
                Outcome::Failed(e) | Outcome::FailedWith(e, _) => Err(e),
                Outcome::Skipped(_) => Err(Error::CredentialSourceEmpty {
                    source: source.as_str().to_owned(),
                    profile: profile.clone(),
                }),
            }
        }
        Base::SourceProfile { profile } => {
            // The profile providers, env vars off (P-AR-4b).
            let sub = sub_ctx(ctx, profile, true);
            if let Some(cfg) = web_identity::config(&sub, true)? {
                return Ok(SourceCreds::WebIdentity(cfg));
            }
            let providers: [&dyn Provider; 5] = [
                &sso::SsoProvider,
                &static_keys::SharedCredentialsProvider,
                &login::LoginProvider,
                &process::ProcessProvider,
                &static_keys::ConfigFileProvider,
            ];
            for p in providers {
                match p.load(&sub) {
                    Outcome::Skipped(_) => {}
                    Outcome::Found(c, detail) => {
                        return Ok(SourceCreds::Ready(
                            RefreshableCredentials::from_static(c),
                            format!("{}: {detail}", p.method()),
                        ));
                    }
                    Outcome::Refreshable(c, detail) => {
                        return Ok(SourceCreds::Ready(c, format!("{}: {detail}", p.method())));
                    }
                    Outcome::Failed(e) | Outcome::FailedWith(e, _) => return Err(e),
                }
            }
            Err(Error::InvalidConfig {
                message: format!("The source profile \"{profile}\" must have credentials."),
            })
        }
    }
}

/// The `AssumeRole` arguments botocore caches under (P-AR-9): the generated
/// session name and the MFA code are left out.
fn cache_args(hop: &RoleHop) -> Vec<(&'static str, CacheArg)> {
    let mut args = vec![("RoleArn", CacheArg::Str(hop.role_arn.clone()))];
    if let Some(s) = &hop.role_session_name {
        args.push(("RoleSessionName", CacheArg::Str(s.clone())));
    }
    if let Some(e) = &hop.external_id {
        args.push(("ExternalId", CacheArg::Str(e.clone())));
    }
    if let Some(m) = &hop.mfa_serial {
        args.push(("SerialNumber", CacheArg::Str(m.clone())));
    }
    if let Some(d) = hop.duration_seconds {
        args.push(("DurationSeconds", CacheArg::Int(d)));
    }
    args
}

/// The hop's fresh cache entry, if any (P-AR-11).
fn cached(ctx: &Ctx<'_>, hop: &RoleHop) -> Result<Option<Credentials>, Error> {
    let key = cache_key(&cache_args(hop));
    if let Some(cache) = &ctx.sts.cache
        && let Some(doc) = cache.get(&key)
        && usable(&doc, ctx.os.clock.now())
    {
        return Ok(Some(sts::credentials_from_doc(&doc, Method::AssumeRole)?));
    }
    Ok(None)
}

/// botocore's `RefreshWithMFAUnsupportedError` (P-AR-6).
fn mfa_refresh_unsupported() -> Error {
    Error::Unhandled {
        class: "RefreshWithMFAUnsupportedError",
        message: "Cannot refresh credentials: MFA token required.".into(),
    }
}

/// Asks for the hop's MFA code (P-AR-6); `None` without `mfa_serial`. A
/// refresh never prompts: botocore's MFA refresher works once.
fn token_code(ctx: &Ctx<'_>, hop: &RoleHop, refreshing: bool) -> Result<Option<String>, Error> {
    let Some(serial) = &hop.mfa_serial else {
        return Ok(None);
    };
    if refreshing {
        return Err(mfa_refresh_unsupported());
    }
    let Some(prompt) = &ctx.sts.mfa_prompt else {
        return Err(Error::CredentialRetrieval {
            provider: Method::AssumeRole,
            message: format!(
                "profile {} has mfa_serial {serial} but no MFA prompt is available (no terminal)",
                hop.profile
            ),
        });
    };
    prompt
        .prompt(&format!("Enter MFA code for {serial}: "))
        .map(Some)
}

/// One hop's `AssumeRole`, signed with `source`, its answer cached; also
/// whether another process's answer was found under the lock instead.
fn assume(
    ctx: &Ctx<'_>,
    hop: &RoleHop,
    token_code: Option<String>,
    source: &Credentials,
) -> Result<(Credentials, bool), Error> {
    let input = sts::AssumeRoleInput {
        role_arn: hop.role_arn.clone(),
        role_session_name: hop
            .role_session_name
            .clone()
            .unwrap_or_else(|| web_identity::default_session_name(ctx)),
        external_id: hop.external_id.clone(),
        serial_number: hop.mfa_serial.clone(),
        token_code,
        duration_seconds: hop.duration_seconds,
    };
    // botocore's order: the client (region and endpoint checks), then the
    // model's parameter checks, then the request.
    let client: StsClient<'_> = web_identity::sts_client(ctx)?;
    input.validate(hop.role_session_name.is_some())?;
    // Locked: another process fetching the same role wins and we read its
    // answer (and its fresh entry needs no call at all).
    let (doc, cached) = fetch_through(
        ctx.sts.cache.as_deref(),
        &cache_key(&cache_args(hop)),
        &format!("fetching role {} from STS", hop.role_arn),
        client.lock_wait(),
        |doc| usable(doc, ctx.os.clock.now()),
        || {
            let body = client.call("AssumeRole", &sts::assume_role_body(&input), Some(source))?;
            sts::parse_assume_role("AssumeRole", &body)
        },
    )?;
    let creds = sts::credentials_from_doc(&doc, Method::AssumeRole)?;
    Ok((sts::check_not_expired(creds, ctx.os.clock.now())?, cached))
}

/// Runs a plan the way botocore's deferred credentials do. The base is
/// resolved first (static keys, `credential_process` and
/// `credential_source` eagerly, as botocore does before any STS call;
/// a web identity base is deferred). Then the *last* hop's cache entry is
/// looked up, and only on a miss is its source needed: its MFA code is
/// asked, then the hop before it is looked up, and so on (botocore's
/// `AssumeRoleCredentialFetcher` asks for the source's frozen credentials
/// only when it has to call STS). So a fresh cache entry for the final role
/// costs no STS call and no MFA prompt, however broken its source hops.
/// Returns the credentials and a description of each step for `explain`;
/// on failure, the error and the plan with how far it got.
fn execute(
    ctx: &Ctx<'_>,
    plan: &RolePlan,
    base: &SourceCreds,
    refreshing: bool,
) -> Result<(Credentials, String), (Error, String)> {
    let context = |done: &str, e: Error| {
        let plan = plan.describe();
        (e, format!("{done}; plan: {plan}"))
    };
    let mut detail = match &plan.base {
        Base::SourceProfile { profile } => format!("source profile {profile}"),
        Base::CredentialSource { source, profile } => {
            format!("credential_source {} (profile {profile})", source.as_str())
        }
    };
    let describe_hop = |hop: &RoleHop| {
        format!(
            " → role {} (profile {}, {})",
            hop.role_arn,
            hop.profile,
            ctx.files()
                .map(|f| f.describe(hop.origin))
                .unwrap_or_default()
        )
    };
    let failed = |detail: &str, hop: &RoleHop, e: Error| {
        context(
            &format!(
                "{detail} → role {} (profile {}) failed",
                hop.role_arn, hop.profile
            ),
            e,
        )
    };
    // From the last hop back: cache hits end the walk; misses ask for
    // their MFA code now, in botocore's (last-first) order.
    let mut codes: Vec<Option<String>> = Vec::new();
    let mut from_cache = None;
    for (i, hop) in plan.hops.iter().enumerate().rev() {
        match cached(ctx, hop) {
            Ok(Some(c)) => {
                from_cache = Some((i, c));
                break;
            }
            Ok(None) => {}
            Err(e) => return Err(failed(&detail, hop, e)),
        }
        match token_code(ctx, hop, refreshing) {
            Ok(code) => codes.push(code),
            Err(e) => return Err(failed(&detail, hop, e)),
        }
    }
    let (first_call, mut creds) = if let Some((i, c)) = from_cache {
        if i > 0 {
            let _ = write!(detail, " → {i} role(s) not fetched");
        }
        let _ = write!(detail, "{} cached", describe_hop(&plan.hops[i]));
        (i + 1, c)
    } else {
        let c = match base {
            SourceCreds::Ready(c, d) => {
                let c = c
                    .get_frozen_credentials()
                    .map_err(|e| context(&format!("{detail}: source credentials failed"), e))?;
                let _ = write!(detail, " [{d}]");
                c
            }
            SourceCreds::WebIdentity(cfg) => {
                let (c, cached) = web_identity::fetch(ctx, cfg)
                    .map_err(|e| context(&format!("{detail}: web identity failed"), e))?;
                let _ = write!(detail, " [{}]", web_identity::describe(cfg, cached));
                c
            }
        };
        (0, c)
    };
    // `codes` holds the uncached hops' codes last-first.
    for hop in &plan.hops[first_call..] {
        let code = codes.pop().flatten();
        let (c, cached) = assume(ctx, hop, code, &creds).map_err(|e| failed(&detail, hop, e))?;
        creds = c;
        detail.push_str(&describe_hop(hop));
        if cached {
            detail.push_str(" cached (fetched by another process while this one waited)");
        }
    }
    Ok((creds, detail))
}

impl Provider for AssumeRoleProvider {
    fn method(&self) -> Method {
        Method::AssumeRole
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            let Some(plan) = repr::assume_role_plan(files, ctx.profile)? else {
                return Ok(Outcome::Skipped(match files.profile(ctx.profile) {
                    None => format!("no profile {}", ctx.profile),
                    Some(p) if p.contains("role_arn") => {
                        "role_arn is paired with web_identity_token_file (web identity)".into()
                    }
                    Some(_) => format!("profile {} has no role_arn", ctx.profile),
                }));
            };
            // Configuration errors (before any STS call) need no context.
            let base = resolve_base(ctx, &plan.base)?;
            let refresher = RoleRefresher {
                ctx: ctx.to_owned_ctx()?,
                plan: plan.clone(),
                base: base.clone(),
                calls: AtomicUsize::new(0),
            };
            let clock = Arc::clone(&ctx.os.clock);
            if ctx.defer {
                let detail = format!("deferred: fetched on first use; plan: {}", plan.describe());
                let rc = RefreshableCredentials::from_boxed(
                    None,
                    Method::AssumeRole,
                    Box::new(refresher),
                    clock,
                );
                return Ok(Outcome::Refreshable(rc, detail));
            }
            Ok(match execute(ctx, &plan, &base, false) {
                Ok((creds, detail)) => {
                    // The first fetch is this one.
                    refresher.calls.store(1, Ordering::SeqCst);
                    let rc = RefreshableCredentials::from_boxed(
                        Some(creds),
                        Method::AssumeRole,
                        Box::new(refresher),
                        clock,
                    );
                    Outcome::Refreshable(rc, detail)
                }
                Err((e, context)) if context.is_empty() => Outcome::Failed(e),
                Err((e, context)) => Outcome::FailedWith(e, context),
            })
        })
    }
}

/// Fetches a role plan's credentials again: botocore's
/// `AssumeRoleCredentialFetcher.fetch_credentials` (cache first), wrapped
/// in its MFA refresher when the final role has `mfa_serial` (works once,
/// then `RefreshWithMFAUnsupportedError`, P-AR-6).
struct RoleRefresher {
    ctx: OwnedCtx,
    plan: RolePlan,
    base: SourceCreds,
    /// Fetches made so far (the eager first one included).
    calls: AtomicUsize,
}

impl Refresh for RoleRefresher {
    fn refresh(&self) -> Result<Option<Credentials>, Error> {
        let refreshing = self.calls.fetch_add(1, Ordering::SeqCst) > 0;
        if refreshing
            && self
                .plan
                .hops
                .last()
                .is_some_and(|h| h.mfa_serial.is_some())
        {
            return Err(mfa_refresh_unsupported());
        }
        self.ctx
            .with(|ctx| execute(ctx, &self.plan, &self.base, refreshing))
            .map(|(c, _)| Some(c))
            .map_err(|(e, _)| e)
    }
}

#[cfg(test)]
#[path = "assume_role_tests.rs"]
mod tests;
