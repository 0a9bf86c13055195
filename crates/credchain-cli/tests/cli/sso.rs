//! SSO through the binary: 16 processes that all need the same sso-session
//! refresh make **one** `CreateToken` call and all succeed with the new
//! token (issue 11); `explain` shows the session, token file, expiry and
//! what is needed, never the token.

use std::time::{Duration, SystemTime};

use credchain::sso::token;
use credchain::testkit::sso::{FakeSso, role_credentials_for};

use crate::util::TestEnv;

pub(crate) const CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n\
    sso_role_name = Admin\n[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\n\
    sso_region = us-east-1\n";

pub(crate) fn at(secs: i64) -> String {
    let t = if secs >= 0 {
        SystemTime::now() + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::now() - Duration::from_secs(secs.unsigned_abs())
    };
    token::utc_z(t)
}

/// A HOME with [`CONFIG`] and the corp token, endpoints at `sso`.
pub(crate) fn sso_env(
    sso: &FakeSso,
    access: &str,
    expires_in: i64,
    rt: &str,
    secret: &str,
) -> TestEnv {
    let env = TestEnv::new()
        .config(CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", &sso.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &sso.url());
    let doc = serde_json::json!({"startUrl": "https://d-1.awsapps.com/start",
        "region": "us-east-1", "accessToken": access, "expiresAt": at(expires_in),
        "clientId": "cid", "clientSecret": secret, "registrationExpiresAt": at(86_400),
        "refreshToken": rt});
    env.write(
        &format!(".aws/sso/cache/{}.json", token::sha1_hex("corp")),
        doc.to_string(),
    );
    env
}

#[test]
fn sixteen_processes_needing_a_refresh_make_one_create_token_call() {
    let sso = FakeSso::start();
    // A slow CreateToken keeps the first refresher inside the lock while
    // the others arrive.
    sso.set_create_token_delay(Duration::from_millis(400));
    let env = sso_env(&sso, "old-token", 300, "rt-ok-race", "client-secret-value");
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| env.credchain(&["--profile", "dev", "configure", "export-credentials"]))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (ak, ..) = role_credentials_for("good-refreshed-rt-ok-race", "Admin", "111122223333");
    for run in &runs {
        run.expect_code(0);
        assert!(run.stdout.contains(&ak), "{}", run.stdout);
    }
    assert_eq!(sso.create_token_calls(), 1, "one refresh for 16 processes");
    // Every portal call (some processes hit the CLI cache instead) carried
    // the new token.
    for r in sso.requests().iter().filter(|r| r.method == "GET") {
        assert_eq!(
            r.header("x-amz-sso_bearer_token"),
            Some("good-refreshed-rt-ok-race")
        );
    }
    // The token file holds the refreshed token; no temp file and no lock
    // file is left (issue 9: locks exist only while held).
    let dir = env.home().join(".aws/sso/cache");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [format!("{}.json", token::sha1_hex("corp"))]);
    let text = std::fs::read_to_string(dir.join(&names[0])).unwrap();
    assert!(
        text.contains("\"refreshToken\": \"rt-ok-race-next\""),
        "{text}"
    );
}

#[test]
fn explain_shows_session_token_file_expiry_and_what_is_needed() {
    let sso = FakeSso::start();
    // Expired, refresh rejected: login needed.
    let env = sso_env(
        &sso,
        "expired-access-token",
        -60,
        "rt-fail-x",
        "client-secret-value",
    );
    let run = env.credchain(&["--profile", "dev", "explain"]);
    run.expect_code(1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("sso "))
        .unwrap_or_else(|| panic!("{}", run.stdout))
        .to_owned();
    assert!(line.contains("TokenRetrievalError"), "{line}");
    assert!(line.contains("sso-session corp"), "{line}");
    assert!(
        line.contains(&format!(".aws/sso/cache/{}.json", token::sha1_hex("corp"))),
        "{line}"
    );
    assert!(line.contains("expired 20"), "{line}");
    assert!(
        line.contains("credchain sso login --sso-session corp"),
        "{line}"
    );
    assert!(!run.combined().contains("expired-access-token"));
    // Valid: the expiry and "(valid)"; JSON names the sso method.
    let env = sso_env(
        &sso,
        "valid-access-token",
        3600,
        "rt-ok-y",
        "client-secret-value",
    );
    let run = env.credchain(&["--profile", "dev", "explain", "--output", "json"]);
    run.expect_code(0);
    let doc = run.json();
    assert_eq!(doc["method"], "sso");
    let step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["provider"] == "sso")
        .unwrap();
    let detail = step["detail"].as_str().unwrap();
    assert!(
        detail.contains("sso-session corp") && detail.contains("(valid)"),
        "{detail}"
    );
    assert!(detail.contains("expires 20"), "{detail}");
    assert!(!run.combined().contains("valid-access-token"));
}

#[test]
fn logout_calls_logout_per_token_and_removes_only_sso_files() {
    let sso = FakeSso::start();
    let env = sso_env(
        &sso,
        "corp-access-token",
        3600,
        "rt-ok-z",
        "client-secret-value",
    );
    let legacy = token::sha1_hex("https://legacy/start");
    env.write(
        &format!(".aws/sso/cache/{legacy}.json"),
        serde_json::json!({"startUrl": "https://legacy/start", "region": "eu-west-1",
            "accessToken": "legacy-access-token", "expiresAt": at(-60)})
        .to_string(),
    );
    // A registration file (no accessToken) and a stray file stay.
    env.write(
        ".aws/sso/cache/botocore-client-registration.json",
        r#"{"clientId": "cid", "clientSecret": "s", "expiresAt": "2099-01-01T00:00:00Z", "scopes": []}"#,
    );
    env.write(".aws/sso/cache/notes.txt", "not json");
    env.write(
        ".aws/cli/cache/ssorole.json",
        r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA"}}"#,
    );
    env.write(
        ".aws/cli/cache/assumed.json",
        r#"{"Credentials": {"AccessKeyId": "ASIA"}, "AssumedRoleUser": {}}"#,
    );
    let run = env.credchain(&["sso", "logout"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "");
    let mut tokens = sso.logged_out_tokens();
    tokens.sort();
    assert_eq!(tokens, ["corp-access-token", "legacy-access-token"]);
    let names = |rel: &str| {
        let mut v: Vec<String> = std::fs::read_dir(env.home().join(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(".aws/sso/cache"),
        ["botocore-client-registration.json", "notes.txt"]
    );
    assert_eq!(names(".aws/cli/cache"), ["assumed.json"]);
    // Nothing left to do: a second logout calls nothing.
    env.credchain(&["sso", "logout"]).expect_code(0);
    assert_eq!(sso.logout_calls(), 2);
}

#[test]
fn status_lists_sessions_and_legacy_start_urls_without_tokens() {
    let sso = FakeSso::start();
    let env = sso_env(
        &sso,
        "status-access-token",
        600,
        "rt-ok-s",
        "client-secret-value",
    );
    let config = format!(
        "{CONFIG}[profile old]\nsso_start_url = https://legacy/start\nsso_region = eu-west-1\n\
         sso_account_id = 1\nsso_role_name = R\n"
    );
    let env = env.config(&config);
    let run = env.credchain(&["sso", "status", "--output", "json"]);
    run.expect_code(0);
    let doc = run.json();
    let rows = doc.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{doc}");
    assert_eq!(rows[0]["session"], "corp");
    assert_eq!(rows[0]["start_url"], "https://d-1.awsapps.com/start");
    assert_eq!(rows[0]["region"], "us-east-1");
    assert_eq!(rows[0]["status"], "refresh-due");
    assert_eq!(rows[0]["refreshable"], true);
    assert_eq!(rows[0]["profiles"], serde_json::json!(["dev"]));
    let left = rows[0]["seconds_left"].as_i64().unwrap();
    assert!((500..=600).contains(&left), "{left}");
    assert!(rows[0]["registration_expires_at"].is_string());
    assert_eq!(rows[1]["session"], serde_json::Value::Null);
    assert_eq!(rows[1]["status"], "missing");
    assert_eq!(rows[1]["profiles"], serde_json::json!(["old"]));
    // Reading status never refreshes or calls anything.
    assert_eq!(sso.requests().len(), 0);
    let text = env.credchain(&["sso", "status"]);
    text.expect_code(0);
    assert!(text.stdout.starts_with("SESSION"), "{}", text.stdout);
    assert!(text.stdout.contains("(legacy)"), "{}", text.stdout);
    for r in [&run, &text] {
        for secret in ["status-access-token", "rt-ok-s", "client-secret-value"] {
            assert!(!r.combined().contains(secret), "{}", r.combined());
        }
    }
}

/// The `sso` client is created before the token is read, so a bad
/// `sso_region` is botocore's client error and nothing is sent (issue 8 §1
/// applied to the SSO clients). Expected texts from botocore 1.43.11 with
/// the same config and no token cache.
#[test]
fn sso_region_is_validated_before_anything_is_read_or_sent() {
    let sso = FakeSso::start();
    for (region, expected) in [
        (
            "US_EAST_1",
            "Provided region_name 'US_EAST_1' doesn't match a supported format.",
        ),
        (
            "us east 1",
            "Provided region_name 'us east 1' doesn't match a supported format.",
        ),
        ("", "Invalid endpoint: https://portal.sso..amazonaws.com"),
    ] {
        let env = TestEnv::new().config(&format!(
            "[profile a]\nsso_start_url = https://x.awsapps.com/start\nsso_region = {region}\n\
             sso_account_id = 123456789012\nsso_role_name = R\n"
        ));
        let run = env.credchain(&["--profile", "a", "configure", "export-credentials"]);
        run.expect_code(255);
        assert!(run.stderr.contains(expected), "{region:?}: {}", run.stderr);
        // The same with the portal configured: the region check still comes first.
        if !region.is_empty() {
            let env = env.env("AWS_ENDPOINT_URL_SSO", &sso.url());
            let run = env.credchain(&["--profile", "a", "configure", "export-credentials"]);
            run.expect_code(255);
            assert!(run.stderr.contains(expected), "{region:?}: {}", run.stderr);
        }
    }
    assert!(sso.requests().is_empty());
}

/// `sso status` prints JSON, so `--query` applies to it; it has no table
/// layout, so `--output table` is a usage error (issue 10 item 4), never
/// silently text.
#[test]
fn sso_status_takes_query_and_refuses_table() {
    let sso = FakeSso::start();
    let env = sso_env(&sso, "tok", 3_600, "rt", "client-secret-value");
    let run = env.credchain(&[
        "sso",
        "status",
        "--query",
        "[0].session",
        "--output",
        "text",
    ]);
    run.expect_code(0);
    assert_eq!(run.stdout, "corp\n");
    let run = env.credchain(&["sso", "status", "--query", "[0].profiles"]);
    run.expect_code(0);
    assert_eq!(run.json(), serde_json::json!(["dev"]));
    let run = env.credchain(&["sso", "status", "--output", "table"]);
    run.expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("not table"), "{}", run.stderr);
    // Nothing was sent: status reads the cache only.
    assert!(sso.requests().is_empty());
}
