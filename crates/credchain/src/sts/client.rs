//! The one place STS calls are made: endpoint from the session's settings,
//! body from [`super`], SigV4 from `credchain-sigv4`, transport from
//! [`crate::http::HttpClient`]. Retries follow botocore's `legacy` mode
//! (`_retry.json`): up to 5 attempts on connection errors, 429/500/502/
//! 503/504/509 and the throttling error codes, sleeping `rand * 2^(n-1)`
//! seconds. `AWS_MAX_ATTEMPTS` / `max_attempts` set the total; `retry_mode`
//! is not read (legacy is assumed).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use credchain_sigv4 as sigv4;

use super::endpoint::{Endpoint, StsEndpointConfig};
use super::{CONTENT_TYPE, CallerIdentity};
use crate::cache::CredentialCache;
use crate::config::{ConfigFiles, Profile};
use crate::credentials::Credentials;
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

/// Asks the user for an MFA code (botocore's `getpass` prompt, P-AR-6).
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
}

/// `max_attempts` (`AWS_MAX_ATTEMPTS` first, P-NC-4): Python `int()`, at
/// least 1; botocore checks it when it creates the client.
fn max_attempts(os: &Os, profile: Option<&Profile>) -> Result<u32, Error> {
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
fn transport_message(kind: TransportErrorKind, url: &str, detail: &TransportError) -> String {
    match kind {
        TransportErrorKind::Connect => format!("Could not connect to the endpoint URL: \"{url}\""),
        TransportErrorKind::ConnectTimeout => format!("Connect timeout on endpoint URL: \"{url}\""),
        TransportErrorKind::ReadTimeout => format!("Read timeout on endpoint URL: \"{url}\""),
        TransportErrorKind::ConnectionClosed => format!(
            "Connection was closed before we received a valid response from endpoint URL: \
             \"{url}\"."
        ),
        _ => format!("An HTTP Client raised an unhandled exception: {detail}"),
    }
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
        let region = region
            .map(str::to_owned)
            .or_else(|| os.env.get(ev::AWS_DEFAULT_REGION))
            .or_else(|| profile.and_then(|p| p.get_str("region")).map(str::to_owned))
            .filter(|r| !r.is_empty());
        let cfg = StsEndpointConfig::from_settings(&*os.env, files, profile, region.as_deref())?;
        let max_attempts = max_attempts(os, profile)?;
        let mut endpoint = cfg.resolve()?;
        // botocore requests path `/`.
        if crate::http::UrlParts::split(&endpoint.url)
            .path_and_query
            .is_empty()
        {
            endpoint.url.push('/');
        }
        Ok(StsClient {
            os,
            net,
            endpoint,
            max_attempts,
        })
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
            let req = self.request(body, signer)?;
            let (error, retryable) = match self.net.http.send(&req, &Timeouts::botocore(TIMEOUT)) {
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
                    e.kind().is_retryable(),
                ),
            };
            if !retryable || attempt >= self.max_attempts {
                return Err(error);
            }
            // `delay_exponential('rand', 2, attempt)`.
            let base = self.net.random.randint(0, 999_999);
            #[allow(clippy::cast_precision_loss)] // < 2^20
            let secs =
                base as f64 / 1e6 * 2f64.powi(i32::try_from(attempt - 1).unwrap_or(i32::MAX));
            self.net
                .sleep
                .sleep(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
            attempt += 1;
        }
    }

    /// `GetCallerIdentity` with `creds` (P-STS-1/2).
    pub fn get_caller_identity(&self, creds: &Credentials) -> Result<CallerIdentity, Error> {
        let body = self.call(
            "GetCallerIdentity",
            &super::get_caller_identity_body(),
            Some(creds),
        )?;
        super::parse_caller_identity(&body)
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(signing_error)`
fn signing_error(e: sigv4::SigningError) -> Error {
    Error::Unhandled {
        class: "SigningError",
        message: e.to_string(),
    }
}
