//! `credchain configure sso`, `configure sso-session` and `configure sso
//! --populate` against the loopback fake IAM Identity Center
//! (`credchain::testkit::sso`), issue 14:
//!
//! * the wizard through stdin (a new sso-session: start URL, region,
//!   scopes, a device-code login approved by the test, then account and
//!   role from the numbered lists) and through a pseudo-terminal (an
//!   existing sso-session and a valid cached token: no login; a wrong
//!   answer is asked again);
//! * populate with 3 accounts × 2 roles served one item per page; a second
//!   run changes no byte; a hand-written profile of a wanted name is
//!   reported, not overwritten; comments and hand-written profiles survive
//!   byte for byte; `--dry-run` prints the diff and writes nothing;
//!   `--prune` after an account disappears removes only its generated
//!   profiles;
//! * every profile written resolves in botocore 1.43.11 against the same
//!   fake (method `sso`), and in `explain` / `list-profiles`.
//!
//! The texts compared are the AWS CLI v2's (`awscli/customizations/
//! configure/sso.py`, Debian awscli 2.9.19); P-SSO-* and P-CLI-* refer to
//! the behaviour spec.

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use credchain::sso::token;
use credchain::testkit::sso::{FakeAccount, FakeSso, role_credentials_for};

use crate::sso::at;
use crate::util::{CREDCHAIN, Run, TestEnv};

const START_URL: &str = "https://d-1.awsapps.com/start";

const SESSION: &str = "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\n\
                       sso_region = us-east-1\n";

fn accounts() -> Vec<FakeAccount> {
    vec![
        FakeAccount::new("111111111111", "Dev", &["Admin", "ReadOnly"]),
        FakeAccount::new("222222222222", "Prod", &["Admin", "ReadOnly"]),
        FakeAccount::new("333333333333", "Sandbox Team", &["Admin", "ReadOnly"]),
    ]
}

fn fake() -> FakeSso {
    let sso = FakeSso::start();
    sso.set_accounts(accounts());
    sso
}

fn env_for(sso: &FakeSso, config: &str) -> TestEnv {
    TestEnv::new()
        .config(config)
        .env("AWS_ENDPOINT_URL_SSO", &sso.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &sso.url())
}

/// `configure sso --populate --sso-session corp` and `extra`.
fn populate<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["configure", "sso", "--populate", "--sso-session", "corp"];
    args.extend_from_slice(extra);
    args
}

/// A valid token for sso-session corp in the token cache (P-SSO-3).
fn seed_token(env: &TestEnv, access: &str) {
    let doc = serde_json::json!({"startUrl": START_URL, "region": "us-east-1",
        "accessToken": access, "expiresAt": at(8 * 3600), "clientId": "cid",
        "clientSecret": "csecret", "registrationExpiresAt": at(86_400),
        "refreshToken": "rt-x"});
    env.write(
        &format!(".aws/sso/cache/{}.json", token::sha1_hex("corp")),
        doc.to_string(),
    );
}

fn read(env: &TestEnv, rel: &str) -> String {
    std::fs::read_to_string(env.home().join(rel)).unwrap_or_default()
}

/// Runs credchain with `input` on stdin while a test "user" approves every
/// device code the fake issues.
fn run_approving(env: &TestEnv, sso: &FakeSso, args: &[&str], input: &str) -> Run {
    let mut cmd = env.command(Path::new(CREDCHAIN));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run credchain");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write answers");
    drop(stdin);
    let done = AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                for code in sso.pending_user_codes() {
                    sso.approve_user_code(&code);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let out = child.wait_with_output().expect("wait");
        done.store(true, Ordering::SeqCst);
        out
    });
    let run = Run {
        what: format!("credchain {}", args.join(" ")),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// botocore 1.43.11 resolves each profile: `(profile, method, access key)`.
fn botocore_resolves(env: &TestEnv, profiles: &[&str]) -> Vec<(String, String, String)> {
    let code = format!(
        "import botocore.session, json\n\
         out = []\n\
         for p in {profiles:?}:\n\
         \x20   c = botocore.session.Session(profile=p).get_credentials()\n\
         \x20   out.append([p, c.method, c.access_key])\n\
         print(json.dumps(out))\n"
    );
    let run = env.python(&code);
    run.expect_code(0);
    serde_json::from_str(&run.stdout).expect("botocore's answer")
}

/// P-SSO-9 / the AWS CLI v2 wizard, scripted: a new sso-session, a login
/// (device code, approved by the test), account and role picked by number
/// and by name, region and output, the default profile name.
#[test]
fn wizard_through_stdin_creates_the_session_logs_in_and_writes_the_profile() {
    let sso = fake();
    let env = env_for(&sso, "# mine\n[default]\nregion = us-east-1\n");
    let answers = format!("corp\n{START_URL}\nus-east-1\n\n2\nReadOnly\neu-west-1\njson\n\n");
    let run = run_approving(&env, &sso, &["configure", "sso"], &answers);
    run.expect_code(0);
    let out = &run.stdout;
    assert!(
        out.starts_with(
            "SSO session name (Recommended): SSO start URL [None]: SSO region [None]: \
             SSO registration scopes [sso:account:access]: "
        ),
        "{out}"
    );
    assert!(out.contains("Then enter the code:"), "device login: {out}");
    assert!(
        out.contains(
            "There are 3 AWS accounts available to you.\n  1) Dev, dev@example.com \
             (111111111111)\n  2) Prod, prod@example.com (222222222222)\n  3) Sandbox Team, \
             sandbox.team@example.com (333333333333)\nAccount (1-3): Using the account ID \
             222222222222\nThere are 2 roles available to you.\n  1) Admin\n  2) ReadOnly\n\
             Role (1-2): Using the role name \"ReadOnly\"\nCLI default client Region [None]: \
             CLI default output format [None]: CLI profile name [ReadOnly-222222222222]: \n\
             To use this profile, specify the profile name using --profile, as shown:\n\n\
             aws s3 ls --profile ReadOnly-222222222222\n"
        ),
        "{out}"
    );
    // The AWS CLI v2's order: the profile, then the sso-session; the
    // existing text is kept byte for byte.
    assert_eq!(
        read(&env, ".aws/config"),
        "# mine\n[default]\nregion = us-east-1\n\n[profile ReadOnly-222222222222]\n\
         sso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n\
         region = eu-west-1\noutput = json\n\n[sso-session corp]\n\
         sso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n"
    );
    assert_eq!(sso.tokens_issued(), 1);
    let (ak, ..) = role_credentials_for("good-login-1", "ReadOnly", "222222222222");
    assert_eq!(
        botocore_resolves(&env, &["ReadOnly-222222222222"]),
        [(
            "ReadOnly-222222222222".to_owned(),
            "sso".to_owned(),
            ak.clone()
        )]
    );
    let ours = env.credchain(&[
        "--profile",
        "ReadOnly-222222222222",
        "configure",
        "export-credentials",
    ]);
    ours.expect_code(0);
    assert!(ours.stdout.contains(&ak), "{}", ours.stdout);
    assert!(!out.contains("good-login-1") && !run.stderr.contains("good-login-1"));
}

/// No session name: the AWS CLI's legacy-format warning, the start URL and
/// region go into the profile, and the login is the device flow (legacy
/// profiles have no other, P-SSO-9).
#[test]
fn wizard_without_a_session_name_writes_a_legacy_profile() {
    let sso = FakeSso::start();
    sso.set_accounts(vec![FakeAccount::new("777777777777", "Old", &["Legacy"])]);
    let env = env_for(&sso, "");
    let answers = format!("\n{START_URL}\nus-east-1\n\n\nlegacy\n");
    let run = run_approving(&env, &sso, &["configure", "sso", "--debug"], &answers);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(
            "SSO session name (Recommended): WARNING: Configuring using legacy format (e.g. \
             without an SSO session).\nConsider re-running \"configure sso\" command and \
             providing a session name.\nSSO start URL [None]: SSO region [None]: "
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        read(&env, ".aws/config"),
        "[profile legacy]\nsso_start_url = https://d-1.awsapps.com/start\n\
         sso_region = us-east-1\nsso_account_id = 777777777777\nsso_role_name = Legacy\n"
    );
    // --debug says what happens, never the token or the client secret.
    for secret in ["good-login-1", "rt-login-1", "csecret-1"] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} leaked:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    let (ak, ..) = role_credentials_for("good-login-1", "Legacy", "777777777777");
    assert_eq!(
        botocore_resolves(&env, &["legacy"]),
        [("legacy".to_owned(), "sso".to_owned(), ak)]
    );
}

/// An existing sso-session and a valid cached token: no login, no URL
/// prompts; one account and one role are taken with the AWS CLI's words;
/// `--profile` names the profile (no name prompt).
#[test]
fn wizard_reuses_a_valid_token_and_takes_the_only_account_and_role() {
    let sso = FakeSso::start();
    sso.set_accounts(vec![FakeAccount::new("444444444444", "Solo", &["Viewer"])]);
    let env = env_for(&sso, SESSION);
    seed_token(&env, "seeded-token");
    let run = env.credchain_stdin(&["configure", "sso", "--profile", "solo"], "corp\n\n\n");
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "SSO session name (Recommended): The only AWS account available to you is: \
         444444444444\nUsing the account ID 444444444444\nThe only role available to you is: \
         Viewer\nUsing the role name \"Viewer\"\nCLI default client Region [None]: CLI default \
         output format [None]: \nTo use this profile, specify the profile name using --profile, \
         as shown:\n\naws s3 ls --profile solo\n"
    );
    assert_eq!(sso.tokens_issued() + sso.register_client_calls(), 0);
    assert_eq!(
        read(&env, ".aws/config"),
        format!(
            "{SESSION}\n[profile solo]\nsso_session = corp\nsso_account_id = 444444444444\n\
             sso_role_name = Viewer\n"
        )
    );
    // Input that ends early writes nothing (as `credchain configure`).
    let before = read(&env, ".aws/config");
    let run = env.credchain_stdin(&["configure", "sso", "--profile", "x"], "corp\n");
    run.expect_code(255);
    assert!(run.stderr.contains("end of input"), "{}", run.stderr);
    assert_eq!(read(&env, ".aws/config"), before);
    // A 401 while listing: the AWS CLI's words, and a profile without an
    // account or role.
    seed_token(&env, "unauthorized-token");
    let run = env.credchain_stdin(&["configure", "sso", "--profile", "bare"], "corp\n\n\n");
    run.expect_code(0);
    assert!(
        run.stdout.contains(
            "Unable to list AWS accounts and/or roles. Skipping configuring AWS credential \
             provider for profile.\n"
        ) && run
            .stdout
            .ends_with("Successfully configured SSO for profile: bare\n"),
        "{}",
        run.stdout
    );
}

/// Through a pseudo-terminal: the numbered lists, a wrong answer asked
/// again, the default profile name.
#[cfg(unix)]
#[test]
fn wizard_on_a_terminal_asks_again_after_a_wrong_choice() {
    let sso = fake();
    let env = env_for(&sso, SESSION);
    seed_token(&env, "seeded-token");
    let mut cmd = env.command(Path::new(CREDCHAIN));
    cmd.args(["configure", "sso"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(15_000)).expect("spawn in a pty");
    p.exp_string("SSO session name (Recommended): ")
        .expect("session prompt");
    p.send_line("corp").unwrap();
    p.exp_string("There are 3 AWS accounts available to you.")
        .expect("accounts");
    p.exp_string("3) Sandbox Team, sandbox.team@example.com (333333333333)")
        .expect("list");
    p.exp_string("Account (1-3): ").expect("account prompt");
    p.send_line("9").unwrap();
    p.exp_string("Enter a number from 1 to 3, the account ID, or part of it")
        .expect("asked again");
    p.exp_string("Account (1-3): ")
        .expect("account prompt again");
    // Words every entry has: the matches are shown, asked again.
    p.send_line("Example COM").unwrap();
    p.exp_string("`Example COM` matches 3: 1) Dev, dev@example.com (111111111111); 2) Prod")
        .expect("ambiguous");
    p.exp_string("Account (1-3): ")
        .expect("account prompt again");
    p.send_line("sandbox TEAM").unwrap();
    p.exp_string("Using the account ID 333333333333").unwrap();
    p.exp_string("Role (1-2): ").unwrap();
    p.send_line("1").unwrap();
    p.exp_string("Using the role name \"Admin\"").unwrap();
    p.exp_string("CLI default client Region [None]: ").unwrap();
    p.send_line("us-west-2").unwrap();
    p.exp_string("CLI default output format [None]: ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("CLI profile name [Admin-333333333333]: ")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("aws s3 ls --profile Admin-333333333333")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(
        read(&env, ".aws/config"),
        format!(
            "{SESSION}\n[profile Admin-333333333333]\nsso_session = corp\n\
             sso_account_id = 333333333333\nsso_role_name = Admin\nregion = us-west-2\n"
        )
    );
}

/// `configure sso-session`: the AWS CLI v2's prompts and closing text
/// (with credchain's login command), defaults from an existing session.
#[test]
fn sso_session_wizard_writes_the_section() {
    let env = TestEnv::new().config("[default]\nregion = us-east-1\n");
    let run = env.credchain_stdin(
        &["configure", "sso-session"],
        &format!("corp\n{START_URL}\nus-east-1\nsso:account:access,extra:scope\n"),
    );
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "SSO session name: SSO start URL [None]: SSO region [None]: SSO registration scopes \
         [sso:account:access]: \nCompleted configuring SSO session: corp\nRun the following to \
         login and refresh access token for this session:\n\ncredchain sso login --sso-session \
         corp\n"
    );
    let config = read(&env, ".aws/config");
    assert_eq!(
        config,
        "[default]\nregion = us-east-1\n\n[sso-session corp]\n\
         sso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access,extra:scope\n"
    );
    // Again, keeping every value: the current ones are the defaults.
    let run = env.credchain_stdin(&["configure", "sso-session"], "corp\n\n\n\n");
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(
            "SSO session name: SSO start URL [https://d-1.awsapps.com/start]: SSO region \
             [us-east-1]: SSO registration scopes [sso:account:access,extra:scope]: "
        ),
        "{}",
        run.stdout
    );
    assert_eq!(read(&env, ".aws/config"), config);
    // A bad start URL from a script is an error, and nothing is written.
    let run = env.credchain_stdin(&["configure", "sso-session"], "other\nnot a url\nx\n\n");
    run.expect_code(255);
    assert!(
        run.stderr.contains("Not a valid Start URL"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&env, ".aws/config"), config);
}

const HAND: &str = "# my settings: keep this line\n[default]\nregion = us-east-1 ; not a comment\n\n\
    ; a profile written by hand\n[profile Dev-Admin]\nsso_session = corp\n\
    sso_account_id = 111111111111\nsso_role_name = Admin\n\n\
    [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n";

/// Populate: 3 accounts × 2 roles, one item per page; idempotent; the
/// collision reported; `--dry-run`; `--prune` after an account goes away;
/// every written profile resolves in botocore, `explain` and
/// `list-profiles`.
#[test]
fn populate_writes_one_profile_per_role_idempotently_and_prunes_only_its_own() {
    let sso = fake();
    sso.set_page_size(1);
    let env = env_for(&sso, HAND);
    seed_token(&env, "seeded-token");
    let args = populate(&["--region", "eu-west-1"]);
    let run = env.credchain(&args);
    run.expect_code(0);
    assert!(
        run.stderr.contains(
            "warning: profile Dev-Admin (account 111111111111 role Admin) not written: a \
             hand-written profile has that name"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("5 profile(s) created, 0 updated, 0 unchanged, 0 removed, 1 conflict(s)"),
        "{}",
        run.stderr
    );
    // Every page was read: 3 account pages, 2 role pages per account.
    let paths: Vec<String> = sso.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.starts_with("/assignment/accounts"))
            .count(),
        3,
        "{paths:?}"
    );
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.starts_with("/assignment/roles"))
            .count(),
        6
    );
    assert!(paths.contains(&"/assignment/accounts?next_token=page-2".to_owned()));
    assert!(
        paths.contains(&"/assignment/roles?next_token=page-1&account_id=333333333333".to_owned())
    );
    let first = read(&env, ".aws/config");
    let marker = "# generated by credchain configure sso --populate --sso-session corp; edit at \
                  will, --prune removes it";
    let block = |name: &str, account: &str, role: &str| {
        format!(
            "\n[profile {name}]\n{marker}\nsso_session = corp\nsso_account_id = {account}\n\
             sso_role_name = {role}\nregion = eu-west-1\n"
        )
    };
    let generated = [
        ("Dev-ReadOnly", "111111111111", "ReadOnly"),
        ("Prod-Admin", "222222222222", "Admin"),
        ("Prod-ReadOnly", "222222222222", "ReadOnly"),
        ("Sandbox-Team-Admin", "333333333333", "Admin"),
        ("Sandbox-Team-ReadOnly", "333333333333", "ReadOnly"),
    ];
    let expected: String = std::iter::once(HAND.to_owned())
        .chain(generated.iter().map(|(n, a, r)| block(n, a, r)))
        .collect();
    assert_eq!(
        first, expected,
        "the hand-written text is kept byte for byte"
    );

    // A second run changes no byte.
    let run = env.credchain(&args);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("0 profile(s) created, 0 updated, 5 unchanged, 0 removed, 1 conflict(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&env, ".aws/config"), first);

    // Like any other profile: list-profiles, explain, botocore.
    let listed = env.credchain(&["configure", "list-profiles"]);
    for (n, ..) in generated {
        assert!(listed.stdout.lines().any(|l| l == n), "{}", listed.stdout);
    }
    let explained = env.credchain(&["--profile", "Prod-Admin", "explain", "--output", "json"]);
    explained.expect_code(0);
    assert_eq!(explained.json()["method"], "sso");
    let names: Vec<&str> = generated.iter().map(|(n, ..)| *n).collect();
    let resolved = botocore_resolves(&env, &names);
    for ((name, account, role), (p, method, ak)) in generated.iter().zip(&resolved) {
        let (want, ..) = role_credentials_for("seeded-token", role, account);
        assert_eq!((p.as_str(), method.as_str(), ak), (*name, "sso", &want));
    }

    // An account disappears: --dry-run shows the diff and writes nothing.
    sso.set_accounts(accounts()[..2].to_vec());
    let mut prune = args.clone();
    prune.push("--prune");
    let mut dry = prune.clone();
    dry.push("--dry-run");
    let run = env.credchain(&dry);
    run.expect_code(0);
    let path = env.home().join(".aws/config").display().to_string();
    assert!(
        run.stdout
            .starts_with(&format!("--- {path}\n+++ {path}\n@@ ")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("-[profile Sandbox-Team-Admin]\n")
            && run.stdout.contains("-[profile Sandbox-Team-ReadOnly]\n")
            && !run.stdout.contains("+["),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("would be removed: profile Sandbox-Team-Admin")
    );
    assert_eq!(read(&env, ".aws/config"), first, "--dry-run writes nothing");
    // Without --prune the stale profiles stay, with a note.
    let run = env.credchain(&args);
    assert!(
        run.stderr
            .contains("note: profile Sandbox-Team-Admin was generated for sso-session corp"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&env, ".aws/config"), first);
    // --prune removes exactly those two blocks.
    let run = env.credchain(&prune);
    run.expect_code(0);
    let pruned: String = std::iter::once(HAND.to_owned())
        .chain(generated[..3].iter().map(|(n, a, r)| block(n, a, r)))
        .collect();
    assert_eq!(read(&env, ".aws/config"), pruned);
    // Adopting a profile (deleting its marker) keeps it from --prune.
    let adopted = pruned.replacen(&format!("{marker}\n"), "", 1);
    env.write(".aws/config", &adopted);
    sso.set_accounts(accounts()[1..2].to_vec());
    env.credchain(&prune).expect_code(0);
    // Dev-ReadOnly is no longer listed but is the user's now: kept.
    assert_eq!(read(&env, ".aws/config"), adopted);
}

/// Bad input: unknown placeholders, a missing sso-session, a 401 from the
/// portal: a clear error and nothing written.
#[test]
fn populate_refuses_bad_input_without_writing() {
    let sso = fake();
    let env = env_for(&sso, SESSION);
    seed_token(&env, "seeded-token");
    let run = env.credchain(&populate(&["--profile-template", "{account}-{role_name}"]));
    run.expect_code(255);
    assert!(
        run.stderr.contains("unknown placeholder {account}"),
        "{}",
        run.stderr
    );
    let run = env.credchain(&["configure", "sso", "--populate", "--sso-session", "nope"]);
    run.expect_code(255);
    assert!(
        run.stderr
            .contains("The specified sso-session does not exist: \"nope\""),
        "{}",
        run.stderr
    );
    let run = env.credchain(&["configure", "sso", "--populate"]);
    run.expect_code(2);
    // --debug on a good run: no token, no client secret.
    let run = env.credchain(&populate(&["--dry-run", "--debug"]));
    run.expect_code(0);
    assert!(
        run.stderr.contains("6 account/role pairs listed"),
        "{}",
        run.stderr
    );
    assert!(!run.combined().contains("seeded-token") && !run.combined().contains("csecret"));
    seed_token(&env, "unauthorized-token");
    let run = env.credchain(&populate(&[]));
    run.expect_code(255);
    assert!(
        run.stderr.contains("UnauthorizedException"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("unauthorized-token"), "{}", run.stderr);
    assert_eq!(read(&env, ".aws/config"), SESSION);
}

/// The AWS CLI v2's `aws` as `tests/differential/configure_sso_v2.py`
/// runs it (Debian's `/usr/bin/python3` with awscli 2.x), or `None` and
/// one skip line, unless `CREDCHAIN_REQUIRE_AWSCLI_V2=1` (scripts/test.sh
/// installs it as root).
#[allow(clippy::print_stderr)] // the skip line
fn aws_cli_v2() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let python = std::path::PathBuf::from(
        std::env::var("CREDCHAIN_AWSCLI_V2_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into()),
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential/configure_sso_v2.py");
    let ok = std::process::Command::new(&python)
        .args([
            "-c",
            "import awscli, sys; sys.exit(awscli.__version__[0] != '2')",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CREDCHAIN_REQUIRE_AWSCLI_V2").is_none_or(|v| v != "1"),
            "CREDCHAIN_REQUIRE_AWSCLI_V2=1 but {} cannot import the AWS CLI v2",
            python.display()
        );
        eprintln!("configure sso differential skipped: no AWS CLI v2 (apt-get install awscli)");
    }
    ok.then_some((python, script))
}

/// Differential: the AWS CLI v2's own `aws configure sso` and credchain's,
/// each in its own HOME against the same fake, both through a
/// pseudo-terminal with the same answers (an existing sso-session, a valid
/// cached token, two accounts: the first chosen, one role): the same texts
/// in the same order and the same config file, byte for byte.
#[cfg(unix)]
#[test]
fn wizard_matches_the_aws_cli_v2_on_a_terminal() {
    let Some((python, script)) = aws_cli_v2() else {
        return;
    };
    let sso = FakeSso::start();
    sso.set_accounts(vec![
        FakeAccount::new("555555555555", "First", &["Only"]),
        FakeAccount::new("666666666666", "Second", &["Other"]),
    ]);
    let run = |aws: bool| {
        // No cursor-position requests: an answer typed while prompt_toolkit
        // waits for one is eaten as the terminal's reply.
        let env = env_for(&sso, SESSION)
            .env("AWS_PAGER", "")
            .env("PROMPT_TOOLKIT_NO_CPR", "1")
            .env("CREDCHAIN_FAKE_SSO", &sso.url());
        seed_token(&env, "seeded-token");
        let program = if aws {
            python.as_path()
        } else {
            Path::new(CREDCHAIN)
        };
        let mut cmd = env.command(program);
        if aws {
            cmd.arg(&script);
        }
        cmd.args(["configure", "sso", "--profile", "diff"]);
        let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
        let mut seen = Vec::new();
        let mut step = |p: &mut rexpect::session::PtySession, want: &str, answer: Option<&str>| {
            p.exp_string(want)
                .unwrap_or_else(|e| panic!("{}: {want:?}: {e}", program.display()));
            seen.push(want.to_owned());
            if let Some(a) = answer {
                // prompt_toolkit reads keys once its prompt is drawn.
                std::thread::sleep(Duration::from_millis(300));
                p.send(a).expect("send");
                p.send("\r").expect("send");
                p.flush().expect("flush");
            }
        };
        // prompt_toolkit draws the prompt's trailing space apart from its
        // text (terminal codes between), so prompts are matched without it.
        step(&mut p, "SSO session name (Recommended):", Some("corp"));
        step(&mut p, "There are 2 AWS accounts available to you.", None);
        // The AWS CLI's menu starts on the first entry; ours takes its number.
        let pick = if aws { "" } else { "1" };
        step(&mut p, "555555555555", Some(pick));
        step(&mut p, "Using the account ID 555555555555", None);
        step(&mut p, "The only role available to you is: Only", None);
        step(&mut p, "Using the role name \"Only\"", None);
        step(
            &mut p,
            "CLI default client Region [None]:",
            Some("eu-west-1"),
        );
        step(&mut p, "CLI default output format [None]:", Some("json"));
        step(
            &mut p,
            "To use this profile, specify the profile name using --profile, as shown:",
            None,
        );
        step(&mut p, "aws s3 ls --profile diff", None);
        p.exp_eof().expect("eof");
        (seen, read(&env, ".aws/config"))
    };
    let theirs = run(true);
    let ours = run(false);
    assert_eq!(ours.0, theirs.0, "the same texts in the same order");
    // The one difference: credchain's editor puts a blank line before a
    // section it appends (as every credchain write does); the AWS CLI's
    // writer does not (P-CLI-4).
    assert_eq!(
        ours.1,
        theirs.1.replace("\n[profile diff]", "\n\n[profile diff]")
    );
    assert!(!theirs.1.contains("\n\n["), "{}", theirs.1);
    assert!(ours.1.ends_with(
        "[profile diff]\nsso_session = corp\nsso_account_id = 555555555555\n\
         sso_role_name = Only\nregion = eu-west-1\noutput = json\n"
    ));
}

/// Populate without a cached token logs in first (the device flow,
/// approved by the test), then writes every profile, named by a template.
#[test]
fn populate_logs_in_when_no_token_is_cached() {
    let sso = fake();
    let env = env_for(&sso, SESSION);
    let run = run_approving(
        &env,
        &sso,
        &populate(&[
            "--profile-template",
            "{sso_session}.{account_id}.{role_name}",
        ]),
        "",
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains("Then enter the code:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("6 profile(s) created"),
        "{}",
        run.stderr
    );
    assert_eq!(sso.tokens_issued(), 1);
    let (ak, ..) = role_credentials_for("good-login-1", "ReadOnly", "333333333333");
    assert_eq!(
        botocore_resolves(&env, &["corp.333333333333.ReadOnly"]),
        [(
            "corp.333333333333.ReadOnly".to_owned(),
            "sso".to_owned(),
            ak
        )]
    );
}

/// Populate is one locked read-modify-write: `configure set` runs racing
/// with it lose nothing, and it loses none of them.
#[test]
fn populate_and_concurrent_configure_set_keep_every_update() {
    let sso = fake();
    let env = env_for(&sso, SESSION);
    seed_token(&env, "seeded-token");
    let runs: Vec<Run> = std::thread::scope(|s| {
        let populate = s.spawn(|| env.credchain(&populate(&[])));
        let sets: Vec<_> = (0..8)
            .map(|i| {
                let env = &env;
                s.spawn(move || {
                    let name = format!("profile.hand{i}.region");
                    env.credchain(&["configure", "set", &name, "us-west-2"])
                })
            })
            .collect();
        std::iter::once(populate)
            .chain(sets)
            .map(|h| h.join().unwrap())
            .collect()
    });
    for r in &runs {
        r.expect_code(0);
    }
    let config = read(&env, ".aws/config");
    for i in 0..8 {
        assert!(
            config.contains(&format!("[profile hand{i}]\nregion = us-west-2\n")),
            "{config}"
        );
    }
    assert_eq!(
        config.matches("# generated by credchain").count(),
        6,
        "{config}"
    );
    assert!(config.starts_with(SESSION), "{config}");
}
