//! The public SigV4 vector suites, read at run time (never copied into the repo).
//!
//! Each vector is signed as botocore would sign it (`SigV4Auth` / `SigV4QueryAuth`, the
//! request URL `https://<host><target>`). Where botocore's own result differs from the
//! vector, `test-data/botocore-differences.json` records botocore's result (regenerate
//! it with `CREDCHAIN_SIGV4_REGEN_DIFFERENCES=1`, see `differential.rs`) and we must
//! equal botocore there instead.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use credchain_sigv4::Flavor;
use serde_json::Value;

use crate::support::{Case, Mode, RawRequest, parse_time, vectors_root};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_TIME: &str = "2015-08-30T12:36:00Z";

/// What a vector expects; `None` where the suite does not say.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expected {
    pub(crate) canonical_request: Option<String>,
    pub(crate) string_to_sign: Option<String>,
    pub(crate) signature: Option<String>,
    pub(crate) authorization: Option<String>,
}

/// One vector: suite, id, input and expectations.
#[derive(Debug, Clone)]
pub(crate) struct Vector {
    pub(crate) suite: &'static str,
    /// `<case>/<mode>`, unique within the suite.
    pub(crate) id: String,
    /// The case directory (own cases get their expectation files written there).
    pub(crate) dir: PathBuf,
    pub(crate) case: Case,
    pub(crate) expected: Expected,
    /// Context flags botocore has no switch for (`normalize=false`, `sign_body`,
    /// `omit_session_token`), for the reasons in the differences file.
    pub(crate) quirks: Vec<&'static str>,
}

impl Vector {
    pub(crate) fn key(&self) -> String {
        format!("{}/{}", self.suite, self.id)
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_opt(path: &Path) -> Option<String> {
    fs::read_to_string(path)
        .ok()
        .map(|s| s.trim_end_matches('\n').to_owned())
}

fn signature_of(authorization: &str) -> Option<String> {
    authorization
        .rsplit_once("Signature=")
        .map(|(_, s)| s.trim().to_owned())
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn base_case(raw: &RawRequest, mode: Mode) -> Case {
    Case {
        method: raw.method.clone(),
        url: raw.url(),
        headers: raw.headers.clone(),
        body: raw.body.clone(),
        unsigned: false,
        flavor: Flavor::Standard,
        mode,
        access_key: AKID.to_owned(),
        secret_key: SECRET.to_owned(),
        token: None,
        region: "us-east-1".to_owned(),
        service: "service".to_owned(),
        time: parse_time(SUITE_TIME),
        expires: 3600,
    }
}

/// Header and query vectors for each `<case>/` of a directory in the aws-c-auth layout
/// (`context.json`, `request.txt`, `{header,query}-{canonical-request,string-to-sign,
/// signature}.txt`). Our own cases may add `"flavor": "s3"` and `"payload": "unsigned"`
/// to `context.json`.
pub(crate) fn v4_layout(dir: &Path, suite: &'static str) -> Vec<Vector> {
    let mut out = Vec::new();
    for case_dir in sorted_dirs(dir) {
        let name = case_dir.file_name().unwrap().to_string_lossy().into_owned();
        let ctx: Value = serde_json::from_str(&read(&case_dir.join("context.json"))).unwrap();
        let raw = RawRequest::parse(&read(&case_dir.join("request.txt")));
        let mut quirks = Vec::new();
        if ctx["normalize"] == false {
            quirks.push("normalize=false");
        }
        if ctx["sign_body"] == true {
            quirks.push("sign_body");
        }
        if ctx["omit_session_token"] == true {
            quirks.push("omit_session_token");
        }
        for mode in [Mode::Header, Mode::Query] {
            let m = mode.as_str();
            let mut case = base_case(&raw, mode);
            let creds = &ctx["credentials"];
            case.access_key = creds["access_key_id"].as_str().unwrap().to_owned();
            case.secret_key = creds["secret_access_key"].as_str().unwrap().to_owned();
            case.token = creds["token"].as_str().map(str::to_owned);
            case.region = ctx["region"].as_str().unwrap().to_owned();
            case.service = ctx["service"].as_str().unwrap().to_owned();
            case.time = parse_time(ctx["timestamp"].as_str().unwrap());
            case.expires = ctx["expiration_in_seconds"].as_u64().unwrap_or(3600);
            if ctx["flavor"] == "s3" {
                case.flavor = Flavor::S3;
            }
            case.unsigned = ctx["payload"] == "unsigned";
            out.push(Vector {
                suite,
                id: format!("v4/{name}/{m}"),
                dir: case_dir.clone(),
                case,
                expected: Expected {
                    canonical_request: read_opt(
                        &case_dir.join(format!("{m}-canonical-request.txt")),
                    ),
                    string_to_sign: read_opt(&case_dir.join(format!("{m}-string-to-sign.txt"))),
                    signature: read_opt(&case_dir.join(format!("{m}-signature.txt"))),
                    authorization: None,
                },
                quirks: quirks.clone(),
            });
        }
    }
    out
}

/// Our own cases, `test-data/v4/`, whose expectations are botocore's output (written by
/// `CREDCHAIN_SIGV4_REGEN_DIFFERENCES=1`, see `differential.rs`).
pub(crate) const OWN_SUITE: &str = "credchain";

pub(crate) fn own_cases() -> Vec<Vector> {
    v4_layout(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/v4"),
        OWN_SUITE,
    )
}

/// `sigv4-signing-suite/v4`, plus the number of skipped v4a case directories.
fn signing_suite(root: &Path) -> (Vec<Vector>, usize) {
    let dir = root.join("sigv4-signing-suite");
    let out = v4_layout(&dir.join("v4"), "sigv4-signing-suite");
    let v4a = dir.join("v4a");
    let skipped = if v4a.is_dir() {
        sorted_dirs(&v4a).len()
    } else {
        0
    };
    (out, skipped)
}

/// `aws4-testsuite-2015`: header vectors, found as `<dir>/<dir>.req` at any depth.
fn testsuite_2015(root: &Path) -> Vec<Vector> {
    let base = root.join("aws4-testsuite-2015");
    let token = read(&base.join("post-sts-token/readme.txt"))
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap()
        .trim()
        .to_owned();
    let mut out = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(dir) = stack.pop() {
        for sub in sorted_dirs(&dir) {
            let name = sub.file_name().unwrap().to_string_lossy().into_owned();
            let req = sub.join(format!("{name}.req"));
            if !req.is_file() {
                stack.push(sub);
                continue;
            }
            let raw = RawRequest::parse(&read(&req));
            let mut case = base_case(&raw, Mode::Header);
            let mut quirks = Vec::new();
            let creq = read_opt(&sub.join(format!("{name}.creq")));
            // The session token is not a fixed suite parameter: `get-vanilla-with-session-token`
            // has it only in its canonical request, `post-sts-token/*` in readme.txt.
            case.token = creq
                .as_deref()
                .and_then(|c| {
                    c.lines()
                        .find_map(|l| l.strip_prefix("x-amz-security-token:"))
                })
                .map(str::to_owned)
                .or_else(|| name.starts_with("post-sts-header").then(|| token.clone()));
            if name == "post-sts-header-after" {
                quirks.push("omit_session_token");
            }
            let authz = read_opt(&sub.join(format!("{name}.authz")));
            let rel = sub
                .strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push(Vector {
                suite: "aws4-testsuite-2015",
                id: format!("{rel}/header"),
                dir: sub.clone(),
                case,
                expected: Expected {
                    canonical_request: creq,
                    string_to_sign: read_opt(&sub.join(format!("{name}.sts"))),
                    signature: authz.as_deref().and_then(signature_of),
                    authorization: authz,
                },
                quirks,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn authorization_line(signed_request: &str) -> Option<String> {
    signed_request.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.trim().to_owned())
    })
}

/// `sigv4-smithy-rs-extras`: parameters from SOURCE.md (they live in smithy-rs code).
fn smithy_extras(root: &Path) -> Vec<Vector> {
    let dir = root.join("sigv4-smithy-rs-extras/v4");
    let mut out = Vec::new();

    let d = dir.join("double-url-encode");
    let raw = RawRequest::parse(&read(&d.join("request.txt")));
    let mut case = base_case(&raw, Mode::Header);
    case.region = "us-east-2".to_owned();
    case.service = "lambda".to_owned();
    case.time = parse_time("20210511T154045Z");
    let authz = read_opt(&d.join("header-signed-request.txt")).and_then(|s| authorization_line(&s));
    out.push(Vector {
        suite: "sigv4-smithy-rs-extras",
        id: "v4/double-url-encode/header".to_owned(),
        dir: d.clone(),
        case,
        expected: Expected {
            canonical_request: read_opt(&d.join("header-canonical-request.txt")),
            string_to_sign: read_opt(&d.join("header-string-to-sign.txt")),
            signature: authz.as_deref().and_then(signature_of),
            authorization: authz,
        },
        quirks: Vec::new(),
    });

    let d = dir.join("double-encode-path");
    let raw = RawRequest::parse(&read(&d.join("request.txt")));
    let mut case = base_case(&raw, Mode::Header);
    case.access_key = "ANOTREAL".to_owned();
    case.secret_key = "notrealrnrELgWzOk3IfjzDKtFBhDby".to_owned();
    // The canonical request was generated at this time ...
    let mut at_2021 = case.clone();
    at_2021.time = parse_time("20210511T154045Z");
    out.push(Vector {
        suite: "sigv4-smithy-rs-extras",
        id: "v4/double-encode-path/header@20210511T154045Z".to_owned(),
        dir: d.clone(),
        case: at_2021,
        expected: Expected {
            canonical_request: read_opt(&d.join("header-canonical-request.txt")),
            ..Expected::default()
        },
        quirks: Vec::new(),
    });
    // ... and the signed request at the suite time.
    let authz = read_opt(&d.join("header-signed-request.txt")).and_then(|s| authorization_line(&s));
    out.push(Vector {
        suite: "sigv4-smithy-rs-extras",
        id: "v4/double-encode-path/header".to_owned(),
        dir: d.clone(),
        case,
        expected: Expected {
            signature: authz.as_deref().and_then(signature_of),
            authorization: authz,
            ..Expected::default()
        },
        quirks: Vec::new(),
    });
    out
}

/// All vectors plus the count of skipped v4a cases; `None` when the vectors are absent.
pub(crate) fn load_all() -> Option<(Vec<Vector>, usize)> {
    let root = vectors_root()?;
    let (mut all, skipped_v4a) = signing_suite(&root);
    all.extend(testsuite_2015(&root));
    all.extend(smithy_extras(&root));
    Some((all, skipped_v4a))
}

/// Field-by-field mismatches between a result and the vector's expectations.
pub(crate) fn mismatches(
    expected: &Expected,
    canonical_request: &str,
    string_to_sign: &str,
    signature: &str,
    authorization: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, want: Option<&String>, got: Option<&str>| {
        if let Some(want) = want {
            if got != Some(want.as_str()) {
                out.push(format!("{what}:\n  want {want:?}\n  got  {got:?}"));
            }
        }
    };
    check(
        "canonical request",
        expected.canonical_request.as_ref(),
        Some(canonical_request),
    );
    check(
        "string to sign",
        expected.string_to_sign.as_ref(),
        Some(string_to_sign),
    );
    check("signature", expected.signature.as_ref(), Some(signature));
    check(
        "authorization",
        expected.authorization.as_ref(),
        authorization,
    );
    out
}

pub(crate) const DIFFERENCES_FILE: &str = "test-data/botocore-differences.json";

/// The checked-in differences, keyed by `Vector::key`.
pub(crate) fn load_differences() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIFFERENCES_FILE);
    let doc: Value = serde_json::from_str(&read(&path)).unwrap();
    doc["differences"].as_array().cloned().unwrap_or_default()
}

#[test]
fn vectors_match_or_equal_recorded_botocore_result() {
    let (mut vectors, skipped_v4a) = load_all().unwrap_or_default();
    let public = vectors.len();
    vectors.extend(own_cases());
    let differences = load_differences();
    let mut used = BTreeSet::new();
    let (mut as_vector, mut as_botocore) = (0, 0);
    let mut failures = Vec::new();
    for v in &vectors {
        let key = v.key();
        let e = &v.expected;
        if e.canonical_request.is_none() && e.signature.is_none() && e.authorization.is_none() {
            failures.push(format!(
                "{key}: no expectation files (generate them from botocore with \
                 CREDCHAIN_SIGV4_REGEN_DIFFERENCES=1)"
            ));
            continue;
        }
        let recorded = differences.iter().find(|d| d["key"] == key.as_str());
        if let Some(err) = recorded.and_then(|d| d["botocore"]["error"].as_str()) {
            // botocore raises for this input; so must we.
            used.insert(key.clone());
            as_botocore += 1;
            if let Ok(ours) = v.case.sign() {
                failures.push(format!(
                    "{key}: botocore raises ({err}) but we signed {}",
                    ours.steps.signature
                ));
            }
            continue;
        }
        let ours = v.case.sign().unwrap_or_else(|e| panic!("{key}: {e}"));
        let s = &ours.steps;
        let want = if let Some(d) = recorded {
            used.insert(key.clone());
            as_botocore += 1;
            let b = &d["botocore"];
            let want = Expected {
                canonical_request: b["canonical_request"].as_str().map(str::to_owned),
                string_to_sign: b["string_to_sign"].as_str().map(str::to_owned),
                signature: b["signature"].as_str().map(str::to_owned),
                authorization: b["authorization"].as_str().map(str::to_owned),
            };
            assert!(
                want.signature.is_some(),
                "{key}: recorded botocore result has no signature"
            );
            want
        } else {
            as_vector += 1;
            v.expected.clone()
        };
        let problems = mismatches(
            &want,
            &s.canonical_request,
            &s.string_to_sign,
            &s.signature,
            ours.authorization.as_deref(),
        );
        if !problems.is_empty() {
            failures.push(format!(
                "{key}{}:\n{}",
                if recorded.is_some() {
                    " (vs recorded botocore)"
                } else {
                    ""
                },
                problems.join("\n")
            ));
        }
    }
    let stale: Vec<&str> = differences
        .iter()
        .filter_map(|d| d["key"].as_str())
        .filter(|k| !used.contains(*k))
        .collect();
    eprintln!(
        "sigv4 vectors: {} checked ({public} public, {} own): {as_vector} equal the vector, \
         {as_botocore} equal botocore's recorded result (botocore differs from the vector); \
         skipped {skipped_v4a} v4a cases (SigV4a/ECDSA is not implemented)",
        vectors.len(),
        vectors.len() - public,
    );
    assert!(
        public == 0 || stale.is_empty(),
        "stale entries in {DIFFERENCES_FILE}: {stale:?}"
    );
    assert!(
        failures.is_empty(),
        "{} vector failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
