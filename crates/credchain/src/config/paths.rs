//! Path expansion exactly as botocore does it: `os.path.expandvars` then
//! `os.path.expanduser` (P-CFG-1).

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use crate::env_vars;
use crate::os::{Env, Fs};

/// The bytes of an OS string (on Unix exactly the OS's bytes, so a
/// non-UTF-8 path survives expansion unchanged).
#[cfg(unix)]
fn os_bytes(s: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn bytes_os(b: Vec<u8>) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(b)
}

#[cfg(not(unix))]
fn bytes_os(b: Vec<u8>) -> OsString {
    String::from_utf8_lossy(&b).into_owned().into()
}

fn find(hay: &[u8], needle: u8) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// `os.path.expandvars` (POSIX) on bytes: `$NAME` and `${NAME}` with ASCII
/// `\w` names; unknown variables are left as written.
fn expand_vars_bytes(path: &[u8], env: &dyn Env) -> Vec<u8> {
    if find(path, b'$').is_none() {
        return path.to_vec();
    }
    let mut out = Vec::with_capacity(path.len());
    let mut rest = path;
    while let Some(pos) = find(rest, b'$') {
        out.extend_from_slice(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix(b"{") {
            match find(inner, b'}') {
                Some(end) => (&inner[..end], end + 2),
                None => (&b""[..], 0),
            }
        } else {
            let n = after
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            (&after[..n], n)
        };
        if len == 0 {
            out.push(b'$');
            rest = after;
            continue;
        }
        // A non-UTF-8 name inside `${...}` cannot be set through `Env`.
        match std::str::from_utf8(name).ok().and_then(|n| env.get_os(n)) {
            Some(v) => out.extend_from_slice(&os_bytes(&v)),
            None => out.extend_from_slice(&rest[pos..=pos + len]),
        }
        rest = &after[len..];
    }
    out.extend_from_slice(rest);
    out
}

/// `os.path.expanduser` (POSIX) on bytes: `~` is `$HOME` (or the password
/// database when `HOME` is unset), `~user` is looked up in `/etc/passwd`.
fn expand_user_bytes(path: &[u8], env: &dyn Env, fs: &dyn Fs) -> Vec<u8> {
    if !path.starts_with(b"~") {
        return path.to_vec();
    }
    let i = find(&path[1..], b'/').map_or(path.len(), |p| p + 1);
    let home = if i == 1 {
        match env.get_os(env_vars::HOME) {
            Some(h) => os_bytes(&h),
            None => match env.fallback_home() {
                Some(h) => os_bytes(h.as_os_str()),
                None => return path.to_vec(),
            },
        }
    } else {
        match std::str::from_utf8(&path[1..i])
            .ok()
            .and_then(|u| passwd_home(u, fs))
        {
            Some(h) => h.into_bytes(),
            None => return path.to_vec(),
        }
    };
    let trimmed = home.len() - home.iter().rev().take_while(|&&b| b == b'/').count();
    let mut joined = home[..trimmed].to_vec();
    joined.extend_from_slice(&path[i..]);
    if joined.is_empty() {
        b"/".to_vec()
    } else {
        joined
    }
}

/// `os.path.expandvars` (POSIX): `$NAME` and `${NAME}` with ASCII `\w`
/// names; unknown variables are left as written.
#[cfg(test)]
pub(crate) fn expand_vars(path: &str, env: &dyn Env) -> String {
    String::from_utf8_lossy(&expand_vars_bytes(path.as_bytes(), env)).into_owned()
}

/// `os.path.expanduser` (POSIX), see [`expand_user_os`].
#[cfg(test)]
pub(crate) fn expand_user(path: &str, env: &dyn Env, fs: &dyn Fs) -> String {
    String::from_utf8_lossy(&expand_user_bytes(path.as_bytes(), env, fs)).into_owned()
}

/// `os.path.expanduser` on an OS string, byte for byte.
pub(crate) fn expand_user_os(path: &OsStr, env: &dyn Env, fs: &dyn Fs) -> PathBuf {
    PathBuf::from(bytes_os(expand_user_bytes(&os_bytes(path), env, fs)))
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
    expand_os(OsStr::new(path), env, fs)
}

/// [`expand`] on the OS's bytes: a non-UTF-8 setting (or `HOME`) names the
/// same file after expansion, not a lossily converted one.
pub(crate) fn expand_os(path: &OsStr, env: &dyn Env, fs: &dyn Fs) -> PathBuf {
    let vars = expand_vars_bytes(&os_bytes(path), env);
    PathBuf::from(bytes_os(expand_user_bytes(&vars, env, fs)))
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

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_survive_byte_for_byte() {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        struct E;
        impl Env for E {
            fn get(&self, _: &str) -> Option<String> {
                None
            }
            fn get_os(&self, key: &str) -> Option<OsString> {
                (key == "HOME").then(|| OsString::from_vec(b"/home/\xff\xfe".to_vec()))
            }
        }
        let fs = MemFs::new();
        let p = expand_os(OsStr::from_bytes(b"~/cfg-\x80"), &E, &fs);
        assert_eq!(p.as_os_str().as_bytes(), b"/home/\xff\xfe/cfg-\x80");
    }
}
