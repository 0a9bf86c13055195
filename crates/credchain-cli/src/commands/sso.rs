//! `credchain sso login`, `sso status` and `sso logout` (issue 11 items 3
//! and 4). The work is in `credchain::sso::{login, manage}`; this file
//! prints, opens the browser and draws the progress indicator.

use std::fmt::Write as _;

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use credchain::sso::OidcAccess;
use credchain::sso::login::{self, LoginOptions, LoginUi};
use credchain::sso::manage::{self, SessionStatus};
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat, SsoLoginArgs};
use crate::format::{self, Query};
use crate::output;

/// `Xh YYm` (or `expired`) for a number of seconds left.
fn left(secs: Option<i64>) -> String {
    match secs {
        None => "-".into(),
        Some(s) if s <= 0 => "expired".into(),
        Some(s) => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

fn to_json(rows: &[SessionStatus]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "session": r.session,
                    "start_url": r.start_url,
                    "region": r.region,
                    "token_file": r.token_file.display().to_string(),
                    "status": r.status.as_str(),
                    "expires_at": r.expires_at,
                    "seconds_left": r.seconds_left,
                    "refreshable": r.refreshable,
                    "registration_expires_at": r.registration_expires_at,
                    "profiles": r.profiles,
                })
            })
            .collect(),
    )
}

fn to_text(rows: &[SessionStatus]) -> String {
    let header = [
        "SESSION",
        "START URL",
        "REGION",
        "STATUS",
        "EXPIRES",
        "LEFT",
        "REFRESHABLE",
        "REGISTRATION EXPIRES",
        "PROFILES",
    ];
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|s| (*s).to_owned()).collect()];
    for r in rows {
        table.push(vec![
            r.session.clone().unwrap_or_else(|| "(legacy)".into()),
            dash(&r.start_url),
            dash(&r.region),
            r.status.as_str().to_owned(),
            dash(&r.expires_at),
            left(r.seconds_left),
            if r.refreshable { "yes" } else { "no" }.to_owned(),
            dash(&r.registration_expires_at),
            if r.profiles.is_empty() {
                "-".into()
            } else {
                r.profiles.join(",")
            },
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            table
                .iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(line, "{cell:<w$}  ", w = widths[i]);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `sso status`: one row per sso-session / legacy start URL; never a token.
pub(crate) fn status(global: &GlobalArgs, query: Option<&Query>) -> u8 {
    let session = super::session(global);
    let files = match session.config_files() {
        Ok(f) => f,
        Err(e) => return super::fail(&e, &session, global),
    };
    let os = session.os();
    let rows = manage::status(files, &*os.env, &*os.fs, os.clock.now());
    let text = match (global.output, query) {
        // `--query` selects from the JSON document, then formats it (json
        // unless `--output text`), as for every command that prints JSON.
        (format, Some(q)) => match q.search(&to_json(&rows)).and_then(|v| {
            format::render(
                &v,
                format.unwrap_or(OutputFormat::Json),
                "Status",
                output::terminal_width(),
            )
        }) {
            Ok(t) => t,
            Err(e) => return super::fail_msg(&e),
        },
        (Some(OutputFormat::Json), None) => {
            let mut t = serde_json::to_string_pretty(&to_json(&rows)).unwrap_or_default();
            t.push('\n');
            t
        }
        _ if rows.is_empty() => "no sso-session or sso_start_url is configured\n".into(),
        _ => to_text(&rows),
    };
    output::out(&text);
    0
}

/// `sso logout`: as the AWS CLI v2, silent on success.
pub(crate) fn logout(global: &GlobalArgs) -> u8 {
    let session = super::session(global);
    let result = session.config_files().and_then(|files| {
        let profile = session.scoped_profile().ok().flatten();
        manage::logout(session.os(), session.network(), files, profile)
    });
    match result {
        Ok(report) => {
            for p in &report.tokens_removed {
                output::debug(global.debug, &format!("removed token {}", p.display()));
            }
            for (p, kind) in &report.logout_errors {
                output::debug(
                    global.debug,
                    &format!("Logout for {} failed ({kind}); removed anyway", p.display()),
                );
            }
            for p in &report.credentials_removed {
                output::debug(
                    global.debug,
                    &format!("removed SSO role credentials {}", p.display()),
                );
            }
            0
        }
        Err(e) => super::fail(&e, &session, global),
    }
}

/// The terminal side of a login: the AWS CLI's texts on stdout, credchain's
/// remarks and `--debug` on stderr, a spinner on stderr when it is a
/// terminal, browsers started as `BROWSER` (else `xdg-open`/`open`) says.
pub(crate) struct TerminalUi {
    debug: bool,
    spinner: bool,
    frame: AtomicUsize,
    drawn: AtomicBool,
    env: std::sync::Arc<dyn credchain::os::Env>,
}

impl TerminalUi {
    /// The UI of a login run from a command (`sso login`, `configure sso`).
    pub(crate) fn new(debug: bool, env: std::sync::Arc<dyn credchain::os::Env>) -> TerminalUi {
        TerminalUi {
            debug,
            spinner: std::io::stderr().is_terminal(),
            frame: AtomicUsize::new(0),
            drawn: AtomicBool::new(false),
            env,
        }
    }

    /// Removes the spinner line, if drawn.
    pub(crate) fn clear(&self) {
        if self.drawn.swap(false, Ordering::SeqCst) {
            output::err("\r\x1b[K");
        }
    }
}

impl LoginUi for TerminalUi {
    fn say(&self, text: &str) {
        self.clear();
        output::out(text);
    }
    fn note(&self, text: &str) {
        self.clear();
        output::err_line(text);
    }
    fn open_browser(&self, url: &str) -> Result<(), String> {
        let mut why = Vec::new();
        for argv in login::browser_commands(&*self.env, url) {
            let spawned = std::process::Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            match spawned {
                Ok(mut child) => {
                    // A browser command may run as long as the browser: reap
                    // it in the background instead of waiting.
                    std::thread::spawn(move || child.wait());
                    output::debug(self.debug, &format!("opened the browser with {}", argv[0]));
                    return Ok(());
                }
                Err(e) => why.push(format!("{}: {e}", argv[0])),
            }
        }
        Err(why.join("; "))
    }
    fn tick(&self) {
        if self.spinner {
            const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
            let i = self.frame.fetch_add(1, Ordering::SeqCst);
            output::err(&format!(
                "\r{} waiting for the authorization…",
                FRAMES[i % 4]
            ));
            self.drawn.store(true, Ordering::SeqCst);
        }
    }
    fn debug(&self, text: &str) {
        if self.debug {
            self.clear();
            output::debug(true, text);
        }
    }
}

/// `Xh YYm` left until `t`.
fn left_until(t: &credchain::time::Timestamp, now: std::time::SystemTime) -> String {
    #[allow(clippy::cast_possible_truncation)] // seconds, rounded down
    left(Some(t.seconds_after(now).floor() as i64))
}

/// `sso login`: the AWS CLI v2's, plus the login lock, the flow choice and
/// `source_profile` following (see `credchain::sso::login`).
pub(crate) fn login(global: &GlobalArgs, args: &SsoLoginArgs) -> u8 {
    let session = super::session(global);
    let files = match session.config_files() {
        Ok(f) => f,
        Err(e) => return super::fail(&e, &session, global),
    };
    let target = match &args.sso_session {
        Some(s) => login::target_for_session(files, s),
        None => login::target_for_profile(files, session.profile().effective()),
    };
    let target = match target {
        Ok(t) => t,
        Err(e) => return super::fail(&e, &session, global),
    };
    let os = session.os();
    let ui = TerminalUi::new(global.debug, os.env.clone());
    if let [first, .., last] = target.profiles.as_slice() {
        ui.note(&format!(
            "profile {first} gets its credentials through source_profile from profile {last}, \
             which uses IAM Identity Center: logging in for it"
        ));
    }
    let (flow, why) = login::choose_flow(&target, args.use_device_code, &*os.env);
    if let Some(why) = why {
        ui.note(&why);
    }
    ui.debug(&format!(
        "sso login: {} flow for {} ({} in {})",
        flow.as_str(),
        target.session.as_ref().map_or_else(
            || "a legacy sso_start_url".to_owned(),
            |s| format!("sso-session {s}")
        ),
        target.start_url,
        target.region
    ));
    let access = OidcAccess {
        os,
        net: session.network(),
        files,
        client_profile: session.scoped_profile().ok().flatten(),
    };
    let opts = LoginOptions::new(flow, !args.no_browser);
    match login::login(&access, &target, &opts, &ui) {
        Ok(outcome) => {
            ui.clear();
            if !outcome.by_this_process {
                output::err_line(&format!(
                    "another credchain sso login for {} finished while this one waited; using \
                     its token",
                    target.start_url
                ));
            }
            output::out(&format!(
                "Successfully logged into Start URL: {}\n",
                target.start_url
            ));
            output::err_line(&format!(
                "The token expires at {} ({} left); cached in {}",
                outcome.expires_at,
                left_until(&outcome.expires_at, os.clock.now()),
                outcome.token_path.display()
            ));
            0
        }
        Err(e) => {
            ui.clear();
            super::fail(&e, &session, global)
        }
    }
}
