//! Environment proxies exactly as botocore resolves them for an endpoint.
//!
//! botocore's `EndpointCreator` calls `get_environ_proxies(endpoint_url)`:
//! when `should_bypass_proxies` (urllib's `proxy_bypass_environment` on the
//! URL's netloc) says so, no proxy; otherwise urllib's
//! `getproxies_environment()`, from which `ProxyConfiguration.proxy_url_for`
//! picks the entry for the request URL's scheme and `_fix_proxy_url` adds a
//! missing `http://`.
//!
//! Variable precedence (`getproxies_environment`): a non-empty lower-case
//! `<scheme>_proxy` wins; a set-but-empty lower-case one removes the entry
//! even when the upper-case one is set; otherwise a non-empty upper-case
//! `<SCHEME>_PROXY`, except `HTTP_PROXY` while `REQUEST_METHOD` is set (CGI,
//! CVE-2016-1000110). urllib scans every variable case-insensitively; the
//! [`Env`] seam can only look names up, so mixed-case spellings such as
//! `Https_Proxy` are not seen.
//!
//! `no_proxy` matching (`proxy_bypass_environment`): `*` (exactly) bypasses
//! everything; otherwise each comma-separated entry, stripped of whitespace
//! and leading dots and lower-cased, matches when it equals the host (with
//! or without its port) or is a dot-suffix of it. Like botocore (its
//! `should_bypass_proxies` says so), there is **no CIDR or IP-range
//! matching**: `10.0.0.0/8` only matches a host literally named so.

use super::UrlParts;
use crate::os::Env;

/// urllib's `getproxies_environment()[scheme]`: the proxy set for `scheme`
/// (`http`, `https`, `no`, ...), as written in the environment.
pub fn env_proxy_var(env: &dyn Env, scheme: &str) -> Option<String> {
    match env.get(&format!("{scheme}_proxy")) {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(v),
        None if scheme == "http" && env.get("REQUEST_METHOD").is_some() => None,
        None => env
            .get(&format!("{}_PROXY", scheme.to_uppercase()))
            .filter(|v| !v.is_empty()),
    }
}

/// urllib's `_splitport`: `host:digits` and `host:` → `host`; anything else
/// (no colon, a non-numeric port) is returned whole.
fn host_only(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// urllib's `proxy_bypass_environment(netloc)` with `no_proxy` as given:
/// whether a request to `netloc` (`host[:port]`, as in the URL) skips the
/// proxy.
pub fn no_proxy_matches(no_proxy: &str, netloc: &str) -> bool {
    if no_proxy == "*" {
        return true;
    }
    let host = netloc.to_lowercase();
    let hostonly = host_only(&host);
    no_proxy.split(',').any(|entry| {
        let name = entry.trim().trim_start_matches('.').to_lowercase();
        if entry.trim().is_empty() {
            return false;
        }
        if hostonly == name || host == name {
            return true;
        }
        let dotted = format!(".{name}");
        hostonly.ends_with(&dotted) || host.ends_with(&dotted)
    })
}

/// botocore's `ProxyConfiguration._fix_proxy_url`.
pub fn fix_proxy_url(proxy: &str) -> String {
    if proxy.starts_with("http:") || proxy.starts_with("https:") {
        proxy.to_owned()
    } else if proxy.starts_with("//") {
        format!("http:{proxy}")
    } else {
        format!("http://{proxy}")
    }
}

/// The proxy botocore sends a request for `url` through (endpoint and
/// request URL are the same for the providers and STS): `None` when
/// `no_proxy` bypasses the URL's netloc or no proxy is set for its scheme.
pub fn environ_proxy(env: &dyn Env, url: &str) -> Option<String> {
    let parts = UrlParts::split(url);
    if let Some(no) = env_proxy_var(env, "no")
        && no_proxy_matches(&no, &parts.netloc)
    {
        return None;
    }
    env_proxy_var(env, &parts.scheme).map(|p| fix_proxy_url(&p))
}

/// botocore's `mask_proxy_url`: user name and password replaced by `***`
/// (for error messages).
pub fn mask_proxy_url(proxy: &str) -> String {
    let parts = UrlParts::split(proxy);
    let Some((userinfo, _)) = parts.netloc.rsplit_once('@') else {
        return proxy.to_owned();
    };
    let (user, pass) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    let mut out = proxy.to_owned();
    if !user.is_empty() {
        out = out.replacen(user, "***", 1);
    }
    if let Some(p) = pass.filter(|p| !p.is_empty()) {
        out = out.replacen(p, "***", 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::MapEnv;

    #[test]
    fn no_proxy_table() {
        // (no_proxy, netloc, bypass) — each row checked against CPython's
        // urllib.request.proxy_bypass_environment.
        let rows: &[(&str, &str, bool)] = &[
            ("*", "sts.amazonaws.com", true),
            ("*", "127.0.0.1:8080", true),
            (" *", "sts.amazonaws.com", false),
            ("*,example.com", "sts.amazonaws.com", false),
            ("amazonaws.com", "sts.amazonaws.com", true),
            (".amazonaws.com", "sts.amazonaws.com", true),
            ("..amazonaws.com", "sts.amazonaws.com", true),
            ("amazonaws.com", "amazonaws.com", true),
            ("amazonaws.com", "notamazonaws.com", false),
            ("AmazonAWS.COM", "STS.amazonaws.com", true),
            ("sts.amazonaws.com", "sts.amazonaws.com:443", true),
            ("sts.amazonaws.com:443", "sts.amazonaws.com:443", true),
            ("sts.amazonaws.com:8443", "sts.amazonaws.com:443", false),
            ("amazonaws.com:443", "sts.amazonaws.com:443", true),
            (" foo.com , 127.0.0.1 ", "127.0.0.1:9000", true),
            ("foo.com,,", "127.0.0.1", false),
            ("", "127.0.0.1", false),
            (",", "127.0.0.1", false),
            ("127.0.0.1", "127.0.0.1", true),
            ("0.0.1", "127.0.0.1", true),
            // No CIDR in botocore (urllib only checks DNS suffixes).
            ("127.0.0.0/8", "127.0.0.1", false),
            ("10.0.0.0/8", "10.1.2.3:443", false),
            // IPv6 literals keep their brackets in the netloc.
            ("::1", "[::1]:443", false),
            ("[::1]", "[::1]:443", true),
            // `_splitport` needs digits after the colon.
            ("host", "host:", true),
            ("host:", "host:", true),
            ("host", "host:abc", false),
            // The netloc may carry userinfo; urllib does not strip it.
            ("example.com", "user@example.com", false),
            ("user@example.com", "user@example.com:80", true),
        ];
        for &(no, netloc, want) in rows {
            assert_eq!(no_proxy_matches(no, netloc), want, "{no:?} vs {netloc:?}");
        }
    }

    #[test]
    fn env_precedence_table() {
        type Row = (
            &'static [(&'static str, &'static str)],
            &'static str,
            Option<&'static str>,
        );
        let rows: &[Row] = &[
            (&[], "https://sts.amazonaws.com/", None),
            (
                &[("HTTPS_PROXY", "p:1")],
                "https://sts.amazonaws.com/",
                Some("http://p:1"),
            ),
            (
                &[("https_proxy", "//p:1")],
                "https://x/",
                Some("http://p:1"),
            ),
            (
                &[("https_proxy", "https://p:1")],
                "https://x/",
                Some("https://p:1"),
            ),
            (&[("https_proxy", "http:p")], "https://x/", Some("http:p")),
            (
                &[("HTTPS_PROXY", "up:1"), ("https_proxy", "low:2")],
                "https://x/",
                Some("http://low:2"),
            ),
            (
                &[("HTTPS_PROXY", "up:1"), ("https_proxy", "")],
                "https://x/",
                None,
            ),
            (&[("HTTPS_PROXY", "")], "https://x/", None),
            (&[("HTTP_PROXY", "p:1")], "https://x/", None),
            (&[("HTTP_PROXY", "p:1")], "http://x/", Some("http://p:1")),
            (
                &[("HTTP_PROXY", "p:1"), ("REQUEST_METHOD", "GET")],
                "http://x/",
                None,
            ),
            (
                &[("http_proxy", "p:1"), ("REQUEST_METHOD", "GET")],
                "http://x/",
                Some("http://p:1"),
            ),
            (
                &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "x")],
                "https://x/",
                None,
            ),
            (
                &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "x"), ("no_proxy", "y")],
                "https://x/",
                Some("http://p:1"),
            ),
            (
                &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "x"), ("no_proxy", "")],
                "https://x/",
                Some("http://p:1"),
            ),
            (
                &[("HTTPS_PROXY", "p:1"), ("no_proxy", "*")],
                "https://x:443/",
                None,
            ),
            (
                &[("HTTPS_PROXY", "p:1"), ("no_proxy", "amazonaws.com")],
                "https://sts.us-east-1.amazonaws.com/",
                None,
            ),
        ];
        for &(vars, url, want) in rows {
            let env = MapEnv::from_pairs(vars.iter().copied());
            assert_eq!(environ_proxy(&env, url).as_deref(), want, "{vars:?} {url}");
        }
    }

    #[test]
    fn masks_credentials() {
        assert_eq!(mask_proxy_url("http://u:pw@p:1"), "http://***:***@p:1");
        assert_eq!(mask_proxy_url("http://u@p:1"), "http://***@p:1");
        assert_eq!(mask_proxy_url("http://p:1"), "http://p:1");
    }
}
