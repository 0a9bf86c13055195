use super::*;

#[test]
fn urlsplit_like_python() {
    let u = UrlParts::split("HTTP://User@LocalHost:8080/a/b?x=1#frag");
    assert_eq!(u.scheme, "http");
    assert_eq!(u.netloc, "User@LocalHost:8080");
    assert_eq!(u.path_and_query, "/a/b?x=1");
    assert_eq!(u.hostname().as_deref(), Some("localhost"));
    assert_eq!(u.port_text(), Some("8080"));
    let u = UrlParts::split("http://[FD00:EC2::23]:80/v1");
    assert_eq!(u.hostname().as_deref(), Some("fd00:ec2::23"));
    assert_eq!(u.port_text(), Some("80"));
    let u = UrlParts::split("/credentials");
    assert_eq!((u.scheme.as_str(), u.hostname()), ("", None));
    let u = UrlParts::split("http://169.254.170.2@evil.example/x");
    assert_eq!(u.hostname().as_deref(), Some("evil.example"));
    let u = UrlParts::split(" \thttp://a\n.b/");
    assert_eq!(u.hostname().as_deref(), Some("a.b"));
}

#[test]
fn debug_redacts_secret_headers() {
    let r = Request::new(HttpMethod::Get, "http://127.0.0.1/")
        .header("Authorization", "sekrit")
        .header("x-aws-ec2-metadata-token", "tok123");
    let d = format!("{r:?}");
    assert!(!d.contains("sekrit") && !d.contains("tok123"), "{d}");
    let d = format!("{:?}", Response::new(200, "{\"SecretAccessKey\":\"s3\"}"));
    assert!(!d.contains("s3"), "{d}");
    // What the loopback test server records, too.
    let rec = crate::testkit::Recorded {
        method: "GET".into(),
        path: "/".into(),
        headers: vec![
            ("authorization".into(), "sekrit".into()),
            ("x-amz-security-token".into(), "tok123".into()),
            ("accept".into(), "a/b".into()),
            ("x-amz-sso_bearer_token".into(), "bearer9".into()),
        ],
        body: b"{\"refreshToken\":\"rt-secret\"}".to_vec(),
    };
    let d = format!("{rec:?}");
    assert!(
        !d.contains("sekrit")
            && !d.contains("tok123")
            && !d.contains("bearer9")
            && !d.contains("rt-secret")
            && d.contains("a/b"),
        "{d}"
    );
}

mod client {
    use std::time::{Duration, Instant};

    use super::super::*;
    use crate::testkit::{Reply, TestServer};

    fn get(server: &TestServer, client: &StdHttpClient) -> Result<Response, TransportError> {
        let req = Request::new(HttpMethod::Get, server.url("/x")).header("Accept", "a/b");
        client.send(&req, &Timeouts::botocore(Duration::from_secs(1)))
    }

    fn raw(bytes: &str) -> TestServer {
        let bytes = bytes.as_bytes().to_vec();
        TestServer::start(move |_, _| Reply::Raw(bytes.clone()))
    }

    #[test]
    fn bodies_by_length_chunked_and_close() {
        let c = StdHttpClient::default();
        let s = raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloIGNORED");
        assert_eq!(get(&s, &c).unwrap().body, b"hello");
        let s = raw(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n",
        );
        assert_eq!(get(&s, &c).unwrap().body, b"abcde");
        let s = raw("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nuntil close");
        let r = get(&s, &c).unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"until close"[..]));
        let s = raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz");
        assert_eq!(get(&s, &c).unwrap().body, b"z");
        assert_eq!(s.requests()[0].header("accept"), Some("a/b"));
        assert_eq!(s.requests()[0].header("connection"), Some("close"));
    }

    #[test]
    fn malformed_short_and_oversized_responses_fail_cleanly() {
        let c = StdHttpClient::default().with_max_body(10);
        for (text, why) in [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
                "larger than the 10-byte limit",
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
                "before the body",
            ),
            (
                "HTTP/1.1 200 OK\r\n\r\n0123456789ABC",
                "larger than the 10-byte limit",
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "chunk size",
            ),
            ("HTTP/1.1 2x0 OK\r\n\r\n", "status code"),
            ("garbage\r\n\r\n", "status line"),
            ("", "closed"),
        ] {
            let s = raw(text);
            let e = get(&s, &c).unwrap_err();
            // Over the cap: its own kind naming the limit, not a closed
            // connection.
            let want = if why.contains("limit") {
                TransportErrorKind::ResponseTooLarge
            } else {
                TransportErrorKind::ConnectionClosed
            };
            assert_eq!(e.kind(), want, "{text:?}");
            assert!(e.to_string().contains(why), "{text:?}: {e}");
        }
    }

    #[test]
    fn timeouts_and_refusals() {
        let c = StdHttpClient::default();
        let s = TestServer::start(|_, _| Reply::BlackHole);
        let start = Instant::now();
        let e = get(&s, &c).unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::ReadTimeout);
        assert!(start.elapsed() < Duration::from_secs(3));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let req = Request::new(HttpMethod::Get, format!("http://127.0.0.1:{port}/"));
        let e = c
            .send(&req, &Timeouts::botocore(Duration::from_secs(1)))
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Connect);
        for (url, kind) in [
            ("https://127.0.0.1/", TransportErrorKind::Unsupported),
            ("ftp://127.0.0.1/", TransportErrorKind::InvalidUrl),
            ("http://127.0.0.1:99999/", TransportErrorKind::InvalidUrl),
            ("http:///x", TransportErrorKind::InvalidUrl),
        ] {
            let e = c
                .send(
                    &Request::new(HttpMethod::Get, url),
                    &Timeouts::botocore(Duration::from_secs(1)),
                )
                .unwrap_err();
            assert_eq!(e.kind(), kind, "{url}");
        }
        let req = Request::new(HttpMethod::Get, s.url("/")).header("Authorization", "\u{20ac}");
        let e = c
            .send(&req, &Timeouts::botocore(Duration::from_secs(1)))
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::InvalidRequest);
        assert!(!e.to_string().contains('\u{20ac}'));
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let s = raw("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        let t = Timeouts::botocore(Duration::from_secs(u64::MAX / 4));
        let r = StdHttpClient::default().send(&Request::new(HttpMethod::Put, s.url("/")), &t);
        assert_eq!(r.unwrap().status, 200);
        assert_eq!(s.requests()[0].header("content-length"), Some("0"));
    }
}

mod tls {
    use std::time::Duration;

    use super::super::*;
    use crate::testkit::{Reply, TestServer};

    #[test]
    fn default_client_routes_by_scheme() {
        let c = DefaultClient::default();
        assert!(c.supports_https());
        let t = Timeouts::botocore(Duration::from_secs(2));
        // http: the std client.
        let s = TestServer::start(|_, _| Reply::Respond(200, "plain".into()));
        let r = c
            .send(&Request::new(HttpMethod::Get, s.url("/")), &t)
            .unwrap();
        assert_eq!(r.body, b"plain");
        // https to a plain-http server: ureq starts a TLS handshake that the
        // server never answers (it waits for a request head) or rejects.
        let https = s.url("/").replacen("http://", "https://", 1);
        let e = c
            .send(&Request::new(HttpMethod::Get, https), &t)
            .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                TransportErrorKind::Tls
                    | TransportErrorKind::ConnectionClosed
                    | TransportErrorKind::ConnectTimeout
            ),
            "{e}"
        );
        // https to a closed port: refused, not "unsupported".
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = c
            .send(
                &Request::new(HttpMethod::Get, format!("https://127.0.0.1:{port}/")),
                &t,
            )
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Connect, "{e}");
    }

    #[test]
    fn ureq_black_hole_times_out() {
        let s = TestServer::start(|_, _| Reply::BlackHole);
        let https = s.url("/").replacen("http://", "https://", 1);
        let start = std::time::Instant::now();
        let e = UreqClient::default()
            .send(
                &Request::new(HttpMethod::Get, https),
                &Timeouts::botocore(Duration::from_secs(1)),
            )
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(4), "{e}");
        assert!(
            matches!(
                e.kind(),
                TransportErrorKind::ReadTimeout | TransportErrorKind::ConnectTimeout
            ),
            "{e}"
        );
    }
}

#[test]
fn user_agent_names_credchain_and_the_execution_env() {
    let plain = user_agent(&crate::os::MapEnv::default());
    assert!(
        plain.starts_with(&format!(
            "credchain/{} ua/2.1 os/",
            env!("CARGO_PKG_VERSION")
        )),
        "{plain}"
    );
    assert!(!plain.contains("exec-env/"), "{plain}");
    let env = crate::os::MapEnv::from_pairs([("AWS_EXECUTION_ENV", "AWS_Lambda python/3.12")]);
    // botocore's sanitizer turns the space and `/` into `-`.
    assert!(
        user_agent(&env).ends_with(" exec-env/AWS_Lambda-python-3.12"),
        "{}",
        user_agent(&env)
    );
}

#[test]
fn ca_bundle_needs_a_certificate_and_names_the_path() {
    let e = CaBundle::from_pem("/b.pem", b"garbage\n").unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::Tls);
    assert!(
        e.to_string()
            .starts_with("SSLError: invalid CA bundle /b.pem"),
        "{e}"
    );
    let key_only = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert!(CaBundle::from_pem("/k.pem", key_only).is_err());
}

#[test]
fn python_ip_address_and_bracket_rules() {
    // python3.11: ipaddress.ip_address(x) / urllib.parse.urlsplit(u)
    assert!(py_ip_address("127.0.0.1").is_some());
    for bad in [
        "127.0.0.1%x",
        "127.0.0.1%",
        "127.0.0.01",
        "::1%",
        "::1%a%b",
        "localhost",
        "",
    ] {
        assert_eq!(py_ip_address(bad), None, "{bad}");
    }
    assert!(py_ip_address("::1%lo").is_some_and(|a| a.is_loopback()));
    let err = |u: &str| UrlParts::split(u).netloc_error();
    assert_eq!(err("http://[::1%lo]:8/x"), None);
    assert_eq!(err("http://[v1.fe]/"), None);
    assert_eq!(
        err("http://[v1.]/").as_deref(),
        Some("IPvFuture address is invalid")
    );
    assert_eq!(err("http://[::1/").as_deref(), Some("Invalid IPv6 URL"));
    assert_eq!(
        err("http://[127.0.0.1]/").as_deref(),
        Some("An IPv4 address cannot be in brackets")
    );
    assert_eq!(
        err("http://[localhost]/").as_deref(),
        Some("'localhost' does not appear to be an IPv4 or IPv6 address")
    );
    assert_eq!(py_repr("a'b"), "\"a'b\"");
    assert_eq!(py_repr("a'\"\n"), "'a\\'\"\\n'");
}
