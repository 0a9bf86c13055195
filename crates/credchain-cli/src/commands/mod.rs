//! One module per command. Each returns an exit code.

pub(crate) mod configure;
pub(crate) mod explain;

use credchain::Session;
use credchain::os::Os;

use crate::cli::GlobalArgs;

/// Exit code for a failed command (the AWS CLI's 255).
pub(crate) const EXIT_ERROR: u8 = 255;

/// Builds the session the global flags describe.
pub(crate) fn session(global: &GlobalArgs) -> Session {
    let mut b = Session::builder().os(Os::real());
    if let Some(p) = &global.profile {
        b = b.profile_name(p.clone());
    }
    if let Some(r) = &global.region {
        b = b.region_name(r.clone());
    }
    b.build()
}
