//! The URL helpers botocore's signer leans on, re-done byte for byte: Python's
//! `urlsplit`, `quote`, `unquote` and `parse_qs`, plus botocore's `remove_dot_segments`
//! and `_host_from_url`.
//!
//! They work on `&str` and never fail on odd input, except where Python raises
//! (unbalanced IPv6 brackets, a bad port when the host is derived from the URI).

use crate::error::{ErrorKind, SigningError};

/// A URI split into the five parts of Python's `urllib.parse.urlsplit`.
///
/// Like `urlsplit`, leading C0 controls and spaces are stripped, tab/CR/LF are removed
/// everywhere, and a URI starting with `//` has an authority (so pass an absolute URI,
/// or an origin-form target that does not start with `//`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UriParts {
    /// Lowercased scheme, or empty.
    pub scheme: String,
    /// Authority (`user@host:port`), or empty.
    pub netloc: String,
    /// Path, exactly as given (not decoded).
    pub path: String,
    /// Query without the `?`, exactly as given.
    pub query: String,
    /// Fragment without the `#`.
    pub fragment: String,
}

impl UriParts {
    /// Splits `uri` as `urlsplit(uri)` does.
    pub fn parse(uri: &str) -> Result<Self, SigningError> {
        let trimmed = uri.trim_start_matches(|c: char| c <= ' ');
        let cleaned: String = trimmed
            .chars()
            .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
            .collect();
        let mut rest = cleaned.as_str();
        let mut scheme = String::new();
        if let Some(i) = rest.find(':') {
            let candidate = &rest[..i];
            if i > 0
                && candidate.as_bytes()[0].is_ascii_alphabetic()
                && candidate
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            {
                scheme = candidate.to_ascii_lowercase();
                rest = &rest[i + 1..];
            }
        }
        let mut netloc = "";
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            netloc = &after[..end];
            rest = &after[end..];
            if netloc.contains('[') != netloc.contains(']') {
                return Err(SigningError::new(
                    ErrorKind::InvalidUri,
                    "unbalanced `[` `]` in the authority",
                ));
            }
        }
        let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        Ok(Self {
            scheme,
            netloc: netloc.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            fragment: fragment.to_owned(),
        })
    }

    /// Joins the parts again as Python's `urlunsplit` does (which may change the
    /// path: `https:` + `x` becomes `https:///x`).
    pub fn unsplit(&self) -> String {
        const USES_NETLOC: [&str; 26] = [
            "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https",
            "shttp", "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh",
            "sftp", "nfs", "git", "git+ssh", "ws", "wss",
        ];
        let mut url = self.path.clone();
        if !self.netloc.is_empty()
            || (!self.scheme.is_empty()
                && USES_NETLOC.contains(&self.scheme.as_str())
                && !url.starts_with("//"))
        {
            if !url.is_empty() && !url.starts_with('/') {
                url.insert(0, '/');
            }
            url = format!("//{}{url}", self.netloc);
        }
        if !self.scheme.is_empty() {
            url = format!("{}:{url}", self.scheme);
        }
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        if !self.fragment.is_empty() {
            url.push('#');
            url.push_str(&self.fragment);
        }
        url
    }

    /// The `Host` header value botocore derives when the request has none
    /// (`_host_from_url`): lowercased host, no user info, port only if not the
    /// scheme's default. `None` if the URI has no host.
    pub fn host_header(&self) -> Result<Option<String>, SigningError> {
        let hostinfo = self
            .netloc
            .rsplit_once('@')
            .map_or(self.netloc.as_str(), |(_, h)| h);
        let (hostname, port, bracketed) = if let Some((_, bracketed)) = hostinfo.split_once('[') {
            let (host, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
            let port = after.split_once(':').map_or("", |(_, p)| p);
            (host, port, true)
        } else {
            let (host, port) = hostinfo.split_once(':').unwrap_or((hostinfo, ""));
            (host, port, false)
        };
        if hostname.is_empty() {
            return Ok(None);
        }
        // Python keeps an IPv6 zone id's case: `[fe80::1%eTh0]`.
        let mut host = match hostname.split_once('%') {
            Some((h, zone)) => format!("{}%{zone}", h.to_lowercase()),
            None => hostname.to_lowercase(),
        };
        if bracketed {
            host = format!("[{host}]");
        }
        if !port.is_empty() {
            let number = port
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| port.trim_start_matches('0'))
                .and_then(|p| {
                    if p.is_empty() {
                        Some(0)
                    } else {
                        p.parse::<u16>().ok()
                    }
                })
                .ok_or_else(|| {
                    SigningError::new(ErrorKind::InvalidUri, format!("bad port `{port}`"))
                })?;
            let default = match self.scheme.as_str() {
                "http" => Some(80),
                "https" => Some(443),
                _ => None,
            };
            if default != Some(number) {
                host = format!("{host}:{number}");
            }
        }
        Ok(Some(host))
    }
}

/// botocore's `remove_dot_segments`: drops `.`, resolves `..` and also collapses
/// empty segments (`//`), which RFC 3986 does not but AWS requires. An empty path
/// becomes `/` (botocore's `normalize_url_path`).
pub fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

/// Python's `urllib.parse.quote(s, safe=extra_safe)`: UTF-8 bytes, `A-Z a-z 0-9 _ . - ~`
/// and `extra_safe` kept, everything else `%XX` with upper-case hex.
pub fn quote(s: &str, extra_safe: &[u8]) -> String {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'.' | b'-' | b'~')
            || extra_safe.contains(&b)
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(UPPER[usize::from(b >> 4)]));
            out.push(char::from(UPPER[usize::from(b & 0xf)]));
        }
    }
    out
}

/// Python's `unquote(s, errors="replace")` after `+` → space (what `parse_qsl` does):
/// valid `%XX` escapes become bytes, invalid ones stay literal, and the result is
/// decoded as UTF-8 with U+FFFD for bad sequences.
fn unquote_plus(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `{k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}` as an
/// ordered list: fields split on `&`, empty fields skipped, a field without `=` has an
/// empty value, names and values `+`/percent-decoded, the first value of a repeated
/// name wins and names keep their first position.
pub fn parse_query_first_values(query: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for field in query.split('&') {
        if field.is_empty() {
            continue;
        }
        let (name, value) = field.split_once('=').unwrap_or((field, ""));
        let name = unquote_plus(name);
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        out.push((name, unquote_plus(value)));
    }
    out
}

/// botocore's `percent_encode_sequence`: `quote(k, safe='-_.~')=quote(v, ...)` joined
/// with `&`, in the given order.
pub fn percent_encode_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&quote(k.as_ref(), b""));
        out.push('=');
        out.push_str(&quote(v.as_ref(), b""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(uri: &str) -> (String, String, String, String, String) {
        let p = UriParts::parse(uri).unwrap();
        (p.scheme, p.netloc, p.path, p.query, p.fragment)
    }

    #[test]
    fn urlsplit_like_python() {
        let s = |a: &str| a.to_owned();
        assert_eq!(
            split("HTTPS://User@Host:8443/a/b?c=d#e?f"),
            (
                s("https"),
                s("User@Host:8443"),
                s("/a/b"),
                s("c=d"),
                s("e?f")
            )
        );
        assert_eq!(split("/p?q"), (s(""), s(""), s("/p"), s("q"), s("")));
        assert_eq!(split("//h//x"), (s(""), s("h"), s("//x"), s(""), s("")));
        assert_eq!(
            split("  \x01/a\tb\n?x"),
            (s(""), s(""), s("/ab"), s("x"), s(""))
        );
        // `1a:` is not a scheme (must start with a letter); `a_b:` has a bad char.
        assert_eq!(split("1a:/x").2, "1a:/x");
        assert_eq!(split("a_b:/x").2, "a_b:/x");
        assert_eq!(
            UriParts::parse("https://[::1/").unwrap_err().kind(),
            ErrorKind::InvalidUri
        );
    }

    #[test]
    fn unsplit_like_python() {
        let u = |s: &str| UriParts::parse(s).unwrap().unsplit();
        assert_eq!(u("https://h/p?q#f"), "https://h/p?q#f");
        assert_eq!(u("https:x"), "https:///x");
        assert_eq!(u("https:"), "https://");
        assert_eq!(u("https://h"), "https://h");
        assert_eq!(u("/p?"), "/p");
        assert_eq!(u("mailto:x"), "mailto:x");
    }

    #[test]
    fn host_header_like_botocore() {
        let h = |u: &str| UriParts::parse(u).unwrap().host_header().unwrap();
        assert_eq!(h("https://EXAMPLE.com:443/"), Some("example.com".into()));
        assert_eq!(h("http://example.com:80"), Some("example.com".into()));
        assert_eq!(
            h("https://u:p@example.com:0080/"),
            Some("example.com:80".into())
        );
        assert_eq!(h("http://[::1]:8080/"), Some("[::1]:8080".into()));
        assert_eq!(h("https://example.com:/"), Some("example.com".into()));
        assert_eq!(h("/just/a/path"), None);
        let bad = UriParts::parse("https://h:99999/").unwrap();
        assert_eq!(bad.host_header().unwrap_err().kind(), ErrorKind::InvalidUri);
        let bad = UriParts::parse("https://h:x/").unwrap();
        assert!(bad.host_header().is_err());
    }

    #[test]
    fn normalize_like_remove_dot_segments() {
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("//"), "/");
        assert_eq!(normalize_path("/a/./b/../c/"), "/a/c/");
        assert_eq!(normalize_path("/../.."), "/");
        assert_eq!(normalize_path("//example//"), "/example/");
        assert_eq!(normalize_path("a/b"), "a/b");
        assert_eq!(normalize_path("/a/.."), "/");
    }

    #[test]
    fn quote_like_python() {
        assert_eq!(quote("/a b~c%2F/ሴ", b"/~"), "/a%20b~c%252F/%E1%88%B4");
        assert_eq!(quote("a/b=c&d", b""), "a%2Fb%3Dc%26d");
    }

    #[test]
    fn parse_query_like_parse_qs() {
        let q = parse_query_first_values("b=c+d&&a&b=2&%E1%88%B4=%zz&x=%E1%88");
        assert_eq!(
            q,
            vec![
                ("b".to_owned(), "c d".to_owned()),
                ("a".to_owned(), String::new()),
                ("ሴ".to_owned(), "%zz".to_owned()),
                ("x".to_owned(), "\u{FFFD}".to_owned()),
            ]
        );
        assert_eq!(
            parse_query_first_values("%4"),
            vec![("%4".to_owned(), String::new())]
        );
    }

    #[test]
    fn encode_pairs() {
        assert_eq!(
            percent_encode_pairs(&[("a b", "c/d"), ("e", "")]),
            "a%20b=c%2Fd&e="
        );
    }
}
