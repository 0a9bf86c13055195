//! Integration tests for the `credchain` crate, built as one test binary
//! (one link step instead of one per file). Add new files as modules here.

mod container;
mod container_allowlist;
mod error_kinds;
mod imds;
mod sso;
mod sso_diff;
mod sts_faults;
mod sts_moto;
mod sts_vectors;
mod transport;
mod validation_diff;
mod vectors;
