//! Arbitrary bytes as an HTTP request head for credchain's loopback servers
//! (`credchain serve`, the `sso login` listener): the parser never panics,
//! keeps nothing beyond the head cap, and their read loop never holds more
//! than the cap plus one read (`credchain::testkit::server_head`, the same
//! checks the property tests make).
//!
//! Input layout: byte 0 picks the read size for the read loop (1 to 256
//! bytes), the rest is what the client sends.
#![no_main]

use credchain::testkit::server_head::{check, drip};
use libfuzzer_sys::fuzz_target;

/// `credchain serve`'s cap (`credchain::serve::MAX_HEAD_BYTES`).
const MAX: usize = 8 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&read, sent)) = data.split_first() else {
        return;
    };
    check(sent, MAX);
    check(sent, 64);
    drip(sent, &[usize::from(read) + 1], MAX);
});
