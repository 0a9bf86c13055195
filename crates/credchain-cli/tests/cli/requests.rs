//! Issue 8 §1: no request botocore (or the AWS CLI) would not send. Every
//! process here runs under the harness's network trap (`util::NetTrap`):
//! a request to any host but 127.0.0.1 fails the test. The expected texts
//! were measured with AWS CLI v1 1.45.11 / botocore 1.43.11, and are checked
//! against the real `aws` again when it is on PATH.

use std::net::TcpListener;

use crate::util::{Run, TestEnv, on_path};

const KEYS: &str = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// A loopback port with a listener that must never get a connection.
struct Untouched(TcpListener);

impl Untouched {
    fn new() -> Untouched {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.set_nonblocking(true).expect("nonblocking");
        Untouched(l)
    }
    fn port(&self) -> u16 {
        self.0.local_addr().expect("address").port()
    }
    #[track_caller]
    fn assert_untouched(&self, what: &str) {
        assert!(
            self.0.accept().is_err(),
            "{what}: something connected to 127.0.0.1:{}",
            self.port()
        );
    }
}

/// The AWS CLI's error text for `args` (stderr, blank lines dropped), or
/// `None` when `aws` is not installed.
fn aws_message(env: &TestEnv, args: &[&str]) -> Option<String> {
    on_path("aws")?;
    let run = env.aws(args);
    assert_eq!(run.code, 255, "{}: {}", run.what, run.combined());
    Some(run.stderr.trim().to_owned())
}

/// credchain's error text: `error: ` and, for library errors, the botocore
/// class, then the message.
#[track_caller]
fn our_message(run: &Run) -> String {
    run.expect_code(255);
    assert!(run.stdout.is_empty(), "{}: {}", run.what, run.stdout);
    run.stderr
        .trim()
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{}: {}", run.what, run.stderr))
        .to_owned()
}

#[test]
fn the_trap_sees_a_request_for_the_real_sts() {
    // Proves the trap can fail a test: without an endpoint the STS call
    // goes through the (trap) proxy as a CONNECT.
    let env = TestEnv::new()
        .credentials(KEYS)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1");
    let run = env.credchain(&["sts", "get-caller-identity"]);
    run.expect_code(255);
    let seen = env.take_trapped();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("CONNECT sts.us-east-1.amazonaws.com:443 ")),
        "{seen:?}"
    );
}

#[test]
fn endpoint_url_without_a_scheme_is_refused_for_every_command() {
    let env = TestEnv::new().credentials(KEYS);
    let port = Untouched::new();
    let url = format!("127.0.0.1:{}", port.port());
    let expected = format!(
        "Bad value for --endpoint-url \"{url}\": scheme is missing.  Must be of the form \
         http://<hostname>/ or https://<hostname>/"
    );
    for args in [
        &["sts", "get-caller-identity"][..],
        &[
            "configure",
            "mfa-login",
            "--serial-number",
            "arn:aws:iam::123456789012:mfa/me",
            "--token-code",
            "123456",
            "--update-profile",
            "x",
        ],
        &["configure", "list"],
    ] {
        let mut a = args.to_vec();
        a.extend(["--endpoint-url", &url]);
        let run = env.credchain(&a);
        assert_eq!(our_message(&run), expected, "{}", run.what);
        port.assert_untouched(&run.what);
    }
    if let Some(aws) = aws_message(
        &env,
        &["sts", "get-caller-identity", "--endpoint-url", &url],
    ) {
        assert_eq!(aws, expected);
    }
    port.assert_untouched("aws");
}

#[test]
fn endpoint_url_without_a_host_is_an_invalid_endpoint() {
    // `localhost:PORT` has a "scheme" (`localhost`) for urlparse, so the CLI
    // passes it on and botocore refuses it: `ValueError`.
    let env = TestEnv::new().credentials(KEYS);
    let port = Untouched::new();
    let url = format!("localhost:{}", port.port());
    let run = env.credchain(&["sts", "get-caller-identity", "--endpoint-url", &url]);
    let expected = format!("Invalid endpoint: {url}");
    // One voice (issue 10): the message without the class name.
    assert_eq!(our_message(&run), expected);
    if let Some(aws) = aws_message(
        &env,
        &["sts", "get-caller-identity", "--endpoint-url", &url],
    ) {
        assert_eq!(aws, expected);
    }
    port.assert_untouched("localhost endpoint");
}

/// (config, extra args, env, botocore's class and message).
type Case<'a> = (
    String,
    Vec<&'a str>,
    Vec<(&'a str, &'a str)>,
    (&'a str, String),
);

#[test]
fn invalid_regions_send_nothing() {
    let region_error = |r: &str| {
        (
            "InvalidRegionError",
            format!("Provided region_name '{r}' doesn't match a supported format."),
        )
    };
    let empty = (
        "ValueError",
        "Invalid endpoint: https://sts..amazonaws.com".to_owned(),
    );
    let role = "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n";
    let cases: Vec<Case<'_>> = vec![
        (
            "[default]\nregion = US_EAST_1\n".into(),
            vec![],
            vec![],
            region_error("US_EAST_1"),
        ),
        (
            "[default]\nregion = us east 1\n".into(),
            vec![],
            vec![],
            region_error("us east 1"),
        ),
        (
            "[default]\nregion =\n".into(),
            vec![],
            vec![],
            empty.clone(),
        ),
        (
            "[default]\nregion = us-east-1\n".into(),
            vec!["--region", ""],
            vec![],
            empty.clone(),
        ),
        (
            "[default]\n".into(),
            vec![],
            vec![("AWS_DEFAULT_REGION", "")],
            empty.clone(),
        ),
        (
            format!("[profile r]\nregion = US_EAST_1\n{role}"),
            vec!["--profile", "r"],
            vec![],
            region_error("US_EAST_1"),
        ),
        (
            format!("[profile r]\nregion =\n{role}"),
            vec!["--profile", "r"],
            vec![],
            empty.clone(),
        ),
    ];
    for (config, extra, vars, (class, message)) in cases {
        let mut env = TestEnv::new().credentials(KEYS).config(&config);
        for (k, v) in &vars {
            env = env.env(k, v);
        }
        let mut args = vec!["sts", "get-caller-identity"];
        args.extend(&extra);
        let run = env.credchain(&args);
        assert_eq!(our_message(&run), message, "{}", run.what);
        if extra.first() == Some(&"--profile") {
            // The role's own STS client fails in the chain: `explain` names
            // botocore's class.
            let mut a = vec!["explain", "--output", "json"];
            a.extend(&extra);
            let doc = env.credchain(&a).json();
            assert_eq!(doc["error"]["kind"], class, "{config:?}");
            assert_eq!(doc["error"]["message"], message.as_str(), "{config:?}");
        }
        if let Some(aws) = aws_message(&env, &args) {
            assert_eq!(aws, message, "aws {args:?} with {config:?} {vars:?}");
        }
    }
}

#[test]
fn role_parameters_are_validated_before_any_request() {
    let env = TestEnv::new()
        .credentials(KEYS)
        .config("[profile r]\nregion = us-east-1\nrole_arn = myrole\nsource_profile = default\n");
    let args = ["sts", "get-caller-identity", "--profile", "r"];
    let run = env.credchain(&args);
    let expected = "Parameter validation failed:\n\
                    Invalid length for parameter RoleArn, value: 6, valid min length: 20";
    assert_eq!(our_message(&run), expected);
    let doc = env
        .credchain(&["explain", "--output", "json", "--profile", "r"])
        .json();
    assert_eq!(doc["error"]["kind"], "ParamValidationError");
    if let Some(aws) = aws_message(&env, &args) {
        assert_eq!(aws, expected);
    }
    // `configure mfa-login` checks GetSessionToken's model too.
    let run = env.credchain(&[
        "configure",
        "mfa-login",
        "--profile",
        "default",
        "--serial-number",
        "short",
        "--token-code",
        "12",
        "--update-profile",
        "x",
        "--region",
        "us-east-1",
    ]);
    assert_eq!(
        our_message(&run),
        "Parameter validation failed:\n\
         Invalid length for parameter SerialNumber, value: 5, valid min length: 9\n\
         Invalid length for parameter TokenCode, value: 2, valid min length: 6"
    );
}

#[test]
fn a_cached_final_role_needs_no_source_call() {
    // The issue's config: `chained` → `development` (with an MFA device)
    // → `longterm` keys, and a fresh AWS CLI cache entry for `chained`.
    // botocore's AssumeRoleProvider reads that entry before it needs the
    // source: no STS call, no MFA prompt. The STS endpoint is a loopback
    // listener that must never be contacted.
    let sts = Untouched::new();
    let env = TestEnv::new()
        .config(
            "[profile development]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
             source_profile = longterm\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
             [profile longterm]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
             aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
             [profile chained]\nrole_arn = arn:aws:iam::123456789012:role/chained\n\
             source_profile = development\nregion = us-east-1\n",
        )
        .env(
            "AWS_ENDPOINT_URL_STS",
            &format!("http://127.0.0.1:{}", sts.port()),
        );
    // sha1(json.dumps({"RoleArn": ".../chained"}, sort_keys=True)) (P-AR-9).
    env.write(
        ".aws/cli/cache/7530d4733f8b5e1375c19aef27f842c2e6708b86.json",
        r#"{"Credentials": {"AccessKeyId": "ASIACACHEDCHAINED", "SecretAccessKey": "cachedsecret", "SessionToken": "cachedtoken", "Expiration": "2099-01-01T00:00:00Z"}, "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": "arn:aws:sts::123456789012:assumed-role/chained/x"}}"#,
    );
    let run = env.credchain(&[
        "configure",
        "export-credentials",
        "--profile",
        "chained",
        "--format",
        "process",
    ]);
    run.expect_code(0);
    assert_eq!(run.json()["AccessKeyId"], "ASIACACHEDCHAINED");
    assert!(!run.stderr.contains("MFA"), "{}", run.stderr);
    sts.assert_untouched("credchain");
    // botocore with the AWS CLI's file cache, same files: the same keys,
    // nothing contacted (a prompt would fail on the closed stdin).
    let py = env.python(
        "import os, botocore.session\n\
         from botocore.credentials import JSONFileCache\n\
         s = botocore.session.Session(profile='chained')\n\
         p = s.get_component('credential_provider').get_provider('assume-role')\n\
         p.cache = JSONFileCache(os.path.expanduser('~/.aws/cli/cache'))\n\
         print(s.get_credentials().get_frozen_credentials().access_key)\n",
    );
    assert_eq!(py.stdout.trim(), "ASIACACHEDCHAINED", "{}", py.stderr);
    sts.assert_untouched("botocore");
}

/// `--no-verify-ssl` has the AWS CLI's meaning (issue 10 item 5): the
/// command's own call goes out without certificate checks (covered against
/// a TLS server in the library's transport tests), with a warning first;
/// the endpoint stays the one the user named.
#[test]
fn no_verify_ssl_warns_and_keeps_the_named_endpoint() {
    let env = TestEnv::new().credentials(KEYS);
    let run = env.credchain(&[
        "sts",
        "get-caller-identity",
        "--no-verify-ssl",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-east-1",
    ]);
    run.expect_code(255);
    let mut lines = run.stderr.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("warning: --no-verify-ssl")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("127.0.0.1:9"), "{}", run.stderr);
}
