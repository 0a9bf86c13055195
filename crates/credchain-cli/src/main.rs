//! `credchain`: a fast drop-in for the `aws configure` family that explains
//! the credential chain.
//!
//! Exit codes: 0 success; 1 `explain` found no credentials or `configure
//! get` found no value; 2 usage error; 255 any other error (as the AWS CLI).

mod cli;
mod commands;
mod format;
mod output;

use std::process::ExitCode;

use clap::FromArgMatches;

use cli::{Cli, Command, ConfigureCommand, OutputFormat, SsoCommand, StsCommand};

fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let g = &cli.global;
    output::debug(
        g.debug,
        &format!(
            "credchain {} profile={} region={}",
            env!("CARGO_PKG_VERSION"),
            g.profile.as_deref().unwrap_or("(not given)"),
            g.region.as_deref().unwrap_or("(not given)")
        ),
    );
    if let Err(msg) = commands::check_global_args(g) {
        output::err_line(&format!("error: {msg}"));
        return ExitCode::from(commands::EXIT_ERROR);
    }
    // `explain` has its own text and the JSON contract; a table of it is a
    // usage error, not silently text.
    // An explicit `--output` the command cannot print is a usage error,
    // never silently another format (the `output` setting from the files or
    // `AWS_DEFAULT_OUTPUT` only applies where a command has formats).
    let (name, formats): (&str, &[OutputFormat]) = match &cli.command {
        Command::Explain { .. } => ("explain", &[OutputFormat::Json, OutputFormat::Text]),
        Command::Sts { .. } => (
            "sts get-caller-identity",
            &[OutputFormat::Json, OutputFormat::Text, OutputFormat::Table],
        ),
        Command::Sso {
            command: SsoCommand::Status,
        } => ("sso status", &[OutputFormat::Json, OutputFormat::Text]),
        Command::Sso {
            command: SsoCommand::Login(_),
        } => ("sso login", &[]),
        Command::Sso { .. } => ("sso logout", &[]),
        Command::Exec(_) => ("exec", &[]),
        Command::Serve(_) => ("serve", &[]),
        Command::Configure { command: None } => ("configure", &[]),
        Command::Configure {
            command: Some(ConfigureCommand::List { all: true, .. }),
        } => (
            "configure list --all",
            &[OutputFormat::Json, OutputFormat::Text],
        ),
        Command::Configure { command: Some(c) } => (c.name(), &[]),
    };
    if let Some(wanted) = g.output
        && !formats.contains(&wanted)
    {
        let msg = if formats.is_empty() {
            format!("`{name}` has one output format; --output does not apply to it")
        } else {
            let names: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
            format!(
                "`{name}` prints --output {}, not {}",
                names.join(" or "),
                wanted.as_str()
            )
        };
        cli::command()
            .error(clap::error::ErrorKind::InvalidValue, msg)
            .exit();
    }
    // As the AWS CLI, a bad `--query` is refused before anything runs.
    let query = match g.query.as_deref().map(format::Query::compile).transpose() {
        Ok(q) => q,
        Err(e) => return ExitCode::from(commands::fail_msg(&e)),
    };
    let code = match &cli.command {
        Command::Explain { no_cache } => commands::explain::run(g, query.as_ref(), *no_cache),
        Command::Sts {
            command: StsCommand::GetCallerIdentity,
        } => commands::sts::get_caller_identity(g, query.as_ref()),
        Command::Sso { command } => match command {
            SsoCommand::Status => commands::sso::status(g, query.as_ref()),
            SsoCommand::Logout => commands::sso::logout(g),
            SsoCommand::Login(args) => commands::sso::login(g, args),
        },
        Command::Exec(args) => commands::exec::run(g, args),
        Command::Serve(args) => commands::serve::run(g, args),
        Command::Configure { command } => match command {
            None => commands::configure_write::interactive(g),
            Some(ConfigureCommand::List { all: false, .. }) => commands::configure::list(g),
            Some(ConfigureCommand::List { all: true, service }) => {
                commands::configure::list_all(g, service.as_deref())
            }
            Some(ConfigureCommand::ListProfiles) => commands::configure::list_profiles(g),
            Some(ConfigureCommand::Get { name }) => commands::configure_write::get(g, name),
            Some(ConfigureCommand::Set { name, value }) => {
                commands::configure_write::set(g, name, value)
            }
            Some(ConfigureCommand::Unset { name }) => commands::configure_write::unset(g, name),
            Some(ConfigureCommand::Import {
                csv,
                profile_prefix,
                skip_invalid,
            }) => commands::configure_write::import(g, csv, profile_prefix, *skip_invalid),
            Some(ConfigureCommand::MfaLogin(args)) => commands::mfa_login::run(g, args),
            Some(ConfigureCommand::Sso(args)) => commands::configure_sso::sso(g, args),
            Some(ConfigureCommand::SsoSession) => commands::configure_sso::sso_session(g),
            Some(ConfigureCommand::ExportCredentials { format }) => {
                commands::configure::export_credentials(g, *format)
            }
        },
    };
    // `serve` / `exec` return here on SIGINT/SIGTERM: should a prompt on
    // another thread still hold echo off, put it back before exiting.
    credchain::os::restore_terminals_for_exit();
    // Output that never reached stdout (`> /dev/full`) is a failure, as in
    // the AWS CLI (`[Errno 28] No space left on device`, exit 255).
    if let Some(e) = output::stdout_error() {
        output::err_line(&format!("error: writing to stdout: {e}"));
        return ExitCode::from(commands::EXIT_ERROR);
    }
    ExitCode::from(code)
}
