//! `container-role`: the ECS / EKS Pod Identity endpoint (P-CONT-*),
//! triggered by the presence (even empty) of either URI variable.

use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::Method;
use crate::env_vars::{AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI};
use crate::error::Error;

/// Container credentials endpoint.
pub(crate) struct ContainerProvider;

impl Provider for ContainerProvider {
    fn method(&self) -> Method {
        Method::ContainerRole
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        for var in [
            AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
            AWS_CONTAINER_CREDENTIALS_FULL_URI,
        ] {
            if ctx.env(var).is_some() {
                return Outcome::Failed(Error::NotSupportedYet {
                    provider: self.method(),
                    trigger: format!("{var} in the environment"),
                });
            }
        }
        Outcome::Skipped(format!(
            "neither {AWS_CONTAINER_CREDENTIALS_RELATIVE_URI} nor {AWS_CONTAINER_CREDENTIALS_FULL_URI} set"
        ))
    }
}
