//! `--query` and the `output` setting on `sts get-caller-identity`, byte for
//! byte against the AWS CLI v1 (both against `moto_server` on 127.0.0.1,
//! static keys so `UserId` is the access key id), and `--output` / `--query`
//! on `explain`.

use crate::sts::moto;
use crate::util::{TestEnv, par_map};

const KEYS: &str = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

fn env(port: u16, config: &str) -> TestEnv {
    TestEnv::new()
        .credentials(KEYS)
        .config(config)
        .env("AWS_ENDPOINT_URL_STS", &format!("http://127.0.0.1:{port}"))
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

/// Scalar, list, object, nested object, null, empty projection, booleans,
/// numbers, a legacy literal: each in all three formats, as `aws` prints it.
#[test]
fn query_results_match_the_aws_cli_in_every_format() {
    let Some(m) = moto() else { return };
    let env = env(m.port, "");
    let queries = [
        "Account",
        "[Account,Arn]",
        "{A:Account,U:UserId}",
        "{U:UserId,A:Account}",
        "{a:[Account,UserId],b:{c:Arn}}",
        "@",
        "Nope",
        "[Nope]",
        "[]",
        "[?@==`x`]",
        "length(Arn)",
        "contains(Arn, `moto`)",
        "Account=='1'",
        "[[Account,Arn]]",
        "{only:Account}",
    ];
    let mut cases = Vec::new();
    for q in queries {
        for o in ["json", "text", "table"] {
            // awscli draws nested sections for this one; credchain refuses
            // (tested below).
            if q.starts_with("{a:") && o == "table" {
                continue;
            }
            cases.push((q, o));
        }
    }
    let results = par_map(&cases, |(q, o)| {
        let args = ["sts", "get-caller-identity", "--query", q, "--output", o];
        (env.credchain(&args), env.aws(&args))
    });
    for ((q, o), (ours, theirs)) in cases.iter().zip(&results) {
        theirs.expect_code(0);
        ours.expect_code(0);
        assert_eq!(ours.stdout, theirs.stdout, "--query {q} --output {o}");
    }
    // The example and a few fixed points (recorded from aws 1.45.11).
    let get = |q: &str, o: &str| {
        let i = cases.iter().position(|c| *c == (q, o)).expect("case");
        results[i].0.stdout.clone()
    };
    assert_eq!(get("Account", "text"), "123456789012\n");
    assert_eq!(get("Account", "json"), "\"123456789012\"\n");
    assert_eq!(
        get("Account", "table"),
        "-------------------\n|GetCallerIdentity|\n+-----------------+\n"
    );
    assert_eq!(get("Nope", "json"), "null\n");
    assert_eq!(get("Nope", "text"), "None\n");
    assert_eq!(get("Nope", "table"), "");
    assert_eq!(
        get("{U:UserId,A:Account}", "json"),
        "{\n    \"U\": \"AKIAIOSFODNN7EXAMPLE\",\n    \"A\": \"123456789012\"\n}\n"
    );
    assert_eq!(
        get("{a:[Account,UserId],b:{c:Arn}}", "text"),
        "A\t123456789012\nA\tAKIAIOSFODNN7EXAMPLE\nB\tarn:aws:sts::123456789012:user/moto\n"
    );
}

#[test]
fn bad_queries_fail_before_any_call_and_unsupported_tables_say_so() {
    // A closed port: a parse error must not need the service.
    let env = env(9, "");
    let bad = env.credchain(&["sts", "get-caller-identity", "--query", "Account["]);
    bad.expect_code(255);
    assert!(
        bad.stderr
            .starts_with("error: Bad value for --query Account[: Invalid jmespath expression"),
        "{}",
        bad.stderr
    );
    assert_eq!(bad.stdout, "");
    let Some(m) = moto() else { return };
    let env = self::env(m.port, "");
    let runtime = env.credchain(&["sts", "get-caller-identity", "--query", "abs(Account)"]);
    runtime.expect_code(255);
    assert!(runtime.stderr.starts_with("error: "), "{}", runtime.stderr);
    let nested = env.credchain(&[
        "sts",
        "get-caller-identity",
        "--query",
        "{a:[Account],b:{c:Arn}}",
        "--output",
        "table",
    ]);
    nested.expect_code(255);
    assert!(
        nested.stderr.contains("use --output json or --output text"),
        "{}",
        nested.stderr
    );
}

/// `output` in the profile, in `[default]`, and `AWS_DEFAULT_OUTPUT`, with
/// the precedence `--output` > env > profile, as `aws` applies them.
#[test]
fn output_setting_changes_the_format_as_for_aws() {
    let Some(m) = moto() else { return };
    let config = "[default]\noutput = table\n[profile p]\noutput = text\n";
    let creds = format!(
        "{KEYS}[p]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
         aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    );
    let base = || env(m.port, config).credentials(&creds);
    let cases: Vec<(TestEnv, Vec<&str>)> = vec![
        (base(), vec![]),
        (base(), vec!["--profile", "p"]),
        (base().env("AWS_PROFILE", "p"), vec![]),
        (base().env("AWS_DEFAULT_OUTPUT", "text"), vec![]),
        (
            base().env("AWS_DEFAULT_OUTPUT", "json"),
            vec!["--profile", "p"],
        ),
        (base(), vec!["--profile", "p", "--output", "json"]),
        (base(), vec!["--query", "Account"]),
    ];
    let mut first_lines = Vec::new();
    for (env, extra) in &cases {
        let mut args = vec!["sts", "get-caller-identity"];
        args.extend(extra);
        let ours = env.credchain(&args);
        let theirs = env.aws(&args);
        theirs.expect_code(0);
        ours.expect_code(0);
        assert_eq!(ours.stdout, theirs.stdout, "{extra:?}");
        first_lines.push(ours.stdout.lines().next().unwrap_or("").to_owned());
    }
    // [default] table; [profile p] text; env beats profile; flag beats all.
    assert!(first_lines[0].starts_with("-----"), "{first_lines:?}");
    assert_eq!(
        first_lines[1],
        "123456789012\tarn:aws:sts::123456789012:user/moto\tAKIAIOSFODNN7EXAMPLE"
    );
    assert_eq!(first_lines[2], first_lines[1]);
    assert_eq!(first_lines[3], first_lines[1]);
    assert_eq!(first_lines[4], "{");
    assert_eq!(first_lines[5], "{");
    // A value that is no format: aws says "Unknown output type: bogus", 255.
    let bogus = env(m.port, "[default]\noutput = bogus\n");
    let ours = bogus.credchain(&["sts", "get-caller-identity"]);
    ours.expect_code(255);
    assert_eq!(ours.stdout, "");
    assert!(
        ours.stderr
            .starts_with("error: Unknown output type: bogus (from `output` of profile default)"),
        "{}",
        ours.stderr
    );
    bogus.aws(&["sts", "get-caller-identity"]).expect_code(255);
}

#[test]
fn explain_refuses_table_and_queries_its_json() {
    let env = TestEnv::new().credentials(KEYS);
    let table = env.credchain(&["explain", "--output", "table"]);
    table.expect_code(2);
    assert!(
        table.stderr.contains("invalid value 'table'")
            && table.stderr.contains("[possible values: json, text]"),
        "{}",
        table.stderr
    );
    assert_eq!(table.stdout, "");
    // Given before the subcommand (where sts's table is valid) too.
    let before = env.credchain(&["--output", "table", "explain"]);
    before.expect_code(2);
    assert!(before.stderr.contains("not table"), "{}", before.stderr);
    assert_eq!(before.stdout, "");
    let method = env.credchain(&["explain", "--query", "method", "--output", "text"]);
    method.expect_code(0);
    assert_eq!(method.stdout, "shared-credentials-file\n");
    let json = env.credchain(&["explain", "--query", "{m:method,k:access_key_id}"]);
    json.expect_code(0);
    assert_eq!(
        json.stdout,
        "{\n    \"m\": \"shared-credentials-file\",\n    \"k\": \"AKIAIOSFODNN7EXAMPLE\"\n}\n"
    );
}

/// One HTTP exchange on 127.0.0.1: returns the port and a handle yielding
/// the request head it received.
fn one_shot_server(status: &str, body: &'static str) -> (u16, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let status = status.to_owned();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // The head, then as much body as Content-Length says.
        loop {
            let n = s.read(&mut chunk).expect("read");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len || n == 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(reply.as_bytes()).expect("write");
        String::from_utf8_lossy(&buf).into_owned()
    });
    (port, handle)
}

/// `--no-sign-request`: no credentials resolved (none exist here), the
/// request goes out without `Authorization`, and STS's answer is reported
/// (AWS: 403 MissingAuthenticationToken).
#[test]
fn no_sign_request_sends_unsigned_and_reports_what_sts_says() {
    let (port, server) = one_shot_server(
        "403 Forbidden",
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
         <Type>Sender</Type><Code>MissingAuthenticationToken</Code>\
         <Message>Request is missing Authentication Token</Message></Error>\
         <RequestId>r-1</RequestId></ErrorResponse>",
    );
    let env = TestEnv::new().env("AWS_DEFAULT_REGION", "us-east-1");
    let url = format!("http://127.0.0.1:{port}");
    let run = env.credchain(&[
        "sts",
        "get-caller-identity",
        "--no-sign-request",
        "--endpoint-url",
        &url,
    ]);
    let head = server.join().expect("server");
    run.expect_code(255);
    assert!(
        run.stderr.contains("MissingAuthenticationToken")
            && run
                .stderr
                .contains("Request is missing Authentication Token")
            && run.stderr.starts_with("error: "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Unable to locate credentials"));
    assert!(head.starts_with("POST / HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("Action=GetCallerIdentity"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("\r\nauthorization:"),
        "{head}"
    );
    // Without the flag the same environment has no credentials to sign with.
    let signed = env.credchain(&["sts", "get-caller-identity", "--endpoint-url", &url]);
    signed.expect_code(255);
    assert!(
        signed.stderr.contains("Unable to locate credentials"),
        "{}",
        signed.stderr
    );
}

/// An explicit `--output` that a command cannot print is a usage error for
/// every command (issue 10 item 4); the `output` *setting* (files,
/// `AWS_DEFAULT_OUTPUT`) only applies where a command has formats.
#[test]
fn output_flag_that_a_command_cannot_print_is_a_usage_error() {
    let env = TestEnv::new().credentials(KEYS);
    for args in [
        &["configure", "list", "--output", "json"][..],
        &["--output", "table", "configure", "list-profiles"],
        &["configure", "export-credentials", "--output", "json"],
        &["configure", "get", "region", "--output", "text"],
        &["sso", "logout", "--output", "json"],
    ] {
        let run = env.credchain(args);
        run.expect_code(2);
        assert!(
            run.stderr.contains("--output does not apply"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{args:?}");
    }
    let run = env.credchain(&["--output", "table", "sso", "status"]);
    run.expect_code(2);
    assert!(run.stderr.contains("not table"), "{}", run.stderr);
    // The setting does not break a command without formats.
    let env = env.env("AWS_DEFAULT_OUTPUT", "table");
    env.credchain(&["configure", "list"]).expect_code(0);
    env.credchain(&["configure", "list-profiles"])
        .expect_code(0);
}
