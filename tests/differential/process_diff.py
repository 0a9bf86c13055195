#!/usr/bin/env python3
"""Differential test of `credential_process` (P-PROC-1..4) against botocore.

Generates N scenarios (seeded): a HOME whose ~/.aws/config has
`credential_process = <line>` (and sometimes `aws_account_id`), and small
helper scripts (sh and Python) in the scenario's directory. The command
lines exercise shlex quoting and escaping (single/double quotes,
backslashes, spaces, empty words, `#`, `$`, `~`, `*`, unicode, unbalanced
quotes and trailing backslashes); the helpers print each JSON variant
(Version missing/"1"/2/1.0/true, missing and extra keys, bad JSON, empty
output, Expiration past/near/far/bad, AccountId present/absent/profile
fallback), exit with various codes and write stderr. A helper that reads
its own argv prints it back as the AccessKeyId, so the split words are
compared too.

botocore: one worker (`Session().get_credentials()` then
`get_frozen_credentials()`, which applies the first-use refresh).
credchain: `credchain explain --output json` (method, key, account id,
expiry, or error kind and message) and `credchain configure
export-credentials` (secret, token). A helper's counter file is removed
before every run, so both sides see the same sequence of answers.

They must agree on the credentials (key, secret, token, account id,
expiry) or on the error kind, and on the message where botocore's is
deterministic and credchain keeps it (CredentialRetrievalError,
JSONDecodeError, ValueError, AttributeError, FileNotFoundError,
PermissionError, OSError). Kinds only for UnicodeDecodeError, IndexError,
ParserError, TypeError and RuntimeError, whose texts credchain extends.

Usage: tests/differential/process_diff.py --binary target/debug/credchain
       [--scenarios 240] [--seed 1] [--show 5]
Prints `process differential: N passed, M failed` and exits 1 on failure.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

WORKER = r"""
import json, os, sys
import botocore.session
out = []
for sc in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(sc["env"])
    state = os.path.join(sc["dir"], "state")
    if os.path.exists(state):
        os.remove(state)
    try:
        c = botocore.session.Session().get_credentials()
        if c is None:
            r = {"kind": "None"}
        else:
            f = c.get_frozen_credentials()
            exp = getattr(c, "_expiry_time", None)
            r = {"kind": "ok", "method": c.method, "access_key": f.access_key,
                 "secret_key": f.secret_key, "token": f.token,
                 "account_id": f.account_id,
                 "expiry": exp.timestamp() if exp else None}
    except Exception as e:
        r = {"kind": type(e).__name__, "message": str(e)}
    out.append(r)
print(json.dumps(out))
"""

# Kinds whose message botocore builds deterministically and credchain keeps.
EXACT_MESSAGE = {
    "CredentialRetrievalError", "JSONDecodeError", "ValueError", "AttributeError",
    "FileNotFoundError", "PermissionError", "OSError",
}

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(delta_s, fmt="z"):
    t = NOW + datetime.timedelta(seconds=delta_s)
    if fmt == "z":
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "offset":
        return t.isoformat()
    if fmt == "ms":
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if fmt == "naive":
        return t.strftime("%Y-%m-%dT%H:%M:%S")
    raise ValueError(fmt)


# ---- helpers ------------------------------------------------------------

def write_exec(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o755)


def py_helper(path, stdout, stderr=b"", code=0, later=None):
    """A Python helper writing fixed bytes; `later` (bytes) from its second
    run on (a counter in `state` next to it)."""
    write_exec(path, f"""#!{sys.executable}
import os, sys
state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "state")
n = int(open(state).read()) if os.path.exists(state) else 0
open(state, "w").write(str(n + 1))
out = {stdout!r}
if n > 0 and {later!r} is not None:
    out = {later!r}
sys.stdout.buffer.write(out)
sys.stderr.buffer.write({stderr!r})
sys.exit({code})
""")


def argv_helper(path):
    """Prints its argv (JSON) as the AccessKeyId."""
    write_exec(path, f"""#!{sys.executable}
import json, sys
print(json.dumps({{"Version": 1, "AccessKeyId": json.dumps(sys.argv[1:]),
                  "SecretAccessKey": "S"}}))
""")


def doc(**fields):
    d = {"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "SECRETPROC"}
    for k, v in fields.items():
        if v is DROP:
            d.pop(k, None)
        else:
            d[k] = v
    return json.dumps(d).encode()


DROP = object()

# (name, stdout, stderr, exit code, later stdout, profile aws_account_id)
JSON_VARIANTS = [
    ("plain", doc(), b"", 0, None, None),
    ("token", doc(SessionToken="TOKEN"), b"", 0, None, None),
    ("token null", doc(SessionToken=None), b"", 0, None, None),
    ("version missing", doc(Version=DROP), b"", 0, None, None),
    ("version string", doc(Version="1"), b"", 0, None, None),
    ("version 2", doc(Version=2), b"", 0, None, None),
    ("version 1.0", doc(Version=1.0), b"", 0, None, None),
    ("version true", doc(Version=True), b"", 0, None, None),
    ("version false", doc(Version=False), b"", 0, None, None),
    ("version null", doc(Version=None), b"", 0, None, None),
    ("version 1.5", doc(Version=1.5), b"", 0, None, None),
    ("version list", doc(Version=[1, "a"]), b"", 0, None, None),
    ("version dict", doc(Version={"v": 1}), b"", 0, None, None),
    ("version 0", doc(Version=0), b"", 0, None, None),
    ("version 1e20", b'{"Version": 1e20, "AccessKeyId": "A", "SecretAccessKey": "S"}',
     b"", 0, None, None),
    ("no access key", doc(AccessKeyId=DROP), b"", 0, None, None),
    ("no secret", doc(SecretAccessKey=DROP), b"", 0, None, None),
    ("no keys", doc(AccessKeyId=DROP, SecretAccessKey=DROP), b"", 0, None, None),
    ("extra keys", doc(Extra="x", Nested={"a": [1]}), b"", 0, None, None),
    ("empty key", doc(AccessKeyId=""), b"", 0, None, None),
    ("unicode key", doc(AccessKeyId="AKIDé😀"), b"", 0, None, None),
    ("duplicate key", b'{"Version": 1, "AccessKeyId": "A", "AccessKeyId": "B", '
     b'"SecretAccessKey": "S"}', b"", 0, None, None),
    ("empty output", b"", b"", 0, None, None),
    ("whitespace output", b"  \n\t\n", b"", 0, None, None),
    ("not json", b"hello", b"", 0, None, None),
    ("trailing data", doc() + b" x", b"", 0, None, None),
    ("trailing newline", doc() + b"\n", b"", 0, None, None),
    ("truncated", doc()[:-1], b"", 0, None, None),
    ("unterminated string", b'{"Version": 1, "AccessKeyId": "A', b"", 0, None, None),
    ("missing colon", b'{"Version" 1}', b"", 0, None, None),
    ("trailing comma", b'{"Version": 1,}', b"", 0, None, None),
    ("bad escape", b'{"Version": 1, "AccessKeyId": "\\q"}', b"", 0, None, None),
    ("control char", b'{"Version": 1, "AccessKeyId": "a\x01"}', b"", 0, None, None),
    ("bom", b"\xef\xbb\xbf" + doc(), b"", 0, None, None),
    ("multiline bad", b'{\n  "Version": 1,\n  "AccessKeyId": nope\n}', b"", 0, None, None),
    ("json list", b"[1, 2]", b"", 0, None, None),
    ("json number", b"42", b"", 0, None, None),
    ("json string", b'"creds"', b"", 0, None, None),
    ("json null", b"null", b"", 0, None, None),
    ("invalid utf-8 stdout", b'{"a": "\xff"}', b"", 0, None, None),
    ("escaped unicode", b'{"Version": 1, "AccessKeyId": "\\u00e9\\ud83d\\ude00", '
     b'"SecretAccessKey": "S"}', b"", 0, None, None),
    ("exit 1 empty stderr", doc(), b"", 1, None, None),
    ("exit 1 stderr", b"", b"helper: not logged in\n", 1, None, None),
    ("exit 2 multiline stderr", b"", b"line one\nline two\n", 2, None, None),
    ("exit 255 unicode stderr", b"", "échec ✗\n".encode(), 255, None, None),
    ("exit 1 invalid utf-8 stderr", b"", b"bad \xff\n", 1, None, None),
    ("exit 0 with stderr", doc(), b"warning: something\n", 0, None, None),
    ("account id", doc(AccountId="123456789012"), b"", 0, None, None),
    ("account id and profile", doc(AccountId="123456789012"), b"", 0, None, "210987654321"),
    ("account id absent, profile", doc(), b"", 0, None, "210987654321"),
    ("account id empty, profile", doc(AccountId=""), b"", 0, None, "210987654321"),
    ("account id null, profile", doc(AccountId=None), b"", 0, None, "210987654321"),
    ("expiration far", doc(SessionToken="T", Expiration=iso(7200)), b"", 0, None, None),
    ("expiration far offset", doc(Expiration=iso(7200, "offset")), b"", 0, None, None),
    ("expiration far millis", doc(SessionToken="T", Expiration=iso(3 * 3600, "ms")), b"", 0,
     None, None),
    ("expiration near (5 min)", doc(SessionToken="T", Expiration=iso(300)), b"", 0, None, None),
    ("expiration near (14 min)", doc(Expiration=iso(840)), b"", 0, None, None),
    ("expiration near then far", doc(AccessKeyId="OLD", Expiration=iso(300)), b"", 0,
     doc(AccessKeyId="NEW", Expiration=iso(7200)), None),
    ("expiration 12 min, refresh fails (advisory)", doc(AccessKeyId="OLD", Expiration=iso(720)),
     b"", 0, b"not json", None),
    ("expiration 5 min, refresh fails (mandatory)", doc(AccessKeyId="OLD", Expiration=iso(300)),
     b"", 0, b"not json", None),
    ("expiration past", doc(Expiration=iso(-3600)), b"", 0, None, None),
    ("expiration past then fresh", doc(AccessKeyId="OLD", Expiration=iso(-60)), b"", 0,
     doc(AccessKeyId="NEW", SessionToken="T2", Expiration=iso(3600)), None),
    ("expiration past then short", doc(AccessKeyId="OLD", Expiration=iso(-60)), b"", 0,
     doc(AccessKeyId="NEW", Expiration=iso(120)), None),
    ("expiration null", doc(Expiration=None), b"", 0, None, None),
    ("expiration bad", doc(Expiration="soon"), b"", 0, None, None),
    ("expiration empty", doc(Expiration=""), b"", 0, None, None),
    ("expiration number", doc(Expiration=12345), b"", 0, None, None),
    ("expiration naive", doc(Expiration=iso(7200, "naive")), b"", 0, None, None),
    ("expiration bad month", doc(Expiration="2030-13-01T00:00:00Z"), b"", 0, None, None),
]

# Words for command lines: (as written in the line, what shlex gives).
WORDS = [
    ("plain", "plain"), ("'single quoted'", "single quoted"), ('"double quoted"', "double quoted"),
    ("''", ""), ('""', ""), ("a\\ b", "a b"), ("'a\\b'", "a\\b"), ('"a\\"b"', 'a"b'),
    ('"a\\\\b"', "a\\b"), ('"a\\$b"', "a\\$b"), ("x#y", "x#y"), ("#hash", "#hash"),
    ("$HOME", "$HOME"), ("~", "~"), ("*", "*"), ("é", "é"), ("'ü ö'", "ü ö"),
    ("mi'x'\"ed\"", "mixed"), ("--flag=value", "--flag=value"), ("\\'", "'"),
    ('"\'"', "'"), ("'\"'", '"'), ("a\\\\", "a\\"), ("\\#", "#"), ("tab\\\tx", "tab\tx"),
]


def build(rng, idx, base):
    """One scenario: (name, line, files to create, account id)."""
    d = os.path.join(base, f"s{idx}")
    kind = rng.random()
    if idx < len(JSON_VARIANTS) or kind < 0.35:
        name, out, err, code, later, acct = JSON_VARIANTS[idx % len(JSON_VARIANTS)] \
            if idx < len(JSON_VARIANTS) else rng.choice(JSON_VARIANTS)
        sub = rng.choice(["bin", "with space", "quo'te", "dollar$x", "ü"])
        os.makedirs(os.path.join(d, sub))
        path = os.path.join(d, sub, "helper.py")
        py_helper(path, out, err, code, later)
        style = rng.choice(["single", "double", "escape"]) if " " in sub or "'" in sub \
            or "$" in sub else rng.choice(["bare", "single", "double", "escape"])
        return f"json: {name}", quote_path(path, style), acct
    if kind < 0.85:
        path = os.path.join(d, "argv.py")
        os.makedirs(d)
        argv_helper(path)
        n = rng.randint(0, 5)
        words = [rng.choice(WORDS) for _ in range(n)]
        seps = [rng.choice([" ", "  ", "\t"]) for _ in range(n)]
        line = path + "".join(s + w[0] for s, w in zip(seps, words))
        if rng.random() < 0.15:
            line += rng.choice([" 'unclosed", ' "unclosed', " trailing\\", " a'b", ' "a\\"'])
        if rng.random() < 0.1:
            line = "  " + line + " \t"
        return "argv", line, None
    os.makedirs(d)
    case = rng.choice(["missing", "missing relative", "directory", "not executable",
                       "no shebang", "empty", "blank", "sh -c", "env prefix", "python -c"])
    if case == "missing":
        return case, os.path.join(d, "nope"), None
    if case == "missing relative":
        return case, "credchain-no-such-helper --x", None
    if case == "directory":
        return case, d, None
    if case == "not executable":
        p = os.path.join(d, "plain.txt")
        with open(p, "w") as f:
            f.write("x")
        return case, p, None
    if case == "no shebang":
        # Python execs it directly (ENOEXEC: OSError); no /bin/sh fallback.
        p = os.path.join(d, "script")
        write_exec(p, "echo '{}'\n")
        return case, p, None
    if case == "empty":
        return case, "", None
    if case == "blank":
        return case, "''", None
    if case == "sh -c":
        return case, ("sh -c 'printf \"%s\" \"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": "
                      "\\\"$0\\\", \\\"SecretAccessKey\\\": \\\"S\\\"}\"' 'arg zero'"), None
    if case == "env prefix":
        return case, (f"env FOO=bar {sys.executable} -c "
                      "'import os, json; print(json.dumps({\"Version\": 1, "
                      "\"AccessKeyId\": os.environ[\"FOO\"], \"SecretAccessKey\": \"S\"}))'"), None
    return case, (f"{sys.executable} -c \"import sys; sys.stdout.write('{{\\\"Version\\\": 1, "
                  f"\\\"AccessKeyId\\\": \\\"PYC\\\", \\\"SecretAccessKey\\\": \\\"S\\\"}}')\""), None


def quote_path(path, style):
    if style == "bare":
        return path
    if style == "single":
        return "'" + path.replace("'", "'\\''") + "'"
    if style == "double":
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "".join("\\" + c if c in " '\"\\$#" else c for c in path)


def write_config(home, line, acct):
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "config"), "w", encoding="utf-8") as f:
        f.write("[default]\n")
        f.write(f"credential_process = {line}\n")
        if acct:
            f.write(f"aws_account_id = {acct}\n")


def env_for(home):
    return {
        "HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-credentials"),
    }


def run_ours(binary, sc):
    state = os.path.join(sc["dir"], "state")
    for f in [state]:
        if os.path.exists(f):
            os.remove(f)
    p = subprocess.run([binary, "explain", "--output", "json"], env=sc["env"],
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    try:
        v = json.loads(p.stdout)
    except ValueError:
        return {"kind": "crash", "message": (p.stdout + p.stderr)[-400:].decode("utf-8", "replace")}
    if "error" in v:
        if v["error"]["kind"] == "NoCredentialsError":
            return {"kind": "None"}
        return {"kind": v["error"]["kind"], "message": v["error"]["message"]}
    if os.path.exists(state):
        os.remove(state)
    e = subprocess.run([binary, "configure", "export-credentials"], env=sc["env"],
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    exp = v.get("expiration")
    out = {"kind": "ok", "method": v["method"], "access_key": v["access_key_id"],
           "account_id": v.get("account_id"),
           "expiry": datetime.datetime.fromisoformat(exp.replace("Z", "+00:00")).timestamp()
           if exp else None}
    if e.returncode != 0:
        out["export"] = e.stderr.decode("utf-8", "replace")
    else:
        d = json.loads(e.stdout)
        out["secret_key"] = d.get("SecretAccessKey")
        out["token"] = d.get("SessionToken")
    return out


def compare(theirs, ours):
    if theirs["kind"] != ours["kind"]:
        return [f"kind: botocore {theirs}, credchain {ours}"]
    if theirs["kind"] == "ok":
        problems = []
        for k in ("method", "access_key", "secret_key", "token", "account_id"):
            if theirs.get(k) != ours.get(k):
                problems.append(f"{k}: botocore {theirs.get(k)!r}, credchain {ours.get(k)!r}")
        be, oe = theirs.get("expiry"), ours.get("expiry")
        if (be is None) != (oe is None) or (be is not None and abs(be - oe) > 1):
            problems.append(f"expiry: botocore {be}, credchain {oe}")
        return problems
    if theirs["kind"] in EXACT_MESSAGE and theirs.get("message") != ours.get("message"):
        return [f"message: botocore {theirs.get('message')!r}, "
                f"credchain {ours.get('message')!r}"]
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/debug/credchain")
    ap.add_argument("--scenarios", type=int, default=240)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=8)
    ap.add_argument("--verbose", action="store_true", help="print both sides of every scenario")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    rng = random.Random(args.seed)
    base = tempfile.mkdtemp(prefix="process-diff-")
    try:
        scenarios = []
        for i in range(args.scenarios):
            name, line, acct = build(rng, i, base)
            d = os.path.join(base, f"s{i}")
            home = os.path.join(d, "home")
            write_config(home, line, acct)
            # The helper's counter lives next to the helper script.
            state_dir = d
            for root, _, files in os.walk(d):
                if "helper.py" in files:
                    state_dir = root
            scenarios.append({"name": name, "line": line, "env": env_for(home),
                              "dir": state_dir})
        p = subprocess.run([sys.executable, "-c", WORKER], input=json.dumps(scenarios),
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print(p.stderr[-2000:], file=sys.stderr)
            return 1
        theirs = json.loads(p.stdout)
        with ThreadPoolExecutor(max_workers=2) as ex:
            ours = list(ex.map(lambda sc: run_ours(binary, sc), scenarios))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    failed = []
    kinds = {}
    for sc, t, o in zip(scenarios, theirs, ours):
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
        problems = compare(t, o)
        if args.verbose:
            print(f"{sc['name']}: {sc['line']}\n    botocore  {t}\n    credchain {o}")
        if problems:
            failed.append((sc, problems))
    print(f"process differential: outcomes {dict(sorted(kinds.items()))}")
    for sc, problems in failed[: args.show]:
        print(f"--- {sc['name']}: credential_process = {sc['line']}")
        for pr in problems:
            print(f"    {pr}")
    print(f"process differential: {len(scenarios) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
