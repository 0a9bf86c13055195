//! One module per command. Each returns an exit code.

pub(crate) mod configure;
pub(crate) mod configure_write;
pub(crate) mod explain;
pub(crate) mod mfa_login;
pub(crate) mod sso;
pub(crate) mod sts;

use credchain::Session;
use credchain::cache::JsonFileCache;
use credchain::os::Os;

use crate::cli::GlobalArgs;
use crate::output;

/// Exit code for a failed command (the AWS CLI's 255).
pub(crate) const EXIT_ERROR: u8 = 255;

/// Builds the session the global flags describe; with `--debug`, traces
/// the profile selection and the files it reads (paths only, no values).
pub(crate) fn session(global: &GlobalArgs) -> Session {
    let mut b = Session::builder().os(Os::real());
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
    if let Some(home) = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(std::env::home_dir)
    {
        b = b.credential_cache(std::sync::Arc::new(JsonFileCache::new(
            JsonFileCache::cli_dir(&home),
        )));
    }
    b = b.mfa_prompt(std::sync::Arc::new(sts::GetpassPrompt::new()));
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
                            "{} -> {}: {:?}",
                            file.configured,
                            file.path.display(),
                            file.status
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

/// The STS client for the command's own call: the session's settings, with
/// `--endpoint-url` on top (botocore's `create_client('sts',
/// endpoint_url=...)`). Made before anything else needs the network, so a
/// bad region or endpoint stops the command before any request (the
/// credential chain's own STS calls keep the configured endpoint).
pub(crate) fn sts_client<'s>(
    session: &'s Session,
    global: &GlobalArgs,
) -> Result<credchain::sts::client::StsClient<'s>, credchain::Error> {
    let client = session.sts_client()?;
    match &global.endpoint_url {
        Some(url) => client.with_endpoint_url(url),
        None => Ok(client),
    }
}
