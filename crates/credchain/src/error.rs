//! The library's error type. Each variant maps to the botocore exception
//! class a Python user would see ([`Error::kind`]), and its message says
//! what to do. Messages never contain secrets.

use std::fmt;
use std::path::PathBuf;

use crate::credentials::Method;

/// Everything that can go wrong resolving credentials or configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A profile was named (by `--profile`, `AWS_DEFAULT_PROFILE` or
    /// `AWS_PROFILE`) that neither file defines.
    ProfileNotFound {
        /// The missing profile.
        profile: String,
    },
    /// A config, credentials or boto file that configparser would reject.
    ConfigParse {
        /// The file (expanded).
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What was expected there.
        detail: String,
    },
    /// A file that must exist does not (`AWS_CREDENTIAL_FILE`).
    ConfigNotFound {
        /// The file.
        path: PathBuf,
    },
    /// A provider found part of a credential set.
    PartialCredentials {
        /// The provider.
        provider: Method,
        /// The missing variable or key.
        missing: String,
    },
    /// A key botocore indexes without checking (`AWSSecretKey` in
    /// `AWS_CREDENTIAL_FILE`): Python raises a bare `KeyError`.
    MissingKey {
        /// The provider.
        provider: Method,
        /// The missing key.
        key: String,
        /// The file it was expected in.
        path: PathBuf,
    },
    /// Credentials whose expiry has passed (botocore's `RuntimeError`).
    Expired {
        /// The provider.
        provider: Method,
        /// The expiry, as written.
        expiration: String,
    },
    /// An expiry that is not a date-time (dateutil's `ParserError`).
    InvalidExpiration {
        /// Where it came from (an env var name).
        source: String,
        /// The value.
        value: String,
    },
    /// An expiry without a UTC offset (botocore fails with `TypeError`).
    ExpirationWithoutTimezone {
        /// Where it came from.
        source: String,
        /// The value.
        value: String,
    },
    /// A setting that must be an integer (Python `int()` fails: `ValueError`).
    InvalidInteger {
        /// The setting name.
        setting: String,
        /// The value (settings here are never secrets).
        value: String,
    },
    /// An IMDS endpoint mode other than `ipv4`/`ipv6`.
    InvalidImdsEndpointMode {
        /// The value.
        mode: String,
    },
    /// A file that is not valid UTF-8 where botocore reads it as text outside
    /// configparser (`AWS_CREDENTIAL_FILE`): a bare `UnicodeDecodeError`.
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the first bad byte.
        line: usize,
    },
    /// A provider whose network support has not landed in this release.
    NotSupportedYet {
        /// The provider the configuration asks for.
        provider: Method,
        /// What in the configuration asked for it.
        trigger: String,
    },
    /// Configuration that botocore rejects (`InvalidConfigError`).
    InvalidConfig {
        /// What is wrong and what was expected.
        message: String,
    },
    /// No provider supplied credentials.
    NoCredentials,
}

impl Error {
    /// The botocore exception class name for this error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::ProfileNotFound { .. } => "ProfileNotFound",
            Error::ConfigParse { .. } => "ConfigParseError",
            Error::ConfigNotFound { .. } => "ConfigNotFound",
            Error::PartialCredentials { .. } => "PartialCredentialsError",
            Error::MissingKey { .. } => "KeyError",
            Error::Expired { .. } => "RuntimeError",
            Error::InvalidExpiration { .. } => "ParserError",
            Error::ExpirationWithoutTimezone { .. } => "TypeError",
            Error::InvalidInteger { .. } => "ValueError",
            Error::InvalidImdsEndpointMode { .. } => "InvalidIMDSEndpointModeError",
            Error::InvalidUtf8 { .. } => "UnicodeDecodeError",
            Error::NotSupportedYet { .. } => "NotSupportedYet",
            Error::InvalidConfig { .. } => "InvalidConfigError",
            Error::NoCredentials => "NoCredentialsError",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ProfileNotFound { profile } => {
                write!(f, "The config profile ({profile}) could not be found")
            }
            Error::ConfigParse { path, line, detail } => {
                write!(f, "Unable to parse config file: {}", path.display())?;
                match line {
                    Some(l) => write!(f, ":{l}: {detail}"),
                    None => write!(f, ": {detail}"),
                }
            }
            Error::ConfigNotFound { path } => write!(
                f,
                "The specified config file ({}) could not be found.",
                path.display()
            ),
            Error::PartialCredentials { provider, missing } => write!(
                f,
                "Partial credentials found in {provider}, missing: {missing}"
            ),
            Error::MissingKey {
                provider,
                key,
                path,
            } => write!(
                f,
                "{provider}: {} has an access key but no `{key}=` line",
                path.display()
            ),
            Error::Expired {
                provider,
                expiration,
            } => write!(
                f,
                "Credentials were refreshed, but the refreshed credentials are still expired. \
                 ({provider} credentials expired at {expiration})"
            ),
            Error::InvalidExpiration { source, value } => write!(
                f,
                "{source}={value:?} is not a date-time; expected RFC 3339 such as \
                 2026-01-01T00:00:00Z"
            ),
            Error::ExpirationWithoutTimezone { source, value } => write!(
                f,
                "{source}={value:?} has no UTC offset; expected RFC 3339 such as \
                 2026-01-01T00:00:00Z"
            ),
            Error::InvalidInteger { setting, value } => write!(
                f,
                "invalid literal for int() with base 10: {value:?} (setting {setting})"
            ),
            Error::InvalidImdsEndpointMode { mode } => write!(
                f,
                "Invalid EC2 Instance Metadata endpoint mode: {mode} Valid endpoint modes \
                 (case-insensitive): ('ipv4', 'ipv6')."
            ),
            Error::InvalidUtf8 { path, line } => {
                write!(f, "{}:{line}: not valid UTF-8", path.display())
            }
            Error::NotSupportedYet { provider, trigger } => write!(
                f,
                "{trigger} asks for the {provider} provider, which this release of credchain \
                 does not support yet"
            ),
            Error::InvalidConfig { message } => f.write_str(message),
            Error::NoCredentials => f.write_str("Unable to locate credentials"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_botocore_class_names() {
        assert_eq!(
            Error::ProfileNotFound {
                profile: "x".into()
            }
            .to_string(),
            "The config profile (x) could not be found"
        );
        let e = Error::PartialCredentials {
            provider: Method::Env,
            missing: "AWS_SECRET_ACCESS_KEY".into(),
        };
        assert_eq!(e.kind(), "PartialCredentialsError");
        assert_eq!(
            e.to_string(),
            "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
        );
        let e = Error::ConfigParse {
            path: "/h/.aws/config".into(),
            line: Some(3),
            detail: "expected `name = value`".into(),
        };
        assert_eq!(
            e.to_string(),
            "Unable to parse config file: /h/.aws/config:3: expected `name = value`"
        );
    }
}
