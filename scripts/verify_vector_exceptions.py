#!/usr/bin/env python3
"""Records where botocore disagrees with the public cross-SDK config vectors.

Usage:
    python3 scripts/verify_vector_exceptions.py            # (re)write the list
    python3 scripts/verify_vector_exceptions.py --check    # exit 1 if it is stale

For every case of
  profile-parser/profile-parser-tests.json           (smithy-rs copy)
  config-file-parser/config-file-parser-tests.json   (smithy-java copy)
the input files are written to a temp dir and botocore's own code computes the
result: `Session.full_config` with `config_file` / `credentials_file` pointed at
them, which is `configloader.load_config` (= `raw_config_parse` +
`build_profile_map`) on the config file followed by the credentials-file merge
(`raw_config_parse`, then `dict.update` per section). For every `platform:
"linux"` case of the two file-location suites, a fresh interpreter runs botocore
with exactly the case's environment (and `pwd` patched to report
`languageSpecificHome`, which is what Python's `expanduser` falls back to
without HOME) and records the two paths botocore looks at and the profile name
it would use (`get_config_variable('profile') or 'default'`, as
`credentials.create_credential_resolver` does). Windows cases are skipped: this
project targets POSIX path semantics.

Every case where botocore's result differs from the vector's expectation is
written to crates/credchain/test-data/vector-exceptions.json with botocore's
result and a short reason; `crates/credchain/tests/credchain/vectors.rs` then
holds credchain to botocore's result for those cases and to the vector for all
others.

Representation rule (same as the Rust test): the smithy-rs copy keeps
sub-properties as raw text (`"\\nname = value"`); botocore (and credchain) parse
any value that starts with a newline into a dict. Such expected strings are
converted with botocore's own `configloader._parse_nested` before comparing, so
only behavioural differences become exceptions.

Vectors come from $CREDCHAIN_VECTORS, else ../shared/vectors relative to the
workspace root. Requires Python 3.11 and botocore (scripts/test.sh pins 1.43.11).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'crates' / 'credchain' / 'test-data' / 'vector-exceptions.json'

PARSER_SUITES = (
    ('profile-parser', 'profile-parser/profile-parser-tests.json'),
    ('config-file-parser', 'config-file-parser/config-file-parser-tests.json'),
)
LOCATION_SUITES = (
    ('file-location', 'profile-parser/file-location-tests.json'),
    ('config-file-location', 'config-file-parser/config-file-location-tests.json'),
)

# Runs in a fresh interpreter with the case's environment only.
LOCATION_PROBE = r'''
import json, os, pwd, sys
home = sys.argv[1] if len(sys.argv) > 1 else None
if home is not None:
    real = pwd.getpwuid
    def fake(uid):
        r = real(uid)
        return pwd.struct_passwd((r.pw_name, r.pw_passwd, r.pw_uid, r.pw_gid,
                                  r.pw_gecos, home, r.pw_shell))
    pwd.getpwuid = fake
import botocore.session
seen = []
real_isfile = os.path.isfile
def isfile(p):
    seen.append(p)
    return real_isfile(p)
session = botocore.session.Session()
os.path.isfile = isfile
session.full_config
os.path.isfile = real_isfile
assert len(seen) == 2, seen
print(json.dumps({
    'configLocation': seen[0],
    'credentialsLocation': seen[1],
    'profile': session.get_config_variable('profile') or 'default',
}))
'''


def vectors_dir():
    env = os.environ.get('CREDCHAIN_VECTORS')
    return Path(env) if env else ROOT.parent / 'shared' / 'vectors'


# ---------------------------------------------------------------- parser suites


def botocore_parse(inp):
    """botocore's Session.full_config for the given file texts.

    Returns (result, underlying_error): result is {'profiles', 'sso_sessions'}
    or {'error': class name}."""
    import botocore.exceptions
    import botocore.session

    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for key, name in (('configFile', 'config'), ('credentialsFile', 'credentials')):
            paths[key] = os.path.join(d, name)
            if key in inp:
                # newline='' keeps \r\n exactly as in the vector.
                with open(paths[key], 'w', encoding='utf-8', newline='') as f:
                    f.write(inp[key])
        session = botocore.session.Session()
        session.set_config_variable('config_file', paths['configFile'])
        session.set_config_variable('credentials_file', paths['credentialsFile'])
        try:
            full = session.full_config
        except botocore.exceptions.BotoCoreError as e:
            return {'error': type(e).__name__}, e.kwargs.get('error')
        # Without a config file full_config is just {'profiles': ...}.
        return {
            'profiles': full['profiles'],
            'sso_sessions': full.get('sso_sessions', {}),
        }, None


def parse_nested_expectation(value):
    """smithy-rs raw sub-property text -> botocore's dict (see module doc)."""
    from botocore.configloader import _parse_nested

    if isinstance(value, dict):
        return {k: parse_nested_expectation(v) for k, v in value.items()}
    if isinstance(value, str) and value.startswith('\n'):
        try:
            return _parse_nested(value)
        except ValueError:
            return value
    return value


def expectation(suite, output):
    """The vector's output as {'error': True} or {'profiles'?, 'sso_sessions'?}."""
    if 'errorContaining' in output:
        return {'error': True}
    if suite == 'profile-parser':
        output = output['config']
        parts = {'profiles': output['profiles']}
        if 'sso_sessions' in output:
            parts['sso_sessions'] = output['sso_sessions']
    else:
        parts = {}
        if 'profiles' in output:
            parts['profiles'] = output['profiles']
        if 'ssoSessions' in output:
            parts['sso_sessions'] = output['ssoSessions']
    return {k: parse_nested_expectation(v) for k, v in parts.items()}


def agrees(expected, actual):
    if 'error' in expected or 'error' in actual:
        return ('error' in expected) == ('error' in actual)
    return all(actual[k] == v for k, v in expected.items())


PROPERTY_LINE = r'^[^\[\s#;][^\n]*'


def parser_reason(inp, expected, actual, cause):
    """A short reason for a parser-suite difference, from the input's shape."""
    import configparser

    config = inp.get('configFile', '')
    creds = inp.get('credentialsFile', '')
    if isinstance(cause, configparser.DuplicateSectionError):
        return ('configparser strict mode: a repeated section header is a '
                'ConfigParseError (no merging of duplicate sections)')
    if isinstance(cause, configparser.DuplicateOptionError):
        return ('configparser strict mode: a repeated option in one section is a '
                'ConfigParseError (no last-one-wins)')
    if 'error' in actual:
        return None
    if re.search(r'^[ \t]+=', config, re.M):
        return "_parse_nested accepts a sub-property with an empty name ('')"
    # A property line whose first delimiter is ':'.
    if any(':' in line.split('=', 1)[0] for line in re.findall(PROPERTY_LINE, config, re.M)):
        return "':' is a key/value delimiter in configparser; the first '=' or ':' splits the line"
    if re.search(PROPERTY_LINE + r'=[^\n]*[#;]', config, re.M):
        return "no inline comments in configparser: ' # ...' / ' ; ...' stay in the value"
    if re.search(r'^\[default\]', config, re.M) and re.search(r'^\[profile default\]', config, re.M):
        return ('[default] and [profile default] both name profile default; the later '
                'section replaces the earlier one (no precedence for the prefixed form)')
    if re.search(r'^\[\s', config, re.M):
        return ("section headers are not stripped: '[   profile foo    ]' (or sso-session) "
                'does not start with the prefix, so it is a top-level section')
    if creds and set(actual['profiles']) - set(expected.get('profiles', {})):
        return ('credentials-file section names are used verbatim as profile names '
                "(no 'profile ' handling, no trimming, no name validation)")
    if re.search(r'^\s*\w+ \w+\s*=', config, re.M):
        return "property names are not validated: 'in valid' is kept as a key"
    if re.search(r'^\[profile [^\]]*[^\w\-/.%@:+\]\s][^\]]*\]', config, re.M):
        return "profile names are not validated beyond shlex: '[profile foo!bar]' is profile 'foo!bar'"
    return None


def run_parser_suites(vdir):
    entries, counts = [], {}
    for suite, rel in PARSER_SUITES:
        tests = json.loads((vdir / rel).read_text(encoding='utf-8'))['tests']
        counts[suite] = len(tests)
        for index, case in enumerate(tests):
            actual, cause = botocore_parse(case['input'])
            expected = expectation(suite, case['output'])
            if agrees(expected, actual):
                continue
            why = parser_reason(case['input'], expected, actual, cause)
            entries.append({
                'suite': suite,
                'index': index,
                'name': case['name'],
                'botocore': actual,
                'why': why or 'UNCLASSIFIED: add a rule to parser_reason()',
            })
    return entries, counts


# -------------------------------------------------------------- location suites


def botocore_locations(case):
    env = dict(case['environment'])
    args = [sys.executable, '-X', 'utf8', '-c', LOCATION_PROBE]
    if 'languageSpecificHome' in case:
        args.append(case['languageSpecificHome'])
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f'location probe failed for {case["name"]!r}:\n{proc.stderr}')
    return json.loads(proc.stdout)


def location_reason(case, actual):
    env = case['environment']
    if 'profile' in case and actual['profile'] != case['profile']:
        if 'AWS_DEFAULT_PROFILE' in env and 'AWS_PROFILE' in env:
            return 'botocore reads AWS_DEFAULT_PROFILE before AWS_PROFILE'
        return None
    if 'HOME' not in env:
        return "without HOME, Python's expanduser uses the password database"
    return None


def run_location_suites(vdir):
    entries, counts = [], {}
    for suite, rel in LOCATION_SUITES:
        tests = json.loads((vdir / rel).read_text(encoding='utf-8'))['tests']
        counts[suite] = sum(1 for t in tests if t['platform'] == 'linux')
        for index, case in enumerate(tests):
            if case['platform'] != 'linux':
                continue
            actual = botocore_locations(case)
            keys = ['configLocation', 'credentialsLocation']
            if 'profile' in case:
                keys.append('profile')
            if all(actual[k] == case[k] for k in keys):
                continue
            why = location_reason(case, actual)
            entries.append({
                'suite': suite,
                'index': index,
                'name': case['name'],
                'botocore': actual,
                'why': why or 'UNCLASSIFIED: add a rule to location_reason()',
            })
    return entries, counts


# ------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--check', action='store_true',
                    help='verify the checked-in list is up to date; exit 1 otherwise')
    args = ap.parse_args()

    # configparser decodes with the locale encoding; the project's contract
    # (spec P-CFG-2) is UTF-8, so pin it regardless of the caller's locale.
    if not sys.flags.utf8_mode:
        os.execv(sys.executable, [sys.executable, '-X', 'utf8', *sys.argv])

    vdir = vectors_dir()
    if not vdir.is_dir():
        print(f'vectors not found at {vdir} (set CREDCHAIN_VECTORS); skipping')
        return 0

    import botocore

    parser_entries, parser_counts = run_parser_suites(vdir)
    location_entries, location_counts = run_location_suites(vdir)
    doc = {
        'generated_by': 'scripts/verify_vector_exceptions.py',
        'botocore_version': botocore.__version__,
        'note': ('Cases where botocore disagrees with the cross-SDK vectors; credchain must '
                 'match "botocore" here and the vector everywhere else. Keyed by suite + '
                 'index (names repeat). Sub-property raw strings in the smithy-rs suite are '
                 'compared after botocore\'s _parse_nested, so they are not listed.'),
        'exceptions': parser_entries + location_entries,
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + '\n'
    for suite, n in {**parser_counts, **location_counts}.items():
        m = sum(1 for e in doc['exceptions'] if e['suite'] == suite)
        print(f'{suite}: {n} cases, {m} botocore exceptions')
    unclassified = [e for e in doc['exceptions'] if e['why'].startswith('UNCLASSIFIED')]
    for e in unclassified:
        print(f'unclassified difference: {e["suite"]} #{e["index"]} {e["name"]!r}', file=sys.stderr)

    if args.check:
        try:
            current = json.loads(OUT.read_text(encoding='utf-8'))
        except FileNotFoundError:
            current = None
        if current != doc:
            print(f'{OUT.relative_to(ROOT)} is out of date; run '
                  'python3 scripts/verify_vector_exceptions.py', file=sys.stderr)
            return 1
        print(f'{OUT.relative_to(ROOT)} is up to date')
        return 1 if unclassified else 0

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding='utf-8')
    print(f'wrote {OUT.relative_to(ROOT)}: {len(doc["exceptions"])} exceptions')
    return 1 if unclassified else 0


if __name__ == '__main__':
    sys.exit(main())
