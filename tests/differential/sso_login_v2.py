#!/usr/bin/env python3
"""The AWS CLI v2's `sso login` device-code flow, for the differential test
in crates/credchain/tests/credchain/sso_login.rs.

Runs the AWS CLI v2's own `SSOTokenFetcher` (awscli.customizations.sso.utils,
as `do_sso_login` builds it: the JSONFileCache of ~/.aws/sso/cache with
`_sso_json_dumps`, force_refresh=True) against the loopback fake SSO-OIDC at
ENDPOINT, so it writes the registration and token files exactly as
`aws sso login --use-device-code` would. The fake approves the device code on
its own (a DeviceScript), so no user is needed; sleeps are skipped.

Usage: sso_login_v2.py '{"home", "endpoint", "start_url", "region",
                          "session_name", "scopes"}'
Exit 3 when the AWS CLI v2 is not importable (the caller skips).
"""
import importlib
import inspect
import json
import os
import sys

try:
    from awscli.customizations.sso.utils import (
        SSOTokenFetcher,
        JSONFileCache,
        _sso_json_dumps,
    )
except ImportError as e:
    print(f"AWS CLI v2 not importable: {e}", file=sys.stderr)
    sys.exit(3)

args = json.loads(sys.argv[1])
os.environ.clear()
os.environ["HOME"] = args["home"]

# The botocore the AWS CLI v2 vendors (awscli.botocore) or links (botocore).
root = SSOTokenFetcher.__module__.rsplit(".", 1)[0]
session = importlib.import_module(root + ".session").Session()


def client_creator(service, **kwargs):
    kwargs["endpoint_url"] = args["endpoint"]
    return session.create_client(service, **kwargs)


cache = JSONFileCache(
    os.path.join(args["home"], ".aws", "sso", "cache"), dumps_func=_sso_json_dumps
)
kwargs = dict(
    sso_region=args["region"],
    client_creator=client_creator,
    cache=cache,
    on_pending_authorization=lambda **kw: None,
    sleep=lambda s: None,
)
if "parsed_globals" in inspect.signature(SSOTokenFetcher.__init__).parameters:

    class Globals:
        verify_ssl = None

    kwargs["parsed_globals"] = Globals()
fetcher = SSOTokenFetcher(**kwargs)
fetcher.fetch_token(
    start_url=args["start_url"],
    force_refresh=True,
    registration_scopes=args["scopes"],
    session_name=args["session_name"],
)
