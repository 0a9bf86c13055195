//! Unit tests for the assume-role plan (P-AR-1..4, P-WEB-5). The
//! cross-SDK vectors run in `provider::assume_role` tests, where the base
//! is resolved too.

use std::fmt::Write as _;

use super::*;

fn files(config: &str) -> ConfigFiles {
    ConfigFiles::from_texts(Some(config), None).unwrap()
}

fn plan(config: &str, profile: &str) -> Result<Option<RolePlan>, Error> {
    assume_role_plan(&files(config), profile)
}

fn err(config: &str, profile: &str) -> (String, String) {
    let e = plan(config, profile).unwrap_err();
    (e.kind().to_owned(), e.to_string())
}

fn arns(p: &RolePlan) -> Vec<&str> {
    p.hops.iter().map(|h| h.role_arn.as_str()).collect()
}

#[test]
fn p_chain_2_only_role_arn_without_web_identity_triggers() {
    assert_eq!(plan("[profile a]\nregion = x\n", "a").unwrap(), None);
    assert_eq!(plan("[profile a]\nrole_arn = r\n", "nope").unwrap(), None);
    assert_eq!(
        plan(
            "[profile a]\nrole_arn = r\nweb_identity_token_file = /t\n",
            "a"
        )
        .unwrap(),
        None
    );
}

#[test]
fn p_ar_1_keys_and_duration_seconds_int_conversion() {
    let p = plan(
        "[profile a]\nrole_arn = arn:r\nsource_profile = b\nrole_session_name = s\n\
         external_id = e\nmfa_serial = m\nduration_seconds = +1_800\n\
         [profile b]\naws_access_key_id = k\naws_secret_access_key = s\n",
        "a",
    )
    .unwrap()
    .unwrap();
    let h = &p.hops[0];
    assert_eq!(h.role_session_name.as_deref(), Some("s"));
    assert_eq!(h.external_id.as_deref(), Some("e"));
    assert_eq!(h.mfa_serial.as_deref(), Some("m"));
    assert_eq!(h.duration_seconds, Some(1800));
    assert_eq!(h.origin.line, 2);
    // Silently dropped when int() rejects it.
    for bad in ["1800s", "12.5", ""] {
        let p = plan(
            &format!(
                "[profile a]\nrole_arn = r\nsource_profile = b\nduration_seconds = {bad}\n\
                 [profile b]\naws_access_key_id = k\n"
            ),
            "a",
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.hops[0].duration_seconds, None, "{bad:?}");
    }
    // An empty session name means "generate one" (botocore: `if not name`).
    let p = plan(
        "[profile a]\nrole_arn = r\nsource_profile = b\nrole_session_name =\n\
         [profile b]\naws_access_key_id = k\n",
        "a",
    )
    .unwrap()
    .unwrap();
    assert_eq!(p.hops[0].role_session_name, None);
}

#[test]
fn p_ar_2_errors_have_botocore_classes_and_messages() {
    assert_eq!(
        err(
            "[profile a]\nrole_arn = r\nsource_profile = b\ncredential_source = Environment\n",
            "a"
        ),
        (
            "InvalidConfigError".into(),
            "The profile \"a\" contains both source_profile and credential_source.".into()
        )
    );
    assert_eq!(
        err("[profile a]\nrole_arn = r\n", "a"),
        (
            "PartialCredentialsError".into(),
            "Partial credentials found in assume-role, missing: source_profile or \
             credential_source"
                .into()
        )
    );
    assert_eq!(
        err("[profile a]\nrole_arn = r\nsource_profile = zz\n", "a"),
        (
            "InvalidConfigError".into(),
            "The source_profile \"zz\" referenced in the profile \"a\" does not exist.".into()
        )
    );
    assert_eq!(
        err(
            "[profile a]\nrole_arn = r\nsource_profile = b\n\
             [profile b]\nrole_arn = r2\nsource_profile = a\n",
            "a"
        ),
        (
            "InfiniteLoopConfigError".into(),
            "Infinite loop in credential configuration detected. Attempting to load from \
             profile a which has already been visited. Visited profiles: ['a', 'b']"
                .into()
        )
    );
}

#[test]
fn p_ar_3_credential_source_is_case_sensitive() {
    for (value, ok) in [
        ("Environment", Some(CredentialSource::Environment)),
        (
            "Ec2InstanceMetadata",
            Some(CredentialSource::Ec2InstanceMetadata),
        ),
        ("EcsContainer", Some(CredentialSource::EcsContainer)),
        ("environment", None),
        ("Bogus", None),
    ] {
        let r = plan(
            &format!("[profile a]\nrole_arn = r\ncredential_source = {value}\n"),
            "a",
        );
        if let Some(source) = ok {
            assert_eq!(
                r.unwrap().unwrap().base,
                Base::CredentialSource {
                    source,
                    profile: "a".into()
                }
            );
        } else {
            let e = r.unwrap_err();
            assert_eq!(e.kind(), "InvalidConfigError");
            assert_eq!(
                e.to_string(),
                format!(
                    "The credential source \"{value}\" referenced in profile \"a\" is not \
                     valid."
                )
            );
        }
    }
}

#[test]
fn p_ar_4a_self_reference_needs_static_keys() {
    let p = plan(
        "[profile a]\nrole_arn = r\nsource_profile = a\naws_access_key_id = k\n",
        "a",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        p.base,
        Base::SourceProfile {
            profile: "a".into()
        }
    );
    assert_eq!(arns(&p), ["r"]);
    assert_eq!(
        err("[profile a]\nrole_arn = r\nsource_profile = a\n", "a").1,
        "Infinite loop in credential configuration detected. Attempting to load from profile a \
         which has already been visited. Visited profiles: ['a']"
    );
}

#[test]
fn p_ar_4b_source_with_keys_and_role_uses_its_keys() {
    let p = plan(
        "[profile a]\nrole_arn = ra\nsource_profile = b\n\
         [profile b]\nrole_arn = rb\nsource_profile = c\naws_access_key_id = k\n\
         [profile c]\naws_access_key_id = k2\n",
        "a",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        p.base,
        Base::SourceProfile {
            profile: "b".into()
        }
    );
    assert_eq!(arns(&p), ["ra"]);
    // A source whose role pairs with a web identity token is resolved by
    // the profile providers (web identity), not assumed (P-WEB-5).
    let p = plan(
        "[profile a]\nrole_arn = ra\nsource_profile = b\n\
         [profile b]\nrole_arn = rb\nweb_identity_token_file = /t\n",
        "a",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        p.base,
        Base::SourceProfile {
            profile: "b".into()
        }
    );
}

#[test]
fn p_ar_4c_chains_are_unrolled_first_hop_first() {
    let p = plan(
        "[profile a]\nrole_arn = ra\nsource_profile = b\n\
         [profile b]\nrole_arn = rb\nsource_profile = c\n\
         [profile c]\nrole_arn = rc\ncredential_source = EcsContainer\n",
        "a",
    )
    .unwrap()
    .unwrap();
    assert_eq!(arns(&p), ["rc", "rb", "ra"]);
    assert_eq!(
        p.base,
        Base::CredentialSource {
            source: CredentialSource::EcsContainer,
            profile: "c".into()
        }
    );
    assert_eq!(
        p.describe(),
        "credential_source EcsContainer (profile c) → role rc (profile c) → role rb (profile b) \
         → role ra (profile a)"
    );
    // Errors deeper in the chain come after the earlier hops validated.
    assert_eq!(
        err(
            "[profile a]\nrole_arn = ra\nsource_profile = b\n\
             [profile b]\nrole_arn = rb\nsource_profile = c\n\
             [profile c]\nrole_arn = rc\nsource_profile = b\n",
            "a"
        )
        .1,
        "Infinite loop in credential configuration detected. Attempting to load from profile b \
         which has already been visited. Visited profiles: ['a', 'b', 'c']"
    );
}

#[test]
fn python_reprs() {
    assert_eq!(py_repr("a"), "'a'");
    assert_eq!(py_repr("it's"), "\"it's\"");
    assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
    assert_eq!(py_repr("t\\\u{1}é"), "'t\\\\\\x01é'");
    assert_eq!(py_list_repr(&[]), "[]");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Any profile map gives a plan, `None` or a botocore error — never a
    /// panic or a hang — and every plan ends at the selected profile.
    #[test]
    fn plans_never_panic(
        profiles in proptest::collection::vec(
            proptest::collection::vec((0usize..8, 0usize..6), 0..6),
            1..6,
        )
    ) {
        const KEYS: [&str; 8] = [
            "role_arn", "source_profile", "credential_source", "aws_access_key_id",
            "aws_secret_access_key", "web_identity_token_file", "duration_seconds",
            "role_session_name",
        ];
        const VALUES: [&str; 6] = ["p0", "p1", "p2", "Environment", "zz", "12x"];
        let mut text = String::new();
        for (i, keys) in profiles.iter().enumerate() {
            let _ = writeln!(text, "[profile p{i}]");
            for (k, v) in keys {
                let _ = writeln!(text, "{} = {}", KEYS[*k], VALUES[*v]);
            }
        }
        let Ok(files) = ConfigFiles::from_texts(Some(&text), None) else { return Ok(()) };
        if let Ok(Some(p)) = assume_role_plan(&files, "p0") {
            proptest::prop_assert_eq!(p.hops.last().map(|h| h.profile.as_str()), Some("p0"));
            proptest::prop_assert!(p.hops.len() <= profiles.len());
        }
    }
}
