//! Large-file benchmarks for issue 9 (linear time, bounded memory):
//!
//! * `files/parse_100k_keys_one_section` — one `[default]` with 100,000
//!   keys through [`ConfigFiles::from_texts`] (INI parse, duplicate-key
//!   check, normalize).
//! * `files/edit_100k_keys_one_section` — what `configure set` does in
//!   memory on that file: `Document::parse`, `set` of the last key (which
//!   re-parses and compares the result), `to_string`.
//! * `files/parse_10k_sections`, `files/edit_10k_sections` — the same for
//!   10,000 sections.
//! * `files/parse_default_3k_x_3k` — 3,000 `[DEFAULT]` keys inherited by
//!   3,000 sections (shared, not copied).
//!
//! Peak memory is measured per process by `scripts/bench-files.sh`.
//!
//! Run: `cargo bench -p credchain --bench files -- --warm-up-time 1 --measurement-time 3`

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use credchain::ConfigFiles;
use credchain_ini::Document;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn keys_100k() -> String {
    let mut s = String::from("[default]\n");
    for i in 0..100_000 {
        let _ = writeln!(s, "key{i} = value{i}");
    }
    s
}

fn sections_10k() -> String {
    let mut s = String::new();
    for i in 0..10_000 {
        let _ = write!(
            s,
            "[profile p{i}]\nregion = us-east-1\noutput = json\n\
             role_arn = arn:aws:iam::123456789012:role/r{i}\n\n"
        );
    }
    s
}

fn default_3k_x_3k() -> String {
    let mut s = String::from("[DEFAULT]\n");
    for i in 0..3000 {
        let _ = writeln!(s, "d{i} = {i}");
    }
    for i in 0..3000 {
        let _ = writeln!(s, "[s{i}]");
    }
    s
}

fn edit(text: &str, section: &str, key: &str) -> String {
    let mut doc = Document::parse(text);
    assert!(doc.set(section, key, "changed").expect("edit"));
    doc.to_string()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("files");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(3));

    let keys = keys_100k();
    g.throughput(Throughput::Bytes(keys.len() as u64));
    g.bench_function("parse_100k_keys_one_section", |b| {
        b.iter(|| ConfigFiles::from_texts(Some(black_box(&keys)), None).expect("parses"));
    });
    g.bench_function("edit_100k_keys_one_section", |b| {
        b.iter(|| edit(black_box(&keys), "default", "key99999"));
    });

    let sections = sections_10k();
    g.throughput(Throughput::Bytes(sections.len() as u64));
    g.bench_function("parse_10k_sections", |b| {
        b.iter(|| ConfigFiles::from_texts(Some(black_box(&sections)), None).expect("parses"));
    });
    g.bench_function("edit_10k_sections", |b| {
        b.iter(|| edit(black_box(&sections), "profile p9999", "region"));
    });

    let defaults = default_3k_x_3k();
    g.throughput(Throughput::Bytes(defaults.len() as u64));
    g.bench_function("parse_default_3k_x_3k", |b| {
        b.iter(|| {
            let files = ConfigFiles::from_texts(Some(black_box(&defaults)), None).expect("parses");
            assert_eq!(
                files
                    .other_sections()
                    .get("s2999")
                    .and_then(|p| p.get_str("d2999")),
                Some("2999")
            );
            files
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
