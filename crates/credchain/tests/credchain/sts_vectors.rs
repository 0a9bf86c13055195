//! The smithy-rs assume-role and web-identity scenarios
//! (`credential-provider-scenarios/{profile-provider,default-credential-provider-chain}`)
//! replayed through credchain: the recorded STS answers are served in
//! order, and credchain must send botocore's requests (method and URL) and
//! reach botocore's result, as recorded offline by
//! `scripts/verify_sts_vectors.py` in `test-data/sts-vector-record.json`.
//! Where botocore differs from the vector the record says why; everywhere
//! else the result is also checked against the vector itself.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use credchain::http::{
    HttpClient, Request, Response, Timeouts, TransportError, TransportErrorKind,
};
use credchain::os::{FixedClock, MapEnv, Os, RecordingSleep};
use credchain::{Error, Session};
use serde_json::Value;

/// Serves the recorded answers in order; records what was sent.
#[derive(Default)]
struct Replay {
    answers: Mutex<Vec<Response>>,
    sent: Mutex<Vec<(String, String)>>,
}

impl Replay {
    fn load(dir: &Path) -> Replay {
        let traffic: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("http-traffic.json")).unwrap())
                .unwrap();
        let mut conns: Vec<(u64, Response)> = Vec::new();
        for e in traffic["events"].as_array().unwrap() {
            let id = e["connection_id"].as_u64().unwrap();
            if !conns.iter().any(|(c, _)| *c == id) {
                conns.push((id, Response::new(0, Vec::new())));
            }
            let resp = &mut conns.iter_mut().find(|(c, _)| *c == id).unwrap().1;
            let a = &e["action"];
            if let Some(r) = a.get("Response") {
                resp.status =
                    u16::try_from(r["response"]["Ok"]["status"].as_u64().unwrap()).unwrap();
            } else if let Some(d) = a.get("Data")
                && d["direction"] == "Response"
            {
                resp.body
                    .extend_from_slice(d["data"]["Utf8"].as_str().unwrap_or("").as_bytes());
            }
        }
        conns.sort_by_key(|(c, _)| *c);
        let mut answers: Vec<Response> = conns.into_iter().map(|(_, r)| r).collect();
        answers.reverse();
        Replay {
            answers: Mutex::new(answers),
            sent: Mutex::new(Vec::new()),
        }
    }
}

impl HttpClient for Replay {
    fn send(&self, req: &Request, _: &Timeouts) -> Result<Response, TransportError> {
        self.sent
            .lock()
            .unwrap()
            .push((req.method.as_str().to_owned(), req.url.clone()));
        self.answers.lock().unwrap().pop().ok_or_else(|| {
            TransportError::new(TransportErrorKind::Connect, "replay: no more answers")
        })
    }
    fn supports_https(&self) -> bool {
        true
    }
}

#[test]
fn sts_scenarios_replay_like_botocore() {
    let Some(vectors) = credchain::testkit::vectors_dir() else {
        return;
    };
    let record: Value =
        serde_json::from_str(include_str!("../../test-data/sts-vector-record.json")).unwrap();
    let clock = UNIX_EPOCH + Duration::from_secs(record["clock"].as_u64().unwrap());
    let (mut agreed, mut differ) = (0, 0);
    for case in record["cases"].as_array().unwrap() {
        let suite = case["suite"].as_str().unwrap();
        let name = case["name"].as_str().unwrap();
        let dir = vectors
            .join("credential-provider-scenarios")
            .join(suite)
            .join(name);
        let env: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("env.json")).unwrap()).unwrap();
        let profile = env.get("AWS_PROFILE").cloned();
        let client = Arc::new(Replay::load(&dir));
        let mut b = Session::builder()
            .os(Os {
                env: Arc::new(MapEnv(env)),
                fs: Arc::new(credchain::testkit::mem_fs_from_dir(&dir.join("fs"))),
                clock: Arc::new(FixedClock(clock)),
            })
            .http_client(client.clone())
            .sleep(Arc::new(RecordingSleep::default()));
        if suite == "profile-provider" {
            // The profile provider alone: env keys must not win.
            b = b.profile_name(profile.unwrap_or_else(|| "default".into()));
        }
        let ours = b.build().get_credentials();
        let boto = &case["botocore"];
        let sent: Vec<Value> = client
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|(m, u)| serde_json::json!([m, u]))
            .collect();
        assert_eq!(Value::from(sent), boto["requests"], "{name}: requests");
        match (&ours, boto["result"].get("Ok")) {
            (Ok(Some(c)), Some(ok)) => {
                assert_eq!(c.access_key_id(), ok["access_key_id"], "{name}");
                assert_eq!(c.account_id(), ok["account_id"].as_str(), "{name}");
                assert_eq!(c.method().as_str(), ok["method"], "{name}");
            }
            (Err(e), None) => {
                let want = &boto["result"]["Error"];
                assert_eq!(e.kind(), want["kind"], "{name}: {e}");
                let msg = e.to_string();
                let want_msg = want["message"].as_str().unwrap();
                if matches!(e, Error::Expired { .. }) {
                    assert!(msg.starts_with(want_msg), "{name}: {msg}");
                } else {
                    assert_eq!(msg, want_msg, "{name}");
                }
            }
            _ => panic!("{name}: credchain {ours:?}, botocore {boto}"),
        }
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("test-case.json")).unwrap())
                .unwrap();
        if case.get("differs").is_some() {
            assert!(
                case["why"].as_str().is_some_and(|w| w.contains("P-")),
                "{name}"
            );
            differ += 1;
        } else {
            match expected["result"].get("Ok") {
                Some(ok) => assert_eq!(
                    ours.as_ref().unwrap().as_ref().unwrap().access_key_id(),
                    ok["access_key_id"],
                    "{name}"
                ),
                None => assert!(ours.is_err(), "{name}: the vector expects an error"),
            }
            agreed += 1;
        }
    }
    assert_eq!((agreed, differ), (10, 4));
}
