//! Secrets never leak: `explain` (text, JSON, `--debug`), `configure list`
//! and `export-credentials --debug` stderr must not contain a secret key or
//! session token, whatever the scenario. (`configure get
//! aws_secret_access_key` and export's stdout print them by contract.)

use crate::util::TestEnv;

const SECRET: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY1";
const TOKEN: &str = "FwoGZXIvYXdzSESSIONTOKENxyz987";

/// Commands whose output must never contain a secret.
const QUIET: [&[&str]; 7] = [
    &["explain"],
    &["explain", "--output", "json"],
    &["explain", "--debug"],
    &["--debug", "explain", "--output", "json"],
    &["configure", "list"],
    &["--debug", "exec", "--", "true"],
    &["--debug", "exec", "--serve", "--", "true"],
];

fn assert_no_leak(env: &TestEnv, scenario: &str) {
    for args in QUIET {
        let run = env.credchain(args);
        for needle in [SECRET, TOKEN, &SECRET[..20], &TOKEN[..16]] {
            assert!(
                !run.combined().contains(needle),
                "[{scenario}] {} leaks {needle:?}:\n{}",
                run.what,
                run.combined()
            );
        }
    }
    // export prints secrets on stdout by contract, never in its --debug trace.
    let export = env.credchain(&["--debug", "configure", "export-credentials"]);
    assert!(
        !export.stderr.contains(SECRET) && !export.stderr.contains(TOKEN),
        "[{scenario}] export --debug stderr leaks:\n{}",
        export.stderr
    );
}

fn env_keys() -> TestEnv {
    TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAENVLEAKTEST")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
}

#[test]
fn winning_credentials_are_never_printed() {
    let creds = format!(
        "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = {SECRET}\n\
         aws_session_token = {TOKEN}\n"
    );
    let config = format!(
        "[profile cfg]\naws_access_key_id = AKIACFG\naws_secret_access_key = {SECRET}\n\
         aws_security_token = {TOKEN}\n"
    );
    assert_no_leak(&TestEnv::new().credentials(&creds), "credentials file");
    assert_no_leak(
        &TestEnv::new().config(&config).env("AWS_PROFILE", "cfg"),
        "config file",
    );
    assert_no_leak(
        &env_keys()
            .env("AWS_SESSION_TOKEN", TOKEN)
            .env("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z"),
        "env with token and expiration",
    );
    let env = TestEnv::new();
    let path = env.write(
        "ec2",
        format!("AWSAccessKeyId=AKIAEC2\nAWSSecretKey={SECRET}\n"),
    );
    let env = env.env("AWS_CREDENTIAL_FILE", path.to_str().expect("utf-8"));
    assert_no_leak(&env, "AWS_CREDENTIAL_FILE");
    let env = TestEnv::new();
    let path = env.write(
        "boto",
        format!("[Credentials]\naws_access_key_id = AKIABOTO\naws_secret_access_key = {SECRET}\n"),
    );
    let env = env.env("BOTO_CONFIG", path.to_str().expect("utf-8"));
    assert_no_leak(&env, "BOTO_CONFIG");
}

#[test]
fn shadowed_and_failing_credentials_are_never_printed() {
    // Env wins; the file keys are shadowed (explain reports shadowing).
    let creds = format!(
        "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = {SECRET}\n\
         aws_session_token = {TOKEN}\n"
    );
    assert_no_leak(
        &TestEnv::new()
            .credentials(&creds)
            .env("AWS_ACCESS_KEY_ID", "AKIAENV")
            .env("AWS_SECRET_ACCESS_KEY", "other"),
        "shadowed file keys",
    );
    // role_arn stops the chain before the static keys.
    let config = format!(
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n\
         aws_access_key_id = AKIAROLE\naws_secret_access_key = {SECRET}\n\
         aws_session_token = {TOKEN}\n"
    );
    // The AssumeRole call goes to a closed loopback port, never to AWS.
    assert_no_leak(
        &TestEnv::new()
            .config(&config)
            .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_MAX_ATTEMPTS", "1"),
        "failed AssumeRole",
    );
    // Expired, unparsable or naive expirations.
    for exp in ["2000-01-01T00:00:00Z", "garbage", "2099-01-01"] {
        assert_no_leak(
            &env_keys()
                .env("AWS_SESSION_TOKEN", TOKEN)
                .env("AWS_CREDENTIAL_EXPIRATION", exp),
            exp,
        );
    }
    // Partial credentials: a secret without a key id, a token without keys.
    assert_no_leak(
        &TestEnv::new()
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", TOKEN),
        "secret without key id",
    );
    let creds = format!("[default]\naws_secret_access_key = {SECRET}\n");
    let config = "[default]\naws_access_key_id = AKIASPLIT\n";
    assert_no_leak(
        &TestEnv::new().credentials(&creds).config(config),
        "split pair",
    );
    // Missing profile with env keys.
    assert_no_leak(
        &env_keys()
            .env("AWS_SESSION_TOKEN", TOKEN)
            .env("AWS_PROFILE", "nope"),
        "ProfileNotFound",
    );
}

#[test]
fn parse_errors_do_not_quote_secret_lines() {
    for text in [
        format!("[default]\naws_secret_access_key {SECRET}\n"),
        format!("[default]\naws_secret_access_key = {SECRET}\naws_secret_access_key = {TOKEN}\n"),
        format!("[default]\nfoo =\n  {SECRET}\n"),
        format!("{SECRET}\n[default]\n"),
        format!("[default]\naws_secret_access_key = {SECRET}\n[default]\n"),
        format!("[default]\naws_session_token = {TOKEN}\n  {SECRET}\naws_access_key_id = A\n"),
    ] {
        assert_no_leak(
            &TestEnv::new().credentials(&text),
            &format!("credentials {text:?}"),
        );
        assert_no_leak(&TestEnv::new().config(&text), &format!("config {text:?}"));
    }
    // Invalid UTF-8 right after a secret.
    let mut bytes =
        format!("[default]\naws_access_key_id = A\naws_secret_access_key = {SECRET}").into_bytes();
    bytes.extend_from_slice(b"\xff\n");
    let env = TestEnv::new();
    env.write(".aws/credentials", &bytes);
    assert_no_leak(&env, "invalid utf-8");
    let env = TestEnv::new();
    let path = env.write("ec2", {
        let mut b = format!("AWSAccessKeyId=AKIAEC2\nAWSSecretKey={SECRET}").into_bytes();
        b.extend_from_slice(b"\xff\n");
        b
    });
    let env = env.env("AWS_CREDENTIAL_FILE", path.to_str().expect("utf-8"));
    assert_no_leak(&env, "invalid utf-8 in AWS_CREDENTIAL_FILE");
}

#[test]
fn configure_get_and_export_do_print_them() {
    // The other side of the contract, so the leak checks above are not
    // vacuous: the secrets really are reachable.
    let creds = format!(
        "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = {SECRET}\n\
         aws_session_token = {TOKEN}\n"
    );
    let env = TestEnv::new().credentials(&creds);
    let get = env.credchain(&["configure", "get", "aws_secret_access_key"]);
    get.expect_code(0);
    assert_eq!(get.stdout, format!("{SECRET}\n"));
    let export = env.credchain(&["configure", "export-credentials", "--format", "env"]);
    export.expect_code(0);
    assert!(export.stdout.contains(SECRET) && export.stdout.contains(TOKEN));
    let list = env.credchain(&["configure", "list"]);
    list.expect_code(0);
    assert!(
        list.stdout.contains("****************KEY1"),
        "{}",
        list.stdout
    );
}

#[test]
fn sso_tokens_and_client_secrets_are_never_printed() {
    use credchain::testkit::sso::{FakeSso, role_credentials_for};
    const ACCESS: &str = "ssoAccessTokenSECRETvalue123";
    const REFRESH: &str = "rt-ok-REFRESHSECRETvalue456";
    const CLIENT_SECRET: &str = "clientSECRETvalue789";
    let sso = FakeSso::start();
    // Valid, refreshed now, and expired-and-unrefreshable tokens.
    for (expires_in, rt) in [
        (3600, REFRESH),
        (300, REFRESH),
        (-60, "rt-fail-REFRESHSECRET"),
    ] {
        let env = crate::sso::sso_env(&sso, ACCESS, expires_in, rt, CLIENT_SECRET);
        let refreshed = format!("good-refreshed-{rt}");
        let (_, role_secret, role_token) = role_credentials_for(ACCESS, "Admin", "111122223333");
        let (_, new_secret, new_token) = role_credentials_for(&refreshed, "Admin", "111122223333");
        let needles = [
            ACCESS,
            rt,
            CLIENT_SECRET,
            &refreshed,
            &role_secret,
            &role_token,
            &new_secret,
            &new_token,
        ];
        let scenario = format!("sso token expiring in {expires_in} s");
        for args in QUIET {
            let mut full = vec!["--profile", "dev"];
            full.extend_from_slice(args);
            let run = env.credchain(&full);
            for needle in needles {
                assert!(
                    !run.combined().contains(needle),
                    "[{scenario}] {} leaks {needle:?}:\n{}",
                    run.what,
                    run.combined()
                );
            }
        }
        let export = env.credchain(&[
            "--profile",
            "dev",
            "--debug",
            "configure",
            "export-credentials",
        ]);
        for needle in needles {
            assert!(
                !export.stderr.contains(needle),
                "[{scenario}] export --debug leaks:\n{}",
                export.stderr
            );
        }
        // Not vacuous: a valid token does give credentials on stdout.
        if expires_in > 0 {
            export.expect_code(0);
            assert!(
                export.stdout.contains("SecretAccessKey"),
                "{}",
                export.stdout
            );
        }
    }
}
