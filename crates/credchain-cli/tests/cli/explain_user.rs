//! What `explain` tells a user beyond the provider steps: a chain that
//! never ran, the profiles that exist, a role that env keys shadow, and
//! credentials served from the AWS CLI's file cache (`--no-cache`).

use crate::sts::moto;
use crate::util::TestEnv;

const PROFILES: &str = "[profile dev]\nregion = us-east-1\n[profile prod]\nregion = us-west-2\n\
    [profile role]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = dev\n";
const DEV_KEYS: &str = "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

#[test]
fn a_missing_profile_is_one_line_with_the_profiles_and_the_nearest_name() {
    let env = TestEnv::new().config(PROFILES).credentials(DEV_KEYS);
    let run = env.credchain(&["explain", "--profile", "deb"]);
    run.expect_code(1);
    assert_eq!(
        run.stdout,
        "profile: deb (from --profile)\n\
         \x20 no provider ran: ProfileNotFound before any provider ran\n\
         result: ProfileNotFound: The config profile (deb) could not be found\n\
         \x20 Did you mean `dev`? Known profiles: dev, prod, role.\n"
    );
    // Nothing near: only the list.
    let far = env.credchain(&["explain", "--profile", "staging-eu"]);
    assert!(
        far.stdout
            .ends_with("\n  Known profiles: dev, prod, role.\n"),
        "{}",
        far.stdout
    );
    // Every command's error carries the same help.
    let sts = env.credchain(&["sts", "get-caller-identity", "--profile", "prd"]);
    sts.expect_code(255);
    assert_eq!(
        sts.stderr,
        "error: The config profile (prd) could not be found\n\
         hint: Did you mean `prod`? Known profiles: dev, prod, role. \
         `credchain configure --profile prd` creates it.\n"
    );
    // The JSON contract keeps its steps.
    let json = env.credchain(&["explain", "--profile", "deb", "--output", "json"]);
    let v = json.json();
    assert_eq!(v["error"]["kind"], "ProfileNotFound");
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(12));
}

#[test]
fn the_missing_profile_hint_reuses_the_loaded_files() {
    // `--debug` traces each session built and the files it loads: the
    // hint's profile list comes from the command's session, so the files
    // are loaded (and traced) once.
    let env = TestEnv::new().config(PROFILES).credentials(DEV_KEYS);
    let run = env.credchain(&["sts", "get-caller-identity", "--profile", "prd", "--debug"]);
    run.expect_code(255);
    assert_eq!(
        run.stderr
            .matches("debug: profile prd (from --profile)")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: Did you mean `prod`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_that_does_not_parse_is_one_line() {
    let env = TestEnv::new().config("[default\nregion = x\n");
    let run = env.credchain(&["explain"]);
    run.expect_code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(
        lines[1],
        "  no provider ran: ConfigParseError before any provider ran"
    );
    assert!(lines[2].starts_with("result: ConfigParseError: Unable to parse config file: "));
}

#[test]
fn a_role_profile_behind_env_keys_is_named_as_shadowed() {
    let env = TestEnv::new()
        .config(PROFILES)
        .credentials(DEV_KEYS)
        .env("AWS_PROFILE", "role")
        .env("AWS_ACCESS_KEY_ID", "AKIAENVKEY")
        .env("AWS_SECRET_ACCESS_KEY", "envsecret");
    let run = env.credchain(&["explain"]);
    run.expect_code(0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("assume-role "))
        .unwrap_or_default()
        .to_owned();
    assert!(
        line.ends_with(
            "not reached (env already supplied credentials); shadowed: [profile role] would \
             assume arn:aws:iam::123456789012:role/R"
        ),
        "{line}"
    );
    assert!(run.stdout.ends_with("result: AKIAENVKEY via env\n"));
}

/// First `explain` of a role profile calls STS (moto) and writes the AWS
/// CLI cache; the second is served from it and says so; `--no-cache`
/// neither reads nor writes it and calls STS, as a boto3 program would.
#[test]
fn cached_role_credentials_are_marked_and_no_cache_resolves_as_boto3() {
    let Some(m) = moto() else { return };
    let env = TestEnv::new()
        .config(PROFILES)
        .credentials(DEV_KEYS)
        .env(
            "AWS_ENDPOINT_URL_STS",
            &format!("http://127.0.0.1:{}", m.port),
        )
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let cache = env.home().join(".aws/cli/cache");
    // Cache entries (`<sha1>.json`), not the writer's lock files.
    let entries = || {
        std::fs::read_dir(&cache).map_or(0, |d| {
            d.flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    std::path::Path::new(&name)
                        .extension()
                        .is_some_and(|x| x == "json")
                        && !name.starts_with('.')
                })
                .count()
        })
    };
    let note = "served from the AWS CLI's file cache";
    let first = env.credchain(&["explain", "--profile", "role"]);
    first.expect_code(0);
    assert!(!first.stdout.contains(note), "{}", first.stdout);
    assert_eq!(entries(), 1, "explain writes the cache as the AWS CLI does");
    let second = env.credchain(&["explain", "--profile", "role"]);
    second.expect_code(0);
    assert!(second.stdout.contains(note), "{}", second.stdout);
    assert!(second.stdout.contains("`credchain explain --no-cache`"));
    let key = |out: &str| out.lines().last().unwrap_or("").to_owned();
    assert_eq!(key(&first.stdout), key(&second.stdout));
    std::fs::remove_dir_all(&cache).expect("clear the cache");
    let fresh = env.credchain(&["explain", "--profile", "role", "--no-cache"]);
    fresh.expect_code(0);
    assert!(!fresh.stdout.contains(note), "{}", fresh.stdout);
    assert!(
        fresh
            .stdout
            .contains("--no-cache: the AWS CLI's file cache was neither read nor written"),
        "{}",
        fresh.stdout
    );
    assert_eq!(entries(), 0, "--no-cache wrote the cache");
    // A fresh STS answer: a different key than the cached one.
    assert_ne!(key(&fresh.stdout), key(&first.stdout));
    let json = env
        .credchain(&["explain", "--profile", "role", "--output", "json"])
        .json();
    assert_eq!(json["method"], "assume-role");
}
