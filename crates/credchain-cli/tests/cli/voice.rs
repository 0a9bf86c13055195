//! One voice for errors: a failure reads the same in every command, says
//! what to do next, and no user-facing text carries internal references
//! (spec ids) or Rust debug forms.

use crate::util::{Run, TestEnv};

/// `P-` + capitals + `-` + digit, anywhere (a spec statement id).
fn has_spec_id(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| {
        if !b[i..].starts_with(b"P-") {
            return false;
        }
        let rest = &b[i + 2..];
        let caps = rest.iter().take_while(|c| c.is_ascii_uppercase()).count();
        caps > 0
            && rest.get(caps) == Some(&b'-')
            && rest.get(caps + 1).is_some_and(u8::is_ascii_digit)
    })
}

/// Rust `Debug` output that leaked into a message.
fn has_debug_form(s: &str) -> bool {
    [
        "Some(", "None)", "Ok(", "Err(", " { ", "\\\"", "Duration", "PathBuf",
    ]
    .iter()
    .any(|p| s.contains(p))
}

fn check(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!has_spec_id(text), "{}: spec id in\n{text}", run.what);
        assert!(!has_debug_form(text), "{}: debug form in\n{text}", run.what);
    }
}

#[test]
fn the_scanners_catch_what_they_look_for() {
    assert!(has_spec_id("botocore drops it (P-CHAIN-6)"));
    assert!(has_spec_id("P-AR-12"));
    assert!(!has_spec_id("P-chain-6 AWS_PROFILE P- X-Y-1"));
    assert!(has_debug_form("profile=Some(\"dev\")"));
    assert!(!has_debug_form("profile dev (from --profile)"));
}

#[test]
fn failing_commands_speak_without_spec_ids_or_debug_forms() {
    let envs = [
        TestEnv::new(),
        TestEnv::new().config("[default]\nregion = us-east-1\n[profile dev\n"),
        TestEnv::new().config("[profile dev]\nregion = us-east-1\n"),
        TestEnv::new()
            .env("AWS_ACCESS_KEY_ID", "AKIDENV")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .config("[profile dev]\naws_access_key_id = AKIDFILE\n")
            .env("AWS_PROFILE", "dev")
            .env("AWS_DEFAULT_PROFILE", "dev"),
        TestEnv::new()
            .config(
                "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/R\n\
                 source_profile = base\n[profile base]\naws_access_key_id = A\n\
                 aws_secret_access_key = S\n",
            )
            .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"),
    ];
    let commands: [&[&str]; 15] = [
        &["explain"],
        &["explain", "--profile", "dev"],
        &["explain", "--output", "json"],
        &["--debug", "explain"],
        &["explain", "--profile", "nope"],
        &["sts", "get-caller-identity"],
        &["--debug", "sts", "get-caller-identity", "--profile", "role"],
        &["sts", "get-caller-identity", "--profile", "nope"],
        &["sts", "get-caller-identity", "--query", "Account["],
        &["configure", "list", "--profile", "nope"],
        &["configure", "export-credentials"],
        &["configure", "export-credentials", "--profile", "role"],
        &["configure", "get", "region", "--profile", "nope"],
        &["configure", "mfa-login", "--profile", "nope"],
        &["explain", "--profile", "role", "--debug"],
    ];
    for env in envs {
        // Every STS call goes to a closed loopback port: a command that
        // resolves credentials may call STS, never a real AWS host.
        let env = env.env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9");
        for args in commands {
            check(&env.credchain(args));
        }
    }
}

#[test]
fn one_cause_reads_the_same_in_every_command() {
    let env = TestEnv::new();
    let first_line = |args: &[&str]| {
        let run = env.credchain(args);
        run.expect_code(255);
        run.stderr.lines().next().unwrap_or("").to_owned()
    };
    let none = "error: Unable to locate credentials. You can configure credentials by running \
                \"credchain configure\".";
    assert_eq!(first_line(&["sts", "get-caller-identity"]), none);
    assert_eq!(first_line(&["configure", "export-credentials"]), none);
    let missing = "error: The config profile (nope) could not be found";
    for args in [
        &["sts", "get-caller-identity", "--profile", "nope"][..],
        &["configure", "export-credentials", "--profile", "nope"],
        &["configure", "list", "--profile", "nope"],
    ] {
        let run = env.credchain(args);
        run.expect_code(255);
        assert!(run.stderr.starts_with(missing), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("\nhint: "), "{args:?}: {}", run.stderr);
    }
}

/// No region anywhere and an STS endpoint URL configured (a closed loopback
/// port, never reached): botocore's `NoRegionError` ("You must specify a
/// region.", as `aws` prints it), then where to add one.
#[test]
fn a_role_without_region_says_where_to_add_it() {
    let env = TestEnv::new()
        .config(
            "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/R\n\
             source_profile = base\n\
             [profile base]\naws_access_key_id = A\naws_secret_access_key = S\n",
        )
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9");
    let run = env.credchain(&["sts", "get-caller-identity", "--profile", "role"]);
    run.expect_code(255);
    assert_eq!(
        run.stderr,
        "error: You must specify a region.\n\
         hint: add `region = us-east-1` (your region) to `[profile role]` in ~/.aws/config, \
         or pass --region\n"
    );
}
