//! Integration tests for the `credchain` crate, built as one test binary
//! (one link step instead of one per file). Add new files as modules here.

mod container;
mod container_allowlist;
mod error_kinds;
mod imds;
mod refresh;
mod sso;
mod sso_diff;
mod sso_login;
mod sts_faults;
mod sts_moto;
mod sts_vectors;
mod transport;
mod validation_diff;
mod vectors;

/// Whether `python3` can import botocore (the reference the differential
/// tests run). `false` prints one skip line naming `what`; with
/// `CREDCHAIN_REQUIRE_BOTOCORE=1` (as `scripts/test.sh` sets) it fails.
#[allow(clippy::print_stderr)] // the skip line
fn botocore_available(what: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import botocore"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CREDCHAIN_REQUIRE_BOTOCORE").is_none_or(|v| v != "1"),
            "CREDCHAIN_REQUIRE_BOTOCORE=1 but `python3 -c 'import botocore'` fails"
        );
        eprintln!(
            "{what} skipped: python3 cannot import botocore (scripts/test.sh installs 1.43.11)"
        );
    }
    ok
}
