/*!
credchain resolves AWS credentials and configuration **exactly** as
botocore does: the same provider order, the same file-parsing quirks, the
same error kinds (botocore's exception class names, see [`Error::kind`]).
Everything starts from a [`Session`], shaped like `boto3.Session`.

```
use credchain::os::{MapEnv, MemFs, Os};
# use std::sync::Arc;
// In-memory fakes stand in for the environment and ~/.aws here;
// `Session::builder()` without `.os(..)` reads the real ones.
let fs = MemFs::new()
    .with_file("/h/.aws/config", "[profile dev]\nregion = us-west-2\n")
    .with_file("/h/.aws/credentials", "[dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s\n");
let env = MapEnv::from_pairs([("HOME", "/h"), ("AWS_EC2_METADATA_DISABLED", "true")]);
let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };

let session = credchain::Session::builder()
    .os(os)
    .profile_name("dev")
    .region_name("eu-west-1")
    .build();
let creds = session.credentials()?.expect("the dev profile has keys");
assert_eq!(creds.method().as_str(), "shared-credentials-file");
assert_eq!(creds.get_frozen_credentials()?.access_key_id(), "AKIDEXAMPLE");
assert_eq!(session.region_name()?.unwrap().0, "eu-west-1");
assert_eq!(session.available_profiles()?, ["dev"]);
# Ok::<(), credchain::Error>(())
```

# From files to credentials

```text
 files + environment ──► config (paths, credchain-ini, normalize) ──► ConfigFiles
                                                                        │
 Session (profile selection, resolver lookups) ──► chain (providers) ──► Credentials
                                                        │
                                                        └──► Step log (explain)
 Session ──► settings (instance → env → profile → default, converted) ──► Resolved + Provenance
                 └── region only, on request: IMDS placement/availability-zone
```

1. **Profile selection** ([`Session::profile`], P-CHAIN-5): the name given
   to the session ([`SessionBuilder::profile_name`], like `--profile`), then
   `AWS_DEFAULT_PROFILE` (botocore checks it *before* `AWS_PROFILE`), then
   `AWS_PROFILE`, then `default`. Only a name given to the session is
   *explicit*: it removes the `env` provider (P-CHAIN-6). A name that no
   file holds is `ProfileNotFound`; a missing `default` is not an error
   unless it was named.
2. **Files** ([`ConfigFiles`], loaded once per session): `~/.aws/config`
   (`AWS_CONFIG_FILE`) and `~/.aws/credentials`
   (`AWS_SHARED_CREDENTIALS_FILE`), parsed with CPython `configparser`'s
   rules ([`credchain_ini`]) and merged into one profile map, credentials
   file last (P-MERGE-*). A file that does not parse fails every
   resolution, env keys included, with `ConfigParseError` (path, line, what
   was expected).
3. **Resolver lookups**: before any provider runs, the IMDS settings are
   read and checked as botocore's `create_credential_resolver` does
   (`ValueError`, `InvalidIMDSEndpointModeError`,
   `InvalidIMDSEndpointError`).
4. **The chain** ([`chain`], P-CHAIN-1/2): the providers below run in this
   order; the first that finds credentials wins, one that is not triggered
   is skipped, and one that fails **ends the resolution** (no fall-through
   on errors, as botocore). Explicit keys
   ([`SessionBuilder::credentials`], method `explicit`) bypass the chain.

```text
  #  method (Credentials::method)    reads                                      skipped when
 ─── ─────────────────────────────── ────────────────────────────────────────── ─────────────────────────────────
  1  env                             AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,  AWS_ACCESS_KEY_ID unset or empty;
                                     AWS_SECURITY_TOKEN / AWS_SESSION_TOKEN,    the profile was given to the
                                     AWS_CREDENTIAL_EXPIRATION                  session (explicit)
  2  assume-role                     role_arn + source_profile |                no role_arn in the profile, or it
                                     credential_source, mfa_serial, ...;        also has web_identity_token_file
                                     STS AssumeRole (cache: see below)
  3  assume-role-with-web-identity   AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN  no token file (env ignored when
                                     (or the profile's keys); STS               the profile is explicit)
                                     AssumeRoleWithWebIdentity
  4  sso                             sso_account_id / sso_role_name,            neither key in the profile
                                     sso_session; token in ~/.aws/sso/cache;
                                     SSO GetRoleCredentials
  5  shared-credentials-file         [profile] keys of ~/.aws/credentials only  no aws_access_key_id there
  6  login                           login_session (detected: NotSupportedYet)  no login_session
  7  custom-process                  credential_process (either file): runs it  no credential_process
  8  config-file                     [profile P] keys of ~/.aws/config only     no aws_access_key_id there
  9  ec2-credentials-file            the file named by AWS_CREDENTIAL_FILE      AWS_CREDENTIAL_FILE unset
 10  boto-config                     [Credentials] of BOTO_CONFIG or            no aws_access_key_id there
                                     /etc/boto.cfg, ~/.boto
 11  container-role                  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI /   neither variable set
                                     _FULL_URI (+ authorization token)          (set but empty still triggers)
 12  iam-role                        EC2 instance metadata (IMDSv2, v1          AWS_EC2_METADATA_DISABLED=true
                                     fallback), 169.254.169.254
```

[`Session::explain`] runs the same chain and returns a [`Resolution`]: one
[`Step`] per provider (skipped / found / error, with why and which file,
line or variable; never a secret) and what the winner shadows:

```
use credchain::os::{MapEnv, MemFs, Os};
use credchain::StepOutcome;
# use std::sync::Arc;
let fs = MemFs::new().with_file("/h/.aws/config", "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n");
let env = MapEnv::from_pairs([
    ("HOME", "/h"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_ACCESS_KEY_ID", "AKIDENV"),
    ("AWS_SECRET_ACCESS_KEY", "s"),
]);
let os = Os { env: Arc::new(env), fs: Arc::new(fs), ..Os::real() };
let resolution = credchain::Session::builder().os(os).build().explain();
// Environment keys beat the config file's (P-CHAIN-3).
assert_eq!(resolution.steps[0].provider.as_str(), "env");
assert_eq!(resolution.steps[0].outcome, StepOutcome::Found);
assert_eq!(resolution.result?.access_key_id(), "AKIDENV");
# Ok::<(), credchain::Error>(())
```

# Caches

* **Assumed-role, web-identity and SSO role credentials**: a plain
  [`Session`] keeps them in memory, per session, as botocore does
  ([`cache::MemoryCache`]). [`SessionBuilder::credential_cache`] with a
  [`cache::JsonFileCache`] on [`cache::JsonFileCache::cli_dir`] shares the
  AWS CLI's `~/.aws/cli/cache/<sha1>.json` (what the `credchain` CLI does):
  an entry is reused while at least 15 minutes remain, and a miss is
  fetched under that entry's lock, so N processes make one call
  ([`cache::fetch_through`]).
* **SSO tokens**: `~/.aws/sso/cache/<sha1>.json`, shared with AWS CLI v2
  ([`sso`]); written 0600 in a 0700 directory, atomically, under a lock
  beside the file. An sso-session token is refreshed (SSO-OIDC
  `CreateToken`) when under 15 minutes remain.
* **`credential_process`**: see the known differences below.

# Refresh windows

Credentials come two ways: [`Session::get_credentials`] resolves once and
returns the frozen [`Credentials`]; [`Session::credentials`] returns live
[`RefreshableCredentials`] (boto3's `session.get_credentials()`). Those
with an expiry are fetched again when fewer than 900 s remain
([`refreshable::ADVISORY_REFRESH_SECONDS`]: a failure keeps the old set)
and must be under 600 s ([`refreshable::MANDATORY_REFRESH_SECONDS`]: a
failure is returned), with one call per process however many threads ask
(P-REF-1..3). Assume-role, web identity and SSO are deferred: no call
until the first [`RefreshableCredentials::get_frozen_credentials`]
(P-REF-4). [`serve::CredentialServer`] hands [`RefreshableCredentials`] to
other processes on 127.0.0.1, as the ECS container endpoint or IMDSv2
(what `credchain serve` and `credchain exec --serve` run).

# Settings

Every non-credential setting botocore resolves (region, retry_mode,
max_attempts, endpoint URLs, the `s3` block, …) comes with where it came
from ([`settings`]): [`Session::config_variable`], [`Session::settings`],
[`Session::service_config`].

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

# Errors

One [`Error`] enum; [`Error::kind`] is botocore's exception class name
(`ProfileNotFound`, `ConfigParseError`, `PartialCredentialsError`,
`CredentialRetrievalError`, `InvalidConfigError`,
`InfiniteLoopConfigError`, `UnauthorizedSSOTokenError`,
`TokenRetrievalError`, `InvalidRegionError`, …, or a bare Python error
that escapes botocore, such as `ValueError` or `KeyError`), and
`Display` is its message. No credentials at all is not an error:
[`Session::get_credentials`] and [`Session::credentials`] return
`Ok(None)` (botocore's `None`; `NoCredentialsError` is raised only when a
request is signed). Neither `Display` nor `Debug` of any type here shows a
secret key, session token or SSO token ([`SecretString`]).

# Testing against fakes

All OS access goes through [`os::Os`] (environment, filesystem, clock) and
HTTP through [`http::HttpClient`], so everything runs against in-memory
fakes ([`os::MapEnv`], [`os::MemFs`], [`os::FixedClock`]) or the loopback
servers of `credchain::testkit` (feature `test-util`).

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
  defaults), so they are listed only in a client's view
  ([`Session::service_config`], with the smart defaults applied). A
  client's view does not resolve credentials (botocore's `create_client`
  does, before its checks) nor apply the built-in endpoint rules (an empty
  region's `Invalid endpoint` is not raised there). A service's
  `[services]` / `AWS_ENDPOINT_URL_<SERVICE>` name is the client name
  upper-cased with a few aliases, not botocore's full service-id table.
*/

pub mod chain;
pub mod client_config;
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
