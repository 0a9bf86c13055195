//! Differential test of "no request botocore would not send" (issue 8 §1):
//! ~200 generated cases (region strings, role ARNs, session names,
//! durations, external ids, MFA serials and codes, web identity tokens) run
//! through botocore (one `python3` process, `validation_diff.py`) and
//! through credchain (a fake STS that answers everything), and both must
//! reach the same outcome: the same requests sent (action and URL), or the
//! same `InvalidRegionError` / `ParamValidationError` / `ValueError` with
//! the same message. Also checks the parameter tables of
//! `credchain::sts::validate` against botocore's installed STS model.
//!
//! Skipped with one line when `python3 -c 'import botocore'` fails, unless
//! `CREDCHAIN_REQUIRE_BOTOCORE=1`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use credchain::Session;
use credchain::http::{HttpClient, Request, Response, Timeouts, TransportError};
use credchain::os::{FixedClock, MapEnv, MemFs, Os};
use credchain::sts::validate::{Kind, OPERATIONS};
use serde_json::{Value as Json, json};

const HARNESS: &str = include_str!("validation_diff.py");

const KEYS: &str = "[default]\naws_access_key_id = AKIDDIFF\naws_secret_access_key = diffsecret\n";

/// Runs every case through botocore in one process.
fn botocore_outcomes(cases: &[Json]) -> Vec<Json> {
    let mut child = Command::new("python3")
        .args(["-c", HARNESS])
        .env("NO_PROXY", "*")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut input = String::new();
    for c in cases {
        input.push_str(&c.to_string());
        input.push('\n');
    }
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out: Vec<Json> = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("a line")).expect("JSON from the harness"))
        .collect();
    writer.join().expect("writer").expect("write cases");
    assert!(child.wait().expect("python3").success());
    assert_eq!(out.len(), cases.len(), "botocore answered every case");
    out
}

/// A fake STS: answers every action with a canned document, records
/// `(action, url)`.
#[derive(Default)]
struct FakeSts(Mutex<Vec<(String, String)>>);

impl HttpClient for FakeSts {
    fn send(&self, req: &Request, _: &Timeouts) -> Result<Response, TransportError> {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let action = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("")
            .to_owned();
        self.0
            .lock()
            .expect("lock")
            .push((action.clone(), req.url.clone()));
        let inner = if action == "GetCallerIdentity" {
            "<Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>U</UserId>\
             <Account>123456789012</Account>"
                .to_owned()
        } else {
            "<Credentials><AccessKeyId>ASIADIFF</AccessKeyId><SecretAccessKey>s</SecretAccessKey>\
             <SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
             </Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/r/x</Arn></AssumedRoleUser>"
                .to_owned()
        };
        Ok(Response::new(
            200,
            format!(
                "<{action}Response><{action}Result>{inner}</{action}Result><ResponseMetadata>\
                 <RequestId>r</RequestId></ResponseMetadata></{action}Response>"
            ),
        ))
    }
    fn supports_https(&self) -> bool {
        true
    }
}

/// credchain's outcome for a case, in the harness's shape.
fn credchain_outcome(case: &Json) -> Json {
    let s = |k: &str| case[k].as_str().unwrap_or("").to_owned();
    let mut env: Vec<(String, String)> = vec![
        ("HOME".into(), "/home".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    if let Some(m) = case["env"].as_object() {
        for (k, v) in m {
            env.push((k.clone(), v.as_str().unwrap_or("").to_owned()));
        }
    }
    let mut fs = MemFs::new()
        .with_file("/home/.aws/config", s("config"))
        .with_file("/home/.aws/credentials", s("credentials"));
    if let Some([path, text]) = case["token_file"].as_array().map(Vec::as_slice) {
        fs = fs.with_file(
            path.as_str().unwrap_or(""),
            text.as_str().unwrap_or("").to_owned(),
        );
    }
    let http = Arc::new(FakeSts::default());
    let mut b = Session::builder()
        .os(Os {
            env: Arc::new(MapEnv::from_pairs(env)),
            fs: Arc::new(fs),
            clock: Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_795_910_400))),
        })
        .http_client(http.clone());
    if let Some(p) = case["profile"].as_str() {
        b = b.profile_name(p);
    }
    if let Some(r) = case["region"].as_str() {
        b = b.region_name(r);
    }
    let session = b.build();
    let result = match case["op"].as_str() {
        Some("gci") => session.sts_client().and_then(|c| {
            let creds = session.get_credentials()?.expect("static keys");
            c.get_caller_identity(&creds).map(|_| ())
        }),
        Some("creds") => session.get_credentials().map(|_| ()),
        Some("session_token") => session.sts_client().and_then(|c| {
            let creds = session.get_credentials()?.expect("static keys");
            let p = &case["params"];
            c.get_session_token(
                &creds,
                p["DurationSeconds"].as_i64(),
                p["SerialNumber"].as_str(),
                p["TokenCode"].as_str(),
            )
            .map(|_| ())
        }),
        other => panic!("unknown op {other:?}"),
    };
    let sent: Vec<Json> = http
        .0
        .lock()
        .expect("lock")
        .iter()
        .map(|(a, u)| json!([a, u]))
        .collect();
    match result {
        Ok(()) => json!({"kind": "sent", "sent": sent}),
        Err(e) => json!({"kind": e.kind(), "message": e.to_string(), "sent": sent}),
    }
}

/// xorshift64*: reproducible cases without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// `len` characters from `alphabet`.
    fn string(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| chars[self.below(chars.len())]).collect()
    }
}

/// A region: known good, known bad, or random over a hostile alphabet.
fn region(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => rng
            .pick(&[
                "us-east-1",
                "eu-west-3",
                "cn-north-1",
                "us-gov-west-1",
                "aws-global",
                "a",
                "ab-1",
                "x1",
            ])
            .to_owned(),
        1 => rng
            .pick(&[
                "US_EAST_1",
                "us east 1",
                "",
                "123",
                "-us",
                "us-",
                "a.b",
                "ab_c",
                "é",
                "us-east-1/x",
                "us-east-1:443",
            ])
            .to_owned(),
        _ => {
            let len = [0, 1, 2, 9, 62, 63, 64][rng.below(7)];
            rng.string("abcz09-AZ_. ", len)
        }
    }
}

/// A string of a length around `min` (the model's minimum).
fn around(rng: &mut Rng, min: usize, alphabet: &str) -> String {
    let len = (min + 2).saturating_sub(rng.below(5));
    rng.string(alphabet, len)
}

fn role_arn(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => "myrole".to_owned(),
        1 => format!("arn:aws:iam::123456789012:role/{}", rng.string("ab", 1)),
        2 => around(rng, 20, "arn:iam/x"),
        _ => "arn:aws:iam::123456789012:role/é".to_owned(),
    }
}

/// The generated cases: region forms for GetCallerIdentity, role profiles,
/// web identity and GetSessionToken parameters.
fn cases(tmp: &std::path::Path) -> Vec<Json> {
    let mut rng = Rng(0x5eed_cafe_f00d_0008);
    let mut out = Vec::new();
    for i in 0..70 {
        // Region for GetCallerIdentity: in the config (stripped by the
        // parser, so only values that survive it), the env (anything) or
        // explicit.
        let r = region(&mut rng);
        let case = match i % 3 {
            0 if r.trim() == r && !r.contains('\n') => {
                json!({"op": "gci", "credentials": KEYS,
                       "config": format!("[default]\nregion = {r}\n")})
            }
            1 => {
                let r = if rng.below(4) == 0 {
                    format!("{r}\n")
                } else {
                    r
                };
                json!({"op": "gci", "credentials": KEYS, "config": "",
                       "env": {"AWS_DEFAULT_REGION": r}})
            }
            _ => json!({"op": "gci", "credentials": KEYS, "config": "", "region": r}),
        };
        out.push(case);
    }
    for _ in 0..70 {
        let mut profile = format!(
            "[default]\nrole_arn = {}\nsource_profile = k\n",
            role_arn(&mut rng)
        );
        if rng.below(2) == 0 {
            let _ = std::fmt::Write::write_fmt(
                &mut profile,
                format_args!("role_session_name = {}\n", around(&mut rng, 2, "ab=,.@-")),
            );
        }
        if rng.below(2) == 0 {
            let _ = std::fmt::Write::write_fmt(
                &mut profile,
                format_args!("external_id = {}\n", around(&mut rng, 2, "xy:/")),
            );
        }
        if rng.below(2) == 0 {
            let d = [0, 899, 900, 901, 3600, 43_200, 50_000][rng.below(7)];
            let _ =
                std::fmt::Write::write_fmt(&mut profile, format_args!("duration_seconds = {d}\n"));
        }
        let r = region(&mut rng);
        if r.trim() == r && rng.below(3) > 0 {
            let _ = std::fmt::Write::write_fmt(&mut profile, format_args!("region = {r}\n"));
        } else {
            profile.push_str("region = us-west-2\n");
        }
        profile.push_str("[profile k]\naws_access_key_id = AKIDK\naws_secret_access_key = ks\n");
        out.push(json!({"op": "creds", "config": profile}));
    }
    for i in 0..30 {
        let token = around(&mut rng, 4, "jwt.");
        let path = tmp.join(format!("token-{i}"));
        let mut profile = format!(
            "[default]\nrole_arn = {}\nweb_identity_token_file = {}\nregion = us-east-1\n",
            role_arn(&mut rng),
            path.display()
        );
        if rng.below(2) == 0 {
            let _ = std::fmt::Write::write_fmt(
                &mut profile,
                format_args!("role_session_name = {}\n", around(&mut rng, 2, "ab")),
            );
        }
        out.push(json!({"op": "creds", "config": profile,
                        "token_file": [path.display().to_string(), token]}));
    }
    for _ in 0..30 {
        let mut params = serde_json::Map::new();
        if rng.below(2) == 0 {
            let d = [0, 899, 900, 129_600, 129_601][rng.below(5)];
            params.insert("DurationSeconds".into(), json!(d));
        }
        if rng.below(2) == 0 {
            params.insert(
                "SerialNumber".into(),
                json!(around(&mut rng, 9, "arn:mfa/0")),
            );
        }
        if rng.below(2) == 0 {
            params.insert("TokenCode".into(), json!(around(&mut rng, 6, "0123456789")));
        }
        out.push(json!({"op": "session_token", "credentials": KEYS,
                        "config": "[default]\nregion = us-east-1\n", "params": params}));
    }
    out
}

#[test]
fn region_and_parameter_validation_agree_with_botocore() {
    if !crate::botocore_available("validation differential") {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases = cases(tmp.path());
    assert!(cases.len() >= 200);
    let theirs = botocore_outcomes(&cases);
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut diffs = Vec::new();
    for (case, want) in cases.iter().zip(&theirs) {
        let got = credchain_outcome(case);
        *kinds
            .entry(want["kind"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
        let same = got["kind"] == want["kind"]
            && got["sent"] == want["sent"]
            && (want["kind"] == "sent" || got["message"] == want["message"]);
        if !same {
            diffs.push(format!(
                "case {case}\n  botocore  {want}\n  credchain {got}"
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} of {} cases differ:\n{}",
        diffs.len(),
        cases.len(),
        diffs.join("\n")
    );
    // The generator must reach every outcome kind, or the test proves less
    // than it says.
    for k in [
        "sent",
        "InvalidRegionError",
        "ParamValidationError",
        "ValueError",
    ] {
        assert!(kinds.get(k).copied().unwrap_or(0) >= 5, "{k}: {kinds:?}");
    }
}

#[test]
fn parameter_tables_match_botocores_sts_model() {
    if !crate::botocore_available("validation differential") {
        return;
    }
    let ops: Vec<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    let script = format!(
        "import json, botocore.session\n\
         m = botocore.session.get_session().get_service_model('sts')\n\
         out = {{}}\n\
         for op in {ops:?}:\n\
         \x20   s = m.operation_model(op).input_shape\n\
         \x20   out[op] = {{'required': list(s.required_members) if s else [],\n\
         \x20       'members': {{k: {{'type': v.type_name, 'min': v.metadata.get('min'),\n\
         \x20           'max': v.metadata.get('max'), 'pattern': v.metadata.get('pattern')}}\n\
         \x20           for k, v in (s.members.items() if s else [])}}}}\n\
         print(json.dumps(out))\n"
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    for op in OPERATIONS {
        let m = &model[op.name];
        assert_eq!(m["required"], json!(op.required), "{} required", op.name);
        for member in op.members {
            let want = &m["members"][member.name];
            let kind = match member.kind {
                Kind::String => "string",
                Kind::Integer => "integer",
            };
            assert_eq!(want["type"], kind, "{}.{}", op.name, member.name);
            assert_eq!(
                want["min"],
                json!(member.min),
                "{}.{} min",
                op.name,
                member.name
            );
            assert_eq!(
                want["max"],
                json!(member.max),
                "{}.{} max",
                op.name,
                member.name
            );
            assert_eq!(
                want["pattern"],
                json!(member.pattern),
                "{}.{} pattern",
                op.name,
                member.name
            );
        }
    }
}
