//! Python's `shlex.split(s)` (POSIX mode, no comments) and `shlex.quote`.
//! botocore splits `[profile NAME]` section names with it (P-CFG-4), and
//! its `compat_shell_split` uses it for `credential_process` on every
//! platform but Windows (P-PROC-1). Ported from CPython's
//! `shlex.read_token`, so it differs from a POSIX shell where Python does:
//! `#` starts no comment, a backslash-newline is kept as a newline, and
//! inside double quotes a backslash escapes only `"` and `\`.

/// Why a command line cannot be split: Python's `ValueError` texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// A quote is never closed.
    NoClosingQuotation,
    /// The line ends with a backslash.
    NoEscapedCharacter,
}

impl SplitError {
    /// Python's message.
    pub(crate) fn message(self) -> &'static str {
        match self {
            SplitError::NoClosingQuotation => "No closing quotation",
            SplitError::NoEscapedCharacter => "No escaped character",
        }
    }
}

/// The lexer's state, as CPython names it (`' '`, `'a'`, a quote, `\`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Whitespace,
    Word,
    Quote(char),
    Escape,
}

/// Python's whitespace for shlex: ASCII space, tab, CR and LF only.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// `shlex.split(line)`: the words, with quotes removed.
pub(crate) fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut token = String::new();
    // Whether the current token had quotes (so `''` is a word).
    let mut quoted = false;
    let mut state = State::Whitespace;
    // The state an escape returns to.
    let mut escaped = State::Word;
    for c in line.chars() {
        match state {
            State::Whitespace | State::Word => {
                if is_space(c) {
                    if !token.is_empty() || quoted {
                        words.push(std::mem::take(&mut token));
                        quoted = false;
                    }
                    state = State::Whitespace;
                } else if c == '\\' {
                    escaped = State::Word;
                    state = State::Escape;
                } else if c == '\'' || c == '"' {
                    state = State::Quote(c);
                } else {
                    token.push(c);
                    state = State::Word;
                }
            }
            State::Quote(q) => {
                quoted = true;
                if c == q {
                    state = State::Word;
                } else if c == '\\' && q == '"' {
                    escaped = state;
                    state = State::Escape;
                } else {
                    token.push(c);
                }
            }
            State::Escape => {
                // In double quotes, `\` escapes only `"` and itself;
                // before anything else it stays.
                if let State::Quote(q) = escaped {
                    if c != '\\' && c != q {
                        token.push('\\');
                    }
                }
                token.push(c);
                state = escaped;
            }
        }
    }
    match state {
        State::Quote(_) => return Err(SplitError::NoClosingQuotation),
        State::Escape => return Err(SplitError::NoEscapedCharacter),
        State::Whitespace | State::Word => {}
    }
    if !token.is_empty() || quoted {
        words.push(token);
    }
    Ok(words)
}

/// Python's `shlex.quote`: unchanged when every character is ASCII `\w` or
/// one of `@%+=:,./-`, else single-quoted with `'` written as `'"'"'`.
pub(crate) fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from CPython 3.11 `shlex.split`.
    #[test]
    fn matches_python_shlex_split() {
        let cases: &[(&str, &[&str])] = &[
            ("a b  c", &["a", "b", "c"]),
            ("", &[]),
            ("  \t\n", &[]),
            ("'' \"\"", &["", ""]),
            ("a'b c'd", &["ab cd"]),
            (r#""a\"b\\c\$d""#, &[r#"a"b\c\$d"#]),
            (r"'a\b'", &[r"a\b"]),
            (r"a\ b\\c", &[r"a b\c"]),
            ("a\\\nb", &["a\nb"]),
            ("x #y", &["x", "#y"]),
            ("é 'ü ö'", &["é", "ü ö"]),
            ("a\u{a0}b", &["a\u{a0}b"]),
        ];
        for (line, want) in cases {
            let want: Vec<String> = want.iter().map(|w| (*w).to_owned()).collect();
            assert_eq!(split(line), Ok(want), "{line:?}");
        }
        assert_eq!(split("'a"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("\"a\\\""), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("a\\"), Err(SplitError::NoEscapedCharacter));
    }

    fn ok(s: &str) -> Vec<String> {
        split(s).unwrap()
    }

    #[test]
    fn matches_python_shlex() {
        // Expected values from CPython 3.11 `shlex.split`.
        assert_eq!(ok("profile foo"), ["profile", "foo"]);
        assert_eq!(ok("profile    foo "), ["profile", "foo"]);
        assert_eq!(ok("profile\tfoo"), ["profile", "foo"]);
        assert_eq!(ok("profile \"foo bar\""), ["profile", "foo bar"]);
        assert_eq!(ok("profile 'a b'"), ["profile", "a b"]);
        assert_eq!(ok("profile ''"), ["profile", ""]);
        assert_eq!(ok("profile a\"b c\"d"), ["profile", "ab cd"]);
        assert_eq!(ok(r#"profile "a\"b""#), ["profile", "a\"b"]);
        assert_eq!(ok(r#"profile "a\xb""#), ["profile", "a\\xb"]);
        assert_eq!(ok(r"profile a\ b"), ["profile", "a b"]);
        assert_eq!(ok(r"profile 'a\b'"), ["profile", "a\\b"]);
        assert_eq!(ok("profile"), ["profile"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(ok("  "), Vec::<String>::new());
        assert_eq!(split("profile \"foo"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("profile foo\\"), Err(SplitError::NoEscapedCharacter));
    }

    #[test]
    fn quote_matches_python_and_splits_back() {
        // python3 -c 'import shlex; print(shlex.quote(...))'
        assert_eq!(quote("dev"), "dev");
        assert_eq!(quote("my prof"), "'my prof'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), "'it'\"'\"'s'");
        for s in ["my prof", "a\tb", "it's x", "\"q\" x", "a\\b c"] {
            assert_eq!(ok(&format!("profile {}", quote(s))), ["profile", s]);
        }
    }
}
