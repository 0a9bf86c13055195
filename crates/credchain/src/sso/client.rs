//! The `sso` (portal) and `sso-oidc` clients: endpoint as botocore's
//! rule sets resolve it, unsigned restJson requests, botocore's `legacy`
//! retries (as [`crate::sts::client`]), restJson error parsing.
//!
//! Endpoints (both rule sets have the same shape): a configured endpoint
//! URL wins (`AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL_SSO_OIDC`,
//! `AWS_ENDPOINT_URL`, `[services X]` `sso =` / `sso_oidc =`, profile
//! `endpoint_url`, unless `ignore_configured_endpoint_urls`), FIPS or
//! dual-stack with it is an error; else `https://portal.sso.<region>.<dns>`
//! and `https://oidc.<region>.<dns>`, with the `-fips` and dual-stack
//! variants. The settings come from the **session's** profile (botocore's
//! `session.create_client`), the region from the SSO configuration.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Map, Value as Json};

use crate::config::{ConfigFiles, Profile};
use crate::error::Error;
use crate::http::{HttpMethod, Network, Request, Response, Timeouts, TransportError};
use crate::os::Os;
use crate::sts::client as sts_client;
use crate::sts::endpoint as sts_endpoint;

/// botocore's default connect and read timeout for service clients.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Which SSO service a client talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// The access portal (`sso`): `GetRoleCredentials`, `Logout`.
    Portal,
    /// SSO-OIDC (`sso-oidc`): `CreateToken`, `RegisterClient`, ...
    Oidc,
}

impl Service {
    /// `AWS_ENDPOINT_URL_<suffix>`.
    fn env_suffix(self) -> &'static str {
        match self {
            Service::Portal => "SSO",
            Service::Oidc => "SSO_OIDC",
        }
    }
    /// The sub-section name in `[services X]`.
    fn services_key(self) -> &'static str {
        match self {
            Service::Portal => "sso",
            Service::Oidc => "sso_oidc",
        }
    }
    fn host(self, fips: bool) -> &'static str {
        match (self, fips) {
            (Service::Portal, false) => "portal.sso",
            (Service::Portal, true) => "portal.sso-fips",
            (Service::Oidc, false) => "oidc",
            (Service::Oidc, true) => "oidc-fips",
        }
    }
}

/// The endpoint rule set of `sso` / `sso-oidc` (hand-written; both are
/// the same apart from the host name). The error is the rule set's text.
pub fn resolve_endpoint(
    service: Service,
    region: Option<&str>,
    use_fips: bool,
    use_dual_stack: bool,
    endpoint: Option<&str>,
) -> Result<String, String> {
    if let Some(url) = endpoint {
        if use_fips {
            return Err("Invalid Configuration: FIPS and custom endpoint are not supported".into());
        }
        if use_dual_stack {
            return Err(
                "Invalid Configuration: Dualstack and custom endpoint are not supported".into(),
            );
        }
        return Ok(url.to_owned());
    }
    // An empty region is not missing (botocore tells '' from None): it
    // builds a host-less URL that the caller refuses as an invalid endpoint.
    let Some(r) = region else {
        return Err("Invalid Configuration: Missing Region".into());
    };
    let (name, dns, dual) = sts_endpoint::partition_of(r);
    Ok(match (use_fips, use_dual_stack) {
        (true, true) => format!("https://{}.{r}.{dual}", service.host(true)),
        (true, false) if name == "aws-us-gov" => {
            format!("https://{}.{r}.amazonaws.com", service.host(false))
        }
        (true, false) => format!("https://{}.{r}.{dns}", service.host(true)),
        (false, true) => format!("https://{}.{r}.{dual}", service.host(false)),
        (false, false) => format!("https://{}.{r}.{dns}", service.host(false)),
    })
}

/// botocore's `percent_encode` (RFC 3986 unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Operations of the portal (`sso`); every other one is SSO-OIDC's.
const PORTAL_OPERATIONS: [&str; 4] = [
    "GetRoleCredentials",
    "ListAccountRoles",
    "ListAccounts",
    "Logout",
];

/// The botocore exception class of an error code of `operation`'s service:
/// that service model's modeled exceptions (botocore 1.43.11), else
/// `ClientError`.
pub fn error_class(operation: &str, code: &str) -> &'static str {
    const PORTAL: [&str; 4] = [
        "InvalidRequestException",
        "ResourceNotFoundException",
        "TooManyRequestsException",
        "UnauthorizedException",
    ];
    const OIDC: [&str; 14] = [
        "AccessDeniedException",
        "AuthorizationPendingException",
        "ExpiredTokenException",
        "InternalServerException",
        "InvalidClientException",
        "InvalidClientMetadataException",
        "InvalidGrantException",
        "InvalidRedirectUriException",
        "InvalidRequestException",
        "InvalidRequestRegionException",
        "InvalidScopeException",
        "SlowDownException",
        "UnauthorizedClientException",
        "UnsupportedGrantTypeException",
    ];
    let modeled: &[&'static str] = if PORTAL_OPERATIONS.contains(&operation) {
        &PORTAL
    } else {
        &OIDC
    };
    modeled
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("ClientError")
}

/// botocore's restJson error parse: the code from `x-amzn-ErrorType`, the
/// body's `code`/`Code`, its `__type`, else the HTTP status; the message
/// from `message`/`Message`, or the body itself when it is not JSON.
pub fn parse_error(operation: &str, resp: &Response) -> Error {
    let text = resp.text();
    let body: Option<Map<String, Json>> = match serde_json::from_str::<Json>(&text) {
        Ok(Json::Object(m)) => Some(m),
        _ => None,
    };
    let clean = |c: &str| {
        let c = c.split(':').next().unwrap_or("");
        c.rsplit('#').next().unwrap_or("").to_owned()
    };
    let header = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-errortype"))
        .map(|(_, v)| clean(v));
    let from_body = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Json::as_str)
            .map(clean)
    };
    let code = header
        .or_else(|| from_body("code"))
        .or_else(|| from_body("Code"))
        .or_else(|| from_body("__type"))
        .unwrap_or_else(|| resp.status.to_string());
    let message = match &body {
        Some(b) => b
            .get("message")
            .or_else(|| b.get("Message"))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned(),
        None => text,
    };
    Error::SsoService {
        operation: operation.to_owned(),
        code,
        message,
    }
}

/// An `sso` or `sso-oidc` client bound to an OS and a network.
pub struct SsoClient<'a> {
    os: &'a Os,
    net: &'a Network,
    base: String,
    max_attempts: u32,
    ca_bundle: Option<std::path::PathBuf>,
    user_agent: String,
    timeouts: Timeouts,
}

impl<'a> SsoClient<'a> {
    /// The client botocore's `create_client(service, region_name=region)`
    /// builds for a session whose profile is `profile`.
    pub fn new(
        os: &'a Os,
        net: &'a Network,
        files: &ConfigFiles,
        profile: Option<&Profile>,
        service: Service,
        region: &str,
    ) -> Result<SsoClient<'a>, Error> {
        // botocore's `create_client` checks the region before anything else,
        // even when an endpoint URL is configured (verified with 1.43.11).
        sts_endpoint::validate_region_name(region)?;
        let env = &*os.env;
        let endpoint = sts_endpoint::configured_endpoint_url_for(
            env,
            files,
            profile,
            service.env_suffix(),
            service.services_key(),
        )?;
        let fips =
            sts_endpoint::bool_setting(env, profile, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
        let dual = sts_endpoint::bool_setting(
            env,
            profile,
            "AWS_USE_DUALSTACK_ENDPOINT",
            "use_dualstack_endpoint",
        );
        let base = resolve_endpoint(service, Some(region), fips, dual, endpoint.as_deref())
            .map_err(|message| Error::Unhandled {
                class: "EndpointResolutionError",
                message,
            })?;
        // An empty region passes the region check and yields a host-less URL
        // (`https://portal.sso..amazonaws.com`): `ValueError: Invalid
        // endpoint`, as botocore; nothing is sent.
        sts_endpoint::validate_endpoint_url(&base)?;
        Ok(SsoClient {
            max_attempts: sts_client::max_attempts(os, profile)?,
            ca_bundle: sts_client::ca_bundle_setting(os, profile),
            user_agent: crate::http::user_agent(env),
            base,
            os,
            net,
            timeouts: Timeouts::botocore(TIMEOUT),
        })
    }

    /// Uses other time limits (tests of slow servers).
    #[must_use]
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> SsoClient<'a> {
        self.timeouts = timeouts;
        self
    }

    /// The longest one call can take: every attempt's total deadline.
    /// Callers that lock a cache entry around a call wait this long (plus
    /// the token refresh's own lock wait) for another process's call.
    pub fn call_bound(&self) -> Duration {
        self.timeouts.total.saturating_mul(self.max_attempts.max(1))
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.base
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base.trim_end_matches('/'))
    }

    fn load_ca_bundle(&self) -> Result<Option<crate::http::CaBundle>, TransportError> {
        let Some(path) = &self.ca_bundle else {
            return Ok(None);
        };
        let pem = self.os.fs.read(path).map_err(|e| {
            TransportError::new(
                crate::http::TransportErrorKind::Tls,
                format!("could not read CA bundle {}: {e}", path.display()),
            )
        })?;
        crate::http::CaBundle::from_pem(path, &pem).map(Some)
    }

    /// Sends `req` with botocore's legacy retries; the 2xx answer, or the
    /// error (restJson document or transport failure).
    fn send(&self, operation: &str, mut req: Request) -> Result<Response, Error> {
        req.proxy = crate::http::proxy::environ_proxy(&*self.os.env, &req.url);
        req.headers
            .push(("User-Agent".to_owned(), self.user_agent.clone()));
        let mut attempt = 1;
        loop {
            let sent = self.load_ca_bundle().and_then(|ca| {
                req.ca_bundle = ca;
                self.net.http.send(&req, &self.timeouts)
            });
            let (error, retryable) = match sent {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
                Ok(resp) => {
                    let e = parse_error(operation, &resp);
                    let retryable = match &e {
                        Error::SsoService { code, .. } => {
                            sts_client::is_retryable_response(resp.status, code)
                        }
                        _ => false,
                    };
                    (e, retryable)
                }
                Err(e) => (
                    Error::Unhandled {
                        class: e.kind().botocore_class(),
                        message: sts_client::transport_message(e.kind(), &req.url, &e),
                    },
                    sts_client::is_retryable_transport(e.kind()),
                ),
            };
            if !retryable || attempt >= self.max_attempts {
                return Err(error);
            }
            sts_client::legacy_retry_sleep(self.net, attempt);
            attempt += 1;
        }
    }

    /// The request `GetRoleCredentials` sends (P-SSO-7).
    pub fn get_role_credentials_request(
        &self,
        access_token: &str,
        role_name: &str,
        account_id: &str,
    ) -> Request {
        let url = self.url(&format!(
            "/federation/credentials?role_name={}&account_id={}",
            percent_encode(role_name),
            percent_encode(account_id)
        ));
        Request::new(HttpMethod::Get, url).header("x-amz-sso_bearer_token", access_token)
    }

    /// `GetRoleCredentials`: the answer as the AWS CLI caches it,
    /// `{"ProviderType": "sso", "Credentials": {...}}` (P-SSO-8). A 401
    /// `UnauthorizedException` is `UnauthorizedSSOTokenError` (the caller
    /// adds the login hint, so it comes back as `Ok(Err(..))`).
    pub fn get_role_credentials(
        &self,
        access_token: &str,
        role_name: &str,
        account_id: &str,
    ) -> Result<Json, Error> {
        const OP: &str = "GetRoleCredentials";
        let req = self.get_role_credentials_request(access_token, role_name, account_id);
        let resp = self.send(OP, req)?;
        let body = json_body(&resp);
        let key_error = |k: &str| Error::Unhandled {
            class: "KeyError",
            message: format!("'{k}' (in the {OP} answer)"),
        };
        let rc = body
            .get("roleCredentials")
            .filter(|v| !v.is_null())
            .ok_or_else(|| key_error("roleCredentials"))?;
        let field = |k: &str| -> Result<String, Error> {
            match rc.get(k) {
                Some(Json::String(s)) => Ok(s.clone()),
                _ => Err(key_error(k)),
            }
        };
        let access_key_id = field("accessKeyId")?;
        let secret = field("secretAccessKey")?;
        let session_token = field("sessionToken")?;
        let expiration_ms = match rc.get("expiration") {
            Some(Json::Number(n)) => n.as_i64().or_else(|| {
                #[allow(clippy::cast_possible_truncation)]
                n.as_f64().map(|f| f as i64)
            }),
            Some(Json::String(s)) => crate::pyint::py_int_value(s),
            _ => None,
        }
        .ok_or_else(|| key_error("expiration"))?;
        let t = if expiration_ms >= 0 {
            std::time::UNIX_EPOCH + Duration::from_millis(expiration_ms.unsigned_abs())
        } else {
            std::time::UNIX_EPOCH - Duration::from_millis(expiration_ms.unsigned_abs())
        };
        Ok(serde_json::json!({
            "ProviderType": "sso",
            "Credentials": {
                "AccessKeyId": access_key_id,
                "SecretAccessKey": secret,
                "SessionToken": session_token,
                "Expiration": super::token::utc_z(t),
            }
        }))
    }

    /// One page of the portal's `ListAccounts` (`GET /assignment/accounts`
    /// with the bearer token; `next_token` and `max_result` in the query,
    /// in the model's member order, as botocore sends them): the accounts
    /// and the `nextToken` of the next page.
    pub fn list_accounts_page(
        &self,
        access_token: &str,
        next_token: Option<&str>,
        max_results: Option<u32>,
    ) -> Result<(Vec<AccountInfo>, Option<String>), Error> {
        const OP: &str = "ListAccounts";
        let url = self.url(&format!(
            "/assignment/accounts{}",
            page_query(next_token, max_results, &[])
        ));
        let req = Request::new(HttpMethod::Get, url).header("x-amz-sso_bearer_token", access_token);
        let body = json_body(&self.send(OP, req)?);
        let accounts = list_of(&body, "accountList")
            .iter()
            .filter_map(|a| {
                let s = |k: &str| a.get(k).and_then(Json::as_str).map(str::to_owned);
                Some(AccountInfo {
                    account_id: s("accountId")?,
                    account_name: s("accountName"),
                    email_address: s("emailAddress"),
                })
            })
            .collect();
        Ok((accounts, next_of(&body)))
    }

    /// One page of the portal's `ListAccountRoles` (`GET
    /// /assignment/roles`): the role names and the next page's token.
    pub fn list_account_roles_page(
        &self,
        access_token: &str,
        account_id: &str,
        next_token: Option<&str>,
        max_results: Option<u32>,
    ) -> Result<(Vec<String>, Option<String>), Error> {
        const OP: &str = "ListAccountRoles";
        let url = self.url(&format!(
            "/assignment/roles{}",
            page_query(next_token, max_results, &[("account_id", account_id)])
        ));
        let req = Request::new(HttpMethod::Get, url).header("x-amz-sso_bearer_token", access_token);
        let body = json_body(&self.send(OP, req)?);
        let roles = list_of(&body, "roleList")
            .iter()
            .filter_map(|r| r.get("roleName").and_then(Json::as_str).map(str::to_owned))
            .collect();
        Ok((roles, next_of(&body)))
    }

    /// Every account the token can see: `ListAccounts` page after page
    /// (botocore's paginator: `nextToken` in, `nextToken` out; the same
    /// token twice is its `PaginationError`, so a portal that loops cannot
    /// hang us).
    pub fn list_accounts(&self, access_token: &str) -> Result<Vec<AccountInfo>, Error> {
        paginate("ListAccounts", |next| {
            self.list_accounts_page(access_token, next, None)
        })
    }

    /// Every role of `account_id` the token can use (`ListAccountRoles`,
    /// paginated as [`SsoClient::list_accounts`]).
    pub fn list_account_roles(
        &self,
        access_token: &str,
        account_id: &str,
    ) -> Result<Vec<String>, Error> {
        paginate("ListAccountRoles", |next| {
            self.list_account_roles_page(access_token, account_id, next, None)
        })
    }

    /// The portal's `Logout` (`POST /logout` with the bearer token): ends
    /// the sign-in session the token belongs to.
    pub fn logout(&self, access_token: &str) -> Result<(), Error> {
        let req = Request::new(HttpMethod::Post, self.url("/logout"))
            .header("x-amz-sso_bearer_token", access_token);
        self.send("Logout", req).map(|_| ())
    }

    /// POSTs `body` (restJson, unsigned) to `path` as `operation`: the
    /// answer's fields.
    fn post_json(
        &self,
        operation: &str,
        path: &str,
        body: &Json,
    ) -> Result<Map<String, Json>, Error> {
        let req = Request::new(HttpMethod::Post, self.url(path))
            .header("Content-Type", "application/json")
            .with_body(body.to_string());
        let resp = self.send(operation, req)?;
        Ok(json_body(&resp))
    }

    /// SSO-OIDC `RegisterClient` (`POST /client/register`) with `body`
    /// (`clientName`, `clientType`, and for the authorization-code grant
    /// `grantTypes`, `redirectUris`, `issuerUrl`, `scopes`): the answer
    /// (`clientId`, `clientSecret`, `clientSecretExpiresAt` in epoch seconds).
    pub fn register_client(&self, body: &Json) -> Result<Map<String, Json>, Error> {
        self.post_json("RegisterClient", "/client/register", body)
    }

    /// SSO-OIDC `StartDeviceAuthorization` (`POST /device_authorization`):
    /// `deviceCode`, `userCode`, `verificationUri`,
    /// `verificationUriComplete`, `expiresIn` (s), optional `interval` (s).
    pub fn start_device_authorization(
        &self,
        client_id: &str,
        client_secret: &str,
        start_url: &str,
    ) -> Result<Map<String, Json>, Error> {
        let body = serde_json::json!({
            "clientId": client_id,
            "clientSecret": client_secret,
            "startUrl": start_url,
        });
        self.post_json("StartDeviceAuthorization", "/device_authorization", &body)
    }

    /// SSO-OIDC `CreateToken` (`POST /token`) with any grant: `body` holds
    /// `grantType` and its parameters, in the order botocore sends them.
    pub fn create_token(&self, body: &Json) -> Result<Map<String, Json>, Error> {
        self.post_json("CreateToken", "/token", body)
    }

    /// `CreateToken` with the refresh-token grant (P-SSO-6): the answer's
    /// fields (`accessToken`, `expiresIn`, optional `refreshToken`).
    pub fn create_token_refresh(
        &self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
    ) -> Result<Map<String, Json>, Error> {
        const OP: &str = "CreateToken";
        let body = serde_json::json!({
            "clientId": client_id,
            "clientSecret": client_secret,
            "grantType": "refresh_token",
            "refreshToken": refresh_token,
        });
        let req = Request::new(HttpMethod::Post, self.url("/token"))
            .header("Content-Type", "application/json")
            .with_body(body.to_string());
        let resp = self.send(OP, req)?;
        Ok(json_body(&resp))
    }
}

/// One account of `ListAccounts` (`accountName` and `emailAddress` may be
/// missing, as the AWS CLI's `display_account` allows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// `accountId`.
    pub account_id: String,
    /// `accountName`.
    pub account_name: Option<String>,
    /// `emailAddress`.
    pub email_address: Option<String>,
}

/// The query of a paginated portal call: the model's member order
/// (`nextToken` → `next_token`, `maxResults` → `max_result`, then the
/// operation's own members).
fn page_query(next_token: Option<&str>, max_results: Option<u32>, rest: &[(&str, &str)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = next_token {
        parts.push(format!("next_token={}", percent_encode(t)));
    }
    if let Some(m) = max_results {
        parts.push(format!("max_result={m}"));
    }
    for (k, v) in rest {
        parts.push(format!("{k}={}", percent_encode(v)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn list_of<'b>(body: &'b Map<String, Json>, key: &str) -> &'b [Json] {
    body.get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

fn next_of(body: &Map<String, Json>) -> Option<String> {
    body.get("nextToken")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// At most this many pages are read of one listing.
const MAX_PAGES: usize = 10_000;

/// Reads pages until one has no `nextToken`.
fn paginate<T>(
    operation: &str,
    mut page: impl FnMut(Option<&str>) -> Result<(Vec<T>, Option<String>), Error>,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_PAGES {
        let (items, token) = page(next.as_deref())?;
        out.extend(items);
        match token {
            None => return Ok(out),
            Some(t) if !seen.insert(t.clone()) => {
                return Err(Error::Unhandled {
                    class: "PaginationError",
                    message: format!(
                        "Error during pagination: The same next token was received twice \
                         ({operation})"
                    ),
                });
            }
            Some(t) => next = Some(t),
        }
    }
    Err(Error::Unhandled {
        class: "PaginationError",
        message: format!("{operation}: more than {MAX_PAGES} pages"),
    })
}

/// A 2xx restJson body as botocore's parser sees it: an object, `{}` when
/// empty, `{"message": text}` when it is not JSON (so the caller's
/// field lookups fail with `KeyError`, as in botocore).
fn json_body(resp: &Response) -> Map<String, Json> {
    if resp.body.is_empty() {
        return Map::new();
    }
    if let Ok(Json::Object(m)) = serde_json::from_slice::<Json>(&resp.body) {
        m
    } else {
        let mut m = Map::new();
        m.insert("message".into(), Json::String(resp.text()));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_sets_match_botocore() {
        let r = |s, region: Option<&str>, fips, dual, ep: Option<&str>| {
            resolve_endpoint(s, region, fips, dual, ep)
        };
        assert_eq!(
            r(Service::Portal, Some("eu-west-1"), false, false, None).unwrap(),
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            r(Service::Oidc, Some("us-east-1"), false, false, None).unwrap(),
            "https://oidc.us-east-1.amazonaws.com"
        );
        assert_eq!(
            r(Service::Oidc, Some("cn-north-1"), false, false, None).unwrap(),
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            r(Service::Portal, Some("us-east-1"), true, false, None).unwrap(),
            "https://portal.sso-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            r(Service::Portal, Some("us-gov-west-1"), true, false, None).unwrap(),
            "https://portal.sso.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            r(Service::Oidc, Some("us-east-1"), false, true, None).unwrap(),
            "https://oidc.us-east-1.api.aws"
        );
        assert_eq!(
            r(
                Service::Oidc,
                Some("us-east-1"),
                true,
                false,
                Some("http://x")
            )
            .unwrap_err(),
            "Invalid Configuration: FIPS and custom endpoint are not supported"
        );
        assert_eq!(
            r(Service::Oidc, None, false, false, None).unwrap_err(),
            "Invalid Configuration: Missing Region"
        );
    }

    fn endpoint(env: &[(&str, &str)], config: &str, service: Service) -> String {
        let os = Os {
            env: std::sync::Arc::new(crate::os::MapEnv::from_pairs(env.iter().copied())),
            ..Os::real()
        };
        let net = Network::offline();
        let files = ConfigFiles::from_texts(Some(config), None).unwrap();
        SsoClient::new(
            &os,
            &net,
            &files,
            files.profile("default"),
            service,
            "us-west-2",
        )
        .map_or_else(
            |e| format!("{}: {e}", e.kind()),
            |c| c.endpoint().to_owned(),
        )
    }

    #[test]
    fn p_nc_5_configured_endpoints_per_service() {
        let env = [
            ("AWS_ENDPOINT_URL_SSO", "http://sso"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc"),
            ("AWS_ENDPOINT_URL", "http://global"),
        ];
        assert_eq!(endpoint(&env, "", Service::Portal), "http://sso");
        assert_eq!(endpoint(&env, "", Service::Oidc), "http://oidc");
        assert_eq!(endpoint(&env[2..], "", Service::Oidc), "http://global");
        let services = "[default]\nservices = s\nendpoint_url = http://profile\n\
                        [services s]\nsso =\n  endpoint_url = http://svc-sso\n\
                        sso_oidc =\n  endpoint_url = http://svc-oidc\n";
        assert_eq!(endpoint(&[], services, Service::Portal), "http://svc-sso");
        assert_eq!(endpoint(&[], services, Service::Oidc), "http://svc-oidc");
        assert_eq!(
            endpoint(
                &[],
                "[default]\nendpoint_url = http://profile\n",
                Service::Oidc
            ),
            "http://profile"
        );
        assert_eq!(
            endpoint(
                &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), env[0]],
                services,
                Service::Portal
            ),
            "https://portal.sso.us-west-2.amazonaws.com"
        );
        assert_eq!(
            endpoint(
                &[("AWS_USE_FIPS_ENDPOINT", "true"), env[0]],
                "",
                Service::Portal
            ),
            "EndpointResolutionError: Invalid Configuration: FIPS and custom endpoint are not \
             supported"
        );
    }

    #[test]
    fn rest_json_errors_parse_like_botocore() {
        let resp = |status, headers: &[(&str, &str)], body: &str| Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        let e = parse_error(
            "GetRoleCredentials",
            &resp(
                401,
                &[("X-Amzn-ErrorType", "UnauthorizedException:http://x")],
                r#"{"message":"Session token not found or invalid"}"#,
            ),
        );
        assert_eq!(e.kind(), "UnauthorizedException");
        assert_eq!(
            e.to_string(),
            "An error occurred (UnauthorizedException) when calling the GetRoleCredentials \
             operation: Session token not found or invalid"
        );
        let e = parse_error(
            "CreateToken",
            &resp(400, &[], r#"{"__type":"a#InvalidGrantException"}"#),
        );
        assert_eq!(e.kind(), "InvalidGrantException");
        // Modeled per service: AccessDeniedException is SSO-OIDC's only.
        assert_eq!(
            error_class("CreateToken", "AccessDeniedException"),
            "AccessDeniedException"
        );
        assert_eq!(
            error_class("GetRoleCredentials", "AccessDeniedException"),
            "ClientError"
        );
        let e = parse_error("CreateToken", &resp(403, &[], "nope"));
        assert_eq!(
            (e.kind(), e.to_string().ends_with(": nope")),
            ("ClientError", true)
        );
        assert!(e.to_string().contains("(403)"));
    }

    #[test]
    fn query_is_percent_encoded() {
        let os = Os {
            env: std::sync::Arc::new(crate::os::MapEnv::default()),
            ..Os::real()
        };
        let net = Network::offline();
        let files = ConfigFiles::from_texts(Some(""), None).unwrap();
        let c = SsoClient::new(&os, &net, &files, None, Service::Portal, "us-east-1").unwrap();
        let req = c.get_role_credentials_request("tok", "Admin Role/x", "0123");
        assert_eq!(
            req.url,
            "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name=\
             Admin%20Role%2Fx&account_id=0123"
        );
        assert_eq!(req.header_value("x-amz-sso_bearer_token"), Some("tok"));
    }
}
