//! STS faults from a loopback server (issue 4, item 7): error documents,
//! 5xx, malformed and truncated bodies, broken connections and a slow body.
//! Each ends with a clear, typed error (or, for the slow body, success)
//! quickly, and `explain` names the hop that failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use credchain::os::{MapEnv, MemFs, Os, RealClock, RecordingSleep};
use credchain::testkit::{LoopbackClient, Reply, TestServer};
use credchain::{Method, Session, StepOutcome};

const CONFIG: &str = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\n\
    source_profile = s\n[profile s]\naws_access_key_id = AKIAFAULTSOURCE\n\
    aws_secret_access_key = faultsecretfaultsecret\n";

const OK: &str = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
    <AssumeRoleResult><Credentials><AccessKeyId>ASIAFAULTOK</AccessKeyId>\
    <SecretAccessKey>roleSecretValue</SecretAccessKey><SessionToken>roleToken</SessionToken>\
    <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
    <AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/R/x</Arn>\
    </AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId>\
    </ResponseMetadata></AssumeRoleResponse>";

struct Run {
    result: Result<String, (String, String)>,
    elapsed: Duration,
    requests: usize,
    sleeps: usize,
    detail: String,
}

fn run(reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Run {
    let server = TestServer::start(move |_, i| reply(i));
    let env = MapEnv::from_pairs([
        ("HOME", "/h".to_owned()),
        ("AWS_ENDPOINT_URL_STS", server.url("")),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]);
    let os = Os {
        env: Arc::new(env),
        fs: Arc::new(MemFs::new().with_file("/h/.aws/config", CONFIG)),
        clock: Arc::new(RealClock),
    };
    let sleep = Arc::new(RecordingSleep::default());
    let session = Session::builder()
        .os(os)
        .http_client(Arc::new(LoopbackClient::default()))
        .sleep(sleep.clone())
        .profile_name("r")
        .build();
    let start = Instant::now();
    let r = session.explain();
    let elapsed = start.elapsed();
    let step = r
        .steps
        .iter()
        .find(|s| s.provider == Method::AssumeRole)
        .expect("assume-role step");
    let detail = step.detail.clone();
    if r.result.is_err() {
        assert_eq!(step.outcome, StepOutcome::Error, "{detail}");
    }
    Run {
        result: r
            .result
            .map(|c| c.access_key_id().to_owned())
            .map_err(|e| (e.kind().to_owned(), e.to_string())),
        elapsed,
        requests: server.requests().len(),
        sleeps: sleep.calls().len(),
        detail,
    }
}

fn assert_secret_free(run: &Run) {
    for s in ["faultsecretfaultsecret", "roleSecretValue", "roleToken"] {
        assert!(!run.detail.contains(s), "{}", run.detail);
        if let Err((_, m)) = &run.result {
            assert!(!m.contains(s), "{m}");
        }
    }
}

#[test]
fn sts_error_document_is_a_client_error_without_retry() {
    let run = run(|_| {
        Reply::Respond(
            403,
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
             <Message>not allowed</Message></Error><RequestId>r</RequestId></ErrorResponse>"
                .into(),
        )
    });
    let (kind, msg) = run.result.as_ref().unwrap_err();
    assert_eq!(kind, "ClientError", "{msg}");
    assert!(
        msg.contains("AccessDenied") && msg.contains("not allowed"),
        "{msg}"
    );
    assert_eq!(run.requests, 1, "AccessDenied is not retried");
    assert_secret_free(&run);
}

#[test]
fn server_errors_are_retried_then_reported() {
    let run = run(|_| Reply::Respond(500, "<html>oops</html>".into()));
    let (kind, msg) = run.result.as_ref().unwrap_err();
    assert!(!kind.is_empty() && msg.contains("500"), "{kind}: {msg}");
    assert_eq!(run.requests, 5, "botocore legacy mode: 5 attempts");
    assert_eq!(run.sleeps, 4, "a backoff sleep between attempts");
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert_secret_free(&run);
}

#[test]
fn a_transient_5xx_then_success_recovers() {
    // An empty 5xx body is botocore's generic error, which legacy mode
    // retries.
    let run = run(|i| {
        if i == 0 {
            Reply::Respond(503, String::new())
        } else {
            Reply::Respond(200, OK.into())
        }
    });
    assert_eq!(run.result.as_deref().ok(), Some("ASIAFAULTOK"));
    assert_eq!(run.requests, 2);
    // A 5xx whose body is neither empty, `<html>` nor XML fails botocore's
    // parser: `ResponseParserError`, not retried (botocore 1.43.11, 503
    // `busy`: one request).
    let busy = self::run(|i| {
        if i == 0 {
            Reply::Respond(503, "busy".into())
        } else {
            Reply::Respond(200, OK.into())
        }
    });
    let (kind, _) = busy.result.as_ref().unwrap_err();
    assert_eq!(kind, "ResponseParserError");
    assert_eq!(busy.requests, 1);
}

#[test]
fn malformed_and_truncated_bodies_are_clear_errors() {
    for body in [
        "this is not xml",
        "<AssumeRoleResponse><AssumeRoleResult>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>\
         </Credentials></AssumeRoleResult></AssumeRoleResponse>",
        "",
    ] {
        let run = run(move |_| Reply::Respond(200, body.into()));
        let (kind, msg) = run.result.as_ref().expect_err(body);
        assert!(!kind.is_empty() && !msg.is_empty(), "{body:?}");
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{body:?}: {:?}",
            run.elapsed
        );
        assert_secret_free(&run);
    }
}

#[test]
fn broken_connections_end_within_the_retry_budget() {
    for reply in [Reply::Garbage, Reply::Close] {
        let shown = format!("{reply:?}");
        let run = run(move |_| reply.clone());
        let (kind, msg) = run.result.as_ref().expect_err(&shown);
        assert!(!kind.is_empty() && !msg.is_empty(), "{shown}");
        assert!(
            run.requests >= 1 && run.requests <= 5,
            "{shown}: {}",
            run.requests
        );
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{shown}: {:?}",
            run.elapsed
        );
    }
}

#[test]
fn a_slow_but_steady_body_still_succeeds() {
    let run = run(|_| Reply::Drip(200, OK.into(), Duration::from_millis(2)));
    assert_eq!(
        run.result.as_deref().ok(),
        Some("ASIAFAULTOK"),
        "{}",
        run.detail
    );
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
}
