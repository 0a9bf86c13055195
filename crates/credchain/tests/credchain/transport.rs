//! The STS transport end to end, loopback only: environment proxies
//! (`HTTPS_PROXY` through a `CONNECT` tunnel, `HTTP_PROXY` in absolute form,
//! `NO_PROXY` bypass), `AWS_CA_BUNDLE` / `ca_bundle` replacing the webpki
//! roots, and the `User-Agent`. The servers are threads in this process: a
//! TLS "STS" with a certificate generated here (rcgen) and a tiny proxy.
//! Every socket is on 127.0.0.1; the proxy refuses any other target.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use credchain::Session;
use credchain::os::{MapEnv, Os, RealClock, RealFs, RecordingSleep};

const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/loopback</Arn>
    <UserId>AIDALOOPBACK</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

type Log = Arc<Mutex<Vec<String>>>;

/// Reads one request head (up to the blank line) and its `Content-Length`
/// body; returns the head.
fn read_request(s: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some(head)
}

fn answer(s: &mut impl Write) {
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{IDENTITY}",
        IDENTITY.len()
    );
    let _ = s.flush();
}

/// A TLS server answering GetCallerIdentity; the certificate is returned
/// as PEM (for `AWS_CA_BUNDLE`) with the port and the request heads seen.
fn tls_sts() -> (u16, String, Log) {
    tls_sts_with(&rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap())
}

/// A self-signed **CA** certificate (`basicConstraints: CA:TRUE`) for
/// `names`, the kind local endpoints use straight as their server
/// certificate.
fn self_signed_ca(names: &[&str]) -> rcgen::CertifiedKey<rcgen::KeyPair> {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let signing_key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&signing_key).unwrap();
    rcgen::CertifiedKey { cert, signing_key }
}

/// [`tls_sts`] serving `ck`.
fn tls_sts_with(ck: &rcgen::CertifiedKey<rcgen::KeyPair>) -> (u16, String, Log) {
    let pem = ck.cert.pem();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![ck.cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into()),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let config = Arc::clone(&config);
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                // A client that rejects the certificate ends here.
                if let Some(head) = read_request(&mut tls) {
                    seen.lock().unwrap().push(head);
                    answer(&mut tls);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            });
        }
    });
    (port, pem, log)
}

/// A proxy on 127.0.0.1: `CONNECT 127.0.0.1:P` is tunnelled; an
/// absolute-form request is answered by the proxy itself (as if forwarded).
/// Returns the port and every request head it received.
fn proxy() -> (u16, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
                let Some(head) = read_request(&mut client) else {
                    return;
                };
                seen.lock().unwrap().push(head.clone());
                let target = head.split(' ').nth(1).unwrap_or("").to_owned();
                if !head.starts_with("CONNECT ") {
                    answer(&mut client);
                    return;
                }
                // Loopback only: never tunnel anywhere else.
                let allowed = target
                    .strip_prefix("127.0.0.1:")
                    .is_some_and(|p| p.parse::<u16>().is_ok());
                let upstream = allowed.then(|| TcpStream::connect(&target).ok()).flatten();
                let Some(upstream) = upstream else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let (mut client, mut upstream) = (client, upstream);
                let up = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                    let _ = u2.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut upstream, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = up.join();
            });
        }
    });
    (port, log)
}

fn session(home: &Path, vars: &[(&str, String)]) -> Session {
    let mut env = vec![
        ("HOME".to_owned(), home.display().to_string()),
        ("AWS_DEFAULT_REGION".to_owned(), "us-east-1".to_owned()),
    ];
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    Session::builder()
        .os(Os {
            env: Arc::new(MapEnv::from_pairs(env)),
            fs: Arc::new(RealFs),
            clock: Arc::new(RealClock),
        })
        // Retries of a failed handshake must not really sleep.
        .sleep(Arc::new(RecordingSleep::default()))
        .credentials(Some("AKIDLOOPBACK".into()), Some("secret".into()), None)
        .build()
}

fn caller(s: &Session) -> Result<String, credchain::Error> {
    let creds = s.get_credentials()?.expect("explicit keys");
    let id = s.sts_client()?.get_caller_identity(&creds)?;
    Ok(id.arn)
}

fn write_bundle(dir: &Path, pem: &str) -> String {
    let path = dir.join("bundle.pem");
    std::fs::write(&path, pem).unwrap();
    path.display().to_string()
}

#[test]
fn https_goes_through_the_connect_proxy_and_trusts_the_ca_bundle() {
    let home = tempfile::tempdir().unwrap();
    let (sts, pem, sts_log) = tls_sts();
    let (px, px_log) = proxy();
    let bundle = write_bundle(home.path(), &pem);
    let s = session(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}")),
            ("HTTPS_PROXY", format!("127.0.0.1:{px}")),
            // Plain-http proxy settings do not apply to an https endpoint.
            ("HTTP_PROXY", "127.0.0.1:9".to_owned()),
            ("AWS_CA_BUNDLE", bundle),
        ],
    );
    assert_eq!(
        caller(&s).unwrap(),
        "arn:aws:iam::123456789012:user/loopback"
    );
    let px_log = px_log.lock().unwrap();
    assert_eq!(px_log.len(), 1, "{px_log:?}");
    assert!(
        px_log[0].starts_with(&format!("CONNECT 127.0.0.1:{sts} HTTP/1.1\r\n")),
        "{px_log:?}"
    );
    let sts_log = sts_log.lock().unwrap();
    assert_eq!(sts_log.len(), 1);
    let ua = sts_log[0]
        .lines()
        .find_map(|l| {
            l.strip_prefix("user-agent: ")
                .or_else(|| l.strip_prefix("User-Agent: "))
        })
        .expect("a User-Agent");
    assert!(
        ua.starts_with(&format!("credchain/{} ", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    assert!(sts_log[0].starts_with("POST / HTTP/1.1\r\n"), "{sts_log:?}");
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let home = tempfile::tempdir().unwrap();
    let (sts, pem, sts_log) = tls_sts();
    let (px, px_log) = proxy();
    let bundle = write_bundle(home.path(), &pem);
    for no_proxy in [
        ("NO_PROXY", "127.0.0.1".to_owned()),
        ("no_proxy", format!("example.com, 127.0.0.1:{sts}")),
        ("NO_PROXY", "*".to_owned()),
        ("no_proxy", ".0.0.1".to_owned()),
    ] {
        let s = session(
            home.path(),
            &[
                ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}")),
                ("https_proxy", format!("http://127.0.0.1:{px}")),
                ("AWS_CA_BUNDLE", bundle.clone()),
                no_proxy.clone(),
            ],
        );
        assert!(caller(&s).is_ok(), "{no_proxy:?}");
    }
    assert!(px_log.lock().unwrap().is_empty());
    assert_eq!(sts_log.lock().unwrap().len(), 4);
    // A non-matching entry (and botocore's lack of CIDR matching) keeps it.
    for no in ["127.0.0.2", "127.0.0.0/8"] {
        let s = session(
            home.path(),
            &[
                ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}")),
                ("HTTPS_PROXY", format!("http://127.0.0.1:{px}")),
                ("AWS_CA_BUNDLE", bundle.clone()),
                ("NO_PROXY", no.to_owned()),
            ],
        );
        assert!(caller(&s).is_ok(), "{no}");
    }
    assert_eq!(px_log.lock().unwrap().len(), 2);
}

#[test]
fn plain_http_goes_through_the_proxy_in_absolute_form() {
    let home = tempfile::tempdir().unwrap();
    let (px, px_log) = proxy();
    // Nothing listens on the endpoint's port: only the proxy can answer.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let s = session(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}")),
            ("http_proxy", format!("http://u:p%40ss@127.0.0.1:{px}")),
            ("HTTPS_PROXY", "127.0.0.1:9".to_owned()),
        ],
    );
    assert_eq!(
        caller(&s).unwrap(),
        "arn:aws:iam::123456789012:user/loopback"
    );
    let log = px_log.lock().unwrap();
    assert_eq!(log.len(), 1);
    assert!(
        log[0].starts_with(&format!("POST http://127.0.0.1:{port}/ HTTP/1.1\r\n")),
        "{log:?}"
    );
    assert!(
        log[0].contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")),
        "{log:?}"
    );
    assert_eq!(
        log[0].matches("User-Agent: credchain/").count(),
        1,
        "{log:?}"
    );
    // botocore's proxy_headers_for: Basic "u:p@ss".
    assert!(
        log[0].contains("\r\nProxy-Authorization: Basic dTpwQHNz\r\n"),
        "{log:?}"
    );
}

#[test]
fn unreachable_proxy_is_a_proxy_connection_error() {
    let home = tempfile::tempdir().unwrap();
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let s = session(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", "https://127.0.0.1:9/".to_owned()),
            ("HTTPS_PROXY", format!("http://u:pw@127.0.0.1:{port}")),
        ],
    );
    let e = caller(&s).unwrap_err();
    assert_eq!(e.kind(), "ProxyConnectionError", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!(
            "Failed to connect to proxy URL: \"http://***:***@127.0.0.1:{port}\""
        )),
        "{msg}"
    );
    assert!(!msg.contains("pw"), "{msg}");
    // The same through the plain-http client.
    let s = session(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/".to_owned()),
            ("HTTP_PROXY", format!("127.0.0.1:{port}")),
        ],
    );
    let e = caller(&s).unwrap_err();
    assert_eq!(e.kind(), "ProxyConnectionError", "{e}");
    assert!(
        e.to_string()
            .contains(&format!("\"http://127.0.0.1:{port}\"")),
        "{e}"
    );
}

#[test]
fn without_the_bundle_the_handshake_fails() {
    let home = tempfile::tempdir().unwrap();
    let (sts, _pem, sts_log) = tls_sts();
    let s = session(
        home.path(),
        &[("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}"))],
    );
    let e = caller(&s).unwrap_err();
    assert_eq!(e.kind(), "SSLError", "{e}");
    assert!(sts_log.lock().unwrap().is_empty());
}

#[test]
fn ca_bundle_from_the_profile_and_env_precedence() {
    let home = tempfile::tempdir().unwrap();
    let (sts, pem, _) = tls_sts();
    let bundle = write_bundle(home.path(), &pem);
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        format!("[default]\nca_bundle = {bundle}\n"),
    )
    .unwrap();
    let endpoint = ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}"));
    let s = session(home.path(), std::slice::from_ref(&endpoint));
    assert!(caller(&s).is_ok());
    // AWS_CA_BUNDLE beats the profile: a missing file is an SSLError naming it.
    let missing = home.path().join("missing.pem").display().to_string();
    let s = session(
        home.path(),
        &[endpoint.clone(), ("AWS_CA_BUNDLE", missing.clone())],
    );
    let e = caller(&s).unwrap_err();
    assert_eq!(e.kind(), "SSLError", "{e}");
    assert!(e.to_string().contains(&missing), "{e}");
    // REQUESTS_CA_BUNDLE comes after the profile.
    let s = session(home.path(), &[endpoint, ("REQUESTS_CA_BUNDLE", missing)]);
    assert!(caller(&s).is_ok());
}

#[test]
fn invalid_bundle_is_an_ssl_error_naming_the_path() {
    let home = tempfile::tempdir().unwrap();
    let (sts, _, sts_log) = tls_sts();
    for text in [
        "not a certificate\n",
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
    ] {
        let bundle = write_bundle(home.path(), text);
        let s = session(
            home.path(),
            &[
                ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}")),
                ("AWS_CA_BUNDLE", bundle.clone()),
            ],
        );
        let e = caller(&s).unwrap_err();
        assert_eq!(e.kind(), "SSLError", "{e}");
        let msg = e.to_string();
        assert!(msg.contains(&bundle), "{msg}");
        assert!(
            msg.starts_with(&format!(
                "SSL validation failed for https://127.0.0.1:{sts}/ "
            )),
            "{msg}"
        );
    }
    assert!(sts_log.lock().unwrap().is_empty());
}

/// botocore (OpenSSL) trusts a certificate found in `AWS_CA_BUNDLE` even when
/// the server presents that very CA certificate as its own; webpki alone
/// says `CaUsedAsEndEntity`. Only that exact certificate, for the right
/// host, is accepted.
#[test]
fn a_self_signed_ca_served_as_the_server_certificate_is_trusted() {
    let home = tempfile::tempdir().unwrap();
    let (sts, pem, log) = tls_sts_with(&self_signed_ca(&["127.0.0.1"]));
    let bundle = write_bundle(home.path(), &pem);
    let vars = |bundle: &str| {
        vec![
            ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}")),
            ("AWS_CA_BUNDLE", bundle.to_owned()),
        ]
    };
    let s = session(home.path(), &vars(&bundle));
    assert_eq!(
        caller(&s).unwrap(),
        "arn:aws:iam::123456789012:user/loopback"
    );
    assert_eq!(log.lock().unwrap().len(), 1);
    // A different CA in the bundle: refused.
    let other = self_signed_ca(&["127.0.0.1"]).cert.pem();
    let other_path = home.path().join("other.pem");
    std::fs::write(&other_path, other).unwrap();
    let s = session(home.path(), &vars(&other_path.display().to_string()));
    assert_eq!(caller(&s).unwrap_err().kind(), "SSLError");
    // The same CA certificate for another name: refused (host check kept).
    let (sts2, pem2, log2) = tls_sts_with(&self_signed_ca(&["localhost.invalid"]));
    let path2 = home.path().join("named.pem");
    std::fs::write(&path2, pem2).unwrap();
    let s = session(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts2}")),
            ("AWS_CA_BUNDLE", path2.display().to_string()),
        ],
    );
    let e = caller(&s).unwrap_err();
    assert_eq!(e.kind(), "SSLError", "{e}");
    assert!(log2.lock().unwrap().is_empty());
}

/// The AWS CLI's `--no-verify-ssl` is botocore's `verify=False` for the
/// command's own client: a certificate nobody trusts is accepted (and a
/// bundle that would be an error is not even read); every other client of
/// the session keeps its checks.
#[test]
fn without_certificate_checks_accepts_an_untrusted_certificate_for_that_client_only() {
    let home = tempfile::tempdir().unwrap();
    let (sts, _pem, sts_log) = tls_sts();
    let s = session(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}")),
            // Missing: an SSLError for any client that reads it.
            ("AWS_CA_BUNDLE", "/nonexistent/bundle.pem".to_owned()),
        ],
    );
    let creds = s.get_credentials().unwrap().expect("explicit keys");
    let id = s
        .sts_client()
        .unwrap()
        .without_certificate_checks()
        .get_caller_identity(&creds)
        .unwrap();
    assert_eq!(id.arn, "arn:aws:iam::123456789012:user/loopback");
    assert_eq!(sts_log.lock().unwrap().len(), 1);
    // The same session's ordinary client still checks.
    assert_eq!(caller(&s).unwrap_err().kind(), "SSLError");
    let plain = session(
        home.path(),
        &[("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{sts}"))],
    );
    assert_eq!(caller(&plain).unwrap_err().kind(), "SSLError");
    assert_eq!(
        sts_log.lock().unwrap().len(),
        1,
        "no request after a failed handshake"
    );
}
