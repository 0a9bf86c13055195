//! The harness: a throwaway HOME with `.aws/config` and `.aws/credentials`
//! writers, and processes run with a cleared environment (only `PATH`,
//! `HOME`, `LANG=C.UTF-8`, `AWS_EC2_METADATA_DISABLED=true` and what the test
//! sets), so nothing on the host — and no network — can leak in.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The binary under test.
pub(crate) const CREDCHAIN: &str = env!("CARGO_BIN_EXE_credchain");

/// The twelve providers of botocore's default chain, in order (P-CHAIN-1).
pub(crate) const PROVIDERS: [&str; 12] = [
    "env",
    "assume-role",
    "assume-role-with-web-identity",
    "sso",
    "shared-credentials-file",
    "login",
    "custom-process",
    "config-file",
    "ec2-credentials-file",
    "boto-config",
    "container-role",
    "iam-role",
];

/// What a finished process printed and returned.
#[derive(Debug)]
pub(crate) struct Run {
    /// What was run, for assertion messages.
    pub(crate) what: String,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: i32,
}

impl Run {
    /// stdout then stderr.
    pub(crate) fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// stdout parsed as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}):\n{}", self.what, self.stdout))
    }

    /// Asserts the exit code, showing both streams on failure.
    #[track_caller]
    pub(crate) fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "{}: exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.what, self.stdout, self.stderr
        );
        self
    }
}

/// A temporary HOME plus the environment variables a test adds.
pub(crate) struct TestEnv {
    home: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl TestEnv {
    /// An empty HOME with an empty `.aws` directory.
    pub(crate) fn new() -> TestEnv {
        let home = tempfile::tempdir().expect("create temp HOME");
        std::fs::create_dir(home.path().join(".aws")).expect("create ~/.aws");
        TestEnv {
            home,
            vars: Vec::new(),
        }
    }

    /// The HOME directory.
    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    /// Writes `~/.aws/config`.
    #[must_use]
    pub(crate) fn config(self, text: &str) -> TestEnv {
        self.write(".aws/config", text);
        self
    }

    /// Writes `~/.aws/credentials`.
    #[must_use]
    pub(crate) fn credentials(self, text: &str) -> TestEnv {
        self.write(".aws/credentials", text);
        self
    }

    /// Adds an environment variable for every process this env runs.
    #[must_use]
    pub(crate) fn env(mut self, key: &str, value: &str) -> TestEnv {
        self.vars.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Writes `bytes` to `rel` (relative to HOME), creating parent
    /// directories; returns the full path.
    pub(crate) fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.home().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dirs");
        }
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    /// Runs `program args` in HOME with the cleared environment.
    pub(crate) fn run_program(&self, program: &Path, args: &[&str]) -> Run {
        self.run_program_with_stdin(program, args, None)
    }

    /// [`Self::run_program`] with `stdin` piped in (`None`: `/dev/null`).
    pub(crate) fn run_program_with_stdin(
        &self,
        program: &Path,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.home())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let what = format!(
            "`{} {}` with {:?}",
            program.display(),
            args.join(" "),
            self.vars
        );
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A process that exits without reading closes the pipe: fine.
            let _ = std::io::Write::write_all(&mut pipe, bytes);
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out
                .status
                .code()
                .unwrap_or_else(|| panic!("{what}: killed by a signal: {:?}", out.status)),
            what,
        }
    }

    /// Runs the `credchain` binary. Every run is checked for a panic.
    pub(crate) fn credchain(&self, args: &[&str]) -> Run {
        let run = self.run_program(Path::new(CREDCHAIN), args);
        assert!(
            !run.stderr.contains("panicked"),
            "{} panicked:\n{}",
            run.what,
            run.stderr
        );
        assert_ne!(run.code, 101, "{}: exit 101 (a Rust panic)", run.what);
        run
    }

    /// Runs the `credchain` binary with `input` on stdin (a pipe, not a
    /// terminal); checked for a panic like [`Self::credchain`].
    pub(crate) fn credchain_stdin(&self, args: &[&str], input: &str) -> Run {
        let run = self.run_program_with_stdin(Path::new(CREDCHAIN), args, Some(input.as_bytes()));
        assert!(
            !run.stderr.contains("panicked") && run.code != 101,
            "{} panicked:\n{}",
            run.what,
            run.stderr
        );
        run
    }

    /// Runs the real AWS CLI v1.
    pub(crate) fn aws(&self, args: &[&str]) -> Run {
        self.run_program(&aws_cli(), args)
    }

    /// Runs `python3 -c code` (for botocore itself).
    pub(crate) fn python(&self, code: &str) -> Run {
        let py = on_path("python3").unwrap_or_else(|| {
            panic!("python3 is not on PATH: scripts/test.sh installs botocore 1.43.11 for it")
        });
        self.run_program(&py, &["-c", code])
    }
}

/// `name` resolved on this process's PATH.
pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The `aws` executable, checked once to be AWS CLI v1, or a panic that
/// says how to get it.
pub(crate) fn aws_cli() -> PathBuf {
    static AWS: OnceLock<PathBuf> = OnceLock::new();
    AWS.get_or_init(|| {
        let aws = on_path("aws").unwrap_or_else(|| {
            panic!(
                "the differential tests need the real AWS CLI v1 (`aws`, awscli 1.45.11) on \
                 PATH; scripts/test.sh installs it (python3 -m pip install \
                 'botocore==1.43.11' 'awscli==1.45.11')"
            )
        });
        let version = TestEnv::new().run_program(&aws, &["--version"]);
        let text = version.combined();
        assert!(
            text.starts_with("aws-cli/1."),
            "`aws` on PATH ({}) is not AWS CLI v1 ({text:?}); scripts/test.sh installs \
             awscli 1.45.11",
            aws.display()
        );
        aws
    })
    .clone()
}

/// `f` over `items` on a few threads, results in order (the differential
/// tests spend their time waiting for Python to start).
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const THREADS: usize = 4;
    let chunk = items.len().div_ceil(THREADS).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    })
}
