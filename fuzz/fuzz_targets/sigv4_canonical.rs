//! Any bytes as a request (method, URI, headers split on NUL/LF): canonicalization,
//! header signing and presigning never panic, and the canonical pieces are stable.
#![no_main]

use credchain_sigv4::{
    Credentials, Flavor, Payload, Request, SigningParams, SigningTime, canonical_path,
    canonical_query_string, fold_header_value, presign, sign_headers,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let method = parts.next().unwrap_or_default();
    let uri = parts.next().unwrap_or_default();
    let header_block = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default().as_bytes();
    let headers: Vec<(&str, &str)> = header_block
        .split('\n')
        .filter_map(|line| line.split_once(':'))
        .collect();

    for flavor in [Flavor::Standard, Flavor::S3] {
        let path = canonical_path(uri, flavor);
        assert_eq!(path, canonical_path(uri, flavor));
    }
    let _ = canonical_query_string(uri);
    for (_, v) in &headers {
        let folded = fold_header_value(v);
        assert_eq!(fold_header_value(&folded), folded, "folding is idempotent");
    }

    let creds = Credentials::new("AKID", "secret", Some("token".to_owned()));
    let time =
        SigningTime::from_unix_seconds(u64::from(data.len() as u32) * 86_400).expect("in range");
    for flavor in [Flavor::Standard, Flavor::S3] {
        let params = SigningParams {
            credentials: &creds,
            region: "us-east-1",
            service: "service",
            time,
            flavor,
        };
        let request = Request {
            method,
            uri,
            headers: headers.clone(),
            payload: Payload::Bytes(body),
        };
        let _ = sign_headers(&request, &params);
        let _ = presign(&request, &params, 60);
        let _ = presign(
            &Request {
                payload: Payload::Unsigned,
                ..request
            },
            &params,
            60,
        );
    }
});
