//! Cross-process advisory locks (`flock`) that never litter, never follow a
//! planted symlink and never wait forever.
//!
//! Two ways to lock, one wait policy ([`LockWait`]):
//!
//! * [`FileLock::lock_open`] locks a file that already exists, on its own
//!   inode: the shared config and credentials files are locked this way, so
//!   a write needs no side file at all (and works in a read-only `~/.aws`
//!   holding a writable file). A writer that replaces the file by rename
//!   leaves waiters holding the old inode; callers re-check the inode after
//!   locking ([`same_file`]) and retry.
//! * [`FileLock::acquire`] locks a *lock file* beside something that may not
//!   exist yet (a cache entry that N processes miss at once). The lock file
//!   is opened with `O_NOFOLLOW`, only in a directory no other user can
//!   write (otherwise the directory itself is locked), and is unlinked by
//!   its holder before the lock is released. A waiter that then gets the
//!   lock on the unlinked inode sees that the path no longer names it and
//!   starts over, so exclusion holds and nothing is left behind.
//!
//! A wait polls a non-blocking `flock` until [`LockWait::timeout`], tells
//! the caller once that it is waiting (`waiting for another credchain to
//! finish writing …`), and then fails with [`LockError::Timeout`]. `flock`
//! locks die with their process, so a lock that outlives the bound is held
//! by a live process.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a lock is waited for unless the caller says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Interval between attempts while waiting.
const POLL: Duration = Duration::from_millis(20);

/// How to wait for a lock.
pub struct LockWait<'a> {
    /// The longest wait before [`LockError::Timeout`].
    pub timeout: Duration,
    /// What the holder is doing, for messages: `writing ~/.aws/credentials`.
    pub what: String,
    /// Called once, when the lock is found taken, with a line to show.
    pub notice: &'a dyn Fn(&str),
}

impl fmt::Debug for LockWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockWait")
            .field("timeout", &self.timeout)
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl LockWait<'_> {
    /// [`DEFAULT_TIMEOUT`], no notice.
    pub fn quiet(what: impl Into<String>) -> LockWait<'static> {
        LockWait {
            timeout: DEFAULT_TIMEOUT,
            what: what.into(),
            notice: &|_| {},
        }
    }
}

/// Why a lock could not be taken.
#[derive(Debug)]
#[non_exhaustive]
pub enum LockError {
    /// Opening or locking failed.
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Another process held the lock for longer than the bound.
    Timeout {
        /// What the holder is doing (`writing ~/.aws/credentials`).
        what: String,
        /// The locked path.
        path: PathBuf,
        /// How long was waited.
        waited: Duration,
    },
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Io {
                action,
                path,
                source,
            } => write!(f, "{action} {}: {source}", path.display()),
            LockError::Timeout { what, path, waited } => write!(
                f,
                "gave up after {:.1} s waiting for another process to finish {what} \
                 (it holds a lock on {}); retry when it has finished \
                 (`fuser {}` shows which process it is)",
                waited.as_secs_f64(),
                path.display(),
                path.display()
            ),
        }
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LockError::Io { source, .. } => Some(source),
            LockError::Timeout { .. } => None,
        }
    }
}

/// A held lock; dropping it unlinks its lock file (if it made one) and then
/// releases the lock.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    /// The lock file to unlink before release (only [`FileLock::acquire`]'s).
    remove: Option<PathBuf>,
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock: a waiter that gets it next
        // sees that the path no longer names its inode and starts over.
        if let Some(p) = self.remove.take() {
            let _ = fs::remove_file(p);
        }
    }
}

impl FileLock {
    /// Takes the lock beside `path` (for example `~/.aws/cli/cache/KEY.json`
    /// is locked by `~/.aws/cli/cache/.KEY.json.lock`), waiting as `wait`
    /// says. The directory must exist. The lock file exists only while held.
    pub fn acquire(path: &Path, wait: &LockWait<'_>) -> Result<FileLock, LockError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut name = std::ffi::OsString::from(".");
        name.push(path.file_name().unwrap_or_default());
        name.push(".lock");
        let lock_path = dir.join(name);
        let started = Instant::now();
        let mut told = false;
        if !private_dir(dir) {
            // Another user could pre-create (and hold) a file here: lock the
            // directory itself, which nobody can substitute.
            let file = File::open(dir).map_err(|source| LockError::Io {
                action: "opening directory to lock",
                path: dir.to_owned(),
                source,
            })?;
            wait_for(&file, dir, wait, started, &mut told)?;
            return Ok(FileLock { file, remove: None });
        }
        loop {
            let file = open_nofollow(&lock_path).map_err(|source| LockError::Io {
                action: "opening lock file",
                path: lock_path.clone(),
                source,
            })?;
            wait_for(&file, &lock_path, wait, started, &mut told)?;
            // The holder before us may have unlinked it; then our inode is
            // not the lock any more.
            if same_file(&file, &lock_path) {
                return Ok(FileLock {
                    file,
                    remove: Some(lock_path),
                });
            }
        }
    }

    /// Locks `file` (open on `path`) itself, waiting as `wait` says. Callers
    /// that replace the file by rename must check [`same_file`] afterwards.
    pub fn lock_open(file: File, path: &Path, wait: &LockWait<'_>) -> Result<FileLock, LockError> {
        let mut told = false;
        wait_for(&file, path, wait, Instant::now(), &mut told)?;
        Ok(FileLock { file, remove: None })
    }

    /// The locked file.
    pub fn file(&self) -> &File {
        &self.file
    }
}

/// Polls a non-blocking exclusive `flock` until it is taken or the wait
/// that began at `started` runs out.
fn wait_for(
    file: &File,
    path: &Path,
    wait: &LockWait<'_>,
    started: Instant,
    told: &mut bool,
) -> Result<(), LockError> {
    loop {
        // Called through the trait: std's inherent `File::try_lock` is newer
        // than the workspace's minimum Rust version.
        match fs4::FileExt::try_lock(file) {
            Ok(()) => return Ok(()),
            Err(fs4::TryLockError::WouldBlock) => {}
            Err(fs4::TryLockError::Error(source)) => {
                return Err(LockError::Io {
                    action: "locking",
                    path: path.to_owned(),
                    source,
                });
            }
        }
        if !*told {
            *told = true;
            (wait.notice)(&format!(
                "waiting for another credchain to finish {}…",
                wait.what
            ));
        }
        let waited = started.elapsed();
        if waited >= wait.timeout {
            return Err(LockError::Timeout {
                what: wait.what.clone(),
                path: path.to_owned(),
                waited,
            });
        }
        std::thread::sleep(POLL.min(wait.timeout.saturating_sub(waited)));
    }
}

/// Whether `path` (not following a final symlink) names the inode `file`
/// is open on.
#[cfg(unix)]
pub fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `path` names the file `file` is open on (no inode numbers here:
/// compare sizes and times, which is what is available).
#[cfg(not(unix))]
pub fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.len() == b.len() && a.modified().ok() == b.modified().ok(),
        _ => false,
    }
}

/// Opens (creating, mode 0600) a lock file without following a symlink at
/// its name.
fn open_nofollow(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600)
            .custom_flags(nofollow_flags() | cloexec_flags());
    }
    opts.open(path)
}

#[cfg(unix)]
#[allow(clippy::cast_possible_wrap)] // Small positive flag bits.
pub(crate) fn nofollow_flags() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

#[cfg(unix)]
#[allow(clippy::cast_possible_wrap)] // Small positive flag bits.
fn cloexec_flags() -> i32 {
    rustix::fs::OFlags::CLOEXEC.bits() as i32
}

/// Whether only we (or root) can create files in `dir`: it is a real
/// directory owned by us or root, and not group- or world-writable.
#[cfg(unix)]
fn private_dir(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = fs::symlink_metadata(dir) else {
        return false;
    };
    let me = rustix::process::geteuid().as_raw();
    m.is_dir() && (m.uid() == me || m.uid() == 0) && m.mode() & 0o022 == 0
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> bool {
    fs::metadata(dir).is_ok_and(|m| m.is_dir())
}

/// Creates `dir` and any missing parents with mode 0700 (the AWS CLI's
/// `~/.aws` is private; every path that creates it must agree).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn lock_files_are_removed_and_exclusion_holds() {
        let tmp = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
        }
        let entry = tmp.path().join("k.json");
        let inside = AtomicUsize::new(0);
        let max = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..25 {
                        let _l = FileLock::acquire(&entry, &LockWait::quiet("test")).unwrap();
                        let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        max.fetch_max(n, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(max.load(Ordering::SeqCst), 1, "two holders at once");
        assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
    }

    #[test]
    fn waits_are_bounded_and_announced() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("credentials");
        fs::write(&path, "").unwrap();
        let held =
            FileLock::lock_open(File::open(&path).unwrap(), &path, &LockWait::quiet("x")).unwrap();
        let notices = Arc::new(Mutex::new(Vec::<String>::new()));
        let n2 = Arc::clone(&notices);
        let notice = move |s: &str| n2.lock().unwrap().push(s.to_owned());
        let wait = LockWait {
            timeout: Duration::from_millis(150),
            what: format!("writing {}", path.display()),
            notice: &notice,
        };
        let t = Instant::now();
        let e = FileLock::lock_open(File::open(&path).unwrap(), &path, &wait).unwrap_err();
        assert!(t.elapsed() >= Duration::from_millis(150));
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(matches!(e, LockError::Timeout { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("gave up after") && msg.contains("credentials"),
            "{msg}"
        );
        assert_eq!(
            *notices.lock().unwrap(),
            [format!(
                "waiting for another credchain to finish writing {}…",
                path.display()
            )]
        );
        drop(held);
        FileLock::lock_open(File::open(&path).unwrap(), &path, &wait).expect("free now");
    }

    #[cfg(unix)]
    #[test]
    fn lock_files_never_follow_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let victim = tmp.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, tmp.path().join(".k.json.lock")).unwrap();
        let e = FileLock::acquire(&tmp.path().join("k.json"), &LockWait::quiet("t")).unwrap_err();
        assert!(e.to_string().contains(".k.json.lock"), "{e}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[cfg(unix)]
    #[test]
    fn shared_directories_get_no_lock_file() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        // World-writable (like /tmp): another user could plant the file.
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let l = FileLock::acquire(&tmp.path().join("k.json"), &LockWait::quiet("t")).unwrap();
        assert!(names(tmp.path()).is_empty());
        drop(l);
    }
}
