#!/usr/bin/env bash
# Runs every test: installs what the tests need, then format, lint, unit and
# integration tests, and the differential test against botocore.
# Usage: scripts/test.sh            (CI calls exactly this)
set -euo pipefail
cd "$(dirname "$0")/.."

# The reference implementation the tests compare against (pinned to the
# versions the spec was verified with), and a real STS (and IAM)
# implementation for the assume-role / web identity / GetCallerIdentity tests
# (they start `moto_server` on a random loopback port). They go into a venv of
# our own under target/: a stock Debian/Ubuntu Python refuses `pip install`
# outside one (PEP 668), and the system Python is not ours to change. The venv
# is reused while it holds exactly these versions.
PY_REFS=('botocore==1.43.11' 'awscli==1.45.11' 'moto[server]==5.2.1')
VENV="$PWD/target/pyref-venv"
venv_current() {
  "$VENV/bin/python" - "${PY_REFS[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for req in sys.argv[1:]:
    name, want = req.split("==")
    if version(name.split("[")[0]) != want:
        sys.exit(1)
PY
}
if ! venv_current; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian/Ubuntu ship `venv` without ensurepip in a separate package.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "== installing python3-venv (apt-get)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "error: python3 cannot create virtual environments; install the venv module" \
        "(Debian/Ubuntu: sudo apt-get install python3-venv) and rerun scripts/test.sh" >&2
      exit 1
    fi
  fi
  echo "== creating $VENV with ${PY_REFS[*]}"
  python3 -m venv --clear "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_REFS[@]}"
  venv_current || { echo "error: $VENV does not hold ${PY_REFS[*]} after pip install" >&2; exit 1; }
fi
# Everything after this (and the python3 / moto_server / aws that cargo tests
# spawn) uses the venv's interpreter and tools.
export PATH="$VENV/bin:$PATH"
# botocore is always present from here on: tests that would skip without it
# must run.
export CREDCHAIN_REQUIRE_BOTOCORE=1
export CREDCHAIN_REQUIRE_MOTO=1

# `sso login` PKCE end to end in a real headless Chromium, driven through
# chromedriver (crates/credchain-cli/tests/cli/sso_login.rs). Installed from
# Debian when running as root; once present the test must run.
if ! { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium and chromium-driver (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  export CREDCHAIN_REQUIRE_CHROMIUM=1
fi
# The AWS CLI v2 (Debian's `awscli`, for the system python3): the `sso login`
# differential runs its own SSOTokenFetcher against the fake SSO-OIDC
# (tests/differential/sso_login_v2.py). Optional elsewhere; required here
# once installed.
AWSCLI_V2_PY=/usr/bin/python3
if ! "$AWSCLI_V2_PY" -c 'import awscli.customizations.sso.utils' 2>/dev/null \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing awscli (AWS CLI v2, apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null || true
fi
if "$AWSCLI_V2_PY" -c 'from awscli.customizations.sso.utils import SSOTokenFetcher' 2>/dev/null; then
  export CREDCHAIN_AWSCLI_V2_PYTHON="$AWSCLI_V2_PY" CREDCHAIN_REQUIRE_AWSCLI_V2=1
fi

# Network-free by construction: never let a test reach real IMDS.
export AWS_EC2_METADATA_DISABLED=true

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc (warnings are errors: broken and private intra-doc links)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== cargo test (unit, integration, doctests of every crate)"
cargo test --workspace --locked
echo "== library examples against botocore (temp HOME, no network)"
# `cargo test` builds the examples; this only makes sure they are current.
cargo build --workspace --examples --locked --quiet
EXAMPLES="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples"
python3 tests/examples/examples_check.py --examples "$EXAMPLES"
echo "== vector exception list still matches botocore"
python3 scripts/verify_vector_exceptions.py --check
python3 scripts/verify_assume_role_vectors.py --check
python3 scripts/verify_sts_vectors.py --check
python3 tests/differential/imds_diff.py --check-exceptions
python3 scripts/gen-endpoints.py --check
python3 tests/differential/endpoint_diff.py --sts-vectors --check
echo "== differential test against botocore"
# The binary `cargo test --workspace` already built for the CLI's integration
# tests (target/debug/credchain). A separate `cargo build -p credchain-cli`
# would resolve features without the dev-dependencies (libc `extra_traits`,
# serde `derive`, credchain `test-util`) and rebuild a dozen crates; this
# `--no-run` is a no-op that only guarantees the binary is current.
cargo test --workspace --locked --no-run --quiet
# Wherever cargo puts it (CARGO_TARGET_DIR may be set).
BIN="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/credchain"
python3 tests/differential/botocore_diff.py --binary "$BIN" \
  --scenarios "${CREDCHAIN_DIFF_SCENARIOS:-600}" --seed "${CREDCHAIN_DIFF_SEED:-1}"
echo "== assume-role / web identity differential test against botocore (both on moto_server)"
python3 tests/differential/assume_role_diff.py --binary "$BIN" \
  --scenarios "${CREDCHAIN_AR_DIFF_SCENARIOS:-200}" --seed "${CREDCHAIN_DIFF_SEED:-1}"
echo "== container / IMDS differential test against botocore (both on a loopback test server)"
python3 tests/differential/imds_diff.py --binary "$BIN"
echo "== credential_process differential test against botocore (helpers in a temp dir)"
python3 tests/differential/process_diff.py --binary "$BIN" \
  --scenarios "${CREDCHAIN_PROCESS_DIFF_SCENARIOS:-240}" --seed "${CREDCHAIN_DIFF_SEED:-1}"
echo "== settings / provenance / client view differential test against botocore (configure list --all [--service])"
python3 tests/differential/config_diff.py --binary "$BIN" \
  --scenarios "${CREDCHAIN_CONFIG_DIFF_SCENARIOS:-320}" --seed "${CREDCHAIN_DIFF_SEED:-1}"
echo "== built-in endpoint differential test against botocore (create_client meta.endpoint_url)"
python3 tests/differential/endpoint_diff.py --binary "$BIN" \
  --cases "${CREDCHAIN_ENDPOINT_DIFF_CASES:-400}" --seed "${CREDCHAIN_DIFF_SEED:-1}"
