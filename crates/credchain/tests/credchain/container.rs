//! `container-role` (P-CONT-*): URI selection from the cross-SDK ECS table,
//! host allowlist and token rules as pure functions, and every fault
//! against the loopback server with a wall-clock bound.

// The measured wall-clock times and skipped vector files are a report.
#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::time::Duration;

use credchain::container;
use credchain::http::{HttpClient, HttpMethod, Response};
use credchain::os::{MapEnv, MemFs, RealSleep, RecordingSleep, Sleep};
use credchain::testkit::{FakeClient, LoopbackClient, Reply, TestServer, credentials_json};
use credchain::{Error, Method, Session, StepOutcome};
use serde_json::Value;

use crate::imds::{FUTURE, exception_for, session_with, step, timed, vectors_dir};

const ALLOW: &str = "Can only retrieve metadata from a loopback address or one of these hosts: \
                     169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost";

fn container_session(
    full_uri: &str,
    extra: &[(&str, &str)],
    fs: MemFs,
    client: Arc<dyn HttpClient>,
    sleep: Arc<dyn Sleep>,
) -> Session {
    let mut env = vec![
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    session_with(&env, fs, client, sleep)
}

fn loopback(server: &TestServer, extra: &[(&str, &str)], sleep: Arc<dyn Sleep>) -> Session {
    container_session(
        &server.url("/v1/creds"),
        extra,
        MemFs::new(),
        Arc::new(LoopbackClient::default()),
        sleep,
    )
}

fn doc_with_account(ak: &str) -> String {
    format!(
        r#"{{"AccessKeyId":"{ak}","SecretAccessKey":"s","Token":"t","Expiration":"{FUTURE}","AccountId":"123456789012"}}"#
    )
}

#[test]
fn success_with_token_and_account_p_cont_3_5() {
    let server = TestServer::start(|_, _| Reply::Respond(200, doc_with_account("ASIACONT")));
    let s = loopback(
        &server,
        &[("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc")],
        Arc::new(RealSleep),
    );
    let (r, _) = timed(&s, Duration::from_secs(1));
    let c = r.result.as_ref().unwrap();
    assert_eq!(c.method(), Method::ContainerRole);
    assert_eq!(c.access_key_id(), "ASIACONT");
    assert_eq!(c.account_id(), Some("123456789012"));
    assert_eq!(
        c.expiration().unwrap().to_string(),
        "2099-01-01T00:00:00+00:00"
    );
    let req = &server.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/v1/creds")
    );
    assert_eq!(req.header("authorization"), Some("Bearer abc"));
    assert_eq!(req.header("accept"), Some("application/json"));
    let d = &step(&r, Method::ContainerRole).detail;
    assert!(
        d.contains("attempt 1 of 3") && !d.contains("Bearer abc"),
        "{d}"
    );
    let all = format!("{r:?}");
    assert!(
        !all.contains("Bearer abc") && !all.contains("\"s\""),
        "{all}"
    );
    // The chain stops at the container: IMDS is not reached.
    assert!(step(&r, Method::IamRole).detail.starts_with("not reached"));
}

#[test]
fn token_file_wins_is_read_fresh_and_not_stripped_p_cont_3() {
    let server = TestServer::start(|_, _| Reply::Respond(200, credentials_json("AK", FUTURE)));
    let fs = MemFs::new().with_file("/tok", "from-file");
    let s = container_session(
        &server.url("/c"),
        &[
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/tok"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-env"),
        ],
        fs,
        Arc::new(LoopbackClient::default()),
        Arc::new(RealSleep),
    );
    assert!(s.get_credentials().unwrap().is_some());
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("from-file")
    );
    // A trailing newline is kept, so the token is refused.
    for (fs, env) in [
        (
            MemFs::new().with_file("/tok", "abc\n"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/tok"),
        ),
        (MemFs::new(), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\rb")),
    ] {
        let s = container_session(
            &server.url("/c"),
            &[env],
            fs,
            Arc::new(LoopbackClient::default()),
            Arc::new(RealSleep),
        );
        let e = s.get_credentials().unwrap_err();
        assert_eq!(e.kind(), "ValueError");
        assert_eq!(
            e.to_string(),
            "Auth token value is not a legal header value"
        );
    }
    let s = container_session(
        &server.url("/c"),
        &[("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/missing")],
        MemFs::new(),
        Arc::new(LoopbackClient::default()),
        Arc::new(RealSleep),
    );
    let e = s.get_credentials().unwrap_err();
    assert_eq!(e.kind(), "FileNotFoundError");
    assert_eq!(
        e.to_string(),
        "[Errno 2] No such file or directory: '/missing'"
    );
    assert_eq!(server.requests().len(), 1, "refused tokens send nothing");
}

#[test]
fn server_errors_retry_three_times_sleeping_after_each_p_cont_4() {
    for (name, reply) in [
        ("500", Reply::Respond(500, "boom".into())),
        ("503", Reply::Respond(503, String::new())),
        ("malformed JSON", Reply::Respond(200, "{not json".into())),
        ("garbage", Reply::Garbage),
        ("closed", Reply::Close),
    ] {
        let server = TestServer::start(move |_, _| reply.clone());
        let sleep = Arc::new(RecordingSleep::default());
        let s = loopback(&server, &[], Arc::clone(&sleep) as Arc<dyn Sleep>);
        let (r, _) = timed(&s, Duration::from_secs(1));
        let e = r.result.as_ref().unwrap_err();
        assert_eq!(e.kind(), "CredentialRetrievalError", "{name}");
        assert!(
            e.to_string().starts_with(
                "Error when retrieving credentials from container-role: Error retrieving metadata: "
            ),
            "{e}"
        );
        assert_eq!(server.requests().len(), 3, "{name}");
        assert_eq!(sleep.calls(), vec![Duration::from_secs(1); 3], "{name}");
        let st = step(&r, Method::ContainerRole);
        assert_eq!(st.outcome, StepOutcome::Error);
        assert!(st.detail.contains("attempt 3"), "{name}: {}", st.detail);
    }
}

#[test]
fn black_hole_ends_within_bound() {
    let server = TestServer::start(|_, _| Reply::BlackHole);
    let s = loopback(&server, &[], Arc::new(RealSleep));
    // 3 × (2 s read timeout + 1 s sleep).
    let (r, took) = timed(&s, Duration::from_secs(9));
    assert_eq!(r.result.unwrap_err().kind(), "CredentialRetrievalError");
    assert!(took >= Duration::from_millis(8800), "{took:?}");
    eprintln!("container black hole: {took:?} (bound 9 s + slack)");
}

#[test]
fn slow_drip_is_cut_by_the_total_deadline() {
    let server = TestServer::start(|_, i| {
        if i == 0 {
            Reply::Drip(
                200,
                credentials_json("AK", FUTURE),
                Duration::from_millis(500),
            )
        } else {
            Reply::Respond(200, credentials_json("AKSECOND", FUTURE))
        }
    });
    let s = loopback(&server, &[], Arc::new(RealSleep));
    // First attempt: 6 s total deadline, then 1 s sleep, then success.
    let (r, took) = timed(&s, Duration::from_secs(7));
    assert_eq!(r.result.as_ref().unwrap().access_key_id(), "AKSECOND");
    let d = &step(&r, Method::ContainerRole).detail;
    assert!(
        d.contains("attempt 2 of 3") && d.contains("deadline"),
        "{d}"
    );
    eprintln!("container slow drip: {took:?} (bound 7 s + slack)");
}

#[test]
fn missing_fields_and_wrong_types_p_cont_5() {
    for (doc, kind, msg) in [
        (
            r#"{"SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#,
            "KeyError",
            "'AccessKeyId'",
        ),
        (
            r#"{"AccessKeyId":"a","SecretAccessKey":"s","Token":"t"}"#,
            "KeyError",
            "'Expiration'",
        ),
        (
            "[1]",
            "TypeError",
            "list indices must be integers or slices, not str",
        ),
        (
            "null",
            "TypeError",
            "'NoneType' object is not subscriptable",
        ),
        (
            r#"{"AccessKeyId":"a","SecretAccessKey":"s","Token":"t","Expiration":"soon"}"#,
            "ParserError",
            "",
        ),
    ] {
        let server = TestServer::start(move |_, _| Reply::Respond(200, doc.into()));
        let sleep = Arc::new(RecordingSleep::default());
        let s = loopback(&server, &[], Arc::clone(&sleep) as Arc<dyn Sleep>);
        let (r, _) = timed(&s, Duration::from_secs(1));
        let e = r.result.unwrap_err();
        assert_eq!(e.kind(), kind, "{doc}");
        assert!(e.to_string().starts_with(msg), "{doc}: {e}");
        assert_eq!(server.requests().len(), 1, "no retry: {doc}");
        assert!(sleep.calls().is_empty());
    }
}

#[test]
fn relative_uri_wins_and_is_concatenated_p_cont_1() {
    let client = Arc::new(FakeClient::new(vec![Ok(Response::new(
        200,
        credentials_json("AKREL", FUTURE),
    ))]));
    let s = container_session(
        "http://localhost:8080/full",
        &[(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials?id=1",
        )],
        MemFs::new(),
        Arc::clone(&client) as Arc<dyn HttpClient>,
        Arc::new(RecordingSleep::default()),
    );
    assert_eq!(
        s.get_credentials().unwrap().unwrap().access_key_id(),
        "AKREL"
    );
    assert_eq!(
        client.sent_urls(),
        [(
            HttpMethod::Get,
            "http://169.254.170.2/v2/credentials?id=1".to_owned()
        )]
    );
}

#[test]
fn host_allowlist_p_cont_2() {
    for ok in [
        "http://127.0.0.1/x",
        "http://127.9.9.9:80/x",
        "http://[::1]/x",
        "http://LOCALHOST:1/x",
        "http://169.254.170.2/x",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1",
        "https://example.com/x",
        "HTTPS://example.com/x",
    ] {
        assert!(container::validate_url(ok).is_ok(), "{ok}");
    }
    for (bad, host) in [
        ("http://example.com/x", "example.com"),
        ("http://169.254.169.254/x", "169.254.169.254"),
        ("http://127.0.0.01/x", "127.0.0.01"),
        ("http://169.254.170.2@evil.example/x", "evil.example"),
        ("/credentials", "None"),
        ("ftp://Example.com/x", "example.com"),
    ] {
        let e = container::validate_url(bad).unwrap_err();
        assert_eq!(e.kind(), "ValueError", "{bad}");
        assert_eq!(
            e.to_string(),
            format!("Unsupported host '{host}'.  {ALLOW}"),
            "{bad}"
        );
    }
    assert_eq!(
        container::validate_url("http://[::1/x")
            .unwrap_err()
            .to_string(),
        "Invalid IPv6 URL"
    );
    // The relative URI goes through the same check.
    let s = container_session(
        "",
        &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/")],
        MemFs::new(),
        Arc::new(FakeClient::new(vec![])),
        Arc::new(RecordingSleep::default()),
    );
    assert_eq!(s.get_credentials().unwrap_err().kind(), "ValueError");
}

#[test]
fn https_needs_a_capable_client() {
    let s = container_session(
        "https://example.com/creds",
        &[],
        MemFs::new(),
        Arc::new(LoopbackClient::default()),
        Arc::new(RecordingSleep::default()),
    );
    assert_eq!(s.get_credentials().unwrap_err().kind(), "NotSupportedYet");
}

#[test]
fn ecs_uri_vectors() {
    let path = vectors_dir().join("credential-provider-scenarios/ecs-tests.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let doc: Value = serde_json::from_str(&text).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 11);
    for (i, t) in tests.iter().enumerate() {
        let docs = t["docs"].as_str().unwrap();
        let env = MapEnv::from_pairs(
            t["env"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())),
        );
        let ours: Result<Option<String>, Error> =
            match container::resolve_uri(|k| credchain::os::Env::get(&env, k)) {
                None => Ok(None),
                Some(u) => container::validate_url(&u).map(|()| Some(u)),
            };
        let want = exception_for("ecs-tests", i).unwrap_or_else(|| t["result"].clone());
        match (&ours, want.get("Ok")) {
            (Ok(Some(u)), Some(w)) => assert_eq!(u, w, "[{i}] {docs}"),
            // "not enabled" and invalid-URI cases: no URL.
            (Ok(None) | Err(_), None) => {}
            _ => panic!("[{i}] {docs}: ours {ours:?}, want {want}"),
        }
    }
}

/// An `Expiration` `secs` seconds after the fixed test clock.
fn expiring_in(secs: i64) -> String {
    let at =
        std::time::UNIX_EPOCH + Duration::from_secs(crate::imds::NOW.saturating_add_signed(secs));
    credchain::time::Timestamp::from_system_time(at).to_string()
}

fn doc(ak: &str, expiration: &str) -> String {
    format!(
        r#"{{"AccessKeyId":"{ak}","SecretAccessKey":"s","Token":"t","Expiration":"{expiration}"}}"#
    )
}

#[test]
fn refresh_on_first_use_p_ref_1_3() {
    // botocore's ContainerProvider returns RefreshableCredentials: the
    // first access re-fetches an answer with under 15 min left, once.
    // (first answer, second answer (None: 500 on every attempt)) →
    // (access key or error class, requests).
    type Case = (
        String,
        Option<String>,
        Result<&'static str, &'static str>,
        usize,
    );
    let cases: [Case; 6] = [
        // Plenty of time: one request.
        (doc("FIRST", FUTURE), None, Ok("FIRST"), 1),
        // Already expired: fetched again (botocore, not RuntimeError).
        (
            doc("FIRST", "2001-01-01T00:00:00Z"),
            Some(doc("SECOND", FUTURE)),
            Ok("SECOND"),
            2,
        ),
        // 14 min left: advisory; the new answer wins, even a short one.
        (
            doc("FIRST", &expiring_in(840)),
            Some(doc("SECOND", &expiring_in(300))),
            Ok("SECOND"),
            2,
        ),
        // 11 min left, re-fetch fails (3 attempts): the first is kept.
        (doc("FIRST", &expiring_in(660)), None, Ok("FIRST"), 4),
        // 9 min left, re-fetch fails: mandatory, CredentialRetrievalError.
        (
            doc("FIRST", &expiring_in(540)),
            None,
            Err("CredentialRetrievalError"),
            4,
        ),
        // Still expired after the re-fetch: RuntimeError.
        (
            doc("FIRST", "2001-01-01T00:00:00Z"),
            Some(doc("SECOND", "2001-01-01T00:00:00Z")),
            Err("RuntimeError"),
            2,
        ),
    ];
    for (first, second, want, requests) in cases {
        let label = format!("{first} then {second:?}");
        let server = TestServer::start(move |_, i| match (i, &second) {
            (0, _) => Reply::Respond(200, first.clone()),
            (_, Some(d)) => Reply::Respond(200, d.clone()),
            (_, None) => Reply::Respond(500, "boom".into()),
        });
        let sleep = Arc::new(RecordingSleep::default());
        let s = loopback(&server, &[], Arc::clone(&sleep) as Arc<dyn Sleep>);
        let r = s.explain();
        let got = r
            .result
            .as_ref()
            .map(credchain::Credentials::access_key_id)
            .map_err(Error::kind);
        assert_eq!(got, want, "{label}");
        assert_eq!(server.requests().len(), requests, "{label}");
        if requests == 2 {
            let detail = &step(&r, Method::ContainerRole).detail;
            if want.is_ok() {
                assert!(detail.contains("fetched again"), "{detail}");
            }
        }
    }
}
