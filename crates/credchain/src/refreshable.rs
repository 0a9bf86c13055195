//! [`RefreshableCredentials`]: botocore's `RefreshableCredentials` and
//! `DeferredRefreshableCredentials` (P-REF-1..4), the one implementation of
//! the refresh windows in credchain.
//!
//! * A refresh is needed when fewer than [`ADVISORY_REFRESH_SECONDS`]
//!   (900 s) of validity remain, strictly (`remaining < window`); credentials
//!   without an expiry never refresh.
//! * Advisory window (600 s ≤ remaining < 900 s): the refresh lock is
//!   *tried*; when another thread holds it, the current credentials are
//!   returned at once. A failed refresh keeps the old credentials (botocore
//!   logs a warning; here [`RefreshableCredentials::last_advisory_failure`]
//!   keeps it).
//! * Mandatory window (remaining < [`MANDATORY_REFRESH_SECONDS`], 600 s):
//!   callers block on the lock and re-check after getting it, so N threads
//!   make one call; a failure is returned to the caller. There is no
//!   back-off: every access in the window tries again (P-REF-2).
//! * A refresh that answers with credentials already expired stores them
//!   and fails with botocore's `RuntimeError`; an answer without
//!   credentials fails with `CredentialRetrievalError` (`… response did not
//!   contain: access_key, secret_key, token, expiry_time`) in either
//!   window (P-REF-3).
//! * Deferred credentials have nothing until first use, which is a
//!   mandatory refresh (P-REF-4): assume-role, web identity and SSO.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, TryLockError};

use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::os::{Clock, RealClock};

/// botocore's `_advisory_refresh_timeout`, in seconds before expiry.
pub const ADVISORY_REFRESH_SECONDS: f64 = 900.0;
/// botocore's `_mandatory_refresh_timeout`, in seconds before expiry.
pub const MANDATORY_REFRESH_SECONDS: f64 = 600.0;

/// Fetches fresh credentials: botocore's `refresh_using` callable.
///
/// `Ok(None)` is an answer without credentials (botocore's empty metadata),
/// which fails in either window. Closures
/// `Fn() -> Result<Option<Credentials>, Error>` implement it.
pub trait Refresh: Send + Sync {
    /// One fetch. Called with the refresh lock held, so at most one call
    /// per [`RefreshableCredentials`] runs at a time.
    fn refresh(&self) -> Result<Option<Credentials>, Error>;

    /// [`Refresh::refresh`] split as botocore's refresh is: the outer error
    /// is the fetch's own (guarded: in the advisory window the old
    /// credentials are kept), the inner one an answer that cannot be used
    /// (botocore's `_set_from_data`, outside the guard: it fails the access
    /// in either window, like `Ok(None)`). The default treats every error
    /// as the fetch's own; what is called is this method.
    ///
    /// # Errors
    ///
    /// The fetch's own error (outer) or the unusable answer's (inner).
    #[allow(clippy::type_complexity)] // two stages of one fetch
    fn refresh_staged(&self) -> Result<Result<Option<Credentials>, Error>, Error> {
        self.refresh().map(Ok)
    }
}

impl<F> Refresh for F
where
    F: Fn() -> Result<Option<Credentials>, Error> + Send + Sync,
{
    fn refresh(&self) -> Result<Option<Credentials>, Error> {
        self()
    }
}

/// What a call to [`RefreshableCredentials::get_frozen_credentials`] did,
/// for `explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RefreshEvent {
    /// No refresh was needed (or another thread was refreshing).
    None,
    /// Fetched again; the new answer is used.
    Refreshed,
    /// An advisory refresh failed (its error kind); the old answer is used.
    AdvisoryFailed(&'static str),
}

struct Inner {
    method: Method,
    /// `None` until a deferred set's first use.
    current: RwLock<Option<Credentials>>,
    /// botocore's `_refresh_lock`.
    refresh_lock: Mutex<()>,
    refresher: Option<Box<dyn Refresh>>,
    clock: Arc<dyn Clock>,
    last_advisory_failure: Mutex<Option<Error>>,
}

/// Credentials that refresh themselves before they expire, shaped like
/// boto3's `session.get_credentials()`. Cheap to clone (an [`Arc`] inside:
/// clones share one set and one refresh lock) and safe to share between
/// threads. `Debug` shows the method, the access key id and the expiry,
/// never the secret or the token.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use credchain::{Credentials, Method, RefreshableCredentials};
///
/// let calls = Arc::new(AtomicUsize::new(0));
/// let counter = Arc::clone(&calls);
/// // Deferred, like assume-role: nothing is fetched until first use.
/// let creds = RefreshableCredentials::deferred(Method::Explicit, move || {
///     counter.fetch_add(1, Ordering::SeqCst);
///     Ok(Some(Credentials::new("AKIDEXAMPLE", "secret", None, Method::Explicit)))
/// });
/// assert_eq!(calls.load(Ordering::SeqCst), 0);
/// let frozen = creds.get_frozen_credentials()?;
/// assert_eq!(frozen.access_key_id(), "AKIDEXAMPLE");
/// // No expiry: never refreshed again.
/// creds.get_frozen_credentials()?;
/// assert_eq!(calls.load(Ordering::SeqCst), 1);
/// assert!(!creds.refresh_needed());
/// # Ok::<(), credchain::Error>(())
/// ```
#[derive(Clone)]
pub struct RefreshableCredentials {
    inner: Arc<Inner>,
}

fn unpoison<T>(r: Result<T, PoisonError<T>>) -> T {
    // A refresher that panicked leaves no half-written state behind (the
    // credentials are replaced whole), so the lock stays usable.
    r.unwrap_or_else(PoisonError::into_inner)
}

impl RefreshableCredentials {
    fn build(
        method: Method,
        current: Option<Credentials>,
        refresher: Option<Box<dyn Refresh>>,
        clock: Arc<dyn Clock>,
    ) -> RefreshableCredentials {
        RefreshableCredentials {
            inner: Arc::new(Inner {
                method,
                current: RwLock::new(current),
                refresh_lock: Mutex::new(()),
                refresher,
                clock,
                last_advisory_failure: Mutex::new(None),
            }),
        }
    }

    /// Static credentials: never refreshed (botocore's plain
    /// `Credentials`), whatever their expiry says.
    pub fn from_static(credentials: Credentials) -> RefreshableCredentials {
        let method = credentials.method();
        Self::build(method, Some(credentials), None, Arc::new(RealClock))
    }

    /// Credentials already fetched once, refreshed by `refresher` within
    /// the windows (botocore's `RefreshableCredentials`), on the real clock.
    pub fn new(initial: Credentials, refresher: impl Refresh + 'static) -> RefreshableCredentials {
        Self::with_clock(initial, refresher, Arc::new(RealClock))
    }

    /// [`RefreshableCredentials::new`] with the windows measured on `clock`
    /// (tests use a fake one; a session passes its [`crate::os::Os`] clock).
    pub fn with_clock(
        initial: Credentials,
        refresher: impl Refresh + 'static,
        clock: Arc<dyn Clock>,
    ) -> RefreshableCredentials {
        let method = initial.method();
        Self::build(method, Some(initial), Some(Box::new(refresher)), clock)
    }

    /// Credentials fetched on first use (botocore's
    /// `DeferredRefreshableCredentials`, P-REF-4): the first
    /// [`get_frozen_credentials`](Self::get_frozen_credentials) is a
    /// mandatory refresh, whose error it returns.
    pub fn deferred(method: Method, refresher: impl Refresh + 'static) -> RefreshableCredentials {
        Self::deferred_with_clock(method, refresher, Arc::new(RealClock))
    }

    /// [`RefreshableCredentials::deferred`] on `clock`.
    pub fn deferred_with_clock(
        method: Method,
        refresher: impl Refresh + 'static,
        clock: Arc<dyn Clock>,
    ) -> RefreshableCredentials {
        Self::build(method, None, Some(Box::new(refresher)), clock)
    }

    /// Like [`RefreshableCredentials::with_clock`] with an already boxed
    /// refresher (the providers hand theirs out boxed).
    pub(crate) fn from_boxed(
        initial: Option<Credentials>,
        method: Method,
        refresher: Box<dyn Refresh>,
        clock: Arc<dyn Clock>,
    ) -> RefreshableCredentials {
        Self::build(method, initial, Some(refresher), clock)
    }

    /// botocore's method string holder: which provider produced them.
    pub fn method(&self) -> Method {
        self.inner.method
    }

    /// Whether they can be refreshed at all (static credentials cannot).
    pub fn is_refreshable(&self) -> bool {
        self.inner.refresher.is_some()
    }

    /// botocore's `refresh_needed()`: fewer than 900 s of validity left
    /// (strictly), or a deferred set not fetched yet. Always `false` for
    /// static credentials and for credentials without an expiry.
    pub fn refresh_needed(&self) -> bool {
        self.needed(ADVISORY_REFRESH_SECONDS)
    }

    /// The error of the last advisory refresh that failed (the old
    /// credentials were kept), cleared by the next successful one. botocore
    /// logs it as a warning.
    pub fn last_advisory_failure(&self) -> Option<Error> {
        unpoison(self.inner.last_advisory_failure.lock()).clone()
    }

    /// A consistent snapshot (access key, secret, token, account id,
    /// expiry), refreshed first when the windows say so: boto3's
    /// `get_frozen_credentials()`.
    ///
    /// # Errors
    ///
    /// A mandatory refresh's error (the refresher's own error kind, e.g.
    /// `CredentialRetrievalError`, `ClientError` classes); `RuntimeError`
    /// when the refreshed credentials are already expired;
    /// `CredentialRetrievalError` when the refresh answered without
    /// credentials.
    pub fn get_frozen_credentials(&self) -> Result<Credentials, Error> {
        self.frozen_with_event().map(|(c, _)| c)
    }

    /// [`get_frozen_credentials`](Self::get_frozen_credentials) and what it
    /// did.
    pub(crate) fn frozen_with_event(&self) -> Result<(Credentials, RefreshEvent), Error> {
        let event = self.refresh()?;
        match self.current() {
            Some(c) => Ok((c, event)),
            // Only a deferred set whose refresher has never succeeded, and
            // then `refresh` has returned its error already; kept as an
            // error rather than a panic.
            None => Err(Error::NoCredentials),
        }
    }

    /// The credentials held now, without any refresh.
    pub(crate) fn current(&self) -> Option<Credentials> {
        unpoison(self.inner.current.read()).clone()
    }

    fn needed(&self, window: f64) -> bool {
        if self.inner.refresher.is_none() {
            return false;
        }
        let current = unpoison(self.inner.current.read());
        match current.as_ref() {
            None => true,
            Some(c) => match c.expiration() {
                None => false,
                Some(exp) => exp.seconds_after(self.inner.clock.now()) < window,
            },
        }
    }

    /// botocore's `_refresh`.
    fn refresh(&self) -> Result<RefreshEvent, Error> {
        if !self.needed(ADVISORY_REFRESH_SECONDS) {
            return Ok(RefreshEvent::None);
        }
        match self.inner.refresh_lock.try_lock() {
            Ok(guard) => self.refresh_holding(&guard),
            Err(TryLockError::Poisoned(p)) => self.refresh_holding(&p.into_inner()),
            Err(TryLockError::WouldBlock) => {
                if !self.needed(MANDATORY_REFRESH_SECONDS) {
                    // Advisory: another thread is refreshing; use what we have.
                    return Ok(RefreshEvent::None);
                }
                let _guard = unpoison(self.inner.refresh_lock.lock());
                if !self.needed(MANDATORY_REFRESH_SECONDS) {
                    return Ok(RefreshEvent::None);
                }
                self.protected_refresh(true)
            }
        }
    }

    /// The try-lock branch: re-check, then refresh in whichever window
    /// applies now.
    fn refresh_holding(&self, _guard: &MutexGuard<'_, ()>) -> Result<RefreshEvent, Error> {
        if !self.needed(ADVISORY_REFRESH_SECONDS) {
            return Ok(RefreshEvent::None);
        }
        let mandatory = self.needed(MANDATORY_REFRESH_SECONDS);
        self.protected_refresh(mandatory)
    }

    /// botocore's `_protected_refresh`; the caller holds the refresh lock.
    fn protected_refresh(&self, mandatory: bool) -> Result<RefreshEvent, Error> {
        let Some(refresher) = &self.inner.refresher else {
            return Ok(RefreshEvent::None);
        };
        let fresh = match refresher.refresh_staged() {
            // Raised in either window (P-REF-3).
            Ok(Err(unusable)) => return Err(unusable),
            Ok(Ok(c)) => Ok(c),
            Err(e) => Err(e),
        };
        let fresh = match fresh {
            Err(e) if mandatory => return Err(e),
            Err(e) => {
                let kind = e.kind();
                *unpoison(self.inner.last_advisory_failure.lock()) = Some(e);
                return Ok(RefreshEvent::AdvisoryFailed(kind));
            }
            Ok(None) => {
                return Err(Error::CredentialRetrieval {
                    provider: self.inner.method,
                    message: "Credential refresh failed, response did not contain: access_key, \
                              secret_key, token, expiry_time"
                        .into(),
                });
            }
            Ok(Some(c)) => c,
        };
        let expired = fresh
            .expiration()
            .filter(|e| e.seconds_after(self.inner.clock.now()) < 0.0);
        *unpoison(self.inner.current.write()) = Some(fresh);
        *unpoison(self.inner.last_advisory_failure.lock()) = None;
        if let Some(exp) = expired {
            return Err(Error::Expired {
                provider: self.inner.method,
                expiration: exp.to_string(),
            });
        }
        Ok(RefreshEvent::Refreshed)
    }
}

impl fmt::Debug for RefreshableCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current();
        f.debug_struct("RefreshableCredentials")
            .field("method", &self.inner.method.as_str())
            .field("refreshable", &self.is_refreshable())
            .field(
                "access_key_id",
                &current.as_ref().map(Credentials::access_key_id),
            )
            .field(
                "expiration",
                &current
                    .as_ref()
                    .and_then(Credentials::expiration)
                    .map(|e| e.to_string()),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "refreshable_tests.rs"]
mod tests;
