//! Config normalization tests; row numbers refer to spec table CFG-T.

use super::*;

fn cfg(text: &str) -> ConfigFiles {
    ConfigFiles::from_texts(Some(text), None).expect("parses")
}

fn names(files: &ConfigFiles) -> Vec<&str> {
    files.available_profiles()
}

#[test]
fn profile_section_names_cfg_t_1_to_18() {
    assert_eq!(names(&cfg("[default]\nregion = us-west-2")), ["default"]);
    assert_eq!(
        names(&cfg("[profile default]\nregion = us-west-2")),
        ["default"]
    );
    assert_eq!(names(&cfg("[foo]\nregion=x")), Vec::<&str>::new());
    assert_eq!(cfg("[foo]\nregion=x").other_sections().len(), 1);
    assert_eq!(names(&cfg("[profile    foo]")), ["foo"]);
    assert_eq!(names(&cfg("[profile \"foo bar\"]")), ["foo bar"]);
    assert_eq!(names(&cfg("[profile 'foo']")), ["foo"]);
    assert_eq!(names(&cfg("[profile foo bar]")), Vec::<&str>::new());
    assert_eq!(names(&cfg("[profile]")), Vec::<&str>::new());
    assert_eq!(names(&cfg("[profilex foo]")), ["foo"]);
    assert_eq!(names(&cfg("[profile\tfoo]")), ["foo"]);
    assert_eq!(names(&cfg("[Default]\n[PROFILE foo]")), Vec::<&str>::new());
    assert_eq!(names(&cfg("[ default ]")), Vec::<&str>::new());
    assert_eq!(names(&cfg("[profile foo ]")), ["foo"]);
    assert_eq!(names(&cfg("[profile \"foo]")), Vec::<&str>::new());
    assert_eq!(names(&cfg("[profile a]b]")), ["a]b"]);
    assert_eq!(names(&cfg("[default] # trailing")), ["default"]);
}

#[test]
fn later_default_section_replaces_earlier_cfg_t_3_4() {
    let f = cfg("[default]\nregion=a\noutput=json\n[profile default]\nregion=b");
    let p = f.profile("default").unwrap();
    assert_eq!(p.get_str("region"), Some("b"));
    assert!(!p.contains("output"), "P-CFG-5: no key merge");
    let f = cfg("[profile default]\nregion=b\n[default]\nregion=a");
    assert_eq!(f.profile("default").unwrap().get_str("region"), Some("a"));
}

#[test]
fn nested_values_cfg_t_40_to_48() {
    let get = |t: &str| {
        cfg(&format!("[default]\n{t}"))
            .profile("default")
            .unwrap()
            .get("s3")
            .unwrap()
            .value
            .clone()
    };
    let nested = |v: &[(&str, &str)]| {
        Value::Nested(
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    };
    assert_eq!(
        get("s3 =\n  addressing_style = path\n  max_concurrent_requests = 20"),
        nested(&[
            ("addressing_style", "path"),
            ("max_concurrent_requests", "20")
        ])
    );
    assert_eq!(
        get("s3 =\n\taddressing_style = path"),
        nested(&[("addressing_style", "path")])
    );
    assert_eq!(
        get("s3 =\n  # c\n  addressing_style = path"),
        nested(&[("addressing_style", "path")])
    );
    assert_eq!(get("s3 =\n  a = 1\n  a = 2"), nested(&[("a", "2")]));
    assert_eq!(
        get("s3 =\n  Addressing_Style = Path"),
        nested(&[("Addressing_Style", "Path")])
    );
    assert_eq!(
        get("s3 =\n  a = 1\n    b = 2"),
        nested(&[("a", "1"), ("b", "2")])
    );
    assert_eq!(
        get("s3 = foo\n  addressing_style = path"),
        Value::Str("foo\naddressing_style = path".into())
    );
    for bad in ["s3 =\n  addressing_style: path", "s3 =\n  addressing_style"] {
        let e = ConfigFiles::from_texts(Some(&format!("[default]\n{bad}")), None).unwrap_err();
        assert_eq!(e.kind(), "ConfigParseError");
        assert!(e.to_string().contains(":2: "), "{e}");
    }
}

#[test]
fn default_inheritance_and_sessions_cfg_t_50_to_54() {
    let f = cfg("[DEFAULT]\nregion=x\n[default]\noutput=json\n[profile a]\nfoo=1");
    assert_eq!(f.profile("default").unwrap().get_str("region"), Some("x"));
    assert_eq!(f.profile("a").unwrap().get_str("region"), Some("x"));
    let f = cfg(
        "[sso-session my-sso]\nsso_region=us-east-1\n[sso-session \"a b\"]\n[services dev]\ns3 =\n  endpoint_url = http://h\n[servicesX d2]\n[sso-sessionfoo bar]",
    );
    assert_eq!(
        f.sso_sessions().keys().collect::<Vec<_>>(),
        ["my-sso", "a b", "bar"]
    );
    assert_eq!(f.services().keys().collect::<Vec<_>>(), ["dev", "d2"]);
}

#[test]
fn merge_credentials_over_config_p_merge_1_and_4() {
    let f = ConfigFiles::from_texts(
        Some("[profile b]\nregion=r\naws_access_key_id=cfg\n[default]\nregion=d"),
        Some("[c]\naws_access_key_id=k\n[b]\naws_access_key_id=creds\n[profile b]\nx=1"),
    )
    .unwrap();
    assert_eq!(names(&f), ["b", "default", "c", "profile b"]);
    let b = f.profile("b").unwrap();
    assert_eq!(b.get_str("aws_access_key_id"), Some("creds"));
    assert_eq!(
        b.get("aws_access_key_id").unwrap().origin.file,
        FileKind::Credentials
    );
    assert_eq!(b.get_str("region"), Some("r"));
    // The config-file provider still sees only the config file's values.
    assert_eq!(
        f.config_profiles()
            .get("b")
            .unwrap()
            .get_str("aws_access_key_id"),
        Some("cfg")
    );
}

#[test]
fn origins_name_file_and_line() {
    let f = cfg("# c\n[profile dev]\n\nregion = x\n");
    let s = f.profile("dev").unwrap().get("region").unwrap();
    assert_eq!(
        s.origin,
        Origin {
            file: FileKind::Config,
            line: 4
        }
    );
    assert_eq!(f.describe(s.origin), "config:4");
}

#[test]
fn values_debug_hides_content() {
    let f = cfg("[default]\naws_secret_access_key = SECRETSECRET\n");
    let dbg = format!("{f:?}");
    assert!(!dbg.contains("SECRETSECRET"), "{dbg}");
}

mod section_names {
    use super::super::{into_section_name, parse_section_name, parse_section_name_shlex};
    use proptest::prelude::*;

    proptest! {
        /// The fast path never disagrees with full shlex splitting.
        #[test]
        fn fast_path_matches_shlex(s in "[a-z \t'\"\\\\]{0,12}") {
            prop_assert_eq!(parse_section_name(&s), parse_section_name_shlex(&s));
            prop_assert_eq!(into_section_name(s.clone()), parse_section_name_shlex(&s));
        }
    }
}
