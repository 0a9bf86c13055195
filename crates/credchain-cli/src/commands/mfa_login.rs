//! `credchain configure mfa-login` (AWS CLI v2's `aws configure mfa-login`):
//! STS `GetSessionToken` with the `--profile` profile's long-term keys and
//! an MFA code, and the temporary credentials written to another profile of
//! the credentials file.
//!
//! Behaviour (v2's, where known; our choices are marked):
//!
//! * Source: the credentials the chain resolves for `--profile` (or the
//!   default profile). v2 asks for keys when there is no default profile;
//!   we fail instead (exit 255) and say how to configure them. Credentials
//!   that already carry a session token are refused (our choice): STS only
//!   issues session tokens for long-term IAM user keys.
//! * MFA device: `--serial-number`, else the source profile's `mfa_serial`,
//!   else the prompt `MFA serial number or ARN: `.
//! * Code: `--token-code`, else the prompt `MFA token code: ` — on the
//!   terminal with echo off (our choice; v2 echoes it), from stdin when it
//!   is not a terminal. The code is never printed, logged or traced.
//! * Target: `--update-profile`, else, on a terminal, the prompt `Profile to
//!   update [session-DEVICE]: ` where `DEVICE` is the serial's last `/` part;
//!   without a terminal the default is taken unprompted (our choice, so a
//!   piped code is the only input a script has to give). Writing over the
//!   source profile is refused (our choice): it would destroy the long-term
//!   keys the next login needs.
//! * Writes `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`
//!   to `[TARGET]` in the credentials file in one locked, atomic,
//!   format-preserving update (`credchain::config::write`); nothing else in
//!   the file changes. The expiration is printed, not stored: botocore's
//!   shared-credentials-file provider does not read one.
//! * `--duration-seconds` (900..=129600) is sent only when given (STS's
//!   default is 43200 s).
//! * The request goes to `--endpoint-url` when given, else to the STS
//!   endpoint the session's settings resolve; the region, endpoint and the
//!   `GetSessionToken` parameters (serial at least 9 characters, code 6)
//!   are checked as botocore does before anything is asked or sent.

use std::fmt::Write as _;

use clap::Args;
use credchain::config::FileKind;
use credchain::config::write::{ConfigWriter, Edit, Target};
use credchain::time::Timestamp;

use super::configure_write::Prompter;
use crate::cli::GlobalArgs;
use crate::commands::EXIT_ERROR;
use crate::output;

/// `configure mfa-login` options (`--profile` is the source profile).
#[derive(Debug, Args)]
pub(crate) struct MfaLoginArgs {
    /// Profile to write the temporary credentials to (credentials file).
    /// Default: `session-DEVICE` (the MFA serial's last `/` part), asked on
    /// a terminal. Must differ from `--profile`.
    #[arg(long, value_name = "NAME")]
    pub(crate) update_profile: Option<String>,
    /// MFA device serial number or ARN. Default: the source profile's
    /// `mfa_serial`, else asked.
    #[arg(long, visible_alias = "mfa-serial", value_name = "SERIAL")]
    pub(crate) serial_number: Option<String>,
    /// The current MFA code. Default: asked (no echo on a terminal, one line
    /// of stdin otherwise); prefer that, argv is visible to other users.
    #[arg(long, value_name = "CODE")]
    pub(crate) token_code: Option<String>,
    /// Lifetime of the session credentials (STS default: 43200).
    #[arg(long, value_name = "SECONDS",
          value_parser = clap::value_parser!(i64).range(900..=129_600))]
    pub(crate) duration_seconds: Option<i64>,
}

/// Prints `error: {msg}` and returns the AWS CLI's 255.
fn fail(msg: &str) -> u8 {
    output::err_line(&format!("error: {msg}"));
    EXIT_ERROR
}

/// `session-DEVICE`: the default target for an MFA serial.
fn default_target(serial: &str) -> String {
    let device = serial.rsplit('/').next().unwrap_or(serial).trim();
    format!("session-{device}")
}

/// `2023-05-19 18:06:10 UTC`, as v2 prints the expiration.
fn utc(t: Timestamp) -> String {
    let iso = Timestamp::from_system_time(t.to_system_time()).to_string();
    format!(
        "{} UTC",
        iso.get(..19).unwrap_or(&iso).replacen('T', " ", 1)
    )
}

/// Asks `prompt`; `Ok(None)` for end of input or an empty answer.
fn ask(p: &mut Prompter, prompt: &str, secret: bool) -> Result<Option<String>, String> {
    p.ask(prompt, secret)
        .map(|a| a.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()))
        .map_err(|e| format!("reading the answer: {e}"))
}

/// Runs `configure mfa-login`.
pub(crate) fn run(global: &GlobalArgs, args: &MfaLoginArgs) -> u8 {
    match login(global, args) {
        Ok(()) => 0,
        Err(msg) => fail(&msg),
    }
}

fn login(global: &GlobalArgs, args: &MfaLoginArgs) -> Result<(), String> {
    let session = super::session(global);
    // The client (region, endpoint and `--endpoint-url` checks) before any
    // prompt or request: `GetSessionToken` goes where the user said.
    let client = super::own_sts_client(&session, global).map_err(|e| e.to_string())?;
    let source = session.profile().effective().to_owned();
    let creds = match session.get_credentials() {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(format!(
                "Unable to locate credentials for profile '{source}'. mfa-login needs the \
                 profile's long-term access keys: run \"credchain configure --profile {source}\"."
            ));
        }
        Err(e) => return Err(format!("{}: {e}", e.kind())),
    };
    if creds.session_token().is_some() {
        return Err(format!(
            "profile '{source}' resolves to temporary credentials (from {}); GetSessionToken \
             needs the long-term access keys of an IAM user.",
            creds.method()
        ));
    }
    let mut prompter = Prompter::new();
    let mut asked = false;
    let configured = session
        .config_files()
        .ok()
        .and_then(|f| f.profile(&source))
        .and_then(|p| p.get_str("mfa_serial"))
        .map(str::to_owned);
    let serial = if let Some(s) = args.serial_number.as_deref().or(configured.as_deref()) {
        Some(s.trim().to_owned())
    } else {
        asked = true;
        ask(&mut prompter, "MFA serial number or ARN: ", false)?
    };
    let serial = serial
        .filter(|s| !s.is_empty())
        .ok_or("no MFA serial number given (--serial-number)")?;
    // The code: from the flag or the prompt, never into any message.
    let code = if let Some(c) = &args.token_code {
        Some(c.trim().to_owned())
    } else {
        asked = true;
        ask(&mut prompter, "MFA token code: ", true)?
    };
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or("no MFA token code given (--token-code)")?;
    let default = default_target(&serial);
    let target = match &args.update_profile {
        Some(t) => t.clone(),
        None if matches!(prompter, Prompter::Tty { .. }) => ask(
            &mut prompter,
            &format!("Profile to update [{default}]: "),
            false,
        )?
        .unwrap_or(default),
        None => default,
    };
    if target.is_empty() || target.contains(['\n', '\r', '[', ']']) {
        return Err(format!("invalid profile name to update: {target:?}"));
    }
    if target == source {
        return Err(format!(
            "--update-profile '{target}' is the source profile: its long-term keys would be \
             replaced by the temporary ones; choose another profile."
        ));
    }
    output::debug(
        global.debug,
        &format!(
            "mfa-login: GetSessionToken for profile {source} (keys from {}), serial {serial}, \
             duration {}, writing profile {target}",
            creds.method(),
            args.duration_seconds
                .map_or_else(|| "default".to_owned(), |d| format!("{d} s"))
        ),
    );
    let temp = client
        .get_session_token(&creds, args.duration_seconds, Some(&serial), Some(&code))
        .map_err(|e| e.to_string())?;
    let section = Target::Section(target.clone());
    let mut edits = vec![
        Edit::Set {
            target: section.clone(),
            key: "aws_access_key_id".into(),
            value: temp.access_key_id().to_owned(),
        },
        Edit::Set {
            target: section.clone(),
            key: "aws_secret_access_key".into(),
            value: temp.secret_access_key().expose().to_owned(),
        },
    ];
    if let Some(t) = temp.session_token() {
        edits.push(Edit::Set {
            target: section,
            key: "aws_session_token".into(),
            value: t.expose().to_owned(),
        });
    }
    let os = session.os();
    let writer = ConfigWriter::new(&*os.env, &*os.fs);
    super::configure_write::update(global, &session, FileKind::Credentials, &edits)
        .map_err(|e| e.to_string())?;
    output::debug(
        global.debug,
        &format!(
            "mfa-login: wrote [{target}] in {}",
            writer.path(FileKind::Credentials).display()
        ),
    );
    // Answers piped to stdin leave the cursor after the last prompt.
    let mut text = if matches!(prompter, Prompter::Stdio) && asked {
        "\n".to_owned()
    } else {
        String::new()
    };
    let _ = writeln!(text, "Temporary credentials written to profile '{target}'");
    if let Some(exp) = temp.expiration() {
        let _ = writeln!(text, "Credentials will expire at {}", utc(exp));
    }
    let _ = writeln!(
        text,
        "To use these credentials, specify --profile {target} when running AWS CLI commands"
    );
    output::out(&text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_target_is_session_device() {
        assert_eq!(
            default_target("arn:aws:iam::123456789012:mfa/MFADeviceName"),
            "session-MFADeviceName"
        );
        assert_eq!(default_target("GAHT12345678"), "session-GAHT12345678");
    }

    #[test]
    fn expiration_is_printed_in_utc() {
        let t = Timestamp::parse("2023-05-19T20:06:10+02:00").expect("timestamp");
        assert_eq!(utc(t), "2023-05-19 18:06:10 UTC");
    }
}
