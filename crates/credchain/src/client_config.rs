//! What botocore's `Session.create_client(service)` checks and computes
//! from the session's settings, in its order: the `defaults_mode` (and its
//! smart defaults, `SmartDefaultsConfigStoreFactory`), then
//! `ClientArgsCreator.compute_client_args` / `get_client_args` and
//! `Config.__init__`'s validation (botocore 1.43.11). Each check raises
//! botocore's exception class with its message; the first failing check
//! wins, as in botocore.
//!
//! ```text
//!  region ─► api_versions ─► sso-session config (get_auth_token)
//!     ─► defaults_mode (auto: AWS_EXECUTION_ENV, IMDS)
//!     ─► s3 config, configured endpoint ─► endpoint stage (s3: us-east-1
//!        option, `s3 = str`; sts: sts_regional_endpoints without endpoint)
//!     ─► retries read ─► compression ─► checksums ─► account-id mode
//!     ─► auth scheme preference ─► s3 express auth
//!     ─► Config(): s3 addressing style, total_max_attempts, retry mode
//!     ─► configured endpoint URL ─► ruleset builtins (every service:
//!        sts_regional_endpoints, s3 us-east-1 option) ─► endpoint discovery
//! ```
//!
//! The ruleset builtins are computed for every client, so an invalid
//! `sts_regional_endpoints` or `s3.us_east_1_regional_endpoint` fails an
//! `ec2` client too, only later than it fails `sts` / `s3`.
//!
//! The smart defaults are applied to a copy of the settings: only
//! [`crate::Session::service_config`] sees them;
//! [`crate::Session::config_variable`] is unaffected, as botocore's
//! `get_config_variable`.

use crate::chain::repr::py_repr;
use crate::env_vars as ev;
use crate::error::Error;
use crate::pyint::{is_py_int, py_int_value};
use crate::session::Session;
use crate::settings::{Provenance, Resolved, SettingValue, setting_def};

/// botocore's default modes, in `DefaultConfigResolver.get_default_modes`
/// order (`legacy`, `auto`, then the modes of
/// `data/sdk-default-configuration.json`).
pub const DEFAULTS_MODES: [&str; 6] = [
    "legacy",
    "auto",
    "standard",
    "in-region",
    "cross-region",
    "mobile",
];

/// The values a defaults mode gives, as botocore's
/// `DefaultConfigResolver.get_default_config_values(mode)` resolves them
/// from `sdk-default-configuration.json` (base, then the mode's
/// `override` / `multiply` / `add`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeDefaults {
    /// `retryMode`: the `retry_mode` default.
    pub retry_mode: &'static str,
    /// `stsRegionalEndpoints`: the `sts_regional_endpoints` default.
    pub sts_regional_endpoints: &'static str,
    /// `s3UsEast1RegionalEndpoints`: the `s3.us_east_1_regional_endpoint`
    /// default.
    pub s3_us_east_1_regional_endpoint: &'static str,
    /// `connectTimeoutInMillis`, milliseconds (botocore divides by 1000).
    pub connect_timeout_ms: u64,
    /// `tlsNegotiationTimeoutInMillis`, milliseconds (botocore has no
    /// setter for it: it changes nothing).
    pub tls_negotiation_timeout_ms: u64,
}

/// The base of `sdk-default-configuration.json` (version 1).
const BASE: ModeDefaults = ModeDefaults {
    retry_mode: "standard",
    sts_regional_endpoints: "regional",
    s3_us_east_1_regional_endpoint: "regional",
    connect_timeout_ms: 1100,
    tls_negotiation_timeout_ms: 1100,
};

/// A mode's resolved defaults; `None` for `legacy`, `auto` (resolve it
/// first) and unknown names.
pub fn mode_defaults(mode: &str) -> Option<ModeDefaults> {
    let timeouts = |ms| ModeDefaults {
        connect_timeout_ms: ms,
        tls_negotiation_timeout_ms: ms,
        ..BASE
    };
    match mode {
        "standard" | "cross-region" => Some(timeouts(3100)),
        "in-region" => Some(BASE),
        "mobile" => Some(timeouts(30000)),
        _ => None,
    }
}

/// The defaults mode a client uses: the configured one (lower-cased) and,
/// for `auto`, what it resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultsMode {
    /// The `defaults_mode` setting, with its provenance.
    pub setting: Resolved,
    /// The mode whose defaults apply: `legacy`, `standard`, `in-region`,
    /// `cross-region` or `mobile` (never `auto`).
    pub effective: String,
    /// Whether `effective` came from resolving `auto`.
    pub auto: bool,
}

impl DefaultsMode {
    fn provenance(&self) -> Provenance {
        Provenance::DefaultsMode {
            mode: self.effective.clone(),
            auto: self.auto,
        }
    }
    fn defaults(&self) -> Option<ModeDefaults> {
        mode_defaults(&self.effective)
    }
}

fn invalid_config(message: String) -> Error {
    Error::InvalidConfig { message }
}

fn unhandled(class: &'static str, message: String) -> Error {
    Error::Unhandled { class, message }
}

/// Python's `str()` of a setting value, as botocore's messages format it.
fn py_str(v: &SettingValue) -> String {
    match v {
        SettingValue::Null => "None".into(),
        SettingValue::Map(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.display(),
    }
}

/// Python's `type()` name of a setting value.
fn py_type(v: &SettingValue) -> &'static str {
    match v {
        SettingValue::Null => "NoneType",
        SettingValue::Str(_) => "str",
        SettingValue::Int(_) => "int",
        SettingValue::Bool(_) => "bool",
        SettingValue::Map(_) => "dict",
        SettingValue::Seconds { .. } => "float",
    }
}

/// Python's `str.lower()` for a string value; others unchanged.
fn lowered(v: &SettingValue) -> SettingValue {
    match v {
        SettingValue::Str(s) => SettingValue::Str(s.to_lowercase()),
        other => other.clone(),
    }
}

fn setting(session: &Session, name: &str) -> Result<Resolved, Error> {
    match setting_def(name) {
        Some(d) => session.resolve_def(d, name),
        None => Err(unhandled("KeyError", format!("'{name}'"))),
    }
}

/// `create_client` reads `api_versions` after the region and calls `.get`
/// on it: a plain value (not a block) is Python's `AttributeError`.
///
/// # Errors
///
/// `AttributeError`, and the setting's own errors (`ProfileNotFound`, ...).
pub(crate) fn api_versions(session: &Session) -> Result<(), Error> {
    match setting(session, "api_versions")?.value {
        SettingValue::Str(_) => Err(unhandled(
            "AttributeError",
            "'str' object has no attribute 'get'".into(),
        )),
        _ => Ok(()),
    }
}

/// `Session._resolve_defaults_mode` then, for `auto`,
/// `SmartDefaultsConfigStoreFactory.resolve_auto_mode`: with
/// `AWS_EXECUTION_ENV` set (non-empty) the current region is `AWS_REGION`
/// (when present, even empty) else `AWS_DEFAULT_REGION`; without one, the
/// IMDS region (any IMDS failure is ignored, as botocore's `except
/// Exception`). Equal to the client's region: `in-region`; another:
/// `cross-region`; none: `standard`.
///
/// # Errors
///
/// `InvalidDefaultsMode` for a mode botocore does not know (compared
/// case-insensitively), and the setting's own errors.
pub(crate) fn defaults_mode(
    session: &Session,
    client_region: Option<&str>,
) -> Result<DefaultsMode, Error> {
    let setting = setting(session, "defaults_mode")?;
    let configured = match &setting.value {
        SettingValue::Str(m) => m.clone(),
        other => {
            // `mode.lower()` on a dict or None.
            return Err(unhandled(
                "AttributeError",
                format!("'{}' object has no attribute 'lower'", py_type(other)),
            ));
        }
    };
    let lmode = configured.to_lowercase();
    if !DEFAULTS_MODES.contains(&lmode.as_str()) {
        return Err(unhandled(
            "InvalidDefaultsMode",
            format!(
                "Client configured with invalid defaults mode: {configured}. Valid defaults \
                 modes include: {}.",
                DEFAULTS_MODES.join(", ")
            ),
        ));
    }
    let (effective, auto) = if lmode == "auto" {
        let env = &*session.os().env;
        let mut current = None;
        if env
            .get(ev::AWS_EXECUTION_ENV)
            .is_some_and(|v| !v.is_empty())
        {
            current = env
                .get(ev::AWS_REGION)
                .or_else(|| env.get(ev::AWS_DEFAULT_REGION));
        }
        if current.as_deref().is_none_or(str::is_empty) {
            current = session.imds_region().ok().flatten();
        }
        let mode = match current.as_deref() {
            Some(c) if !c.is_empty() => {
                if client_region == Some(c) {
                    "in-region"
                } else {
                    "cross-region"
                }
            }
            _ => "standard",
        };
        (mode.to_owned(), true)
    } else {
        (lmode, false)
    };
    Ok(DefaultsMode {
        setting,
        effective,
        auto,
    })
}

/// A setting whose default the defaults mode replaces
/// (`SmartDefaultsConfigStoreFactory._update_provider`): a value the user
/// set wins; otherwise the mode's default, marked as such.
fn with_smart_default(r: Resolved, mode: &DefaultsMode, value: Option<&str>) -> Resolved {
    match value {
        Some(v) if r.provenance == Provenance::Default => Resolved {
            value: SettingValue::Str(v.to_owned()),
            provenance: mode.provenance(),
            ..r
        },
        _ => r,
    }
}

/// botocore's `VALID_REGIONAL_ENDPOINTS_CONFIG`.
const REGIONAL_OPTIONS: [&str; 2] = ["legacy", "regional"];

/// `s3.us_east_1_regional_endpoint` as botocore reads it, the one check of
/// this setting (the endpoint stage, the rule-set builtins, the client
/// view): unset (`Null`, absent from the s3 config) is `legacy`, `legacy` /
/// `regional` are themselves.
///
/// # Errors
///
/// Any other value (`''` included): botocore's
/// `InvalidS3UsEast1RegionalEndpointConfigError` (`_validate_s3_regional_config`).
pub(crate) fn s3_us_east_1_mode(v: &SettingValue) -> Result<&'static str, Error> {
    match v {
        SettingValue::Null => Ok("legacy"),
        SettingValue::Str(s) if let Some(m) = REGIONAL_OPTIONS.iter().find(|m| **m == s) => Ok(m),
        other => Err(unhandled(
            "InvalidS3UsEast1RegionalEndpointConfigError",
            format!(
                "S3 us-east-1 regional endpoint option {} is invalid. Valid options are: \
                 \"legacy\", \"regional\"",
                py_str(other)
            ),
        )),
    }
}

fn check_s3_us_east_1(s3: &[Resolved]) -> Result<(), Error> {
    // `'us_east_1_regional_endpoint' in s3_config`: only a set value.
    if let Some(r) = s3
        .iter()
        .find(|r| r.name == "s3.us_east_1_regional_endpoint")
    {
        s3_us_east_1_mode(&r.value)?;
    }
    Ok(())
}

/// `sts_regional_endpoints` as botocore reads it
/// (`_get_sts_regional_endpoints_config`), the one check of this setting
/// (the STS client, the endpoint stage, the rule-set builtins, the client
/// view): a falsy value (unset, `''`, an empty block) is `regional`.
///
/// # Errors
///
/// Anything but `legacy` / `regional` (case-sensitive; a nested block
/// too): `InvalidSTSRegionalEndpointsConfigError` with Python's `str()` of
/// the value.
pub(crate) fn sts_regional_mode(v: &SettingValue) -> Result<&'static str, Error> {
    let falsy = match v {
        SettingValue::Null => true,
        SettingValue::Str(s) => s.is_empty(),
        SettingValue::Map(m) => m.is_empty(),
        _ => false,
    };
    if falsy {
        return Ok("regional");
    }
    match v {
        SettingValue::Str(s) if let Some(m) = REGIONAL_OPTIONS.iter().find(|m| **m == s) => Ok(m),
        other => Err(Error::InvalidStsRegionalEndpoints {
            value: py_str(other),
        }),
    }
}

/// The client's effective `sts_regional_endpoints` row.
fn sts_regional(r: &Resolved) -> Result<Resolved, Error> {
    Ok(Resolved {
        value: SettingValue::Str(sts_regional_mode(&r.value)?.into()),
        ..r.clone()
    })
}

/// `_validate_min_compression_size`: Python `int()`, then 1..=1048576.
fn min_compression_size(r: Resolved) -> Result<Resolved, Error> {
    let base = format!(
        "Invalid value \"{}\" for request_min_compression_size_bytes.",
        py_str(&r.value)
    );
    let n = match &r.value {
        SettingValue::Int(i) => Some(*i),
        SettingValue::Bool(b) => Some(i64::from(*b)),
        SettingValue::Str(s) if is_py_int(s) => py_int_value(s),
        other => {
            return Err(invalid_config(format!(
                "{base} Value must be an integer. Received <class '{}'> instead.",
                py_type(other)
            )));
        }
    };
    match n {
        Some(n) if (1..=1_048_576).contains(&n) => Ok(Resolved {
            value: SettingValue::Int(n),
            ..r
        }),
        // Out of range, or beyond 64 bits (Python's int is unbounded).
        _ => Err(invalid_config(format!(
            "{base} Value must be between 1 and 1048576."
        ))),
    }
}

/// `_handle_checksum_config`: lower-cased, one of `when_supported`,
/// `when_required`.
fn checksum(r: Resolved, key: &str) -> Result<Resolved, Error> {
    let v = lowered(&r.value);
    match &v {
        SettingValue::Str(s) if s == "when_supported" || s == "when_required" => {
            Ok(Resolved { value: v, ..r })
        }
        other => Err(unhandled(
            "InvalidChecksumConfigError",
            format!(
                "Unsupported configuration value for {key}. Expected one of ('when_supported', \
                 'when_required') but got {}.",
                py_str(other)
            ),
        )),
    }
}

/// `_compute_account_id_endpoint_mode_config`.
fn account_id_mode(r: Resolved) -> Result<Resolved, Error> {
    let v = lowered(&r.value);
    match &v {
        SettingValue::Str(s) if ["preferred", "disabled", "required"].contains(&s.as_str()) => {
            Ok(Resolved { value: v, ..r })
        }
        other => Err(invalid_config(format!(
            "The configured value '{}' for 'account_id_endpoint_mode' is invalid. Valid values \
             are: ('preferred', 'disabled', 'required').",
            py_str(other)
        ))),
    }
}

/// `_compute_auth_scheme_preference_config`: a comma-delimited string,
/// blanks and tabs removed from each non-blank item.
fn auth_scheme_preference(r: Resolved) -> Result<Resolved, Error> {
    match &r.value {
        SettingValue::Null => Ok(r),
        SettingValue::Str(s) => {
            let joined = s
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .map(|item| item.replace([' ', '\t'], ""))
                .collect::<Vec<_>>()
                .join(",");
            Ok(Resolved {
                value: SettingValue::Str(joined),
                ..r
            })
        }
        other => Err(invalid_config(format!(
            "auth_scheme_preference must be a comma-delimited string. Received <class '{}'> \
             instead: {}.",
            py_type(other),
            py_str(other)
        ))),
    }
}

/// `_compute_s3_disable_express_session_auth`: `true` / `false` in any
/// case, then `ensure_boolean`.
fn s3_express(r: Resolved) -> Result<Resolved, Error> {
    let b = match &r.value {
        SettingValue::Null => false,
        SettingValue::Bool(b) => *b,
        SettingValue::Str(s) if s.eq_ignore_ascii_case("true") => true,
        SettingValue::Str(s) if s.eq_ignore_ascii_case("false") => false,
        other => {
            return Err(invalid_config(format!(
                "Invalid value \"{}\" for s3_disable_express_session_auth. Value must be a \
                 boolean",
                py_str(other)
            )));
        }
    };
    Ok(Resolved {
        value: SettingValue::Bool(b),
        ..r
    })
}

/// `ClientCreator._normalize_endpoint_discovery_config`.
fn endpoint_discovery(r: Resolved) -> Result<Resolved, Error> {
    let value = match &r.value {
        SettingValue::Bool(b) => SettingValue::Bool(*b),
        SettingValue::Str(s) => {
            let l = s.to_lowercase();
            let l = l.trim();
            match l {
                "auto" => SettingValue::Str(l.to_owned()),
                "true" => SettingValue::Bool(true),
                "false" => SettingValue::Bool(false),
                _ => {
                    return Err(unhandled(
                        "InvalidEndpointDiscoveryConfigurationError",
                        format!(
                            "Unsupported configuration value for endpoint_discovery_enabled. \
                             Expected one of (\"true\", \"false\", \"auto\") but got {l}."
                        ),
                    ));
                }
            }
        }
        other => {
            return Err(unhandled(
                "InvalidEndpointDiscoveryConfigurationError",
                format!(
                    "Unsupported configuration value for endpoint_discovery_enabled. Expected \
                     one of (\"true\", \"false\", \"auto\") but got {}.",
                    py_str(other)
                ),
            ));
        }
    };
    Ok(Resolved { value, ..r })
}

/// Clients whose model has an endpoint-discovery operation (botocore
/// 1.43.11's data): only they read `endpoint_discovery_enabled`.
const ENDPOINT_DISCOVERY_SERVICES: [&str; 3] = ["dynamodb", "timestream-query", "timestream-write"];

fn renamed(r: Resolved, name: &str) -> Resolved {
    Resolved {
        name: name.to_owned(),
        ..r
    }
}

/// The two endpoint mode settings as a client's config store holds them at
/// botocore's endpoint stage, the `defaults_mode` smart defaults applied:
/// `s3.us_east_1_regional_endpoint` in `s3` (in place; only when neither it
/// nor a plain `s3` value is set), and the returned `sts_regional_endpoints`
/// row.
///
/// # Errors
///
/// The settings' and files' errors.
pub(crate) fn endpoint_stage_settings(
    session: &Session,
    s3: &mut [Resolved],
    mode: &DefaultsMode,
) -> Result<Resolved, Error> {
    let smart = mode.defaults();
    if let Some(d) = smart
        && let Some(r) = s3
            .iter_mut()
            .find(|r| r.name == "s3.us_east_1_regional_endpoint")
        && r.value == SettingValue::Null
        && s3_section_value(session)?.is_none_or(|v| v.is_empty())
    {
        // The section provider's override chain gets the constant default.
        *r = with_smart_default(r.clone(), mode, Some(d.s3_us_east_1_regional_endpoint));
    }
    Ok(with_smart_default(
        setting(session, "sts_regional_endpoints")?,
        mode,
        smart.map(|d| d.sts_regional_endpoints),
    ))
}

/// A client's `endpoint_url.<client>` row and the endpoint it describes.
pub(crate) type EndpointRow = (Resolved, crate::endpoints::ClientEndpoint);

/// The effective client settings of `service`, after every check botocore
/// makes while creating the client, in its order (see the module docs).
/// `s3` is the session's `s3.*` settings (botocore's `s3` config, read for
/// every client); `client_region` is the region `create_client` is given
/// (a FIPS pseudo region keeps the 60 s `connect_timeout`); the smart
/// default of `us_east_1_regional_endpoint` is
/// applied to it in place. `endpoint_stage` runs at botocore's endpoint stage with the
/// client's `sts_regional_endpoints` row and `s3` as they stand there, and
/// gives the endpoint the client is created with, which is returned with
/// the settings once every later check passed.
///
/// The rows, each with its provenance: `defaults_mode` (the effective
/// mode), `retries.mode`, `retries.total_max_attempts`, `connect_timeout`,
/// `read_timeout` (seconds), `tcp_keepalive`,
/// `request_min_compression_size_bytes`, `disable_request_compression`,
/// `request_checksum_calculation`, `response_checksum_validation`,
/// `account_id_endpoint_mode`, `sigv4a_signing_region_set`,
/// `auth_scheme_preference`, `inject_host_prefix`,
/// `s3_disable_express_session_auth`, `sts_regional_endpoints`, and for the
/// endpoint-discovery services `endpoint_discovery_enabled`.
///
/// # Errors
///
/// botocore's class and message for the first invalid value:
/// `InvalidS3UsEast1RegionalEndpointConfigError`, `AttributeError` (an
/// `s3 = value` that is not a block, for s3 and s3control clients),
/// `InvalidSTSRegionalEndpointsConfigError`, `InvalidConfigError`
/// (compression size, account-id mode, auth scheme preference, s3 express
/// auth), `InvalidChecksumConfigError`, `InvalidS3AddressingStyleError`,
/// `InvalidMaxRetryAttemptsError`, `InvalidRetryModeError`, `ValueError`
/// (configured endpoint URL), `InvalidEndpointDiscoveryConfigurationError`;
/// and the settings' own errors (`ValueError` for a bad integer).
pub(crate) fn client_settings(
    session: &Session,
    service: &str,
    client_region: Option<&str>,
    s3: &mut [Resolved],
    mode: &DefaultsMode,
    endpoint_stage: impl FnOnce(&Resolved, &[Resolved]) -> Result<EndpointRow, Error>,
) -> Result<(Vec<Resolved>, EndpointRow), Error> {
    let smart = mode.defaults();
    let sts_setting = endpoint_stage_settings(session, s3, mode)?;
    // Endpoint stage (_compute_endpoint_config): the caller resolves the
    // client's endpoint with the config store as it is now (smart defaults
    // applied), raising the s3 / sts mode and variant errors.
    let endpoint = endpoint_stage(&sts_setting, s3)?;
    // compute_client_args: config_kwargs, in botocore's order.
    let attempts = setting(session, "max_attempts")?;
    let retry_mode = with_smart_default(
        setting(session, "retry_mode")?,
        mode,
        smart.map(|d| d.retry_mode),
    );
    // A FIPS pseudo region makes create_client pass a Config object, whose
    // connect_timeout (60) config_kwargs copies, so _compute_connect_timeout
    // keeps it over the mode's default.
    let fips_config = client_region.is_some_and(|r| crate::endpoints::normalize_fips_region(r).1);
    let connect_timeout = match smart {
        Some(d) if !fips_config => Resolved {
            name: "connect_timeout".into(),
            value: SettingValue::Seconds {
                millis: d.connect_timeout_ms,
            },
            provenance: mode.provenance(),
        },
        _ => Resolved {
            name: "connect_timeout".into(),
            value: SettingValue::Int(60),
            provenance: Provenance::Default,
        },
    };
    let min_size = min_compression_size(setting(session, "request_min_compression_size_bytes")?)?;
    let disable_compression = setting(session, "disable_request_compression")?;
    let sigv4a = setting(session, "sigv4a_signing_region_set")?;
    let request_checksum = checksum(
        setting(session, "request_checksum_calculation")?,
        "request_checksum_calculation",
    )?;
    let response_checksum = checksum(
        setting(session, "response_checksum_validation")?,
        "response_checksum_validation",
    )?;
    let account_id = account_id_mode(setting(session, "account_id_endpoint_mode")?)?;
    let host_prefix = setting(session, "disable_host_prefix_injection")?;
    let inject_host_prefix = Resolved {
        name: "inject_host_prefix".into(),
        value: SettingValue::Bool(!matches!(host_prefix.value, SettingValue::Bool(true))),
        provenance: host_prefix.provenance,
    };
    let auth_pref = auth_scheme_preference(setting(session, "auth_scheme_preference")?)?;
    let express = s3_express(setting(session, "s3_disable_express_session_auth")?)?;
    // Config(**config_kwargs): the s3 dict, then the retries dict
    // (total_max_attempts before mode).
    if let Some(r) = s3.iter().find(|r| r.name == "s3.addressing_style")
        && !matches!(&r.value, SettingValue::Null)
        && !matches!(&r.value, SettingValue::Str(s) if ["virtual", "auto", "path"].contains(&s.as_str()))
    {
        return Err(unhandled(
            "InvalidS3AddressingStyleError",
            format!(
                "S3 addressing style {} is invalid. Valid options are: 'auto', 'virtual', and \
                 'path'",
                py_str(&r.value)
            ),
        ));
    }
    if let SettingValue::Int(n) = attempts.value
        && n < 1
    {
        return Err(unhandled(
            "InvalidMaxRetryAttemptsError",
            format!(
                "Value provided to \"max_attempts\": {n} must be an integer greater than or \
                 equal to 1."
            ),
        ));
    }
    let mode_name = match &retry_mode.value {
        SettingValue::Str(m) if ["legacy", "standard", "adaptive"].contains(&m.as_str()) => {
            m.clone()
        }
        other => {
            return Err(unhandled(
                "InvalidRetryModeError",
                format!(
                    "Invalid value provided to \"mode\": \"{}\" must be one of: ('legacy', \
                     'standard', 'adaptive')",
                    py_str(other)
                ),
            ));
        }
    };
    // EndpointCreator.create_endpoint validates the URL the client is
    // created with, configured or built in (a built-in one from an empty
    // region, `https://ec2..amazonaws.com`, is a ValueError).
    crate::sts::endpoint::validate_endpoint_url(&endpoint.1.url)?;
    // _build_endpoint_resolver: the builtins are computed for every client.
    let sts_effective = sts_regional(&sts_setting)?;
    check_s3_us_east_1(s3)?;
    let total_attempts = match attempts.value {
        SettingValue::Int(_) => renamed(attempts, "retries.total_max_attempts"),
        _ => Resolved {
            name: "retries.total_max_attempts".into(),
            // The retry handlers' own defaults: legacy's `_retry.json`
            // max_attempts, standard's DEFAULT_MAX_ATTEMPTS.
            value: SettingValue::Int(if mode_name == "legacy" { 5 } else { 3 }),
            provenance: Provenance::Default,
        },
    };
    let mut out = vec![
        Resolved {
            name: "defaults_mode".into(),
            value: SettingValue::Str(mode.effective.clone()),
            provenance: if mode.auto {
                mode.provenance()
            } else {
                mode.setting.provenance.clone()
            },
        },
        renamed(retry_mode, "retries.mode"),
        total_attempts,
        connect_timeout,
        Resolved {
            name: "read_timeout".into(),
            value: SettingValue::Int(60),
            provenance: Provenance::Default,
        },
    ];
    let keepalive = setting(session, "tcp_keepalive")?;
    out.push(Resolved {
        value: SettingValue::Bool(matches!(keepalive.value, SettingValue::Bool(true))),
        ..keepalive
    });
    out.push(min_size);
    out.push(disable_compression);
    out.push(request_checksum);
    out.push(response_checksum);
    out.push(account_id);
    out.push(sigv4a);
    out.push(auth_pref);
    out.push(inject_host_prefix);
    out.push(express);
    out.push(sts_effective);
    if ENDPOINT_DISCOVERY_SERVICES.contains(&service) {
        out.push(endpoint_discovery(setting(
            session,
            "endpoint_discovery_enabled",
        )?)?);
    }
    Ok((out, endpoint))
}

/// The profile's `s3` when it is a plain value rather than a block
/// (`SectionConfigProvider` gives `None` for the whole section when it is a
/// non-empty one).
fn s3_section_value(session: &Session) -> Result<Option<String>, Error> {
    Ok(session
        .scoped_profile()?
        .and_then(|p| p.get("s3"))
        .and_then(|s| s.value.as_str().map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `DefaultConfigResolver._resolve_default_values_by_mode` on botocore's
    /// own `sdk-default-configuration.json`, when the reference venv exists:
    /// a new botocore with other defaults fails here.
    #[test]
    #[allow(clippy::print_stderr)] // the skip line is a report
    fn mode_table_matches_botocores_json_when_the_venv_exists() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyref-venv/lib");
        let Some(path) = std::fs::read_dir(&root).ok().and_then(|d| {
            d.filter_map(Result::ok)
                .map(|e| {
                    e.path()
                        .join("site-packages/botocore/data/sdk-default-configuration.json")
                })
                .find(|p| p.exists())
        }) else {
            eprintln!("skipped: no target/pyref-venv (run scripts/test.sh)");
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let base = &doc["base"];
        let modes = doc["modes"].as_object().unwrap();
        let names: Vec<&str> = ["legacy", "auto"]
            .into_iter()
            .chain(modes.keys().map(String::as_str))
            .collect();
        let mut sorted_ours = DEFAULTS_MODES.to_vec();
        let mut sorted_theirs = names.clone();
        sorted_ours.sort_unstable();
        sorted_theirs.sort_unstable();
        assert_eq!(sorted_ours, sorted_theirs);
        for (mode, mods) in modes {
            let mut cfg = base.as_object().unwrap().clone();
            for (var, m) in mods.as_object().unwrap() {
                let (op, v) = m.as_object().unwrap().iter().next().unwrap();
                let cur = cfg[var].clone();
                let new = match op.as_str() {
                    "override" => v.clone(),
                    "multiply" => (cur.as_f64().unwrap() * v.as_f64().unwrap()).into(),
                    "add" => (cur.as_f64().unwrap() + v.as_f64().unwrap()).into(),
                    _ => cur,
                };
                cfg.insert(var.clone(), new);
            }
            let ours = mode_defaults(mode).unwrap();
            assert_eq!(cfg.len(), 5, "{mode}: new keys {cfg:?}");
            assert_eq!(cfg["retryMode"], ours.retry_mode, "{mode}");
            assert_eq!(cfg["stsRegionalEndpoints"], ours.sts_regional_endpoints);
            assert_eq!(
                cfg["s3UsEast1RegionalEndpoints"],
                ours.s3_us_east_1_regional_endpoint
            );
            assert_eq!(
                cfg["connectTimeoutInMillis"],
                serde_json::json!(ours.connect_timeout_ms),
                "{mode}"
            );
            assert_eq!(
                cfg["tlsNegotiationTimeoutInMillis"],
                serde_json::json!(ours.tls_negotiation_timeout_ms),
                "{mode}"
            );
        }
    }

    #[test]
    fn messages_format_values_as_python_str() {
        let m = SettingValue::Map(vec![("a".into(), "b'c".into())]);
        assert_eq!(py_str(&m), "{'a': \"b'c\"}");
        let r = |v: &str| Resolved {
            name: "x".into(),
            value: SettingValue::Str(v.into()),
            provenance: Provenance::Default,
        };
        // Values from botocore 1.43.11's create_client('sts').
        let e = min_compression_size(r("x")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value \"x\" for request_min_compression_size_bytes. Value must be an \
             integer. Received <class 'str'> instead."
        );
        assert_eq!(
            min_compression_size(r(" 1_0 ")).unwrap().value,
            SettingValue::Int(10)
        );
        let e = min_compression_size(r("0")).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("Value must be between 1 and 1048576.")
        );
        assert_eq!(
            auth_scheme_preference(r(" sigv4a , ,\tsig v4,"))
                .unwrap()
                .value,
            SettingValue::Str("sigv4a,sigv4".into())
        );
        assert_eq!(
            account_id_mode(r("Bad")).unwrap_err().to_string(),
            "The configured value 'bad' for 'account_id_endpoint_mode' is invalid. Valid values \
             are: ('preferred', 'disabled', 'required')."
        );
    }

    fn session(env: &[(&str, &str)], config: &str) -> Session {
        use crate::os::{MapEnv, MemFs, Os};
        use std::sync::Arc;
        let mut pairs = vec![
            ("HOME", "/h"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        pairs.extend_from_slice(env);
        let os = Os {
            env: Arc::new(MapEnv::from_pairs(pairs)),
            fs: Arc::new(MemFs::new().with_file("/h/.aws/config", config)),
            ..Os::real()
        };
        Session::builder().os(os).build()
    }

    /// Each expectation is botocore 1.43.11's `create_client(svc,
    /// region_name='us-east-1')` on the same environment and file: the
    /// first failing check, class and message.
    /// A client, its environment and config file, and botocore's error.
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        &'a str,
        (&'a str, &'a str),
    );

    #[test]
    fn p_nc_4_checks_run_in_botocores_order_for_each_client() {
        let bogus_style = "[default]\ns3 =\n  addressing_style = bogus\n";
        let style = (
            "InvalidS3AddressingStyleError",
            "S3 addressing style bogus is invalid. Valid options are: 'auto', 'virtual', and \
             'path'",
        );
        let sts = (
            "InvalidSTSRegionalEndpointsConfigError",
            "STS regional endpoints option bogus is invalid. Valid options are: \"legacy\", \
             \"regional\"",
        );
        let attempts = (
            "InvalidMaxRetryAttemptsError",
            "Value provided to \"max_attempts\": 0 must be an integer greater than or equal to \
             1.",
        );
        let zero_sts = [
            ("AWS_MAX_ATTEMPTS", "0"),
            ("AWS_STS_REGIONAL_ENDPOINTS", "bogus"),
        ];
        let cases: Vec<Case<'_>> = vec![
            ("s3", vec![("AWS_MAX_ATTEMPTS", "0")], bogus_style, style),
            ("sts", vec![("AWS_MAX_ATTEMPTS", "0")], bogus_style, style),
            (
                "s3",
                vec![
                    ("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", ""),
                    ("AWS_MAX_ATTEMPTS", "0"),
                ],
                "",
                (
                    "InvalidS3UsEast1RegionalEndpointConfigError",
                    "S3 us-east-1 regional endpoint option  is invalid. Valid options are: \
                     \"legacy\", \"regional\"",
                ),
            ),
            ("ec2", zero_sts.to_vec(), "", attempts),
            ("sts", zero_sts.to_vec(), "", sts),
            (
                "ec2",
                vec![("AWS_STS_REGIONAL_ENDPOINTS", "bogus")],
                "",
                sts,
            ),
            (
                "dynamodb",
                vec![("AWS_ENDPOINT_DISCOVERY_ENABLED", "bogus")],
                "",
                (
                    "InvalidEndpointDiscoveryConfigurationError",
                    "Unsupported configuration value for endpoint_discovery_enabled. Expected \
                     one of (\"true\", \"false\", \"auto\") but got bogus.",
                ),
            ),
            (
                "s3",
                vec![],
                "[default]\ns3 = x\n",
                ("AttributeError", "'str' object has no attribute 'get'"),
            ),
            (
                "sts",
                vec![],
                "[default]\naccount_id_endpoint_mode =\n  a = b\n",
                (
                    "InvalidConfigError",
                    "The configured value '{'a': 'b'}' for 'account_id_endpoint_mode' is \
                     invalid. Valid values are: ('preferred', 'disabled', 'required').",
                ),
            ),
            (
                "sts",
                vec![],
                "[default]\nauth_scheme_preference =\n  a = b\n",
                (
                    "InvalidConfigError",
                    "auth_scheme_preference must be a comma-delimited string. Received <class \
                     'dict'> instead: {'a': 'b'}.",
                ),
            ),
        ];
        for (svc, env, config, (class, message)) in cases {
            let e = session(&env, config).service_config(svc).unwrap_err();
            assert_eq!(
                (e.kind(), e.to_string().as_str()),
                (class, message),
                "{svc} {env:?}"
            );
        }
        // Only the clients a check belongs to make it.
        let s = session(&[("AWS_ENDPOINT_DISCOVERY_ENABLED", "bogus")], "");
        assert!(s.service_config("ec2").is_ok());
        assert!(
            session(&[], "[default]\ns3 = x\n")
                .service_config("sts")
                .is_ok()
        );
    }

    /// create_client's `get_auth_token` (SSOTokenProvider's config checks)
    /// runs for every client, after api_versions and before the defaults
    /// mode. Expectations: botocore 1.43.11 `create_client('sts',
    /// region_name='us-east-1', aws_access_key_id=.., aws_secret_access_key=..)`.
    #[test]
    fn sso_session_config_is_checked_before_defaults_mode() {
        let missing = (
            "InvalidConfigError",
            "The profile \"default\" is configured to use the SSO token provider but the \"foo\" \
             sso_session configuration does not exist.",
        );
        let cases: Vec<Case<'_>> = vec![
            ("sts", vec![], "[default]\nsso_session = foo\n", missing),
            (
                "sts",
                vec![("AWS_DEFAULTS_MODE", "nope")],
                "[default]\nsso_session = foo\n",
                missing,
            ),
            (
                "sts",
                vec![],
                "[default]\nsso_session = x\n[sso-session x]\nsso_region = us-east-1\n",
                (
                    "InvalidConfigError",
                    "The profile \"default\" is configured to use the SSO token provider but is \
                     missing the following configuration: ['sso_start_url'].",
                ),
            ),
            (
                "sts",
                vec![],
                "[default]\nsso_session = x\n[sso-session x]\nfoo = 1\n",
                (
                    "InvalidConfigError",
                    "The profile \"default\" is configured to use the SSO token provider but is \
                     missing the following configuration: ['sso_start_url', 'sso_region'].",
                ),
            ),
            (
                "sts",
                vec![("AWS_PROFILE", "p")],
                "[profile p]\nsso_session = x\n[sso-session x]\n",
                (
                    "InvalidConfigError",
                    "The profile \"p\" is configured to use the SSO token provider but the \"x\" \
                     sso_session configuration does not exist.",
                ),
            ),
            (
                "sts",
                vec![],
                "[default]\nsso_session =\n  a = b\n",
                ("TypeError", "unhashable type: 'dict'"),
            ),
        ];
        for (svc, env, config, (class, message)) in cases {
            let e = session(&env, config).service_config(svc).unwrap_err();
            assert_eq!(
                (e.kind(), e.to_string().as_str()),
                (class, message),
                "{config}"
            );
        }
        // A complete sso-session: no token is read (none exists), no error.
        let ok = "[default]\nsso_session = x\n[sso-session x]\nsso_region = us-east-1\n\
                  sso_start_url = https://u/start\n";
        assert!(session(&[], ok).service_config("sts").is_ok());
        // Before api_versions it is not: that check still wins.
        let e = session(&[], "[default]\nsso_session = foo\napi_versions = x\n")
            .service_config("sts")
            .unwrap_err();
        assert_eq!(e.kind(), "AttributeError");
    }

    #[test]
    fn smart_defaults_fill_only_unset_values() {
        // botocore 1.43.11, defaults_mode standard: a nested
        // us_east_1_regional_endpoint stays; retry_mode from env stays.
        let s = session(
            &[
                ("AWS_DEFAULTS_MODE", "standard"),
                ("AWS_RETRY_MODE", "adaptive"),
            ],
            "[default]\ns3 =\n  us_east_1_regional_endpoint = legacy\n",
        );
        let c = s.service_config("s3").unwrap();
        let get = |n: &str| c.setting(n).unwrap().clone();
        assert_eq!(
            get("s3.us_east_1_regional_endpoint").value,
            SettingValue::Str("legacy".into())
        );
        assert_eq!(
            get("retries.mode").value,
            SettingValue::Str("adaptive".into())
        );
        assert_eq!(
            get("connect_timeout").value,
            SettingValue::Seconds { millis: 3100 }
        );
        // The session's own view has no smart defaults.
        let r = s.config_variable("retry_mode").unwrap().unwrap();
        assert_eq!(r.value, SettingValue::Str("adaptive".into()));
        let s = session(&[("AWS_DEFAULTS_MODE", "mobile")], "");
        let c = s.service_config("s3").unwrap();
        let mobile = Provenance::DefaultsMode {
            mode: "mobile".into(),
            auto: false,
        };
        for (name, value) in [
            ("retries.mode", SettingValue::Str("standard".into())),
            (
                "sts_regional_endpoints",
                SettingValue::Str("regional".into()),
            ),
            (
                "s3.us_east_1_regional_endpoint",
                SettingValue::Str("regional".into()),
            ),
            ("connect_timeout", SettingValue::Seconds { millis: 30000 }),
        ] {
            let r = c.setting(name).unwrap();
            assert_eq!((&r.value, &r.provenance), (&value, &mobile), "{name}");
        }
        assert_eq!(
            c.setting("connect_timeout").unwrap().value.display(),
            "30.0"
        );
        assert_eq!(
            s.config_variable("retry_mode").unwrap().unwrap().value,
            SettingValue::Str("legacy".into())
        );
        // Legacy: botocore's Config defaults, and the retry handler's.
        let c = session(&[], "").service_config("ec2").unwrap();
        assert_eq!(
            c.setting("connect_timeout").unwrap().value,
            SettingValue::Int(60)
        );
        assert_eq!(
            c.setting("retries.total_max_attempts").unwrap().value,
            SettingValue::Int(5)
        );
    }

    #[test]
    fn fips_pseudo_region_keeps_the_config_objects_connect_timeout() {
        // botocore 1.43.11, ec2: meta.config.connect_timeout is 60 for
        // fips-us-west-2 / us-west-2-fips under standard, mobile and
        // in-region (its Config(use_fips_endpoint=True) carries 60), 3.1
        // for us-west-2 under standard; every other field is the same.
        for (mode, region, want) in [
            ("standard", "fips-us-west-2", SettingValue::Int(60)),
            ("mobile", "us-west-2-fips", SettingValue::Int(60)),
            ("in-region", "fips-us-west-2", SettingValue::Int(60)),
            (
                "standard",
                "us-west-2",
                SettingValue::Seconds { millis: 3100 },
            ),
        ] {
            let s = session(
                &[("AWS_DEFAULTS_MODE", mode), ("AWS_DEFAULT_REGION", region)],
                "",
            );
            let c = s.service_config("ec2").unwrap();
            let t = c.setting("connect_timeout").unwrap();
            assert_eq!(t.value, want, "{mode} {region}");
            assert_eq!(
                c.setting("retries.mode").unwrap().value,
                SettingValue::Str("standard".into()),
                "{mode} {region}"
            );
        }
    }

    #[test]
    fn an_empty_configured_endpoint_url_falls_through_to_the_next_location() {
        // botocore 1.43.11, create_client(svc, region_name='us-west-2')
        // .meta.endpoint_url (ConfiguredEndpointProvider: `if endpoint_url:`).
        let services = "[default]\nservices = s\nendpoint_url = http://p:2\n[services s]\n";
        for (svc, env, config, want) in [
            (
                "ec2",
                vec![("AWS_ENDPOINT_URL", "")],
                "",
                "https://ec2.us-west-2.amazonaws.com",
            ),
            (
                "ec2",
                vec![
                    ("AWS_ENDPOINT_URL_EC2", ""),
                    ("AWS_ENDPOINT_URL", "http://x:1"),
                ],
                "",
                "http://x:1",
            ),
            (
                "ec2",
                vec![],
                "[default]\nendpoint_url =\n",
                "https://ec2.us-west-2.amazonaws.com",
            ),
            (
                "ec2",
                vec![("AWS_ENDPOINT_URL_EC2", "")],
                "[default]\nendpoint_url = http://p:2\n",
                "http://p:2",
            ),
            (
                "ec2",
                vec![],
                &format!("{services}ec2 =\n  endpoint_url =\n"),
                "http://p:2",
            ),
            (
                "ec2",
                vec![],
                &format!("{services}ec2 =\n  endpoint_url = http://s:3\n  endpoint_url =\n"),
                "http://p:2",
            ),
            (
                "sts",
                vec![("AWS_ENDPOINT_URL", "")],
                "",
                "https://sts.us-west-2.amazonaws.com",
            ),
            (
                "sts",
                vec![
                    ("AWS_ENDPOINT_URL_STS", ""),
                    ("AWS_ENDPOINT_URL", "http://x:1"),
                ],
                "",
                "http://x:1",
            ),
        ] {
            let mut env = env;
            env.push(("AWS_DEFAULT_REGION", "us-west-2"));
            let s = session(&env, config);
            let c = s.service_config(svc).unwrap();
            assert_eq!(
                c.endpoint.value,
                SettingValue::Str(want.into()),
                "{env:?} {config:?}"
            );
            if svc == "sts" {
                // The STS client's requests go to the same place.
                let url = crate::sts::endpoint::configured_endpoint_url(
                    &*s.os().env,
                    s.config_files().unwrap(),
                    s.scoped_profile().unwrap(),
                )
                .unwrap();
                assert_eq!(url.as_deref().unwrap_or(want), want);
            }
        }
    }

    #[test]
    fn a_region_with_a_final_newline_keeps_its_partition() {
        // botocore 1.43.11: create_client(svc, region_name=...) raises
        // ValueError with these URLs (Python's `$` matches before a final
        // newline, so the cn pattern still applies).
        for (svc, region, url) in [
            (
                "ec2",
                "cn-foo-1\n",
                "https://ec2.cn-foo-1\n.amazonaws.com.cn",
            ),
            (
                "sts",
                "cn-foo-1\n",
                "https://sts.cn-foo-1\n.amazonaws.com.cn",
            ),
            (
                "s3",
                "cn-north-1\n",
                "https://s3.cn-north-1\n.amazonaws.com.cn",
            ),
            ("ec2", "us-foo-1\n", "https://ec2.us-foo-1\n.amazonaws.com"),
        ] {
            let e = session(&[("AWS_DEFAULT_REGION", region)], "")
                .service_config(svc)
                .unwrap_err();
            assert_eq!(e.kind(), "ValueError");
            assert_eq!(
                e.to_string(),
                format!("Invalid endpoint: {url}"),
                "{svc} {region:?}"
            );
        }
        assert!(crate::sts::endpoint::matches_pattern("cn", "cn-foo-1\n"));
        assert!(!crate::sts::endpoint::matches_pattern("cn", "cn-foo-1\n\n"));
    }

    #[test]
    fn an_endpoint_row_of_a_refused_client_keeps_the_smart_defaults() {
        // botocore 1.43.11, region us-east-1: with AWS_MAX_ATTEMPTS=0 every
        // create_client raises InvalidMaxRetryAttemptsError; once it is
        // fixed, s3's meta.endpoint_url is regional under defaults_mode
        // standard and global under legacy.
        for (mode, want) in [
            ("standard", "https://s3.us-east-1.amazonaws.com"),
            ("legacy", "https://s3.amazonaws.com"),
        ] {
            let s = session(
                &[("AWS_DEFAULTS_MODE", mode), ("AWS_MAX_ATTEMPTS", "0")],
                "",
            );
            assert_eq!(
                s.service_config("s3").unwrap_err().kind(),
                "InvalidMaxRetryAttemptsError"
            );
            let rows = s.client_endpoints(&[]);
            let (_, row) = rows.iter().find(|(svc, _)| svc == "s3").unwrap();
            let (r, _) = row.as_ref().unwrap().as_ref().unwrap();
            assert_eq!(r.value, SettingValue::Str(want.into()), "{mode}");
        }
        // The defaults mode decides the endpoint: its error is the row's.
        let s = session(
            &[("AWS_DEFAULTS_MODE", "nope"), ("AWS_MAX_ATTEMPTS", "0")],
            "",
        );
        let rows = s.client_endpoints(&[]);
        let e = rows[0].1.as_ref().unwrap_err();
        assert_eq!(e.kind(), "InvalidDefaultsMode");
    }
}
