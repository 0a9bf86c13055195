//! Benchmarks for the "10,000 profiles resolved in ≤ 15 ms" target.
//!
//! * `parse/config_files_from_texts` — both generated files through
//!   [`ConfigFiles::from_texts`] (INI parse + normalize + merge).
//! * `resolve/session_last_profile` — a fresh [`Session`] over in-memory
//!   fakes resolving the last profile with `get_credentials()`: file lookup,
//!   read, UTF-8 check, parse, merge and the provider chain. This is the
//!   target figure.
//! * `ini/document_parse_*` — `credchain_ini::Document::parse` alone.
//!
//! Run: `cargo bench -p credchain --bench resolve -- --warm-up-time 1 --measurement-time 3`

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use credchain::ConfigFiles;
use credchain::Session;
use credchain::os::{FixedClock, MapEnv, MemFs, Os};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PROFILES: usize = 10_000;
const HOME: &str = "/home/bench";

const REGIONS: [&str; 6] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "sa-east-1",
];
const OUTPUTS: [&str; 3] = ["json", "text", "table"];

/// A deterministic, AWS-shaped 20-character access key id.
fn access_key(i: usize) -> String {
    format!("AKIA{i:016}")
}

/// A deterministic 40-character secret.
fn secret_key(i: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(40);
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(ALPHABET[(x % 64) as usize] as char);
    }
    s
}

/// `~/.aws/config` with a `[default]` and `n` `[profile pN]` sections:
/// region, output, comments, a nested `s3` block every 10th profile, and
/// the odd retry / duration setting.
fn gen_config(n: usize) -> String {
    let mut s = String::with_capacity(n * 120);
    s.push_str("# Generated AWS config for credchain benchmarks\n[default]\nregion = us-east-1\noutput = json\n\n");
    for i in 0..n {
        if i % 7 == 0 {
            let _ = writeln!(s, "# team {} accounts", i / 7);
        }
        let _ = writeln!(s, "[profile p{i}]");
        let _ = writeln!(s, "region = {}", REGIONS[i % REGIONS.len()]);
        let _ = writeln!(s, "output = {}", OUTPUTS[i % OUTPUTS.len()]);
        if i % 10 == 0 {
            s.push_str("s3 =\n    addressing_style = path\n    max_concurrent_requests = 20\n    multipart_threshold = 64MB\n");
        }
        if i % 5 == 0 {
            s.push_str("; retries tuned for CI\nretry_mode = standard\nmax_attempts = 5\n");
        }
        if i % 13 == 0 {
            s.push_str("duration_seconds = 3600\n");
        }
        s.push('\n');
    }
    s
}

/// `~/.aws/credentials` with a `[default]` and `n` `[pN]` sections holding
/// static keys; every 4th has a session token.
fn gen_credentials(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    s.push_str("[default]\n");
    let _ = writeln!(s, "aws_access_key_id = {}", access_key(999_999));
    let _ = writeln!(s, "aws_secret_access_key = {}\n", secret_key(999_999));
    for i in 0..n {
        if i % 11 == 0 {
            let _ = writeln!(s, "# rotated {}", 2020 + i % 6);
        }
        let _ = writeln!(s, "[p{i}]");
        let _ = writeln!(s, "aws_access_key_id = {}", access_key(i));
        let _ = writeln!(s, "aws_secret_access_key = {}", secret_key(i));
        if i % 4 == 0 {
            let _ = writeln!(
                s,
                "aws_session_token = {}{}",
                secret_key(i + 1),
                secret_key(i + 2)
            );
        }
        s.push('\n');
    }
    s
}

fn fake_os(config: &str, credentials: &str) -> Os {
    let fs = MemFs::new()
        .with_dir(HOME)
        .with_dir(format!("{HOME}/.aws"))
        .with_file(format!("{HOME}/.aws/config"), config)
        .with_file(format!("{HOME}/.aws/credentials"), credentials);
    Os {
        env: Arc::new(MapEnv::from_pairs([
            ("HOME", HOME),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ])),
        fs: Arc::new(fs),
        clock: Arc::new(FixedClock(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000),
        )),
    }
}

fn benches(c: &mut Criterion) {
    let config = gen_config(PROFILES);
    let credentials = gen_credentials(PROFILES);
    let last = format!("p{}", PROFILES - 1);
    let bytes = (config.len() + credentials.len()) as u64;

    // Sanity: the generated files resolve the last profile from the credentials file.
    let os = fake_os(&config, &credentials);
    let creds = Session::builder()
        .os(os.clone())
        .profile_name(&last)
        .build()
        .get_credentials()
        .expect("resolution succeeds")
        .expect("credentials found");
    assert_eq!(creds.access_key_id(), access_key(PROFILES - 1));
    let files = ConfigFiles::from_texts(Some(&config), Some(&credentials)).expect("parses");
    assert_eq!(files.profiles().count(), PROFILES + 1);

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("config_files_from_texts", |b| {
        b.iter(|| {
            ConfigFiles::from_texts(Some(black_box(&config)), Some(black_box(&credentials)))
                .expect("parses")
        });
    });
    g.finish();

    let mut g = c.benchmark_group("resolve");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("session_last_profile", |b| {
        b.iter(|| {
            let session = Session::builder()
                .os(os.clone())
                .profile_name(black_box(last.as_str()))
                .build();
            session
                .get_credentials()
                .expect("resolution succeeds")
                .expect("credentials found")
        });
    });
    g.finish();

    let mut g = c.benchmark_group("ini");
    g.throughput(Throughput::Bytes(config.len() as u64));
    g.bench_function("document_parse_config", |b| {
        b.iter(|| credchain_ini::Document::parse(black_box(&config)));
    });
    g.throughput(Throughput::Bytes(credentials.len() as u64));
    g.bench_function("document_parse_credentials", |b| {
        b.iter(|| credchain_ini::Document::parse(black_box(&credentials)));
    });
    g.finish();
}

criterion_group!(resolve, benches);
criterion_main!(resolve);
