//! Keeps refreshable credentials alive, as a long-running boto3 program's
//! `session.get_credentials()` does: each `get_frozen_credentials()` refreshes
//! first when fewer than 15 minutes remain (a failure then keeps the old set)
//! and must when fewer than 10 remain (a failure is returned). Static keys
//! never refresh; assume-role, web identity and SSO make their first call on
//! the first use.
//!
//! ```sh
//! cargo run -p credchain --example refresh -- dev 60 3   # profile dev, every 60 s, 3 times
//! ```
//!
//! Arguments: profile (`-` for the default selection), seconds between
//! uses (default 60), number of uses (default 3). Only the masked key id,
//! the method and the expiry are printed.

// An example's job is to print.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use credchain::Session;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut builder = Session::builder();
    if let Some(profile) = args.first().filter(|p| *p != "-") {
        builder = builder.profile_name(profile.clone());
    }
    let every = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let times: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let session = builder.build();
    let creds = match session.credentials() {
        Ok(Some(c)) => c,
        Ok(None) => {
            eprintln!("no credentials found");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: {}: {e}", e.kind());
            return ExitCode::from(255);
        }
    };
    println!(
        "method {} ({})",
        creds.method(),
        if creds.is_refreshable() {
            "refreshable"
        } else {
            "static: never refreshed"
        }
    );
    for i in 1..=times {
        if i > 1 {
            std::thread::sleep(Duration::from_secs(every));
        }
        let due = creds.refresh_needed();
        match creds.get_frozen_credentials() {
            Ok(frozen) => {
                let key = frozen.access_key_id();
                let tail: String = key
                    .chars()
                    .skip(key.chars().count().saturating_sub(4))
                    .collect();
                let expiry = frozen
                    .expiration()
                    .map_or_else(|| "no expiry".to_owned(), |t| format!("expires {t}"));
                println!(
                    "use {i}: key ****{tail}, {expiry}{}",
                    if due { " (refresh was due)" } else { "" }
                );
            }
            Err(e) => {
                eprintln!("use {i}: error: {}: {e}", e.kind());
                return ExitCode::from(255);
            }
        }
        if let Some(failure) = creds.last_advisory_failure() {
            // Advisory window: botocore logs a warning and keeps the old set.
            eprintln!("use {i}: refresh failed, old credentials kept: {failure}");
        }
    }
    ExitCode::SUCCESS
}
