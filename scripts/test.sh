#!/usr/bin/env bash
# Runs every test: installs what the tests need, then format, lint, unit and
# integration tests, and the differential test against botocore.
# Usage: scripts/test.sh            (CI calls exactly this)
set -euo pipefail
cd "$(dirname "$0")/.."

# The reference implementation the tests compare against (pinned to the
# versions the spec was verified with).
if ! python3 -c 'import botocore, awscli' 2>/dev/null \
  || [ "$(python3 -c 'import botocore; print(botocore.__version__)')" != "1.43.11" ]; then
  python3 -m pip install --quiet --disable-pip-version-check \
    'botocore==1.43.11' 'awscli==1.45.11'
fi

# A real STS (and IAM) implementation for the assume-role / web identity /
# GetCallerIdentity tests; they start `moto_server` on a random loopback port.
if ! command -v moto_server >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]==5.2.1'
fi
export CREDCHAIN_REQUIRE_MOTO=1

# Network-free by construction: never let a test reach real IMDS.
export AWS_EC2_METADATA_DISABLED=true

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== vector exception list still matches botocore"
python3 scripts/verify_vector_exceptions.py --check
python3 scripts/verify_assume_role_vectors.py --check
python3 scripts/verify_sts_vectors.py --check
python3 tests/differential/imds_diff.py --check-exceptions
echo "== differential test against botocore"
cargo build --locked -p credchain-cli
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
