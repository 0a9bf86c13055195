#!/usr/bin/env bash
# Throughput of `credchain serve` (the ECS container endpoint, and IMDSv2's
# credentials document): 32 concurrent keep-alive clients for 10 s with wrk
# (Debian's `wrk`, installed with apt-get when missing), reporting
# requests/s, p50/p99 latency and failed requests (socket errors and
# non-2xx answers).                    target >= 5,000 req/s on 2 cores, 0 failed
#
# Usage: scripts/bench-serve.sh [SECONDS] [CONNECTIONS]   (default 10 32)
# The server and wrk share the machine: on 2 cores, each gets about one.
# Not part of the tests (no timing assertions there).
set -euo pipefail
cd "$(dirname "$0")/.."

SECS="${1:-10}"
CONNS="${2:-32}"
TARGET="${CREDCHAIN_BENCH_TARGET:-5000}"

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing wrk (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  fi
  command -v wrk >/dev/null 2>&1 || { echo "error: wrk is needed (apt-get install wrk)" >&2; exit 1; }
fi

echo "== cargo build --release -p credchain-cli" >&2
cargo build --release --quiet -p credchain-cli
BIN="$PWD/target/release/credchain"

TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP/.aws"
cat > "$TMP/.aws/config" <<'EOF'
[profile bench]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
aws_session_token = FwoGZXIvYXdzEXAMPLETOKEN
EOF

# A Lua script that counts non-2xx answers as failures next to wrk's
# socket errors, and prints the figures on one line.
cat > "$TMP/report.lua" <<'EOF'
local bad = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f failed=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end
EOF

run() { # NAME URL [HEADER...]
  local name="$1" url="$2"; shift 2
  local hdr=()
  for h in "$@"; do hdr+=(-H "$h"); done
  # A short warm-up, then the measured run.
  wrk -t2 -c"$CONNS" -d1s "${hdr[@]}" "$url" >/dev/null
  local out
  out="$(wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 2s "${hdr[@]}" -s "$TMP/report.lua" "$url")"
  local line
  line="$(grep '^RESULT' <<<"$out")"
  echo "$name: ${line#RESULT }"
  local rps failed
  rps="$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$line")"
  failed="$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")"
  if [ "$rps" -ge "$TARGET" ] && [ "$failed" = 0 ]; then
    echo "$name: PASS (>= $TARGET req/s, 0 failed)"
  else
    echo "$name: FAIL (target >= $TARGET req/s, 0 failed)"
    STATUS=1
  fi
}

STATUS=0
echo "== $CONNS connections, ${SECS} s, $(nproc) cores" >&2

HOME="$TMP" "$BIN" serve --profile bench > "$TMP/container.env" &
PIDS+=($!)
for _ in $(seq 50); do [ "$(wc -l < "$TMP/container.env")" -ge 2 ] && break; sleep 0.1; done
URI="$(sed -n 's/^AWS_CONTAINER_CREDENTIALS_FULL_URI=//p' "$TMP/container.env")"
TOKEN="$(sed -n 's/^AWS_CONTAINER_AUTHORIZATION_TOKEN=//p' "$TMP/container.env")"
run "container" "$URI" "Authorization: $TOKEN"
# A new TCP connection per request (as a fresh botocore process makes).
run "container, Connection: close" "$URI" "Authorization: $TOKEN" "Connection: close"

HOME="$TMP" "$BIN" serve --profile bench --imds > "$TMP/imds.env" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$TMP/imds.env" ] && break; sleep 0.1; done
BASE="$(sed -n 's/^AWS_EC2_METADATA_SERVICE_ENDPOINT=//p' "$TMP/imds.env")"
IMDS_TOKEN="$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' "${BASE}latest/api/token")"
run "imds" "${BASE}latest/meta-data/iam/security-credentials/credchain" \
  "X-aws-ec2-metadata-token: $IMDS_TOKEN"

exit "$STATUS"
