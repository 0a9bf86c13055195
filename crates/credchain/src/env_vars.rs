//! Every environment variable credchain reads, documented in one place.

/// Profile name (checked **after** [`AWS_DEFAULT_PROFILE`] by botocore, P-CHAIN-5).
pub const AWS_PROFILE: &str = "AWS_PROFILE";
/// Profile name (checked first by botocore, P-CHAIN-5).
pub const AWS_DEFAULT_PROFILE: &str = "AWS_DEFAULT_PROFILE";
/// Config file path; `$VAR` then `~` expanded. Default `~/.aws/config`.
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
/// Credentials file path; `$VAR` then `~` expanded. Default `~/.aws/credentials`.
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// Access key id; an empty value counts as unset (P-ENV-1).
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Secret access key.
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Legacy session token name, checked **before** [`AWS_SESSION_TOKEN`] (P-ENV-1).
pub const AWS_SECURITY_TOKEN: &str = "AWS_SECURITY_TOKEN";
/// Session token.
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// Expiry of the environment credentials (P-ENV-2).
pub const AWS_CREDENTIAL_EXPIRATION: &str = "AWS_CREDENTIAL_EXPIRATION";
/// Optional account id of the environment credentials.
pub const AWS_ACCOUNT_ID: &str = "AWS_ACCOUNT_ID";
/// Region (botocore ignores `AWS_REGION`, P-ENV-3).
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// Legacy EC2 CLI credential file (P-BOTO-2).
pub const AWS_CREDENTIAL_FILE: &str = "AWS_CREDENTIAL_FILE";
/// boto2 config file; when set, only this path is read (P-BOTO-1).
pub const BOTO_CONFIG: &str = "BOTO_CONFIG";
/// `true` (any case) disables IMDS.
pub const AWS_EC2_METADATA_DISABLED: &str = "AWS_EC2_METADATA_DISABLED";
/// IMDS timeout in seconds (`int()`).
pub const AWS_METADATA_SERVICE_TIMEOUT: &str = "AWS_METADATA_SERVICE_TIMEOUT";
/// IMDS attempts (`int()`).
pub const AWS_METADATA_SERVICE_NUM_ATTEMPTS: &str = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";
/// IMDS base URL.
pub const AWS_EC2_METADATA_SERVICE_ENDPOINT: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
/// IMDS endpoint mode, `ipv4` or `ipv6`.
pub const AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
/// Forbid the IMDSv1 fallback.
pub const AWS_EC2_METADATA_V1_DISABLED: &str = "AWS_EC2_METADATA_V1_DISABLED";
/// Legacy IPv6 switch for IMDS.
pub const AWS_IMDS_USE_IPV6: &str = "AWS_IMDS_USE_IPV6";
/// Container credentials path on 169.254.170.2.
pub const AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// Container credentials full URL.
pub const AWS_CONTAINER_CREDENTIALS_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// Web identity token file.
pub const AWS_WEB_IDENTITY_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// Role ARN for web identity.
pub const AWS_ROLE_ARN: &str = "AWS_ROLE_ARN";
/// Role session name for web identity.
pub const AWS_ROLE_SESSION_NAME: &str = "AWS_ROLE_SESSION_NAME";
/// Home directory, for `~` expansion.
pub const HOME: &str = "HOME";
/// Seconds a `credential_process` command may run before credchain kills
/// it (default 60; botocore waits forever).
pub const CREDCHAIN_PROCESS_TIMEOUT: &str = "CREDCHAIN_PROCESS_TIMEOUT";
/// The AWS CLI v2 / SDK region variable: botocore ignores it for the region
/// (P-ENV-3; only `defaults_mode = auto` reads it, with
/// [`AWS_EXECUTION_ENV`]), but `credchain exec` sets it beside
/// `AWS_DEFAULT_REGION` for the other SDKs.
pub const AWS_REGION: &str = "AWS_REGION";
/// The execution environment (Lambda, ECS, ...): with it set, botocore's
/// `defaults_mode = auto` takes the current region from [`AWS_REGION`],
/// else [`AWS_DEFAULT_REGION`], instead of asking IMDS.
pub const AWS_EXECUTION_ENV: &str = "AWS_EXECUTION_ENV";
/// The profile a `credchain exec` child runs under; its presence is how a
/// nested `credchain exec` is detected.
pub const CREDCHAIN_PROFILE: &str = "CREDCHAIN_PROFILE";
