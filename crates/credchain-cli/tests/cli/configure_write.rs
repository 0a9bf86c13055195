//! `configure set/unset/import` and the interactive `configure`: what they
//! write, that botocore reads it back, that concurrent and killed writers
//! never lose or tear a file, and that the secret prompt never echoes.
//!
//! Self-contained (its own throwaway HOME and process runner) except for
//! the harness's network trap, which every process here runs under. Timing figures are printed; run with
//! `--nocapture` to see them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use credchain::ConfigFiles;
use credchain::config::Value;

const BIN: &str = env!("CARGO_BIN_EXE_credchain");

/// A throwaway HOME with `~/.aws`.
struct Home {
    dir: tempfile::TempDir,
    /// Fails the test if any process tried to reach the network.
    trap: crate::util::NetTrap,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().expect("temp HOME");
        std::fs::create_dir(dir.path().join(".aws")).expect("~/.aws");
        Home {
            dir,
            trap: crate::util::NetTrap::start(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn config(&self) -> PathBuf {
        self.path(".aws/config")
    }

    fn credentials(&self) -> PathBuf {
        self.path(".aws/credentials")
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).expect("write test file");
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    /// `program args` in HOME with a cleared environment.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("LANG", "C.UTF-8")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.dir.path());
        self.trap.apply(&mut cmd);
        cmd
    }

    /// Runs credchain with `stdin` as its input.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(BIN, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn credchain");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        out
    }

    /// Runs credchain and asserts exit 0.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, "");
        assert!(
            out.status.success(),
            "{args:?}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn files(&self) -> ConfigFiles {
        let cfg = std::fs::read_to_string(self.config()).ok();
        let cred = std::fs::read_to_string(self.credentials()).ok();
        ConfigFiles::from_texts(cfg.as_deref(), cred.as_deref()).expect("files parse")
    }

    /// `python3 -c code` in HOME: botocore itself.
    fn python(&self, code: &str) -> serde_json::Value {
        let out = self
            .command("python3", &["-c", code])
            .stdin(Stdio::null())
            .output()
            .expect("python3 on PATH (scripts/test.sh installs botocore 1.43.11)");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("python printed JSON")
    }
}

fn value<'a>(files: &'a ConfigFiles, profile: &str, key: &str) -> Option<&'a str> {
    files.profile(profile)?.get_str(key)
}

#[test]
fn set_writes_every_name_form_where_the_aws_cli_does() {
    let h = Home::new();
    h.write(
        ".aws/config",
        "# my settings\n[default]\nregion = us-east-1 \n\n[profile dev]\noutput = json\n",
    );
    h.ok(&["configure", "set", "region", "eu-west-1"]);
    h.ok(&["configure", "set", "profile.dev.region", "eu-west-2"]);
    h.ok(&[
        "configure",
        "set",
        "s3.addressing_style",
        "path",
        "--profile",
        "dev",
    ]);
    h.ok(&[
        "configure",
        "set",
        "default.s3.use_accelerate_endpoint",
        "true",
    ]);
    h.ok(&[
        "configure",
        "set",
        "sso-session.corp.sso_region",
        "us-east-1",
    ]);
    h.ok(&[
        "configure",
        "set",
        "services.local.s3.endpoint_url",
        "http://localhost:9000",
    ]);
    h.ok(&[
        "configure",
        "set",
        "--profile",
        "my prof",
        "region",
        "ap-south-1",
    ]);
    h.ok(&["configure", "set", "--profile", "default", "output", "text"]);
    assert_eq!(
        h.read(".aws/config"),
        "# my settings\n[default]\nregion = eu-west-1 \ns3 =\n    use_accelerate_endpoint = true\n\
         output = text\n\n[profile dev]\noutput = json\nregion = eu-west-2\ns3 =\n    \
         addressing_style = path\n\n[sso-session corp]\nsso_region = us-east-1\n\n\
         [services local]\ns3 =\n    endpoint_url = http://localhost:9000\n\n\
         [profile 'my prof']\nregion = ap-south-1\n"
    );
    // Credential keys go to the credentials file, section = profile name.
    h.ok(&[
        "configure",
        "set",
        "aws_access_key_id",
        "AKIAEXAMPLE",
        "--profile",
        "my prof",
    ]);
    let out = h.run(
        &[
            "configure",
            "set",
            "aws_secret_access_key",
            "-",
            "--profile",
            "my prof",
        ],
        "s3cr3t/from+stdin\n",
    );
    assert!(out.status.success());
    assert_eq!(
        h.read(".aws/credentials"),
        "[my prof]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t/from+stdin\n"
    );
    // AWS_PROFILE picks the current profile when --profile is absent.
    let out = h
        .command(BIN, &["configure", "set", "output", "table"])
        .env("AWS_PROFILE", "dev")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(value(&h.files(), "dev", "output"), Some("table"));
    // `configure get` reads every form back.
    for (name, want) in [
        ("region", "eu-west-1\n"),
        ("profile.dev.s3.addressing_style", "path\n"),
        ("sso-session.corp.sso_region", "us-east-1\n"),
        ("services.local.s3.endpoint_url", "http://localhost:9000\n"),
        ("default.s3.use_accelerate_endpoint", "true\n"),
    ] {
        assert_eq!(h.ok(&["configure", "get", name]), want, "{name}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.credentials())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn newlines_are_refused_with_the_aws_cli_message_and_nothing_is_written() {
    let h = Home::new();
    h.write(".aws/config", "[default]\nregion = x\n");
    for (args, stdin) in [
        (vec!["configure", "set", "region", "a\nb"], ""),
        (vec!["configure", "set", "region", "a\rb"], ""),
        (vec!["configure", "set", "region", "-"], "a\nb\n"),
    ] {
        let out = h.run(&args, stdin);
        assert_eq!(out.status.code(), Some(255));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "Invalid value for key region: newline characters and carriage returns are not \
             allowed.\n"
        );
    }
    assert_eq!(h.read(".aws/config"), "[default]\nregion = x\n");
    assert!(!h.credentials().exists());
}

#[test]
fn unset_removes_only_that_key_and_a_missing_key_is_a_noop() {
    let h = Home::new();
    let text = "[default]\n# region comment\nregion = x\ns3 =\n  addressing_style = path\n  \
                use_accelerate_endpoint = true\noutput = json\n";
    h.write(".aws/config", text);
    h.ok(&["configure", "unset", "nope"]);
    h.ok(&["configure", "unset", "profile.missing.region"]);
    assert_eq!(h.read(".aws/config"), text);
    h.ok(&["configure", "unset", "s3.use_accelerate_endpoint"]);
    h.ok(&["configure", "unset", "region"]);
    assert_eq!(
        h.read(".aws/config"),
        "[default]\n# region comment\ns3 =\n  addressing_style = path\noutput = json\n"
    );
}

#[test]
fn unparseable_files_are_refused_untouched() {
    let h = Home::new();
    let text = "[default]\nregion = x\n  [default]\n[profile a]\n[profile a]\n";
    h.write(".aws/config", text);
    let out = h.run(&["configure", "set", "output", "json"], "");
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config:5:"), "{err}");
    assert_eq!(h.read(".aws/config"), text);
}

#[test]
fn import_writes_one_profile_per_csv_row() {
    let h = Home::new();
    h.write(
        "keys.csv",
        "\u{feff}User Name,Access key ID,Secret access key\r\nalice,AKIA1,sk1\r\nbob,AKIA2,sk2\r\n",
    );
    h.write(".aws/credentials", "[default]\naws_access_key_id = OLD\n");
    let out = h.ok(&[
        "configure",
        "import",
        "--csv",
        "file://keys.csv",
        "--profile-prefix",
        "x-",
    ]);
    assert_eq!(out, "Successfully imported 2 profile(s)\n");
    assert_eq!(
        h.read(".aws/credentials"),
        "[default]\naws_access_key_id = OLD\n\n[x-alice]\naws_access_key_id = AKIA1\n\
         aws_secret_access_key = sk1\n\n[x-bob]\naws_access_key_id = AKIA2\n\
         aws_secret_access_key = sk2\n"
    );
    h.write("bad.csv", "Access key ID\nAKIA\n");
    let out = h.run(&["configure", "import", "--csv", "bad.csv"], "");
    assert_eq!(out.status.code(), Some(255));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Expected header \"Secret access key\" not found\n"
    );
}

/// AWS CLI v2 takes `--csv` as the CSV text unless it starts with
/// `file://` (its paramfile rule; awscli/customizations/configure/importer.py
/// `ARG_TABLE` `csv` is a plain string). A secret in the argument is never
/// echoed in an error.
#[test]
fn import_accepts_literal_csv_text_and_never_echoes_it() {
    let h = Home::new();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let csv = format!("User Name,Access key ID,Secret access key\nfoo,AKIAFOO,{secret}");
    let out = h.ok(&["configure", "import", "--csv", &csv]);
    assert_eq!(out, "Successfully imported 1 profile(s)\n");
    assert_eq!(
        h.read(".aws/credentials"),
        format!("[foo]\naws_access_key_id = AKIAFOO\naws_secret_access_key = {secret}\n")
    );
    // Not CSV that v2 accepts: the error is v2's, without the argument.
    for bad in [
        format!("Access key ID,Secret access key\nAKIAX,{secret}"),
        format!("Username,Access key ID,Secret access key\nfoo,AKIAFOO,{secret}"),
        format!("Access key ID,Secret access key\n\"{secret}"),
        secret.to_owned(),
    ] {
        let out = h.run(&["configure", "import", "--csv", &bad], "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(255), "{err}");
        assert!(!err.contains(secret), "{err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    }
    let out = h.run(&["configure", "import", "--csv", secret], "");
    assert_eq!(out.status.code(), Some(255));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("Expected header \"Access key ID\" not found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // v2's paramfile error names the file:// path (a path, not a secret).
    let out = h.run(&["configure", "import", "--csv", "file://missing.csv"], "");
    assert_eq!(out.status.code(), Some(255));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(
            "Error parsing parameter '--csv': Unable to load paramfile file://missing.csv: "
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = h.run(&["configure", "import", "--csv", " \n"], "");
    assert_eq!(out.status.code(), Some(255));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Provided CSV contains no contents\n"
    );
}

/// A keys-only CSV (the console's per-key download, no `User Name` column):
/// AWS CLI v2 refuses it (`Expected header "User Name" not found`). It must
/// not silently replace `[default]`'s keys; it is imported only into a
/// profile named with `--profile`, and replacing existing keys is said.
#[test]
fn import_of_keys_only_csv_needs_an_explicit_profile() {
    let h = Home::new();
    let before = "[default]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = keep\n";
    h.write(".aws/credentials", before);
    h.write("keys.csv", "Access key ID,Secret access key\nAKIANEW,new\n");
    for extra in [&[][..], &["--profile-prefix", "x-"][..]] {
        let mut args = vec!["configure", "import", "--csv", "file://keys.csv"];
        args.extend_from_slice(extra);
        let out = h
            .command(BIN, &args)
            .env("AWS_PROFILE", "default")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(255), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .starts_with("Expected header \"User Name\" not found"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(h.read(".aws/credentials"), before);
    }
    let out = h.ok(&[
        "configure",
        "import",
        "--csv",
        "file://keys.csv",
        "--profile",
        "ci",
    ]);
    assert_eq!(out, "Successfully imported 1 profile(s)\n");
    assert_eq!(
        h.read(".aws/credentials"),
        format!("{before}\n[ci]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\n")
    );
    let out = h.run(
        &[
            "configure",
            "import",
            "--csv",
            "file://keys.csv",
            "--profile",
            "default",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "note: profile [default] already had access keys; they were replaced\n"
    );
    assert!(
        h.read(".aws/credentials")
            .starts_with("[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\n")
    );
}

/// (d) What credchain writes, botocore reads back exactly.
#[test]
fn botocore_reads_back_what_was_written() {
    let h = Home::new();
    h.write(
        ".aws/config",
        "[default]\r\nregion = us-east-1\r\nREGION_comment_neighbour = keep\r\n",
    );
    for args in [
        vec!["configure", "set", "region", "eu-central-1"],
        vec!["configure", "set", "profile.dev.region", "eu-west-3"],
        vec![
            "configure",
            "set",
            "profile.dev.s3.addressing_style",
            "path",
        ],
        vec![
            "configure",
            "set",
            "profile.dev.s3.signature_version",
            "s3v4",
        ],
        vec![
            "configure",
            "set",
            "--profile",
            "dev",
            "aws_access_key_id",
            "AKIADEV",
        ],
        vec![
            "configure",
            "set",
            "--profile",
            "dev",
            "aws_secret_access_key",
            "dev/secret+1",
        ],
        vec!["configure", "set", "--profile", "my prof", "output", "yaml"],
        vec![
            "configure",
            "set",
            "sso-session.corp.sso_region",
            "us-east-2",
        ],
        vec![
            "configure",
            "set",
            "sso-session.corp.sso_start_url",
            "https://x.awsapps.com/start",
        ],
        vec![
            "configure",
            "set",
            "services.local.s3.endpoint_url",
            "http://127.0.0.1:9000",
        ],
    ] {
        h.ok(&args);
    }
    assert!(
        h.read(".aws/config").contains("\r\n[profile dev]\r\n"),
        "CRLF kept for new lines"
    );
    let got = h.python(
        "import json, botocore.session as bs\n\
         s = bs.Session(profile='dev')\n\
         c = s.get_credentials()\n\
         fc = s.full_config\n\
         print(json.dumps({'region': s.get_config_variable('region'),\n\
           'default_region': bs.Session().get_config_variable('region'),\n\
           'dev': fc['profiles']['dev'], 'my prof': fc['profiles']['my prof'],\n\
           'sso': fc['sso_sessions'], 'services': fc['services'],\n\
           'key': c.access_key, 'secret': c.secret_key}))",
    );
    let want = serde_json::json!({
        "region": "eu-west-3",
        "default_region": "eu-central-1",
        "dev": {
            "region": "eu-west-3",
            "s3": {"addressing_style": "path", "signature_version": "s3v4"},
            "aws_access_key_id": "AKIADEV",
            "aws_secret_access_key": "dev/secret+1",
        },
        "my prof": {"output": "yaml"},
        "sso": {"corp": {"sso_region": "us-east-2", "sso_start_url": "https://x.awsapps.com/start"}},
        "services": {"local": {"s3": {"endpoint_url": "http://127.0.0.1:9000"}}},
        "key": "AKIADEV",
        "secret": "dev/secret+1",
    });
    assert_eq!(got, want);
}

/// Interactive `configure` with answers piped on stdin (scriptable mode).
#[test]
fn interactive_prompts_from_piped_stdin() {
    let h = Home::new();
    h.write(
        ".aws/config",
        "[default]\nregion = us-west-2\ncli_pager =\n",
    );
    h.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    );
    // Enter keeps the key; a new secret; the same region (not rewritten);
    // a new output format.
    let out = h.run(
        &["configure", "--profile", "default"],
        "\nwJalrXUtnFEMI/K7MDENG\nus-west-2\njson\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "AWS Access Key ID [****************MPLE]: AWS Secret Access Key [None]: \
         Default region name [us-west-2]: Default output format [None]: "
    );
    // `--profile default` writes [default] (AWS CLI v1 wrote [profile default]).
    assert_eq!(
        h.read(".aws/config"),
        "[default]\nregion = us-west-2\ncli_pager =\noutput = json\n"
    );
    assert_eq!(
        h.read(".aws/credentials"),
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
         aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n"
    );
    // A named profile: keys under [NAME], settings under [profile NAME];
    // empty answers keep the rest; the last answer needs no newline.
    let out = h.run(&["configure", "--profile", "team a"], "AKIATEAM\n\n\n\n");
    assert!(out.status.success());
    assert_eq!(
        value(&h.files(), "team a", "aws_access_key_id"),
        Some("AKIATEAM")
    );
    let out = h.run(&["configure", "--profile", "team a"], "\n\neu-north-1\n\n");
    assert!(out.status.success());
    assert!(
        h.read(".aws/config")
            .ends_with("\n\n[profile 'team a']\nregion = eu-north-1\n")
    );
}

/// (e) Through a real pseudo-terminal: masked current values, and the
/// secret is never echoed.
#[cfg(unix)]
#[test]
fn interactive_prompts_on_a_terminal_do_not_echo_the_secret() {
    let h = Home::new();
    h.write(".aws/config", "[profile dev]\nregion = us-west-2\n");
    h.write(
        ".aws/credentials",
        "[dev]\naws_access_key_id = AKIAOLDKEY0000ABCD\naws_secret_access_key = oldsecretWXYZ\n",
    );
    let secret = "NEWsecret/value+42";
    let new_key = "AKIANEWKEY1111EFGH";
    // rexpect turns echo off on its pty; a real terminal echoes, so `stty
    // echo` first to make the test meaningful: the typed key must show up,
    // the typed secret must not.
    let cmd = h.command(
        "sh",
        &[
            "-c",
            "stty echo && exec \"$0\" \"$@\"",
            BIN,
            "configure",
            "--profile",
            "dev",
        ],
    );
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawn in a pty");
    let mut transcript = String::new();
    let mut step = |p: &mut rexpect::session::PtySession, prompt: &str, answer: &str| {
        transcript.push_str(&p.exp_string(prompt).expect(prompt));
        transcript.push_str(prompt);
        p.send_line(answer).expect("send");
    };
    step(
        &mut p,
        "AWS Access Key ID [****************ABCD]: ",
        new_key,
    );
    step(
        &mut p,
        "AWS Secret Access Key [****************WXYZ]: ",
        secret,
    );
    step(&mut p, "Default region name [us-west-2]: ", "");
    step(&mut p, "Default output format [None]: ", "json");
    transcript.push_str(&p.exp_eof().expect("eof"));
    assert!(transcript.contains(new_key), "echo is on: {transcript:?}");
    assert!(
        !transcript.contains(secret),
        "secret echoed: {transcript:?}"
    );
    assert!(!transcript.contains("oldsecret"), "{transcript:?}");
    let files = h.files();
    assert_eq!(value(&files, "dev", "aws_access_key_id"), Some(new_key));
    assert_eq!(value(&files, "dev", "aws_secret_access_key"), Some(secret));
    assert_eq!(value(&files, "dev", "output"), Some("json"));
    assert_eq!(value(&files, "dev", "region"), Some("us-west-2"));
}

/// (a) 50 concurrent writers on distinct keys: every value lands.
#[test]
#[allow(clippy::print_stdout)] // The wall time is this test's report.
fn concurrent_writers_lose_nothing() {
    const N: usize = 50;
    let h = Home::new();
    h.write(".aws/config", "[default]\nregion = us-east-1\n");
    let start = Instant::now();
    let children: Vec<Child> = (0..N)
        .map(|i| {
            let name = format!("profile.p{}.key{i}", i % 5);
            let value = format!("value-{i}");
            h.command(BIN, &["configure", "set", &name, &value])
                .stdin(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let elapsed = start.elapsed();
    println!("concurrency: {N} concurrent `configure set` processes took {elapsed:?}");
    let files = h.files();
    for i in 0..N {
        let key = format!("key{i}");
        let want = format!("value-{i}");
        assert_eq!(
            value(&files, &format!("p{}", i % 5), &key),
            Some(want.as_str()),
            "{key}"
        );
    }
    assert_eq!(value(&files, "default", "region"), Some("us-east-1"));
}

/// A tiny deterministic generator for kill delays (no rand dependency).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// (b) A writer killed with SIGKILL at random points, over and over: the
/// file is always exactly the old or the new text, never torn.
#[test]
#[allow(clippy::print_stdout)] // The old/new counts are this test's report.
fn killed_writers_never_leave_a_torn_file() {
    const ITERATIONS: usize = 200;
    let h = Home::new();
    // ~1 MB, so the write itself takes long enough to be hit.
    let mut text = String::from("[profile target]\nregion = v0\n");
    for i in 0..10_000 {
        let _ = write!(
            text,
            "\n[profile filler{i}]\nregion = us-east-1\ncredential_process = /bin/echo {i}\n"
        );
    }
    h.write(".aws/config", &text);
    let set = |v: &str| {
        h.command(BIN, &["configure", "set", "profile.target.region", v])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // Calibrate: how long does one uninterrupted write take?
    let t = Instant::now();
    assert!(set("v1").wait().expect("wait").success());
    let one = t.elapsed();
    let mut current = 1usize;
    text = text.replacen("region = v0", "region = v1", 1);
    assert_eq!(std::fs::read_to_string(h.config()).expect("read"), text);
    let (mut old, mut new, mut mid_write) = (0, 0, 0);
    let mut rng = Lcg(0x5eed);
    // Aim the kills at the write: the delay walks towards the moment the
    // rename lands (later after an "old" outcome, earlier after a "new"
    // one), with jitter, so most kills hit the temp-file write, fsync and
    // rename rather than process start-up.
    let one_us = u64::try_from(one.as_micros()).unwrap_or(u64::MAX);
    let step = (one_us / 200).max(1);
    let mut delay = one_us / 2;
    for i in 0..ITERATIONS {
        let next = current + 1;
        let mut child = set(&format!("v{next}"));
        let jittered = (delay + rng.below(2 * step)).saturating_sub(step);
        std::thread::sleep(Duration::from_micros(jittered));
        let _ = child.kill();
        let _ = child.wait();
        // A temp file left behind means the kill landed mid-write (after the
        // temp file was created, before the rename).
        if std::fs::read_dir(h.path(".aws"))
            .expect("ls")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".credchain.tmp"))
        {
            mid_write += 1;
        }
        let now = std::fs::read_to_string(h.config()).expect("read");
        let next_text = text.replacen(
            &format!("region = v{current}\n"),
            &format!("region = v{next}\n"),
            1,
        );
        if now == text {
            old += 1;
            delay += step;
        } else if now == next_text {
            new += 1;
            delay = delay.saturating_sub(step);
            text = next_text;
            current = next;
        } else {
            panic!(
                "iteration {i}: torn file ({} bytes; old {} / new {})",
                now.len(),
                text.len(),
                next_text.len()
            );
        }
    }
    println!(
        "kill test: {ITERATIONS} SIGKILLed writers (one write takes {one:?}): \
         {old} left the old file, {new} the new one, 0 torn; {mid_write} were killed \
         between creating the temp file and renaming it"
    );
    // The next writer cleans up the temp files killed writers left behind.
    assert!(set("final").wait().expect("wait").success());
    let leftovers: Vec<_> = std::fs::read_dir(h.path(".aws"))
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".credchain.tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let files = h.files();
    assert_eq!(value(&files, "target", "region"), Some("final"));
    assert!(matches!(
        files.profile("filler9999").and_then(|p| p.get("region")).map(|s| &s.value),
        Some(Value::Str(s)) if s == "us-east-1"
    ));
}
