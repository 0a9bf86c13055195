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
echo "== differential test against botocore"
cargo build --locked -p credchain-cli
python3 tests/differential/botocore_diff.py --binary target/debug/credchain \
  --scenarios "${CREDCHAIN_DIFF_SCENARIOS:-600}" --seed "${CREDCHAIN_DIFF_SEED:-1}"
