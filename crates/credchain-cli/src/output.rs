//! The only place that writes to stdout/stderr. A closed pipe is not an
//! error worth reporting (`credchain ... | head`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes to stdout; returns `false` if stdout is closed.
pub(crate) fn out(s: &str) -> bool {
    let mut o = io::stdout().lock();
    o.write_all(s.as_bytes()).and_then(|()| o.flush()).is_ok()
}

/// Writes a line to stderr.
pub(crate) fn err_line(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{s}");
}

/// Writes to stderr without a newline.
pub(crate) fn err(s: &str) {
    let _ = write!(io::stderr().lock(), "{s}");
}

/// A `--debug` trace line.
pub(crate) fn debug(enabled: bool, s: &str) {
    if enabled {
        err_line(&format!("debug: {s}"));
    }
}

/// Python `json.dumps` string encoding (`ensure_ascii=True`), so output is
/// byte-identical to the AWS CLI's.
pub(crate) fn py_json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            '\u{8}' => o.push_str("\\b"),
            '\u{c}' => o.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    let _ = write!(o, "\\u{u:04x}");
                }
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::py_json_str;

    #[test]
    fn matches_python_json_dumps() {
        // python3 -c 'import json; print(json.dumps("a\"b\\\\c\né😂\x01\x7f"))'
        assert_eq!(
            py_json_str("a\"b\\c\né😂\u{1}\u{7f}"),
            r#""a\"b\\c\n\u00e9\ud83d\ude02\u0001\u007f""#
        );
    }
}
