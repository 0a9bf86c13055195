//! The invariants of the loopback servers' request-head parser
//! (`credchain serve`, the `sso login` listener), for its property tests
//! and the `server_head` fuzz target: no panic on any bytes, nothing kept
//! beyond the head cap, and a read loop that never holds more than the
//! cap plus one read.

use crate::http::server_head::parse_head;

/// What [`check`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadOutcome {
    /// A head, `used` bytes long.
    Parsed {
        /// Bytes the head took.
        used: usize,
    },
    /// More bytes needed (only ever below the cap).
    NeedMore,
    /// Refused with this status (400, 413, 431).
    Refused(u16),
}

/// Parses `buf` with the cap `max` and panics if an invariant breaks: a
/// head longer than the cap or than `buf`, more kept than the head's
/// bytes, or "more, please" at or past the cap.
///
/// # Panics
/// On a broken invariant (that is the point).
pub fn check(buf: &[u8], max: usize) -> HeadOutcome {
    match parse_head(buf, max) {
        Ok(Some((req, used))) => {
            assert!(used <= max && used <= buf.len(), "used {used}");
            let kept = req.method.len() + req.target_len() + req.header_bytes();
            assert!(kept <= used, "kept {kept} of {used}");
            assert!(req.header_count() <= crate::http::server_head::MAX_HEADERS);
            HeadOutcome::Parsed { used }
        }
        // A caller that reads on `None` then holds at most the cap plus
        // one read.
        Ok(None) => {
            assert!(buf.len() < max, "asked for more at {}", buf.len());
            HeadOutcome::NeedMore
        }
        Err(e) => HeadOutcome::Refused(e.status()),
    }
}

/// `credchain serve`'s read loop over `input`, read in `chunks` (sizes,
/// cycled; 1 when empty) with the cap `max`: parses, drains each head,
/// reads more on "more", stops at a refusal or the end of input.
///
/// # Panics
/// As [`check`], or when the buffer held ever reaches the cap plus the
/// largest read.
pub fn drip(input: &[u8], chunks: &[usize], max: usize) {
    let mut buf = Vec::new();
    let mut at = 0;
    let mut sizes = chunks.iter().copied().filter(|n| *n > 0).cycle();
    let mut most = 1;
    loop {
        match check(&buf, max) {
            HeadOutcome::Parsed { used } => {
                buf.drain(..used);
            }
            HeadOutcome::NeedMore if at < input.len() => {
                let n = sizes.next().unwrap_or(1).min(input.len() - at);
                most = most.max(n);
                buf.extend_from_slice(&input[at..at + n]);
                at += n;
            }
            HeadOutcome::NeedMore | HeadOutcome::Refused(_) => break,
        }
        assert!(buf.len() < max + most, "held {}", buf.len());
    }
}
