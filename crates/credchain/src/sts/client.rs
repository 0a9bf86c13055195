//! The one place STS calls are made: endpoint from the session's settings,
//! body from [`super`], SigV4 from `credchain-sigv4`, transport from
//! [`crate::http::HttpClient`]. Retries follow botocore's `legacy` mode
//! (`_retry.json`): up to 5 attempts on connection errors, 429/500/502/
//! 503/504/509 and the throttling error codes, sleeping `rand * 2^(n-1)`
//! seconds. `AWS_MAX_ATTEMPTS` / `max_attempts` set the total; `retry_mode`
//! is not read (legacy is assumed).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use credchain_sigv4 as sigv4;

use super::endpoint::{Endpoint, StsEndpointConfig};
use super::{CONTENT_TYPE, CallerIdentity};
use crate::cache::CredentialCache;
use crate::config::{ConfigFiles, Profile};
use crate::credentials::{Credentials, Method};
use crate::env_vars as ev;
use crate::error::Error;
use crate::http::{HttpMethod, Network, Request, Timeouts, TransportError, TransportErrorKind};
use crate::os::Os;

/// botocore's default connect and read timeout for service clients.
const TIMEOUT: Duration = Duration::from_secs(60);

/// botocore's legacy retry mode: total attempts.
const MAX_ATTEMPTS: u32 = 5;

/// 400 error codes botocore's legacy mode retries (`_retry.json`, with
/// STS's own `IDPCommunicationError`).
const RETRYABLE_CODES: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "IDPCommunicationError",
];

/// Whether botocore's legacy retry handler retries this answer.
pub fn is_retryable_response(status: u16, code: &str) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 509)
        || (status == 400 && RETRYABLE_CODES.contains(&code))
}

pub use super::mfa::TerminalMfaPrompt;

/// Asks the user for an MFA code (botocore's `getpass` prompt, P-AR-6);
/// [`TerminalMfaPrompt`] is that prompt on the terminal.
pub trait MfaPrompt: Send + Sync {
    /// Shows `prompt` (`Enter MFA code for <serial>: `) and returns the code.
    fn prompt(&self, prompt: &str) -> Result<String, Error>;
}

/// What the assume-role and web-identity providers need beyond the OS and
/// the network.
#[derive(Clone, Default)]
pub struct StsOptions {
    /// The session's explicit region (`--region`); otherwise
    /// `AWS_DEFAULT_REGION`, then the profile's `region`, then `aws-global`.
    pub region: Option<String>,
    /// Where assumed-role answers are cached: none for plain botocore's
    /// per-session behaviour (a session resolves once), the AWS CLI's
    /// [`crate::cache::JsonFileCache`] for the CLI (P-AR-8).
    pub cache: Option<Arc<dyn CredentialCache>>,
    /// The MFA code prompt; without one an `mfa_serial` profile fails.
    pub mfa_prompt: Option<Arc<dyn MfaPrompt>>,
}

impl fmt::Debug for StsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsOptions")
            .field("region", &self.region)
            .field("cache", &self.cache.is_some())
            .field("mfa_prompt", &self.mfa_prompt.is_some())
            .finish()
    }
}

/// An STS endpoint bound to an OS and a network.
pub struct StsClient<'a> {
    os: &'a Os,
    net: &'a Network,
    endpoint: Endpoint,
    max_attempts: u32,
    /// The environment proxy for the endpoint, fixed when the client is
    /// made (botocore's `EndpointCreator._get_proxies`).
    proxy: Option<String>,
    /// The CA bundle path (`verify=`).
    ca_bundle: Option<PathBuf>,
    /// The bundle read and parsed once for this client, not once per
    /// attempt: a retry must not re-read a (possibly slow or huge) file.
    ca_loaded: std::sync::OnceLock<Result<Option<crate::http::CaBundle>, TransportError>>,
    /// `false` after [`StsClient::without_certificate_checks`].
    verify: bool,
    /// The `User-Agent` header value.
    user_agent: String,
    /// What decided the endpoint, kept so an explicit endpoint URL can be
    /// applied on top.
    config: StsEndpointConfig,
    /// Connect/read timeouts (botocore's 60 s unless the caller's
    /// `--cli-connect-timeout` / `--cli-read-timeout` say otherwise).
    timeouts: Timeouts,
}

/// botocore's `verify` for a client: `AWS_CA_BUNDLE`, then the profile's
/// `ca_bundle`, then `REQUESTS_CA_BUNDLE` (endpoint.py
/// `_get_verify_value`); no `~` or `$VAR` expansion, as in botocore.
///
/// Deviation: an *empty* `AWS_CA_BUNDLE` makes botocore's `verify` falsy,
/// which turns certificate checks off (`CERT_NONE`); credchain never
/// disables verification and uses the webpki roots instead.
///
/// The environment's paths are used as the OS holds them (a non-UTF-8
/// `AWS_CA_BUNDLE` names a different file once converted to a `String`).
pub(crate) fn ca_bundle_setting(os: &Os, profile: Option<&Profile>) -> Option<PathBuf> {
    let setting = os
        .env
        .get_os("AWS_CA_BUNDLE")
        .or_else(|| profile.and_then(|p| p.get_str("ca_bundle")).map(Into::into))
        .or_else(|| os.env.get_os("REQUESTS_CA_BUNDLE"));
    setting.filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// `max_attempts` (`AWS_MAX_ATTEMPTS` first, P-NC-4): Python `int()`, at
/// least 1; botocore checks it when it creates the client.
pub(crate) fn max_attempts(os: &Os, profile: Option<&Profile>) -> Result<u32, Error> {
    let Some(raw) = os.env.get("AWS_MAX_ATTEMPTS").or_else(|| {
        profile
            .and_then(|p| p.get_str("max_attempts"))
            .map(str::to_owned)
    }) else {
        return Ok(MAX_ATTEMPTS);
    };
    let Some(n) = crate::pyint::py_int_value(&raw) else {
        return Err(Error::InvalidInteger {
            setting: "max_attempts".into(),
            value: raw,
        });
    };
    if n < 1 {
        return Err(Error::Unhandled {
            class: "InvalidMaxRetryAttemptsError",
            message: format!(
                "Value provided to \"max_attempts\": {n} must be an integer greater than or \
                 equal to 1."
            ),
        });
    }
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// botocore's message for a request that got no HTTP answer.
pub(crate) fn transport_message(
    kind: TransportErrorKind,
    url: &str,
    detail: &TransportError,
) -> String {
    match kind {
        TransportErrorKind::Connect => format!("Could not connect to the endpoint URL: \"{url}\""),
        TransportErrorKind::ConnectTimeout => format!("Connect timeout on endpoint URL: \"{url}\""),
        TransportErrorKind::ReadTimeout => format!("Read timeout on endpoint URL: \"{url}\""),
        TransportErrorKind::ConnectionClosed => format!(
            "Connection was closed before we received a valid response from endpoint URL: \
             \"{url}\"."
        ),
        TransportErrorKind::Tls => format!("SSL validation failed for {url} {}", detail.detail()),
        // The proxy URL, credentials masked (`mask_proxy_url`).
        TransportErrorKind::ProxyConnect => {
            format!("Failed to connect to proxy URL: \"{}\"", detail.detail())
        }
        TransportErrorKind::ResponseTooLarge => format!(
            "The response from endpoint URL \"{url}\" is larger than credchain accepts: {}",
            detail.detail()
        ),
        _ => format!("An HTTP Client raised an unhandled exception: {detail}"),
    }
}

/// Whether botocore's legacy retry handler retries a transport failure:
/// `RETRYABLE_HTTP_ERRORS` plus every other `ConnectionError` subclass
/// (`GENERAL_CONNECTION_ERROR`), which includes `SSLError` and
/// `ProxyConnectionError`.
pub(crate) fn is_retryable_transport(kind: TransportErrorKind) -> bool {
    kind.is_retryable()
        || matches!(
            kind,
            TransportErrorKind::Tls | TransportErrorKind::ProxyConnect
        )
}

/// Resolves the endpoint; botocore requests path `/` when the URL has none.
fn resolve_with_root_path(cfg: &StsEndpointConfig) -> Result<Endpoint, Error> {
    let mut endpoint = cfg.resolve()?;
    super::endpoint::validate_endpoint_url(&endpoint.url)?;
    if crate::http::UrlParts::split(&endpoint.url)
        .path_and_query
        .is_empty()
    {
        endpoint.url.push('/');
    }
    Ok(endpoint)
}

impl<'a> StsClient<'a> {
    /// The client botocore's `create_client('sts')` would build for the
    /// session: region from `region` (explicit), `AWS_DEFAULT_REGION`, or
    /// the profile; endpoint per P-NC-5/6.
    pub fn new(
        os: &'a Os,
        net: &'a Network,
        files: &ConfigFiles,
        profile: Option<&Profile>,
        region: Option<&str>,
    ) -> Result<StsClient<'a>, Error> {
        // An empty value is kept (botocore tells '' from None): it passes
        // the region check and fails as an invalid endpoint below.
        let region = region
            .map(str::to_owned)
            .or_else(|| os.env.get(ev::AWS_DEFAULT_REGION))
            .or_else(|| profile.and_then(|p| p.get_str("region")).map(str::to_owned));
        // botocore validates the region before it builds anything
        // (`Session._resolve_region_name`), so nothing is sent.
        if let Some(r) = &region {
            super::endpoint::validate_region_name(r)?;
        }
        let cfg = StsEndpointConfig::from_settings(&*os.env, files, profile, region.as_deref())?;
        let max_attempts = max_attempts(os, profile)?;
        let endpoint = resolve_with_root_path(&cfg)?;
        Ok(StsClient {
            config: cfg,
            proxy: crate::http::proxy::environ_proxy(&*os.env, &endpoint.url),
            ca_bundle: ca_bundle_setting(os, profile),
            ca_loaded: std::sync::OnceLock::new(),
            verify: true,
            user_agent: crate::http::user_agent(&*os.env),
            os,
            net,
            endpoint,
            max_attempts,
            timeouts: Timeouts::botocore(TIMEOUT),
        })
    }

    /// The AWS CLI's `--ca-bundle PATH` (beats `AWS_CA_BUNDLE` and the
    /// profile's `ca_bundle` for this client only).
    #[must_use]
    pub fn with_ca_bundle(mut self, path: impl AsRef<Path>) -> StsClient<'a> {
        self.ca_bundle = Some(path.as_ref().to_owned());
        self
    }

    /// The AWS CLI's `--no-verify-ssl` (botocore's `verify=False`) for this
    /// client only: `https` certificates and host names are not checked,
    /// and no CA bundle is read. The credential chain's own STS calls keep
    /// their checks, as in the AWS CLI.
    #[must_use]
    pub fn without_certificate_checks(mut self) -> StsClient<'a> {
        self.verify = false;
        self
    }

    /// The AWS CLI's `--cli-connect-timeout` / `--cli-read-timeout` in
    /// seconds for this client; `0` means no timeout, as in the AWS CLI.
    /// The total deadline stays three times the longer of the two.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Option<u32>, read: Option<u32>) -> StsClient<'a> {
        // "No timeout" as a bound far beyond any real call (a day).
        let secs = |s: u32| Duration::from_secs(if s == 0 { 86_400 } else { u64::from(s) });
        if let Some(c) = connect {
            self.timeouts.connect = secs(c);
        }
        if let Some(r) = read {
            self.timeouts.read = secs(r);
        }
        self.timeouts.total = self
            .timeouts
            .connect
            .max(self.timeouts.read)
            .saturating_mul(3);
        self
    }

    /// Uses `url` as the endpoint, as botocore's
    /// `create_client('sts', endpoint_url=url)` (the CLI's `--endpoint-url`)
    /// does: it beats every configured endpoint, for this client only — the
    /// STS calls the credential chain makes keep their own endpoint.
    pub fn with_endpoint_url(mut self, url: &str) -> Result<StsClient<'a>, Error> {
        self.config.params.endpoint = Some(url.to_owned());
        self.endpoint = resolve_with_root_path(&self.config)?;
        self.proxy = crate::http::proxy::environ_proxy(&*self.os.env, &self.endpoint.url);
        Ok(self)
    }

    /// The resolved endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Builds the signed (or, without credentials, unsigned) request.
    pub fn request(&self, body: &str, signer: Option<&Credentials>) -> Result<Request, Error> {
        let mut req = Request::new(HttpMethod::Post, &self.endpoint.url)
            .header("Content-Type", CONTENT_TYPE)
            .with_body(body.as_bytes().to_vec());
        // Neither is signed: botocore leaves User-Agent out of SigV4.
        req.proxy.clone_from(&self.proxy);
        req.headers
            .push(("User-Agent".to_owned(), self.user_agent.clone()));
        if let Some(c) = signer {
            let Some(region) = self.endpoint.signing_region.as_deref() else {
                return Err(Error::Unhandled {
                    class: "NoRegionError",
                    message: "You must specify a region.".into(),
                });
            };
            let secs = self
                .os
                .clock
                .now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let time = sigv4::SigningTime::from_unix_seconds(secs).map_err(signing_error)?;
            let creds = sigv4::Credentials::new(
                c.access_key_id(),
                c.secret_access_key().expose(),
                c.session_token().map(|t| t.expose().to_owned()),
            );
            let to_sign = sigv4::Request::new("POST", &self.endpoint.url)
                .header("Content-Type", CONTENT_TYPE)
                .payload(sigv4::Payload::Bytes(body.as_bytes()));
            let auth = sigv4::sign_headers(
                &to_sign,
                &sigv4::SigningParams {
                    credentials: &creds,
                    region,
                    service: "sts",
                    time,
                    flavor: sigv4::Flavor::Standard,
                },
            )
            .map_err(signing_error)?;
            auth.apply_to(&mut req.headers);
        }
        Ok(req)
    }

    /// The longest one [`StsClient::call`] can take: every attempt's total
    /// deadline. Another process waits this long for a locked fetch of the
    /// same role before it gives up (`fetch_through`).
    pub(crate) fn lock_wait(&self) -> Duration {
        self.timeouts.total.saturating_mul(self.max_attempts.max(1))
    }

    /// Sends one call and returns the body of a 2xx answer; other answers
    /// become botocore's `ClientError`, transport failures its
    /// connection error classes.
    pub fn call(
        &self,
        operation: &str,
        body: &str,
        signer: Option<&Credentials>,
    ) -> Result<String, Error> {
        let mut attempt = 1;
        loop {
            // Each attempt is signed afresh (botocore re-signs on retry).
            let mut req = self.request(body, signer)?;
            req.verify = self.verify;
            let sent = (if self.verify {
                self.load_ca_bundle()
            } else {
                Ok(None)
            })
            .and_then(|ca| {
                req.ca_bundle = ca;
                self.net.http.send(&req, &self.timeouts)
            })
            .map_err(|e| self.proxy_error(e));
            let (error, retryable) = match sent {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp.text()),
                Ok(resp) => {
                    let e = super::parse_error(operation, resp.status, &resp.text());
                    let retryable = match &e {
                        Error::Service { code, .. } => is_retryable_response(resp.status, code),
                        _ => false,
                    };
                    (e, retryable)
                }
                Err(e) => (
                    Error::Unhandled {
                        class: e.kind().botocore_class(),
                        message: transport_message(e.kind(), &self.endpoint.url, &e),
                    },
                    is_retryable_transport(e.kind()),
                ),
            };
            if !retryable || attempt >= self.max_attempts {
                return Err(error);
            }
            legacy_retry_sleep(self.net, attempt);
            attempt += 1;
        }
    }

    /// With a proxy every connection goes to it, so failing to connect is
    /// urllib3's `ProxyError`: botocore's `ProxyConnectionError`, whose
    /// message names the masked proxy URL (carried as the detail).
    fn proxy_error(&self, e: TransportError) -> TransportError {
        match &self.proxy {
            Some(p)
                if matches!(
                    e.kind(),
                    TransportErrorKind::Connect | TransportErrorKind::ProxyConnect
                ) =>
            {
                TransportError::new(
                    TransportErrorKind::ProxyConnect,
                    crate::http::proxy::mask_proxy_url(p),
                )
            }
            _ => e,
        }
    }

    /// The configured CA bundle, read through the session's filesystem and
    /// parsed; a bundle that cannot be read or holds no certificate is an
    /// `SSLError` naming the path (botocore: urllib3 wraps the `OSError` /
    /// `ssl.SSLError` of `load_verify_locations` in its `SSLError`).
    fn load_ca_bundle(&self) -> Result<Option<crate::http::CaBundle>, TransportError> {
        self.ca_loaded.get_or_init(|| self.read_ca_bundle()).clone()
    }

    fn read_ca_bundle(&self) -> Result<Option<crate::http::CaBundle>, TransportError> {
        let Some(path) = &self.ca_bundle else {
            return Ok(None);
        };
        let pem = self.os.fs.read(path).map_err(|e| {
            TransportError::new(
                TransportErrorKind::Tls,
                format!("could not read CA bundle {}: {e}", path.display()),
            )
        })?;
        crate::http::CaBundle::from_pem(path, &pem).map(Some)
    }

    /// `GetCallerIdentity` with `creds` (P-STS-1/2).
    pub fn get_caller_identity(&self, creds: &Credentials) -> Result<CallerIdentity, Error> {
        super::validate::validate(&super::validate::GET_CALLER_IDENTITY, &[])?;
        let body = self.call(
            "GetCallerIdentity",
            &super::get_caller_identity_body(),
            Some(creds),
        )?;
        super::parse_caller_identity(&body)
    }

    /// `GetSessionToken` signed with `creds` (long-term IAM user keys):
    /// temporary credentials, optionally MFA-authenticated with
    /// `serial_number` and `token_code` (the code is sent, never logged).
    /// The answer has `AssumeRole`'s `Credentials` shape, so it is read by
    /// the same parser; the credentials are tagged [`Method::Explicit`]:
    /// the caller decides where they go.
    pub fn get_session_token(
        &self,
        creds: &Credentials,
        duration_seconds: Option<i64>,
        serial_number: Option<&str>,
        token_code: Option<&str>,
    ) -> Result<Credentials, Error> {
        const OP: &str = "GetSessionToken";
        {
            use super::validate::Value::{Int, Str};
            let mut p = Vec::with_capacity(3);
            if let Some(d) = duration_seconds {
                p.push(("DurationSeconds", Int(d)));
            }
            if let Some(s) = serial_number {
                p.push(("SerialNumber", Str(s)));
            }
            if let Some(t) = token_code {
                p.push(("TokenCode", Str(t)));
            }
            super::validate::validate(&super::validate::GET_SESSION_TOKEN, &p)?;
        }
        let body = super::get_session_token_body(duration_seconds, serial_number, token_code);
        let answer = self.call(OP, &body, Some(creds))?;
        let doc = super::parse_assume_role(OP, &answer)?;
        super::credentials_from_doc(&doc, Method::Explicit)
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(signing_error)`
fn signing_error(e: sigv4::SigningError) -> Error {
    Error::Unhandled {
        class: "SigningError",
        message: e.to_string(),
    }
}

/// Sleeps before retry `attempt + 1` as botocore's legacy retry handler
/// does (`delay_exponential('rand', 2, attempt)`: a random fraction of
/// `2^(attempt-1)` seconds). Shared by every client that retries.
pub(crate) fn legacy_retry_sleep(net: &Network, attempt: u32) {
    let base = net.random.randint(0, 999_999);
    #[allow(clippy::cast_precision_loss)] // < 2^20
    let secs = base as f64 / 1e6 * 2f64.powi(i32::try_from(attempt - 1).unwrap_or(i32::MAX));
    net.sleep
        .sleep(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
}
