//! Command-line definitions (clap types only; the work is in `commands`).

use clap::builder::TypedValueParser as _;
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
// Each bool is an independent AWS CLI switch, not a state machine.
#[allow(clippy::struct_excessive_bools)]
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
    /// A JMESPath query applied to the JSON result before `--output`
    /// formats it (as the AWS CLI's `--query`).
    #[arg(long, global = true, value_name = "JMESPATH")]
    pub(crate) query: Option<String>,
    /// Do not check the STS endpoint's certificate for this command's own
    /// call (the AWS CLI's meaning; a warning is printed). Prefer
    /// `--ca-bundle PATH` to trust a private CA.
    #[arg(long, global = true)]
    pub(crate) no_verify_ssl: bool,
    /// Trust the certificates in this PEM file for this command's STS call
    /// (beats `AWS_CA_BUNDLE` and `ca_bundle`, as the AWS CLI's `--ca-bundle`).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) ca_bundle: Option<String>,
    /// Socket read timeout in seconds for this command's STS call (0:
    /// none; default 60).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub(crate) cli_read_timeout: Option<u32>,
    /// Socket connect timeout in seconds for this command's STS call (0:
    /// none; default 60).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub(crate) cli_connect_timeout: Option<u32>,
    /// Send this command's own STS request unsigned, without resolving
    /// credentials (as the AWS CLI's `--no-sign-request`).
    #[arg(long, global = true)]
    pub(crate) no_sign_request: bool,
    /// Accepted for AWS CLI compatibility: credchain never pages output.
    #[arg(long, global = true)]
    pub(crate) no_cli_pager: bool,
    /// Accepted for AWS CLI compatibility: credchain prints no colour.
    #[arg(long, global = true, value_name = "on|off|auto")]
    pub(crate) color: Option<Color>,
    /// Accepted for AWS CLI compatibility: no credchain command paginates.
    #[arg(long, global = true)]
    pub(crate) no_paginate: bool,
}

/// `--color` values (the AWS CLI's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// Colour always.
    On,
    /// Never.
    Off,
    /// When stdout is a terminal.
    Auto,
}

/// Which global flags a command's `--help` lists. All are accepted
/// anywhere (as the AWS CLI's are); the ones that do nothing for a command
/// are hidden from its help. `path` is the subcommand path
/// (`"sts get-caller-identity"`).
fn flag_applies(path: &str, id: &str) -> bool {
    // Commands whose own STS request takes the transport flags (the
    // credential chain's STS calls keep their configured transport).
    let own_sts_call = matches!(
        path,
        "sts" | "sts get-caller-identity" | "configure mfa-login"
    );
    match id {
        "profile" | "region" | "debug" => true,
        "output" | "query" => matches!(
            path,
            "explain" | "sts" | "sts get-caller-identity" | "sso" | "sso status"
        ),
        "endpoint_url" => matches!(
            path,
            "sts" | "sts get-caller-identity" | "configure mfa-login"
        ),
        "no_verify_ssl" | "ca_bundle" | "cli_read_timeout" | "cli_connect_timeout" => own_sts_call,
        // mfa-login's GetSessionToken must be signed with the source keys.
        "no_sign_request" => matches!(path, "sts" | "sts get-caller-identity"),
        // No-ops everywhere: listed once, in the top-level help.
        _ => false,
    }
}

/// The clap command with each subcommand's help trimmed to the global
/// flags that apply to it (a hidden copy of each other global flag keeps
/// it accepted there).
pub(crate) fn command() -> clap::Command {
    fn walk(cmd: clap::Command, path: &str, globals: &[clap::Arg]) -> clap::Command {
        let mut cmd = cmd;
        for a in globals {
            let hide = !flag_applies(path, a.get_id().as_str()) || a.is_hide_set();
            let mut a = a.clone().hide(hide);
            if path == "explain" && a.get_id() == "output" {
                // `explain` has no table: its help offers, and its parser
                // takes, json and text only.
                a = a.value_parser(
                    clap::builder::PossibleValuesParser::new(["json", "text"]).map(|v| {
                        if v == "json" {
                            OutputFormat::Json
                        } else {
                            OutputFormat::Text
                        }
                    }),
                );
            }
            cmd = cmd.arg(a);
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for name in names {
            let sub_path = format!("{path} {name}");
            cmd = cmd.mut_subcommand(&name, |s| walk(s, &sub_path, globals));
        }
        cmd
    }

    use clap::CommandFactory;
    let root = Cli::command();
    let globals: Vec<clap::Arg> = root
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let names: Vec<String> = root
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    let mut root = root;
    for name in names {
        let path = name.clone();
        root = root.mut_subcommand(&name, |s| walk(s, &path, &globals));
    }
    root
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

impl OutputFormat {
    /// The flag's value as typed.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Text => "text",
            OutputFormat::Table => "table",
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Walk the whole credential chain and say why each source won or was
    /// skipped. May call STS (role profiles) and write the AWS CLI cache.
    Explain {
        /// Neither read nor write the AWS CLI's credential cache
        /// (~/.aws/cli/cache): resolve as a boto3 program does (it caches in
        /// memory only), calling STS for role profiles.
        #[arg(long)]
        no_cache: bool,
    },
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
    /// IAM Identity Center: sign in, cached sign-in state, sign out.
    Sso {
        #[command(subcommand)]
        command: SsoCommand,
    },
    /// Run a command with the resolved credentials in its environment
    /// (`AWS_ACCESS_KEY_ID`, ..., `AWS_REGION`), or served to it from a
    /// private endpoint with `--serve`. Without a command: `$SHELL`.
    Exec(crate::commands::exec::ExecArgs),
    /// Serve the resolved credentials on 127.0.0.1 as the ECS container
    /// endpoint (or IMDSv2 with `--imds`), refreshed before they expire;
    /// prints the variables that point clients at it, then serves until
    /// SIGINT/SIGTERM.
    Serve(crate::commands::serve::ServeArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum SsoCommand {
    /// Sign in to IAM Identity Center and cache the access token (as AWS
    /// CLI v2's `aws sso login`): PKCE in the browser for sso-session
    /// profiles, else the device code flow.
    Login(SsoLoginArgs),
    /// One row per sso-session / start URL: token expiry, time left,
    /// refreshable, registration expiry, profiles using it (never the token).
    Status,
    /// Sign out: SSO Logout for every cached token, then remove the token
    /// files and the cached SSO role credentials (as AWS CLI v2).
    Logout,
}

/// `sso login` flags (the AWS CLI v2's).
#[derive(Debug, Args, Clone)]
pub(crate) struct SsoLoginArgs {
    /// Log in to this sso-session (default: the profile's, following
    /// `source_profile` to the SSO profile of a role chain).
    #[arg(long, value_name = "NAME")]
    pub(crate) sso_session: Option<String>,
    /// Use the device code flow (a code to confirm on any device) instead
    /// of the authorization code flow in a browser on this machine.
    #[arg(long)]
    pub(crate) use_device_code: bool,
    /// Do not open a browser: print the URL to open.
    #[arg(long)]
    pub(crate) no_browser: bool,
}

/// `configure sso` flags: the AWS CLI v2's login flags, and credchain's
/// `--populate` mode.
// Each bool is an independent switch.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args, Clone)]
pub(crate) struct ConfigureSsoArgs {
    /// Write one profile per (account, role) the sso-session's sign-in can
    /// use, instead of prompting for one (needs --sso-session; --region
    /// sets each profile's region).
    #[arg(long, requires = "sso_session")]
    pub(crate) populate: bool,
    /// The sso-session to populate profiles for (an `[sso-session NAME]`
    /// section; `credchain configure sso-session` creates one).
    #[arg(long, value_name = "NAME", requires = "populate")]
    pub(crate) sso_session: Option<String>,
    /// Profile names for --populate: `{account_name}`, `{account_id}`,
    /// `{role_name}`, `{sso_session}` (default `{account_name}-{role_name}`).
    #[arg(long, value_name = "TEMPLATE", requires = "populate")]
    pub(crate) profile_template: Option<String>,
    /// With --populate: remove the profiles an earlier --populate of this
    /// sso-session generated for roles the sign-in no longer sees (never a
    /// hand-written profile).
    #[arg(long, requires = "populate")]
    pub(crate) prune: bool,
    /// With --populate: print the unified diff of the config file instead
    /// of writing it.
    #[arg(long, requires = "populate")]
    pub(crate) dry_run: bool,
    /// Log in with the device code flow (a code to confirm on any device).
    #[arg(long)]
    pub(crate) use_device_code: bool,
    /// Do not open a browser for the login: print the URL to open.
    #[arg(long)]
    pub(crate) no_browser: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StsCommand {
    /// Print the account, user id and ARN of the resolved credentials.
    GetCallerIdentity,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigureCommand {
    /// Show profile, keys (masked) and region, and where each came from.
    List {
        /// Every non-credential setting botocore resolves (Name, Value,
        /// Type, Location); `--output json` for a document.
        #[arg(long)]
        all: bool,
        /// With `--all`: also the endpoint of this client (`ec2`, `iam`);
        /// repeatable.
        #[arg(long = "service", value_name = "NAME", requires = "all")]
        services: Vec<String>,
    },
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
    /// Create or update a profile that gets its credentials from IAM
    /// Identity Center (the AWS CLI v2's `aws configure sso` prompts); with
    /// `--populate`, one profile per account and role the sign-in can use.
    Sso(ConfigureSsoArgs),
    /// Create or update an `[sso-session NAME]` section (the AWS CLI v2's
    /// `aws configure sso-session` prompts).
    SsoSession,
    /// Print the resolved credentials for other tools.
    ExportCredentials {
        /// Output format.
        #[arg(long, value_enum, default_value = "process")]
        format: ExportFormat,
    },
}

impl ConfigureCommand {
    /// The command line that names it (`configure list`).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            ConfigureCommand::List { all: false, .. } => "configure list",
            ConfigureCommand::List { all: true, .. } => "configure list --all",
            ConfigureCommand::ListProfiles => "configure list-profiles",
            ConfigureCommand::Get { .. } => "configure get",
            ConfigureCommand::Set { .. } => "configure set",
            ConfigureCommand::Unset { .. } => "configure unset",
            ConfigureCommand::Import { .. } => "configure import",
            ConfigureCommand::MfaLogin(_) => "configure mfa-login",
            ConfigureCommand::Sso(_) => "configure sso",
            ConfigureCommand::SsoSession => "configure sso-session",
            ConfigureCommand::ExportCredentials { .. } => "configure export-credentials",
        }
    }
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
