//! The assume-role **plan**: the profile map turned into a flat list of
//! roles to assume and the source of the first set of credentials, with no
//! IO (STYLE.md §3: plan kept apart from execution).
//!
//! This is botocore's `AssumeRoleProvider._load_creds_via_assume_role`
//! recursion, unrolled: the same validations in the same order, so the same
//! error wins when a configuration has several problems (P-AR-1..4). The
//! executor (`provider::assume_role`) then resolves the [`Base`] with the
//! profile providers and makes one STS call per [`RoleHop`].

use std::fmt;
use std::fmt::Write as _;

use crate::config::{ConfigFiles, Origin, Profile, Value};
use crate::credentials::Method;
use crate::error::Error;
use crate::pyint::py_int_value;

/// A `credential_source` value botocore supports (case-sensitive, P-AR-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `Environment`: the env provider alone.
    Environment,
    /// `Ec2InstanceMetadata`: the IMDS provider alone.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the container provider alone.
    EcsContainer,
}

impl CredentialSource {
    /// Parses a `credential_source` value exactly (no case folding).
    pub fn parse(s: &str) -> Option<CredentialSource> {
        match s {
            "Environment" => Some(CredentialSource::Environment),
            "Ec2InstanceMetadata" => Some(CredentialSource::Ec2InstanceMetadata),
            "EcsContainer" => Some(CredentialSource::EcsContainer),
            _ => None,
        }
    }
    /// The canonical name as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialSource::Environment => "Environment",
            CredentialSource::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            CredentialSource::EcsContainer => "EcsContainer",
        }
    }
}

/// Where the first credentials of a role chain come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// A source profile resolved with the profile providers only (web
    /// identity with env vars off, sso, shared-credentials-file, login,
    /// process, config-file; P-AR-4b). A profile naming itself lands here
    /// with its own static keys (P-AR-4a).
    SourceProfile {
        /// The profile to resolve.
        profile: String,
    },
    /// `credential_source` in `profile` (P-AR-3).
    CredentialSource {
        /// The named provider.
        source: CredentialSource,
        /// The profile that named it (for botocore's error message).
        profile: String,
    },
}

/// One `AssumeRole` call.
#[derive(Clone, PartialEq, Eq)]
pub struct RoleHop {
    /// The profile whose `role_arn` this is.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name`, when set and non-empty (botocore generates
    /// `botocore-session-<epoch>` otherwise and keeps it out of the cache
    /// key).
    pub role_session_name: Option<String>,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `mfa_serial`: the user is prompted for a code (P-AR-6).
    pub mfa_serial: Option<String>,
    /// `duration_seconds` after Python `int()`; a value `int()` rejects is
    /// silently dropped (P-AR-1).
    pub duration_seconds: Option<i64>,
    /// Where `role_arn` was written.
    pub origin: Origin,
}

impl fmt::Debug for RoleHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Nothing here is secret, but keep the output one line per hop.
        write!(f, "RoleHop({} in profile {}", self.role_arn, self.profile)?;
        if let Some(s) = &self.role_session_name {
            write!(f, ", session {s}")?;
        }
        if let Some(e) = &self.external_id {
            write!(f, ", external id {e}")?;
        }
        if let Some(m) = &self.mfa_serial {
            write!(f, ", mfa {m}")?;
        }
        if let Some(d) = self.duration_seconds {
            write!(f, ", {d}s")?;
        }
        f.write_str(")")
    }
}

/// A resolved assume-role configuration: credentials from `base`, then each
/// hop in order, each signed with the previous hop's credentials. The last
/// hop is the selected profile's role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolePlan {
    /// The source of the first credentials.
    pub base: Base,
    /// The roles, first assumed first.
    pub hops: Vec<RoleHop>,
}

impl RolePlan {
    /// A one-line description for `explain`, e.g.
    /// `source profile C → role RoleB (profile B) → role RoleA (profile A)`.
    pub fn describe(&self) -> String {
        let mut out = match &self.base {
            Base::SourceProfile { profile } => format!("source profile {profile}"),
            Base::CredentialSource { source, profile } => {
                format!("credential_source {} (profile {profile})", source.as_str())
            }
        };
        for h in &self.hops {
            let _ = write!(out, " → role {} (profile {})", h.role_arn, h.profile);
        }
        out
    }
}

/// botocore's `_has_assume_role_config_vars`: `role_arn` present and no
/// `web_identity_token_file` (that pair belongs to web identity).
pub fn has_assume_role_vars(p: &Profile) -> bool {
    p.contains("role_arn") && !p.contains("web_identity_token_file")
}

/// botocore's `_has_static_credentials`: either key is present.
pub fn has_static_keys(p: &Profile) -> bool {
    p.contains("aws_secret_access_key") || p.contains("aws_access_key_id")
}

/// A plain string value; a nested block where botocore expects a string is
/// refused.
fn opt_str(p: &Profile, key: &str) -> Result<Option<String>, Error> {
    match p.get(key).map(|s| &s.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(Value::Nested(_)) => Err(Error::InvalidConfig {
            message: format!("`{key}` must be a value, not a block of sub-properties"),
        }),
    }
}

/// Python's `repr()` of a `str`.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if u32::from(c) < 0x20 || (0x7f..=0xa0).contains(&u32::from(c)) => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a `list` of `str`.
pub(crate) fn py_list_repr(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| py_repr(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Builds the assume-role plan for `profile`, or `None` when the profile
/// does not trigger the assume-role provider (P-CHAIN-2).
pub fn assume_role_plan(files: &ConfigFiles, profile: &str) -> Result<Option<RolePlan>, Error> {
    match files.profile(profile) {
        Some(p) if has_assume_role_vars(p) => {}
        _ => return Ok(None),
    }
    let mut visited = vec![profile.to_owned()];
    let mut hops = Vec::new();
    let mut current = profile.to_owned();
    let base = loop {
        let Some(p) = files.profile(&current) else {
            // Unreachable: every profile visited was checked to exist.
            return Err(Error::ProfileNotFound { profile: current });
        };
        let (hop, source) = role_config(files, p, &current, &visited)?;
        hops.push(hop);
        match source {
            Source::Named(source) => {
                break Base::CredentialSource {
                    source,
                    profile: current,
                };
            }
            Source::Profile(name) => {
                visited.push(name.clone());
                let sp = files.profile(&name).ok_or_else(|| Error::ProfileNotFound {
                    profile: name.clone(),
                })?;
                if has_static_keys(sp) || !has_assume_role_vars(sp) {
                    break Base::SourceProfile { profile: name };
                }
                current = name;
            }
        }
    };
    hops.reverse();
    Ok(Some(RolePlan { base, hops }))
}

enum Source {
    Named(CredentialSource),
    Profile(String),
}

/// botocore's `_get_role_config` with its validations, in its order.
fn role_config(
    files: &ConfigFiles,
    p: &Profile,
    name: &str,
    visited: &[String],
) -> Result<(RoleHop, Source), Error> {
    let Some(arn) = p.get("role_arn") else {
        return Err(Error::InvalidConfig {
            message: format!("profile {name} has no role_arn"),
        });
    };
    let role_arn = opt_str(p, "role_arn")?.unwrap_or_default();
    let source_profile = opt_str(p, "source_profile")?;
    let credential_source = opt_str(p, "credential_source")?;
    let mfa_serial = opt_str(p, "mfa_serial")?;
    let external_id = opt_str(p, "external_id")?;
    let role_session_name = opt_str(p, "role_session_name")?.filter(|s| !s.is_empty());
    // int() failures are silently dropped (P-AR-1); a nested block is not
    // a str, and int(dict) raises TypeError, which botocore does not catch.
    let duration_seconds = match p.get("duration_seconds").map(|s| &s.value) {
        None => None,
        Some(Value::Str(s)) => py_int_value(s),
        Some(Value::Nested(_)) => {
            return Err(Error::Unhandled {
                class: "TypeError",
                message: "int() argument must be a string, a bytes-like object or a real \
                          number, not 'dict'"
                    .into(),
            });
        }
    };
    let source = match (credential_source, source_profile) {
        (Some(_), Some(_)) => {
            return Err(Error::InvalidConfig {
                message: format!(
                    "The profile \"{name}\" contains both source_profile and credential_source."
                ),
            });
        }
        (None, None) => {
            return Err(Error::PartialCredentials {
                provider: Method::AssumeRole,
                missing: "source_profile or credential_source".into(),
            });
        }
        (Some(cs), None) => match CredentialSource::parse(&cs) {
            Some(s) => Source::Named(s),
            None => {
                return Err(Error::InvalidConfig {
                    message: format!(
                        "The credential source \"{cs}\" referenced in profile \"{name}\" is not \
                         valid."
                    ),
                });
            }
        },
        (None, Some(sp)) => {
            validate_source_profile(files, name, &sp, visited)?;
            Source::Profile(sp)
        }
    };
    let hop = RoleHop {
        profile: name.to_owned(),
        role_arn,
        role_session_name,
        external_id,
        mfa_serial,
        duration_seconds,
        origin: arn.origin,
    };
    Ok((hop, source))
}

/// botocore's `_validate_source_profile`: it must exist, and may be visited
/// again only by naming itself while holding static keys (P-AR-4a).
fn validate_source_profile(
    files: &ConfigFiles,
    parent: &str,
    source: &str,
    visited: &[String],
) -> Result<(), Error> {
    let Some(sp) = files.profile(source) else {
        return Err(Error::InvalidConfig {
            message: format!(
                "The source_profile \"{source}\" referenced in the profile \"{parent}\" does not \
                 exist."
            ),
        });
    };
    if !visited.iter().any(|v| v == source) {
        return Ok(());
    }
    if source != parent || !has_static_keys(sp) {
        return Err(Error::InfiniteLoopConfig {
            source_profile: source.to_owned(),
            visited: visited.to_vec(),
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "repr_tests.rs"]
mod tests;
