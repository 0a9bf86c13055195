#!/usr/bin/env bash
# Whole-process wall time of `credchain configure export-credentials` against
# botocore resolving the same profile, on the same files and the same
# (cleared) environment, in two scenarios:
#   static  profile `dev` (static keys)                     target >= 150x
#   role    profile `role` (role_arn + source_profile) with a warm AWS CLI
#           cache entry in ~/.aws/cli/cache; botocore gets the AWS CLI's
#           JSONFileCache as `aws` attaches it. STS points at a closed
#           loopback port, so any network call would fail the run: both
#           sides must answer from the cache.          target <= 3 ms, >= 100x
# Each scenario also times, as `credential_process` helpers printing the same
# JSON: AWS CLI v2's `aws configure export-credentials` (Debian's `awscli`,
# installed with apt-get when missing; skipped with a line if unavailable)
# and a minimal Python helper (`python3 -c` printing the JSON).
#   helpers botocore resolving a profile whose credential_process is credchain
#           (`credchain configure export-credentials --profile dev`) vs one
#           whose credential_process is the minimal Python helper.
#
# Usage: scripts/bench-process.sh [RUNS]      (default 50; at least 30 is meaningful)
# Needs: cargo, python3 with botocore (scripts/test.sh installs it). Times with
# hyperfine (-N: no shell in between), installing it with apt-get when missing;
# if that fails, falls back to a python3 subprocess timer, whose own fork/exec
# cost (~0.5 ms here) inflates credchain's figure and understates the ratio.
# /bin/true is timed too: the cost of spawning any process, i.e. the floor.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-50}"
TARGET_RATIO="${CREDCHAIN_BENCH_TARGET:-150}"

# The binary as shipped for Linux: statically linked, which skips the
# dynamic loader's relocation work (~35% of the process's instructions).
# RUSTFLAGS with an explicit --target applies to the binary only, not to
# build scripts and proc-macros. Falls back to the default dynamic build.
HOST="$(rustc -vV | sed -n 's/^host: //p')"
echo "== cargo build --release -p credchain-cli (static, $HOST)" >&2
if RUSTFLAGS="-C target-feature=+crt-static" \
   cargo build --release --quiet -p credchain-cli --target "$HOST" 2>/dev/null; then
  BIN="$PWD/target/$HOST/release/credchain"
else
  echo "   static build unavailable; timing the dynamic build" >&2
  cargo build --release --quiet -p credchain-cli
  BIN="$PWD/target/release/credchain"
fi

# The real interpreter, not a version-manager shim (pyenv's shim is a bash
# script that would add its own startup to every botocore run).
PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
"$PYTHON" -c 'import botocore' 2>/dev/null || {
  echo "botocore is not installed for $PYTHON (run scripts/test.sh or pip install botocore)" >&2
  exit 1
}

HYPERFINE="$(command -v hyperfine || true)"
if [ -z "$HYPERFINE" ] && command -v apt-get >/dev/null; then
  echo "== installing hyperfine" >&2
  { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null 2>&1 || true
  HYPERFINE="$(command -v hyperfine || true)"
fi
[ -n "$HYPERFINE" ] || echo "hyperfine unavailable: using the python3 timer" >&2

# AWS CLI v2 (the venv's `aws` is v1, which has no export-credentials).
aws_v2() {
  for c in /usr/bin/aws /usr/local/bin/aws "$(command -v aws || true)"; do
    if [ -x "$c" ] && "$c" --version 2>&1 | grep -q '^aws-cli/2'; then echo "$c"; return; fi
  done
}
AWSV2="$(aws_v2)"
if [ -z "$AWSV2" ] && command -v apt-get >/dev/null; then
  echo "== installing awscli (AWS CLI v2, Debian)" >&2
  { apt-get install -y -qq awscli || { apt-get update -qq && apt-get install -y -qq awscli; }; } \
    >/dev/null 2>&1 || true
  AWSV2="$(aws_v2)"
fi
[ -n "$AWSV2" ] || echo "AWS CLI v2 unavailable (Debian awscli not installable): not timed" >&2

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home/.aws"
cat > "$WORK/home/.aws/config" <<'INI'
[default]
region = us-east-1
output = json

[profile dev]
region = eu-west-1
output = json
s3 =
    addressing_style = path
    max_concurrent_requests = 20

[profile staging]
region = us-west-2

# CI account
[profile ci]
region = ap-southeast-2
retry_mode = standard
max_attempts = 5

[profile prod]
region = us-east-1
output = table

[profile role]
role_arn = arn:aws:iam::123456789012:role/bench
source_profile = dev
INI
# Profiles whose credentials come from a helper (the helpers scenario).
PYHELPER="import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIADEV0000000000001', 'SecretAccessKey': 'devsecretdevsecretdevsecretdevsecretdev1', 'SessionToken': 'devtokendevtokendevtokendevtokendevtoken'}))"
cat >> "$WORK/home/.aws/config" <<INI

[profile via-credchain]
credential_process = $BIN configure export-credentials --profile dev --format process

[profile via-python]
credential_process = $PYTHON -c "$PYHELPER"
INI
cat > "$WORK/home/.aws/credentials" <<'INI'
[default]
aws_access_key_id = AKIADEFAULT000000000
aws_secret_access_key = defaultsecretdefaultsecretdefaultsecret0

[dev]
aws_access_key_id = AKIADEV0000000000001
aws_secret_access_key = devsecretdevsecretdevsecretdevsecretdev1
aws_session_token = devtokendevtokendevtokendevtokendevtoken

[staging]
aws_access_key_id = AKIASTAGING000000002
aws_secret_access_key = stagingsecretstagingsecretstagingsecret2

; rotated quarterly
[ci]
aws_access_key_id = AKIACI00000000000003
aws_secret_access_key = cisecretcisecretcisecretcisecretcisecret

[prod]
aws_access_key_id = AKIAPROD000000000004
aws_secret_access_key = prodsecretprodsecretprodsecretprodsecret
INI

"$PYTHON" - "$RUNS" "$TARGET_RATIO" "$WORK" "$BIN" "$PYTHON" "$HYPERFINE" "$AWSV2" <<'PY'
import datetime, hashlib, json, os, statistics, subprocess, sys, time

runs, target = int(sys.argv[1]), float(sys.argv[2])
work, binary, python, hyperfine, awsv2 = sys.argv[3:]
home = os.path.join(work, "home")

# A warm AWS CLI cache entry for profile `role` (key per P-AR-9).
cache_dir = os.path.join(home, ".aws", "cli", "cache")
os.makedirs(cache_dir, exist_ok=True)
key = hashlib.sha1(json.dumps({"RoleArn": "arn:aws:iam::123456789012:role/bench"},
                              sort_keys=True).encode()).hexdigest()
expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
with open(os.path.join(cache_dir, key + ".json"), "w") as f:
    json.dump({"Credentials": {"AccessKeyId": "ASIAROLE000000000005",
                               "SecretAccessKey": "rolesecretrolesecretrolesecretrolesecret",
                               "SessionToken": "roletoken",
                               "Expiration": expiry.strftime("%Y-%m-%dT%H:%M:%SZ")},
               "AssumedRoleUser": {"AssumedRoleId": "AROA:bench",
                                   "Arn": "arn:aws:sts::123456789012:assumed-role/bench/x"},
               "ResponseMetadata": {}}, f)
os.chmod(os.path.join(cache_dir, key + ".json"), 0o600)

base_env = {"HOME": home, "AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin",
            # Closed port: a cache miss on either side fails the run.
            "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}

def botocore_cmd(profile, cli_cache):
    attach = ("from botocore.utils import JSONFileCache; import os; "
              "s.get_component('credential_provider').get_provider('assume-role').cache="
              "JSONFileCache(os.path.expanduser('~/.aws/cli/cache')); ") if cli_cache else ""
    return [python, "-c", "import botocore.session; "
            f"s=botocore.session.Session(profile='{profile}'); " + attach +
            "print(s.get_credentials().access_key)"]

scenarios = [
    ("static", "dev", "AKIADEV0000000000001", target, None, False),
    ("role", "role", "ASIAROLE000000000005", 100.0, 3.0, True),
    # botocore through a credential_process: credchain vs a Python helper.
    ("helpers", None, "AKIADEV0000000000001", None, None, False),
]

def py_helper(key, secret, token=None, expiration=None):
    d = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
    if token:
        d["SessionToken"] = token
    if expiration:
        d["Expiration"] = expiration
    return [python, "-c", f"import json; print(json.dumps({d!r}))"]

HELPER_DOCS = {
    "dev": ("AKIADEV0000000000001", "devsecretdevsecretdevsecretdevsecretdev1",
            "devtokendevtokendevtokendevtokendevtoken", None),
    "role": ("ASIAROLE000000000005", "rolesecretrolesecretrolesecretrolesecret", "roletoken",
             expiry.strftime("%Y-%m-%dT%H:%M:%SZ")),
}

def cpu_time(cmd, env):
    """user + sys CPU seconds of one run (from wait4's rusage): unlike wall
    time, barely inflated when other jobs load the machine."""
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         cwd=home)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_utime + ru.ru_stime

def run(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=home)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    return dt, p.stdout.decode()

failed = False
for name, profile, expect, want_ratio, max_ms, cli_cache in scenarios:
    env = dict(base_env)
    if profile is None:
        cmds = {
            "botocore via credchain": botocore_cmd("via-credchain", False),
            "botocore via python": botocore_cmd("via-python", False),
            "/bin/true": ["/bin/true"],
        }
        for k in ("botocore via credchain", "botocore via python"):
            if run(cmds[k], env)[1].strip() != expect:
                sys.exit(f"[{name}] {k} does not resolve {expect}")
    else:
        cmds = {
            "credchain": [binary, "configure", "export-credentials", "--profile", profile,
                          "--format", "process"],
            "botocore": botocore_cmd(profile, cli_cache),
            "python helper": py_helper(*HELPER_DOCS[profile]),
            # The floor: what spawning any process costs on this machine.
            "/bin/true": ["/bin/true"],
        }
        if awsv2:
            cmds["aws v2"] = [awsv2, "configure", "export-credentials", "--profile", profile,
                              "--format", "process"]
        # Same answer from all, or the comparison is meaningless.
        _, out = run(cmds["credchain"], env)
        _, ref = run(cmds["botocore"], env)
        if expect not in out or ref.strip() != expect:
            sys.exit(f"[{name}] outputs disagree:\ncredchain: {out}\nbotocore: {ref}")
        if awsv2 and json.loads(run(cmds["aws v2"], env)[1]) != json.loads(out):
            sys.exit(f"[{name}] AWS CLI v2's export differs from credchain's")

    times = {}
    if hyperfine:
        timer = "hyperfine -N"
        report = os.path.join(work, f"hyperfine-{name}.json")
        # hyperfine -N splits command strings shell-style; quote each word.
        quote = lambda cmd: " ".join("'" + a.replace("'", "'\\''") + "'" for a in cmd)
        subprocess.run(
            [hyperfine, "-N", "--style", "none", "--warmup", "5", "--runs", str(runs),
             "--export-json", report, *(quote(c) for c in cmds.values())],
            env=env, cwd=home, check=True, stdout=subprocess.DEVNULL)
        with open(report) as f:
            for k, r in zip(cmds, json.load(f)["results"]):
                times[k] = r["times"]
    else:
        timer = "python3 subprocess"
        for cmd in cmds.values():          # warm the page cache
            for _ in range(3):
                run(cmd, env)
        times = {k: [] for k in cmds}
        for _ in range(runs):              # interleaved, so drift hits both alike
            for k, cmd in cmds.items():
                times[k].append(run(cmd, env)[0])

    print(f"== {name}: profile {profile}; timer: {timer}, {runs} runs each, env cleared")
    med = {}
    for k, ts in times.items():
        med[k] = statistics.median(ts)
        print(f"{k:22} median={med[k]*1e3:9.3f} ms  "
              f"min={min(ts)*1e3:9.3f} ms  max={max(ts)*1e3:9.3f} ms")
    # CPU time (user + sys) per run, 20 runs each: the load-robust figure.
    for k, cmd in cmds.items():
        cpu = statistics.median(cpu_time(cmd, env) for _ in range(min(runs, 20)))
        print(f"{k:22} cpu (user+sys) median={cpu*1e3:9.3f} ms")
    if profile is None:
        diff = med["botocore via credchain"] - med["botocore via python"]
        print(f"botocore via credchain minus via the Python helper: {diff*1e3:+.3f} ms")
        continue
    ratio = med["botocore"] / med["credchain"]
    ok = ratio >= want_ratio and (max_ms is None or med["credchain"] * 1e3 <= max_ms)
    failed |= not ok
    limit = f" and <= {max_ms:g} ms" if max_ms else ""
    print(f"ratio (botocore / credchain, medians): {ratio:.1f}x  -> "
          f"{'meets' if ok else 'MISSES'} the >= {want_ratio:g}x{limit} target")
    print(f"credchain above the spawn floor (/bin/true): {(med['credchain'] - med['/bin/true'])*1e3:.3f} ms")
try:
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (a busy machine inflates botocore most)")
except OSError:
    pass
PY
