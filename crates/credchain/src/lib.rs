/*!
credchain resolves AWS credentials and configuration **exactly** as
botocore does: the same provider order, the same file-parsing quirks, the
same error kinds (botocore's exception class names, see [`Error::kind`]).

```text
 files + environment ──► config (paths, credchain-ini, normalize) ──► ConfigFiles
                                                                        │
 Session (profile selection, resolver lookups) ──► chain (providers) ──► Credentials
                                                        │
                                                        └──► Step log (explain)
 Session ──► settings (instance → env → profile → default, converted) ──► Resolved + Provenance
                 └── region only, on request: IMDS placement/availability-zone
```

Start with [`Session`]:

```no_run
let session = credchain::Session::new();
let resolution = session.explain();
for step in &resolution.steps {
    println!("{:<30} {:<8} {}", step.provider, step.outcome.as_str(), step.detail);
}
```

Every non-credential setting botocore resolves (region, retry_mode,
max_attempts, endpoint URLs, the `s3` block, …) comes with where it came
from ([`settings`]):

```
use credchain::os::{MapEnv, MemFs, Os};
use credchain::settings::{Provenance, SettingValue};
# use std::sync::Arc;
let fs = MemFs::new().with_file("/h/.aws/config", "[profile dev]\nretry_mode = standard\n");
let env = MapEnv::from_pairs([("HOME", "/h"), ("AWS_DEFAULT_REGION", "eu-west-1")]);
let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
let session = credchain::Session::builder().os(os).profile_name("dev").build();
let retry = session.config_variable("retry_mode")?.expect("a botocore setting");
assert_eq!(retry.value, SettingValue::Str("standard".into()));
assert_eq!(retry.provenance.kind(), "config-file"); // ~/.aws/config line 2, profile dev
let region = session.config_variable("region")?.expect("a botocore setting");
assert_eq!(region.provenance, Provenance::Env("AWS_DEFAULT_REGION".into()));
# Ok::<(), credchain::Error>(())
```

All OS access goes through [`os::Os`] (environment, filesystem, clock), so
everything can be run against in-memory fakes.

Credentials come two ways: [`Session::get_credentials`] resolves once and
returns the frozen [`Credentials`]; [`Session::credentials`] returns live
[`RefreshableCredentials`] (boto3's `session.get_credentials()`), refreshed
within botocore's windows with one call per process however many threads
ask, and cached STS / SSO / `credential_process` answers are fetched once
for any number of processes ([`cache::fetch_through`]).

[`serve::CredentialServer`] hands [`RefreshableCredentials`] to other
processes on 127.0.0.1, as the ECS container endpoint or IMDSv2 (what
`credchain serve` and `credchain exec --serve` run).

# Known differences to botocore

* Explicit keys on a [`Session`] are checked for completeness (botocore's
  client-level rule, P-CHAIN-10), whereas `boto3.Session` accepts an access
  key alone (P-CHAIN-11).
* Credentials are resolved eagerly: an expired `AWS_CREDENTIAL_EXPIRATION`
  fails at resolution time, where botocore fails on first use of the key.
* Login is detected but not yet executed: a configuration that triggers
  it yields `NotSupportedYet` instead of credentials.
* `credential_process` commands are killed after 60 s
  (`CREDCHAIN_PROCESS_TIMEOUT`; botocore waits forever), their output is
  capped at 1 MiB, and their stderr reaches the terminal when credchain's
  stderr is one (botocore always captures it). Refresh on first use is
  applied at resolution, as for the container and IMDS providers. An answer
  with an `Expiration` at least 15 minutes away is cached
  (`credchain-process-<sha1>` in the session's credential cache;
  `~/.aws/cli/cache` for the CLI) and the command runs under that entry's
  lock, so N processes run it once; botocore never caches it.
* [`Session::get_credentials`] and `explain` fetch SSO, assume-role and
  web identity credentials at resolution; [`Session::credentials`] defers
  them to first use as botocore does (P-REF-4). sso-session token
  refreshes are serialised across processes (one `CreateToken` for N
  callers), and so are cache-missing STS and `GetRoleCredentials` calls
  (botocore calls from every process). `sso_region` is not yet checked with botocore's region-name
  rule (`InvalidRegionError`).
* Assume-role and web identity ([`chain::repr`] plans, [`sts`] calls): the
  plan's validation runs before any STS call. A role chain's refresh re-reads
  every hop from the cache instead of keeping each hop's credentials in
  memory (an inner `mfa_serial` hop whose entry is stale fails the refresh
  with `RefreshWithMFAUnsupportedError`). STS retries follow botocore's `legacy` mode only
  (`retry_mode` is not read). A corrupt or empty cache entry
  ([`cache`]) is a miss that gets rewritten, where the AWS CLI fails with
  `KeyError` (P-AR-12). A `duration_seconds` beyond 64 bits is dropped.
* The container and IMDS providers run (see [`container`] and [`imds`] for
  their known differences: a total per-request deadline and a 1 MiB
  response cap, no second fetch of expired credentials).
* Files larger than 64 MiB are refused with `ConfigParseError`.
* Settings ([`settings`]): an integer setting beyond 64 bits is an
  `OverflowError` (Python keeps the big integer); unknown keys inside an
  `s3` block are not listed (botocore passes them through in its `s3`
  dict); `connect_timeout` / `read_timeout` are not settings botocore reads
  from env or files (only `Config(...)` and `defaults_mode` smart
  defaults), so they are not listed; the smart defaults `defaults_mode`
  applies at client creation are not applied. A service's
  `[services]` / `AWS_ENDPOINT_URL_<SERVICE>` name is the client name
  upper-cased with a few aliases, not botocore's full service-id table.
*/

pub mod chain;
pub mod config;
pub mod credentials;
pub mod endpoints;
pub mod env_vars;
pub mod error;
pub mod filelock;
pub mod http;
pub mod os;
mod provider;
mod pyint;
mod pyjson;
pub mod refreshable;
pub mod serve;
pub mod session;
pub mod settings;
mod shlex;
pub mod sso;
pub mod sts;
#[cfg(any(test, feature = "test-util"))]
pub mod testkit;
pub mod time;

pub use provider::{cache, container, imds};

pub use chain::{Step, StepOutcome};
pub use config::ConfigFiles;
pub use credentials::{Credentials, Method, SecretString};
pub use error::Error;
pub use refreshable::{Refresh, RefreshableCredentials};
pub use session::{Resolution, Session, SessionBuilder};
