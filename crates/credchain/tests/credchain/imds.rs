//! `iam-role` (P-IMDS-*): endpoint selection from the cross-SDK tables,
//! URL selection against a fake transport, and every fault against the
//! loopback server, each with a wall-clock bound. Only 127.0.0.1 is ever
//! contacted.

// The measured wall-clock times and skipped vector files are a report.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use credchain::http::{
    HttpClient, HttpMethod, Request, Response, Timeouts, TransportError, TransportErrorKind,
    UrlParts,
};
use credchain::imds::{self, ImdsConfig};
use credchain::os::{
    Clock, FixedClock, FixedRandom, MapEnv, MemFs, Os, RealSleep, RecordingSleep, Sleep,
};
use credchain::testkit::{
    FakeClient, LoopbackClient, Recorded, Reply, TestServer, credentials_json,
};
use credchain::{Error, Method, Resolution, Session, StepOutcome};
use serde_json::Value;

/// 2027-01-15, after the test documents' 2026 expiries are not relevant.
pub(crate) const NOW: u64 = 1_800_000_000;
/// An expiry far in the future.
pub(crate) const FUTURE: &str = "2099-01-01T00:00:00Z";
/// Slack on top of each fault's computed bound: a hang fails, a few
/// scheduler milliseconds do not.
pub(crate) const SLACK: Duration = Duration::from_secs(2);

pub(crate) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// A session on a cleared environment (plus `env`), no files, a fixed
/// clock, the loopback-only client and the given sleep.
pub(crate) fn session_with(
    env: &[(&str, String)],
    fs: MemFs,
    client: Arc<dyn HttpClient>,
    sleep: Arc<dyn Sleep>,
) -> Session {
    let mut vars: Vec<(String, String)> = vec![("HOME".into(), "/h".into())];
    vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let os = Os {
        env: Arc::new(MapEnv::from_pairs(vars)),
        fs: Arc::new(fs),
        clock: Arc::new(FixedClock(now())),
    };
    Session::builder()
        .os(os)
        .http_client(client)
        .sleep(sleep)
        .random(Arc::new(FixedRandom(300)))
        .build()
}

fn imds_session(server: &TestServer, extra: &[(&str, &str)]) -> Session {
    let mut env = vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url("/"))];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    session_with(
        &env,
        MemFs::new(),
        Arc::new(LoopbackClient::default()),
        Arc::new(RealSleep),
    )
}

/// Runs `explain`, asserting it ends within `bound` + [`SLACK`].
pub(crate) fn timed(session: &Session, bound: Duration) -> (Resolution, Duration) {
    let start = Instant::now();
    let r = session.explain();
    let took = start.elapsed();
    assert!(
        took <= bound + SLACK,
        "took {took:?}, bound {bound:?} + {SLACK:?}; steps: {:#?}",
        r.steps
    );
    (r, took)
}

pub(crate) fn step(r: &Resolution, m: Method) -> &credchain::Step {
    r.steps.iter().find(|s| s.provider == m).expect("step")
}

/// A normal IMDS: token, one role, credentials with `expiration`.
fn imds_ok(role: &'static str, expiration: &'static str) -> impl Fn(&Recorded, usize) -> Reply {
    move |req, _| match (req.method.as_str(), req.path.as_str()) {
        ("PUT", "/latest/api/token") => Reply::Respond(200, "TOKEN-abc".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/") => Reply::Respond(200, role.into()),
        ("GET", p) if p == format!("/latest/meta-data/iam/security-credentials/{role}") => {
            Reply::Respond(200, credentials_json("ASIAIMDS", expiration))
        }
        _ => Reply::Respond(404, "not found".into()),
    }
}

fn no_credentials(r: &Resolution) -> &str {
    assert!(
        matches!(r.result, Err(Error::NoCredentials)),
        "{:?}",
        r.result
    );
    let s = step(r, Method::IamRole);
    assert_eq!(s.outcome, StepOutcome::Skipped);
    &s.detail
}

#[test]
fn success_v2_sequence_p_imds_2() {
    let server = TestServer::start(imds_ok("my-role", FUTURE));
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(3));
    let c = r.result.as_ref().expect("credentials");
    assert_eq!(c.method(), Method::IamRole);
    assert_eq!(c.access_key_id(), "ASIAIMDS");
    assert_eq!(c.secret_access_key().expose(), "secret-ASIAIMDS");
    assert_eq!(
        c.expiration().unwrap().to_string(),
        "2099-01-01T00:00:00+00:00"
    );
    assert_eq!(c.account_id(), None);
    let reqs = server.requests();
    let seq: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        seq,
        [
            ("PUT", "/latest/api/token"),
            ("GET", "/latest/meta-data/iam/security-credentials/"),
            ("GET", "/latest/meta-data/iam/security-credentials/my-role"),
        ]
    );
    assert_eq!(
        reqs[0].header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(
        reqs[1].header("x-aws-ec2-metadata-token"),
        Some("TOKEN-abc")
    );
    assert_eq!(
        reqs[2].header("x-aws-ec2-metadata-token"),
        Some("TOKEN-abc")
    );
    // Neither the secret, the session token nor the IMDS token leaks.
    let all = format!("{r:?}");
    assert!(
        !all.contains("secret-ASIAIMDS") && !all.contains("token-ASIAIMDS"),
        "{all}"
    );
    assert!(!all.contains("TOKEN-abc"), "{all}");
    let d = &step(&r, Method::IamRole).detail;
    assert!(
        d.contains("my-role") && !d.contains("TOKEN-abc") && !d.contains("secret-"),
        "{d}"
    );
}

#[test]
fn role_name_is_the_whole_body_not_trimmed_p_imds_2() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/latest/api/token" => Reply::Respond(200, "t".into()),
        "/latest/meta-data/iam/security-credentials/" => Reply::Respond(200, "role \n".into()),
        _ => Reply::Respond(200, credentials_json("AK", FUTURE)),
    });
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(3));
    assert!(r.result.is_ok());
    // Verified with botocore 1.43.11: the space is escaped, the newline is
    // dropped by urlsplit (CPython strips tab/CR/LF from URLs).
    assert_eq!(
        server.requests()[2].path,
        "/latest/meta-data/iam/security-credentials/role%20"
    );
}

#[test]
fn token_403_404_405_fall_back_to_v1_p_imds_3() {
    for status in [403, 404, 405] {
        let server = TestServer::start(move |req, i| {
            if req.method == "PUT" {
                Reply::Respond(status, String::new())
            } else {
                imds_ok("r", FUTURE)(req, i)
            }
        });
        let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(3));
        assert_eq!(r.result.as_ref().unwrap().access_key_id(), "ASIAIMDS");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3, "{status}");
        assert!(
            reqs[1..]
                .iter()
                .all(|r| r.header("x-aws-ec2-metadata-token").is_none())
        );
        assert!(
            step(&r, Method::IamRole).detail.contains("IMDSv1"),
            "{status}"
        );
    }
}

#[test]
fn token_400_means_no_credentials_p_imds_3() {
    let server = TestServer::start(|_, _| Reply::Respond(400, String::new()));
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
    let d = no_credentials(&r);
    assert!(d.contains("400"), "{d}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn token_500_retried_num_attempts_then_v1_p_imds_3() {
    let server = TestServer::start(|req, i| {
        if req.method == "PUT" {
            Reply::Respond(500, "oops".into())
        } else {
            imds_ok("r", FUTURE)(req, i)
        }
    });
    let s = imds_session(&server, &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")]);
    let (r, _) = timed(&s, Duration::from_secs(3));
    assert!(r.result.is_ok(), "{:?}", r.result);
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["PUT", "PUT", "PUT", "GET", "GET"]);
}

#[test]
fn token_read_timeout_falls_back_at_once_p_imds_3() {
    let server = TestServer::start(|req, i| {
        if req.method == "PUT" {
            Reply::BlackHole
        } else {
            imds_ok("r", FUTURE)(req, i)
        }
    });
    let s = imds_session(&server, &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")]);
    // One 1 s read timeout, no retry of the PUT.
    let (r, took) = timed(&s, Duration::from_secs(1));
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert!(took >= Duration::from_millis(900), "{took:?}");
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["PUT", "GET", "GET"]);
    assert!(
        step(&r, Method::IamRole)
            .detail
            .contains("ReadTimeoutError")
    );
}

#[test]
fn black_hole_ends_within_bound() {
    let server = TestServer::start(|_, _| Reply::BlackHole);
    // Token read timeout (1 s) → v1, role GET read timeout (1 s), 1 attempt.
    let (r, took) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
    let d = no_credentials(&r);
    assert!(
        d.contains("ReadTimeoutError") && d.contains("no role name"),
        "{d}"
    );
    eprintln!("imds black hole: {took:?} (bound 2 s + slack)");
}

#[test]
fn slow_drip_is_cut_by_the_total_deadline() {
    let server =
        TestServer::start(|_, _| Reply::Drip(200, "x".repeat(10_000), Duration::from_millis(300)));
    // Each read gets data within the 1 s timeout, so only the 3 s total
    // deadline ends each request: token (→ v1) + role GET.
    let (r, took) = timed(&imds_session(&server, &[]), Duration::from_secs(6));
    let d = no_credentials(&r);
    assert!(d.contains("deadline"), "{d}");
    eprintln!("imds slow drip: {took:?} (bound 6 s + slack)");
}

#[test]
fn server_errors_malformed_and_missing_fields_give_no_credentials_p_imds_5() {
    let cases: Vec<(&str, Reply)> = vec![
        ("role 500", Reply::Respond(500, "boom".into())),
        ("role 503", Reply::Respond(503, String::new())),
        ("empty role", Reply::Respond(200, String::new())),
        ("garbage", Reply::Garbage),
        ("closed", Reply::Close),
    ];
    for (name, reply) in cases {
        let server = TestServer::start(move |req, _| {
            if req.method == "PUT" {
                Reply::Respond(200, "t".into())
            } else {
                reply.clone()
            }
        });
        let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
        let d = no_credentials(&r);
        assert!(d.contains("no role name after 1 attempt"), "{name}: {d}");
    }
    let docs = [
        (
            "malformed JSON",
            "{\"AccessKeyId\": ",
            "no credentials after 1 attempt",
        ),
        (
            "error document",
            r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"no","LastUpdated":"x"}"#,
            "has no AccessKeyId",
        ),
        (
            "missing Token",
            r#"{"AccessKeyId":"a","SecretAccessKey":"s","Expiration":"2099-01-01T00:00:00Z"}"#,
            "has no Token",
        ),
        ("a list", r#"["AccessKeyId"]"#, "has no SecretAccessKey"),
    ];
    for (name, doc, want) in docs {
        let server = TestServer::start(move |req, _| match req.path.as_str() {
            "/latest/api/token" => Reply::Respond(200, "t".into()),
            "/latest/meta-data/iam/security-credentials/" => Reply::Respond(200, "r".into()),
            _ => Reply::Respond(200, doc.into()),
        });
        let s = imds_session(&server, &[]);
        let (r, _) = timed(&s, Duration::from_secs(2));
        let d = no_credentials(&r);
        assert!(d.contains(want), "{name}: {d}");
    }
}

#[test]
fn non_object_json_is_a_type_error() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/latest/api/token" => Reply::Respond(200, "t".into()),
        "/latest/meta-data/iam/security-credentials/" => Reply::Respond(200, "r".into()),
        _ => Reply::Respond(200, "42".into()),
    });
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
    assert_eq!(r.result.as_ref().unwrap_err().kind(), "TypeError");
}

#[test]
fn expired_credentials_are_extended_p_imds_6() {
    let server = TestServer::start(imds_ok("r", "2001-01-01T00:00:00Z"));
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
    let c = r.result.as_ref().expect("served despite expiry");
    // now + 900 + jitter (FixedRandom(300)).
    assert_eq!(
        c.expiration().unwrap().unix_seconds(),
        i64::try_from(NOW).unwrap() + 1200
    );
    assert!(
        step(&r, Method::IamRole)
            .detail
            .contains("static stability")
    );
    // Another format is left alone: botocore's refresh on first use then
    // fetches again (a second token/listing/credentials round), and the
    // answer, still expired, is RuntimeError.
    let server = TestServer::start(imds_ok("r", "2001-01-01T00:00:00+00:00"));
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
    assert_eq!(r.result.unwrap_err().kind(), "RuntimeError");
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn static_stability_window_boundaries() {
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    // 2030-01-01T00:00:00Z = 1893456000.
    let exp = "2030-01-01T00:00:00Z";
    assert_eq!(
        imds::extended_expiry(exp, at(1_893_456_000 - 1201), 300),
        None
    );
    assert_eq!(
        imds::extended_expiry(exp, at(1_893_456_000 - 1200), 300).as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    assert_eq!(
        imds::extended_expiry("2030-1-1T0:0:0Z", at(1_893_456_000), 120).as_deref(),
        Some("2030-01-01T00:17:00Z")
    );
    assert_eq!(
        imds::extended_expiry("2030-01-01T00:00:00+00:00", at(1_893_456_000), 120),
        None
    );
    assert_eq!(
        imds::extended_expiry("2030-02-30T00:00:00Z", at(1_893_456_000), 120),
        None
    );
}

#[test]
fn role_renamed_between_calls_is_rediscovered_each_time() {
    let server = TestServer::start(|req, _| {
        let calls = req.path.as_str();
        match calls {
            "/latest/api/token" => Reply::Respond(200, "t".into()),
            // The listing alternates: first role-a (then renamed), then role-b.
            "/latest/meta-data/iam/security-credentials/" => Reply::Respond(200, "role-a".into()),
            "/latest/meta-data/iam/security-credentials/role-b" => {
                Reply::Respond(200, credentials_json("ASIAB", FUTURE))
            }
            _ => Reply::Respond(404, "gone".into()),
        }
    });
    let (r, _) = timed(&imds_session(&server, &[]), Duration::from_secs(2));
    let d = no_credentials(&r);
    assert!(d.contains("role-a") && d.contains("HTTP 404"), "{d}");
    // A rename seen by the next resolution: the listing is re-read (no cache).
    let server2 = TestServer::start(|req, i| match req.path.as_str() {
        "/latest/api/token" => Reply::Respond(200, "t".into()),
        "/latest/meta-data/iam/security-credentials/" => {
            Reply::Respond(200, if i < 3 { "role-a" } else { "role-b" }.into())
        }
        "/latest/meta-data/iam/security-credentials/role-b" => {
            Reply::Respond(200, credentials_json("ASIAB", FUTURE))
        }
        _ => Reply::Respond(404, "gone".into()),
    });
    let s = imds_session(&server2, &[]);
    assert!(matches!(s.explain().result, Err(Error::NoCredentials)));
    let (r, _) = timed(&s, Duration::from_secs(2));
    assert_eq!(r.result.as_ref().unwrap().access_key_id(), "ASIAB");
    assert_eq!(server2.requests().len(), 6, "a new token every retrieval");
}

#[test]
fn v1_disabled_without_token_is_fatal_p_imds_4() {
    let server = TestServer::start(|_, _| Reply::Respond(404, String::new()));
    let s = imds_session(&server, &[("AWS_EC2_METADATA_V1_DISABLED", "TRUE")]);
    let (r, _) = timed(&s, Duration::from_secs(2));
    let e = r.result.as_ref().unwrap_err();
    assert_eq!(e.kind(), "MetadataRetrievalError");
    assert!(
        e.to_string().starts_with(
            "Error retrieving metadata: Unable to retrieve token for use in IMDSv2 call and \
             IMDSv1 has been disabled"
        ),
        "{e}"
    );
    assert_eq!(step(&r, Method::IamRole).outcome, StepOutcome::Error);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn disabled_sends_nothing() {
    let server = TestServer::start(|_, _| Reply::Respond(500, String::new()));
    let s = imds_session(&server, &[("AWS_EC2_METADATA_DISABLED", "True")]);
    let (r, _) = timed(&s, Duration::from_millis(100));
    assert_eq!(no_credentials(&r), "AWS_EC2_METADATA_DISABLED=true");
    assert!(server.requests().is_empty());
}

#[test]
fn connection_refused_is_quick() {
    // Bind, learn the port, close: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = session_with(
        &[(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )],
        MemFs::new(),
        Arc::new(LoopbackClient::default()),
        Arc::new(RealSleep),
    );
    let (r, _) = timed(&s, Duration::from_millis(500));
    assert!(no_credentials(&r).contains("EndpointConnectionError"));
}

#[test]
fn timeout_and_attempts_settings_p_imds_5() {
    let server = TestServer::start(|_, _| Reply::BlackHole);
    let s = imds_session(
        &server,
        &[
            ("AWS_METADATA_SERVICE_TIMEOUT", "2"),
            ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2"),
        ],
    );
    // Token: 2 s → v1; role: 2 attempts × 2 s.
    let (r, took) = timed(&s, Duration::from_secs(6));
    no_credentials(&r);
    assert!(took >= Duration::from_millis(5800), "{took:?}");
    assert_eq!(server.requests().len(), 3);
    let server = TestServer::start(|_, _| Reply::Respond(500, String::new()));
    let s = imds_session(&server, &[("AWS_METADATA_SERVICE_TIMEOUT", "0")]);
    assert_eq!(s.explain().result.unwrap_err().kind(), "HTTPClientError");
}

// ---- URL selection, never on the network ----

fn fake(script: Vec<Result<Response, TransportError>>) -> Arc<FakeClient> {
    Arc::new(FakeClient::new(script))
}

fn fake_session(env: &[(&str, &str)], config: Option<&str>, client: Arc<FakeClient>) -> Session {
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    let mut fs = MemFs::new();
    if let Some(c) = config {
        fs = fs.with_file("/h/.aws/config", c);
    }
    session_with(&env, fs, client, Arc::new(RecordingSleep::default()))
}

#[allow(clippy::unnecessary_wraps)] // a script entry
fn ok(status: u16, body: &str) -> Result<Response, TransportError> {
    Ok(Response::new(status, body))
}

#[test]
fn default_and_ipv6_endpoints_with_a_fake_transport_p_imds_1() {
    let script = || {
        vec![
            ok(200, "tok"),
            ok(200, "r"),
            ok(200, &credentials_json("AK", FUTURE)),
        ]
    };
    for (env, config, base) in [
        (vec![], None, "http://169.254.169.254/"),
        (
            vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")],
            None,
            "http://[fd00:ec2::254]/",
        ),
        (
            vec![("AWS_IMDS_USE_IPV6", "True")],
            None,
            "http://[fd00:ec2::254]/",
        ),
        (
            vec![],
            Some("[default]\nimds_use_ipv6 = true\n"),
            "http://[fd00:ec2::254]/",
        ),
        (
            vec![
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv4"),
                ("AWS_IMDS_USE_IPV6", "true"),
            ],
            None,
            "http://169.254.169.254/",
        ),
        (
            vec![
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.0.0.1:1234"),
            ],
            None,
            "http://10.0.0.1:1234/",
        ),
    ] {
        let client = fake(script());
        let s = fake_session(&env, config, Arc::clone(&client));
        assert_eq!(s.get_credentials().unwrap().unwrap().access_key_id(), "AK");
        let urls = client.sent_urls();
        assert_eq!(
            urls,
            [
                (HttpMethod::Put, format!("{base}latest/api/token")),
                (
                    HttpMethod::Get,
                    format!("{base}latest/meta-data/iam/security-credentials/")
                ),
                (
                    HttpMethod::Get,
                    format!("{base}latest/meta-data/iam/security-credentials/r")
                ),
            ],
            "{env:?} {config:?}"
        );
    }
}

#[test]
fn region_drops_the_last_character_p_imds_7() {
    let client = fake(vec![ok(200, "tok"), ok(200, "eu-west-1b")]);
    let s = fake_session(&[], None, Arc::clone(&client));
    assert_eq!(imds::region(&s).unwrap().as_deref(), Some("eu-west-1"));
    assert_eq!(
        client.sent_urls()[1].1,
        "http://169.254.169.254/latest/meta-data/placement/availability-zone/"
    );
    let s = fake_session(&[("AWS_EC2_METADATA_DISABLED", "true")], None, fake(vec![]));
    assert_eq!(imds::region(&s).unwrap(), None);
    let client = fake(vec![
        Err(TransportError::new(TransportErrorKind::ReadTimeout, "t")),
        ok(404, ""),
    ]);
    let s = fake_session(&[], None, client);
    assert_eq!(imds::region(&s).unwrap(), None);
}

#[test]
fn invalid_endpoint_fails_before_any_provider_p_imds_1() {
    for (endpoint, ok_) in [
        ("not a uri", false),
        ("http://[fd00:ec2::254]", true),
        ("http://[fd00:ec2::254%25eth0]/", true),
        ("http://under_score/", false),
        ("http://-bad/", false),
        ("http://host\t/", false),
        ("localhost:1234", false),
    ] {
        assert_eq!(imds::is_valid_uri(endpoint), ok_, "{endpoint}");
    }
    let s = fake_session(
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "not a uri"),
            ("AWS_ACCESS_KEY_ID", "AK"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
        None,
        fake(vec![]),
    );
    let e = s.get_credentials().unwrap_err();
    assert_eq!(e.kind(), "InvalidIMDSEndpointError");
    assert_eq!(
        e.to_string(),
        "Invalid endpoint EC2 Instance Metadata endpoint: not a uri"
    );
}

#[test]
fn environment_proxies_for_imds() {
    let env = |pairs: &[(&str, &str)]| MapEnv::from_pairs(pairs.iter().copied());
    let base = "http://169.254.169.254/";
    assert_eq!(imds::environ_proxy(&env(&[]), base), None);
    assert_eq!(
        imds::environ_proxy(&env(&[("HTTP_PROXY", "proxy:3128")]), base).as_deref(),
        Some("http://proxy:3128")
    );
    assert_eq!(
        imds::environ_proxy(
            &env(&[("HTTP_PROXY", "http://a"), ("http_proxy", "http://b")]),
            base
        )
        .as_deref(),
        Some("http://b")
    );
    assert_eq!(
        imds::environ_proxy(
            &env(&[("HTTP_PROXY", "http://a"), ("http_proxy", "")]),
            base
        ),
        None
    );
    assert_eq!(
        imds::environ_proxy(
            &env(&[("http_proxy", "http://a"), ("no_proxy", "169.254.169.254")]),
            base
        ),
        None
    );
    assert_eq!(
        imds::environ_proxy(&env(&[("http_proxy", "http://a"), ("NO_PROXY", "*")]), base),
        None
    );
    assert_eq!(
        imds::environ_proxy(
            &env(&[("HTTP_PROXY", "http://a"), ("REQUEST_METHOD", "GET")]),
            base
        ),
        None
    );
    assert_eq!(
        imds::environ_proxy(&env(&[("https_proxy", "http://a")]), base),
        None,
        "only the URL's own scheme"
    );
}

#[test]
fn proxy_is_used_for_imds_requests() {
    // The "proxy" is the loopback server; it sees absolute-form targets.
    let server = TestServer::start(|req, _| {
        if req.path.ends_with("/latest/api/token") {
            Reply::Respond(200, "t".into())
        } else if req.path.ends_with("/security-credentials/") {
            Reply::Respond(200, "r".into())
        } else {
            Reply::Respond(200, credentials_json("AKPROXY", FUTURE))
        }
    });
    let s = session_with(
        &[
            (
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                "http://localhost:9/".to_owned(),
            ),
            ("http_proxy", server.url("")),
        ],
        MemFs::new(),
        Arc::new(LoopbackClient::default()),
        Arc::new(RealSleep),
    );
    let (r, _) = timed(&s, Duration::from_secs(2));
    assert_eq!(r.result.unwrap().access_key_id(), "AKPROXY");
    assert_eq!(
        server.requests()[0].path,
        "http://localhost:9/latest/api/token"
    );
}

// ---- the cross-SDK tables ----

pub(crate) fn vectors_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CREDCHAIN_VECTORS") {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

pub(crate) fn exceptions() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/imds-vector-exceptions.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("imds-vector-exceptions.json"))
        .expect("valid JSON")
}

pub(crate) fn exception_for(suite: &str, index: usize) -> Option<Value> {
    exceptions()["exceptions"]
        .as_array()?
        .iter()
        .find(|e| e["suite"] == suite && e["index"] == index)
        .map(|e| e["botocore"].clone())
}

#[test]
fn imds_endpoint_vectors() {
    let path =
        vectors_dir().join("credential-provider-scenarios/imds-config/imds-endpoint-tests.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let doc: Value = serde_json::from_str(&text).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 14);
    for (i, t) in tests.iter().enumerate() {
        let docs = t["docs"].as_str().unwrap();
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        vars.insert("HOME".into(), "/h".into());
        for (k, v) in t["env"].as_object().unwrap() {
            let v = v.as_str().unwrap();
            // `fs` paths are relative to the test; mount them under /t.
            let v = if k == "AWS_CONFIG_FILE" {
                format!("/t/{v}")
            } else {
                v.to_owned()
            };
            vars.insert(k.clone(), v);
        }
        let mut fs = MemFs::new();
        for (p, c) in t["fs"].as_object().unwrap() {
            fs = fs.with_file(format!("/t/{p}"), c.as_str().unwrap());
        }
        let env = MapEnv(vars);
        let files = credchain::ConfigFiles::load(&env, &fs).unwrap();
        // The overrides are code-level: botocore's `base_url` argument and
        // its fetcher `config` dict.
        let ours = ImdsConfig::resolve(&env, files.profile("default")).and_then(|cfg| {
            let mode = t["mode_override"].as_str();
            let endpoint = t["endpoint_override"].as_str();
            if endpoint.is_none() && mode.is_none() {
                return Ok(cfg.base_url);
            }
            let mode = imds::endpoint_mode(mode, None)?;
            let custom = endpoint
                .map(str::to_owned)
                .or_else(|| env.0.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").cloned());
            imds::base_url(custom.as_deref(), mode)
        });
        let ours = ours.map(|base| imds::url(&base, imds::TOKEN_PATH));
        if let Some(b) = exception_for("imds-endpoint-tests", i) {
            match (
                &ours,
                b.get("Ok").and_then(Value::as_str),
                b.get("error").and_then(Value::as_str),
            ) {
                (Ok(u), Some(w), _) => assert_eq!(u, w, "[{i}] {docs} (botocore)"),
                (Err(e), _, Some(k)) => assert_eq!(e.kind(), k, "[{i}] {docs} (botocore)"),
                _ => panic!("[{i}] {docs}: ours {ours:?}, botocore {b}"),
            }
            continue;
        }
        match (&ours, &t["result"]) {
            (Ok(u), r) if r.get("Ok").is_some() => assert_eq!(u, &r["Ok"], "[{i}] {docs}"),
            (Err(e), r) if r.get("Err").is_some() => assert!(
                matches!(
                    e.kind(),
                    "InvalidIMDSEndpointModeError" | "InvalidIMDSEndpointError"
                ),
                "[{i}] {docs}: {e:?}"
            ),
            _ => panic!("[{i}] {docs}: ours {ours:?}, vector {}", t["result"]),
        }
    }
}

/// Replays a recorded `http-traffic.json` per `(method, URL)`: each
/// endpoint answers its recorded responses in order, the way a real server
/// would, whatever order the client asks in.
#[derive(Default)]
pub(crate) struct PathReplay {
    queues: Mutex<BTreeMap<(String, String), VecDeque<Response>>>,
    sent: Mutex<Vec<(HttpMethod, String)>>,
}

impl PathReplay {
    pub(crate) fn load(dir: &Path) -> PathReplay {
        let t: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("http-traffic.json")).unwrap())
                .unwrap();
        let mut conns: BTreeMap<u64, (String, String, u16, String)> = BTreeMap::new();
        for e in t["events"].as_array().unwrap() {
            let id = e["connection_id"].as_u64().unwrap();
            let a = &e["action"];
            let c = conns.entry(id).or_default();
            if let Some(r) = a.pointer("/Request/request") {
                r["method"].as_str().unwrap().clone_into(&mut c.0);
                r["uri"].as_str().unwrap().clone_into(&mut c.1);
            }
            if let Some(st) = a
                .pointer("/Response/response/Ok/status")
                .and_then(Value::as_u64)
            {
                c.2 = u16::try_from(st).unwrap();
            }
            if a.pointer("/Data/direction").and_then(Value::as_str) == Some("Response") {
                if let Some(d) = a.pointer("/Data/data/Utf8").and_then(Value::as_str) {
                    c.3.push_str(d);
                }
            }
        }
        let mut queues: BTreeMap<(String, String), VecDeque<Response>> = BTreeMap::new();
        for (m, u, st, body) in conns.into_values() {
            queues
                .entry((m, u))
                .or_default()
                .push_back(Response::new(st, body));
        }
        PathReplay {
            queues: Mutex::new(queues),
            sent: Mutex::default(),
        }
    }
}

impl HttpClient for PathReplay {
    fn send(&self, req: &Request, _: &Timeouts) -> Result<Response, TransportError> {
        self.sent
            .lock()
            .unwrap()
            .push((req.method, req.url.clone()));
        self.queues
            .lock()
            .unwrap()
            .get_mut(&(req.method.as_str().to_owned(), req.url.clone()))
            .and_then(VecDeque::pop_front)
            .ok_or_else(|| TransportError::new(TransportErrorKind::Connect, "not recorded"))
    }
}

/// A chain result and the requests sent.
type ChainRun = (
    Result<Option<credchain::Credentials>, Error>,
    Vec<(HttpMethod, String)>,
);

/// Runs a default-chain scenario directory on the fake client with the
/// clock at the epoch (see the vectors' SOURCE.md).
fn run_chain_case(dir: &Path) -> ChainRun {
    let env: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("env.json")).unwrap()).unwrap();
    let fs = credchain::testkit::mem_fs_from_dir(&dir.join("fs"));
    let client = Arc::new(PathReplay::load(dir));
    let os = Os {
        env: Arc::new(MapEnv(env)),
        fs: Arc::new(fs),
        clock: Arc::new(FixedClock(UNIX_EPOCH)),
    };
    let s = Session::builder()
        .os(os)
        .http_client(Arc::clone(&client) as Arc<dyn HttpClient>)
        .sleep(Arc::new(RecordingSleep::default()))
        .random(Arc::new(FixedRandom(300)))
        .build();
    let r = s.get_credentials();
    let sent = client.sent.lock().unwrap().clone();
    (r, sent)
}

#[test]
fn default_chain_imds_vectors() {
    let root =
        vectors_dir().join("credential-provider-scenarios/default-credential-provider-chain");
    if !root.exists() {
        eprintln!("skipping: {} not found", root.display());
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("imds_") || n.starts_with("ecs_"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 11);
    for name in names {
        let dir = root.join(&name);
        let tc: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("test-case.json")).unwrap())
                .unwrap();
        let (ours, sent) = run_chain_case(&dir);
        let config = std::fs::read_to_string(dir.join("fs/home/.aws/config")).unwrap_or_default();
        if config.contains("credential_source") {
            assert!(exceptions()["pending"].get(&name).is_some(), "{name}");
            // role_arn + credential_source: the base comes from IMDS or the
            // container, then STS AssumeRole (replayed from the traffic).
            if let Some(okv) = tc["result"].get("Ok") {
                let c = ours
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{name}: {e:?}"))
                    .as_ref()
                    .unwrap_or_else(|| panic!("{name}: no credentials"));
                assert_eq!(c.access_key_id(), okv["access_key_id"], "{name}");
                assert_eq!(c.method(), Method::AssumeRole, "{name}");
                assert_eq!(c.account_id(), okv["account_id"].as_str(), "{name}");
            } else {
                // IMDS yields nothing, so botocore's sourcer returns None:
                // CredentialRetrievalError (P-AR-2).
                let e = ours.as_ref().expect_err(&name);
                assert_eq!(e.kind(), "CredentialRetrievalError", "{name}");
            }
            continue;
        }
        let ex = exceptions()["chain"][&name].clone();
        let want = if ex.is_null() {
            tc["result"].clone()
        } else {
            ex["botocore"].clone()
        };
        if let Some(okv) = want.get("Ok") {
            let c = ours
                .as_ref()
                .unwrap_or_else(|e| panic!("{name}: {e:?}"))
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no credentials"));
            assert_eq!(c.access_key_id(), okv["access_key_id"], "{name}");
            assert_eq!(
                c.secret_access_key().expose(),
                okv["secret_access_key"],
                "{name}"
            );
            assert_eq!(
                c.session_token().map(|t| t.expose().to_owned()),
                okv["session_token"].as_str().map(str::to_owned),
                "{name}"
            );
            assert_eq!(c.account_id(), okv["account_id"].as_str(), "{name}");
            assert_eq!(
                c.expiration().map(|e| e.unix_seconds()),
                okv["expiry"].as_i64(),
                "{name}"
            );
        } else if let Some(kind) = want.get("error").and_then(Value::as_str) {
            assert_eq!(
                ours.as_ref().map_err(Error::kind).err(),
                Some(kind),
                "{name}: {ours:?}"
            );
        } else if want.get("none").is_some() {
            assert!(matches!(ours, Ok(None)), "{name}: {ours:?}");
        } else {
            // ErrorContains: must not produce credentials.
            assert!(!matches!(ours, Ok(Some(_))), "{name}: {ours:?}");
        }
        if let Some(reqs) = ex.get("requests").and_then(Value::as_array) {
            let got: Vec<String> = sent
                .iter()
                .map(|(m, u)| format!("{} {}", m.as_str(), UrlParts::split(u).path_and_query))
                .collect();
            let want: Vec<&str> = reqs.iter().filter_map(Value::as_str).collect();
            assert_eq!(got, want, "{name}: request sequence (botocore)");
        }
    }
}

#[test]
fn clock_is_fixed_in_helpers() {
    assert_eq!(FixedClock(now()).now(), now());
}

mod no_panics {
    use std::time::{Duration, UNIX_EPOCH};

    use credchain::container;
    use credchain::http::{Response, UrlParts};
    use credchain::imds;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn url_and_endpoint_functions_never_panic(s in "\\PC{0,40}", t in "[a-z:/\\[\\]@%.0-9 \t\n]{0,30}") {
            for u in [&s, &t] {
                let p = UrlParts::split(u);
                let _ = (p.hostname(), p.port_text());
                let _ = container::validate_url(u);
                let _ = imds::is_valid_uri(u);
                let _ = imds::base_url(Some(u), "ipv4");
                let _ = imds::endpoint_mode(Some(u), Some(u));
                let _ = imds::extended_expiry(u, UNIX_EPOCH + Duration::from_secs(1_800_000_000), 300);
            }
        }

        #[test]
        fn imds_flow_never_panics_on_any_responses(
            script in proptest::collection::vec((prop_oneof![Just(200u16), Just(400), Just(404), Just(500), 100u16..600], "\\PC{0,30}", 0u8..8), 0..8),
            attempts in -1i64..4,
            v1_disabled in any::<bool>(),
        ) {
            use credchain::http::{Network, TransportError, TransportErrorKind};
            use credchain::testkit::FakeClient;
            let script = script
                .into_iter()
                .map(|(st, body, k)| match k {
                    0 => Err(TransportError::new(TransportErrorKind::ReadTimeout, "t")),
                    1 => Err(TransportError::new(TransportErrorKind::Connect, "c")),
                    2 => Err(TransportError::new(TransportErrorKind::InvalidUrl, "u")),
                    _ => Ok(Response::new(st, body)),
                })
                .collect();
            let net = Network { http: std::sync::Arc::new(FakeClient::new(script)), ..Network::offline() };
            let cfg = imds::ImdsConfig {
                disabled: false,
                timeout_secs: 1,
                num_attempts: attempts,
                base_url: "http://169.254.169.254/".into(),
                v1_disabled,
                proxy: None,
            };
            let (r, trace) = imds::run(cfg, imds::Target::Credentials, &net);
            if let Ok(imds::ImdsResult::Credentials(f)) = r {
                let _ = imds::credentials(&f, UNIX_EPOCH, 300);
            }
            prop_assert!(!trace.is_empty() || attempts <= 0);
        }

        #[test]
        fn container_documents_never_panic(body in proptest::collection::vec(any::<u8>(), 0..64), status in 100u16..600) {
            if let Ok(doc) = container::parse_response(&Response::new(status, body)) {
                let _ = container::parse_document(&doc);
            }
        }
    }
}

#[test]
fn session_region_falls_back_to_imds_only_when_unset() {
    use credchain::settings::{Provenance, SettingValue};
    // Nothing sets a region: IMDS gives it, with provenance `imds`.
    let client = fake(vec![ok(200, "tok"), ok(200, "ap-southeast-2a")]);
    let s = fake_session(&[], Some("[default]\noutput = text\n"), Arc::clone(&client));
    let r = s.region_with_imds().unwrap();
    assert_eq!(r.value, SettingValue::Str("ap-southeast-2".into()));
    assert_eq!(r.provenance, Provenance::Imds);
    assert_eq!(client.sent_urls().len(), 2);
    // A profile region wins and nothing is sent.
    let client = fake(vec![]);
    let s = fake_session(
        &[],
        Some("[default]\nregion = eu-north-1\n"),
        Arc::clone(&client),
    );
    let r = s.region_with_imds().unwrap();
    assert_eq!(r.value, SettingValue::Str("eu-north-1".into()));
    assert_eq!(r.provenance.kind(), "config-file");
    assert!(client.sent_urls().is_empty());
    // AWS_EC2_METADATA_DISABLED: unset, nothing sent.
    let client = fake(vec![]);
    let s = fake_session(
        &[("AWS_EC2_METADATA_DISABLED", "TRUE")],
        None,
        Arc::clone(&client),
    );
    let r = s.region_with_imds().unwrap();
    assert_eq!(r.value, SettingValue::Null);
    assert_eq!(r.provenance, Provenance::Default);
    assert!(client.sent_urls().is_empty());
}

#[test]
fn session_keeps_only_a_region_imds_gave() {
    use credchain::settings::SettingValue;
    // botocore's SmartDefaultsConfigStoreFactory keeps only a truthy
    // `_instance_metadata_region`: a failed lookup is retried next time,
    // a found region is not asked again.
    let client = fake(vec![
        ok(200, "tok"),
        ok(404, ""),
        ok(200, "tok"),
        ok(200, "eu-west-1a"),
    ]);
    let s = fake_session(&[], Some("[default]\noutput = text\n"), Arc::clone(&client));
    let first = s.region_with_imds();
    assert!(!matches!(first, Ok(ref r) if r.value != SettingValue::Null));
    assert_eq!(client.sent_urls().len(), 2);
    for _ in 0..2 {
        let r = s.region_with_imds().unwrap();
        assert_eq!(r.value, SettingValue::Str("eu-west-1".into()));
    }
    assert_eq!(client.sent_urls().len(), 4);
}

#[test]
fn settings_ask_imds_once_per_client_endpoint_under_auto_mode() {
    // `defaults_mode = auto`: each endpoint row creates its client, which
    // asks IMDS while it has given no region (botocore's smart defaults
    // factory); config_settings() creates no client.
    let script: Vec<_> = (0..4).flat_map(|_| [ok(200, "tok"), ok(404, "")]).collect();
    let client = fake(script);
    let s = fake_session(
        &[
            ("AWS_DEFAULTS_MODE", "auto"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
        ],
        None,
        Arc::clone(&client),
    );
    let plain = s.config_settings();
    assert!(plain.iter().all(|(n, _)| !n.starts_with("endpoint_url.")));
    assert!(client.sent_urls().is_empty());
    let rows = s.settings();
    let endpoints: Vec<_> = rows
        .iter()
        .filter(|(n, _)| n.starts_with("endpoint_url."))
        .collect();
    assert_eq!(endpoints.len(), 4);
    assert_eq!(client.sent_urls().len(), 8);
    assert_eq!(rows.len(), plain.len() + 4);
}
