//! Loading the public SigV4 vectors and driving botocore's signer.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use credchain_sigv4::{
    Credentials, Flavor, Payload, Request, SigningParams, SigningSteps, SigningTime, presign,
    sign_headers,
};
use serde_json::{Value, json};

/// The workspace root (two levels above this crate).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$CREDCHAIN_VECTORS`, else `<workspace>/../shared/vectors`; `None` (with a skip line
/// printed) when the directory does not exist.
pub(crate) fn vectors_root() -> Option<PathBuf> {
    let root = std::env::var_os("CREDCHAIN_VECTORS")
        .map_or_else(|| workspace_root().join("../shared/vectors"), PathBuf::from);
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!(
            "SKIP: SigV4 vectors not found at {} (set CREDCHAIN_VECTORS)",
            root.display()
        );
        None
    }
}

/// Header or query (presigned URL) signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `Authorization` header.
    Header,
    /// Presigned URL.
    Query,
}

impl Mode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Header => "header",
            Mode::Query => "query",
        }
    }
}

/// One signing input, in the shape `sigv4_diff.py` reads.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) unsigned: bool,
    pub(crate) flavor: Flavor,
    pub(crate) mode: Mode,
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
    pub(crate) token: Option<String>,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) time: u64,
    pub(crate) expires: u64,
}

/// Our result for a case: the steps plus the header list or query after signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ours {
    pub(crate) steps: SigningSteps,
    pub(crate) authorization: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Option<String>,
}

impl Case {
    pub(crate) fn to_json(&self) -> Value {
        let mut body_hex = String::new();
        for b in &self.body {
            let _ = write!(body_hex, "{b:02x}");
        }
        json!({
            "method": self.method,
            "url": self.url,
            "headers": self.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
            "body_hex": body_hex,
            "payload": if self.unsigned { "unsigned" } else { "bytes" },
            "flavor": match self.flavor { Flavor::S3 => "s3", _ => "standard" },
            "mode": self.mode.as_str(),
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "token": self.token,
            "region": self.region,
            "service": self.service,
            "time": self.time,
            "expires": self.expires,
        })
    }

    pub(crate) fn sign(&self) -> Result<Ours, credchain_sigv4::SigningError> {
        let creds = Credentials::new(&*self.access_key, &*self.secret_key, self.token.clone());
        let params = SigningParams {
            credentials: &creds,
            region: &self.region,
            service: &self.service,
            time: SigningTime::from_unix_seconds(self.time)?,
            flavor: self.flavor,
        };
        let request = Request {
            method: &self.method,
            uri: &self.url,
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect(),
            payload: if self.unsigned {
                Payload::Unsigned
            } else {
                Payload::Bytes(&self.body)
            },
        };
        match self.mode {
            Mode::Header => {
                let out = sign_headers(&request, &params)?;
                let mut headers = self.headers.clone();
                out.apply_to(&mut headers);
                Ok(Ours {
                    steps: out.steps().clone(),
                    authorization: Some(out.authorization().to_owned()),
                    headers,
                    query: None,
                })
            }
            Mode::Query => {
                let out = presign(&request, &params, self.expires)?;
                Ok(Ours {
                    steps: out.steps().clone(),
                    authorization: None,
                    headers: self.headers.clone(),
                    query: Some(out.query().to_owned()),
                })
            }
        }
    }
}

/// A raw HTTP/1.1 request as the vector suites write it.
#[derive(Debug, Clone)]
pub(crate) struct RawRequest {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawRequest {
    /// Parses `request.txt` / `.req`: request line (target may hold spaces, `HTTP/1.1`
    /// optional), `Name:value` lines, obsolete folding, blank line, body.
    pub(crate) fn parse(text: &str) -> Self {
        let (head, body) = match text.split_once("\n\n") {
            Some((h, b)) => (h, b.as_bytes().to_vec()),
            None => (text.trim_end_matches('\n'), Vec::new()),
        };
        let mut lines = head.split('\n');
        let request_line = lines.next().unwrap_or_default();
        let mut words: Vec<&str> = request_line.split(' ').collect();
        if words.len() > 2 && words.last().is_some_and(|w| w.starts_with("HTTP/")) {
            words.pop();
        }
        let method = words.first().copied().unwrap_or_default().to_owned();
        let target = words[1..].join(" ");
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = headers.last_mut() {
                    v.push('\n');
                    v.push_str(line);
                }
                continue;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            headers.push((
                name.to_owned(),
                value.trim_start_matches([' ', '\t']).to_owned(),
            ));
        }
        Self {
            method,
            target,
            headers,
            body,
        }
    }

    /// `https://<Host header><target>`, the URL botocore would be given.
    pub(crate) fn url(&self) -> String {
        let host = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map_or("", |(_, v)| v.as_str());
        format!("https://{host}{}", self.target)
    }
}

/// `2015-08-30T12:36:00Z` or `20150830T123600Z` as Unix seconds.
pub(crate) fn parse_time(s: &str) -> u64 {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let n = |r: std::ops::Range<usize>| digits[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    // days_from_civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + n(8..10) * 3600 + n(10..12) * 60 + n(12..14)).unwrap()
}

/// One long-lived `python3 tests/differential/sigv4_diff.py` process.
pub(crate) struct Botocore {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

const NEED_BOTOCORE: &str = "the SigV4 differential tests need python3 with botocore \
    (CI installs it: `python3 -m pip install botocore`)";

impl Botocore {
    /// Starts the helper; panics with a clear message when python3/botocore is missing.
    pub(crate) fn start() -> Self {
        let script = workspace_root().join("tests/differential/sigv4_diff.py");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let probe = Command::new(&python)
            .args(["-c", "import botocore.auth"])
            .output()
            .unwrap_or_else(|e| panic!("{NEED_BOTOCORE}: cannot run `{python}`: {e}"));
        assert!(
            probe.status.success(),
            "{NEED_BOTOCORE}: `{python} -c 'import botocore.auth'` failed: {}",
            String::from_utf8_lossy(&probe.stderr)
        );
        let mut child = Command::new(&python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{NEED_BOTOCORE}: cannot start {}: {e}", script.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// botocore's result for one case (`{"error": ...}` when botocore raised).
    pub(crate) fn sign(&mut self, case: &Case) -> Value {
        let mut line = case.to_json().to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        let mut out = String::new();
        let n = self.stdout.read_line(&mut out).unwrap();
        assert!(n > 0, "sigv4_diff.py exited early ({NEED_BOTOCORE})");
        serde_json::from_str(&out).unwrap()
    }
}

impl Drop for Botocore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
