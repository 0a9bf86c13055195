//! Python's `int(str)` acceptance test. botocore converts integer settings
//! with `int()`, which accepts any Unicode decimal digit (category Nd), not
//! just ASCII ones: `int("１") == 1`.

/// First code point of every run of ten Unicode decimal digits (0-9), from
/// CPython 3.11's `unicodedata` (Unicode 14.0.0).
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Whether `c` is a Unicode decimal digit (what `int()` accepts).
fn is_decimal(c: char) -> bool {
    let cp = u32::from(c);
    // Runs are sorted; find the last zero at or below cp.
    let i = DIGIT_ZEROS.partition_point(|&z| z <= cp);
    i > 0 && cp - DIGIT_ZEROS[i - 1] < 10
}

/// Python `int(str)`: optional whitespace, sign, decimal digits with single
/// underscores between them.
pub(crate) fn is_py_int(s: &str) -> bool {
    let t = credchain_ini::py_strip(s);
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    !t.is_empty()
        && !t.starts_with('_')
        && !t.ends_with('_')
        && !t.contains("__")
        && t.chars().all(|c| is_decimal(c) || c == '_')
}

/// Python `int(str)` as an `i64`: `None` when `int()` would raise, or when
/// the value does not fit (Python would keep the big integer).
pub(crate) fn py_int_value(s: &str) -> Option<i64> {
    if !is_py_int(s) {
        return None;
    }
    let t = credchain_ini::py_strip(s);
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let mut v: i64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let cp = u32::from(c);
        let i = DIGIT_ZEROS.partition_point(|&z| z <= cp);
        let d = i64::from(cp - DIGIT_ZEROS[i - 1]);
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::{is_py_int, py_int_value};

    #[test]
    fn python_int_values() {
        assert_eq!(py_int_value(" +1_800 "), Some(1800));
        assert_eq!(py_int_value("-0900"), Some(-900));
        assert_eq!(py_int_value("\u{ff11}\u{ff12}"), Some(12));
        assert_eq!(py_int_value("12.0"), None);
        assert_eq!(py_int_value("99999999999999999999"), None);
    }

    #[test]
    fn python_int_literals() {
        // Each verified with CPython 3.11 `int()`.
        for ok in [
            "1",
            " 2 ",
            "+3",
            "-4",
            "1_000",
            "007",
            "\u{ff11}",
            "\u{663}",
            "1\u{1d7ce}",
        ] {
            assert!(is_py_int(ok), "{ok:?}");
        }
        for bad in [
            "", "1.5", "abc", "1__0", "_1", "1_", "0x10", "- 1", "\u{b2}", "\u{bd}", "\u{2160}",
        ] {
            assert!(!is_py_int(bad), "{bad:?}");
        }
    }
}
