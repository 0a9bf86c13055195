//! Interactive `configure` whose piped answers end early, against the
//! AWS CLI v1 doing the same.

use crate::util::{TestEnv, aws_cli};

/// Answers that end before the fourth prompt: `aws configure` (v1 1.45.11)
/// fails with Python's `EOFError` ("EOF when reading a line"), exit 255,
/// and writes nothing, even the answers it already has; so does credchain.
#[test]
fn interactive_input_ending_early_writes_nothing_and_exits_255() {
    let config = "[default]\nregion = us-west-2\n";
    for input in [
        "",
        "AKIANEW\n",
        "AKIANEW\nsecret\n",
        "AKIANEW\nsecret\neu-west-1\n",
    ] {
        let env = TestEnv::new().config(config);
        let ours = env.credchain_stdin(&["configure"], input);
        assert_eq!(ours.code, 255, "{input:?}: {}", ours.stderr);
        assert!(
            ours.stderr
                .starts_with("error: end of input before all four answers"),
            "{}",
            ours.stderr
        );
        assert_eq!(
            std::fs::read_to_string(env.home().join(".aws/config")).unwrap(),
            config
        );
        assert!(!env.home().join(".aws/credentials").exists(), "{input:?}");
        let theirs = TestEnv::new().config(config);
        let aws = theirs.run_program_with_stdin(&aws_cli(), &["configure"], Some(input.as_bytes()));
        assert_eq!(aws.code, 255, "{input:?}: {}", aws.stderr);
        assert_eq!(aws.stderr, "\nEOF when reading a line\n");
        assert_eq!(
            std::fs::read_to_string(theirs.home().join(".aws/config")).unwrap(),
            config
        );
        assert!(
            !theirs.home().join(".aws/credentials").exists(),
            "{input:?}"
        );
    }
    // A last answer without its newline is still an answer (Python `input()`).
    let env = TestEnv::new();
    let ok = env.credchain_stdin(&["configure"], "AKIANEW\nsecret\nus-east-1\njson");
    ok.expect_code(0);
    assert_eq!(
        std::fs::read_to_string(env.home().join(".aws/config")).unwrap(),
        "[default]\nregion = us-east-1\noutput = json\n"
    );
}

/// Deliberate difference (README): a region that botocore reads from the
/// credentials file is listed there. The AWS CLI v1 (1.45.11) prints
/// `config-file    ~/.aws/config` for it (aws-cli#9856); every other row
/// stays byte-identical.
#[test]
fn configure_list_shows_a_credentials_file_region_where_it_is() {
    let env = TestEnv::new().credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
         aws_secret_access_key = secret\nregion = eu-west-3\n",
    );
    let ours = env.credchain(&["configure", "list"]);
    ours.expect_code(0);
    let theirs = env.aws(&["configure", "list"]);
    theirs.expect_code(0);
    let region = |s: &str| {
        s.lines()
            .find(|l| l.trim_start().starts_with("region"))
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        region(&ours.stdout),
        "    region                eu-west-3 credentials-file    ~/.aws/credentials"
    );
    assert_eq!(
        region(&theirs.stdout),
        "    region                eu-west-3      config-file    ~/.aws/config"
    );
    let others = |s: &str| {
        s.lines()
            .filter(|l| !l.trim_start().starts_with("region"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(others(&ours.stdout), others(&theirs.stdout));
    // From the config file it is the AWS CLI's row exactly.
    let env = TestEnv::new().config("[default]\nregion = eu-west-3\n");
    assert_eq!(
        env.credchain(&["configure", "list"]).stdout,
        env.aws(&["configure", "list"]).stdout
    );
}
