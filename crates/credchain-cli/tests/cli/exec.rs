//! Issue 13: `credchain exec` (and `exec --serve`): the child's
//! environment, its exit status, signals, the nesting guard, and botocore
//! in the child resolving exactly the keys credchain resolved.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{CREDCHAIN, TestEnv};

const DEV: &str = "[profile dev]\naws_access_key_id = AKIDEVEXAMPLE\n\
    aws_secret_access_key = devsecretEXAMPLE\naws_session_token = devtokenEXAMPLE\n\
    region = eu-west-1\n";

fn env_of(stdout: &str) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.starts_with("AWS_") || k.starts_with("CREDCHAIN_"))
        .filter(|(k, _)| *k != "AWS_EC2_METADATA_DISABLED")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    vars.sort();
    vars
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_child_gets_the_keys_and_region_and_no_profile() {
    let env = TestEnv::new()
        .config(DEV)
        .env("AWS_PROFILE", "other")
        .env("AWS_DEFAULT_PROFILE", "other")
        .env("AWS_SECURITY_TOKEN", "stale")
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/stale");
    let run = env.credchain(&["exec", "--profile", "dev", "--", "env"]);
    run.expect_code(0);
    assert_eq!(
        env_of(&run.stdout),
        pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIDEVEXAMPLE"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_SECRET_ACCESS_KEY", "devsecretEXAMPLE"),
            ("AWS_SESSION_TOKEN", "devtokenEXAMPLE"),
            ("CREDCHAIN_PROFILE", "dev"),
        ])
    );
}

#[test]
fn an_expiring_set_carries_its_expiration_and_no_region_sets_none() {
    let env = TestEnv::new()
        .env("AWS_ACCESS_KEY_ID", "ASIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "envsecret")
        .env("AWS_SESSION_TOKEN", "envtoken")
        .env("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z");
    let run = env.credchain(&["exec", "env"]);
    run.expect_code(0);
    assert_eq!(
        env_of(&run.stdout),
        pairs(&[
            ("AWS_ACCESS_KEY_ID", "ASIAENV"),
            // The AWS CLI v2 `export-credentials --format env` spelling.
            ("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00+00:00"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ("AWS_SESSION_TOKEN", "envtoken"),
            ("CREDCHAIN_PROFILE", "default"),
        ])
    );
}

#[test]
fn botocore_in_the_child_resolves_the_same_keys_from_the_environment() {
    let env = TestEnv::new().config(DEV).env("AWS_PROFILE", "other");
    let run = env.credchain(&[
        "exec",
        "--profile",
        "dev",
        "--",
        "python3",
        "-c",
        "import botocore.session as s; se = s.Session(); c = se.get_credentials(); \
         f = c.get_frozen_credentials(); \
         print(c.method, f.access_key, f.secret_key, f.token, se.get_config_variable('region'))",
    ]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "env AKIDEVEXAMPLE devsecretEXAMPLE devtokenEXAMPLE eu-west-1\n"
    );
}

#[test]
fn the_exit_status_is_the_childs() {
    let env = TestEnv::new().config(DEV);
    for serve in [false, true] {
        let mut args = vec!["exec", "--profile", "dev"];
        if serve {
            args.push("--serve");
        }
        args.extend(["--", "sh", "-c", "exit 7"]);
        env.credchain(&args).expect_code(7);
    }
    let run = env.credchain(&["exec", "--profile", "dev", "no-such-command-here"]);
    run.expect_code(127);
    assert!(
        run.stderr
            .starts_with("error: cannot run `no-such-command-here`:"),
        "{}",
        run.stderr
    );
}

#[test]
fn arguments_after_the_command_are_the_commands() {
    let env = TestEnv::new().config(DEV);
    let run = env.credchain(&[
        "exec",
        "--profile",
        "dev",
        "sh",
        "-c",
        "echo \"$@\"",
        "sh",
        "--profile",
        "x",
        "--debug",
    ]);
    run.expect_code(0);
    assert_eq!(run.stdout, "--profile x --debug\n");
    assert_eq!(run.stderr, "", "--debug belonged to the child");
}

#[test]
fn without_a_command_it_starts_the_shell() {
    let env = TestEnv::new().config(DEV).env("SHELL", "/bin/sh");
    let run = env.run_program_with_stdin(
        Path::new(CREDCHAIN),
        &["exec", "--profile", "dev"],
        Some(b"echo \"$CREDCHAIN_PROFILE $AWS_ACCESS_KEY_ID\"; exit 3\n"),
    );
    run.expect_code(3);
    assert_eq!(run.stdout, "dev AKIDEVEXAMPLE\n");
}

#[test]
fn a_nested_exec_is_refused_unless_asked_for() {
    let env = TestEnv::new().config(DEV).env("CREDCHAIN_PROFILE", "outer");
    let run = env.credchain(&["exec", "--profile", "dev", "--", "echo", "ran"]);
    run.expect_code(255);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: already inside `credchain exec` for profile outer (CREDCHAIN_PROFILE is set); \
         exit that shell first, or pass --no-nest-check to run anyway\n"
    );
    let run = env.credchain(&[
        "exec",
        "--no-nest-check",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "echo $CREDCHAIN_PROFILE",
    ]);
    run.expect_code(0);
    assert_eq!(run.stdout, "dev\n");
}

#[test]
fn no_credentials_runs_nothing() {
    let env = TestEnv::new();
    let run = env.credchain(&["exec", "--", "echo", "ran"]);
    run.expect_code(255);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: Unable to locate credentials")
    );
}

/// Starts `credchain exec ARGS`, waits for the child's `ready` line, sends
/// SIGTERM to credchain's pid and returns the exit status.
fn sigterm(env: &TestEnv, args: &[&str]) -> std::process::ExitStatus {
    signal(env, args, "-TERM")
}

/// [`sigterm`] with another signal (`-INT`, `-HUP`).
fn signal(env: &TestEnv, args: &[&str], which: &str) -> std::process::ExitStatus {
    let mut cmd = env.command(Path::new(CREDCHAIN));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("start credchain exec");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    // The shell's own `kill` (no procps needed).
    let killed = Command::new("sh")
        .args(["-c", &format!("kill {which} {}", child.id())])
        .status()
        .expect("run kill");
    assert!(killed.success());
    child.wait().unwrap()
}

/// `exec --serve --profile dev -- sh -c SCRIPT`.
fn serve_sh(script: &str) -> [&str; 8] {
    [
        "exec",
        "--serve",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        script,
    ]
}

#[test]
fn sigterm_reaches_the_child() {
    use std::os::unix::process::ExitStatusExt as _;
    let env = TestEnv::new().config(DEV);
    // The child traps TERM and exits 42: it got the signal, and its status
    // is credchain's. Plain exec: credchain is the child (execvp).
    let trap = "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done";
    let s = sigterm(&env, &["exec", "--profile", "dev", "--", "sh", "-c", trap]);
    assert_eq!(s.code(), Some(42), "{s:?}");
    // --serve: credchain forwards it and exits with the child's status.
    let s = sigterm(&env, &serve_sh(trap));
    assert_eq!(s.code(), Some(42), "{s:?}");
    // A child killed by the signal: 128 + 15, as shells report it.
    let s = sigterm(&env, &serve_sh("echo ready; exec sleep 30"));
    assert_eq!((s.code(), s.signal()), (Some(143), None), "{s:?}");
    // SIGINT and SIGHUP sent to credchain are forwarded too.
    for (sig, name) in [("-INT", "INT"), ("-HUP", "HUP")] {
        let script = format!("trap 'exit 41' {name}; echo ready; while :; do sleep 0.05; done");
        let s = signal(&env, &serve_sh(&script), sig);
        assert_eq!(s.code(), Some(41), "{name}: {s:?}");
    }
}

#[test]
fn exec_serve_gives_the_child_an_endpoint_not_keys() {
    let env = TestEnv::new().config(DEV);
    let run = env.credchain(&["exec", "--serve", "--profile", "dev", "--", "env"]);
    run.expect_code(0);
    let vars = env_of(&run.stdout);
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "CREDCHAIN_PROFILE"
        ]
    );
    assert!(vars[1].1.starts_with("http://127.0.0.1:"), "{vars:?}");
    assert_eq!(vars[0].1.len(), 64);
    // The token is in the child's environment only.
    assert_eq!(run.stderr, "");

    let run = env.credchain(&[
        "exec",
        "--serve",
        "--profile",
        "dev",
        "--",
        "python3",
        "-c",
        "import botocore.session as s; c = s.Session().get_credentials(); \
         f = c.get_frozen_credentials(); print(c.method, f.access_key, f.secret_key, f.token)",
    ]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "container-role AKIDEVEXAMPLE devsecretEXAMPLE devtokenEXAMPLE\n"
    );
}

#[test]
fn exec_serve_warns_when_the_default_profile_would_shadow_the_endpoint() {
    // botocore's chain reads the credentials file before the container
    // endpoint (P-CHAIN-1): the child's [default] keys win, as they would
    // under aws-vault's `exec --ecs-server`; credchain says so.
    let env = TestEnv::new()
        .config(DEV)
        .credentials("[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n");
    let run = env.credchain(&[
        "exec",
        "--serve",
        "--profile",
        "dev",
        "--",
        "python3",
        "-c",
        "import botocore.session as s; c = s.Session().get_credentials(); \
         print(c.method, c.access_key)",
    ]);
    run.expect_code(0);
    assert_eq!(run.stdout, "shared-credentials-file AKIADEFAULT\n");
    assert!(
        run.stderr.starts_with(
            "warning: the command's AWS SDK will use the credentials of the `default` profile"
        ),
        "{}",
        run.stderr
    );
    // Without --serve the keys in the environment come first: no warning.
    let run = env.credchain(&["exec", "--profile", "dev", "--", "true"]);
    run.expect_code(0);
    assert_eq!(run.stderr, "");
}
