//! `credchain explain`: the JSON contract of README.md, chain order
//! (P-CHAIN-1), profile selection (P-CHAIN-5/6/8), fatal parse errors
//! (P-CHAIN-9) and the `NotSupportedYet` stop.

use serde_json::Value;

use crate::util::{PROVIDERS, Run, TestEnv};

const CREDS: &str = "\
# personal keys
[default]
aws_access_key_id = AKIADEFAULTKEY
aws_secret_access_key = defaultsecret
";

const CONFIG: &str = "\
[default]
region = us-west-2

[profile dev]
region = eu-west-1
aws_access_key_id = AKIADEVCONFIG
aws_secret_access_key = devsecret
";

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn steps(v: &Value) -> &Vec<Value> {
    v["steps"].as_array().expect("steps is an array")
}

fn step<'a>(v: &'a Value, provider: &str) -> &'a Value {
    steps(v)
        .iter()
        .find(|s| s["provider"] == provider)
        .unwrap_or_else(|| panic!("no step for {provider} in {v:#}"))
}

/// Asserts the step list is the twelve providers in botocore's order, each
/// with a valid outcome and a non-empty detail.
fn assert_chain_order(v: &Value) {
    let names: Vec<&str> = steps(v)
        .iter()
        .map(|s| s["provider"].as_str().expect("provider is a string"))
        .collect();
    assert_eq!(names, PROVIDERS, "steps in botocore order (P-CHAIN-1)");
    for s in steps(v) {
        assert_eq!(keys(s), ["detail", "outcome", "provider"], "{s}");
        assert!(
            ["skipped", "found", "error"].contains(&s["outcome"].as_str().unwrap_or("")),
            "bad outcome in {s}"
        );
        assert!(
            !s["detail"].as_str().unwrap_or("").is_empty(),
            "empty detail in {s}"
        );
    }
}

fn explain_json(env: &TestEnv, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["explain", "--output", "json"];
    args.extend_from_slice(extra);
    let run = env.credchain(&args);
    let v = run.json();
    (run, v)
}

#[test]
fn json_success_has_exactly_the_contract_keys() {
    let env = TestEnv::new().credentials(CREDS).config(CONFIG);
    let (run, v) = explain_json(&env, &[]);
    run.expect_code(0);
    assert_eq!(
        keys(&v),
        [
            "access_key_id",
            "account_id",
            "expiration",
            "method",
            "notes",
            "profile",
            "profile_source",
            "steps"
        ]
    );
    assert_eq!(v["profile"], Value::Null);
    assert_eq!(v["profile_source"], "default");
    assert_eq!(v["method"], "shared-credentials-file");
    assert_eq!(v["access_key_id"], "AKIADEFAULTKEY");
    assert_eq!(v["expiration"], Value::Null);
    assert_eq!(v["notes"], Value::Array(vec![]));
    assert_chain_order(&v);
    let found: Vec<&Value> = steps(&v)
        .iter()
        .filter(|s| s["outcome"] == "found")
        .collect();
    assert_eq!(found.len(), 1, "exactly one provider wins: {v:#}");
    assert_eq!(found[0]["provider"], "shared-credentials-file");
    let detail = found[0]["detail"].as_str().unwrap_or_default();
    // The key id is on line 3 of the credentials file (a comment is line 1).
    assert!(
        detail.contains("~/.aws/credentials:3"),
        "found step names file and line: {detail}"
    );
    assert!(detail.contains("~/.aws/credentials:4"), "{detail}");
    assert_eq!(step(&v, "env")["outcome"], "skipped");
    assert!(
        step(&v, "env")["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("AWS_ACCESS_KEY_ID")
    );
}

#[test]
fn json_failure_has_error_kind_and_message_and_exit_1() {
    let env = TestEnv::new().config("[default]\nregion = us-west-2\n");
    let (run, v) = explain_json(&env, &[]);
    run.expect_code(1);
    assert_eq!(
        keys(&v),
        ["error", "notes", "profile", "profile_source", "steps"]
    );
    assert_eq!(keys(&v["error"]), ["kind", "message"]);
    assert_eq!(v["error"]["kind"], "NoCredentialsError");
    assert_eq!(v["error"]["message"], "Unable to locate credentials");
    assert_chain_order(&v);
    assert!(
        steps(&v).iter().all(|s| s["outcome"] == "skipped"),
        "nothing found, nothing failed: {v:#}"
    );
    assert!(
        step(&v, "iam-role")["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("AWS_EC2_METADATA_DISABLED")
    );
}

#[test]
fn config_file_credentials_name_their_lines() {
    let env = TestEnv::new().config(CONFIG);
    let (run, v) = explain_json(&env, &["--profile", "dev"]);
    run.expect_code(0);
    assert_eq!(v["method"], "config-file");
    assert_eq!(v["profile"], "dev");
    assert_eq!(v["profile_source"], "--profile");
    let detail = step(&v, "config-file")["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("~/.aws/config:6"), "{detail}");
    assert!(detail.contains("~/.aws/config:7"), "{detail}");
    assert_eq!(step(&v, "shared-credentials-file")["outcome"], "skipped");
}

#[test]
fn explicit_profile_drops_env_provider() {
    // P-CHAIN-6(a): `--profile` removes the env provider even when the
    // profile has no credentials at all.
    let base = || {
        TestEnv::new()
            .config(CONFIG)
            .credentials(CREDS)
            .env("AWS_ACCESS_KEY_ID", "AKIAENVKEY")
            .env("AWS_SECRET_ACCESS_KEY", "envsecret")
    };
    let (run, v) = explain_json(&base(), &["--profile", "dev"]);
    run.expect_code(0);
    assert_eq!(v["method"], "config-file");
    assert_eq!(v["access_key_id"], "AKIADEVCONFIG");
    let env_step = step(&v, "env");
    assert_eq!(env_step["outcome"], "skipped");
    let detail = env_step["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("AWS_ACCESS_KEY_ID") && detail.contains("drops the env provider"),
        "env step says why the set env keys were ignored: {detail}"
    );

    let env = base().config("[profile empty]\nregion = x\n");
    let (run, v) = explain_json(&env, &["--profile", "empty"]);
    run.expect_code(1);
    assert_eq!(v["error"]["kind"], "NoCredentialsError");

    // A profile from AWS_PROFILE removes nothing: env keys still win.
    let (run, v) = explain_json(&base().env("AWS_PROFILE", "dev"), &[]);
    run.expect_code(0);
    assert_eq!(v["method"], "env");
    assert_eq!(v["access_key_id"], "AKIAENVKEY");
    assert_eq!(v["profile_source"], "AWS_PROFILE");
    assert_eq!(step(&v, "env")["outcome"], "found");
}

#[test]
fn aws_default_profile_beats_aws_profile_with_a_note() {
    // P-CHAIN-5: botocore reads AWS_DEFAULT_PROFILE first.
    let env = TestEnv::new()
        .credentials(
            "[first]\naws_access_key_id = AKIAFIRST\naws_secret_access_key = s1\n\
             [second]\naws_access_key_id = AKIASECOND\naws_secret_access_key = s2\n",
        )
        .env("AWS_PROFILE", "second")
        .env("AWS_DEFAULT_PROFILE", "first");
    let (run, v) = explain_json(&env, &[]);
    run.expect_code(0);
    assert_eq!(v["profile"], "first");
    assert_eq!(v["profile_source"], "AWS_DEFAULT_PROFILE");
    assert_eq!(v["access_key_id"], "AKIAFIRST");
    let notes = v["notes"].as_array().expect("notes array");
    assert_eq!(notes.len(), 1, "{v:#}");
    let note = notes[0].as_str().unwrap_or_default();
    assert!(
        note.contains("AWS_PROFILE=second") && note.contains("AWS_DEFAULT_PROFILE"),
        "{note}"
    );

    let text = env.credchain(&["explain"]);
    text.expect_code(0);
    assert!(
        text.stdout
            .starts_with("profile: first (from AWS_DEFAULT_PROFILE)\n  note: "),
        "{}",
        text.stdout
    );
}

#[test]
fn missing_profile_is_profile_not_found_even_with_env_keys() {
    // P-CHAIN-8: the lookup fails before env credentials can be returned.
    for (var, args) in [
        (Some("AWS_PROFILE"), &[][..]),
        (Some("AWS_DEFAULT_PROFILE"), &[][..]),
        (None, &["--profile", "nope"][..]),
    ] {
        let mut env = TestEnv::new()
            .credentials(CREDS)
            .env("AWS_ACCESS_KEY_ID", "AKIAENVKEY")
            .env("AWS_SECRET_ACCESS_KEY", "envsecret");
        if let Some(var) = var {
            env = env.env(var, "nope");
        }
        let (run, v) = explain_json(&env, args);
        run.expect_code(1);
        assert_eq!(v["profile"], "nope", "{var:?}");
        assert_eq!(v["error"]["kind"], "ProfileNotFound", "{var:?}");
        assert_eq!(
            v["error"]["message"],
            "The config profile (nope) could not be found"
        );
        assert!(
            steps(&v).iter().all(|s| s["outcome"] != "found"),
            "env keys must not win: {v:#}"
        );
        assert_chain_order(&v);
    }
}

#[test]
fn duplicate_section_is_config_parse_error_with_path_and_line() {
    // P-CHAIN-9: fatal even though env credentials are present.
    let env = TestEnv::new()
        .config("[default]\nregion = a\n\n[default]\noutput = json\n")
        .env("AWS_ACCESS_KEY_ID", "AKIAENVKEY")
        .env("AWS_SECRET_ACCESS_KEY", "envsecret");
    let (run, v) = explain_json(&env, &[]);
    run.expect_code(1);
    assert_eq!(v["error"]["kind"], "ConfigParseError");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    let path = env.home().join(".aws/config");
    let expected = format!("Unable to parse config file: {}:4", path.display());
    assert!(message.starts_with(&expected), "{message} / {expected}");
    assert!(steps(&v).iter().all(|s| s["outcome"] != "found"), "{v:#}");

    let text = env.credchain(&["explain"]);
    text.expect_code(1);
    assert!(
        text.stdout
            .contains(&format!("result: ConfigParseError: {expected}")),
        "{}",
        text.stdout
    );
}

#[test]
fn role_arn_stops_the_chain_at_the_assume_role_error() {
    // P-CHAIN-3: role_arn beats static keys in the same profile, so the
    // chain must stop, not fall through to config-file. STS is a closed
    // loopback port, so the AssumeRole call fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(9, |a| a.port());
    let env = TestEnv::new()
        .env(
            "AWS_ENDPOINT_URL_STS",
            &format!("http://127.0.0.1:{closed}"),
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .config(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\n\
         source_profile = base\naws_access_key_id = AKIASTATIC\n\
         aws_secret_access_key = staticsecret\n\
         [profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n",
        );
    let (run, v) = explain_json(&env, &["--profile", "r"]);
    run.expect_code(1);
    assert_eq!(v["error"]["kind"], "EndpointConnectionError");
    assert!(v.get("method").is_none() && v.get("access_key_id").is_none());
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Could not connect to the endpoint URL: \"http://127.0.0.1:"),
        "{message}"
    );
    assert_eq!(step(&v, "assume-role")["outcome"], "error");
    assert_eq!(step(&v, "config-file")["outcome"], "skipped");
    assert!(steps(&v).iter().all(|s| s["outcome"] != "found"), "{v:#}");
    assert!(!run.stdout.contains("AKIASTATIC\""), "{}", run.stdout);
}

#[test]
fn text_output_names_the_winner() {
    let env = TestEnv::new().credentials(CREDS).config(CONFIG);
    for args in [&["explain"][..], &["explain", "--output", "text"][..]] {
        let run = env.credchain(args);
        run.expect_code(0);
        assert!(
            run.stdout.starts_with("profile: default (none named)\n"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .ends_with("\nresult: AKIADEFAULTKEY via shared-credentials-file\n"),
            "{}",
            run.stdout
        );
        let lines: Vec<&str> = run.stdout.lines().collect();
        // profile line, 12 steps, result line.
        assert_eq!(lines.len(), 14, "{}", run.stdout);
        for (line, provider) in lines[1..13].iter().zip(PROVIDERS) {
            assert!(
                line.trim_start().starts_with(provider),
                "{line} / {provider}"
            );
        }
        assert!(lines[5].contains("found") && lines[5].contains("~/.aws/credentials:3"));
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
    let none = TestEnv::new().credchain(&["explain"]);
    none.expect_code(1);
    assert!(
        none.stdout
            .ends_with("\nresult: NoCredentialsError: Unable to locate credentials\n"),
        "{}",
        none.stdout
    );
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    let env = TestEnv::new().credentials(CREDS).config(CONFIG);
    let after = env.credchain(&["explain", "--profile", "dev", "--output", "json"]);
    let before = env.credchain(&["--profile", "dev", "--output", "json", "explain"]);
    let mixed = env.credchain(&["--profile", "dev", "explain", "--output", "json"]);
    for run in [&after, &before, &mixed] {
        run.expect_code(0);
        let v = run.json();
        assert_eq!(v["profile"], "dev");
        assert_eq!(v["method"], "config-file");
    }
    assert_eq!(after.stdout, before.stdout);
    assert_eq!(after.stdout, mixed.stdout);

    let bad = env.credchain(&["explain", "--output", "yaml"]);
    bad.expect_code(2);
    let bad = env.credchain(&["explain", "--no-such-flag"]);
    bad.expect_code(2);
}
