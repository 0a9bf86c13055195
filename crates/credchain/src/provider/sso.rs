//! `sso`: IAM Identity Center (P-SSO-*), triggered by `sso_account_id` or
//! `sso_role_name` in the profile.

use super::{attempt, merged_profile, pending};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;

/// IAM Identity Center role credentials.
pub(crate) struct SsoProvider;

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
            let p = merged_profile(ctx, files);
            for key in ["sso_account_id", "sso_role_name"] {
                if let Some(s) = p.and_then(|p| p.get(key)) {
                    return Ok(pending(
                        self.method(),
                        files,
                        key,
                        ctx.profile,
                        Some(s.origin),
                    ));
                }
            }
            Ok(Outcome::Skipped(format!(
                "profile {} has no sso_account_id or sso_role_name",
                ctx.profile
            )))
        })
    }
}
