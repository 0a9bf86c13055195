/*!
botocore's credential chain, as [credchain] resolves it, for the AWS SDK for
Rust: a [`CredentialsProvider`] (the SDK's [`ProvideCredentials`]) and a
[`RegionProvider`] built on a [`credchain::Session`].

```no_run
# async fn demo() -> Result<(), credchain::Error> {
use aws_config::BehaviorVersion;

let provider = credchain_aws_sdk::CredentialsProvider::from_profile("dev")?;
let config = aws_config::defaults(BehaviorVersion::latest())
    .credentials_provider(provider.clone())
    .region(provider.region())
    .load()
    .await;
# let _ = config;
# Ok(())
# }
```

The provider keeps the session's [`RefreshableCredentials`] and calls
[`RefreshableCredentials::get_frozen_credentials`] each time the SDK asks:
refresh windows (15 minutes advisory, 10 mandatory) and the one-call-per-
process single flight are credchain's, as in botocore. The SDK's identity
cache sits in front of it and asks again only when its copy nears expiry.

# Blocking work

credchain is synchronous: resolving reads files, may run a
`credential_process`, call STS / SSO / IMDS over blocking HTTP, or ask for an
MFA code. None of that runs on the async executor. With the `tokio` feature
(default) and a current tokio runtime, it runs on
`tokio::task::spawn_blocking`'s pool; otherwise (no runtime, another
executor, or the feature off) on a short-lived thread of its own, whose
answer is awaited without blocking. Either way the SDK's identity cache
calls the provider rarely (once per credential lifetime), so a thread per
call costs nothing that matters.

The SDK's identity cache gives up on a load after 5 seconds
(`ProviderTimedOut`). An MFA prompt, or a slow `credential_process`, needs
more: raise it with `IdentityCache::lazy().load_timeout(..)` (the work goes
on in the background and its answer is cached by credchain, so the next
call gets it).

# What differs from `aws-config`'s default chain

`aws-config`'s `DefaultCredentialsChain` tries, in order: environment
variables (`AWS_ACCESS_KEY_ID`…), the shared profile files (static keys,
`role_arn` + `source_profile` / `credential_source`, `sso_session`,
`credential_process`, `login_session`), web identity
(`AWS_WEB_IDENTITY_TOKEN_FILE`), ECS / container endpoint, then IMDS. This
provider follows botocore (and the AWS CLI, Python's boto3) instead:

* **Order.** botocore's (P-CHAIN-1, see [credchain]'s crate docs):
  explicit session keys, environment, assume-role, web identity, SSO, the
  shared credentials file's keys, `login_session`, `credential_process`,
  the config file's keys (so a profile's `credential_process` beats static
  keys in `~/.aws/config` but not those in `~/.aws/credentials`),
  `AWS_CREDENTIAL_FILE`, **boto2's `~/.boto` / `BOTO_CONFIG`** (both
  unknown to `aws-config`), container, IMDS.
* **Explicit profile semantics.** With a profile given in code
  ([`CredentialsProvider::from_profile`], like `--profile` /
  `boto3.Session(profile_name=..)`), botocore skips the environment keys
  entirely: the profile's credentials win even when `AWS_ACCESS_KEY_ID` is
  set. `aws-config` (`ProfileFileCredentialsProvider` aside) always lets the
  environment win. With `AWS_PROFILE` instead (no explicit profile) the
  environment keys still win, as in both.
* **Region.** botocore's: the session's region, `AWS_DEFAULT_REGION` (not
  `AWS_REGION`, which botocore ignores and `aws-config` reads first), then
  the profile's `region`; never IMDS (`aws-config` asks IMDS last).
* **Cache shared with the AWS CLI.** [`CredentialsProvider::from_profile`]
  and [`CredentialsProvider::from_env`] read and write the AWS CLI's
  `~/.aws/cli/cache` for assumed roles, web identity and SSO role
  credentials: a role the CLI (or `credchain`) assumed is reused without an
  STS call or MFA prompt, and one assumed here is reused by the CLI.
  `aws-config` keeps them in memory only.
* **MFA.** `mfa_serial` works: [`CredentialsProvider::from_profile`],
  [`CredentialsProvider::from_env`] and
  [`CredentialsProvider::cli_session_builder`] ask for the code as botocore
  does by default, on the controlling terminal with echo off
  ([`credchain::sts::client::TerminalMfaPrompt`], `getpass`'s prompt
  `Enter MFA code for <serial>: `); one prompt however many SDK calls wait.
  [`credchain::SessionBuilder::mfa_prompt`] on
  [`CredentialsProvider::cli_session_builder`] replaces it (a GUI dialog, a
  code from elsewhere). With no terminal (a service, a CI job), a role whose
  credentials are not in the CLI cache fails with a credentials error that
  says so, where `getpass` would read stdin. `aws-config` ignores
  `mfa_serial` and calls `AssumeRole` without a code, which a role requiring
  MFA refuses.
* **`credential_process`.** Answers with an `Expiration` at least 15
  minutes away are cached in the credential cache, so N processes run the
  helper once (botocore runs it every time; `aws-config` once per process).
  Refreshed on botocore's windows.
* **Refresh windows.** botocore's 15-minute advisory / 10-minute mandatory
  refresh on every refreshable source, single-flight across threads; SSO
  role credentials come from the same token cache as the AWS CLI v2.
  `aws-config` refreshes via its identity cache's buffer only.
* **Errors** keep botocore's classes: the source of every
  [`CredentialsError`] is the [`credchain::Error`] (see
  [`credchain::Error::kind`]).
* **Not covered:** `aws-config`'s `login_session` (AWS sign-in) profiles
  are `NotSupportedYet` in credchain; SSO tokens are refreshed as botocore
  does (the same `CreateToken` refresh, serialised across processes).

# Errors

| credchain                                | [`CredentialsError`]        |
|------------------------------------------|-----------------------------|
| no credentials found (`NoCredentialsError`) | `CredentialsNotLoaded` (the SDK may try another provider) |
| configuration (`ProfileNotFound`, `ConfigParseError`, `PartialCredentialsError`, `InfiniteLoopConfigError`, …) | `InvalidConfiguration` |
| fetching failed (STS, SSO, process, IMDS, container, timeouts) | `ProviderError` |
| the blocking task panicked              | `Unhandled`                 |

Messages are credchain's, which never contain secrets; the `Debug` of every
type here prints no key.
*/

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::task::{Context, Poll, Waker};

use aws_credential_types::Credentials as SdkCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials};
use aws_types::region::Region;
use credchain::cache::JsonFileCache;
use credchain::{Error, RefreshableCredentials, Session};

/// The `provider_name` the SDK records on credentials from this crate.
pub const PROVIDER_NAME: &str = "credchain";

/// The AWS SDK for Rust's credentials provider on a [`credchain::Session`]:
/// botocore's chain, refresh windows and errors.
///
/// Cheap to clone (one shared session and credential set).
#[derive(Clone)]
pub struct CredentialsProvider {
    inner: Arc<Inner>,
}

struct Inner {
    session: Session,
    /// The session's credentials, once a resolution found some (botocore's
    /// session keeps them the same way); a failed or empty resolution is
    /// tried again on the next call.
    credentials: Mutex<Option<RefreshableCredentials>>,
}

impl fmt::Debug for CredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `try_lock`: the lock is held while a first resolution runs (which
        // may wait for an MFA code); printing must not wait for it.
        let method = match self.inner.credentials.try_lock() {
            Ok(slot) => slot.as_ref().map_or("unresolved", |c| c.method().as_str()),
            Err(TryLockError::Poisoned(p)) => p
                .into_inner()
                .as_ref()
                .map_or("unresolved", |c| c.method().as_str()),
            Err(TryLockError::WouldBlock) => "resolving",
        };
        f.debug_struct("CredentialsProvider")
            .field("profile", &self.inner.session.profile().effective())
            .field("method", &method)
            .finish_non_exhaustive()
    }
}

/// The user's home directory as the AWS CLI finds it.
fn home(os: &credchain::os::Os) -> Option<std::path::PathBuf> {
    let env = &os.env;
    env.get_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| env.fallback_home())
}

impl CredentialsProvider {
    /// A provider on `session`, used as built (its profile, region,
    /// credential cache, MFA prompt, OS and HTTP client). Nothing is read
    /// until the SDK first asks for credentials.
    pub fn new(session: Session) -> CredentialsProvider {
        CredentialsProvider {
            inner: Arc::new(Inner {
                session,
                credentials: Mutex::new(None),
            }),
        }
    }

    /// The AWS CLI's session for the explicit profile `name` (as
    /// `aws --profile NAME`): environment keys are ignored, assumed roles
    /// are cached in `~/.aws/cli/cache`, MFA codes are asked on the
    /// terminal (see [`cli_session_builder`](Self::cli_session_builder)). Reads the config files now, so a
    /// missing profile or a file that does not parse is an error here.
    pub fn from_profile(name: &str) -> Result<CredentialsProvider, Error> {
        let provider =
            CredentialsProvider::new(Self::cli_session_builder().profile_name(name).build());
        provider.inner.session.scoped_profile()?;
        Ok(provider)
    }

    /// The AWS CLI's session with no explicit profile: `AWS_PROFILE` /
    /// `AWS_DEFAULT_PROFILE` or `default`, environment keys first, assumed
    /// roles cached in `~/.aws/cli/cache`, MFA codes asked on the terminal.
    /// Reads nothing yet.
    pub fn from_env() -> CredentialsProvider {
        CredentialsProvider::new(Self::cli_session_builder().build())
    }

    /// A session builder with the AWS CLI's credential cache
    /// (`~/.aws/cli/cache`, when a home directory is known) and botocore's
    /// MFA prompt on the terminal
    /// ([`TerminalMfaPrompt`](credchain::sts::client::TerminalMfaPrompt)),
    /// to change what [`from_profile`](Self::from_profile) sets, such as
    /// the MFA prompt:
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// struct Ask;
    /// impl credchain::sts::client::MfaPrompt for Ask {
    ///     fn prompt(&self, prompt: &str) -> Result<String, credchain::Error> {
    ///         # let _ = prompt;
    ///         Ok(String::from("123456")) // ask the user here
    ///     }
    /// }
    /// let session = credchain_aws_sdk::CredentialsProvider::cli_session_builder()
    ///     .profile_name("admin")
    ///     .mfa_prompt(Arc::new(Ask))
    ///     .build();
    /// let provider = credchain_aws_sdk::CredentialsProvider::new(session);
    /// ```
    pub fn cli_session_builder() -> credchain::SessionBuilder {
        // botocore's default `mfa_prompter` is `getpass.getpass`.
        let builder = Session::builder()
            .mfa_prompt(Arc::new(credchain::sts::client::TerminalMfaPrompt::new()));
        match home(&credchain::os::Os::real()) {
            Some(home) => builder
                .credential_cache(Arc::new(JsonFileCache::new(JsonFileCache::cli_dir(&home)))),
            None => builder,
        }
    }

    /// The session credentials come from.
    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    /// The session's region as botocore finds it, or `None` when none is
    /// configured or the files cannot be read (the credentials call then
    /// reports that error). Reads the config files: call it at start-up.
    pub fn region(&self) -> Option<Region> {
        self.try_region().ok().flatten()
    }

    /// [`region`](Self::region) with the configuration error.
    pub fn try_region(&self) -> Result<Option<Region>, Error> {
        Ok(self
            .inner
            .session
            .region_name()?
            .map(|(name, _)| Region::new(name)))
    }

    /// A region provider on the same session, for `ConfigLoader::region`
    /// (with the `aws-config` feature) when the region should be looked up
    /// when the configuration loads rather than now.
    pub fn region_provider(&self) -> RegionProvider {
        RegionProvider {
            inner: Arc::clone(&self.inner),
        }
    }

    /// Resolves (once) and returns frozen credentials; blocking.
    fn load_blocking(inner: &Inner) -> Result<SdkCredentials, CredentialsError> {
        let live = {
            let mut slot = inner
                .credentials
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(c) = slot.as_ref() {
                c.clone()
            } else {
                match inner.session.credentials() {
                    Ok(Some(c)) => slot.insert(c).clone(),
                    Ok(None) => return Err(map_error(Error::NoCredentials)),
                    Err(e) => return Err(map_error(e)),
                }
            }
        };
        let frozen = live.get_frozen_credentials().map_err(map_error)?;
        Ok(to_sdk(&frozen))
    }

    /// Credentials now, without the SDK: what
    /// [`ProvideCredentials::provide_credentials`] answers.
    pub async fn credentials(&self) -> Result<SdkCredentials, CredentialsError> {
        let inner = Arc::clone(&self.inner);
        off_executor(move || CredentialsProvider::load_blocking(&inner)).await?
    }
}

impl ProvideCredentials for CredentialsProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.credentials())
    }
}

/// The session's region for the SDK (botocore's lookup: session region,
/// `AWS_DEFAULT_REGION`, the profile's `region`).
#[derive(Clone)]
pub struct RegionProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for RegionProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionProvider")
            .field("profile", &self.inner.session.profile().effective())
            .finish_non_exhaustive()
    }
}

impl RegionProvider {
    /// The region, or `None` (no region configured, or files that cannot
    /// be read). Reads the config files.
    pub fn region(&self) -> Option<Region> {
        self.inner
            .session
            .region_name()
            .ok()
            .flatten()
            .map(|(name, _)| Region::new(name))
    }
}

#[cfg(feature = "aws-config")]
impl aws_config::meta::region::ProvideRegion for RegionProvider {
    fn region(&self) -> aws_config::meta::region::future::ProvideRegion<'_> {
        let this = self.clone();
        aws_config::meta::region::future::ProvideRegion::new(async move {
            off_executor(move || RegionProvider::region(&this))
                .await
                .ok()
                .flatten()
        })
    }
}

/// credchain's credentials as the SDK's: keys, expiry, account id.
fn to_sdk(c: &credchain::Credentials) -> SdkCredentials {
    let mut b = SdkCredentials::builder()
        .access_key_id(c.access_key_id())
        .secret_access_key(c.secret_access_key().expose())
        .provider_name(PROVIDER_NAME);
    b.set_session_token(c.session_token().map(|t| t.expose().to_owned()));
    b.set_expiry(c.expiration().map(|t| t.to_system_time()));
    b.set_account_id(c.account_id().map(Into::into));
    b.build()
}

/// A credchain error as the SDK's error kind (see the crate docs' table);
/// the credchain error is the source.
fn map_error(e: Error) -> CredentialsError {
    match e {
        Error::NoCredentials => CredentialsError::not_loaded(e),
        Error::ProfileNotFound { .. }
        | Error::ConfigParse { .. }
        | Error::ConfigNotFound { .. }
        | Error::PartialCredentials { .. }
        | Error::MissingKey { .. }
        | Error::InvalidExpiration { .. }
        | Error::ExpirationWithoutTimezone { .. }
        | Error::InvalidInteger { .. }
        | Error::InvalidImdsEndpointMode { .. }
        | Error::NotSupportedYet { .. }
        | Error::InvalidConfig { .. }
        | Error::InfiniteLoopConfig { .. }
        | Error::InvalidStsRegionalEndpoints { .. }
        | Error::CredentialSourceEmpty { .. }
        | Error::InvalidImdsEndpoint { .. }
        | Error::InvalidRegion { .. }
        | Error::ParamValidation { .. } => CredentialsError::invalid_configuration(e),
        _ => CredentialsError::provider_error(e),
    }
}

/// The blocking task ended without an answer (it panicked).
#[derive(Debug)]
struct Panicked;

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("credchain's credential resolution panicked")
    }
}

impl std::error::Error for Panicked {}

/// Runs `work` away from the async executor: on tokio's blocking pool when
/// a tokio runtime is current, else on a thread of its own.
async fn off_executor<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CredentialsError> {
    #[cfg(feature = "tokio")]
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        return handle
            .spawn_blocking(work)
            .await
            .map_err(|_| CredentialsError::unhandled(Panicked));
    }
    let (tx, rx) = oneshot();
    std::thread::Builder::new()
        .name("credchain-aws-sdk".into())
        .spawn(move || tx.send(work()))
        .map_err(CredentialsError::unhandled)?;
    rx.await
        .ok_or_else(|| CredentialsError::unhandled(Panicked))
}

/// A one-value channel whose receiver is a future (no runtime needed).
struct Slot<T> {
    value: Option<T>,
    closed: bool,
    waker: Option<Waker>,
}

struct Sender<T>(Arc<Mutex<Slot<T>>>);
struct Receiver<T>(Arc<Mutex<Slot<T>>>);

fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        closed: false,
        waker: None,
    }));
    (Sender(Arc::clone(&slot)), Receiver(slot))
}

impl<T> Sender<T> {
    fn send(self, value: T) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).value = Some(value);
        // `Drop` closes and wakes.
    }
}

impl<T> Drop for Sender<T> {
    /// Also runs when the work panicked, so the receiver never waits
    /// forever.
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            slot.closed = true;
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    /// `None` when the sender went away without a value.
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = slot.value.take() {
            return Poll::Ready(Some(v));
        }
        if slot.closed {
            return Poll::Ready(None);
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests;
