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
    for (name, value, kind, location) in expect {
        let s = setting(&doc, name);
        assert_eq!(
            (&s["value"], s["type"].as_str(), &s["location"]),
            (&value, Some(kind), &location),
            "{name}"
        );
    }
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
fn text_table_uses_the_configure_list_columns() {
    let e = env();
    let r = e.credchain(&["configure", "list", "--all", "--profile", "dev"]);
    r.expect_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "      Name                    Value             Type    Location"
    );
    assert_eq!(
        lines[1],
        "      ----                    -----             ----    --------"
    );
    assert!(
        r.stdout
            .contains("retry_mode                 adaptive      config-file    "),
        "{}",
        r.stdout
    );
    // '%10s %24s %16s    %s': long names push the row right, as in Python.
    assert!(
        lines.contains(&"use_fips_endpoint                <not set>             None    None"),
        "{}",
        r.stdout
    );
}

#[test]
fn output_json_stays_a_usage_error_without_all() {
    let r = TestEnv::new().credchain(&["configure", "list", "--output", "json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("configure list"), "{}", r.stderr);
}

#[test]
fn p_nc_2_region_from_loopback_imds_when_nothing_sets_one() {
    // A one-thread IMDSv2: PUT token, then GET the availability zone.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for body in ["tok", "eu-central-1c"] {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap();
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            paths.push(head.lines().next().unwrap_or_default().to_owned());
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        paths
    });
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
    let r = e.credchain(&[
        "configure",
        "list",
        "--all",
        "--output",
        "json",
        "--service",
        "iam",
        "--service",
        "sso-oidc",
    ]);
    r.expect_code(0);
    let doc = r.json();
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
    let doc = r.json();
    assert_eq!(setting(&doc, "endpoint_url.dynamodb")["value"], Value::Null);
    assert_eq!(
        setting(&doc, "endpoint_url.s3")["value"],
        json!("https://s3.amazonaws.com")
    );
    assert_eq!(
        setting(&doc, "endpoint_url.nope")["error"]["kind"],
        json!("UnknownServiceError")
    );
}
