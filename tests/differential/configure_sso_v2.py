#!/usr/bin/env python3
"""The AWS CLI v2's own `aws configure sso`, for the differential test in
crates/credchain-cli/tests/cli/configure_sso.rs.

AWS CLI v2 2.9 (Debian's awscli) does not read AWS_ENDPOINT_URL_SSO (2.13
added it), so this runs its command line (`awscli.clidriver.main`) with
botocore's `Session.create_client` wrapped to send `sso` and `sso-oidc`
requests to the loopback fake at CREDCHAIN_FAKE_SSO; nothing else changes.

Usage: configure_sso_v2.py ARGS...   (as `aws ARGS...`)
Exit 3 when the AWS CLI v2 is not importable (the caller skips).
"""
import os
import sys

try:
    from awscli.clidriver import main
    import botocore.session
except ImportError as e:
    print(f"AWS CLI v2 not importable: {e}", file=sys.stderr)
    sys.exit(3)

ENDPOINT = os.environ["CREDCHAIN_FAKE_SSO"]
_create_client = botocore.session.Session.create_client


def create_client(self, service_name, *args, **kwargs):
    if service_name in ("sso", "sso-oidc"):
        kwargs["endpoint_url"] = ENDPOINT
    return _create_client(self, service_name, *args, **kwargs)


botocore.session.Session.create_client = create_client
sys.argv = ["aws"] + sys.argv[1:]
sys.exit(main())
