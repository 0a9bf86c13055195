//! `assume-role`: `role_arn` in the profile (P-CHAIN-2, P-AR-*). STS support
//! lands with the SigV4/STS work; until then the trigger is detected and
//! reported.

use super::{attempt, merged_profile, pending};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;

/// Assume a role named by `role_arn`.
pub(crate) struct AssumeRoleProvider;

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
            let Some(p) = merged_profile(ctx, files) else {
                return Ok(Outcome::Skipped(format!("no profile {}", ctx.profile)));
            };
            // A profile with web_identity_token_file belongs to the web
            // identity provider even if it has role_arn.
            match p.get("role_arn") {
                Some(s) if !p.contains("web_identity_token_file") => Ok(pending(
                    self.method(),
                    files,
                    "role_arn",
                    ctx.profile,
                    Some(s.origin),
                )),
                Some(_) => Ok(Outcome::Skipped(
                    "role_arn is paired with web_identity_token_file (web identity)".into(),
                )),
                None => Ok(Outcome::Skipped(format!(
                    "profile {} has no role_arn",
                    ctx.profile
                ))),
            }
        })
    }
}
