//! Python `str` whitespace semantics, so stripping and indentation match
//! CPython byte for byte.

use std::ops::Range;

/// Python's `str.isspace()`: Unicode `White_Space` plus the ASCII
/// information separators `\x1c`..=`\x1f` (bidi class B/S), which Rust's
/// `char::is_whitespace` does not include.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.splitlines()` line boundaries (botocore splits nested
/// sub-properties and `AWS_CREDENTIAL_FILE` lines at these).
pub fn is_py_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python's `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.rstrip()`.
pub(crate) fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// Byte length of `s` without trailing Python whitespace.
pub(crate) fn rstrip_len(s: &str) -> usize {
    py_rstrip(s).len()
}

/// Returns the byte length of the leading whitespace and the span of the
/// stripped text.
pub(crate) fn strip_span(s: &str) -> (usize, Range<usize>) {
    let start = s.len() - s.trim_start_matches(is_py_space).len();
    let end = rstrip_len(s).max(start);
    (start, start..end)
}

/// Python's `str.lower()`, which `configparser.optionxform` applies to option
/// names. Rust's `to_lowercase` follows the same Unicode tables, including
/// the final-sigma rule.
pub(crate) fn py_lower(s: &str) -> String {
    s.to_lowercase()
}
