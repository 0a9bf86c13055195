//! `credential_process` end to end: credchain as the helper
//! (`credchain configure export-credentials --format process`) for botocore
//! (boto3's chain) and the AWS CLI v1, static keys and an assumed role on
//! `moto_server`; AWS CLI v2's recursion guard (`_AWS_CLI_PROFILE_CHAIN`);
//! and `explain` for a process step (redacted command, file:line).

use crate::sts::moto;
use crate::util::{CREDCHAIN, TestEnv};

/// `[profile NAME]` whose process exports `source` through credchain.
fn via_credchain(name: &str, source: &str) -> String {
    format!(
        "[profile {name}]\ncredential_process = {CREDCHAIN} configure export-credentials \
         --profile {source} --format process\n"
    )
}

const STATIC_B: &str = "[profile b]\naws_access_key_id = AKIDSTATICB\n\
    aws_secret_access_key = secret/for+b\n";

/// botocore's credentials for `profile`, as a JSON line.
const BOTO: &str = r#"
import json, sys, botocore.session
try:
    c = botocore.session.Session(profile=sys.argv[1]).get_credentials()
    f = c.get_frozen_credentials()
    e = getattr(c, "_expiry_time", None)
    print(json.dumps({"method": c.method, "key": f.access_key, "secret": f.secret_key,
                      "token": f.token, "expiry": e.isoformat() if e else None}))
except Exception as e:
    print(json.dumps({"kind": type(e).__name__, "message": str(e)}))
"#;

fn boto(env: &TestEnv, profile: &str) -> serde_json::Value {
    let run = env.python(&format!(
        "import sys; sys.argv = ['x', {profile:?}]\n{BOTO}"
    ));
    run.expect_code(0);
    run.json()
}

#[test]
fn helper_mode_static_keys_for_botocore_and_aws_cli_v1() {
    let env = TestEnv::new().config(&format!("{}{STATIC_B}", via_credchain("a", "b")));
    let v = boto(&env, "a");
    assert_eq!(v["method"], "custom-process", "{v}");
    assert_eq!(v["key"], "AKIDSTATICB");
    assert_eq!(v["secret"], "secret/for+b");
    assert_eq!(v["token"], serde_json::Value::Null);
    assert_eq!(v["expiry"], serde_json::Value::Null);
    // The AWS CLI v1 resolves through the same helper.
    let list = env.aws(&["configure", "list", "--profile", "a"]);
    list.expect_code(0);
    assert!(
        list.stdout.contains("****************ICB custom-process")
            || list
                .stdout
                .lines()
                .any(|l| l.contains("ICB") && l.contains("custom-process")),
        "{}",
        list.stdout
    );
    // And credchain itself (credchain calling credchain).
    let ours = env.credchain(&["explain", "--profile", "a", "--output", "json"]);
    ours.expect_code(0);
    let j = ours.json();
    assert_eq!(
        (j["method"].as_str(), j["access_key_id"].as_str()),
        (Some("custom-process"), Some("AKIDSTATICB"))
    );
}

#[test]
fn helper_mode_assumed_role_on_moto_keeps_the_expiration() {
    let Some(m) = moto() else { return };
    let env = TestEnv::new()
        .config(&format!(
            "{}[profile r]\nrole_arn = arn:aws:iam::123456789012:role/RoleR\n\
             source_profile = b\nrole_session_name = via-process\n{STATIC_B}",
            via_credchain("a", "r")
        ))
        .env(
            "AWS_ENDPOINT_URL_STS",
            &format!("http://127.0.0.1:{}", m.port),
        )
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let export = env.credchain(&["configure", "export-credentials", "--profile", "r"]);
    export.expect_code(0);
    let doc = export.json();
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // AWS CLI v2's order (`json.dumps` of its dict).
    assert_eq!(
        keys,
        [
            "Version",
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration"
        ]
    );
    // botocore through the helper: the same (cached) role credentials,
    // refreshable with the helper's Expiration.
    let v = boto(&env, "a");
    assert_eq!(v["method"], "custom-process", "{v}");
    assert_eq!(v["key"], doc["AccessKeyId"]);
    assert_eq!(v["secret"], doc["SecretAccessKey"]);
    assert_eq!(v["token"], doc["SessionToken"]);
    assert_eq!(v["expiry"], doc["Expiration"]);
    // The AWS CLI v1 signs a real call with them.
    let who = env.aws(&["sts", "get-caller-identity", "--profile", "a"]);
    who.expect_code(0);
    assert!(
        who.stdout
            .contains("arn:aws:sts::123456789012:assumed-role/RoleR/via-process"),
        "{}",
        who.stdout
    );
    let ours = env.credchain(&["explain", "--profile", "a", "--output", "json"]);
    ours.expect_code(0);
    assert_eq!(ours.json()["expiration"], doc["Expiration"]);
}

#[test]
fn recursion_guard_stops_a_profile_that_exports_itself() {
    let env = TestEnv::new().config(&format!(
        "{}{}{}{STATIC_B}",
        via_credchain("self", "self"),
        via_credchain("x", "y"),
        via_credchain("y", "x"),
    ));
    // A -> credchain A: the second level refuses (AWS CLI v2's message).
    let run = env.credchain(&["configure", "export-credentials", "--profile", "self"]);
    run.expect_code(255);
    assert!(
        run.stderr.contains(
            "Credential process resolution detected an infinite loop, profile cycle: self -> self"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    // A -> B -> A.
    let run = env.credchain(&["configure", "export-credentials", "--profile", "x"]);
    run.expect_code(255);
    assert!(
        run.stderr.contains("profile cycle: x -> y -> x"),
        "{}",
        run.stderr
    );
    // From botocore (nothing sets the chain at the top): one level later.
    let v = boto(&env, "self");
    assert_eq!(v["kind"], "CredentialRetrievalError", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("profile cycle: self -> self"),
        "{v}"
    );
    // An inherited chain at AWS CLI v2's limit (4).
    let env = env.env("_AWS_CLI_PROFILE_CHAIN", "p,q,r,s");
    let run = env.credchain(&["configure", "export-credentials", "--profile", "b"]);
    run.expect_code(255);
    assert!(
        run.stderr.contains(
            "Maximum recursive credential process resolution reached (4).\nProfiles seen: p -> \
             q -> r -> s"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn explain_shows_the_redacted_command_and_where_it_is_set() {
    let helper_fails = "[default]\ncredential_process = /bin/sh -c 'echo denied >&2; exit 4' \
        --password hunter2 TOKEN=abc\n";
    let env = TestEnv::new().config(helper_fails);
    let run = env.credchain(&["explain"]);
    run.expect_code(1);
    let step = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("custom-process"))
        .expect("a custom-process step");
    assert!(step.contains("error"), "{step}");
    assert!(
        step.contains(
            "CredentialRetrievalError: Error when retrieving credentials from custom-process: \
             denied"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("`/bin/sh -c 'echo denied >&2; exit 4' --password <redacted> TOKEN=<redacted>` (~/.aws/config:2)"),
        "{}",
        run.stdout
    );
    assert!(!run.combined().contains("hunter2") && !run.combined().contains("abc"));
}

/// An executable `sh` script in HOME.
fn script(env: &TestEnv, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let p = env.write(name, format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn a_helper_document_never_reaches_errors_or_debug_output() {
    for (version, code, explain_code) in [("2", 255, 1), ("1", 0, 0)] {
        let env = TestEnv::new();
        let helper = script(
            &env,
            "helper.sh",
            &format!(
                "printf '{{\"Version\": {version}, \"AccessKeyId\": \"AKID\", \
                 \"SecretAccessKey\": \"TOPSECRET\", \"SessionToken\": \"TOPTOKEN\"}}'"
            ),
        );
        let env = env.config(&format!("[default]\ncredential_process = {helper}\n"));
        let run = env.credchain(&["explain", "--debug"]);
        run.expect_code(explain_code);
        let export = env.credchain(&[
            "configure",
            "export-credentials",
            "--format",
            "env",
            "--debug",
        ]);
        export.expect_code(code);
        if code != 0 {
            assert!(
                export
                    .stderr
                    .contains("Unsupported version '2' for credential process provider"),
                "{}",
                export.stderr
            );
            assert!(!export.combined().contains("TOPSECRET"));
        }
        for text in [run.combined(), export.stderr] {
            assert!(
                !text.contains("TOPSECRET") && !text.contains("TOPTOKEN"),
                "{text}"
            );
        }
    }
}

#[test]
fn exported_expiration_is_what_aws_cli_v2_prints_for_a_process_answer() {
    // AWS CLI v2 prints botocore's `_expiry_time.isoformat()`: the helper's
    // offset kept, `Z` as `+00:00`, fractions as microseconds.
    let env = TestEnv::new();
    let helper = script(
        &env,
        "helper.sh",
        "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDP\", \"SecretAccessKey\": \"S\", \
         \"Expiration\": \"%s\"}' \"$1\"",
    );
    for exp in [
        "2030-01-01T00:00:00Z",
        "2030-01-01T02:00:00+02:00",
        "2030-01-01T00:00:00.5Z",
    ] {
        let env = TestEnv::new().config(&format!(
            "[profile e]\ncredential_process = {helper} {exp}\n"
        ));
        let ours = env.credchain(&["configure", "export-credentials", "--profile", "e"]);
        ours.expect_code(0);
        let v = boto(&env, "e");
        assert_eq!(ours.json()["Expiration"], v["expiry"], "{exp}");
    }
}
