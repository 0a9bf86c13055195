//! `configure export-credentials`: all six formats byte for byte (P-CLI-10),
//! expiration handling (P-ENV-1/2) and Python `json.dumps` escaping.

use crate::util::{Run, TestEnv};

const FORMATS: [&str; 6] = [
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "fish",
];

fn env_creds(token: Option<&str>, expiration: Option<&str>) -> TestEnv {
    let mut env = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAEXPORT")
        .env("AWS_SECRET_ACCESS_KEY", "se/cr+et");
    if let Some(t) = token {
        env = env.env("AWS_SESSION_TOKEN", t);
    }
    if let Some(e) = expiration {
        env = env.env("AWS_CREDENTIAL_EXPIRATION", e);
    }
    env
}

fn export(env: &TestEnv, format: &str) -> Run {
    let run = env.credchain(&["configure", "export-credentials", "--format", format]);
    run.expect_code(0);
    assert!(run.stderr.is_empty(), "{}: {}", run.what, run.stderr);
    run
}

/// The per-line formats, rendered the way AWS CLI v2 does.
fn line_format(format: &str, vars: &[(&str, &str)]) -> String {
    vars.iter()
        .map(|(k, v)| match format {
            "env" => format!("export {k}={v}\n"),
            "env-no-export" => format!("{k}={v}\n"),
            "powershell" => format!("$Env:{k}=\"{v}\"\n"),
            "windows-cmd" => format!("set {k}={v}\n"),
            "fish" => format!("set -gx {k} \"{v}\"\n"),
            other => panic!("not a line format: {other}"),
        })
        .collect()
}

#[test]
fn all_formats_without_session_token() {
    let env = env_creds(None, None);
    assert_eq!(
        export(&env, "process").stdout,
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIAEXPORT\",\n  \
         \"SecretAccessKey\": \"se/cr+et\"\n}\n"
    );
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIAEXPORT"),
        ("AWS_SECRET_ACCESS_KEY", "se/cr+et"),
    ];
    for format in &FORMATS[1..] {
        assert_eq!(
            export(&env, format).stdout,
            line_format(format, &vars),
            "{format}"
        );
    }
    // Spot-check one rendering literally, so a shared bug in line_format
    // cannot hide a wrong byte.
    assert_eq!(
        export(&env, "powershell").stdout,
        "$Env:AWS_ACCESS_KEY_ID=\"AKIAEXPORT\"\n$Env:AWS_SECRET_ACCESS_KEY=\"se/cr+et\"\n"
    );
    // `process` is the default.
    let default = env.credchain(&["configure", "export-credentials"]);
    default.expect_code(0);
    assert_eq!(default.stdout, export(&env, "process").stdout);
}

#[test]
fn all_formats_with_session_token_and_future_expiration() {
    let env = env_creds(Some("TOKEN/abc=="), Some("2099-01-01T00:00:00Z"));
    assert_eq!(
        export(&env, "process").stdout,
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIAEXPORT\",\n  \
         \"SecretAccessKey\": \"se/cr+et\",\n  \"SessionToken\": \"TOKEN/abc==\",\n  \
         \"Expiration\": \"2099-01-01T00:00:00+00:00\"\n}\n"
    );
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIAEXPORT"),
        ("AWS_SECRET_ACCESS_KEY", "se/cr+et"),
        ("AWS_SESSION_TOKEN", "TOKEN/abc=="),
        ("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00+00:00"),
    ];
    for format in &FORMATS[1..] {
        assert_eq!(
            export(&env, format).stdout,
            line_format(format, &vars),
            "{format}"
        );
    }
    assert_eq!(
        export(&env, "fish").stdout,
        "set -gx AWS_ACCESS_KEY_ID \"AKIAEXPORT\"\n\
         set -gx AWS_SECRET_ACCESS_KEY \"se/cr+et\"\n\
         set -gx AWS_SESSION_TOKEN \"TOKEN/abc==\"\n\
         set -gx AWS_CREDENTIAL_EXPIRATION \"2099-01-01T00:00:00+00:00\"\n"
    );
}

#[test]
fn token_without_expiration_and_security_token_precedence() {
    // P-ENV-1: AWS_SECURITY_TOKEN is checked before AWS_SESSION_TOKEN.
    let env = env_creds(Some("session-tok"), None).env("AWS_SECURITY_TOKEN", "security-tok");
    assert_eq!(
        export(&env, "env-no-export").stdout,
        "AWS_ACCESS_KEY_ID=AKIAEXPORT\nAWS_SECRET_ACCESS_KEY=se/cr+et\n\
         AWS_SESSION_TOKEN=security-tok\n"
    );
}

#[test]
fn credentials_from_the_credentials_file() {
    let env = TestEnv::new().credentials(
        "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n\
         aws_session_token = filetoken\n",
    );
    assert_eq!(
        export(&env, "windows-cmd").stdout,
        "set AWS_ACCESS_KEY_ID=AKIAFILE\nset AWS_SECRET_ACCESS_KEY=filesecret\n\
         set AWS_SESSION_TOKEN=filetoken\n"
    );
}

#[test]
fn past_expiration_is_an_error_with_exit_255() {
    // P-ENV-2: botocore's RuntimeError on first use.
    let env = env_creds(Some("tok"), Some("2000-01-01T00:00:00Z"));
    for format in FORMATS {
        let run = env.credchain(&["configure", "export-credentials", "--format", format]);
        run.expect_code(255);
        assert!(run.stdout.is_empty(), "{format}: {}", run.stdout);
        assert!(
            run.stderr.starts_with(
                "error: Credentials were refreshed, but the \
                 refreshed credentials are still expired."
            ),
            "{format}: {}",
            run.stderr
        );
    }
}

#[test]
fn no_credentials_is_an_error_with_exit_255() {
    let run = TestEnv::new().credchain(&["configure", "export-credentials"]);
    run.expect_code(255);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: Unable to locate credentials. You can configure credentials by running \
         \"credchain configure\".\n"
    );
}

#[test]
fn non_ascii_values_are_escaped_like_python_json_dumps() {
    // python3 -c 'import json; print(json.dumps("AKIA\u00e9", ensure_ascii=True))'
    let env = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AKIA\u{e9}")
        .env("AWS_SECRET_ACCESS_KEY", "s\"e\\c\u{1F602}\t");
    assert_eq!(
        export(&env, "process").stdout,
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIA\\u00e9\",\n  \
         \"SecretAccessKey\": \"s\\\"e\\\\c\\ud83d\\ude02\\t\"\n}\n"
    );
    // AWS CLI v2 prints line formats bare (P-CLI-10); a value outside the
    // characters of real credentials is quoted instead, and one holding a
    // control character is refused, naming the variable but not the value.
    let run = env.credchain(&["configure", "export-credentials", "--format", "env"]);
    run.expect_code(255);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(
            "error: refusing to print AWS_SECRET_ACCESS_KEY: it contains a control character \
             (U+0009)"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1F602}'), "{}", run.stderr);
    let env = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AKIA\u{e9}")
        .env("AWS_SECRET_ACCESS_KEY", "s\"e\\c\u{1F602}'");
    assert_eq!(
        export(&env, "env").stdout,
        "export AWS_ACCESS_KEY_ID='AKIA\u{e9}'\nexport AWS_SECRET_ACCESS_KEY='s\"e\\c\u{1F602}'\\'''\n"
    );
}

/// Hostile values (from a credential server, a cache entry, a file or the
/// env) evaluated by real shells: `eval "$(credchain configure
/// export-credentials --format env)"` assigns them literally and runs
/// nothing; a newline is refused in every line format.
#[test]
fn shells_assign_hostile_values_literally() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let p = pwned.display();
    let secrets = [
        format!("x$(touch {p})"),
        format!("x`touch {p}`"),
        format!("x';touch {p};'"),
        format!("x\\\"$(touch {p})\\"),
        "~/x ${HOME} *".to_owned(),
        format!("a b;touch {p}&"),
    ];
    let shells: Vec<_> = ["bash", "dash", "sh", "zsh"]
        .iter()
        .filter_map(|s| crate::util::on_path(s))
        .collect();
    assert!(!shells.is_empty(), "no POSIX shell on PATH");
    for secret in &secrets {
        let env = TestEnv::new()
            .env("AWS_ACCESS_KEY_ID", "AKIAEXPORT")
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SESSION_TOKEN", "tok'en");
        for format in ["env", "env-no-export"] {
            let out = export(&env, format).stdout;
            for shell in &shells {
                let script =
                    "eval \"$1\"; printf '%s|%s' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"";
                let run = env.run_program(shell, &["-c", script, "sh", &out]);
                run.expect_code(0);
                assert_eq!(
                    run.stdout,
                    format!("{secret}|tok'en"),
                    "{}: {out}",
                    shell.display()
                );
                assert!(
                    !pwned.exists(),
                    "{} ran a command from {out}",
                    shell.display()
                );
            }
        }
    }
    let injected = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAEXPORT")
        .env("AWS_SECRET_ACCESS_KEY", "sk")
        .env(
            "AWS_SESSION_TOKEN",
            "tok\nexport AWS_ENDPOINT_URL=http://127.0.0.1:1",
        );
    for format in &FORMATS[1..] {
        let run = injected.credchain(&["configure", "export-credentials", "--format", format]);
        run.expect_code(255);
        assert_eq!(run.stdout, "", "{format}");
        assert!(
            run.stderr.starts_with(
                "error: refusing to print AWS_SESSION_TOKEN: it contains a control character \
                 (U+000A)"
            ),
            "{format}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("AWS_ENDPOINT_URL"), "{}", run.stderr);
    }
    // cmd.exe cannot quote `%`: refused rather than expanded.
    let percent = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAEXPORT")
        .env("AWS_SECRET_ACCESS_KEY", "a%PATH%");
    let run = percent.credchain(&["configure", "export-credentials", "--format", "windows-cmd"]);
    run.expect_code(255);
    assert!(
        run.stderr.contains("AWS_SECRET_ACCESS_KEY") && !run.stderr.contains("PATH%"),
        "{}",
        run.stderr
    );
}

#[test]
fn process_output_matches_python_json_dumps() {
    let env = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AK\u{e9}\u{7f}\u{1}")
        .env("AWS_SECRET_ACCESS_KEY", "\u{2028}/<>&'\u{10FFFF}")
        .env("AWS_SESSION_TOKEN", "tok");
    let ours = export(&env, "process");
    let python = env.python(
        "import json, os\n\
         d = {'Version': 1, 'AccessKeyId': os.environ['AWS_ACCESS_KEY_ID'],\n\
         'SecretAccessKey': os.environ['AWS_SECRET_ACCESS_KEY'],\n\
         'SessionToken': os.environ['AWS_SESSION_TOKEN']}\n\
         print(json.dumps(d, indent=2, separators=(',', ': ')))",
    );
    python.expect_code(0);
    assert_eq!(ours.stdout, python.stdout);
}
