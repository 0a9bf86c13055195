//! Which party an STS failure blames, against loopback servers, with the
//! class and message botocore 1.43.11 gives for the same fault as the
//! expected value (measured with a botocore `sts` client, static keys,
//! `endpoint_url` and the proxy variables below, against the same kinds of
//! server). A failing proxy is named as the proxy, a malformed answer is
//! the response's fault (`ResponseParserError`, not a provider's), and an
//! answer over the body cap names the cap.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use credchain::Session;
use credchain::os::{MapEnv, Os, RealClock, RealFs, RecordingSleep};
use credchain::testkit::{Reply, TestServer};

const IDENTITY_HEAD: &str = "<GetCallerIdentityResponse><GetCallerIdentityResult>\
    <Arn>arn:aws:iam::123456789012:user/x</Arn><UserId>U</UserId>\
    <Account>123456789012</Account></GetCallerIdentityResult>";

fn session(home: &Path, vars: &[(&str, String)]) -> Session {
    let mut env = vec![
        ("HOME".to_owned(), home.display().to_string()),
        ("AWS_DEFAULT_REGION".to_owned(), "us-east-1".to_owned()),
        ("AWS_MAX_ATTEMPTS".to_owned(), "1".to_owned()),
    ];
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    Session::builder()
        .os(Os {
            env: Arc::new(MapEnv::from_pairs(env)),
            fs: Arc::new(RealFs),
            clock: Arc::new(RealClock),
        })
        .sleep(Arc::new(RecordingSleep::default()))
        .credentials(Some("AKIDLOOPBACK".into()), Some("secret".into()), None)
        .build()
}

/// `get-caller-identity` → `Ok(arn)` or `Err((class, message))`.
fn caller(vars: &[(&str, String)]) -> Result<String, (String, String)> {
    let home = tempfile::tempdir().unwrap();
    let s = session(home.path(), vars);
    let creds = s.get_credentials().unwrap().expect("explicit keys");
    s.sts_client()
        .and_then(|c| c.get_caller_identity(&creds))
        .map(|id| id.arn)
        .map_err(|e| (e.kind().to_owned(), e.to_string()))
}

fn raw(bytes: &str) -> TestServer {
    let bytes = bytes.as_bytes().to_vec();
    TestServer::start(move |_, _| Reply::Raw(bytes.clone()))
}

/// A proxy that answers every request (a `CONNECT` too) with `reply`.
fn through_proxy(scheme: &str, reply: Reply) -> (Result<String, (String, String)>, u16) {
    let proxy = TestServer::start(move |_, _| reply.clone());
    let port = proxy.port();
    let var = if scheme == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    let r = caller(&[
        ("AWS_ENDPOINT_URL_STS", format!("{scheme}://127.0.0.1:9/")),
        (var, format!("http://u:pw@127.0.0.1:{port}")),
    ]);
    (r, port)
}

fn proxy_error(port: u16) -> String {
    format!("Failed to connect to proxy URL: \"http://***:***@127.0.0.1:{port}\"")
}

fn closed(url: &str) -> String {
    format!(
        "Connection was closed before we received a valid response from endpoint URL: \"{url}\"."
    )
}

#[test]
fn a_proxy_that_refuses_the_tunnel_is_named() {
    // botocore: ProxyConnectionError for a 502 or 407 answer to CONNECT.
    for status in ["502 Bad Gateway", "407 Proxy Authentication Required"] {
        let reply = Reply::Raw(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").into());
        let (r, port) = through_proxy("https", reply);
        let (class, msg) = r.unwrap_err();
        assert_eq!(class, "ProxyConnectionError", "{status}: {msg}");
        assert!(msg.ends_with(&proxy_error(port)), "{status}: {msg}");
        assert!(!msg.contains("pw"), "{msg}");
    }
}

#[test]
fn a_proxy_that_closes_is_blamed_as_botocore_does() {
    // botocore: the CONNECT closed unanswered → ConnectionClosedError naming
    // the endpoint; a forwarding (plain http) proxy that closes →
    // ProxyConnectionError naming the proxy.
    let (r, _) = through_proxy("https", Reply::Close);
    let (class, msg) = r.unwrap_err();
    assert_eq!(class, "ConnectionClosedError", "{msg}");
    assert!(msg.ends_with(&closed("https://127.0.0.1:9/")), "{msg}");
    let (r, port) = through_proxy("http", Reply::Close);
    let (class, msg) = r.unwrap_err();
    assert_eq!(class, "ProxyConnectionError", "{msg}");
    assert!(msg.ends_with(&proxy_error(port)), "{msg}");
    // Garbage instead of an HTTP answer: ConnectionClosedError either way.
    for scheme in ["https", "http"] {
        let (r, _) = through_proxy(scheme, Reply::Garbage);
        let (class, msg) = r.unwrap_err();
        assert_eq!(class, "ConnectionClosedError", "{scheme}: {msg}");
        assert!(
            msg.ends_with(&closed(&format!("{scheme}://127.0.0.1:9/"))),
            "{msg}"
        );
    }
}

#[test]
fn a_forwarding_proxys_own_answer_is_parsed_like_stss() {
    // botocore: `An error occurred (502) when calling the GetCallerIdentity
    // operation: Bad Gateway` (generic 5xx: Python's reason phrase), and a
    // 407 with an empty body is a ResponseParserError (a 4xx body must be
    // XML).
    let reply = Reply::Raw(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".to_vec());
    let (class, msg) = through_proxy("http", reply).0.unwrap_err();
    assert_eq!(class, "ClientError", "{msg}");
    assert!(
        msg.contains("An error occurred (502) when calling the GetCallerIdentity operation")
            && msg.ends_with(": Bad Gateway"),
        "{msg}"
    );
    let reply = Reply::Raw(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n".to_vec(),
    );
    let (class, msg) = through_proxy("http", reply).0.unwrap_err();
    assert_eq!(class, "ResponseParserError", "{msg}");
    assert!(
        msg.contains("Unable to parse response (no element found)"),
        "{msg}"
    );
}

#[test]
fn malformed_xml_is_a_response_parser_error_sent_once() {
    // botocore: `ResponseParserError: Unable to parse response (unclosed
    // token: line 1, column 27), invalid XML received. Further retries may
    // succeed:` + the body (credchain leaves the body out: it may hold
    // credentials). Not retried.
    for body in ["<GetCallerIdentityResponse><oops", "not xml at all", ""] {
        let server = TestServer::start(move |_, _| Reply::Respond(200, body.into()));
        let r = caller(&[
            ("AWS_ENDPOINT_URL_STS", server.url("/")),
            ("AWS_MAX_ATTEMPTS", "3".to_owned()),
        ]);
        let (class, msg) = r.unwrap_err();
        assert_eq!(class, "ResponseParserError", "{body:?}: {msg}");
        assert!(
            msg.contains("Unable to parse response (") && msg.contains("invalid XML received"),
            "{msg}"
        );
        assert!(!msg.contains("assume-role"), "{msg}");
        assert_eq!(server.requests().len(), 1, "{body:?}");
    }
}

#[test]
fn an_answer_over_the_cap_names_the_cap() {
    // botocore reads 2 MiB and succeeds; credchain refuses past 1 MiB and
    // says so, instead of reporting a closed connection.
    let big = format!(
        "{IDENTITY_HEAD}<!--{}--></GetCallerIdentityResponse>",
        "x".repeat(2 * 1024 * 1024)
    );
    let server = TestServer::start(move |_, _| Reply::Respond(200, big.clone()));
    let url = server.url("/");
    let (class, msg) = caller(&[("AWS_ENDPOINT_URL_STS", url.clone())]).unwrap_err();
    assert_eq!(class, "ResponseTooLargeError", "{msg}");
    assert!(
        msg.contains(&format!("\"{url}\"")) && msg.contains("1048576-byte limit"),
        "{msg}"
    );
    assert_eq!(server.requests().len(), 1);
    // Under the cap it is an ordinary answer.
    let ok = format!("{IDENTITY_HEAD}</GetCallerIdentityResponse>");
    let server = raw(&format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{ok}",
        ok.len()
    ));
    assert_eq!(
        caller(&[("AWS_ENDPOINT_URL_STS", server.url("/"))]).as_deref(),
        Ok("arn:aws:iam::123456789012:user/x")
    );
}

#[test]
fn an_endpoint_that_refuses_is_an_endpoint_connection_error() {
    // botocore: `Could not connect to the endpoint URL: "http://127.0.0.1:P/"`.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let url = format!("http://127.0.0.1:{port}/");
    let (class, msg) = caller(&[("AWS_ENDPOINT_URL_STS", url.clone())]).unwrap_err();
    assert_eq!(class, "EndpointConnectionError", "{msg}");
    assert!(
        msg.ends_with(&format!("Could not connect to the endpoint URL: \"{url}\"")),
        "{msg}"
    );
}
