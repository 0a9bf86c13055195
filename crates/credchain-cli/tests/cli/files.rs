//! Issue 9 end to end: writes keep owner, mode and symlinks, work on a
//! bind-mounted file and in a read-only `~/.aws`, locks never litter or
//! hang, side files are read with limits, a full stdout is an error, and a
//! non-UTF-8 `AWS_CONFIG_FILE` is used as given.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{CREDCHAIN, TestEnv, aws_cli};

/// `program args` in `env`'s HOME with a cleared environment plus `vars`.
fn command(env: &TestEnv, program: &Path, args: &[&str], vars: &[(&str, &OsStr)]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("LANG", "C.UTF-8")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .current_dir(env.home())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `cmd`, failing the test if it has not ended within `limit` (a read
/// that blocks forever must show up as a failure, not a hung test run).
fn run_within(mut cmd: Command, limit: Duration) -> (i32, String, String) {
    let mut child = cmd.spawn().expect("spawn");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            return (
                status.code().expect("exit code, not a signal"),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_stdout_is_an_error_as_in_the_aws_cli() {
    let env = TestEnv::new()
        .credentials("[default]\naws_access_key_id = AKIAFULL\naws_secret_access_key = s\n");
    let run = |program: &Path| {
        let mut cmd = command(&env, program, &["configure", "list"], &[]);
        cmd.stdout(fs::File::create("/dev/full").expect("/dev/full"));
        run_within(cmd, Duration::from_secs(60))
    };
    // `aws configure list > /dev/full` (AWS CLI 1.45.11): exit 120 (Python
    // failing to flush stdout at exit) with `OSError: [Errno 28] No space
    // left on device` on stderr; where the failure surfaces inside the
    // command it exits 255. credchain exits 255, its code for any error.
    let (aws_code, _, aws_err) = run(&aws_cli());
    assert_ne!(aws_code, 0, "{aws_err}");
    assert!(aws_err.contains("No space left on device"), "{aws_err}");
    let (code, _, err) = run(Path::new(CREDCHAIN));
    assert_eq!(code, 255, "{err}");
    assert!(
        err.contains("error: writing to stdout") && err.contains("No space left on device"),
        "{err}"
    );
}

#[test]
fn side_files_that_are_not_regular_files_are_refused_at_once() {
    let env = TestEnv::new();
    let fifo = env.home().join("fifo");
    assert!(mkfifo(&fifo), "mkfifo");
    let fifo_s = fifo.to_str().expect("utf-8 temp path");
    let limit = Duration::from_secs(20);
    for path in ["/dev/zero", fifo_s] {
        // configure import --csv file://FILE (a bare argument that is not a
        // regular file is CSV text, as in AWS CLI v2)
        let url = format!("file://{path}");
        let (code, _, err) = run_within(
            command(
                &env,
                Path::new(CREDCHAIN),
                &["configure", "import", "--csv", &url],
                &[],
            ),
            limit,
        );
        assert_eq!(code, 255, "{err}");
        assert!(
            err.contains(path) && err.contains("not a regular file"),
            "{err}"
        );
        // web_identity_token_file (env form)
        let (_, out, err) = run_within(
            command(
                &env,
                Path::new(CREDCHAIN),
                &["explain"],
                &[
                    (
                        "AWS_ROLE_ARN",
                        OsStr::new("arn:aws:iam::123456789012:role/r"),
                    ),
                    ("AWS_WEB_IDENTITY_TOKEN_FILE", OsStr::new(path)),
                    ("AWS_STS_REGIONAL_ENDPOINTS", OsStr::new("regional")),
                    ("AWS_DEFAULT_REGION", OsStr::new("us-east-1")),
                    ("AWS_ENDPOINT_URL_STS", OsStr::new("http://127.0.0.1:9")),
                ],
            ),
            limit,
        );
        let all = format!("{out}{err}");
        assert!(
            all.contains(path) && all.contains("not a regular file"),
            "{all}"
        );
        // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
        let (_, out, err) = run_within(
            command(
                &env,
                Path::new(CREDCHAIN),
                &["explain"],
                &[
                    (
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        OsStr::new("http://127.0.0.1:9/creds"),
                    ),
                    ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", OsStr::new(path)),
                ],
            ),
            limit,
        );
        let all = format!("{out}{err}");
        assert!(
            all.contains(path) && all.contains("not a regular file"),
            "{all}"
        );
        // AWS_CREDENTIAL_FILE: botocore's ConfigNotFound, without reading.
        let (_, out, err) = run_within(
            command(
                &env,
                Path::new(CREDCHAIN),
                &["explain"],
                &[("AWS_CREDENTIAL_FILE", OsStr::new(path))],
            ),
            limit,
        );
        assert!(format!("{out}{err}").contains(path), "{out}{err}");
    }
    // `configure set NAME -` with an endless stdin: capped, not read to OOM.
    let mut cmd = command(
        &env,
        Path::new(CREDCHAIN),
        &["configure", "set", "region", "-"],
        &[],
    );
    cmd.stdin(fs::File::open("/dev/zero").expect("/dev/zero"));
    let (code, _, err) = run_within(cmd, limit);
    assert_eq!(code, 255, "{err}");
    assert!(err.contains("stdin holds more than"), "{err}");
    assert!(!env.home().join(".aws/config").exists());
}

#[test]
fn a_held_lock_is_announced_then_fails_after_the_bound() {
    let env = TestEnv::new().credentials("[default]\naws_access_key_id = AKIAOLD\n");
    let creds = env.home().join(".aws/credentials");
    let held = credchain::filelock::FileLock::lock_open(
        fs::File::open(&creds).expect("open"),
        &creds,
        &credchain::filelock::LockWait::quiet("test"),
    )
    .expect("lock");
    let t = Instant::now();
    let (code, _, err) = run_within(
        command(
            &env,
            Path::new(CREDCHAIN),
            &["configure", "set", "aws_access_key_id", "AKIANEW"],
            &[("CREDCHAIN_LOCK_TIMEOUT", OsStr::new("0.5"))],
        ),
        Duration::from_secs(20),
    );
    assert!(t.elapsed() >= Duration::from_millis(500));
    assert_eq!(code, 255, "{err}");
    assert!(
        err.contains(&format!(
            "waiting for another credchain to finish writing {}…",
            creds.display()
        )),
        "{err}"
    );
    assert!(err.contains("gave up after"), "{err}");
    assert_eq!(
        fs::read_to_string(&creds).expect("read"),
        "[default]\naws_access_key_id = AKIAOLD\n"
    );
    drop(held);
    let (code, _, err) = run_within(
        command(
            &env,
            Path::new(CREDCHAIN),
            &["configure", "set", "aws_access_key_id", "AKIANEW"],
            &[],
        ),
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("waiting"), "{err}");
}

#[test]
fn writes_and_reads_leave_no_lock_or_temp_files() {
    let env = TestEnv::new();
    for args in [
        &["configure", "set", "aws_access_key_id", "AKIA1"][..],
        &["configure", "set", "region", "eu-west-1"],
        &["configure", "set", "profile.dev.output", "json"],
        &["configure", "unset", "profile.dev.output"],
        &["configure", "list"],
        &["explain"],
    ] {
        let (_, _, err) = run_within(
            command(&env, Path::new(CREDCHAIN), args, &[]),
            Duration::from_secs(30),
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(names(&env.home().join(".aws")), ["config", "credentials"]);
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_gets_its_target_created_like_the_aws_cli() {
    use std::os::unix::fs::PermissionsExt;
    let run = |program: &Path| {
        let env = TestEnv::new();
        fs::create_dir(env.home().join("real")).expect("mkdir");
        std::os::unix::fs::symlink("../real/creds", env.home().join(".aws/credentials"))
            .expect("symlink");
        let (code, _, err) = run_within(
            command(
                &env,
                program,
                &["configure", "set", "aws_access_key_id", "AKIALINK"],
                &[],
            ),
            Duration::from_secs(60),
        );
        assert_eq!(code, 0, "{}: {err}", program.display());
        let link = fs::symlink_metadata(env.home().join(".aws/credentials")).expect("meta");
        let real = env.home().join("real/creds");
        (
            link.file_type().is_symlink(),
            fs::read_to_string(&real).expect("target created"),
            fs::metadata(&real).expect("meta").permissions().mode() & 0o777,
        )
    };
    assert_eq!(run(Path::new(CREDCHAIN)), run(&aws_cli()));
}

#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)] // The one line saying why it was skipped.
fn root_editing_a_users_file_leaves_it_the_users() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !is_root() {
        eprintln!("skipped: needs root to chown the file to another user");
        return;
    }
    let env = TestEnv::new().credentials("[default]\naws_access_key_id = AKIAOLD\n");
    let creds = env.home().join(".aws/credentials");
    fs::set_permissions(&creds, fs::Permissions::from_mode(0o600)).expect("chmod");
    std::os::unix::fs::chown(&creds, Some(65534), Some(65534)).expect("chown");
    let (code, _, err) = run_within(
        command(
            &env,
            Path::new(CREDCHAIN),
            &[
                "--debug",
                "configure",
                "set",
                "aws_access_key_id",
                "AKIANEW",
            ],
            &[],
        ),
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{err}");
    let m = fs::metadata(&creds).expect("meta");
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (65534, 65534, 0o600));
    assert_eq!(
        fs::read_to_string(&creds).expect("read"),
        "[default]\naws_access_key_id = AKIANEW\n"
    );
    assert!(err.contains("written atomically"), "{err}");
}

#[cfg(unix)]
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Runs `script` in a private mount namespace (`unshare -m`), with the
/// test's cleared environment; `None` when that is impossible here.
#[cfg(target_os = "linux")]
fn in_mount_namespace(env: &TestEnv, script: &str) -> Option<(i32, String, String)> {
    if !is_root()
        || !Command::new("unshare")
            .args(["-m", "true"])
            .status()
            .is_ok_and(|s| s.success())
    {
        return None;
    }
    let mut cmd = command(
        env,
        Path::new("unshare"),
        &["-m", "sh", "-ec", script],
        &[("CREDCHAIN", OsStr::new(CREDCHAIN))],
    );
    cmd.env("AWS_CLI", aws_cli());
    Some(run_within(cmd, Duration::from_secs(60)))
}

#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::print_stderr)] // The one line saying why it was skipped.
fn a_bind_mounted_credentials_file_is_written_in_place() {
    // Docker's `-v ~/.aws/credentials:/root/.aws/credentials`: renaming over
    // a mount point fails with EBUSY, so the write goes in place.
    let env = TestEnv::new().credentials("");
    let outside = env.write("outside/credentials", "[default]\n# mounted\n");
    let script = format!(
        "mount --bind '{}' \"$HOME/.aws/credentials\"\n\
         \"$CREDCHAIN\" --debug configure set aws_access_key_id AKIABIND\n\
         \"$AWS_CLI\" configure get aws_access_key_id",
        outside.display()
    );
    let Some((code, out, err)) = in_mount_namespace(&env, &script) else {
        eprintln!("skipped: needs root and `unshare -m` for a real bind mount");
        return;
    };
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("written in place") && err.contains("rename"),
        "{err}"
    );
    assert_eq!(out, "AKIABIND\n");
    assert_eq!(
        fs::read_to_string(&outside).expect("read"),
        "[default]\naws_access_key_id = AKIABIND\n# mounted\n"
    );
    assert_eq!(names(&env.home().join("outside")), ["credentials"]);
}

#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::print_stderr)] // The one line saying why it was skipped.
fn a_read_only_dot_aws_holding_a_writable_file_is_written_in_place() {
    let env = TestEnv::new().config("[default]\nregion = us-east-1\n");
    let script = "A=\"$HOME/.aws\"\n\
         mount --bind \"$A\" \"$A\"\n\
         mount -o remount,bind,ro \"$A\"\n\
         mount --bind \"$A/config\" \"$A/config\"\n\
         mount -o remount,bind,rw \"$A/config\"\n\
         if touch \"$A/probe\" 2>/dev/null; then echo 'not read-only' >&2; exit 3; fi\n\
         \"$CREDCHAIN\" --debug configure set region eu-west-1\n\
         \"$AWS_CLI\" configure get region";
    let Some((code, out, err)) = in_mount_namespace(&env, script) else {
        eprintln!("skipped: needs root and `unshare -m` for a read-only mount");
        return;
    };
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("written in place"), "{err}");
    assert_eq!(out, "eu-west-1\n");
    assert_eq!(
        fs::read_to_string(env.home().join(".aws/config")).expect("read"),
        "[default]\nregion = eu-west-1\n"
    );
}

#[cfg(unix)]
#[test]
fn a_non_utf8_config_path_is_used_as_given() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let path = env.home().join(OsStr::from_bytes(b"cfg-\xff"));
    let vars = [("AWS_CONFIG_FILE", path.as_os_str())];
    let (code, _, err) = run_within(
        command(
            &env,
            Path::new(CREDCHAIN),
            &["configure", "set", "region", "eu-north-1"],
            &vars,
        ),
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        fs::read_to_string(&path).expect("written at the exact path"),
        "[default]\nregion = eu-north-1\n"
    );
    // Nothing at the lossily converted name.
    assert!(!env.home().join("cfg-\u{fffd}").exists());
    let (code, out, err) = run_within(
        command(
            &env,
            Path::new(CREDCHAIN),
            &["configure", "get", "region"],
            &vars,
        ),
        Duration::from_secs(20),
    );
    assert_eq!((code, out.as_str()), (0, "eu-north-1\n"), "{err}");
}
