//! Unit tests of the public signing entry points.

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn params(creds: &Credentials, flavor: Flavor) -> SigningParams<'_> {
    SigningParams {
        credentials: creds,
        region: "us-east-1",
        service: "service",
        time: SigningTime::from_unix_seconds(1_440_938_160).unwrap(),
        flavor,
    }
}

#[test]
fn get_vanilla_header_signature() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let req = Request::new("GET", "/").header("Host", "example.amazonaws.com");
    let out = sign_headers(&req, &params(&creds, Flavor::Standard)).unwrap();
    assert_eq!(
        out.authorization(),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    let names: Vec<&str> = out.headers().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["X-Amz-Date", "Authorization"]);
    assert!(out.removed().is_empty());
}

#[test]
fn token_added_and_signed_but_redacted_in_debug() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, Some("secret-token".into()));
    let req =
        Request::new("GET", "https://example.amazonaws.com/").header("X-Amz-Security-Token", "old");
    let out = sign_headers(&req, &params(&creds, Flavor::Standard)).unwrap();
    assert!(
        out.steps()
            .canonical_request
            .contains("x-amz-security-token:secret-token\n")
    );
    assert!(
        out.authorization()
            .contains("SignedHeaders=host;x-amz-date;x-amz-security-token,")
    );
    assert!(!format!("{out:?}").contains("secret-token"));
    let mut headers = vec![("x-amz-security-token".to_owned(), "old".to_owned())];
    out.apply_to(&mut headers);
    assert_eq!(headers[0].0, "X-Amz-Date");
    assert_eq!(
        headers[1],
        ("X-Amz-Security-Token".to_owned(), "secret-token".to_owned())
    );
    assert_eq!(headers[2].0, "Authorization");
}

#[test]
fn empty_token_skipped_in_header_mode_kept_in_query_mode() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, Some(String::new()));
    let req = Request::new("GET", "https://example.amazonaws.com/");
    let p = params(&creds, Flavor::Standard);
    let out = sign_headers(&req, &p).unwrap();
    assert!(
        !out.steps()
            .canonical_request
            .contains("x-amz-security-token")
    );
    let q = presign(&req, &p, 60).unwrap();
    assert!(
        q.query()
            .contains("&X-Amz-Security-Token=&X-Amz-Signature="),
        "{}",
        q.query()
    );
}

#[test]
fn date_header_replaces_x_amz_date() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let req = Request::new("GET", "https://example.amazonaws.com/")
        .header("Date", "yesterday")
        .header("X-Amz-Date", "19990101T000000Z");
    let out = sign_headers(&req, &params(&creds, Flavor::Standard)).unwrap();
    assert_eq!(
        out.headers()[0],
        ("Date", "Sun, 30 Aug 2015 12:36:00 -0000".to_owned())
    );
    assert_eq!(out.removed(), ["X-Amz-Date"]);
    assert!(
        out.steps()
            .canonical_request
            .contains("\ndate:Sun, 30 Aug 2015 12:36:00 -0000\n")
    );
    assert!(!out.steps().canonical_request.contains("x-amz-date"));
    let mut headers = vec![
        ("date".to_owned(), "yesterday".to_owned()),
        ("x-amz-date".to_owned(), "x".to_owned()),
    ];
    out.apply_to(&mut headers);
    assert_eq!(headers.len(), 2);
    assert_eq!(headers[0].0, "Date");
}

#[test]
fn payload_variants() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let p = params(&creds, Flavor::Standard);
    let base = Request::new("PUT", "https://h/");
    let bytes = sign_headers(&base.clone().payload(Payload::Bytes(b"abc")), &p).unwrap();
    let hash = sha256_hex(b"abc");
    let pre = sign_headers(&base.clone().payload(Payload::Precomputed(&hash)), &p).unwrap();
    assert_eq!(bytes, pre);
    assert!(bytes.steps().canonical_request.ends_with(&hash));
    let unsigned = sign_headers(&base.clone().payload(Payload::Unsigned), &p).unwrap();
    assert!(
        unsigned
            .steps()
            .canonical_request
            .contains("x-amz-content-sha256:UNSIGNED-PAYLOAD\n")
    );
    assert!(
        unsigned
            .steps()
            .canonical_request
            .ends_with("\nUNSIGNED-PAYLOAD")
    );
    // A caller-supplied X-Amz-Content-SHA256 header wins over the body.
    let header = sign_headers(&base.header("x-amz-content-sha256", "custom"), &p).unwrap();
    assert!(header.steps().canonical_request.ends_with("\ncustom"));
}

#[test]
fn s3_flavor_sends_content_hash_and_keeps_path() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let req = Request::new("GET", "https://bucket.s3.amazonaws.com/a//b/../c%2F");
    let out = sign_headers(&req, &params(&creds, Flavor::S3)).unwrap();
    assert_eq!(
        out.headers()[1],
        ("X-Amz-Content-SHA256", EMPTY_SHA256_HASH.to_owned())
    );
    assert!(
        out.steps()
            .canonical_request
            .starts_with("GET\n/a//b/../c%2F\n")
    );
    let q = presign(&req, &params(&creds, Flavor::S3), 900).unwrap();
    assert!(q.steps().canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

#[test]
fn presign_reencodes_existing_query_and_appends_signature() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let req = Request::new("GET", "https://example.amazonaws.com/?b=c+d&a=1&a=2").header(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    );
    let q = presign(&req, &params(&creds, Flavor::Standard), 3600).unwrap();
    assert!(
        q.query().starts_with(
            "b=c%20d&a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830\
         %2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600\
         &X-Amz-SignedHeaders=host&X-Amz-Signature="
        ),
        "{}",
        q.query()
    );
    assert!(q.query().ends_with(&q.steps().signature));
    assert!(!q.steps().canonical_request.contains("content-type"));
    assert!(!format!("{q:?}").contains("X-Amz-Credential"));
}

#[test]
fn presign_unsigned_needs_https_like_botocore() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let p = params(&creds, Flavor::Standard);
    let https = presign(
        &Request::new("GET", "https://h/").payload(Payload::Unsigned),
        &p,
        1,
    )
    .unwrap();
    assert!(
        https
            .steps()
            .canonical_request
            .ends_with("\nUNSIGNED-PAYLOAD")
    );
    let http = presign(
        &Request::new("GET", "http://h/").payload(Payload::Unsigned),
        &p,
        1,
    )
    .unwrap();
    assert!(http.steps().canonical_request.ends_with(EMPTY_SHA256_HASH));
}

#[test]
fn errors() {
    let creds0 = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let p0 = params(&creds0, Flavor::S3);
    let body = Request::new("POST", "https://h/").payload(Payload::Bytes(b"a=b"));
    let e = presign(&body, &p0, 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BodyNotPresignable);
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let p = params(&creds, Flavor::Standard);
    let e = sign_headers(&Request::new("GET", "/"), &p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingHost);
    let e = sign_headers(&Request::new("GET", "/").header("a b", "c"), &p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidHeaderName);
    let e = presign(&Request::new("GET", "http://[::1/"), &p, 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidUri);
}

#[test]
fn signing_key_can_be_reused() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let p = params(&creds, Flavor::Standard);
    let out = sign_headers(&Request::new("GET", "https://h/x"), &p).unwrap();
    let key = SigningKey::derive(SECRET, "20150830", "us-east-1", "service");
    assert_eq!(key.sign(&out.steps().string_to_sign), out.steps().signature);
}

#[test]
fn request_debug_redacts_secret_headers_and_the_body() {
    let body = b"Action=AssumeRoleWithWebIdentity&WebIdentityToken=SENTINEL-jwt";
    let r = Request::new("POST", "https://sts.amazonaws.com/")
        .header("x-amz-security-token", "SENTINEL-token")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .payload(Payload::Bytes(body));
    let d = format!("{r:?}");
    assert!(!d.contains("SENTINEL"), "{d}");
    assert!(d.contains(&format!("<{} bytes>", body.len())), "{d}");
    assert!(d.contains("application/x-www-form-urlencoded"), "{d}");
}
