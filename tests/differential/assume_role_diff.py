#!/usr/bin/env python3
"""Differential test: assume-role and web identity, credchain vs botocore,
both talking to the same moto_server (started here on a random loopback
port; AWS_ENDPOINT_URL_STS points every process at it, so nothing can reach
AWS).

Usage:
    python3 tests/differential/assume_role_diff.py --binary target/debug/credchain \
        [--scenarios 200] [--seed 1] [--show N]

Each scenario is a random config file of up to five profiles mixing
role_arn, source_profile (existing, missing, self, cycles), credential_source
(valid, wrong case, bogus), static keys (complete or partial),
role_session_name (set, empty), external_id, duration_seconds (valid,
invalid), web_identity_token_file (present, missing file) and env vars
(AWS_ACCESS_KEY_ID/SECRET for credential_source = Environment,
AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN / AWS_ROLE_SESSION_NAME), with
the profile chosen by --profile or AWS_PROFILE. SSO, credential_process,
login and mfa_serial are left out (not implemented, or interactive).

botocore: `Session(profile=...).create_client('sts').get_caller_identity()`.
credchain: `credchain sts get-caller-identity [--profile P]`.
They must agree on the outcome: the same error class and message (the
message is compared exactly except for NoCredentialsError, whose CLI hint
differs), or the same caller ARN (the generated `botocore-session-<epoch>`
name is normalised, as the two processes may run a second apart).
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

PROFILES = ["a", "b", "c", "d", "e"]

CHILD = r"""
import json, sys
import botocore.session
try:
    s = botocore.session.Session(profile=sys.argv[1] or None)
    r = s.create_client('sts').get_caller_identity()
    print(json.dumps({'arn': r['Arn'], 'account': r['Account']}))
except Exception as e:
    print(json.dumps({'kind': type(e).__name__, 'message': str(e)}))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    exe = shutil.which("moto_server")
    if not exe:
        sys.exit("moto_server is not on PATH (python3 -m pip install 'moto[server]')")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if time.time() > deadline:
                proc.kill()
                sys.exit("moto_server did not start")
            time.sleep(0.1)


def scenario(rng, n):
    """Returns (config text, env dict, files dict, profile, explicit)."""
    names = PROFILES[: rng.randint(1, len(PROFILES))]
    lines = []
    cred_lines = []
    files = {}
    env = {}
    for name in names:
        keys = []
        kind = rng.random()
        if kind < 0.7:
            keys.append(("role_arn", f"arn:aws:iam::123456789012:role/R{name}{n}"))
        r = rng.random()
        if r < 0.6:
            keys.append(("source_profile", rng.choice(names + ["zz", name])))
        elif r < 0.8:
            keys.append(("credential_source", rng.choice(
                ["Environment", "Environment", "EcsContainer", "Ec2InstanceMetadata",
                 "environment", "Bogus"])))
        elif r < 0.9:
            keys.append(("source_profile", rng.choice(names)))
            keys.append(("credential_source", "Environment"))
        if rng.random() < 0.4:
            static = []
            if rng.random() < 0.85:
                static.append(("aws_access_key_id", f"AKIA{name.upper()}{n}"))
            if rng.random() < 0.85:
                static.append(("aws_secret_access_key", f"secret{name}"))
            if rng.random() < 0.4:
                # In the credentials file: merged into the profile map, and
                # found by the shared-credentials-file provider.
                cred_lines.append(f"[{name}]")
                cred_lines.extend(f"{k} = {v}" for k, v in static)
            else:
                keys.extend(static)
        if rng.random() < 0.3:
            keys.append(("role_session_name", rng.choice(["sess", "", "s-" + name])))
        if rng.random() < 0.2:
            keys.append(("external_id", "ext-" + name))
        if rng.random() < 0.2:
            keys.append(("duration_seconds", rng.choice(["900", "3600", "abc", "", " 1_800 "])))
        if rng.random() < 0.15:
            path = rng.choice(["TOKEN", "MISSING"])
            keys.append(("web_identity_token_file", path))
        rng.shuffle(keys)
        lines.append(f"[profile {name}]")
        lines.extend(f"{k} = {v}" for k, v in keys)
    files["TOKEN"] = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln" + rng.choice(["", "\n"])
    if rng.random() < 0.5:
        env["AWS_ACCESS_KEY_ID"] = f"AKIAENV{n}"
        if rng.random() < 0.9:
            env["AWS_SECRET_ACCESS_KEY"] = "envsecret"
    if rng.random() < 0.15:
        env["AWS_WEB_IDENTITY_TOKEN_FILE"] = rng.choice(["TOKEN", "MISSING", ""])
        if rng.random() < 0.8:
            env["AWS_ROLE_ARN"] = f"arn:aws:iam::123456789012:role/Env{n}"
        if rng.random() < 0.5:
            env["AWS_ROLE_SESSION_NAME"] = "envsess"
    profile = rng.choice(names)
    explicit = rng.random() < 0.7
    if not explicit:
        env["AWS_PROFILE"] = profile
    files["credentials"] = "\n".join(cred_lines) + "\n"
    return "\n".join(lines) + "\n", env, files, profile, explicit


def run_case(args, port, n, seed):
    rng = random.Random(seed * 100003 + n)
    config, env, files, profile, explicit = scenario(rng, n)
    with tempfile.TemporaryDirectory() as home:
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write(config.replace("TOKEN", os.path.join(home, "TOKEN"))
                    .replace("MISSING", os.path.join(home, "MISSING")))
        for name, text in files.items():
            rel = os.path.join(".aws", name) if name == "credentials" else name
            with open(os.path.join(home, rel), "w", newline="") as f:
                f.write(text)
        base = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "LANG": "C.UTF-8",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{port}",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        for k, v in env.items():
            v = v.replace("TOKEN", os.path.join(home, "TOKEN")) if v == "TOKEN" else v
            v = os.path.join(home, "MISSING") if v == "MISSING" else v
            base[k] = v
        boto = subprocess.run(
            [sys.executable, "-c", CHILD, profile if explicit else ""],
            env=base, capture_output=True, text=True, cwd=home, timeout=120,
        )
        try:
            theirs = json.loads(boto.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            theirs = {"kind": "crash", "message": boto.stderr[-500:]}
        cmd = [args.binary, "sts", "get-caller-identity"]
        if explicit:
            cmd += ["--profile", profile]
        ours_run = subprocess.run(cmd, env=base, capture_output=True, text=True, cwd=home,
                                  timeout=120)
        if ours_run.returncode == 0:
            doc = json.loads(ours_run.stdout)
            ours = {"arn": doc["Arn"], "account": doc["Account"]}
        else:
            # The CLI's error line is for people ("error: <message>" and a
            # hint); botocore's exception class comes from the documented
            # `explain --output json` contract, run in the same environment.
            ex = subprocess.run(cmd[:1] + ["explain", "--output", "json"] + cmd[3:], env=base,
                                capture_output=True, text=True, cwd=home, timeout=120)
            try:
                err = json.loads(ex.stdout).get("error")
            except ValueError:
                err = None
            if err and ours_run.stderr.startswith("error: " + err["message"]):
                ours = {"kind": err["kind"], "message": err["message"]}
            elif "Unable to locate credentials" in ours_run.stderr:
                ours = {"kind": "NoCredentialsError", "message": ""}
            else:
                ours = {"kind": "crash", "message": ours_run.stderr[-500:]}
        return n, config, env, profile, explicit, normalise(theirs), normalise(ours)


def creds_of(n, seed):
    return scenario(random.Random(seed * 100003 + n), n)[2]["credentials"]


def normalise(outcome):
    out = dict(outcome)
    if "arn" in out:
        out["arn"] = re.sub(r"botocore-session-\d+", "botocore-session-N", out["arn"])
    if out.get("kind") == "NoCredentialsError":
        out["message"] = ""
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--scenarios", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    # Each process runs in its scenario's HOME.
    args.binary = os.path.abspath(args.binary)
    proc, port = start_moto()
    try:
        with ThreadPoolExecutor(max_workers=8) as ex:
            results = list(ex.map(lambda n: run_case(args, port, n, args.seed),
                                  range(args.scenarios)))
    finally:
        proc.kill()
        proc.wait()
    failures = [r for r in results if r[5] != r[6]]
    outcomes = {}
    for r in results:
        key = r[5].get("kind", "ok")
        outcomes[key] = outcomes.get(key, 0) + 1
    print(f"assume-role differential: {len(results)} scenarios, outcomes {outcomes}")
    for n, config, env, profile, explicit, theirs, ours in failures[: args.show]:
        print(f"--- scenario {n} (profile {profile}, {'--profile' if explicit else 'AWS_PROFILE'})")
        print(config + f"env: {env}")
        print("credentials file:\n" + creds_of(n, args.seed))
        print(f"botocore:  {theirs}")
        print(f"credchain: {ours}")
    print(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
