#!/usr/bin/env python3
"""Sign requests with botocore's SigV4 signers, one JSON request per stdin line.

The reference for `credchain-sigv4`. The Rust test binary
(`crates/credchain-sigv4/tests/sigv4/differential.rs`) starts this script once,
writes one JSON object per line and reads one JSON object per line back, in order.

Input line (all keys required unless noted):

    {"method": "GET", "url": "https://host/path?query",
     "headers": [["Name", "value"], ...],      # order kept, names may repeat
     "body_hex": "",                           # request body as hex
     "payload": "bytes" | "unsigned",          # unsigned = payload signing disabled
     "flavor": "standard" | "s3",              # SigV4Auth / S3SigV4Auth (+ Query variants)
     "mode": "header" | "query",               # Authorization header / presigned URL
     "access_key": "...", "secret_key": "...", "token": null | "...",
     "region": "...", "service": "...",
     "time": 1440938160,                       # Unix seconds, UTC
     "expires": 3600}                          # query mode only

Output line: {"authorization": <botocore's Authorization header or null>,
"url": <request URL after signing>, "headers": [[name, value], ...] after signing,
"canonical_request": ..., "string_to_sign": ..., "signature": ...},
or {"error": "<exception>"} when botocore raises.

Exits with status 2 and a clear message when botocore cannot be imported.
"""

import datetime
import json
import sys

try:
    import botocore
    import botocore.auth
    import botocore.credentials
    from botocore.awsrequest import AWSRequest
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"sigv4_diff.py: botocore is not importable ({exc}); "
        "install it with `python3 -m pip install botocore`\n"
    )
    sys.exit(2)


class _S3Config:
    """Stands in for botocore.config.Config: only `.s3` is read by the signer."""

    def __init__(self, s3):
        self.s3 = s3


def _recording(cls):
    """Subclass a signer so the intermediate values can be reported."""

    class Recording(cls):
        def canonical_request(self, request):
            value = super().canonical_request(request)
            self.recorded_canonical_request = value
            return value

        def string_to_sign(self, request, canonical_request):
            value = super().string_to_sign(request, canonical_request)
            self.recorded_string_to_sign = value
            return value

        def signature(self, string_to_sign, request):
            value = super().signature(string_to_sign, request)
            self.recorded_signature = value
            return value

    return Recording


SIGNERS = {
    ("standard", "header"): _recording(botocore.auth.SigV4Auth),
    ("s3", "header"): _recording(botocore.auth.S3SigV4Auth),
    ("standard", "query"): _recording(botocore.auth.SigV4QueryAuth),
    ("s3", "query"): _recording(botocore.auth.S3SigV4QueryAuth),
}


def sign(case):
    when = datetime.datetime.fromtimestamp(
        case["time"], datetime.timezone.utc
    ).replace(tzinfo=None)
    # add_auth reads the clock through this module-level name.
    botocore.auth.get_current_datetime = lambda: when

    request = AWSRequest(method=case["method"], url=case["url"])
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders appends
    body = bytes.fromhex(case["body_hex"])
    request.data = body if body else None
    if case["payload"] == "unsigned":
        request.context["payload_signing_enabled"] = False
        if case["flavor"] == "s3":
            request.context["client_config"] = _S3Config(
                {"payload_signing_enabled": False}
            )

    credentials = botocore.credentials.Credentials(
        case["access_key"], case["secret_key"], case.get("token")
    )
    cls = SIGNERS[(case["flavor"], case["mode"])]
    if case["mode"] == "query":
        signer = cls(
            credentials, case["service"], case["region"], case["expires"]
        )
    else:
        signer = cls(credentials, case["service"], case["region"])
    signer.add_auth(request)
    return {
        "authorization": request.headers.get("Authorization"),
        "url": request.url,
        "headers": [[k, v] for k, v in request.headers.items()],
        "canonical_request": signer.recorded_canonical_request,
        "string_to_sign": signer.recorded_string_to_sign,
        "signature": signer.recorded_signature,
    }


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = sign(json.loads(line))
        except Exception as exc:  # report, keep the stream in step
            result = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
