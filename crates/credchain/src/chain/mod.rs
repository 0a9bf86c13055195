//! The credential chain: botocore's providers in botocore's order, run
//! against one `Ctx`, recording a [`Step`] per provider so `explain` can
//! say exactly why each source won or was skipped.

pub mod repr;

use std::sync::{Arc, OnceLock};

use crate::config::ConfigFiles;
use crate::credentials::{Credentials, Method};
use crate::error::Error;
use crate::http::Network;
use crate::os::Os;
use crate::provider;
use crate::refreshable::RefreshableCredentials;
use crate::sts::client::StsOptions;

/// What one provider did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Not triggered, or not reached because an earlier provider decided.
    Skipped,
    /// Supplied the credentials.
    Found,
    /// Failed; botocore stops the whole chain here (P-CHAIN-1).
    Error,
}

impl StepOutcome {
    /// `skipped`, `found` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Skipped => "skipped",
            StepOutcome::Found => "found",
            StepOutcome::Error => "error",
        }
    }
}

/// One provider's step in an explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The provider (botocore method name).
    pub provider: Method,
    /// What it did.
    pub outcome: StepOutcome,
    /// Why, and where the values came from. Never contains secrets.
    pub detail: String,
}

/// The result of running one provider.
pub(crate) enum Outcome {
    /// Not triggered: the reason.
    Skipped(String),
    /// Credentials, and a description of where each value came from.
    Found(Credentials, String),
    /// Credentials that refresh themselves (assume-role, web identity, SSO,
    /// container, IMDS), and the description. Deferred ones (only when
    /// [`Ctx::defer`] is set) hold nothing until first use.
    Refreshable(RefreshableCredentials, String),
    /// An error that ends the chain.
    Failed(Error),
    /// An error that ends the chain, with what was done before it (the
    /// role chain an assume-role failure happened in).
    FailedWith(Error, String),
}

/// Everything a provider may look at. Files are loaded at most once, on
/// first use, so the env provider can win without touching them when
/// botocore would not either (P-CHAIN-8 edge case).
pub(crate) struct Ctx<'a> {
    pub(crate) os: &'a Os,
    /// HTTP client, sleep and randomness for the network providers.
    pub(crate) net: &'a Network,
    /// The profile providers look up (`default` when none was named).
    pub(crate) profile: &'a str,
    /// The session's own profile: it configures the service clients the
    /// chain creates (botocore's `session.create_client`), also while a
    /// role chain resolves a `source_profile`.
    pub(crate) session_profile: &'a str,
    /// Whether the profile came from the session (`--profile`), which turns
    /// off the env provider and web identity's env vars (P-CHAIN-6).
    pub(crate) explicit_profile: bool,
    pub(crate) files: &'a OnceLock<Result<Arc<ConfigFiles>, Error>>,
    /// Region, cache and MFA prompt for the STS-backed providers.
    pub(crate) sts: &'a StsOptions,
    /// Hand out assume-role, web identity and SSO credentials deferred
    /// (botocore's `DeferredRefreshableCredentials`, P-REF-4): validated now,
    /// fetched on first use. `false` fetches them at resolution (`explain`,
    /// the snapshot API).
    pub(crate) defer: bool,
}

impl Ctx<'_> {
    pub(crate) fn files(&self) -> Result<&ConfigFiles, Error> {
        self.files_arc().map(|f| &**f)
    }
    fn files_arc(&self) -> Result<&Arc<ConfigFiles>, Error> {
        self.files
            .get_or_init(|| ConfigFiles::load(&*self.os.env, &*self.os.fs).map(Arc::new))
            .as_ref()
            .map_err(Clone::clone)
    }
    pub(crate) fn env(&self, key: &str) -> Option<String> {
        self.os.env.get(key)
    }
    /// An owned copy for a refresher that outlives this resolution.
    pub(crate) fn to_owned_ctx(&self) -> Result<OwnedCtx, Error> {
        Ok(OwnedCtx {
            os: self.os.clone(),
            net: self.net.clone(),
            profile: self.profile.to_owned(),
            session_profile: self.session_profile.to_owned(),
            explicit_profile: self.explicit_profile,
            files: Arc::clone(self.files_arc()?),
            sts: self.sts.clone(),
        })
    }
}

/// What a [`Ctx`] borrows, owned (`Arc`s and short strings: cheap to
/// clone), so a refresher can hold it for as long as the credentials live.
#[derive(Clone)]
pub(crate) struct OwnedCtx {
    os: Os,
    net: Network,
    profile: String,
    session_profile: String,
    explicit_profile: bool,
    files: Arc<ConfigFiles>,
    sts: StsOptions,
}

impl OwnedCtx {
    /// Runs `f` on a [`Ctx`] over this copy; refreshes never defer.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Ctx<'_>) -> R) -> R {
        let files = OnceLock::new();
        let _ = files.set(Ok(Arc::clone(&self.files)));
        f(&Ctx {
            os: &self.os,
            net: &self.net,
            profile: &self.profile,
            session_profile: &self.session_profile,
            explicit_profile: self.explicit_profile,
            files: &files,
            sts: &self.sts,
            defer: false,
        })
    }
}

/// One credential source.
pub(crate) trait Provider: Sync {
    /// botocore's method name for it.
    fn method(&self) -> Method;
    /// Whether it can run without network access (and so can be evaluated
    /// for `explain` even after another provider won).
    fn offline(&self) -> bool;
    /// Runs the provider.
    fn load(&self, ctx: &Ctx<'_>) -> Outcome;
}

/// How much of the chain to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Stop at the first provider that decides, like botocore.
    Resolve,
    /// Also evaluate the offline providers after the winner, to show what
    /// the winner shadows.
    Explain,
}

/// Runs the default chain.
pub(crate) fn run(ctx: &Ctx<'_>, mode: Mode) -> (Vec<Step>, Result<RefreshableCredentials, Error>) {
    let mut steps = Vec::new();
    let mut result: Option<Result<RefreshableCredentials, Error>> = None;
    for p in provider::CHAIN {
        if let Some(decided) = &result {
            if mode == Mode::Resolve {
                break;
            }
            let by = match decided {
                Ok(c) => format!("{} already supplied credentials", c.method()),
                Err(_) => "the chain stopped at the error above".to_owned(),
            };
            let detail = if p.offline() {
                match p.load(ctx) {
                    Outcome::Skipped(why) => format!("not reached ({by}); would skip: {why}"),
                    Outcome::Found(c, source) => format!(
                        "not reached ({by}); shadowed: would have found {} from {source}",
                        c.access_key_id()
                    ),
                    Outcome::Refreshable(c, source) => format!(
                        "not reached ({by}); shadowed: would have found {} from {source}",
                        key_of(&c)
                    ),
                    Outcome::Failed(e) | Outcome::FailedWith(e, _) => {
                        format!("not reached ({by}); would fail: {e}")
                    }
                }
            } else {
                format!("not reached ({by})")
            };
            steps.push(Step {
                provider: p.method(),
                outcome: StepOutcome::Skipped,
                detail,
            });
            continue;
        }
        let (outcome, detail) = match p.load(ctx) {
            Outcome::Skipped(why) => (StepOutcome::Skipped, why),
            Outcome::Found(c, source) => {
                let detail = format!("{} from {source}", c.access_key_id());
                result = Some(Ok(RefreshableCredentials::from_static(c)));
                (StepOutcome::Found, detail)
            }
            Outcome::Refreshable(c, source) => {
                let detail = format!("{} from {source}", key_of(&c));
                result = Some(Ok(c));
                (StepOutcome::Found, detail)
            }
            Outcome::Failed(e) => {
                // A `credential_process` message is the helper's stderr, newline
                // included (P-PROC-3): one line per step here.
                let detail = format!("{}: {}", e.kind(), e.to_string().trim_end());
                result = Some(Err(e));
                (StepOutcome::Error, detail)
            }
            Outcome::FailedWith(e, context) => {
                let detail = format!("{}: {} ({context})", e.kind(), e.to_string().trim_end());
                result = Some(Err(e));
                (StepOutcome::Error, detail)
            }
        };
        steps.push(Step {
            provider: p.method(),
            outcome,
            detail,
        });
    }
    (steps, result.unwrap_or(Err(Error::NoCredentials)))
}

/// The access key id for `explain`, or what stands for it while a deferred
/// set has not been fetched.
fn key_of(c: &RefreshableCredentials) -> String {
    c.current().map_or_else(
        || "credentials fetched on first use".to_owned(),
        |c| c.access_key_id().to_owned(),
    )
}

/// Steps for a resolution that ended before any provider ran.
pub(crate) fn not_reached(why: &str) -> Vec<Step> {
    provider::CHAIN
        .iter()
        .map(|p| Step {
            provider: p.method(),
            outcome: StepOutcome::Skipped,
            detail: format!("not reached ({why})"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
