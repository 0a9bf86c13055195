//! Chain behaviour against in-memory fakes. IDs refer to
//! `../shared/spec/botocore-behaviour.md`.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crate::os::{FixedClock, MapEnv, MemFs, Os};
use crate::{Credentials, Error, Method, Session, StepOutcome};

const NOW: u64 = 1_800_000_000; // 2027-01-15

struct Case {
    env: Vec<(String, String)>,
    fs: MemFs,
    profile: Option<String>,
}

fn case() -> Case {
    Case {
        env: vec![("HOME".into(), "/h".into())],
        fs: MemFs::new(),
        profile: None,
    }
}

impl Case {
    fn env(mut self, k: &str, v: &str) -> Case {
        self.env.push((k.into(), v.into()));
        self
    }
    fn config(mut self, text: &str) -> Case {
        self.fs = self.fs.with_file("/h/.aws/config", text);
        self
    }
    fn creds(mut self, text: &str) -> Case {
        self.fs = self.fs.with_file("/h/.aws/credentials", text);
        self
    }
    fn file(mut self, path: &str, text: &[u8]) -> Case {
        self.fs = self.fs.with_file(path, text.to_vec());
        self
    }
    fn profile(mut self, p: &str) -> Case {
        self.profile = Some(p.into());
        self
    }
    fn session(&self) -> Session {
        let os = Os {
            env: Arc::new(MapEnv::from_pairs(self.env.clone())),
            fs: Arc::new(self.fs.clone()),
            clock: Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW))),
        };
        // Never the network: container/IMDS requests fail to connect, and
        // retry back-off does not really sleep.
        let mut b = Session::builder()
            .os(os)
            .http_client(Arc::new(crate::http::OfflineClient))
            .sleep(Arc::new(crate::os::RecordingSleep::default()));
        if let Some(p) = &self.profile {
            b = b.profile_name(p.clone());
        }
        b.build()
    }
    fn get(&self) -> Result<Option<Credentials>, Error> {
        self.session().get_credentials()
    }
    /// (method, access key) on success.
    fn found(&self) -> (Method, String) {
        let c = self.get().expect("no error").expect("credentials");
        (c.method(), c.access_key_id().to_owned())
    }
    fn kind(&self) -> &'static str {
        self.get().expect_err("an error").kind()
    }
}

const KEYS: &str = "aws_access_key_id = AKCREDS\naws_secret_access_key = s\n";

#[test]
fn env_beats_everything_p_chain_3() {
    let c = case()
        .env("AWS_ACCESS_KEY_ID", "AKENV")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .creds(&format!("[default]\n{KEYS}"));
    assert_eq!(c.found(), (Method::Env, "AKENV".into()));
}

#[test]
fn role_arn_beats_static_keys_and_does_not_fall_through_p_chain_3() {
    let c = case().config(&format!(
        "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n{KEYS}"
    ));
    // The assume-role provider decides (its source profile is missing)
    // and the static keys in the same profile are never reached.
    let e = c.get().unwrap_err();
    assert_eq!(e.kind(), "InvalidConfigError");
    assert_eq!(
        e.to_string(),
        "The source_profile \"x\" referenced in the profile \"default\" does not exist."
    );
    // With a valid source, the role is assumed (here: the offline STS call
    // fails), still without falling through to the static keys.
    let c = case().config(&format!(
        "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n{KEYS}"
    ));
    let r = c.session().explain();
    assert_eq!(r.steps[1].outcome, StepOutcome::Error);
    assert!(
        r.steps[1].detail.contains("sts.amazonaws.com"),
        "{}",
        r.steps[1].detail
    );
}

#[test]
fn credentials_file_keys_beat_process_but_config_keys_lose_p_chain_3() {
    let c = case()
        .config("[default]\ncredential_process = /bin/false\n")
        .creds(&format!("[default]\n{KEYS}"));
    assert_eq!(c.found().0, Method::SharedCredentialsFile);
    let c = case().config(&format!(
        "[default]\ncredential_process = /bin/false\n{KEYS}"
    ));
    // The process runs (and fails) before the config file's keys are
    // looked at.
    assert_eq!(c.kind(), "CredentialRetrievalError");
}

#[test]
fn legacy_file_beats_boto_and_profile_beats_container_p_chain_3() {
    let c = case()
        .env("AWS_CREDENTIAL_FILE", "/ec2")
        .env("BOTO_CONFIG", "/boto")
        .file("/ec2", b"AWSAccessKeyId=AKEC2\nAWSSecretKey=s\n")
        .file(
            "/boto",
            b"[Credentials]\naws_access_key_id = AKBOTO\naws_secret_access_key = s\n",
        );
    assert_eq!(c.found(), (Method::Ec2CredentialsFile, "AKEC2".into()));
    let c = case()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")
        .config(&format!("[default]\n{KEYS}"));
    assert_eq!(c.found().0, Method::ConfigFile);
}

#[test]
fn aws_default_profile_before_aws_profile_p_chain_5() {
    let c = case()
        .env("AWS_PROFILE", "a")
        .env("AWS_DEFAULT_PROFILE", "b")
        .creds("[a]\naws_access_key_id = AKA\naws_secret_access_key = s\n[b]\naws_access_key_id = AKB\naws_secret_access_key = s\n");
    assert_eq!(c.found().1, "AKB");
    let sel = c.session().profile();
    assert_eq!(sel.effective(), "b");
    assert!(
        sel.ignored[0].starts_with("AWS_PROFILE=a ignored"),
        "{:?}",
        sel.ignored
    );
}

#[test]
fn explicit_profile_removes_env_provider_p_chain_6() {
    let env_keys = |c: Case| {
        c.env("AWS_ACCESS_KEY_ID", "AKENV")
            .env("AWS_SECRET_ACCESS_KEY", "s")
    };
    // Explicit profile without credentials: None, env keys ignored.
    let c = env_keys(case().config("[profile dev]\nregion = x\n").profile("dev"));
    assert!(c.get().unwrap().is_none());
    // The same profile from AWS_PROFILE keeps the env provider.
    let c = env_keys(
        case()
            .config("[profile dev]\nregion = x\n")
            .env("AWS_PROFILE", "dev"),
    );
    assert_eq!(c.found().0, Method::Env);
    let r = env_keys(case().config("[profile dev]\n").profile("dev"))
        .session()
        .explain();
    assert!(
        r.steps[0]
            .detail
            .contains("AWS_ACCESS_KEY_ID is set but ignored"),
        "{}",
        r.steps[0].detail
    );
}

#[test]
fn missing_profile_is_fatal_even_with_env_keys_p_chain_8() {
    let c = case()
        .env("AWS_PROFILE", "nope")
        .env("AWS_ACCESS_KEY_ID", "AKENV")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .config("[default]\n");
    let e = c.get().unwrap_err();
    assert_eq!(
        e.to_string(),
        "The config profile (nope) could not be found"
    );
    assert_eq!(case().env("AWS_PROFILE", "").kind(), "ProfileNotFound");
    assert_eq!(case().profile("default").kind(), "ProfileNotFound");
    // No profile named and no default: nothing raised.
    assert!(
        case()
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .get()
            .unwrap()
            .is_none()
    );
}

#[test]
fn missing_profile_unnoticed_when_env_supplies_imds_settings_p_chain_8_edge() {
    let mut c = case()
        .env("AWS_PROFILE", "nope")
        .env("AWS_ACCESS_KEY_ID", "AKENV")
        .env("AWS_SECRET_ACCESS_KEY", "s");
    for (k, v) in [
        ("AWS_METADATA_SERVICE_TIMEOUT", "1"),
        ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1/"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv4"),
        ("AWS_EC2_METADATA_V1_DISABLED", "false"),
    ] {
        c = c.env(k, v);
    }
    assert_eq!(c.found(), (Method::Env, "AKENV".into()));
}

#[test]
fn parse_errors_are_fatal_for_env_keys_too_p_chain_9() {
    let c = case()
        .env("AWS_ACCESS_KEY_ID", "AKENV")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .creds("[default]\nx = 1\n[default]\n");
    let e = c.get().unwrap_err();
    assert_eq!(e.kind(), "ConfigParseError");
    assert!(
        e.to_string()
            .starts_with("Unable to parse config file: /h/.aws/credentials:3: "),
        "{e}"
    );
    let c = case().file("/h/.aws/config", b"[default]\nregion = \xff\n");
    assert!(
        c.get()
            .unwrap_err()
            .to_string()
            .contains("config:2: not valid UTF-8")
    );
}

#[test]
fn env_variable_rules_p_env_1() {
    assert!(
        case()
            .env("AWS_ACCESS_KEY_ID", "")
            .env("AWS_SECRET_ACCESS_KEY", "s")
            .get()
            .unwrap()
            .is_none()
    );
    let e = case()
        .env("AWS_ACCESS_KEY_ID", "AK")
        .env("AWS_SECRET_ACCESS_KEY", "")
        .get()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
    );
    let c = case()
        .env("AWS_ACCESS_KEY_ID", "AK")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .env("AWS_SESSION_TOKEN", "session")
        .env("AWS_SECURITY_TOKEN", "security");
    let creds = c.get().unwrap().unwrap();
    assert_eq!(creds.session_token().unwrap().expose(), "security");
    let c = c.env("AWS_SECURITY_TOKEN", "");
    // The later push wins in the map: AWS_SECURITY_TOKEN is now empty.
    assert_eq!(
        c.get().unwrap().unwrap().session_token().unwrap().expose(),
        "session"
    );
}

#[test]
fn env_expiration_p_env_2() {
    let base = || {
        case()
            .env("AWS_ACCESS_KEY_ID", "AK")
            .env("AWS_SECRET_ACCESS_KEY", "s")
    };
    let c = base().env("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z");
    assert_eq!(
        c.get().unwrap().unwrap().expiration().unwrap().to_string(),
        "2099-01-01T00:00:00+00:00"
    );
    assert_eq!(
        base()
            .env("AWS_CREDENTIAL_EXPIRATION", "2001-01-01T00:00:00Z")
            .kind(),
        "RuntimeError"
    );
    assert_eq!(
        base().env("AWS_CREDENTIAL_EXPIRATION", "2099-01-01").kind(),
        "TypeError"
    );
    assert_eq!(
        base().env("AWS_CREDENTIAL_EXPIRATION", "garbage").kind(),
        "ParserError"
    );
}

#[test]
fn static_providers_do_not_merge_p_merge_3() {
    let c = case()
        .creds("[default]\naws_access_key_id = AK\n")
        .config("[default]\naws_secret_access_key = s\n");
    assert_eq!(
        c.get().unwrap_err().to_string(),
        "Partial credentials found in shared-credentials-file, missing: aws_secret_access_key"
    );
    let c = case()
        .config("[default]\naws_access_key_id = AK\n")
        .creds("[default]\naws_secret_access_key = s\n");
    assert_eq!(
        c.get().unwrap_err().to_string(),
        "Partial credentials found in config-file, missing: aws_secret_access_key"
    );
}

#[test]
fn token_keys_and_empty_key_p_merge_5() {
    let c = case().creds("[default]\naws_access_key_id =\naws_secret_access_key = s\naws_session_token = b\naws_security_token = a\naws_account_id = 123\n");
    let creds = c.get().unwrap().unwrap();
    assert_eq!(creds.access_key_id(), "");
    assert_eq!(creds.session_token().unwrap().expose(), "a");
    assert_eq!(creds.account_id(), Some("123"));
}

#[test]
fn credentials_file_names_are_verbatim_p_cfg_6() {
    let c = || case().creds("[profile dev]\naws_access_key_id = AKP\naws_secret_access_key = s\n");
    assert_eq!(c().profile("profile dev").found().1, "AKP");
    assert_eq!(c().profile("dev").kind(), "ProfileNotFound");
}

#[test]
fn boto_config_p_boto_1() {
    let boto = b"[Credentials]\naws_access_key_id = AKBOTO\naws_secret_access_key = s\n";
    // BOTO_CONFIG: only that path, no fallback.
    let c = case().env("BOTO_CONFIG", "/missing").file("/h/.boto", boto);
    assert!(c.get().unwrap().is_none());
    let c = case().file("/h/.boto", boto);
    assert_eq!(c.found(), (Method::BotoConfig, "AKBOTO".into()));
    // /etc/boto.cfg first; a file without keys falls through to the next.
    let c = case()
        .file("/etc/boto.cfg", b"[Credentials]\n")
        .file("/h/.boto", boto);
    assert_eq!(c.found().1, "AKBOTO");
    let c = case().file(
        "/h/.boto",
        b"[credentials]\naws_access_key_id = AK\naws_secret_access_key = s\n",
    );
    assert!(c.get().unwrap().is_none(), "section name is case-sensitive");
    let c = case().file("/h/.boto", b"[Credentials]\naws_access_key_id = AK\n");
    assert_eq!(c.kind(), "PartialCredentialsError");
    let c = case().env("BOTO_CONFIG", "/b").file("/b", b"junk\n");
    assert_eq!(c.kind(), "ConfigParseError");
}

#[test]
fn legacy_ec2_file_p_boto_2() {
    let c = case().env("AWS_CREDENTIAL_FILE", "/nope");
    assert_eq!(
        c.get().unwrap_err().to_string(),
        "The specified config file (/nope) could not be found."
    );
    let c = case()
        .env("AWS_CREDENTIAL_FILE", "~/ec2")
        .file("/h/ec2", b"AWSAccessKeyId = AK \njunk\n");
    assert_eq!(c.kind(), "KeyError");
    let c = case()
        .env("AWS_CREDENTIAL_FILE", "/e")
        .file("/e", b"junk\nawsaccesskeyid=x\n");
    assert!(c.get().unwrap().is_none(), "keys are case-sensitive");
    let c = case()
        .env("AWS_CREDENTIAL_FILE", "/e")
        .file("/e", b"AWSAccessKeyId=AK=1\r\nAWSSecretKey=s");
    assert_eq!(c.found(), (Method::Ec2CredentialsFile, "AK=1".into()));
}

#[test]
fn resolver_setting_validation() {
    assert_eq!(
        case().env("AWS_METADATA_SERVICE_TIMEOUT", "1.5").kind(),
        "ValueError"
    );
    assert_eq!(
        case()
            .config("[default]\nec2_metadata_service_endpoint_mode = ipv5\n")
            .kind(),
        "InvalidIMDSEndpointModeError"
    );
    assert!(
        case()
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")
            .get()
            .unwrap()
            .is_none()
    );
}

#[test]
fn directory_in_place_of_a_file_is_absent_p_cfg_1() {
    let mut c = case().creds(&format!("[default]\n{KEYS}"));
    c.fs = c.fs.with_dir("/h/.aws/config");
    assert_eq!(c.found().0, Method::SharedCredentialsFile);
    let r = c.session().explain();
    let cfg_step = r
        .steps
        .iter()
        .find(|s| s.provider == Method::ConfigFile)
        .unwrap();
    assert!(
        cfg_step.detail.contains("not a regular file"),
        "{}",
        cfg_step.detail
    );
}

#[test]
fn explain_records_every_provider_and_shadowing() {
    let c = case()
        .creds(&format!("[default]\n{KEYS}"))
        .config("[default]\naws_access_key_id = AKCFG\naws_secret_access_key = s\n");
    let r = c.session().explain();
    let names: Vec<_> = r.steps.iter().map(|s| s.provider).collect();
    assert_eq!(names, Method::CHAIN);
    let found: Vec<_> = r
        .steps
        .iter()
        .filter(|s| s.outcome == StepOutcome::Found)
        .collect();
    assert_eq!(found.len(), 1);
    assert!(
        found[0].detail.contains("~/.aws/credentials:2"),
        "{}",
        found[0].detail
    );
    let cfg = r
        .steps
        .iter()
        .find(|s| s.provider == Method::ConfigFile)
        .unwrap();
    assert!(
        cfg.detail.contains("shadowed: would have found AKCFG"),
        "{}",
        cfg.detail
    );
    // Nothing in the explanation leaks the secret.
    let all = format!("{r:?}");
    assert!(!all.contains("= s\n") && !all.contains("\"s\""), "{all}");
}

#[test]
fn explicit_keys_bypass_the_chain_p_chain_10() {
    let s = Session::builder()
        .os(Os {
            env: Arc::new(MapEnv::default()),
            fs: Arc::new(MemFs::new()),
            clock: Arc::new(FixedClock(UNIX_EPOCH)),
        })
        .credentials(Some("AKX".into()), None, None)
        .build();
    assert_eq!(
        s.get_credentials().unwrap_err().to_string(),
        "Partial credentials found in explicit, missing: aws_secret_access_key"
    );
}
