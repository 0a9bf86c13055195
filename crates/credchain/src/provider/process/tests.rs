//! Unit tests for the `credential_process` provider (P-PROC-1..4). The
//! differential against botocore is `tests/differential/process_diff.py`;
//! these cover what botocore does not have (timeout, caps, terminal
//! passthrough, redaction) and the first-use refresh.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::os::{FixedClock, MapEnv, MemFs};

struct Helper {
    dir: tempfile::TempDir,
}

impl Helper {
    fn new() -> Helper {
        Helper {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    /// Writes an executable `sh` script and returns its path.
    fn script(&self, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p.to_str().expect("utf-8").to_owned()
    }
    fn path(&self, name: &str) -> String {
        self.dir
            .path()
            .join(name)
            .to_str()
            .expect("utf-8")
            .to_owned()
    }
}

fn os_with(env: &[(&str, &str)], now: u64) -> Os {
    let mut pairs: Vec<(String, String)> = vec![("PATH".into(), "/usr/bin:/bin".into())];
    pairs.extend(env.iter().map(|(k, v)| ((*k).into(), (*v).into())));
    Os {
        env: Arc::new(MapEnv::from_pairs(pairs)),
        fs: Arc::new(MemFs::new()),
        clock: Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(now))),
    }
}

fn captured(line: &str) -> ProcessCommand {
    ProcessCommand {
        line: line.to_owned(),
        profile_account_id: None,
        stderr: ChildStderr::Capture,
        inherit_stdin: false,
    }
}

const NOW: u64 = 1_795_910_400; // 2026-11-29T00:00:00Z

fn doc(ak: &str, extra: &str) -> String {
    format!(
        "printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{ak}\", \"SecretAccessKey\": \"S\"{extra}}}'"
    )
}

#[test]
fn runs_with_the_injected_environment_only() {
    let h = Helper::new();
    let s = h.script(
        "env.sh",
        r#"printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "S"}' "$FOO-${HOME:-nohome}""#,
    );
    let c = fetch(&captured(&s), &os_with(&[("FOO", "injected")], NOW)).expect("creds");
    assert_eq!(c.access_key_id(), "injected-nohome");
    assert_eq!(c.method(), Method::CustomProcess);
    // PATH lookup uses the injected PATH too: `sh` found in /bin.
    let c = fetch(
        &captured(&format!("sh {s}")),
        &os_with(&[("FOO", "x")], NOW),
    )
    .expect("creds");
    assert_eq!(c.access_key_id(), "x-nohome");
    let e = fetch(
        &captured("sh -c true"),
        &os_with(&[("PATH", "/nonexistent")], NOW),
    )
    .expect_err("not on PATH");
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        (
            "FileNotFoundError",
            "[Errno 2] No such file or directory: 'sh'"
        )
    );
}

#[test]
fn timeout_kills_the_child() {
    let h = Helper::new();
    let pidfile = h.path("pid");
    let s = h.script("hang.sh", &format!("echo $$ > {pidfile}\nexec sleep 30"));
    let started = std::time::Instant::now();
    let e = fetch(
        &captured(&s),
        &os_with(&[(CREDCHAIN_PROCESS_TIMEOUT, "0.5")], NOW),
    )
    .expect_err("timed out");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(e.kind(), "CredentialRetrievalError");
    assert!(
        e.to_string()
            .contains("did not finish within 0.5 s and was stopped")
            && e.to_string().contains("CREDCHAIN_PROCESS_TIMEOUT"),
        "{e}"
    );
    let pid = std::fs::read_to_string(&pidfile).expect("pid");
    // Killed and reaped: no such process any more.
    assert!(
        !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "child {pid} still alive"
    );
    let e = fetch(
        &captured(&s),
        &os_with(&[(CREDCHAIN_PROCESS_TIMEOUT, "soon")], NOW),
    )
    .expect_err("bad timeout");
    assert_eq!(e.kind(), "InvalidConfigError");
    assert!(e.to_string().contains("positive number"), "{e}");
}

#[test]
fn stderr_goes_to_a_terminal_and_is_captured_otherwise() {
    assert_eq!(stderr_mode(true), ChildStderr::Inherit);
    assert_eq!(stderr_mode(false), ChildStderr::Capture);
    let h = Helper::new();
    let s = h.script("fail.sh", "echo 'touch the key' >&2\nexit 3");
    let e = fetch(&captured(&s), &os_with(&[], NOW)).expect_err("fails");
    // P-PROC-3: the decoded stderr, verbatim with its newline.
    assert_eq!(
        e.to_string(),
        "Error when retrieving credentials from custom-process: touch the key\n"
    );
    let mut cmd = captured(&s);
    cmd.stderr = ChildStderr::Inherit;
    let e = fetch(&cmd, &os_with(&[], NOW)).expect_err("fails");
    assert_eq!(e.kind(), "CredentialRetrievalError");
    assert!(
        e.to_string()
            .ends_with("exited with status 3; its error output was shown above"),
        "{e}"
    );
    let s = h.script("bad.sh", r"printf '\377' >&2; exit 1");
    let e = fetch(&captured(&s), &os_with(&[], NOW)).expect_err("fails");
    assert_eq!(e.kind(), "UnicodeDecodeError");
}

#[test]
fn output_is_size_capped() {
    let h = Helper::new();
    let s = h.script("big.sh", "head -c 2000000 /dev/zero");
    let e = fetch(&captured(&s), &os_with(&[], NOW)).expect_err("too big");
    assert!(
        e.to_string().contains("more than 1048576 bytes to stdout"),
        "{e}"
    );
    let s = h.script("bigerr.sh", "head -c 2000000 /dev/zero >&2; exit 1");
    let e = fetch(&captured(&s), &os_with(&[], NOW)).expect_err("too big");
    assert!(
        e.to_string().contains("more than 1048576 bytes to stderr"),
        "{e}"
    );
}

#[test]
fn document_rules_p_proc_2() {
    let h = Helper::new();
    let run = |body: &str| {
        let s = h.script(&format!("d{}.sh", body.len()), body);
        let mut cmd = captured(&s);
        cmd.profile_account_id = Some("111122223333".into());
        fetch(&cmd, &os_with(&[], NOW))
    };
    let e = run(r#"printf '{"AccessKeyId": "A", "SecretAccessKey": "S"}'"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Error when retrieving credentials from custom-process: Unsupported version '<Version \
         key not provided>' for credential process provider, supported versions: 1"
    );
    let e = run(r#"printf '{"Version": "1", "AccessKeyId": "A"}'"#).unwrap_err();
    assert!(e.to_string().contains("Unsupported version '1'"), "{e}");
    let e = run(r#"printf '{"Version": 1, "AccessKeyId": "A"}'"#).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Missing required key in response: 'SecretAccessKey'"),
        "{e}"
    );
    let e = run("printf '[1]'").unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        ("AttributeError", "'list' object has no attribute 'get'")
    );
    let e = run("true").unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        (
            "JSONDecodeError",
            "Expecting value: line 1 column 1 (char 0)"
        )
    );
    // `true` and 1.0 equal 1 in Python; the profile's account id fills in.
    let c =
        run(r#"printf '{"Version": true, "AccessKeyId": "A", "SecretAccessKey": "S"}'"#).unwrap();
    assert_eq!(
        (c.account_id(), c.session_token().is_none()),
        (Some("111122223333"), true)
    );
    let c = run(&doc(
        "A",
        r#", "Version": 1.0, "AccountId": "444455556666""#,
    ))
    .unwrap();
    assert_eq!(c.account_id(), Some("444455556666"));
    let c = run(&doc("A", r#", "AccountId": """#)).unwrap();
    assert_eq!(c.account_id(), Some("111122223333"));
}

#[test]
fn expired_answer_runs_the_command_again_p_proc_4() {
    let h = Helper::new();
    let count = h.path("count");
    // First run: expired; later runs: valid for an hour (or still expired).
    let script = |name: &str, later: &str| {
        h.script(
            name,
            &format!(
                "n=$(cat {count} 2>/dev/null || echo 0); echo $((n+1)) > {count}\n\
                 if [ \"$n\" = 0 ]; then {}; else {}; fi",
                doc("OLD", r#", "Expiration": "2026-11-28T00:00:00Z""#),
                doc("NEW", &format!(r#", "Expiration": "{later}""#)),
            ),
        )
    };
    let os = os_with(&[], NOW);
    let s = script("a.sh", "2026-11-29T01:00:00Z");
    let (c, note) = fetch_for_use(&captured(&s), &os).expect("refreshed");
    assert_eq!(c.access_key_id(), "NEW");
    assert!(note.is_some_and(|n| n.contains("fetched again")));
    assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "2");
    std::fs::remove_file(&count).unwrap();
    let s = script("b.sh", "2026-11-28T12:00:00Z");
    let e = fetch_for_use(&captured(&s), &os).expect_err("still expired");
    assert_eq!(e.kind(), "RuntimeError");
    std::fs::remove_file(&count).unwrap();
    // Far from expiry: run once.
    let s = h.script(
        "far.sh",
        &format!(
            "echo x >> {count}\n{}",
            doc("FAR", r#", "Expiration": "2026-11-29T02:00:00+00:00""#)
        ),
    );
    let (c, note) = fetch_for_use(&captured(&s), &os).expect("creds");
    assert_eq!(
        (
            c.access_key_id(),
            note,
            std::fs::read_to_string(&count).unwrap()
        ),
        ("FAR", None, "x\n".to_owned())
    );
    assert_eq!(c.expiration().unwrap().unix_seconds(), 1_795_917_600);
}

#[test]
fn explain_redacts_secret_looking_arguments() {
    let cases = [
        ("helper --profile dev", "helper --profile dev"),
        (
            "helper --password hunter2 --user bob",
            "helper --password <redacted> --user bob",
        ),
        (
            "helper --secret=abc -p 1234",
            "helper --secret=<redacted> -p <redacted>",
        ),
        (
            "helper --api-key k --mfa-token 123456",
            "helper --api-key <redacted> --mfa-token <redacted>",
        ),
        (
            "env DB_PASSWORD=x MY_TOKEN=y REGION=eu helper",
            "env DB_PASSWORD=<redacted> MY_TOKEN=<redacted> REGION=eu helper",
        ),
        (
            "helper wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "helper <redacted>",
        ),
        (
            "/usr/local/bin/credchain configure export-credentials --profile b",
            "/usr/local/bin/credchain configure export-credentials --profile b",
        ),
        ("'my helper' 'a b'", "'my helper' 'a b'"),
        (
            "helper 'unclosed",
            "<16 characters that do not split into words>",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(redact(line), want, "{line}");
    }
    let cmd = captured("helper --token s3cr3t");
    assert!(!format!("{cmd:?}").contains("s3cr3t"));
}

#[test]
fn stdin_is_closed_unless_it_is_a_terminal() {
    // `cat` would wait for input on an inherited pipe; with /dev/null it
    // ends at once (and prints nothing: Python's empty-input error).
    let e = fetch(&captured("cat"), &os_with(&[], NOW)).expect_err("empty");
    assert_eq!(e.to_string(), "Expecting value: line 1 column 1 (char 0)");
}

#[test]
fn an_empty_program_fails_as_python_s_path_search_does() {
    // `credential_process = ''`: botocore execs `DIR/` for each PATH entry.
    let mut os = os_with(&[("PATH", "/nope:/bin")], NOW);
    let e = fetch(&captured("''"), &os).expect_err("empty program");
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        (
            "FileNotFoundError",
            "[Errno 2] No such file or directory: ''"
        )
    );
    os.fs = Arc::new(MemFs::new().with_dir("/bin"));
    let e = fetch(&captured("'' x"), &os).expect_err("empty program");
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        ("PermissionError", "[Errno 13] Permission denied: ''")
    );
}
