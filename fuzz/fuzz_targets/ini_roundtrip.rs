//! Any UTF-8 input: the parser is lossless (`parse(s).to_string() == s`),
//! configparser-style section building never panics, and the borrowed fast
//! path (`parse_sections`) agrees with the document's view.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let doc = credchain_ini::Document::parse(s);
    assert_eq!(doc.to_string(), s, "parse(s).to_string() != s");
    let _ = doc.diagnostics();
    let view = doc.sections();
    assert_eq!(view, credchain_ini::parse_sections(s), "fast path disagrees");
    if let Ok(sections) = view {
        for section in &sections.sections {
            for entry in sections.options(section) {
                std::hint::black_box((&entry.name, &entry.value));
            }
        }
    }
});
