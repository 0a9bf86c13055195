//! Issue 13: `credchain serve`. botocore and the AWS CLI v1 resolve
//! through it (`container-role`, and `iam-role` with `--imds`) to the
//! keys credchain resolves directly; a wrong token is botocore's 401
//! error; short-lived role credentials from a fake STS are refreshed, and
//! the request log never shows a token.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use credchain::testkit::{Reply, TestServer};

use crate::util::{CREDCHAIN, Run, TestEnv};

const DEV: &str = "[profile dev]\naws_access_key_id = AKIDEVEXAMPLE\n\
    aws_secret_access_key = devsecretEXAMPLE\naws_session_token = devtokenEXAMPLE\n\
    region = eu-west-1\n";

/// A running `credchain serve` and the variables it printed.
struct Served {
    child: Child,
    vars: Vec<(String, String)>,
}

impl Served {
    fn start(env: &TestEnv, args: &[&str]) -> Served {
        let mut cmd = env.command(Path::new(CREDCHAIN));
        cmd.arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start credchain serve");
        let lines = if args.contains(&"--imds") { 1 } else { 2 };
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut vars = Vec::new();
        for _ in 0..lines {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            let (k, v) = line
                .trim_end()
                .split_once('=')
                .unwrap_or_else(|| panic!("not NAME=value: {line:?}"));
            vars.push((k.to_owned(), v.to_owned()));
        }
        Served { child, vars }
    }

    fn var(&self, name: &str) -> &str {
        &self.vars.iter().find(|(k, _)| k == name).unwrap().1
    }

    /// SIGTERM; the exit code and stderr.
    fn stop(mut self) -> (Option<i32>, String) {
        // The shell's own `kill` (no procps needed).
        Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.child.id())])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.code(), err)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// botocore in a process pointed at `served` (its variables added, the
/// profile variables and the metadata switch cleared).
fn botocore(env: &TestEnv, served: &Served, code: &str) -> Run {
    let mut cmd = env.command(Path::new("python3"));
    cmd.env_remove("AWS_EC2_METADATA_DISABLED");
    for (k, v) in &served.vars {
        cmd.env(k, v);
    }
    cmd.args(["-c", code]);
    run(cmd, "python3")
}

fn run(mut cmd: Command, what: &str) -> Run {
    let out = cmd.stdin(Stdio::null()).output().expect("run");
    Run {
        what: what.to_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

const FROZEN: &str = "import botocore.session as s; c = s.Session().get_credentials(); \
    f = c.get_frozen_credentials(); print(c.method, f.access_key, f.secret_key, f.token)";

/// What credchain resolves directly, as `method key secret token`.
fn direct(env: &TestEnv, method: &str) -> String {
    let run = env.credchain(&["--profile", "dev", "configure", "export-credentials"]);
    run.expect_code(0);
    let j = run.json();
    format!(
        "{method} {} {} {}\n",
        j["AccessKeyId"].as_str().unwrap(),
        j["SecretAccessKey"].as_str().unwrap(),
        j["SessionToken"].as_str().unwrap()
    )
}

#[test]
fn botocore_and_the_aws_cli_resolve_through_the_container_endpoint() {
    let env = TestEnv::new().config(DEV);
    let served = Served::start(&env, &["--profile", "dev"]);
    let uri = served.var("AWS_CONTAINER_CREDENTIALS_FULL_URI").to_owned();
    assert!(uri.starts_with("http://127.0.0.1:") && uri.ends_with("/credentials"));
    assert_eq!(served.var("AWS_CONTAINER_AUTHORIZATION_TOKEN").len(), 64);

    let through = botocore(&env, &served, FROZEN);
    through.expect_code(0);
    assert_eq!(through.stdout, direct(&env, "container-role"));

    // The AWS CLI v1 (botocore's chain, its own process): method and key.
    let mut aws = env.command(&crate::util::aws_cli());
    aws.env_remove("AWS_EC2_METADATA_DISABLED");
    for (k, v) in &served.vars {
        aws.env(k, v);
    }
    aws.args(["configure", "list"]);
    let list = run(aws, "aws configure list");
    list.expect_code(0);
    let row = list
        .stdout
        .lines()
        .find(|l| l.contains("access_key"))
        .unwrap();
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["access_key", "****************MPLE", "container-role"],
        "{}",
        list.stdout
    );
    let (code, _) = served.stop();
    assert_eq!(code, Some(0), "SIGTERM stops serve cleanly");
}

#[test]
fn botocore_and_the_aws_cli_resolve_through_imds() {
    let env = TestEnv::new().config(DEV);
    let served = Served::start(&env, &["--profile", "dev", "--imds"]);
    assert!(
        served
            .var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .starts_with("http://127.0.0.1:")
    );
    let through = botocore(&env, &served, FROZEN);
    through.expect_code(0);
    assert_eq!(through.stdout, direct(&env, "iam-role"));

    let mut aws = env.command(&crate::util::aws_cli());
    aws.env_remove("AWS_EC2_METADATA_DISABLED");
    for (k, v) in &served.vars {
        aws.env(k, v);
    }
    aws.args(["configure", "list"]);
    let list = run(aws, "aws configure list");
    list.expect_code(0);
    assert!(
        list.stdout
            .contains("****************MPLE         iam-role"),
        "{}",
        list.stdout
    );
    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("warning: IMDS has no client secret"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_token_is_a_401_and_botocores_error() {
    let env = TestEnv::new().config(DEV);
    let served = Served::start(&env, &["--profile", "dev"]);
    let mut cmd = env.command(Path::new("python3"));
    cmd.env(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        served.var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    )
    .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "0".repeat(64))
    .args(["-c", FROZEN]);
    let r = run(cmd, "python3");
    assert_eq!(r.code, 1);
    // botocore 1.43.11, P-CONT-4: three attempts, then this.
    assert!(
        r.stderr.trim_end().ends_with(
            "botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials \
             from container-role: Error retrieving metadata: Received non 200 response 401 \
             from container metadata:"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn the_debug_log_shows_requests_never_the_token_or_keys() {
    let env = TestEnv::new().config(DEV);
    let served = Served::start(&env, &["--profile", "dev", "--debug"]);
    botocore(&env, &served, FROZEN).expect_code(0);
    let token = served.var("AWS_CONTAINER_AUTHORIZATION_TOKEN").to_owned();
    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("debug: serve: GET credentials -> 200"),
        "{stderr}"
    );
    for secret in [token.as_str(), "devsecretEXAMPLE", "devtokenEXAMPLE"] {
        assert!(!stderr.contains(secret), "{secret} in:\n{stderr}");
    }
}

#[test]
fn no_credentials_is_an_error_before_anything_is_printed() {
    let env = TestEnv::new();
    let run = env.credchain(&["serve"]);
    run.expect_code(255);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: Unable to locate credentials")
    );
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let env = TestEnv::new().config(DEV);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = env.credchain(&["serve", "--profile", "dev", "--port", &port]);
    run.expect_code(255);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with(&format!("error: cannot listen on 127.0.0.1:{port}:")),
        "{}",
        run.stderr
    );
}

/// `2026-11-29T17:14:00Z`, `secs` from now.
fn zulu_in(secs: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t =
        credchain::time::Timestamp::from_system_time(UNIX_EPOCH + Duration::from_secs(now + secs));
    format!("{}Z", t.to_string().trim_end_matches("+00:00"))
}

#[test]
fn short_lived_role_credentials_from_a_fake_sts_are_refreshed_and_never_expired() {
    // Each AssumeRole answer is valid for 14 minutes: inside botocore's
    // 15-minute advisory window, so every use refreshes (P-REF-1).
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let sts = TestServer::start(move |req, _| {
        if !String::from_utf8_lossy(&req.body).contains("Action=AssumeRole") {
            return Reply::Respond(400, "unexpected".into());
        }
        let n = c.fetch_add(1, Ordering::SeqCst);
        Reply::Respond(
            200,
            format!(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <AssumeRoleResult><Credentials><AccessKeyId>ASIAFETCH{n}</AccessKeyId>\
                 <SecretAccessKey>secret{n}</SecretAccessKey><SessionToken>token{n}</SessionToken>\
                 <Expiration>{}</Expiration></Credentials>\
                 <AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>\
                 <Arn>arn:aws:sts::123456789012:assumed-role/Deploy/x</Arn></AssumedRoleUser>\
                 </AssumeRoleResult></AssumeRoleResponse>",
                zulu_in(14 * 60)
            ),
        )
    });
    let env = TestEnv::new()
        .config(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Deploy\n\
             source_profile = base\nregion = us-east-1\n[profile base]\n\
             aws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n",
        )
        .env("AWS_ENDPOINT_URL_STS", &sts.url(""));
    let served = Served::start(&env, &["--profile", "dev"]);
    let fetched_at_start = calls.load(Ordering::SeqCst);
    assert_eq!(fetched_at_start, 1, "serve fetches once before printing");
    let doc = "import json, urllib.request, os; \
        r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], \
        headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}); \
        d = json.load(urllib.request.urlopen(r)); \
        import datetime; exp = datetime.datetime.strptime(d['Expiration'], '%Y-%m-%dT%H:%M:%SZ'); \
        left = (exp - datetime.datetime.utcnow()).total_seconds(); \
        print(d['AccessKeyId'], d['RoleArn'], 800 < left <= 840)";
    let first = botocore(&env, &served, doc);
    first.expect_code(0);
    let second = botocore(&env, &served, doc);
    second.expect_code(0);
    // Every answer is a fresh set, 14 minutes from expiry, never an old one.
    assert_eq!(
        first.stdout,
        "ASIAFETCH1 arn:aws:iam::123456789012:role/Deploy True\n"
    );
    assert_eq!(
        second.stdout,
        "ASIAFETCH2 arn:aws:iam::123456789012:role/Deploy True\n"
    );
    // botocore itself: its container provider loads set 3, and since that
    // set too is inside its own advisory window, `get_frozen_credentials`
    // refreshes once more through the endpoint: set 4.
    let through = botocore(&env, &served, FROZEN);
    through.expect_code(0);
    assert_eq!(through.stdout, "container-role ASIAFETCH4 secret4 token4\n");
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[test]
fn serve_with_nowhere_to_print_its_variables_stops() {
    let env = TestEnv::new().config(DEV);
    // A failed write: nobody could ever use the endpoint.
    let mut cmd = env.command(Path::new("sh"));
    cmd.args(["-c", "\"$0\" serve --profile dev > /dev/full", CREDCHAIN]);
    let r = run(cmd, "serve > /dev/full");
    assert_eq!(r.code, 255, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "error: writing to stdout: No space left on device (os error 28)\n"
    );
}
