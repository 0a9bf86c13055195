use super::*;
use crate::os::MapEnv;

fn files(config: &str) -> ConfigFiles {
    ConfigFiles::from_texts(Some(config), None).unwrap()
}

const CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
    [profile admin]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = dev\n\
    [profile top]\nrole_arn = arn:aws:iam::1:role/T\nsource_profile = admin\n\
    [profile legacy]\nsso_start_url = https://l/start\nsso_region = eu-west-1\n\
    sso_login_flow = pkce\n\
    [profile loop1]\nrole_arn = r\nsource_profile = loop2\n\
    [profile loop2]\nrole_arn = r\nsource_profile = loop1\n\
    [profile keys]\naws_access_key_id = A\n\
    [profile half]\nsso_start_url = https://h/start\n\
    [profile devpkce]\nsso_session = dev2\nsso_login_flow = PKCE\n\
    [sso-session corp]\nsso_start_url = https://corp/start\nsso_region = us-east-1\n\
    sso_registration_scopes = sso:account:access, ,codewhisperer:completions\n\
    [sso-session dev2]\nsso_start_url = https://dev2/start\nsso_region = us-west-2\n\
    sso_login_flow = device\n\
    [sso-session bad]\nsso_region = us-east-1\nsso_login_flow = sometimes\n";

#[test]
fn targets_follow_source_profile_to_the_sso_profile() {
    let f = files(CONFIG);
    let t = target_for_profile(&f, "top").unwrap();
    assert_eq!(t.profiles, ["top", "admin", "dev"]);
    assert_eq!(t.session.as_deref(), Some("corp"));
    assert_eq!(
        (t.start_url.as_str(), t.region.as_str()),
        ("https://corp/start", "us-east-1")
    );
    assert_eq!(
        t.scopes.unwrap(),
        ["sso:account:access", "codewhisperer:completions"]
    );
    let l = target_for_profile(&f, "legacy").unwrap();
    assert_eq!((l.session, l.login_flow), (None, Some(Flow::Pkce)));
    assert_eq!(l.scopes, None);
    // The profile's setting beats the session's.
    assert_eq!(
        target_for_profile(&f, "devpkce").unwrap().login_flow,
        Some(Flow::Pkce)
    );
    assert_eq!(
        target_for_session(&f, "dev2").unwrap().login_flow,
        Some(Flow::DeviceCode)
    );
}

#[test]
fn target_errors_say_what_is_missing() {
    let f = files(CONFIG);
    let e = |r: Result<LoginTarget, Error>| {
        let e = r.unwrap_err();
        format!("{}: {e}", e.kind())
    };
    assert_eq!(
        e(target_for_session(&f, "nope")),
        "InvalidSSOConfigError: The specified sso-session does not exist: \"nope\""
    );
    assert_eq!(
        e(target_for_profile(&f, "half")),
        "InvalidSSOConfigError: Missing the following required SSO configuration values: \
         sso_region (in [profile half])."
    );
    assert_eq!(
        e(target_for_profile(&f, "keys")),
        "InvalidSSOConfigError: Missing the following required SSO configuration values: \
         sso_start_url, sso_region. [profile keys] has neither `sso_session` nor \
         `sso_start_url`, so there is nothing to log in to."
    );
    assert!(e(target_for_profile(&f, "loop1")).starts_with("InfiniteLoopConfigError: "));
    assert_eq!(
        e(target_for_profile(&f, "ghost")),
        "ProfileNotFound: The config profile (ghost) could not be found"
    );
    assert_eq!(
        e(target_for_session(&f, "bad")),
        "InvalidSSOConfigError: Missing the following required SSO configuration values: \
         sso_start_url (in [sso-session bad])."
    );
    let f = files("[sso-session bad]\nsso_start_url = u\nsso_region = r\nsso_login_flow = x\n");
    assert_eq!(
        e(target_for_session(&f, "bad")),
        "InvalidConfigError: sso_login_flow = x in [sso-session bad]: expected `device` or `pkce`"
    );
}

#[test]
fn flow_choice_order() {
    let f = files(CONFIG);
    let session = target_for_profile(&f, "dev").unwrap();
    let legacy = target_for_profile(&f, "legacy").unwrap();
    let desktop = MapEnv::from_pairs([("DISPLAY", ":0")]);
    let ssh = MapEnv::from_pairs([("DISPLAY", ":0"), ("SSH_CONNECTION", "1 2 3 4")]);
    let ssh_browser = MapEnv::from_pairs([("SSH_TTY", "/dev/pts/1"), ("BROWSER", "w3m")]);
    assert_eq!(choose_flow(&session, false, &desktop), (Flow::Pkce, None));
    assert_eq!(
        choose_flow(&session, true, &desktop),
        (Flow::DeviceCode, None)
    );
    // Legacy profiles have only the device flow, whatever the setting.
    assert_eq!(
        choose_flow(&legacy, false, &desktop),
        (Flow::DeviceCode, None)
    );
    let (flow, why) = choose_flow(&session, false, &ssh);
    assert_eq!(flow, Flow::DeviceCode);
    assert!(why.unwrap().contains("SSH_CONNECTION is set"));
    assert_eq!(
        choose_flow(&session, false, &ssh_browser),
        (Flow::Pkce, None)
    );
    if cfg!(all(unix, not(target_os = "macos"))) {
        let (flow, why) = choose_flow(&session, false, &MapEnv::default());
        assert_eq!(flow, Flow::DeviceCode);
        assert!(why.unwrap().contains("no graphical display"));
    }
    // An explicit setting beats the detection; --use-device-code beats it.
    let mut pinned = session.clone();
    pinned.login_flow = Some(Flow::Pkce);
    assert_eq!(choose_flow(&pinned, false, &ssh), (Flow::Pkce, None));
    assert_eq!(choose_flow(&pinned, true, &ssh), (Flow::DeviceCode, None));
}

#[test]
fn browser_env_is_respected() {
    let env = MapEnv::from_pairs([("BROWSER", "firefox --new-tab:lynx '%s'x")]);
    let cmds = browser_commands(&env, "http://u/?a=1");
    assert_eq!(cmds[0], ["firefox", "--new-tab", "http://u/?a=1"]);
    assert_eq!(cmds[1], ["lynx", "'http://u/?a=1'x"]);
    assert_eq!(cmds.len(), 3);
    assert_eq!(cmds[2][1], "http://u/?a=1");
}

#[test]
fn pending_messages_are_the_aws_clis() {
    // awscli/customizations/sso/utils.py: PrintOnlyHandler, OpenBrowserHandler.
    assert_eq!(
        pending_message(
            Flow::DeviceCode,
            false,
            Some("AB-CD"),
            "https://v",
            "https://v?c"
        ),
        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n\
         https://v\n\nThen enter the code:\n\nAB-CD\n\nAlternatively, you may visit the \
         following URL which will autofill the code upon loading:\nhttps://v?c\n"
    );
    assert_eq!(
        pending_message(
            Flow::DeviceCode,
            true,
            Some("AB-CD"),
            "https://v",
            "https://v?c"
        ),
        "Attempting to open your default browser.\nIf the browser does not open or you wish to \
         use a different device to authorize this request, open the following URL:\n\n\
         https://v\n\nThen enter the code:\n\nAB-CD\n"
    );
    assert_eq!(
        pending_message(Flow::Pkce, true, None, "https://a", "https://a"),
        "Attempting to open your default browser. If the browser does not open, open the \
         following URL.\nIf you are unable to open the URL on this device, run this command \
         again with the '--use-device-code' option.\n\nhttps://a\n\n"
    );
    assert_eq!(
        pending_message(Flow::Pkce, false, None, "https://a", "https://a"),
        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n\
         https://a\n"
    );
}

#[test]
fn base_uri_keeps_scheme_and_netloc() {
    assert_eq!(base_uri("http://127.0.0.1:9/x/y?z"), "http://127.0.0.1:9");
    assert_eq!(
        base_uri("https://oidc.us-east-1.amazonaws.com"),
        "https://oidc.us-east-1.amazonaws.com"
    );
}

/// A `CreateToken` answer's `expiresIn` is any integer: one that takes
/// `expiresAt` past Python's `datetime` range is botocore's
/// `OverflowError`, never a `SystemTime + Duration` panic.
#[test]
fn huge_expires_in_is_overflow_error_not_a_panic() {
    let target = LoginTarget {
        profiles: vec![],
        session: Some("corp".into()),
        start_url: "https://u/start".into(),
        region: "us-east-1".into(),
        scopes: None,
        login_flow: None,
    };
    let reg = Registration {
        client_id: "cid".into(),
        client_secret: SecretString::new("csecret"),
        expires_at: "2027-01-01T00:00:00Z".into(),
    };
    let now = std::time::UNIX_EPOCH + Duration::from_secs(1_795_953_600);
    for n in [i64::MAX, i64::MIN, 10_i64.pow(12), -(10_i64.pow(12))] {
        let resp = serde_json::json!({"accessToken": "at", "expiresIn": n});
        let e = token_doc(&target, &reg, resp.as_object().unwrap(), now).unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string().contains("date value out of range")),
            ("OverflowError", true),
            "{n}: {e}"
        );
    }
    let resp = serde_json::json!({"accessToken": "at", "expiresIn": 3600});
    let doc = token_doc(&target, &reg, resp.as_object().unwrap(), now).unwrap();
    assert_eq!(doc.get_str("expiresAt"), Some("2026-11-29T13:00:00Z"));
    // The registration's `clientSecretExpiresAt` goes through the same check.
    assert_eq!(
        secs_from(std::time::UNIX_EPOCH, i64::MIN)
            .unwrap_err()
            .kind(),
        "OverflowError"
    );
}
