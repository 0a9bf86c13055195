//! `configure sso`, `configure sso-session` (the AWS CLI v2's wizards,
//! `awscli.customizations.configure.sso`) and `configure sso --populate`.
//!
//! The prompts, their order, defaults and the texts printed between them
//! are the AWS CLI v2's. Where it shows an arrow-key menu (more than one
//! account or role), credchain prints a numbered list and asks for a
//! number, the account id / role name itself, or words that match one
//! entry (a long list is narrowed by typing part of a name). Prompts go where
//! `credchain configure`'s go: to the terminal, or, when stdin is not a
//! terminal, to stdout with one answer per line read from stdin, so a
//! script can drive the wizard; a prompt without an answer there
//! (end of input) writes nothing. An invalid answer is asked again on a
//! terminal and is an error for a script (a re-ask would shift every
//! later answer).
//!
//! The login is the library's (`credchain::sso::configure::token`: the
//! cached token while it has 15 minutes left, else `sso login`'s flow);
//! every write is one locked, format-preserving update of the config file.

use std::fmt::Write as _;

use credchain::config::FileKind;
use credchain::config::populate::{self, Assignment};
use credchain::config::write::{Edit, Target, WriteOptions};
use credchain::sso::OidcAccess;
use credchain::sso::client::AccountInfo;
use credchain::sso::configure as sso_configure;
use credchain::sso::login::{self, LoginOptions, LoginTarget};
use credchain::{Error, Session};

use crate::cli::{ConfigureSsoArgs, GlobalArgs};
use crate::commands::configure_write::{Prompter, update};
use crate::commands::sso::TerminalUi;
use crate::output;

/// The AWS CLI's default registration scope.
const DEFAULT_SCOPE: &str = "sso:account:access";

/// Why the wizard stopped: already reported (exit code), or a message.
enum Stop {
    Code(u8),
    Msg(String),
}

impl From<String> for Stop {
    fn from(m: String) -> Stop {
        Stop::Msg(m)
    }
}

fn finish(r: Result<u8, Stop>) -> u8 {
    match r {
        Ok(c) | Err(Stop::Code(c)) => c,
        Err(Stop::Msg(m)) => super::fail_msg(&m),
    }
}

/// An answer checker: `Err(message)` to refuse it.
type Check<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// The wizard's questions over a [`Prompter`].
struct Asker {
    prompter: Prompter,
}

impl Asker {
    fn new() -> Asker {
        Asker {
            prompter: Prompter::new(),
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(self.prompter, Prompter::Tty { .. })
    }

    /// Asks `prompt`; the answer stripped, or `current` on Enter, checked
    /// by `check` (asked again on a terminal, an error in a script).
    fn ask(
        &mut self,
        prompt: &str,
        current: Option<&str>,
        check: Option<Check<'_>>,
    ) -> Result<Option<String>, Stop> {
        loop {
            let answer = self
                .prompter
                .ask(prompt, false)
                .map_err(|e| format!("reading the answer: {e}"))?;
            let Some(answer) = answer else {
                return Err(Stop::Msg(format!(
                    "end of input at the prompt `{}`; nothing was written",
                    prompt.trim_end()
                )));
            };
            let answer = answer.trim();
            let value = if answer.is_empty() {
                current.map(str::to_owned)
            } else {
                Some(answer.to_owned())
            };
            match check.map_or(Ok(()), |c| c(value.as_deref().unwrap_or(""))) {
                Ok(()) => return Ok(value),
                Err(why) if self.is_terminal() => say(&format!("{why}\n")),
                Err(why) => return Err(Stop::Msg(format!("{}: {why}", prompt.trim_end()))),
            }
        }
    }

    /// Picks one of `items` (shown as `shown`): the only one is taken
    /// without a question by the caller; here a numbered list, then a
    /// number or the item itself.
    fn pick(
        &mut self,
        what: &str,
        item: &str,
        items: &[String],
        shown: &[String],
    ) -> Result<usize, Stop> {
        let mut list = String::new();
        for (i, s) in shown.iter().enumerate() {
            let _ = writeln!(
                list,
                "  {:>w$}) {s}",
                i + 1,
                w = items.len().to_string().len()
            );
        }
        say(&list);
        let n = items.len();
        let prompt = format!("{what} (1-{n}): ");
        let check = |a: &str| choice(a, items, shown, item).map(|_| ());
        let answer = self.ask(&prompt, None, Some(&check))?.unwrap_or_default();
        choice(&answer, items, shown, item).map_err(Stop::Msg)
    }
}

/// A message between the prompts (stdout, as the AWS CLI's `uni_print`).
fn say(text: &str) {
    output::out(text);
}

/// A list answer: a 1-based number, the item itself (`items`), or words
/// that all appear in exactly one entry as shown (any case): a long list
/// of accounts can be narrowed by typing part of a name.
fn choice(answer: &str, items: &[String], shown: &[String], item: &str) -> Result<usize, String> {
    if let Ok(i) = answer.parse::<usize>()
        && (1..=items.len()).contains(&i)
    {
        return Ok(i - 1);
    }
    if let Some(i) = items.iter().position(|x| x == answer) {
        return Ok(i);
    }
    let words: Vec<String> = answer.split_whitespace().map(str::to_lowercase).collect();
    let hits: Vec<usize> = if words.is_empty() {
        Vec::new()
    } else {
        (0..shown.len())
            .filter(|&i| {
                let s = shown[i].to_lowercase();
                words.iter().all(|w| s.contains(w.as_str()))
            })
            .collect()
    };
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "Enter a number from 1 to {}, the {item}, or part of it",
            items.len()
        )),
        many => Err(format!(
            "`{answer}` matches {}: {}",
            many.len(),
            many.iter()
                .map(|&i| format!("{}) {}", i + 1, shown[i]))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// The AWS CLI's `display_account`.
fn display_account(a: &AccountInfo) -> String {
    match (&a.account_name, &a.email_address) {
        (None, None) => a.account_id.clone(),
        (Some(n), None) => format!("{n} ({})", a.account_id),
        (None, Some(e)) => format!("{e} ({})", a.account_id),
        (Some(n), Some(e)) => format!("{n}, {e} ({})", a.account_id),
    }
}

fn required(v: &str) -> Result<(), String> {
    if v.is_empty() {
        Err("A value is required".into())
    } else {
        Ok(())
    }
}

/// The AWS CLI's `StartUrlValidator` (botocore's `is_valid_endpoint_url`).
fn start_url_ok(v: &str) -> Result<(), String> {
    if credchain::sts::endpoint::validate_endpoint_url(v).is_ok() {
        Ok(())
    } else {
        Err("Not a valid Start URL".into())
    }
}

/// The AWS CLI's `ScopesValidator`.
fn scopes_ok(v: &str) -> Result<(), String> {
    if v.split(',').any(|s| s.trim().contains(char::is_whitespace)) {
        Err("Scope values must be separated by commas".into())
    } else {
        Ok(())
    }
}

/// `[sso-session NAME]`'s settings, or none.
fn session_setting(session: &Session, name: &str, key: &str) -> Option<String> {
    let files = session.config_files().ok()?;
    files
        .sso_sessions()
        .get(name)
        .and_then(|s| s.get_str(key))
        .map(str::to_owned)
}

/// The start URL, region and scopes prompts for a new sso-session (the
/// AWS CLI's `SSOSessionConfigurationPrompter`), with `defaults` for the
/// first two.
fn ask_session_settings(
    asker: &mut Asker,
    defaults: [Option<String>; 3],
) -> Result<Vec<(&'static str, String)>, Stop> {
    let [url, region, scopes] = defaults;
    let mut out = Vec::new();
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".into());
    let start_url = asker.ask(
        &format!("SSO start URL [{}]: ", shown(&url)),
        url.as_deref(),
        Some(&start_url_ok),
    )?;
    out.push(("sso_start_url", start_url.unwrap_or_default()));
    let region_v = asker.ask(
        &format!("SSO region [{}]: ", shown(&region)),
        region.as_deref(),
        Some(&required),
    )?;
    out.push(("sso_region", region_v.unwrap_or_default()));
    let scopes = scopes.unwrap_or_else(|| DEFAULT_SCOPE.to_owned());
    let s = asker.ask(
        &format!("SSO registration scopes [{scopes}]: "),
        Some(&scopes),
        Some(&scopes_ok),
    )?;
    out.push(("sso_registration_scopes", s.unwrap_or(scopes)));
    Ok(out)
}

/// Writes `profile_values` to the profile and `session_values` to the
/// sso-session, in one locked update of the config file.
fn write(
    global: &GlobalArgs,
    session: &Session,
    profile: Option<(&str, &[(&'static str, String)])>,
    sso_session: Option<(&str, &[(&'static str, String)])>,
) -> Result<(), Stop> {
    let mut edits = Vec::new();
    if let Some((name, values)) = profile {
        for (k, v) in values {
            edits.push(Edit::Set {
                target: Target::Profile(name.to_owned()),
                key: (*k).to_owned(),
                value: v.clone(),
            });
        }
    }
    if let Some((name, values)) = sso_session {
        for (k, v) in values {
            edits.push(Edit::Set {
                target: Target::Prefixed {
                    prefix: "sso-session".into(),
                    name: name.to_owned(),
                },
                key: (*k).to_owned(),
                value: v.clone(),
            });
        }
    }
    if edits.is_empty() {
        return Ok(());
    }
    update(global, session, FileKind::Config, &edits)
        .map(|_| ())
        .map_err(|e| Stop::Msg(e.to_string()))
}

/// `configure sso-session`: the AWS CLI v2's `ConfigureSSOSessionCommand`.
pub(crate) fn sso_session(global: &GlobalArgs) -> u8 {
    finish(sso_session_run(global))
}

fn sso_session_run(global: &GlobalArgs) -> Result<u8, Stop> {
    let session = super::session(global);
    if let Err(e) = session.config_files() {
        return Err(Stop::Code(super::fail(&e, &session, global)));
    }
    let mut asker = Asker::new();
    let name = asker
        .ask("SSO session name: ", None, Some(&required))?
        .unwrap_or_default();
    let get = |k: &str| session_setting(&session, &name, k);
    let values = ask_session_settings(
        &mut asker,
        [
            get("sso_start_url"),
            get("sso_region"),
            get("sso_registration_scopes"),
        ],
    )?;
    write(global, &session, None, Some((&name, &values)))?;
    say(&format!(
        "\nCompleted configuring SSO session: {name}\nRun the following to login and refresh \
         access token for this session:\n\ncredchain sso login --sso-session {name}\n"
    ));
    Ok(0)
}

/// `configure sso`: the wizard, or `--populate`.
pub(crate) fn sso(global: &GlobalArgs, args: &ConfigureSsoArgs) -> u8 {
    if args.populate {
        return finish(populate_run(global, args));
    }
    finish(wizard(global, args))
}

/// The login to run if one is needed, and why credchain chose its flow.
fn login_options(
    target: &LoginTarget,
    args: &ConfigureSsoArgs,
    env: &dyn credchain::os::Env,
) -> (LoginOptions, Option<String>) {
    let (flow, why) = login::choose_flow(target, args.use_device_code, env);
    (LoginOptions::new(flow, !args.no_browser), why)
}

/// The AWS CLI v2's `ConfigureSSOCommand._run_main`.
fn wizard(global: &GlobalArgs, args: &ConfigureSsoArgs) -> Result<u8, Stop> {
    let session = super::session(global);
    let files = session
        .config_files()
        .map_err(|e| Stop::Code(super::fail(&e, &session, global)))?;
    let given = session.profile().name.clone().filter(|p| !p.is_empty());
    let current = given.as_deref().and_then(|p| files.profile(p));
    let cur = |k: &str| current.and_then(|p| p.get_str(k)).map(str::to_owned);
    let mut asker = Asker::new();
    let mut profile_values: Vec<(&'static str, String)> = Vec::new();
    let mut session_values: Option<(String, Vec<(&'static str, String)>)> = None;

    // SSO session name (Recommended): empty means the legacy format.
    let current_session = cur("sso_session");
    let prompt = match &current_session {
        Some(s) => format!("SSO session name [{s}]: "),
        None => "SSO session name (Recommended): ".to_owned(),
    };
    let sso_session = asker
        .ask(&prompt, current_session.as_deref(), None)?
        .filter(|s| !s.is_empty());
    let (target, force_login) = if let Some(name) = &sso_session {
        profile_values.push(("sso_session", name.clone()));
        if files.sso_sessions().get(name).is_some() {
            let t = login::target_for_session(files, name)
                .map_err(|e| Stop::Code(super::fail(&e, &session, global)))?;
            (t, false)
        } else {
            let values =
                ask_session_settings(&mut asker, [cur("sso_start_url"), cur("sso_region"), None])?;
            let get = |k: &str| {
                values
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let t = LoginTarget {
                profiles: Vec::new(),
                session: Some(name.clone()),
                start_url: get("sso_start_url"),
                region: get("sso_region"),
                scopes: Some(login::parse_scopes(&get("sso_registration_scopes"))),
                login_flow: None,
            };
            session_values = Some((name.clone(), values));
            // A new session always logs in (the AWS CLI's force_refresh).
            (t, true)
        }
    } else {
        say(
            "WARNING: Configuring using legacy format (e.g. without an SSO session).\n\
             Consider re-running \"configure sso\" command and providing a session name.\n",
        );
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".into());
        let (url, region) = (cur("sso_start_url"), cur("sso_region"));
        let start_url = asker
            .ask(
                &format!("SSO start URL [{}]: ", shown(&url)),
                url.as_deref(),
                Some(&start_url_ok),
            )?
            .unwrap_or_default();
        let sso_region = asker
            .ask(
                &format!("SSO region [{}]: ", shown(&region)),
                region.as_deref(),
                Some(&required),
            )?
            .unwrap_or_default();
        profile_values.push(("sso_start_url", start_url.clone()));
        profile_values.push(("sso_region", sso_region.clone()));
        let t = LoginTarget {
            profiles: Vec::new(),
            session: None,
            start_url,
            region: sso_region,
            scopes: None,
            login_flow: None,
        };
        (t, false)
    };

    // Log in (or reuse a valid cached token), then list.
    let os = session.os();
    let ui = TerminalUi::new(global.debug, os.env.clone());
    let (opts, why) = login_options(&target, args, &*os.env);
    let access = wizard_access(&session, files);
    let token = sso_configure::token(&access, &target, force_login, &opts, why.as_deref(), &ui)
        .map_err(|e| {
            ui.clear();
            Stop::Code(super::fail(&e, &session, global))
        })?;
    ui.clear();
    let portal = sso_configure::portal(&access, &target.region)
        .map_err(|e| Stop::Code(super::fail(&e, &session, global)))?;
    let picked = pick_account_and_role(&mut asker, &portal, &token.token)
        .map_err(|e| Stop::Code(super::fail(&e, &session, global)))?;
    let picked = match picked {
        Picked::Both(account, role) => {
            profile_values.push(("sso_account_id", account.clone()));
            profile_values.push(("sso_role_name", role.clone()));
            Some((account, role))
        }
        Picked::Stopped(code) => return Err(Stop::Code(code)),
        Picked::Unauthorized => None,
    };

    // General CLI configuration.
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".into());
    for (key, text) in [
        ("region", "CLI default client Region"),
        ("output", "CLI default output format"),
    ] {
        let c = cur(key);
        if let Some(v) = asker
            .ask(&format!("{text} [{}]: ", shown(&c)), c.as_deref(), None)?
            .filter(|v| !v.is_empty())
        {
            profile_values.push((key, v));
        }
    }
    let profile = if let Some(p) = given {
        p
    } else {
        let default = picked.as_ref().map(|(a, r)| format!("{r}-{a}"));
        asker
            .ask(
                &format!("CLI profile name [{}]: ", shown(&default)),
                default.as_deref(),
                Some(&required),
            )?
            .unwrap_or_default()
    };
    write(
        global,
        &session,
        Some((&profile, &profile_values)),
        session_values
            .as_ref()
            .map(|(n, v)| (n.as_str(), v.as_slice())),
    )?;
    if picked.is_some() {
        say(&format!(
            "\nTo use this profile, specify the profile name using --profile, as shown:\n\n\
             aws s3 ls --profile {profile}\n"
        ));
    } else {
        say(&format!(
            "Successfully configured SSO for profile: {profile}\n"
        ));
    }
    Ok(0)
}

enum Picked {
    Both(String, String),
    /// `UnauthorizedException` while listing: the AWS CLI goes on without
    /// an account and role.
    Unauthorized,
    /// Reported and stopped (exit code).
    Stopped(u8),
}

fn unauthorized(e: &Error) -> bool {
    matches!(e, Error::SsoService { code, .. } if code == "UnauthorizedException")
}

/// The AWS CLI's `_prompt_for_sso_account_and_role`.
fn pick_account_and_role(
    asker: &mut Asker,
    portal: &credchain::sso::client::SsoClient<'_>,
    token: &credchain::sso::AccessToken,
) -> Result<Picked, Error> {
    let accounts = match portal.list_accounts(token.expose()) {
        Ok(a) => a,
        Err(e) if unauthorized(&e) => return Ok(skip_unauthorized()),
        Err(e) => return Err(e),
    };
    if accounts.is_empty() {
        return Ok(Picked::Stopped(super::fail_msg(
            "No AWS accounts are available to you.",
        )));
    }
    let account = if let [only] = accounts.as_slice() {
        say(&format!(
            "The only AWS account available to you is: {}\n",
            only.account_id
        ));
        only.account_id.clone()
    } else {
        say(&format!(
            "There are {} AWS accounts available to you.\n",
            accounts.len()
        ));
        let ids: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
        let shown: Vec<String> = accounts.iter().map(display_account).collect();
        match asker.pick("Account", "account ID", &ids, &shown) {
            Ok(i) => ids[i].clone(),
            Err(s) => return Ok(Picked::Stopped(finish(Err(s)))),
        }
    };
    say(&format!("Using the account ID {account}\n"));
    let roles = match portal.list_account_roles(token.expose(), &account) {
        Ok(r) => r,
        Err(e) if unauthorized(&e) => return Ok(skip_unauthorized()),
        Err(e) => return Err(e),
    };
    if roles.is_empty() {
        return Ok(Picked::Stopped(super::fail_msg(&format!(
            "No roles are available for the account {account}"
        ))));
    }
    let role = if let [only] = roles.as_slice() {
        say(&format!("The only role available to you is: {only}\n"));
        only.clone()
    } else {
        say(&format!(
            "There are {} roles available to you.\n",
            roles.len()
        ));
        match asker.pick("Role", "role name", &roles, &roles) {
            Ok(i) => roles[i].clone(),
            Err(s) => return Ok(Picked::Stopped(finish(Err(s)))),
        }
    };
    say(&format!("Using the role name \"{role}\"\n"));
    Ok(Picked::Both(account, role))
}

fn skip_unauthorized() -> Picked {
    say(
        "Unable to list AWS accounts and/or roles. Skipping configuring AWS credential provider \
         for profile.\n",
    );
    Picked::Unauthorized
}

/// `configure sso --populate --sso-session S`.
fn populate_run(global: &GlobalArgs, args: &ConfigureSsoArgs) -> Result<u8, Stop> {
    let name = args.sso_session.clone().unwrap_or_default();
    let template = args
        .profile_template
        .clone()
        .unwrap_or_else(|| populate::DEFAULT_TEMPLATE.to_owned());
    populate::check_template(&template).map_err(|e| e.to_string())?;
    if let Some(r) = &global.region
        && (r.trim().is_empty() || r.contains(['\n', '\r']))
    {
        return Err(Stop::Msg(format!("--region {r:?} is not a region")));
    }
    let session = super::session(global);
    let files = session
        .config_files()
        .map_err(|e| Stop::Code(super::fail(&e, &session, global)))?;
    let target = login::target_for_session(files, &name)
        .map_err(|e| Stop::Code(super::fail(&e, &session, global)))?;
    let os = session.os();
    let ui = TerminalUi::new(global.debug, os.env.clone());
    let (opts, why) = login_options(&target, args, &*os.env);
    let access = wizard_access(&session, files);
    let fail = |e: &Error| Stop::Code(super::fail(e, &session, global));
    let token =
        sso_configure::token(&access, &target, false, &opts, why.as_deref(), &ui).map_err(|e| {
            ui.clear();
            fail(&e)
        })?;
    ui.clear();
    let portal = sso_configure::portal(&access, &target.region).map_err(|e| fail(&e))?;
    let list: Vec<Assignment> =
        sso_configure::assignments(&portal, &token.token).map_err(|e| fail(&e))?;
    output::debug(
        global.debug,
        &format!(
            "{} account/role pairs listed for sso-session {name}",
            list.len()
        ),
    );
    if list.is_empty() {
        // As the wizard; and an empty listing must never prune everything.
        return Err(Stop::Msg(
            "No AWS accounts are available to you (no account has a role for this sign-in); \
             nothing was changed."
                .into(),
        ));
    }
    // Profiles of the credentials file are hand-written too.
    let reserved: Vec<String> = files
        .credential_sections()
        .keys()
        .map(str::to_owned)
        .collect();
    let popts = populate::Options {
        sso_session: &name,
        template: &template,
        region: global.region.as_deref(),
        prune: args.prune,
        reserved: &reserved,
    };
    let writer = credchain::config::write::ConfigWriter::new(&*os.env, &*os.fs);
    let report = if args.dry_run {
        let old = writer
            .current_text(FileKind::Config)
            .map_err(|e| e.to_string())?;
        let mut doc = populate::Document::parse(&old);
        let report = populate::apply(&mut doc, &list, &popts)
            .map_err(|e| format!("{}: {e}", writer.path(FileKind::Config).display()))?;
        let new = doc.to_string();
        let path = writer.path(FileKind::Config).display().to_string();
        output::out(&unified_diff(&old, &new, &path));
        report
    } else {
        let mut report = populate::Report::default();
        let notice = |s: &str| output::err_line(s);
        let wopts = WriteOptions {
            lock_timeout: super::configure_write::lock_timeout(&session),
            notice: &notice,
            ..WriteOptions::default()
        };
        let written = writer
            .update_using(FileKind::Config, &wopts, &mut |doc| {
                report = populate::apply(doc, &list, &popts)?;
                Ok(report.changed())
            })
            .map_err(|e| e.to_string())?;
        output::debug(global.debug, &written.describe());
        report
    };
    print_report(&report, args, &name);
    Ok(0)
}

/// `--dry-run`'s output: a unified diff (3 lines of context) of the config
/// file, empty when nothing would change.
fn unified_diff(old: &str, new: &str, path: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}

/// One line per change on stderr, then the totals (stdout stays the
/// diff's with `--dry-run`).
fn print_report(r: &populate::Report, args: &ConfigureSsoArgs, session: &str) {
    let would = if args.dry_run { "would be " } else { "" };
    for p in &r.created {
        output::err_line(&format!("{would}created: profile {p}"));
    }
    for p in &r.updated {
        output::err_line(&format!("{would}updated: profile {p}"));
    }
    for p in &r.pruned {
        output::err_line(&format!("{would}removed: profile {p}"));
    }
    for p in &r.stale {
        output::err_line(&format!(
            "note: profile {p} was generated for sso-session {session} but its account or role \
             is no longer listed; --prune removes it"
        ));
    }
    for c in &r.conflicts {
        output::err_line(&format!("warning: {c}"));
    }
    output::err_line(&format!(
        "{} profile(s) {would}created, {} {would}updated, {} unchanged, {} {would}removed, {} \
         conflict(s)",
        r.created.len(),
        r.updated.len(),
        r.unchanged.len(),
        r.pruned.len(),
        r.conflicts.len()
    ));
}

/// The SSO-OIDC access of the `configure sso` wizards: the AWS CLI v2 builds
/// their clients with the `default` profile's endpoint and retry settings,
/// whichever profile is being configured.
fn wizard_access<'a>(
    session: &'a Session,
    files: &'a credchain::config::ConfigFiles,
) -> OidcAccess<'a> {
    OidcAccess {
        os: session.os(),
        net: session.network(),
        files,
        client_profile: files.profile("default"),
    }
}
