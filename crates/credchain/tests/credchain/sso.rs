//! The `sso` provider end to end against the loopback fake portal and
//! SSO-OIDC (`credchain::testkit::sso`): success, refresh, expired token,
//! refresh failure, 401/403, throttling, malformed and slow answers — each
//! ends in bounded time with botocore's error kind — plus the AWS CLI
//! cache (P-SSO-8) and a role profile whose `source_profile` is an SSO
//! profile (the seed's example).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use credchain::cache::JsonFileCache;
use credchain::os::{MapEnv, Os, RealClock, RealFs, RecordingSleep};
use credchain::sso::token;
use credchain::testkit::sso::{FakeSso, role_credentials_for};
use credchain::testkit::{LoopbackClient, Reply, TestServer};
use credchain::{Method, Session, StepOutcome};

const START_URL: &str = "https://d-1234.awsapps.com/start";

/// A temp HOME with a config file and token cache, and a session on it.
struct Home {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

fn utc_z_in(secs: i64) -> String {
    let t = if secs >= 0 {
        SystemTime::now() + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::now() - Duration::from_secs(secs.unsigned_abs())
    };
    token::utc_z(t)
}

impl Home {
    fn new(sso: &FakeSso, config: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        let home = dir.path().to_str().unwrap().to_owned();
        Home {
            env: vec![
                ("HOME".into(), home),
                ("AWS_ENDPOINT_URL_SSO".into(), sso.url()),
                ("AWS_ENDPOINT_URL_SSO_OIDC".into(), sso.url()),
                ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ],
            dir,
        }
    }
    fn env(mut self, k: &str, v: &str) -> Home {
        self.env.push((k.into(), v.into()));
        self
    }
    fn token_path(&self, key_source: &str) -> PathBuf {
        self.dir.path().join(format!(
            ".aws/sso/cache/{}.json",
            token::sha1_hex(key_source)
        ))
    }
    /// Writes the token file for `key_source` (session name or start URL).
    fn token(&self, key_source: &str, doc: &serde_json::Value) -> &Home {
        let p = self.token_path(key_source);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, doc.to_string()).unwrap();
        self
    }
    fn session(&self, profile: &str) -> (Session, Arc<RecordingSleep>) {
        let sleep = Arc::new(RecordingSleep::default());
        let os = Os {
            env: Arc::new(MapEnv::from_pairs(self.env.clone())),
            fs: Arc::new(RealFs),
            clock: Arc::new(RealClock),
        };
        let s = Session::builder()
            .os(os)
            .http_client(Arc::new(LoopbackClient::default()))
            .sleep(sleep.clone())
            .credential_cache(Arc::new(JsonFileCache::new(JsonFileCache::cli_dir(
                self.dir.path(),
            ))))
            .profile_name(profile)
            .build();
        (s, sleep)
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

const LEGACY: &str = "[profile legacy]\nsso_start_url = https://d-1234.awsapps.com/start\n\
                      sso_region = us-east-1\nsso_account_id = 111122223333\n\
                      sso_role_name = Admin\n";

const SESSION: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n\
                       sso_role_name = Admin\nregion = eu-west-1\n\
                       [sso-session corp]\nsso_start_url = https://d-1234.awsapps.com/start\n\
                       sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\
                       [profile app]\nrole_arn = arn:aws:iam::444455556666:role/App\n\
                       source_profile = dev\n";

fn token_doc(access: &str, expires_in: i64, refresh_token: Option<&str>) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "startUrl": START_URL, "region": "us-east-1", "accessToken": access,
        "expiresAt": utc_z_in(expires_in),
    });
    if let Some(rt) = refresh_token {
        doc["clientId"] = "cid".into();
        doc["clientSecret"] = "csecret".into();
        doc["registrationExpiresAt"] = utc_z_in(86_400).into();
        doc["refreshToken"] = rt.into();
    }
    doc
}

/// Resolves `profile` and returns `(kind or "ok", access key, elapsed)`.
fn resolve(home: &Home, profile: &str) -> (String, Option<credchain::Credentials>, Duration) {
    let (s, _) = home.session(profile);
    let start = Instant::now();
    let r = s.get_credentials();
    let took = start.elapsed();
    match r {
        Ok(c) => ("ok".into(), c, took),
        Err(e) => (e.kind().to_owned(), None, took),
    }
}

#[test]
fn p_sso_7_legacy_profile_gets_role_credentials() {
    let sso = FakeSso::start();
    let home = Home::new(&sso, LEGACY);
    home.token(START_URL, &token_doc("legacy-token", 3600, None));
    let (kind, creds, _) = resolve(&home, "legacy");
    assert_eq!(kind, "ok");
    let c = creds.unwrap();
    let (ak, sk, st) = role_credentials_for("legacy-token", "Admin", "111122223333");
    assert_eq!(c.method(), Method::Sso);
    assert_eq!(c.access_key_id(), ak);
    assert_eq!(c.secret_access_key().expose(), sk);
    assert_eq!(c.session_token().unwrap().expose(), st);
    assert_eq!(c.account_id(), Some("111122223333"));
    assert_eq!(
        c.expiration().unwrap().to_string(),
        "2100-01-01T00:00:00+00:00"
    );
    let req = &sso.requests()[0];
    assert_eq!(
        req.path,
        "/federation/credentials?role_name=Admin&account_id=111122223333"
    );
    assert_eq!(req.header("x-amz-sso_bearer_token"), Some("legacy-token"));
    // P-SSO-8: cached in ~/.aws/cli/cache under the AWS CLI v2 key, in its
    // layout, and reused by the next resolution without a call.
    // The key: SHA-1 of the sorted, compact JSON of account, role, start URL.
    let expected_key = token::sha1_hex(
        r#"{"accountId":"111122223333","roleName":"Admin","startUrl":"https://d-1234.awsapps.com/start"}"#,
    );
    let cached = home
        .path()
        .join(format!(".aws/cli/cache/{expected_key}.json"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cached).unwrap()).unwrap();
    assert_eq!(doc["ProviderType"], "sso");
    assert_eq!(doc["Credentials"]["AccessKeyId"], ak.as_str());
    assert_eq!(doc["Credentials"]["Expiration"], "2100-01-01T00:00:00Z");
    assert_eq!(doc["Credentials"]["AccountId"], "111122223333");
    let (kind, creds, _) = resolve(&home, "legacy");
    assert_eq!(
        (kind.as_str(), creds.unwrap().access_key_id()),
        ("ok", ak.as_str())
    );
    assert_eq!(sso.get_role_credentials_calls(), 1);
}

#[test]
fn p_sso_5_legacy_expired_token_needs_login() {
    let sso = FakeSso::start();
    let home = Home::new(&sso, LEGACY);
    home.token(START_URL, &token_doc("legacy-token", -5, None));
    let (s, _) = home.session("legacy");
    let r = s.explain();
    let e = r.result.unwrap_err();
    assert_eq!(e.kind(), "UnauthorizedSSOTokenError");
    assert!(
        e.to_string()
            .ends_with("run credchain sso login --profile legacy"),
        "{e}"
    );
    assert_eq!(
        sso.requests().len(),
        0,
        "no call with an expired legacy token"
    );
    // explain: the token file, its expiry, and what to run.
    let step = r.steps.iter().find(|s| s.provider == Method::Sso).unwrap();
    assert_eq!(step.outcome, StepOutcome::Error);
    assert!(step.detail.contains(".aws/sso/cache/"), "{}", step.detail);
    assert!(step.detail.contains("expired 20"), "{}", step.detail);
    assert!(!step.detail.contains("legacy-token"), "{}", step.detail);
}

#[test]
fn p_sso_6_session_token_near_expiry_is_refreshed_and_rewritten() {
    let sso = FakeSso::start();
    let home = Home::new(&sso, SESSION);
    home.token("corp", &token_doc("old-token", 600, Some("rt-abc")));
    let (s, _) = home.session("dev");
    let r = s.explain();
    let c = r.result.unwrap();
    let (ak, ..) = role_credentials_for("good-refreshed-rt-abc", "Admin", "111122223333");
    assert_eq!(c.access_key_id(), ak);
    assert_eq!(sso.create_token_calls(), 1);
    let text = std::fs::read_to_string(home.token_path("corp")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, credchain::testkit::sso::TOKEN_FILE_KEYS);
    assert_eq!(doc["refreshToken"], "rt-abc-next");
    assert!(
        text.contains("\", \"region\": \""),
        "default separators: {text}"
    );
    let step = r.steps.iter().find(|s| s.provider == Method::Sso).unwrap();
    assert!(step.detail.contains("sso-session corp"), "{}", step.detail);
    assert!(step.detail.contains("refreshed now"), "{}", step.detail);
    assert!(!step.detail.contains("good-refreshed"), "{}", step.detail);
}

#[test]
fn p_sso_8_role_profile_with_sso_source_profile_reuses_the_cache() {
    let sso = FakeSso::start();
    let (ak, ..) = role_credentials_for("sess-token", "Admin", "111122223333");
    let sts = TestServer::start(move |req, _| {
        // The AssumeRole call is signed with the SSO role credentials.
        let auth = req.header("authorization").unwrap_or_default().to_owned();
        if !auth.contains(&format!("Credential={ak}/")) {
            return Reply::Respond(
                403,
                "<ErrorResponse><Error><Code>AccessDenied</Code>\
                <Message>wrong signer</Message></Error></ErrorResponse>"
                    .into(),
            );
        }
        Reply::Respond(
            200,
            "<AssumeRoleResponse><AssumeRoleResult><Credentials>\
             <AccessKeyId>ASIAAPPROLE</AccessKeyId><SecretAccessKey>appSecret</SecretAccessKey>\
             <SessionToken>appToken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
             </Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>\
             <Arn>arn:aws:sts::444455556666:assumed-role/App/x</Arn></AssumedRoleUser>\
             </AssumeRoleResult></AssumeRoleResponse>"
                .into(),
        )
    });
    let home = Home::new(&sso, SESSION)
        .env("AWS_ENDPOINT_URL_STS", &sts.url(""))
        .env("AWS_DEFAULT_REGION", "us-east-1");
    home.token("corp", &token_doc("sess-token", 3600, Some("rt-x")));
    for _ in 0..2 {
        let (kind, creds, _) = resolve(&home, "app");
        assert_eq!(kind, "ok");
        let c = creds.unwrap();
        assert_eq!(
            (c.access_key_id(), c.method()),
            ("ASIAAPPROLE", Method::AssumeRole)
        );
    }
    // The SSO credentials were fetched once; the second run used the cache
    // for both hops.
    assert_eq!(sso.get_role_credentials_calls(), 1);
    assert_eq!(sts.requests().len(), 1);
    assert_eq!(sso.create_token_calls(), 0);
}

/// `(kind, elapsed, GetRoleCredentials calls, CreateToken calls, sleeps)`
/// for a session profile whose token and refresh token are given.
fn fault(
    access: &str,
    expires_in: i64,
    rt: &str,
    attempts: &str,
) -> (String, Duration, usize, usize, usize) {
    let sso = FakeSso::start();
    let home = Home::new(&sso, SESSION).env("AWS_MAX_ATTEMPTS", attempts);
    home.token("corp", &token_doc(access, expires_in, Some(rt)));
    let (s, sleep) = home.session("dev");
    let start = Instant::now();
    let kind = match s.get_credentials() {
        Ok(_) => "ok".to_owned(),
        Err(e) => {
            let text = e.to_string();
            assert!(!text.contains(access) || access.is_empty(), "{text}");
            e.kind().to_owned()
        }
    };
    (
        kind,
        start.elapsed(),
        sso.get_role_credentials_calls(),
        sso.create_token_calls(),
        sleep.calls().len(),
    )
}

#[test]
fn portal_faults_give_botocore_kinds_in_bounded_time() {
    let bound = Duration::from_secs(10);
    for (token, want, calls) in [
        ("unauthorized-x", "UnauthorizedSSOTokenError", 1),
        ("forbidden-x", "ClientError", 1),
        ("malformed-x", "KeyError", 1),
        ("slow-x", "ok", 1),
        // Throttling and 5xx are retried (legacy mode: 5 attempts).
        ("throttle-x", "TooManyRequestsException", 5),
        ("servererror-x", "ClientError", 5),
    ] {
        let (kind, took, portal, oidc, sleeps) = fault(token, 3600, "rt-x", "5");
        assert_eq!(kind, want, "{token}");
        assert_eq!(portal, calls, "{token}");
        assert_eq!((oidc, sleeps), (0, calls - 1), "{token}");
        assert!(took < bound, "{token} took {took:?}");
    }
}

#[test]
fn refresh_faults_follow_botocore_rules() {
    let bound = Duration::from_secs(10);
    for (expires_in, rt, want, oidc) in [
        // Still valid: a service error is swallowed, the old token used.
        (300, "rt-fail", "ok", 1),
        (300, "rt-throttle", "ok", 1),
        (300, "rt-servererror", "ok", 1),
        // Malformed answers are not ClientError: raised.
        (300, "rt-malformed", "KeyError", 1),
        (300, "rt-slow", "ok", 1),
        // Expired and not refreshed.
        (-10, "rt-fail", "TokenRetrievalError", 1),
        (-10, "rt-zero", "TokenRetrievalError", 1),
        (-10, "rt-ok", "ok", 1),
    ] {
        let (kind, took, _, calls, _) = fault("valid-token", expires_in, rt, "1");
        assert_eq!(kind, want, "{rt} {expires_in}");
        assert_eq!(calls, oidc, "{rt} {expires_in}");
        assert!(took < bound, "{rt} took {took:?}");
    }
}

#[test]
fn a_black_hole_portal_ends_at_the_client_timeout() {
    let sso = FakeSso::start();
    let env = MapEnv::from_pairs([("AWS_ENDPOINT_URL_SSO", sso.url())]);
    let os = Os {
        env: Arc::new(env),
        fs: Arc::new(RealFs),
        clock: Arc::new(RealClock),
    };
    let net = credchain::http::Network {
        http: Arc::new(LoopbackClient::default()),
        sleep: Arc::new(RecordingSleep::default()),
        random: Arc::new(credchain::os::FixedRandom(0)),
    };
    let files = credchain::ConfigFiles::from_texts(Some(""), None).unwrap();
    let client = credchain::sso::client::SsoClient::new(
        &os,
        &net,
        &files,
        None,
        credchain::sso::client::Service::Portal,
        "us-east-1",
    )
    .unwrap()
    .with_timeouts(credchain::http::Timeouts::botocore(Duration::from_millis(
        200,
    )));
    let start = Instant::now();
    let e = client
        .get_role_credentials("blackhole-token", "R", "1")
        .unwrap_err();
    assert_eq!(e.kind(), "ReadTimeoutError");
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
}

/// `ListAccounts` / `ListAccountRoles` (issue 14): every page read in
/// order with botocore's query (`next_token`, `max_result`,
/// `account_id`), the bearer header, and the portal's faults as botocore
/// raises them (429 retried by the legacy retries, then its class; 401
/// `UnauthorizedException`).
#[test]
fn account_listings_read_every_page_and_keep_botocore_errors() {
    use credchain::testkit::sso::FakeAccount;
    let sso = FakeSso::start();
    sso.set_accounts(vec![
        FakeAccount::new("111", "A", &["R1", "R2", "R3"]),
        FakeAccount::new("222", "B", &["R4"]),
        FakeAccount {
            name: None,
            email: None,
            ..FakeAccount::new("333", "C", &[])
        },
    ]);
    sso.set_page_size(2);
    let env = MapEnv::from_pairs([("AWS_ENDPOINT_URL_SSO", sso.url())]);
    let os = Os {
        env: Arc::new(env),
        fs: Arc::new(RealFs),
        clock: Arc::new(RealClock),
    };
    let sleep = Arc::new(RecordingSleep::default());
    let net = credchain::http::Network {
        http: Arc::new(LoopbackClient::default()),
        sleep: sleep.clone(),
        random: Arc::new(credchain::os::FixedRandom(0)),
    };
    let files = credchain::ConfigFiles::from_texts(Some(""), None).unwrap();
    let client = credchain::sso::client::SsoClient::new(
        &os,
        &net,
        &files,
        None,
        credchain::sso::client::Service::Portal,
        "us-east-1",
    )
    .unwrap();
    let accounts = client.list_accounts("tok").unwrap();
    let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(ids, ["111", "222", "333"]);
    assert_eq!(accounts[0].email_address.as_deref(), Some("a@example.com"));
    assert_eq!(accounts[2].account_name, None);
    assert_eq!(
        client.list_account_roles("tok", "111").unwrap(),
        ["R1", "R2", "R3"]
    );
    assert!(client.list_account_roles("tok", "333").unwrap().is_empty());
    let reqs = sso.requests();
    let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/assignment/accounts",
            "/assignment/accounts?next_token=page-2",
            "/assignment/roles?account_id=111",
            "/assignment/roles?next_token=page-2&account_id=111",
            "/assignment/roles?account_id=333",
        ]
    );
    assert!(
        reqs.iter()
            .all(|r| r.header("x-amz-sso_bearer_token") == Some("tok"))
    );
    // One page of a chosen size, as botocore's `maxResults` asks.
    let (page, next_token) = client.list_accounts_page("tok", None, Some(1)).unwrap();
    assert_eq!((page.len(), next_token.as_deref()), (1, Some("page-1")));
    let e = client.list_accounts("unauthorized-x").unwrap_err();
    assert_eq!(e.kind(), "UnauthorizedException");
    let before = sso.list_calls();
    let e = client.list_accounts("throttle-x").unwrap_err();
    assert_eq!(e.kind(), "TooManyRequestsException");
    assert_eq!(
        sso.list_calls() - before,
        5,
        "botocore's legacy retries: 5 attempts"
    );
    let e = client.list_account_roles("tok", "999").unwrap_err();
    assert_eq!(e.kind(), "ResourceNotFoundException");
}
