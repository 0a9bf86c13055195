//! botocore's refresh on first use for the providers whose first answer
//! botocore wraps in a `RefreshableCredentials` (container, IMDS): the
//! provider fetches once, wraps the answer and its refresher in a
//! [`RefreshableCredentials`], and the one access botocore makes when it
//! signs or exports is made here, at resolution. The windows themselves
//! live only in [`crate::refreshable`] (P-REF-1..3):
//!
//! * at least 900 s left (the advisory window): used as is;
//! * under 900 s: fetched once more. A failed re-fetch with at least 600 s
//!   left (advisory) keeps the first answer; under 600 s (mandatory) the
//!   re-fetch's error is the result. A re-fetch that is itself already
//!   expired is botocore's `RuntimeError`; one that is valid but short is
//!   accepted; one without credentials (IMDS's `{}`) fails in either
//!   window.

use crate::credentials::Credentials;
use crate::error::Error;
use crate::refreshable::{RefreshEvent, RefreshableCredentials};

/// What the first use did, for `explain`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FirstUse {
    /// Enough time left: no second request.
    Kept,
    /// Re-fetched once; the new answer is used.
    Refreshed,
    /// The advisory re-fetch failed; the first answer is used.
    AdvisoryFailed(&'static str),
}

impl FirstUse {
    /// A note for `explain`, or `None` when nothing happened.
    pub(crate) fn note(&self, first_expiry: &str) -> Option<String> {
        match self {
            FirstUse::Kept => None,
            FirstUse::Refreshed => Some(format!(
                "first answer expires {first_expiry}, under 15 min: fetched again (botocore's \
                 refresh on first use)"
            )),
            FirstUse::AdvisoryFailed(kind) => Some(format!(
                "first answer expires {first_expiry}, under 15 min: fetching again failed \
                 ({kind}), kept the first answer (advisory refresh)"
            )),
        }
    }
}

/// The first access to `rc` (botocore's first `get_frozen_credentials`),
/// and what it did.
pub(crate) fn first_use(rc: &RefreshableCredentials) -> Result<(Credentials, FirstUse), Error> {
    let (creds, event) = rc.frozen_with_event()?;
    let used = match event {
        RefreshEvent::None => FirstUse::Kept,
        RefreshEvent::Refreshed => FirstUse::Refreshed,
        RefreshEvent::AdvisoryFailed(kind) => FirstUse::AdvisoryFailed(kind),
    };
    Ok((creds, used))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::credentials::Method;
    use crate::os::FixedClock;
    use crate::time::Timestamp;

    const NOW: u64 = 1_795_910_400;

    fn creds(key: &str, left: i64) -> Credentials {
        let at = UNIX_EPOCH + Duration::from_secs(NOW.saturating_add_signed(left));
        Credentials::new(key, "s", Some("t".into()), Method::ContainerRole)
            .with_expiration(Some(Timestamp::from_system_time(at)))
    }

    fn run(
        left: i64,
        refetch: Result<Credentials, Error>,
    ) -> (Result<(String, FirstUse), Error>, usize) {
        run_opt(left, refetch.map(Some))
    }

    fn run_opt(
        left: i64,
        refetch: Result<Option<Credentials>, Error>,
    ) -> (Result<(String, FirstUse), Error>, usize) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let refetch = std::sync::Mutex::new(Some(refetch));
        let rc = RefreshableCredentials::with_clock(
            creds("FIRST", left),
            move || {
                counter.fetch_add(1, Ordering::SeqCst);
                refetch.lock().unwrap().take().expect("one re-fetch")
            },
            Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW))),
        );
        let r = first_use(&rc);
        (
            r.map(|(c, u)| (c.access_key_id().to_owned(), u)),
            calls.load(Ordering::SeqCst),
        )
    }

    fn failure() -> Error {
        Error::CredentialRetrieval {
            provider: Method::ContainerRole,
            message: "Error retrieving metadata: boom".into(),
        }
    }

    #[test]
    fn p_ref_1_windows_and_boundaries() {
        // 900 s left: no refresh; 899 s: one.
        assert_eq!(
            run(900, Ok(creds("NEW", 3600))),
            (Ok(("FIRST".into(), FirstUse::Kept)), 0)
        );
        assert_eq!(
            run(899, Ok(creds("NEW", 3600))),
            (Ok(("NEW".into(), FirstUse::Refreshed)), 1)
        );
        // A failed refresh at 600 s is swallowed (advisory), at 599 s raised.
        assert_eq!(
            run(600, Err(failure())),
            (
                Ok((
                    "FIRST".into(),
                    FirstUse::AdvisoryFailed("CredentialRetrievalError")
                )),
                1
            )
        );
        assert_eq!(run(599, Err(failure())), (Err(failure()), 1));
    }

    #[test]
    fn p_ref_3_expired_first_answer_is_fetched_again() {
        // The re-fetch is used, even when short (5 min).
        assert_eq!(
            run(-10, Ok(creds("NEW", 300))),
            (Ok(("NEW".into(), FirstUse::Refreshed)), 1)
        );
        // Still expired after the re-fetch: RuntimeError.
        let (r, calls) = run(-10, Ok(creds("NEW", -5)));
        assert_eq!((r.unwrap_err().kind(), calls), ("RuntimeError", 1));
        // An answer without credentials fails even in the advisory window.
        let (r, calls) = run_opt(700, Ok(None));
        assert_eq!(
            (r.unwrap_err().to_string().as_str(), calls),
            (
                "Error when retrieving credentials from container-role: Credential refresh \
                 failed, response did not contain: access_key, secret_key, token, expiry_time",
                1
            )
        );
        // No expiry: never refreshed.
        let c = Credentials::new("K", "s", None, Method::ContainerRole);
        let rc = RefreshableCredentials::with_clock(
            c,
            || unreachable!(),
            Arc::new(FixedClock(UNIX_EPOCH)),
        );
        let (c, u) = first_use(&rc).unwrap();
        assert_eq!((c.access_key_id(), u), ("K", FirstUse::Kept));
    }
}
