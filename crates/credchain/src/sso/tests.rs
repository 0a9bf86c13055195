use super::*;
use crate::http::{Response, TransportError, TransportErrorKind};
use crate::os::{FixedClock, MapEnv, RealFs};
use crate::testkit::FakeClient;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// 2026-11-29T12:00:00Z.
const NOW: u64 = 1_795_953_600;

fn files(config: &str) -> ConfigFiles {
    ConfigFiles::from_texts(Some(config), None).unwrap()
}

fn err(config: &str) -> String {
    let f = files(config);
    let e = match sso_config(&f, "default") {
        Err(e) => e,
        Ok(Some(cfg)) => {
            let name = cfg.session.clone().unwrap();
            session_config(&f, "default", &name).unwrap_err()
        }
        Ok(None) => panic!("not triggered"),
    };
    format!("{}: {e}", e.kind())
}

#[test]
fn p_sso_2_validation_errors_are_botocores() {
    // Each expected text was produced by botocore 1.43.11 for this config.
    assert_eq!(
        err("[default]\nsso_role_name = R\n"),
        "InvalidConfigError: The profile \"default\" is configured to use SSO but is missing \
         required configuration: sso_account_id, sso_start_url, sso_region"
    );
    assert_eq!(
        err(
            "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n\
             [sso-session s]\nsso_start_url = https://u/start\n"
        ),
        "InvalidConfigError: The profile \"default\" is configured to use SSO but is missing \
         required configuration: sso_region"
    );
    assert_eq!(
        err("[default]\nsso_session = nope\nsso_account_id = 1\n"),
        "InvalidConfigError: The specified sso-session does not exist: \"nope\""
    );
    assert_eq!(
        err(
            "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n\
             sso_region = us-west-2\n[sso-session s]\nsso_start_url = https://u/start\n\
             sso_region = us-east-1\n"
        ),
        "InvalidConfigError: The value for sso_region is inconsistent between profile \
         (us-west-2) and sso-session (us-east-1)."
    );
    // The token provider's own checks (at fetch time).
    assert_eq!(
        err(
            "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n\
             sso_start_url = https://u/start\n[sso-session s]\nsso_region = us-east-1\n"
        ),
        "InvalidConfigError: The profile \"default\" is configured to use the SSO token \
         provider but is missing the following configuration: ['sso_start_url']."
    );
    assert_eq!(
        err(
            "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n\
             sso_start_url = https://u/start\nsso_region = us-east-1\n[sso-session s]\n"
        ),
        "InvalidConfigError: The profile \"default\" is configured to use the SSO token \
         provider but the \"s\" sso_session configuration does not exist."
    );
    // Neither trigger key: not an SSO profile.
    assert_eq!(
        sso_config(&files("[default]\nsso_start_url = x\n"), "default").unwrap(),
        None
    );
}

#[test]
fn p_sso_8_role_cache_keys_match_the_aws_cli() {
    let mut cfg = SsoConfig {
        profile: "p".into(),
        start_url: "https://my.awsapps.com/start".into(),
        region: "us-east-1".into(),
        role_name: "Admin".into(),
        account_id: "123456789012".into(),
        session: None,
        origin: Origin {
            file: crate::config::FileKind::Config,
            line: 1,
        },
    };
    assert_eq!(
        role_cache_key(&cfg),
        "2022a26817a8409407d383b27f88f3656d96b72b"
    );
    cfg.session = Some("my-sso".into());
    // hashlib.sha1(json.dumps({...,"sessionName":"my-sso"}, sort_keys=True,
    // separators=(",",":"))).hexdigest()
    assert_eq!(
        role_cache_key(&cfg),
        "c30b99aca80d8f5b3178e353f05b2abcc9a4ccd3"
    );
}

const SESSION_CONFIG: &str = "[default]\nsso_session = s\nsso_account_id = 111122223333\n\
                              sso_role_name = R\n[sso-session s]\n\
                              sso_start_url = https://u/start\nsso_region = us-east-1\n";

struct Fixture {
    home: tempfile::TempDir,
    os: Os,
    files: ConfigFiles,
}

impl Fixture {
    fn new(token: &str) -> Fixture {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".aws/sso/cache");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!(
                "{}.json",
                token::cache_key("https://u/start", Some("s"))
            )),
            token,
        )
        .unwrap();
        let os = Os {
            env: Arc::new(MapEnv::from_pairs([(
                "HOME",
                home.path().to_str().unwrap(),
            )])),
            fs: Arc::new(RealFs),
            clock: Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW))),
        };
        Fixture {
            home,
            os,
            files: files(SESSION_CONFIG),
        }
    }
    fn token_file(&self) -> String {
        std::fs::read_to_string(self.home.path().join(format!(
            ".aws/sso/cache/{}.json",
            token::cache_key("https://u/start", Some("s"))
        )))
        .unwrap()
    }
    fn run(
        &self,
        script: Vec<Result<Response, TransportError>>,
    ) -> (Result<AccessToken, Error>, Arc<FakeClient>) {
        let client = Arc::new(FakeClient::new(script));
        let net = Network {
            http: client.clone(),
            sleep: Arc::new(crate::os::RecordingSleep::default()),
            random: Arc::new(crate::os::FixedRandom(0)),
        };
        let access = OidcAccess {
            os: &self.os,
            net: &net,
            files: &self.files,
            client_profile: self.files.profile("default"),
        };
        let cfg = sso_config(&self.files, "default").unwrap().unwrap();
        (session_token(&access, &cfg, "s"), client)
    }
}

/// A token expiring `secs` after NOW, with the refresh fields.
fn token_doc(secs: i64, refresh: bool) -> String {
    let exp = Timestamp::from_system_time(
        UNIX_EPOCH + Duration::from_secs(NOW.checked_add_signed(secs).unwrap()),
    );
    let exp = format!("{}Z", &exp.to_string()[..19]);
    if refresh {
        format!(
            r#"{{"startUrl": "https://u/start", "region": "us-east-1", "accessToken": "old-token", "expiresAt": "{exp}", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2027-01-01T00:00:00Z", "refreshToken": "rt-1"}}"#
        )
    } else {
        format!(r#"{{"accessToken": "old-token", "expiresAt": "{exp}"}}"#)
    }
}

#[allow(clippy::unnecessary_wraps)] // a script entry is a Result
fn ok(body: &str) -> Result<Response, TransportError> {
    Ok(Response::new(200, body))
}

#[test]
fn p_sso_6_valid_token_is_used_without_a_call() {
    // 900 s left: not inside the window (strictly less than 900 s).
    let f = Fixture::new(&token_doc(900, true));
    let (t, client) = f.run(vec![]);
    let t = t.unwrap();
    assert_eq!((t.expose(), &t.state), ("old-token", &TokenState::Valid));
    assert!(client.sent().is_empty());
}

#[test]
fn p_sso_6_refresh_rewrites_the_cache_file_as_botocore_does() {
    let f = Fixture::new(&token_doc(899, true));
    let (t, client) = f.run(vec![ok(
        r#"{"accessToken":"new-token","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt-2"}"#,
    )]);
    let t = t.unwrap();
    assert_eq!(
        (t.expose(), &t.state),
        ("new-token", &TokenState::Refreshed)
    );
    let sent = client.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "https://oidc.us-east-1.amazonaws.com/token");
    let body: Json = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"clientId": "cid", "clientSecret": "csecret",
            "grantType": "refresh_token", "refreshToken": "rt-1"})
    );
    // json.dumps of botocore's dict, byte for byte.
    assert_eq!(
        f.token_file(),
        r#"{"startUrl": "https://u/start", "region": "us-east-1", "accessToken": "new-token", "expiresAt": "2026-11-29T13:00:00Z", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2027-01-01T00:00:00Z", "refreshToken": "rt-2"}"#
    );
    // The secret values never reach Debug.
    let dbg = format!("{t:?}");
    assert!(
        !dbg.contains("new-token") && dbg.contains("Refreshed"),
        "{dbg}"
    );
}

/// A refresh answer whose `expiresIn` leaves Python's `datetime` range is
/// botocore's `OverflowError` (from `now + timedelta(...)`), never a panic;
/// the cache file is left alone.
#[test]
fn p_sso_6_huge_expires_in_on_refresh_is_overflow_error() {
    for n in [
        "9223372036854775807",
        "-9223372036854775808",
        "1000000000000",
    ] {
        let f = Fixture::new(&token_doc(-1, true));
        let before = f.token_file();
        let (t, _) = f.run(vec![ok(&format!(
            r#"{{"accessToken":"new-token","tokenType":"Bearer","expiresIn":{n}}}"#
        ))]);
        let e = t.unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string().contains("date value out of range")),
            ("OverflowError", true),
            "{n}: {e}"
        );
        assert!(!e.to_string().contains("new-token"), "{e}");
        assert_eq!(f.token_file(), before);
    }
}

#[test]
fn p_sso_6_service_errors_are_swallowed_while_the_token_is_valid() {
    let f = Fixture::new(&token_doc(300, true));
    let before = f.token_file();
    let (t, client) = f.run(vec![Ok(Response::new(
        400,
        r#"{"error":"invalid_grant","__type":"InvalidGrantException"}"#,
    ))]);
    let t = t.unwrap();
    assert_eq!(t.expose(), "old-token");
    assert!(
        matches!(t.state, TokenState::NotRefreshed(_)),
        "{:?}",
        t.state
    );
    assert_eq!(client.sent().len(), 1);
    assert_eq!(
        f.token_file(),
        before,
        "a failed refresh leaves the file alone"
    );
    // Within 60 s the same process does not try again (botocore's
    // _attempt_timeout).
    let (t, client) = f.run(vec![]);
    assert_eq!(t.unwrap().expose(), "old-token");
    assert!(client.sent().is_empty());
}

#[test]
fn p_sso_6_expired_and_not_refreshable_is_token_retrieval_error() {
    let f = Fixture::new(&token_doc(-1, true));
    let (t, _) = f.run(vec![Ok(Response::new(
        400,
        r#"{"__type":"InvalidGrantException"}"#,
    ))]);
    let e = t.unwrap_err();
    assert_eq!(e.kind(), "TokenRetrievalError");
    assert_eq!(
        e.to_string(),
        "Error when retrieving token from sso: Token has expired and refresh failed. To \
         refresh this SSO session run credchain sso login --sso-session s"
    );
    // Without refresh fields no call is made at all.
    let f = Fixture::new(&token_doc(-1, false));
    let (t, client) = f.run(vec![]);
    assert_eq!(t.unwrap_err().kind(), "TokenRetrievalError");
    assert!(client.sent().is_empty());
}

#[test]
fn p_sso_6_transport_errors_and_malformed_answers_propagate() {
    // botocore's first refresh is "mandatory": only ClientError is
    // swallowed; a connection failure is raised even for a valid token.
    let f = Fixture::new(&token_doc(300, true));
    let (t, _) = f.run(vec![Err(TransportError::new(
        TransportErrorKind::Connect,
        "refused",
    ))]);
    let e = t.unwrap_err();
    assert_eq!(e.kind(), "EndpointConnectionError");
    assert_eq!(
        e.to_string(),
        "Could not connect to the endpoint URL: \"https://oidc.us-east-1.amazonaws.com/token\""
    );
    let f = Fixture::new(&token_doc(300, true));
    let (t, _) = f.run(vec![ok("not json")]);
    assert_eq!(t.unwrap_err().kind(), "KeyError");
}

#[test]
fn p_sso_5_legacy_expired_token_is_unauthorized_before_any_call() {
    let f = Fixture::new("");
    let url = "https://u/start";
    std::fs::write(
        f.home.path().join(format!(
            ".aws/sso/cache/{}.json",
            token::cache_key(url, None)
        )),
        token_doc(0, false),
    )
    .unwrap();
    let files = files(
        "[profile p]\nsso_start_url = https://u/start\nsso_region = us-east-1\n\
         sso_account_id = 1\nsso_role_name = R\n",
    );
    let cfg = sso_config(&files, "p").unwrap().unwrap();
    let e = legacy_token(&f.os, &cfg).unwrap_err();
    assert_eq!(e.kind(), "UnauthorizedSSOTokenError");
    assert_eq!(
        e.to_string(),
        "The SSO session associated with this profile has expired or is otherwise invalid. \
         To refresh this SSO session run credchain sso login --profile p"
    );
}
