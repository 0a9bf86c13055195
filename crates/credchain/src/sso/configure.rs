//! What `configure sso` needs from IAM Identity Center: a token for the
//! session being configured (the cached one while it is valid, else a
//! login, as the AWS CLI v2's `do_sso_login` through `SSOTokenFetcher`),
//! and the (account, role) pairs it can see (`ListAccounts`,
//! `ListAccountRoles`, every page).
//!
//! The login is [`super::login::login`] itself; nothing is duplicated.

use super::client::{AccountInfo, Service, SsoClient};
use super::login::{self, LoginOptions, LoginOutcome, LoginTarget, LoginUi};
use super::{AccessToken, OidcAccess, TokenState, token};
use crate::config::populate::Assignment;
use crate::credentials::SecretString;
use crate::error::Error;

/// A token for `target` and the login that made it, if one was needed.
#[derive(Debug)]
pub struct ConfigureToken {
    /// The token.
    pub token: AccessToken,
    /// `Some` when this call logged in.
    pub login: Option<LoginOutcome>,
}

/// The cached token for `target` when it has at least
/// [`login::EXPIRY_WINDOW_SECONDS`] left and `force_login` is false
/// (`SSOTokenFetcher._is_expired`), else a login with `opts`. The AWS CLI
/// forces the login for a new sso-session, so that an older token cached
/// under the same name is never used for it. `flow_note` (why this flow,
/// from [`login::choose_flow`]) is shown only when a login happens.
pub fn token(
    access: &OidcAccess<'_>,
    target: &LoginTarget,
    force_login: bool,
    opts: &LoginOptions,
    flow_note: Option<&str>,
    ui: &dyn LoginUi,
) -> Result<ConfigureToken, Error> {
    let os = access.os;
    let dir = token::cache_dir(&*os.env, &*os.fs);
    let load = || token::load(&*os.fs, &dir, &target.start_url, target.session.as_deref()).ok();
    if !force_login
        && let Some(doc) = load()
        && let Ok(exp) = doc.expires_at()
        && exp.seconds_after(os.clock.now()) >= login::EXPIRY_WINDOW_SECONDS
        && let Some(t) = doc.access_token()
    {
        ui.debug("using the cached token (valid for more than 15 minutes)");
        return Ok(ConfigureToken {
            token: AccessToken {
                token: SecretString::new(t),
                path: token::token_path(
                    &dir,
                    &token::cache_key(&target.start_url, target.session.as_deref()),
                ),
                expires_at: exp,
                state: TokenState::Valid,
            },
            login: None,
        });
    }
    if let Some(n) = flow_note {
        ui.note(n);
    }
    let outcome = login::login(access, target, opts, ui)?;
    let doc = load().ok_or_else(|| Error::Unhandled {
        class: "SSOTokenLoadError",
        message: format!(
            "the token written by the login is unreadable: {}",
            outcome.token_path.display()
        ),
    })?;
    let t = doc.access_token().ok_or_else(|| Error::Unhandled {
        class: "SSOTokenLoadError",
        message: "the token written by the login has no accessToken".into(),
    })?;
    Ok(ConfigureToken {
        token: AccessToken {
            token: SecretString::new(t),
            path: outcome.token_path.clone(),
            expires_at: outcome.expires_at,
            state: TokenState::Valid,
        },
        login: Some(outcome),
    })
}

/// The portal client for `region` (the AWS CLI builds it unsigned, with
/// the sso region and no profile: the default profile's endpoint settings
/// apply, as botocore's with no profile selected).
pub fn portal<'a>(access: &OidcAccess<'a>, region: &str) -> Result<SsoClient<'a>, Error> {
    SsoClient::new(
        access.os,
        access.net,
        access.files,
        access.files.profile("default"),
        Service::Portal,
        region,
    )
}

/// Every (account, role) pair the token can use, accounts in
/// `ListAccounts` order, roles in `ListAccountRoles` order.
pub fn assignments(client: &SsoClient<'_>, token: &AccessToken) -> Result<Vec<Assignment>, Error> {
    let accounts: Vec<AccountInfo> = client.list_accounts(token.expose())?;
    let mut out = Vec::new();
    for a in accounts {
        for role in client.list_account_roles(token.expose(), &a.account_id)? {
            out.push(Assignment {
                account_id: a.account_id.clone(),
                account_name: a.account_name.clone(),
                role_name: role,
            });
        }
    }
    Ok(out)
}
