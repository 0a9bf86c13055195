//! One module per command. Each returns an exit code.

pub(crate) mod configure;
pub(crate) mod configure_sso;
pub(crate) mod configure_write;
pub(crate) mod exec;
pub(crate) mod explain;
pub(crate) mod interrupt;
pub(crate) mod mfa_login;
pub(crate) mod serve;
pub(crate) mod sso;
pub(crate) mod sts;

use credchain::cache::JsonFileCache;
use credchain::os::Os;
use credchain::{Error, Session};

use crate::cli::GlobalArgs;
use crate::output;

/// Exit code for a failed command (the AWS CLI's 255).
pub(crate) const EXIT_ERROR: u8 = 255;

/// The one voice every command fails in: `error: <what happened>` on
/// stderr, then `hint: <what to do next>` where there is an obvious next
/// step. Every failure of every command goes through here (or
/// [`fail_msg`]), so one cause reads the same everywhere. `session` is the
/// command's own: a hint that needs the config files (the profiles a
/// missing one could have meant) reuses the files it loaded.
pub(crate) fn fail(e: &Error, session: &Session, global: &GlobalArgs) -> u8 {
    // trim_end: a `credential_process` error is the helper's stderr,
    // final newline included.
    output::err_line(&format!("error: {}", e.to_string().trim_end()));
    if let Some(h) = hint(e, session, global) {
        output::err_line(&format!("hint: {h}"));
    }
    EXIT_ERROR
}

/// [`fail`] for a failure that is not a library error.
pub(crate) fn fail_msg(message: &str) -> u8 {
    output::err_line(&format!("error: {message}"));
    EXIT_ERROR
}

/// The chain found nothing: the AWS CLI's sentence, with our command.
pub(crate) fn no_credentials() -> u8 {
    fail_msg(NO_CREDENTIALS)
}

/// What `aws` says when no provider found credentials, with our command.
pub(crate) const NO_CREDENTIALS: &str = "Unable to locate credentials. You can configure \
     credentials by running \"credchain configure\".";

/// The next step for errors that have an obvious one.
pub(crate) fn hint(e: &Error, session: &Session, global: &GlobalArgs) -> Option<String> {
    let profile = global
        .profile
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let section = if profile == "default" {
        "[default]".to_owned()
    } else {
        format!("[profile {profile}]")
    };
    match e.kind() {
        "NoRegionError" => Some(format!(
            "add `region = us-east-1` (your region) to `{section}` in ~/.aws/config, \
             or pass --region"
        )),
        "ProfileNotFound" => {
            let missing = match e {
                Error::ProfileNotFound { profile } => profile.as_str(),
                _ => profile.as_str(),
            };
            Some(format!(
                "{} `credchain configure --profile {missing}` creates it.",
                profiles_help(session, missing)
            ))
        }
        "NoCredentialsError" | "PartialCredentialsError" => Some(format!(
            "run `credchain configure{}` to store access keys, or `credchain explain` \
             to see what each source found",
            if profile == "default" {
                String::new()
            } else {
                format!(" --profile {profile}")
            }
        )),
        "ConfigParseError" => Some("fix the named line; nothing was changed".to_owned()),
        _ => None,
    }
}

/// Builds the session the global flags describe; with `--debug`, traces
/// the profile selection and the files it reads (paths only, no values).
pub(crate) fn session(global: &GlobalArgs) -> Session {
    session_with_cache(global, true)
}

/// [`session`], with or without the AWS CLI's file cache for assumed-role
/// and web-identity answers (`explain --no-cache`: as a boto3 program).
pub(crate) fn session_with_cache(global: &GlobalArgs, file_cache: bool) -> Session {
    session_on(global, file_cache, Os::real())
}

/// [`session_with_cache`] against `os` (the real one with variables set
/// for child processes: `configure export-credentials`).
pub(crate) fn session_on(global: &GlobalArgs, file_cache: bool, os: Os) -> Session {
    let mut b = Session::builder().os(os);
    // The AWS CLI sets the profile only `if args.profile:`, so an empty
    // `--profile ''` selects nothing and the env/default profile applies.
    if let Some(p) = global.profile.as_ref().filter(|p| !p.is_empty()) {
        b = b.profile_name(p.clone());
    }
    if let Some(r) = &global.region {
        b = b.region_name(r.clone());
    }
    // As the AWS CLI: assumed-role and web-identity answers are cached in
    // `~/.aws/cli/cache` (P-AR-8), and MFA codes are asked with getpass.
    if file_cache
        && let Some(home) = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(std::env::home_dir)
    {
        // A process that waits for another's STS / SSO / credential_process
        // fetch of the same entry says so (one line on stderr), as a
        // waiting `configure set` does.
        b = b.credential_cache(std::sync::Arc::new(
            JsonFileCache::new(JsonFileCache::cli_dir(&home)).with_wait_notice(output::err_line),
        ));
    }
    // botocore's getpass prompt on the terminal; from a pipe, one line of
    // stdin (scripted use, as the CLI's other prompts). Ctrl-C at it puts
    // echo back, as getpass's `finally`.
    b = b.mfa_prompt(std::sync::Arc::new(interrupt::MfaPrompt(
        credchain::sts::client::TerminalMfaPrompt::new().scripted_stdin(),
    )));
    let session = b.build();
    if global.debug {
        let sel = session.profile();
        output::debug(
            true,
            &format!("profile {} (from {})", sel.effective(), sel.source_name()),
        );
        for note in &sel.ignored {
            output::debug(true, note);
        }
        match session.config_files() {
            Ok(f) => {
                for file in [&f.config, &f.credentials] {
                    output::debug(
                        true,
                        &format!(
                            "{} -> {}: {}",
                            file.configured,
                            file.path.display(),
                            file_status(&file.status)
                        ),
                    );
                }
            }
            Err(e) => output::debug(true, &format!("loading files failed: {}", e.kind())),
        }
    }
    session
}

/// The AWS CLI's check of `--endpoint-url` (awscli `globalargs.py`
/// `_resolve_endpoint_url`), made for every command before it runs: a value
/// without a scheme (`127.0.0.1:5005`) is refused with its message, so no
/// request is ever sent to a URL the user did not spell out. A value with a
/// scheme but no valid host (`localhost:5005`, whose "scheme" is
/// `localhost`) passes here and is refused by the client, as botocore's
/// `Invalid endpoint` does.
pub(crate) fn check_global_args(global: &GlobalArgs) -> Result<(), String> {
    if let Some(url) = &global.endpoint_url
        && credchain::http::UrlParts::split(url).scheme.is_empty()
    {
        return Err(format!(
            "Bad value for --endpoint-url \"{url}\": scheme is missing.  Must be of the form \
             http://<hostname>/ or https://<hostname>/"
        ));
    }
    Ok(())
}

/// "did you mean `dev`? Known profiles: a, b, c." for a profile that does
/// not exist: the nearest name botocore knows (edit distance at most a
/// third of the name, at least 2), then all of them.
pub(crate) fn profiles_help(session: &Session, wanted: &str) -> String {
    let names = session.available_profiles().unwrap_or_default();
    if names.is_empty() {
        return "No profiles are configured.".to_owned();
    }
    let limit = (wanted.chars().count() / 3).max(2);
    let nearest = names
        .iter()
        .map(|n| (edit_distance(&n.to_lowercase(), &wanted.to_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d);
    let known = format!("Known profiles: {}.", names.join(", "));
    match nearest {
        Some((_, n)) => format!("Did you mean `{n}`? {known}"),
        None => known,
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The STS client for a command's own call, with the AWS CLI's
/// `--endpoint-url`, `--ca-bundle`, `--cli-connect-timeout` and
/// `--cli-read-timeout` and `--no-verify-ssl` applied.
pub(crate) fn own_sts_client<'a>(
    session: &'a Session,
    global: &GlobalArgs,
) -> Result<credchain::sts::client::StsClient<'a>, Error> {
    let mut c = session.sts_client()?;
    if let Some(url) = &global.endpoint_url {
        c = c.with_endpoint_url(url)?;
    }
    if let Some(path) = &global.ca_bundle {
        c = c.with_ca_bundle(path);
    }
    if global.no_verify_ssl {
        // As urllib3's InsecureRequestWarning under the AWS CLI: said once,
        // on stderr, for this command's own call (the credential chain's
        // STS calls keep their checks).
        output::err_line(
            "warning: --no-verify-ssl: the certificate of the STS endpoint is not checked; \
             anyone on the network path can read and change this request",
        );
        c = c.without_certificate_checks();
    }
    Ok(c.with_timeouts(global.cli_connect_timeout, global.cli_read_timeout))
}

/// A config file's state in words (for `--debug`).
fn file_status(s: &credchain::config::FileStatus) -> String {
    use credchain::config::FileStatus;
    match s {
        FileStatus::Missing => "missing".to_owned(),
        FileStatus::NotAFile => "not a regular file (ignored)".to_owned(),
        FileStatus::Unreadable(why) => format!("unreadable, treated as empty ({why})"),
        FileStatus::Loaded => "loaded".to_owned(),
    }
}
