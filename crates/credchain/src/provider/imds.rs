//! `iam-role`: EC2 instance metadata (P-IMDS-*). Always tried by botocore
//! unless `AWS_EC2_METADATA_DISABLED=true`.

use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;
use crate::env_vars::AWS_EC2_METADATA_DISABLED;

/// EC2 instance role.
pub(crate) struct ImdsProvider;

impl Provider for ImdsProvider {
    fn method(&self) -> Method {
        Method::IamRole
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        if ctx
            .env(AWS_EC2_METADATA_DISABLED)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Outcome::Skipped(format!("{AWS_EC2_METADATA_DISABLED}=true"));
        }
        // Nothing asks for IMDS explicitly; botocore would query it here and,
        // off EC2, time out and find nothing. This release does not query it.
        Outcome::Skipped(
            "instance metadata is not queried by this release (botocore would try \
             169.254.169.254 here); set AWS_EC2_METADATA_DISABLED=true to make that explicit"
                .into(),
        )
    }
}
