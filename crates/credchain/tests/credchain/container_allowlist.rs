//! The container full-URI allowlist (P-CONT-2) against botocore itself:
//! URLs generated from hosts that are loopback, allowed, nearly allowed or
//! disguised (scope ids, `%`, userinfo, brackets, non-ASCII digits, …) are
//! judged by botocore's `ContainerMetadataFetcher._validate_allowed_url`
//! (urllib's `urlparse`, `ipaddress.ip_address`) and by
//! [`credchain::container::validate_url`]; verdicts and messages
//! must agree. Needs `python3` with botocore (scripts/test.sh installs it);
//! skipped with a message otherwise unless `CREDCHAIN_REQUIRE_BOTOCORE=1`.

use std::process::Command;

use credchain::container::validate_url;

/// Writes `[url, verdict]` pairs as JSON: `ok` or `Class: message`.
const BOTOCORE: &str = r"
import itertools, json, sys
from botocore.utils import ContainerMetadataFetcher
f = ContainerMetadataFetcher()
schemes = ['http://', 'HTTP://', 'https://', 'HtTpS://', 'ftp://', '//', '']
hosts = ['127.0.0.1', '127.1', '127.0.0.01', '0177.0.0.1', '127.255.255.254', '128.0.0.1',
 '0.0.0.0', '127.0.0.1%anything', '127.0.0.1%25x', '127.0.0.1%', '127.0.0.1 ', ' 127.0.0.1',
 '127.0.0.1.', 'localhost', 'LOCALHOST', 'localhost.', 'localhost%x', 'localhost.evil',
 'xlocalhost', '169.254.170.2', '169.254.170.2%x', '169.254.170.23', '169.254.170.230',
 '[fd00:ec2::23]', '[FD00:EC2::23]', '[fd00:ec2:0::23]', '[fd00:ec2::23%eth0]', '[::1]',
 '[::1%lo]', '[::1%]', '[::1%a%b]', '[0:0::1]', '[0000::1]', '[::ffff:127.0.0.1]',
 '[::127.0.0.1]', '[127.0.0.1]', '[localhost]', '[v1.fe]', '[vz.x]', '[v1.]', '[::1', '::1]', '::1', '[::1]x',
 'evil@127.0.0.1', '127.0.0.1@evil', 'u:p@localhost', '127.0.0.1:80@evil', '[::1]@evil',
 'evil@[::1]', '127.0.0.1\\@evil', '127.0.0.1;evil', '127.0.0.1,evil',
 '\u0661\u0662\u0667.0.0.1', '127\u30020.0.1', '\uff11\uff12\uff17.0.0.1',
 '\uff2c\uff2f\uff23\uff21\uff2c\uff28\uff2f\uff33\uff34', 'loc\u0430lhost', 'localhost\u200b',
 'LOCALHOSt', '127.0.0.1\x00', '127.0.0.1\t', '127.0.0.1\r\n', '']
ports = ['', ':80', ':', ':abc']
paths = ['/creds', '?@evil', '#@evil']
out = []
for s, h, p, path in itertools.product(schemes, hosts, ports, paths):
    url = s + h + p + path
    try:
        f._validate_allowed_url(url)
        out.append([url, 'ok'])
    except Exception as e:
        out.append([url, type(e).__name__ + ': ' + str(e)])
json.dump(out, sys.stdout)
";

#[test]
#[allow(clippy::print_stderr)] // the skip message
fn full_uri_allowlist_matches_botocore_on_generated_urls() {
    let out = Command::new("python3").args(["-c", BOTOCORE]).output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        other => {
            assert!(
                std::env::var_os("CREDCHAIN_REQUIRE_BOTOCORE").is_none_or(|v| v != "1"),
                "python3 with botocore is required: {other:?}"
            );
            eprintln!("skipping: python3 with botocore is not available");
            return;
        }
    };
    let cases: Vec<(String, String)> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(cases.len() > 1000, "{}", cases.len());
    let mut mismatches = Vec::new();
    for (url, want) in &cases {
        let got = match validate_url(url) {
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("{}: {}", e.kind(), message(&e)),
        };
        if &got != want {
            mismatches.push(format!("{url:?}\n  botocore:  {want}\n  credchain: {got}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

/// The message without credchain's `Class: ` prefix, if Display adds one.
fn message(e: &credchain::Error) -> String {
    let s = e.to_string();
    let prefix = format!("{}: ", e.kind());
    s.strip_prefix(&prefix).map_or(s.clone(), str::to_owned)
}
