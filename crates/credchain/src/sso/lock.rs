//! The one place the SSO token cache takes its cross-process lock, so the
//! locking scheme can be swapped (issue 9's bounded, self-cleaning locks)
//! by changing this file only.
//!
//! The lock is an exclusive `flock` on `.<key>.json.credchain.lock` beside
//! the token file, the convention of the CLI credential cache
//! (`provider/cache.rs`). Waiting is bounded: a holder that never lets go
//! (a hung process) costs the waiter [`LOCK_WAIT`], then an `OSError` that
//! names the lock file, instead of hanging the credential chain.

use std::fs::OpenOptions;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;

/// How long a caller waits for another process's refresh.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Runs `f` holding the exclusive lock for token file `key` in `dir`
/// (created 0700 if missing). The lock is released when `f` returns.
pub fn with_token_lock<T>(
    dir: &Path,
    key: &str,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    super::token::create_private_dir(dir)?;
    let path = dir.join(format!(".{key}.json.credchain.lock"));
    let os_error = |what: &str, e: &dyn std::fmt::Display| Error::Unhandled {
        class: "OSError",
        message: format!("SSO token cache: {what} {}: {e}", path.display()),
    };
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&path).map_err(|e| os_error("opening", &e))?;
    // Instant is only used to bound the wait, never for token expiry.
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => break,
            Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(os_error(
                    &format!("gave up after {} s waiting for", LOCK_WAIT.as_secs()),
                    &"held by another process",
                ));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(os_error("locking", &e)),
        }
    }
    let result = f();
    // Closing the file releases the lock.
    drop(file);
    result
}
