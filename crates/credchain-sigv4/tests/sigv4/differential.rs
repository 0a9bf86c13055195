//! Our signer against botocore's, through `tests/differential/sigv4_diff.py`.
//!
//! These tests fail (they do not skip) when python3/botocore is missing: CI installs
//! botocore, and a silently skipped reference comparison would prove nothing.
//!
//! `CREDCHAIN_SIGV4_REGEN_DIFFERENCES=1` rewrites `test-data/botocore-differences.json`
//! from the live botocore results.

use credchain_sigv4::Flavor;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{Botocore, Case, Mode};
use crate::vectors::{DIFFERENCES_FILE, OWN_SUITE, Vector, load_all, mismatches, own_cases};

/// Cases for the random comparison (at least 500); `CREDCHAIN_SIGV4_DIFF_CASES` raises it
/// for a longer local run.
const PROPTEST_CASES: u32 = 600;

fn proptest_cases() -> u32 {
    std::env::var("CREDCHAIN_SIGV4_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(PROPTEST_CASES, |n: u32| n.max(PROPTEST_CASES))
}

/// Compares our result for `case` with botocore's `result`; `Err` describes the gap.
fn compare(case: &Case, result: &Value) -> Result<(), String> {
    let ours = match case.sign() {
        // Both reject the input (a bad port, say): agreement.
        Err(_) if result["error"].is_string() => return Ok(()),
        Err(e) => return Err(format!("we failed: {e}; botocore: {result}")),
        Ok(ours) => ours,
    };
    if let Some(err) = result["error"].as_str() {
        return Err(format!(
            "botocore raised {err}; we signed {:?}",
            ours.steps.signature
        ));
    }
    let s = &ours.steps;
    let mut gaps = Vec::new();
    let mut check = |what: &str, want: &Value, got: &str| {
        if want.as_str() != Some(got) {
            gaps.push(format!("{what}:\n  botocore {want}\n  ours     {got:?}"));
        }
    };
    check(
        "canonical request",
        &result["canonical_request"],
        &s.canonical_request,
    );
    check(
        "string to sign",
        &result["string_to_sign"],
        &s.string_to_sign,
    );
    check("signature", &result["signature"], &s.signature);
    match case.mode {
        Mode::Header => {
            check(
                "authorization",
                &result["authorization"],
                ours.authorization.as_deref().unwrap_or_default(),
            );
            let headers: Vec<(String, String)> = result["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap().to_owned(),
                        p[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            if headers != ours.headers {
                gaps.push(format!(
                    "headers after signing:\n  botocore {headers:?}\n  ours     {:?}",
                    ours.headers
                ));
            }
        }
        Mode::Query => {
            let url = result["url"].as_str().unwrap_or_default();
            let query = url.split_once('?').map_or("", |(_, q)| q);
            check(
                "presigned query",
                &json!(query),
                ours.query.as_deref().unwrap_or_default(),
            );
        }
    }
    if gaps.is_empty() {
        Ok(())
    } else {
        Err(gaps.join("\n"))
    }
}

/// Why botocore's result differs from a vector, for the differences file.
fn reason(v: &Vector, botocore: &Value) -> String {
    if botocore["error"].is_string() {
        return "botocore's presigner moves the body into the query string and raises for a \
                non-JSON body; credchain-sigv4 rejects presigning with a body"
            .to_owned();
    }
    if let Some(quirk) = v.quirks.first() {
        return match *quirk {
            "normalize=false" => "the vector asks for an unnormalized path; botocore's SigV4Auth \
                                  always removes dot segments and empty segments"
                .to_owned(),
            "sign_body" if v.case.mode == Mode::Header => "the vector signs an \
                x-amz-content-sha256 header; botocore's SigV4Auth adds it only for S3 or an \
                unsigned payload"
                .to_owned(),
            "omit_session_token" => "the vector adds the session token after signing; \
                botocore always signs X-Amz-Security-Token (a header, or a query parameter \
                when presigning)"
                .to_owned(),
            _ => format!("vector context `{quirk}` has no botocore equivalent"),
        };
    }
    let cr = botocore["canonical_request"].as_str().unwrap_or_default();
    let want = v.expected.canonical_request.as_deref().unwrap_or_default();
    let line = |s: &str, i: usize| s.split('\n').nth(i).unwrap_or_default().to_owned();
    if v.case.mode == Mode::Header && line(cr, 2) != line(want, 2) {
        return "botocore signs the URL query string verbatim (it expects an already \
                percent-encoded query) and does not re-encode it"
            .to_owned();
    }
    if line(cr, 1) != line(want, 1) {
        return "botocore canonicalizes this path differently".to_owned();
    }
    "botocore's canonical request differs from the vector".to_owned()
}

#[test]
fn vectors_agree_with_live_botocore() {
    let regen = std::env::var_os("CREDCHAIN_SIGV4_REGEN_DIFFERENCES").is_some();
    let public = load_all();
    let have_public = public.is_some();
    let (mut vectors, _) = public.unwrap_or_default();
    vectors.extend(own_cases());
    let mut botocore = Botocore::start();
    let mut differences = Vec::new();
    let mut failures = Vec::new();
    for v in &vectors {
        let result = botocore.sign(&v.case);
        if let Err(gap) = compare(&v.case, &result) {
            failures.push(format!("{}:\n{gap}", v.key()));
            continue;
        }
        if v.suite == OWN_SUITE {
            // Our own cases expect botocore's output by construction.
            assert!(
                result["error"].is_null(),
                "{}: botocore raised: {result}",
                v.key()
            );
            if regen {
                write_own_expectations(v, &result);
            }
            continue;
        }
        if let Some(err) = result["error"].as_str() {
            differences.push(json!({
                "key": v.key(),
                "reason": reason(v, &result),
                "botocore": { "error": err },
            }));
            continue;
        }
        let gaps = mismatches(
            &v.expected,
            result["canonical_request"].as_str().unwrap_or_default(),
            result["string_to_sign"].as_str().unwrap_or_default(),
            result["signature"].as_str().unwrap_or_default(),
            result["authorization"].as_str(),
        );
        if !gaps.is_empty() {
            differences.push(json!({
                "key": v.key(),
                "reason": reason(v, &result),
                "botocore": {
                    "canonical_request": result["canonical_request"],
                    "string_to_sign": result["string_to_sign"],
                    "signature": result["signature"],
                    "authorization": result["authorization"],
                },
            }));
        }
    }
    eprintln!(
        "sigv4 vectors vs live botocore: {} compared, {} failures, botocore differs from \
         {} vectors",
        vectors.len(),
        failures.len(),
        differences.len()
    );
    assert!(
        failures.is_empty(),
        "ours != botocore:\n{}",
        failures.join("\n\n")
    );
    if !have_public {
        // Without the public vectors the differences file can be neither checked nor
        // regenerated.
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DIFFERENCES_FILE);
    let doc = json!({
        "about": "SigV4 vectors where botocore's signer disagrees with the vector. credchain \
                  follows botocore, so tests/sigv4/vectors.rs asserts these recorded botocore \
                  results instead of the vector's. Regenerate with \
                  CREDCHAIN_SIGV4_REGEN_DIFFERENCES=1 cargo test -p credchain-sigv4 --test \
                  sigv4 vectors_agree_with_live_botocore",
        "botocore_version": botocore_version(),
        "differences": differences,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if regen {
        std::fs::write(&path, text).unwrap();
    } else {
        let current: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            current["differences"], doc["differences"],
            "{DIFFERENCES_FILE} is out of date with the installed botocore; regenerate it \
             with CREDCHAIN_SIGV4_REGEN_DIFFERENCES=1"
        );
    }
}

fn write_own_expectations(v: &Vector, result: &Value) {
    let m = v.case.mode.as_str();
    for (file, key) in [
        ("canonical-request", "canonical_request"),
        ("string-to-sign", "string_to_sign"),
        ("signature", "signature"),
    ] {
        let text = result[key].as_str().unwrap();
        std::fs::write(v.dir.join(format!("{m}-{file}.txt")), text).unwrap();
    }
}

fn botocore_version() -> String {
    std::process::Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
        .args(["-c", "import botocore; print(botocore.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Random requests

/// Characters that stress encoding: reserved, unreserved, `%`, space, non-ASCII.
const PATH_CHARS: &str = "[a-zA-Z0-9._~%:@!$'()*+,;= &é\u{1234}-]{0,6}";
const QUERY_CHARS: &str = "[a-zA-Z0-9._~%:@/+ =é\u{1234}-]{0,6}";
const VALUE_CHARS: &str = "[ -~\t\u{a0}\u{1c}\u{2003}\u{3000}é\n]{0,16}";

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
            .prop_map(str::to_owned),
        "[a-zA-Z]{1,7}",
    ]
}

fn url() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        3 => PATH_CHARS.prop_map(|s: String| s),
        1 => prop::sample::select(vec!["", ".", ".."]).prop_map(str::to_owned),
    ];
    let field = (QUERY_CHARS, prop::option::of(QUERY_CHARS))
        .prop_map(|(k, v)| v.map_or(k.clone(), |v| format!("{k}={v}")));
    (
        prop::sample::select(vec!["https", "http", "HTTPS"]),
        "[a-zA-Z0-9][a-zA-Z0-9.-]{0,15}",
        prop::option::of(prop_oneof![
            4 => prop_oneof![Just(80u32), Just(443u32), 0u32..=65_535].prop_map(|p| p.to_string()),
            1 => prop::sample::select(vec!["", "0443", "65536", "x"]).prop_map(str::to_owned),
        ]),
        prop::collection::vec(segment, 0..5),
        prop::option::of(prop::collection::vec(field, 0..5)),
    )
        .prop_map(|(scheme, host, port, segments, query)| {
            let mut url = format!("{scheme}://{host}");
            if let Some(port) = port {
                url.push(':');
                url.push_str(&port);
            }
            for s in segments {
                url.push('/');
                url.push_str(&s);
            }
            if let Some(fields) = query {
                url.push('?');
                url.push_str(&fields.join("&"));
            }
            url
        })
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "Host",
            "host",
            "Content-Type",
            "content-type",
            "X-Amz-Meta-Foo",
            "User-Agent",
            "Expect",
            "x-amzn-trace-id",
            "Transfer-Encoding",
            "Date",
            "X-Amz-Date",
            "Authorization",
            "X-Amz-Security-Token",
            "X-Amz-Content-SHA256",
            "Content-MD5",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z0-9!#$&'*+.^_`|~-]{1,10}",
    ];
    let value = prop_oneof![
        4 => VALUE_CHARS.prop_map(|s: String| s),
        1 => Just("application/x-www-form-urlencoded; charset=utf-8".to_owned()),
    ];
    (name, value)
}

prop_compose! {
    fn case()(
        method in method(),
        url in url(),
        headers in prop::collection::vec(header(), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..48),
        unsigned in prop::bool::weighted(0.25),
        s3 in any::<bool>(),
        query_mode in prop::bool::weighted(0.4),
        access_key in "[A-Z0-9]{1,20}",
        secret_key in "[ -~é]{0,40}",
        token in prop::option::of("[a-zA-Z0-9/+=]{0,40}"),
        region in "[a-z0-9-]{1,14}",
        service in "[a-z0-9-]{1,10}",
        time in 0u64..=253_402_300_799,
        expires in 1u64..=604_800,
    ) -> Case {
        let mode = if query_mode { Mode::Query } else { Mode::Header };
        Case {
            method,
            url,
            headers,
            // botocore moves a presigned body into the query when it is a JSON object,
            // list or string (we reject every body), so presigned bodies avoid `{["`:
            // both sides then fail.
            // `Payload::Unsigned` carries no body, so unsigned presigned cases have none.
            body: if mode == Mode::Query && unsigned {
                Vec::new()
            } else if mode == Mode::Query {
                body.into_iter().filter(|b| !b"{[\"".contains(b)).collect()
            } else {
                body
            },
            unsigned,
            flavor: if s3 { Flavor::S3 } else { Flavor::Standard },
            mode,
            access_key,
            secret_key,
            token,
            region,
            service,
            time,
            expires,
        }
    }
}

#[test]
fn random_requests_match_botocore() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: proptest_cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let botocore = std::cell::RefCell::new(Botocore::start());
    let compared = std::cell::Cell::new(0u32);
    let outcome = runner.run(&case(), |case| {
        let result = botocore.borrow_mut().sign(&case);
        compared.set(compared.get() + 1);
        if let Err(gap) = compare(&case, &result) {
            prop_assert!(false, "{}\ninput: {}", gap, case.to_json());
        }
        Ok(())
    });
    eprintln!(
        "sigv4 differential: {} random requests compared with botocore",
        compared.get()
    );
    if let Err(e) = outcome {
        panic!("{e}");
    }
    assert!(compared.get() >= proptest_cases());
}

#[test]
fn canonicalization_never_panics_on_arbitrary_input() {
    // Arbitrary strings everywhere, no botocore: signing must return Ok or Err.
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let strategy = (
        ".*",
        ".*",
        prop::collection::vec((".*", ".*"), 0..4),
        any::<bool>(),
        any::<bool>(),
    );
    runner
        .run(&strategy, |(method, url, headers, s3, query)| {
            let case = Case {
                method,
                url,
                headers,
                body: Vec::new(),
                unsigned: false,
                flavor: if s3 { Flavor::S3 } else { Flavor::Standard },
                mode: if query { Mode::Query } else { Mode::Header },
                access_key: "AKID".into(),
                secret_key: "secret".into(),
                token: Some("t".into()),
                region: "r".into(),
                service: "s".into(),
                time: 0,
                expires: 1,
            };
            let _ = case.sign();
            Ok(())
        })
        .unwrap();
}
