//! botocore's `RefreshableCredentials` on first use (P-REF-1..3), for the
//! providers whose first answer botocore wraps in one (container, IMDS).
//! credchain's credentials are plain values, so the one access botocore
//! makes when it signs or exports is made here, once, at resolution:
//!
//! * at least 900 s left (the advisory window): used as is;
//! * under 900 s: fetched once more. A failed re-fetch with at least 600 s
//!   left (advisory) keeps the first answer; under 600 s (mandatory) the
//!   re-fetch's error is the result (`CredentialRetrievalError` for the
//!   container). A re-fetch that is itself already expired is botocore's
//!   `RuntimeError`; one that is valid but short is accepted. A re-fetch
//!   that answers with no credentials at all (IMDS's `{}`) fails in either
//!   window: botocore's `_set_from_data` raises outside the guarded call.

use std::time::SystemTime;

use crate::credentials::Credentials;
use crate::error::Error;

/// botocore's `_advisory_refresh_timeout`.
pub(crate) const ADVISORY_SECONDS: f64 = 900.0;
/// botocore's `_mandatory_refresh_timeout`.
pub(crate) const MANDATORY_SECONDS: f64 = 600.0;

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

/// Applies botocore's first-use refresh to `first`, calling `refetch` at
/// most once. `refetch` gives `Ok(None)` for an answer without credentials.
pub(crate) fn first_use(
    first: Credentials,
    now: SystemTime,
    refetch: impl FnOnce() -> Result<Option<Credentials>, Error>,
) -> Result<(Credentials, FirstUse), Error> {
    let Some(expiry) = first.expiration() else {
        return Ok((first, FirstUse::Kept));
    };
    let left = expiry.seconds_after(now);
    if left >= ADVISORY_SECONDS {
        return Ok((first, FirstUse::Kept));
    }
    let mandatory = left < MANDATORY_SECONDS;
    match refetch() {
        Err(e) if mandatory => Err(e),
        Err(e) => Ok((first, FirstUse::AdvisoryFailed(e.kind()))),
        Ok(None) => Err(Error::CredentialRetrieval {
            provider: first.method(),
            message: "Credential refresh failed, response did not contain: access_key, \
                      secret_key, token, expiry_time"
                .into(),
        }),
        Ok(Some(new)) => match new.expiration() {
            Some(exp) if exp.seconds_after(now) <= 0.0 => Err(Error::Expired {
                provider: new.method(),
                expiration: exp.to_string(),
            }),
            _ => Ok((new, FirstUse::Refreshed)),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::credentials::Method;
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
        let calls = Cell::new(0);
        let r = first_use(
            creds("FIRST", left),
            UNIX_EPOCH + Duration::from_secs(NOW),
            || {
                calls.set(calls.get() + 1);
                refetch
            },
        );
        (
            r.map(|(c, u)| (c.access_key_id().to_owned(), u)),
            calls.get(),
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
        let (c, u) = first_use(c, UNIX_EPOCH, || unreachable!()).unwrap();
        assert_eq!((c.access_key_id(), u), ("K", FirstUse::Kept));
    }
}
