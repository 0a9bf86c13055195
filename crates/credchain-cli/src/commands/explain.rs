//! `credchain explain`: the whole chain, step by step.

use std::fmt::Write as _;

use credchain::session::{ProfileSelection, Resolution};
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
pub(crate) fn to_json(r: &Resolution) -> Value {
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
    let notes: Vec<&str> = r.profile.ignored.iter().map(String::as_str).collect();
    match &r.result {
        Ok(c) => json!({
            "profile": r.profile.name,
            "profile_source": r.profile.source_name(),
            "method": c.method().as_str(),
            "access_key_id": c.access_key_id(),
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

fn to_text(r: &Resolution) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", profile_line(&r.profile));
    for n in &r.profile.ignored {
        let _ = writeln!(o, "  note: {n}");
    }
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
    match &r.result {
        Ok(c) => {
            let _ = write!(o, "result: {} via {}", c.access_key_id(), c.method());
            if let Some(e) = c.expiration() {
                let _ = write!(o, ", expires {e}");
            }
            o.push('\n');
        }
        Err(e) => {
            let _ = writeln!(o, "result: {}: {e}", e.kind());
        }
    }
    o
}

/// Runs `explain`; exit 0 with credentials, 1 without.
pub(crate) fn run(global: &GlobalArgs, query: Option<&Query>) -> u8 {
    let session = super::session(global);
    let r = session.explain();
    if global.debug {
        for s in &r.steps {
            output::debug(
                true,
                &format!("{}: {}: {}", s.provider, s.outcome.as_str(), s.detail),
            );
        }
    }
    let text = match (global.output, query) {
        // `--query` selects from the JSON document, then formats as the AWS
        // CLI would (json unless `--output text`).
        (format, Some(q)) => match q.search(&to_json(&r)).and_then(|v| {
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
            let mut t = serde_json::to_string_pretty(&to_json(&r)).unwrap_or_default();
            t.push('\n');
            t
        }
        (_, None) => to_text(&r),
    };
    output::out(&text);
    u8::from(r.result.is_err())
}
