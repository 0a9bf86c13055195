"""botocore's side of the SSO differential (driven by
crates/credchain/tests/credchain/sso_diff.rs).

stdin: a JSON list of scenarios {"home", "profile", "explicit", "env",
"token_file"}; each home already holds .aws/config (and maybe
.aws/credentials) and the token cache. The fake portal / SSO-OIDC server
(credchain::testkit::sso) is named by AWS_ENDPOINT_URL_SSO[_OIDC] in "env".

stdout: a JSON list, per scenario, of {"kind": "ok", "access_key",
"secret_key", "token", "account_id"} or {"kind": <exception class>,
"message"}, plus "token_after": the token file's text after the run (or
null).

botocore fixes its token cache directory at import time
(os.path.expanduser at class definition), so it is pointed at each
scenario's HOME by setting the two class attributes.
"""
import json
import os
import sys

import botocore.credentials
import botocore.session
import botocore.tokens


def run(sc):
    os.environ.clear()
    os.environ.update(sc["env"])
    cache = os.path.join(sc["home"], ".aws", "sso", "cache")
    botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR = cache
    botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR = cache
    try:
        if sc["explicit"]:
            s = botocore.session.Session(profile=sc["profile"])
        else:
            s = botocore.session.Session()
        creds = s.get_credentials()
        if creds is None:
            out = {"kind": "None", "message": ""}
        else:
            f = creds.get_frozen_credentials()
            out = {
                "kind": "ok",
                "method": creds.method,
                "access_key": f.access_key,
                "secret_key": f.secret_key,
                "token": f.token,
                "account_id": f.account_id,
            }
    except Exception as e:  # the class name is what is compared
        out = {"kind": type(e).__name__, "message": str(e)}
    path = sc.get("token_file")
    out["token_after"] = open(path).read() if path and os.path.isfile(path) else None
    return out


def main():
    scenarios = json.load(sys.stdin)
    json.dump([run(sc) for sc in scenarios], sys.stdout)


if __name__ == "__main__":
    main()
