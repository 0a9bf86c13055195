//! Issue 12, across processes: N `credchain` processes that miss the same
//! `~/.aws/cli/cache` entry at once make **one** STS `AssumeRole` (or SSO
//! `GetRoleCredentials`) call; the others wait on the entry's lock and read
//! the answer. A holder killed mid-fetch blocks nobody, and no lock file is
//! left once the next caller is done.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use credchain::testkit::sso::{FakeSso, role_credentials_for};
use credchain::testkit::{Reply, TestServer};

use crate::sso::sso_env;
use crate::util::{CREDCHAIN, TestEnv};

const ROLE_CONFIG: &str = "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n\
    source_profile = base\nregion = us-east-1\n\
    [profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// sha1(json.dumps({"RoleArn": "arn:aws:iam::123456789012:role/r"},
/// sort_keys=True)) (P-AR-9).
const ROLE_KEY: &str = "6dc9e6e1e186b9f293814df3266de783142c48a2";

fn assume_role_answer(n: usize) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <AssumeRoleResult><Credentials><AccessKeyId>ASIAFETCH{n}</AccessKeyId>\
         <SecretAccessKey>secret{n}</SecretAccessKey><SessionToken>token{n}</SessionToken>\
         <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>\
         <Arn>arn:aws:sts::123456789012:assumed-role/r/x</Arn></AssumedRoleUser>\
         </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
         </AssumeRoleResponse>"
    )
}

/// A fake STS that counts `AssumeRole` calls and stalls each answer by
/// `stall`, so processes started together overlap.
fn counting_sts(stall: Duration) -> (TestServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let server = TestServer::start(move |req, _| {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        if !body.contains("Action=AssumeRole") {
            return Reply::Respond(400, "unexpected request".into());
        }
        let n = c.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(stall);
        Reply::Respond(200, assume_role_answer(n))
    });
    (server, calls)
}

fn cache_dir_names(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.home().join(".aws/cli/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sixteen(env: &TestEnv, profile: &str) -> Vec<crate::util::Run> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    env.credchain(&[
                        "--profile",
                        profile,
                        "configure",
                        "export-credentials",
                        "--format",
                        "process",
                    ])
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn sixteen_processes_missing_the_cache_make_one_assume_role_call() {
    let (sts, calls) = counting_sts(Duration::from_millis(300));
    let env = TestEnv::new()
        .config(ROLE_CONFIG)
        .env("AWS_ENDPOINT_URL_STS", &sts.url(""));
    let t = Instant::now();
    let runs = sixteen(&env, "role");
    let took = t.elapsed();
    for run in &runs {
        run.expect_code(0);
        assert_eq!(run.json()["AccessKeyId"], "ASIAFETCH0", "{}", run.stdout);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one STS call for 16");
    // The ones that waited said what for (stderr; stdout is the JSON).
    let waited = runs
        .iter()
        .filter(|r| {
            r.stderr.contains(
                "waiting for another credchain to finish fetching role \
                 arn:aws:iam::123456789012:role/r from STS",
            )
        })
        .count();
    assert!(
        waited >= 1,
        "{:?}",
        runs.iter().map(|r| &r.stderr).collect::<Vec<_>>()
    );
    // The entry, nothing else: no temp file, no lock file.
    assert_eq!(cache_dir_names(&env), [format!("{ROLE_KEY}.json")]);
    let text = std::fs::read_to_string(env.home().join(format!(".aws/cli/cache/{ROLE_KEY}.json")))
        .unwrap();
    assert!(text.contains("ASIAFETCH0"), "{text}");
    // Waiters poll the lock every 20 ms: the whole run is about one call.
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn sixteen_processes_missing_the_cache_make_one_get_role_credentials_call() {
    let sso = FakeSso::start();
    // `slow…` tokens are answered after 1.5 s: the processes overlap. The
    // token itself is fresh (an hour): no CreateToken.
    let env = sso_env(&sso, "slow-token", 3600, "rt-x", "client-secret-value");
    let runs = sixteen(&env, "dev");
    let (ak, ..) = role_credentials_for("slow-token", "Admin", "111122223333");
    for run in &runs {
        run.expect_code(0);
        assert_eq!(run.json()["AccessKeyId"], ak.as_str(), "{}", run.stdout);
    }
    assert_eq!(sso.get_role_credentials_calls(), 1, "one call for 16");
    assert_eq!(sso.create_token_calls(), 0);
    // The AWS CLI v2 key (P-SSO-8), nothing else.
    let key = credchain::sso::token::sha1_hex(
        r#"{"accountId":"111122223333","roleName":"Admin","sessionName":"corp"}"#,
    );
    assert_eq!(cache_dir_names(&env), [format!("{key}.json")]);
}

#[cfg(unix)]
#[test]
fn a_holder_killed_mid_fetch_blocks_nobody_and_leaves_no_lock() {
    // The first AssumeRole never answers (the holder stalls inside the
    // locked fetch); later ones answer at once.
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let sts = TestServer::start(move |_, _| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            Reply::BlackHole
        } else {
            Reply::Respond(200, assume_role_answer(n))
        }
    });
    let env = TestEnv::new()
        .config(ROLE_CONFIG)
        .env("AWS_ENDPOINT_URL_STS", &sts.url(""));
    let mut holder = env
        .command(std::path::Path::new(CREDCHAIN))
        .args(["--profile", "role", "configure", "export-credentials"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = env
        .home()
        .join(format!(".aws/cli/cache/.{ROLE_KEY}.json.lock"));
    let t = Instant::now();
    while calls.load(Ordering::SeqCst) == 0 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "holder never called STS"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Mid-fetch: it holds the entry's lock.
    assert!(lock.exists(), "no lock file while fetching");
    holder.kill().unwrap(); // SIGKILL: no clean-up runs.
    holder.wait().unwrap();
    assert!(
        lock.exists(),
        "SIGKILL leaves the lock file (but not the lock)"
    );

    let t = Instant::now();
    let run = env.credchain(&[
        "--profile",
        "role",
        "configure",
        "export-credentials",
        "--format",
        "process",
    ]);
    run.expect_code(0);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "next caller waited {:?}",
        t.elapsed()
    );
    assert_eq!(run.json()["AccessKeyId"], "ASIAFETCH1");
    // The next holder removed the lock file the killed one left.
    assert_eq!(cache_dir_names(&env), [format!("{ROLE_KEY}.json")]);
}

/// A `credential_process` helper that appends a line to `calls` per run,
/// stalls 300 ms, and prints `doc`.
fn helper(env: &TestEnv, doc: &str) -> (String, std::path::PathBuf) {
    let calls = env.home().join("calls");
    let script = env.write(
        "helper.sh",
        format!(
            "echo run >> '{}'\nsleep 0.3\nprintf '%s' '{doc}'\n",
            calls.display()
        ),
    );
    (format!("sh {}", script.display()), calls)
}

fn runs_of(calls: &std::path::Path) -> usize {
    std::fs::read_to_string(calls).map_or(0, |s| s.lines().count())
}

#[test]
fn sixteen_processes_run_an_expiring_credential_process_once() {
    let env = TestEnv::new();
    let (line, calls) = helper(
        &env,
        r#"{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "2099-01-01T00:00:00Z"}"#,
    );
    let env = env.config(&format!("[profile proc]\ncredential_process = {line}\n"));
    let runs = sixteen(&env, "proc");
    for run in &runs {
        run.expect_code(0);
        assert_eq!(run.json()["AccessKeyId"], "AKIDPROC", "{}", run.stdout);
        assert_eq!(run.json()["Expiration"], "2099-01-01T00:00:00+00:00");
    }
    assert_eq!(runs_of(&calls), 1, "one helper run for 16 processes");
    // credchain's own entry: sha1(json.dumps({"command": …, "profile":
    // "proc"}, sort_keys=True)), 0600, nothing else in the directory.
    let key = credchain::cache::cache_key(&[
        ("command", credchain::cache::CacheArg::Str(line.clone())),
        ("profile", credchain::cache::CacheArg::Str("proc".into())),
    ]);
    let name = format!("credchain-process-{key}.json");
    assert_eq!(cache_dir_names(&env), std::slice::from_ref(&name));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.home().join(".aws/cli/cache").join(&name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A later run reads the entry: no helper run.
    env.credchain(&["--profile", "proc", "configure", "export-credentials"])
        .expect_code(0);
    assert_eq!(runs_of(&calls), 1);
    // `--no-cache` runs it as botocore does.
    env.credchain(&["--profile", "proc", "explain", "--no-cache"])
        .expect_code(0);
    assert_eq!(runs_of(&calls), 2);
}

#[test]
fn a_credential_process_without_expiration_is_never_cached() {
    let env = TestEnv::new();
    let (line, calls) = helper(
        &env,
        r#"{"Version": 1, "AccessKeyId": "AKIDSTATIC", "SecretAccessKey": "s"}"#,
    );
    let env = env.config(&format!("[profile proc]\ncredential_process = {line}\n"));
    for n in 1..=3 {
        let run = env.credchain(&["--profile", "proc", "configure", "export-credentials"]);
        run.expect_code(0);
        assert_eq!(runs_of(&calls), n);
    }
    let dir = env.home().join(".aws/cli/cache");
    assert!(
        !dir.exists() || cache_dir_names(&env).is_empty(),
        "{:?}",
        cache_dir_names(&env)
    );
}

#[test]
fn a_credential_process_answer_with_under_15_minutes_left_is_not_cached() {
    let env = TestEnv::new();
    let exp = credchain::sso::token::utc_z(std::time::SystemTime::now() + Duration::from_secs(600));
    let (line, calls) = helper(
        &env,
        &format!(
            r#"{{"Version": 1, "AccessKeyId": "AKIDSHORT", "SecretAccessKey": "s", "Expiration": "{exp}"}}"#
        ),
    );
    let env = env.config(&format!("[profile proc]\ncredential_process = {line}\n"));
    let run = env.credchain(&["--profile", "proc", "configure", "export-credentials"]);
    run.expect_code(0);
    // botocore's refresh on first use runs it again (P-REF-1); neither
    // answer is kept.
    assert_eq!(runs_of(&calls), 2);
    assert!(
        cache_dir_names(&env).is_empty(),
        "{:?}",
        cache_dir_names(&env)
    );
}

#[test]
fn a_cached_process_answer_exports_the_same_expiration_as_a_fresh_one() {
    // The entry keeps the helper's offset and fraction (botocore's
    // isoformat, which AWS CLI v2 prints): a cached run is indistinguishable.
    for (exp, shown) in [
        ("2099-01-01T02:00:00+02:00", "2099-01-01T02:00:00+02:00"),
        ("2099-01-01T00:00:00.5Z", "2099-01-01T00:00:00.500000+00:00"),
    ] {
        let env = TestEnv::new();
        let (line, calls) = helper(
            &env,
            &format!(
                r#"{{"Version": 1, "AccessKeyId": "AKIDP", "SecretAccessKey": "s", "Expiration": "{exp}"}}"#
            ),
        );
        let env = env.config(&format!("[profile p]\ncredential_process = {line}\n"));
        let mut seen = Vec::new();
        for _ in 0..2 {
            let run = env.credchain(&["--profile", "p", "configure", "export-credentials"]);
            run.expect_code(0);
            seen.push(run.json()["Expiration"].clone());
        }
        assert_eq!(seen, [shown, shown], "{exp}");
        assert_eq!(runs_of(&calls), 1, "{exp}: the second run read the cache");
    }
}
