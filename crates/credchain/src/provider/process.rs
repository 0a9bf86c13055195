//! `custom-process`: `credential_process` in the merged profile, so it also
//! works from the credentials file (P-CHAIN-2), botocore's
//! `ProcessProvider` (P-PROC-1..4).
//!
//! The command line is split as Python's `shlex.split` does
//! ([`crate::shlex`]) and run without a shell, with the session's
//! environment ([`Env::vars_os`](crate::os::Env::vars_os)). Its stdout must
//! be botocore's JSON document; an `Expiration` makes the credentials
//! refreshable, so botocore's refresh on first use applies
//! ([`super::refresh`]) and the chain gets [`RefreshableCredentials`] whose
//! refresher ([`ProcessRefresher`]) runs the command again. [`fetch`] runs
//! the command once.
//!
//! Differences from botocore, on purpose:
//! * **Cross-process cache** (issue 12; botocore never caches
//!   `credential_process` output): an answer with an `Expiration` at least
//!   15 minutes away is kept in the session's credential cache under
//!   `credchain-process-<sha1>` (the CLI's `~/.aws/cli/cache/
//!   credchain-process-<sha1>.json`, 0600, written atomically; the SHA-1
//!   of `json.dumps({"command": …, "profile": …}, sort_keys=True)`), and
//!   the command runs under that entry's lock
//!   ([`super::cache::fetch_through`]): N processes that need it at once
//!   run it once, the others read its answer, and a fresh entry runs
//!   nothing. Answers without an `Expiration`, or with less than 15
//!   minutes left, are never written. `--no-cache` (an in-memory cache)
//!   writes no file.
//! * botocore waits for the command forever; credchain kills it after
//!   [`DEFAULT_TIMEOUT`] (`CREDCHAIN_PROCESS_TIMEOUT` seconds) and fails
//!   with `CredentialRetrievalError`.
//! * stdout and stderr are capped at [`MAX_OUTPUT`] bytes each.
//! * When credchain's stderr is a terminal the command's stderr goes there
//!   (botocore captures it, hiding MFA and Touch ID prompts, aws-cli#7306);
//!   the error for a failed command then says the output was shown above.
//!   stdin is the terminal when credchain's is one, else `/dev/null`.
//! * A non-string `AccessKeyId`, `SecretAccessKey`, `SessionToken` or
//!   `AccountId` is a `TypeError` at once; botocore keeps the value and
//!   fails later, when it signs.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value as Json;

use super::cache::{
    CacheArg, CredentialCache, EXPIRY_WINDOW_SECONDS, cache_key, fetch_through_keeping,
};
use super::{attempt, merged_profile, string_value};
use crate::chain::{Ctx, Outcome, Provider};
use crate::credentials::{Credentials, Method};
use crate::env_vars::CREDCHAIN_PROCESS_TIMEOUT;
use crate::error::Error;
use crate::os::{ChildError, ChildSpec, ChildStderr, Os};
use crate::pyjson::py_type;
use crate::refreshable::{Refresh, RefreshableCredentials};
use crate::time::Timestamp;

/// How long a command may run when `CREDCHAIN_PROCESS_TIMEOUT` is unset.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most bytes read from the command's stdout, and from its stderr.
pub(crate) const MAX_OUTPUT: u64 = 1 << 20;

const METHOD: Method = Method::CustomProcess;

/// A `credential_process` to run: everything [`fetch`] needs, owned, so a
/// refreshable-credentials handle can keep it for later refreshes.
#[derive(Clone)]
pub(crate) struct ProcessCommand {
    /// The command line as configured. May hold secrets: show it only
    /// through [`redact`].
    pub(crate) line: String,
    /// The profile's `aws_account_id`: botocore's fallback when the
    /// document has no (or an empty) `AccountId`.
    pub(crate) profile_account_id: Option<String>,
    /// Where the helper's stderr goes: [`ChildStderr::Inherit`] when
    /// credchain's stderr is a terminal.
    pub(crate) stderr: ChildStderr,
    /// Whether the helper gets credchain's stdin (a terminal).
    pub(crate) inherit_stdin: bool,
}

impl std::fmt::Debug for ProcessCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessCommand")
            .field("line", &redact(&self.line))
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

impl ProcessCommand {
    /// A command whose stdin and stderr follow credchain's own: the
    /// terminal is handed over when it is one.
    pub(crate) fn new(line: String, profile_account_id: Option<String>) -> ProcessCommand {
        ProcessCommand {
            line,
            profile_account_id,
            stderr: stderr_mode(crate::os::stderr_is_terminal()),
            inherit_stdin: crate::os::stdin_is_terminal(),
        }
    }
}

/// Where a helper's stderr goes: to credchain's stderr when that is a
/// terminal (the user must see a helper's prompts), else captured for the
/// error message, as botocore does.
pub(crate) fn stderr_mode(credchain_stderr_is_terminal: bool) -> ChildStderr {
    if credchain_stderr_is_terminal {
        ChildStderr::Inherit
    } else {
        ChildStderr::Capture
    }
}

/// The timeout from `CREDCHAIN_PROCESS_TIMEOUT` (seconds, a positive
/// number), or [`DEFAULT_TIMEOUT`].
fn timeout(os: &Os) -> Result<Duration, Error> {
    let Some(raw) = os.env.get(CREDCHAIN_PROCESS_TIMEOUT) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| Error::InvalidConfig {
            message: format!(
                "{CREDCHAIN_PROCESS_TIMEOUT}={raw:?} is not a number of seconds; expected a \
                 positive number such as 60"
            ),
        })
}

/// The fields of botocore's `_retrieve_credentials_using` result, before
/// `Expiration` is parsed.
struct Document {
    access_key: String,
    secret_key: String,
    token: Option<String>,
    expiration: Option<Json>,
    account_id: Option<String>,
}

/// Runs the command once and returns its credentials (botocore's
/// `_retrieve_credentials_using`, then the parse of `Expiration`). No
/// first-use refresh: this is what a later refresh calls.
///
/// # Errors
/// botocore's: `ValueError` (a command `shlex` cannot split),
/// `IndexError` (an empty one), `FileNotFoundError` / `PermissionError` /
/// `OSError` (it cannot be started), `CredentialRetrievalError` (non-zero
/// exit with the decoded stderr; a bad `Version`; a missing key),
/// `UnicodeDecodeError`, `JSONDecodeError`, `AttributeError` (JSON that is
/// no object), `ParserError` / `TypeError` (a bad `Expiration`); and
/// credchain's own `CredentialRetrievalError` for a timeout or too much
/// output, `InvalidConfigError` for a bad `CREDCHAIN_PROCESS_TIMEOUT`.
pub(crate) fn fetch(cmd: &ProcessCommand, os: &Os) -> Result<Credentials, Error> {
    retrieve(cmd, os)?.into_credentials()
}

impl Document {
    /// botocore's `RefreshableCredentials.create_from_metadata` (or plain
    /// `Credentials` without an expiry).
    fn into_credentials(self) -> Result<Credentials, Error> {
        let exp = self
            .expiration
            .as_ref()
            .map(|e| super::container::parse_expiration(e, METHOD))
            .transpose()?;
        Ok(
            Credentials::new(self.access_key, self.secret_key, self.token, METHOD)
                .with_expiration(exp)
                .with_account_id(self.account_id),
        )
    }
}

fn retrieval(message: impl Into<String>) -> Error {
    Error::CredentialRetrieval {
        provider: METHOD,
        message: message.into(),
    }
}

fn unhandled(class: &'static str, message: impl Into<String>) -> Error {
    Error::Unhandled {
        class,
        message: message.into(),
    }
}

/// Python's `OSError` for a program that cannot be started:
/// `[Errno 2] No such file or directory: 'prog'`.
fn spawn_error(e: &std::io::Error, program: &str) -> Error {
    let Some(errno) = e.raw_os_error() else {
        return unhandled(
            "OSError",
            format!("{e}: {}", crate::chain::repr::py_repr(program)),
        );
    };
    let class = match errno {
        2 => "FileNotFoundError",
        1 | 13 => "PermissionError",
        20 => "NotADirectoryError",
        21 => "IsADirectoryError",
        _ => "OSError",
    };
    let text = e.to_string();
    let strerror = text
        .strip_suffix(&format!(" (os error {errno})"))
        .unwrap_or(&text);
    unhandled(
        class,
        format!(
            "[Errno {errno}] {strerror}: {}",
            crate::chain::repr::py_repr(program)
        ),
    )
}

/// What Python's `Popen(['', ...])` raises (`credential_process = ''`):
/// it execs `DIR/` for every `PATH` entry, so a directory among them gives
/// `EACCES`, and only a `PATH` of missing entries `ENOENT`. (The OS's
/// `posix_spawnp` answers `ENOENT` at once.)
fn empty_program(os: &Os) -> Error {
    let path = os
        .env
        .get("PATH")
        .unwrap_or_else(|| "/bin:/usr/bin".to_owned());
    let any_dir = path
        .split(':')
        .filter(|d| !d.is_empty())
        .any(|d| os.fs.file_type(std::path::Path::new(d)) == Some(crate::os::FileType::Dir));
    if any_dir {
        unhandled("PermissionError", "[Errno 13] Permission denied: ''")
    } else {
        unhandled(
            "FileNotFoundError",
            "[Errno 2] No such file or directory: ''",
        )
    }
}

/// `bytes.decode('utf-8')`, with Python's error class.
fn decode(bytes: Vec<u8>, what: &str) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| {
        let u = e.utf8_error();
        let pos = u.valid_up_to();
        let byte = e.as_bytes()[pos];
        let reason = match u.error_len() {
            None => "unexpected end of data",
            Some(_) if (0x80..0xc2).contains(&byte) || byte > 0xf4 => "invalid start byte",
            Some(_) => "invalid continuation byte",
        };
        unhandled(
            "UnicodeDecodeError",
            format!(
                "'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: {reason} \
                 (the command's {what})"
            ),
        )
    })
}

fn retrieve(cmd: &ProcessCommand, os: &Os) -> Result<Document, Error> {
    let argv = crate::shlex::split(&cmd.line).map_err(|e| unhandled("ValueError", e.message()))?;
    if argv.is_empty() {
        // `Popen([])`.
        return Err(unhandled(
            "IndexError",
            "list index out of range (credential_process is empty)",
        ));
    }
    if argv[0].is_empty() {
        return Err(empty_program(os));
    }
    let limit = timeout(os)?;
    let spec = ChildSpec {
        argv: &argv,
        env: os.env.vars_os(),
        inherit_stdin: cmd.inherit_stdin,
        stderr: cmd.stderr,
        timeout: limit,
        max_output: MAX_OUTPUT,
    };
    let out = crate::os::run_child(&spec).map_err(|e| match e {
        ChildError::Spawn(e) => spawn_error(&e, &argv[0]),
        ChildError::TimedOut => retrieval(format!(
            "{} did not finish within {} s and was stopped (credchain's limit; set \
             {CREDCHAIN_PROCESS_TIMEOUT} to change it)",
            crate::chain::repr::py_repr(&argv[0]),
            limit.as_secs_f64()
        )),
        ChildError::TooLarge(stream) => retrieval(format!(
            "{} wrote more than {MAX_OUTPUT} bytes to {stream} and was stopped; expected a short \
             JSON document",
            crate::chain::repr::py_repr(&argv[0])
        )),
        ChildError::Io(e) => unhandled("OSError", format!("reading the command's output: {e}")),
    })?;
    if out.returncode != 0 {
        return Err(match out.stderr {
            Some(stderr) => retrieval(decode(stderr, "stderr")?),
            None => retrieval(format!(
                "{} exited with status {}; its error output was shown above",
                crate::chain::repr::py_repr(&argv[0]),
                out.returncode
            )),
        });
    }
    let text = decode(out.stdout, "stdout")?;
    // `JSONDecodeError`, or `RecursionError` for a document nested too deep.
    let doc = crate::pyjson::loads(&text).map_err(|e| unhandled(e.class(), e.to_string()))?;
    parse_document(&doc, cmd.profile_account_id.as_deref())
}

/// Python's `str()` of a JSON value (`repr` inside containers).
fn py_str(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => py_repr_json(other),
    }
}

fn py_repr_json(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => py_float_repr(f),
            _ => n.to_string(),
        },
        Json::String(s) => crate::chain::repr::py_repr(s),
        Json::Array(a) => {
            let items: Vec<String> = a.iter().map(py_repr_json).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", crate::chain::repr::py_repr(k), py_repr_json(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, scientific below
/// 1e-4 and from 1e16.
fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
        return format!("{mant}e{sign}{digits:0>2}");
    }
    format!("{f:?}")
}

/// Python truthiness of a JSON value.
fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(m) => !m.is_empty(),
    }
}

fn string_of(v: &Json, key: &str) -> Result<String, Error> {
    match v {
        Json::String(s) => Ok(s.clone()),
        other => Err(unhandled(
            "TypeError",
            format!(
                "{key} in the credential_process output is a {}; expected a string",
                py_type(other)
            ),
        )),
    }
}

/// botocore's checks on the parsed document (P-PROC-2): `Version` equal
/// to 1 (so `1.0` and `true` pass, as in Python), `AccessKeyId` and
/// `SecretAccessKey` present, `AccountId` falling back to the profile's.
fn parse_document(doc: &Json, profile_account_id: Option<&str>) -> Result<Document, Error> {
    let Json::Object(m) = doc else {
        return Err(unhandled(
            "AttributeError",
            format!("'{}' object has no attribute 'get'", py_type(doc)),
        ));
    };
    let version_ok = match m.get("Version") {
        Some(Json::Number(n)) => n.as_f64() == Some(1.0),
        Some(Json::Bool(b)) => *b,
        _ => false,
    };
    if !version_ok {
        let shown = m
            .get("Version")
            .map_or_else(|| "<Version key not provided>".to_owned(), py_str);
        return Err(retrieval(format!(
            "Unsupported version '{shown}' for credential process provider, supported \
             versions: 1"
        )));
    }
    let required = |k: &str| {
        m.get(k).ok_or_else(|| {
            retrieval(format!(
                "Missing required key in response: {}",
                crate::chain::repr::py_repr(k)
            ))
        })
    };
    let ak = required("AccessKeyId")?;
    let sk = required("SecretAccessKey")?;
    let token = m.get("SessionToken").filter(|t| !t.is_null());
    let expiration = m.get("Expiration").filter(|e| !e.is_null()).cloned();
    let account = m.get("AccountId").filter(|a| truthy(a));
    Ok(Document {
        access_key: string_of(ak, "AccessKeyId")?,
        secret_key: string_of(sk, "SecretAccessKey")?,
        token: token.map(|t| string_of(t, "SessionToken")).transpose()?,
        expiration,
        account_id: match account {
            Some(a) => Some(string_of(a, "AccountId")?),
            None => profile_account_id
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
        },
    })
}

/// The cache entry of one command in one profile (credchain's deviation,
/// see the module doc).
#[derive(Clone)]
pub(crate) struct ProcessCache {
    cache: Arc<dyn CredentialCache>,
    key: String,
}

impl ProcessCache {
    /// The entry for `line` run for `profile`.
    pub(crate) fn new(cache: Arc<dyn CredentialCache>, line: &str, profile: &str) -> ProcessCache {
        let digest = cache_key(&[
            ("command", CacheArg::Str(line.to_owned())),
            ("profile", CacheArg::Str(profile.to_owned())),
        ]);
        ProcessCache {
            cache,
            key: format!("credchain-process-{digest}"),
        }
    }
}

/// The cached form: the SSO role cache's layout (P-SSO-8) with
/// `ProviderType` `credchain-process`.
fn to_doc(c: &Credentials) -> Json {
    let mut creds = serde_json::Map::new();
    creds.insert("AccessKeyId".into(), c.access_key_id().into());
    creds.insert(
        "SecretAccessKey".into(),
        c.secret_access_key().expose().into(),
    );
    if let Some(t) = c.session_token() {
        creds.insert("SessionToken".into(), t.expose().into());
    }
    if let Some(e) = c.expiration() {
        creds.insert("Expiration".into(), e.to_string().into());
    }
    if let Some(a) = c.account_id() {
        creds.insert("AccountId".into(), a.into());
    }
    serde_json::json!({"ProviderType": "credchain-process", "Credentials": creds})
}

/// The credentials of a cached document when they have at least 15
/// minutes left at `now`; anything else (no expiry, short, malformed) is a
/// miss.
fn usable_doc(doc: &Json, now: SystemTime) -> Option<Credentials> {
    let c = doc.get("Credentials")?;
    let s = |k: &str| c.get(k).and_then(Json::as_str).map(str::to_owned);
    let exp = Timestamp::parse(&s("Expiration")?).ok()?;
    if exp.seconds_after(now) < EXPIRY_WINDOW_SECONDS {
        return None;
    }
    Some(
        Credentials::new(
            s("AccessKeyId")?,
            s("SecretAccessKey")?,
            s("SessionToken"),
            METHOD,
        )
        .with_expiration(Some(exp))
        .with_account_id(s("AccountId")),
    )
}

/// Runs `run` through `cache` (when there is one): a fresh entry is used
/// as is; otherwise the entry is locked, re-read, and `run` called only if
/// it is still not fresh, its answer kept when it has 15 minutes left.
/// Returns the credentials and whether they came from the cache.
fn through_cache(
    cache: Option<&ProcessCache>,
    os: &Os,
    run: impl FnOnce() -> Result<Credentials, Error>,
) -> Result<(Credentials, bool), Error> {
    let Some(pc) = cache else {
        return run().map(|c| (c, false));
    };
    if let Some(doc) = pc.cache.get(&pc.key)
        && let Some(c) = usable_doc(&doc, os.clock.now())
    {
        return Ok((c, true));
    }
    let fresh = |doc: &Json| usable_doc(doc, os.clock.now()).is_some();
    let mut fetched = None;
    let (doc, cached) = fetch_through_keeping(
        Some(&*pc.cache),
        &pc.key,
        "running credential_process",
        // The command's own limit, plus a moment to write its answer.
        timeout(os)? + Duration::from_secs(5),
        fresh,
        || {
            let c = run()?;
            let doc = to_doc(&c);
            fetched = Some(c);
            Ok(doc)
        },
        fresh,
    )?;
    match fetched {
        Some(c) if !cached => Ok((c, false)),
        _ => usable_doc(&doc, os.clock.now())
            .map(|c| (c, true))
            .ok_or_else(|| unhandled("KeyError", "'Credentials' (credential_process cache)")),
    }
}

/// Runs the command again for [`RefreshableCredentials`] (botocore's
/// `refresh_using` for a process with `Expiration`, P-PROC-4), through the
/// cache when there is one.
pub(crate) struct ProcessRefresher {
    cmd: ProcessCommand,
    os: Os,
    cache: Option<ProcessCache>,
}

impl Refresh for ProcessRefresher {
    fn refresh(&self) -> Result<Option<Credentials>, Error> {
        self.refresh_staged().and_then(|r| r)
    }

    /// The command's own failures are guarded; a second answer without
    /// `Expiration`, or with one that does not parse, fails in either
    /// window: botocore's `_set_from_data` raises outside its guarded
    /// refresh.
    fn refresh_staged(&self) -> Result<Result<Option<Credentials>, Error>, Error> {
        let unguarded = RefCell::new(None);
        let run = || {
            let doc = retrieve(&self.cmd, &self.os)?;
            let checked = doc.into_credentials().and_then(|c| {
                if c.expiration().is_some() {
                    Ok(c)
                } else {
                    Err(unhandled(
                        "TypeError",
                        "Parser must be a string or character stream, not NoneType (the \
                         command's second answer has no Expiration)",
                    ))
                }
            });
            checked.inspect_err(|e| *unguarded.borrow_mut() = Some(e.clone()))
        };
        let r = through_cache(self.cache.as_ref(), &self.os, run);
        if let Some(e) = unguarded.into_inner() {
            return Ok(Err(e));
        }
        r.map(|(c, _)| Ok(Some(c)))
    }
}

/// [`fetch`] (through `cache` when given) plus botocore's refresh on first
/// use (P-REF-1..3, P-PROC-4): an answer expiring in under 15 minutes (or
/// already expired) runs the command once more. Returns the live
/// credentials, the set to use now, the `explain` note and whether the
/// first answer came from the cache.
fn fetch_refreshable(
    cmd: &ProcessCommand,
    os: &Os,
    cache: Option<ProcessCache>,
) -> Result<(RefreshableCredentials, Credentials, Option<String>, bool), Error> {
    let (first, cached) = through_cache(cache.as_ref(), os, || fetch(cmd, os))?;
    let first_expiry = first.expiration().map(|e| e.to_string());
    let refresher = ProcessRefresher {
        cmd: cmd.clone(),
        os: os.clone(),
        cache,
    };
    let rc = RefreshableCredentials::with_clock(first, refresher, Arc::clone(&os.clock));
    let (creds, used) = super::refresh::first_use(&rc)?;
    let note = first_expiry.and_then(|e| used.note(&e));
    Ok((rc, creds, note, cached))
}

/// [`fetch_refreshable`] with no cache, for the tests of the first use.
#[cfg(test)]
fn fetch_for_use(cmd: &ProcessCommand, os: &Os) -> Result<(Credentials, Option<String>), Error> {
    fetch_refreshable(cmd, os, None).map(|(_, c, note, _)| (c, note))
}

/// Arguments that look like secrets, for `explain`: the value after a
/// flag such as `--password`, `--secret`, `--token`, `--key` or `-p`
/// (`--flag value` and `--flag=value`), a `NAME=VALUE` whose name holds
/// SECRET, TOKEN or PASSWORD, and long high-entropy words. The rest of the
/// line is shown as configured (split and re-quoted when needed).
pub(crate) fn redact(line: &str) -> String {
    let Ok(words) = crate::shlex::split(line) else {
        // Unsplittable: the chain fails on it; show only its length.
        return format!(
            "<{} characters that do not split into words>",
            line.chars().count()
        );
    };
    let mut out = Vec::with_capacity(words.len());
    let mut hide_next = false;
    for w in &words {
        if std::mem::take(&mut hide_next) {
            out.push("<redacted>".to_owned());
            continue;
        }
        if let Some((name, _)) = w.split_once('=') {
            if secret_flag(name) || secret_name(name) {
                out.push(format!("{}=<redacted>", quote(name)));
                continue;
            }
        }
        if secret_flag(w) {
            hide_next = true;
            out.push(quote(w));
            continue;
        }
        if looks_random(w) {
            out.push("<redacted>".to_owned());
            continue;
        }
        out.push(quote(w));
    }
    out.join(" ")
}

/// `--password`, `--secret-key`, `--token`, `--key`, `-p`, ... (a flag
/// whose next word is a secret).
fn secret_flag(w: &str) -> bool {
    if w == "-p" || w == "-P" {
        return true;
    }
    let Some(name) = w.strip_prefix("--") else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "key",
        "pass",
        "pin",
        "otp",
    ]
    .iter()
    .any(|s| name == *s || name.split(['-', '_']).any(|part| part == *s))
}

/// An environment-style name that holds a secret.
fn secret_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    ["SECRET", "TOKEN", "PASSWORD", "PASSWD"]
        .iter()
        .any(|s| up.contains(s))
}

/// At least 20 characters of mostly letters and digits that mixes cases
/// and digits, with no path separator: what keys and tokens look like.
fn looks_random(w: &str) -> bool {
    // An absolute path is a program or a file, however random it looks.
    if w.chars().count() < 20 || w.starts_with('/') {
        return false;
    }
    let alnum = w
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(*c))
        .count();
    let classes = [
        w.chars().any(|c| c.is_ascii_lowercase()),
        w.chars().any(|c| c.is_ascii_uppercase()),
        w.chars().any(|c| c.is_ascii_digit()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    alnum == w.chars().count() && classes >= 2 && shannon_bits(w) >= 3.5
}

/// Shannon entropy per character, in bits.
fn shannon_bits(w: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0.0_f64;
    for c in w.chars() {
        *counts.entry(c).or_insert(0.0_f64) += 1.0;
        n += 1.0;
    }
    counts.values().map(|c| -(c / n) * (c / n).log2()).sum()
}

/// A word re-quoted for display when it needs it.
fn quote(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// The profile's `credential_process`, ready to run, with a description
/// for `explain` (the redacted command and its file:line); `Err(reason)`
/// when the profile has none. What a refreshable-credentials handle needs
/// to call [`fetch`] again later.
pub(crate) fn configured(ctx: &Ctx<'_>) -> Result<Result<(ProcessCommand, String), String>, Error> {
    let files = ctx.files()?;
    let none = || format!("profile {} has no credential_process", ctx.profile);
    let Some(profile) = merged_profile(ctx, files) else {
        return Ok(Err(none()));
    };
    let Some(setting) = profile.get("credential_process") else {
        return Ok(Err(none()));
    };
    let line = string_value(&setting.value, "credential_process")?;
    let account = profile
        .get("aws_account_id")
        .map(|a| string_value(&a.value, "aws_account_id").map(str::to_owned))
        .transpose()?;
    let desc = format!(
        "credential_process `{}` ({})",
        redact(line),
        files.describe(setting.origin)
    );
    Ok(Ok((ProcessCommand::new(line.to_owned(), account), desc)))
}

/// Credentials from an external command.
pub(crate) struct ProcessProvider;

impl Provider for ProcessProvider {
    fn method(&self) -> Method {
        Method::CustomProcess
    }
    fn offline(&self) -> bool {
        false
    }
    fn load(&self, ctx: &Ctx<'_>) -> Outcome {
        attempt(|| {
            let (cmd, mut desc) = match configured(ctx)? {
                Ok(c) => c,
                Err(why) => return Ok(Outcome::Skipped(why)),
            };
            let cache = ctx
                .sts
                .cache
                .clone()
                .map(|c| ProcessCache::new(c, &cmd.line, ctx.profile));
            Ok(match fetch_refreshable(&cmd, ctx.os, cache) {
                Ok((rc, _, note, cached)) => {
                    if cached {
                        desc.push_str(
                            "; answer cached by an earlier run (credchain's process cache)",
                        );
                    }
                    if let Some(n) = note {
                        let _ = write!(desc, "; {n}");
                    }
                    Outcome::Refreshable(rc, desc)
                }
                Err(e) => Outcome::FailedWith(e, desc),
            })
        })
    }
}

#[cfg(all(test, unix))]
mod tests;
