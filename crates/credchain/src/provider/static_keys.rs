//! `shared-credentials-file` and `config-file`: static keys from one file
//! each. They do **not** use the merged profile map (P-MERGE-3).

use super::{attempt, from_static_section};
use crate::chain::{Ctx, Outcome, Provider};
use crate::config::FileStatus;
use crate::credentials::Method;

fn missing_file(status: &FileStatus, configured: &str) -> Option<String> {
    match status {
        FileStatus::Loaded => None,
        FileStatus::Missing => Some(format!("{configured} does not exist")),
        FileStatus::NotAFile => Some(format!(
            "{configured} is not a regular file; botocore ignores it"
        )),
        FileStatus::Unreadable(e) => Some(format!(
            "{configured} cannot be read ({e}); botocore treats it as empty"
        )),
    }
}

/// Static keys in the credentials file, section = profile name verbatim.
pub(crate) struct SharedCredentialsProvider;

impl Provider for SharedCredentialsProvider {
    fn method(&self) -> Method {
        Method::SharedCredentialsFile
    }
    fn offline(&self) -> bool {
        true
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            let f = &files.credentials;
            if let Some(why) = missing_file(&f.status, &f.configured) {
                return Ok(Outcome::Skipped(why));
            }
            let Some(section) = files.credential_sections().get(ctx.profile) else {
                return Ok(Outcome::Skipped(format!(
                    "no [{}] section in {}",
                    ctx.profile, f.configured
                )));
            };
            Ok(match from_static_section(self.method(), section, files)? {
                Some((c, src)) => Outcome::Found(c, src),
                None => Outcome::Skipped(format!(
                    "[{}] in {} has no aws_access_key_id",
                    ctx.profile, f.configured
                )),
            })
        })
    }
}

/// Static keys in the config file, `[profile NAME]` or `[default]`.
pub(crate) struct ConfigFileProvider;

impl Provider for ConfigFileProvider {
    fn method(&self) -> Method {
        Method::ConfigFile
    }
    fn offline(&self) -> bool {
        true
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let files = ctx.files()?;
            let f = &files.config;
            if let Some(why) = missing_file(&f.status, &f.configured) {
                return Ok(Outcome::Skipped(why));
            }
            let header = if ctx.profile == "default" {
                "[default]".to_owned()
            } else {
                format!("[profile {}]", ctx.profile)
            };
            let Some(section) = files.config_profiles().get(ctx.profile) else {
                return Ok(Outcome::Skipped(format!("no {header} in {}", f.configured)));
            };
            Ok(match from_static_section(self.method(), section, files)? {
                Some((c, src)) => Outcome::Found(c, src),
                None => Outcome::Skipped(format!(
                    "{header} in {} has no aws_access_key_id",
                    f.configured
                )),
            })
        })
    }
}
