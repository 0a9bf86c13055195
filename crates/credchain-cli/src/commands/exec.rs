//! `credchain exec`: run a command with the resolved credentials, as
//! aws-vault's `exec` and granted's `assume --exec` do.
//!
//! Without `--serve` the keys go into the child's environment and, on
//! Unix, credchain *becomes* the command (`execvp`): signals reach it
//! directly and its exit status is credchain's, with nothing in between.
//! With `--serve` credchain stays as the parent: it serves refreshed
//! credentials to the child on a private loopback container endpoint
//! (the token only in the child's environment), forwards SIGINT, SIGTERM
//! and SIGHUP to it, and exits with its status (128 + the signal when a
//! signal killed it, as shells report it).

use std::ffi::OsString;
use std::process::Command;

use clap::Args;
use credchain::container::{
    AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
};
use credchain::env_vars as ev;
use credchain::serve::Protocol;
use credchain::{Credentials, Session};

use crate::cli::GlobalArgs;
use crate::output;

/// `credchain exec` flags.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// Run even inside another `credchain exec` (`CREDCHAIN_PROFILE` set).
    #[arg(long)]
    pub(crate) no_nest_check: bool,
    /// Serve refreshed credentials to the command from a private loopback
    /// endpoint (ECS container protocol) instead of putting keys in its
    /// environment: for jobs that outlive the credentials.
    #[arg(long)]
    pub(crate) serve: bool,
    /// The command and its arguments (default: `$SHELL`); everything after
    /// it is the command's. Put `--` before a command that starts with `-`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub(crate) command: Vec<OsString>,
}

/// Exit codes for a command that cannot be started, as `env`, `nohup` and
/// shells use them.
const EXIT_NOT_FOUND: u8 = 127;
const EXIT_NOT_EXECUTABLE: u8 = 126;

/// Variables that would make the child's SDK pick other credentials than
/// the ones given here: removed before the child starts.
const STALE_CREDENTIAL_VARS: [&str; 10] = [
    ev::AWS_ACCESS_KEY_ID,
    ev::AWS_SECRET_ACCESS_KEY,
    ev::AWS_SESSION_TOKEN,
    ev::AWS_SECURITY_TOKEN,
    ev::AWS_CREDENTIAL_EXPIRATION,
    ev::AWS_ACCOUNT_ID,
    ev::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
    ev::AWS_CONTAINER_CREDENTIALS_FULL_URI,
    AWS_CONTAINER_AUTHORIZATION_TOKEN,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
];

/// `credchain exec`.
pub(crate) fn run(global: &GlobalArgs, args: &ExecArgs) -> u8 {
    if !args.no_nest_check
        && let Some(outer) = std::env::var_os(ev::CREDCHAIN_PROFILE)
    {
        return super::fail_msg(&format!(
            "already inside `credchain exec` for profile {} ({} is set); exit that shell \
             first, or pass --no-nest-check to run anyway",
            outer.to_string_lossy(),
            ev::CREDCHAIN_PROFILE
        ));
    }
    let session = super::session(global);
    let region = match session.region_name() {
        Ok(r) => r.map(|(r, _)| r),
        Err(e) => return super::fail(&e, &session, global),
    };
    let (program, rest) = match args.command.split_first() {
        Some((p, rest)) => (p.clone(), rest.to_vec()),
        None => (
            std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| OsString::from("/bin/sh")),
            Vec::new(),
        ),
    };
    let mut cmd = Command::new(&program);
    cmd.args(&rest);
    for var in STALE_CREDENTIAL_VARS {
        cmd.env_remove(var);
    }
    // The child resolves exactly these credentials: no profile of its own
    // (a profile would make botocore skip the environment keys).
    cmd.env_remove(ev::AWS_PROFILE)
        .env_remove(ev::AWS_DEFAULT_PROFILE)
        .env(ev::CREDCHAIN_PROFILE, session.profile().effective());
    if let Some(r) = &region {
        cmd.env(ev::AWS_REGION, r).env(ev::AWS_DEFAULT_REGION, r);
    }
    if args.serve {
        serve_child(&session, global, cmd, &program)
    } else {
        let creds = match session.get_credentials() {
            Ok(Some(c)) => c,
            Ok(None) => return super::no_credentials(),
            Err(e) => return super::fail(&e, &session, global),
        };
        set_keys(&mut cmd, &creds);
        output::debug(
            global.debug,
            &format!(
                "exec {} with {} credentials ({})",
                program.to_string_lossy(),
                creds.method(),
                creds.access_key_id()
            ),
        );
        replace_process(cmd, &program)
    }
}

/// The keys as botocore's env provider reads them (P-ENV-1/2).
fn set_keys(cmd: &mut Command, c: &Credentials) {
    cmd.env(ev::AWS_ACCESS_KEY_ID, c.access_key_id())
        .env(ev::AWS_SECRET_ACCESS_KEY, c.secret_access_key().expose());
    if let Some(t) = c.session_token() {
        cmd.env(ev::AWS_SESSION_TOKEN, t.expose());
    }
    // The AWS CLI v2 `export-credentials --format env` spelling.
    if let Some(e) = c.expiration() {
        cmd.env(ev::AWS_CREDENTIAL_EXPIRATION, e.to_string());
    }
    if let Some(a) = c.account_id() {
        cmd.env(ev::AWS_ACCOUNT_ID, a);
    }
}

/// Why `program` could not be started, and the exit code for it.
fn spawn_failure(program: &OsString, e: &std::io::Error) -> u8 {
    output::err_line(&format!(
        "error: cannot run `{}`: {e}",
        program.to_string_lossy()
    ));
    match e.kind() {
        std::io::ErrorKind::NotFound => EXIT_NOT_FOUND,
        std::io::ErrorKind::PermissionDenied => EXIT_NOT_EXECUTABLE,
        _ => super::EXIT_ERROR,
    }
}

/// Becomes the command (Unix `execvp`): its signals and exit status are
/// ours with nothing in between. Returns only when it cannot start.
#[cfg(unix)]
fn replace_process(mut cmd: Command, program: &OsString) -> u8 {
    use std::os::unix::process::CommandExt as _;
    let e = cmd.exec();
    spawn_failure(program, &e)
}

#[cfg(not(unix))]
fn replace_process(mut cmd: Command, program: &OsString) -> u8 {
    match cmd.status() {
        Ok(s) => s.code().map_or(super::EXIT_ERROR, |c| (c & 0xff) as u8),
        Err(e) => spawn_failure(program, &e),
    }
}

/// `exec --serve`: a private container endpoint for the child, signals
/// forwarded, the child's status returned.
fn serve_child(session: &Session, global: &GlobalArgs, mut cmd: Command, program: &OsString) -> u8 {
    let creds = match super::serve::live_credentials(session, global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    warn_if_shadowed(session);
    let server = match super::serve::bind(session, global, creds, Protocol::Container, 0) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // The token goes to the child through its environment only.
    for (name, value) in server.env_vars() {
        cmd.env(name, value);
    }
    output::debug(
        global.debug,
        &format!(
            "exec {} against 127.0.0.1:{}",
            program.to_string_lossy(),
            server.port()
        ),
    );
    let _running = server.spawn();
    run_forwarding_signals(cmd, program)
}

/// The child's SDK walks botocore's chain, where the container endpoint
/// comes after the files: a `[default]` profile with credentials of its
/// own wins over it. Said once, on stderr.
fn warn_if_shadowed(session: &Session) {
    const OWN_CREDENTIALS: [&str; 6] = [
        "aws_access_key_id",
        "role_arn",
        "web_identity_token_file",
        "sso_session",
        "sso_start_url",
        "credential_process",
    ];
    let Ok(files) = session.config_files() else {
        return;
    };
    let shadowed = files
        .profile("default")
        .is_some_and(|p| OWN_CREDENTIALS.iter().any(|k| p.get(k).is_some()))
        || session
            .os()
            .env
            .get(ev::AWS_WEB_IDENTITY_TOKEN_FILE)
            .is_some();
    if shadowed {
        output::err_line(
            "warning: the command's AWS SDK will use the credentials of the `default` profile \
             (or AWS_WEB_IDENTITY_TOKEN_FILE), which come before the container endpoint in its \
             credential chain; run it without --serve to pass keys directly",
        );
    }
}

/// Starts the child, forwards SIGINT/SIGTERM/SIGHUP to it until it ends,
/// and returns its status (128 + signal when a signal killed it).
#[cfg(unix)]
fn run_forwarding_signals(mut cmd: Command, program: &OsString) -> u8 {
    use std::os::unix::process::ExitStatusExt as _;

    use rustix::process::{Pid, Signal, kill_process};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::SignalsInfo;
    use signal_hook::iterator::exfiltrator::WithOrigin;
    use signal_hook::low_level::siginfo::Cause;

    // Caught before the child exists, so no signal in between kills us
    // and orphans it; what arrives early is forwarded once it runs.
    super::interrupt::handled_by_command();
    let mut signals = match SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(s) => s,
        Err(e) => return super::fail_msg(&format!("cannot catch signals: {e}")),
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return spawn_failure(program, &e),
    };
    let handle = signals.handle();
    let pid = i32::try_from(child.id()).ok().and_then(Pid::from_raw);
    let forwarder = std::thread::spawn(move || {
        for origin in signals.forever() {
            // The kernel sends a terminal's Ctrl-C (SIGINT) and hang-up
            // (SIGHUP) to the whole foreground process group, the child
            // included: forwarding those too would deliver them twice.
            if matches!(origin.cause, Cause::Kernel) {
                continue;
            }
            if let (Some(pid), Some(sig)) = (pid, Signal::from_named_raw(origin.signal)) {
                let _ = kill_process(pid, sig);
            }
        }
    });
    let status = child.wait();
    handle.close();
    let _ = forwarder.join();
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(super::EXIT_ERROR),
            (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(super::EXIT_ERROR),
            (None, None) => super::EXIT_ERROR,
        },
        Err(e) => super::fail_msg(&format!("waiting for `{}`: {e}", program.to_string_lossy())),
    }
}

#[cfg(not(unix))]
fn run_forwarding_signals(mut cmd: Command, program: &OsString) -> u8 {
    match cmd.status() {
        Ok(s) => s.code().map_or(super::EXIT_ERROR, |c| (c & 0xff) as u8),
        Err(e) => spawn_failure(program, &e),
    }
}
