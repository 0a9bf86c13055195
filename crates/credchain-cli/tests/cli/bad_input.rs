//! Hostile or broken files: never a panic (the harness rejects any stderr
//! with "panicked" and exit 101), always the offending path named.

use crate::util::{Run, TestEnv};

/// Every read-side command on one environment.
fn run_all(env: &TestEnv) -> Vec<Run> {
    [
        &["explain"][..],
        &["explain", "--output", "json"],
        &["explain", "--debug"],
        &["configure", "list"],
        &["configure", "list-profiles"],
        &["configure", "get", "region"],
        &["configure", "export-credentials"],
    ]
    .iter()
    .map(|args| env.credchain(args))
    .collect()
}

/// Every command must fail and name `path` (and `line`, when given).
fn assert_all_fail_naming(env: &TestEnv, path: &str, line: Option<usize>) {
    let needle = match line {
        Some(l) => format!("{path}:{l}"),
        None => path.to_owned(),
    };
    for run in run_all(env) {
        assert_ne!(run.code, 0, "{} succeeded:\n{}", run.what, run.stdout);
        assert!(
            run.combined().contains(&needle),
            "{}: output does not name {needle}:\n{}",
            run.what,
            run.combined()
        );
    }
}

#[test]
fn config_path_that_is_a_directory_is_treated_as_absent() {
    // P-CFG-1: not a regular file -> silently absent, like botocore.
    let env = TestEnv::new()
        .credentials("[default]\naws_access_key_id = AKIADIRCASE\naws_secret_access_key = s\n");
    std::fs::create_dir(env.home().join(".aws/config")).expect("mkdir");
    for run in run_all(&env) {
        // `configure get region` finds no value (exit 1); the rest succeed.
        run.expect_code(i32::from(run.what.contains("get region")));
    }
    let v = env.credchain(&["explain", "--output", "json"]).json();
    assert_eq!(v["method"], "shared-credentials-file");
    let detail = v["steps"][7]["detail"].as_str().unwrap_or_default();
    assert_eq!(v["steps"][7]["provider"], "config-file");
    assert!(detail.contains("~/.aws/config"), "{detail}");

    // Both files directories: no credentials, but no error either.
    let env = TestEnv::new();
    std::fs::create_dir(env.home().join(".aws/config")).expect("mkdir");
    std::fs::create_dir(env.home().join(".aws/credentials")).expect("mkdir");
    let run = env.credchain(&["explain", "--output", "json"]);
    run.expect_code(1);
    assert_eq!(run.json()["error"]["kind"], "NoCredentialsError");
    let debug = env.credchain(&["explain", "--debug"]);
    assert!(
        debug.stderr.contains("not a regular file") || debug.stderr.contains("NotAFile"),
        "{}",
        debug.stderr
    );
    let list = env.credchain(&["configure", "list-profiles"]);
    list.expect_code(0);
    assert_eq!(list.stdout, "");
}

#[test]
fn invalid_utf8_is_config_parse_error_with_path_and_line() {
    let env = TestEnv::new();
    let path = env.write(
        ".aws/config",
        b"[default]\nregion = us-west-2\noutput = \xff\xfe\n",
    );
    let path = path.to_str().expect("utf-8 temp path");
    assert_all_fail_naming(&env, path, Some(3));
    let v = env.credchain(&["explain", "--output", "json"]).json();
    assert_eq!(v["error"]["kind"], "ConfigParseError");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("Unable to parse config file: {path}:3"))
    );

    // The same in the credentials file.
    let env = TestEnv::new();
    let path = env.write(".aws/credentials", b"\xc3\x28[default]\n");
    assert_all_fail_naming(&env, path.to_str().expect("utf-8"), Some(1));
}

#[test]
fn utf8_bom_is_a_parse_error() {
    // P-CFG-2: configparser sees the BOM as content before the first header.
    let env = TestEnv::new();
    let path = env.write(".aws/config", b"\xef\xbb\xbf[default]\nregion = x\n");
    assert_all_fail_naming(&env, path.to_str().expect("utf-8"), Some(1));
}

#[test]
fn huge_config_file_is_a_clear_error() {
    let env = TestEnv::new();
    let path = env.home().join(".aws/config");
    {
        use std::io::Write as _;
        let file = std::fs::File::create(&path).expect("create");
        let mut w = std::io::BufWriter::new(file);
        w.write_all(b"[default]\nregion = us-west-2\n")
            .expect("write");
        let filler = vec![b'#'; 1 << 20];
        for _ in 0..70 {
            w.write_all(&filler).expect("write");
        }
        w.write_all(b"\n").expect("write");
    }
    let start = std::time::Instant::now();
    let runs = run_all(&env);
    let path = path.to_str().expect("utf-8");
    for run in &runs {
        assert_ne!(run.code, 0, "{}", run.what);
        assert!(
            run.combined().contains(path),
            "{}: {}",
            run.what,
            run.combined()
        );
        assert!(
            run.combined().contains("bytes"),
            "{}: says why (size): {}",
            run.what,
            run.combined()
        );
    }
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "a 70 MiB file must be rejected quickly, took {:?}",
        start.elapsed()
    );
}

#[test]
fn content_before_any_section_names_path_and_line() {
    let env = TestEnv::new();
    let path = env.write(".aws/config", "\n# comment\nregion = x\n[default]\n");
    assert_all_fail_naming(&env, path.to_str().expect("utf-8"), Some(3));
    let v = env.credchain(&["explain", "--output", "json"]).json();
    assert_eq!(v["error"]["kind"], "ConfigParseError");
}

#[test]
fn other_syntax_errors_name_path_and_line() {
    for (text, line) in [
        ("[default]\nregion\n", 2),
        ("[default]\nregion = a\nREGION = b\n", 3),
        // A bad nested block is reported at the key that opens it.
        ("[default]\ns3 =\n  addressing_style: path\n", 2),
        ("[]\n", 1),
    ] {
        let env = TestEnv::new();
        let path = env.write(".aws/config", text);
        let run = env.credchain(&["explain", "--output", "json"]);
        run.expect_code(1);
        let v = run.json();
        assert_eq!(v["error"]["kind"], "ConfigParseError", "{text:?}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        let expected = format!("{}:{line}", path.display());
        assert!(message.contains(&expected), "{text:?}: {message}");
    }
}

#[test]
fn aws_config_file_expands_var_then_tilde() {
    // P-CFG-1/P-ENV-3: `$VAR`/`${VAR}` first, then `~`.
    for spec in ["~/$SUB/cfg", "~/${SUB}/cfg", "$HOME/$SUB/cfg"] {
        let env = TestEnv::new()
            .env("AWS_CONFIG_FILE", spec)
            .env("SUB", "nested dir")
            .config("[default]\nregion = wrong-file\n");
        env.write("nested dir/cfg", "[default]\nregion = from-expanded\n");
        let run = env.credchain(&["configure", "get", "region"]);
        run.expect_code(0);
        assert_eq!(run.stdout, "from-expanded\n", "{spec}");
    }
    // The expanded path is what errors name.
    let env = TestEnv::new()
        .env("AWS_CONFIG_FILE", "~/$SUB/cfg")
        .env("SUB", "d");
    let path = env.write("d/cfg", "[default]\n[default]\n");
    let run = env.credchain(&["configure", "get", "region"]);
    run.expect_code(255);
    assert!(
        run.stderr.contains(&format!("{}:2", path.display())),
        "{}",
        run.stderr
    );
    // An unset variable is left as written (os.path.expandvars).
    let env = TestEnv::new().env("AWS_CONFIG_FILE", "~/$UNSET_VAR/cfg");
    env.write("$UNSET_VAR/cfg", "[default]\nregion = literal-dollar\n");
    let run = env.credchain(&["configure", "get", "region"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "literal-dollar\n");
}

#[test]
fn unreadable_and_odd_paths_do_not_panic() {
    for (var, value) in [
        ("AWS_CONFIG_FILE", ""),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/"),
        ("AWS_CONFIG_FILE", "~nosuchuser/cfg"),
        ("AWS_CREDENTIAL_FILE", "/nonexistent/ec2"),
        ("BOTO_CONFIG", "/"),
        ("AWS_PROFILE", "a]b\n[c"),
    ] {
        let env = TestEnv::new().env(var, value);
        // run_all asserts no panic for each command.
        for run in run_all(&env) {
            assert!(
                [0, 1, 255].contains(&run.code),
                "{}: unexpected exit {}",
                run.what,
                run.code
            );
        }
    }
}
