//! `credchain sso status` and `credchain sso logout` (issue 11 item 4).
//! The work is in `credchain::sso::manage`; this file only prints.

use std::fmt::Write as _;

use credchain::sso::manage::{self, SessionStatus};
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
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
        Err(e) => return super::fail(&e, global),
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
        Err(e) => super::fail(&e, global),
    }
}
