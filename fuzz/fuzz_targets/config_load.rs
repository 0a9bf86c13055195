//! Arbitrary config + credentials texts: loading, merging and a whole
//! `Session` resolution (`explain`, `get_credentials`, region, profiles)
//! never panic, whatever the files say.
//!
//! Input layout: the first byte picks the selected profile source; the rest
//! is split at the first 0xFF byte (never valid UTF-8) into the config text
//! and the credentials text. No 0xFF: the credentials file is absent.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use credchain::os::{FixedClock, MapEnv, MemFs, Os};
use credchain::{ConfigFiles, Session};
use libfuzzer_sys::fuzz_target;

const HOME: &str = "/home/fuzz";
const PROFILES: [&str; 4] = ["default", "dev", "p0", ""];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (config, credentials) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };

    // Text API (only for UTF-8; the Session path below gets the raw bytes).
    let config_text = std::str::from_utf8(config).ok();
    let credentials_text = credentials.map(std::str::from_utf8);
    if let Some(c) = config_text {
        let k = match credentials_text {
            Some(Ok(k)) => Some(k),
            Some(Err(_)) => None,
            None => None,
        };
        if let Ok(files) = ConfigFiles::from_texts(Some(c), k) {
            for name in files.available_profiles() {
                let _ = files.profile(name);
            }
        }
    }

    // The real entry point over in-memory fakes.
    let mut fs = MemFs::new()
        .with_dir(HOME)
        .with_dir(format!("{HOME}/.aws"))
        .with_file(format!("{HOME}/.aws/config"), config);
    if let Some(k) = credentials {
        fs = fs.with_file(format!("{HOME}/.aws/credentials"), k);
    }
    let mut env = vec![
        ("HOME", HOME.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    let profile = PROFILES[usize::from(selector & 3)];
    match (selector >> 2) & 3 {
        0 => {}
        1 => env.push(("AWS_PROFILE", profile.to_owned())),
        2 => env.push(("AWS_DEFAULT_PROFILE", profile.to_owned())),
        _ => {}
    }
    let os = Os {
        env: Arc::new(MapEnv::from_pairs(env)),
        fs: Arc::new(fs),
        clock: Arc::new(FixedClock(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000),
        )),
    };
    let mut builder = Session::builder().os(os);
    if (selector >> 2) & 3 == 3 {
        builder = builder.profile_name(profile);
    }
    let session = builder.build();
    let resolution = session.explain();
    for step in &resolution.steps {
        std::hint::black_box(step.detail.len());
    }
    if let Err(e) = &resolution.result {
        std::hint::black_box((e.kind(), e.to_string()));
    }
    let _ = session.get_credentials();
    let _ = session.region_name();
    let _ = session.available_profiles();
});
