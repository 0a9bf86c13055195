//! Path expansion exactly as botocore does it: `os.path.expandvars` then
//! `os.path.expanduser` (P-CFG-1).

use std::path::PathBuf;

use crate::env_vars;
use crate::os::{Env, Fs};

/// `os.path.expandvars` (POSIX): `$NAME` and `${NAME}` with ASCII `\w`
/// names; unknown variables are left as written.
pub(crate) fn expand_vars(path: &str, env: &dyn Env) -> String {
    if !path.contains('$') {
        return path.to_owned();
    }
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            (&after[..n], n)
        };
        if len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        match env.get(name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[pos..=pos + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `os.path.expanduser` (POSIX): `~` is `$HOME` (or the password database
/// when `HOME` is unset), `~user` is looked up in `/etc/passwd`.
pub(crate) fn expand_user(path: &str, env: &dyn Env, fs: &dyn Fs) -> String {
    if !path.starts_with('~') {
        return path.to_owned();
    }
    let i = path[1..].find('/').map_or(path.len(), |p| p + 1);
    let home = if i == 1 {
        match env.get(env_vars::HOME) {
            Some(h) => h,
            None => match env.fallback_home() {
                Some(h) => h.to_string_lossy().into_owned(),
                None => return path.to_owned(),
            },
        }
    } else {
        match passwd_home(&path[1..i], fs) {
            Some(h) => h,
            None => return path.to_owned(),
        }
    };
    let joined = format!("{}{}", home.trim_end_matches('/'), &path[i..]);
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

fn passwd_home(user: &str, fs: &dyn Fs) -> Option<String> {
    let data = fs.read("/etc/passwd".as_ref()).ok()?;
    let text = String::from_utf8_lossy(&data);
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == user).then(|| f.nth(4).map(str::to_owned))?
    })
}

/// `expandvars` then `expanduser`, as `raw_config_parse` does.
pub(crate) fn expand(path: &str, env: &dyn Env, fs: &dyn Fs) -> PathBuf {
    PathBuf::from(expand_user(&expand_vars(path, env), env, fs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::{MapEnv, MemFs};

    #[test]
    fn expands_like_python() {
        let env = MapEnv::from_pairs([("HOME", "/home/u/"), ("D", "dir"), ("E", "")]);
        let fs = MemFs::new().with_file("/etc/passwd", "bob:x:1:1::/home/bob:/bin/sh\n");
        // P-CFG-1: vars first, then `~`.
        assert_eq!(
            expand("~/$D/cfg", &env, &fs),
            PathBuf::from("/home/u/dir/cfg")
        );
        assert_eq!(expand_vars("${D}x$Dx$E-$", &env), "dirx$Dx-$");
        assert_eq!(expand_vars("$ {D} ${nope", &env), "$ {D} ${nope");
        assert_eq!(expand_user("~", &env, &fs), "/home/u");
        assert_eq!(expand_user("~bob/.aws", &env, &fs), "/home/bob/.aws");
        assert_eq!(expand_user("~nobody/x", &env, &fs), "~nobody/x");
        assert_eq!(expand_user("a/~", &env, &fs), "a/~");
        let root = MapEnv::from_pairs([("HOME", "")]);
        assert_eq!(expand_user("~", &root, &fs), "/");
    }
}
