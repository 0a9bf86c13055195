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
    /// A `source_profile` chain that comes back to a profile already
    /// visited (`InfiniteLoopConfigError`, P-AR-2/4a).
    InfiniteLoopConfig {
        /// The profile that would be loaded again.
        source_profile: String,
        /// The profiles visited so far, in order.
        visited: Vec<String>,
    },
    /// An AWS service answered with an error document (botocore's
    /// `ClientError`), e.g. STS `AccessDenied`.
    Service {
        /// The operation called (`AssumeRole`).
        operation: String,
        /// The error code (`AccessDenied`), or the HTTP status when the
        /// body had none.
        code: String,
        /// The service's message (never holds secrets we sent).
        message: String,
    },
    /// `sts_regional_endpoints` other than `legacy` or `regional`
    /// (`InvalidSTSRegionalEndpointsConfigError`, P-NC-6).
    InvalidStsRegionalEndpoints {
        /// The value.
        value: String,
    },
    /// A `credential_source` provider found nothing
    /// (`CredentialRetrievalError`, P-AR-2).
    CredentialSourceEmpty {
        /// The `credential_source` value.
        source: String,
        /// The profile naming it.
        profile: String,
    },
    /// No provider supplied credentials.
    NoCredentials,
    /// A network provider gave up (`CredentialRetrievalError`): the
    /// container endpoint failed every attempt.
    CredentialRetrieval {
        /// The provider.
        provider: Method,
        /// What went wrong (botocore's `error_msg`).
        message: String,
    },
    /// Instance metadata cannot be used (`MetadataRetrievalError`), e.g. no
    /// IMDSv2 token while IMDSv1 is disabled (P-IMDS-4).
    MetadataRetrieval {
        /// What went wrong.
        message: String,
    },
    /// `ec2_metadata_service_endpoint` is not a URI
    /// (`InvalidIMDSEndpointError`, P-IMDS-1).
    InvalidImdsEndpoint {
        /// The endpoint as configured.
        endpoint: String,
    },
    /// A region that is not a valid host label (botocore's
    /// `validate_region_name`): the client is never created, nothing is
    /// sent.
    InvalidRegion {
        /// The region as configured (never a secret).
        region: String,
    },
    /// Request parameters the service model rejects before anything is
    /// sent (botocore's `ParamValidationError`).
    ParamValidation {
        /// One line per failed constraint, in botocore's order and words
        /// (lengths and numbers only: never a parameter's text).
        report: String,
    },
    /// The SSO token cache file is missing or lacks `accessToken` /
    /// `expiresAt` (`SSOTokenLoadError`, P-SSO-4).
    SsoTokenLoad {
        /// botocore's `error_msg` (`Token for X does not exist`).
        message: String,
        /// The command that creates the token (`credchain sso login ...`).
        login_hint: String,
    },
    /// The SSO access token expired (legacy) or the portal answered 401
    /// (`UnauthorizedSSOTokenError`, P-SSO-5/7).
    UnauthorizedSsoToken {
        /// The command that renews it (`credchain sso login ...`).
        login_hint: String,
    },
    /// An sso-session token is expired and could not be refreshed
    /// (`TokenRetrievalError`, P-SSO-6).
    TokenRetrieval {
        /// botocore's `error_msg`.
        message: String,
        /// The command that renews it (`credchain sso login ...`).
        login_hint: String,
    },
    /// The SSO portal or SSO-OIDC answered with an error document: a
    /// modeled exception (`TooManyRequestsException`, ...) or `ClientError`.
    SsoService {
        /// The operation called (`GetRoleCredentials`).
        operation: String,
        /// The error code, or the HTTP status when the answer had none.
        code: String,
        /// The service's message.
        message: String,
    },
    /// `sso login` could not finish (the AWS CLI v2's exception classes, see
    /// [`SsoLoginFailure`]); `detail` is the exception's `error_msg`.
    SsoLogin {
        /// Which failure.
        failure: SsoLoginFailure,
        /// What went wrong (never a token, code or secret).
        detail: String,
    },
    /// A Python exception botocore lets escape unwrapped (`ValueError`,
    /// `KeyError`, `TypeError`, `FileNotFoundError`, `HTTPClientError`,
    /// ...): the chain stops with it.
    Unhandled {
        /// The Python exception class name.
        class: &'static str,
        /// The message (botocore's text where it writes one; never secrets).
        message: String,
    },
}

impl Error {
    /// Python's `OverflowError("date value out of range")`: an expiry
    /// computed from an untrusted number of seconds left `datetime`'s range
    /// (botocore's `now + timedelta(seconds=...)` raises it).
    pub(crate) fn date_out_of_range() -> Error {
        Error::Unhandled {
            class: "OverflowError",
            message: "date value out of range".into(),
        }
    }

    /// The botocore exception class name for this error
    /// (`ProfileNotFound`, `ConfigParseError`, `PartialCredentialsError`,
    /// …, or a bare Python class such as `ValueError` where botocore lets
    /// one escape). `Display` gives the message, in botocore's words where
    /// it has them.
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// # use std::sync::Arc;
    /// let env = MapEnv::from_pairs([("HOME", "/h"), ("AWS_PROFILE", "nope")]);
    /// let os = Os { env: Arc::new(env), fs: Arc::new(MemFs::new()), ..Os::real() };
    /// let err = credchain::Session::builder().os(os).build().get_credentials().unwrap_err();
    /// assert_eq!(err.kind(), "ProfileNotFound");
    /// assert_eq!(err.to_string(), "The config profile (nope) could not be found");
    /// ```
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
            Error::InfiniteLoopConfig { .. } => "InfiniteLoopConfigError",
            Error::Service { code, .. } => crate::sts::error_class(code),
            Error::InvalidStsRegionalEndpoints { .. } => "InvalidSTSRegionalEndpointsConfigError",
            Error::NoCredentials => "NoCredentialsError",
            Error::CredentialRetrieval { .. } | Error::CredentialSourceEmpty { .. } => {
                "CredentialRetrievalError"
            }
            Error::MetadataRetrieval { .. } => "MetadataRetrievalError",
            Error::InvalidImdsEndpoint { .. } => "InvalidIMDSEndpointError",
            Error::InvalidRegion { .. } => "InvalidRegionError",
            Error::ParamValidation { .. } => "ParamValidationError",
            Error::SsoTokenLoad { .. } => "SSOTokenLoadError",
            Error::UnauthorizedSsoToken { .. } => "UnauthorizedSSOTokenError",
            Error::TokenRetrieval { .. } => "TokenRetrievalError",
            Error::SsoService {
                operation, code, ..
            } => crate::sso::error_class(operation, code),
            Error::SsoLogin { failure, .. } => failure.class(),
            Error::Unhandled { class, .. } => class,
        }
    }
}

/// Why `sso login` failed, as the AWS CLI v2 names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SsoLoginFailure {
    /// The user did not approve in time (device code `ExpiredTokenException`,
    /// or no callback before the listener's deadline).
    PendingAuthorizationExpired,
    /// The authorization-code callback carried an error or a wrong `state`.
    AuthorizationCodeLoad,
    /// The loopback callback listener could not be started.
    AuthCodeFetcher,
    /// The profile or sso-session lacks what a login needs (awscli's
    /// `InvalidSSOConfigError`).
    InvalidSsoConfig,
}

impl SsoLoginFailure {
    /// The exception class name.
    pub fn class(self) -> &'static str {
        match self {
            SsoLoginFailure::PendingAuthorizationExpired => "PendingAuthorizationExpiredError",
            SsoLoginFailure::AuthorizationCodeLoad => "AuthorizationCodeLoadError",
            SsoLoginFailure::AuthCodeFetcher => "AuthCodeFetcherError",
            SsoLoginFailure::InvalidSsoConfig => "InvalidSSOConfigError",
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
            // Python's message (the value as its repr), then which setting.
            Error::InvalidInteger { setting, value } => write!(
                f,
                "invalid literal for int() with base 10: {} (setting {setting})",
                crate::chain::repr::py_repr(value)
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
            Error::InvalidConfig { message } | Error::Unhandled { message, .. } => {
                f.write_str(message)
            }
            Error::InfiniteLoopConfig {
                source_profile,
                visited,
            } => write!(
                f,
                "Infinite loop in credential configuration detected. Attempting to load from \
                 profile {source_profile} which has already been visited. Visited profiles: {}",
                crate::chain::repr::py_list_repr(visited)
            ),
            Error::Service {
                operation,
                code,
                message,
            }
            | Error::SsoService {
                operation,
                code,
                message,
            } => write!(
                f,
                "An error occurred ({code}) when calling the {operation} operation: {message}"
            ),
            Error::InvalidStsRegionalEndpoints { value } => write!(
                f,
                "STS regional endpoints option {value} is invalid. Valid options are: \"legacy\", \
                 \"regional\""
            ),
            Error::CredentialSourceEmpty { source, profile } => write!(
                f,
                "Error when retrieving credentials from {source}: No credentials found in \
                 credential_source referenced in profile {profile}"
            ),
            Error::NoCredentials => f.write_str("Unable to locate credentials"),
            Error::CredentialRetrieval { provider, message } => write!(
                f,
                "Error when retrieving credentials from {provider}: {message}"
            ),
            Error::MetadataRetrieval { message } => {
                write!(f, "Error retrieving metadata: {message}")
            }
            Error::InvalidImdsEndpoint { endpoint } => write!(
                f,
                "Invalid endpoint EC2 Instance Metadata endpoint: {endpoint}"
            ),
            Error::InvalidRegion { region } => write!(
                f,
                "Provided region_name '{region}' doesn't match a supported format."
            ),
            Error::ParamValidation { report } => {
                write!(f, "Parameter validation failed:\n{report}")
            }
            // botocore's `fmt` strings (botocore/exceptions.py).
            Error::SsoLogin { failure, detail } => match failure {
                SsoLoginFailure::PendingAuthorizationExpired => write!(
                    f,
                    "The pending authorization to retrieve an SSO token has expired. The login \
                     flow to retrieve an SSO token must be restarted.{}",
                    if detail.is_empty() {
                        String::new()
                    } else {
                        format!(" ({detail})")
                    }
                ),
                SsoLoginFailure::AuthorizationCodeLoad => {
                    write!(f, "Error loading authorization code: {detail}")
                }
                SsoLoginFailure::AuthCodeFetcher => write!(
                    f,
                    "Unable to initialize the OAuth 2.0 authorization callback handler: {detail} \
                     You may use --use-device-code to fall back to the device code flow which \
                     does not require the callback handler."
                ),
                SsoLoginFailure::InvalidSsoConfig => f.write_str(detail),
            },
            // botocore's texts, with its "run aws sso login" advice replaced
            // by the exact credchain command.
            Error::SsoTokenLoad {
                message,
                login_hint,
            } => write!(
                f,
                "Error loading SSO Token: {message}. To log in run {login_hint}"
            ),
            Error::UnauthorizedSsoToken { login_hint } => write!(
                f,
                "The SSO session associated with this profile has expired or is otherwise \
                 invalid. To refresh this SSO session run {login_hint}"
            ),
            Error::TokenRetrieval {
                message,
                login_hint,
            } => write!(
                f,
                "Error when retrieving token from sso: {message}. To refresh this SSO session \
                 run {login_hint}"
            ),
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

    #[test]
    fn network_provider_errors_use_botocore_texts() {
        let e = Error::CredentialRetrieval {
            provider: Method::ContainerRole,
            message: "Error retrieving metadata: x".into(),
        };
        assert_eq!(e.kind(), "CredentialRetrievalError");
        assert_eq!(
            e.to_string(),
            "Error when retrieving credentials from container-role: Error retrieving metadata: x"
        );
        let e = Error::MetadataRetrieval {
            message: "m".into(),
        };
        assert_eq!(
            (e.kind(), e.to_string().as_str()),
            ("MetadataRetrievalError", "Error retrieving metadata: m")
        );
        let e = Error::InvalidImdsEndpoint {
            endpoint: "not a uri".into(),
        };
        assert_eq!(e.kind(), "InvalidIMDSEndpointError");
        assert_eq!(
            e.to_string(),
            "Invalid endpoint EC2 Instance Metadata endpoint: not a uri"
        );
        let e = Error::Unhandled {
            class: "KeyError",
            message: "'Token'".into(),
        };
        assert_eq!((e.kind(), e.to_string().as_str()), ("KeyError", "'Token'"));
    }
}
