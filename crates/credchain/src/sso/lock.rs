//! The one place the SSO token cache takes its cross-process lock.
//!
//! The lock is [`FileLock::acquire`] on the token file's path: a lock file
//! `.<key>.json.lock` beside it, opened without following symlinks, that
//! exists only while held (the directory itself is locked when another
//! user could write to it), so `~/.aws/sso/cache` is never littered.
//! Waiting is bounded: a holder that never lets go (a hung process) costs
//! the waiter [`LOCK_WAIT`], then an `OSError` that says what it waited for,
//! instead of hanging the credential chain. `flock` locks die with their
//! process, so a killed refresher never blocks the next caller.

use std::path::Path;
use std::time::Duration;

use crate::error::Error;
use crate::filelock::{FileLock, LockWait};

/// How long a caller waits for another process's refresh (longer than one
/// `CreateToken` call with botocore's timeouts and retries is not useful:
/// the waiter then fails and says why).
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Runs `f` holding the exclusive lock for token file `key` in `dir`
/// (created 0700 if missing). The lock is released (and its file removed)
/// when `f` returns.
pub fn with_token_lock<T>(
    dir: &Path,
    key: &str,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    super::token::create_private_dir(dir)?;
    let target = dir.join(format!("{key}.json"));
    let wait = LockWait {
        timeout: LOCK_WAIT,
        what: format!("refreshing the SSO token {}", target.display()),
        notice: &|_| {},
    };
    let lock = FileLock::acquire(&target, &wait).map_err(|e| Error::Unhandled {
        class: "OSError",
        message: format!("SSO token cache: {e}"),
    })?;
    let result = f();
    drop(lock);
    result
}
