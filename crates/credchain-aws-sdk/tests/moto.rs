//! End to end: an `aws-sdk-sts` client whose credentials come from
//! credchain calls `GetCallerIdentity` on `moto_server` (started here on a
//! random 127.0.0.1 port; the client's endpoint and credchain's STS endpoint
//! both point at it, the region is explicit and IMDS is disabled, so nothing
//! leaves the loopback). The answer must equal what credchain's own STS
//! client returns for the same profile. Skipped with one line when
//! `moto_server` is not on PATH, unless `CREDCHAIN_REQUIRE_MOTO=1`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use credchain::Session;
use credchain::cache::JsonFileCache;
use credchain::os::{MapEnv, Os, RealClock, RealFs};
use credchain::sts::client::MfaPrompt;
use credchain::testkit::moto::moto;
use credchain_aws_sdk::CredentialsProvider;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const CONFIG: &str = "[profile base]\n\
    region = us-east-1\n\
    [profile role]\n\
    role_arn = arn:aws:iam::123456789012:role/SdkRole\n\
    source_profile = base\n\
    role_session_name = sdk-session\n\
    [profile mfa]\n\
    role_arn = arn:aws:iam::123456789012:role/MfaRole\n\
    source_profile = base\n\
    role_session_name = mfa-session\n\
    mfa_serial = arn:aws:iam::123456789012:mfa/user\n";

const CREDENTIALS: &str = "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// A session on the files in `dir`, STS at moto, IMDS off, the AWS CLI's
/// file cache under `dir/home`.
fn session(dir: &Path, port: u16, profile: &str) -> Session {
    builder(dir, port, profile).build()
}

fn builder(dir: &Path, port: u16, profile: &str) -> credchain::SessionBuilder {
    let env = MapEnv::from_pairs([
        ("AWS_CONFIG_FILE", dir.join("config").display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").display().to_string(),
        ),
        ("HOME", dir.join("home").display().to_string()),
        ("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}")),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]);
    Session::builder()
        .os(Os {
            env: Arc::new(env),
            fs: Arc::new(RealFs),
            clock: Arc::new(RealClock),
        })
        .profile_name(profile)
        .region_name("us-east-1")
        .credential_cache(Arc::new(JsonFileCache::new(JsonFileCache::cli_dir(
            &dir.join("home"),
        ))))
}

/// An MFA prompt that answers a fixed code and counts its calls.
struct CountingPrompt(AtomicUsize);

impl MfaPrompt for CountingPrompt {
    fn prompt(&self, prompt: &str) -> Result<String, credchain::Error> {
        assert_eq!(
            prompt,
            "Enter MFA code for arn:aws:iam::123456789012:mfa/user: "
        );
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok("123456".to_owned())
    }
}

/// credchain's own answer for `profile` (its STS client, frozen credentials).
fn expected(dir: &Path, port: u16, profile: &str) -> (String, String) {
    let s = session(dir, port, profile);
    let creds = s.get_credentials().expect("resolve").expect("credentials");
    let id = s
        .sts_client()
        .expect("sts client")
        .get_caller_identity(&creds)
        .expect("GetCallerIdentity");
    (id.account, id.arn)
}

/// The SDK's answer with credentials from `provider`.
async fn sdk_identity(provider: &CredentialsProvider, port: u16) -> (String, String) {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(provider.region().or_else(|| Some(Region::new("us-east-1"))))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials_provider(provider.clone())
        .http_client(http)
        .build();
    let out = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity through the SDK");
    (
        out.account().expect("Account").to_owned(),
        out.arn().expect("Arn").to_owned(),
    )
}

fn files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config"), CONFIG).expect("config");
    std::fs::write(dir.path().join("credentials"), CREDENTIALS).expect("credentials");
    std::fs::create_dir(dir.path().join("home")).expect("home");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_get_caller_identity_with_static_keys_matches_credchain() {
    let Some(m) = moto() else { return };
    let dir = files();
    let provider = CredentialsProvider::new(session(dir.path(), m.port, "base"));
    let ours = sdk_identity(&provider, m.port).await;
    let (path, port) = (dir.path().to_owned(), m.port);
    let theirs = tokio::task::spawn_blocking(move || expected(&path, port, "base"))
        .await
        .expect("credchain's call");
    assert_eq!(ours, theirs);
    assert_eq!(ours.0, "123456789012");
    let c = provider.provide_credentials().await.expect("credentials");
    assert_eq!(c.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(c.expiry(), None);
    assert!(!format!("{provider:?}{c:?}").contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_get_caller_identity_through_an_assumed_role_matches_credchain() {
    let Some(m) = moto() else { return };
    let dir = files();
    let provider = CredentialsProvider::new(session(dir.path(), m.port, "role"));
    let ours = sdk_identity(&provider, m.port).await;
    assert_eq!(
        ours,
        (
            "123456789012".to_owned(),
            "arn:aws:sts::123456789012:assumed-role/SdkRole/sdk-session".to_owned()
        )
    );
    // The refreshable path ran: temporary keys with an expiry, from
    // AssumeRole on moto, written to the AWS CLI's cache.
    let c = provider.provide_credentials().await.expect("credentials");
    assert!(c.session_token().is_some());
    let left = c
        .expiry()
        .expect("an expiry")
        .duration_since(std::time::SystemTime::now())
        .expect("in the future");
    assert!(left > Duration::from_mins(10), "{left:?}");
    assert_ne!(c.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
    assert!(
        format!("{provider:?}").contains("assume-role"),
        "{provider:?}"
    );
    let cached = std::fs::read_dir(dir.path().join("home/.aws/cli/cache"))
        .expect("the AWS CLI cache")
        .count();
    assert_eq!(cached, 1);
    // credchain's own client, on the same files, reads that cache entry:
    // the same role session, so the same answer.
    let (path, port) = (dir.path().to_owned(), m.port);
    let theirs = tokio::task::spawn_blocking(move || expected(&path, port, "role"))
        .await
        .expect("credchain's call");
    assert_eq!(ours, theirs);
    // And the two clients used the same temporary keys.
    let (path, port) = (dir.path().to_owned(), m.port);
    let akid = tokio::task::spawn_blocking(move || {
        session(&path, port, "role")
            .get_credentials()
            .expect("resolve")
            .expect("credentials")
            .access_key_id()
            .to_owned()
    })
    .await
    .expect("resolve");
    assert_eq!(akid, c.access_key_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mfa_role_prompts_once_for_concurrent_sdk_calls() {
    let Some(m) = moto() else { return };
    let dir = files();
    let prompt = Arc::new(CountingPrompt(AtomicUsize::new(0)));
    let provider = CredentialsProvider::new(
        builder(dir.path(), m.port, "mfa")
            .mfa_prompt(Arc::clone(&prompt) as Arc<dyn MfaPrompt>)
            .build(),
    );
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { sdk_identity(&p, m.port).await })
        })
        .collect();
    for call in calls {
        assert_eq!(
            call.await.expect("task"),
            (
                "123456789012".to_owned(),
                "arn:aws:sts::123456789012:assumed-role/MfaRole/mfa-session".to_owned()
            )
        );
    }
    assert_eq!(prompt.0.load(Ordering::SeqCst), 1);
}
