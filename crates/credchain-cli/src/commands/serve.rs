//! `credchain serve`: the resolved credentials on a loopback ECS container
//! endpoint (or IMDSv2), refreshed before they expire
//! ([`credchain::serve`] does the protocol work).

use std::fmt::Write as _;
use std::sync::Arc;

use clap::Args;
use credchain::serve::{CredentialServer, Protocol, ServeOptions};
use credchain::{Method, RefreshableCredentials, Session};

use crate::cli::GlobalArgs;
use crate::output;

/// `credchain serve` flags.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Listen on this port of 127.0.0.1 (default: a free one).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) port: u16,
    /// Speak IMDSv2 (EC2 instance metadata) instead of the ECS container
    /// protocol. IMDS has no secret: any local process can read it.
    #[arg(long)]
    pub(crate) imds: bool,
}

/// The session's live credentials, fetched once now so that a failure is
/// reported before anything is served (or run): an exit code on failure,
/// after the error was reported.
pub(crate) fn live_credentials(
    session: &Session,
    global: &GlobalArgs,
) -> Result<RefreshableCredentials, u8> {
    let creds = match session.credentials() {
        Ok(Some(c)) => c,
        Ok(None) => return Err(super::no_credentials()),
        Err(e) => return Err(super::fail(&e, session, global)),
    };
    // Deferred sets (assume-role, SSO, web identity) are fetched here.
    if let Err(e) = creds.get_frozen_credentials() {
        return Err(super::fail(&e, session, global));
    }
    Ok(creds)
}

/// The role the credentials are for, when the configuration says: an
/// assume-role profile's `role_arn`, or web identity's (`AWS_ROLE_ARN`
/// first, as botocore reads it).
pub(crate) fn role_arn(session: &Session, method: Method) -> Option<String> {
    let from_profile = || {
        session
            .scoped_profile()
            .ok()
            .flatten()
            .and_then(|p| p.get("role_arn"))
            .and_then(|s| s.value.as_str().map(str::to_owned))
    };
    match method {
        Method::AssumeRole => from_profile(),
        Method::AssumeRoleWithWebIdentity => session
            .os()
            .env
            .get(credchain::env_vars::AWS_ROLE_ARN)
            .or_else(from_profile),
        _ => None,
    }
}

/// Binds the endpoint for `creds`, with the `--debug` request log.
pub(crate) fn bind(
    session: &Session,
    global: &GlobalArgs,
    creds: RefreshableCredentials,
    protocol: Protocol,
    port: u16,
) -> Result<CredentialServer, u8> {
    let log: Option<credchain::serve::LogSink> = if global.debug {
        Some(Arc::new(|line: &str| {
            output::debug(true, &format!("serve: {line}"));
        }))
    } else {
        None
    };
    let options = ServeOptions {
        port,
        role_arn: role_arn(session, creds.method()),
        log,
        clock: Arc::clone(&session.os().clock),
        ..ServeOptions::default()
    };
    CredentialServer::bind(protocol, creds, options).map_err(|e| super::fail(&e, session, global))
}

/// `credchain serve`.
pub(crate) fn run(global: &GlobalArgs, args: &ServeArgs) -> u8 {
    let session = super::session(global);
    let creds = match live_credentials(&session, global) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let method = creds.method();
    let protocol = if args.imds {
        Protocol::Imds
    } else {
        Protocol::Container
    };
    let server = match bind(&session, global, creds, protocol, args.port) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Catch the stop signals before the variables are printed, so a
    // caller that reads them and stops us at once gets a clean exit.
    let mut signals = match stop_signals() {
        Ok(s) => s,
        Err(e) => return super::fail_msg(&format!("cannot catch SIGINT/SIGTERM: {e}")),
    };
    output::debug(
        global.debug,
        &format!(
            "serving {} credentials on 127.0.0.1:{} ({})",
            method,
            server.port(),
            if args.imds { "IMDSv2" } else { "ECS container" }
        ),
    );
    // stdout holds the bearer token: the only place it is ever written.
    let mut lines = String::new();
    for (name, value) in server.env_vars() {
        let _ = writeln!(lines, "{name}={value}");
    }
    // Nobody can use an endpoint whose variables were never read. A
    // failed write is reported by `main` (as for every command); a closed
    // pipe here is an error too.
    if !output::out(&lines) {
        if output::stdout_error().is_some() {
            return super::EXIT_ERROR;
        }
        return super::fail_msg("stdout is closed: nobody can read the endpoint's variables");
    }
    if args.imds {
        output::err_line(
            "warning: IMDS has no client secret: every local user and process that can reach \
             this port can read these credentials",
        );
    }
    let running = server.spawn();
    wait_for_stop(&mut signals);
    running.stop();
    0
}

#[cfg(unix)]
type StopSignals = signal_hook::iterator::Signals;

#[cfg(unix)]
fn stop_signals() -> std::io::Result<StopSignals> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    super::interrupt::handled_by_command();
    signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
}

#[cfg(unix)]
fn wait_for_stop(signals: &mut StopSignals) {
    let _ = signals.forever().next();
}

#[cfg(not(unix))]
type StopSignals = ();

#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)]
fn stop_signals() -> std::io::Result<StopSignals> {
    Ok(())
}

#[cfg(not(unix))]
fn wait_for_stop((): &mut StopSignals) {
    // Ctrl-C ends the process (the default handler).
    loop {
        std::thread::park();
    }
}
