//! `custom-process`: `credential_process` in the merged profile, so it also
//! works from the credentials file (P-CHAIN-2, P-PROC-*).

use super::{attempt, merged_profile, pending};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;

/// Credentials from an external command.
pub(crate) struct ProcessProvider;

impl Provider for ProcessProvider {
    fn method(&self) -> Method {
        Method::CustomProcess
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            Ok(
                match merged_profile(ctx, files).and_then(|p| p.get("credential_process")) {
                    Some(s) => pending(
                        self.method(),
                        files,
                        "credential_process",
                        ctx.profile,
                        Some(s.origin),
                    ),
                    None => Outcome::Skipped(format!(
                        "profile {} has no credential_process",
                        ctx.profile
                    )),
                },
            )
        })
    }
}
