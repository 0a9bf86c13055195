//! Resolves credentials as boto3 does and says how: the profile and why it
//! was chosen, the provider that won (botocore's method name), the access
//! key id masked as `aws configure list` masks it, and the region with its
//! source. No secret is printed and no request is made unless the chain
//! needs one (STS for a role profile, IMDS as the last provider).
//!
//! ```sh
//! cargo run -p credchain --example whoami            # AWS_PROFILE / AWS_DEFAULT_PROFILE / default
//! cargo run -p credchain --example whoami -- dev     # like boto3.Session(profile_name="dev")
//! ```
//!
//! Exit status: 0 with credentials, 1 without, 255 on an error (its
//! botocore class and message on stderr).

// An example's job is to print.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use credchain::Session;
use credchain::session::ValueSource;

/// The AWS CLI's mask: 16 `*`, then the last 4 characters.
fn mask(v: &str) -> String {
    let n = v.chars().count();
    let tail: String = v.chars().skip(n.saturating_sub(4)).collect();
    format!("{}{tail}", "*".repeat(16))
}

fn main() -> ExitCode {
    let mut builder = Session::builder();
    if let Some(profile) = std::env::args().nth(1) {
        builder = builder.profile_name(profile);
    }
    let session = builder.build();
    let profile = session.profile();
    println!(
        "profile:    {} ({})",
        profile.effective(),
        profile.source_name()
    );
    let code = match session.credentials() {
        Ok(Some(creds)) => match creds.get_frozen_credentials() {
            Ok(frozen) => {
                println!("method:     {}", creds.method());
                println!("access key: {}", mask(frozen.access_key_id()));
                if let Some(expiry) = frozen.expiration() {
                    println!("expires:    {expiry}");
                }
                ExitCode::SUCCESS
            }
            // A deferred provider (assume-role, web identity, SSO) makes its
            // call here, on first use, as botocore does.
            Err(e) => return fail(&e),
        },
        Ok(None) => {
            println!("method:     none (no credentials found)");
            ExitCode::from(1)
        }
        Err(e) => return fail(&e),
    };
    match session.region_name() {
        Ok(Some((region, source))) => {
            let from = match source {
                ValueSource::Session => "session".to_owned(),
                ValueSource::Env(var) => var.to_owned(),
                ValueSource::Profile(origin) => session
                    .config_files()
                    .map_or_else(|_| "profile".to_owned(), |f| f.describe(origin)),
            };
            println!("region:     {region} ({from})");
        }
        Ok(None) => println!("region:     <not set>"),
        Err(e) => return fail(&e),
    }
    code
}

fn fail(e: &credchain::Error) -> ExitCode {
    eprintln!("error: {}: {e}", e.kind());
    ExitCode::from(255)
}
