//! `moto_server` (moto 5, the Python AWS fake) on a random loopback port,
//! for the tests that call a real STS implementation: the library's, the
//! CLI's and `credchain-aws-sdk`'s. Point STS at [`Moto::endpoint`]
//! (`AWS_ENDPOINT_URL_STS`); nothing reaches AWS.
//!
//! Without `moto_server` on `PATH` (`scripts/test.sh` installs it in
//! `target/pyref-venv`), [`moto`] prints one skip line and returns `None`,
//! unless `CREDCHAIN_REQUIRE_MOTO=1`, when it panics instead.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `moto_server`, killed (and reaped) on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Moto {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first `name` in a `PATH` directory.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Starts `moto_server` on a free 127.0.0.1 port and waits (at most 30 s)
/// until it accepts connections; `None`, with a skip line on stderr, when
/// it is not installed.
///
/// # Panics
/// When it is not installed and `CREDCHAIN_REQUIRE_MOTO=1`, when it cannot
/// be started, or when it does not listen within 30 s.
#[allow(clippy::print_stderr)] // The skip line is the point.
pub fn moto() -> Option<Moto> {
    let Some(bin) = on_path("moto_server") else {
        assert!(
            std::env::var_os("CREDCHAIN_REQUIRE_MOTO").is_none_or(|v| v != "1"),
            "moto_server is not on PATH"
        );
        eprintln!("skipping: moto_server is not on PATH (python3 -m pip install 'moto[server]')");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    // Built before the wait, so a timeout still kills it.
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}
