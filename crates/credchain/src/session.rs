//! [`Session`]: the boto3-shaped entry point. It selects the profile,
//! performs the configuration lookups botocore performs while building its
//! credential resolver (which is where `ProfileNotFound` and
//! `ConfigParseError` surface, P-CHAIN-8/9), then runs the chain.

use std::sync::{Arc, OnceLock};

use crate::chain::{self, Ctx, Mode, Step, StepOutcome};
use crate::config::{ConfigFiles, Profile, Value};
use crate::credentials::{Credentials, Method, SecretString};
use crate::env_vars as ev;
use crate::error::Error;
use crate::http::{HttpClient, Network};
use crate::os::{Os, Random, Sleep};
use crate::pyint::is_py_int;
use crate::refreshable::RefreshableCredentials;
use crate::settings::{
    Provenance, Resolved, S3_SETTINGS, SETTINGS, SettingDef, SettingValue, resolve_setting,
    service_endpoint_keys, setting_def,
};
use crate::sts::client::{MfaPrompt, StsClient, StsOptions};

/// Where the profile name came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    /// Given to the session (`--profile`, `Session(profile_name=)`).
    Session,
    /// `AWS_DEFAULT_PROFILE` (checked first by botocore).
    AwsDefaultProfile,
    /// `AWS_PROFILE`.
    AwsProfile,
    /// Nothing named one: `default` is used.
    Default,
}

/// The selected profile and how it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileSelection {
    /// The name as set, or `None` when no source named one.
    pub name: Option<String>,
    /// Which source set it.
    pub source: ProfileSource,
    /// Sources that were set but lost, with the reason.
    pub ignored: Vec<String>,
}

impl ProfileSelection {
    /// The profile providers look up: the name, or `default` when none (or
    /// an empty one) was given — botocore's `profile or 'default'`.
    pub fn effective(&self) -> &str {
        match self.name.as_deref() {
            Some(n) if !n.is_empty() => n,
            _ => "default",
        }
    }
    /// Whether the profile was given to the session, which disables the env
    /// provider (P-CHAIN-6).
    pub fn is_explicit(&self) -> bool {
        self.source == ProfileSource::Session
    }
    /// A short description of the source, e.g. `--profile` or `AWS_PROFILE`.
    pub fn source_name(&self) -> &'static str {
        match self.source {
            ProfileSource::Session => "--profile",
            ProfileSource::AwsDefaultProfile => ev::AWS_DEFAULT_PROFILE,
            ProfileSource::AwsProfile => ev::AWS_PROFILE,
            ProfileSource::Default => "default",
        }
    }
}

/// A full account of one credential resolution.
#[derive(Debug)]
pub struct Resolution {
    /// The profile and how it was chosen.
    pub profile: ProfileSelection,
    /// One step per provider, in chain order.
    pub steps: Vec<Step>,
    /// The credentials, or why there are none.
    pub result: Result<Credentials, Error>,
}

/// Where a configuration value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSource {
    /// Set on the session.
    Session,
    /// An environment variable.
    Env(&'static str),
    /// The merged profile; the origin says which file and line.
    Profile(crate::config::Origin),
}

/// Keys passed directly to the session.
#[derive(Clone, Debug, Default)]
struct ExplicitKeys {
    access_key_id: Option<String>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
}

/// Builds a [`Session`], as `boto3.Session(profile_name=, region_name=,
/// aws_access_key_id=, ...)` takes its arguments; from [`Session::builder`].
/// Every setter only records its value: nothing is read, checked or
/// fetched until the built session is used.
#[derive(Debug, Default)]
pub struct SessionBuilder {
    os: Option<Os>,
    net: Option<Network>,
    profile: Option<String>,
    region: Option<String>,
    keys: ExplicitKeys,
    sts: StsOptions,
    instance: crate::settings::InstanceVars,
}

impl SessionBuilder {
    /// Sets a session instance variable, as botocore's
    /// `session.set_config_variable(name, value)`: it beats env vars and
    /// files for that logical name ([`crate::settings::SETTINGS`]; for the
    /// nested s3 settings, the bare key, e.g. `addressing_style`). The value
    /// is converted like any other (`max_attempts` "3" → 3). `region` and
    /// `profile` are [`SessionBuilder::region_name`] and
    /// [`SessionBuilder::profile_name`].
    #[must_use]
    pub fn config_variable(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> SessionBuilder {
        let name = name.into();
        let value = value.into();
        match name.as_str() {
            "region" => self.region = Some(value),
            "profile" => self.profile = Some(value),
            _ => {
                self.instance.retain(|(n, _)| *n != name);
                self.instance.push((name, value));
            }
        }
        self
    }
    /// Cache assumed-role and web-identity answers here (the AWS CLI uses
    /// [`crate::cache::JsonFileCache`] in `~/.aws/cli/cache`, P-AR-8).
    #[must_use]
    pub fn credential_cache(
        mut self,
        cache: Arc<dyn crate::cache::CredentialCache>,
    ) -> SessionBuilder {
        self.sts.cache = Some(cache);
        self
    }
    /// Ask for MFA codes with this prompt (`mfa_serial`, P-AR-6).
    #[must_use]
    pub fn mfa_prompt(mut self, prompt: Arc<dyn MfaPrompt>) -> SessionBuilder {
        self.sts.mfa_prompt = Some(prompt);
        self
    }
    /// Use this environment, filesystem and clock instead of the real ones.
    #[must_use]
    pub fn os(mut self, os: Os) -> SessionBuilder {
        self.os = Some(os);
        self
    }
    /// Use this HTTP client for the container and IMDS providers instead of
    /// the built-in one (tests pass fakes or a loopback-only client).
    #[must_use]
    pub fn http_client(mut self, client: Arc<dyn HttpClient>) -> SessionBuilder {
        self.net.get_or_insert_with(Network::real).http = client;
        self
    }
    /// Use this sleep for retry back-off instead of `std::thread::sleep`.
    #[must_use]
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> SessionBuilder {
        self.net.get_or_insert_with(Network::real).sleep = sleep;
        self
    }
    /// Use this randomness for the IMDS expiry jitter (P-IMDS-6).
    #[must_use]
    pub fn random(mut self, random: Arc<dyn Random>) -> SessionBuilder {
        self.net.get_or_insert_with(Network::real).random = random;
        self
    }
    /// Select a profile explicitly (like `--profile`, boto3's
    /// `profile_name=`): it beats `AWS_DEFAULT_PROFILE` and `AWS_PROFILE`,
    /// and, being explicit, removes the `env` provider (P-CHAIN-5/6). A
    /// name no file defines is `ProfileNotFound` on first use.
    #[must_use]
    pub fn profile_name(mut self, name: impl Into<String>) -> SessionBuilder {
        self.profile = Some(name.into());
        self
    }
    /// Select a region explicitly (like `--region`, boto3's
    /// `region_name=`): it beats `AWS_DEFAULT_REGION` and the profile. Not
    /// checked here; [`Session::service_config`] and the STS calls check it
    /// as botocore does (`InvalidRegionError`).
    #[must_use]
    pub fn region_name(mut self, region: impl Into<String>) -> SessionBuilder {
        self.region = Some(region.into());
        self
    }
    /// Use these keys and skip the chain (method `explicit`, P-CHAIN-10).
    /// A key id without a secret, or a secret without a key id, is
    /// `PartialCredentialsError` when credentials are asked for.
    #[must_use]
    pub fn credentials(
        mut self,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
        session_token: Option<String>,
    ) -> SessionBuilder {
        self.keys = ExplicitKeys {
            access_key_id,
            secret_access_key: secret_access_key.map(SecretString::new),
            session_token: session_token.map(SecretString::new),
        };
        self
    }
    /// Builds the session. Nothing is read until it is used.
    pub fn build(self) -> Session {
        Session {
            os: self.os.unwrap_or_else(Os::real),
            net: self.net.unwrap_or_else(Network::real),
            profile: self.profile,
            sts: StsOptions {
                region: self.region.clone(),
                // Plain botocore keeps assumed-role answers in a dict per
                // session (P-AR-8); the AWS CLI passes a file cache.
                cache: self.sts.cache.or_else(|| {
                    Some(Arc::new(crate::cache::MemoryCache::default())
                        as Arc<dyn crate::cache::CredentialCache>)
                }),
                ..self.sts
            },
            region: self.region,
            keys: self.keys,
            instance: self.instance,
            files: OnceLock::new(),
            imds_region: OnceLock::new(),
        }
    }
}

/// A configuration session, shaped like `boto3.Session`.
///
/// ```no_run
/// let session = credchain::Session::builder().profile_name("dev").build();
/// match session.get_credentials() {
///     Ok(Some(c)) => println!("{} via {}", c.access_key_id(), c.method()),
///     Ok(None) => println!("no credentials"),
///     Err(e) => eprintln!("{}: {e}", e.kind()),
/// }
/// ```
#[derive(Debug)]
pub struct Session {
    os: Os,
    net: Network,
    profile: Option<String>,
    region: Option<String>,
    keys: ExplicitKeys,
    instance: crate::settings::InstanceVars,
    files: OnceLock<Result<Arc<ConfigFiles>, Error>>,
    /// The IMDS region once IMDS gave one (the region fallback and every
    /// client's `defaults_mode = auto` need it); until then each use asks.
    imds_region: OnceLock<String>,
    sts: StsOptions,
}

impl Session {
    /// A builder, as `boto3.Session(profile_name=.., region_name=..)`.
    /// Nothing is read from the environment or files until the session is
    /// used.
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// use credchain::session::ValueSource;
    /// # use std::sync::Arc;
    /// let env = MapEnv::from_pairs([("HOME", "/h"), ("AWS_PROFILE", "other")]);
    /// let fs = MemFs::new().with_file("/h/.aws/config", "[profile dev]\n[profile other]\n");
    /// let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
    /// let session = credchain::Session::builder()
    ///     .os(os)
    ///     .profile_name("dev")
    ///     .region_name("eu-west-1")
    ///     .build();
    /// // The session's profile beats AWS_PROFILE (P-CHAIN-5).
    /// assert_eq!(session.profile().effective(), "dev");
    /// assert!(session.profile().is_explicit());
    /// assert_eq!(
    ///     session.region_name()?,
    ///     Some(("eu-west-1".to_owned(), ValueSource::Session))
    /// );
    /// # Ok::<(), credchain::Error>(())
    /// ```
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// A session on the real environment with no explicit settings.
    pub fn new() -> Session {
        Session::builder().build()
    }

    /// The OS services this session runs against.
    pub fn os(&self) -> &Os {
        &self.os
    }

    /// The HTTP client, sleep and randomness the network providers use.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Both shared files, loaded once per session (P-CHAIN-12).
    pub fn config_files(&self) -> Result<&ConfigFiles, Error> {
        self.files
            .get_or_init(|| ConfigFiles::load(&*self.os.env, &*self.os.fs).map(Arc::new))
            .as_ref()
            .map(|f| &**f)
            .map_err(Clone::clone)
    }

    /// The selected profile: session, then `AWS_DEFAULT_PROFILE`, then
    /// `AWS_PROFILE` (P-CHAIN-5); an env var counts when present, even empty.
    pub fn profile(&self) -> ProfileSelection {
        let env = &*self.os.env;
        let dflt = env.get(ev::AWS_DEFAULT_PROFILE);
        let prof = env.get(ev::AWS_PROFILE);
        let mut ignored = Vec::new();
        let (name, source) = if let Some(p) = &self.profile {
            for (var, v) in [(ev::AWS_DEFAULT_PROFILE, &dflt), (ev::AWS_PROFILE, &prof)] {
                if let Some(v) = v {
                    ignored.push(format!("{var}={v} ignored: --profile given"));
                }
            }
            (Some(p.clone()), ProfileSource::Session)
        } else if let Some(d) = dflt {
            if let Some(p) = &prof {
                ignored.push(format!(
                    // P-CHAIN-5.
                    "{}={p} ignored: botocore checks {} first (AWS CLI v2 does the opposite)",
                    ev::AWS_PROFILE,
                    ev::AWS_DEFAULT_PROFILE
                ));
            }
            (Some(d), ProfileSource::AwsDefaultProfile)
        } else if let Some(p) = prof {
            (Some(p), ProfileSource::AwsProfile)
        } else {
            (None, ProfileSource::Default)
        };
        ProfileSelection {
            name,
            source,
            ignored,
        }
    }

    /// The current profile's merged settings, as botocore's
    /// `get_scoped_config`: a named profile must exist; without a name,
    /// `default` or nothing.
    pub fn scoped_profile(&self) -> Result<Option<&Profile>, Error> {
        let files = self.config_files()?;
        match self.profile().name {
            None => Ok(files.profile("default")),
            Some(n) => files
                .profile(&n)
                .map(Some)
                .ok_or(Error::ProfileNotFound { profile: n }),
        }
    }

    /// The lookups botocore's `create_credential_resolver` makes before any
    /// provider runs, in its order, with its conversions. These are what
    /// raise `ConfigParseError`, `ProfileNotFound`, `ValueError` and
    /// `InvalidIMDSEndpointModeError` even when env keys would win. When the
    /// environment supplies every one of them, the profile is never consulted
    /// and a missing profile goes unnoticed, as in botocore (P-CHAIN-8).
    fn resolver_lookups(&self) -> Result<(), Error> {
        let env = &*self.os.env;
        let lookup = |key: &str, var: &str| -> Result<Option<Value>, Error> {
            if let Some(v) = env.get(var) {
                return Ok(Some(Value::Str(v)));
            }
            Ok(self
                .scoped_profile()?
                .and_then(|p| p.get(key))
                .map(|s| s.value.clone()))
        };
        let int = |key: &str, var: &str| -> Result<(), Error> {
            match lookup(key, var)? {
                Some(Value::Str(s)) if !is_py_int(&s) => Err(Error::InvalidInteger {
                    setting: key.into(),
                    value: s,
                }),
                Some(Value::Nested(_)) => Err(Error::InvalidInteger {
                    setting: key.into(),
                    value: "<sub-properties>".into(),
                }),
                _ => Ok(()),
            }
        };
        int("metadata_service_timeout", ev::AWS_METADATA_SERVICE_TIMEOUT)?;
        int(
            "metadata_service_num_attempts",
            ev::AWS_METADATA_SERVICE_NUM_ATTEMPTS,
        )?;
        let endpoint = lookup(
            "ec2_metadata_service_endpoint",
            ev::AWS_EC2_METADATA_SERVICE_ENDPOINT,
        )?;
        let ipv6 = match lookup(
            "ec2_metadata_service_endpoint_mode",
            ev::AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE,
        )? {
            Some(Value::Str(m)) => {
                if !["ipv4", "ipv6"].contains(&m.to_lowercase().as_str()) {
                    return Err(Error::InvalidImdsEndpointMode { mode: m });
                }
                m.eq_ignore_ascii_case("ipv6")
            }
            Some(Value::Nested(_)) => {
                return Err(Error::InvalidImdsEndpointMode {
                    mode: "<sub-properties>".into(),
                });
            }
            None => matches!(
                lookup("imds_use_ipv6", ev::AWS_IMDS_USE_IPV6)?,
                Some(Value::Str(v)) if v.to_lowercase() == "true"
            ),
        };
        lookup("ec2_metadata_v1_disabled", ev::AWS_EC2_METADATA_V1_DISABLED)?;
        // Building botocore's InstanceMetadataFetcher validates the endpoint
        // (InvalidIMDSEndpointError, P-IMDS-1), still before any provider.
        let custom = match &endpoint {
            Some(Value::Str(s)) => Some(s.as_str()),
            Some(Value::Nested(_)) => Some("<sub-properties>"),
            None => None,
        };
        crate::imds::base_url(custom, if ipv6 { "ipv6" } else { "ipv4" })?;
        Ok(())
    }

    fn resolve(&self, mode: Mode) -> Resolution {
        let (profile, steps, result) = self.resolve_live(mode, false);
        Resolution {
            profile,
            steps,
            // Not deferred: the provider fetched (and applied the first-use
            // refresh) already, so this is the set it found.
            result: result.and_then(|c| c.current().ok_or(Error::NoCredentials)),
        }
    }

    /// The chain's winner as live credentials; `defer` hands assume-role,
    /// web identity and SSO out unfetched (P-REF-4).
    fn resolve_live(
        &self,
        mode: Mode,
        defer: bool,
    ) -> (
        ProfileSelection,
        Vec<Step>,
        Result<RefreshableCredentials, Error>,
    ) {
        let profile = self.profile();
        if self.keys.access_key_id.is_some() || self.keys.secret_access_key.is_some() {
            let r = self.explicit(profile);
            return (
                r.profile,
                r.steps,
                r.result.map(RefreshableCredentials::from_static),
            );
        }
        if let Err(e) = self.resolver_lookups() {
            let why = format!("{} before any provider ran", e.kind());
            return (profile, chain::not_reached(&why), Err(e));
        }
        let ctx = Ctx {
            os: &self.os,
            net: &self.net,
            profile: profile.effective(),
            session_profile: profile.effective(),
            explicit_profile: profile.is_explicit(),
            files: &self.files,
            sts: &self.sts,
            defer,
        };
        let (steps, result) = chain::run(&ctx, mode);
        (profile, steps, result)
    }

    fn explicit(&self, profile: ProfileSelection) -> Resolution {
        let k = &self.keys;
        let result = match (&k.access_key_id, &k.secret_access_key) {
            (Some(ak), Some(sk)) => Ok(Credentials::new(
                ak.clone(),
                sk.expose(),
                k.session_token.as_ref().map(|t| t.expose().to_owned()),
                Method::Explicit,
            )),
            (None, _) => Err(Error::PartialCredentials {
                provider: Method::Explicit,
                missing: "aws_access_key_id".into(),
            }),
            (_, None) => Err(Error::PartialCredentials {
                provider: Method::Explicit,
                missing: "aws_secret_access_key".into(),
            }),
        };
        let mut steps = vec![Step {
            provider: Method::Explicit,
            outcome: if result.is_ok() {
                StepOutcome::Found
            } else {
                StepOutcome::Error
            },
            detail: match &result {
                Ok(c) => format!("{} passed to the session", c.access_key_id()),
                Err(e) => e.to_string(),
            },
        }];
        steps.extend(chain::not_reached("explicit keys bypass the chain"));
        Resolution {
            profile,
            steps,
            result,
        }
    }

    /// Resolves credentials like boto3's `session.get_credentials()`: live
    /// [`RefreshableCredentials`] that refresh themselves within botocore's
    /// windows (P-REF-1..3), `Ok(None)` when no provider has any.
    /// Assume-role, web identity and SSO credentials are deferred as in
    /// botocore (P-REF-4): the configuration is validated (and a role's
    /// source credentials resolved) now, the STS / SSO call is made on the
    /// first [`RefreshableCredentials::get_frozen_credentials`]. Container
    /// and IMDS credentials are fetched now; everything else is static.
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// # use std::sync::Arc;
    /// let env = MapEnv::from_pairs([
    ///     ("HOME", "/h"),
    ///     ("AWS_EC2_METADATA_DISABLED", "true"),
    ///     ("AWS_ACCESS_KEY_ID", "AKIDENV"),
    ///     ("AWS_SECRET_ACCESS_KEY", "secret"),
    /// ]);
    /// let fs = MemFs::new().with_file(
    ///     "/h/.aws/credentials",
    ///     "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = secret\n",
    /// );
    /// let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
    /// let session = credchain::Session::builder().os(os).profile_name("dev").build();
    /// let creds = session.credentials()?.expect("dev has keys");
    /// // An explicit profile removes the env provider (P-CHAIN-6).
    /// assert_eq!(creds.method().as_str(), "shared-credentials-file");
    /// // Static keys have no expiry: never refreshed.
    /// assert!(!creds.is_refreshable());
    /// // Each call refreshes first when under 15 minutes remain.
    /// let frozen = creds.get_frozen_credentials()?;
    /// assert_eq!(frozen.access_key_id(), "AKIDDEV");
    /// assert_eq!(frozen.expiration(), None);
    /// # Ok::<(), credchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The chain's error, as [`Session::get_credentials`].
    pub fn credentials(&self) -> Result<Option<RefreshableCredentials>, Error> {
        match self.resolve_live(Mode::Resolve, true).2 {
            Ok(c) => Ok(Some(c)),
            Err(Error::NoCredentials) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Resolves credentials once and returns the frozen value (what
    /// `get_credentials().get_frozen_credentials()` gives in boto3, fetched
    /// now, never refreshed): `Ok(None)` when no provider has any. Use
    /// [`Session::credentials`] for credentials that refresh themselves.
    pub fn get_credentials(&self) -> Result<Option<Credentials>, Error> {
        match self.resolve(Mode::Resolve).result {
            Ok(c) => Ok(Some(c)),
            Err(Error::NoCredentials) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Resolves credentials as [`Session::get_credentials`] does and
    /// records every step: one [`Step`] per provider in botocore's order
    /// (P-CHAIN-1), each `skipped` (why), `found` (which file and line, or
    /// variable) or `error`, then notes on what the winner shadows. Never
    /// fails: an error is [`Resolution::result`], with the steps up to it.
    /// Like the AWS CLI it resolves for real (a role profile calls STS).
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// use credchain::StepOutcome;
    /// # use std::sync::Arc;
    /// let env = MapEnv::from_pairs([("HOME", "/h"), ("AWS_EC2_METADATA_DISABLED", "true")]);
    /// let fs = MemFs::new().with_file(
    ///     "/h/.aws/config",
    ///     "[default]\ncredential_process = /bin/false\n\
    ///      aws_access_key_id = AKID\naws_secret_access_key = s\n",
    /// );
    /// let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
    /// let r = credchain::Session::builder().os(os).build().explain();
    /// let outcome = |m: &str| r.steps.iter().find(|s| s.provider.as_str() == m).unwrap().outcome;
    /// assert_eq!(outcome("env"), StepOutcome::Skipped);
    /// // credential_process beats the config file's static keys (P-CHAIN-3);
    /// // /bin/false exits 1, which ends the chain with its error.
    /// assert_eq!(outcome("custom-process"), StepOutcome::Error);
    /// assert_eq!(outcome("config-file"), StepOutcome::Skipped);
    /// assert_eq!(r.result.unwrap_err().kind(), "CredentialRetrievalError");
    /// ```
    pub fn explain(&self) -> Resolution {
        self.resolve(Mode::Explain)
    }

    /// An STS client as botocore's `create_client('sts')` builds it for this
    /// session: region, `sts_regional_endpoints` and configured endpoint
    /// URLs from the session, env and current profile (P-NC-5/6).
    pub fn sts_client(&self) -> Result<StsClient<'_>, Error> {
        let files = self.config_files()?;
        let profile = self.scoped_profile()?;
        StsClient::new(&self.os, &self.net, files, profile, self.region.as_deref())
    }

    /// Profile names in botocore's `available_profiles` order (P-MERGE-4):
    /// the config file's profiles first, then the credentials file's that
    /// are new, each name once.
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// # use std::sync::Arc;
    /// let fs = MemFs::new()
    ///     .with_file("/h/.aws/config", "[default]\n[profile dev]\n[sso-session corp]\n")
    ///     .with_file("/h/.aws/credentials", "[ci]\n[dev]\n");
    /// let env = MapEnv::from_pairs([("HOME", "/h")]);
    /// let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
    /// let session = credchain::Session::builder().os(os).build();
    /// assert_eq!(session.available_profiles()?, ["default", "dev", "ci"]);
    /// # Ok::<(), credchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `ConfigParseError` when a file does not parse.
    pub fn available_profiles(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .config_files()?
            .available_profiles()
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// The region, as boto3's `session.region_name`: session, then
    /// `AWS_DEFAULT_REGION` (botocore ignores `AWS_REGION`), then the
    /// profile's `region` (P-NC-1/2); `Ok(None)` when none sets one (IMDS
    /// is asked only by [`Session::region_with_imds`]). The value is
    /// returned as written, not validated (see [`Session::service_config`]).
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// use credchain::session::ValueSource;
    /// # use std::sync::Arc;
    /// let fs = MemFs::new().with_file("/h/.aws/config", "[default]\nregion = us-east-2\n");
    /// let env = MapEnv::from_pairs([("HOME", "/h"), ("AWS_REGION", "ap-south-1")]);
    /// let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
    /// let session = credchain::Session::builder().os(os).build();
    /// let (region, source) = session.region_name()?.unwrap();
    /// assert_eq!(region, "us-east-2"); // AWS_REGION is not botocore's
    /// let ValueSource::Profile(origin) = source else { panic!("{source:?}") };
    /// assert_eq!(origin.line, 2);
    /// # Ok::<(), credchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `ProfileNotFound` / `ConfigParseError` when the profile had to be
    /// read.
    pub fn region_name(&self) -> Result<Option<(String, ValueSource)>, Error> {
        if let Some(r) = &self.region {
            return Ok(Some((r.clone(), ValueSource::Session)));
        }
        if let Some(r) = self.os.env.get(ev::AWS_DEFAULT_REGION) {
            return Ok(Some((r, ValueSource::Env(ev::AWS_DEFAULT_REGION))));
        }
        Ok(self.scoped_profile()?.and_then(|p| {
            let s = p.get("region")?;
            Some((s.value.as_str()?.to_owned(), ValueSource::Profile(s.origin)))
        }))
    }
}

/// The settings of one service client, as botocore would create it
/// ([`Session::service_config`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The client name (`s3`, `sts`, `sso-oidc`).
    pub service: String,
    /// The region the client would use, with its source (`None`: unset).
    pub region: Option<Resolved>,
    /// The configured endpoint URL (P-NC-5), named `endpoint_url.<service>`;
    /// `None` when nothing configures one and the built-in endpoint rules
    /// apply.
    pub endpoint_url: Option<Resolved>,
    /// The endpoint the client is created with (`client.meta.endpoint_url`),
    /// named `endpoint_url.<service>`: the configured URL with its source,
    /// else the built-in one ([`crate::endpoints`]) with type `default` and
    /// [`Provenance::Data`] naming `endpoints.json`.
    pub endpoint: Resolved,
    /// The client's region (`meta.region_name`), signing region and signing
    /// name with that endpoint.
    pub client_endpoint: crate::endpoints::ClientEndpoint,
    /// For `s3`, the `s3.*` settings (addressing style, accelerate, ...),
    /// with the `defaults_mode` smart default of
    /// `us_east_1_regional_endpoint`; empty for other services.
    pub s3: Vec<Resolved>,
    /// The effective client settings, as botocore's client would use them
    /// (`client.meta.config`): `defaults_mode`, `retries.mode`,
    /// `retries.total_max_attempts`, `connect_timeout`, `read_timeout`,
    /// `tcp_keepalive`, compression, checksum and account-id settings, ...
    /// (see [`crate::client_config`]). A smart default has provenance
    /// [`Provenance::DefaultsMode`].
    pub client: Vec<Resolved>,
}

impl ServiceConfig {
    /// One row of [`ServiceConfig::client`] (or of [`ServiceConfig::s3`])
    /// by name.
    pub fn setting(&self, name: &str) -> Option<&Resolved> {
        self.client.iter().chain(&self.s3).find(|r| r.name == name)
    }
}

impl Session {
    fn instance_var(&self, name: &str) -> Option<&str> {
        match name {
            "region" => self.region.as_deref(),
            "profile" => self.profile.as_deref(),
            _ => self
                .instance
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str()),
        }
    }

    /// An `s3.*` key of botocore's `SectionConfigProvider('s3')`: the
    /// profile's `s3` value is read first (so a missing profile raises even
    /// when an env var sets the key), and a non-empty `s3` that is not a
    /// nested block makes the whole section `None`, env overrides included
    /// (P-NC-3).
    fn resolve_s3(&self, d: &SettingDef, logical: &str) -> Result<Resolved, Error> {
        if let Some(p) = self.scoped_profile()?
            && let Some(Value::Str(v)) = p.get("s3").map(|s| &s.value)
            && !v.is_empty()
        {
            return Ok(Resolved {
                name: logical.to_owned(),
                value: SettingValue::Null,
                provenance: Provenance::Default,
            });
        }
        self.resolve_def(d, logical)
    }

    pub(crate) fn resolve_def(&self, d: &SettingDef, logical: &str) -> Result<Resolved, Error> {
        resolve_setting(d, logical, self.instance_var(d.name), &*self.os.env, || {
            let name = self.profile().effective().to_owned();
            Ok(self.scoped_profile()?.map(|p| (name, p)))
        })
    }

    /// One setting by botocore's logical name, as
    /// `session.get_config_variable(name)` (P-NC-1): instance value, env
    /// var(s), current profile, default, converted (`int()`,
    /// `ensure_boolean`), with where it came from. The `s3.*` names
    /// (`s3.addressing_style`) give the one key of `get_config_variable('s3')`.
    /// `Ok(None)` for a name botocore does not know.
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// use credchain::settings::{Provenance, SettingValue};
    /// # use std::sync::Arc;
    /// let env = MapEnv::from_pairs([("AWS_MAX_ATTEMPTS", "4"), ("HOME", "/h")]);
    /// let os = Os { env: Arc::new(env), fs: Arc::new(MemFs::new()), ..Os::real() };
    /// let session = credchain::Session::builder().os(os).build();
    /// let r = session.config_variable("max_attempts")?.unwrap();
    /// assert_eq!(r.value, SettingValue::Int(4));
    /// assert_eq!(r.provenance, Provenance::Env("AWS_MAX_ATTEMPTS".into()));
    /// let r = session.config_variable("retry_mode")?.unwrap();
    /// assert_eq!(r.value, SettingValue::Str("legacy".into()));
    /// assert_eq!(r.provenance, Provenance::Default);
    /// # Ok::<(), credchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `ValueError` for a bad integer, `ProfileNotFound` / `ConfigParseError`
    /// when the profile had to be read.
    pub fn config_variable(&self, name: &str) -> Result<Option<Resolved>, Error> {
        if let Some(key) = name.strip_prefix("s3.") {
            return S3_SETTINGS
                .iter()
                .find(|d| d.name == key)
                .map(|d| self.resolve_s3(d, name))
                .transpose();
        }
        setting_def(name)
            .map(|d| self.resolve_def(d, name))
            .transpose()
    }

    /// The region as [`Session::config_variable`]`("region")`, then, when
    /// nothing set one, the EC2 instance metadata service as botocore's
    /// `IMDSRegionProvider` (the availability zone minus its last letter;
    /// skipped when `AWS_EC2_METADATA_DISABLED=true`). Makes a request only
    /// in that case. The value is `Null` when IMDS gives nothing.
    ///
    /// # Errors
    ///
    /// As [`Session::config_variable`], and the IMDS settings' errors
    /// (`InvalidIMDSEndpointModeError`, `ValueError`).
    pub fn region_with_imds(&self) -> Result<Resolved, Error> {
        let r = self.resolve_def(REGION, "region")?;
        if r.value != SettingValue::Null {
            return Ok(r);
        }
        Ok(match self.imds_region()? {
            Some(region) => Resolved {
                name: "region".into(),
                value: SettingValue::Str(region),
                provenance: Provenance::Imds,
            },
            None => r,
        })
    }

    /// The region IMDS gives (botocore's `IMDSRegionProvider`). Only a
    /// region is kept for the session's later calls; a failure or no region
    /// asks again next time, as `SmartDefaultsConfigStoreFactory` caches
    /// only a truthy `_instance_metadata_region`.
    pub(crate) fn imds_region(&self) -> Result<Option<String>, Error> {
        if let Some(r) = self.imds_region.get() {
            return Ok(Some(r.clone()));
        }
        let r = crate::imds::region(self)?;
        if let Some(region) = r.as_ref().filter(|r| !r.is_empty()) {
            let _ = self.imds_region.set(region.clone());
        }
        Ok(r)
    }

    /// Every setting botocore resolves, in [`crate::settings::SETTINGS`]
    /// order, then `s3.*`, then `endpoint_url.<service>` for the services of
    /// [`Session::client_endpoints`]`(&[])`. Each entry is the logical name
    /// and its result: a bad value fails only its own entry, as in botocore.
    ///
    /// The endpoint rows run [`Session::service_config`] per client; with
    /// `defaults_mode = auto` (and no `AWS_EXECUTION_ENV` region) that asks
    /// IMDS for the region, until IMDS gives one (then it is kept for the
    /// session). [`Session::config_settings`] is this without them; a caller
    /// that also needs the endpoints' regions takes those two calls instead
    /// of this one (each endpoint is computed once).
    pub fn settings(&self) -> Vec<(String, Result<Resolved, Error>)> {
        let mut out = self.config_settings();
        for (svc, r) in self.client_endpoints(&[]) {
            let name = format!("endpoint_url.{svc}");
            let r = r.map(|e| e.map_or_else(|| unset_endpoint(&name), |(r, _)| r));
            out.push((name, r));
        }
        out
    }

    /// [`Session::settings`] without the `endpoint_url.<service>` rows:
    /// every setting as the config store resolves it, then `s3.*`. Creates no
    /// client and asks no network.
    pub fn config_settings(&self) -> Vec<(String, Result<Resolved, Error>)> {
        let mut out: Vec<(String, Result<Resolved, Error>)> = SETTINGS
            .iter()
            .map(|d| (d.name.to_owned(), self.resolve_def(d, d.name)))
            .collect();
        for d in S3_SETTINGS {
            let name = format!("s3.{}", d.name);
            let r = self.resolve_s3(d, &name);
            out.push((name, r));
        }
        out
    }

    /// The endpoint of each client `configure list --all` shows: sts, s3,
    /// sso, dynamodb, every client an `AWS_ENDPOINT_URL_<SERVICE>` variable
    /// or the profile's `[services X]` section configures (botocore's
    /// service ids, P-NC-5; keys naming no client are ignored, as botocore
    /// ignores them), then `extra`. Each is `endpoint_url.<client>`
    /// (configured, or built in with [`Provenance::Data`]) and the client's
    /// region and signing values; `None` when the client has no endpoint
    /// without a region (botocore's `NoRegionError`).
    #[allow(clippy::type_complexity)]
    pub fn client_endpoints(
        &self,
        extra: &[String],
    ) -> Vec<(
        String,
        Result<Option<(Resolved, crate::endpoints::ClientEndpoint)>, Error>,
    )> {
        let mut services: Vec<String> = ["sts", "s3", "sso", "dynamodb"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let section = self
            .config_files()
            .ok()
            .zip(self.scoped_profile().ok().flatten())
            .and_then(|(files, p)| p.get_str("services").and_then(|n| files.services().get(n)));
        for info in crate::endpoints::available_services() {
            let (suffix, key) = service_endpoint_keys(info.client);
            let configured = self
                .os
                .env
                .get(&format!("AWS_ENDPOINT_URL_{suffix}"))
                .is_some()
                || section.is_some_and(|s| s.get(&key).is_some());
            if configured && !services.iter().any(|s| s == info.client) {
                services.push(info.client.to_owned());
            }
        }
        for svc in extra {
            if !services.contains(svc) {
                services.push(svc.clone());
            }
        }
        services
            .into_iter()
            .map(|svc| {
                let r = self.endpoint_of(&svc);
                (svc, r)
            })
            .collect()
    }

    /// One client's endpoint for [`Session::client_endpoints`]: the one
    /// [`Session::service_config`] gives, else, when a setting unrelated to
    /// the endpoint refuses the client (`max_attempts = 0`), the one the
    /// endpoint settings give under the same `defaults_mode` smart defaults
    /// (region, defaults mode, model, configured URL, built-in data, the
    /// mode checks, in `create_client`'s order): the URL the client is
    /// created with once that setting is fixed, so one bad setting does not
    /// hide every endpoint. An error of the endpoint settings themselves
    /// (or of the defaults mode, which decides them) is the row's error.
    fn endpoint_of(
        &self,
        service: &str,
    ) -> Result<Option<(Resolved, crate::endpoints::ClientEndpoint)>, Error> {
        match self.service_config(service) {
            Ok(c) => return Ok(Some((c.endpoint, c.client_endpoint))),
            Err(e) if e.kind() == "NoRegionError" => return Ok(None),
            Err(_) => {}
        }
        let region = self.resolve_def(REGION, "region")?;
        if let SettingValue::Str(r) = &region.value {
            crate::sts::endpoint::validate_region_name(r)?;
        }
        let mode = crate::client_config::defaults_mode(self, region.value.as_str())?;
        crate::endpoints::service(service)?;
        let mut s3 = self.s3_rows()?;
        let configured = self.endpoint_url(service)?;
        let sts = crate::client_config::endpoint_stage_settings(self, &mut s3, &mode)?;
        match self.client_endpoint(service, Some(&region), configured.as_ref(), (&sts, &s3)) {
            Ok((r, e, inputs)) => {
                crate::endpoints::check_ruleset_builtins(&inputs)?;
                Ok(Some((r, e)))
            }
            Err(e) if e.kind() == "NoRegionError" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The configured endpoint URL for a client (P-NC-5):
    /// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's
    /// `[services X]` block, the profile's `endpoint_url`; none when
    /// `ignore_configured_endpoint_urls` is true or nothing is configured.
    ///
    /// # Errors
    ///
    /// `InvalidConfigError` for a profile naming a missing services section,
    /// and the file errors.
    pub fn endpoint_url(&self, service: &str) -> Result<Option<Resolved>, Error> {
        let files = self.config_files()?;
        let profile = self.scoped_profile()?;
        let (suffix, key) = service_endpoint_keys(service);
        let name = self.profile().effective().to_owned();
        Ok(crate::sts::endpoint::configured_endpoint(
            &*self.os.env,
            files,
            profile,
            &name,
            &suffix,
            &key,
        )?
        .map(|(url, provenance)| Resolved {
            name: format!("endpoint_url.{service}"),
            value: SettingValue::Str(url),
            provenance,
        }))
    }

    /// A service client's settings, as botocore's `create_client(service)`
    /// would see them: the region (validated, `InvalidRegionError`), the
    /// configured endpoint URL, for `s3` the nested s3 settings, and the
    /// effective client settings with the `defaults_mode` smart defaults
    /// applied (on a copy: [`Session::config_variable`] is unaffected).
    /// Every check botocore makes while creating a client runs, in its
    /// order, with its exception class and message: region,
    /// `defaults_mode` (`InvalidDefaultsMode`; `auto` asks IMDS for the
    /// region unless `AWS_EXECUTION_ENV` names one), the configured endpoint
    /// (`InvalidConfigError`), then those of [`crate::client_config`]
    /// (`sts_regional_endpoints`, `s3.us_east_1_regional_endpoint`,
    /// compression, checksum, account-id, auth-scheme and s3-express
    /// settings, s3 addressing style, `max_attempts`, `retry_mode`, the
    /// configured endpoint URL, `endpoint_discovery_enabled`). The client name
    /// is checked after the defaults mode (`UnknownServiceError`) and the
    /// endpoint is resolved at botocore's endpoint stage by
    /// [`crate::endpoints`] (`NoRegionError`,
    /// `EndpointVariantError`, the s3 / sts mode errors), with the smart
    /// defaults applied. Credentials are not resolved.
    ///
    /// ```
    /// use credchain::os::{MapEnv, MemFs, Os};
    /// use credchain::settings::{Provenance, SettingValue};
    /// # use std::sync::Arc;
    /// let fs = MemFs::new().with_file(
    ///     "/h/.aws/config",
    ///     "[profile dev]\nregion = eu-west-1\ndefaults_mode = standard\ns3 =\n  addressing_style = path\n",
    /// );
    /// let env = MapEnv::from_pairs([("HOME", "/h")]);
    /// let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
    /// let session = credchain::Session::builder().os(os).profile_name("dev").build();
    /// let s3 = session.service_config("s3")?;
    /// assert_eq!(s3.region.as_ref().unwrap().value, SettingValue::Str("eu-west-1".into()));
    /// let style = s3.setting("s3.addressing_style").unwrap();
    /// assert_eq!(style.value, SettingValue::Str("path".into()));
    /// assert!(s3.endpoint_url.is_none());
    /// let timeout = s3.setting("connect_timeout").unwrap();
    /// assert_eq!(timeout.value, SettingValue::Seconds { millis: 3100 });
    /// assert_eq!(
    ///     timeout.provenance,
    ///     Provenance::DefaultsMode { mode: "standard".into(), auto: false }
    /// );
    /// // The built-in endpoint the client is created with.
    /// assert_eq!(s3.endpoint.value, SettingValue::Str("https://s3.eu-west-1.amazonaws.com".into()));
    /// assert_eq!(s3.endpoint.provenance.kind(), "default");
    /// assert_eq!(s3.client_endpoint.signing_region.as_deref(), Some("eu-west-1"));
    /// # Ok::<(), credchain::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `InvalidRegionError`, `InvalidDefaultsMode`, `UnknownServiceError`, the
    /// errors of [`crate::sso::token_provider_config`] (`InvalidConfigError`
    /// for a profile's missing or incomplete sso-session), of
    /// [`Session::endpoint_url`], of
    /// the endpoint stage ([`crate::endpoints`]) and of the settings, and those
    /// listed in [`crate::client_config`].
    pub fn service_config(&self, service: &str) -> Result<ServiceConfig, Error> {
        let region = self.resolve_def(REGION, "region")?;
        let region = match &region.value {
            SettingValue::Null => None,
            SettingValue::Str(r) => {
                crate::sts::endpoint::validate_region_name(r)?;
                Some(region)
            }
            _ => Some(region),
        };
        crate::client_config::api_versions(self)?;
        // create_client's get_auth_token: the SSO token provider's config
        // checks, before the defaults mode (no token read, no request).
        crate::sso::token_provider_config(self.config_files()?, self.profile().effective())?;
        let client_region = region.as_ref().and_then(|r| r.value.as_str());
        let mode = crate::client_config::defaults_mode(self, client_region)?;
        // ClientCreator loads the model (UnknownServiceError).
        crate::endpoints::service(service)?;
        // compute_client_args reads the s3 config for every client, then
        // the configured endpoint.
        let mut s3 = self.s3_rows()?;
        let endpoint_url = self.endpoint_url(service)?;
        let (client, (endpoint, client_endpoint)) = crate::client_config::client_settings(
            self,
            service,
            client_region,
            &mut s3,
            &mode,
            |sts, s3| {
                let (r, e, _) = self.client_endpoint(
                    service,
                    region.as_ref(),
                    endpoint_url.as_ref(),
                    (sts, s3),
                )?;
                Ok((r, e))
            },
        )?;
        if service != "s3" {
            s3.clear();
        }
        Ok(ServiceConfig {
            service: service.to_owned(),
            region,
            endpoint_url,
            endpoint,
            client_endpoint,
            s3,
            client,
        })
    }

    /// The `s3.*` settings (botocore's `s3` config, read for every client).
    fn s3_rows(&self) -> Result<Vec<Resolved>, Error> {
        S3_SETTINGS
            .iter()
            .map(|d| self.resolve_s3(d, &format!("s3.{}", d.name)))
            .collect()
    }

    /// The endpoint botocore's `_compute_endpoint_config` gives a client of
    /// `service` with this region and configured URL. `sts` and `s3` are the
    /// client's `sts_regional_endpoints` and `s3.*` rows as the config store
    /// holds them at that point (smart defaults applied), and the inputs it
    /// was resolved from (for
    /// [`crate::endpoints::check_ruleset_builtins`]).
    fn client_endpoint(
        &self,
        service: &str,
        region: Option<&Resolved>,
        configured: Option<&Resolved>,
        (sts, s3): (&Resolved, &[Resolved]),
    ) -> Result<
        (
            Resolved,
            crate::endpoints::ClientEndpoint,
            crate::endpoints::EndpointInputs,
        ),
        Error,
    > {
        let str_of = |r: Option<&Resolved>| match r.map(|r| &r.value) {
            Some(SettingValue::Str(s)) => Some(s.clone()),
            _ => None,
        };
        let (region, url) = (str_of(region), str_of(configured));
        let mut inputs =
            crate::endpoints::session_inputs(self, service, region.as_deref(), url.as_deref())?;
        inputs.sts_regional_endpoints = sts.value.clone();
        inputs.s3_us_east_1_regional_endpoint = s3
            .iter()
            .find(|r| r.name == "s3.us_east_1_regional_endpoint")
            .map_or(SettingValue::Null, |r| r.value.clone());
        let e = crate::endpoints::endpoint_config(service, &inputs)?;
        let resolved = match configured {
            Some(c) => c.clone(),
            None => Resolved {
                name: format!("endpoint_url.{service}"),
                value: SettingValue::Str(e.url.clone()),
                provenance: Provenance::Data(crate::endpoints::DATA_LOCATION),
            },
        };
        Ok((resolved, e, inputs))
    }
}

/// The `endpoint_url.<service>` row of a client that has no endpoint
/// without a region (`None` from [`Session::client_endpoints`]).
pub fn unset_endpoint(name: &str) -> Resolved {
    Resolved {
        name: name.to_owned(),
        value: SettingValue::Null,
        provenance: Provenance::Default,
    }
}

/// The `region` row of [`SETTINGS`].
const REGION: &SettingDef = &SETTINGS[1];

impl Default for Session {
    fn default() -> Session {
        Session::new()
    }
}
