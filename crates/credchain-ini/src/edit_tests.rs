//! Golden before/after files for every edit kind
//! (`test-data/edits/NAME.before.ini` → `NAME.after.ini`, byte for byte), the
//! refusals, and a proptest that random edits on random documents change
//! exactly the edited key.
//!
//! `CREDCHAIN_BLESS=1 cargo test -p credchain-ini golden` rewrites the
//! `.after.ini` files; review the diff before committing.

use std::path::PathBuf;

use super::EditError;
use crate::{Document, Sections};

type Op = fn(&mut Document) -> Result<bool, EditError>;

/// Every golden case: file stem and the edit applied to it.
const GOLDEN: &[(&str, Op)] = &[
    ("set_existing", |d| d.set("default", "region", "eu-west-1")),
    ("set_existing_spelling", |d| {
        d.set("default", "region", "eu-west-1")
    }),
    ("set_existing_empty_value", |d| {
        d.set("default", "region", "eu-west-1")
    }),
    ("set_replaces_multiline_value", |d| {
        d.set("default", "region", "eu-west-1")
    }),
    ("set_new_key", |d| d.set("default", "output", "json")),
    ("set_new_key_after_continuation", |d| {
        d.set("default", "region", "eu-west-1")
    }),
    ("set_new_key_empty_section", |d| {
        d.set("default", "region", "eu-west-1")
    }),
    ("new_section", |d| {
        d.set("profile dev", "region", "eu-west-1")
    }),
    ("new_section_no_final_newline", |d| {
        d.set("profile dev", "region", "eu-west-1")
    }),
    ("new_section_after_blank", |d| {
        d.set("profile dev", "region", "eu-west-1")
    }),
    ("new_section_empty_file", |d| {
        d.set("default", "region", "eu-west-1")
    }),
    ("unset", |d| d.remove("default", "region")),
    ("unset_multiline", |d| d.remove("default", "msg")),
    ("unset_last_line_no_newline", |d| {
        d.remove("default", "region")
    }),
    ("nested_set_new_block", |d| {
        d.set_nested("default", "s3", "addressing_style", "path")
    }),
    ("nested_set_existing_sub", |d| {
        d.set_nested("default", "s3", "addressing_style", "path")
    }),
    ("nested_add_sub", |d| {
        d.set_nested("default", "s3", "payload_signing_enabled", "true")
    }),
    ("nested_scalar_to_block", |d| {
        d.set_nested("default", "s3", "addressing_style", "path")
    }),
    ("nested_unset_sub", |d| {
        d.remove_nested("default", "s3", "use_accelerate_endpoint")
    }),
    ("nested_unset_last_sub", |d| {
        d.remove_nested("default", "s3", "addressing_style")
    }),
    ("comments", |d| {
        d.set("default", "region", "eu-west-1")?;
        d.set("profile dev", "output", "text")
    }),
    ("crlf", |d| {
        d.set("default", "output", "json")?;
        d.set_nested("profile dev", "s3", "signature_version", "s3v4")?;
        d.set("profile new", "region", "eu-west-1")
    }),
    ("tabs", |d| {
        d.set("default", "output", "json")?;
        d.set_nested("default", "s3", "signature_version", "s3v4")
    }),
    ("indented_header_is_continuation", |d| {
        d.set("profile dev", "region", "eu-west-1")
    }),
    ("sub_properties_untouched", |d| {
        d.set("profile dev", "region", "eu-west-1")?;
        d.remove("profile dev", "sts_regional_endpoints")
    }),
];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-data/edits")
}

#[test]
fn golden_edits_match_byte_for_byte() {
    let bless = std::env::var_os("CREDCHAIN_BLESS").is_some();
    let mut failures = Vec::new();
    for (name, op) in GOLDEN {
        let before = std::fs::read_to_string(data_dir().join(format!("{name}.before.ini")))
            .unwrap_or_else(|e| panic!("{name}.before.ini: {e}"));
        let mut doc = Document::parse(&before);
        let changed = op(&mut doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(changed, "{name}: expected a change");
        let got = doc.to_string();
        assert!(
            Document::parse(&got).sections().is_ok(),
            "{name}: result parses"
        );
        let after_path = data_dir().join(format!("{name}.after.ini"));
        if bless {
            std::fs::write(&after_path, &got).expect("bless");
            continue;
        }
        let want = std::fs::read_to_string(&after_path)
            .unwrap_or_else(|e| panic!("{name}.after.ini: {e}"));
        if got != want {
            failures.push(format!("{name}:\n--- want\n{want:?}\n--- got\n{got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_golden_file_has_a_case() {
    for entry in std::fs::read_dir(data_dir()).expect("test-data/edits") {
        let file = entry.expect("entry").file_name();
        let file = file.to_string_lossy();
        let stem = file
            .strip_suffix(".before.ini")
            .or_else(|| file.strip_suffix(".after.ini"))
            .unwrap_or_else(|| panic!("unexpected file {file}"));
        assert!(
            GOLDEN.iter().any(|(n, _)| *n == stem),
            "{file} has no case in GOLDEN"
        );
    }
}

fn edit(s: &str, op: impl FnOnce(&mut Document) -> Result<bool, EditError>) -> String {
    let mut d = Document::parse(s);
    op(&mut d).expect("edit");
    d.to_string()
}

#[test]
fn unchanged_edits_report_no_change() {
    let s = "[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n";
    for op in [
        (|d: &mut Document| d.set("default", "region", "us-east-1")) as Op,
        |d| d.set("default", "REGION", " us-east-1 "),
        |d| d.remove("default", "output"),
        |d| d.remove("nope", "region"),
        |d| d.set_nested("default", "s3", "addressing_style", "path"),
        |d| d.remove_nested("default", "s3", "nope"),
        |d| d.remove_nested("default", "region", "x"),
        |d| d.ensure_section("default"),
    ] {
        let mut d = Document::parse(s);
        assert_eq!(op(&mut d), Ok(false));
        assert_eq!(d.to_string(), s);
    }
}

#[test]
fn unparseable_documents_are_not_edited() {
    for s in [
        "region = x\n",
        "[a]\n[a]\n",
        "[a]\nx = 1\nx = 2\n",
        "[a]\nno delimiter\n",
    ] {
        let mut d = Document::parse(s);
        assert!(matches!(
            d.set("a", "y", "1"),
            Err(EditError::Unparseable(_))
        ));
        assert!(matches!(d.remove("a", "x"), Err(EditError::Unparseable(_))));
        assert_eq!(d.to_string(), s);
    }
}

#[test]
fn bad_names_and_values_are_refused_without_echoing_the_value() {
    let mut d = Document::parse("[a]\n");
    let e = d.set("a", "region", "x\ny").expect_err("newline");
    assert_eq!(
        e.to_string(),
        "invalid value for key region: newline characters and carriage returns are not allowed"
    );
    let e = d.set("a", "k", "sec\rret").expect_err("cr");
    assert!(!e.to_string().contains("sec"));
    for key in ["", " k", "a=b", "a:b", "#k", ";k", "[k", "a\nb"] {
        assert!(
            matches!(d.set("a", key, "v"), Err(EditError::InvalidKey { .. })),
            "{key:?}"
        );
    }
    assert!(matches!(
        d.set_nested("a", "s3", "k", "v\u{c}w"),
        Err(EditError::InvalidValue { .. })
    ));
    assert!(matches!(
        d.set("", "k", "v"),
        Err(EditError::InvalidSection { .. })
    ));
    assert!(matches!(
        d.set("a\nb", "k", "v"),
        Err(EditError::InvalidSection { .. })
    ));
    assert_eq!(d.to_string(), "[a]\n");
}

#[test]
fn edits_that_would_swallow_other_lines_are_refused() {
    // The indented header is a header only while the section has no option;
    // a new option would turn it into that option's continuation.
    let s = "[a]\n  [b]\nx = 1\n";
    let mut d = Document::parse(s);
    assert_eq!(d.set("a", "k", "v"), Err(EditError::WouldChangeOtherLines));
    assert_eq!(d.to_string(), s);
}

#[test]
fn case_insensitive_match_and_default_section() {
    assert_eq!(
        edit("[a]\nREGION=x\n", |d| d.set("a", "region", "y")),
        "[a]\nREGION=y\n"
    );
    assert_eq!(
        edit("[DEFAULT]\nx = 1\n[a]\n[DEFAULT]\ny = 2\n", |d| d
            .set("DEFAULT", "x", "3")),
        "[DEFAULT]\nx = 3\n[a]\n[DEFAULT]\ny = 2\n"
    );
    assert_eq!(
        edit("[a]\nx = 1\n", |d| d.ensure_section("b")),
        "[a]\nx = 1\n\n[b]\n"
    );
}

/// The semantic view as comparable data: `DEFAULT` first, then each section
/// with its `(option, value)` pairs, line numbers dropped.
fn own_view(s: &Sections) -> Vec<(String, Vec<(String, String)>)> {
    let pairs = |es: &[crate::Entry]| -> Vec<(String, String)> {
        es.iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect()
    };
    let mut out = vec![("DEFAULT".to_owned(), pairs(&s.defaults))];
    out.extend(
        s.sections
            .iter()
            .map(|sec| (sec.name.clone(), pairs(&sec.entries))),
    );
    out
}

mod prop {
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    use super::*;

    const SECTIONS: [&str; 4] = ["default", "profile dev", "profile 'a b'", "sso-session s"];
    const KEYS: [&str; 5] = ["region", "output", "s3", "Role_Arn", "x"];

    /// One section of a random but parseable document.
    fn section(name: &'static str) -> impl Strategy<Value = Vec<String>> {
        let line = prop_oneof![
            (0..KEYS.len(), "[a-z0-9 ]{0,6}", "( |\t)?")
                .prop_map(|(k, v, ind)| format!("{ind}{} = {v}", KEYS[k])),
            Just("# comment".to_owned()),
            Just(String::new()),
            Just("    addressing_style = path".to_owned()),
            Just("  more".to_owned()),
        ];
        proptest::collection::vec(line, 0..6).prop_map(move |mut lines| {
            lines.insert(0, format!("[{name}]"));
            lines
        })
    }

    fn document() -> impl Strategy<Value = String> {
        (
            proptest::sample::subsequence(SECTIONS.to_vec(), 0..=SECTIONS.len()),
            proptest::collection::vec(section("default"), 4),
            prop_oneof![Just("\n"), Just("\r\n")],
            any::<bool>(),
        )
            .prop_map(|(names, bodies, nl, final_nl)| {
                let mut lines = Vec::new();
                for (name, body) in names.iter().zip(bodies) {
                    lines.push(format!("[{name}]"));
                    lines.extend(body.into_iter().skip(1));
                }
                let mut s = lines.join(nl);
                if final_nl && !s.is_empty() {
                    s.push_str(nl);
                }
                s
            })
            .prop_filter("parses", |s| Document::parse(s).sections().is_ok())
    }

    #[derive(Clone, Debug)]
    enum EditOp {
        Set(usize, usize, String),
        Remove(usize, usize),
        SetNested(usize, usize, String),
        RemoveNested(usize, usize),
    }

    fn op() -> impl Strategy<Value = EditOp> {
        let s = 0..SECTIONS.len();
        let k = 0..KEYS.len();
        prop_oneof![
            (s.clone(), k.clone(), "[a-z0-9=:#]{0,8}").prop_map(|(s, k, v)| EditOp::Set(s, k, v)),
            (s.clone(), k.clone()).prop_map(|(s, k)| EditOp::Remove(s, k)),
            (s.clone(), k.clone(), "[a-z0-9]{0,8}")
                .prop_map(|(s, k, v)| EditOp::SetNested(s, k, v)),
            (s, k).prop_map(|(s, k)| EditOp::RemoveNested(s, k)),
        ]
    }

    fn value_of(view: &[(String, Vec<(String, String)>)], s: &str, k: &str) -> Option<String> {
        let k = k.to_lowercase();
        view.iter()
            .find(|(n, _)| n == s)
            .and_then(|(_, es)| es.iter().find(|(n, _)| *n == k))
            .map(|(_, v)| v.clone())
    }

    fn without(
        mut view: Vec<(String, Vec<(String, String)>)>,
        s: &str,
        k: &str,
    ) -> Vec<(String, Vec<(String, String)>)> {
        let k = k.to_lowercase();
        for (n, es) in &mut view {
            if n == s {
                es.retain(|(n, _)| *n != k);
            }
        }
        view.retain(|(n, es)| n != s || !es.is_empty());
        view
    }

    type View = Vec<(String, Vec<(String, String)>)>;

    fn target(op: &EditOp) -> (&'static str, &'static str) {
        match op {
            EditOp::Set(s, k, _)
            | EditOp::Remove(s, k)
            | EditOp::SetNested(s, k, _)
            | EditOp::RemoveNested(s, k) => (SECTIONS[*s], KEYS[*k]),
        }
    }

    fn apply(d: &mut Document, op: &EditOp) -> Result<bool, EditError> {
        let (s, k) = target(op);
        match op {
            EditOp::Set(_, _, v) => d.set(s, k, v),
            EditOp::Remove(..) => d.remove(s, k),
            EditOp::SetNested(_, _, v) => d.set_nested(s, k, "sub", v),
            EditOp::RemoveNested(..) => d.remove_nested(s, k, "addressing_style"),
        }
    }

    /// After a successful edit: the text re-parses to the same document, the
    /// edited key reads as intended, and nothing else changed.
    fn check_edited(d: &Document, op: &EditOp, before: View) -> Result<(), TestCaseError> {
        let (s, k) = target(op);
        let reparsed = Document::parse(&d.to_string());
        prop_assert_eq!(&reparsed, d);
        let after = own_view(&reparsed.sections().expect("edited document parses"));
        let got = value_of(&after, s, k);
        match op {
            EditOp::Set(_, _, v) => prop_assert_eq!(got.as_deref(), Some(v.trim())),
            EditOp::Remove(..) => prop_assert_eq!(got, None),
            EditOp::SetNested(_, _, v) => {
                let got = got.unwrap_or_default();
                let want = format!("sub = {v}");
                prop_assert!(got.starts_with('\n'), "{got:?}");
                let last = got
                    .lines()
                    .rev()
                    .find(|l| l.trim().starts_with("sub ="))
                    .map(str::trim);
                prop_assert!(last == Some(want.trim()), "{got:?}");
            }
            EditOp::RemoveNested(..) => {
                let old = value_of(&before, s, k);
                if old.as_deref().is_some_and(|v| v.starts_with('\n')) {
                    prop_assert!(
                        !got.unwrap_or_default()
                            .lines()
                            .any(|l| l.trim().starts_with("addressing_style"))
                    );
                } else {
                    // A plain value is not a block: nothing to remove.
                    prop_assert_eq!(got, old);
                }
            }
        }
        prop_assert_eq!(without(after, s, k), without(before, s, k));
        Ok(())
    }

    /// Documents built from awkward lines: indented headers, `[DEFAULT]`,
    /// tabs, `:` delimiters, stray continuations, CR-only line ends. Many do
    /// not parse.
    fn odd_document() -> impl Strategy<Value = String> {
        let piece = proptest::sample::select(vec![
            "[default]",
            "[profile dev]",
            "  [default]",
            "\t[profile dev]",
            "[DEFAULT]",
            "region = x",
            "\tregion: y",
            "  Region=z",
            "s3 =",
            "    addressing_style = path",
            "  more",
            "# c",
            "; c",
            "",
            "   ",
            "x",
        ]);
        (
            proptest::collection::vec(piece, 0..12),
            prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
            any::<bool>(),
        )
            .prop_map(|(lines, nl, final_nl)| {
                let mut s = lines.join(nl);
                if final_nl && !s.is_empty() {
                    s.push_str(nl);
                }
                s
            })
    }

    proptest! {
        #[test]
        fn edits_change_exactly_the_edited_key(doc in document(), ops in proptest::collection::vec(op(), 1..4)) {
            let mut d = Document::parse(&doc);
            for op in ops {
                let before = own_view(&d.sections().expect("parses"));
                let res = apply(&mut d, &op);
                prop_assert!(res.is_ok(), "{op:?} on {:?}: {res:?}", d.to_string());
                check_edited(&d, &op, before)?;
            }
        }

        /// On any document an edit is either exact or refused with the
        /// document untouched; a document that does not parse is always
        /// refused.
        #[test]
        fn edits_on_odd_documents_are_exact_or_refused(doc in odd_document(), op in op()) {
            let mut d = Document::parse(&doc);
            let before = d.sections();
            match apply(&mut d, &op) {
                Ok(_) => {
                    let before = before.expect("an edit succeeded, so the input parsed");
                    check_edited(&d, &op, own_view(&before))?;
                }
                Err(e) => {
                    prop_assert_eq!(d.to_string(), doc);
                    if before.is_err() {
                        prop_assert!(matches!(e, EditError::Unparseable(_)), "{e:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn add_section_appends_comments_and_options_and_nothing_else() {
    let before = "# top\n[default]\nregion = x\n; trailing";
    let mut d = Document::parse(before);
    let added = d
        .add_section(
            "profile a b",
            &["# made by a tool"],
            &[("k", "v"), ("empty", "")],
        )
        .unwrap();
    assert!(added);
    assert_eq!(
        d.to_string(),
        "# top\n[default]\nregion = x\n; trailing\n\n[profile a b]\n# made by a tool\nk = v\nempty =\n"
    );
    // An existing section is left alone.
    assert_eq!(d.add_section("default", &[], &[("k", "v")]), Ok(false));
    // CRLF files get CRLF lines.
    let mut d = Document::parse("[a]\r\nk = v\r\n");
    d.add_section("b", &["# c"], &[("x", "1")]).unwrap();
    assert_eq!(d.to_string(), "[a]\r\nk = v\r\n\r\n[b]\r\n# c\r\nx = 1\r\n");
    // Refusals change nothing.
    let mut d = Document::parse("[a]\n");
    assert!(d.add_section("b", &["not a comment"], &[]).is_err());
    assert!(d.add_section("b\n", &[], &[]).is_err());
    assert!(d.add_section("b", &[], &[("k", "two\nlines")]).is_err());
    assert_eq!(d.to_string(), "[a]\n");
}

#[test]
fn remove_section_takes_its_lines_and_keeps_the_neighbours() {
    let base = "# top\n[default]\nregion = x\n";
    let mut d = Document::parse(base);
    d.add_section("profile g", &["# gen"], &[("k", "v")])
        .unwrap();
    assert_eq!(d.remove_section("profile g"), Ok(true));
    assert_eq!(d.to_string(), base, "add then remove is the identity");
    // In the middle: the comment introducing the next section stays.
    let text = "[default]\nregion = x\n\n[profile g]\n# gen\nk = v\n  more\n\n# about h\n[profile h]\nk = w\n";
    let mut d = Document::parse(text);
    assert_eq!(d.remove_section("profile g"), Ok(true));
    assert_eq!(
        d.to_string(),
        "[default]\nregion = x\n\n# about h\n[profile h]\nk = w\n"
    );
    assert_eq!(d.remove_section("profile g"), Ok(false));
}
