//! The `aws configure` family (read side).

use std::fmt::Write as _;

use credchain::config::Value;
use credchain::os::{Os, OverlayEnv};
use credchain::{Credentials, Error, Session};

use crate::cli::{ExportFormat, GlobalArgs};
use crate::output::{self, Shell};

/// The AWS CLI's mask: 16 `*` then the last 4 characters.
pub(crate) fn mask(v: &str) -> String {
    let n = v.chars().count();
    let tail: String = v.chars().skip(n.saturating_sub(4)).collect();
    format!("{}{tail}", "*".repeat(16))
}

/// `configure list-profiles`.
pub(crate) fn list_profiles(global: &GlobalArgs) -> u8 {
    let session = super::session(global);
    match session.available_profiles() {
        Ok(p) => {
            let mut o = String::new();
            for name in p {
                o.push_str(&name);
                o.push('\n');
            }
            output::out(&o);
            0
        }
        Err(e) => super::fail(&e, &session, global),
    }
}

fn row(o: &mut String, name: &str, value: &str, kind: &str, location: &str) {
    // AWS CLI v1: '%10s %24s %16s    %s\n'
    let _ = writeln!(o, "{name:>10} {value:>24} {kind:>16}    {location}");
}

/// `configure list`, byte-compatible with AWS CLI v1 (P-CLI-7).
pub(crate) fn list(global: &GlobalArgs) -> u8 {
    let session = super::session(global);
    let env = session.os().env.clone();
    let mut o = String::new();
    row(&mut o, "Name", "Value", "Type", "Location");
    row(&mut o, "----", "-----", "----", "--------");
    if let Some(p) = &global.profile {
        // v1 prints `session.profile`; an empty `--profile ''` never sets it,
        // so it falls back to the env profile, else Python's `None`.
        let shown = if p.is_empty() {
            env.get(credchain::env_vars::AWS_DEFAULT_PROFILE)
                .or_else(|| env.get(credchain::env_vars::AWS_PROFILE))
                .unwrap_or_else(|| "None".to_owned())
        } else {
            p.clone()
        };
        row(&mut o, "profile", &shown, "manual", "--profile");
    } else if let Some(p) = env
        .get(credchain::env_vars::AWS_DEFAULT_PROFILE)
        .or_else(|| env.get(credchain::env_vars::AWS_PROFILE))
    {
        row(
            &mut o,
            "profile",
            &p,
            "env",
            "['AWS_DEFAULT_PROFILE', 'AWS_PROFILE']",
        );
    } else {
        row(&mut o, "profile", "<not set>", "None", "None");
    }
    match session.get_credentials() {
        Ok(Some(c)) => {
            row(
                &mut o,
                "access_key",
                &mask(c.access_key_id()),
                c.method().as_str(),
                "",
            );
            row(
                &mut o,
                "secret_key",
                &mask(c.secret_access_key().expose()),
                c.method().as_str(),
                "",
            );
        }
        Ok(None) => {
            row(&mut o, "access_key", "<not set>", "None", "None");
            row(&mut o, "secret_key", "<not set>", "None", "None");
        }
        Err(e) => {
            // v1 writes each row as it goes: the rows before the failure are
            // on stdout when the error is reported.
            output::out(&o);
            return super::fail(&e, &session, global);
        }
    }
    let region = if let Some(r) = env.get(credchain::env_vars::AWS_DEFAULT_REGION) {
        Ok(Some((r, "env".to_owned(), "AWS_DEFAULT_REGION".to_owned())))
    } else {
        session.scoped_profile().map(|p| {
            p.and_then(|p| p.get("region")).and_then(|s| {
                // Deliberate difference (aws-cli#9856): a region read from
                // the credentials file is shown there; the AWS CLI v1 always
                // says config-file ~/.aws/config.
                let (kind, location) = if s.origin.file == credchain::config::FileKind::Credentials
                {
                    (
                        "credentials-file",
                        credchain::config::credentials_file_setting(&*env),
                    )
                } else {
                    ("config-file", credchain::config::config_file_setting(&*env))
                };
                Some((s.value.as_str()?.to_owned(), kind.to_owned(), location))
            })
        })
    };
    match region {
        Ok(Some((r, t, l))) => row(&mut o, "region", &r, &t, &l),
        Ok(None) => row(&mut o, "region", "<not set>", "None", "None"),
        Err(e) => {
            output::out(&o);
            return super::fail(&e, &session, global);
        }
    }
    output::out(&o);
    0
}

/// `configure list --all`: every setting botocore resolves with its value,
/// type (`instance`, `env`, `config-file`, `credentials-file`, `imds`,
/// `default`) and location (env var, `path:line`, `--region`,
/// `defaults_mode MODE` for a smart default), in columns as wide as their
/// content; `--output json` gives
/// `{"profile", "settings": [{"name", "value", "type", "location"}]}`. The
/// region falls back to IMDS when nothing else sets it. A setting whose value
/// botocore would refuse is shown with its error kind and the exit code is
/// 255. Endpoint rows (`endpoint_url.<client>`: sts, s3, sso, dynamodb and
/// each client the environment or the profile's `[services]` section
/// configures) show the URL the client is created with, configured or built
/// in, and in JSON its `region` (`meta.region_name`) and `signing_region`.
///
/// With `--service NAME`: the client's view ([`Session::service_config`]),
/// `{"profile", "service", "settings"}`; the region comes without IMDS, as
/// botocore's `create_client`. A client-creation error is botocore's class
/// and message (`{"profile", "service", "error": {"kind", "message"}}` in
/// JSON) and exit 255.
pub(crate) fn list_all(global: &GlobalArgs, service: Option<&str>) -> u8 {
    use credchain::settings::{Provenance, Resolved, SettingValue};
    let session = super::session(global);
    let files = session.config_files().ok();
    let location = |r: &Resolved| -> Option<String> {
        match &r.provenance {
            Provenance::Instance => Some(if r.name == "profile" {
                "--profile".into()
            } else {
                format!("--{}", r.name.replace('_', "-"))
            }),
            Provenance::Env(v) => Some(v.clone()),
            Provenance::File { origin, .. } => files.map(|f| f.describe(*origin)),
            Provenance::Imds => Some("/latest/meta-data/placement/availability-zone".into()),
            Provenance::DefaultsMode { .. } => r.provenance.defaults_mode_location(),
            Provenance::Default => None,
            Provenance::Data(d) => Some((*d).to_owned()),
        }
    };
    let json = global.output == Some(crate::cli::OutputFormat::Json);
    let (settings, regions) = match service {
        None => session_rows(&session),
        Some(svc) => match session.service_config(svc) {
            Ok(c) => service_rows(c),
            Err(e) => {
                let message = e.to_string();
                let message = message.trim_end();
                if json {
                    let doc = serde_json::json!({
                        "profile": session.profile().effective(),
                        "service": svc,
                        "error": {"kind": e.kind(), "message": message},
                    });
                    let mut t = serde_json::to_string_pretty(&doc).unwrap_or_default();
                    t.push('\n');
                    output::out(&t);
                }
                output::err_line(&format!("error: {}: {message}", e.kind()));
                return super::EXIT_ERROR;
            }
        },
    };
    let mut failed = Vec::new();
    let mut rows = Vec::new();
    let mut table: Vec<[String; 4]> = vec![
        ["Name", "Value", "Type", "Location"].map(str::to_owned),
        ["----", "-----", "----", "--------"].map(str::to_owned),
    ];
    for (name, r) in &settings {
        match r {
            Ok(r) => {
                let loc = location(r);
                let value = match &r.value {
                    SettingValue::Null => serde_json::Value::Null,
                    SettingValue::Str(s) => s.clone().into(),
                    SettingValue::Int(i) => (*i).into(),
                    SettingValue::Bool(b) => (*b).into(),
                    SettingValue::Map(m) => serde_json::Value::Object(
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.clone().into()))
                            .collect(),
                    ),
                    #[allow(clippy::cast_precision_loss)] // timeouts are far below 2^52 ms
                    SettingValue::Seconds { millis } => (*millis as f64 / 1000.0).into(),
                };
                let mut row_json = serde_json::json!({
                    "name": name,
                    "value": value,
                    "type": r.provenance.kind(),
                    "location": loc,
                });
                if let Some((region, signing)) = regions.get(name.as_str()) {
                    row_json["region"] = region.clone().into();
                    row_json["signing_region"] = signing.clone().into();
                }
                rows.push(row_json);
                let (kind, loc) = if r.value == SettingValue::Null {
                    ("None", "None".to_owned())
                } else {
                    (r.provenance.kind(), loc.unwrap_or_default())
                };
                table.push([name.clone(), r.value.display(), kind.to_owned(), loc]);
            }
            Err(e) => {
                rows.push(serde_json::json!({
                    "name": name,
                    "value": null,
                    "type": "error",
                    "location": null,
                    "error": {"kind": e.kind(), "message": e.to_string().trim_end()},
                }));
                table.push([
                    name.clone(),
                    "<error>".into(),
                    "error".into(),
                    e.kind().to_owned(),
                ]);
                failed.push((name.clone(), e.clone()));
            }
        }
    }
    if json {
        let mut doc = serde_json::json!({"profile": session.profile().effective()});
        if let Some(svc) = service {
            doc["service"] = svc.into();
        }
        doc["settings"] = rows.into();
        let mut t = serde_json::to_string_pretty(&doc).unwrap_or_default();
        t.push('\n');
        output::out(&t);
    } else {
        output::out(&columns(&table));
    }
    for (name, e) in &failed {
        output::err_line(&format!(
            "error: {name}: {}: {}",
            e.kind(),
            e.to_string().trim_end()
        ));
    }
    if failed.is_empty() {
        0
    } else {
        super::EXIT_ERROR
    }
}

/// Left-aligned columns as wide as their widest cell (in characters), two
/// spaces apart; no trailing blanks.
fn columns(table: &[[String; 4]]) -> String {
    let mut widths = [0usize; 3];
    for row in table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut o = String::new();
    for [name, value, kind, loc] in table {
        let line = format!(
            "{name:<w0$}  {value:<w1$}  {kind:<w2$}  {loc}",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        o.push_str(line.trim_end());
        o.push('\n');
    }
    o
}

type Row = (String, Result<credchain::settings::Resolved, Error>);

/// An endpoint row's client region (`meta.region_name`) and signing region,
/// by row name.
type EndpointRegions = std::collections::HashMap<String, (Option<String>, Option<String>)>;

/// The session's settings, the region falling back to IMDS, and the
/// endpoint rows' regions.
fn session_rows(session: &Session) -> (Vec<Row>, EndpointRegions) {
    use credchain::settings::SettingValue;
    // Session::settings() without its endpoint rows, which are made here
    // from one client_endpoints call to keep each client's regions too.
    let mut settings = session.config_settings();
    let mut regions = EndpointRegions::new();
    for (svc, r) in session.client_endpoints(&[]) {
        let name = format!("endpoint_url.{svc}");
        let r = r.map(|e| match e {
            Some((r, e)) => {
                regions.insert(name.clone(), (e.region_name, e.signing_region));
                r
            }
            None => credchain::session::unset_endpoint(&name),
        });
        settings.push((name, r));
    }
    // The IMDS step runs only when nothing else set a region; its failure
    // leaves the region unset (botocore's provider returns None).
    if let Some((_, Ok(r))) = settings.iter_mut().find(|(n, _)| n == "region")
        && r.value == SettingValue::Null
    {
        match session.region_with_imds() {
            Ok(found) => *r = found,
            Err(e) => output::err_line(&format!(
                "note: region from IMDS: {}: {}",
                e.kind(),
                e.to_string().trim_end()
            )),
        }
    }
    (settings, regions)
}

/// A client's rows: region, the endpoint it is created with, `s3.*` (s3
/// only), then the effective client settings; and that endpoint's regions.
fn service_rows(c: credchain::session::ServiceConfig) -> (Vec<Row>, EndpointRegions) {
    use credchain::settings::{Provenance, Resolved, SettingValue};
    let unset = |name: String| Resolved {
        name,
        value: SettingValue::Null,
        provenance: Provenance::Default,
    };
    let mut out: Vec<Row> = Vec::new();
    out.push((
        "region".into(),
        Ok(c.region.unwrap_or_else(|| unset("region".into()))),
    ));
    let ep = format!("endpoint_url.{}", c.service);
    let regions = EndpointRegions::from([(
        ep.clone(),
        (
            c.client_endpoint.region_name,
            c.client_endpoint.signing_region,
        ),
    )]);
    out.push((ep, Ok(c.endpoint)));
    for r in c.s3.into_iter().chain(c.client) {
        out.push((r.name.clone(), Ok(r)));
    }
    (out, regions)
}

/// v1's predefined non-profile sections for `configure get`.
const PREDEFINED_SECTIONS: [&str; 2] = ["preview", "plugins"];

enum Got {
    Str(String),
    Dict,
    None,
}

fn got(v: Option<&Value>) -> Got {
    match v {
        Some(Value::Str(s)) => Got::Str(s.clone()),
        Some(Value::Nested(_)) => Got::Dict,
        None => Got::None,
    }
}

/// `configure get NAME` with AWS CLI v1's name resolution (P-CLI-6): reads
/// only the files, never the environment's values.
fn get_value(session: &Session, name: &str) -> Result<Got, Error> {
    if !name.contains('.') {
        return Ok(got(session
            .scoped_profile()?
            .and_then(|p| p.get(name))
            .map(|s| &s.value)));
    }
    let files = session.config_files()?;
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() == 2 && PREDEFINED_SECTIONS.contains(&parts[0]) {
        let v = files
            .other_sections()
            .get(parts[0])
            .and_then(|s| s.get(parts[1]))
            .or_else(|| files.profile(parts[0]).and_then(|p| p.get(parts[1])));
        return Ok(got(v.map(|s| &s.value)));
    }
    let (profile, key, rest): (String, &str, &[&str]) = if parts[0] == "profile" {
        let (Some(p), Some(k)) = (parts.get(1), parts.get(2)) else {
            return Err(Error::InvalidConfig {
                message: format!("`{name}`: expected profile.NAME.KEY"),
            });
        };
        ((*p).to_owned(), k, &parts[3..])
    } else if parts[0] == "default" || files.profile(parts[0]).is_some() {
        (parts[0].to_owned(), parts[1], &parts[2..])
    } else {
        (
            session.profile().effective().to_owned(),
            parts[0],
            &parts[1..],
        )
    };
    let value = files
        .profile(&profile)
        .and_then(|p| p.get(key))
        .map(|s| &s.value);
    if rest.len() == 1 {
        return Ok(match value {
            Some(Value::Nested(kv)) => match kv.iter().rev().find(|(k, _)| k == rest[0]) {
                Some((_, v)) => Got::Str(v.clone()),
                None => Got::None,
            },
            _ => Got::None,
        });
    }
    // botocore quirk: with two or more extra parts the top value is returned.
    Ok(got(value))
}

/// `configure get`: exit 0 and the value, 1 if unset or a section, 255 on error.
pub(crate) fn get(global: &GlobalArgs, name: &str) -> u8 {
    let session = super::session(global);
    match get_value(&session, name) {
        Ok(Got::Str(v)) => {
            output::out(&format!("{v}\n"));
            0
        }
        Ok(Got::Dict) => {
            output::err(&format!(
                "varname ({name}) must reference a value, not a section or sub-section."
            ));
            1
        }
        Ok(Got::None) => 1,
        Err(e) => super::fail(&e, &session, global),
    }
}

/// The credentials in `format`. A line format refuses a value it cannot
/// write so that the shell assigns it literally: the error names the
/// variable and the character, never the value.
fn format_credentials(c: &Credentials, format: ExportFormat) -> Result<String, String> {
    let token = c.session_token().map(credchain::SecretString::expose);
    let expiration = c.expiration().map(|e| e.to_string());
    if format == ExportFormat::Process {
        let mut fields = vec![
            ("Version", "1".to_owned()),
            ("AccessKeyId", output::py_json_str(c.access_key_id())),
            (
                "SecretAccessKey",
                output::py_json_str(c.secret_access_key().expose()),
            ),
        ];
        if let Some(t) = token {
            fields.push(("SessionToken", output::py_json_str(t)));
        }
        if let Some(e) = &expiration {
            fields.push(("Expiration", output::py_json_str(e)));
        }
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("  \"{k}\": {v}"))
            .collect();
        return Ok(format!("{{\n{}\n}}\n", body.join(",\n")));
    }
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key().expose()),
    ];
    if let Some(t) = token {
        vars.push(("AWS_SESSION_TOKEN", t));
    }
    if let Some(e) = &expiration {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", e));
    }
    let (shell, export) = match format {
        ExportFormat::Env => (Shell::Posix, true),
        ExportFormat::EnvNoExport | ExportFormat::Process => (Shell::Posix, false),
        ExportFormat::Powershell => (Shell::Pwsh, false),
        ExportFormat::WindowsCmd => (Shell::Cmd, false),
        ExportFormat::Fish => (Shell::Fish, false),
    };
    let mut o = String::new();
    for (k, v) in vars {
        let line = output::shell_assignment(shell, export, k, v)
            .map_err(|e| format!("refusing to print {k}: {e}"))?;
        o.push_str(&line);
    }
    Ok(o)
}

/// AWS CLI v2's `_RECURSION_VAR`: the profiles whose `export-credentials`
/// is running above this one (a `credential_process` calling
/// `credchain configure export-credentials` for another profile), as one
/// CSV row. Shared with `aws configure export-credentials`, so chains that
/// mix the two are caught too.
pub(crate) const PROFILE_CHAIN_VAR: &str = "_AWS_CLI_PROFILE_CHAIN";
/// AWS CLI v2's `_MAX_RECURSION`.
const MAX_RECURSION: usize = 4;

/// Python's `csv.reader([value])`'s first row (`[]` for `""`).
fn csv_row(value: &str) -> Vec<String> {
    let mut fields = Vec::new();
    if value.is_empty() {
        return fields;
    }
    let mut cur = String::new();
    let mut chars = value.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' if in_quotes => in_quotes = false,
            '"' if cur.is_empty() => in_quotes = true,
            ',' if !in_quotes => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Python's `csv.writer` row (minimal quoting), stripped.
fn csv_join(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\r', '\n']) || (fields.len() == 1 && f.is_empty()) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    quoted.join(",").trim().to_owned()
}

/// AWS CLI v2's `_detect_recursion_barrier`: the profile chain so far
/// (from [`PROFILE_CHAIN_VAR`]) plus `profile`, or its error when
/// `profile` is already in it or the chain is [`MAX_RECURSION`] long.
fn profile_chain(inherited: &str, profile: &str) -> Result<Vec<String>, String> {
    let mut seen = csv_row(inherited);
    if seen.len() >= MAX_RECURSION {
        return Err(format!(
            "Maximum recursive credential process resolution reached ({MAX_RECURSION}).\n\
             Profiles seen: {}",
            seen.join(" -> ")
        ));
    }
    if seen.iter().any(|p| p == profile) {
        seen.push(profile.to_owned());
        return Err(format!(
            "Credential process resolution detected an infinite loop, profile cycle: {}",
            seen.join(" -> ")
        ));
    }
    seen.push(profile.to_owned());
    Ok(seen)
}

/// `configure export-credentials`. As AWS CLI v2, it refuses to run for
/// a profile already being exported above it ([`PROFILE_CHAIN_VAR`]) and
/// passes the chain on to the `credential_process` commands it runs.
pub(crate) fn export_credentials(global: &GlobalArgs, format: ExportFormat) -> u8 {
    // The profile as the session selects it (quietly: the real session
    // below traces it under --debug).
    let quiet = GlobalArgs {
        debug: false,
        ..global.clone()
    };
    let profile = super::session_on(&quiet, false, Os::real())
        .profile()
        .effective()
        .to_owned();
    let inherited = std::env::var(PROFILE_CHAIN_VAR).unwrap_or_default();
    let chain = match profile_chain(&inherited, &profile) {
        Ok(c) => c,
        Err(e) => return super::fail_msg(&e),
    };
    output::debug(
        global.debug,
        &format!("{PROFILE_CHAIN_VAR}={}", csv_join(&chain)),
    );
    let real = Os::real();
    let os = Os {
        env: std::sync::Arc::new(OverlayEnv {
            base: real.env.clone(),
            set: [(PROFILE_CHAIN_VAR.to_owned(), csv_join(&chain))].into(),
        }),
        ..real
    };
    let session = super::session_on(global, true, os);
    match session.get_credentials() {
        Ok(Some(c)) => {
            output::debug(
                global.debug,
                &format!("resolved {} via {}", c.access_key_id(), c.method()),
            );
            match format_credentials(&c, format) {
                Ok(text) => {
                    output::out(&text);
                    0
                }
                Err(e) => super::fail_msg(&e),
            }
        }
        Ok(None) => super::no_credentials(),
        Err(e) => super::fail(&e, &session, global),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_chain_matches_aws_cli_v2() {
        // csv.reader / csv.writer round trips, as Python's.
        assert_eq!(csv_row(""), Vec::<String>::new());
        assert_eq!(csv_row("a,\"b,c\",\"d\"\"e\""), ["a", "b,c", "d\"e"]);
        assert_eq!(
            csv_join(&["a".into(), "b,c".into(), "d\"e".into()]),
            "a,\"b,c\",\"d\"\"e\""
        );
        assert_eq!(profile_chain("", "a").unwrap(), ["a"]);
        assert_eq!(profile_chain("a,b", "c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            profile_chain("a,b", "a").unwrap_err(),
            "Credential process resolution detected an infinite loop, profile cycle: a -> b -> a"
        );
        assert_eq!(
            profile_chain("a,b,c,d", "e").unwrap_err(),
            "Maximum recursive credential process resolution reached (4).\nProfiles seen: a -> \
             b -> c -> d"
        );
    }
    use credchain::Method;

    #[test]
    fn masks_like_the_aws_cli() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "****************MPLE");
        assert_eq!(mask("ab"), "****************ab");
    }

    #[test]
    fn export_formats_match_aws_cli_v2() {
        let c = Credentials::new("AK", "SK", Some("TK".into()), Method::Env);
        assert_eq!(
            format_credentials(&c, ExportFormat::Process).unwrap(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AK\",\n  \"SecretAccessKey\": \"SK\",\n  \"SessionToken\": \"TK\"\n}\n"
        );
        assert_eq!(
            format_credentials(&c, ExportFormat::Env).unwrap(),
            "export AWS_ACCESS_KEY_ID=AK\nexport AWS_SECRET_ACCESS_KEY=SK\nexport AWS_SESSION_TOKEN=TK\n"
        );
        assert_eq!(
            format_credentials(&c, ExportFormat::Fish)
                .unwrap()
                .lines()
                .next(),
            Some("set -gx AWS_ACCESS_KEY_ID \"AK\"")
        );
        assert_eq!(
            format_credentials(&c, ExportFormat::Powershell)
                .unwrap()
                .lines()
                .next(),
            Some("$Env:AWS_ACCESS_KEY_ID=\"AK\"")
        );
        assert_eq!(
            format_credentials(&c, ExportFormat::WindowsCmd)
                .unwrap()
                .lines()
                .next(),
            Some("set AWS_ACCESS_KEY_ID=AK")
        );
        assert_eq!(
            format_credentials(&c, ExportFormat::EnvNoExport)
                .unwrap()
                .lines()
                .next(),
            Some("AWS_ACCESS_KEY_ID=AK")
        );
    }
}
