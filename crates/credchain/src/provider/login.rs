//! `login`: `login_session` from `aws login` (P-SSO-10).

use super::{attempt, merged_profile, pending};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;

/// `aws login` sessions.
pub(crate) struct LoginProvider;

impl Provider for LoginProvider {
    fn method(&self) -> Method {
        Method::Login
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            Ok(
                match merged_profile(ctx, files).and_then(|p| p.get("login_session")) {
                    Some(s) => pending(
                        self.method(),
                        files,
                        "login_session",
                        ctx.profile,
                        Some(s.origin),
                    ),
                    None => {
                        Outcome::Skipped(format!("profile {} has no login_session", ctx.profile))
                    }
                },
            )
        })
    }
}
