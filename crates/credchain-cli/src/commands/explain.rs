//! `credchain explain`: the whole chain, step by step.

use std::fmt::Write as _;

use credchain::session::{ProfileSelection, Resolution};
use credchain::{Method, Session, StepOutcome};
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::format::{self, Query};
use crate::output;

fn profile_line(p: &ProfileSelection) -> String {
    match &p.name {
        Some(n) => format!("profile: {n} (from {})", p.source_name()),
        None => "profile: default (none named)".to_owned(),
    }
}

/// The JSON document of the `explain --output json` contract.
pub(crate) fn to_json(r: &Resolution, extra_notes: &[String]) -> Value {
    let steps: Vec<Value> = r
        .steps
        .iter()
        .map(|s| {
            json!({
                "provider": s.provider.as_str(),
                "outcome": s.outcome.as_str(),
                "detail": s.detail,
            })
        })
        .collect();
    let notes: Vec<&str> = r
        .profile
        .ignored
        .iter()
        .chain(extra_notes)
        .map(String::as_str)
        .collect();
    match &r.result {
        Ok(c) => json!({
            "profile": r.profile.name,
            "profile_source": r.profile.source_name(),
            "method": c.method().as_str(),
            "access_key_id": c.access_key_id(),
            "account_id": c.account_id(),
            "expiration": c.expiration().map(|e| e.to_string()),
            "notes": notes,
            "steps": steps,
        }),
        Err(e) => json!({
            "profile": r.profile.name,
            "profile_source": r.profile.source_name(),
            "error": {"kind": e.kind(), "message": e.to_string()},
            "notes": notes,
            "steps": steps,
        }),
    }
}

/// The one reason every step shares when the chain stopped before any
/// provider ran (`ProfileNotFound`, a file that does not parse).
fn stopped_before_chain(r: &Resolution) -> Option<&str> {
    let first = r.steps.first()?;
    let why = first
        .detail
        .strip_prefix("not reached (")?
        .strip_suffix(')')?;
    let all_same = r
        .steps
        .iter()
        .all(|s| s.outcome == StepOutcome::Skipped && s.detail == first.detail);
    (r.result.is_err() && all_same && why.contains("before any provider ran")).then_some(why)
}

fn to_text(r: &Resolution, extra_notes: &[String], after_result: &[String]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", profile_line(&r.profile));
    for n in r.profile.ignored.iter().chain(extra_notes) {
        let _ = writeln!(o, "  note: {n}");
    }
    if let Some(why) = stopped_before_chain(r) {
        let _ = writeln!(o, "  no provider ran: {why}");
    } else {
        let width = r
            .steps
            .iter()
            .map(|s| s.provider.as_str().len())
            .max()
            .unwrap_or(0);
        for s in &r.steps {
            let _ = writeln!(
                o,
                "  {:<width$}  {:<7}  {}",
                s.provider.as_str(),
                s.outcome.as_str(),
                s.detail
            );
        }
    }
    match &r.result {
        Ok(c) => {
            let _ = write!(o, "result: {} via {}", c.access_key_id(), c.method());
            if let Some(e) = c.expiration() {
                let _ = write!(o, ", expires {e}");
            }
            o.push('\n');
        }
        Err(e) => {
            let _ = writeln!(o, "result: {}: {}", e.kind(), e.to_string().trim_end());
        }
    }
    for line in after_result {
        let _ = writeln!(o, "  {line}");
    }
    o
}

/// What `explain` adds to the library's resolution for a user: a role
/// profile that env keys shadow, credentials served from the AWS CLI's file
/// cache, and the profiles that exist when the named one does not. Returns
/// (notes, lines after the result).
fn annotate(session: &Session, r: &mut Resolution, file_cache: bool) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let mut after = Vec::new();
    let profile = session.profile().effective().to_owned();
    let section = if profile == "default" {
        "[default]".to_owned()
    } else {
        format!("[profile {profile}]")
    };
    if let Ok(c) = &r.result
        && c.method() == Method::Env
        && let Ok(Some(p)) = session.scoped_profile()
        && let Some(role) = p.get_str("role_arn")
        && let Some(step) = r
            .steps
            .iter_mut()
            .find(|s| s.provider == Method::AssumeRole && s.outcome == StepOutcome::Skipped)
    {
        // The assume-role provider needs the network, so the chain does not
        // evaluate it after a winner; its configuration alone says what the
        // env keys hide.
        let _ = write!(step.detail, "; shadowed: {section} would assume {role}");
    }
    if let Ok(c) = &r.result {
        let from_cache = r.steps.iter().any(|s| {
            s.outcome == StepOutcome::Found
                && (s.detail.contains(" cached") || s.detail.contains("(cached)"))
        });
        if from_cache
            && matches!(
                c.method(),
                Method::AssumeRole | Method::AssumeRoleWithWebIdentity
            )
        {
            notes.push(
                "served from the AWS CLI's file cache (~/.aws/cli/cache, shared with `aws`); \
                 a boto3 program caches in memory only and would call STS for these; \
                 `credchain explain --no-cache` shows what it resolves"
                    .to_owned(),
            );
        }
    }
    if !file_cache {
        notes.push(
            "--no-cache: the AWS CLI's file cache was neither read nor written, as in a \
             boto3 program"
                .to_owned(),
        );
    }
    if let Err(credchain::Error::ProfileNotFound { profile: missing }) = &r.result {
        after.push(super::profiles_help(session, missing));
    }
    (notes, after)
}

/// Runs `explain`; exit 0 with credentials, 1 without.
pub(crate) fn run(global: &GlobalArgs, query: Option<&Query>, no_cache: bool) -> u8 {
    let session = super::session_with_cache(global, !no_cache);
    let mut r = session.explain();
    if global.debug {
        for s in &r.steps {
            output::debug(
                true,
                &format!("{}: {}: {}", s.provider, s.outcome.as_str(), s.detail),
            );
        }
    }
    let (notes, after) = annotate(&session, &mut r, !no_cache);
    let text = match (global.output, query) {
        // `--query` selects from the JSON document, then formats as the AWS
        // CLI would (json unless `--output text`).
        (format, Some(q)) => match q.search(&to_json(&r, &notes)).and_then(|v| {
            format::render(
                &v,
                format.unwrap_or(OutputFormat::Json),
                "Explain",
                output::terminal_width(),
            )
        }) {
            Ok(t) => t,
            Err(e) => return super::fail_msg(&e),
        },
        (Some(OutputFormat::Json), None) => {
            let mut t = serde_json::to_string_pretty(&to_json(&r, &notes)).unwrap_or_default();
            t.push('\n');
            t
        }
        (_, None) => to_text(&r, &notes, &after),
    };
    output::out(&text);
    u8::from(r.result.is_err())
}
