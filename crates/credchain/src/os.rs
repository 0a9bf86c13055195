//! The operating system as seen by credchain: environment, filesystem and
//! clock behind small traits, so every provider can be tested against fakes.
//!
//! This is the only module that touches `std::env`, `std::fs`,
//! `SystemTime::now` and `std::process` ([`run_child`], for
//! `credential_process`); everything else takes an [`Os`]. The one exception is
//! [`crate::config::write`], whose atomic, locked writes only make sense
//! against the real filesystem.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Read access to environment variables.
///
/// `get` returns `Some("")` for a variable that is set to the empty string:
/// botocore distinguishes "present" from "non-empty" in several places.
pub trait Env: Send + Sync {
    /// The value of `key`, if set.
    fn get(&self, key: &str) -> Option<String>;
    /// The value of `key` exactly as the OS holds it: paths taken from the
    /// environment must not go through a lossy `String` (a non-UTF-8
    /// `AWS_CONFIG_FILE` names a different file once converted).
    fn get_os(&self, key: &str) -> Option<std::ffi::OsString> {
        self.get(key).map(Into::into)
    }
    /// The user's home directory when `HOME` is not set (Python falls back
    /// to the password database).
    fn fallback_home(&self) -> Option<PathBuf> {
        None
    }
    /// Every variable, for a child process ([`run_child`]): the child sees
    /// exactly this environment. An environment that cannot list its
    /// variables gives the child an empty one.
    fn vars_os(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        Vec::new()
    }
}

/// What a path is, as far as the loaders care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// A regular file (after following symlinks).
    File,
    /// A directory.
    Dir,
    /// Anything else that exists (socket, fifo, device).
    Other,
}

/// Read access to the filesystem.
pub trait Fs: Send + Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// What is at `path` (following symlinks), or `None` if nothing is or it
    /// cannot be inspected — Python's `os.path.isfile` treats both alike.
    fn file_type(&self, path: &Path) -> Option<FileType>;
    /// The size in bytes of a file, if it can be inspected.
    fn len(&self, path: &Path) -> Option<u64>;
}

/// The wall clock.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// Blocking waits (retry back-off). Injected so tests need not really sleep.
pub trait Sleep: Send + Sync {
    /// Blocks the calling thread for `d`.
    fn sleep(&self, d: Duration);
}

/// A source of random integers (IMDS expiry jitter, P-IMDS-6).
pub trait Random: Send + Sync {
    /// A uniformly chosen integer in `lo..=hi`, like Python's
    /// `random.randint(lo, hi)`.
    fn randint(&self, lo: u64, hi: u64) -> u64;
}

/// The bundle of OS services a session runs against.
#[derive(Clone)]
pub struct Os {
    /// Environment variables.
    pub env: Arc<dyn Env>,
    /// Filesystem.
    pub fs: Arc<dyn Fs>,
    /// Clock.
    pub clock: Arc<dyn Clock>,
}

impl Os {
    /// The real process environment, filesystem and clock.
    pub fn real() -> Os {
        Os {
            env: Arc::new(RealEnv),
            fs: Arc::new(RealFs),
            clock: Arc::new(RealClock),
        }
    }
}

impl fmt::Debug for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Os { .. }")
    }
}

/// The process environment.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealEnv;

impl Env for RealEnv {
    fn get(&self, key: &str) -> Option<String> {
        // Python decodes undecodable bytes with surrogateescape; a lossy
        // conversion is the closest faithful behaviour for lookups.
        std::env::var_os(key).map(|v| v.to_string_lossy().into_owned())
    }
    fn get_os(&self, key: &str) -> Option<std::ffi::OsString> {
        std::env::var_os(key)
    }
    fn fallback_home(&self) -> Option<PathBuf> {
        std::env::home_dir()
    }
    fn vars_os(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        std::env::vars_os().collect()
    }
}

/// The real filesystem.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

impl Fs for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_limited(path, MAX_READ)
    }
    fn file_type(&self, path: &Path) -> Option<FileType> {
        let md = std::fs::metadata(path).ok()?;
        Some(if md.is_file() {
            FileType::File
        } else if md.is_dir() {
            FileType::Dir
        } else {
            FileType::Other
        })
    }
    fn len(&self, path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().map(|m| m.len())
    }
}

/// The most [`RealFs::read`] reads: the config-file limit
/// ([`crate::config::MAX_FILE_SIZE`]); token files and CA bundles are far
/// smaller.
pub const MAX_READ: u64 = crate::config::MAX_FILE_SIZE;

/// `O_NONBLOCK`: opening a FIFO for reading must not wait for a writer.
#[cfg(unix)]
#[allow(clippy::cast_possible_wrap)] // Small positive flag bits.
pub(crate) fn nonblock_flags() -> i32 {
    rustix::fs::OFlags::NONBLOCK.bits() as i32
}

/// Reads a whole *regular* file of at most `max` bytes: the one way side
/// files (token files, `AWS_CREDENTIAL_FILE`, CA bundles, the config files,
/// `configure import --csv FILE`) are read. A FIFO, a device (`/dev/zero`)
/// or a directory is refused at once, without waiting for a writer and
/// without reading, and so is a file larger than `max` (checked before and
/// while reading, since a file can grow). Errors name the file and say what
/// was expected; their [`io::ErrorKind`] is the OS's for OS errors and
/// `InvalidInput` / `FileTooLarge`-like `InvalidData` for refusals.
pub fn read_limited(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(nonblock_flags());
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("{} is a directory; expected a file", path.display()),
        ));
    }
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file (a pipe, socket or device); expected a file",
                path.display()
            ),
        ));
    }
    let too_big = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is larger than {max} bytes; expected a smaller file",
                path.display()
            ),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    // A writer that cannot rename (bind mount, read-only directory)
    // rewrites the file in place under an exclusive `flock`; a shared lock
    // here means we never read it half-written. Bounded: a lock held longer
    // than this (a stuck writer, or our own process) does not stop the read.
    shared_lock_briefly(&file);
    let mut out = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(too_big());
    }
    Ok(out)
}

/// How long a read waits for an in-place writer to finish.
const READ_LOCK_WAIT: Duration = Duration::from_secs(2);

/// Takes a shared `flock` on `file` if it can within [`READ_LOCK_WAIT`];
/// released when `file` is closed.
fn shared_lock_briefly(file: &std::fs::File) {
    let start = std::time::Instant::now();
    loop {
        match fs4::FileExt::try_lock_shared(file) {
            Err(fs4::TryLockError::WouldBlock) if start.elapsed() < READ_LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            // Taken, unsupported here, or waited long enough: read anyway.
            _ => return,
        }
    }
}

/// Reads `input` (stdin, where a pipe is legitimate) to its end, giving up
/// after `max` bytes or once `deadline` has passed with no end of input.
/// The read runs on a helper thread, so a writer that never closes its end
/// cannot hang the caller; on a timeout that thread is left blocked (the
/// process is about to report the error and exit). `what` names the input
/// in errors (`stdin`).
pub fn read_pipe_limited<R: io::Read + Send + 'static>(
    input: R,
    max: u64,
    deadline: Duration,
    what: &str,
) -> io::Result<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = io::Read::read_to_end(&mut input.take(max.saturating_add(1)), &mut buf);
        let _ = tx.send(r.map(|_| buf));
    });
    match rx.recv_timeout(deadline) {
        Ok(Ok(buf)) if buf.len() as u64 > max => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{what} holds more than {max} bytes; expected a short value"),
        )),
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "{what} did not end within {} s; expected input that ends (close the pipe)",
                deadline.as_secs()
            ),
        )),
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// `std::thread::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealSleep;

impl Sleep for RealSleep {
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// Randomness from the standard library's per-process hash keys mixed with
/// a counter: good enough for jitter, not for cryptography.
#[derive(Debug, Default)]
pub struct RealRandom(std::sync::atomic::AtomicU64);

impl Random for RealRandom {
    fn randint(&self, lo: u64, hi: u64) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        if hi <= lo {
            return lo;
        }
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n);
        lo + h.finish() % (hi - lo + 1)
    }
}

/// A sleep that returns at once and remembers what it was asked, for tests.
#[derive(Debug, Default)]
pub struct RecordingSleep(std::sync::Mutex<Vec<Duration>>);

impl RecordingSleep {
    /// Every sleep requested so far.
    pub fn calls(&self) -> Vec<Duration> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Sleep for RecordingSleep {
    fn sleep(&self, d: Duration) {
        if let Ok(mut v) = self.0.lock() {
            v.push(d);
        }
    }
}

/// Always the same number (clamped into range), for tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedRandom(pub u64);

impl Random for FixedRandom {
    fn randint(&self, lo: u64, hi: u64) -> u64 {
        self.0.clamp(lo, hi.max(lo))
    }
}

/// An environment backed by a map, for tests and embedding.
///
/// `Debug` shows the names only: the values may be secrets
/// (`AWS_SECRET_ACCESS_KEY`).
#[derive(Clone, Default)]
pub struct MapEnv(pub BTreeMap<String, String>);

impl fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MapEnv")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl MapEnv {
    /// Builds an environment from `(name, value)` pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> MapEnv {
        MapEnv(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl Env for MapEnv {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn vars_os(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        self.0.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }
}

/// Another environment with some variables set on top, for the children of
/// this process (`_AWS_CLI_PROFILE_CHAIN` for a `credential_process` helper)
/// without changing the process's own environment.
pub struct OverlayEnv {
    /// The environment underneath.
    pub base: Arc<dyn Env>,
    /// Variables that replace or add to `base`'s.
    pub set: BTreeMap<String, String>,
}

impl Env for OverlayEnv {
    fn get(&self, key: &str) -> Option<String> {
        self.set.get(key).cloned().or_else(|| self.base.get(key))
    }
    fn get_os(&self, key: &str) -> Option<std::ffi::OsString> {
        match self.set.get(key) {
            Some(v) => Some(v.into()),
            None => self.base.get_os(key),
        }
    }
    fn fallback_home(&self) -> Option<PathBuf> {
        self.base.fallback_home()
    }
    fn vars_os(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        let mut v: Vec<_> = self
            .base
            .vars_os()
            .into_iter()
            .filter(|(k, _)| k.to_str().is_none_or(|k| !self.set.contains_key(k)))
            .collect();
        v.extend(self.set.iter().map(|(k, v)| (k.into(), v.into())));
        v
    }
}

/// An in-memory filesystem, for tests.
///
/// `Debug` shows paths and sizes only: the files are credentials files.
#[derive(Clone, Default)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Option<Vec<u8>>>,
}

impl fmt::Debug for MemFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.files
                    .iter()
                    .map(|(p, b)| (p, b.as_ref().map(Vec::len))),
            )
            .finish()
    }
}

impl MemFs {
    /// An empty filesystem.
    pub fn new() -> MemFs {
        MemFs::default()
    }
    /// Adds a file.
    #[must_use]
    pub fn with_file(mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> MemFs {
        self.files.insert(path.into(), Some(contents.into()));
        self
    }
    /// Adds a directory.
    #[must_use]
    pub fn with_dir(mut self, path: impl Into<PathBuf>) -> MemFs {
        self.files.insert(path.into(), None);
        self
    }
}

impl Fs for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(Some(b)) => Ok(b.clone()),
            Some(None) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "not found")),
        }
    }
    fn file_type(&self, path: &Path) -> Option<FileType> {
        self.files.get(path).map(|f| match f {
            Some(_) => FileType::File,
            None => FileType::Dir,
        })
    }
    fn len(&self, path: &Path) -> Option<u64> {
        match self.files.get(path) {
            Some(Some(b)) => Some(b.len() as u64),
            _ => None,
        }
    }
}

/// A clock stuck at one instant, for tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// What a child's stderr is connected to ([`run_child`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildStderr {
    /// Read into [`ChildOutput::stderr`] (size-capped).
    Capture,
    /// This process's own stderr: the user sees the child's prompts.
    Inherit,
}

/// How to run a child process ([`run_child`]).
///
/// `Debug` is written by hand: the environment may hold
/// `AWS_SECRET_ACCESS_KEY` or a session token, so only the variable names
/// are shown, and the arguments (which may carry a secret too) are counted.
pub struct ChildSpec<'a> {
    /// Program and arguments; the program is looked up in `env`'s `PATH`
    /// when it holds no `/`, as Python's `subprocess` does.
    pub argv: &'a [String],
    /// The child's whole environment.
    pub env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    /// Give the child this process's stdin (else `/dev/null`).
    pub inherit_stdin: bool,
    /// Where the child's stderr goes.
    pub stderr: ChildStderr,
    /// How long the child may run before it is killed.
    pub timeout: Duration,
    /// The most bytes read from stdout, and from a captured stderr; a child
    /// writing more is killed.
    pub max_output: u64,
}

impl fmt::Debug for ChildSpec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.env.iter().map(|(k, _)| k).collect();
        f.debug_struct("ChildSpec")
            .field("program", &self.argv.first())
            .field("args", &self.argv.len().saturating_sub(1))
            .field("env_names", &names)
            .field("inherit_stdin", &self.inherit_stdin)
            .field("stderr", &self.stderr)
            .field("timeout", &self.timeout)
            .field("max_output", &self.max_output)
            .finish()
    }
}

/// A child that ran to its end ([`run_child`]).
///
/// `Debug` shows only the sizes of the output: a `credential_process`
/// writes its secret key to stdout.
pub struct ChildOutput {
    /// Exit code, or `-N` for a child killed by signal `N` (Python's
    /// `returncode`).
    pub returncode: i32,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr, or `None` when it was inherited.
    pub stderr: Option<Vec<u8>>,
}

impl fmt::Debug for ChildOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildOutput")
            .field("returncode", &self.returncode)
            .field("stdout_bytes", &self.stdout.len())
            .field("stderr_bytes", &self.stderr.as_ref().map(Vec::len))
            .finish()
    }
}

/// Why [`run_child`] has no [`ChildOutput`].
#[derive(Debug)]
pub enum ChildError {
    /// The program could not be started (not found, not executable...).
    Spawn(io::Error),
    /// It ran past [`ChildSpec::timeout`] and was killed.
    TimedOut,
    /// It wrote more than [`ChildSpec::max_output`] bytes to this stream
    /// (`stdout` / `stderr`) and was killed.
    TooLarge(&'static str),
    /// Reading its output or waiting for it failed.
    Io(io::Error),
}

/// Runs a program without a shell, waits for it at most
/// [`ChildSpec::timeout`] (then kills it), and returns its exit status and
/// output. stdout (and a captured stderr) are read on helper threads so a
/// child filling one pipe cannot block on the other; a child that writes
/// more than [`ChildSpec::max_output`] bytes is killed.
///
/// # Errors
/// [`ChildError`]: the program could not be started, timed out, wrote too
/// much, or its pipes failed.
pub fn run_child(spec: &ChildSpec<'_>) -> Result<ChildOutput, ChildError> {
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    let Some((program, args)) = spec.argv.split_first() else {
        return Err(ChildError::Spawn(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no program to run",
        )));
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(if spec.inherit_stdin {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(match spec.stderr {
            ChildStderr::Capture => Stdio::piped(),
            ChildStderr::Inherit => Stdio::inherit(),
        });
    let mut child = cmd.spawn().map_err(ChildError::Spawn)?;
    let (tx, rx) = mpsc::channel::<(&'static str, io::Result<Vec<u8>>)>();
    let mut pending = 0;
    let max = spec.max_output;
    let readers: [(&'static str, Option<Box<dyn io::Read + Send>>); 2] = [
        (
            "stdout",
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn io::Read + Send>),
        ),
        (
            "stderr",
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn io::Read + Send>),
        ),
    ];
    for (name, pipe) in readers {
        let Some(pipe) = pipe else { continue };
        pending += 1;
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let r =
                io::Read::read_to_end(&mut io::Read::take(pipe, max.saturating_add(1)), &mut buf);
            let _ = tx.send((name, r.map(|_| buf)));
        });
    }
    drop(tx);
    let deadline = std::time::Instant::now() + spec.timeout;
    let (mut stdout, mut stderr) = (Vec::new(), None);
    let mut failure = None;
    while pending > 0 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok((name, Ok(buf))) => {
                pending -= 1;
                if buf.len() as u64 > max {
                    failure = Some(ChildError::TooLarge(name));
                    break;
                }
                if name == "stdout" {
                    stdout = buf;
                } else {
                    stderr = Some(buf);
                }
            }
            Ok((_, Err(e))) => {
                failure = Some(ChildError::Io(e));
                break;
            }
            Err(_) => {
                failure = Some(ChildError::TimedOut);
                break;
            }
        }
    }
    // Both pipes closed: the child has exited or is about to (or a
    // grandchild holds them, which the deadline still bounds).
    while failure.is_none() {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Ok(ChildOutput {
                    returncode: returncode(status),
                    stdout,
                    stderr,
                });
            }
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(None) => failure = Some(ChildError::TimedOut),
            Err(e) => failure = Some(ChildError::Io(e)),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(failure.unwrap_or(ChildError::TimedOut))
}

/// Python's `Popen.returncode`: the exit code, or minus the signal number.
fn returncode(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return -sig;
        }
    }
    status.code().unwrap_or(-1)
}

/// Whether this process's stderr is a terminal (a helper's prompts should
/// then reach the user).
pub fn stderr_is_terminal() -> bool {
    io::IsTerminal::is_terminal(&io::stderr())
}

/// Whether this process's stdin is a terminal.
pub fn stdin_is_terminal() -> bool {
    io::IsTerminal::is_terminal(&io::stdin())
}

/// Opens the terminal at `path` (`/dev/tty`: this process's controlling
/// terminal) for reading and writing, as Python's `getpass` does
/// (`O_RDWR | O_NOCTTY`: opening it never makes it the controlling
/// terminal). Fails with the OS error when there is none (`ENXIO` for a
/// process without a controlling terminal) and with `InvalidInput` when
/// `path` is not a terminal.
///
/// # Errors
/// As above.
pub fn open_terminal(path: &Path) -> io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        #[allow(clippy::cast_possible_wrap)] // Small positive flag bits.
        opts.custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32);
    }
    let file = opts.open(path)?;
    if !io::IsTerminal::is_terminal(&file) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a terminal", path.display()),
        ));
    }
    Ok(file)
}

/// A terminal's echo switched off until this is dropped, so the old mode
/// comes back on every path out of a prompt: an answer, an error, a panic.
///
/// A signal that ends the process skips `Drop`. Python does not have that
/// gap: SIGINT becomes `KeyboardInterrupt` and `getpass`'s `finally`
/// restores the terminal. So while it is alive the saved mode is also held
/// in a process-wide list that [`restore_terminals_for_exit`] restores from
/// any thread: a program's SIGINT/SIGTERM handler or stop path calls it
/// before the process ends (the `credchain` CLI does; without a handler
/// the default action kills the process with echo off, and a shell leaves
/// it off).
#[cfg(unix)]
pub struct EchoOff<'a> {
    tty: std::os::fd::BorrowedFd<'a>,
    saved: rustix::termios::Termios,
    /// Its entry in [`QUIETED`].
    id: u64,
}

/// A terminal an [`EchoOff`] holds quiet: a descriptor of its own (the
/// guard's is borrowed) and the mode to put back.
#[cfg(unix)]
struct Quieted {
    id: u64,
    tty: std::os::fd::OwnedFd,
    saved: rustix::termios::Termios,
}

/// The terminals whose echo is off now, oldest first, and whether the
/// process is exiting ([`restore_terminals_for_exit`] ran: echo then stays
/// on). One lock orders switching off, restoring and the exit's restore,
/// so no mode is switched off after the exit's restore.
#[cfg(unix)]
static QUIETED: std::sync::Mutex<(bool, Vec<Quieted>)> = std::sync::Mutex::new((false, Vec::new()));

#[cfg(unix)]
fn quieted() -> std::sync::MutexGuard<'static, (bool, Vec<Quieted>)> {
    QUIETED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(unix)]
impl<'a> EchoOff<'a> {
    /// Switches echo off on `tty` (`ECHO` cleared in the local modes, at
    /// once: type-ahead is kept, where `getpass` flushes it).
    ///
    /// # Errors
    /// `tty` is not a terminal (`ENOTTY`), the mode cannot be set, or the
    /// process is exiting (`Interrupted`: [`restore_terminals_for_exit`]
    /// ran, echo stays on).
    pub fn new(tty: &'a impl std::os::fd::AsFd) -> io::Result<EchoOff<'a>> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tty = tty.as_fd();
        let saved = tcgetattr(tty)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        let own = tty.try_clone_to_owned()?;
        let mut list = quieted();
        if list.0 {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "the process is exiting: the terminal's echo is left on",
            ));
        }
        tcsetattr(tty, OptionalActions::Now, &quiet)?;
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        list.1.push(Quieted {
            id,
            tty: own,
            saved: saved.clone(),
        });
        Ok(EchoOff { tty, saved, id })
    }
}

/// Puts back the mode of every terminal an [`EchoOff`] holds quiet (newest
/// first, so the oldest saved mode wins), for a process about to end on
/// SIGINT/SIGTERM: call it from the signal handling thread or stop path,
/// never from a signal handler (it takes a lock). From then on
/// [`EchoOff::new`] fails, so no prompt switches echo off again before the
/// exit. Does nothing where echo is on.
pub fn restore_terminals_for_exit() {
    #[cfg(unix)]
    {
        let mut list = quieted();
        list.0 = true;
        restore_quieted(&list.1, |_| true);
    }
}

/// [`restore_terminals_for_exit`]'s restore without the exit, only for the
/// terminal `tty` is open on (tests run side by side on their own ptys).
#[cfg(all(unix, test))]
pub(crate) fn restore_terminal_now(tty: &impl std::os::fd::AsFd) {
    use std::os::fd::AsFd as _;
    let rdev = |fd: std::os::fd::BorrowedFd<'_>| rustix::fs::fstat(fd).map(|st| st.st_rdev).ok();
    let want = rdev(tty.as_fd());
    restore_quieted(&quieted().1, |q| {
        want.is_some() && rdev(q.tty.as_fd()) == want
    });
}

#[cfg(unix)]
fn restore_quieted(list: &[Quieted], which: impl Fn(&Quieted) -> bool) {
    for q in list.iter().rev().filter(|q| which(q)) {
        let _ = rustix::termios::tcsetattr(&q.tty, rustix::termios::OptionalActions::Now, &q.saved);
    }
}

#[cfg(unix)]
impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let mut list = quieted();
        list.1.retain(|q| q.id != self.id);
        let _ = rustix::termios::tcsetattr(
            self.tty,
            rustix::termios::OptionalActions::Now,
            &self.saved,
        );
    }
}

#[cfg(unix)]
impl fmt::Debug for EchoOff<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EchoOff").finish_non_exhaustive()
    }
}

/// Without termios there is no echo to switch off.
#[cfg(not(unix))]
#[derive(Debug)]
pub struct EchoOff;

#[cfg(not(unix))]
impl EchoOff {
    /// Does nothing.
    ///
    /// # Errors
    /// None; the signature is the Unix one's.
    #[allow(clippy::unnecessary_wraps)] // Same signature as the Unix one.
    pub fn new<T>(_: &T) -> io::Result<EchoOff> {
        Ok(EchoOff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debug output may reach logs: the child's environment and output
    /// (secret keys) never appear in it, only names and sizes.
    #[test]
    fn child_debug_hides_env_values_and_output() {
        let argv = ["helper".to_owned(), "--token=arg-secret".to_owned()];
        let spec = ChildSpec {
            argv: &argv,
            env: vec![("AWS_SECRET_ACCESS_KEY".into(), "env-secret".into())],
            inherit_stdin: false,
            stderr: ChildStderr::Capture,
            timeout: Duration::from_secs(1),
            max_output: 10,
        };
        let dbg = format!("{spec:?}");
        assert!(
            dbg.contains("AWS_SECRET_ACCESS_KEY") && dbg.contains("helper"),
            "{dbg}"
        );
        assert!(
            !dbg.contains("env-secret") && !dbg.contains("arg-secret"),
            "{dbg}"
        );
        let out = ChildOutput {
            returncode: 0,
            stdout: br#"{"SecretAccessKey": "out-secret"}"#.to_vec(),
            stderr: Some(b"err-secret".to_vec()),
        };
        let dbg = format!("{out:?}");
        assert!(
            !dbg.contains("out-secret") && !dbg.contains("err-secret"),
            "{dbg}"
        );
        let env = MapEnv::from_pairs([("AWS_SECRET_ACCESS_KEY", "map-secret")]);
        let dbg = format!("{env:?}");
        assert!(
            dbg.contains("AWS_SECRET_ACCESS_KEY") && !dbg.contains("map-secret"),
            "{dbg}"
        );
        let fs =
            MemFs::default().with_file("/h/.aws/credentials", "aws_secret_access_key = fs-secret");
        let dbg = format!("{fs:?}");
        assert!(
            dbg.contains("credentials") && !dbg.contains("fs-secret"),
            "{dbg}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn reads_wait_for_an_in_place_writer_holding_the_lock() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config");
        std::fs::write(&path, "old").expect("write");
        let writer = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        fs4::FileExt::lock(&writer).expect("lock");
        std::thread::scope(|s| {
            let reader = s.spawn(|| read_limited(&path, 1024).expect("read"));
            std::thread::sleep(Duration::from_millis(100));
            // Torn on purpose: a reader that did not wait would see this.
            std::os::unix::fs::FileExt::write_all_at(&writer, b"ne", 0).expect("write");
            std::thread::sleep(Duration::from_millis(50));
            std::os::unix::fs::FileExt::write_all_at(&writer, b"new!", 0).expect("write");
            fs4::FileExt::unlock(&writer).expect("unlock");
            assert_eq!(reader.join().expect("join"), b"new!");
        });
    }

    #[test]
    fn an_overlay_replaces_and_adds_variables_for_children() {
        let base = MapEnv::from_pairs([("PATH", "/bin"), ("X", "old")]);
        let env = OverlayEnv {
            base: Arc::new(base),
            set: [
                ("X".to_owned(), "new".to_owned()),
                ("Y".to_owned(), "y".to_owned()),
            ]
            .into(),
        };
        assert_eq!(
            (env.get("X"), env.get("PATH")),
            (Some("new".into()), Some("/bin".into()))
        );
        let mut vars = env.vars_os();
        vars.sort();
        assert_eq!(
            vars,
            [
                ("PATH".into(), "/bin".into()),
                ("X".into(), "new".into()),
                ("Y".into(), "y".into())
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_regular_files_and_oversized_ones_are_refused() {
        let e = read_limited(Path::new("/dev/zero"), 1024).expect_err("device");
        assert!(e.to_string().contains("/dev/zero"), "{e}");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("big");
        std::fs::write(&path, [b'x'; 2048]).expect("write");
        let e = read_limited(&path, 1024).expect_err("too big");
        assert!(e.to_string().contains("larger than 1024 bytes"), "{e}");
        let e = read_pipe_limited(io::repeat(0), 1000, Duration::from_secs(10), "stdin")
            .expect_err("endless");
        assert!(e.to_string().contains("more than 1000 bytes"), "{e}");
    }
}
