#!/usr/bin/env python3
"""Records what botocore does with every case of assume-role-tests.json.

Usage:
    python3 scripts/verify_assume_role_vectors.py            # (re)write the list
    python3 scripts/verify_assume_role_vectors.py --check    # exit 1 if it is stale

Each case's profiles are written as a config file (`[profile NAME]`, plus
`[sso-session NAME]` sections) in a temp dir, with an empty credentials file,
and botocore 1.43.11 resolves `Session(profile=selected_profile)
.get_credentials()` in a clean environment. Nothing touches the network:
assume-role and web identity return deferred credentials (no STS call until
first use) and the `credential_source` sourcer is patched to return a marker
instead of calling IMDS/ECS. The deferred credentials are then walked
(fetcher -> source credentials) into the vector's `ProfileChain` shape.

Every case where botocore's outcome differs from the vector's expectation is
written to crates/credchain/test-data/assume-role-vector-exceptions.json with
botocore's outcome and a reason. For every case whose outcome is an error,
botocore's exact class and message are recorded too (`errors`), because the
vector's error strings are Rust SDK wording. `crates/credchain/tests/credchain/
assume_role_vectors.rs` holds credchain to botocore in both places and to the
vector everywhere else.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/credchain/test-data/assume-role-vector-exceptions.json"

CHILD = r"""
import json, sys
import botocore.session, botocore.credentials as bc
from botocore.credentials import Credentials

def sourced(self, source_name):
    return Credentials('named-' + source_name, 'x', method=source_name)
bc.CanonicalNameCredentialSourcer.source_credentials = sourced

def walk(c):
    if c is None:
        return None
    m = getattr(c, 'method', None)
    if m == 'assume-role':
        f = c._refresh_using.__self__
        kw = dict(f._assume_kwargs)
        hop = {'role_arn': kw['RoleArn']}
        if 'ExternalId' in kw:
            hop['external_id'] = kw['ExternalId']
        if not f._using_default_session_name:
            hop['role_session_name'] = kw['RoleSessionName']
        return walk(f._source_credentials) + [{'AssumeRole': hop}]
    if m == 'assume-role-with-web-identity':
        f = c._refresh_using.__self__
        kw = dict(f._assume_kwargs)
        out = {'role_arn': kw['RoleArn'],
               'web_identity_token_file': f._web_identity_token_loader._web_identity_token_path}
        if not f._using_default_session_name:
            out['role_session_name'] = kw['RoleSessionName']
        return [{'WebIdentityToken': out}]
    if m == 'sso':
        return [{'Sso': {}}]
    if m in ('Environment', 'Ec2InstanceMetadata', 'EcsContainer'):
        return [{'NamedSource': m}]
    out = {'access_key_id': c.access_key, 'secret_access_key': c.secret_key}
    if getattr(c, 'account_id', None):
        out['account_id'] = c.account_id
    return [{'AccessKey': out}]

s = botocore.session.Session(profile=sys.argv[1])
try:
    c = s.get_credentials()
    print(json.dumps({'ProfileChain': walk(c), 'method': getattr(c, 'method', None)}))
except Exception as e:
    print(json.dumps({'Error': {'kind': type(e).__name__, 'message': str(e)}}))
"""


def vectors_dir():
    env = os.environ.get("CREDCHAIN_VECTORS")
    return Path(env) if env else ROOT.parent / "shared/vectors"


def config_text(case):
    inp = case["input"]
    out = []
    for name, keys in inp["profiles"].items():
        out.append(f"[profile {name}]")
        out.extend(f"{k} = {v}" for k, v in keys.items())
    for name, keys in inp.get("sso_sessions", {}).items():
        out.append(f"[sso-session {name}]")
        out.extend(f"{k} = {v}" for k, v in keys.items())
    return "\n".join(out) + "\n"


def botocore_outcome(case):
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "config").write_text(config_text(case))
        (Path(d) / "credentials").write_text("")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": d,
            "AWS_CONFIG_FILE": f"{d}/config",
            "AWS_SHARED_CREDENTIALS_FILE": f"{d}/credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        r = subprocess.run(
            [sys.executable, "-c", CHILD, case["input"]["selected_profile"]],
            env=env, capture_output=True, text=True, check=True,
        )
        return json.loads(r.stdout)


def differs(expected, got):
    if "Error" in expected:
        return "Error" not in got
    if "Error" in got:
        return True
    if got.get("method") == "sso" and got["ProfileChain"] and "Sso" in expected["ProfileChain"][0]:
        # The SSO provider's inputs are not walked; the kind of source agrees.
        return False
    return expected["ProfileChain"] != got["ProfileChain"]


def why(case, got):
    if "Error" in got:
        return f"botocore raises {got['Error']['kind']}"
    if got["ProfileChain"] is None:
        return "botocore finds no credentials for this profile"
    if got.get("method") == "sso":
        return "not an assume-role plan: botocore's sso provider (not planned here) handles it"
    return "botocore resolves a different chain"


def build():
    vectors = json.loads((vectors_dir() / "credential-provider-scenarios/assume-role-tests.json").read_text())
    import botocore
    exceptions, errors = [], []
    for i, case in enumerate(vectors):
        got = botocore_outcome(case)
        if "Error" in got:
            errors.append({"index": i, "name": case["docs"], "botocore": got["Error"]})
        if differs(case["output"], got):
            exceptions.append({"index": i, "name": case["docs"],
                               "botocore": got if "Error" in got else {"ProfileChain": got["ProfileChain"], "method": got["method"]},
                               "why": why(case, got)})
    return {
        "generated_by": "scripts/verify_assume_role_vectors.py",
        "botocore_version": botocore.__version__,
        "note": "assume-role-tests.json cases where botocore disagrees with the vector (credchain follows botocore), and botocore's exact error for every case it rejects (the vector's error strings are Rust SDK wording). Keyed by index.",
        "exceptions": exceptions,
        "errors": errors,
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
        if OUT.read_text() != text:
            print(f"{OUT} is stale; rerun without --check", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
