//! SSO differential against botocore (issue 11): generated scenarios —
//! legacy and sso-session profiles; valid, near-expiry and expired tokens;
//! refresh success and failure; missing, corrupt and invalid token files;
//! missing keys, unknown sessions, inconsistent values; portal faults; the
//! four ways to configure the endpoints — each run by botocore
//! (`tests/differential/sso_diff.py`) and by credchain against the same
//! fake portal + SSO-OIDC (`credchain::testkit::sso`) and identical HOMEs.
//! Both must resolve the same credentials or raise the same error kind;
//! where botocore refreshed and rewrote the token file, credchain must
//! have written the same document.
//!
//! Also: a token file written by credchain's refresh is read by botocore's
//! `SSOTokenProvider`, and one written by botocore's refresh by credchain.
//!
//! Skips with one line when `python3 -c 'import botocore'` fails, unless
//! `CREDCHAIN_REQUIRE_BOTOCORE=1`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use credchain::Session;
use credchain::os::{MapEnv, Os, RealClock, RealFs, RecordingSleep};
use credchain::sso::token;
use credchain::testkit::LoopbackClient;
use credchain::testkit::sso::FakeSso;
use serde_json::{Value as Json, json};

const URL: &str = "https://d-9999.awsapps.com/start";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential/sso_diff.py")
}

fn at(secs: i64) -> String {
    let t = if secs >= 0 {
        SystemTime::now() + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::now() - Duration::from_secs(secs.unsigned_abs())
    };
    token::utc_z(t)
}

#[derive(Clone, Copy, Debug)]
enum Endpoints {
    /// `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL_SSO_OIDC`.
    ServiceEnv,
    /// `AWS_ENDPOINT_URL`.
    GlobalEnv,
    /// `[services X]` with `sso =` and `sso_oidc =` blocks.
    Services,
    /// The profile's `endpoint_url`.
    Profile,
}

#[derive(Clone, Debug)]
struct Scenario {
    name: String,
    /// The `[profile p]` body (without endpoint settings).
    profile_body: String,
    /// Extra config sections.
    extra: String,
    credentials: Option<String>,
    /// `(key source, document text)`.
    token: Option<(String, String)>,
    explicit: bool,
    endpoints: Endpoints,
}

const LEGACY: &str = "sso_start_url = https://d-9999.awsapps.com/start\nsso_region = us-east-1\n\
                      sso_account_id = 123456789012\nsso_role_name = Admin\n";
const SESSION_PROFILE: &str = "sso_session = corp\nsso_account_id = 123456789012\n\
                               sso_role_name = Admin\n";
const SESSION_SECTION: &str = "[sso-session corp]\nsso_start_url = https://d-9999.awsapps.com/start\n\
                               sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n";

fn token_text(access: &str, expires: &str, refresh: Option<(&str, &str)>) -> String {
    let mut doc = json!({"startUrl": URL, "region": "us-east-1", "accessToken": access,
        "expiresAt": expires});
    if let Some((rt, reg)) = refresh {
        doc["clientId"] = "cid-1".into();
        doc["clientSecret"] = "csecret-1".into();
        doc["registrationExpiresAt"] = reg.into();
        doc["refreshToken"] = rt.into();
    }
    doc.to_string()
}

/// The generated scenarios (each once with `--profile` and once with
/// `AWS_PROFILE`).
fn scenarios() -> Vec<Scenario> {
    let reg = at(86_400);
    let mut base: Vec<Scenario> = Vec::new();
    let mut add = |name: &str,
                   profile_body: &str,
                   extra: &str,
                   credentials: Option<&str>,
                   token: Option<(&str, String)>,
                   endpoints: Endpoints| {
        base.push(Scenario {
            name: name.to_owned(),
            profile_body: profile_body.to_owned(),
            extra: extra.to_owned(),
            credentials: credentials.map(str::to_owned),
            token: token.map(|(k, t)| (k.to_owned(), t)),
            explicit: true,
            endpoints,
        });
    };
    let e = Endpoints::ServiceEnv;
    // Legacy tokens (P-SSO-4/5/7).
    let legacy_tokens: Vec<(&str, Option<String>)> = vec![
        ("valid", Some(token_text("tok-legacy", &at(3600), None))),
        ("expired", Some(token_text("tok-legacy", &at(-600), None))),
        (
            "near expiry (no refresh in legacy)",
            Some(token_text("tok-legacy", &at(300), None)),
        ),
        ("missing file", None),
        (
            "no accessToken",
            Some(json!({"expiresAt": at(3600)}).to_string()),
        ),
        (
            "no expiresAt",
            Some(json!({"accessToken": "x"}).to_string()),
        ),
        ("corrupt JSON", Some("{\"accessToken\": ".into())),
        ("JSON list", Some("[1, 2]".into())),
        (
            "naive expiresAt",
            Some(json!({"accessToken": "x", "expiresAt": "2099-01-01T00:00:00"}).to_string()),
        ),
        (
            "garbage expiresAt",
            Some(json!({"accessToken": "x", "expiresAt": "soon"}).to_string()),
        ),
        (
            "portal 401",
            Some(token_text("unauthorized-1", &at(3600), None)),
        ),
        (
            "portal 403",
            Some(token_text("forbidden-1", &at(3600), None)),
        ),
        (
            "portal 429",
            Some(token_text("throttle-1", &at(3600), None)),
        ),
        (
            "portal malformed",
            Some(token_text("malformed-1", &at(3600), None)),
        ),
    ];
    for (n, t) in &legacy_tokens {
        add(
            &format!("legacy, {n}"),
            LEGACY,
            "",
            None,
            t.clone().map(|t| (URL, t)),
            e,
        );
    }
    // sso-session tokens (P-SSO-6).
    let s = |access: &str, exp: i64, rt: Option<&str>| {
        Some(token_text(access, &at(exp), rt.map(|r| (r, reg.as_str()))))
    };
    let session_tokens: Vec<(&str, Option<String>)> = vec![
        ("valid", s("tok-s1", 3600, Some("rt-ok-1"))),
        ("valid, 1000 s left", s("tok-s2", 1000, Some("rt-ok-2"))),
        ("near expiry, refresh ok", s("tok-s3", 600, Some("rt-ok-3"))),
        (
            "near expiry, refresh rejected",
            s("tok-s4", 600, Some("rt-fail-4")),
        ),
        (
            "near expiry, refresh throttled",
            s("tok-s5", 600, Some("rt-throttle-5")),
        ),
        (
            "near expiry, refresh 500",
            s("tok-s6", 600, Some("rt-servererror-6")),
        ),
        (
            "near expiry, refresh malformed",
            s("tok-s7", 600, Some("rt-malformed-7")),
        ),
        ("near expiry, no refresh fields", s("tok-s8", 600, None)),
        (
            "near expiry, registration expired",
            Some(token_text("tok-s9", &at(600), Some(("rt-ok-9", &at(-60))))),
        ),
        ("expired, refresh ok", s("tok-s10", -600, Some("rt-ok-10"))),
        (
            "expired, refresh rejected",
            s("tok-s11", -600, Some("rt-fail-11")),
        ),
        (
            "expired, refresh gives expired token",
            s("tok-s12", -600, Some("rt-zero-12")),
        ),
        ("expired, no refresh fields", s("tok-s13", -600, None)),
        ("missing file", None),
        (
            "no accessToken",
            Some(json!({"expiresAt": at(3600)}).to_string()),
        ),
        ("corrupt JSON", Some("not json at all".into())),
        ("portal 401", s("unauthorized-2", 3600, Some("rt-ok-x"))),
        ("portal 403", s("forbidden-2", 3600, Some("rt-ok-x"))),
        ("portal 429", s("throttle-2", 3600, Some("rt-ok-x"))),
        ("portal malformed", s("malformed-2", 3600, Some("rt-ok-x"))),
        (
            "near expiry, second refresh ok",
            s("tok-s14", 899, Some("rt-ok-14")),
        ),
    ];
    for (n, t) in &session_tokens {
        add(
            &format!("session, {n}"),
            SESSION_PROFILE,
            SESSION_SECTION,
            None,
            t.clone().map(|t| ("corp", t)),
            e,
        );
    }
    // Configuration errors (P-SSO-1/2), with a valid token where one applies.
    let valid_session = || {
        Some((
            "corp",
            token_text("tok-c", &at(3600), Some(("rt-ok-c", &reg))),
        ))
    };
    let valid_legacy = || Some((URL, token_text("tok-l", &at(3600), None)));
    for key in [
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
    ] {
        let body: String =
            LEGACY
                .lines()
                .filter(|l| !l.starts_with(key))
                .fold(String::new(), |mut acc, l| {
                    acc.push_str(l);
                    acc.push('\n');
                    acc
                });
        add(
            &format!("legacy without {key}"),
            &body,
            "",
            None,
            valid_legacy(),
            e,
        );
    }
    add(
        "only sso_role_name",
        "sso_role_name = Admin\n",
        "",
        None,
        None,
        e,
    );
    add(
        "only sso_account_id",
        "sso_account_id = 1\n",
        "",
        None,
        None,
        e,
    );
    add(
        "sso_start_url alone is no trigger",
        "sso_start_url = https://x\n",
        "",
        None,
        None,
        e,
    );
    add(
        "unknown session",
        SESSION_PROFILE,
        "",
        None,
        valid_session(),
        e,
    );
    add(
        "inconsistent region",
        &format!("{SESSION_PROFILE}sso_region = us-west-2\n"),
        SESSION_SECTION,
        None,
        valid_session(),
        e,
    );
    add(
        "consistent duplicate region",
        &format!("{SESSION_PROFILE}sso_region = us-east-1\n"),
        SESSION_SECTION,
        None,
        valid_session(),
        e,
    );
    add(
        "inconsistent start url",
        &format!("{SESSION_PROFILE}sso_start_url = https://other/start\n"),
        SESSION_SECTION,
        None,
        valid_session(),
        e,
    );
    add(
        "session without sso_region",
        SESSION_PROFILE,
        "[sso-session corp]\nsso_start_url = https://d-9999.awsapps.com/start\n",
        None,
        valid_session(),
        e,
    );
    add(
        "session without start url, profile has it",
        &format!("{SESSION_PROFILE}sso_start_url = {URL}\n"),
        "[sso-session corp]\nsso_region = us-east-1\n",
        None,
        valid_session(),
        e,
    );
    add(
        "empty session section",
        &format!("{SESSION_PROFILE}sso_start_url = {URL}\nsso_region = us-east-1\n"),
        "[sso-session corp]\n",
        None,
        valid_session(),
        e,
    );
    add(
        "sso keys from the credentials file",
        "",
        "",
        Some(&format!("[p]\n{LEGACY}")),
        valid_legacy(),
        e,
    );
    add(
        "sso beats credentials-file keys",
        SESSION_PROFILE,
        SESSION_SECTION,
        Some("[p]\naws_access_key_id = AKIASTATIC\naws_secret_access_key = s\n"),
        valid_session(),
        e,
    );
    // Endpoint configuration (valid and refreshing tokens).
    for (endpoints, label) in [
        (Endpoints::GlobalEnv, "AWS_ENDPOINT_URL"),
        (Endpoints::Services, "[services] sso/sso_oidc"),
        (Endpoints::Profile, "profile endpoint_url"),
    ] {
        add(
            &format!("{label}, legacy"),
            LEGACY,
            "",
            None,
            valid_legacy(),
            endpoints,
        );
        add(
            &format!("{label}, session refresh"),
            SESSION_PROFILE,
            SESSION_SECTION,
            None,
            Some((
                "corp",
                token_text("tok-ep", &at(300), Some(("rt-ok-ep", &reg))),
            )),
            endpoints,
        );
    }
    let mut all = base.clone();
    for mut sc in base {
        sc.explicit = false;
        sc.name.push_str(" (AWS_PROFILE)");
        all.push(sc);
    }
    all
}

/// Writes one HOME for `sc`; returns its env and token file path.
fn prepare(home: &Path, sc: &Scenario, sso: &FakeSso) -> (Vec<(String, String)>, Option<PathBuf>) {
    let url = sso.url();
    let mut profile = sc.profile_body.clone();
    let mut extra = sc.extra.clone();
    let mut env = vec![
        ("HOME".to_owned(), home.to_str().unwrap().to_owned()),
        (
            "AWS_CONFIG_FILE".to_owned(),
            home.join(".aws/config").to_str().unwrap().to_owned(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            home.join(".aws/credentials").to_str().unwrap().to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        // No back-off sleeps in either implementation.
        ("AWS_MAX_ATTEMPTS".to_owned(), "1".to_owned()),
    ];
    match sc.endpoints {
        Endpoints::ServiceEnv => {
            env.push(("AWS_ENDPOINT_URL_SSO".into(), url.clone()));
            env.push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), url.clone()));
        }
        Endpoints::GlobalEnv => env.push(("AWS_ENDPOINT_URL".into(), url.clone())),
        Endpoints::Services => {
            profile.push_str("services = fake\n");
            let _ = write!(
                extra,
                "[services fake]\nsso =\n  endpoint_url = {url}\nsso_oidc =\n  endpoint_url = {url}\n"
            );
        }
        Endpoints::Profile => {
            let _ = writeln!(profile, "endpoint_url = {url}");
        }
    }
    if !sc.explicit {
        env.push(("AWS_PROFILE".into(), "p".into()));
    }
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        format!("[profile p]\n{profile}{extra}"),
    )
    .unwrap();
    if let Some(c) = &sc.credentials {
        std::fs::write(home.join(".aws/credentials"), c).unwrap();
    }
    let path = sc.token.as_ref().map(|(key, text)| {
        let dir = home.join(".aws/sso/cache");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("{}.json", token::sha1_hex(key)));
        std::fs::write(&p, text).unwrap();
        p
    });
    (env, path)
}

fn ours(env: &[(String, String)], explicit: bool, token_file: Option<&Path>) -> Json {
    let os = Os {
        env: Arc::new(MapEnv::from_pairs(env.iter().cloned())),
        fs: Arc::new(RealFs),
        clock: Arc::new(RealClock),
    };
    let mut b = Session::builder()
        .os(os)
        .http_client(Arc::new(LoopbackClient::default()))
        .sleep(Arc::new(RecordingSleep::default()));
    if explicit {
        b = b.profile_name("p");
    }
    let mut out = match b.build().get_credentials() {
        Ok(Some(c)) => json!({"kind": "ok", "method": c.method().as_str(),
            "access_key": c.access_key_id(), "secret_key": c.secret_access_key().expose(),
            "token": c.session_token().map(|t| t.expose().to_owned()),
            "account_id": c.account_id()}),
        Ok(None) => json!({"kind": "None", "message": ""}),
        Err(e) => json!({"kind": e.kind(), "message": e.to_string()}),
    };
    out["token_after"] = token_file
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map_or(Json::Null, Json::String);
    out
}

fn run_botocore(input: &Json) -> Vec<Json> {
    let mut child = Command::new("python3")
        .arg(script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run python3");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.to_string().as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sso_diff.py failed");
    serde_json::from_slice(&out.stdout).expect("sso_diff.py output is JSON")
}

/// The token document with `expiresAt` blanked (it is now + expiresIn,
/// computed a moment apart by the two sides).
fn without_expiry(text: &Json) -> Option<Json> {
    let mut doc: Json = serde_json::from_str(text.as_str()?).ok()?;
    if let Some(m) = doc.as_object_mut()
        && m.contains_key("expiresAt")
    {
        m.insert("expiresAt".into(), Json::Null);
    }
    Some(doc)
}

/// The message part both sides share: botocore's text up to its "aws sso
/// login" advice, which credchain replaces with its own command.
fn comparable(kind: &str, msg: &str) -> Option<String> {
    match kind {
        "InvalidConfigError" => Some(msg.to_owned()),
        "SSOTokenLoadError" | "TokenRetrievalError" | "UnauthorizedSSOTokenError" => {
            let cut = msg.find(". To ").map_or(msg.len(), |i| i);
            Some(msg[..cut].trim_end_matches('.').to_owned())
        }
        _ => None,
    }
}

fn compare(sc: &Scenario, b: &Json, o: &Json) -> Result<(), String> {
    let kind = b["kind"].as_str().unwrap_or_default();
    if o["kind"] != b["kind"] {
        return Err(format!(
            "kind: botocore {} ({}), credchain {} ({})",
            b["kind"], b["message"], o["kind"], o["message"]
        ));
    }
    if kind == "ok" {
        for k in ["method", "access_key", "secret_key", "token", "account_id"] {
            if o[k] != b[k] {
                return Err(format!("{k}: botocore {}, credchain {}", b[k], o[k]));
            }
        }
    } else if let (Some(bm), Some(om)) = (
        comparable(kind, b["message"].as_str().unwrap_or_default()),
        comparable(kind, o["message"].as_str().unwrap_or_default()),
    ) && bm != om
    {
        return Err(format!("message: botocore {bm:?}, credchain {om:?}"));
    }
    // Where the token file was rewritten, both wrote the same document,
    // key order included.
    let before = sc.token.as_ref().map(|(_, t)| t.as_str());
    if b["token_after"].as_str() != before {
        let (bd, od) = (
            without_expiry(&b["token_after"]),
            without_expiry(&o["token_after"]),
        );
        let keys = |d: &Option<Json>| {
            d.as_ref()
                .and_then(Json::as_object)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
        };
        if bd != od || keys(&bd) != keys(&od) {
            return Err(format!(
                "token file after the run: botocore {}, credchain {}",
                b["token_after"], o["token_after"]
            ));
        }
        // Both in json.dumps' layout.
        let text = o["token_after"].as_str().unwrap_or_default();
        if !text.starts_with("{\"startUrl\": \"") {
            return Err(format!(
                "credchain's token file is not json.dumps layout: {text}"
            ));
        }
    }
    Ok(())
}

#[test]
fn sso_scenarios_agree_with_botocore() {
    if !crate::botocore_available("sso differential") {
        return;
    }
    let sso = FakeSso::start();
    let root = tempfile::tempdir().unwrap();
    let all = scenarios();
    assert!(all.len() >= 100, "{} scenarios", all.len());
    let mut input = Vec::new();
    let mut ours_in = Vec::new();
    for (i, sc) in all.iter().enumerate() {
        let (env_py, path_py) = prepare(&root.path().join(format!("{i}/py")), sc, &sso);
        let (env_rs, path_rs) = prepare(&root.path().join(format!("{i}/rs")), sc, &sso);
        input.push(
            json!({"home": root.path().join(format!("{i}/py")), "profile": "p",
            "explicit": sc.explicit,
            "env": env_py.iter().map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect::<serde_json::Map<_, _>>(),
            "token_file": path_py}),
        );
        ours_in.push((env_rs, path_rs));
    }
    let theirs = run_botocore(&Json::Array(input));
    assert_eq!(theirs.len(), all.len());
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for (i, sc) in all.iter().enumerate() {
        let (env, path) = &ours_in[i];
        let o = ours(env, sc.explicit, path.as_deref());
        *kinds
            .entry(theirs[i]["kind"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
        if let Err(e) = compare(sc, &theirs[i], &o) {
            failures.push(format!("[{i}] {}: {e}", sc.name));
        }
        // Never a secret in an error message.
        let msg = o["message"].as_str().unwrap_or_default();
        for secret in ["csecret-1", "rt-ok", "tok-s", "tok-l", "tok-c"] {
            assert!(
                !msg.contains(secret),
                "[{}] message leaks {secret}: {msg}",
                sc.name
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    // The scenarios really exercise success and the error kinds.
    for k in [
        "ok",
        "InvalidConfigError",
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
        "KeyError",
    ] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 0,
            "no scenario ends in {k}: {kinds:?}"
        );
    }
    assert!(sso.create_token_calls() > 0);
}

/// Runs botocore's `SSOTokenProvider` for profile p in `home` and returns
/// `(access token, token file text afterwards)`.
fn botocore_token(home: &Path, env: &[(String, String)]) -> (String, String) {
    let code = "import json, os, sys, botocore.session, botocore.tokens\n\
        os.environ.clear(); os.environ.update(json.loads(sys.argv[1]))\n\
        botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR = os.path.join(os.environ['HOME'], '.aws', 'sso', 'cache')\n\
        s = botocore.session.Session(profile='p')\n\
        t = botocore.tokens.SSOTokenProvider(s).load_token().get_frozen_token()\n\
        print(t.token)\n";
    let env_json: serde_json::Map<String, Json> = env
        .iter()
        .map(|(k, v)| (k.clone(), Json::String(v.clone())))
        .collect();
    let out = Command::new("python3")
        .args(["-c", code, &Json::Object(env_json).to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = home.join(format!(".aws/sso/cache/{}.json", token::sha1_hex("corp")));
    (
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        std::fs::read_to_string(file).unwrap(),
    )
}

#[test]
fn token_files_are_shared_both_ways_with_botocore() {
    if !crate::botocore_available("sso differential") {
        return;
    }
    let sso = FakeSso::start();
    let root = tempfile::tempdir().unwrap();
    let reg = at(86_400);
    let sc = Scenario {
        name: "shared".into(),
        profile_body: SESSION_PROFILE.into(),
        extra: SESSION_SECTION.into(),
        credentials: None,
        token: Some((
            "corp".into(),
            token_text("tok-share", &at(300), Some(("rt-ok-share", &reg))),
        )),
        explicit: true,
        endpoints: Endpoints::ServiceEnv,
    };
    // credchain refreshes and writes; botocore reads it without refreshing.
    let home = root.path().join("a");
    let (env, path) = prepare(&home, &sc, &sso);
    let o = ours(&env, true, path.as_deref());
    assert_eq!(o["kind"], "ok", "{o}");
    assert_eq!(sso.create_token_calls(), 1);
    let (tok, after) = botocore_token(&home, &env);
    assert_eq!(tok, "good-refreshed-rt-ok-share");
    assert_eq!(
        sso.create_token_calls(),
        1,
        "botocore found credchain's token fresh"
    );
    assert_eq!(
        Some(after.as_str()),
        o["token_after"].as_str(),
        "botocore left the file alone"
    );
    // botocore refreshes and writes; credchain reads it without refreshing.
    let home = root.path().join("b");
    let (env, path) = prepare(&home, &sc, &sso);
    let (tok, written) = botocore_token(&home, &env);
    assert_eq!(tok, "good-refreshed-rt-ok-share");
    assert_eq!(sso.create_token_calls(), 2);
    let o = ours(&env, true, path.as_deref());
    assert_eq!(o["kind"], "ok", "{o}");
    assert_eq!(
        sso.create_token_calls(),
        2,
        "credchain found botocore's token fresh"
    );
    assert_eq!(o["token_after"].as_str(), Some(written.as_str()));
    let (ak, ..) = credchain::testkit::sso::role_credentials_for(
        "good-refreshed-rt-ok-share",
        "Admin",
        "123456789012",
    );
    assert_eq!(o["access_key"], ak.as_str());
}
