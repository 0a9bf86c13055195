//! The device-code grant (botocore's `SSOTokenFetcher`): after
//! `StartDeviceAuthorization`, one `CreateToken` attempt before anything
//! is shown (a pre-authorized client needs no prompt), then the
//! verification URL and user code, then `CreateToken` every `interval`
//! seconds (default 5) until the user approves:
//!
//! * `AuthorizationPendingException`: wait and poll again;
//! * `SlowDownException`: the interval grows by 5 s (RFC 8628 §3.5);
//! * `ExpiredTokenException`: `PendingAuthorizationExpiredError`;
//! * any other error (`AccessDeniedException` when the user refuses):
//!   raised as the service's error, as botocore does.
//!
//! Better than botocore, whose loop relies on the service to end it: the
//! whole wait is bounded by the authorization's `expiresIn` (at most
//! [`MAX_WAIT_SECONDS`]), counted both on the clock and as the sum of the
//! sleeps (so a test's instant sleep still ends the loop).
//!
//! Also unlike botocore, the service's `interval` is not trusted as is:
//! botocore's `_poll_for_token` sleeps `interval` exactly as answered
//! (`0` polls in a tight loop; a huge one sleeps for ever, as our
//! `RealSleep` would too). Here it is clamped to
//! [`MIN_INTERVAL`]`..=`[`MAX_INTERVAL`] seconds, slow-downs included, and
//! no sleep outlasts what is left of the wait.

use std::time::Duration;

use serde_json::{Map, Value as Json};

use crate::error::{Error, SsoLoginFailure};
use crate::sso::client::SsoClient;

use super::{Flow, LoginUi, pending_message};

/// The device grant's `grantType`.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Seconds added to the interval on `SlowDownException`.
pub const SLOW_DOWN_DELAY: u64 = 5;
/// The interval when the service gives none.
pub const DEFAULT_INTERVAL: u64 = 5;
/// The shortest poll interval: an `interval` of 0 would hammer `CreateToken`
/// (RFC 8628 §3.5 defaults to 5 s; AWS answers 1).
pub const MIN_INTERVAL: u64 = 1;
/// The longest poll interval: the device code lives 600 s, so a longer one
/// only delays the login; it also keeps a hostile answer (or many
/// `SlowDownException`s) from stalling the process.
pub const MAX_INTERVAL: u64 = 60;
/// The longest wait for approval, whatever `expiresIn` says: device codes
/// live 600 s (IAM Identity Center's `expiresIn`, the AWS CLI's callback
/// timeout), and [`super::LOGIN_LOCK_WAIT`] assumes no login waits longer.
pub const MAX_WAIT_SECONDS: u64 = 600;

/// A poll interval in [`MIN_INTERVAL`]`..=`[`MAX_INTERVAL`].
fn clamp_interval(secs: u64) -> u64 {
    secs.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// The next sleep: the interval, but never past the end of the wait
/// (`None` when the wait is over).
fn next_sleep(interval: u64, elapsed: u64, bound: u64) -> Option<u64> {
    let left = bound.checked_sub(elapsed).filter(|l| *l > 0)?;
    Some(interval.min(left))
}

/// What one `CreateToken` attempt came to.
enum Attempt {
    Token(Map<String, Json>),
    Pending,
    SlowDown,
}

fn int_field(m: &Map<String, Json>, k: &str) -> Option<u64> {
    match m.get(k) {
        Some(Json::Number(n)) => n.as_u64(),
        Some(Json::String(s)) => crate::pyint::py_int_value(s).and_then(|v| u64::try_from(v).ok()),
        _ => None,
    }
}

fn str_field(m: &Map<String, Json>, k: &str) -> Result<String, Error> {
    match m.get(k) {
        Some(Json::String(s)) => Ok(s.clone()),
        _ => Err(Error::Unhandled {
            class: "KeyError",
            message: format!("'{k}' (in the StartDeviceAuthorization answer)"),
        }),
    }
}

fn attempt(
    oidc: &SsoClient<'_>,
    client_id: &str,
    client_secret: &str,
    device_code: &str,
) -> Result<Attempt, Error> {
    let body = serde_json::json!({
        "grantType": GRANT_TYPE,
        "clientId": client_id,
        "clientSecret": client_secret,
        "deviceCode": device_code,
    });
    match oidc.create_token(&body) {
        Ok(m) => Ok(Attempt::Token(m)),
        Err(Error::SsoService { code, .. }) if code == "AuthorizationPendingException" => {
            Ok(Attempt::Pending)
        }
        Err(Error::SsoService { code, .. }) if code == "SlowDownException" => Ok(Attempt::SlowDown),
        Err(Error::SsoService { code, .. }) if code == "ExpiredTokenException" => {
            Err(Error::SsoLogin {
                failure: SsoLoginFailure::PendingAuthorizationExpired,
                detail: String::new(),
            })
        }
        Err(e) => Err(e),
    }
}

/// Runs the grant for a registered client (`(clientId, clientSecret)`):
/// the `CreateToken` answer.
pub(super) fn run(
    oidc: &SsoClient<'_>,
    net: &crate::http::Network,
    clock: &dyn crate::os::Clock,
    ui: &dyn LoginUi,
    open_browser: bool,
    (client_id, client_secret): (&str, &str),
    start_url: &str,
) -> Result<Map<String, Json>, Error> {
    let auth = oidc.start_device_authorization(client_id, client_secret, start_url)?;
    let device_code = crate::credentials::SecretString::new(str_field(&auth, "deviceCode")?);
    let user_code = str_field(&auth, "userCode")?;
    let uri = str_field(&auth, "verificationUri")?;
    let uri_complete = str_field(&auth, "verificationUriComplete")?;
    let expires_in = int_field(&auth, "expiresIn").ok_or_else(|| Error::Unhandled {
        class: "KeyError",
        message: "'expiresIn' (in the StartDeviceAuthorization answer)".into(),
    })?;
    let started = clock.now();
    // botocore's `_authorize_client` computes `now + timedelta(seconds=
    // expiresIn)`: out of `datetime`'s range it raises `OverflowError`.
    if i64::try_from(expires_in)
        .ok()
        .and_then(|s| crate::time::checked_offset(started, s))
        .is_none()
    {
        return Err(Error::date_out_of_range());
    }
    let expires_in = expires_in.min(MAX_WAIT_SECONDS);
    let mut interval = clamp_interval(int_field(&auth, "interval").unwrap_or(DEFAULT_INTERVAL));
    let step = |interval: &mut u64| -> Result<Option<Map<String, Json>>, Error> {
        match attempt(oidc, client_id, client_secret, device_code.expose())? {
            Attempt::Token(m) => Ok(Some(m)),
            Attempt::Pending => {
                ui.debug("CreateToken: authorization pending");
                Ok(None)
            }
            Attempt::SlowDown => {
                *interval = clamp_interval(interval.saturating_add(SLOW_DOWN_DELAY));
                ui.debug(&format!(
                    "CreateToken: slow down; polling every {interval} s"
                ));
                Ok(None)
            }
        }
    };
    if let Some(token) = step(&mut interval)? {
        return Ok(token);
    }
    ui.say(&pending_message(
        Flow::DeviceCode,
        open_browser,
        Some(&user_code),
        &uri,
        &uri_complete,
    ));
    if open_browser {
        if let Err(why) = ui.open_browser(&uri_complete) {
            ui.debug(&format!("could not open a browser: {why}"));
        }
    }
    ui.debug(&format!(
        "waiting for approval: polling every {interval} s for at most {expires_in} s"
    ));
    // botocore's loop: attempt, then sleep (so one attempt follows the
    // prompt at once).
    let mut slept = 0u64;
    loop {
        if let Some(token) = step(&mut interval)? {
            return Ok(token);
        }
        let on_clock = clock
            .now()
            .duration_since(started)
            .unwrap_or_default()
            .as_secs();
        let Some(nap) = next_sleep(interval, slept.max(on_clock), expires_in) else {
            return Err(Error::SsoLogin {
                failure: SsoLoginFailure::PendingAuthorizationExpired,
                detail: format!("the code {user_code} was not approved within {expires_in} s"),
            });
        };
        net.sleep.sleep(Duration::from_secs(nap));
        slept = slept.saturating_add(nap);
        ui.tick();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_is_clamped_and_sleeps_stop_at_the_bound() {
        assert_eq!(clamp_interval(0), MIN_INTERVAL);
        assert_eq!(clamp_interval(7), 7);
        assert_eq!(clamp_interval(u64::MAX), MAX_INTERVAL);
        assert_eq!(
            clamp_interval(u64::MAX.saturating_add(SLOW_DOWN_DELAY)),
            MAX_INTERVAL
        );
        assert_eq!(next_sleep(5, 0, 600), Some(5));
        assert_eq!(next_sleep(60, 590, 600), Some(10));
        assert_eq!(next_sleep(5, 600, 600), None);
        assert_eq!(next_sleep(5, u64::MAX, 600), None);
        assert_eq!(next_sleep(5, 0, 0), None);
    }
}
