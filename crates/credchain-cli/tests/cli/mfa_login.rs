//! `credchain configure mfa-login` against `moto_server` on 127.0.0.1 (the
//! harness of `sts.rs`; every process gets `AWS_ENDPOINT_URL_STS`), with
//! botocore reading the written profile back. STS errors come from a
//! one-shot loopback server. No other network traffic.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use crate::sts::moto;
use crate::util::{CREDCHAIN, Run, TestEnv};

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// A code that appears nowhere else, so any echo or log of it is caught.
const CODE: &str = "918273";
const SERIAL: &str = "arn:aws:iam::123456789012:mfa/me";

/// A credentials file with comments, odd spacing, CRLF lines and a stale
/// `[mfa]` target; `{K}`, `{S}`, `{T}` are the target's values.
const TEMPLATE: &str = "# my keys\n[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n\n\
    ; the MFA session\n[mfa]\naws_access_key_id   =   {K}\n# keep\naws_secret_access_key = {S}\n\
    aws_session_token = {T}\nregion = eu-west-1\n\n[other]\nx = 1\n";

fn fill(k: &str, s: &str, t: &str) -> String {
    TEMPLATE
        .replace("{K}", k)
        .replace("{S}", s)
        .replace("{T}", t)
}

fn env_for(endpoint: &str) -> TestEnv {
    TestEnv::new()
        .env("AWS_ENDPOINT_URL_STS", endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

fn credentials_text(env: &TestEnv) -> String {
    std::fs::read_to_string(env.home().join(".aws/credentials")).expect("credentials file")
}

/// `(access key, secret, token, method)` as botocore resolves `profile`.
fn botocore(env: &TestEnv, profile: &str) -> serde_json::Value {
    let run = env.python(&format!(
        "import json, botocore.session\n\
         c = botocore.session.Session(profile={profile:?}).get_credentials()\n\
         print(json.dumps([c.access_key, c.secret_key, c.token, c.method]))"
    ));
    run.expect_code(0);
    serde_json::from_str(&run.stdout).expect("botocore JSON")
}

#[track_caller]
fn assert_no_secrets(run: &Run, secrets: &[&str]) {
    for s in secrets.iter().chain(&[CODE, SECRET]) {
        assert!(!run.stderr.contains(s), "{s:?} in stderr:\n{}", run.stderr);
    }
}

#[test]
fn session_credentials_are_written_and_botocore_reads_them() {
    let Some(m) = moto() else { return };
    let env = env_for(&format!("http://127.0.0.1:{}", m.port)).credentials(&fill(
        "ASIAOLD",
        "oldsecret",
        "oldtoken",
    ));
    // The code comes from stdin (not a terminal); --debug must not show it.
    let run = env.credchain_stdin(
        &[
            "configure",
            "mfa-login",
            "--profile",
            "base",
            "--serial-number",
            SERIAL,
            "--update-profile",
            "mfa",
            "--debug",
        ],
        &format!("{CODE}\n"),
    );
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Temporary credentials written to profile 'mfa'\n")
            && run.stdout.contains("Credentials will expire at ")
            && run.stdout.contains(
                "To use these credentials, specify --profile mfa when running AWS CLI commands\n"
            ),
        "{}",
        run.stdout
    );
    // botocore resolves the target to the session credentials, from the file.
    let got = botocore(&env, "mfa");
    let (k, s, t) = (
        got[0].as_str().expect("key"),
        got[1].as_str().expect("secret"),
        got[2].as_str().expect("token"),
    );
    assert_eq!(got[3], "shared-credentials-file");
    assert!(!t.is_empty() && s != SECRET, "{got}");
    // Only the three values changed; every other byte is as it was.
    assert_eq!(credentials_text(&env), fill(k, s, t));
    assert_no_secrets(&run, &[s, t]);
    assert!(!run.stdout.contains(CODE) && !run.stdout.contains(t));
    // The source profile still has its long-term keys.
    assert_eq!(botocore(&env, "base")[0], KEY);
}

#[test]
fn endpoint_url_is_honoured() {
    // Issue 8: the flag used to be ignored and the signed GetSessionToken
    // went to the real STS. No configured endpoint here: anything but the
    // flag's URL would land in the network trap and fail the test.
    let Some(m) = moto() else { return };
    let env = TestEnv::new()
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .credentials(&format!(
            "[base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
        ));
    let run = env.credchain(&[
        "configure",
        "mfa-login",
        "--profile",
        "base",
        "--serial-number",
        SERIAL,
        "--token-code",
        CODE,
        "--update-profile",
        "mfa",
        "--endpoint-url",
        &format!("http://127.0.0.1:{}", m.port),
    ]);
    run.expect_code(0);
    assert_eq!(botocore(&env, "mfa")[3], "shared-credentials-file");
}

#[test]
fn serial_from_the_profile_default_target_and_a_new_file_section() {
    let Some(m) = moto() else { return };
    let env = env_for(&format!("http://127.0.0.1:{}", m.port))
        .config(&format!("[profile base]\nmfa_serial = {SERIAL}\n"))
        .credentials(&format!(
            "[base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
        ));
    let before = credentials_text(&env);
    let run = env.credchain(&[
        "configure",
        "mfa-login",
        "--profile",
        "base",
        "--token-code",
        CODE,
        "--duration-seconds",
        "900",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with("Temporary credentials written to profile 'session-me'\n"),
        "{}",
        run.stdout
    );
    let got = botocore(&env, "session-me");
    assert_eq!(got[3], "shared-credentials-file");
    let after = credentials_text(&env);
    assert!(after.starts_with(&before), "{after}");
    assert!(
        after.contains(&format!(
            "[session-me]\naws_access_key_id = {}\naws_secret_access_key = {}\n\
             aws_session_token = {}\n",
            got[0].as_str().unwrap(),
            got[1].as_str().unwrap(),
            got[2].as_str().unwrap()
        )),
        "{after}"
    );
    assert_no_secrets(&run, &[got[1].as_str().unwrap(), got[2].as_str().unwrap()]);
}

#[test]
fn no_source_credentials_is_a_clear_error() {
    // Nothing listens here: the command must fail before any request.
    let env = env_for("http://127.0.0.1:9").config("[profile base]\nregion = us-east-1\n");
    let run = env.credchain(&[
        "configure",
        "mfa-login",
        "--profile",
        "base",
        "--serial-number",
        SERIAL,
        "--token-code",
        CODE,
    ]);
    run.expect_code(255);
    assert!(
        run.stderr
            .contains("Unable to locate credentials for profile 'base'"),
        "{}",
        run.stderr
    );
    assert!(!env.home().join(".aws/credentials").exists());
    assert_no_secrets(&run, &[]);
}

#[test]
fn refusals_before_any_request() {
    let creds = format!(
        "[base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n\
         [temp]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = tok\n"
    );
    let env = env_for("http://127.0.0.1:9").credentials(&creds);
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--profile",
                "base",
                "--serial-number",
                SERIAL,
                "--update-profile",
                "base",
                "--token-code",
                CODE,
            ],
            "is the source profile",
        ),
        (
            &[
                "--profile",
                "temp",
                "--serial-number",
                SERIAL,
                "--token-code",
                CODE,
            ],
            "resolves to temporary credentials",
        ),
        // stdin is /dev/null: no serial and no code to read.
        (&["--profile", "base"], "no MFA serial number given"),
        (
            &["--profile", "base", "--serial-number", SERIAL],
            "no MFA token code given",
        ),
    ];
    for (args, want) in cases {
        let all = [&["configure", "mfa-login"], args].concat();
        let run = env.credchain(&all);
        run.expect_code(255);
        assert!(run.stderr.contains(want), "{all:?}: {}", run.stderr);
        assert_no_secrets(&run, &[]);
        assert_eq!(credentials_text(&env), creds, "{all:?}");
    }
    let usage = env.credchain(&["configure", "mfa-login", "--duration-seconds", "60"]);
    usage.expect_code(2);
}

/// A loopback server that answers one request with STS's error document.
fn sts_error_server() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut len = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().expect("length");
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).expect("body");
        let xml = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
            <Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication \
            failed with invalid MFA one time pass code. </Message></Error>\
            <RequestId>r-1</RequestId></ErrorResponse>";
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{xml}",
            xml.len()
        )
        .expect("answer");
        String::from_utf8(body).expect("utf-8 body")
    });
    (port, handle)
}

#[test]
fn sts_error_is_reported_and_nothing_is_written() {
    let (port, server) = sts_error_server();
    let creds = format!("[base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n");
    let env = env_for(&format!("http://127.0.0.1:{port}")).credentials(&creds);
    let run = env.credchain(&[
        "configure",
        "mfa-login",
        "--profile",
        "base",
        "--serial-number",
        SERIAL,
        "--token-code",
        CODE,
        "--update-profile",
        "mfa",
    ]);
    run.expect_code(255);
    assert!(
        run.stderr.contains("AccessDenied")
            && run.stderr.contains("invalid MFA one time pass code"),
        "{}",
        run.stderr
    );
    assert_no_secrets(&run, &[]);
    assert_eq!(credentials_text(&env), creds);
    let body = server.join().expect("server");
    assert!(
        body.starts_with("Action=GetSessionToken&Version=2011-06-15")
            && body.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme")
            && body.contains(&format!("TokenCode={CODE}")),
        "{body}"
    );
}

/// On a real terminal: the code is asked without echo, then the target
/// profile with its default (Enter keeps it).
#[cfg(unix)]
#[test]
fn prompts_on_the_terminal_without_echoing_the_code() {
    let Some(m) = moto() else { return };
    let endpoint = format!("http://127.0.0.1:{}", m.port);
    let env = env_for(&endpoint).credentials(&format!(
        "[base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
    ));
    let mut cmd = env.command(std::path::Path::new("sh"));
    cmd.args([
        "-c",
        "stty echo && exec \"$0\" \"$@\"",
        CREDCHAIN,
        "configure",
        "mfa-login",
        "--profile",
        "base",
    ]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn in a pty");
    let mut transcript = p.exp_string("MFA serial number or ARN: ").expect("serial");
    p.send_line(SERIAL).expect("send");
    transcript.push_str(&p.exp_string("MFA token code: ").expect("code prompt"));
    p.send_line(CODE).expect("send");
    transcript.push_str(
        &p.exp_string("Profile to update [session-me]: ")
            .expect("target prompt"),
    );
    p.send_line("").expect("send");
    transcript.push_str(&p.exp_eof().expect("eof"));
    assert!(!transcript.contains(CODE), "code echoed: {transcript:?}");
    assert!(
        transcript.contains("Temporary credentials written to profile 'session-me'"),
        "{transcript:?}"
    );
    assert_eq!(botocore(&env, "session-me")[3], "shared-credentials-file");
}
