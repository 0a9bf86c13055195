//! End-to-end tests of the `credchain` binary: every test runs the real
//! executable in a throwaway HOME with a cleared environment (see `util`).
//! `configure_read` compares against the real AWS CLI v1 and botocore, which
//! scripts/test.sh installs.

mod bad_input;
mod configure_eof;
mod configure_list_all;
mod configure_read;
mod configure_sso;
mod configure_write;
mod exec;
mod explain;
mod explain_user;
mod export;
mod files;
mod mfa_login;
#[cfg(unix)]
mod process;
mod query;
mod refresh;
mod requests;
mod secrets;
mod serve;
mod sso;
mod sso_login;
mod sts;
mod util;
mod voice;
