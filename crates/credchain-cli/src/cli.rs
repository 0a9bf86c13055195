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
    /// Read configuration and credentials (the `aws configure` family).
    Configure {
        #[command(subcommand)]
        command: ConfigureCommand,
    },
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
