//! `assume-role`: `role_arn` in the profile (P-CHAIN-2, P-AR-*).
//!
//! The plan ([`crate::chain::repr`]) is built first, with every validation
//! botocore makes eagerly; then the base credentials are resolved (profile
//! providers or `credential_source`), still before any STS call, so
//! configuration errors surface with no network (P-CHAIN-13). Then each hop
//! is fetched in order — from the cache when a fresh entry exists
//! (P-AR-11), else by a SigV4-signed `AssumeRole` signed with the previous
//! hop's credentials.
//!
//! Difference to botocore: credentials are fetched at resolution, not on
//! first use (credchain's `Credentials` are plain values), and an MFA
//! profile asks for its code then.

use super::cache::{CacheArg, cache_key, usable};
use super::{attempt, container, env, imds, login, process, sso, static_keys, web_identity};
use crate::chain::repr::{self, Base, CredentialSource, RoleHop, RolePlan};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::sts;
use crate::sts::client::StsClient;
use std::fmt::Write as _;

/// Assume a role named by `role_arn`.
pub(crate) struct AssumeRoleProvider;

/// The credentials a chain starts from.
enum SourceCreds {
    /// Already resolved (static keys, process, env, container, IMDS).
    Ready(Credentials, String),
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
                Outcome::Found(c, detail) => Ok(SourceCreds::Ready(c, detail)),
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

/// One hop: cache, else `AssumeRole` signed with `source`.
fn assume(
    ctx: &Ctx<'_>,
    hop: &RoleHop,
    source: &Credentials,
) -> Result<(Credentials, bool), Error> {
    let key = cache_key(&cache_args(hop));
    if let Some(cache) = &ctx.sts.cache
        && let Some(doc) = cache.get(&key)
        && usable(&doc, ctx.os.clock.now())
    {
        return Ok((sts::credentials_from_doc(&doc, Method::AssumeRole)?, true));
    }
    let token_code = match &hop.mfa_serial {
        None => None,
        Some(serial) => {
            let Some(prompt) = &ctx.sts.mfa_prompt else {
                return Err(Error::CredentialRetrieval {
                    provider: Method::AssumeRole,
                    message: format!(
                        "profile {} has mfa_serial {serial} but no MFA prompt is available \
                         (no terminal)",
                        hop.profile
                    ),
                });
            };
            Some(prompt.prompt(&format!("Enter MFA code for {serial}: "))?)
        }
    };
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
    let client: StsClient<'_> = web_identity::sts_client(ctx)?;
    let body = client.call("AssumeRole", &sts::assume_role_body(&input), Some(source))?;
    let doc = sts::parse_assume_role("AssumeRole", &body)?;
    if let Some(cache) = &ctx.sts.cache {
        cache.set(&key, &doc)?;
    }
    let creds = sts::credentials_from_doc(&doc, Method::AssumeRole)?;
    Ok((sts::check_not_expired(creds, ctx.os.clock.now())?, false))
}

/// Runs a plan: base, then every hop in order. Returns the credentials and
/// a description of each step for `explain`; on failure, the error and the
/// plan with how far it got.
fn execute(ctx: &Ctx<'_>, plan: &RolePlan) -> Result<(Credentials, String), (Error, String)> {
    // Configuration errors (before any STS call) need no context.
    let base = resolve_base(ctx, &plan.base).map_err(|e| (e, String::new()))?;
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
    let mut creds = match base {
        SourceCreds::Ready(c, d) => {
            let _ = write!(detail, " [{d}]");
            c
        }
        SourceCreds::WebIdentity(cfg) => {
            let (c, cached) = web_identity::fetch(ctx, &cfg)
                .map_err(|e| context(&format!("{detail}: web identity failed"), e))?;
            let _ = write!(detail, " [{}]", web_identity::describe(&cfg, cached));
            c
        }
    };
    for hop in &plan.hops {
        let (c, cached) = assume(ctx, hop, &creds).map_err(|e| {
            context(
                &format!(
                    "{detail} → role {} (profile {}) failed",
                    hop.role_arn, hop.profile
                ),
                e,
            )
        })?;
        let _ = write!(
            detail,
            " → role {} (profile {}, {}){}",
            hop.role_arn,
            hop.profile,
            ctx.files()
                .map(|f| f.describe(hop.origin))
                .unwrap_or_default(),
            if cached { " cached" } else { "" }
        );
        creds = c;
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
            Ok(match execute(ctx, &plan) {
                Ok((creds, detail)) => Outcome::Found(creds, detail),
                Err((e, context)) if context.is_empty() => Outcome::Failed(e),
                Err((e, context)) => Outcome::FailedWith(e, context),
            })
        })
    }
}

#[cfg(test)]
#[path = "assume_role_tests.rs"]
mod tests;
