//! `configure list --all` (issue 15): every non-credential setting with its
//! value as botocore returns it and where it came from. Expected values are
//! from botocore 1.43.11 runs on the same files and environment
//! (`get_config_variable`, `create_client(...).meta.endpoint_url`); the
//! broad comparison is `tests/differential/config_diff.py`.

use std::io::{Read, Write};
use std::net::TcpListener;

use serde_json::{Value, json};

use crate::util::TestEnv;

const CONFIG: &str = "\
[profile dev]
max_attempts = 0x5
retry_mode = adaptive
s3_use_arn_region = TRUE
s3 =
  addressing_style = virtual
  use_accelerate_endpoint = yes
parameter_validation = false
endpoint_url = http://127.0.0.1:9
";

fn setting<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no setting {name} in {doc}"))
}

/// Each (name, value, type, location) row is in `doc` as given.
fn assert_rows<const N: usize>(doc: &Value, expect: [(&str, Value, &str, Value); N]) {
    for (name, value, kind, location) in expect {
        let s = setting(doc, name);
        assert_eq!(
            (&s["value"], s["type"].as_str(), &s["location"]),
            (&value, Some(kind), &location),
            "{name}"
        );
    }
}

fn env() -> TestEnv {
    TestEnv::new()
        .config(CONFIG)
        .credentials("[dev]\nregion = ca-central-1\n")
        .env("AWS_MAX_ATTEMPTS", "3")
        .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")
        .env("AWS_DEFAULTS_MODE", "standard")
}

#[test]
fn p_nc_1_values_types_and_locations_match_botocore() {
    let e = env();
    let r = e.credchain(&[
        "configure",
        "list",
        "--all",
        "--profile",
        "dev",
        "--output",
        "json",
    ]);
    r.expect_code(0);
    let doc = r.json();
    assert_eq!(doc["profile"], "dev");
    // The default paths are shown as configured, `~` and all.
    let cfg = "~/.aws/config:";
    let creds = "~/.aws/credentials:";
    let expect = [
        ("profile", json!("dev"), "instance", json!("--profile")),
        (
            "region",
            json!("ca-central-1"),
            "credentials-file",
            json!(format!("{creds}2")),
        ),
        // Env beats the (invalid) file value, so no ValueError.
        ("max_attempts", json!(3), "env", json!("AWS_MAX_ATTEMPTS")),
        (
            "retry_mode",
            json!("adaptive"),
            "config-file",
            json!(format!("{cfg}3")),
        ),
        // No conversion for parameter_validation: the string 'false'.
        (
            "parameter_validation",
            json!("false"),
            "config-file",
            json!(format!("{cfg}8")),
        ),
        (
            "defaults_mode",
            json!("standard"),
            "env",
            json!("AWS_DEFAULTS_MODE"),
        ),
        (
            "request_min_compression_size_bytes",
            json!(10240),
            "default",
            Value::Null,
        ),
        ("use_fips_endpoint", Value::Null, "default", Value::Null),
        (
            "s3.addressing_style",
            json!("virtual"),
            "config-file",
            json!(format!("{cfg}5")),
        ),
        (
            "s3.use_accelerate_endpoint",
            json!(false),
            "config-file",
            json!(format!("{cfg}5")),
        ),
        (
            "s3.use_arn_region",
            json!(true),
            "config-file",
            json!(format!("{cfg}4")),
        ),
        (
            "s3.payload_signing_enabled",
            Value::Null,
            "default",
            Value::Null,
        ),
        (
            "endpoint_url.sts",
            json!("http://127.0.0.1:9"),
            "config-file",
            json!(format!("{cfg}9")),
        ),
        (
            "endpoint_url.dynamodb",
            json!("http://127.0.0.1:8000"),
            "env",
            json!("AWS_ENDPOINT_URL_DYNAMODB"),
        ),
    ];
    assert_rows(&doc, expect);
}

#[test]
fn p_env_4_bad_integer_is_value_error_for_that_setting_only() {
    let e = env().env("AWS_MAX_ATTEMPTS", "three");
    let r = e.credchain(&[
        "configure",
        "list",
        "--all",
        "--profile",
        "dev",
        "--output",
        "json",
    ]);
    r.expect_code(255);
    let doc = r.json();
    assert_eq!(setting(&doc, "max_attempts")["error"]["kind"], "ValueError");
    assert_eq!(setting(&doc, "retry_mode")["value"], "adaptive");
    assert!(
        r.stderr.contains("max_attempts: ValueError"),
        "{}",
        r.stderr
    );
}

#[test]
fn text_table_columns_are_as_wide_as_their_content() {
    let e = env();
    let r = e.credchain(&["configure", "list", "--all", "--profile", "dev"]);
    r.expect_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // The widest name is s3.s3_disable_multiregion_access_points (39); the
    // widest value http://127.0.0.1:8000 (21); the widest type
    // credentials-file (16); two spaces between columns.
    let name_w = "request_min_compression_size_bytes"
        .len()
        .max("s3.s3_disable_multiregion_access_points".len());
    assert_eq!(
        lines[0],
        format!(
            "{:<name_w$}  {:<21}  {:<16}  Location",
            "Name", "Value", "Type"
        )
    );
    let retry = lines.iter().find(|l| l.starts_with("retry_mode ")).unwrap();
    assert_eq!(
        *retry,
        format!(
            "{:<name_w$}  {:<21}  {:<16}  ~/.aws/config:3",
            "retry_mode", "adaptive", "config-file"
        )
    );
    // Every name fits its column; no trailing blanks.
    let col = name_w + 2;
    for l in &lines {
        assert_eq!(l.trim_end(), *l);
        assert!(l[..col].ends_with("  "), "{l}");
    }
}

/// `--service`: the client botocore's `create_client` makes. Expected
/// values are botocore 1.43.11's `client.meta.config` on the same files and
/// environment.
#[test]
fn service_view_applies_smart_defaults_only_where_unset() {
    let r = env().credchain(&[
        "configure",
        "list",
        "--all",
        "--service",
        "s3",
        "--profile",
        "dev",
        "--output",
        "json",
    ]);
    r.expect_code(0);
    let doc = r.json();
    assert_eq!(
        (&doc["profile"], &doc["service"]),
        (&json!("dev"), &json!("s3"))
    );
    let expect = [
        // retry_mode = adaptive in the profile beats standard's default.
        (
            "retries.mode",
            json!("adaptive"),
            "config-file",
            json!("~/.aws/config:3"),
        ),
        (
            "retries.total_max_attempts",
            json!(3),
            "env",
            json!("AWS_MAX_ATTEMPTS"),
        ),
        (
            "connect_timeout",
            json!(3.1),
            "default",
            json!("defaults_mode standard"),
        ),
        ("read_timeout", json!(60), "default", Value::Null),
        (
            "s3.us_east_1_regional_endpoint",
            json!("regional"),
            "default",
            json!("defaults_mode standard"),
        ),
        (
            "s3.addressing_style",
            json!("virtual"),
            "config-file",
            json!("~/.aws/config:5"),
        ),
        (
            "request_checksum_calculation",
            json!("when_supported"),
            "default",
            Value::Null,
        ),
        (
            "region",
            json!("ca-central-1"),
            "credentials-file",
            json!("~/.aws/credentials:2"),
        ),
        (
            "endpoint_url.s3",
            json!("http://127.0.0.1:9"),
            "config-file",
            json!("~/.aws/config:9"),
        ),
    ];
    assert_rows(&doc, expect);
    // The session's own view is unaffected by the smart defaults.
    let r = env().credchain(&[
        "configure",
        "list",
        "--all",
        "--profile",
        "dev",
        "--output",
        "json",
    ]);
    let doc = r.json();
    assert_eq!(
        setting(&doc, "s3.us_east_1_regional_endpoint")["value"],
        Value::Null
    );
}

#[test]
fn service_view_error_is_botocores_first_check_for_that_client() {
    let bad = |e: TestEnv| {
        e.env("AWS_REQUEST_CHECKSUM_CALCULATION", "Bogus")
            .env("AWS_ACCOUNT_ID_ENDPOINT_MODE", "bogus")
            .env("AWS_MAX_ATTEMPTS", "0")
            .env("AWS_STS_REGIONAL_ENDPOINTS", "bogus")
    };
    let checksum = (
        "InvalidChecksumConfigError",
        "Unsupported configuration value for request_checksum_calculation. Expected one of \
         ('when_supported', 'when_required') but got bogus.",
    );
    let sts = (
        "InvalidSTSRegionalEndpointsConfigError",
        "STS regional endpoints option bogus is invalid. Valid options are: \"legacy\", \
         \"regional\"",
    );
    // sts checks its endpoint option first, unless an endpoint URL is
    // configured (the profile's endpoint_url); other clients check it
    // last, in the endpoint ruleset's builtins.
    for (svc, extra, want) in [
        ("sts", None, checksum),
        (
            "sts",
            Some(("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")),
            sts,
        ),
        ("ec2", None, checksum),
    ] {
        let mut e = bad(env());
        if let Some((k, v)) = extra {
            e = e.env(k, v);
        }
        let r = e.credchain(&[
            "configure",
            "list",
            "--all",
            "--service",
            svc,
            "--profile",
            "dev",
            "--output",
            "json",
        ]);
        r.expect_code(255);
        let doc = r.json();
        assert_eq!(
            (
                doc["error"]["kind"].as_str(),
                doc["error"]["message"].as_str()
            ),
            (Some(want.0), Some(want.1)),
            "{svc} {extra:?}"
        );
        assert_eq!(
            r.stderr.trim_end(),
            format!("error: {}: {}", want.0, want.1)
        );
    }
    let r = env()
        .env("AWS_STS_REGIONAL_ENDPOINTS", "bogus")
        .credchain(&[
            "configure",
            "list",
            "--all",
            "--service",
            "ec2",
            "--profile",
            "dev",
        ]);
    r.expect_code(255);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(r.stderr.trim_end(), format!("error: {}: {}", sts.0, sts.1));
}

#[test]
fn service_needs_all() {
    let r = TestEnv::new().credchain(&["configure", "list", "--service", "s3"]);
    r.expect_code(2);
}

#[test]
fn output_json_stays_a_usage_error_without_all() {
    let r = TestEnv::new().credchain(&["configure", "list", "--output", "json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("configure list"), "{}", r.stderr);
}

#[test]
fn p_nc_2_region_from_loopback_imds_when_nothing_sets_one() {
    let (port, server) = fake_imds("eu-central-1c", 2);
    let e = TestEnv::new()
        .env("AWS_EC2_METADATA_DISABLED", "false")
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            &format!("http://127.0.0.1:{port}/"),
        );
    let r = e.credchain(&["configure", "list", "--all", "--output", "json"]);
    r.expect_code(0);
    let doc = r.json();
    let region = setting(&doc, "region");
    assert_eq!(region["value"], "eu-central-1");
    assert_eq!(region["type"], "imds");
    let paths = server.join().unwrap();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token HTTP/1.1",
            "GET /latest/meta-data/placement/availability-zone/ HTTP/1.1"
        ]
    );
}

/// A one-connection-per-request IMDSv2 on 127.0.0.1 that serves `zone`
/// for `requests` requests; the server thread returns the request lines.
fn fake_imds(zone: &'static str, requests: usize) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for _ in 0..requests {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap();
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let line = head.lines().next().unwrap_or_default().to_owned();
            let body = if line.starts_with("PUT") { "tok" } else { zone };
            paths.push(line);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        paths
    });
    (port, server)
}

/// `defaults_mode = auto` without AWS_EXECUTION_ENV asks IMDS for the
/// region: the same as the client's is `in-region` (1.1 s connect
/// timeout), another `cross-region` (3.1 s), as botocore 1.43.11's client
/// against the same fake IMDS.
#[test]
fn auto_defaults_mode_resolves_against_the_imds_region() {
    for (region, mode, timeout) in [
        ("us-west-2", "in-region", json!(1.1)),
        ("eu-west-1", "cross-region", json!(3.1)),
    ] {
        let (port, server) = fake_imds("us-west-2a", 2);
        let r = TestEnv::new()
            .env("AWS_EC2_METADATA_DISABLED", "false")
            .env(
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                &format!("http://127.0.0.1:{port}/"),
            )
            .env("AWS_DEFAULTS_MODE", "auto")
            .env("AWS_DEFAULT_REGION", region)
            .credchain(&[
                "configure",
                "list",
                "--all",
                "--service",
                "ec2",
                "--output",
                "json",
            ]);
        r.expect_code(0);
        let doc = r.json();
        let location = json!(format!("defaults_mode {mode} (auto)"));
        for (name, value) in [
            ("connect_timeout", timeout),
            ("retries.mode", json!("standard")),
            ("defaults_mode", json!(mode)),
        ] {
            let s = setting(&doc, name);
            assert_eq!(
                (&s["value"], &s["location"]),
                (&value, &location),
                "{region} {name}"
            );
        }
        assert_eq!(
            server.join().unwrap(),
            [
                "PUT /latest/api/token HTTP/1.1",
                "GET /latest/meta-data/placement/availability-zone/ HTTP/1.1"
            ]
        );
    }
    // AWS_EXECUTION_ENV names the region: no IMDS request (it is disabled).
    let r = TestEnv::new()
        .env("AWS_DEFAULTS_MODE", "AUTO")
        .env("AWS_DEFAULT_REGION", "us-west-2")
        .env("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")
        .env("AWS_REGION", "us-west-2")
        .credchain(&[
            "configure",
            "list",
            "--all",
            "--service",
            "sts",
            "--output",
            "json",
        ]);
    r.expect_code(0);
    assert_eq!(setting(&r.json(), "connect_timeout")["value"], json!(1.1));
}

/// Built-in endpoints (issue 15): what botocore 1.43.11's
/// `create_client(svc)` reports as `meta.endpoint_url` / `meta.region_name`
/// and signs with, for the default rows, `--service` rows and a client
/// configured through `[services]` under botocore's service id.
#[test]
fn p_nc_5_endpoint_rows_show_the_url_the_client_is_created_with() {
    let e = TestEnv::new()
        .config(
            "[default]\nregion = us-west-2\nservices = local\n\
             [services local]\ns3_control =\n  endpoint_url = http://127.0.0.1:9\n",
        )
        .env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
        .env(
            "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
            "http://127.0.0.1:8",
        );
    let r = e.credchain(&["configure", "list", "--all", "--output", "json"]);
    r.expect_code(0);
    let session_doc = r.json();
    // Other clients through `--service` (the client view's endpoint row).
    let client_doc = |svc: &str| {
        let r = e.credchain(&[
            "configure",
            "list",
            "--all",
            "--output",
            "json",
            "--service",
            svc,
        ]);
        r.expect_code(0);
        r.json()
    };
    let data = json!("botocore endpoints.json");
    for (name, url, kind, location, region, signing) in [
        (
            "sts",
            "https://sts.amazonaws.com",
            "default",
            &data,
            "us-west-2",
            "us-east-1",
        ),
        (
            "s3",
            "https://s3.us-west-2.amazonaws.com",
            "default",
            &data,
            "us-west-2",
            "us-west-2",
        ),
        (
            "iam",
            "https://iam.amazonaws.com",
            "default",
            &data,
            "aws-global",
            "us-east-1",
        ),
        (
            "sso-oidc",
            "https://oidc.us-west-2.amazonaws.com",
            "default",
            &data,
            "us-west-2",
            "us-west-2",
        ),
        (
            "elbv2",
            "http://127.0.0.1:8",
            "env",
            &json!("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2"),
            "us-west-2",
            "us-west-2",
        ),
        (
            "s3control",
            "http://127.0.0.1:9",
            "config-file",
            &json!("~/.aws/config:5"),
            "us-west-2",
            "us-west-2",
        ),
    ] {
        let doc = if ["iam", "sso-oidc"].contains(&name) {
            client_doc(name)
        } else {
            session_doc.clone()
        };
        let s = setting(&doc, &format!("endpoint_url.{name}"));
        assert_eq!(
            (
                &s["value"],
                s["type"].as_str(),
                &s["location"],
                &s["region"],
                &s["signing_region"]
            ),
            (
                &json!(url),
                Some(kind),
                location,
                &json!(region),
                &json!(signing)
            ),
            "{name}"
        );
    }
    // No region: a regional client has no endpoint (botocore:
    // NoRegionError), a global one does; an unknown client is an error row.
    let e = TestEnv::new();
    let r = e.credchain(&["configure", "list", "--all", "--output", "json"]);
    r.expect_code(0);
    let doc = r.json();
    assert_eq!(setting(&doc, "endpoint_url.dynamodb")["value"], Value::Null);
    assert_eq!(
        setting(&doc, "endpoint_url.s3")["value"],
        json!("https://s3.amazonaws.com")
    );
    let r = e.credchain(&[
        "configure",
        "list",
        "--all",
        "--output",
        "json",
        "--service",
        "nope",
    ]);
    r.expect_code(255);
    assert_eq!(r.json()["error"]["kind"], json!("UnknownServiceError"));
}

/// The session's endpoint rows are the client's: `defaults_mode = standard`
/// makes s3 in us-east-1 regional (`s3.us_east_1_regional_endpoint`'s smart
/// default), as botocore 1.43.11's `create_client('s3').meta.endpoint_url`
/// (`https://s3.us-east-1.amazonaws.com`; `https://s3.amazonaws.com` in
/// `legacy`).
#[test]
fn endpoint_rows_apply_the_defaults_mode_smart_defaults() {
    for (mode, url) in [
        ("standard", "https://s3.us-east-1.amazonaws.com"),
        ("legacy", "https://s3.amazonaws.com"),
    ] {
        let r = TestEnv::new()
            .env("AWS_DEFAULTS_MODE", mode)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .credchain(&["configure", "list", "--all", "--output", "json"]);
        r.expect_code(0);
        assert_eq!(
            setting(&r.json(), "endpoint_url.s3")["value"],
            json!(url),
            "{mode}"
        );
    }
}
