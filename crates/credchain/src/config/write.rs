//! Safe, format-preserving writes to the shared config and credentials
//! files: what `aws configure set` / `aws configure` do, without ever losing
//! a byte or an update.
//!
//! One write is: take a cross-process lock → read → parse (a file that does
//! not parse is never rewritten) → apply [`Edit`]s with `credchain-ini`'s
//! format-preserving editor → if nothing changed, stop → write a temp file in
//! the same directory, fsync it, give it the old file's owner, group and
//! mode (0600 for a new file) → rename it over the file → fsync the
//! directory → release the lock.
//!
//! * The rename makes the update atomic: a reader, or a writer killed at any
//!   instant, sees the old or the new file, never a torn one. Where a rename
//!   is impossible (a bind-mounted file, a read-only directory, an owner
//!   that cannot be kept) the file is rewritten in place under the lock
//!   instead ([`WriteMode`]); credchain's readers take a shared lock, so
//!   they never see it half-written.
//! * The lock ([`crate::filelock::FileLock::lock_open`]: an `flock` on the
//!   file itself, re-checked after locking, so no lock file exists) bounds
//!   its wait and serialises the read-modify-write, so concurrent writers
//!   never lose each other's updates.
//!   It is advisory: editors and the AWS CLI do not take it.
//!
//! Unlike reads, which go through [`crate::os::Fs`] so they can be faked,
//! writes use `std::fs` directly: atomic replacement and locking are only
//! meaningful against a real filesystem, and the tests exercise it with real
//! temp directories and processes.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use credchain_ini::{Document, EditError};

use super::{FileKind, MAX_FILE_SIZE, decode_utf8, parse_section_name, paths};
use crate::os::{Env, Fs};
use crate::shlex;

/// The keys `aws configure set` writes to the credentials file; everything
/// else goes to the config file (P-CLI-5).
pub const CREDENTIAL_FILE_KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// Which section an edit is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A section by its exact header text: credentials-file profiles (named
    /// verbatim, P-CFG-6) and config sections such as `[preview]`.
    Section(String),
    /// A config-file profile. Resolved under the lock to the section botocore
    /// reads for it: `[default]`, or `[profile NAME]` in any spelling botocore
    /// accepts (`[profile "a b"]`, `[profile  x]`), the last one when several
    /// map to the name (botocore keeps the last). Only when there is none is
    /// a new `[profile NAME]` (see [`config_section`]) appended, so an edit
    /// never adds a section that would shadow the existing one.
    Profile(String),
    /// `[sso-session NAME]` or `[services NAME]` (the prefix), matched the
    /// same way.
    Prefixed {
        /// `sso-session` or `services`.
        prefix: String,
        /// The name.
        name: String,
    },
}

impl Target {
    /// The header text of the section botocore reads for this target in
    /// `doc`, if there is one.
    fn existing(&self, doc: &Document) -> Result<Option<String>, EditError> {
        doc.check().map_err(EditError::Unparseable)?;
        let mut names = doc.section_names();
        Ok(match self {
            Target::Section(name) => names.find(|n| n == name).map(str::to_owned),
            // botocore's build_profile_map: a key starting with `profile` is
            // shlex-split into two tokens; `default` counts as itself.
            Target::Profile(p) => names
                .rfind(|n| {
                    if n.starts_with("profile") {
                        parse_section_name(n).as_deref() == Some(p.as_str())
                    } else {
                        *n == "default" && p == "default"
                    }
                })
                .map(str::to_owned),
            Target::Prefixed { prefix, name } => names
                .rfind(|n| {
                    !n.starts_with("profile")
                        && (prefix != "services" || !n.starts_with("sso-session"))
                        && n.starts_with(prefix.as_str())
                        && parse_section_name(n).as_deref() == Some(name.as_str())
                })
                .map(str::to_owned),
        })
    }

    /// The header text for a new section.
    fn new_section(&self) -> String {
        match self {
            Target::Section(name) => name.clone(),
            Target::Profile(p) => config_section(p),
            Target::Prefixed { prefix, name } => prefixed_section(prefix, name),
        }
    }
}

/// One change to a file. Values are never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum Edit {
    /// `key = value` in the target section (created if needed).
    Set {
        /// The section.
        target: Target,
        /// Option name.
        key: String,
        /// The value.
        value: String,
    },
    /// `key =` / `    sub = value` (a nested block) in the target section.
    SetNested {
        /// The section.
        target: Target,
        /// The block's option name (`s3`).
        key: String,
        /// The sub-key (`addressing_style`).
        sub: String,
        /// The value.
        value: String,
    },
    /// Removes `key` and its lines from the target section.
    Remove {
        /// The section.
        target: Target,
        /// Option name.
        key: String,
    },
    /// Removes `sub` from the nested block `key` of the target section.
    RemoveNested {
        /// The section.
        target: Target,
        /// The block's option name.
        key: String,
        /// The sub-key.
        sub: String,
    },
}

impl fmt::Debug for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show where the edit goes, not what it writes.
        match self {
            Edit::Set { target, key, .. } => write!(f, "Set({target:?} {key} = <value>)"),
            Edit::SetNested {
                target, key, sub, ..
            } => write!(f, "SetNested({target:?} {key}.{sub} = <value>)"),
            Edit::Remove { target, key } => write!(f, "Remove({target:?} {key})"),
            Edit::RemoveNested { target, key, sub } => {
                write!(f, "RemoveNested({target:?} {key}.{sub})")
            }
        }
    }
}

impl Edit {
    fn apply(&self, doc: &mut Document) -> Result<bool, EditError> {
        let (Edit::Set { target, .. }
        | Edit::SetNested { target, .. }
        | Edit::Remove { target, .. }
        | Edit::RemoveNested { target, .. }) = self;
        let existing = target.existing(doc)?;
        match self {
            Edit::Set { key, value, .. } => {
                let section = existing.unwrap_or_else(|| target.new_section());
                doc.set(&section, key, value)
            }
            Edit::SetNested {
                key, sub, value, ..
            } => {
                let section = existing.unwrap_or_else(|| target.new_section());
                doc.set_nested(&section, key, sub, value)
            }
            Edit::Remove { key, .. } => match existing {
                Some(section) => doc.remove(&section, key),
                None => Ok(false),
            },
            Edit::RemoveNested { key, sub, .. } => match existing {
                Some(section) => doc.remove_nested(&section, key, sub),
                None => Ok(false),
            },
        }
    }
}

/// Why a write failed. The file is unchanged whenever this is returned.
/// Messages name files, lines, sections and keys, never values.
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteError {
    /// A filesystem operation failed.
    Io {
        /// What was being done (`reading`, `locking`, ...).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The file exists but configparser would reject it, so it is not
    /// rewritten.
    Parse {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What was expected there.
        detail: String,
    },
    /// The file is not something that can be rewritten in place (a
    /// directory, a device, or larger than [`MAX_FILE_SIZE`]).
    NotAFile {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The edit itself was refused (bad name, newline in a value, or a change
    /// that would alter how other lines read).
    Edit {
        /// The file.
        path: PathBuf,
        /// Why.
        error: EditError,
    },
    /// The file's lock could not be taken (another writer held it past the
    /// timeout).
    Lock {
        /// Why.
        error: crate::filelock::LockError,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Io {
                action,
                path,
                source,
            } => write!(f, "{action} {}: {source}", path.display()),
            WriteError::Parse { path, line, detail } => write!(
                f,
                "{}:{line}: {detail}; the file was not changed (fix it, then retry)",
                path.display()
            ),
            WriteError::NotAFile { path, detail } => {
                write!(f, "{}: {detail}; not writing it", path.display())
            }
            WriteError::Edit { path, error } => write!(f, "{}: {error}", path.display()),
            WriteError::Lock { error } => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Io { source, .. } => Some(source),
            WriteError::Edit { error, .. } => Some(error),
            WriteError::Lock { error } => Some(error),
            _ => None,
        }
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> WriteError + 'a {
    move |source| WriteError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// The config-file section for a profile: `default` stays `default` (AWS CLI
/// v2; v1 wrote `[profile default]`, P-CLI-3), others are `profile NAME`. A
/// name that botocore's `shlex.split` would not read back as one token
/// (spaces, tabs, quotes) is shlex-quoted: `profile 'my prof'`. The AWS CLI
/// quotes only names with spaces or tabs; quoting the others too keeps them
/// readable instead of dropped.
pub fn config_section(profile: &str) -> String {
    if profile == "default" {
        return "default".into();
    }
    prefixed_section("profile", profile)
}

/// A prefixed config-file section such as `sso-session NAME` or `services
/// NAME`, quoted like [`config_section`].
pub fn prefixed_section(prefix: &str, name: &str) -> String {
    let plain = format!("{prefix} {name}");
    match shlex::split(&plain) {
        Ok(parts) if parts.len() == 2 && parts[1] == name => plain,
        _ => format!("{prefix} {}", shlex::quote(name)),
    }
}

/// Where the shared files are, resolved as the readers resolve them
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `~` and `$VAR`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWriter {
    config: PathBuf,
    credentials: PathBuf,
}

impl ConfigWriter {
    /// The files the given environment points at. Paths are taken as the
    /// OS gives them (a non-UTF-8 `AWS_CONFIG_FILE` is used byte for byte).
    pub fn new(env: &dyn Env, fs: &dyn Fs) -> ConfigWriter {
        ConfigWriter {
            config: paths::expand_os(&super::config_file_setting_os(env), env, fs),
            credentials: paths::expand_os(&super::credentials_file_setting_os(env), env, fs),
        }
    }

    /// Explicit paths.
    pub fn with_paths(config: PathBuf, credentials: PathBuf) -> ConfigWriter {
        ConfigWriter {
            config,
            credentials,
        }
    }

    /// The path of one file.
    pub fn path(&self, kind: FileKind) -> &Path {
        match kind {
            FileKind::Config => &self.config,
            FileKind::Credentials => &self.credentials,
        }
    }

    /// Applies `edits` in order to one file under its lock, and writes it
    /// only if its text changed. Returns whether it was written.
    pub fn update(&self, kind: FileKind, edits: &[Edit]) -> Result<bool, WriteError> {
        update_file(self.path(kind), edits)
    }

    /// [`update_file_using`] on one of the files.
    pub fn update_using(
        &self,
        kind: FileKind,
        opts: &WriteOptions<'_>,
        edit: &mut dyn FnMut(&mut Document) -> Result<bool, EditError>,
    ) -> Result<WriteReport, WriteError> {
        update_file_using(self.path(kind), opts, edit)
    }

    /// The file's current text as a write would start from it (`""` when
    /// it is missing), read without the lock: for previews (`--dry-run`),
    /// never for a read-modify-write. A file that is not a regular file,
    /// is too large, or is not UTF-8 is an error, as for a write.
    pub fn current_text(&self, kind: FileKind) -> Result<String, WriteError> {
        let (target, _) = resolve_target(self.path(kind))?;
        let mut opts = OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // A FIFO is never waited on.
            opts.custom_flags(crate::os::nonblock_flags());
        }
        match opts.open(&target) {
            Ok(file) => read_locked(&file, &target).map(|(text, _)| text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(io_err("opening", &target)(e)),
        }
    }

    /// [`ConfigWriter::update`] with a lock timeout and wait notice, saying
    /// how the file was written.
    pub fn update_with(
        &self,
        kind: FileKind,
        edits: &[Edit],
        opts: &WriteOptions<'_>,
    ) -> Result<WriteReport, WriteError> {
        update_file_with(self.path(kind), edits, opts)
    }
}

/// How a write reached the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// A temp file renamed over the file: readers see the old or the new
    /// text, even if the writer is killed.
    Atomic,
    /// The file rewritten in place under the lock, because a rename was
    /// impossible (a bind-mounted file, a read-only directory, a file owned
    /// by someone whose ownership a rename would take away).
    InPlace,
}

/// What an update did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteReport {
    /// The file written (symlinks resolved).
    pub path: PathBuf,
    /// `None` when nothing changed and nothing was written.
    pub mode: Option<WriteMode>,
    /// Why an atomic rename was not possible, when [`WriteMode::InPlace`].
    pub fallback_reason: Option<String>,
}

impl WriteReport {
    /// Whether the file was written.
    pub fn written(&self) -> bool {
        self.mode.is_some()
    }
    /// One line for `--debug`.
    pub fn describe(&self) -> String {
        match (self.mode, &self.fallback_reason) {
            (None, _) => format!("{}: unchanged, not written", self.path.display()),
            (Some(WriteMode::Atomic), _) => format!(
                "{}: written atomically (temp file + rename)",
                self.path.display()
            ),
            (Some(WriteMode::InPlace), reason) => format!(
                "{}: written in place under the lock ({})",
                self.path.display(),
                reason.as_deref().unwrap_or("rename impossible")
            ),
        }
    }
}

/// The rename used to replace a file; swapped by tests to simulate a
/// bind-mounted file (`EBUSY`).
pub type RenameFn = fn(&Path, &Path) -> io::Result<()>;

/// How to write.
pub struct WriteOptions<'a> {
    /// The longest wait for another writer's lock.
    pub lock_timeout: std::time::Duration,
    /// Told once when the lock is taken by another process.
    pub notice: &'a dyn Fn(&str),
    /// Replaces `temp` by renaming it over `target`.
    pub rename: RenameFn,
}

impl Default for WriteOptions<'_> {
    fn default() -> Self {
        WriteOptions {
            lock_timeout: crate::filelock::DEFAULT_TIMEOUT,
            notice: &|_| {},
            rename: |from, to| fs::rename(from, to),
        }
    }
}

impl fmt::Debug for WriteOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteOptions")
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// Applies `edits` to the file at `path` safely (see the module docs).
/// A missing file (and missing parent directories, mode 0700) is created;
/// with no effective change nothing is created or written.
pub fn update_file(path: &Path, edits: &[Edit]) -> Result<bool, WriteError> {
    update_file_with(path, edits, &WriteOptions::default()).map(|r| r.written())
}

/// [`update_file`] with options, reporting how the file was written.
pub fn update_file_with(
    path: &Path,
    edits: &[Edit],
    opts: &WriteOptions<'_>,
) -> Result<WriteReport, WriteError> {
    update_file_using(path, opts, &mut |doc| {
        let mut changed = false;
        for e in edits {
            changed |= e.apply(doc)?;
        }
        Ok(changed)
    })
}

/// [`update_file_with`] for edits decided from the file's current text:
/// `edit` runs under the lock on the parsed document (and, when the file
/// is missing, first on an empty one to learn whether anything would be
/// written) and says whether it changed it. One lock, one read, one
/// write, however many sections it touches.
pub fn update_file_using(
    path: &Path,
    opts: &WriteOptions<'_>,
    edit: &mut dyn FnMut(&mut Document) -> Result<bool, EditError>,
) -> Result<WriteReport, WriteError> {
    // Edit the file a symlink points at, as the AWS CLI's in-place write
    // does, rather than replacing the link; a dangling link's target is
    // created, as the AWS CLI creates it.
    let (target, via_link) = resolve_target(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .ok_or_else(|| WriteError::NotAFile {
            path: target.clone(),
            detail: "the path names a directory".into(),
        })?;
    let unchanged = WriteReport {
        path: target.clone(),
        mode: None,
        fallback_reason: None,
    };
    if fs::symlink_metadata(&target).is_err() {
        // Only create anything when something will be written: check the
        // edits against an empty file first.
        let mut probe = Document::parse("");
        let changed = edit(&mut probe).map_err(|error| WriteError::Edit {
            path: target.clone(),
            error,
        })?;
        if !changed {
            return Ok(unchanged);
        }
        // A link into a missing directory fails as the AWS CLI's does;
        // only our own default layout gets its directories made.
        if !via_link && !dir.exists() {
            crate::filelock::create_private_dir(&dir)
                .map_err(io_err("creating directory", &dir))?;
        }
    }
    let what = format!("writing {}", path.display());
    let started = std::time::Instant::now();
    let lock = loop {
        let file = open_or_create(&target)?;
        let wait = crate::filelock::LockWait {
            timeout: opts.lock_timeout.saturating_sub(started.elapsed()),
            what: what.clone(),
            notice: opts.notice,
        };
        let lock = crate::filelock::FileLock::lock_open(file, &target, &wait)
            .map_err(|error| WriteError::Lock { error })?;
        // A writer before us may have renamed a new file over the one we
        // locked; then lock that one.
        if crate::filelock::same_file(lock.file(), &target) {
            break lock;
        }
    };
    remove_stale_temps(&dir, &name);
    remove_legacy_lock_file(&dir, &name);
    let (old, meta) = read_locked(lock.file(), &target)?;
    let mut doc = Document::parse(&old);
    if let Err(d) = doc.check() {
        return Err(WriteError::Parse {
            path: target,
            line: d.line(),
            detail: d.message(),
        });
    }
    let changed = edit(&mut doc).map_err(|error| WriteError::Edit {
        path: target.clone(),
        error,
    })?;
    if !changed {
        return Ok(unchanged);
    }
    // The edited text itself, not a copy: a 60 MB file is held as the old
    // text and the new one.
    let new = doc.into_string();
    if new == old {
        return Ok(unchanged);
    }
    let (mode, fallback_reason) =
        match replace_atomic(&dir, &name, &target, new.as_bytes(), &meta, opts.rename)? {
            None => (WriteMode::Atomic, None),
            Some(reason) => {
                replace_in_place(lock.file(), &target, new.as_bytes(), old.as_bytes())?;
                (WriteMode::InPlace, Some(reason))
            }
        };
    drop(lock);
    Ok(WriteReport {
        path: target,
        mode: Some(mode),
        fallback_reason,
    })
}

/// The file `path` finally names, following symlinks even when the last
/// one dangles, and whether a symlink was followed.
fn resolve_target(path: &Path) -> Result<(PathBuf, bool), WriteError> {
    match fs::canonicalize(path) {
        Ok(p) => return Ok((p, path_has_link(path))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("resolving", path)(e)),
    }
    let mut cur = path.to_owned();
    let mut via_link = false;
    // 40 hops, like the kernel's ELOOP limit.
    for _ in 0..40 {
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = fs::read_link(&cur).map_err(io_err("reading symlink", &cur))?;
                cur = match cur.parent() {
                    Some(d) if next.is_relative() => d.join(next),
                    _ => next,
                };
                via_link = true;
            }
            _ => return Ok((cur, via_link)),
        }
    }
    Err(WriteError::NotAFile {
        path: path.to_owned(),
        detail: "too many levels of symbolic links".into(),
    })
}

fn path_has_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Opens the target read-only for locking and reading, creating it (0600)
/// when missing. The name must not be a symlink (they were resolved), and
/// a FIFO is never waited on (`O_NONBLOCK`).
fn open_or_create(target: &Path) -> Result<File, WriteError> {
    loop {
        let mut opts = OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.custom_flags(crate::filelock::nofollow_flags() | crate::os::nonblock_flags());
        }
        match opts.open(target) {
            Ok(f) => return Ok(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("opening", target)(e)),
        }
        let mut create = OpenOptions::new();
        create.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            create
                .mode(0o600)
                .custom_flags(crate::filelock::nofollow_flags());
        }
        match create.open(target) {
            // Reopened read-only above on the next pass.
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("creating", target)(e)),
        }
    }
}

/// Temp files left by a writer that was killed before its rename. Only the
/// lock holder creates them, so while we hold the lock any that exist are
/// stale. Best effort: a leftover temp file is harmless.
fn remove_stale_temps(dir: &Path, name: &std::ffi::OsStr) {
    let mut prefix = b".".to_vec();
    prefix.extend_from_slice(name.as_encoded_bytes());
    prefix.push(b'.');
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let bytes = file.as_encoded_bytes();
        if bytes.starts_with(&prefix) && bytes.ends_with(b".credchain.tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Earlier credchain versions locked a permanent `.<name>.credchain.lock`
/// beside the file; writes now lock the file itself, so that side file is
/// litter. Best effort, and only a regular file of exactly that name (never
/// through a symlink). An old-version writer still holding it keeps its
/// own descriptor; old and new versions never excluded each other anyway.
fn remove_legacy_lock_file(dir: &Path, name: &std::ffi::OsStr) {
    let mut legacy = std::ffi::OsString::from(".");
    legacy.push(name);
    legacy.push(".credchain.lock");
    let path = dir.join(legacy);
    if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file()) {
        let _ = fs::remove_file(&path);
    }
}

/// The current text, read from the locked descriptor, and its metadata.
fn read_locked(file: &File, path: &Path) -> Result<(String, fs::Metadata), WriteError> {
    use std::io::Read as _;
    let meta = file.metadata().map_err(io_err("inspecting", path))?;
    if !meta.is_file() {
        return Err(WriteError::NotAFile {
            path: path.to_owned(),
            detail: "not a regular file".into(),
        });
    }
    let too_big = || WriteError::NotAFile {
        path: path.to_owned(),
        detail: format!("larger than {MAX_FILE_SIZE} bytes"),
    };
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The size can change after the check: never read past the cap.
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err("reading", path))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_big());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = decode_utf8(e.as_bytes()).err().unwrap_or(1);
        WriteError::Parse {
            path: path.to_owned(),
            line,
            detail: "not valid UTF-8; expected a UTF-8 text file".into(),
        }
    })?;
    Ok((text, meta))
}

/// Writes `bytes` to a temp file next to `target` with the old file's mode,
/// owner and group, fsyncs it, renames it over `target` and fsyncs the
/// directory. `Ok(Some(reason))` when a rename is impossible here (the
/// caller then writes in place); errors that an in-place write would hit
/// too (a full disk) are returned as errors.
fn replace_atomic(
    dir: &Path,
    name: &std::ffi::OsStr,
    target: &Path,
    bytes: &[u8],
    meta: &fs::Metadata,
    rename: RenameFn,
) -> Result<Option<String>, WriteError> {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut tmp = match tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".credchain.tmp")
        .tempfile_in(dir)
    {
        Ok(t) => t,
        Err(e) => {
            return Ok(Some(format!(
                "cannot create a temp file in {}: {e}",
                dir.display()
            )));
        }
    };
    let tmp_path = tmp.path().to_owned();
    tmp.write_all(bytes).map_err(io_err("writing", &tmp_path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mine = tmp
            .as_file()
            .metadata()
            .map_err(io_err("inspecting", &tmp_path))?;
        // Keep the owner: root editing a user's file must leave it the
        // user's. If we may not give it away, a rename would change the
        // owner, so write in place instead (the AWS CLI always does).
        if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid())
            && let Err(e) =
                std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()))
        {
            return Ok(Some(format!(
                "cannot give a new file owner {}:{}: {e}",
                meta.uid(),
                meta.gid()
            )));
        }
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(io_err("setting permissions on", &tmp_path))?;
    }
    #[cfg(not(unix))]
    let _ = meta;
    tmp.as_file()
        .sync_all()
        .map_err(io_err("syncing", &tmp_path))?;
    let tmp = tmp.into_temp_path();
    if let Err(e) = rename(&tmp, target) {
        // Dropping `tmp` removes the temp file.
        return Ok(Some(format!(
            "cannot rename over {}: {e}",
            target.display()
        )));
    }
    // Renamed: nothing of ours is left at the temp path to remove.
    let _ = tmp.keep();
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("syncing directory", dir))?;
    Ok(None)
}

/// Rewrites the locked file in place: the new bytes over the old, then the
/// length cut, then fsync. The inode, owner, mode and links stay. If a step
/// fails the old text is written back, so the file is never left torn when
/// the lock is released.
fn replace_in_place(
    locked: &File,
    target: &Path,
    new: &[u8],
    old: &[u8],
) -> Result<(), WriteError> {
    let mut opts = OpenOptions::new();
    opts.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(crate::filelock::nofollow_flags());
    }
    let file = opts
        .open(target)
        .map_err(io_err("opening for writing", target))?;
    if !same_inode(locked, &file) {
        return Err(WriteError::Io {
            action: "writing in place",
            path: target.to_owned(),
            source: io::Error::other("the file was replaced while locked"),
        });
    }
    let write = |bytes: &[u8]| -> io::Result<()> {
        write_all_at(&file, bytes)?;
        file.set_len(bytes.len() as u64)?;
        file.sync_all()
    };
    if let Err(e) = write(new) {
        let restored = write(old).is_ok();
        return Err(WriteError::Io {
            action: if restored {
                "writing in place (the old text was put back)"
            } else {
                "writing in place (putting the old text back failed too)"
            },
            path: target.to_owned(),
            source: e,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(a: &File, b: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &File, _: &File) -> bool {
    true
}

#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, 0)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(section: &str, key: &str, value: &str) -> Edit {
        Edit::Set {
            target: Target::Section(section.into()),
            key: key.into(),
            value: value.into(),
        }
    }

    fn apply(text: &str, edit: &Edit) -> String {
        let mut doc = Document::parse(text);
        edit.apply(&mut doc).expect("edit");
        doc.to_string()
    }

    #[test]
    fn profiles_resolve_to_the_section_botocore_reads() {
        let set_p = |p: &str| Edit::Set {
            target: Target::Profile(p.into()),
            key: "region".into(),
            value: "r".into(),
        };
        // Any spelling botocore maps to the profile is edited in place.
        assert_eq!(
            apply("[profile  \"a b\"]\n", &set_p("a b")),
            "[profile  \"a b\"]\nregion = r\n"
        );
        // Several map to it: botocore keeps the last, so that one is edited.
        assert_eq!(
            apply("[profile x]\n[profile  x]\n", &set_p("x")),
            "[profile x]\n[profile  x]\nregion = r\n"
        );
        // v1 wrote [profile default]; it is the default profile's section.
        assert_eq!(
            apply("[profile default]\noutput = json\n", &set_p("default")),
            "[profile default]\noutput = json\nregion = r\n"
        );
        assert_eq!(
            apply("[default]\n", &set_p("my prof")),
            "[default]\n\n[profile 'my prof']\nregion = r\n"
        );
        let sso = Edit::Set {
            target: Target::Prefixed {
                prefix: "sso-session".into(),
                name: "corp".into(),
            },
            key: "sso_region".into(),
            value: "r".into(),
        };
        assert_eq!(
            apply("[sso-session 'corp']\n", &sso),
            "[sso-session 'corp']\nsso_region = r\n"
        );
        let rm = Edit::Remove {
            target: Target::Profile("nope".into()),
            key: "region".into(),
        };
        assert_eq!(
            apply("[default]\nregion = x\n", &rm),
            "[default]\nregion = x\n"
        );
    }

    #[test]
    fn sections_for_profiles() {
        assert_eq!(config_section("default"), "default");
        assert_eq!(config_section("dev"), "profile dev");
        assert_eq!(config_section("my prof"), "profile 'my prof'");
        assert_eq!(prefixed_section("sso-session", "corp"), "sso-session corp");
        assert_eq!(prefixed_section("services", "a b"), "services 'a b'");
    }

    #[test]
    fn debug_never_shows_values() {
        let e = set("default", "aws_secret_access_key", "SECRETVALUE");
        assert!(!format!("{e:?}").contains("SECRETVALUE"));
    }

    #[cfg(unix)]
    #[test]
    fn creates_private_file_and_dir_and_keeps_existing_mode() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("new/dir/credentials");
        assert!(update_file(&path, &[set("default", "k", "v")]).expect("write"));
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            "[default]\nk = v\n"
        );
        let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("dir")), 0o700);
        assert_eq!(mode(&tmp.path().join("new")), 0o700);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        assert!(update_file(&path, &[set("default", "k", "w")]).expect("write"));
        assert_eq!(mode(&path), 0o640);
        // No temp or lock files are left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["credentials"]);
    }

    #[test]
    fn unchanged_edits_do_not_write_or_create() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("sub/config");
        let rm = Edit::Remove {
            target: Target::Section("default".into()),
            key: "region".into(),
        };
        assert!(!update_file(&missing, std::slice::from_ref(&rm)).expect("noop"));
        assert!(!tmp.path().join("sub").exists());
        let path = tmp.path().join("config");
        fs::write(&path, "[default]\nregion = x\n").expect("write");
        let before = fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!update_file(&path, &[set("default", "REGION", "x")]).expect("noop"));
        let after = fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime");
        assert_eq!(before, after);
    }

    #[test]
    fn unparseable_files_are_never_rewritten() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config");
        let text = "[default]\nregion = x\n[default]\n";
        fs::write(&path, text).expect("write");
        let e = update_file(&path, &[set("default", "output", "json")]).expect_err("dup");
        let msg = e.to_string();
        assert!(msg.contains("config:3:"), "{msg}");
        assert!(matches!(e, WriteError::Parse { line: 3, .. }));
        assert_eq!(fs::read_to_string(&path).expect("read"), text);
    }

    #[test]
    fn refused_edits_name_the_key_not_the_value() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("credentials");
        let e = update_file(
            &path,
            &[set("default", "aws_secret_access_key", "SEC\nRET")],
        )
        .expect_err("newline");
        let msg = e.to_string();
        assert!(msg.contains("aws_secret_access_key"), "{msg}");
        assert!(
            !msg.contains("SEC") && !format!("{e:?}").contains("SEC"),
            "{msg}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn concurrent_writers_in_one_process_lose_nothing() {
        // flock locks belong to open file descriptions, so threads that each
        // open the lock file exclude each other like processes do.
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config");
        std::thread::scope(|s| {
            for t in 0..8 {
                let path = &path;
                s.spawn(move || {
                    for i in 0..10 {
                        let e = set(&format!("profile t{t}"), &format!("k{i}"), "v");
                        assert!(update_file(path, &[e]).expect("write"));
                    }
                });
            }
        });
        let text = fs::read_to_string(&path).expect("read");
        let sections = Document::parse(&text).sections().expect("parses");
        assert_eq!(sections.sections.len(), 8);
        assert!(sections.sections.iter().all(|s| s.entries.len() == 10));
    }

    #[test]
    fn directories_are_not_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("config");
        fs::create_dir(&dir).expect("mkdir");
        let e = update_file(&dir, &[set("a", "b", "c")]).expect_err("dir");
        assert!(matches!(e, WriteError::NotAFile { .. }), "{e:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_not_replaced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let real = tmp.path().join("real-config");
        fs::write(&real, "[default]\n").expect("write");
        let link = tmp.path().join("config");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        assert!(update_file(&link, &[set("default", "region", "x")]).expect("write"));
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(&real).expect("read"),
            "[default]\nregion = x\n"
        );
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[cfg(unix)]
    #[test]
    #[allow(clippy::print_stderr)] // The one line saying why it was skipped.
    fn owner_group_and_mode_are_kept_when_root_writes_a_users_file() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if rustix::process::geteuid().as_raw() != 0 {
            eprintln!("skipped: needs root to chown the file to another user");
            return;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("credentials");
        fs::write(&path, "[default]\n# mine\naws_access_key_id = A\n").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        std::os::unix::fs::chown(&path, Some(65534), Some(65533)).expect("chown");
        let r = update_file_with(
            &path,
            &[set("default", "aws_access_key_id", "B")],
            &WriteOptions::default(),
        )
        .expect("write");
        assert_eq!(r.mode, Some(WriteMode::Atomic));
        let m = fs::metadata(&path).expect("meta");
        assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (65534, 65533, 0o600));
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            "[default]\n# mine\naws_access_key_id = B\n"
        );
    }

    #[test]
    fn a_failed_rename_falls_back_to_a_locked_in_place_write() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("credentials");
        let text = "[default]\n# keep me\naws_access_key_id = A\nregion = a-long-value\n";
        fs::write(&path, text).expect("write");
        #[cfg(unix)]
        let ino = {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(&path).expect("meta").ino()
        };
        // A bind-mounted file (Docker `-v ~/.aws/credentials:...`): rename
        // over it fails with EBUSY.
        let opts = WriteOptions {
            rename: |_, _| Err(io::Error::from_raw_os_error(16)),
            ..WriteOptions::default()
        };
        let grow =
            update_file_with(&path, &[set("default", "output", "json")], &opts).expect("in place");
        assert_eq!(grow.mode, Some(WriteMode::InPlace));
        let why = grow.describe();
        assert!(why.contains("in place") && why.contains("rename"), "{why}");
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            format!("{text}output = json\n")
        );
        // Shrinking cuts the old tail: no stale bytes after the new end.
        let rm = Edit::Remove {
            target: Target::Section("default".into()),
            key: "region".into(),
        };
        let shrink = update_file_with(&path, &[rm], &opts).expect("in place");
        assert_eq!(shrink.mode, Some(WriteMode::InPlace));
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            "[default]\n# keep me\naws_access_key_id = A\noutput = json\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(fs::metadata(&path).expect("meta").ino(), ino, "same file");
        }
        // The temp file of the failed rename is gone; no lock file either.
        assert_eq!(names(tmp.path()), ["credentials"]);
    }

    #[test]
    fn lock_files_of_earlier_versions_are_cleaned_up() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config");
        fs::write(tmp.path().join(".config.credchain.lock"), "").expect("legacy");
        fs::write(tmp.path().join(".other.credchain.lock"), "").expect("not ours");
        assert!(update_file(&path, &[set("default", "region", "x")]).expect("write"));
        assert_eq!(names(tmp.path()), [".other.credchain.lock", "config"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_gets_its_target_created_like_the_aws_cli() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("aws");
        fs::create_dir(&dir).expect("mkdir");
        fs::create_dir(tmp.path().join("real")).expect("mkdir");
        let link = dir.join("credentials");
        std::os::unix::fs::symlink("../real/creds", &link).expect("symlink");
        assert!(update_file(&link, &[set("default", "aws_access_key_id", "AKIAX")]).expect("w"));
        // `aws configure set` (AWS CLI 1.45.11) did the same: link kept,
        // target created 0600 with the section.
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        let real = tmp.path().join("real/creds");
        assert_eq!(
            fs::read_to_string(&real).expect("read"),
            "[default]\naws_access_key_id = AKIAX\n"
        );
        assert_eq!(
            fs::metadata(&real).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        // Into a missing directory the AWS CLI fails (`[Errno 2] No such
        // file or directory`), and so do we, creating nothing.
        let link2 = dir.join("config");
        std::os::unix::fs::symlink(tmp.path().join("nowhere/config"), &link2).expect("symlink");
        let e = update_file(&link2, &[set("default", "region", "x")]).expect_err("no dir");
        assert!(e.to_string().contains("nowhere/config"), "{e}");
        assert!(!tmp.path().join("nowhere").exists());
    }

    #[test]
    fn a_held_lock_is_waited_for_with_a_message_then_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("credentials");
        fs::write(&path, "[default]\n").expect("write");
        let held = crate::filelock::FileLock::lock_open(
            File::open(&path).expect("open"),
            &path,
            &crate::filelock::LockWait::quiet("test"),
        )
        .expect("lock");
        let seen = std::sync::Mutex::new(Vec::new());
        let notice = |s: &str| seen.lock().expect("mutex").push(s.to_owned());
        let opts = WriteOptions {
            lock_timeout: std::time::Duration::from_millis(200),
            notice: &notice,
            ..WriteOptions::default()
        };
        let e = update_file_with(&path, &[set("default", "k", "v")], &opts).expect_err("held");
        assert!(matches!(e, WriteError::Lock { .. }), "{e:?}");
        assert!(e.to_string().contains("gave up after"), "{e}");
        assert_eq!(
            *seen.lock().expect("mutex"),
            [format!(
                "waiting for another credchain to finish writing {}…",
                path.display()
            )]
        );
        assert_eq!(fs::read_to_string(&path).expect("read"), "[default]\n");
        drop(held);
        assert!(
            update_file_with(&path, &[set("default", "k", "v")], &opts)
                .expect("free")
                .written()
        );
    }

    #[cfg(unix)]
    #[test]
    #[allow(clippy::print_stderr)] // The one line saying why it was skipped.
    fn fifos_are_refused_without_blocking() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config");
        let ok = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        let e = update_file(&path, &[set("default", "k", "v")]).expect_err("fifo");
        assert!(matches!(e, WriteError::NotAFile { .. }), "{e:?}");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_are_written_byte_for_byte() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let name = std::ffi::OsStr::from_bytes(b"config-\xff");
        let path = tmp.path().join(name);
        assert!(update_file(&path, &[set("default", "region", "x")]).expect("write"));
        let listed: Vec<_> = fs::read_dir(tmp.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(listed, [name.to_os_string()]);
    }
}
