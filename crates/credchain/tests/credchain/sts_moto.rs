//! Assume-role, web identity and GetCallerIdentity against a real STS
//! implementation: `moto_server` (moto 5) started by the test on a random
//! loopback port, reached through the built-in HTTP client restricted to
//! loopback (`testkit::LoopbackClient`). Every request goes to
//! `AWS_ENDPOINT_URL_STS=http://127.0.0.1:PORT`; nothing can reach AWS.
//!
//! Without `moto_server` on `PATH` the tests are skipped with a message,
//! unless `CREDCHAIN_REQUIRE_MOTO=1` (then they fail).

use std::path::Path;
use std::sync::Arc;

use credchain::cache::{CredentialCache, JsonFileCache};
use credchain::http::OfflineClient;
use credchain::os::{MapEnv, Os, RealClock, RealFs};
use credchain::testkit::LoopbackClient;
use credchain::testkit::moto::moto;
use credchain::{Method, Session};

fn session(
    home: &Path,
    port: u16,
    extra_env: &[(&str, String)],
    profile: Option<&str>,
    cache: Option<Arc<dyn CredentialCache>>,
    offline: bool,
) -> Session {
    let mut env = vec![
        ("HOME".to_owned(), home.display().to_string()),
        (
            "AWS_ENDPOINT_URL_STS".to_owned(),
            format!("http://127.0.0.1:{port}"),
        ),
        ("AWS_DEFAULT_REGION".to_owned(), "us-east-1".to_owned()),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
    ];
    env.extend(extra_env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let os = Os {
        env: Arc::new(MapEnv::from_pairs(env)),
        fs: Arc::new(RealFs),
        clock: Arc::new(RealClock),
    };
    let mut b = Session::builder().os(os);
    b = if offline {
        b.http_client(Arc::new(OfflineClient))
    } else {
        b.http_client(Arc::new(LoopbackClient::default()))
    };
    if let Some(p) = profile {
        b = b.profile_name(p);
    }
    if let Some(c) = cache {
        b = b.credential_cache(c);
    }
    b.build()
}

const CHAIN: &str = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/RoleA\nsource_profile = b\n\
    role_session_name = sess-a\n\
    [profile b]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\nsource_profile = c\n\
    [profile c]\nrole_arn = arn:aws:iam::123456789012:role/RoleC\nsource_profile = base\n\
    external_id = ext\n\
    [profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

#[test]
fn moto_role_chain_of_three_then_caller_identity_and_cache() {
    let Some(m) = moto() else { return };
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), CHAIN).unwrap();
    let cache: Arc<dyn CredentialCache> =
        Arc::new(JsonFileCache::new(JsonFileCache::cli_dir(home.path())));
    let s = session(
        home.path(),
        m.port,
        &[],
        Some("a"),
        Some(cache.clone()),
        false,
    );
    let r = s.explain();
    let c = r.result.as_ref().expect("assumed credentials");
    assert_eq!(c.method(), Method::AssumeRole);
    assert!(c.access_key_id().starts_with("ASIA"), "{c:?}");
    assert_eq!(c.account_id(), Some("123456789012"));
    assert!(c.expiration().is_some());
    let detail = &r.steps[1].detail;
    assert!(
        detail.contains("RoleC") && detail.contains("RoleB") && detail.contains("RoleA"),
        "{detail}"
    );
    assert!(!detail.contains("wJalrXUtnFEMI"), "{detail}");

    let id = s.sts_client().unwrap().get_caller_identity(c).unwrap();
    assert_eq!(id.account, "123456789012");
    assert_eq!(
        id.arn,
        "arn:aws:sts::123456789012:assumed-role/RoleA/sess-a"
    );

    // Three CLI-format cache files, one per hop, each 0600.
    let dir = JsonFileCache::cli_dir(home.path());
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    assert_eq!(entries.len(), 3, "{entries:?}");
    #[cfg(unix)]
    for p in &entries {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", p.display());
    }

    // A new session with no network at all gets the same credentials from
    // the cache.
    let offline = session(home.path(), m.port, &[], Some("a"), Some(cache), true);
    let again = offline.get_credentials().unwrap().unwrap();
    assert_eq!(again.access_key_id(), c.access_key_id());
}

#[test]
fn moto_web_identity_from_env_and_as_a_source_profile() {
    let Some(m) = moto() else { return };
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    let token = home.path().join("token.jwt");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap();
    let env = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.display().to_string()),
        (
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/WebRole".to_owned(),
        ),
        ("AWS_ROLE_SESSION_NAME", "web-sess".to_owned()),
    ];
    let s = session(home.path(), m.port, &env, None, None, false);
    let c = s
        .get_credentials()
        .unwrap()
        .expect("web identity credentials");
    assert_eq!(c.method(), Method::AssumeRoleWithWebIdentity);
    let id = s.sts_client().unwrap().get_caller_identity(&c).unwrap();
    assert_eq!(
        id.arn,
        "arn:aws:sts::123456789012:assumed-role/WebRole/web-sess"
    );

    // Web identity as the base of a role chain (P-WEB-5).
    std::fs::write(
        home.path().join(".aws/config"),
        format!(
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/Top\nsource_profile = w\n\
             role_session_name = top\n\
             [profile w]\nrole_arn = arn:aws:iam::123456789012:role/WebRole\n\
             web_identity_token_file = {}\n",
            token.display()
        ),
    )
    .unwrap();
    let s = session(home.path(), m.port, &[], Some("a"), None, false);
    let c = s.get_credentials().unwrap().unwrap();
    assert_eq!(c.method(), Method::AssumeRole);
    let id = s.sts_client().unwrap().get_caller_identity(&c).unwrap();
    assert_eq!(id.arn, "arn:aws:sts::123456789012:assumed-role/Top/top");
}
