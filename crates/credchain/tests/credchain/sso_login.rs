//! `sso login` (issue 11 item 3) against the loopback fake IAM Identity
//! Center (`credchain::testkit::sso`), with a scripted browser that loads
//! the fake's `/authorize` page and follows its **Allow** link to
//! credchain's listener: PKCE end to end (registration and token files in
//! the AWS CLI v2's layout, P-SSO-9; the provider then resolves role
//! credentials with the new token), registration reuse, a forged `state`,
//! a denied authorization, the listener's deadline, `RegisterClient`
//! failing, and the device flow's slow_down / pending / expired / denied
//! answers with a recording sleep (no real waiting).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use credchain::http::{HttpClient, HttpMethod, Request, Timeouts};
use credchain::os::{MapEnv, Os, RealClock, RealFs, RecordingSleep};
use credchain::sso::OidcAccess;
use credchain::sso::login::{self, Flow, LoginOptions, LoginOutcome, LoginUi};
use credchain::sso::token;
use credchain::testkit::LoopbackClient;
use credchain::testkit::sso::{DeviceOutcome, DeviceScript, FakeSso, role_credentials_for};
use credchain::{Error, Session};
use serde_json::Value as Json;

const START_URL: &str = "https://d-7777.awsapps.com/start";

fn config() -> String {
    format!(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n\
         [profile legacy]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\
         sso_account_id = 111122223333\nsso_role_name = Admin\n\
         [sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n"
    )
}

/// What the scripted browser does with the authorize URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Browser {
    /// Loads the page and clicks Allow.
    Allow,
    /// Clicks Allow with the `state` replaced.
    ForgeState,
    /// Clicks Deny.
    Deny,
    /// Never comes back.
    Nothing,
}

struct Ui {
    browser: Browser,
    said: Mutex<String>,
    notes: Mutex<Vec<String>>,
    debug: Mutex<Vec<String>>,
    /// The page credchain's listener answered the browser with.
    landing: Arc<Mutex<Option<String>>>,
    opened: Mutex<Vec<String>>,
}

impl Ui {
    fn new(browser: Browser) -> Ui {
        Ui {
            browser,
            said: Mutex::new(String::new()),
            notes: Mutex::new(Vec::new()),
            debug: Mutex::new(Vec::new()),
            landing: Arc::new(Mutex::new(None)),
            opened: Mutex::new(Vec::new()),
        }
    }
    fn said(&self) -> String {
        self.said.lock().unwrap().clone()
    }
    fn landing(&self) -> Option<String> {
        // The browser thread may still be reading the answer.
        for _ in 0..100 {
            if let Some(p) = self.landing.lock().unwrap().clone() {
                return Some(p);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

fn get(url: &str) -> String {
    LoopbackClient::default()
        .send(
            &Request::new(HttpMethod::Get, url),
            &Timeouts::botocore(Duration::from_secs(10)),
        )
        .map_or_else(|e| format!("(request failed: {e})"), |r| r.text())
}

/// The `href` of the element with `id` in a page.
fn link(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\" href=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {page}"))
        + marker.len();
    page[start..start + page[start..].find('"').unwrap()].replace("&amp;", "&")
}

impl LoginUi for Ui {
    fn say(&self, text: &str) {
        self.said.lock().unwrap().push_str(text);
    }
    fn note(&self, text: &str) {
        self.notes.lock().unwrap().push(text.to_owned());
    }
    fn open_browser(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.to_owned());
        let (browser, url, landing) = (self.browser, url.to_owned(), self.landing.clone());
        if browser == Browser::Nothing {
            return Ok(());
        }
        std::thread::spawn(move || {
            let page = get(&url);
            let target = match browser {
                Browser::Deny => link(&page, "deny"),
                Browser::ForgeState => {
                    let allow = link(&page, "allow");
                    format!("{}&state=forged", allow.split("&state=").next().unwrap())
                }
                _ => link(&page, "allow"),
            };
            *landing.lock().unwrap() = Some(get(&target));
        });
        Ok(())
    }
    fn debug(&self, text: &str) {
        self.debug.lock().unwrap().push(text.to_owned());
    }
}

struct Home {
    dir: tempfile::TempDir,
    sso: FakeSso,
    sleep: Arc<RecordingSleep>,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config()).unwrap();
        Home {
            dir,
            sso: FakeSso::start(),
            sleep: Arc::new(RecordingSleep::default()),
        }
    }
    fn session(&self, profile: &str) -> Session {
        let env = MapEnv::from_pairs([
            ("HOME", self.dir.path().to_str().unwrap().to_owned()),
            ("AWS_ENDPOINT_URL_SSO", self.sso.url()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.sso.url()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]);
        Session::builder()
            .os(Os {
                env: Arc::new(env),
                fs: Arc::new(RealFs),
                clock: Arc::new(RealClock),
            })
            .http_client(Arc::new(LoopbackClient::default()))
            .sleep(self.sleep.clone())
            .profile_name(profile)
            .build()
    }
    fn cache(&self) -> PathBuf {
        self.dir.path().join(".aws/sso/cache")
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.cache())
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
    fn login(&self, profile: &str, opts: &LoginOptions, ui: &Ui) -> Result<LoginOutcome, Error> {
        let session = self.session(profile);
        let files = session.config_files()?;
        let target = login::target_for_profile(files, profile)?;
        let access = OidcAccess {
            os: session.os(),
            net: session.network(),
            files,
            client_profile: files.profile(profile),
        };
        login::login(&access, &target, opts, ui)
    }
}

fn read_json(p: &Path) -> serde_json::Map<String, Json> {
    match serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() {
        Json::Object(m) => m,
        other => panic!("{other}"),
    }
}

fn keys(m: &serde_json::Map<String, Json>) -> Vec<&str> {
    m.keys().map(String::as_str).collect()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn pkce() -> LoginOptions {
    LoginOptions::new(Flow::Pkce, true)
}

#[test]
fn p_sso_9_pkce_login_writes_the_aws_cli_files_and_the_provider_uses_them() {
    let h = Home::new();
    let ui = Ui::new(Browser::Allow);
    let out = h.login("dev", &pkce(), &ui).unwrap();
    assert!(out.by_this_process && out.registered);
    assert_eq!(
        (h.sso.register_client_calls(), h.sso.tokens_issued()),
        (1, 1)
    );
    // The registration: RegisterClient's body and the file, as the AWS CLI
    // v2's SSOTokenFetcherAuth sends and writes them.
    let reg_req = h
        .sso
        .requests()
        .into_iter()
        .find(|r| r.path == "/client/register")
        .unwrap();
    let body: Json = serde_json::from_slice(&reg_req.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"clientName": "botocore-client-corp", "clientType": "public",
            "grantTypes": ["authorization_code", "refresh_token"],
            "redirectUris": ["http://127.0.0.1/oauth/callback"], "issuerUrl": START_URL,
            "scopes": ["sso:account:access"]})
    );
    let scopes = ["sso:account:access".to_owned()];
    let reg_key =
        token::registration_cache_key(START_URL, "us-east-1", Some(&scopes), Some("corp"));
    let tok_key = token::cache_key(START_URL, Some("corp"));
    assert_eq!(
        h.names(),
        {
            let mut v = vec![format!("{reg_key}.json"), format!("{tok_key}.json")];
            v.sort();
            v
        },
        "no lock or temp file is left"
    );
    let reg_text = std::fs::read_to_string(h.cache().join(format!("{reg_key}.json"))).unwrap();
    assert_eq!(
        reg_text,
        "{\"clientId\": \"client-1\", \"clientSecret\": \"csecret-1\", \"expiresAt\": \
         \"2100-01-01T00:00:00Z\", \"scopes\": [\"sso:account:access\"], \"grantTypes\": \
         [\"authorization_code\", \"refresh_token\"]}"
    );
    let tok = read_json(&out.token_path);
    assert_eq!(keys(&tok), credchain::testkit::sso::TOKEN_FILE_KEYS);
    assert_eq!(tok["accessToken"], "good-login-1");
    assert_eq!(tok["refreshToken"], "rt-login-1");
    assert_eq!(tok["registrationExpiresAt"], "2100-01-01T00:00:00Z");
    let left = out.expires_at.seconds_after(std::time::SystemTime::now());
    assert!((28_700.0..=28_800.0).contains(&left), "{left}");
    #[cfg(unix)]
    assert_eq!((mode(&out.token_path), mode(&h.cache())), (0o600, 0o700));
    // The browser landed on the "you can close this window" page.
    assert!(ui.landing().unwrap().contains("You can close this window"));
    // The authorize URL is botocore's shape, on the OIDC endpoint.
    let opened = ui.opened.lock().unwrap()[0].clone();
    assert!(
        opened.starts_with(&format!(
            "{}/authorize?response_type=code&client_id=client-1&redirect_uri=http%3A%2F%2F127.0.0.1%3A",
            h.sso.url()
        )),
        "{opened}"
    );
    assert!(
        opened
            .contains("&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=")
    );
    assert!(ui.said().contains(&opened));
    // The provider now resolves the role credentials with the new token.
    let creds = h.session("dev").get_credentials().unwrap().unwrap();
    let (ak, ..) = role_credentials_for("good-login-1", "Admin", "111122223333");
    assert_eq!(creds.access_key_id(), ak);
    // A second login reuses the registration (P-SSO-9) and logs in again.
    let out2 = h.login("dev", &pkce(), &Ui::new(Browser::Allow)).unwrap();
    assert!(out2.by_this_process && !out2.registered);
    assert_eq!(
        (h.sso.register_client_calls(), h.sso.tokens_issued()),
        (1, 2)
    );
    // No secret ever reached the user-facing or debug text.
    let all = format!(
        "{}{:?}{:?}",
        ui.said(),
        ui.debug.lock().unwrap(),
        ui.notes.lock().unwrap()
    );
    for secret in ["csecret-1", "good-login-1", "rt-login-1", "authcode-"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn forged_state_fails_the_login_and_writes_no_token() {
    let h = Home::new();
    let ui = Ui::new(Browser::ForgeState);
    let e = h.login("dev", &pkce(), &ui).unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string().as_str()),
        (
            "AuthorizationCodeLoadError",
            "Error loading authorization code: State parameter does not match expected value."
        )
    );
    assert!(ui.landing().unwrap().contains("does not match"));
    assert_eq!(h.sso.tokens_issued(), 0);
    assert!(
        !h.names()
            .iter()
            .any(|n| *n == format!("{}.json", token::sha1_hex("corp")))
    );
}

#[test]
fn denied_authorization_fails_clearly() {
    let h = Home::new();
    let e = h
        .login("dev", &pkce(), &Ui::new(Browser::Deny))
        .unwrap_err();
    assert_eq!(e.kind(), "AuthorizationCodeLoadError");
    assert!(e.to_string().contains("(access_denied)"), "{e}");
}

#[test]
fn listener_deadline_ends_the_login() {
    let h = Home::new();
    let mut opts = pkce();
    opts.callback_timeout = Duration::from_millis(400);
    let started = std::time::Instant::now();
    let e = h
        .login("dev", &opts, &Ui::new(Browser::Nothing))
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(e.kind(), "PendingAuthorizationExpiredError");
    assert!(
        e.to_string().starts_with(
            "The pending authorization to retrieve an SSO token has expired. The login flow to \
         retrieve an SSO token must be restarted. (no browser came back to http://127.0.0.1:"
        ),
        "{e}"
    );
}

#[test]
fn register_client_failure_is_the_services_error() {
    let h = Home::new();
    h.sso.fail_register_client(true);
    let e = h
        .login("dev", &pkce(), &Ui::new(Browser::Allow))
        .unwrap_err();
    assert_eq!(e.kind(), "InvalidClientMetadataException");
    assert_eq!(
        e.to_string(),
        "An error occurred (InvalidClientMetadataException) when calling the RegisterClient \
         operation: Client metadata is invalid"
    );
    assert!(h.names().is_empty(), "{:?}", h.names());
}

fn device(h: &Home, profile: &str, script: DeviceScript) -> Result<LoginOutcome, Error> {
    h.sso.set_device_script(Some(script));
    h.login(
        profile,
        &LoginOptions::new(Flow::DeviceCode, false),
        &Ui::new(Browser::Nothing),
    )
}

#[test]
fn device_flow_honours_slow_down_and_pending() {
    let h = Home::new();
    let out = device(
        &h,
        "dev",
        DeviceScript {
            slow_down: 2,
            pending: 3,
            then: DeviceOutcome::Approve,
        },
    )
    .unwrap();
    // interval 1; two slow_downs make it 11 (botocore: +5 each); botocore
    // polls once before the prompt and once right after it, then sleeps
    // between polls.
    assert_eq!(h.sleep.calls(), vec![Duration::from_secs(11); 4]);
    assert_eq!(h.sso.start_device_authorization_calls(), 1);
    let tok = read_json(&out.token_path);
    assert_eq!(tok["accessToken"], "good-login-1");
    // The device registration: no grantTypes; scopes because configured.
    let scopes = ["sso:account:access".to_owned()];
    let reg_key =
        token::registration_cache_key(START_URL, "us-east-1", Some(&scopes), Some("corp"));
    let reg = read_json(&h.cache().join(format!("{reg_key}.json")));
    assert_eq!(
        keys(&reg),
        ["clientId", "clientSecret", "expiresAt", "scopes"]
    );
    // A PKCE login then needs its own registration (botocore checks the
    // grant types of a cached one).
    let out = h.login("dev", &pkce(), &Ui::new(Browser::Allow)).unwrap();
    assert!(out.registered);
    assert_eq!(h.sso.register_client_calls(), 2);
}

#[test]
fn device_flow_expired_and_denied() {
    let h = Home::new();
    let e = device(
        &h,
        "dev",
        DeviceScript {
            slow_down: 0,
            pending: 2,
            then: DeviceOutcome::Expire,
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), "PendingAuthorizationExpiredError");
    assert_eq!(
        e.to_string(),
        "The pending authorization to retrieve an SSO token has expired. The login flow to \
         retrieve an SSO token must be restarted."
    );
    let e = device(
        &h,
        "dev",
        DeviceScript {
            slow_down: 0,
            pending: 1,
            then: DeviceOutcome::Deny,
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), "AccessDeniedException");
    assert_eq!(h.sso.tokens_issued(), 0);
    assert!(
        !h.names()
            .iter()
            .any(|n| *n == format!("{}.json", token::sha1_hex("corp")))
    );
}

#[test]
fn device_wait_is_bounded_by_expires_in() {
    let h = Home::new();
    // Never approved: the fake's expiresIn is 600 s at interval 1 s.
    let e = device(
        &h,
        "dev",
        DeviceScript {
            slow_down: 0,
            pending: usize::MAX,
            then: DeviceOutcome::Approve,
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), "PendingAuthorizationExpiredError");
    assert!(
        e.to_string().contains("was not approved within 600 s"),
        "{e}"
    );
    let total: Duration = h.sleep.calls().iter().sum();
    assert_eq!(total, Duration::from_secs(600));
}

/// `StartDeviceAuthorization`'s `interval` and `expiresIn` are the
/// service's word, not trusted as is: an interval is clamped to 1..=60 s
/// (slow-downs included), the wait to 600 s, and an `expiresIn` past
/// Python's `datetime` range is botocore's `OverflowError`.
#[test]
fn device_flow_clamps_hostile_interval_and_expires_in() {
    let pending = |n| DeviceScript {
        slow_down: 0,
        pending: n,
        then: DeviceOutcome::Approve,
    };
    // interval 0 would busy-poll: every sleep is at least 1 s.
    let h = Home::new();
    h.sso
        .set_device_answer_fields(serde_json::json!({"interval": 0, "expiresIn": 300}));
    device(&h, "dev", pending(5)).unwrap();
    assert_eq!(h.sleep.calls(), vec![Duration::from_secs(1); 4]);

    // A huge interval (and slow-downs on top of it) sleeps 60 s at most.
    let h = Home::new();
    h.sso
        .set_device_answer_fields(serde_json::json!({"interval": u64::MAX}));
    let script = DeviceScript {
        slow_down: 2,
        pending: 1,
        then: DeviceOutcome::Approve,
    };
    device(&h, "dev", script).unwrap();
    assert_eq!(h.sleep.calls(), vec![Duration::from_secs(60); 2]);

    // A huge expiresIn with interval 0 still ends after 600 s of sleeps,
    // the last one cut to what is left.
    let h = Home::new();
    h.sso.set_device_answer_fields(
        serde_json::json!({"interval": 0, "expiresIn": 1_000_000_000_u64}),
    );
    let e = device(&h, "dev", pending(usize::MAX)).unwrap_err();
    assert_eq!(e.kind(), "PendingAuthorizationExpiredError");
    let calls = h.sleep.calls();
    assert_eq!(calls.len(), 600);
    assert_eq!(calls.iter().sum::<Duration>(), Duration::from_secs(600));
    let h = Home::new();
    h.sso
        .set_device_answer_fields(serde_json::json!({"interval": 7, "expiresIn": 20}));
    let e = device(&h, "dev", pending(usize::MAX)).unwrap_err();
    assert_eq!(e.kind(), "PendingAuthorizationExpiredError");
    assert_eq!(h.sleep.calls(), [7, 7, 6].map(Duration::from_secs).to_vec());

    // Out of datetime's range: OverflowError before any poll or sleep.
    let h = Home::new();
    h.sso
        .set_device_answer_fields(serde_json::json!({"expiresIn": u64::MAX}));
    let e = device(&h, "dev", pending(0)).unwrap_err();
    assert_eq!(e.kind(), "OverflowError");
    assert!(h.sleep.calls().is_empty());
    assert_eq!(h.sso.create_token_calls(), 0);
}

#[test]
fn legacy_profile_logs_in_with_the_device_flow() {
    let h = Home::new();
    let out = device(
        &h,
        "legacy",
        DeviceScript {
            slow_down: 0,
            pending: 0,
            then: DeviceOutcome::Approve,
        },
    )
    .unwrap();
    assert_eq!(
        out.token_path,
        h.cache()
            .join(format!("{}.json", token::sha1_hex(START_URL)))
    );
    let reg_req = h
        .sso
        .requests()
        .into_iter()
        .find(|r| r.path == "/client/register")
        .unwrap();
    let body: Json = serde_json::from_slice(&reg_req.body).unwrap();
    // botocore-client-<epoch seconds>, no scopes.
    let name = body["clientName"].as_str().unwrap();
    assert!(
        name.strip_prefix("botocore-client-")
            .unwrap()
            .parse::<u64>()
            .is_ok(),
        "{name}"
    );
    assert_eq!(
        keys(body.as_object().unwrap()),
        ["clientName", "clientType"]
    );
    let reg_key = token::registration_cache_key(START_URL, "us-east-1", None, None);
    let reg = read_json(&h.cache().join(format!("{reg_key}.json")));
    assert_eq!(keys(&reg), ["clientId", "clientSecret", "expiresAt"]);
    // Approved before the prompt: no sleep at all.
    assert!(h.sleep.calls().is_empty());
    let creds = h.session("legacy").get_credentials().unwrap().unwrap();
    let (ak, ..) = role_credentials_for("good-login-1", "Admin", "111122223333");
    assert_eq!(creds.access_key_id(), ak);
}

// ---------------------------------------------------------------------------
// Differentials: the AWS CLI v2's own SSOTokenFetcher, and botocore.

/// Runs the AWS CLI v2's device login (`tests/differential/sso_login_v2.py`)
/// in `h`'s HOME. `false` (and one skip line) when the AWS CLI v2 is not
/// installed (Debian: `apt-get install awscli`), unless
/// `CREDCHAIN_REQUIRE_AWSCLI_V2=1`.
#[allow(clippy::print_stderr)] // the skip line
fn aws_cli_v2_login(h: &Home) -> bool {
    let python =
        std::env::var("CREDCHAIN_AWSCLI_V2_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential/sso_login_v2.py");
    let input = serde_json::json!({"home": h.dir.path(), "endpoint": h.sso.url(),
        "start_url": START_URL, "region": "us-east-1", "session_name": "corp",
        "scopes": ["sso:account:access"]});
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(input.to_string())
        .output();
    match out {
        Ok(o) if o.status.success() => true,
        Ok(o) if o.status.code() != Some(3) => panic!(
            "the AWS CLI v2's login failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        _ => {
            assert!(
                std::env::var_os("CREDCHAIN_REQUIRE_AWSCLI_V2").is_none_or(|v| v != "1"),
                "CREDCHAIN_REQUIRE_AWSCLI_V2=1 but {python} cannot import the AWS CLI v2"
            );
            eprintln!(
                "AWS CLI v2 login differential skipped: {python} cannot import awscli v2 \
                 (apt-get install awscli)"
            );
            false
        }
    }
}

fn approve_at_once(h: &Home) {
    h.sso.set_device_script(Some(DeviceScript {
        slow_down: 0,
        pending: 1,
        then: DeviceOutcome::Approve,
    }));
}

fn files_of(h: &Home) -> (String, serde_json::Map<String, Json>) {
    let scopes = ["sso:account:access".to_owned()];
    let reg_key =
        token::registration_cache_key(START_URL, "us-east-1", Some(&scopes), Some("corp"));
    let reg = std::fs::read_to_string(h.cache().join(format!("{reg_key}.json"))).unwrap();
    let tok = read_json(&h.cache().join(format!("{}.json", token::sha1_hex("corp"))));
    (reg, tok)
}

#[test]
fn p_sso_9_device_login_files_are_the_aws_cli_v2s_and_each_reuses_the_others_registration() {
    let theirs = Home::new();
    approve_at_once(&theirs);
    if !aws_cli_v2_login(&theirs) {
        return;
    }
    let ours = Home::new();
    approve_at_once(&ours);
    let device = LoginOptions::new(Flow::DeviceCode, false);
    ours.login("dev", &device, &Ui::new(Browser::Nothing))
        .unwrap();
    // Same fake answers on both sides: the registration files are byte for
    // byte the same, the token files the same but for the clock.
    let (their_reg, their_tok) = files_of(&theirs);
    let (our_reg, our_tok) = files_of(&ours);
    assert_eq!(our_reg, their_reg);
    assert_eq!(keys(&our_tok), keys(&their_tok));
    for (k, v) in &their_tok {
        if k != "expiresAt" {
            assert_eq!(our_tok[k], *v, "{k}");
        }
    }
    let skew = token::parse_time(our_tok.get("expiresAt"), "expiresAt")
        .unwrap()
        .unix_seconds()
        - token::parse_time(their_tok.get("expiresAt"), "expiresAt")
            .unwrap()
            .unix_seconds();
    assert!((0..120).contains(&skew), "{skew}");
    // credchain reuses the AWS CLI's registration, and the AWS CLI ours.
    let out = theirs
        .login("dev", &device, &Ui::new(Browser::Nothing))
        .unwrap();
    assert!(!out.registered);
    assert_eq!(theirs.sso.register_client_calls(), 1);
    assert!(aws_cli_v2_login(&ours));
    assert_eq!(ours.sso.register_client_calls(), 1);
    assert_eq!(ours.sso.tokens_issued(), 2);
}

#[test]
fn p_sso_9_botocore_uses_and_refreshes_the_token_credchain_wrote() {
    if !crate::botocore_available("sso login differential") {
        return;
    }
    let h = Home::new();
    h.login("dev", &pkce(), &Ui::new(Browser::Allow)).unwrap();
    let code = "import json, os, sys, botocore.session, botocore.tokens\n\
        os.environ.clear(); os.environ.update(json.loads(sys.argv[1]))\n\
        botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR = os.path.join(os.environ['HOME'], '.aws', 'sso', 'cache')\n\
        s = botocore.session.Session(profile='dev')\n\
        c = s.get_credentials().get_frozen_credentials()\n\
        t = botocore.tokens.SSOTokenProvider(s).load_token().get_frozen_token()\n\
        print(json.dumps([c.access_key, t.token]))\n";
    let botocore = || {
        let env = serde_json::json!({"HOME": h.dir.path(), "AWS_ENDPOINT_URL_SSO": h.sso.url(),
            "AWS_ENDPOINT_URL_SSO_OIDC": h.sso.url(), "AWS_EC2_METADATA_DISABLED": "true"});
        let out = std::process::Command::new("python3")
            .args(["-c", code, &env.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Json>(&out.stdout).unwrap()
    };
    let (ak, ..) = role_credentials_for("good-login-1", "Admin", "111122223333");
    assert_eq!(botocore(), serde_json::json!([ak, "good-login-1"]));
    // Near expiry, botocore refreshes with the clientId, clientSecret and
    // refreshToken credchain's login wrote (P-SSO-6).
    let path = h.cache().join(format!("{}.json", token::sha1_hex("corp")));
    let mut doc = read_json(&path);
    doc.insert(
        "expiresAt".into(),
        Json::String(token::utc_z(
            std::time::SystemTime::now() + Duration::from_secs(300),
        )),
    );
    std::fs::write(&path, Json::Object(doc).to_string()).unwrap();
    let (ak, ..) = role_credentials_for("good-refreshed-rt-login-1", "Admin", "111122223333");
    assert_eq!(
        botocore(),
        serde_json::json!([ak, "good-refreshed-rt-login-1"])
    );
}
