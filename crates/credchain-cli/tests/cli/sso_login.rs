//! `credchain sso login` through the binary, against the loopback fake IAM
//! Identity Center (`credchain::testkit::sso`):
//!
//! * the device flow with `--no-browser`, completed by a test client that
//!   reads the user code from credchain's output and approves it on the
//!   fake's verification page; then `sso status` shows the session valid
//!   and the provider resolves the role credentials;
//! * ten parallel logins make **one** login (one `RegisterClient`, one
//!   `StartDeviceAuthorization`, one token); the others wait and succeed;
//! * PKCE with `BROWSER` set to a small Python browser that loads the
//!   authorize page and follows its Allow link, with `--debug` (no token,
//!   code, verifier, refresh token or client secret in any output);
//! * PKCE in a real headless Chromium driven through `chromedriver`
//!   (WebDriver): it loads the fake's authorize page, clicks Allow, is
//!   redirected to credchain's listener. Skipped with one line without
//!   Chromium, unless `CREDCHAIN_REQUIRE_CHROMIUM=1` (scripts/test.sh).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use credchain::http::{HttpClient, HttpMethod, Request, Timeouts};
use credchain::sso::token;
use credchain::testkit::LoopbackClient;
use credchain::testkit::sso::{FakeSso, role_credentials_for};
use serde_json::{Value as Json, json};

use crate::sso::CONFIG;
use crate::util::{CREDCHAIN, Run, TestEnv, on_path};

const START_URL: &str = "https://d-1.awsapps.com/start";

/// `sso login` for `dev`, device code flow, no browser.
const DEVICE_LOGIN: [&str; 6] = [
    "sso",
    "login",
    "--profile",
    "dev",
    "--use-device-code",
    "--no-browser",
];

fn env_for(sso: &FakeSso, config: &str) -> TestEnv {
    TestEnv::new()
        .config(config)
        .env("AWS_ENDPOINT_URL_SSO", &sso.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &sso.url())
}

fn http(method: HttpMethod, url: &str, body: Option<&Json>) -> (u16, String) {
    let mut req = Request::new(method, url);
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .with_body(b.to_string());
    }
    LoopbackClient::default()
        .send(&req, &Timeouts::botocore(Duration::from_secs(60)))
        .map_or_else(|e| (0, format!("{e}")), |r| (r.status, r.text()))
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

/// The test's "user": opens the verification URL and clicks Allow.
fn approve(sso: &FakeSso, verification_uri_complete: &str) {
    let (status, page) = http(HttpMethod::Get, verification_uri_complete, None);
    assert_eq!(status, 200, "{page}");
    let (status, page) = http(
        HttpMethod::Get,
        &format!("{}{}", sso.url(), link(&page, "allow")),
        None,
    );
    assert_eq!((status, page.contains("Request approved")), (200, true));
}

/// A running `credchain` whose stdout and stderr lines arrive on channels.
struct Live {
    child: Child,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
    seen_out: Vec<String>,
}

fn spawn(env: &TestEnv, args: &[&str]) -> Live {
    let mut child = env
        .command(Path::new(CREDCHAIN))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run credchain");
    let pipe = |r: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    };
    let out = pipe(Box::new(child.stdout.take().unwrap()));
    let err = pipe(Box::new(child.stderr.take().unwrap()));
    Live {
        child,
        out,
        err,
        seen_out: Vec::new(),
    }
}

impl Live {
    /// Reads stdout until a line satisfies `f`; that line.
    fn until(&mut self, f: impl Fn(&str) -> bool) -> String {
        loop {
            let line = self
                .out
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no such line; stdout so far: {:?}", self.seen_out));
            self.seen_out.push(line.clone());
            if f(&line) {
                return line;
            }
        }
    }
    fn finish(mut self) -> Run {
        let status = self.child.wait().unwrap();
        let mut stdout = self.seen_out.join("\n");
        for l in &self.out {
            stdout.push('\n');
            stdout.push_str(&l);
        }
        stdout.push('\n');
        let stderr: String = self.err.iter().map(|l| l + "\n").collect();
        Run {
            what: "credchain sso login".into(),
            stdout,
            stderr,
            code: status.code().unwrap_or(-1),
        }
    }
}

fn cache_names(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.home().join(".aws/sso/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn assert_session_valid_and_usable(env: &TestEnv, access_token: &str) {
    let status = env.credchain(&["sso", "status", "--output", "json"]);
    status.expect_code(0);
    let rows = status.json();
    assert_eq!(rows[0]["session"], "corp");
    assert_eq!(rows[0]["status"], "valid", "{rows}");
    assert_eq!(rows[0]["refreshable"], true);
    let run = env.credchain(&["--profile", "dev", "configure", "export-credentials"]);
    run.expect_code(0);
    let (ak, ..) = role_credentials_for(access_token, "Admin", "111122223333");
    assert!(run.stdout.contains(&ak), "{}", run.stdout);
}

const SECRETS: [&str; 5] = [
    "csecret-",
    "good-login",
    "rt-login",
    "devcode-",
    "authcode-",
];

fn assert_no_secrets(run: &Run) {
    for s in SECRETS {
        assert!(
            !run.combined().contains(s),
            "{s} leaked:\n{}",
            run.combined()
        );
    }
}

#[test]
fn device_login_no_browser_approved_by_a_test_client() {
    let sso = FakeSso::start();
    let env = env_for(&sso, CONFIG);
    // The cleared environment has no DISPLAY: credchain picks the device
    // flow on its own and says why.
    let mut live = spawn(
        &env,
        &[
            "sso",
            "login",
            "--profile",
            "dev",
            "--no-browser",
            "--debug",
        ],
    );
    let complete = live.until(|l| l.contains("/device?user_code="));
    approve(&sso, &complete);
    let run = live.finish();
    run.expect_code(0);
    let url = sso.url();
    assert_eq!(
        run.stdout,
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n\
             {url}/device\n\nThen enter the code:\n\nABCD-0001\n\nAlternatively, you may visit \
             the following URL which will autofill the code upon loading:\n\
             {url}/device?user_code=ABCD-0001\nSuccessfully logged into Start URL: {START_URL}\n"
        )
    );
    assert!(
        run.stderr
            .contains("using the device code flow: there is no graphical display"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("The token expires at "),
        "{}",
        run.stderr
    );
    // stderr is a pipe here: no progress indicator.
    assert!(!run.stderr.contains("waiting for the authorization"));
    assert_no_secrets(&run);
    assert_eq!(
        (
            sso.register_client_calls(),
            sso.start_device_authorization_calls(),
            sso.tokens_issued()
        ),
        (1, 1, 1)
    );
    // Token file (P-SSO-3/4 key and field order) and registration (P-SSO-9).
    let tok_path = env
        .home()
        .join(format!(".aws/sso/cache/{}.json", token::sha1_hex("corp")));
    let tok: serde_json::Map<String, Json> =
        serde_json::from_slice(&std::fs::read(&tok_path).unwrap()).unwrap();
    assert_eq!(
        tok.keys().map(String::as_str).collect::<Vec<_>>(),
        credchain::testkit::sso::TOKEN_FILE_KEYS
    );
    let reg = token::registration_cache_key(START_URL, "us-east-1", None, Some("corp"));
    assert_eq!(cache_names(&env), {
        let mut v = vec![
            format!("{reg}.json"),
            format!("{}.json", token::sha1_hex("corp")),
        ];
        v.sort();
        v
    });
    assert_session_valid_and_usable(&env, "good-login-1");
}

#[cfg(unix)]
#[test]
fn progress_indicator_on_a_terminal() {
    let sso = FakeSso::start();
    let env = env_for(&sso, CONFIG);
    let mut cmd = env.command(Path::new(CREDCHAIN));
    cmd.args(DEVICE_LOGIN);
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    p.exp_string("Then enter the code:").expect("the code");
    // Unapproved: credchain polls every second and draws its spinner.
    p.exp_string("waiting for the authorization")
        .expect("spinner");
    assert!(sso.approve_user_code("ABCD-0001"));
    p.exp_string(&format!("Successfully logged into Start URL: {START_URL}"))
        .expect("success");
    p.exp_eof().expect("eof");
    assert_eq!(sso.tokens_issued(), 1);
}

#[test]
fn ten_parallel_logins_make_one_login() {
    let sso = FakeSso::start();
    let env = env_for(&sso, CONFIG);
    let lives: Vec<Live> = (0..10).map(|_| spawn(&env, &DEVICE_LOGIN)).collect();
    // The user approves the one code shown once every process has started
    // (the others are then waiting for the login lock).
    let deadline = Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(c) = sso.pending_user_codes().first() {
            break c.clone();
        }
        assert!(Instant::now() < deadline, "no user code was issued");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(1500));
    approve(&sso, &format!("{}/device?user_code={code}", sso.url()));
    let runs: Vec<Run> = lives.into_iter().map(Live::finish).collect();
    let mut waited = 0;
    for run in &runs {
        run.expect_code(0);
        assert!(
            run.stdout.ends_with(&format!(
                "Successfully logged into Start URL: {START_URL}\n"
            )),
            "{}",
            run.stdout
        );
        if run.stderr.contains("finished while this one waited") {
            assert!(
                run.stderr.contains(&format!(
                    "waiting for another credchain to finish logging in to {START_URL}"
                )),
                "{}",
                run.stderr
            );
            waited += 1;
        }
    }
    assert_eq!(waited, 9);
    assert_eq!(
        (
            sso.register_client_calls(),
            sso.start_device_authorization_calls(),
            sso.tokens_issued()
        ),
        (1, 1, 1)
    );
    // No lock or temp file is left beside the token and registration.
    assert_eq!(cache_names(&env).len(), 2, "{:?}", cache_names(&env));
    assert_session_valid_and_usable(&env, "good-login-1");
}

/// A `BROWSER` that follows the authorize page's Allow link with Python's
/// urllib (a browser's GETs, without a browser).
fn python_browser(env: &TestEnv) -> PathBuf {
    let py = on_path("python3").expect("python3 on PATH");
    let script = format!(
        "#!{}\nimport re, sys, urllib.request\n\
         page = urllib.request.urlopen(sys.argv[1]).read().decode()\n\
         href = re.search(r'id=\"allow\" href=\"([^\"]*)\"', page).group(1).replace('&amp;', '&')\n\
         open(sys.argv[0] + '.landing', 'w').write(urllib.request.urlopen(href).read().decode())\n",
        py.display()
    );
    let path = env.write("browser.py", script);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

#[test]
fn pkce_login_with_browser_env_and_debug_leaks_nothing() {
    let sso = FakeSso::start();
    let env0 = env_for(&sso, CONFIG);
    let browser = python_browser(&env0);
    let env = env0.env("BROWSER", browser.to_str().unwrap());
    let run = env.credchain(&["sso", "login", "--profile", "dev", "--debug"]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(
            "Attempting to open your default browser. If the browser does not open, open the \
             following URL.\nIf you are unable to open the URL on this device, run this command \
             again with the '--use-device-code' option.\n\n"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with(&format!(
        "Successfully logged into Start URL: {START_URL}\n"
    )));
    assert!(
        run.stderr
            .contains("debug: sso login: pkce flow for sso-session corp"),
        "{}",
        run.stderr
    );
    assert_no_secrets(&run);
    assert!(!run.combined().contains("codeVerifier"));
    let landing = std::fs::read_to_string(format!("{}.landing", browser.display())).unwrap();
    assert!(landing.contains("You can close this window"), "{landing}");
    assert_eq!((sso.register_client_calls(), sso.tokens_issued()), (1, 1));
    assert_session_valid_and_usable(&env, "good-login-1");
}

#[test]
fn login_errors_are_clear() {
    let sso = FakeSso::start();
    let env = env_for(
        &sso,
        &format!("{CONFIG}[profile keys]\naws_access_key_id = A\naws_secret_access_key = B\n"),
    );
    let run = env.credchain(&["sso", "login", "--profile", "keys"]);
    run.expect_code(255);
    assert_eq!(
        run.stderr,
        "error: Missing the following required SSO configuration values: sso_start_url, \
         sso_region. [profile keys] has neither `sso_session` nor `sso_start_url`, so there is \
         nothing to log in to.\n"
    );
    let run = env.credchain(&["sso", "login", "--sso-session", "nope"]);
    run.expect_code(255);
    assert_eq!(
        run.stderr,
        "error: The specified sso-session does not exist: \"nope\"\n"
    );
    sso.fail_register_client(true);
    let run = env.credchain(&["sso", "login", "--profile", "dev", "--no-browser"]);
    run.expect_code(255);
    assert!(
        run.stderr.ends_with(
            "error: An error occurred (InvalidClientMetadataException) when calling the \
             RegisterClient operation: Client metadata is invalid\n"
        ),
        "{}",
        run.stderr
    );
    // The missing-token hint names this command.
    let run = env.credchain(&["--profile", "dev", "configure", "export-credentials"]);
    assert!(
        run.stderr
            .contains("To log in run credchain sso login --sso-session corp"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------
// Headless Chromium through WebDriver.

/// Whether Chromium and chromedriver are installed; else one skip line
/// (a failure with `CREDCHAIN_REQUIRE_CHROMIUM=1`).
#[allow(clippy::print_stderr)] // the skip line
fn chromium() -> Option<(PathBuf, PathBuf)> {
    let found = on_path("chromedriver").zip(
        ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| on_path("chromium")),
    );
    if found.is_none() {
        assert!(
            std::env::var_os("CREDCHAIN_REQUIRE_CHROMIUM").is_none_or(|v| v != "1"),
            "CREDCHAIN_REQUIRE_CHROMIUM=1 but chromium/chromedriver are not installed"
        );
        eprintln!(
            "PKCE in Chromium skipped: chromium and chromedriver are not installed \
             (apt-get install -y chromium chromium-driver)"
        );
    }
    found.map(|(driver, chrome)| (chrome, driver))
}

/// A chromedriver process and one headless session; both end on drop.
struct WebDriver {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl WebDriver {
    fn start(chrome: &Path, chromedriver: &Path) -> WebDriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = std::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !http(HttpMethod::Get, &format!("{base}/status"), None)
            .1
            .contains("\"ready\":true")
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": chrome.to_str().unwrap(), "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-proxy-server",
                format!("--user-data-dir={}", profile.path().display())]}}}});
        let (status, body) = http(HttpMethod::Post, &format!("{base}/session"), Some(&caps));
        let mut wd = WebDriver {
            driver,
            base,
            session: String::new(),
            _profile: profile,
        };
        assert_eq!(status, 200, "new session: {body}");
        let v: Json = serde_json::from_str(&body).unwrap();
        v["value"]["sessionId"]
            .as_str()
            .unwrap()
            .clone_into(&mut wd.session);
        // Element lookups wait for a navigation (the click's redirect) to end.
        wd.call(
            HttpMethod::Post,
            "/timeouts",
            Some(&json!({"implicit": 10_000})),
        );
        wd
    }
    fn call(&self, method: HttpMethod, path: &str, body: Option<&Json>) -> Json {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let (status, text) = http(method, &url, body);
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str::<Json>(&text).unwrap()["value"].clone()
    }
    fn goto(&self, url: &str) {
        self.call(HttpMethod::Post, "/url", Some(&json!({"url": url})));
    }
    fn element(&self, css: &str) -> String {
        let v = self.call(
            HttpMethod::Post,
            "/element",
            Some(&json!({"using": "css selector", "value": css})),
        );
        v["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {v}"))
            .to_owned()
    }
    fn click(&self, css: &str) {
        let id = self.element(css);
        self.call(
            HttpMethod::Post,
            &format!("/element/{id}/click"),
            Some(&json!({})),
        );
    }
    fn text(&self, css: &str) -> String {
        let id = self.element(css);
        self.call(HttpMethod::Get, &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        // DELETE /session/ID (credchain's client has no DELETE): the
        // browser quits with its session.
        if !self.session.is_empty()
            && let Ok(mut s) = std::net::TcpStream::connect(self.base.trim_start_matches("http://"))
        {
            use std::io::{Read as _, Write as _};
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n",
                self.session
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn pkce_login_in_headless_chromium() {
    let Some((chrome, chromedriver)) = chromium() else {
        return;
    };
    let sso = FakeSso::start();
    let env0 = env_for(&sso, CONFIG);
    // BROWSER hands the URL to the test, which drives Chromium with it.
    let url_file = env0.home().join("authorize-url");
    let opener = env0.write(
        "open-url.sh",
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", url_file.display()),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let env = env0.env("BROWSER", opener.to_str().unwrap());
    let live = spawn(&env, &["sso", "login", "--profile", "dev"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        if let Ok(u) = std::fs::read_to_string(&url_file)
            && !u.is_empty()
        {
            break u;
        }
        assert!(Instant::now() < deadline, "credchain opened no browser");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(url.starts_with(&format!("{}/authorize?response_type=code&", sso.url())));
    let wd = WebDriver::start(&chrome, &chromedriver);
    wd.goto(&url);
    wd.click("#allow");
    // Chromium is now on credchain's listener's page.
    let text = wd.text("#result");
    assert!(text.contains("You can close this window"), "{text}");
    drop(wd);
    let run = live.finish();
    run.expect_code(0);
    assert!(run.stdout.ends_with(&format!(
        "Successfully logged into Start URL: {START_URL}\n"
    )));
    assert_no_secrets(&run);
    assert_eq!((sso.register_client_calls(), sso.tokens_issued()), (1, 1));
    assert_session_valid_and_usable(&env, "good-login-1");
}
