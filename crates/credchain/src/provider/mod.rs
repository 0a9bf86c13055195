//! One module per credential provider, each behind [`Provider`]. The
//! providers not implemented yet (login) detect their
//! triggers exactly as botocore does and, until their support lands, stop
//! the chain with `NotSupportedYet` rather than silently falling through to
//! a source botocore would never reach. The
//! container and IMDS providers, and assume-role and web identity (over
//! [`crate::sts`]), run through the session's
//! [`HttpClient`](crate::http::HttpClient); `credential_process` runs its
//! command through [`crate::os::run_child`].

mod assume_role;
mod boto;
pub mod cache;
pub mod container;
mod ec2_file;
mod env;
pub mod imds;
mod login;
pub(crate) mod process;
mod refresh;
mod sso;
mod static_keys;
mod web_identity;

use crate::chain::{Ctx, Outcome, Provider};
use crate::config::{ConfigFiles, Origin, Profile, Value};
use crate::credentials::{Credentials, Method};
use crate::error::Error;

/// The default chain in botocore's order (P-CHAIN-1).
pub(crate) static CHAIN: [&dyn Provider; 12] = [
    &env::EnvProvider,
    &assume_role::AssumeRoleProvider,
    &web_identity::WebIdentityProvider,
    &sso::SsoProvider,
    &static_keys::SharedCredentialsProvider,
    &login::LoginProvider,
    &process::ProcessProvider,
    &static_keys::ConfigFileProvider,
    &ec2_file::Ec2FileProvider,
    &boto::BotoProvider,
    &container::ContainerProvider,
    &imds::ImdsProvider,
];

/// The merged profile providers look at, or an empty one.
fn merged_profile<'f>(ctx: &Ctx<'_>, files: &'f ConfigFiles) -> Option<&'f Profile> {
    files.profile(ctx.profile)
}

/// A "this configuration asks for a provider we do not support yet" outcome
/// naming the key and where it was set.
fn pending(
    method: Method,
    files: &ConfigFiles,
    key: &str,
    profile: &str,
    origin: Option<Origin>,
) -> Outcome {
    let at = origin.map_or_else(String::new, |o| format!(" ({})", files.describe(o)));
    Outcome::Failed(Error::NotSupportedYet {
        provider: method,
        trigger: format!("`{key}` in profile {profile}{at}"),
    })
}

/// A string value, or an error for a nested block where a plain value is
/// required.
fn string_value<'a>(value: &'a Value, key: &str) -> Result<&'a str, Error> {
    match value {
        Value::Str(s) => Ok(s),
        Value::Nested(_) => Err(Error::InvalidConfig {
            message: format!("`{key}` must be a value, not a block of sub-properties"),
        }),
    }
}

/// Runs a provider step, converting `Result` errors into a failed outcome.
fn attempt(f: impl FnOnce() -> Result<Outcome, Error>) -> Outcome {
    f().unwrap_or_else(Outcome::Failed)
}

/// Builds credentials from a profile section holding static keys
/// (`shared-credentials-file`, `config-file`, P-MERGE-5): token key
/// `aws_security_token` before `aws_session_token`, optional
/// `aws_account_id`.
fn from_static_section(
    method: Method,
    section: &Profile,
    files: &ConfigFiles,
) -> Result<Option<(Credentials, String)>, Error> {
    let Some(ak) = section.get("aws_access_key_id") else {
        return Ok(None);
    };
    let Some(sk) = section.get("aws_secret_access_key") else {
        return Err(Error::PartialCredentials {
            provider: method,
            missing: "aws_secret_access_key".into(),
        });
    };
    let token = ["aws_security_token", "aws_session_token"]
        .into_iter()
        .find_map(|k| section.get(k).map(|s| (k, s)));
    let account = section.get("aws_account_id");
    let mut source = format!(
        "aws_access_key_id ({}), aws_secret_access_key ({})",
        files.describe(ak.origin),
        files.describe(sk.origin)
    );
    if let Some((k, t)) = token {
        source = format!("{source}, {k} ({})", files.describe(t.origin));
    }
    let creds = Credentials::new(
        string_value(&ak.value, "aws_access_key_id")?,
        string_value(&sk.value, "aws_secret_access_key")?,
        token
            .map(|(k, t)| string_value(&t.value, k).map(str::to_owned))
            .transpose()?,
        method,
    )
    .with_account_id(
        account
            .map(|a| string_value(&a.value, "aws_account_id").map(str::to_owned))
            .transpose()?,
    );
    Ok(Some((creds, source)))
}
