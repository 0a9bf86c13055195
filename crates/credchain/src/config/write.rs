//! Safe, format-preserving writes to the shared config and credentials
//! files: what `aws configure set` / `aws configure` do, without ever losing
//! a byte or an update.
//!
//! One write is: take a cross-process lock → read → parse (a file that does
//! not parse is never rewritten) → apply [`Edit`]s with `credchain-ini`'s
//! format-preserving editor → if nothing changed, stop → write a temp file in
//! the same directory, fsync it, give it the old file's mode (0600 for a new
//! file) → rename it over the file → fsync the directory → release the lock.
//!
//! * The rename makes the update atomic: a reader, or a writer killed at any
//!   instant, sees the old or the new file, never a torn one.
//! * The lock (an `flock` on the sidecar `.<name>.credchain.lock`, mode
//!   0600, never deleted so every writer locks the same inode) serialises the
//!   read-modify-write, so concurrent writers never lose each other's updates.
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

use super::{FileKind, MAX_FILE_SIZE, decode_utf8, parse_section_name, paths, shlex};
use crate::os::{Env, Fs};

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
        let sections = doc.sections().map_err(EditError::Unparseable)?;
        let mut names = sections.sections.iter().map(|s| s.name.as_str());
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
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Io { source, .. } => Some(source),
            WriteError::Edit { error, .. } => Some(error),
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
    /// The files the given environment points at.
    pub fn new(env: &dyn Env, fs: &dyn Fs) -> ConfigWriter {
        ConfigWriter {
            config: paths::expand(&super::config_file_setting(env), env, fs),
            credentials: paths::expand(&super::credentials_file_setting(env), env, fs),
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
}

/// Applies `edits` to the file at `path` safely (see the module docs).
/// A missing file (and missing parent directories, mode 0700) is created;
/// with no effective change nothing is created or written.
pub fn update_file(path: &Path, edits: &[Edit]) -> Result<bool, WriteError> {
    // Edit the file a symlink points at, as an in-place writer would, rather
    // than replacing the link with a regular file.
    let target = match fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) if e.kind() == io::ErrorKind::NotFound => path.to_owned(),
        Err(e) => return Err(io_err("resolving", path)(e)),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| WriteError::NotAFile {
            path: target.clone(),
            detail: "the path names a directory".into(),
        })?;
    // Only create directories when something will be written: check the
    // edits against the current text first, without the lock.
    if !dir.exists() {
        let mut probe = Document::parse("");
        let mut changed = false;
        for e in edits {
            changed |= e.apply(&mut probe).map_err(|error| WriteError::Edit {
                path: target.clone(),
                error,
            })?;
        }
        if !changed {
            return Ok(false);
        }
        create_dir_private(&dir)?;
    }
    let _lock = lock(&dir, &name)?;
    remove_stale_temps(&dir, &name);
    let (old, mode) = read_existing(&target)?;
    let mut doc = Document::parse(&old);
    if let Err(d) = doc.sections() {
        return Err(WriteError::Parse {
            path: target,
            line: d.line(),
            detail: d.message(),
        });
    }
    let mut changed = false;
    for e in edits {
        changed |= e.apply(&mut doc).map_err(|error| WriteError::Edit {
            path: target.clone(),
            error,
        })?;
    }
    let new = doc.to_string();
    if !changed || new == old {
        return Ok(false);
    }
    replace(&dir, &name, &target, new.as_bytes(), mode)?;
    Ok(true)
}

#[cfg(unix)]
fn create_dir_private(dir: &Path) -> Result<(), WriteError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err("creating directory", dir))
}

#[cfg(not(unix))]
fn create_dir_private(dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(io_err("creating directory", dir))
}

/// Held for the whole read-modify-write; dropping the file releases the
/// `flock`.
struct Lock(#[allow(dead_code)] File);

fn lock(dir: &Path, name: &str) -> Result<Lock, WriteError> {
    let path = dir.join(format!(".{name}.credchain.lock"));
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts
        .open(&path)
        .map_err(io_err("opening lock file", &path))?;
    // Called through the trait: std's inherent `File::lock` is newer than
    // the workspace's minimum Rust version.
    fs4::FileExt::lock(&file).map_err(io_err("locking", &path))?;
    Ok(Lock(file))
}

/// Temp files left by a writer that was killed before its rename. Only the
/// lock holder creates them, so while we hold the lock any that exist are
/// stale. Best effort: a leftover temp file is harmless.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if file.starts_with(&prefix) && file.ends_with(".credchain.tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The current text and permission bits, or `("", None)` for a missing file.
fn read_existing(path: &Path) -> Result<(String, Option<u32>), WriteError> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((String::new(), None)),
        Err(e) => return Err(io_err("inspecting", path)(e)),
    };
    if !meta.is_file() {
        return Err(WriteError::NotAFile {
            path: path.to_owned(),
            detail: "not a regular file".into(),
        });
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(WriteError::NotAFile {
            path: path.to_owned(),
            detail: format!("larger than {MAX_FILE_SIZE} bytes"),
        });
    }
    let bytes = fs::read(path).map_err(io_err("reading", path))?;
    let text = decode_utf8(&bytes).map_err(|line| WriteError::Parse {
        path: path.to_owned(),
        line,
        detail: "not valid UTF-8; expected a UTF-8 text file".into(),
    })?;
    Ok((text.to_owned(), mode_of(&meta)))
}

#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // `None` on platforms without modes.
fn mode_of(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &fs::Metadata) -> Option<u32> {
    None
}

/// Writes `bytes` to a temp file next to `target`, fsyncs it, gives it
/// `mode` (0600 for a new file) and renames it over `target`, then fsyncs
/// the directory so the rename itself is durable.
fn replace(
    dir: &Path,
    name: &str,
    target: &Path,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<(), WriteError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".credchain.tmp")
        .tempfile_in(dir)
        .map_err(io_err("creating a temp file in", dir))?;
    let tmp_path = tmp.path().to_owned();
    tmp.write_all(bytes).map_err(io_err("writing", &tmp_path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile creates 0600, which is what a new file gets.
        if let Some(mode) = mode {
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(mode))
                .map_err(io_err("setting permissions on", &tmp_path))?;
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file()
        .sync_all()
        .map_err(io_err("syncing", &tmp_path))?;
    tmp.persist(target)
        .map_err(|e| io_err("replacing", target)(e.error))?;
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("syncing directory", dir))?;
    Ok(())
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
        assert_eq!(
            mode(&tmp.path().join("new/dir/.credentials.credchain.lock")),
            0o600
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        assert!(update_file(&path, &[set("default", "k", "w")]).expect("write"));
        assert_eq!(mode(&path), 0o640);
        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
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
}
