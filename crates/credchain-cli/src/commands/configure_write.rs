//! The write side of the `aws configure` family: the interactive prompts,
//! `set`, `unset` and `import` (P-CLI-2..5). Name resolution lives here; the
//! safe, format-preserving file writes live in `credchain::config::write`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use credchain::Session;
use credchain::config::write::{
    CREDENTIAL_FILE_KEYS, ConfigWriter, Edit, Target, WriteError, WriteOptions,
};
use credchain::config::{FileKind, Value};
use credchain::os::EchoOff;

use crate::cli::GlobalArgs;
use crate::commands::EXIT_ERROR;
use crate::commands::configure::mask;
use crate::output;

/// v1's predefined non-profile sections (P-CLI-5).
const PREDEFINED_SECTIONS: [&str; 2] = ["preview", "plugins"];

/// Where a `set`/`unset` name points.
#[derive(Debug, PartialEq, Eq)]
struct Dest {
    file: FileKind,
    target: Target,
    key: String,
    /// The sub-key of a nested block (`s3.addressing_style`).
    sub: Option<String>,
}

/// Resolves a setting name as `aws configure set` does (P-CLI-5), plus the
/// v2 sections `sso-session.NAME.KEY[.SUB]` and `services.NAME.KEY[.SUB]`.
/// `current` is the current profile. Extra name parts are dropped, as the
/// AWS CLI does (`foo.bar.baz` writes `foo`).
fn resolve(name: &str, current: &str) -> Result<Dest, String> {
    enum Scope {
        Profile(String),
        Section(Target),
    }
    let parts: Vec<&str> = name.split('.').collect();
    let nested = |rest: &[&str]| (rest.len() == 2).then(|| rest[1].to_owned());
    let (scope, key, sub) = match parts.as_slice() {
        [_] => (Scope::Profile(current.to_owned()), name.to_owned(), None),
        ["default", rest @ ..] => (
            Scope::Profile("default".into()),
            rest[0].to_owned(),
            nested(rest),
        ),
        ["profile", p, rest @ ..] if !rest.is_empty() => (
            Scope::Profile((*p).to_owned()),
            rest[0].to_owned(),
            nested(rest),
        ),
        ["profile", ..] => return Err(format!("`{name}`: expected profile.NAME.KEY")),
        [kind @ ("sso-session" | "services"), n, rest @ ..] if !rest.is_empty() => (
            Scope::Section(Target::Prefixed {
                prefix: (*kind).to_owned(),
                name: (*n).to_owned(),
            }),
            rest[0].to_owned(),
            nested(rest),
        ),
        [section, key] if PREDEFINED_SECTIONS.contains(section) => (
            Scope::Section(Target::Section((*section).to_owned())),
            (*key).to_owned(),
            None,
        ),
        // v1 leaves longer predefined names whole, in [default].
        [section, ..] if PREDEFINED_SECTIONS.contains(section) => {
            (Scope::Profile("default".into()), name.to_owned(), None)
        }
        [first, ..] => (
            Scope::Profile(current.to_owned()),
            (*first).to_owned(),
            nested(&parts),
        ),
        [] => return Err("expected a setting name".into()),
    };
    let (file, target) = match scope {
        // The credentials file names sections by the bare profile name.
        Scope::Profile(p) if CREDENTIAL_FILE_KEYS.contains(&key.as_str()) => {
            (FileKind::Credentials, Target::Section(p))
        }
        Scope::Profile(p) => (FileKind::Config, Target::Profile(p)),
        Scope::Section(t) => (FileKind::Config, t),
    };
    Ok(Dest {
        file,
        target,
        key,
        sub,
    })
}

fn has_newline(s: &str) -> bool {
    s.contains(['\n', '\r'])
}

fn target_has_newline(t: &Target) -> bool {
    match t {
        Target::Section(s) | Target::Profile(s) => has_newline(s),
        Target::Prefixed { prefix, name } => has_newline(prefix) || has_newline(name),
    }
}

/// The AWS CLI's refusal of CR/LF (P-CLI-4): rc 255, nothing written.
fn newline_error(key: &str) -> u8 {
    output::err_line(&format!(
        "Invalid value for key {key}: newline characters and carriage returns are not allowed."
    ));
    EXIT_ERROR
}

fn write_failed(e: &WriteError) -> u8 {
    output::err_line(&format!("error: {e}"));
    EXIT_ERROR
}

/// Strips one trailing line ending (`\n` or `\r\n`).
fn chomp(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    s
}

fn writer(session: &Session) -> ConfigWriter {
    let os = session.os();
    ConfigWriter::new(&*os.env, &*os.fs)
}

/// How long a write waits for another writer's lock: `CREDCHAIN_LOCK_TIMEOUT`
/// seconds (tests shorten it), else the library default (10 s).
pub(crate) fn lock_timeout(session: &Session) -> Duration {
    session
        .os()
        .env
        .get("CREDCHAIN_LOCK_TIMEOUT")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(
            credchain::filelock::DEFAULT_TIMEOUT,
            Duration::from_secs_f64,
        )
}

/// Applies `edits` to one file: a lock wait is announced on stderr, and
/// `--debug` says how the file was written (atomic rename or in place).
pub(crate) fn update(
    global: &GlobalArgs,
    session: &Session,
    kind: FileKind,
    edits: &[Edit],
) -> Result<bool, WriteError> {
    let notice = |s: &str| output::err_line(s);
    let opts = WriteOptions {
        lock_timeout: lock_timeout(session),
        notice: &notice,
        ..WriteOptions::default()
    };
    let report = writer(session).update_with(kind, edits, &opts)?;
    output::debug(global.debug, &report.describe());
    Ok(report.written())
}

/// The most `configure set NAME -` reads from stdin: a value, not a file.
const MAX_STDIN_VALUE: u64 = 1024 * 1024;

/// How long `configure set NAME -` waits for a pipe on stdin to end.
const STDIN_DEADLINE: Duration = Duration::from_secs(60);

/// The most `configure import --csv FILE` reads.
const MAX_CSV: u64 = 16 * 1024 * 1024;

/// `configure get NAME`: the `sso-session.NAME.KEY[.SUB]` and
/// `services.NAME.KEY[.SUB]` forms that `set` writes are read here; every
/// other name keeps AWS CLI v1's resolution in [`super::configure::get`].
pub(crate) fn get(global: &GlobalArgs, name: &str) -> u8 {
    let parts: Vec<&str> = name.split('.').collect();
    let [kind @ ("sso-session" | "services"), section, key, rest @ ..] = parts.as_slice() else {
        return super::configure::get(global, name);
    };
    let session = super::session(global);
    let files = match session.config_files() {
        Ok(f) => f,
        Err(e) => {
            output::err_line(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    let sections = if *kind == "services" {
        files.services()
    } else {
        files.sso_sessions()
    };
    let value = sections
        .get(section)
        .and_then(|s| s.get(key))
        .map(|s| &s.value);
    // As for profiles: one extra part reads a sub-key, more read the value.
    let found = match (value, rest) {
        (Some(Value::Nested(kv)), [sub]) => kv
            .iter()
            .rev()
            .find(|(k, _)| k == sub)
            .map(|(_, v)| Value::Str(v.clone())),
        (_, [_]) => None,
        (v, _) => v.cloned(),
    };
    match found {
        Some(Value::Str(v)) => {
            output::out(&format!("{v}\n"));
            0
        }
        Some(Value::Nested(_)) => {
            output::err(&format!(
                "varname ({name}) must reference a value, not a section or sub-section."
            ));
            1
        }
        None => 1,
    }
}

/// `configure set NAME VALUE`.
pub(crate) fn set(global: &GlobalArgs, name: &str, value: &str) -> u8 {
    let session = super::session(global);
    let t = match resolve(name, session.profile().effective()) {
        Ok(t) => t,
        Err(e) => {
            output::err_line(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    let value = if value == "-" {
        // Capped, and bounded in time when stdin is a pipe or file (a
        // writer that never closes must not hang us); a person typing at a
        // terminal gets no deadline.
        let deadline = if io::stdin().is_terminal() {
            Duration::MAX
        } else {
            STDIN_DEADLINE
        };
        let read =
            credchain::os::read_pipe_limited(io::stdin(), MAX_STDIN_VALUE, deadline, "stdin")
                .and_then(|b| {
                    String::from_utf8(b).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "stdin is not valid UTF-8")
                    })
                });
        match read {
            Ok(s) => chomp(s),
            Err(e) => {
                output::err_line(&format!("error: reading the value from stdin: {e}"));
                return EXIT_ERROR;
            }
        }
    } else {
        value.to_owned()
    };
    if has_newline(&value) || has_newline(name) || target_has_newline(&t.target) {
        return newline_error(&t.key);
    }
    let edit = match t.sub {
        Some(sub) => Edit::SetNested {
            target: t.target,
            key: t.key,
            sub,
            value,
        },
        None => Edit::Set {
            target: t.target,
            key: t.key,
            value,
        },
    };
    match update(global, &session, t.file, &[edit]) {
        Ok(_) => 0,
        Err(e) => write_failed(&e),
    }
}

/// `configure unset NAME`: removes the setting's lines; a missing one is a
/// no-op.
pub(crate) fn unset(global: &GlobalArgs, name: &str) -> u8 {
    let session = super::session(global);
    let t = match resolve(name, session.profile().effective()) {
        Ok(t) => t,
        Err(e) => {
            output::err_line(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    let edit = match t.sub {
        Some(sub) => Edit::RemoveNested {
            target: t.target,
            key: t.key,
            sub,
        },
        None => Edit::Remove {
            target: t.target,
            key: t.key,
        },
    };
    match update(global, &session, t.file, &[edit]) {
        Ok(_) => 0,
        Err(e) => write_failed(&e),
    }
}

/// Where the prompts are asked.
pub(crate) enum Prompter {
    /// The controlling terminal (stdin is a terminal): prompts and answers
    /// go through `/dev/tty`, and the secret is read with echo off.
    Tty { out: File, input: BufReader<File> },
    /// Scripted use: prompts on stdout, answers line by line from stdin.
    Stdio,
}

impl Prompter {
    pub(crate) fn new() -> Prompter {
        if io::stdin().is_terminal() {
            let tty = File::options().read(true).write(true).open("/dev/tty");
            if let Ok(out) = tty
                && let Ok(input) = out.try_clone()
            {
                return Prompter::Tty {
                    out,
                    input: BufReader::new(input),
                };
            }
        }
        Prompter::Stdio
    }

    /// Shows `prompt` and reads one answer without its line ending; `None`
    /// at end of input.
    pub(crate) fn ask(&mut self, prompt: &str, secret: bool) -> io::Result<Option<String>> {
        if secret {
            // Ctrl-C at a secret prompt puts echo back before the exit.
            super::interrupt::arm();
        }
        let mut line = String::new();
        let n = match self {
            Prompter::Tty { out, input } => {
                // `&File` writes too, so the echo guard and the writes can
                // share the terminal.
                let mut out: &File = out;
                // Echo goes off before the prompt is shown, so nothing typed
                // in answer to it can be echoed.
                let guard = if secret {
                    Some(EchoOff::new(out)?)
                } else {
                    None
                };
                out.write_all(prompt.as_bytes())?;
                out.flush()?;
                let n = input.read_line(&mut line)?;
                if guard.is_some() {
                    drop(guard);
                    // The user's Enter was not echoed either.
                    out.write_all(b"\n")?;
                }
                n
            }
            Prompter::Stdio => {
                // Stdin is a terminal only when `/dev/tty` could not be
                // opened; the secret must not echo there either.
                let stdin = io::stdin();
                let guard = if secret && stdin.is_terminal() {
                    Some(EchoOff::new(&stdin)?)
                } else {
                    None
                };
                output::out(prompt);
                let n = stdin.lock().read_line(&mut line)?;
                if guard.is_some() {
                    drop(guard);
                    output::out("\n");
                }
                n
            }
        };
        Ok((n > 0).then(|| chomp(line)))
    }
}

/// `configure` without a subcommand: the four prompts of `aws configure`
/// (P-CLI-2); keys go to the credentials file, region and output to the
/// config file (P-CLI-3, with v2's `[default]` for `--profile default`).
pub(crate) fn interactive(global: &GlobalArgs) -> u8 {
    const FIELDS: [(&str, &str, bool); 4] = [
        ("aws_access_key_id", "AWS Access Key ID", true),
        ("aws_secret_access_key", "AWS Secret Access Key", true),
        ("region", "Default region name", false),
        ("output", "Default output format", false),
    ];
    let session = super::session(global);
    let profile = session.profile().effective().to_owned();
    let files = match session.config_files() {
        Ok(f) => f,
        Err(e) => {
            output::err_line(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    let current = files.profile(&profile);
    let mut prompter = Prompter::new();
    let mut cred_edits = Vec::new();
    let mut config_edits = Vec::new();
    for (key, label, masked) in FIELDS {
        let cur = current.and_then(|p| p.get_str(key));
        let shown = match cur {
            Some(v) if masked => mask(v),
            Some(v) => v.to_owned(),
            None => "None".to_owned(),
        };
        let hide = key == "aws_secret_access_key";
        let answer = match prompter.ask(&format!("{label} [{shown}]: "), hide) {
            Ok(a) => a,
            Err(e) => {
                output::err_line(&format!("error: reading the answer: {e}"));
                return EXIT_ERROR;
            }
        };
        // Input that ends before all four answers is Python's `EOFError`:
        // `aws configure` writes nothing and exits 255, and so do we.
        let Some(answer) = answer else {
            return super::fail_msg(
                "end of input before all four answers were given (EOF when reading a line); \
                 nothing was written",
            );
        };
        // Enter keeps the value; so does typing the current one.
        let Some(answer) = Some(answer).filter(|a| !a.is_empty() && Some(a.as_str()) != cur) else {
            continue;
        };
        if has_newline(&answer) {
            return newline_error(key);
        }
        if CREDENTIAL_FILE_KEYS.contains(&key) {
            cred_edits.push(Edit::Set {
                target: Target::Section(profile.clone()),
                key: key.into(),
                value: answer,
            });
        } else {
            config_edits.push(Edit::Set {
                target: Target::Profile(profile.clone()),
                key: key.into(),
                value: answer,
            });
        }
    }
    for (kind, edits) in [
        (FileKind::Credentials, cred_edits),
        (FileKind::Config, config_edits),
    ] {
        if !edits.is_empty()
            && let Err(e) = update(global, &session, kind, &edits)
        {
            return write_failed(&e);
        }
    }
    0
}

/// Splits CSV text into records (RFC 4180: `"` quoting with `""` escapes,
/// `\n` or `\r\n` between records), as Python's `csv` reads the IAM file.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (_, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The `(profile, access key id, secret)` rows of an IAM access-key CSV.
/// Profile names are `prefix + User Name`. AWS CLI v2 refuses a CSV without
/// a `User Name` column (the console's per-key download) with `Expected
/// header "User Name" not found`; credchain imports it only into a profile
/// named explicitly with `--profile` (`prefix + NAME`), never into whatever
/// profile happens to be current, so keys cannot silently land in
/// `[default]`.
fn import_rows(
    text: &str,
    prefix: &str,
    explicit: Option<&str>,
    skip_invalid: bool,
) -> Result<Vec<(String, String, String)>, String> {
    const USER: &str = "User Name";
    const AKID: &str = "Access key ID";
    const SECRET: &str = "Secret access key";
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = parse_csv(text).into_iter();
    let header = records.next().unwrap_or_default();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let user = col(USER);
    let (Some(akid), Some(secret)) = (col(AKID), col(SECRET)) else {
        let missing = if col(AKID).is_none() { AKID } else { SECRET };
        return Err(format!("Expected header \"{missing}\" not found"));
    };
    if user.is_none() && explicit.is_none() {
        return Err(format!(
            "Expected header \"{USER}\" not found (to import a CSV without user names, name \
             the profile to write with --profile NAME)"
        ));
    }
    let mut rows = Vec::new();
    for (i, r) in records.enumerate() {
        if r.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |c: usize| r.get(c).map_or("", |s| s.trim());
        let (k, s) = (get(akid), get(secret));
        let name = match user {
            Some(u) => format!("{prefix}{}", get(u)),
            None => format!("{prefix}{}", explicit.unwrap_or_default()),
        };
        if k.is_empty() || s.is_empty() || name.is_empty() {
            if skip_invalid {
                continue;
            }
            return Err(format!(
                "Failed to parse credentials: row {} has no user name, access key ID or secret \
                 access key (use --skip-invalid to skip it)",
                i + 2
            ));
        }
        if has_newline(k) || has_newline(s) || has_newline(&name) {
            return Err(format!(
                "Invalid value in row {}: newline characters and carriage returns are not allowed.",
                i + 2
            ));
        }
        rows.push((name, k.to_owned(), s.to_owned()));
    }
    Ok(rows)
}

/// The text that `--csv` stands for. AWS CLI v2 reads a `file://PATH`
/// argument as a file (its paramfile rule) and takes anything else as the
/// CSV text itself. credchain also reads a bare argument that names an
/// existing file and cannot be CSV text (one line, no comma), as earlier
/// releases did. Errors never repeat the argument unless it is a
/// `file://` path: literal CSV holds a secret.
fn csv_text(csv: &str) -> Result<String, String> {
    // Bounded: a FIFO or device is refused at once, a huge file by size.
    let read = |path: &str| {
        credchain::os::read_limited(Path::new(path), MAX_CSV).and_then(|b| {
            String::from_utf8(b)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"))
        })
    };
    if let Some(path) = csv.strip_prefix("file://") {
        return read(path).map_err(|e| {
            format!("Error parsing parameter '--csv': Unable to load paramfile {csv}: {e}")
        });
    }
    let looks_like_path = !csv.contains([',', '\n', '\r']);
    if looks_like_path && Path::new(csv).is_file() {
        return read(csv).map_err(|e| {
            format!("Error parsing parameter '--csv': Unable to read the file it names: {e}")
        });
    }
    Ok(csv.to_owned())
}

/// `configure import --csv CSV|file://FILE` (AWS CLI v2): one
/// credentials-file profile per row, written in one locked update.
pub(crate) fn import(global: &GlobalArgs, csv: &str, prefix: &str, skip_invalid: bool) -> u8 {
    let session = super::session(global);
    let text = match csv_text(csv) {
        Ok(t) => t,
        Err(e) => {
            output::err_line(&e);
            return EXIT_ERROR;
        }
    };
    if text.trim().is_empty() {
        // AWS CLI v2's `CSVCredentialParser._EMPTY_CSV`.
        output::err_line("Provided CSV contains no contents");
        return EXIT_ERROR;
    }
    let explicit = global.profile.as_deref().filter(|p| !p.is_empty());
    let rows = match import_rows(&text, prefix, explicit, skip_invalid) {
        Ok(r) => r,
        Err(e) => {
            output::err_line(&e);
            return EXIT_ERROR;
        }
    };
    // Which profiles already hold keys, to say so: the AWS CLI replaces
    // them without a word.
    let replaced: Vec<&str> = session.config_files().map_or_else(
        |_| Vec::new(),
        |files| {
            rows.iter()
                .map(|(p, _, _)| p.as_str())
                .filter(|p| {
                    files.profile(p).is_some_and(|prof| {
                        prof.contains("aws_access_key_id") || prof.contains("aws_secret_access_key")
                    })
                })
                .collect()
        },
    );
    let mut edits = Vec::new();
    for (profile, akid, secret) in &rows {
        for (key, value) in [
            ("aws_access_key_id", akid),
            ("aws_secret_access_key", secret),
        ] {
            edits.push(Edit::Set {
                target: Target::Section(profile.clone()),
                key: key.into(),
                value: value.clone(),
            });
        }
    }
    if let Err(e) = update(global, &session, FileKind::Credentials, &edits) {
        return write_failed(&e);
    }
    for p in replaced {
        output::err_line(&format!(
            "note: profile [{p}] already had access keys; they were replaced"
        ));
    }
    output::out(&format!(
        "Successfully imported {} profile(s)\n",
        rows.len()
    ));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(profile: &str, key: &str, sub: Option<&str>) -> Dest {
        dest(FileKind::Config, Target::Profile(profile.into()), key, sub)
    }

    fn dest(file: FileKind, target: Target, key: &str, sub: Option<&str>) -> Dest {
        Dest {
            file,
            target,
            key: key.into(),
            sub: sub.map(Into::into),
        }
    }

    #[test]
    fn names_resolve_like_aws_configure_set() {
        let creds =
            |p: &str, k: &str| dest(FileKind::Credentials, Target::Section(p.into()), k, None);
        let sect = |s: &str, k: &str| dest(FileKind::Config, Target::Section(s.into()), k, None);
        let pre = |prefix: &str, name: &str, k: &str, sub: Option<&str>| {
            let target = Target::Prefixed {
                prefix: prefix.into(),
                name: name.into(),
            };
            dest(FileKind::Config, target, k, sub)
        };
        let cases = [
            ("region", "default", cfg("default", "region", None)),
            ("region", "my prof", cfg("my prof", "region", None)),
            (
                "aws_access_key_id",
                "my prof",
                creds("my prof", "aws_access_key_id"),
            ),
            ("profile.dev.region", "x", cfg("dev", "region", None)),
            (
                "profile.default.region",
                "x",
                cfg("default", "region", None),
            ),
            ("default.region", "dev", cfg("default", "region", None)),
            (
                "default.aws_session_token",
                "dev",
                creds("default", "aws_session_token"),
            ),
            (
                "s3.addressing_style",
                "dev",
                cfg("dev", "s3", Some("addressing_style")),
            ),
            (
                "profile.dev.s3.addressing_style",
                "x",
                cfg("dev", "s3", Some("addressing_style")),
            ),
            (
                "default.s3.addressing_style",
                "x",
                cfg("default", "s3", Some("addressing_style")),
            ),
            // Too many parts: silently truncated (P-CLI-5).
            ("foo.bar.baz", "default", cfg("default", "foo", None)),
            ("profile.dev.a.b.c", "x", cfg("dev", "a", None)),
            (
                "sso-session.corp.sso_region",
                "x",
                pre("sso-session", "corp", "sso_region", None),
            ),
            (
                "services.mysvc.s3.endpoint_url",
                "x",
                pre("services", "mysvc", "s3", Some("endpoint_url")),
            ),
            ("preview.cloudfront", "dev", sect("preview", "cloudfront")),
            ("plugins.x", "dev", sect("plugins", "x")),
        ];
        for (name, current, want) in cases {
            assert_eq!(resolve(name, current), Ok(want), "{name} with {current}");
        }
        assert!(resolve("profile.dev", "x").is_err());
    }

    #[test]
    fn csv_import_rows() {
        let both = "\u{feff}User Name,Access key ID,Secret access key\r\n\
                    alice,AKIA1,s1\r\n\"bob\",AKIA2,\"s,2\"\r\n";
        assert_eq!(
            import_rows(both, "", None, false),
            Ok(vec![
                ("alice".into(), "AKIA1".into(), "s1".into()),
                ("bob".into(), "AKIA2".into(), "s,2".into()),
            ])
        );
        assert_eq!(
            import_rows(both, "p-", None, false).map(|r| r[0].0.clone()),
            Ok("p-alice".into())
        );
        let keys_only = "Access key ID,Secret access key\nAKIA3,s3\n";
        assert_eq!(
            import_rows(keys_only, "", Some("dev"), false),
            Ok(vec![("dev".into(), "AKIA3".into(), "s3".into())])
        );
        assert_eq!(
            import_rows(keys_only, "ci-", Some("dev"), false).map(|r| r[0].0.clone()),
            Ok("ci-dev".into())
        );
        // AWS CLI v2: `Expected header "User Name" not found`.
        for prefix in ["", "ci"] {
            let e = import_rows(keys_only, prefix, None, false).unwrap_err();
            assert!(
                e.starts_with("Expected header \"User Name\" not found"),
                "{e}"
            );
        }
        assert_eq!(
            import_rows("User Name,Access key ID\n", "", None, false),
            Err("Expected header \"Secret access key\" not found".into())
        );
        let console_only = "User Name,Access key ID,Secret access key\ncarol,,\ndan,AKIA4,s4\n";
        assert!(import_rows(console_only, "", None, false).is_err());
        assert_eq!(
            import_rows(console_only, "", None, true).map(|r| r.len()),
            Ok(1)
        );
    }
}
