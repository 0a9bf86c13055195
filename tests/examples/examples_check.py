#!/usr/bin/env python3
"""Runs the library's examples (crates/credchain/examples) and checks what
they print against botocore.

Usage:
    python3 tests/examples/examples_check.py --examples DIR

DIR holds the built examples (target/debug/examples). Each case is a temp
HOME with ~/.aws/config and ~/.aws/credentials, a cleared environment and
AWS_EC2_METADATA_DISABLED=true (no IMDS; no container variables), so nothing
leaves the machine. Expected methods, keys, regions, setting values and
error classes come from botocore 1.43.11 run on the same files and env;
the lines' layout is the examples' own.

Without botocore the check is skipped with one line, unless
CREDCHAIN_REQUIRE_BOTOCORE=1 (scripts/test.sh), where that is an error.
"""

import argparse
import os
import subprocess
import sys
import tempfile

try:
    import botocore.session
    from botocore.exceptions import BotoCoreError
except ImportError:
    if os.environ.get('CREDCHAIN_REQUIRE_BOTOCORE') == '1':
        raise
    print('skip: examples_check.py needs botocore (scripts/test.sh installs it)')
    sys.exit(0)

CONFIG = """[default]
region = us-east-2

[profile dev]
region = eu-west-1
retry_mode = standard
max_attempts = many
"""
CREDENTIALS = """[dev]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"""
SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
ENV_SECRET = 'envSecretKeyThatMustNeverBePrinted0000000'
ENV_KEYS = {'AWS_ACCESS_KEY_ID': 'AKIAENVEXAMPLE000042', 'AWS_SECRET_ACCESS_KEY': ENV_SECRET}

failures = []


def check(name, cond, detail):
    if not cond:
        failures.append(f'{name}: {detail}')


def mask(v):
    return '*' * 16 + v[-4:]


def env_for(home, extra):
    env = {'HOME': home, 'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
           'AWS_EC2_METADATA_DISABLED': 'true'}
    env.update(extra)
    return env


def botocore_view(home, extra, profile):
    """(method, access key, region, error) as botocore resolves them."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env_for(home, extra))
    try:
        s = botocore.session.Session(profile=profile)
        try:
            creds = s.get_credentials()
            region = s.get_config_variable('region')
        except BotoCoreError as e:
            return None, None, None, (type(e).__name__, str(e))
        if creds is None:
            return None, None, region, None
        return creds.method, creds.get_frozen_credentials().access_key, region, None
    finally:
        os.environ.clear()
        os.environ.update(saved)


def botocore_var(home, extra, profile, name):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env_for(home, extra))
    try:
        try:
            return repr(botocore.session.Session(profile=profile).get_config_variable(name))
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e).__name__
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(exe, args, home, extra):
    p = subprocess.run([exe, *args], env=env_for(home, extra), capture_output=True,
                       text=True, timeout=60, check=False)
    for secret in (SECRET, ENV_SECRET):
        check(f'{os.path.basename(exe)} {args}', secret not in p.stdout + p.stderr,
              'printed a secret key')
    return p


def whoami_cases(examples, home):
    whoami = os.path.join(examples, 'whoami')
    # (name, argv, extra env, botocore profile, profile line, region source)
    cases = [
        # An explicit profile drops the env provider (P-CHAIN-6).
        ('explicit profile', ['dev'], ENV_KEYS, 'dev', 'dev (--profile)', '~/.aws/config:5'),
        # AWS_PROFILE does not: env keys win; AWS_DEFAULT_REGION beats the profile.
        ('AWS_PROFILE + env keys', [], {**ENV_KEYS, 'AWS_PROFILE': 'dev',
                                        'AWS_DEFAULT_REGION': 'ap-south-1'},
         None, 'dev (AWS_PROFILE)', 'AWS_DEFAULT_REGION'),
        # No credentials anywhere: botocore's None, exit 1; AWS_REGION is ignored.
        ('no credentials', [], {'AWS_REGION': 'sa-east-1'}, None, 'default (default)',
         '~/.aws/config:2'),
        ('missing profile', ['nope'], {}, 'nope', 'nope (--profile)', None),
    ]
    for name, argv, extra, profile, profile_line, region_from in cases:
        method, key, region, error = botocore_view(home, extra, profile)
        p = run(whoami, argv, home, extra)
        if error:
            check(name, p.returncode == 255, f'exit {p.returncode}, want 255')
            want = f'error: {error[0]}: {error[1]}\n'
            check(name, p.stderr == want, f'stderr {p.stderr!r}, want {want!r}')
            check(name, p.stdout == f'profile:    {profile_line}\n', f'stdout {p.stdout!r}')
            continue
        lines = [f'profile:    {profile_line}']
        if method is None:
            lines.append('method:     none (no credentials found)')
        else:
            lines += [f'method:     {method}', f'access key: {mask(key)}']
        lines.append(f'region:     {region} ({region_from})' if region else 'region:     <not set>')
        want = '\n'.join(lines) + '\n'
        check(name, p.stdout == want, f'stdout\n{p.stdout}want\n{want}')
        check(name, p.returncode == (0 if method else 1), f'exit {p.returncode}')


def settings_case(examples, home):
    p = run(os.path.join(examples, 'settings'), ['dev'], home, {})
    check('settings', p.returncode == 0, f'exit {p.returncode}: {p.stderr}')
    rows = {line.split()[0]: line.split() for line in p.stdout.splitlines()[1:] if line.split()}
    for name, shown in [('region', "'eu-west-1'"), ('retry_mode', "'standard'"),
                        ('max_attempts', 'ValueError'), ('sts_regional_endpoints', "'regional'")]:
        want = botocore_var(home, {}, 'dev', name)
        check('settings', want == shown, f'botocore {name} = {want}, expected {shown}')
        row = rows.get(name, [])
        if want == 'ValueError':
            check('settings', row[1:3] == ['error:', 'ValueError:'], f'{name} row {row}')
        else:
            check('settings', row[1:2] == [want.strip("'")], f'{name} row {row}')
    check('settings', rows.get('retry_mode', [])[3:5] == ['~/.aws/config:6', '[dev]'],
          f"retry_mode location {rows.get('retry_mode')}")


def refresh_case(examples, home):
    p = run(os.path.join(examples, 'refresh'), ['dev', '0', '2'], home, {})
    want = ('method shared-credentials-file (static: never refreshed)\n'
            'use 1: key ****MPLE, no expiry\n'
            'use 2: key ****MPLE, no expiry\n')
    check('refresh', (p.returncode, p.stdout) == (0, want), f'exit {p.returncode}\n{p.stdout}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--examples', required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        aws = os.path.join(home, '.aws')
        os.mkdir(aws, 0o700)
        for fname, text in (('config', CONFIG), ('credentials', CREDENTIALS)):
            with open(os.path.join(aws, fname), 'w') as f:
                f.write(text)
        whoami_cases(args.examples, home)
        settings_case(args.examples, home)
        refresh_case(args.examples, home)
    if failures:
        print('\n'.join(failures), file=sys.stderr)
        sys.exit(1)
    print('examples: whoami (4 cases), settings, refresh match botocore')


if __name__ == '__main__':
    main()
