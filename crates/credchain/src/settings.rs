//! Non-credential settings, resolved as botocore's config provider resolves
//! them, each with where it came from.
//!
//! The table [`SETTINGS`] is botocore 1.43's `BOTOCORE_DEFAUT_SESSION_VARIABLES`
//! (plus the AWS CLI's `output`), and [`S3_SETTINGS`] its
//! `DEFAULT_S3_CONFIG_VARS`; a unit test and the differential
//! (`tests/differential/config_diff.py`) compare both with botocore's dicts so
//! they cannot drift.
//!
//! Lookup order for every setting (botocore's `ConfigChainFactory`):
//!
//! ```text
//!  instance value ──► env var(s), in order ──► current profile key(s) ──► default
//!  (Session builder)   (present = wins, even "")  (merged config+credentials)
//!                                                        │
//!            conversion (int() / ensure_boolean) applied to the winner only
//! ```
//!
//! The region alone has one more, opt-in step: the EC2 instance metadata
//! service ([`crate::Session::region_with_imds`]), as botocore's
//! `IMDSRegionProvider`.

use crate::config::{FileKind, Origin, Profile, Value};
use crate::error::Error;
use crate::os::Env;
use crate::pyint::{is_py_int, py_int_value};

/// A profile key a setting is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigKey {
    /// A top-level key of the profile (`region`).
    Top(&'static str),
    /// A key of a nested block (`s3` → `addressing_style`).
    Nested(&'static str, &'static str),
}

/// botocore's conversion function for a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// The value is returned as found (a string from env or file).
    None,
    /// Python `int()`; a bad value is `ValueError`.
    Int,
    /// `ensure_boolean`: a string is true only if it equals `true` in any
    /// case; anything that is not a string or bool is false.
    Bool,
}

/// A setting's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    /// No default: `None`.
    None,
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// An empty dict (`api_versions`).
    EmptyMap,
}

/// One row of botocore's table: logical name → (config keys, env vars,
/// default, conversion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettingDef {
    /// The logical name (`get_config_variable(name)`).
    pub name: &'static str,
    /// Profile keys, checked in order.
    pub config_keys: &'static [ConfigKey],
    /// Environment variables, checked in order.
    pub env_vars: &'static [&'static str],
    /// The default.
    pub default: DefaultValue,
    /// The conversion applied to the chosen value.
    pub conversion: Conversion,
}

const fn def(
    name: &'static str,
    config_keys: &'static [ConfigKey],
    env_vars: &'static [&'static str],
    default: DefaultValue,
    conversion: Conversion,
) -> SettingDef {
    SettingDef {
        name,
        config_keys,
        env_vars,
        default,
        conversion,
    }
}

use ConfigKey::{Nested, Top};
use Conversion::{Bool as B, Int as I, None as N};
use DefaultValue as D;

/// botocore's `BOTOCORE_DEFAUT_SESSION_VARIABLES` (1.43.11), in its order,
/// then the AWS CLI's `output` (awscli's session variables). `retry_mode`'s
/// default is `legacy` unless `AWS_NEW_RETRIES_2026=true` at startup
/// (see [`resolve_setting`]).
pub const SETTINGS: &[SettingDef] = &[
    def(
        "profile",
        &[],
        &["AWS_DEFAULT_PROFILE", "AWS_PROFILE"],
        D::None,
        N,
    ),
    def(
        "region",
        &[Top("region")],
        &["AWS_DEFAULT_REGION"],
        D::None,
        N,
    ),
    def(
        "data_path",
        &[Top("data_path")],
        &["AWS_DATA_PATH"],
        D::None,
        N,
    ),
    def(
        "config_file",
        &[],
        &["AWS_CONFIG_FILE"],
        D::Str("~/.aws/config"),
        N,
    ),
    def(
        "ca_bundle",
        &[Top("ca_bundle")],
        &["AWS_CA_BUNDLE"],
        D::None,
        N,
    ),
    def("api_versions", &[Top("api_versions")], &[], D::EmptyMap, N),
    def(
        "credentials_file",
        &[],
        &["AWS_SHARED_CREDENTIALS_FILE"],
        D::Str("~/.aws/credentials"),
        N,
    ),
    def(
        "metadata_service_timeout",
        &[Top("metadata_service_timeout")],
        &["AWS_METADATA_SERVICE_TIMEOUT"],
        D::Int(1),
        I,
    ),
    def(
        "metadata_service_num_attempts",
        &[Top("metadata_service_num_attempts")],
        &["AWS_METADATA_SERVICE_NUM_ATTEMPTS"],
        D::Int(1),
        I,
    ),
    def(
        "ec2_metadata_service_endpoint",
        &[Top("ec2_metadata_service_endpoint")],
        &["AWS_EC2_METADATA_SERVICE_ENDPOINT"],
        D::None,
        N,
    ),
    def(
        "ec2_metadata_service_endpoint_mode",
        &[Top("ec2_metadata_service_endpoint_mode")],
        &["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"],
        D::None,
        N,
    ),
    def(
        "ec2_metadata_v1_disabled",
        &[Top("ec2_metadata_v1_disabled")],
        &["AWS_EC2_METADATA_V1_DISABLED"],
        D::Bool(false),
        B,
    ),
    def(
        "imds_use_ipv6",
        &[Top("imds_use_ipv6")],
        &["AWS_IMDS_USE_IPV6"],
        D::Bool(false),
        B,
    ),
    def(
        "use_dualstack_endpoint",
        &[Top("use_dualstack_endpoint")],
        &["AWS_USE_DUALSTACK_ENDPOINT"],
        D::None,
        B,
    ),
    def(
        "use_fips_endpoint",
        &[Top("use_fips_endpoint")],
        &["AWS_USE_FIPS_ENDPOINT"],
        D::None,
        B,
    ),
    def(
        "ignore_configured_endpoint_urls",
        &[Top("ignore_configured_endpoint_urls")],
        &["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"],
        D::None,
        B,
    ),
    def(
        "parameter_validation",
        &[Top("parameter_validation")],
        &[],
        D::Bool(true),
        N,
    ),
    def(
        "csm_enabled",
        &[Top("csm_enabled")],
        &["AWS_CSM_ENABLED"],
        D::Bool(false),
        B,
    ),
    def(
        "csm_host",
        &[Top("csm_host")],
        &["AWS_CSM_HOST"],
        D::Str("127.0.0.1"),
        N,
    ),
    def(
        "csm_port",
        &[Top("csm_port")],
        &["AWS_CSM_PORT"],
        D::Int(31000),
        I,
    ),
    def(
        "csm_client_id",
        &[Top("csm_client_id")],
        &["AWS_CSM_CLIENT_ID"],
        D::Str(""),
        N,
    ),
    def(
        "endpoint_discovery_enabled",
        &[Top("endpoint_discovery_enabled")],
        &["AWS_ENDPOINT_DISCOVERY_ENABLED"],
        D::Str("auto"),
        N,
    ),
    def(
        "sts_regional_endpoints",
        &[Top("sts_regional_endpoints")],
        &["AWS_STS_REGIONAL_ENDPOINTS"],
        D::Str("regional"),
        N,
    ),
    def(
        "retry_mode",
        &[Top("retry_mode")],
        &["AWS_RETRY_MODE"],
        D::Str("legacy"),
        N,
    ),
    def(
        "defaults_mode",
        &[Top("defaults_mode")],
        &["AWS_DEFAULTS_MODE"],
        D::Str("legacy"),
        N,
    ),
    def(
        "max_attempts",
        &[Top("max_attempts")],
        &["AWS_MAX_ATTEMPTS"],
        D::None,
        I,
    ),
    def(
        "user_agent_appid",
        &[Top("sdk_ua_app_id")],
        &["AWS_SDK_UA_APP_ID"],
        D::None,
        N,
    ),
    def(
        "request_min_compression_size_bytes",
        &[Top("request_min_compression_size_bytes")],
        &["AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES"],
        D::Int(10240),
        N,
    ),
    def(
        "disable_request_compression",
        &[Top("disable_request_compression")],
        &["AWS_DISABLE_REQUEST_COMPRESSION"],
        D::Bool(false),
        B,
    ),
    def(
        "sigv4a_signing_region_set",
        &[Top("sigv4a_signing_region_set")],
        &["AWS_SIGV4A_SIGNING_REGION_SET"],
        D::None,
        N,
    ),
    def(
        "request_checksum_calculation",
        &[Top("request_checksum_calculation")],
        &["AWS_REQUEST_CHECKSUM_CALCULATION"],
        D::Str("when_supported"),
        N,
    ),
    def(
        "response_checksum_validation",
        &[Top("response_checksum_validation")],
        &["AWS_RESPONSE_CHECKSUM_VALIDATION"],
        D::Str("when_supported"),
        N,
    ),
    def(
        "account_id_endpoint_mode",
        &[Top("account_id_endpoint_mode")],
        &["AWS_ACCOUNT_ID_ENDPOINT_MODE"],
        D::Str("preferred"),
        N,
    ),
    def(
        "disable_host_prefix_injection",
        &[Top("disable_host_prefix_injection")],
        &["AWS_DISABLE_HOST_PREFIX_INJECTION"],
        D::None,
        B,
    ),
    def(
        "auth_scheme_preference",
        &[Top("auth_scheme_preference")],
        &["AWS_AUTH_SCHEME_PREFERENCE"],
        D::None,
        N,
    ),
    def(
        "tcp_keepalive",
        &[Top("tcp_keepalive")],
        &["BOTOCORE_TCP_KEEPALIVE"],
        D::None,
        B,
    ),
    def(
        "s3_disable_express_session_auth",
        &[Top("s3_disable_express_session_auth")],
        &["AWS_S3_DISABLE_EXPRESS_SESSION_AUTH"],
        D::None,
        N,
    ),
    // The AWS CLI's own session variable (awscli/__init__.py).
    def(
        "output",
        &[Top("output")],
        &["AWS_DEFAULT_OUTPUT"],
        D::Str("json"),
        N,
    ),
];

/// botocore's `DEFAULT_S3_CONFIG_VARS`: the keys of the `s3` dict, each
/// with its own chain (P-NC-3). Top-level `s3_use_arn_region` and
/// `s3_us_east_1_regional_endpoint` come before the nested keys.
pub const S3_SETTINGS: &[SettingDef] = &[
    def(
        "addressing_style",
        &[Nested("s3", "addressing_style")],
        &[],
        D::None,
        N,
    ),
    def(
        "use_accelerate_endpoint",
        &[Nested("s3", "use_accelerate_endpoint")],
        &[],
        D::None,
        B,
    ),
    def(
        "use_dualstack_endpoint",
        &[Nested("s3", "use_dualstack_endpoint")],
        &[],
        D::None,
        B,
    ),
    def(
        "payload_signing_enabled",
        &[Nested("s3", "payload_signing_enabled")],
        &[],
        D::None,
        B,
    ),
    def(
        "use_arn_region",
        &[Top("s3_use_arn_region"), Nested("s3", "use_arn_region")],
        &["AWS_S3_USE_ARN_REGION"],
        D::None,
        B,
    ),
    def(
        "us_east_1_regional_endpoint",
        &[
            Top("s3_us_east_1_regional_endpoint"),
            Nested("s3", "us_east_1_regional_endpoint"),
        ],
        &["AWS_S3_US_EAST_1_REGIONAL_ENDPOINT"],
        D::None,
        N,
    ),
    def(
        "s3_disable_multiregion_access_points",
        &[Nested("s3", "s3_disable_multiregion_access_points")],
        &["AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS"],
        D::None,
        B,
    ),
];

/// A value as botocore returns it.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum SettingValue {
    /// `None`: unset with no default.
    #[default]
    Null,
    /// A string (unconverted settings, from env or a file).
    Str(String),
    /// An integer (`int()` settings, integer defaults).
    Int(i64),
    /// A boolean (`ensure_boolean` settings, boolean defaults).
    Bool(bool),
    /// A dict: a nested block in the profile (`api_versions`, or a plain
    /// setting written as a block), in first-seen order.
    Map(Vec<(String, String)>),
    /// A Python `float` of seconds, held in milliseconds: a timeout a
    /// `defaults_mode` sets (`connectTimeoutInMillis / 1000`).
    Seconds {
        /// The duration in milliseconds.
        millis: u64,
    },
}

impl SettingValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            SettingValue::Str(s) => Some(s),
            _ => None,
        }
    }
    /// Python's `str()` of the value as the AWS CLI prints it (`None`,
    /// `True`, `{'k': 'v'}` shown as `k=v, ...`).
    pub fn display(&self) -> String {
        match self {
            SettingValue::Null => "<not set>".into(),
            SettingValue::Str(s) => s.clone(),
            SettingValue::Int(i) => i.to_string(),
            SettingValue::Bool(true) => "True".into(),
            SettingValue::Bool(false) => "False".into(),
            SettingValue::Map(m) => m
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
            SettingValue::Seconds { millis } => seconds_repr(*millis),
        }
    }
}

/// Python's `repr()` of `millis / 1000` (`3.1`, `30.0`).
fn seconds_repr(millis: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // timeouts are far below 2^52 ms
    let secs = millis as f64 / 1000.0;
    // Rust's `{:?}` of an f64 is its shortest round-trip form with a
    // `.0` for whole numbers, as Python's repr for these magnitudes.
    format!("{secs:?}")
}

impl std::fmt::Debug for SettingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings are not secrets, but a misplaced key in a profile could be
        // written as one (`region = AKIA...`): show strings by length only.
        match self {
            SettingValue::Null => f.write_str("Null"),
            SettingValue::Str(s) => write!(f, "Str(<{} chars>)", s.chars().count()),
            SettingValue::Int(i) => write!(f, "Int({i})"),
            SettingValue::Bool(b) => write!(f, "Bool({b})"),
            SettingValue::Map(m) => {
                f.write_str("Map")?;
                f.debug_list().entries(m.iter().map(|(k, _)| k)).finish()
            }
            SettingValue::Seconds { millis } => write!(f, "Seconds({})", seconds_repr(*millis)),
        }
    }
}

/// Where a resolved value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Set on the session (builder, `--region`, `--profile`).
    Instance,
    /// This environment variable.
    Env(String),
    /// A profile key: the file and line it was written on, and the profile.
    File {
        /// File and 1-based line.
        origin: Origin,
        /// The profile (merged) it was read from.
        profile: String,
    },
    /// The EC2 instance metadata service (region only).
    Imds,
    /// botocore's default (also for `None`: unset).
    Default,
    /// A smart default of this `defaults_mode` (client settings only,
    /// [`crate::Session::service_config`]); `auto` says the mode was
    /// resolved from `auto`.
    DefaultsMode {
        /// The mode whose default applies (`standard`, `in-region`, ...).
        mode: String,
        /// Whether `mode` is what `auto` resolved to.
        auto: bool,
    },
    /// botocore's built-in data (an endpoint from `endpoints.json`); the
    /// type is `default`, the location names the data.
    Data(&'static str),
}

impl Provenance {
    /// The `configure list --all` type: `instance`, `env`, `config-file`,
    /// `credentials-file`, `imds` or `default`.
    pub fn kind(&self) -> &'static str {
        match self {
            Provenance::Instance => "instance",
            Provenance::Env(_) => "env",
            Provenance::File { origin, .. } => match origin.file {
                FileKind::Config => "config-file",
                FileKind::Credentials => "credentials-file",
            },
            Provenance::Imds => "imds",
            Provenance::Default | Provenance::DefaultsMode { .. } | Provenance::Data(_) => {
                "default"
            }
        }
    }
    /// For a smart default, where it came from: `defaults_mode standard`,
    /// `defaults_mode in-region (auto)`; `None` otherwise.
    pub fn defaults_mode_location(&self) -> Option<String> {
        match self {
            Provenance::DefaultsMode { mode, auto: false } => Some(format!("defaults_mode {mode}")),
            Provenance::DefaultsMode { mode, auto: true } => {
                Some(format!("defaults_mode {mode} (auto)"))
            }
            _ => None,
        }
    }
}

/// One resolved setting: what [`crate::Session::config_variable`],
/// [`crate::Session::settings`] and [`crate::Session::service_config`]
/// return. `value` is [`SettingValue::Null`] (with
/// [`Provenance::Default`]) when nothing sets it and botocore has no
/// default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// botocore's logical name (`region`, `s3.addressing_style`,
    /// `endpoint_url.sts`).
    pub name: String,
    /// The value after conversion.
    pub value: SettingValue,
    /// Where it came from.
    pub provenance: Provenance,
}

/// Session instance variables (botocore's `set_config_variable`).
pub type InstanceVars = Vec<(String, String)>;

/// Looks a definition up by logical name.
pub fn setting_def(name: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.name == name)
}

fn convert(d: &SettingDef, raw: Value) -> Result<SettingValue, Error> {
    Ok(match (d.conversion, raw) {
        (Conversion::None, Value::Str(s)) => SettingValue::Str(s),
        (Conversion::None, Value::Nested(m)) => SettingValue::Map(m),
        (Conversion::Bool, Value::Str(s)) => SettingValue::Bool(s.to_lowercase() == "true"),
        (Conversion::Bool, Value::Nested(_)) => SettingValue::Bool(false),
        (Conversion::Int, Value::Str(s)) => match py_int_value(&s) {
            Some(i) => SettingValue::Int(i),
            None if is_py_int(&s) => {
                return Err(Error::Unhandled {
                    class: "OverflowError",
                    message: format!("{} does not fit in 64 bits", d.name),
                });
            }
            None => {
                return Err(Error::InvalidInteger {
                    setting: d.name.into(),
                    value: s,
                });
            }
        },
        (Conversion::Int, Value::Nested(_)) => {
            return Err(Error::Unhandled {
                class: "TypeError",
                message: format!(
                    "int() argument must be a string, a bytes-like object or a real number, \
                     not 'dict' (setting {})",
                    d.name
                ),
            });
        }
    })
}

fn default_value(d: &SettingDef, env: &dyn Env) -> SettingValue {
    match d.default {
        DefaultValue::None => SettingValue::Null,
        DefaultValue::Str(s) => {
            // botocore reads AWS_NEW_RETRIES_2026 at import time.
            if d.name == "retry_mode"
                && env
                    .get("AWS_NEW_RETRIES_2026")
                    .is_some_and(|v| v.to_lowercase() == "true")
            {
                SettingValue::Str("standard".into())
            } else {
                SettingValue::Str(s.into())
            }
        }
        DefaultValue::Int(i) => SettingValue::Int(i),
        DefaultValue::Bool(b) => SettingValue::Bool(b),
        DefaultValue::EmptyMap => SettingValue::Map(Vec::new()),
    }
}

/// The profile key's raw value, if set (botocore's `ScopedConfigProvider`:
/// a nested key is read only when the block is a dict).
fn profile_value(profile: &Profile, key: ConfigKey) -> Option<(Value, Origin)> {
    match key {
        Top(k) => profile.get(k).map(|s| (s.value.clone(), s.origin)),
        Nested(section, k) => {
            let s = profile.get(section)?;
            match &s.value {
                Value::Nested(block) => block
                    .iter()
                    .rev()
                    .find(|(sub, _)| sub == k)
                    .map(|(_, v)| (Value::Str(v.clone()), s.origin)),
                Value::Str(_) => None,
            }
        }
    }
}

/// Resolves one setting through botocore's chain (P-NC-1): the instance
/// value (`instance`), the env vars in order (present = wins, even empty),
/// the profile keys in order, then the default; the conversion is applied
/// to the winner. `profile` is called only when no instance value or env
/// var decided (as botocore loads the scoped config lazily), and gives the
/// current profile's name and merged settings.
///
/// # Errors
///
/// `ValueError` ([`Error::InvalidInteger`]) for an `int()` setting whose
/// value is not an integer, `TypeError` for one written as a nested block,
/// and whatever `profile` returns (`ProfileNotFound`, `ConfigParseError`).
pub fn resolve_setting<'p>(
    d: &SettingDef,
    logical: &str,
    instance: Option<&str>,
    env: &dyn Env,
    profile: impl FnOnce() -> Result<Option<(String, &'p Profile)>, Error>,
) -> Result<Resolved, Error> {
    let done = |value, provenance| Resolved {
        name: logical.to_owned(),
        value,
        provenance,
    };
    if let Some(v) = instance {
        return Ok(done(
            convert(d, Value::Str(v.to_owned()))?,
            Provenance::Instance,
        ));
    }
    for var in d.env_vars {
        if let Some(v) = env.get(var) {
            return Ok(done(
                convert(d, Value::Str(v))?,
                Provenance::Env((*var).to_owned()),
            ));
        }
    }
    if d.config_keys.is_empty() {
        return Ok(done(default_value(d, env), Provenance::Default));
    }
    if let Some((name, p)) = profile()? {
        for key in d.config_keys {
            if let Some((v, origin)) = profile_value(p, *key) {
                return Ok(done(
                    convert(d, v)?,
                    Provenance::File {
                        origin,
                        profile: name.clone(),
                    },
                ));
            }
        }
    }
    Ok(done(default_value(d, env), Provenance::Default))
}

/// The env-var suffix and `[services]` key botocore uses for a client name
/// (P-NC-5): the hyphenated service id of
/// [`crate::endpoints::hyphenized_service_id`] (botocore's
/// `CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES`) with `-` as `_`:
/// `sso-oidc` → (`SSO_OIDC`, `sso_oidc`), `elbv2` →
/// (`ELASTIC_LOAD_BALANCING_V2`, `elastic_load_balancing_v2`).
pub fn service_endpoint_keys(service: &str) -> (String, String) {
    let snake = crate::endpoints::hyphenized_service_id(service).replace('-', "_");
    (snake.to_uppercase(), snake.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFiles;
    use crate::os::MapEnv;

    fn run(env: &[(&str, &str)], config: &str, name: &str) -> Result<Resolved, Error> {
        let env = MapEnv::from_pairs(env.iter().copied());
        let files = ConfigFiles::from_texts(Some(config), None).unwrap();
        let d = setting_def(name).or_else(|| S3_SETTINGS.iter().find(|d| d.name == name));
        resolve_setting(d.unwrap(), name, None, &env, || {
            Ok(files.profile("default").map(|p| ("default".to_owned(), p)))
        })
    }

    #[test]
    fn p_nc_1_env_beats_profile_and_empty_env_wins() {
        let r = run(
            &[("AWS_RETRY_MODE", "")],
            "[default]\nretry_mode = standard\n",
            "retry_mode",
        )
        .unwrap();
        assert_eq!(r.value, SettingValue::Str(String::new()));
        assert_eq!(r.provenance, Provenance::Env("AWS_RETRY_MODE".into()));
        let r = run(&[], "[default]\nretry_mode = standard\n", "retry_mode").unwrap();
        assert_eq!(r.value, SettingValue::Str("standard".into()));
        assert_eq!(r.provenance.kind(), "config-file");
        let r = run(&[], "[default]\n", "retry_mode").unwrap();
        assert_eq!(r.value, SettingValue::Str("legacy".into()));
        assert_eq!(r.provenance, Provenance::Default);
    }

    #[test]
    fn p_env_4_conversions() {
        // int(): ' 7 ' → 7; '1_0' → 10; 'x' → ValueError.
        let r = run(&[("AWS_MAX_ATTEMPTS", " 7 ")], "", "max_attempts").unwrap();
        assert_eq!(r.value, SettingValue::Int(7));
        let r = run(&[], "[default]\nmax_attempts = 1_0\n", "max_attempts").unwrap();
        assert_eq!(r.value, SettingValue::Int(10));
        let e = run(&[("AWS_MAX_ATTEMPTS", "x")], "", "max_attempts").unwrap_err();
        assert_eq!(e.kind(), "ValueError");
        // ensure_boolean: only 'true' in any case.
        let r = run(
            &[("AWS_USE_FIPS_ENDPOINT", "TRUE")],
            "",
            "use_fips_endpoint",
        )
        .unwrap();
        assert_eq!(r.value, SettingValue::Bool(true));
        let r = run(&[("AWS_USE_FIPS_ENDPOINT", "1")], "", "use_fips_endpoint").unwrap();
        assert_eq!(r.value, SettingValue::Bool(false));
        // No conversion: env gives a string, the default an int.
        let r = run(
            &[("AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES", "99")],
            "",
            "request_min_compression_size_bytes",
        )
        .unwrap();
        assert_eq!(r.value, SettingValue::Str("99".into()));
        let r = run(&[], "", "request_min_compression_size_bytes").unwrap();
        assert_eq!(r.value, SettingValue::Int(10240));
        // parameter_validation has no conversion: 'false' stays a string.
        let r = run(
            &[],
            "[default]\nparameter_validation = false\n",
            "parameter_validation",
        )
        .unwrap();
        assert_eq!(r.value, SettingValue::Str("false".into()));
    }

    #[test]
    fn p_nc_3_s3_top_level_key_before_nested_and_env_first() {
        let cfg = "[default]\ns3_use_arn_region = false\ns3 =\n  use_arn_region = true\n";
        let r = run(&[], cfg, "use_arn_region").unwrap();
        assert_eq!(r.value, SettingValue::Bool(false));
        assert_eq!(
            r.provenance,
            Provenance::File {
                origin: Origin {
                    file: FileKind::Config,
                    line: 2
                },
                profile: "default".into()
            }
        );
        let r = run(&[("AWS_S3_USE_ARN_REGION", "true")], cfg, "use_arn_region").unwrap();
        assert_eq!(r.value, SettingValue::Bool(true));
        // A non-dict `s3` is ignored.
        let r = run(&[], "[default]\ns3 = path\n", "addressing_style").unwrap();
        assert_eq!(r.value, SettingValue::Null);
        let r = run(
            &[],
            "[default]\ns3 =\n  addressing_style = path\n",
            "addressing_style",
        )
        .unwrap();
        assert_eq!(r.value, SettingValue::Str("path".into()));
    }

    #[test]
    fn nested_block_for_a_plain_setting_is_a_dict_or_type_error() {
        let r = run(&[], "[default]\nregion =\n  a = b\n", "region").unwrap();
        assert_eq!(r.value, SettingValue::Map(vec![("a".into(), "b".into())]));
        let e = run(&[], "[default]\nmax_attempts =\n  a = b\n", "max_attempts").unwrap_err();
        assert_eq!(e.kind(), "TypeError");
    }

    #[test]
    fn service_endpoint_keys_follow_botocore() {
        assert_eq!(
            service_endpoint_keys("sso-oidc"),
            ("SSO_OIDC".into(), "sso_oidc".into())
        );
        assert_eq!(service_endpoint_keys("sts"), ("STS".into(), "sts".into()));
        // botocore's overrides table, not the model's serviceId.
        assert_eq!(
            service_endpoint_keys("s3control"),
            ("S3_CONTROL".into(), "s3_control".into())
        );
        assert_eq!(
            service_endpoint_keys("serverlessrepo"),
            (
                "SERVERLESSAPPLICATIONREPOSITORY".into(),
                "serverlessapplicationrepository".into()
            )
        );
        assert_eq!(
            service_endpoint_keys("runtime.sagemaker"),
            ("SAGEMAKER_RUNTIME".into(), "sagemaker_runtime".into())
        );
    }

    fn session(env: &[(&str, &str)], config: &str, profile: Option<&str>) -> crate::Session {
        use std::sync::Arc;
        let mut pairs = vec![("HOME", "/h")];
        pairs.extend_from_slice(env);
        let os = crate::os::Os {
            env: Arc::new(MapEnv::from_pairs(pairs)),
            fs: Arc::new(crate::os::MemFs::new().with_file("/h/.aws/config", config)),
            ..crate::os::Os::real()
        };
        let b = crate::Session::builder().os(os);
        match profile {
            Some(p) => b.profile_name(p).build(),
            None => b.build(),
        }
    }

    #[test]
    fn p_nc_3_s3_section_reads_the_profile_first_and_ignores_a_non_dict() {
        // Found by the differential: get_config_variable('s3') reads the
        // scoped config before the env overrides, so a missing profile
        // raises even with AWS_S3_USE_ARN_REGION set.
        let s = session(&[("AWS_S3_USE_ARN_REGION", "true")], "", Some("nope"));
        let e = s.config_variable("s3.use_arn_region").unwrap_err();
        assert_eq!(e.kind(), "ProfileNotFound");
        // A plain `s3 = x` drops the whole section, env overrides included.
        let s = session(
            &[("AWS_S3_USE_ARN_REGION", "true")],
            "[default]\ns3 = x\n",
            None,
        );
        let r = s.config_variable("s3.use_arn_region").unwrap().unwrap();
        assert_eq!(r.value, SettingValue::Null);
        // Env set, no s3 in the profile: the override applies.
        let s = session(&[("AWS_S3_USE_ARN_REGION", "TRUE")], "[default]\n", None);
        let r = s.config_variable("s3.use_arn_region").unwrap().unwrap();
        assert_eq!(r.value, SettingValue::Bool(true));
        assert_eq!(
            r.provenance,
            Provenance::Env("AWS_S3_USE_ARN_REGION".into())
        );
        // Unknown names are None, as ConfigValueStore's.
        assert!(s.config_variable("no_such_setting").unwrap().is_none());
    }

    #[test]
    fn instance_values_beat_env_and_are_converted() {
        use std::sync::Arc;
        let os = crate::os::Os {
            env: Arc::new(MapEnv::from_pairs([
                ("HOME", "/h"),
                ("AWS_MAX_ATTEMPTS", "9"),
            ])),
            fs: Arc::new(crate::os::MemFs::new()),
            ..crate::os::Os::real()
        };
        let s = crate::Session::builder()
            .os(os)
            .config_variable("max_attempts", "2")
            .region_name("eu-west-3")
            .build();
        let r = s.config_variable("max_attempts").unwrap().unwrap();
        assert_eq!(
            (r.value, r.provenance),
            (SettingValue::Int(2), Provenance::Instance)
        );
        let r = s.config_variable("region").unwrap().unwrap();
        assert_eq!(r.provenance, Provenance::Instance);
        let e = crate::Session::builder()
            .region_name("us west 2")
            .os(crate::os::Os {
                env: Arc::new(MapEnv::from_pairs([("HOME", "/h")])),
                fs: Arc::new(crate::os::MemFs::new()),
                ..crate::os::Os::real()
            })
            .build()
            .service_config("s3")
            .unwrap_err();
        assert_eq!(e.kind(), "InvalidRegionError");
    }

    #[test]
    fn p_nc_5_service_config_gives_the_endpoint_botocore_creates_the_client_with() {
        // Expected values from botocore 1.43.11's create_client.
        let env = [("AWS_DEFAULT_REGION", "cn-north-1")];
        let c = session(&env, "", None).service_config("iam").unwrap();
        assert_eq!(
            c.endpoint.value,
            SettingValue::Str("https://iam.cn-north-1.amazonaws.com.cn".into())
        );
        assert_eq!(
            c.endpoint.provenance,
            Provenance::Data("botocore endpoints.json")
        );
        assert_eq!(
            c.client_endpoint.region_name.as_deref(),
            Some("aws-cn-global")
        );
        // A configured URL (botocore's service id for s3control) wins.
        let env = [
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_ENDPOINT_URL_S3_CONTROL", "http://127.0.0.1:9"),
        ];
        let c = session(&env, "", None).service_config("s3control").unwrap();
        assert_eq!(
            c.endpoint.value,
            SettingValue::Str("http://127.0.0.1:9".into())
        );
        assert_eq!(c.endpoint.provenance.kind(), "env");
        assert_eq!(c.client_endpoint.signing_name, "s3");
        let e = session(&env, "", None).service_config("nope").unwrap_err();
        assert_eq!(e.kind(), "UnknownServiceError");
        // botocore validates sts_regional_endpoints for every client.
        let env = [
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_STS_REGIONAL_ENDPOINTS", "Legacy"),
        ];
        let e = session(&env, "", None).service_config("ec2").unwrap_err();
        assert_eq!(e.kind(), "InvalidSTSRegionalEndpointsConfigError");
        // No region: NoRegionError for a regional client, a null row in
        // settings(); global clients still resolve.
        let s = session(&[], "", None);
        assert_eq!(s.service_config("ec2").unwrap_err().kind(), "NoRegionError");
        let rows = s.settings();
        let row = |n: &str| rows.iter().find(|(name, _)| name == n).unwrap().1.clone();
        assert_eq!(
            row("endpoint_url.dynamodb").unwrap().value,
            SettingValue::Null
        );
        assert_eq!(
            row("endpoint_url.sts").unwrap().value,
            SettingValue::Str("https://sts.amazonaws.com".into())
        );
    }

    #[test]
    fn p_nc_4_client_creation_checks_follow_botocore() {
        // Each expected class is what botocore 1.43.11's
        // create_client('s3', region_name='us-west-2') raised.
        for (env, kind) in [
            (vec![("AWS_RETRY_MODE", "bogus")], "InvalidRetryModeError"),
            (
                vec![("AWS_RETRY_MODE", "Standard")],
                "InvalidRetryModeError",
            ),
            (vec![("AWS_RETRY_MODE", "")], "InvalidRetryModeError"),
            (
                vec![("AWS_MAX_ATTEMPTS", "0")],
                "InvalidMaxRetryAttemptsError",
            ),
            (
                vec![("AWS_MAX_ATTEMPTS", "-1"), ("AWS_RETRY_MODE", "bogus")],
                "InvalidMaxRetryAttemptsError",
            ),
            (
                vec![("AWS_DEFAULTS_MODE", "nope"), ("AWS_RETRY_MODE", "bogus")],
                "InvalidDefaultsMode",
            ),
        ] {
            let mut env = env.clone();
            env.push(("AWS_DEFAULT_REGION", "us-west-2"));
            let e = session(&env, "", None).service_config("s3").unwrap_err();
            assert_eq!(e.kind(), kind, "{env:?}");
        }
        let env = [
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_DEFAULTS_MODE", "STANDARD"),
        ];
        assert!(session(&env, "", None).service_config("sts").is_ok());
    }
}
