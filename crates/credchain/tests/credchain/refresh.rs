//! Issue 12, in one process: [`Session::credentials`] hands out
//! [`RefreshableCredentials`] — deferred for assume-role, web identity and
//! SSO (P-REF-4), refreshed in botocore's windows on the session's clock
//! (P-REF-1..3) — and N threads that need a refresh make one call.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use credchain::os::{Clock, MapEnv, Os, RealFs};
use credchain::testkit::sso::{FakeSso, role_credentials_for};
use credchain::testkit::{LoopbackClient, Reply, TestServer};
use credchain::{Method, RefreshableCredentials, Session};

/// 2030-01-01T00:00:00Z.
const T0: u64 = 1_893_456_000;

/// A clock the test moves.
struct TestClock(Mutex<SystemTime>);

impl TestClock {
    fn at(secs: u64) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(
            UNIX_EPOCH + Duration::from_secs(secs),
        )))
    }
    fn set(&self, secs: u64) {
        *self.0.lock().unwrap() = UNIX_EPOCH + Duration::from_secs(secs);
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A fake STS: call `n` answers `ASIAFETCH<n>`, expiring `T0 + (n+1) h`;
/// while `fail` is set it answers 403 `AccessDenied`. Each answer is
/// stalled by `stall`.
struct Sts {
    server: TestServer,
    calls: Arc<AtomicUsize>,
    fail: Arc<AtomicBool>,
}

fn utc(secs: u64) -> String {
    credchain::sso::token::utc_z(UNIX_EPOCH + Duration::from_secs(secs))
}

impl Sts {
    fn start(stall: Duration) -> Sts {
        let calls = Arc::new(AtomicUsize::new(0));
        let fail = Arc::new(AtomicBool::new(false));
        let (c, f) = (Arc::clone(&calls), Arc::clone(&fail));
        let server = TestServer::start(move |req, _| {
            let body = String::from_utf8_lossy(&req.body).into_owned();
            let action = if body.contains("Action=AssumeRoleWithWebIdentity") {
                "AssumeRoleWithWebIdentity"
            } else if body.contains("Action=AssumeRole") {
                "AssumeRole"
            } else {
                return Reply::Respond(400, "unexpected".into());
            };
            let n = c.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(stall);
            if f.load(Ordering::SeqCst) {
                return Reply::Respond(
                    403,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                     <Message>denied</Message></Error></ErrorResponse>"
                        .into(),
                );
            }
            let exp = utc(T0 + 3600 * (n as u64 + 1));
            Reply::Respond(
                200,
                format!(
                    "<{action}Response><{action}Result><Credentials>\
                     <AccessKeyId>ASIAFETCH{n}</AccessKeyId><SecretAccessKey>s{n}</SecretAccessKey>\
                     <SessionToken>t{n}</SessionToken><Expiration>{exp}</Expiration></Credentials>\
                     <AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>\
                     <Arn>arn:aws:sts::123456789012:assumed-role/r/x</Arn></AssumedRoleUser>\
                     </{action}Result></{action}Response>"
                ),
            )
        });
        Sts {
            server,
            calls,
            fail,
        }
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

const ROLE: &str = "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n\
    source_profile = base\nregion = us-east-1\n\
    [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n\
    [profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = base\n\
    mfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = us-east-1\n\
    [profile web]\nrole_arn = arn:aws:iam::123456789012:role/w\n\
    web_identity_token_file = TOKEN\nregion = us-east-1\n";

/// Answers every MFA prompt with a code and counts the prompts.
struct Codes(AtomicUsize);

impl credchain::sts::client::MfaPrompt for Codes {
    fn prompt(&self, _: &str) -> Result<String, credchain::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok("123456".into())
    }
}

fn session(dir: &tempfile::TempDir, sts: &Sts, clock: Arc<TestClock>, profile: &str) -> Session {
    builder(dir, sts, clock, profile).build()
}

fn builder(
    dir: &tempfile::TempDir,
    sts: &Sts,
    clock: Arc<TestClock>,
    profile: &str,
) -> credchain::SessionBuilder {
    let token = dir.path().join("web-token");
    std::fs::write(&token, "header.payload.sig").unwrap();
    std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
    std::fs::write(
        dir.path().join(".aws/config"),
        ROLE.replace("TOKEN", token.to_str().unwrap()),
    )
    .unwrap();
    let env = MapEnv::from_pairs([
        ("HOME", dir.path().to_str().unwrap().to_owned()),
        ("AWS_ENDPOINT_URL_STS", sts.server.url("")),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]);
    Session::builder()
        .os(Os {
            env: Arc::new(env),
            fs: Arc::new(RealFs),
            clock,
        })
        .http_client(Arc::new(LoopbackClient::default()))
        .profile_name(profile)
}

fn key(rc: &RefreshableCredentials) -> Result<String, credchain::Error> {
    rc.get_frozen_credentials()
        .map(|c| c.access_key_id().to_owned())
}

#[test]
fn p_ref_4_assume_role_is_deferred_then_refreshed_in_the_windows() {
    let sts = Sts::start(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::at(T0);
    let s = session(&dir, &sts, Arc::clone(&clock), "role");
    let rc = s.credentials().unwrap().unwrap();
    assert_eq!(rc.method(), Method::AssumeRole);
    assert_eq!(sts.calls(), 0, "deferred: no STS call before first use");
    assert!(rc.refresh_needed());
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH0");
    assert_eq!(sts.calls(), 1);
    // P-REF-1 on the session's clock: 900 s left, kept; 899 s, refreshed
    // (the session's cache entry is no longer fresh either, P-AR-11).
    clock.set(T0 + 3600 - 900);
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH0");
    assert_eq!(sts.calls(), 1);
    clock.set(T0 + 3600 - 899);
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH1");
    assert_eq!(sts.calls(), 2);
    // P-REF-3: an advisory failure (700 s left) keeps the old set; a
    // mandatory one (599 s left) is raised.
    sts.fail.store(true, Ordering::SeqCst);
    clock.set(T0 + 7200 - 700);
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH1");
    assert_eq!(sts.calls(), 3);
    assert_eq!(
        rc.last_advisory_failure().map(|e| e.kind()),
        Some("ClientError")
    );
    clock.set(T0 + 7200 - 599);
    let e = key(&rc).unwrap_err();
    assert_eq!(e.kind(), "ClientError", "{e}");
    assert!(e.to_string().contains("AccessDenied"), "{e}");
    assert_eq!(sts.calls(), 4);
    // The snapshot API still fetches at resolution.
    sts.fail.store(false, Ordering::SeqCst);
    let s = session(&dir, &sts, TestClock::at(T0), "role");
    assert_eq!(
        s.get_credentials().unwrap().unwrap().access_key_id(),
        "ASIAFETCH4"
    );
    assert_eq!(sts.calls(), 5);
}

#[test]
fn p_ar_6_an_mfa_role_is_fetched_once_and_never_refreshed() {
    let sts = Sts::start(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::at(T0);
    let codes = Arc::new(Codes(AtomicUsize::new(0)));
    let s = builder(&dir, &sts, Arc::clone(&clock), "mfa")
        .mfa_prompt(codes.clone())
        .build();
    let rc = s.credentials().unwrap().unwrap();
    assert_eq!(
        codes.0.load(Ordering::SeqCst),
        0,
        "no prompt before first use"
    );
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH0");
    assert_eq!(sts.calls(), 1);
    assert_eq!(codes.0.load(Ordering::SeqCst), 1);
    // Advisory window: the refresh fails (botocore's MFA refresher works
    // once), the old set is kept; mandatory: the error is returned.
    clock.set(T0 + 3600 - 700);
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH0");
    assert_eq!(
        rc.last_advisory_failure().map(|e| e.kind()),
        Some("RefreshWithMFAUnsupportedError")
    );
    clock.set(T0 + 3600 - 599);
    let e = key(&rc).unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        (
            "RefreshWithMFAUnsupportedError",
            "Cannot refresh credentials: MFA token required."
        )
    );
    assert_eq!((sts.calls(), codes.0.load(Ordering::SeqCst)), (1, 1));
}

#[test]
fn p_ref_4_web_identity_is_deferred() {
    let sts = Sts::start(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir, &sts, TestClock::at(T0), "web");
    let rc = s.credentials().unwrap().unwrap();
    assert_eq!(
        (rc.method(), sts.calls()),
        (Method::AssumeRoleWithWebIdentity, 0)
    );
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH0");
    assert_eq!(key(&rc).unwrap(), "ASIAFETCH0");
    assert_eq!(sts.calls(), 1);
}

#[test]
fn p_ref_2_sixty_four_threads_make_one_assume_role_call() {
    // The STS answer is slow, so all 64 threads arrive while it is out.
    let sts = Sts::start(Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir, &sts, TestClock::at(T0), "role");
    let rc = s.credentials().unwrap().unwrap();
    let barrier = Barrier::new(64);
    let got: Vec<_> = std::thread::scope(|scope| {
        let hs: Vec<_> = (0..64)
            .map(|_| {
                let rc = rc.clone();
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    key(&rc)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        got.iter().all(|k| k.as_deref() == Ok("ASIAFETCH0")),
        "{got:?}"
    );
    assert_eq!(sts.calls(), 1, "one call for 64 threads");
}

#[test]
fn p_ref_4_sso_is_deferred_and_refreshes_from_the_portal() {
    let sso = FakeSso::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".aws/sso/cache")).unwrap();
    std::fs::write(
        dir.path().join(".aws/config"),
        "[profile dev]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 111122223333\nsso_role_name = Admin\n",
    )
    .unwrap();
    let now = SystemTime::now();
    std::fs::write(
        dir.path().join(format!(
            ".aws/sso/cache/{}.json",
            credchain::sso::token::sha1_hex("https://d-1.awsapps.com/start")
        )),
        serde_json::json!({"startUrl": "https://d-1.awsapps.com/start", "region": "us-east-1",
            "accessToken": "legacy-token",
            "expiresAt": credchain::sso::token::utc_z(now + Duration::from_secs(3600))})
        .to_string(),
    )
    .unwrap();
    let env = MapEnv::from_pairs([
        ("HOME", dir.path().to_str().unwrap().to_owned()),
        ("AWS_ENDPOINT_URL_SSO", sso.url()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]);
    let s = Session::builder()
        .os(Os {
            env: Arc::new(env),
            fs: Arc::new(RealFs),
            clock: Arc::new(credchain::os::RealClock),
        })
        .http_client(Arc::new(LoopbackClient::default()))
        .profile_name("dev")
        .build();
    let rc = s.credentials().unwrap().unwrap();
    assert_eq!(
        (rc.method(), sso.get_role_credentials_calls()),
        (Method::Sso, 0)
    );
    let (ak, ..) = role_credentials_for("legacy-token", "Admin", "111122223333");
    assert_eq!(key(&rc).unwrap(), ak);
    assert_eq!(key(&rc).unwrap(), ak);
    // The fake's role credentials expire in 2100: no second call.
    assert_eq!(sso.get_role_credentials_calls(), 1);
    assert!(!rc.refresh_needed());
}

#[test]
fn a_session_that_waited_for_another_fetch_reads_its_entry_and_says_so() {
    // Two sessions on one file cache (as two processes: each lock is its
    // own open file), one slow STS answer: one call, and `explain` of the
    // one that waited says where its credentials came from.
    let sts = Sts::start(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = credchain::cache::JsonFileCache::cli_dir(dir.path());
    let _ = session(&dir, &sts, TestClock::at(T0), "role"); // writes the files
    let barrier = Barrier::new(2);
    let details: Vec<String> = std::thread::scope(|scope| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, sts, dir, cache_dir) = (&barrier, &sts, &dir, &cache_dir);
                scope.spawn(move || {
                    let s = builder(dir, sts, TestClock::at(T0), "role")
                        .credential_cache(Arc::new(credchain::cache::JsonFileCache::new(
                            cache_dir.clone(),
                        )))
                        .build();
                    barrier.wait();
                    let r = s.explain();
                    assert_eq!(r.result.unwrap().access_key_id(), "ASIAFETCH0");
                    r.steps
                        .iter()
                        .find(|s| s.provider == Method::AssumeRole)
                        .unwrap()
                        .detail
                        .clone()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sts.calls(), 1, "{details:?}");
    let waited: Vec<_> = details
        .iter()
        .filter(|d| d.contains("fetched by another process while this one waited"))
        .collect();
    assert_eq!(waited.len(), 1, "{details:?}");
}

#[test]
fn container_credentials_are_fetched_now_and_again_in_the_window() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let server = TestServer::start(move |_, _| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        let exp = utc(T0 + 3600 * (n as u64 + 1));
        Reply::Respond(
            200,
            credchain::testkit::credentials_json(&format!("AKCONT{n}"), &exp),
        )
    });
    let clock = TestClock::at(T0);
    let env = MapEnv::from_pairs([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/creds")),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_CONFIG_FILE", "/nonexistent/config".to_owned()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/credentials".to_owned(),
        ),
    ]);
    let s = Session::builder()
        .os(Os {
            env: Arc::new(env),
            fs: Arc::new(RealFs),
            clock: Arc::clone(&clock) as Arc<dyn Clock>,
        })
        .http_client(Arc::new(LoopbackClient::default()))
        .build();
    let rc = s.credentials().unwrap().unwrap();
    // Not deferred: botocore's ContainerProvider fetches on load.
    assert_eq!(
        (rc.method(), calls.load(Ordering::SeqCst)),
        (Method::ContainerRole, 1)
    );
    assert_eq!(key(&rc).unwrap(), "AKCONT0");
    clock.set(T0 + 3600 - 900);
    assert_eq!(key(&rc).unwrap(), "AKCONT0");
    clock.set(T0 + 3600 - 899);
    assert_eq!(key(&rc).unwrap(), "AKCONT1");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
