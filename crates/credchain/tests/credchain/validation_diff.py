"""botocore's side of `validation_diff.rs`: one JSON case per stdin line, one
JSON outcome per stdout line. Nothing leaves the process: a `before-send`
handler records each request and answers it with a canned STS document, and
AWS_EC2_METADATA_DISABLED is set.

Case: {"op": "gci" | "creds" | "session_token", "config", "credentials",
"env", "region" (explicit, or null), "profile", "params" (session_token),
"token_file": [path, text] (optional)}.
Outcome: {"kind": "sent", "sent": [[action, url], ...]} or
{"kind": <exception class>, "message": str(e), "sent": [...]}.
"""
import json
import os
import sys
import tempfile

import botocore.session
from botocore.awsrequest import AWSResponse

EXP = "2099-01-01T00:00:00Z"
CREDS = (
    "<Credentials><AccessKeyId>ASIADIFF</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
    f"<SessionToken>t</SessionToken><Expiration>{EXP}</Expiration></Credentials>"
    "<AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>"
    "<Arn>arn:aws:sts::123456789012:assumed-role/r/x</Arn></AssumedRoleUser>"
)
IDENTITY = ("<Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>U</UserId>"
            "<Account>123456789012</Account>")


class Raw:
    def __init__(self, body):
        self.body = body

    def stream(self, *args, **kwargs):
        yield self.body


def answer(action):
    inner = IDENTITY if action == "GetCallerIdentity" else CREDS
    return (f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>r"
            f"</RequestId></ResponseMetadata></{action}Response>").encode()


def run(case, tmp):
    for k in list(os.environ):
        if k.startswith("AWS_"):
            del os.environ[k]
    paths = {}
    for name in ("config", "credentials"):
        paths[name] = os.path.join(tmp, name)
        with open(paths[name], "w", encoding="utf-8") as f:
            f.write(case.get(name, ""))
    if case.get("token_file"):
        path, text = case["token_file"]
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    os.environ.update({"AWS_CONFIG_FILE": paths["config"],
                       "AWS_SHARED_CREDENTIALS_FILE": paths["credentials"],
                       "AWS_EC2_METADATA_DISABLED": "true"})
    os.environ.update(case.get("env", {}))
    sent = []

    def before_send(request, **kwargs):
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        fields = dict(x.split("=", 1) for x in body.split("&") if "=" in x)
        action = fields.get("Action", "")
        sent.append([action, request.url])
        return AWSResponse(request.url, 200, {}, Raw(answer(action)))

    session = botocore.session.Session(profile=case.get("profile"))
    session.register("before-send", before_send)
    region = case.get("region")
    try:
        if case["op"] == "gci":
            session.create_client("sts", region_name=region).get_caller_identity()
        elif case["op"] == "creds":
            if region is not None:
                session.set_config_variable("region", region)
            creds = session.get_credentials()
            if creds is not None:
                creds.get_frozen_credentials()
        elif case["op"] == "session_token":
            client = session.create_client("sts", region_name=region)
            client.get_session_token(**case["params"])
        return {"kind": "sent", "sent": sent}
    except Exception as e:  # the outcome is the exception class
        return {"kind": type(e).__name__, "message": str(e), "sent": sent}


def main():
    tmp = tempfile.mkdtemp()
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line), tmp)), flush=True)


if __name__ == "__main__":
    main()
