//! Conformance against the public cross-SDK profile/config vectors
//! (`profile-parser/` = smithy-rs copy, `config-file-parser/` = smithy-java
//! copy; see each directory's `SOURCE.md`).
//!
//! The vectors are read at runtime from `$CREDCHAIN_VECTORS`, else
//! `../shared/vectors` relative to the workspace root; when that directory is
//! absent the test says so and passes.
//!
//! botocore wins where it disagrees with a vector: such cases are listed,
//! with botocore's verified result, in `test-data/vector-exceptions.json`
//! (written by `scripts/verify_vector_exceptions.py`, which runs botocore's
//! own `Session.full_config` on every case). For a listed case credchain must
//! equal botocore's recorded result exactly (including key order); for every
//! other case it must equal the vector. Cases are keyed by suite + index
//! because names repeat.
//!
//! Representation choice for sub-properties: the smithy-rs copy expects
//! `s3 =\n name = value` as the raw string `"\nname = value"`, while botocore
//! and credchain parse any value starting with a newline into a map
//! ([`Value::Nested`]). This is a representation difference, not a behavioural
//! one, so such expected strings are converted the way botocore's
//! `_parse_nested` converts them (split each non-blank line at its first `=`,
//! strip both sides) before comparing. The verify script applies the same
//! rule, so these cases only become exceptions if the parsed forms differ.
//! Map comparisons against the vectors ignore key order (the vectors' JSON
//! order is not file order).

// A conformance report is the point of this test: print counts and skips.
#![allow(clippy::print_stdout)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use credchain::config::{ConfigFiles, Profile, Value as CfgValue};
use credchain::os::{Env, MapEnv, MemFs, Os, RealClock};
use credchain::{Error, Session};
use serde_json::{Map, Value, json};

const PARSER_SUITES: [(&str, &str); 2] = [
    ("profile-parser", "profile-parser/profile-parser-tests.json"),
    (
        "config-file-parser",
        "config-file-parser/config-file-parser-tests.json",
    ),
];

const LOCATION_SUITES: [(&str, &str); 2] = [
    ("file-location", "profile-parser/file-location-tests.json"),
    (
        "config-file-location",
        "config-file-parser/config-file-location-tests.json",
    ),
];

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/credchain sits two levels below the workspace root")
}

fn vectors_dir() -> PathBuf {
    match std::env::var_os("CREDCHAIN_VECTORS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root()
            .parent()
            .expect("the workspace root has a parent")
            .join("shared")
            .join("vectors"),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

fn tests_of<'a>(doc: &'a Value, path: &Path) -> &'a [Value] {
    doc["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no `tests` array", path.display()))
}

// ------------------------------------------------------------- exceptions

/// One entry of `test-data/vector-exceptions.json`.
struct Exception {
    name: String,
    botocore: Value,
}

/// The checked-in exceptions, keyed by (suite, index); records which were used.
struct Exceptions {
    by_case: HashMap<(String, usize), Exception>,
    used: HashSet<(String, usize)>,
}

fn exceptions_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/vector-exceptions.json")
}

impl Exceptions {
    fn load() -> Exceptions {
        let path = exceptions_path();
        let doc = read_json(&path);
        let mut by_case = HashMap::new();
        for e in doc["exceptions"]
            .as_array()
            .expect("`exceptions` is an array")
        {
            let suite = e["suite"].as_str().expect("suite").to_owned();
            let index = usize::try_from(e["index"].as_u64().expect("index")).expect("index fits");
            let why = e["why"].as_str().expect("why");
            assert!(
                !why.is_empty() && !why.starts_with("UNCLASSIFIED"),
                "{suite} #{index}: exception without a reason in {}",
                path.display()
            );
            let entry = Exception {
                name: e["name"].as_str().expect("name").to_owned(),
                botocore: e["botocore"].clone(),
            };
            let dup = by_case.insert((suite.clone(), index), entry);
            assert!(dup.is_none(), "{suite} #{index} listed twice");
        }
        Exceptions {
            by_case,
            used: HashSet::new(),
        }
    }

    /// botocore's recorded result for a case, if it is an exception.
    fn take(&mut self, suite: &str, index: usize, name: &str) -> Option<&Value> {
        let key = (suite.to_owned(), index);
        let e = self.by_case.get(&key)?;
        assert_eq!(
            e.name, name,
            "{suite} #{index}: the exceptions list names another case; the vectors changed, \
             rerun scripts/verify_vector_exceptions.py"
        );
        self.used.insert(key);
        Some(&e.botocore)
    }

    fn len(&self) -> usize {
        self.by_case.len()
    }

    fn unused(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .by_case
            .keys()
            .filter(|k| !self.used.contains(*k))
            .map(|(s, i)| format!("{s} #{i}"))
            .collect();
        v.sort();
        v
    }
}

// ---------------------------------------------------------- our results

fn value_json(value: &CfgValue) -> Value {
    match value {
        CfgValue::Str(s) => Value::String(s.clone()),
        CfgValue::Nested(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ),
    }
}

fn sections_json<'a>(map: impl Iterator<Item = (&'a str, &'a Profile)>) -> Value {
    Value::Object(
        map.map(|(name, profile)| {
            let settings: Map<String, Value> = profile
                .iter()
                .map(|(k, s)| (k.to_owned(), value_json(&s.value)))
                .collect();
            (name.to_owned(), Value::Object(settings))
        })
        .collect(),
    )
}

/// Our result in the shape the exceptions list records botocore's in.
fn ours_json(result: &Result<ConfigFiles, Error>) -> Value {
    match result {
        Ok(files) => json!({
            "profiles": sections_json(files.profiles()),
            "sso_sessions": sections_json(files.sso_sessions().iter()),
        }),
        Err(e) => json!({ "error": e.kind() }),
    }
}

// ----------------------------------------------------- vector expectations

/// botocore's `_parse_nested` applied to a smithy-rs raw sub-property string
/// (see the module doc); `None` if a line has no `=`.
fn parse_nested(raw: &str) -> Option<Value> {
    let mut map = Map::new();
    for line in raw.split(['\n', '\r']) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=')?;
        map.insert(k.trim().to_owned(), Value::String(v.trim().to_owned()));
    }
    Some(Value::Object(map))
}

fn normalize_expected(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_expected(v)))
                .collect(),
        ),
        Value::String(s) if s.starts_with('\n') => parse_nested(s).unwrap_or_else(|| value.clone()),
        other => other.clone(),
    }
}

/// What a parser vector expects: `None` for an error, else the parts it
/// checks (`profiles` and/or `sso_sessions`).
fn expected_parts(suite: &str, output: &Value) -> Option<Map<String, Value>> {
    if output.get("errorContaining").is_some() {
        return None;
    }
    let mut parts = Map::new();
    let (source, keys) = if suite == "profile-parser" {
        (
            &output["config"],
            [("profiles", "profiles"), ("sso_sessions", "sso_sessions")],
        )
    } else {
        (
            output,
            [("profiles", "profiles"), ("ssoSessions", "sso_sessions")],
        )
    };
    for (theirs, ours) in keys {
        if let Some(v) = source.get(theirs) {
            parts.insert(ours.to_owned(), normalize_expected(v));
        }
    }
    assert!(
        !parts.is_empty(),
        "{suite}: output checks nothing: {output}"
    );
    Some(parts)
}

// ------------------------------------------------------------ the suites

#[derive(Default)]
struct Tally {
    cases: usize,
    exceptions: usize,
    skipped: usize,
    failures: Vec<String>,
}

fn run_parser_suite(dir: &Path, suite: &str, rel: &str, exc: &mut Exceptions, t: &mut Tally) {
    let path = dir.join(rel);
    let doc = read_json(&path);
    let (mut cases, mut listed) = (0, 0);
    for (index, case) in tests_of(&doc, &path).iter().enumerate() {
        let name = case["name"].as_str().unwrap_or_default();
        let label = format!("{suite} #{index} {name:?}");
        let input = &case["input"];
        let result = ConfigFiles::from_texts(
            input.get("configFile").and_then(Value::as_str),
            input.get("credentialsFile").and_then(Value::as_str),
        );
        let ours = ours_json(&result);
        cases += 1;
        if let Some(botocore) = exc.take(suite, index, name) {
            listed += 1;
            // `Map` equality ignores order; the serialized forms do not.
            let (ours_text, botocore_text) = (ours.to_string(), botocore.to_string());
            if ours != *botocore {
                t.failures.push(format!(
                    "{label}: botocore exception case\n  botocore: {botocore}\n  ours:     {ours}"
                ));
            } else if ours_text != botocore_text {
                t.failures.push(format!(
                    "{label}: same maps as botocore but in another order\n  \
                     botocore: {botocore}\n  ours:     {ours}"
                ));
            }
            continue;
        }
        match (expected_parts(suite, &case["output"]), &result) {
            (None, Err(e)) if e.kind() == "ConfigParseError" => {}
            (None, _) => t.failures.push(format!(
                "{label}: expected ConfigParseError\n  ours: {ours}"
            )),
            (Some(parts), Ok(_)) => {
                for (part, want) in &parts {
                    if ours[part] != *want {
                        t.failures.push(format!(
                            "{label}: {part} differ from the vector\n  \
                             vector: {want}\n  ours:   {}",
                            ours[part]
                        ));
                    }
                }
            }
            (Some(parts), Err(e)) => t.failures.push(format!(
                "{label}: expected {}\n  ours: {} error: {e}",
                Value::Object(parts),
                e.kind()
            )),
        }
    }
    println!("{suite}: {cases} cases, {listed} botocore exceptions");
    t.cases += cases;
    t.exceptions += listed;
}

/// The case's environment, with the language runtime's home (Python's
/// password-database fallback) as `languageSpecificHome`.
struct CaseEnv {
    vars: MapEnv,
    home: Option<PathBuf>,
}

impl Env for CaseEnv {
    fn get(&self, key: &str) -> Option<String> {
        self.vars.0.get(key).cloned()
    }
    fn fallback_home(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}

fn run_location_suite(dir: &Path, suite: &str, rel: &str, exc: &mut Exceptions, t: &mut Tally) {
    let path = dir.join(rel);
    let doc = read_json(&path);
    let (mut cases, mut listed, mut skipped) = (0, 0, 0);
    for (index, case) in tests_of(&doc, &path).iter().enumerate() {
        // botocore on Windows uses ntpath (and ignores HOME); this project
        // targets POSIX semantics, so Windows cases are not run.
        if case["platform"] != "linux" {
            skipped += 1;
            continue;
        }
        let name = case["name"].as_str().unwrap_or_default();
        let label = format!("{suite} #{index} {name:?}");
        let vars = MapEnv::from_pairs(
            case["environment"]
                .as_object()
                .expect("environment is an object")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("env values are strings"))),
        );
        let home = case
            .get("languageSpecificHome")
            .and_then(Value::as_str)
            .map(PathBuf::from);
        let os = Os {
            env: Arc::new(CaseEnv { vars, home }),
            fs: Arc::new(MemFs::new()),
            clock: Arc::new(RealClock),
        };
        let files = match ConfigFiles::load(&*os.env, &*os.fs) {
            Ok(f) => f,
            Err(e) => {
                t.failures.push(format!("{label}: load failed: {e}"));
                continue;
            }
        };
        let profile = Session::builder()
            .os(os)
            .build()
            .profile()
            .effective()
            .to_owned();
        let ours = json!({
            "configLocation": files.config.path.to_string_lossy(),
            "credentialsLocation": files.credentials.path.to_string_lossy(),
            "profile": profile,
        });
        cases += 1;
        let (want, source) = if let Some(botocore) = exc.take(suite, index, name) {
            listed += 1;
            (botocore.clone(), "botocore")
        } else {
            let mut want = Map::new();
            for key in ["configLocation", "credentialsLocation", "profile"] {
                if let Some(v) = case.get(key) {
                    want.insert(key.to_owned(), v.clone());
                }
            }
            (Value::Object(want), "vector")
        };
        for (key, v) in want.as_object().expect("expectation is an object") {
            if ours[key] != *v {
                t.failures.push(format!(
                    "{label}: {key}: {source} says {v}, ours is {}",
                    ours[key]
                ));
            }
        }
    }
    println!(
        "{suite}: {cases} cases (linux), {listed} botocore exceptions, \
         {skipped} windows cases skipped"
    );
    t.cases += cases;
    t.exceptions += listed;
    t.skipped += skipped;
}

#[test]
fn cross_sdk_config_vectors() {
    let dir = vectors_dir();
    if !dir.is_dir() {
        println!(
            "vectors not found at {} (set CREDCHAIN_VECTORS); skipping",
            dir.display()
        );
        return;
    }
    let mut exc = Exceptions::load();
    let mut tally = Tally::default();
    for (suite, rel) in PARSER_SUITES {
        run_parser_suite(&dir, suite, rel, &mut exc, &mut tally);
    }
    for (suite, rel) in LOCATION_SUITES {
        run_location_suite(&dir, suite, rel, &mut exc, &mut tally);
    }
    println!(
        "vectors: {} cases, {} botocore exceptions ({} windows cases skipped)",
        tally.cases, tally.exceptions, tally.skipped
    );
    let unused = exc.unused();
    assert!(
        unused.is_empty(),
        "exceptions listed for cases that were not run (vectors changed? rerun \
         scripts/verify_vector_exceptions.py): {unused:?}"
    );
    assert_eq!(tally.exceptions, exc.len());
    assert!(
        tally.failures.is_empty(),
        "{} of {} vector cases failed:\n{}",
        tally.failures.len(),
        tally.cases,
        tally.failures.join("\n")
    );
}

/// The exceptions list is well-formed even where the vectors are absent.
#[test]
fn vector_exceptions_list_is_well_formed() {
    let exc = Exceptions::load();
    for ((suite, index), e) in &exc.by_case {
        let known = PARSER_SUITES
            .iter()
            .chain(&LOCATION_SUITES)
            .any(|(s, _)| s == suite);
        assert!(known, "{suite} #{index}: unknown suite");
        let b = &e.botocore;
        let shape_ok = if suite.ends_with("location") {
            ["configLocation", "credentialsLocation", "profile"]
                .iter()
                .all(|k| b[k].is_string())
        } else {
            b["error"].is_string() || (b["profiles"].is_object() && b["sso_sessions"].is_object())
        };
        assert!(shape_ok, "{suite} #{index}: unexpected botocore result {b}");
    }
}
