//! Credentials and the secret string type that keeps them out of logs.

use std::fmt;

use zeroize::Zeroize;

use crate::time::Timestamp;

/// A string that never appears in `Debug` or `Display` output and is wiped
/// from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> SecretString {
        SecretString(s.into())
    }
    /// The secret itself. Call sites are the only places a secret can leak,
    /// so keep them few: output formatting and request signing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// Where credentials came from: botocore's `Credentials.method` strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Passed to the library directly.
    Explicit,
    /// `AWS_ACCESS_KEY_ID` and friends.
    Env,
    /// `role_arn` in the profile.
    AssumeRole,
    /// Web identity token file + role.
    AssumeRoleWithWebIdentity,
    /// IAM Identity Center.
    Sso,
    /// `~/.aws/credentials`.
    SharedCredentialsFile,
    /// `login_session` (`aws login`).
    Login,
    /// `credential_process`.
    CustomProcess,
    /// `~/.aws/config`.
    ConfigFile,
    /// `AWS_CREDENTIAL_FILE` (legacy EC2 tools).
    Ec2CredentialsFile,
    /// boto2 config.
    BotoConfig,
    /// ECS/EKS container endpoint.
    ContainerRole,
    /// EC2 instance metadata.
    IamRole,
}

impl Method {
    /// Every provider of the default chain, in botocore's order (P-CHAIN-1).
    pub const CHAIN: [Method; 12] = [
        Method::Env,
        Method::AssumeRole,
        Method::AssumeRoleWithWebIdentity,
        Method::Sso,
        Method::SharedCredentialsFile,
        Method::Login,
        Method::CustomProcess,
        Method::ConfigFile,
        Method::Ec2CredentialsFile,
        Method::BotoConfig,
        Method::ContainerRole,
        Method::IamRole,
    ];

    /// botocore's method string.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Explicit => "explicit",
            Method::Env => "env",
            Method::AssumeRole => "assume-role",
            Method::AssumeRoleWithWebIdentity => "assume-role-with-web-identity",
            Method::Sso => "sso",
            Method::SharedCredentialsFile => "shared-credentials-file",
            Method::Login => "login",
            Method::CustomProcess => "custom-process",
            Method::ConfigFile => "config-file",
            Method::Ec2CredentialsFile => "ec2-credentials-file",
            Method::BotoConfig => "boto-config",
            Method::ContainerRole => "container-role",
            Method::IamRole => "iam-role",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of AWS credentials. `Debug` shows the access key id but never the
/// secret or the token; both are zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expiration: Option<Timestamp>,
    account_id: Option<String>,
    method: Method,
}

impl Credentials {
    /// Builds credentials with no expiry and no account id, as botocore's
    /// `Credentials(access_key, secret_key, token, method)`. The secret and
    /// the token are moved into [`SecretString`]s at once (never shown by
    /// `Debug`, wiped on drop).
    ///
    /// ```
    /// use credchain::{Credentials, Method};
    /// let c = Credentials::new("AKIDEXAMPLE", "wJalr", Some("tok".into()), Method::Explicit);
    /// assert_eq!(c.access_key_id(), "AKIDEXAMPLE");
    /// assert_eq!(c.secret_access_key().expose(), "wJalr");
    /// assert!(!format!("{c:?}").contains("wJalr"));
    /// ```
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        method: Method,
    ) -> Credentials {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::new(secret_access_key),
            session_token: session_token.map(SecretString::new),
            expiration: None,
            account_id: None,
            method,
        }
    }

    /// Sets the expiry (an absolute instant, UTC offset kept; `None`:
    /// never expires, never refreshed).
    #[must_use]
    pub fn with_expiration(mut self, expiration: Option<Timestamp>) -> Credentials {
        self.expiration = expiration;
        self
    }

    /// Sets the account id (12 digits as AWS gives it; botocore's
    /// `account_id`, from `aws_account_id` or the provider's answer).
    #[must_use]
    pub fn with_account_id(mut self, account_id: Option<String>) -> Credentials {
        self.account_id = account_id;
        self
    }

    /// The access key id (not secret; shown masked by the CLI anyway).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
    /// The secret access key, wrapped: [`SecretString::expose`] gives the
    /// text, for signing or exporting only.
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }
    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }
    /// When the credentials expire, if they do.
    pub fn expiration(&self) -> Option<Timestamp> {
        self.expiration
    }
    /// The account the credentials belong to, when known.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
    /// Which provider produced them (botocore's `Credentials.method`,
    /// e.g. `shared-credentials-file`).
    pub fn method(&self) -> Method {
        self.method
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        // The access key id is not secret, but pairing it with a wiped
        // secret costs nothing and keeps heap dumps boring.
        self.access_key_id.zeroize();
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiration", &self.expiration.map(|e| e.to_string()))
            .field("account_id", &self.account_id)
            .field("method", &self.method.as_str())
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} credentials {}", self.method, self.access_key_id)?;
        if let Some(e) = self.expiration {
            write!(f, " (expire {e})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_secrets() {
        let c = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG",
            Some("FwoGZXIvYXdzEXAMPLETOKEN".into()),
            Method::Env,
        );
        for out in [format!("{c:?}"), format!("{c:#?}"), c.to_string()] {
            assert!(out.contains("AKIDEXAMPLE"), "{out}");
            assert!(!out.contains("wJalrXUtnFEMI"), "{out}");
            assert!(!out.contains("FwoGZXIvYXdz"), "{out}");
        }
        assert_eq!(c.secret_access_key().expose(), "wJalrXUtnFEMI/K7MDENG");
    }

    #[test]
    fn chain_order_matches_botocore() {
        let names: Vec<_> = Method::CHAIN.iter().map(|m| m.as_str()).collect();
        assert_eq!(
            names.join(" "),
            "env assume-role assume-role-with-web-identity sso shared-credentials-file login \
             custom-process config-file ec2-credentials-file boto-config container-role iam-role"
        );
    }
}
