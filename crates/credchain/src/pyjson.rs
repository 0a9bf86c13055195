//! Python's `json.loads` for one `str`, with its `JSONDecodeError`
//! messages (`Expecting value: line 1 column 1 (char 0)`), for the
//! `credential_process` output (P-PROC-3): botocore lets that error reach
//! the user as is. Ported from CPython 3.11's C scanner (`_json.c`):
//! positions count code points, `NaN`/`Infinity` are accepted, duplicate
//! keys keep the last value.
//!
//! Values are [`serde_json::Value`]s; what it cannot hold is mapped:
//! `NaN` and infinities become `null`, integers beyond 64 bits floats, and
//! a lone surrogate escape U+FFFD.

use std::fmt;

use serde_json::{Map, Number, Value};

/// A `JSONDecodeError`: the message and the position (code points).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeError {
    msg: &'static str,
    line: usize,
    col: usize,
    pos: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: line {} column {} (char {})",
            self.msg, self.line, self.col, self.pos
        )
    }
}

/// Containers nested deeper than this fail with `RecursionError`.
///
/// Why: CPython stops there, and a recursive scanner without a bound let a
/// `credential_process` printing ~100k `[` overflow the stack and abort the
/// whole process (a `credchain serve` worker included); the scanner now
/// keeps its own stack, and this bound keeps Python's answer. CPython's C
/// scanner enters a recursive call per container too, and fails when the
/// nesting plus the caller's Python frames passes `sys.getrecursionlimit()`
/// (1000): 995 nested arrays from a top-level script, somewhat fewer under
/// botocore's deeper stack. That depends on the caller, so it cannot be
/// matched exactly; the limit is the recursion limit itself, 1000 (999
/// nested containers parse, a 1000th fails).
pub(crate) const MAX_DEPTH: usize = 1000;

/// Why `loads` failed: Python's `JSONDecodeError`, or its
/// `RecursionError` for a document nested deeper than [`MAX_DEPTH`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LoadsError {
    /// `JSONDecodeError`.
    Decode(DecodeError),
    /// `RecursionError`; the container kind (`array` or `object`) whose
    /// opening bracket passed the limit.
    Recursion(&'static str),
}

impl LoadsError {
    /// The Python exception class.
    pub(crate) fn class(&self) -> &'static str {
        match self {
            LoadsError::Decode(_) => "JSONDecodeError",
            LoadsError::Recursion(_) => "RecursionError",
        }
    }
}

impl fmt::Display for LoadsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadsError::Decode(e) => e.fmt(f),
            // CPython's text, from `_json.c`'s `Py_EnterRecursiveCall`.
            LoadsError::Recursion(kind) => write!(
                f,
                "maximum recursion depth exceeded while decoding a JSON {kind} from a unicode \
                 string"
            ),
        }
    }
}

struct Parser {
    s: Vec<char>,
}

/// An open container in [`Parser::scan_once`]'s stack: an array's items so
/// far, or an object's members and the key whose value comes next.
enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

/// A failure inside the scanner: a message at a position, CPython's
/// `StopIteration(idx)` (turned into `Expecting value` at the top), or
/// nesting past [`MAX_DEPTH`].
enum Fail {
    At(&'static str, usize),
    Stop(usize),
    Recursion(&'static str),
}

type Scan<T> = Result<(T, usize), Fail>;

impl Parser {
    fn err(&self, msg: &'static str, pos: usize) -> DecodeError {
        let before = &self.s[..pos.min(self.s.len())];
        let line = before.iter().filter(|c| **c == '\n').count() + 1;
        let col = match before.iter().rposition(|c| *c == '\n') {
            Some(nl) => pos - nl,
            None => pos + 1,
        };
        DecodeError {
            msg,
            line,
            col,
            pos,
        }
    }

    fn ws(&self, mut i: usize) -> usize {
        while i < self.s.len() && matches!(self.s[i], ' ' | '\t' | '\n' | '\r') {
            i += 1;
        }
        i
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn starts(&self, i: usize, word: &str) -> bool {
        let w: Vec<char> = word.chars().collect();
        self.s.get(i..i + w.len()) == Some(&w[..])
    }

    /// One value at `i`. Containers are parsed with an explicit stack, not
    /// by recursion, so no input can overflow the thread's stack; nesting
    /// is bounded by [`MAX_DEPTH`] as CPython's recursion limit bounds it.
    fn scan_once(&self, i: usize) -> Scan<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut idx = i;
        loop {
            // A value at `idx`: a scalar, an empty container, or the opening
            // of one (then its first member is next).
            let (mut val, mut next) = match self.at(idx) {
                Some(open @ ('{' | '[')) => {
                    let kind = if open == '{' { "object" } else { "array" };
                    // CPython's `Py_EnterRecursiveCall`, empty containers
                    // included.
                    if stack.len() + 1 >= MAX_DEPTH {
                        return Err(Fail::Recursion(kind));
                    }
                    let first = self.ws(idx + 1);
                    match (open, self.at(first)) {
                        ('{', Some('}')) => (Value::Object(Map::new()), first + 1),
                        ('[', Some(']')) => (Value::Array(Vec::new()), first + 1),
                        ('{', _) => {
                            let (key, at) = self.key(first)?;
                            stack.push(Frame::Object(Map::new(), key));
                            idx = at;
                            continue;
                        }
                        _ => {
                            stack.push(Frame::Array(Vec::new()));
                            idx = first;
                            continue;
                        }
                    }
                }
                _ => self.scalar(idx)?,
            };
            // Hand the value to the open containers, closing those that end.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok((val, next));
                };
                let after = self.ws(next);
                let closed = match top {
                    Frame::Array(v) => {
                        v.push(val);
                        match self.at(after) {
                            Some(']') => Value::Array(std::mem::take(v)),
                            Some(',') => {
                                idx = self.ws(after + 1);
                                break;
                            }
                            _ => return Err(Fail::At("Expecting ',' delimiter", after)),
                        }
                    }
                    Frame::Object(m, key) => {
                        m.insert(std::mem::take(key), val);
                        match self.at(after) {
                            Some('}') => Value::Object(std::mem::take(m)),
                            Some(',') => {
                                let (k, at) = self.key(self.ws(after + 1))?;
                                *key = k;
                                idx = at;
                                break;
                            }
                            _ => return Err(Fail::At("Expecting ',' delimiter", after)),
                        }
                    }
                };
                stack.pop();
                val = closed;
                next = after + 1;
            }
        }
    }

    /// An object member's `"key" :` at `i`; returns the key and the index
    /// of its value.
    fn key(&self, i: usize) -> Scan<String> {
        if self.at(i) != Some('"') {
            return Err(Fail::At(
                "Expecting property name enclosed in double quotes",
                i,
            ));
        }
        let (key, next) = self.string(i + 1)?;
        let idx = self.ws(next);
        if self.at(idx) != Some(':') {
            return Err(Fail::At("Expecting ':' delimiter", idx));
        }
        Ok((key, self.ws(idx + 1)))
    }

    /// A value that is not a container.
    fn scalar(&self, i: usize) -> Scan<Value> {
        let Some(c) = self.at(i) else {
            return Err(Fail::Stop(i));
        };
        match c {
            '"' => self.string(i + 1).map(|(s, e)| (Value::String(s), e)),
            'n' if self.starts(i, "null") => Ok((Value::Null, i + 4)),
            't' if self.starts(i, "true") => Ok((Value::Bool(true), i + 4)),
            'f' if self.starts(i, "false") => Ok((Value::Bool(false), i + 5)),
            'N' if self.starts(i, "NaN") => Ok((Value::Null, i + 3)),
            'I' if self.starts(i, "Infinity") => Ok((Value::Null, i + 8)),
            '-' if self.starts(i, "-Infinity") => Ok((Value::Null, i + 9)),
            _ => self.number(i),
        }
    }

    fn digit(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }

    fn number(&self, start: usize) -> Scan<Value> {
        let mut i = start;
        if self.at(i) == Some('-') {
            i += 1;
        }
        match self.at(i) {
            Some('1'..='9') => {
                while self.digit(i) {
                    i += 1;
                }
            }
            Some('0') => i += 1,
            _ => return Err(Fail::Stop(start)),
        }
        let mut float = false;
        if self.at(i) == Some('.') && self.digit(i + 1) {
            float = true;
            i += 2;
            while self.digit(i) {
                i += 1;
            }
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let e_start = i;
            i += 1;
            if matches!(self.at(i), Some('-' | '+')) {
                i += 1;
            }
            while self.digit(i) {
                i += 1;
            }
            if self.digit(i - 1) {
                float = true;
            } else {
                i = e_start;
            }
        }
        let text: String = self.s[start..i].iter().collect();
        let n = if float {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        } else if let Ok(v) = text.parse::<i64>() {
            Some(Number::from(v))
        } else if let Ok(v) = text.parse::<u64>() {
            Some(Number::from(v))
        } else {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        };
        Ok((n.map_or(Value::Null, Value::Number), i))
    }

    fn hex4(&self, i: usize) -> Option<u32> {
        let digits: String = self.s.get(i..i + 4)?.iter().collect();
        if digits.len() != 4 || digits.chars().nth(1).is_some_and(|c| c == 'x' || c == 'X') {
            return None;
        }
        u32::from_str_radix(&digits, 16).ok()
    }

    /// `scanstring`: `i` is just after the opening quote.
    fn string(&self, i: usize) -> Scan<String> {
        let begin = i - 1;
        let mut out = String::new();
        let mut next = i;
        loop {
            let Some(c) = self.at(next) else {
                return Err(Fail::At("Unterminated string starting at", begin));
            };
            if c == '"' {
                return Ok((out, next + 1));
            }
            if c != '\\' {
                if u32::from(c) <= 0x1f {
                    return Err(Fail::At("Invalid control character at", next));
                }
                out.push(c);
                next += 1;
                continue;
            }
            next += 1;
            let Some(esc) = self.at(next) else {
                return Err(Fail::At("Unterminated string starting at", begin));
            };
            if esc != 'u' {
                let ch = match esc {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return Err(Fail::At("Invalid \\escape", next - 1)),
                };
                out.push(ch);
                next += 1;
                continue;
            }
            // `\uXXXX`: CPython needs a character after the four digits.
            let u_at = next;
            next += 1;
            if next + 4 >= self.s.len() {
                return Err(Fail::At("Invalid \\uXXXX escape", u_at));
            }
            let Some(mut cp) = self.hex4(next) else {
                return Err(Fail::At("Invalid \\uXXXX escape", u_at));
            };
            next += 4;
            if (0xd800..=0xdbff).contains(&cp)
                && next + 6 < self.s.len()
                && self.at(next) == Some('\\')
                && self.at(next + 1) == Some('u')
            {
                let Some(low) = self.hex4(next + 2) else {
                    return Err(Fail::At("Invalid \\uXXXX escape", next + 1));
                };
                if (0xdc00..=0xdfff).contains(&low) {
                    cp = 0x10000 + (((cp - 0xd800) << 10) | (low - 0xdc00));
                    next += 6;
                }
            }
            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
        }
    }
}

/// Python's type name (`type(v).__name__`) of a value `json.loads`
/// returns, for the `TypeError`/`AttributeError` messages botocore's
/// code raises on a document of the wrong shape (`'list' object has no
/// attribute 'get'`). Used by the `credential_process` and container
/// providers.
pub(crate) fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `json.loads(s)`.
pub(crate) fn loads(s: &str) -> Result<Value, LoadsError> {
    let p = Parser {
        s: s.chars().collect(),
    };
    if p.at(0) == Some('\u{feff}') {
        return Err(LoadsError::Decode(
            p.err("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0),
        ));
    }
    let start = p.ws(0);
    let (v, end) = p.scan_once(start).map_err(|f| match f {
        Fail::At(msg, pos) => LoadsError::Decode(p.err(msg, pos)),
        Fail::Stop(pos) => LoadsError::Decode(p.err("Expecting value", pos)),
        Fail::Recursion(kind) => LoadsError::Recursion(kind),
    })?;
    let end = p.ws(end);
    if end != p.s.len() {
        return Err(LoadsError::Decode(p.err("Extra data", end)));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected message is CPython 3.11's `json.loads` output.
    #[test]
    fn errors_match_python() {
        let cases = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("   ", "Expecting value: line 1 column 4 (char 3)"),
            ("hello", "Expecting value: line 1 column 1 (char 0)"),
            ("{\"a\":1} x", "Extra data: line 1 column 9 (char 8)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{\"a\" 1}",
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            (
                "\u{feff}{}",
                "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
            ),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            (
                "{\"a\":1,}",
                "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)",
            ),
            (
                "\"abc",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                "\"a\u{1}\"",
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            ("\"a\\q\"", "Invalid \\escape: line 1 column 3 (char 2)"),
            (
                "\"\\u12\"",
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                "\"\\u12G4\"",
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                "\"a\\",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                "{\"a\":1 \"b\"}",
                "Expecting ',' delimiter: line 1 column 8 (char 7)",
            ),
            (
                "{\"a\":1, 2}",
                "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)",
            ),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            ("[", "Expecting value: line 1 column 2 (char 1)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            (
                " {\"a\" : [1, {\"b\": nul}]}",
                "Expecting value: line 1 column 19 (char 18)",
            ),
            (
                "{\"a\"",
                "Expecting ':' delimiter: line 1 column 5 (char 4)",
            ),
            ("[1,,2]", "Expecting value: line 1 column 4 (char 3)"),
            ("\n\n  x", "Expecting value: line 3 column 3 (char 4)"),
            ("tru", "Expecting value: line 1 column 1 (char 0)"),
        ];
        for (input, want) in cases {
            assert_eq!(
                loads(input).map_err(|e| e.to_string()),
                Err(want.to_owned()),
                "{input:?}"
            );
        }
    }

    /// Deep nesting is CPython's `RecursionError`, not a stack overflow
    /// that aborts the process.
    #[test]
    fn deep_nesting_is_recursion_error() {
        let arrays = "[".repeat(100_000);
        let e = loads(&arrays).unwrap_err();
        assert_eq!(e.class(), "RecursionError");
        assert_eq!(
            e.to_string(),
            "maximum recursion depth exceeded while decoding a JSON array from a unicode string"
        );
        let objects = "{\"a\":".repeat(100_000);
        let e = loads(&objects).unwrap_err();
        assert_eq!(
            (e.class(), e.to_string()),
            (
                "RecursionError",
                "maximum recursion depth exceeded while decoding a JSON object from a unicode \
                 string"
                    .to_owned()
            )
        );
        // The limit: 999 nested containers parse, 1000 do not; the kind is
        // the container that passed it.
        let nest =
            |n: usize, open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
        assert!(loads(&nest(MAX_DEPTH - 1, "[", "]")).is_ok());
        assert!(loads(&nest(MAX_DEPTH - 1, "{\"a\":", "}")).is_ok());
        assert_eq!(
            loads(&nest(MAX_DEPTH, "[", "]")).unwrap_err(),
            LoadsError::Recursion("array")
        );
        let mixed = format!(
            "{}{{\"a\": 1}}{}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(loads(&mixed).unwrap_err(), LoadsError::Recursion("object"));
        // Depth is counted per path, not per document.
        let wide = format!("[{}]", vec![nest(MAX_DEPTH - 2, "[", "]"); 3].join(","));
        assert!(loads(&wide).is_ok());
        // Malformed input still reports the JSONDecodeError.
        assert_eq!(loads("[1 2]").unwrap_err().class(), "JSONDecodeError");
    }

    #[test]
    fn values_match_python() {
        let v = loads(" {\"Version\": 1.0, \"a\": \"\\u00e9\\ud83d\\ude00\", \"a2\": [true, null, -0, 1e2], \"d\": 1, \"d\": 2} ").unwrap();
        assert_eq!(v["Version"], serde_json::json!(1.0));
        assert_eq!(v["a"], "é😀");
        assert_eq!(v["a2"], serde_json::json!([true, null, 0, 100.0]));
        assert_eq!(v["d"], 2);
        assert_eq!(loads("NaN").unwrap(), Value::Null);
    }

    #[test]
    fn py_type_matches_python() {
        // `type(json.loads(s)).__name__` in CPython 3.11. (An integer past
        // 64 bits is a float here, see the module docs.)
        for (s, want) in [
            ("null", "NoneType"),
            ("true", "bool"),
            ("1", "int"),
            ("-0", "int"),
            ("1.0", "float"),
            ("1e5", "float"),
            ("\"x\"", "str"),
            ("[]", "list"),
            ("{}", "dict"),
        ] {
            assert_eq!(py_type(&loads(s).unwrap()), want, "{s}");
        }
    }
}
