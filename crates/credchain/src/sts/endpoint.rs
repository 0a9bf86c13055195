//! STS endpoint resolution: botocore's configured-endpoint lookup (P-NC-5),
//! `sts_regional_endpoints` (P-NC-6) and a hand-written equivalent of the
//! STS endpoint rule set for the partitions botocore ships (tested against
//! the rule set's own test cases, `sts-endpoint-rules`).

use crate::config::{ConfigFiles, Profile, Value};
use crate::error::Error;
use crate::os::Env;
use crate::settings::{Provenance, SettingValue};

/// The 16 region values `legacy` sends to the global endpoint (P-NC-6).
pub const LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// One partition of botocore's `partitions.json`.
struct Partition {
    name: &'static str,
    dns_suffix: &'static str,
    dual_stack_dns_suffix: &'static str,
    /// Region names listed explicitly (checked before the pattern).
    regions: &'static [&'static str],
    /// `^<prefix>-\w+-\d+$` (every partition's regex has this shape).
    prefix: &'static str,
}

const PARTITIONS: [Partition; 8] = [
    Partition {
        name: "aws",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        regions: &["aws-global"],
        prefix: "(us|eu|ap|sa|ca|me|af|il|mx)",
    },
    Partition {
        name: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        regions: &["aws-cn-global"],
        prefix: "cn",
    },
    Partition {
        name: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        regions: &[],
        prefix: "eusc-de",
    },
    Partition {
        name: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        regions: &["aws-iso-global"],
        prefix: "us-iso",
    },
    Partition {
        name: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        regions: &["aws-iso-b-global"],
        prefix: "us-isob",
    },
    Partition {
        name: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        regions: &["aws-iso-e-global"],
        prefix: "eu-isoe",
    },
    Partition {
        name: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        regions: &["aws-iso-f-global"],
        prefix: "us-isof",
    },
    Partition {
        name: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        regions: &["aws-us-gov-global"],
        prefix: "us-gov",
    },
];

/// Python `re` `\w` on ASCII-or-Unicode word characters.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `region` matches `^<prefix>-\w+-\d+$`; `prefix` is literal text
/// or one `(a|b|...)` group. As with Python's `re.match`, `$` also matches
/// before one final `\n` (as in [`validate_region_name`]).
pub(crate) fn matches_pattern(prefix: &str, region: &str) -> bool {
    let region = region.strip_suffix('\n').unwrap_or(region);
    let alternatives: Vec<&str> = match prefix.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
        Some(group) => group.split('|').collect(),
        None => vec![prefix],
    };
    alternatives.iter().any(|alt| {
        let Some(rest) = region.strip_prefix(alt).and_then(|r| r.strip_prefix('-')) else {
            return false;
        };
        // `\w+-\d+$`: greedy \w+ may itself contain no '-', so split at the
        // last '-'.
        let Some((word, digits)) = rest.rsplit_once('-') else {
            return false;
        };
        !word.is_empty()
            && word.chars().all(is_word)
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
    })
}

/// `aws.partition(Region)`: explicit region lists first, then the patterns,
/// then the `aws` partition.
fn partition(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| {
            PARTITIONS
                .iter()
                .find(|p| matches_pattern(p.prefix, region))
        })
        .unwrap_or(&PARTITIONS[0])
}

/// The rule set's inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleParams {
    /// `Region`.
    pub region: Option<String>,
    /// `UseFIPS`.
    pub use_fips: bool,
    /// `UseDualStack`.
    pub use_dual_stack: bool,
    /// `UseGlobalEndpoint` (`sts_regional_endpoints = legacy`).
    pub use_global_endpoint: bool,
    /// `Endpoint` (a configured endpoint URL).
    pub endpoint: Option<String>,
}

/// A resolved endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL requests go to.
    pub url: String,
    /// The region to sign for; `None` for a configured endpoint without a
    /// region, where botocore raises `NoRegionError` when it signs.
    pub signing_region: Option<String>,
}

/// The STS endpoint rule set (`endpoint-rule-set-1.json`), by hand. The
/// error is the rule set's message.
pub fn resolve(p: &RuleParams) -> Result<Endpoint, String> {
    // An empty region is a region (botocore keeps '' apart from None): it
    // builds `https://sts..amazonaws.com`, which the caller refuses.
    let region = p.region.as_deref();
    let signing = |r: &str| Some(r.to_owned());
    if p.use_global_endpoint
        && p.endpoint.is_none()
        && !p.use_fips
        && !p.use_dual_stack
        && let Some(r) = region
    {
        if LEGACY_GLOBAL_REGIONS.contains(&r) {
            return Ok(Endpoint {
                url: "https://sts.amazonaws.com".into(),
                signing_region: Some("us-east-1".into()),
            });
        }
        let part = partition(r);
        return Ok(Endpoint {
            url: format!("https://sts.{r}.{}", part.dns_suffix),
            signing_region: signing(r),
        });
    }
    if let Some(url) = &p.endpoint {
        if p.use_fips {
            return Err("Invalid Configuration: FIPS and custom endpoint are not supported".into());
        }
        if p.use_dual_stack {
            return Err(
                "Invalid Configuration: Dualstack and custom endpoint are not supported".into(),
            );
        }
        return Ok(Endpoint {
            url: url.clone(),
            signing_region: region.and_then(signing),
        });
    }
    let Some(r) = region else {
        return Err("Invalid Configuration: Missing Region".into());
    };
    let part = partition(r);
    let url = match (p.use_fips, p.use_dual_stack) {
        (true, true) => format!("https://sts-fips.{r}.{}", part.dual_stack_dns_suffix),
        (true, false) if part.name == "aws-us-gov" => format!("https://sts.{r}.amazonaws.com"),
        (true, false) => format!("https://sts-fips.{r}.{}", part.dns_suffix),
        (false, true) => format!("https://sts.{r}.{}", part.dual_stack_dns_suffix),
        (false, false) if r == "aws-global" => {
            return Ok(Endpoint {
                url: "https://sts.amazonaws.com".into(),
                signing_region: Some("us-east-1".into()),
            });
        }
        (false, false) => format!("https://sts.{r}.{}", part.dns_suffix),
    };
    Ok(Endpoint {
        url,
        signing_region: signing(r),
    })
}

/// botocore's `validate_region_name`: a region must match
/// `^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$` (a host label; the empty
/// string passes here and fails later as an invalid endpoint URL). Python's
/// `$` also matches before one final `\n`, so `us-east-1\n` passes too (and
/// its endpoint URL is then refused).
pub fn validate_region_name(region: &str) -> Result<(), Error> {
    let body = region.strip_suffix('\n').unwrap_or(region);
    let ok = body.len() <= 63
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !body.starts_with('-')
        && !body.ends_with('-')
        // `(?![0-9]+$)`: not all digits (the empty string is not).
        && (body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRegion {
            region: region.to_owned(),
        })
    }
}

/// botocore's `EndpointCreator.create_endpoint` check: the URL must have a
/// host made of DNS labels or an IPv6 literal (`is_valid_endpoint_url` /
/// `is_valid_ipv6_endpoint_url`), else `ValueError: Invalid endpoint: <url>`
/// and no client is made. Catches an empty region
/// (`https://sts..amazonaws.com`) and a configured endpoint without a
/// scheme (`localhost:5005`).
pub fn validate_endpoint_url(url: &str) -> Result<(), Error> {
    if crate::provider::imds::is_valid_uri(url) {
        Ok(())
    } else {
        Err(Error::Unhandled {
            class: "ValueError",
            message: format!("Invalid endpoint: {url}"),
        })
    }
}

/// A string setting: env var first, then the profile (P-NC-1).
fn setting(env: &dyn Env, profile: Option<&Profile>, var: &str, key: &str) -> Option<String> {
    env.get(var)
        .or_else(|| profile.and_then(|p| p.get_str(key)).map(str::to_owned))
}

/// botocore's `ensure_boolean` on a string.
fn truthy(v: Option<String>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The configured endpoint URL for STS (P-NC-5): `AWS_ENDPOINT_URL_STS`,
/// `AWS_ENDPOINT_URL`, `[services X]` `sts.endpoint_url`, profile
/// `endpoint_url`; none when `ignore_configured_endpoint_urls` is true.
pub fn configured_endpoint_url(
    env: &dyn Env,
    files: &ConfigFiles,
    profile: Option<&Profile>,
) -> Result<Option<String>, Error> {
    configured_endpoint_url_for(env, files, profile, "STS", "sts")
}

/// botocore's configured-endpoint lookup for any service (P-NC-5):
/// `AWS_ENDPOINT_URL_<env_suffix>` (the service id upper-cased, spaces as
/// `_`: `SSO`, `SSO_OIDC`), `AWS_ENDPOINT_URL`, the `services_key` block
/// (`sso`, `sso_oidc`) of the profile's `[services X]` section, then the
/// profile's `endpoint_url`; none when `ignore_configured_endpoint_urls`
/// is true.
pub fn configured_endpoint_url_for(
    env: &dyn Env,
    files: &ConfigFiles,
    profile: Option<&Profile>,
    env_suffix: &str,
    services_key: &str,
) -> Result<Option<String>, Error> {
    Ok(configured_endpoint(env, files, profile, "", env_suffix, services_key)?.map(|(u, _)| u))
}

/// [`configured_endpoint_url_for`] with where the URL came from: the env
/// var, the `[services X]` sub-key's line (profile field `services X`), or
/// the profile's `endpoint_url` line (profile field `profile_name`). An
/// empty value at a location counts as unset there (botocore's
/// `if endpoint_url:`).
pub fn configured_endpoint(
    env: &dyn Env,
    files: &ConfigFiles,
    profile: Option<&Profile>,
    profile_name: &str,
    env_suffix: &str,
    services_key: &str,
) -> Result<Option<(String, Provenance)>, Error> {
    if truthy(setting(
        env,
        profile,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )) {
        return Ok(None);
    }
    for var in [
        format!("AWS_ENDPOINT_URL_{env_suffix}"),
        "AWS_ENDPOINT_URL".into(),
    ] {
        // `ConfiguredEndpointProvider.provide`: `if endpoint_url:` at each
        // location, so an empty value falls through to the next one.
        if let Some(u) = env.get(&var).filter(|u| !u.is_empty()) {
            return Ok(Some((u, Provenance::Env(var))));
        }
    }
    if let Some(name) = profile.and_then(|p| p.get_str("services")) {
        let Some(section) = files.services().get(name) else {
            return Err(Error::InvalidConfig {
                message: format!(
                    "The profile is configured to use the services section but the \"{name}\" \
                     services configuration does not exist."
                ),
            });
        };
        if let Some(s) = section.get(services_key)
            && let Value::Nested(block) = &s.value
            && let Some((_, url)) = block.iter().rev().find(|(k, _)| k == "endpoint_url")
            && !url.is_empty()
        {
            return Ok(Some((
                url.clone(),
                Provenance::File {
                    origin: s.origin,
                    profile: format!("services {name}"),
                },
            )));
        }
    }
    Ok(profile.and_then(|p| {
        let s = p.get("endpoint_url")?;
        Some((
            s.value.as_str().filter(|u| !u.is_empty())?.to_owned(),
            Provenance::File {
                origin: s.origin,
                profile: profile_name.to_owned(),
            },
        ))
    }))
}

/// The DNS suffixes (`amazonaws.com`, `api.aws`) and name of the partition
/// `region` belongs to (`aws.partition`), for the other services' rule sets.
pub(crate) fn partition_of(region: &str) -> (&'static str, &'static str, &'static str) {
    let p = partition(region);
    (p.name, p.dns_suffix, p.dual_stack_dns_suffix)
}

/// A boolean setting (`use_fips_endpoint`, ...): env var first, then the
/// profile; `true` in any case.
pub(crate) fn bool_setting(env: &dyn Env, profile: Option<&Profile>, var: &str, key: &str) -> bool {
    truthy(setting(env, profile, var, key))
}

/// Everything that decides the STS endpoint for one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpointConfig {
    /// The rule-set inputs.
    pub params: RuleParams,
}

impl StsEndpointConfig {
    /// Reads the settings botocore reads for an STS client: the region
    /// (`None` means `aws-global` unless an endpoint URL is configured,
    /// P-CHAIN-14), `sts_regional_endpoints`
    /// (`AWS_STS_REGIONAL_ENDPOINTS`; empty or unset = `regional`, a nested block or anything
    /// but `legacy`/`regional` is an error), FIPS and dual-stack flags, and
    /// the configured endpoint URL.
    pub fn from_settings(
        env: &dyn Env,
        files: &ConfigFiles,
        profile: Option<&Profile>,
        region: Option<&str>,
    ) -> Result<StsEndpointConfig, Error> {
        // The raw value, a nested block included (botocore rejects it).
        let raw = match env.get("AWS_STS_REGIONAL_ENDPOINTS") {
            Some(v) => SettingValue::Str(v),
            None => match profile.and_then(|p| p.get("sts_regional_endpoints")) {
                Some(s) => match &s.value {
                    Value::Str(v) => SettingValue::Str(v.clone()),
                    Value::Nested(m) => SettingValue::Map(m.clone()),
                },
                None => SettingValue::Null,
            },
        };
        let mode = crate::client_config::sts_regional_mode(&raw)?;
        let endpoint = configured_endpoint_url(env, files, profile)?;
        let use_fips = truthy(setting(
            env,
            profile,
            "AWS_USE_FIPS_ENDPOINT",
            "use_fips_endpoint",
        ));
        let use_dual_stack = truthy(setting(
            env,
            profile,
            "AWS_USE_DUALSTACK_ENDPOINT",
            "use_dualstack_endpoint",
        ));
        Ok(StsEndpointConfig {
            params: RuleParams {
                region: match (region, &endpoint) {
                    (Some(r), _) => Some(r.to_owned()),
                    (None, None) => Some("aws-global".to_owned()),
                    (None, Some(_)) => None,
                },
                use_fips,
                use_dual_stack,
                use_global_endpoint: mode == "legacy",
                endpoint,
            },
        })
    }

    /// Resolves the endpoint; a rule-set error is botocore's
    /// `EndpointResolutionError`.
    pub fn resolve(&self) -> Result<Endpoint, Error> {
        resolve(&self.params).map_err(|message| Error::Unhandled {
            class: "EndpointResolutionError",
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(region: &str) -> RuleParams {
        RuleParams {
            region: Some(region.into()),
            ..RuleParams::default()
        }
    }

    use crate::os::MapEnv;

    fn cfg(env: &[(&str, &str)], config: &str, region: Option<&str>) -> Result<Endpoint, Error> {
        let env = MapEnv::from_pairs(env.iter().copied());
        let files = ConfigFiles::from_texts(Some(config), None).unwrap();
        let profile = files.profile("default");
        StsEndpointConfig::from_settings(&env, &files, profile, region)?.resolve()
    }

    fn url(env: &[(&str, &str)], config: &str, region: Option<&str>) -> String {
        cfg(env, config, region).unwrap().url
    }

    #[test]
    fn p_nc_5_configured_endpoint_precedence() {
        let all = "[default]\nendpoint_url = http://profile\nservices = s\n\
                   [services s]\nsts =\n  endpoint_url = http://services\n";
        let env = [
            ("AWS_ENDPOINT_URL_STS", "http://env-sts"),
            ("AWS_ENDPOINT_URL", "http://env-global"),
        ];
        let r = Some("us-west-2");
        assert_eq!(url(&env, all, r), "http://env-sts");
        assert_eq!(url(&env[1..], all, r), "http://env-global");
        assert_eq!(url(&[], all, r), "http://services");
        assert_eq!(
            url(&[], "[default]\nendpoint_url = http://profile\n", r),
            "http://profile"
        );
        // The services section without an sts block falls to the profile.
        assert_eq!(
            url(
                &[],
                "[default]\nendpoint_url = http://profile\nservices = s\n\
                 [services s]\ns3 =\n  endpoint_url = http://s3\n",
                r
            ),
            "http://profile"
        );
        // ignore_configured_endpoint_urls turns all four off (env or profile).
        let ignore = [("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")];
        let env_and_ignore = [env[0], env[1], ignore[0]];
        assert_eq!(
            url(&env_and_ignore, all, r),
            "https://sts.us-west-2.amazonaws.com"
        );
        let all_ignored = all.replace(
            "[default]\n",
            "[default]\nignore_configured_endpoint_urls = true\n",
        );
        assert_eq!(
            url(&env, &all_ignored, r),
            "https://sts.us-west-2.amazonaws.com"
        );
        // A configured endpoint keeps the region for signing.
        assert_eq!(
            cfg(&env, all, r).unwrap().signing_region.as_deref(),
            Some("us-west-2")
        );
    }

    #[test]
    fn p_nc_5_missing_services_section_is_invalid_config() {
        let e = cfg(&[], "[default]\nservices = nope\n", Some("us-east-1")).unwrap_err();
        assert_eq!(e.kind(), "InvalidConfigError");
        assert_eq!(
            e.to_string(),
            "The profile is configured to use the services section but the \"nope\" services \
             configuration does not exist."
        );
    }

    #[test]
    fn p_nc_6_one_sts_mode_check_for_every_client() {
        // botocore 1.43.11, create_client('sts' / 'ec2', region_name=
        // 'us-east-1'): a nested block and a miscased value fail both
        // clients with this class and message; an empty value is regional.
        let nested = "[default]\nsts_regional_endpoints =\n  a = b\n";
        let want = "STS regional endpoints option {'a': 'b'} is invalid. Valid options are: \
                    \"legacy\", \"regional\"";
        let miscased = "[default]\nsts_regional_endpoints = Legacy\n";
        let want_miscased = "STS regional endpoints option Legacy is invalid. Valid options \
                             are: \"legacy\", \"regional\"";
        for (config, message) in [(nested, want), (miscased, want_miscased)] {
            let e = cfg(&[], config, Some("us-east-1")).unwrap_err();
            assert_eq!(e.kind(), "InvalidSTSRegionalEndpointsConfigError");
            assert_eq!(e.to_string(), message);
            let os = crate::os::Os {
                env: std::sync::Arc::new(MapEnv::from_pairs([
                    ("AWS_CONFIG_FILE", "/c"),
                    ("AWS_EC2_METADATA_DISABLED", "true"),
                ])),
                fs: std::sync::Arc::new(crate::os::MemFs::new().with_file("/c", config)),
                ..crate::os::Os::real()
            };
            let session = crate::Session::builder()
                .os(os)
                .region_name("us-east-1")
                .build();
            for svc in ["sts", "ec2"] {
                let e = session.service_config(svc).unwrap_err();
                assert_eq!(e.kind(), "InvalidSTSRegionalEndpointsConfigError", "{svc}");
                assert_eq!(e.to_string(), message, "{svc}");
            }
        }
        assert_eq!(
            url(
                &[],
                "[default]\nsts_regional_endpoints =\n",
                Some("us-east-1")
            ),
            "https://sts.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn p_nc_6_sts_regional_endpoints_setting() {
        let legacy = [("AWS_STS_REGIONAL_ENDPOINTS", "legacy")];
        assert_eq!(
            url(&legacy, "", Some("us-west-2")),
            "https://sts.amazonaws.com"
        );
        assert_eq!(
            url(
                &[],
                "[default]\nsts_regional_endpoints = legacy\n",
                Some("eu-west-1")
            ),
            "https://sts.amazonaws.com"
        );
        // Env beats the profile; empty means regional.
        assert_eq!(
            url(
                &[("AWS_STS_REGIONAL_ENDPOINTS", "regional")],
                "[default]\nsts_regional_endpoints = legacy\n",
                Some("eu-west-1")
            ),
            "https://sts.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            url(&[("AWS_STS_REGIONAL_ENDPOINTS", "")], "", Some("us-east-1")),
            "https://sts.us-east-1.amazonaws.com"
        );
        // An explicit endpoint or FIPS turns legacy off.
        assert_eq!(
            url(
                &[legacy[0], ("AWS_ENDPOINT_URL", "http://x")],
                "",
                Some("us-east-1")
            ),
            "http://x"
        );
        assert_eq!(
            url(
                &[legacy[0], ("AWS_USE_FIPS_ENDPOINT", "true")],
                "",
                Some("us-east-1")
            ),
            "https://sts-fips.us-east-1.amazonaws.com"
        );
        // Case-sensitive, anything else is an error.
        let e = cfg(&[("AWS_STS_REGIONAL_ENDPOINTS", "Legacy")], "", None).unwrap_err();
        assert_eq!(e.kind(), "InvalidSTSRegionalEndpointsConfigError");
        assert_eq!(
            e.to_string(),
            "STS regional endpoints option Legacy is invalid. Valid options are: \"legacy\", \
             \"regional\""
        );
    }

    #[test]
    fn p_chain_14_no_region_is_aws_global() {
        let e = cfg(&[], "", None).unwrap();
        assert_eq!(e.url, "https://sts.amazonaws.com");
        assert_eq!(e.signing_region.as_deref(), Some("us-east-1"));
        let e = cfg(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")], "", None).unwrap();
        assert_eq!(e.signing_region, None);
    }

    #[test]
    fn partitions_follow_partitions_json() {
        assert_eq!(partition("us-west-2").name, "aws");
        assert_eq!(partition("cn-north-1").name, "aws-cn");
        assert_eq!(partition("us-gov-east-1").name, "aws-us-gov");
        assert_eq!(partition("us-isob-east-1").name, "aws-iso-b");
        assert_eq!(partition("eusc-de-east-1").name, "aws-eusc");
        assert_eq!(partition("aws-us-gov-global").name, "aws-us-gov");
        // Unknown shapes fall back to `aws`.
        assert_eq!(partition("mars-1").name, "aws");
        assert_eq!(partition("us-east-x").name, "aws");
    }

    #[test]
    fn p_nc_6_legacy_sends_the_16_regions_to_the_global_endpoint() {
        for r in LEGACY_GLOBAL_REGIONS {
            let e = resolve(&RuleParams {
                use_global_endpoint: true,
                ..p(r)
            })
            .unwrap();
            assert_eq!(e.url, "https://sts.amazonaws.com", "{r}");
            assert_eq!(e.signing_region.as_deref(), Some("us-east-1"));
        }
        let e = resolve(&RuleParams {
            use_global_endpoint: true,
            ..p("af-south-1")
        })
        .unwrap();
        assert_eq!(e.url, "https://sts.af-south-1.amazonaws.com");
        let e = resolve(&p("us-east-1")).unwrap();
        assert_eq!(e.url, "https://sts.us-east-1.amazonaws.com");
    }
}
