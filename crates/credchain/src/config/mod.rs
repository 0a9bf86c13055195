//! Locating, reading and normalizing the shared config and credentials
//! files into botocore's profile map.
//!
//! Data flows one way: `paths` expansion → `credchain-ini` (configparser
//! semantics, lossless) → normalization here (`[profile x]` names split with
//! shlex, sub-properties, `[DEFAULT]` inheritance, merging) → [`ConfigFiles`].

pub(crate) mod paths;
pub mod populate;
pub mod write;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use credchain_ini::hash::FxBuildHasher;
pub(crate) use credchain_ini::is_py_line_break;
use indexmap::IndexMap;

use crate::env_vars;
use crate::error::Error;
use crate::os::{Env, FileType, Fs};

/// Files larger than this are refused rather than read into memory. botocore
/// has no limit; a config file this large is a mistake or an attack.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Combined size above which the two files are parsed on two threads.
/// Below it a thread costs more than it saves (a typical pair of files is
/// a few KiB and parses in microseconds).
const PARALLEL_PARSE_THRESHOLD: u64 = 256 * 1024;

/// Which file a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The shared config file (`~/.aws/config`).
    Config,
    /// The shared credentials file (`~/.aws/credentials`).
    Credentials,
}

/// Where a setting was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: FileKind,
    /// The 1-based line of the `name = value` line.
    pub line: usize,
}

/// A setting's value: a string, or a nested block (`s3 =` followed by
/// indented `key = value` lines, P-CFG-7).
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// A plain (possibly multi-line) string.
    Str(String),
    /// Sub-properties in first-seen order; a repeated sub-key keeps the last value.
    Nested(Vec<(String, String)>),
}

impl Value {
    /// The string value, if this is not a nested block.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Nested(_) => None,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (aws_secret_access_key); the map's Debug is
        // used in test failure output, so show only the shape.
        match self {
            Value::Str(s) => write!(f, "Str(<{} chars>)", s.chars().count()),
            Value::Nested(v) => {
                f.write_str("Nested")?;
                f.debug_list().entries(v.iter().map(|(k, _)| k)).finish()
            }
        }
    }
}

/// One setting in a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub value: Value,
    /// Where it was written.
    pub origin: Origin,
}

/// An insertion-ordered map with Python `dict` update semantics:
/// re-inserting a key keeps its position and replaces its value. Used for
/// the section maps (10,000 entries in a large setup); the hash index holds
/// positions, not copies of the keys.
#[derive(Clone, Debug)]
pub struct OrderedMap<V> {
    map: IndexMap<String, V, FxBuildHasher>,
}

impl<V: PartialEq> PartialEq for OrderedMap<V> {
    /// Equal when the same entries are in the same order (a Python dict
    /// compares regardless of order, but order is observable here).
    fn eq(&self, other: &Self) -> bool {
        self.map.iter().eq(other.map.iter())
    }
}

impl<V: Eq> Eq for OrderedMap<V> {}

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap {
            map: IndexMap::default(),
        }
    }
}

impl<V> OrderedMap<V> {
    /// Inserts or replaces `key`, keeping the position of an existing key.
    pub fn insert(&mut self, key: String, value: V) {
        self.map.insert(key, value);
    }
    /// Builds a map from entries whose keys are known to be unique.
    fn from_unique(entries: Vec<(String, V)>) -> OrderedMap<V> {
        let mut map = IndexMap::with_capacity_and_hasher(entries.len(), FxBuildHasher::default());
        map.extend(entries);
        OrderedMap { map }
    }
    /// Looks up a key, with its position.
    pub fn get_full(&self, key: &str) -> Option<(usize, &V)> {
        self.map.get_full(key).map(|(i, _, v)| (i, v))
    }
    /// Looks up a key.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }
    /// Whether the key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }
    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// One section's own settings, in file order, with a hash index so large
/// sections (100,000 keys) stay linear to merge and iterate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Settings(IndexMap<String, Setting, FxBuildHasher>);

impl Settings {
    fn get(&self, key: &str) -> Option<&Setting> {
        self.0.get(key)
    }
}

/// A section's own settings, parsed from the file's text on first use.
///
/// Reading a file checks all of it (configparser's errors, botocore's
/// nested-block errors) but keeps only the text and where each section is:
/// a 60 MB file of 250,000 profiles costs its text plus about 200 bytes a
/// section, not an owned copy of every key and value (issue 9). Only the
/// sections a command looks at are ever parsed into [`Settings`].
struct Own {
    /// The whole file, shared by its sections.
    text: Arc<String>,
    /// The section outline as [`credchain_ini::outline`] gave it.
    span: Range<usize>,
    line: usize,
    kind: FileKind,
    settings: OnceLock<Settings>,
}

impl Own {
    fn settings(&self) -> &Settings {
        self.settings.get_or_init(|| {
            let outline = credchain_ini::SectionOutline {
                name: "",
                line: self.line,
                span: self.span.clone(),
                multiline: false,
            };
            // The file was checked when it was read: no bad nested block
            // is left to report here.
            to_settings(
                credchain_ini::section_entries(&self.text, &outline),
                self.kind,
            )
            .0
        })
    }
}

impl fmt::Debug for Own {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The settings' Debug shows no values; the text is never shown.
        self.settings().fmt(f)
    }
}

impl PartialEq for Own {
    fn eq(&self, other: &Self) -> bool {
        self.settings() == other.settings()
    }
}

impl Eq for Own {}

/// A section as one file defines it: its own settings, and the file's
/// `[DEFAULT]` settings it inherits. Both are shared (`Arc`), never copied
/// per section: 3,000 `[DEFAULT]` keys inherited by 3,000 sections cost one
/// copy of the keys, not 9 million.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Layer {
    own: Arc<Own>,
    defaults: Option<Arc<Settings>>,
}

impl Layer {
    fn get(&self, key: &str) -> Option<&Setting> {
        self.own
            .settings()
            .get(key)
            .or_else(|| self.defaults.as_ref()?.get(key))
    }
    /// configparser's `options()` order: own options, then inherited
    /// `[DEFAULT]` ones the section does not override.
    fn iter(&self) -> impl Iterator<Item = (&str, &Setting)> {
        let own = self.own.settings();
        let inherited = self
            .defaults
            .iter()
            .flat_map(|d| d.0.iter())
            .filter(move |(k, _)| !own.0.contains_key(k.as_str()));
        own.0.iter().chain(inherited).map(|(k, v)| (k.as_str(), v))
    }
}

/// A profile (or any other section): its settings in file order.
///
/// A profile in both files is the config-file section with the
/// credentials-file one layered over it (`over`), which is botocore's
/// `dict.update` without copying either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    base: Layer,
    over: Option<Layer>,
    /// The header line that defined this profile.
    header: Origin,
    /// The credentials-file header merged over a config-file profile.
    merged_header: Option<Origin>,
}

impl Profile {
    /// A setting by its lowercased name.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.over
            .as_ref()
            .and_then(|o| o.get(key))
            .or_else(|| self.base.get(key))
    }
    /// A setting's string value.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|s| s.value.as_str())
    }
    /// The section header lines that define this profile: its own, then
    /// the credentials-file one merged over it.
    pub fn headers(&self) -> impl Iterator<Item = Origin> {
        std::iter::once(self.header).chain(self.merged_header)
    }
    /// Whether the key is present (botocore's `key in profile`).
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// All settings in order: Python's `dict.update` order, i.e. the
    /// config-file keys where they were (with credentials-file values),
    /// then keys only the credentials file has.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Setting)> {
        let over = self.over.as_ref();
        let base = &self.base;
        let updated = base
            .iter()
            .map(move |(k, v)| (k, over.and_then(|o| o.get(k)).unwrap_or(v)));
        let added = over
            .into_iter()
            .flat_map(Layer::iter)
            .filter(move |(k, _)| base.get(k).is_none());
        updated.chain(added)
    }
    /// `self` with `other` (a credentials-file section) layered over it.
    fn merged_with(&self, other: &Profile) -> Profile {
        Profile {
            base: self.base.clone(),
            over: Some(other.base.clone()),
            header: self.header,
            merged_header: Some(other.header),
        }
    }
}

/// What happened when a file was looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// Nothing at the path.
    Missing,
    /// Something that is not a regular file (botocore treats it as absent).
    NotAFile,
    /// A file that could not be opened; configparser skips it silently, so
    /// it counts as empty.
    Unreadable(String),
    /// Read and parsed.
    Loaded,
}

/// A located file: the path as configured and as expanded, and its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedFile {
    /// The path as configured (`~/.aws/config` or the env var's value).
    pub configured: String,
    /// The expanded path.
    pub path: PathBuf,
    /// What was found there.
    pub status: FileStatus,
}

impl LoadedFile {
    /// Whether the file was present and parsed.
    pub fn is_loaded(&self) -> bool {
        self.status == FileStatus::Loaded
    }
}

/// A file parsed into sections with `[DEFAULT]` applied and sub-properties
/// split: botocore's `raw_config_parse`.
/// Section names are unique (duplicates fail to parse), so this is a plain
/// list; callers index only what they need.
pub(crate) type RawSections = Vec<(String, Profile)>;

/// Reads `path` the way `raw_config_parse` does. `Ok((status, None))` means
/// the file is absent (botocore's `ConfigNotFound`).
pub(crate) fn raw_config_parse(
    fs: &dyn Fs,
    path: &Path,
    kind: FileKind,
) -> Result<(FileStatus, Option<RawSections>), Error> {
    match fs.file_type(path) {
        None => return Ok((FileStatus::Missing, None)),
        Some(FileType::Dir | FileType::Other) => return Ok((FileStatus::NotAFile, None)),
        Some(FileType::File) => {}
    }
    if let Some(len) = fs.len(path)
        && len > MAX_FILE_SIZE
    {
        return Err(Error::ConfigParse {
            path: path.to_owned(),
            line: None,
            detail: format!(
                "file is {len} bytes; expected a config file under {MAX_FILE_SIZE} bytes"
            ),
        });
    }
    let bytes = match fs.read(path) {
        Ok(b) => b,
        Err(e) => {
            return Ok((
                FileStatus::Unreadable(e.to_string()),
                Some(RawSections::default()),
            ));
        }
    };
    // Converted in place: the file's bytes become the shared text.
    let text = String::from_utf8(bytes).map_err(|e| Error::ConfigParse {
        path: path.to_owned(),
        line: decode_utf8(e.as_bytes()).err(),
        detail: "not valid UTF-8; expected a UTF-8 text file".into(),
    })?;
    Ok((
        FileStatus::Loaded,
        Some(normalize(&Arc::new(text), path, kind)?),
    ))
}

/// Decodes UTF-8, or returns the 1-based line of the first invalid byte.
pub(crate) fn decode_utf8(bytes: &[u8]) -> Result<&str, usize> {
    std::str::from_utf8(bytes).map_err(|e| {
        1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    })
}

/// Converts parsed options to settings, splitting nested blocks; a nested
/// block botocore would reject is returned apart as `(name, line)` instead
/// of being stored.
fn to_settings(
    entries: Vec<credchain_ini::Entry>,
    kind: FileKind,
) -> (Settings, Vec<(String, usize)>) {
    // Names are unique: the INI layer rejects duplicate options.
    let mut map = IndexMap::with_capacity_and_hasher(entries.len(), FxBuildHasher::default());
    let mut bad = Vec::new();
    for entry in entries {
        let origin = Origin {
            file: kind,
            line: entry.line,
        };
        let value = if entry.value.starts_with('\n') {
            if let Ok(v) = parse_nested(&entry.value) {
                Value::Nested(v)
            } else {
                bad.push((entry.name, entry.line));
                continue;
            }
        } else {
            Value::Str(entry.value)
        };
        map.insert(entry.name, Setting { value, origin });
    }
    (Settings(map), bad)
}

/// Checks and outlines a file's text into its sections (P-CFG-1..7): the
/// `[DEFAULT]` settings are built once and shared; each other section keeps
/// only where it is in `text` (see [`Own`]).
fn normalize(text: &Arc<String>, path: &Path, kind: FileKind) -> Result<RawSections, Error> {
    let outline = credchain_ini::outline(text).map_err(|d| Error::ConfigParse {
        path: path.to_owned(),
        line: Some(d.line()),
        detail: d.message(),
    })?;
    let bad_nested = |name: &str, line: usize| Error::ConfigParse {
        path: path.to_owned(),
        line: Some(line),
        detail: format!(
            "expected every indented line under `{name}` to be `key = value` \
             (sub-properties take `=`, not `:`)"
        ),
    };
    // configparser's options(): own options, then inherited [DEFAULT] ones;
    // the [DEFAULT] settings are built once and shared by every section.
    let (defaults, bad_defaults) = to_settings(outline.defaults, kind);
    let defaults = (!defaults.0.is_empty()).then(|| Arc::new(defaults));
    let mut out = RawSections::with_capacity(outline.sections.len());
    for section in outline.sections {
        // botocore parses each section's values in options() order and
        // fails on the first bad one: own options first, then a bad
        // [DEFAULT] block only where the section does not override it.
        // Only a section with continuation lines can hold a nested block,
        // so only those (and all, if [DEFAULT] has a bad block) are parsed
        // here, then dropped.
        let bad = if section.multiline {
            to_settings(credchain_ini::section_entries(text, &section), kind)
                .1
                .into_iter()
                .next()
        } else {
            None
        };
        let bad = bad.or_else(|| {
            if bad_defaults.is_empty() {
                return None;
            }
            let own = credchain_ini::section_entries(text, &section);
            bad_defaults
                .iter()
                .find(|(name, _)| !own.iter().any(|e| e.name == *name))
                .cloned()
        });
        if let Some((name, line)) = bad {
            return Err(bad_nested(&name, line));
        }
        let profile = Profile {
            base: Layer {
                own: Arc::new(Own {
                    text: Arc::clone(text),
                    span: section.span,
                    line: section.line,
                    kind,
                    settings: OnceLock::new(),
                }),
                defaults: defaults.clone(),
            },
            over: None,
            header: Origin {
                file: kind,
                line: section.line,
            },
            merged_header: None,
        };
        out.push((section.name.to_owned(), profile));
    }
    Ok(out)
}

/// botocore's `_parse_nested`: each non-blank line must be `key = value`
/// (split at the first `=`; `:` is not a delimiter here).
fn parse_nested(value: &str) -> Result<Vec<(String, String)>, ()> {
    let mut map: OrderedMap<String> = OrderedMap::default();
    for line in value.split(is_py_line_break) {
        let line = credchain_ini::py_strip(line);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or(())?;
        map.insert(
            credchain_ini::py_strip(k).to_owned(),
            credchain_ini::py_strip(v).to_owned(),
        );
    }
    Ok(map.map.into_iter().collect())
}

/// Both shared files, loaded and merged: botocore's `Session.full_config`.
#[derive(Clone, Debug)]
pub struct ConfigFiles {
    /// The config file.
    pub config: LoadedFile,
    /// The credentials file.
    pub credentials: LoadedFile,
    config_profiles: OrderedMap<Profile>,
    sso_sessions: OrderedMap<Profile>,
    services: OrderedMap<Profile>,
    other_sections: OrderedMap<Profile>,
    credential_sections: OrderedMap<Profile>,
    /// The merged profile for each credentials section that also exists in
    /// the config file, computed on first use: resolving one profile of a
    /// 10,000-profile setup must not merge the other 9,999.
    merged: Vec<OnceLock<Profile>>,
}

/// The configured path of the config file: `AWS_CONFIG_FILE` if present
/// (even empty), else `~/.aws/config`.
pub fn config_file_setting(env: &dyn Env) -> String {
    env.get(env_vars::AWS_CONFIG_FILE)
        .unwrap_or_else(|| "~/.aws/config".into())
}

/// The configured path of the credentials file.
pub fn credentials_file_setting(env: &dyn Env) -> String {
    env.get(env_vars::AWS_SHARED_CREDENTIALS_FILE)
        .unwrap_or_else(|| "~/.aws/credentials".into())
}

/// [`config_file_setting`] as the OS holds it (not converted to UTF-8).
pub fn config_file_setting_os(env: &dyn Env) -> std::ffi::OsString {
    env.get_os(env_vars::AWS_CONFIG_FILE)
        .unwrap_or_else(|| "~/.aws/config".into())
}

/// [`credentials_file_setting`] as the OS holds it.
pub fn credentials_file_setting_os(env: &dyn Env) -> std::ffi::OsString {
    env.get_os(env_vars::AWS_SHARED_CREDENTIALS_FILE)
        .unwrap_or_else(|| "~/.aws/credentials".into())
}

/// Maps a config-file section name to its profile (or sso-session /
/// services) name: `profile NAME` split with shlex into exactly two tokens
/// (P-CFG-4). `None` drops the section.
pub(crate) fn parse_section_name(key: &str) -> Option<String> {
    // Fast path for the common `profile name` form: two tokens separated by
    // one space, with no quoting, escaping or other whitespace, which shlex
    // would split exactly there. Saves shlex's allocations per section.
    let plain = |t: &str| !t.is_empty() && !t.contains(is_shlex_special);
    if let Some((a, b)) = key.split_once(' ')
        && plain(a)
        && plain(b)
    {
        return Some(b.to_owned());
    }
    parse_section_name_shlex(key)
}

/// Characters that make [`parse_section_name`] take the full shlex path.
fn is_shlex_special(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\'' | '"' | '\\')
}

/// [`parse_section_name`] for an owned key: the fast path trims the prefix
/// in place instead of allocating the name.
fn into_section_name(mut key: String) -> Option<String> {
    let plain = |t: &str| !t.is_empty() && !t.contains(is_shlex_special);
    match key.split_once(' ') {
        Some((a, b)) if plain(a) && plain(b) => {
            let prefix = a.len() + 1;
            key.drain(..prefix);
            Some(key)
        }
        _ => parse_section_name_shlex(&key),
    }
}

/// The reference behaviour: `shlex.split`, exactly two tokens.
fn parse_section_name_shlex(key: &str) -> Option<String> {
    let mut parts = crate::shlex::split(key).ok()?;
    (parts.len() == 2).then(|| parts.swap_remove(1))
}

impl ConfigFiles {
    /// Locates, reads and merges both files. A file that does not parse is
    /// an error for the whole resolution (P-CHAIN-9); the config file is
    /// read first, as botocore does.
    pub fn load(env: &dyn Env, fs: &dyn Fs) -> Result<ConfigFiles, Error> {
        let cfg_setting = config_file_setting(env);
        let cfg_path = paths::expand_os(&config_file_setting_os(env), env, fs);
        let cred_setting = credentials_file_setting(env);
        let cred_path = paths::expand_os(&credentials_file_setting_os(env), env, fs);
        let size = |p: &Path| fs.len(p).unwrap_or(0);
        let (cfg, cred) = if size(&cfg_path) + size(&cred_path) > PARALLEL_PARSE_THRESHOLD {
            // The files are independent: parse the credentials file on a
            // second thread. Errors keep botocore's order (config first).
            std::thread::scope(|scope| {
                let cred = scope.spawn(|| raw_config_parse(fs, &cred_path, FileKind::Credentials));
                let cfg = raw_config_parse(fs, &cfg_path, FileKind::Config);
                let cred = cred
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (cfg, cred)
            })
        } else {
            (
                raw_config_parse(fs, &cfg_path, FileKind::Config),
                raw_config_parse(fs, &cred_path, FileKind::Credentials),
            )
        };
        let (cfg_status, cfg_raw) = cfg?;
        let (cred_status, cred_raw) = cred?;
        Ok(ConfigFiles::from_parts(
            LoadedFile {
                configured: cfg_setting,
                path: cfg_path,
                status: cfg_status,
            },
            cfg_raw,
            LoadedFile {
                configured: cred_setting,
                path: cred_path,
                status: cred_status,
            },
            cred_raw,
        ))
    }

    /// Parses file contents directly (for tests and tools that already hold
    /// the text). `None` means the file is absent.
    pub fn from_texts(
        config: Option<&str>,
        credentials: Option<&str>,
    ) -> Result<ConfigFiles, Error> {
        let parse = |text: Option<&str>, name: &str, kind| -> Result<_, Error> {
            let Some(text) = text else {
                return Ok((FileStatus::Missing, None));
            };
            let path = PathBuf::from(name);
            let text = Arc::new(text.to_owned());
            Ok((FileStatus::Loaded, Some(normalize(&text, &path, kind)?)))
        };
        let (cs, c) = parse(config, "config", FileKind::Config)?;
        let (ks, k) = parse(credentials, "credentials", FileKind::Credentials)?;
        let file = |name: &str, status| LoadedFile {
            configured: name.into(),
            path: name.into(),
            status,
        };
        Ok(ConfigFiles::from_parts(
            file("config", cs),
            c,
            file("credentials", ks),
            k,
        ))
    }

    fn from_parts(
        config: LoadedFile,
        cfg_raw: Option<RawSections>,
        credentials: LoadedFile,
        cred_raw: Option<RawSections>,
    ) -> ConfigFiles {
        let raw = cfg_raw.unwrap_or_default();
        let mut config_profiles = OrderedMap {
            map: IndexMap::with_capacity_and_hasher(raw.len(), FxBuildHasher::default()),
        };
        let mut sso_sessions = OrderedMap::default();
        let mut services = OrderedMap::default();
        let mut other_sections = OrderedMap::default();
        for (key, values) in raw {
            // botocore's build_profile_map: prefix matches, in this order.
            let target = if key.starts_with("profile") {
                Some(&mut config_profiles)
            } else if key.starts_with("sso-session") {
                Some(&mut sso_sessions)
            } else if key.starts_with("services") {
                Some(&mut services)
            } else {
                None
            };
            match target {
                Some(map) => {
                    if let Some(name) = into_section_name(key) {
                        map.insert(name, values);
                    }
                }
                None if key == "default" => config_profiles.insert(key, values),
                None => other_sections.insert(key, values),
            }
        }
        let credential_sections = OrderedMap::from_unique(cred_raw.unwrap_or_default());
        let merged = std::iter::repeat_with(OnceLock::new)
            .take(credential_sections.len())
            .collect();
        ConfigFiles {
            config,
            credentials,
            config_profiles,
            sso_sessions,
            services,
            other_sections,
            credential_sections,
            merged,
        }
    }

    /// The merged profile map (credentials-file values win per key,
    /// P-MERGE-1) in `available_profiles` order: config-file profiles, then
    /// profiles only in the credentials file (P-MERGE-4).
    pub fn profiles(&self) -> impl Iterator<Item = (&str, &Profile)> {
        let from_config = self
            .config_profiles
            .keys()
            .filter_map(|name| Some((name, self.profile(name)?)));
        let creds_only = self
            .credential_sections
            .iter()
            .filter(|(name, _)| !self.config_profiles.contains_key(name));
        from_config.chain(creds_only)
    }
    /// A merged profile (botocore's `full_config['profiles'][name]`): the
    /// config file's `[profile NAME]` (or `[default]`) with the credentials
    /// file's `[NAME]` keys over it (P-MERGE-1/2), merged on first use;
    /// `None` when neither file has it.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        let config = self.config_profiles.get(name);
        let Some((i, creds)) = self.credential_sections.get_full(name) else {
            return config;
        };
        let Some(config) = config else {
            return Some(creds);
        };
        Some(self.merged[i].get_or_init(|| config.merged_with(creds)))
    }
    /// Profiles defined in the config file only (what the `config-file`
    /// provider reads, P-MERGE-3).
    pub fn config_profiles(&self) -> &OrderedMap<Profile> {
        &self.config_profiles
    }
    /// Sections of the credentials file, by verbatim name (P-CFG-6).
    pub fn credential_sections(&self) -> &OrderedMap<Profile> {
        &self.credential_sections
    }
    /// `[sso-session NAME]` sections.
    pub fn sso_sessions(&self) -> &OrderedMap<Profile> {
        &self.sso_sessions
    }
    /// `[services NAME]` sections.
    pub fn services(&self) -> &OrderedMap<Profile> {
        &self.services
    }
    /// Other top-level config sections (`[preview]`, `[plugins]`, ...).
    pub fn other_sections(&self) -> &OrderedMap<Profile> {
        &self.other_sections
    }
    /// `available_profiles`: config profiles in file order, then profiles
    /// only in the credentials file (P-MERGE-4).
    pub fn available_profiles(&self) -> Vec<&str> {
        self.profiles().map(|(name, _)| name).collect()
    }
    /// The file a setting came from.
    pub fn file(&self, kind: FileKind) -> &LoadedFile {
        match kind {
            FileKind::Config => &self.config,
            FileKind::Credentials => &self.credentials,
        }
    }
    /// `path:line` for an origin, using the configured (unexpanded) path
    /// when it starts with `~`, which is what users recognise.
    pub fn describe(&self, origin: Origin) -> String {
        let f = self.file(origin.file);
        let shown = if f.configured.starts_with('~') {
            f.configured.clone()
        } else {
            f.path.display().to_string()
        };
        format!("{shown}:{}", origin.line)
    }
}

#[cfg(test)]
mod tests;
