//! STS request bodies, XML parsing and the endpoint rule-set vectors.

use super::endpoint::{RuleParams, resolve};
use super::*;

#[test]
fn p_ar_5_assume_role_body_is_form_encoded() {
    let body = assume_role_body(&AssumeRoleInput {
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        role_session_name: "my sess".into(),
        external_id: Some("e/1".into()),
        serial_number: Some("arn:aws:iam::123456789012:mfa/u".into()),
        token_code: Some("123456".into()),
        duration_seconds: Some(1800),
    });
    assert_eq!(
        body,
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr\
         &RoleSessionName=my+sess&ExternalId=e%2F1\
         &SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fu&TokenCode=123456\
         &DurationSeconds=1800"
    );
    assert_eq!(
        get_caller_identity_body(),
        "Action=GetCallerIdentity&Version=2011-06-15"
    );
    assert_eq!(
        get_session_token_body(Some(900), None, None),
        "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900"
    );
}

#[test]
fn p_web_3_4_token_is_sent_unstripped() {
    assert_eq!(
        assume_role_with_web_identity_body("arn:a", "s", "tok\n"),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aa&RoleSessionName=s\
         &WebIdentityToken=tok%0A"
    );
}

const ASSUME_ROLE_OK: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/s3-access-example</Arn>
    </AssumedRoleUser>
    <Credentials>
      <SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI</SecretAccessKey>
      <SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE&amp;x</SessionToken>
      <Expiration>2026-11-29T03:43:19Z</Expiration>
      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>
    </Credentials>
    <PackedPolicySize>8</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

#[test]
fn p_sts_3_assume_role_answer_becomes_botocore_document() {
    let doc = parse_assume_role("AssumeRole", ASSUME_ROLE_OK).unwrap();
    assert_eq!(doc["Credentials"]["AccessKeyId"], "ASIAJEXAMPLEXEG2JICEA");
    assert_eq!(doc["Credentials"]["AccountId"], "123456789012");
    assert!(
        doc["Credentials"]["SessionToken"]
            .as_str()
            .unwrap()
            .ends_with("EXAMPLE&x")
    );
    assert_eq!(doc["Credentials"]["Expiration"], "2026-11-29T03:43:19Z");
    assert_eq!(
        doc["ResponseMetadata"]["RequestId"],
        "c6104cbe-af31-11e0-8154-cbc7ccf896c7"
    );
    let c = credentials_from_doc(&doc, Method::AssumeRole).unwrap();
    assert_eq!(c.access_key_id(), "ASIAJEXAMPLEXEG2JICEA");
    assert_eq!(c.account_id(), Some("123456789012"));
    assert_eq!(c.method(), Method::AssumeRole);
    assert!(c.expiration().is_some());
    // Truncated or foreign documents are errors, never panics.
    for bad in [
        "",
        "<a>",
        "<AssumeRoleResponse/>",
        &ASSUME_ROLE_OK[..200],
        "\u{0}<<>>",
    ] {
        assert!(parse_assume_role("AssumeRole", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn p_sts_2_caller_identity_and_error_documents() {
    let id = parse_caller_identity(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/Alice</Arn>
<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>01234567-89ab</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#,
    )
    .unwrap();
    assert_eq!(id.user_id, "AIDAEXAMPLE");
    assert_eq!(id.account, "123456789012");
    assert_eq!(id.arn, "arn:aws:iam::123456789012:user/Alice");
    let e = parse_error(
        "AssumeRole",
        403,
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
         <Message>User: x is not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>",
    );
    assert_eq!(e.kind(), "ClientError");
    assert_eq!(
        e.to_string(),
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: x is not \
         authorized"
    );
    let e = parse_error("GetCallerIdentity", 503, "<html>");
    assert_eq!(
        e.to_string(),
        "An error occurred (503) when calling the GetCallerIdentity operation: Service Unavailable"
    );
}

#[test]
fn sts_endpoint_rule_set_vectors() {
    let Some(doc) = crate::testkit::sts_endpoint_vectors() else {
        return;
    };
    let cases = doc["testCases"].as_array().unwrap();
    let mut passed = 0;
    for case in cases {
        let params = &case["params"];
        let b = |k: &str| {
            params
                .get(k)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        let p = RuleParams {
            region: params
                .get("Region")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            use_fips: b("UseFIPS"),
            use_dual_stack: b("UseDualStack"),
            use_global_endpoint: b("UseGlobalEndpoint"),
            endpoint: params
                .get("Endpoint")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        };
        let got = resolve(&p);
        let doc = case["documentation"].as_str().unwrap_or("");
        if let Some(err) = case["expect"].get("error") {
            assert_eq!(
                got.as_ref().err().map(String::as_str),
                err.as_str(),
                "{doc}"
            );
        } else {
            let ep = &case["expect"]["endpoint"];
            let got = got.unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(got.url, ep["url"].as_str().unwrap(), "{doc}");
            if let Some(region) = ep
                .pointer("/properties/authSchemes/0/signingRegion")
                .and_then(|v| v.as_str())
            {
                assert_eq!(got.signing_region.as_deref(), Some(region), "{doc}");
            } else {
                assert_eq!(got.signing_region, p.region, "{doc}");
            }
        }
        passed += 1;
    }
    assert_eq!(passed, 69, "all rule-set cases run");
}

#[test]
fn p_ref_3_fetched_credentials_already_expired_are_a_runtime_error() {
    let doc = parse_assume_role("AssumeRole", ASSUME_ROLE_OK).unwrap();
    let c = credentials_from_doc(&doc, Method::AssumeRole).unwrap();
    // 2026-11-29T03:43:19Z
    let exp = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_923_799);
    assert!(check_not_expired(c.clone(), exp - std::time::Duration::from_secs(1)).is_ok());
    let e = check_not_expired(c, exp).unwrap_err();
    assert_eq!(e.kind(), "RuntimeError");
    assert!(e.to_string().starts_with(
        "Credentials were refreshed, but the refreshed credentials are still expired."
    ));
}

#[test]
fn modeled_sts_errors_have_botocore_class_names() {
    for (code, class) in [
        ("InvalidIdentityToken", "InvalidIdentityTokenException"),
        ("IDPCommunicationError", "IDPCommunicationErrorException"),
        ("ExpiredTokenException", "ExpiredTokenException"),
        ("AccessDenied", "ClientError"),
    ] {
        let e = parse_error(
            "AssumeRoleWithWebIdentity",
            400,
            &format!(
                "<ErrorResponse><Error><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>"
            ),
        );
        assert_eq!(e.kind(), class);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Bad input never panics: arbitrary text, and STS-shaped documents
    /// with arbitrary element text.
    #[test]
    fn parsers_never_panic(body in ".{0,300}", field in ".{0,40}") {
        let _ = parse_assume_role("AssumeRole", &body);
        let _ = parse_caller_identity(&body);
        let _ = parse_error("AssumeRole", 400, &body);
        let doc = ASSUME_ROLE_OK.replace("2026-11-29T03:43:19Z", &field);
        if let Ok(d) = parse_assume_role("AssumeRole", &doc) {
            let _ = credentials_from_doc(&d, Method::AssumeRole);
        }
        let _ = quote_plus(&body);
    }
}

#[test]
fn p_sts_1_signed_request_matches_botocore_sigv4auth() {
    use std::sync::Arc;
    // botocore 1.43.11, `SigV4Auth(creds, 'sts', 'us-east-1').add_auth(req)` on
    // this request with `get_current_datetime` fixed at 2026-11-29T00:00:00Z.
    let os = crate::os::Os {
        env: Arc::new(crate::os::MapEnv::default()),
        fs: Arc::new(crate::os::MemFs::new()),
        clock: Arc::new(crate::os::FixedClock(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_910_400),
        )),
    };
    let net = crate::http::Network::offline();
    let files = crate::config::ConfigFiles::from_texts(None, None).unwrap();
    let client = client::StsClient::new(&os, &net, &files, None, Some("us-east-1")).unwrap();
    assert_eq!(
        client.endpoint().url,
        "https://sts.us-east-1.amazonaws.com/"
    );
    for (token, signed, signature) in [
        (
            None,
            "content-type;host;x-amz-date",
            "3f77d27dcc13944b725c683a960e4bafff271880f989246715cf50b1604dd53b",
        ),
        (
            Some("tok"),
            "content-type;host;x-amz-date;x-amz-security-token",
            "33bbea78818f805aafd6bcbb1896751d744b70a1645f3d72c0ce9ae7d8c45e1d",
        ),
    ] {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            Method::Env,
        );
        let req = client
            .request(&get_caller_identity_body(), Some(&creds))
            .unwrap();
        assert_eq!(req.header_value("X-Amz-Date"), Some("20261129T000000Z"));
        assert_eq!(req.header_value("X-Amz-Security-Token"), token);
        assert_eq!(
            req.header_value("Authorization").unwrap(),
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/sts/aws4_request, \
                 SignedHeaders={signed}, Signature={signature}"
            )
        );
        assert_eq!(req.header_value("Content-Type"), Some(CONTENT_TYPE));
        assert_eq!(req.body, b"Action=GetCallerIdentity&Version=2011-06-15");
    }
}

#[test]
fn get_session_token_body_and_answer() {
    assert_eq!(
        get_session_token_body(Some(3600), Some("arn:aws:iam::1:mfa/me"), Some("123456")),
        "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600\
         &SerialNumber=arn%3Aaws%3Aiam%3A%3A1%3Amfa%2Fme&TokenCode=123456"
    );
    let xml = "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <GetSessionTokenResult><Credentials><SessionToken>TOK</SessionToken>\
        <SecretAccessKey>SEC</SecretAccessKey><Expiration>2030-01-02T03:04:05Z</Expiration>\
        <AccessKeyId>ASIAX</AccessKeyId></Credentials></GetSessionTokenResult>\
        <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetSessionTokenResponse>";
    let doc = parse_assume_role("GetSessionToken", xml).expect("parses");
    let c = credentials_from_doc(&doc, Method::Explicit).expect("credentials");
    assert_eq!(c.access_key_id(), "ASIAX");
    assert_eq!(c.secret_access_key().expose(), "SEC");
    assert_eq!(
        c.session_token().map(crate::SecretString::expose),
        Some("TOK")
    );
    assert_eq!(
        c.expiration().map(|e| e.unix_seconds()),
        Some(1_893_553_445)
    );
}

#[test]
fn error_answers_are_parsed_as_botocore_does() {
    // botocore 1.43.11 against a loopback server answering get-caller-identity:
    let svc = |e: Error| match e {
        Error::Service { code, message, .. } => (code, message),
        other => panic!("{other:?}"),
    };
    // 503 `<html>x</html>` → `(503) ...: Service Unavailable`.
    assert_eq!(
        svc(parse_error("GetCallerIdentity", 503, "<html>x</html>")),
        ("503".into(), "Service Unavailable".into())
    );
    assert_eq!(
        svc(parse_error("GetCallerIdentity", 502, "")),
        ("502".into(), "Bad Gateway".into())
    );
    // 400 with an Error document lacking Code → `(Unknown) ...: m`.
    assert_eq!(
        svc(parse_error(
            "GetCallerIdentity",
            400,
            "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>"
        )),
        ("Unknown".into(), "m".into())
    );
    // 403 with an empty body → ResponseParserError (no element found).
    for (status, body) in [(403, ""), (400, "not xml at all"), (500, "oops")] {
        let e = parse_error("GetCallerIdentity", status, body);
        assert_eq!(e.kind(), "ResponseParserError", "{status} {body:?}: {e}");
    }
}

/// Item 8 of issue 9: `AWS_CA_BUNDLE` is a path and is used as the OS holds
/// it; a lossy conversion would name a different (missing) file.
#[cfg(unix)]
#[test]
fn a_non_utf8_aws_ca_bundle_is_used_byte_for_byte() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// An environment holding one non-UTF-8 value.
    struct OsEnv(OsString);
    impl crate::os::Env for OsEnv {
        fn get(&self, key: &str) -> Option<String> {
            self.get_os(key).map(|v| v.to_string_lossy().into_owned())
        }
        fn get_os(&self, key: &str) -> Option<OsString> {
            (key == "AWS_CA_BUNDLE").then(|| self.0.clone())
        }
    }
    let raw = OsString::from_vec(b"/etc/ca-\xff.pem".to_vec());
    let os = crate::os::Os {
        env: Arc::new(OsEnv(raw.clone())),
        fs: Arc::new(crate::os::MemFs::new()),
        clock: Arc::new(crate::os::FixedClock(std::time::UNIX_EPOCH)),
    };
    let files = crate::config::ConfigFiles::from_texts(
        Some("[default]\nca_bundle = /from/profile.pem\n"),
        None,
    )
    .unwrap();
    let setting = client::ca_bundle_setting(&os, files.profile("default"));
    assert_eq!(setting, Some(PathBuf::from(raw.clone())));
    // The bundle keeps the path as given too (errors display it).
    let e = crate::http::CaBundle::from_pem(setting.unwrap(), b"garbage\n").unwrap_err();
    assert!(e.to_string().contains("/etc/ca-\u{fffd}.pem"), "{e}");
}
