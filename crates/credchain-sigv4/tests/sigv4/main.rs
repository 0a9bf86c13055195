//! Integration tests for `credchain-sigv4`: the public vector suites and a differential
//! comparison with botocore's signer.

// Test helpers print skip lines and counts on purpose; vector cases are built by
// overwriting fields of a base case, which `assigning_clones` would make noisier.
#![allow(clippy::print_stderr, clippy::assigning_clones, missing_docs)]

mod differential;
mod support;
mod vectors;
