//! `boto-config`: `[Credentials]` in a boto2 config file (P-BOTO-1).

use super::attempt;
use crate::chain::{Ctx, Outcome, Provider};
use crate::config::{FileKind, paths, raw_config_parse};
use crate::credentials::{Credentials, Method};
use crate::env_vars::BOTO_CONFIG;
use crate::error::Error;

/// Where boto2 looks when `BOTO_CONFIG` is not set.
const DEFAULT_LOCATIONS: [&str; 2] = ["/etc/boto.cfg", "~/.boto"];

/// Credentials from boto2 config files.
pub(crate) struct BotoProvider;

impl Provider for BotoProvider {
    fn method(&self) -> Method {
        Method::BotoConfig
    }
    fn offline(&self) -> bool {
        true
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let locations: Vec<String> = match ctx.env(BOTO_CONFIG) {
                Some(v) => vec![v],
                None => DEFAULT_LOCATIONS.iter().map(|s| (*s).to_owned()).collect(),
            };
            let mut seen = Vec::new();
            for loc in &locations {
                let path = paths::expand(loc, &*ctx.os.env, &*ctx.os.fs);
                // The INI layer is shared; origins are only used for text.
                let (_, sections) = raw_config_parse(&*ctx.os.fs, &path, FileKind::Config)?;
                let Some(sections) = sections else {
                    seen.push(format!("{loc} not found"));
                    continue;
                };
                let Some((_, c)) = sections.iter().find(|(name, _)| name == "Credentials") else {
                    seen.push(format!("{loc} has no [Credentials]"));
                    continue;
                };
                let Some(ak) = c.get("aws_access_key_id") else {
                    seen.push(format!("[Credentials] in {loc} has no aws_access_key_id"));
                    continue;
                };
                let Some(sk) = c.get("aws_secret_access_key") else {
                    return Err(Error::PartialCredentials {
                        provider: Method::BotoConfig,
                        missing: "aws_secret_access_key".into(),
                    });
                };
                let src = format!(
                    "[Credentials] in {loc} (lines {} and {})",
                    ak.origin.line, sk.origin.line
                );
                let creds = Credentials::new(
                    super::string_value(&ak.value, "aws_access_key_id")?,
                    super::string_value(&sk.value, "aws_secret_access_key")?,
                    None,
                    Method::BotoConfig,
                );
                return Ok(Outcome::Found(creds, src));
            }
            let prefix = if locations.len() == 1 {
                format!("{BOTO_CONFIG} set: ")
            } else {
                String::new()
            };
            Ok(Outcome::Skipped(format!("{prefix}{}", seen.join("; "))))
        })
    }
}
