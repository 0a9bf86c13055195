//! `assume-role-with-web-identity` (P-WEB-*): token file from
//! `AWS_WEB_IDENTITY_TOKEN_FILE` (ignored when the profile is explicit) or
//! the profile's `web_identity_token_file`.

use super::{attempt, merged_profile, pending};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;
use crate::env_vars::AWS_WEB_IDENTITY_TOKEN_FILE;
use crate::error::Error;

/// Web identity federation.
pub(crate) struct WebIdentityProvider;

impl Provider for WebIdentityProvider {
    fn method(&self) -> Method {
        Method::AssumeRoleWithWebIdentity
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            if !ctx.explicit_profile
                && let Some(v) = ctx.env(AWS_WEB_IDENTITY_TOKEN_FILE)
            {
                // Present in the environment: used even when empty.
                return Ok(if v.is_empty() {
                    Outcome::Skipped(format!("{AWS_WEB_IDENTITY_TOKEN_FILE} is set but empty"))
                } else {
                    Outcome::Failed(Error::NotSupportedYet {
                        provider: self.method(),
                        trigger: format!("{AWS_WEB_IDENTITY_TOKEN_FILE} in the environment"),
                    })
                });
            }
            let setting = merged_profile(ctx, files).and_then(|p| p.get("web_identity_token_file"));
            Ok(match setting {
                Some(s) if s.value.as_str() != Some("") => pending(
                    self.method(),
                    files,
                    "web_identity_token_file",
                    ctx.profile,
                    Some(s.origin),
                ),
                _ => Outcome::Skipped("no web identity token file configured".into()),
            })
        })
    }
}
