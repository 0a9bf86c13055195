//! `env`: `AWS_ACCESS_KEY_ID` and friends (P-ENV-1, P-ENV-2).

use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::env_vars::{
    AWS_ACCESS_KEY_ID, AWS_ACCOUNT_ID, AWS_CREDENTIAL_EXPIRATION, AWS_SECRET_ACCESS_KEY,
    AWS_SECURITY_TOKEN, AWS_SESSION_TOKEN,
};
use crate::error::Error;
use crate::time::{Timestamp, TimestampError};

/// Credentials from environment variables.
pub(crate) struct EnvProvider;

impl Provider for EnvProvider {
    fn method(&self) -> Method {
        Method::Env
    }
    fn offline(&self) -> bool {
        true
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        let ak = ctx.env(AWS_ACCESS_KEY_ID);
        if ctx.explicit_profile {
            let ignored = if ak.as_deref().is_some_and(|v| !v.is_empty()) {
                "; AWS_ACCESS_KEY_ID is set but ignored"
            } else {
                ""
            };
            return Outcome::Skipped(format!(
                // Why (P-CHAIN-6) stays here, out of the user-facing text.
                "profile {} given explicitly: botocore drops the env provider{ignored}",
                ctx.profile
            ));
        }
        let ak = match ak {
            None => return Outcome::Skipped(format!("{AWS_ACCESS_KEY_ID} not set")),
            Some(v) if v.is_empty() => {
                return Outcome::Skipped(format!("{AWS_ACCESS_KEY_ID} is set but empty"));
            }
            Some(v) => v,
        };
        let secret = ctx.env(AWS_SECRET_ACCESS_KEY).unwrap_or_default();
        if secret.is_empty() {
            return Outcome::Failed(Error::PartialCredentials {
                provider: Method::Env,
                missing: AWS_SECRET_ACCESS_KEY.into(),
            });
        }
        let mut source = format!("{AWS_ACCESS_KEY_ID}, {AWS_SECRET_ACCESS_KEY}");
        // AWS_SECURITY_TOKEN is checked first; the first non-empty one wins.
        let token = [AWS_SECURITY_TOKEN, AWS_SESSION_TOKEN]
            .into_iter()
            .find_map(|k| ctx.env(k).filter(|v| !v.is_empty()).map(|v| (k, v)));
        if let Some((k, _)) = &token {
            source.push_str(", ");
            source.push_str(k);
        }
        let mut expiration = None;
        if let Some(raw) = ctx.env(AWS_CREDENTIAL_EXPIRATION).filter(|v| !v.is_empty()) {
            let ts = match Timestamp::parse(&raw) {
                Ok(ts) => ts,
                Err(TimestampError::Unparseable) => {
                    return Outcome::Failed(Error::InvalidExpiration {
                        source: AWS_CREDENTIAL_EXPIRATION.into(),
                        value: raw,
                    });
                }
                Err(TimestampError::NoTimezone) => {
                    return Outcome::Failed(Error::ExpirationWithoutTimezone {
                        source: AWS_CREDENTIAL_EXPIRATION.into(),
                        value: raw,
                    });
                }
            };
            // botocore re-reads the environment on refresh and then raises
            // because the result is still expired (P-ENV-2).
            if ts.seconds_after(ctx.os.clock.now()) <= 0.0 {
                return Outcome::Failed(Error::Expired {
                    provider: Method::Env,
                    expiration: ts.to_string(),
                });
            }
            source.push_str(", ");
            source.push_str(AWS_CREDENTIAL_EXPIRATION);
            expiration = Some(ts);
        }
        let account = ctx.env(AWS_ACCOUNT_ID).filter(|v| !v.is_empty());
        let creds = Credentials::new(ak, secret, token.map(|(_, v)| v), Method::Env)
            .with_expiration(expiration)
            .with_account_id(account);
        Outcome::Found(creds, format!("environment ({source})"))
    }
}
