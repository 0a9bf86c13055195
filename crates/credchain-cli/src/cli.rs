//! Command-line definitions (clap types only; the work is in `commands`).

use clap::{Args, Parser, Subcommand, ValueEnum};

/// credchain: AWS credentials and configuration, resolved exactly as botocore
/// does, and explained.
#[derive(Debug, Parser)]
#[command(name = "credchain", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags accepted anywhere on the command line, like the AWS CLI's.
#[derive(Debug, Args, Clone)]
pub(crate) struct GlobalArgs {
    /// Use this profile (disables environment-variable credentials, as in botocore).
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Use this region.
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum)]
    pub(crate) output: Option<OutputFormat>,
    /// Trace what is read and decided on stderr (never secrets).
    #[arg(long, global = true)]
    pub(crate) debug: bool,
    /// Send the command's own service request here (as the AWS CLI's
    /// `--endpoint-url`; the credential chain's STS calls are unaffected).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,
}

/// `--output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// JSON.
    Json,
    /// Plain text.
    Text,
    /// An aligned table.
    Table,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Walk the whole credential chain and say why each source won or was skipped.
    Explain,
    /// Read and write configuration and credentials (the `aws configure`
    /// family). Without a subcommand: prompt for keys, region and output.
    Configure {
        #[command(subcommand)]
        command: Option<ConfigureCommand>,
    },
    /// AWS Security Token Service calls made with the resolved credentials.
    Sts {
        #[command(subcommand)]
        command: StsCommand,
    },
    /// IAM Identity Center: cached sign-in state and logout.
    Sso {
        #[command(subcommand)]
        command: SsoCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SsoCommand {
    /// One row per sso-session / start URL: token expiry, time left,
    /// refreshable, registration expiry, profiles using it (never the token).
    Status,
    /// Sign out: SSO Logout for every cached token, then remove the token
    /// files and the cached SSO role credentials (as AWS CLI v2).
    Logout,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StsCommand {
    /// Print the account, user id and ARN of the resolved credentials.
    GetCallerIdentity,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigureCommand {
    /// Show profile, keys (masked) and region, and where each came from.
    List,
    /// List every profile name, config-file profiles first.
    ListProfiles,
    /// Print one setting from the files (`region`, `profile.dev.region`, `s3.addressing_style`, ...).
    Get {
        /// The setting name.
        name: String,
    },
    /// Write one setting (`region`, `profile.dev.region`, `s3.addressing_style`,
    /// `sso-session.NAME.KEY`, `services.NAME.s3.endpoint_url`, ...).
    Set {
        /// The setting name.
        name: String,
        /// The value; `-` reads it from stdin (keeps secrets out of argv).
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Remove one setting's lines (a missing setting is not an error).
    Unset {
        /// The setting name, in any form `set` accepts.
        name: String,
    },
    /// Import access keys from the IAM console's CSV into the credentials file.
    Import {
        /// The CSV text itself, or `file://PATH` (as AWS CLI v2; a bare path
        /// to an existing file is read too).
        #[arg(long, value_name = "CSV")]
        csv: String,
        /// Prefix for the profile names.
        #[arg(long, value_name = "PREFIX", default_value = "")]
        profile_prefix: String,
        /// Skip rows without an access key instead of failing.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Get MFA session credentials (STS GetSessionToken with --profile's keys)
    /// and write them to another profile of the credentials file.
    MfaLogin(crate::commands::mfa_login::MfaLoginArgs),
    /// Print the resolved credentials for other tools.
    ExportCredentials {
        /// Output format.
        #[arg(long, value_enum, default_value = "process")]
        format: ExportFormat,
    },
}

/// `export-credentials --format` values (AWS CLI v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// `credential_process` JSON.
    Process,
    /// `export VAR=value` lines.
    Env,
    /// `VAR=value` lines.
    EnvNoExport,
    /// `$Env:VAR="value"` lines.
    Powershell,
    /// `set VAR=value` lines.
    WindowsCmd,
    /// `set -gx VAR "value"` lines.
    Fish,
}
