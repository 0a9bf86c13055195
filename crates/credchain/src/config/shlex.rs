//! Python's `shlex.split(s)` (POSIX mode, no comments), which botocore uses
//! to split `[profile NAME]` section names (P-CFG-4).

/// Why a string could not be split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShlexError {
    /// An opening quote without its closing quote.
    NoClosingQuotation,
    /// A trailing backslash.
    NoEscapedCharacter,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Whitespace,
    Word,
    Quote(char),
    Escape,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits like `shlex.split`.
pub(crate) fn split(s: &str) -> Result<Vec<String>, ShlexError> {
    let mut chars = s.chars();
    let mut out = Vec::new();
    loop {
        let mut token = String::new();
        let mut quoted = false;
        let mut state = State::Whitespace;
        let mut escaped_from = State::Word;
        let mut at_eof = false;
        loop {
            let c = chars.next();
            match state {
                State::Whitespace => match c {
                    None => {
                        at_eof = true;
                        break;
                    }
                    Some(c) if is_ws(c) => {
                        if !token.is_empty() || quoted {
                            break;
                        }
                    }
                    Some('\\') => {
                        escaped_from = State::Word;
                        state = State::Escape;
                    }
                    Some(q @ ('\'' | '"')) => state = State::Quote(q),
                    Some(c) => {
                        token.push(c);
                        state = State::Word;
                    }
                },
                State::Word => match c {
                    None => {
                        at_eof = true;
                        break;
                    }
                    Some(c) if is_ws(c) => {
                        state = State::Whitespace;
                        if !token.is_empty() || quoted {
                            break;
                        }
                    }
                    Some(q @ ('\'' | '"')) => state = State::Quote(q),
                    Some('\\') => {
                        escaped_from = State::Word;
                        state = State::Escape;
                    }
                    Some(c) => token.push(c),
                },
                State::Quote(q) => {
                    quoted = true;
                    match c {
                        None => return Err(ShlexError::NoClosingQuotation),
                        Some(c) if c == q => state = State::Word,
                        Some('\\') if q == '"' => {
                            escaped_from = state;
                            state = State::Escape;
                        }
                        Some(c) => token.push(c),
                    }
                }
                State::Escape => {
                    let Some(c) = c else {
                        return Err(ShlexError::NoEscapedCharacter);
                    };
                    // Inside double quotes only the quote and the backslash
                    // itself can be escaped; otherwise the backslash stays.
                    if let State::Quote(q) = escaped_from
                        && c != q
                        && c != '\\'
                    {
                        token.push('\\');
                    }
                    token.push(c);
                    state = escaped_from;
                }
            }
        }
        if token.is_empty() && !quoted {
            // Only reachable at end of input: an empty unquoted token is EOF.
            break;
        }
        out.push(token);
        if at_eof {
            break;
        }
    }
    Ok(out)
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
        assert_eq!(split("profile \"foo"), Err(ShlexError::NoClosingQuotation));
        assert_eq!(split("profile foo\\"), Err(ShlexError::NoEscapedCharacter));
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
