//! Properties of [`parse_head`] on arbitrary bytes and on mutations of
//! valid heads: it never panics, what it keeps is bounded by the head cap,
//! valid heads parse to what was sent (whole, split anywhere, followed by
//! a pipelined request), and a head that announces a body is never
//! accepted, however its `Content-Length` headers are spelled.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;
use crate::testkit::server_head::check;

/// `credchain serve`'s cap ([`crate::serve::MAX_HEAD_BYTES`]).
const MAX: usize = 8 * 1024;

/// A valid head's parts: method, origin-form target, minor version,
/// headers (no `Content-Length` / `Transfer-Encoding`).
#[derive(Debug, Clone)]
struct Head {
    method: String,
    target: String,
    minor: u8,
    headers: Vec<(String, String)>,
}

impl Head {
    fn bytes(&self) -> Vec<u8> {
        let mut s = format!("{} {} HTTP/1.{}\r\n", self.method, self.target, self.minor);
        for (n, v) in &self.headers {
            let _ = write!(s, "{n}: {v}\r\n");
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

fn head() -> impl Strategy<Value = Head> {
    (
        "[A-Z]{1,12}",
        "/[A-Za-z0-9/?=&%._~+-]{0,200}",
        0u8..=1,
        proptest::collection::vec(
            (
                // Token characters (RFC 9110); never a body header.
                "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}".prop_filter("no body headers", |n| {
                    !n.eq_ignore_ascii_case("content-length")
                        && !n.eq_ignore_ascii_case("transfer-encoding")
                }),
                // Visible ASCII and inner spaces, nothing to trim.
                "([!-~]([ -~]{0,60}[!-~])?)?",
            ),
            0..20,
        ),
    )
        .prop_map(|(method, target, minor, headers)| Head {
            method,
            target,
            minor,
            headers,
        })
}

/// [`check`] (the invariants), then the parse itself.
fn check_bounds(buf: &[u8], max: usize) -> Result<Option<(Request, usize)>, ParseError> {
    check(buf, max);
    parse_head(buf, max)
}

fn drip(input: &[u8], chunks: &[usize]) {
    crate::testkit::server_head::drip(input, chunks, MAX);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        bytes in proptest::collection::vec(any::<u8>(), 0..12 * 1024),
        chunks in proptest::collection::vec(1usize..5000, 1..8),
    ) {
        check(&bytes, MAX);
        check(&bytes, 64);
        drip(&bytes, &chunks);
    }

    #[test]
    fn arbitrary_heads_shaped_text_never_panics(
        text in "[A-Z]{0,8} [ -~]{0,40} HTTP/[0-9.]{0,4}(\r?\n([ -~\t]{0,80}))*(\r?\n){0,2}",
    ) {
        check(text.as_bytes(), MAX);
    }

    #[test]
    fn valid_heads_parse_whole_split_and_pipelined(h in head(), cut in any::<prop::sample::Index>()) {
        let raw = h.bytes();
        prop_assume!(raw.len() <= MAX);
        let (req, used) = check_bounds(&raw, MAX).unwrap().unwrap();
        prop_assert_eq!(used, raw.len());
        prop_assert_eq!(&req.method, &h.method);
        prop_assert_eq!(&req.target, &h.target);
        prop_assert_eq!(req.headers.len(), h.headers.len());
        for (n, v) in &h.headers {
            // The first header of that name (case-insensitive) answers.
            let first = h.headers.iter().find(|(m, _)| m.eq_ignore_ascii_case(n)).unwrap();
            prop_assert_eq!(req.header(n), Some(first.1.as_str()));
            let _ = v;
        }
        // Any strict prefix asks for more.
        let at = cut.index(raw.len());
        prop_assert_eq!(check_bounds(&raw[..at], MAX), Ok(None));
        // A pipelined request after it is left for the next parse.
        let mut two = raw.clone();
        two.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
        let (_, used) = check_bounds(&two, MAX).unwrap().unwrap();
        prop_assert_eq!(used, raw.len());
        let (next, _) = check_bounds(&two[used..], MAX).unwrap().unwrap();
        prop_assert_eq!(next.path(), "/next");
    }

    #[test]
    fn mutated_heads_never_panic(
        h in head(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..6),
        chunks in proptest::collection::vec(1usize..300, 1..4),
    ) {
        let mut raw = h.bytes();
        for (at, op, byte) in edits {
            if raw.is_empty() {
                break;
            }
            let i = at.index(raw.len());
            match op {
                0 => { raw.remove(i); }          // a CR or LF (or anything) lost
                1 => raw.insert(i, byte),        // a stray byte, non-UTF-8 included
                2 => raw[i] = byte,
                _ => {
                    // A line duplicated (duplicate headers).
                    let start = raw[..i].iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
                    let end = raw[i..].iter().position(|b| *b == b'\n').map_or(raw.len(), |p| i + p + 1);
                    let line = raw[start..end].to_vec();
                    raw.splice(start..start, line);
                }
            }
        }
        check(&raw, MAX);
        drip(&raw, &chunks);
    }

    #[test]
    fn a_non_utf8_header_value_is_malformed(h in head(), at in any::<prop::sample::Index>()) {
        let mut h = h;
        h.headers.push(("X-Bytes".into(), "ab".into()));
        let mut raw = h.bytes();
        prop_assume!(raw.len() < MAX);
        // Inside the value `ab`: a lone continuation byte is never UTF-8.
        let value = raw.windows(4).position(|w| w == b"ab\r\n").unwrap();
        raw.insert(value + at.index(2) + 1, 0xff);
        prop_assert_eq!(check_bounds(&raw, MAX), Err(ParseError::Malformed));
    }

    #[test]
    fn an_over_long_head_is_too_large(h in head(), extra in 0usize..3000) {
        let mut h = h;
        let room = MAX.saturating_sub(h.bytes().len());
        h.headers.push(("X-Long".into(), "a".repeat(room + 1 + extra)));
        let raw = h.bytes();
        prop_assert_eq!(check_bounds(&raw, MAX), Err(ParseError::TooLarge));
        // Cut anywhere past the cap: still too large, never "more".
        prop_assert_eq!(check_bounds(&raw[..MAX + extra.min(raw.len() - MAX)], MAX), Err(ParseError::TooLarge));
    }

    /// However `Content-Length` is spelled or repeated, a head is accepted
    /// only when every one of them is a plain 0 (RFC 9112 §6.3: differing
    /// or invalid lengths are an error; a smuggled body must not become
    /// the next request).
    #[test]
    fn a_body_is_never_accepted(
        h in head(),
        lengths in proptest::collection::vec(
            prop_oneof![
                Just("0".to_owned()),
                Just("00".to_owned()),
                "[0-9]{1,30}",
                "[+-]?[0-9]{1,3}",
                "[ -~]{0,12}",
            ],
            1..4,
        ),
        positions in proptest::collection::vec(any::<prop::sample::Index>(), 4),
        chunked in any::<bool>(),
    ) {
        let mut h = h;
        for (v, at) in lengths.iter().zip(&positions) {
            let i = at.index(h.headers.len() + 1);
            h.headers.insert(i, ("Content-Length".into(), v.trim_matches([' ', '\t']).to_owned()));
        }
        if chunked {
            h.headers.push(("Transfer-Encoding".into(), "chunked".into()));
        }
        let raw = h.bytes();
        prop_assume!(raw.len() < MAX);
        let all_zero = lengths.iter().all(|v| {
            let v = v.trim_matches([' ', '\t']);
            !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && v.bytes().all(|b| b == b'0')
        });
        match check_bounds(&raw, MAX) {
            Ok(Some(_)) => prop_assert!(all_zero && !chunked, "accepted {:?}", lengths),
            Ok(None) => prop_assert!(false, "a complete head asked for more"),
            Err(_) => prop_assert!(!all_zero || chunked, "refused {:?}", lengths),
        }
    }
}
