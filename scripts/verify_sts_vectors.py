#!/usr/bin/env python3
"""Records botocore's outcome for the smithy-rs STS scenario vectors.

Usage:
    python3 scripts/verify_sts_vectors.py            # (re)write the record
    python3 scripts/verify_sts_vectors.py --check    # exit 1 if it is stale

The assume-role and web-identity cases of
credential-provider-scenarios/{profile-provider,default-credential-provider-chain}
are replayed through botocore 1.43.11: each case's `fs/` is laid out under a
temp root (HOME and absolute paths in env.json re-rooted there), and
`URLLib3Session.send` is replaced by a player that answers the N-th request
with the N-th recorded response and records the method and URL botocore sent.
Nothing reaches the network. profile-provider cases select the profile
explicitly (they exercise the profile provider alone, so env keys must not
win); default-chain cases use botocore's own profile selection.

For every case the record holds botocore's requests and result (`Ok` with the
key id and account id, or `Error` with class and message) and whether that
differs from the vector (`differs` + `why`).
crates/credchain/tests/credchain/sts_vectors.rs replays the same traffic
through credchain and requires botocore's requests and result.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/credchain/test-data/sts-vector-record.json"

CASES = {
    "profile-provider": [
        "assume_role_override_global_env_url",
        "assume_role_override_global_profile_url",
        "assume_role_override_service_env_url",
        "assume_role_override_service_profile_url",
        "e2e_assume_role",
        "e2e_fips_and_dual_stack_sts",
        "region_override",
        "retry_on_error",
    ],
    "default-credential-provider-chain": [
        "profile_overrides_web_identity",
        "web_identity_source_profile_no_env",
        "web_identity_token_env",
        "web_identity_token_invalid_jwt",
        "web_identity_token_profile",
        "web_identity_token_source_profile",
    ],
}

WHY = {
    "region_override": "botocore ignores AWS_REGION (P-ENV-3): the profile's us-east-1 is used",
    "web_identity_token_env": "botocore ignores AWS_REGION (P-ENV-3): no region, so STS is the "
    "global endpoint (P-CHAIN-14)",
    "web_identity_token_profile": "botocore ignores AWS_REGION (P-ENV-3): no region, so STS is "
    "the global endpoint (P-CHAIN-14)",
    "web_identity_token_source_profile": "botocore ignores AWS_REGION (P-ENV-3): no region, so "
    "STS is the global endpoint (P-CHAIN-14)",
}

CHILD = r"""
import json, sys
import botocore.httpsession, botocore.session
from botocore.awsrequest import AWSResponse

traffic = json.load(open(sys.argv[1]))
conns = {}
for e in traffic['events']:
    c = conns.setdefault(e['connection_id'], {'body': b''})
    a = e['action']
    if 'Response' in a:
        ok = a['Response']['response']['Ok']
        c['status'] = ok['status']
        c['headers'] = {k: v[0] for k, v in ok['headers'].items()}
    elif 'Data' in a and a['Data']['direction'] == 'Response':
        c['body'] += a['Data']['data'].get('Utf8', '').encode()
queue = [conns[k] for k in sorted(conns)]
sent = []

class Raw:
    def __init__(self, body): self.body = body
    def stream(self, **kw): yield self.body

def send(self, request):
    sent.append([request.method, request.url])
    if not queue:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)
    c = queue.pop(0)
    return AWSResponse(request.url, c['status'], c['headers'], Raw(c['body']))

botocore.httpsession.URLLib3Session.send = send
# The recorded answers expire in August 2021: run at 2021-08-05T12:00:00Z,
# before every recorded Expiration (credchain's test uses the same instant).
import datetime, time
import botocore.credentials
NOW = 1628164800
fixed_now = lambda: datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc)
original = botocore.credentials._local_now
botocore.credentials._local_now = fixed_now
# Bound as default arguments at import time, so replaced there too.
for cls in (botocore.credentials.RefreshableCredentials,
            botocore.credentials.DeferredRefreshableCredentials):
    d = cls.__init__.__defaults__
    if d:
        cls.__init__.__defaults__ = tuple(fixed_now if x is original else x for x in d)
time.time = lambda: NOW
profile = sys.argv[2] or None
try:
    s = botocore.session.Session(profile=profile)
    c = s.get_credentials()
    if c is None:
        result = {'Error': {'kind': 'NoCredentialsError', 'message': 'Unable to locate credentials'}}
    else:
        f = c.get_frozen_credentials()
        result = {'Ok': {'access_key_id': f.access_key, 'account_id': f.account_id, 'method': c.method}}
except Exception as e:
    result = {'Error': {'kind': type(e).__name__, 'message': str(e)}}
print(json.dumps({'requests': sent, 'result': result}))
"""


def vectors_dir():
    env = os.environ.get("CREDCHAIN_VECTORS")
    return Path(env) if env else ROOT.parent / "shared/vectors"


def run_case(suite, name):
    d = vectors_dir() / "credential-provider-scenarios" / suite / name
    env_json = json.loads((d / "env.json").read_text())
    with tempfile.TemporaryDirectory() as root:
        files = [f for f in (d / "fs").rglob("*") if f.is_file()]
        virtual = ["/" + str(f.relative_to(d / "fs")) for f in files]
        for f, v in zip(files, virtual):
            dest = Path(root + v)
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = f.read_bytes()
            if f.name in ("config", "credentials"):
                # Paths inside the files are re-rooted too.
                for other in virtual:
                    data = data.replace(f"= {other}".encode(), f"= {root}{other}".encode())
            dest.write_bytes(data)
        env = {"PATH": os.environ.get("PATH", ""), "AWS_EC2_METADATA_DISABLED": "true"}
        for k, v in env_json.items():
            env[k] = root + v if v.startswith("/") else v
        if "HOME" not in env:
            env["HOME"] = root + "/nohome"
        profile = ""
        if suite == "profile-provider":
            profile = env_json.get("AWS_PROFILE", "default")
        r = subprocess.run(
            [sys.executable, "-c", CHILD, str(d / "http-traffic.json"), profile],
            env=env, capture_output=True, text=True, check=True,
        )
        return json.loads(r.stdout)


def recorded_uris(suite, name):
    d = vectors_dir() / "credential-provider-scenarios" / suite / name
    traffic = json.loads((d / "http-traffic.json").read_text())
    return [
        [e["action"]["Request"]["request"]["method"], e["action"]["Request"]["request"]["uri"]]
        for e in traffic["events"]
        if "Request" in e["action"]
    ]


def norm(url):
    return url if url.count("/") > 2 else url + "/"


def differs(suite, name, got):
    d = vectors_dir() / "credential-provider-scenarios" / suite / name
    expected = json.loads((d / "test-case.json").read_text())["result"]
    want_ok = expected.get("Ok")
    if want_ok is None:
        return "Ok" in got["result"]
    ok = got["result"].get("Ok")
    if ok is None or ok["access_key_id"] != want_ok["access_key_id"]:
        return True
    uris = [[m, norm(u)] for m, u in recorded_uris(suite, name)]
    return [[m, norm(u)] for m, u in got["requests"]] != uris


def build():
    import botocore
    cases = []
    for suite, names in CASES.items():
        for name in names:
            got = run_case(suite, name)
            entry = {"suite": suite, "name": name, "botocore": got}
            if differs(suite, name, got):
                entry["differs"] = True
                entry["why"] = WHY.get(name, "UNEXPLAINED")
            cases.append(entry)
    return {
        "generated_by": "scripts/verify_sts_vectors.py",
        "botocore_version": botocore.__version__,
        "clock": 1628164800,
        "note": "botocore's requests and result for the smithy-rs assume-role / web identity "
        "scenarios, replayed offline; `differs` marks where that is not the vector's "
        "expectation (credchain follows botocore).",
        "cases": cases,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    # A checkout without the shared vectors (a fresh clone on its own) has
    # nothing to compare: say so on one line and pass, as the cargo tests do.
    if not vectors_dir().is_dir():
        print(f"vectors not found at {vectors_dir()} (set CREDCHAIN_VECTORS); skipping")
        return 0
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale; rerun without --check", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
