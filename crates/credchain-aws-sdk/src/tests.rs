//! The provider on in-memory sessions (no network): error kinds, key,
//! expiry and account mapping, region lookup, both ways of running the
//! blocking work.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_types::region::Region;
use credchain::os::{MapEnv, MemFs, Os, RealClock};
use credchain::{Error, Session};

use crate::CredentialsProvider;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A session on `env` plus the two files (none when empty).
fn session(env: &[(&str, &str)], config: &str, profile: Option<&str>) -> Session {
    let mut pairs: Vec<(String, String)> = vec![
        ("AWS_CONFIG_FILE".into(), "/aws/config".into()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            "/aws/credentials".into(),
        ),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    pairs.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let mut fs = MemFs::new().with_dir("/aws");
    if !config.is_empty() {
        fs = fs.with_file("/aws/config", config);
    }
    let os = Os {
        env: Arc::new(MapEnv::from_pairs(pairs)),
        fs: Arc::new(fs),
        clock: Arc::new(RealClock),
    };
    let mut b = Session::builder().os(os);
    if let Some(p) = profile {
        b = b.profile_name(p);
    }
    b.build()
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `f` to completion on this thread, with no runtime at all.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

fn tokio_block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

const STATIC: &str = "[profile dev]\naws_access_key_id = AKIDDEV\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
    aws_account_id = 111122223333\nregion = eu-west-3\n";

#[test]
fn no_credentials_is_not_loaded_with_and_without_a_runtime() {
    let p = CredentialsProvider::new(session(&[], "", None));
    let e = block_on(p.provide_credentials()).expect_err("no credentials");
    assert!(
        matches!(e, CredentialsError::CredentialsNotLoaded(_)),
        "{e:?}"
    );
    let e = tokio_block_on(p.provide_credentials()).expect_err("no credentials");
    assert!(
        matches!(e, CredentialsError::CredentialsNotLoaded(_)),
        "{e:?}"
    );
    let source = std::error::Error::source(&e).expect("source");
    let ours = source.downcast_ref::<Error>().expect("a credchain::Error");
    assert_eq!(ours.kind(), "NoCredentialsError");
}

#[test]
fn a_missing_profile_is_a_configuration_error_at_construction_and_use() {
    let p = CredentialsProvider::new(session(&[], STATIC, Some("nope")));
    let e = block_on(p.provide_credentials()).expect_err("missing profile");
    assert!(
        matches!(e, CredentialsError::InvalidConfiguration(_)),
        "{e:?}"
    );
    let text = error_chain(&e);
    assert!(
        text.contains("The config profile (nope) could not be found"),
        "{text}"
    );
}

/// The error and its sources, one line (what `DisplayErrorContext` prints).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

#[test]
fn an_explicit_profile_wins_over_environment_keys_as_in_botocore() {
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "envsecret"),
    ];
    let explicit = CredentialsProvider::new(session(&env, STATIC, Some("dev")));
    let c = tokio_block_on(explicit.provide_credentials()).expect("credentials");
    assert_eq!(c.access_key_id(), "AKIDDEV");
    assert_eq!(c.secret_access_key(), SECRET);
    assert_eq!(c.session_token(), None);
    assert_eq!(c.expiry(), None);
    assert_eq!(
        c.account_id()
            .map(aws_credential_types::attributes::AccountId::as_str),
        Some("111122223333")
    );
    let by_env = CredentialsProvider::new(session(
        &[env[0], env[1], ("AWS_PROFILE", "dev")],
        STATIC,
        None,
    ));
    let c = block_on(by_env.provide_credentials()).expect("credentials");
    assert_eq!(c.access_key_id(), "AKIDENV");
    for dbg in [format!("{explicit:?}"), format!("{c:?}")] {
        assert!(!dbg.contains(SECRET) && !dbg.contains("envsecret"), "{dbg}");
    }
    assert!(
        format!("{explicit:?}").contains("config-file"),
        "{explicit:?}"
    );
}

#[test]
fn expiry_and_session_token_are_mapped() {
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "envsecret"),
        ("AWS_SESSION_TOKEN", "envtoken"),
        ("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05Z"),
    ];
    let p = CredentialsProvider::new(session(&env, "", None));
    let c = block_on(p.provide_credentials()).expect("credentials");
    assert_eq!(c.session_token(), Some("envtoken"));
    assert_eq!(
        c.expiry(),
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(4_071_006_245))
    );
}

#[test]
fn region_is_botocores_lookup() {
    let p = CredentialsProvider::new(session(&[("AWS_REGION", "us-west-1")], STATIC, Some("dev")));
    // botocore ignores AWS_REGION.
    assert_eq!(p.region().as_ref().map(Region::as_ref), Some("eu-west-3"));
    let p = CredentialsProvider::new(session(
        &[("AWS_DEFAULT_REGION", "ap-south-1")],
        STATIC,
        Some("dev"),
    ));
    assert_eq!(
        p.region_provider().region().as_ref().map(Region::as_ref),
        Some("ap-south-1")
    );
    let p = CredentialsProvider::new(session(&[], "[broken\n", Some("dev")));
    assert_eq!(p.region(), None);
    assert!(p.try_region().is_err());
}

const MFA_ROLE: &str = "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/MfaRole\n\
    source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/user\n\
    [profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// `from_profile` asks for MFA codes on the terminal by default (botocore's
/// `getpass`): run in a process with no controlling terminal (`setsid`),
/// an `mfa_serial` role fails with the prompt's "no terminal" error, not
/// with "no MFA prompt", and before any STS call (the endpoint is closed).
#[test]
#[allow(clippy::print_stderr)] // the skip line
fn from_profile_asks_for_mfa_on_the_terminal_by_default() {
    let Some(setsid) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("setsid"))
        .find(|p| p.is_file())
    else {
        eprintln!("skipping: setsid (util-linux) is not on PATH");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), MFA_ROLE).unwrap();
    let out = std::process::Command::new(setsid)
        .arg("-w")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "tests::mfa_child_without_a_terminal",
            "--ignored",
            "--nocapture",
        ])
        .env_clear()
        .env("CREDCHAIN_MFA_CHILD", "1")
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", dir.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("credentials"),
        )
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

/// The child half of the test above.
#[test]
#[ignore = "run without a terminal by from_profile_asks_for_mfa_on_the_terminal_by_default"]
fn mfa_child_without_a_terminal() {
    assert!(
        std::env::var_os("CREDCHAIN_MFA_CHILD").is_some(),
        "run by from_profile_asks_for_mfa_on_the_terminal_by_default"
    );
    let p = CredentialsProvider::from_profile("mfa").expect("the profile");
    let e = block_on(p.provide_credentials()).expect_err("no terminal");
    let text = error_chain(&e);
    assert!(
        text.contains(
            "Error when retrieving credentials from assume-role: cannot ask for the MFA code: \
             no terminal (/dev/tty: "
        ),
        "{text}"
    );
}
