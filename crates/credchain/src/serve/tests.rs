//! The protocols over a real loopback socket, with a fake clock and a
//! counting refresher.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::credentials::{Credentials, Method};
use crate::time::Timestamp;

/// A clock the test moves.
#[derive(Default)]
struct FakeClock(AtomicU64);

impl FakeClock {
    fn at(unix: u64) -> Arc<FakeClock> {
        Arc::new(FakeClock(AtomicU64::new(unix)))
    }
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// 2026-11-29T17:00:00Z.
const T0: u64 = 1_795_971_600;

/// Credentials `ASIA<n>` valid for one hour from the clock's now; counts
/// fetches.
fn hourly(clock: &Arc<FakeClock>) -> (RefreshableCredentials, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let (c, k) = (Arc::clone(&calls), Arc::clone(clock));
    let creds = RefreshableCredentials::deferred_with_clock(
        Method::AssumeRole,
        move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let exp = Timestamp::from_system_time(k.now() + Duration::from_secs(3600));
            Ok(Some(
                Credentials::new(
                    format!("ASIA{n}"),
                    format!("secret{n}"),
                    Some(format!("token{n}")),
                    Method::AssumeRole,
                )
                .with_expiration(Some(exp)),
            ))
        },
        Arc::clone(clock) as Arc<dyn Clock>,
    );
    (creds, calls)
}

/// The running server, the variables it prints, its request log.
type Started = (
    RunningServer,
    Vec<(&'static str, String)>,
    Arc<Mutex<Vec<String>>>,
);

fn start(protocol: Protocol, creds: RefreshableCredentials, clock: &Arc<FakeClock>) -> Started {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let server = CredentialServer::bind(
        protocol,
        creds,
        ServeOptions {
            max_connections: 4,
            idle_timeout: Duration::from_secs(2),
            role_arn: Some("arn:aws:iam::123456789012:role/Deploy".into()),
            log: Some(Arc::new(move |l: &str| {
                sink.lock().unwrap().push(l.to_owned());
            })),
            clock: Arc::clone(clock) as Arc<dyn Clock>,
            ..ServeOptions::default()
        },
    )
    .unwrap();
    let env = server.env_vars();
    (server.spawn(), env, log)
}

/// One request on its own connection: (status, headers+body text).
fn send(port: u16, raw: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, out)
}

fn body(resp: &str) -> &str {
    resp.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn get(port: u16, path: &str, headers: &str) -> (u16, String) {
    send(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n"),
    )
}

#[test]
fn container_answers_the_token_holder_only_and_refreshes_before_expiry() {
    let clock = FakeClock::at(T0);
    let (creds, calls) = hourly(&clock);
    let (server, env, log) = start(Protocol::Container, creds, &clock);
    let port = server.port();
    assert_eq!(env[0].0, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_eq!(env[0].1, format!("http://127.0.0.1:{port}/credentials"));
    let token = env[1].1.clone();
    assert_eq!(token.len(), 64, "256 bits in hex");

    // No token, a wrong token, a token one byte short: 401, no body, and
    // nothing fetched.
    for h in [
        String::new(),
        "Authorization: nope\r\n".into(),
        format!("Authorization: {}\r\n", &token[1..]),
    ] {
        let (status, resp) = get(port, "/credentials", &h);
        assert_eq!(status, 401, "{h:?}");
        assert_eq!(body(&resp), "");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    let auth = format!("Authorization: {token}\r\n");
    let (status, resp) = get(port, "/credentials", &auth);
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(body(&resp)).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"AccessKeyId": "ASIA0", "SecretAccessKey": "secret0", "Token": "token0",
            "Expiration": "2026-11-29T18:00:00Z", "RoleArn": "arn:aws:iam::123456789012:role/Deploy"})
    );
    // 15 minutes left exactly: no refresh (P-REF-1, strict).
    clock.advance(2700);
    let (_, resp) = get(port, "/credentials", &auth);
    assert!(body(&resp).contains("ASIA0"));
    // 14:59 left: refreshed, never the old set.
    clock.advance(1);
    let (_, resp) = get(port, "/credentials", &auth);
    assert!(body(&resp).contains("\"ASIA1\""), "{resp}");
    assert!(body(&resp).contains("2026-11-29T18:45:01Z"), "{resp}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    assert_eq!(get(port, "/other", &auth).0, 404);
    assert_eq!(
        send(
            port,
            &format!("PUT /credentials HTTP/1.1\r\n{auth}Connection: close\r\n\r\n")
        )
        .0,
        405
    );
    // The log names routes and statuses, never the token or a path.
    let log = log.lock().unwrap().join("\n");
    assert!(log.contains("GET credentials -> 200"), "{log}");
    assert!(log.contains("GET (unauthorized) -> 401"), "{log}");
    assert!(
        !log.contains(&token) && !log.contains("/other") && !log.contains("secret"),
        "{log}"
    );
    server.stop();
}

#[test]
fn a_failing_source_is_a_500_with_the_error_never_an_expired_set() {
    let clock = FakeClock::at(T0);
    let c = Arc::clone(&clock);
    let fail = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&fail);
    let creds = RefreshableCredentials::with_clock(
        Credentials::new("ASIA0", "s", Some("t".into()), Method::ContainerRole).with_expiration(
            Some(Timestamp::from_system_time(
                clock.now() + Duration::from_secs(3600),
            )),
        ),
        move || {
            f.fetch_add(1, Ordering::SeqCst);
            Err(Error::CredentialRetrieval {
                provider: Method::ContainerRole,
                message: "source down".into(),
            })
        },
        c as Arc<dyn Clock>,
    );
    let (server, env, _) = start(Protocol::Container, creds, &clock);
    let auth = format!("Authorization: {}\r\n", env[1].1);
    // Advisory window: the failure is swallowed, the old set is served.
    clock.advance(2800);
    let (status, resp) = get(server.port(), "/credentials", &auth);
    assert_eq!(status, 200);
    assert!(body(&resp).contains("ASIA0"));
    // Mandatory window: the error, as the ECS agent's error document.
    clock.advance(300);
    let (status, resp) = get(server.port(), "/credentials", &auth);
    assert_eq!(status, 500);
    let doc: serde_json::Value = serde_json::from_str(body(&resp)).unwrap();
    assert_eq!(doc["code"], "CredentialRetrievalError");
    assert!(!body(&resp).contains("\"s\""));
    assert!(fail.load(Ordering::SeqCst) >= 2);
    server.stop();
}

#[test]
fn static_keys_get_an_hour_and_a_null_token_and_expired_static_keys_are_refused() {
    let clock = FakeClock::at(T0);
    let (server, env, _) = start(
        Protocol::Container,
        RefreshableCredentials::from_static(Credentials::new(
            "AKIA",
            "s",
            None,
            Method::SharedCredentialsFile,
        )),
        &clock,
    );
    let auth = format!("Authorization: {}\r\n", env[1].1);
    let (_, resp) = get(server.port(), "/credentials", &auth);
    let doc: serde_json::Value = serde_json::from_str(body(&resp)).unwrap();
    assert_eq!(doc["Token"], serde_json::Value::Null);
    assert_eq!(doc["Expiration"], "2026-11-29T18:00:00Z");
    server.stop();

    let expired =
        Credentials::new("ASIA", "s", Some("t".into()), Method::Env).with_expiration(Some(
            Timestamp::from_system_time(clock.now() - Duration::from_secs(1)),
        ));
    let (server, env, _) = start(
        Protocol::Container,
        RefreshableCredentials::from_static(expired),
        &clock,
    );
    let (status, resp) = get(
        server.port(),
        "/credentials",
        &format!("Authorization: {}\r\n", env[1].1),
    );
    assert_eq!(status, 500);
    assert!(body(&resp).contains("ExpiredCredentials"), "{resp}");
    server.stop();
}

#[test]
fn imds_v2_tokens_role_listing_and_document_v1_refused() {
    let clock = FakeClock::at(T0);
    let (creds, _) = hourly(&clock);
    let (server, env, _) = start(Protocol::Imds, creds, &clock);
    let port = server.port();
    assert_eq!(
        env,
        vec![(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}/")
        )]
    );
    // IMDSv1: refused.
    assert_eq!(
        get(port, "/latest/meta-data/iam/security-credentials/", "").0,
        401
    );
    // Token requests: a TTL is required and bounded; not through a proxy.
    let put = |h: &str| {
        send(
            port,
            &format!("PUT /latest/api/token HTTP/1.1\r\nConnection: close\r\n{h}\r\n"),
        )
    };
    assert_eq!(put("").0, 400);
    assert_eq!(put("X-aws-ec2-metadata-token-ttl-seconds: 0\r\n").0, 400);
    assert_eq!(
        put("X-aws-ec2-metadata-token-ttl-seconds: 21601\r\n").0,
        400
    );
    assert_eq!(
        put("X-aws-ec2-metadata-token-ttl-seconds: 60\r\nX-Forwarded-For: 1.2.3.4\r\n").0,
        403
    );
    assert_eq!(
        get(
            port,
            "/latest/api/token",
            "X-aws-ec2-metadata-token-ttl-seconds: 60\r\n"
        )
        .0,
        405
    );
    let (status, resp) = put("X-aws-ec2-metadata-token-ttl-seconds: 60\r\n");
    assert_eq!(status, 200);
    assert!(resp.contains("X-aws-ec2-metadata-token-ttl-seconds: 60\r\n"));
    let token = body(&resp).to_owned();
    let h = format!("X-aws-ec2-metadata-token: {token}\r\n");
    let (status, resp) = get(port, "/latest/meta-data/iam/security-credentials/", &h);
    assert_eq!((status, body(&resp)), (200, "Deploy"));
    let (status, resp) = get(
        port,
        "/latest/meta-data/iam/security-credentials/Deploy",
        &h,
    );
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(body(&resp)).unwrap();
    assert_eq!(doc["Code"], "Success");
    assert_eq!(doc["Type"], "AWS-HMAC");
    assert_eq!(doc["AccessKeyId"], "ASIA0");
    assert_eq!(doc["Token"], "token0");
    assert_eq!(doc["Expiration"], "2026-11-29T18:00:00Z");
    assert_eq!(doc["LastUpdated"], "2026-11-29T17:00:00Z");
    assert_eq!(
        get(port, "/latest/meta-data/iam/security-credentials/Other", &h).0,
        404
    );
    // A forged or tampered token, then the real one after its TTL.
    let forged = format!(
        "X-aws-ec2-metadata-token: 9999999999.{}\r\n",
        &token[token.len() - 64..]
    );
    assert_eq!(
        get(port, "/latest/meta-data/iam/security-credentials/", &forged).0,
        401
    );
    clock.advance(60);
    assert_eq!(
        get(port, "/latest/meta-data/iam/security-credentials/", &h).0,
        401
    );
    server.stop();
}

#[test]
fn keep_alive_pipelining_and_the_bounds() {
    let clock = FakeClock::at(T0);
    let (creds, _) = hourly(&clock);
    let (server, env, _) = start(Protocol::Container, creds, &clock);
    let port = server.port();
    // Two pipelined requests on one connection, the second closing it.
    let auth = format!("Authorization: {}\r\n", env[1].1);
    let (_, resp) = send(
        port,
        &format!(
            "GET /credentials HTTP/1.1\r\n{auth}\r\nGET /credentials HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"
        ),
    );
    assert_eq!(resp.matches("HTTP/1.1 200 OK").count(), 2, "{resp}");
    // An oversized head and a body are refused.
    let big = format!(
        "GET /credentials HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(9000)
    );
    assert_eq!(send(port, &big).0, 431);
    assert_eq!(
        send(
            port,
            "PUT /credentials HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
        )
        .0,
        413
    );
    assert_eq!(send(port, "nonsense\r\n\r\n").0, 400);
    server.stop();
}

#[test]
fn constant_time_eq_is_equality() {
    assert!(routes::constant_time_eq(b"abc", b"abc"));
    assert!(!routes::constant_time_eq(b"abc", b"abd"));
    assert!(!routes::constant_time_eq(b"abc", b"ab"));
    assert_eq!(routes::zulu(1_795_971_600), "2026-11-29T17:00:00Z");
}

#[test]
fn connections_beyond_the_workers_and_the_queue_get_a_503() {
    let clock = FakeClock::at(T0);
    let (creds, _) = hourly(&clock);
    let server = CredentialServer::bind(
        Protocol::Container,
        creds,
        ServeOptions {
            max_connections: 1,
            idle_timeout: Duration::from_secs(5),
            clock: Arc::clone(&clock) as Arc<dyn Clock>,
            ..ServeOptions::default()
        },
    )
    .unwrap();
    let token = server.env_vars()[1].1.clone();
    let server = server.spawn();
    let port = server.port();
    // A: answered and kept alive, so the one worker is busy with it.
    let mut a = TcpStream::connect(("127.0.0.1", port)).unwrap();
    a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    a.write_all(format!("GET /credentials HTTP/1.1\r\nAuthorization: {token}\r\n\r\n").as_bytes())
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = a.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
    // B waits in the queue (its one place); C, accepted after B, finds it
    // full.
    let _b = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (status, _) = get(port, "/credentials", "");
    assert_eq!(status, 503);
    drop(a);
    server.stop();
}
