//! Unit tests. Cases cite spec table CFG-T rows (`../shared/spec/botocore-behaviour.md`).

use super::*;

fn sections(s: &str) -> Sections {
    Document::parse(s).sections().expect("parses")
}

fn err(s: &str) -> Diagnostic {
    Document::parse(s).sections().expect_err("must fail")
}

fn value(s: &str, section: &str, key: &str) -> String {
    let secs = sections(s);
    let sec = secs
        .sections
        .iter()
        .find(|x| x.name == section)
        .expect("section");
    secs.options(sec)
        .find(|e| e.name == key)
        .expect("key")
        .value
        .clone()
}

#[test]
fn roundtrip_examples() {
    for s in [
        "",
        "\n",
        "[a]\r\nx = 1\r\n",
        "[a]\rx=1\r",
        "no final newline",
        "\u{feff}[default]\n",
        "  [x] \n\t y : z\n  ; c\n",
    ] {
        assert_eq!(Document::parse(s).to_string(), s);
    }
}

#[test]
fn cfg_t_values() {
    // Rows 20-27, 32, 33, 35-37 of CFG-T.
    let d = "[d]\n";
    assert_eq!(value(&format!("{d}REGION = x"), "d", "region"), "x");
    assert_eq!(value(&format!("{d}region: x"), "d", "region"), "x");
    assert_eq!(value(&format!("{d}foo: a = b"), "d", "foo"), "a = b");
    assert_eq!(value(&format!("{d}foo = a: b"), "d", "foo"), "a: b");
    assert_eq!(value(&format!("{d}a:b = c"), "d", "a"), "b = c");
    assert_eq!(value(&format!("{d}a == b"), "d", "a"), "= b");
    assert_eq!(
        value(&format!("{d}r = us-west-2 # c"), "d", "r"),
        "us-west-2 # c"
    );
    assert_eq!(
        value(&format!("{d}r = us-west-2 ; c"), "d", "r"),
        "us-west-2 ; c"
    );
    assert_eq!(
        value("   [d]   \n   region   =    x y   ", "d", "region"),
        "x y"
    );
    assert_eq!(value(&format!("{d}region ="), "d", "region"), "");
    assert_eq!(value(&format!("{d}my key = v"), "d", "my key"), "v");
    assert_eq!(value(&format!("{d}r = \"q\""), "d", "r"), "\"q\"");
    assert_eq!(value(&format!("{d}foo = 100%"), "d", "foo"), "100%");
}

#[test]
fn cfg_t_headers() {
    // Rows 17, 18: header runs to the last `]`, trailing text ignored.
    assert_eq!(sections("[profile a]b]").sections[0].name, "profile a]b");
    assert_eq!(sections("[default] # trailing").sections[0].name, "default");
    assert_eq!(sections("[ default ]").sections[0].name, " default ");
    // Row 19: `[]` is not a header.
    assert_eq!(err("[]").kind(), &DiagnosticKind::MissingSectionHeader);
}

#[test]
fn cfg_t_comments_and_indentation() {
    // Row 28: indented comments are comments.
    assert_eq!(
        value("# c\n; c\n[d]\n  # c\nregion = x", "d", "region"),
        "x"
    );
    // Row 38: the first indented line is a key, not a continuation.
    let s = sections("[d]\n   region = x\n   output = json");
    assert_eq!(s.sections[0].entries.len(), 2);
    // Row 39: deeper indentation continues the value.
    assert_eq!(
        value("[d]\nregion = us-west-2\n  foo = bar", "d", "region"),
        "us-west-2\nfoo = bar"
    );
    // Row 40: nested blocks are a value starting with a newline.
    assert_eq!(
        value("[d]\ns3 =\n  a = 1\n  b = 2", "d", "s3"),
        "\na = 1\nb = 2"
    );
    // Comment lines inside a value are skipped, blank lines kept, trailing dropped.
    assert_eq!(
        value("[d]\ns3 =\n  # c\n  a = 1\n\n  b = 2\n\n", "d", "s3"),
        "\na = 1\n\nb = 2"
    );
    // An indented header under an option is part of its value (P-CLI-4).
    assert_eq!(value("[d]\nx = 1\n  [e]\n", "d", "x"), "1\n[e]");
    // Row 59: an empty value followed by a non-indented line.
    let s = sections("[d]\nfoo =\nbar = 1");
    assert_eq!(s.sections[0].entries[0].value, "");
    assert_eq!(s.sections[0].entries[1].value, "1");
}

#[test]
fn cfg_t_errors() {
    // Row 29: duplicate section.
    let e = err("[default]\nregion=a\n[default]\noutput=json");
    assert_eq!(e.line(), 3);
    assert!(matches!(
        e.kind(),
        DiagnosticKind::DuplicateSection { first_line: 1, .. }
    ));
    // Rows 30, 31: duplicate option, also after lowercasing.
    assert!(matches!(
        err("[d]\nregion = a\nregion = b").kind(),
        DiagnosticKind::DuplicateOption { .. }
    ));
    let e = err("[d]\nregion = a\nREGION = b");
    assert_eq!(e.line(), 3);
    // Row 34: no delimiter.
    assert_eq!(err("[d]\nregion").kind(), &DiagnosticKind::NoDelimiter);
    // Row 49: before any section.
    assert_eq!(err("region = x\n[d]").line(), 1);
    // Row 56: a BOM makes the first line unparseable.
    assert_eq!(
        err("\u{feff}[default]\n").kind(),
        &DiagnosticKind::MissingSectionHeader
    );
    // An empty option name.
    assert_eq!(err("[d]\n= x").kind(), &DiagnosticKind::EmptyName);
}

#[test]
fn default_section_is_inherited_and_may_repeat() {
    // Row 50.
    let s = "[DEFAULT]\nregion=x\n[default]\noutput=json\n[profile a]\nfoo=1\n[DEFAULT]\nb=2";
    assert_eq!(value(s, "default", "region"), "x");
    assert_eq!(value(s, "profile a", "b"), "2");
    let secs = sections(s);
    assert_eq!(secs.sections.len(), 2);
    // Own value wins over the default.
    assert_eq!(value("[DEFAULT]\nr=x\n[a]\nr=y", "a", "r"), "y");
    // Duplicate options across two DEFAULT sections are still duplicates.
    assert!(matches!(
        err("[DEFAULT]\nr=1\n[DEFAULT]\nr=2").kind(),
        DiagnosticKind::DuplicateOption { .. }
    ));
}

#[test]
fn line_endings_and_unicode_whitespace() {
    // Row 57: CRLF; and lone CR is a line end too.
    assert_eq!(value("[d]\r\nregion = x\r\n", "d", "region"), "x");
    assert_eq!(value("[d]\rregion = x\r", "d", "region"), "x");
    // \x1c is whitespace to Python (not to Rust's is_whitespace).
    assert_eq!(value("[d]\nregion = x\x1c", "d", "region"), "x");
    // Indentation is counted in characters.
    assert_eq!(
        value("[d]\n\u{3000}a = 1\n\u{3000}\u{3000}b", "d", "a"),
        "1\nb"
    );
    assert_eq!(Document::parse("[d]\r\n").newline(), Eol::CrLf);
    assert_eq!(Document::parse("[d]").newline(), Eol::Lf);
}

#[test]
fn diagnostics_name_line_and_expectation() {
    let e = err("[d]\nregion = a\nregion");
    assert_eq!(
        e.to_string(),
        "line 3: expected `name = value`, `name: value`, a `[section]` header or a `#`/`;` comment"
    );
    let all = Document::parse("[d]\nx\ny\n").diagnostics();
    assert_eq!(all.iter().map(Diagnostic::line).collect::<Vec<_>>(), [2, 3]);
}

mod roundtrip_props {
    use super::*;
    use proptest::prelude::*;

    fn ini_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just("=".to_owned()),
            Just(":".to_owned()),
            Just("#".to_owned()),
            Just(";".to_owned()),
            Just(" ".to_owned()),
            Just("\t".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\r".to_owned()),
            Just("\u{feff}".to_owned()),
            Just("\u{3000}".to_owned()),
            "[a-zA-Z0-9_ -]{0,8}",
            any::<String>(),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn roundtrip_any_string(s in any::<String>()) {
            prop_assert_eq!(Document::parse(&s).to_string(), s);
        }

        #[test]
        fn roundtrip_ini_like(s in ini_like()) {
            let doc = Document::parse(&s);
            prop_assert_eq!(&doc.to_string(), &s);
            // The borrowed fast path agrees with the document's view.
            let full = parse_sections(&s);
            prop_assert_eq!(doc.diagnostics().into_iter().next(), full.clone().err());
            // The check, the outline and the per-section parse agree with it.
            prop_assert_eq!(doc.check(), full.clone().map(|_| ()));
            match (outline(&s), full) {
                (Ok(o), Ok(v)) => {
                    prop_assert_eq!(&o.defaults, &v.defaults);
                    prop_assert_eq!(o.sections.len(), v.sections.len());
                    for (a, b) in o.sections.iter().zip(&v.sections) {
                        prop_assert_eq!(a.name, b.name.as_str());
                        prop_assert_eq!(a.line, b.line);
                        prop_assert_eq!(&section_entries(&s, a), &b.entries);
                        let multiline = b.entries.iter().any(|e| e.value.contains('\n'));
                        prop_assert_eq!(a.multiline, multiline);
                    }
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "outline {a:?} vs view {b:?}"),
            }
            // The line index reproduces every line's kind and text.
            let mut lines = String::new();
            for l in doc.lines() {
                lines.push_str(l.text());
                lines.push_str(l.eol().as_str());
            }
            prop_assert_eq!(&lines, &s);
            let kinds: Vec<LineKind> = doc.lines().map(|l| l.kind().clone()).collect();
            let fresh: Vec<LineKind> = Classified::new(&s).map(|l| l.kind).collect();
            prop_assert_eq!(kinds, fresh);
        }
    }
}

#[test]
fn debug_never_prints_values_or_line_text() {
    let text = "[default]\naws_secret_access_key = SENTINEL-secret\nnested =\n  k = SENTINEL-sub\n# SENTINEL-comment\n";
    let doc = Document::parse(text);
    let sections = doc.sections().expect("parses");
    for shown in [
        format!("{doc:?}"),
        format!("{doc:#?}"),
        format!("{sections:?}"),
        format!("{:?}", sections.sections[0].entries[0]),
    ] {
        assert!(!shown.contains("SENTINEL"), "{shown}");
    }
    // Still useful: names, lines and lengths are shown.
    let entry = format!("{:?}", sections.sections[0].entries[0]);
    assert!(
        entry.contains("aws_secret_access_key") && entry.contains("value_len: 15"),
        "{entry}"
    );
}
