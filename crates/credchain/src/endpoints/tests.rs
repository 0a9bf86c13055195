//! Expected values are botocore 1.43.11's `create_client(svc, region)`
//! `meta.endpoint_url`, `meta.region_name` and `_request_signer`'s signing
//! region and name (or its exception), run in the venv.

use super::*;

fn ep(
    client: &str,
    region: Option<&str>,
    f: impl FnOnce(&mut EndpointInputs),
) -> Result<ClientEndpoint, Error> {
    let mut i = EndpointInputs {
        region: region.map(str::to_owned),
        ..EndpointInputs::default()
    };
    f(&mut i);
    resolve(client, &i)
}

fn check(client: &str, region: Option<&str>, url: &str, meta_region: &str, signing: (&str, &str)) {
    let e = ep(client, region, |_| {}).unwrap();
    assert_eq!(
        (
            e.url.as_str(),
            e.region_name.as_deref(),
            e.signing_region.as_deref(),
            e.signing_name.as_str()
        ),
        (url, Some(meta_region), Some(signing.0), signing.1),
        "{client} {region:?}"
    );
}

#[test]
fn global_and_regional_services_follow_botocore() {
    check(
        "s3",
        Some("us-east-1"),
        "https://s3.amazonaws.com",
        "us-east-1",
        ("us-east-1", "s3"),
    );
    check(
        "s3",
        None,
        "https://s3.amazonaws.com",
        "us-east-1",
        ("us-east-1", "s3"),
    );
    check(
        "s3",
        Some("us-west-2"),
        "https://s3.us-west-2.amazonaws.com",
        "us-west-2",
        ("us-west-2", "s3"),
    );
    check(
        "iam",
        Some("us-west-2"),
        "https://iam.amazonaws.com",
        "aws-global",
        ("us-east-1", "iam"),
    );
    check(
        "iam",
        None,
        "https://iam.amazonaws.com",
        "aws-global",
        ("us-east-1", "iam"),
    );
    check(
        "sts",
        None,
        "https://sts.amazonaws.com",
        "aws-global",
        ("us-east-1", "sts"),
    );
    check(
        "sts",
        Some("us-foo-1"),
        "https://sts.us-foo-1.amazonaws.com",
        "us-foo-1",
        ("us-foo-1", "sts"),
    );
    check(
        "route53",
        Some("cn-north-1"),
        "https://route53.amazonaws.com.cn",
        "aws-cn-global",
        ("cn-northwest-1", "route53"),
    );
    check(
        "cloudfront",
        Some("aws-global"),
        "https://cloudfront.amazonaws.com",
        "aws-global",
        ("us-east-1", "cloudfront"),
    );
    check(
        "iam",
        Some("fips-us-east-1"),
        "https://iam-fips.amazonaws.com",
        "aws-global",
        ("us-east-1", "iam"),
    );
    check(
        "s3control",
        Some("us-west-2"),
        "https://s3-control.us-west-2.amazonaws.com",
        "us-west-2",
        ("us-west-2", "s3"),
    );
    check(
        "sso-oidc",
        Some("us-east-1"),
        "https://oidc.us-east-1.amazonaws.com",
        "us-east-1",
        ("us-east-1", "sso-oauth"),
    );
}

#[test]
fn variants_errors_and_settings_follow_botocore() {
    let e = ep("ec2", Some("us-west-2"), |i| i.use_fips = true).unwrap();
    assert_eq!(e.url, "https://ec2-fips.us-west-2.amazonaws.com");
    // aws-iso is skipped for dual-stack, then the aws partition is forced.
    let e = ep("ec2", Some("us-iso-east-1"), |i| i.use_dualstack = true).unwrap();
    assert_eq!(e.url, "https://ec2.us-iso-east-1.api.aws");
    let e = ep("ec2", Some("eu-isoe-west-1"), |i| i.use_dualstack = true).unwrap_err();
    assert_eq!(e.kind(), "EndpointVariantError");
    assert_eq!(
        e.to_string(),
        "Unable to construct a modeled endpoint with the following variant(s) ['dualstack']: "
    );
    let e = ep("ec2", None, |_| {}).unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string()),
        ("NoRegionError", "You must specify a region.".into())
    );
    let e = ep("nope", Some("us-east-1"), |_| {}).unwrap_err();
    assert_eq!(e.kind(), "UnknownServiceError");
    assert!(e.to_string().starts_with(
        "Unknown service: 'nope'. Valid service names are: accessanalyzer, account, acm,"
    ));
    // The profile's s3 block, converted by ensure_boolean first.
    let e = ep("s3", Some("us-west-2"), |i| {
        i.s3_block = S3Block::Block(Some("TRUE".into()));
    })
    .unwrap();
    assert_eq!(e.url, "https://s3.dualstack.us-west-2.amazonaws.com");
    let e = ep("s3", Some("us-west-2"), |i| i.s3_block = S3Block::Plain).unwrap_err();
    assert_eq!(e.kind(), "AttributeError");
    let e = ep("iam", Some("us-west-2"), |i| i.use_fips = true).unwrap();
    assert_eq!(e.url, "https://iam-fips.amazonaws.com");
    let e = ep("s3", Some("us-east-1"), |i| {
        i.s3_us_east_1_regional_endpoint = SettingValue::Str("regional".into());
    })
    .unwrap();
    assert_eq!(e.url, "https://s3.us-east-1.amazonaws.com");
    let e = ep("sts", Some("eu-west-1"), |i| {
        i.sts_regional_endpoints = SettingValue::Str("legacy".into());
    })
    .unwrap();
    assert_eq!(
        (e.url.as_str(), e.region_name.as_deref()),
        ("https://sts.amazonaws.com", Some("eu-west-1"))
    );
    // A configured URL wins; the region stays the client's.
    let e = ep("iam", Some("eu-west-1"), |i| {
        i.endpoint_url = Some("http://127.0.0.1:1".into());
    })
    .unwrap();
    assert_eq!(
        (e.url.as_str(), e.region_name.as_deref(), e.built_in),
        ("http://127.0.0.1:1", Some("eu-west-1"), false)
    );
}

#[test]
fn service_ids_follow_botocore_overrides() {
    assert_eq!(hyphenized_service_id("elbv2"), "elastic-load-balancing-v2");
    assert_eq!(hyphenized_service_id("s3control"), "s3-control");
    assert_eq!(
        hyphenized_service_id("runtime.sagemaker"),
        "sagemaker-runtime"
    );
    assert_eq!(hyphenized_service_id("sso-oidc"), "sso-oidc");
    assert!(available_services().count() > 400);
}

/// The cross-SDK STS endpoint rule-set vectors through the built-in
/// resolution: the vector's URL (or, for its errors, botocore's outcome
/// recorded in `sts-endpoint-differences.json`, which
/// `endpoint_diff.py --sts-vectors --check` keeps current).
#[test]
fn sts_vectors_match_botocore_client_endpoints() {
    let Some(doc) = crate::testkit::sts_endpoint_vectors() else {
        return;
    };
    let diffs: serde_json::Value = serde_json::from_str(include_str!(
        "../../test-data/sts-endpoint-differences.json"
    ))
    .unwrap();
    let mut compared = 0;
    for (i, case) in doc["testCases"].as_array().unwrap().iter().enumerate() {
        let Some(p) = case.get("params") else {
            continue;
        };
        let flag = |k: &str| p.get(k).and_then(serde_json::Value::as_bool) == Some(true);
        let inputs = EndpointInputs {
            region: p["Region"].as_str().map(str::to_owned),
            use_fips: flag("UseFIPS"),
            use_dualstack: flag("UseDualStack"),
            sts_regional_endpoints: SettingValue::Str(
                if flag("UseGlobalEndpoint") {
                    "legacy"
                } else {
                    "regional"
                }
                .into(),
            ),
            endpoint_url: p["Endpoint"].as_str().map(str::to_owned),
            ..EndpointInputs::default()
        };
        let got = resolve("sts", &inputs);
        let recorded = diffs["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["index"] == i);
        let want = recorded.map_or(&case["expect"], |d| &d["botocore"]);
        let doc = case["documentation"].as_str().unwrap_or("");
        let url = want
            .pointer("/endpoint/url")
            .or_else(|| want.get("url"))
            .and_then(serde_json::Value::as_str);
        match url {
            Some(u) => assert_eq!(got.map(|e| e.url).ok().as_deref(), Some(u), "#{i} {doc}"),
            None => assert!(got.is_err(), "#{i} {doc}: {got:?}"),
        }
        compared += 1;
    }
    assert_eq!(compared, 68, "every STS vector compared");
}

/// `endpoint_config` then the rule-set builtins' checks, as a client of
/// `client` would be created from `inputs` alone.
fn resolve(client: &str, inputs: &EndpointInputs) -> Result<ClientEndpoint, Error> {
    let e = endpoint_config(client, inputs)?;
    check_ruleset_builtins(inputs)?;
    Ok(e)
}

#[test]
fn the_scheme_follows_make_url() {
    // botocore 1.43.11: ClientEndpointBridge._make_url('h', True, protocols)
    // is http://h for [] (and so for a record without protocols, read as
    // resolved.get('protocols', [])) and ['http'], https://h for
    // ['http', 'https'].
    assert_eq!(scheme(None), "http");
    assert_eq!(scheme(Some("")), "http");
    assert_eq!(scheme(Some("http")), "http");
    assert_eq!(scheme(Some("http,https")), "https");
    assert_eq!(scheme(Some("https")), "https");
}
