//! The harness: a throwaway HOME with `.aws/config` and `.aws/credentials`
//! writers, and processes run with a cleared environment (only `PATH`,
//! `HOME`, `LANG=C.UTF-8`, `AWS_EC2_METADATA_DISABLED=true`, the network
//! trap's proxy variables and what the test sets), so nothing on the host
//! can leak in.
//!
//! The network trap ([`NetTrap`]): every process a test runs gets
//! `HTTPS_PROXY`/`HTTP_PROXY` (both cases) pointing at a loopback recorder
//! that answers every request and `CONNECT` with 403, and `NO_PROXY` limited
//! to `127.0.0.1,localhost`. Anything a command sends to a host other than
//! the loopback test servers therefore lands in the recorder instead of on
//! the network, and the test fails when the trap is dropped.
//! Limit: a client that ignores the proxy variables is not seen; the only
//! such requests botocore (and credchain) make go to the container
//! endpoint, which tests only ever point at 127.0.0.1.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A loopback HTTP proxy that records every request line it gets and
/// refuses it (`403`); the owning test fails on drop if it saw anything.
pub(crate) struct NetTrap {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NetTrap {
    /// Starts the recorder on a free 127.0.0.1 port.
    pub(crate) fn start() -> NetTrap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the network trap");
        let port = listener.local_addr().expect("trap address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, stop) = (seen.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut conn) = conn else { continue };
                    let line = request_line(&mut conn);
                    if let Ok(mut s) = seen.lock() {
                        s.push(line);
                    }
                    let _ = conn.write_all(
                        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            })
        };
        NetTrap {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Points `cmd`'s proxy variables at the trap (set before a test's own
    /// variables, so a test of proxies can still use its own).
    pub(crate) fn apply(&self, cmd: &mut Command) {
        let url = self.url();
        for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
            cmd.env(var, &url);
        }
        for var in ["NO_PROXY", "no_proxy"] {
            cmd.env(var, "127.0.0.1,localhost");
        }
    }

    /// The request lines recorded so far.
    pub(crate) fn seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The first line of what a client sent (bounded: 8 KiB, 2 s).
fn request_line(conn: &mut TcpStream) -> String {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while buf.len() < 8192 && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next().unwrap_or("").to_owned();
    if line.is_empty() {
        "(a connection that sent no request line)".to_owned()
    } else {
        line
    }
}

impl Drop for NetTrap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let seen = self.seen();
        assert!(
            seen.is_empty() || std::thread::panicking(),
            "network trap: a process under test tried to reach a non-loopback host through \
             the proxy: {seen:?}"
        );
    }
}

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
    trap: NetTrap,
}

impl TestEnv {
    /// An empty HOME with an empty `.aws` directory.
    pub(crate) fn new() -> TestEnv {
        let home = tempfile::tempdir().expect("create temp HOME");
        std::fs::create_dir(home.path().join(".aws")).expect("create ~/.aws");
        TestEnv {
            home,
            vars: Vec::new(),
            trap: NetTrap::start(),
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

    /// `program` in HOME with the cleared environment, the network trap and
    /// the test's variables (in that order: a test's own proxy wins).
    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.home());
        self.trap.apply(&mut cmd);
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Takes what the network trap has recorded so far (for the tests of
    /// the trap itself; what is left at drop fails the test).
    pub(crate) fn take_trapped(&self) -> Vec<String> {
        self.trap
            .seen
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
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
        let mut cmd = self.command(program);
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
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
pub(crate) use credchain::testkit::moto::on_path;

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
