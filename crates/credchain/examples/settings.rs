//! Prints every setting botocore resolves for a profile (region,
//! retry_mode, max_attempts, endpoint URLs, the `s3` block, …) with its
//! value as botocore returns it and where it came from: the library side of
//! `credchain configure list --all`.
//!
//! ```sh
//! cargo run -p credchain --example settings            # the current profile
//! cargo run -p credchain --example settings -- dev     # profile dev
//! ```
//!
//! A value botocore would refuse (`max_attempts = many`) is shown as its
//! error on that row only, as botocore fails only that lookup.

// An example's job is to print.
#![allow(clippy::print_stdout)]

use credchain::Session;
use credchain::settings::Provenance;

fn main() {
    let mut builder = Session::builder();
    if let Some(profile) = std::env::args().nth(1) {
        builder = builder.profile_name(profile);
    }
    let session = builder.build();
    let files = session.config_files().ok();
    println!("{:<44} {:<24} {:<16} LOCATION", "NAME", "VALUE", "TYPE");
    for (name, result) in session.settings() {
        match result {
            Ok(r) => {
                let location = match &r.provenance {
                    Provenance::Env(var) => var.clone(),
                    Provenance::File { origin, profile } => {
                        let at = files.map_or_else(String::new, |f| f.describe(*origin));
                        format!("{at} [{profile}]")
                    }
                    Provenance::Instance => "session".to_owned(),
                    Provenance::Imds => "IMDS".to_owned(),
                    Provenance::Data(data) => (*data).to_owned(),
                    p @ Provenance::DefaultsMode { .. } => {
                        p.defaults_mode_location().unwrap_or_default()
                    }
                    Provenance::Default => String::new(),
                };
                println!(
                    "{name:<44} {:<24} {:<16} {location}",
                    r.value.display(),
                    r.provenance.kind()
                );
            }
            Err(e) => println!("{name:<44} error: {}: {e}", e.kind()),
        }
    }
}
