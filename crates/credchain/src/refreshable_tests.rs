use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::time::Timestamp;

const NOW: u64 = 1_795_910_400;

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

fn creds(key: &str, expires_at: u64) -> Credentials {
    Credentials::new(
        key,
        format!("secret-{key}"),
        Some(format!("token-{key}")),
        Method::AssumeRole,
    )
    .with_expiration(Some(Timestamp::from_system_time(
        UNIX_EPOCH + Duration::from_secs(expires_at),
    )))
}

fn failure() -> Error {
    Error::CredentialRetrieval {
        provider: Method::AssumeRole,
        message: "boom".into(),
    }
}

/// A refresher that counts its calls and answers `answer()`.
fn counting(
    answer: impl Fn() -> Result<Option<Credentials>, Error> + Send + Sync + 'static,
) -> (Arc<AtomicUsize>, impl Refresh + 'static) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    (calls, move || {
        c.fetch_add(1, Ordering::SeqCst);
        answer()
    })
}

/// `left` seconds of validity at the fake now; what one access returns and
/// how many refresh calls it made.
fn access(
    left: u64,
    answer: impl Fn() -> Result<Option<Credentials>, Error> + Send + Sync + 'static,
) -> (Result<String, Error>, usize) {
    let clock = TestClock::at(NOW);
    let (calls, refresher) = counting(answer);
    let rc = RefreshableCredentials::with_clock(creds("OLD", NOW + left), refresher, clock);
    let r = rc
        .get_frozen_credentials()
        .map(|c| c.access_key_id().to_owned());
    (r, calls.load(Ordering::SeqCst))
}

#[test]
fn p_ref_1_window_boundaries_on_a_fake_clock() {
    let new = || Ok(Some(creds("NEW", NOW + 3600)));
    // 900 s left: no refresh; 899 s: one.
    assert_eq!(access(900, new), (Ok("OLD".into()), 0));
    assert_eq!(access(899, new), (Ok("NEW".into()), 1));
    // A failed refresh at 600 s is swallowed (advisory), at 599 s raised.
    assert_eq!(access(600, || Err(failure())), (Ok("OLD".into()), 1));
    assert_eq!(access(599, || Err(failure())), (Err(failure()), 1));
    // And a successful one at 599 s is used.
    assert_eq!(access(599, new), (Ok("NEW".into()), 1));
}

#[test]
fn refresh_needed_follows_the_clock_and_static_never_refreshes() {
    let clock = TestClock::at(NOW);
    let (calls, refresher) = counting(move || Ok(Some(creds("NEW", NOW + 7200))));
    let rc = RefreshableCredentials::with_clock(
        creds("OLD", NOW + 1000),
        refresher,
        Arc::clone(&clock) as Arc<dyn Clock>,
    );
    assert!(!rc.refresh_needed());
    clock.set(NOW + 100);
    assert!(!rc.refresh_needed(), "900 s left");
    clock.set(NOW + 101);
    assert!(rc.refresh_needed(), "899 s left");
    assert_eq!(rc.get_frozen_credentials().unwrap().access_key_id(), "NEW");
    assert!(!rc.refresh_needed());
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Static credentials, even expired ones, are never refreshed.
    let st = RefreshableCredentials::from_static(creds("STATIC", 1));
    assert!(!st.refresh_needed() && !st.is_refreshable());
    assert_eq!(
        st.get_frozen_credentials().unwrap().access_key_id(),
        "STATIC"
    );
    assert_eq!(st.method(), Method::AssumeRole);
}

#[test]
fn p_ref_3_expired_and_empty_refreshes_fail() {
    // Still expired after the refresh: botocore's RuntimeError message.
    let (r, calls) = access(10, || Ok(Some(creds("NEW", NOW - 5))));
    let e = r.unwrap_err();
    assert_eq!((e.kind(), calls), ("RuntimeError", 1));
    assert!(
        e.to_string().starts_with(
            "Credentials were refreshed, but the refreshed credentials are still expired."
        ),
        "{e}"
    );
    // Valid but short (5 min) is accepted.
    assert_eq!(
        access(10, || Ok(Some(creds("NEW", NOW + 300)))),
        (Ok("NEW".into()), 1)
    );
    // An answer without credentials fails even in the advisory window.
    let (r, calls) = access(700, || Ok(None));
    assert_eq!(
        (r.unwrap_err().to_string().as_str(), calls),
        (
            "Error when retrieving credentials from assume-role: Credential refresh failed, \
             response did not contain: access_key, secret_key, token, expiry_time",
            1
        )
    );
}

#[test]
fn p_ref_4_deferred_fetches_on_first_access_only() {
    let clock = TestClock::at(NOW);
    let (calls, refresher) = counting(move || Ok(Some(creds("NEW", NOW + 3600))));
    let rc = RefreshableCredentials::deferred_with_clock(Method::AssumeRole, refresher, clock);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing before first use");
    assert!(rc.refresh_needed());
    assert_eq!(rc.method(), Method::AssumeRole);
    let a = rc.get_frozen_credentials().unwrap();
    let b = rc.clone().get_frozen_credentials().unwrap();
    assert_eq!((a.access_key_id(), b.access_key_id()), ("NEW", "NEW"));
    assert_eq!(b.secret_access_key().expose(), "secret-NEW");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A failing first access is mandatory: the error is raised, every time.
    let (calls, refresher) = counting(|| Err(failure()));
    let rc = RefreshableCredentials::deferred_with_clock(
        Method::AssumeRole,
        refresher,
        TestClock::at(NOW),
    );
    assert_eq!(rc.get_frozen_credentials().unwrap_err(), failure());
    assert_eq!(rc.get_frozen_credentials().unwrap_err(), failure());
    assert_eq!(calls.load(Ordering::SeqCst), 2, "no back-off (P-REF-2)");
}

/// 64 threads released at once against one set that needs a refresh.
fn stampede(rc: &RefreshableCredentials) -> Vec<Result<String, Error>> {
    let barrier = Barrier::new(64);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..64)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    rc.get_frozen_credentials()
                        .map(|c| c.access_key_id().to_owned())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn slow_new() -> impl Fn() -> Result<Option<Credentials>, Error> + Send + Sync + 'static {
    || {
        std::thread::sleep(Duration::from_millis(100));
        Ok(Some(creds("NEW", NOW + 3600)))
    }
}

#[test]
fn p_ref_2_sixty_four_threads_make_one_call_deferred_and_mandatory() {
    // Deferred first use: every thread blocks and gets the new set.
    let (calls, refresher) = counting(slow_new());
    let rc = RefreshableCredentials::deferred_with_clock(
        Method::AssumeRole,
        refresher,
        TestClock::at(NOW),
    );
    let got = stampede(&rc);
    assert!(got.iter().all(|r| r.as_deref() == Ok("NEW")), "{got:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Mandatory window (300 s left): the same.
    let (calls, refresher) = counting(slow_new());
    let rc =
        RefreshableCredentials::with_clock(creds("OLD", NOW + 300), refresher, TestClock::at(NOW));
    let got = stampede(&rc);
    assert!(got.iter().all(|r| r.as_deref() == Ok("NEW")), "{got:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn p_ref_2_advisory_window_one_call_others_keep_serving_the_old_set() {
    let (calls, refresher) = counting(slow_new());
    let rc =
        RefreshableCredentials::with_clock(creds("OLD", NOW + 700), refresher, TestClock::at(NOW));
    let got = stampede(&rc);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Nobody waited: whoever found the lock taken got the old set.
    assert!(
        got.iter()
            .all(|r| matches!(r.as_deref(), Ok("OLD" | "NEW")))
    );
    assert!(got.iter().any(|r| r.as_deref() == Ok("NEW")));
    assert_eq!(rc.get_frozen_credentials().unwrap().access_key_id(), "NEW");
}

#[test]
fn p_ref_3_advisory_failures_keep_serving_the_old_set() {
    let (calls, refresher) = counting(|| {
        std::thread::sleep(Duration::from_millis(50));
        Err(failure())
    });
    let rc =
        RefreshableCredentials::with_clock(creds("OLD", NOW + 700), refresher, TestClock::at(NOW));
    let got = stampede(&rc);
    assert!(got.iter().all(|r| r.as_deref() == Ok("OLD")), "{got:?}");
    // Each access in the window tries again once the lock is free (no
    // back-off), but never two at once.
    assert!(calls.load(Ordering::SeqCst) >= 1);
    assert_eq!(rc.last_advisory_failure(), Some(failure()));
}

#[test]
fn debug_shows_no_secret() {
    let rc = RefreshableCredentials::from_static(creds("AKIDSHOWN", NOW));
    let d = format!("{rc:?}");
    assert!(d.contains("AKIDSHOWN") && d.contains("assume-role"), "{d}");
    assert!(!d.contains("secret-") && !d.contains("token-"), "{d}");
}
