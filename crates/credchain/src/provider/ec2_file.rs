//! `ec2-credentials-file`: the legacy EC2 tools' `AWS_CREDENTIAL_FILE`
//! (P-BOTO-2).

use std::collections::HashMap;

use crate::chain::{Ctx, Outcome, Provider};
use crate::config::{decode_utf8, is_py_line_break, paths};
use crate::credentials::{Credentials, Method};
use crate::env_vars::AWS_CREDENTIAL_FILE;
use crate::error::Error;

/// Credentials from `AWSAccessKeyId=` / `AWSSecretKey=` lines.
pub(crate) struct Ec2FileProvider;

impl Provider for Ec2FileProvider {
    fn method(&self) -> Method {
        Method::Ec2CredentialsFile
    }
    fn offline(&self) -> bool {
        true
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        let Some(raw) = ctx.env(AWS_CREDENTIAL_FILE) else {
            return Outcome::Skipped(format!("{AWS_CREDENTIAL_FILE} not set"));
        };
        // Only `~` is expanded here, not `$VAR`; the value is taken as the
        // OS holds it, so a non-UTF-8 path names the same file.
        let raw_os = ctx
            .os
            .env
            .get_os(AWS_CREDENTIAL_FILE)
            .unwrap_or_else(|| raw.clone().into());
        let path = paths::expand_user_os(&raw_os, &*ctx.os.env, &*ctx.os.fs);
        // Any OS error opening the file is ConfigNotFound in botocore.
        let Ok(bytes) = ctx.os.fs.read(&path) else {
            return Outcome::Failed(Error::ConfigNotFound { path });
        };
        let text = match decode_utf8(&bytes) {
            Ok(t) => t,
            Err(line) => return Outcome::Failed(Error::InvalidUtf8 { path, line }),
        };
        let mut values: HashMap<&str, (&str, usize)> = HashMap::new();
        let mut lineno = 0;
        for line in text.split(is_py_line_break) {
            lineno += 1;
            if let Some((k, v)) = line.split_once('=') {
                values.insert(
                    credchain_ini::py_strip(k),
                    (credchain_ini::py_strip(v), lineno),
                );
            }
        }
        let Some((ak, ak_line)) = values.get("AWSAccessKeyId") else {
            return Outcome::Skipped(format!("no AWSAccessKeyId= line in {}", path.display()));
        };
        let Some((sk, sk_line)) = values.get("AWSSecretKey") else {
            return Outcome::Failed(Error::MissingKey {
                provider: Method::Ec2CredentialsFile,
                key: "AWSSecretKey".into(),
                path,
            });
        };
        let src = format!(
            "{AWS_CREDENTIAL_FILE}={raw} (AWSAccessKeyId line {ak_line}, AWSSecretKey line {sk_line})"
        );
        Outcome::Found(
            Credentials::new(*ak, *sk, None, Method::Ec2CredentialsFile),
            src,
        )
    }
}
