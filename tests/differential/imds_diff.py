#!/usr/bin/env python3
"""Differential test of the network providers: IMDS (`iam-role`) and the
container endpoint (`container-role`) against botocore.

A small threaded HTTP server on 127.0.0.1 (never anything else) plays IMDS
and the container endpoint and injects faults: black hole, slow drip, 500/503,
token endpoint 403/404/405/400, malformed JSON, missing fields, expired
credentials, a role renamed between calls, and more. Each scenario is served
to botocore (in a subprocess, `AWS_EC2_METADATA_SERVICE_ENDPOINT` /
`AWS_CONTAINER_CREDENTIALS_FULL_URI` pointing at the server) and to our binary
(`credchain explain --output json`, then `credchain configure
export-credentials`). They must agree on: method, keys (access key, secret,
token, account id), expiry, error kind, and the exact sequence of requests the
server saw. Elapsed wall-clock time of both is printed per scenario.

Usage: tests/differential/imds_diff.py --binary target/debug/credchain [--only NAME]
       tests/differential/imds_diff.py --verify-vectors  (botocore's results for
       the imds/ecs default-chain vectors and endpoint tables, as JSON)
       tests/differential/imds_diff.py --check-exceptions  (exit 1 unless
       crates/credchain/test-data/imds-vector-exceptions.json still matches)
Prints `imds-differential: N passed, M failed` and exits 1 on any failure.
"""

import argparse
import datetime
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

FUTURE = "2099-01-01T00:00:00Z"
TOKEN_PATH = "/latest/api/token"
LIST_PATH = "/latest/meta-data/iam/security-credentials/"


def creds_doc(ak, expiration=FUTURE, **extra):
    d = {
        "Code": "Success",
        "Type": "AWS-HMAC",
        "AccessKeyId": ak,
        "SecretAccessKey": "secret-" + ak,
        "Token": "token-" + ak,
        "Expiration": expiration,
    }
    d.update(extra)
    return json.dumps(d)


# ---- the server ---------------------------------------------------------

class State:
    """What the server does now; replaced per scenario and per run."""

    def __init__(self, handler):
        self.handler = handler
        self.lock = threading.Lock()
        self.requests = []
        self.release = threading.Event()

    def record(self, method, path, headers):
        with self.lock:
            n = len(self.requests)
            self.requests.append((method, path, headers))
            return n


STATE = State(lambda *a: ("respond", 404, ""))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _serve(self):
        state = STATE
        headers = {k.lower(): v for k, v in self.headers.items()}
        n = state.record(self.command, self.path, headers)
        action = state.handler(self.command, self.path, n, headers)
        kind = action[0]
        if kind == "blackhole":
            state.release.wait(60)
            self.close_connection = True
            return
        if kind == "close":
            self.close_connection = True
            return
        if kind == "garbage":
            self.wfile.write(b"SSH-2.0-not-http\r\n\r\n")
            self.close_connection = True
            return
        status, body = action[1], action[2].encode() if isinstance(action[2], str) else action[2]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if kind == "drip":
            gap = action[3]
            for i in range(len(body)):
                if state.release.wait(gap):
                    return
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    return
        else:
            self.wfile.write(body)

    do_GET = _serve
    do_PUT = _serve


def start_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---- scenarios ----------------------------------------------------------

class Spec:
    """A handler factory: each run gets a fresh handler (fresh counters)."""

    def __init__(self, build):
        self.build = build


def imds(token=None, listing=None, creds=None):
    """An IMDS handler: each of token/listing/creds is an action or a
    function (n-th request to that path) -> action."""
    token = token or ("respond", 200, "TOKEN-1")
    listing = listing or ("respond", 200, "my-role")
    creds = creds or ("respond", 200, creds_doc("ASIAIMDS"))

    def build():
        counts = {}

        def pick(spec, key, arg):
            i = counts.get(key, 0)
            counts[key] = i + 1
            if not callable(spec):
                return spec
            return spec(i, arg) if arg is not None else spec(i)

        def h(method, path, n, headers):
            if method == "PUT" and path == TOKEN_PATH:
                return pick(token, "token", None)
            if method == "GET" and path == LIST_PATH:
                return pick(listing, "list", None)
            if method == "GET" and path.startswith(LIST_PATH):
                return pick(creds, path, path)
            return ("respond", 404, "")
        return h
    return Spec(build)


def container(action):
    def build():
        counts = {"n": 0}

        def h(method, path, n, headers):
            i = counts["n"]
            counts["n"] += 1
            return action(i) if callable(action) else action
        return h
    return Spec(build)


def role_only(name, doc):
    def c(i, path):
        if path == LIST_PATH + name:
            return ("respond", 200, doc)
        return ("respond", 404, "gone")
    return c


R = lambda status, body="": ("respond", status, body)  # noqa: E731
BLACKHOLE = ("blackhole",)

SCENARIOS = [
    # (name, kind, env extras, handler, compare_requests)
    ("imds success", "imds", {}, imds(), True),
    ("imds token 403", "imds", {}, imds(token=R(403)), True),
    ("imds token 404", "imds", {}, imds(token=R(404)), True),
    ("imds token 405", "imds", {}, imds(token=R(405)), True),
    ("imds token 400", "imds", {}, imds(token=R(400)), True),
    ("imds token 500", "imds", {}, imds(token=R(500, "oops")), True),
    ("imds token 500 x3 attempts", "imds", {"AWS_METADATA_SERVICE_NUM_ATTEMPTS": "3"},
     imds(token=R(500)), True),
    ("imds token 503 then ok, 2 attempts", "imds", {"AWS_METADATA_SERVICE_NUM_ATTEMPTS": "2"},
     imds(token=lambda i: R(503) if i == 0 else R(200, "T")), True),
    ("imds token black hole", "imds", {}, imds(token=BLACKHOLE), True),
    ("imds token black hole, 3 attempts", "imds", {"AWS_METADATA_SERVICE_NUM_ATTEMPTS": "3"},
     imds(token=BLACKHOLE), True),
    ("imds black hole everywhere", "imds", {}, lambda *a: BLACKHOLE, True),
    ("imds token closes connection", "imds", {}, imds(token=("close",)), True),
    ("imds garbage everywhere", "imds", {}, lambda *a: ("garbage",), True),
    ("imds empty token", "imds", {}, imds(token=R(200, "")), True),
    ("imds empty token, v1 disabled", "imds", {"AWS_EC2_METADATA_V1_DISABLED": "true"},
     imds(token=R(200, "")), True),
    ("imds role 500", "imds", {}, imds(listing=R(500, "boom")), True),
    ("imds role 503 then ok, 2 attempts", "imds", {"AWS_METADATA_SERVICE_NUM_ATTEMPTS": "2"},
     imds(listing=lambda i: R(503) if i == 0 else R(200, "my-role")), True),
    ("imds empty role", "imds", {}, imds(listing=R(200, "")), True),
    ("imds role name not trimmed", "imds", {},
     imds(listing=R(200, "my-role \n"), creds=role_only("my-role%20", creds_doc("AKTRIM"))), True),
    ("imds role name with / ? # and non-ASCII", "imds", {},
     imds(listing=R(200, "r/x?y#z\u00f4%41"), creds=R(200, creds_doc("AKODD"))), True),
    ("imds creds 500", "imds", {}, imds(creds=R(500)), True),
    ("imds malformed JSON", "imds", {}, imds(creds=R(200, '{"AccessKeyId": ')), True),
    ("imds malformed JSON then ok, 2 attempts", "imds", {"AWS_METADATA_SERVICE_NUM_ATTEMPTS": "2"},
     imds(creds=lambda i, p: R(200, "{") if i == 0 else R(200, creds_doc("AK2"))), True),
    ("imds error document", "imds", {},
     imds(creds=R(200, json.dumps({"Code": "AssumeRoleUnauthorizedAccess", "Message": "no"}))), True),
    ("imds missing Token", "imds", {},
     imds(creds=R(200, json.dumps({"AccessKeyId": "a", "SecretAccessKey": "s",
                                   "Expiration": FUTURE}))), True),
    ("imds JSON number", "imds", {}, imds(creds=R(200, "42")), True),
    ("imds JSON list", "imds", {}, imds(creds=R(200, '["AccessKeyId"]')), True),
    ("imds expired (static stability)", "imds", {},
     imds(creds=R(200, creds_doc("ASIAOLD", "2001-01-01T00:00:00Z"))), True),
    ("imds near expiry (static stability)", "imds", {},
     imds(creds=lambda i, p: R(200, creds_doc("ASIANEAR", (
         datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=600)
     ).strftime("%Y-%m-%dT%H:%M:%SZ")))), True),
    ("imds expiry with offset, future", "imds", {},
     imds(creds=R(200, creds_doc("ASIAOFF", "2099-01-01T00:00:00+02:00"))), True),
    ("imds unparseable expiry", "imds", {}, imds(creds=R(200, creds_doc("AK", "soon"))), True),
    ("imds role renamed between calls", "imds", {},
     imds(listing=R(200, "role-a"), creds=role_only("role-b", creds_doc("ASIAB"))), True),
    ("imds v1 disabled, token 404", "imds", {"AWS_EC2_METADATA_V1_DISABLED": "true"},
     imds(token=R(404)), True),
    ("imds v1 disabled, token ok", "imds", {"AWS_EC2_METADATA_V1_DISABLED": "true"}, imds(), True),
    ("imds disabled", "imds", {"AWS_EC2_METADATA_DISABLED": "TRUE"}, imds(), True),
    ("imds slow drip under the timeout", "imds", {},
     imds(listing=("drip", 200, "my-role", 0.2)), True),
    ("imds slow drip over the timeout", "imds", {},
     imds(token=("drip", 200, "TOKEN", 1.5)), True),
    ("imds timeout 2, 2 attempts, black hole", "imds",
     {"AWS_METADATA_SERVICE_TIMEOUT": "2", "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "2"},
     lambda *a: BLACKHOLE, True),
    ("imds timeout 0", "imds", {"AWS_METADATA_SERVICE_TIMEOUT": "0"}, imds(), True),
    ("container success", "container", {}, container(R(200, creds_doc("ASIACONT", AccountId="123456789012"))), True),
    ("container with auth token", "container", {"AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer x"},
     container(R(200, creds_doc("ASIACONT"))), True),
    ("container token with newline", "container", {"AWS_CONTAINER_AUTHORIZATION_TOKEN": "a\nb"},
     container(R(200, creds_doc("ASIACONT"))), True),
    ("container token file with newline", "container", {"@token_file": "tok\n"},
     container(R(200, creds_doc("ASIACONT"))), True),
    ("container token file", "container", {"@token_file": "tok", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "x"},
     container(R(200, creds_doc("ASIACONT"))), True),
    ("container missing token file", "container", {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent/tok"},
     container(R(200, creds_doc("ASIACONT"))), True),
    ("container token not Latin-1", "container", {"AWS_CONTAINER_AUTHORIZATION_TOKEN": "\u20ac"},
     container(R(200, creds_doc("ASIACONT"))), True),
    ("container relative URI with userinfo (localhost:1, refused)", "container",
     {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "@localhost:1/"}, container(R(200, "")), True),
    ("container 500", "container", {}, container(R(500, "boom")), True),
    ("container 503 then ok", "container", {},
     container(lambda i: R(503) if i == 0 else R(200, creds_doc("AK2"))), True),
    ("container malformed JSON", "container", {}, container(R(200, "{not json")), True),
    ("container missing field", "container", {},
     container(R(200, json.dumps({"AccessKeyId": "a", "SecretAccessKey": "s", "Token": "t"}))), True),
    ("container JSON list", "container", {}, container(R(200, "[1]")), True),
    ("container expired", "container", {},
     container(R(200, creds_doc("ASIAOLD", "2001-01-01T00:00:00Z"))), True),
    ("container expired, then fresh", "container", {},
     container(lambda i: R(200, creds_doc("ASIAOLD", "2001-01-01T00:00:00Z")) if i == 0
               else R(200, creds_doc("ASIANEW"))), True),
    ("container expired, then 500", "container", {},
     container(lambda i: R(200, creds_doc("ASIAOLD", "2001-01-01T00:00:00Z")) if i == 0
               else R(500, "boom")), True),
    ("imds expired, offset format, then fresh", "imds", {},
     imds(creds=lambda i, p: R(200, creds_doc("ASIAOLD", "2001-01-01T00:00:00+00:00")) if i == 0
          else R(200, creds_doc("ASIANEW"))), True),
    ("container unparseable expiry", "container", {}, container(R(200, creds_doc("AK", "soon"))), True),
    ("container closes connection", "container", {}, container(("close",)), True),
    ("container black hole", "container", {}, container(BLACKHOLE), True),
    ("container slow drip over the timeout", "container", {},
     container(lambda i: ("drip", 200, creds_doc("AK"), 2.5) if i == 0 else R(200, creds_doc("AKSECOND"))),
     True),
    ("container host not allowed", "container", {"@full_uri": "http://169.254.169.254.nip.invalid/x"},
     container(R(200, creds_doc("AK"))), True),
    ("container relative beats full (not contacted)", "container",
     {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "@127.0.0.2.invalid/"},
     container(R(200, creds_doc("AK"))), True),
]


# ---- running both sides -------------------------------------------------

BOTO = r"""
import datetime, json, os, botocore.credentials, botocore.session, botocore.utils
if os.environ.get("IMDS_DIFF_CLOCK_AT_EPOCH"):
    # The vectors are recorded for a clock at the Unix epoch (SOURCE.md).
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    _init = botocore.credentials.RefreshableCredentials.__init__

    def _init_at_epoch(self, *a, **kw):
        kw["time_fetcher"] = lambda: epoch
        _init(self, *a, **kw)
    botocore.credentials.RefreshableCredentials.__init__ = _init_at_epoch
    botocore.utils.get_current_datetime = lambda remove_tzinfo=True: (
        epoch.replace(tzinfo=None) if remove_tzinfo else epoch)
try:
    c = botocore.session.get_session().get_credentials()
    if c is None:
        out = {"none": True}
    else:
        f = c.get_frozen_credentials()
        exp = getattr(c, "_expiry_time", None)
        out = {"method": c.method, "access_key": f.access_key, "secret_key": f.secret_key,
               "token": f.token, "account_id": getattr(f, "account_id", None),
               "expiry": exp.timestamp() if exp else None}
except Exception as e:
    out = {"error": type(e).__name__, "message": str(e)}
print(json.dumps(out))
"""


def base_env(home):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def scenario_env(kind, extras, port, home):
    env = base_env(home)
    if kind == "imds":
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = f"http://127.0.0.1:{port}/"
    else:
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = f"http://127.0.0.1:{port}/v2/creds"
    for k, v in extras.items():
        if k == "@token_file":
            p = os.path.join(home, "token")
            with open(p, "w", newline="") as fh:
                fh.write(v)
            env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = p
        elif k == "@full_uri":
            env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = v
        else:
            env[k] = v
    return env


def run_botocore(env):
    p = subprocess.run([sys.executable, "-c", BOTO], env=env, capture_output=True, text=True,
                       timeout=120)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "crash", "message": p.stderr[-500:]}


def parse_ts(s):
    if s is None:
        return None
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def run_ours(binary, env):
    p = subprocess.run([binary, "explain", "--output", "json"], env=env, capture_output=True,
                       text=True, timeout=120)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return {"error": "crash", "message": (p.stdout + p.stderr)[-500:]}, None
    if "error" in doc:
        kind = doc["error"]["kind"]
        if kind == "NoCredentialsError":
            return {"none": True}, doc
        return {"error": kind, "message": doc["error"]["message"]}, doc
    return {"method": doc["method"], "access_key": doc["access_key_id"],
            "expiry": parse_ts(doc.get("expiration"))}, doc


def run_export(binary, env):
    p = subprocess.run([binary, "configure", "export-credentials"], env=env, capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        return None
    doc = json.loads(p.stdout)
    return {"secret_key": doc.get("SecretAccessKey"), "token": doc.get("SessionToken")}


def compare(name, boto, ours, export, sent_b, sent_o, compare_requests):
    problems = []
    if "error" in boto or "error" in ours:
        if boto.get("error") != ours.get("error"):
            problems.append(f"error kind: botocore {boto.get('error')} ({boto.get('message')}), "
                            f"ours {ours.get('error')} ({ours.get('message')})")
    elif "none" in boto or "none" in ours:
        if boto.get("none") != ours.get("none"):
            problems.append(f"botocore {boto}, ours {ours}")
    else:
        for k in ("method", "access_key"):
            if boto[k] != ours[k]:
                problems.append(f"{k}: botocore {boto[k]!r}, ours {ours[k]!r}")
        if export is None:
            problems.append("export-credentials failed")
        else:
            for k in ("secret_key", "token"):
                if boto[k] != export[k]:
                    problems.append(f"{k} differs")
        be, oe = boto.get("expiry"), ours.get("expiry")
        if (be is None) != (oe is None):
            problems.append(f"expiry: botocore {be}, ours {oe}")
        elif be is not None:
            # Static stability draws a random 120..600 s jitter on each side.
            tol = 481 if "static stability" in name else 1
            if abs(be - oe) > tol:
                problems.append(f"expiry: botocore {be}, ours {oe}")
    if compare_requests and sent_b != sent_o:
        problems.append(f"requests: botocore {sent_b}, ours {sent_o}")
    return problems


def reset(handler_factory):
    global STATE
    STATE.release.set()
    STATE = State(handler_factory)


def run_side(fn, handler):
    reset(handler)
    start = time.monotonic()
    out = fn()
    took = time.monotonic() - start
    sent = [(m, p, h.get("authorization"), h.get("x-aws-ec2-metadata-token") is not None)
            for (m, p, h) in STATE.requests]
    STATE.release.set()
    return out, took, sent


def differential(binary, only):
    srv = start_server()
    port = srv.server_address[1]
    passed = failed = 0
    for name, kind, extras, handler, compare_requests in SCENARIOS:
        if only and only not in name:
            continue
        # Handlers keep per-run counters: build a fresh copy per side.
        idx = [s[0] for s in SCENARIOS].index(name)
        with tempfile.TemporaryDirectory() as home:
            env = scenario_env(kind, extras, port, home)
            boto, tb, sent_b = run_side(lambda: run_botocore(env), fresh(idx))
            ours, to, sent_o = run_side(lambda: run_ours(binary, env)[0], fresh(idx))
            export = None
            if "method" in ours:
                export, _, _ = run_side(lambda: run_export(binary, env), fresh(idx))
        problems = compare(name, boto, ours, export, sent_b, sent_o, compare_requests)
        verdict = "ok" if not problems else "FAIL"
        summary = boto.get("error") or ("none" if "none" in boto else boto.get("method"))
        print(f"[{verdict}] {name}: {summary}; botocore {tb:.2f}s, credchain {to:.2f}s")
        for p in problems:
            print(f"    {p}")
        if problems:
            failed += 1
        else:
            passed += 1
    srv.shutdown()
    return passed, failed


def fresh(idx):
    h = SCENARIOS[idx][3]
    return h.build() if isinstance(h, Spec) else h


# ---- vector verification ------------------------------------------------

def verify_vectors(vectors):
    """botocore's result for each imds/ecs default-chain case without STS,
    served per (method, URI) from its recorded traffic; IMDS is redirected to
    the local server, 169.254.170.2 cases use the equivalent FULL_URI."""
    root = os.path.join(vectors, "credential-provider-scenarios", "default-credential-provider-chain")
    srv = start_server()
    port = srv.server_address[1]
    results = {}
    for name in sorted(os.listdir(root)):
        if not (name.startswith("imds_") or name.startswith("ecs_")):
            continue
        d = os.path.join(root, name)
        cfg_path = os.path.join(d, "fs", "home", ".aws", "config")
        cfg = open(cfg_path).read() if os.path.exists(cfg_path) else ""
        if "credential_source" in cfg:
            continue
        traffic = json.load(open(os.path.join(d, "http-traffic.json")))
        conns = {}
        for e in traffic["events"]:
            c = conns.setdefault(e["connection_id"], {"body": ""})
            a = e["action"]
            if "Request" in a:
                r = a["Request"]["request"]
                c["method"], c["uri"] = r["method"], r["uri"]
            elif "Response" in a:
                c["status"] = a["Response"]["response"]["Ok"]["status"]
            elif "Data" in a and a["Data"]["direction"] == "Response":
                c["body"] += a["Data"]["data"].get("Utf8", "")
        queues = {}
        for c in conns.values():
            path = "/" + c["uri"].split("/", 3)[3]
            queues.setdefault((c["method"], path), []).append(("respond", c["status"], c["body"]))

        def h(method, path, n, headers, queues=queues):
            q = queues.get((method, path))
            return q.pop(0) if q else ("close",)
        env_json = json.load(open(os.path.join(d, "env.json")))
        with tempfile.TemporaryDirectory() as tmp:
            env = base_env(tmp)
            if os.path.exists(cfg_path):
                env["AWS_CONFIG_FILE"] = cfg_path
            env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(tmp, "nope")
            for k, v in env_json.items():
                if k == "HOME":
                    continue
                if k == "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI":
                    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = f"http://127.0.0.1:{port}{v}"
                else:
                    env[k] = v
            env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = f"http://127.0.0.1:{port}/"
            env["IMDS_DIFF_CLOCK_AT_EPOCH"] = "1"
            out, _, sent = run_side(lambda: run_botocore(env), h)
        results[name] = {"botocore": out, "requests": [f"{m} {p}" for (m, p, _, _) in sent]}
    srv.shutdown()
    results["endpoint-tables"] = verify_endpoint_tables(vectors)
    return results


def check_exceptions(vectors, results):
    """Whether crates/credchain/test-data/imds-vector-exceptions.json still
    lists exactly the cases where botocore disagrees with the vectors."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "credchain", "test-data",
                        "imds-vector-exceptions.json")
    listed = json.load(open(path))
    root = os.path.join(vectors, "credential-provider-scenarios", "default-credential-provider-chain")
    bad = []
    for name, r in results.items():
        if name == "endpoint-tables":
            continue
        got = r["botocore"]
        entry = listed["chain"].get(name)
        if entry is not None:
            if got != entry["botocore"] or r["requests"] != entry["requests"]:
                bad.append(f"{name}: listed {entry['botocore']}, botocore now {got}")
            continue
        want = json.load(open(os.path.join(root, name, "test-case.json")))["result"]
        if "Ok" in want:
            ok = got.get("access_key") == want["Ok"]["access_key_id"] and \
                int(got.get("expiry") or 0) == want["Ok"].get("expiry")
        else:
            ok = "access_key" not in got
        if not ok:
            bad.append(f"{name}: botocore {got} disagrees with the vector but is not listed")
    listed_rows = {(e["suite"], e["index"]) for e in listed["exceptions"]}
    for row in results["endpoint-tables"]:
        if row["agrees"] == ((row["suite"], row["index"]) in listed_rows):
            bad.append(f"{row['suite']}[{row['index']}]: agrees={row['agrees']} but listed="
                       f"{not row['agrees']}")
    for b in bad:
        print(b)
    print(f"imds-vector-exceptions: {'ok' if not bad else str(len(bad)) + ' problem(s)'}")
    return 1 if bad else 0


ENDPOINT_SNIPPET = r"""
import json, os, sys, botocore.session, botocore.utils, botocore.credentials
t = json.loads(sys.argv[1])
out = {}
try:
    if t["table"] == "ecs":
        env = t["env"]
        p = botocore.credentials.ContainerProvider(environ=env)
        if not (p.ENV_VAR in env or p.ENV_VAR_FULL in env):
            out = {"none": True}
        else:
            url = p._fetcher.full_url(env[p.ENV_VAR]) if p._provided_relative_uri() else env[p.ENV_VAR_FULL]
            p._fetcher._validate_allowed_url(url)
            out = {"Ok": url}
    else:
        s = botocore.session.get_session()
        cfg = {
            "ec2_metadata_service_endpoint": s.get_config_variable("ec2_metadata_service_endpoint"),
            "ec2_metadata_service_endpoint_mode": botocore.utils.resolve_imds_endpoint_mode(s),
        }
        if t.get("mode_override"):
            cfg["ec2_metadata_service_endpoint_mode"] = t["mode_override"].lower()
        kw = {}
        if t.get("endpoint_override"):
            kw["base_url"] = t["endpoint_override"]
        f = botocore.utils.InstanceMetadataFetcher(config=cfg, **kw)
        out = {"Ok": f._construct_url(f._TOKEN_PATH)}
except Exception as e:
    out = {"error": type(e).__name__, "message": str(e)}
print(json.dumps(out))
"""


def verify_endpoint_tables(vectors):
    """botocore's answer for every row of ecs-tests.json and
    imds-endpoint-tests.json, and whether it agrees with the vector."""
    base = os.path.join(vectors, "credential-provider-scenarios")
    out = []
    tables = [("ecs-tests", "ecs", os.path.join(base, "ecs-tests.json")),
              ("imds-endpoint-tests", "imds", os.path.join(base, "imds-config", "imds-endpoint-tests.json"))]
    for suite, table, path in tables:
        for i, t in enumerate(json.load(open(path))["tests"]):
            with tempfile.TemporaryDirectory() as tmp:
                env = base_env(tmp)
                for p, c in t.get("fs", {}).items():
                    with open(os.path.join(tmp, p), "w") as fh:
                        fh.write(c)
                for k, v in t["env"].items():
                    env[k] = os.path.join(tmp, v) if k == "AWS_CONFIG_FILE" else v
                arg = dict(t, table=table)
                p = subprocess.run([sys.executable, "-c", ENDPOINT_SNIPPET, json.dumps(arg)],
                                   env=env, capture_output=True, text=True, timeout=60)
                got = json.loads(p.stdout)
            want = t["result"]
            agrees = (("Ok" in want and got.get("Ok") == want["Ok"])
                      or ("Ok" not in want and "Ok" not in got))
            out.append({"suite": suite, "index": i, "name": t["docs"], "botocore": got,
                        "agrees": agrees})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/debug/credchain")
    ap.add_argument("--only", default="")
    ap.add_argument("--verify-vectors", action="store_true")
    ap.add_argument("--check-exceptions", action="store_true")
    args = ap.parse_args()
    if args.verify_vectors or args.check_exceptions:
        vectors = os.environ.get("CREDCHAIN_VECTORS") or os.path.join(
            os.path.dirname(__file__), "..", "..", "..", "shared", "vectors")
        # A checkout without the shared vectors (a fresh clone on its own):
        # one line, and nothing to check.
        if not os.path.isdir(vectors):
            print(f"vectors not found at {os.path.normpath(vectors)} (set CREDCHAIN_VECTORS); skipping")
            return 0
        results = verify_vectors(vectors)
        if args.check_exceptions:
            return check_exceptions(vectors, results)
        print(json.dumps(results, indent=1))
        return 0
    passed, failed = differential(os.path.abspath(args.binary), args.only)
    print(f"imds-differential: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
