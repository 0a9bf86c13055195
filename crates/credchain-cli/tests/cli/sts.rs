//! `credchain sts get-caller-identity` and the assume-role cache, against
//! `moto_server` (started here on a random loopback port; every process gets
//! `AWS_ENDPOINT_URL_STS=http://127.0.0.1:PORT`) and compared with the real
//! AWS CLI v1 doing the same. Skipped with a message when `moto_server` is
//! not installed, unless `CREDCHAIN_REQUIRE_MOTO=1`.

use crate::util::TestEnv;

/// `moto_server` on a loopback port (shared with `mfa_login`, `query`, …).
pub(crate) use credchain::testkit::moto::moto;

const CHAIN: &str = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/RoleA\n\
    source_profile = b\nrole_session_name = sess-a\n\
    [profile b]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\nsource_profile = c\n\
    [profile c]\nrole_arn = arn:aws:iam::123456789012:role/RoleC\nsource_profile = base\n\
    duration_seconds = 1800\n\
    [profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

fn env(port: u16) -> TestEnv {
    TestEnv::new()
        .config(CHAIN)
        .env("AWS_ENDPOINT_URL_STS", &format!("http://127.0.0.1:{port}"))
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

/// The JSON with the (per-call random) role id in `UserId` blanked.
fn shape(stdout: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    let user = v["UserId"].as_str().expect("UserId").to_owned();
    let (_, session) = user.split_once(':').expect("AROA...:session");
    v["UserId"] = format!("ROLEID:{session}").into();
    let blanked = serde_json::to_string_pretty(&v)
        .unwrap()
        .replace("  ", "    ");
    // serde_json's pretty printer and the CLI's json.dump(indent=4) agree
    // once the indent width is the same; compare the raw text too.
    assert_eq!(
        stdout.replace(&user, &format!("ROLEID:{session}")),
        format!("{blanked}\n")
    );
    blanked
}

#[test]
fn get_caller_identity_through_a_role_chain_matches_the_aws_cli() {
    let Some(m) = moto() else { return };
    let env = env(m.port);
    let ours = env.credchain(&["sts", "get-caller-identity", "--profile", "a"]);
    ours.expect_code(0);
    let theirs = env.aws(&["sts", "get-caller-identity", "--profile", "a"]);
    theirs.expect_code(0);
    assert_eq!(shape(&ours.stdout), shape(&theirs.stdout));
    assert!(
        ours.stdout
            .contains("\"Arn\": \"arn:aws:sts::123456789012:assumed-role/RoleA/sess-a\""),
        "{}",
        ours.stdout
    );
    assert!(!ours.combined().contains("wJalrXUtnFEMI"));
    let text = env.credchain(&[
        "sts",
        "get-caller-identity",
        "--profile",
        "a",
        "--output",
        "text",
    ]);
    text.expect_code(0);
    assert!(
        text.stdout
            .starts_with("123456789012\tarn:aws:sts::123456789012:assumed-role/RoleA/sess-a\tAROA"),
        "{}",
        text.stdout
    );
}

fn cache_files(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.home().join(".aws/cli/cache"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    std::path::Path::new(n)
                        .extension()
                        .is_some_and(|e| e == "json")
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn cache_written_by_the_aws_cli_is_used_without_network_and_vice_versa() {
    let Some(m) = moto() else { return };
    let port = m.port;
    // The AWS CLI fills the cache (one entry per hop)...
    let cli_first = env(port);
    cli_first
        .aws(&["sts", "get-caller-identity", "--profile", "a"])
        .expect_code(0);
    let cli_files = cache_files(&cli_first);
    assert_eq!(cli_files.len(), 3, "{cli_files:?}");
    // ...credchain fills its own cache in another HOME...
    let ours_first = env(port);
    ours_first
        .credchain(&["sts", "get-caller-identity", "--profile", "a"])
        .expect_code(0);
    // ...with the same keys (file names) for the same configuration.
    assert_eq!(cache_files(&ours_first), cli_files);
    drop(m);
    // With STS gone, each reads the other's cache: credchain the CLI's...
    let ours = cli_first.credchain(&["configure", "export-credentials", "--profile", "a"]);
    ours.expect_code(0);
    let final_key = |env: &TestEnv| -> String {
        // The last hop's entry is the one whose AssumedRoleUser is RoleA.
        cache_files(env)
            .iter()
            .map(|f| {
                let text =
                    std::fs::read_to_string(env.home().join(".aws/cli/cache").join(f)).unwrap();
                serde_json::from_str::<serde_json::Value>(&text).unwrap()
            })
            .find(|v| {
                v["AssumedRoleUser"]["Arn"]
                    .as_str()
                    .unwrap_or("")
                    .contains("/RoleA/")
            })
            .expect("RoleA entry")["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(ours.json()["AccessKeyId"], final_key(&cli_first));
    // ...and the AWS CLI credchain's (`configure list` resolves the
    // credentials and shows the key's last four characters).
    let theirs = ours_first.aws(&["configure", "list", "--profile", "a"]);
    theirs.expect_code(0);
    let key = final_key(&ours_first);
    assert!(
        theirs
            .stdout
            .contains(&format!("****************{}", &key[key.len() - 4..])),
        "{}",
        theirs.stdout
    );
}

/// P-AR-6 through a real pseudo-terminal: botocore's getpass prompt, the
/// code typed without echo and sent as `TokenCode` (moto accepts any code),
/// then the cached answer is used without a prompt.
#[cfg(unix)]
#[test]
fn mfa_code_is_asked_on_the_terminal_without_echo() {
    let Some(m) = moto() else { return };
    let env = TestEnv::new().config(
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/Mfa\nsource_profile = base\n\
         role_session_name = mfa\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
         [profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
         aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    let endpoint = format!("http://127.0.0.1:{}", m.port);
    let env = env
        .env("AWS_ENDPOINT_URL_STS", &endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let mut cmd = env.command(std::path::Path::new("sh"));
    cmd.args([
        "-c",
        "stty echo && exec \"$0\" \"$@\"",
        crate::util::CREDCHAIN,
        "sts",
        "get-caller-identity",
        "--profile",
        "a",
    ]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn in a pty");
    let prompt = "Enter MFA code for arn:aws:iam::123456789012:mfa/me: ";
    let mut transcript = p.exp_string(prompt).expect("the MFA prompt");
    p.send_line("987654").expect("send");
    transcript.push_str(&p.exp_eof().expect("eof"));
    assert!(
        !transcript.contains("987654"),
        "code echoed: {transcript:?}"
    );
    assert!(
        transcript.contains("\"Arn\": \"arn:aws:sts::123456789012:assumed-role/Mfa/mfa\""),
        "{transcript:?}"
    );
    // The answer is cached (the key has SerialNumber, never the code): no
    // prompt the second time, stdin closed.
    let again = env.credchain(&["sts", "get-caller-identity", "--profile", "a"]);
    again.expect_code(0);
    assert!(
        !again.combined().contains("Enter MFA code"),
        "{}",
        again.combined()
    );
}

/// Ctrl-C at the MFA prompt (P-AR-6): as getpass's `finally` on
/// `KeyboardInterrupt`, echo is back on when the process has ended, and it
/// ended by SIGINT (the AWS CLI's exit status 130 in a shell). `sts
/// get-caller-identity` and `serve`, whose initial fetch prompts; the
/// prompt comes before any STS call (the endpoint is a closed port).
#[cfg(unix)]
#[test]
fn ctrl_c_at_the_mfa_prompt_restores_echo() {
    let env = TestEnv::new()
        .config(
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/Mfa\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::123456789012:mfa/me\n\
             [profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
             aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        )
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    for command in [&["sts", "get-caller-identity"][..], &["serve"][..]] {
        let mut cmd = env.command(std::path::Path::new("sh"));
        // The shell survives the Ctrl-C (a trap; its child gets the default
        // action back) and reports the status and the terminal's echo flag.
        cmd.args([
            "-c",
            "trap 'echo' INT; stty echo; \"$0\" \"$@\"; echo \"rc=$?\"; \
             if stty -a | tr ' ;' '\\n\\n' | grep -qx -- -echo; then echo ECHO=off; \
             else echo ECHO=on; fi",
            crate::util::CREDCHAIN,
        ]);
        cmd.args(command).args(["--profile", "a"]);
        let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn in a pty");
        p.exp_string("Enter MFA code for arn:aws:iam::123456789012:mfa/me: ")
            .expect("the MFA prompt");
        p.send_control('c').expect("Ctrl-C");
        let rest = p.exp_eof().expect("eof");
        assert!(rest.contains("rc=130"), "{command:?}: {rest:?}");
        assert!(rest.contains("ECHO=on"), "{command:?}: {rest:?}");
    }
}

/// `--output table` and `--endpoint-url` byte-for-byte against the AWS CLI:
/// the configured STS endpoint is a closed port, so only `--endpoint-url`
/// can reach moto. Static keys keep `UserId` deterministic.
#[test]
fn table_output_and_endpoint_url_match_the_aws_cli() {
    let Some(m) = moto() else { return };
    let env = TestEnv::new()
        .config(CHAIN)
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let url = format!("http://127.0.0.1:{}", m.port);
    let args = [
        "sts",
        "get-caller-identity",
        "--profile",
        "base",
        "--output",
        "table",
        "--endpoint-url",
        url.as_str(),
    ];
    let ours = env.credchain(&args);
    ours.expect_code(0);
    let theirs = env.aws(&args);
    theirs.expect_code(0);
    assert_eq!(ours.stdout, theirs.stdout);
    assert!(
        ours.stdout.contains("|  Account|  123456789012"),
        "{}",
        ours.stdout
    );
    // Without --endpoint-url the closed configured endpoint is used and fails.
    env.credchain(&["sts", "get-caller-identity", "--profile", "base"])
        .expect_code(255);
}
