#!/usr/bin/env python3
"""Differential test: built-in endpoints of `credchain configure list --all` vs botocore.

Usage:
    python3 tests/differential/endpoint_diff.py --binary PATH [--cases N]
        [--seed S] [--jobs J] [--only 3,17] [--dump IDX]

Every case is generated from (seed, index) alone, so `--only IDX` reproduces
it. A case is a client name (sampled from get_available_services(), global
ones such as iam, route53, cloudfront, s3, sts, sso, sso-oidc, s3control drawn
more often), a region (every partition's, unknown-but-valid ones such as
us-foo-1 and eu-isoe-west-1, pseudo regions aws-global and fips-us-east-1,
or none; from AWS_DEFAULT_REGION or the profile), FIPS / dual-stack flags
(env or profile), sts_regional_endpoints, s3's us_east_1_regional_endpoint
and the profile's `s3` block, and sometimes a configured endpoint URL.

botocore: `create_client(svc).meta.endpoint_url`, `meta.region_name` and the
signer's region, or the exception's class and message (a fresh session and a
fresh copy of endpoints.json per case: botocore's resolver mutates its data).
credchain: the `endpoint_url.<svc>` row of
`configure list --all --output json --service <svc>` (value, region,
signing_region), or the client-creation error (`{"error": {"kind", "message"}}`).
Creating a client sends nothing; sockets are blocked anyway.

`--sts-vectors [--check]` instead runs the cross-SDK STS endpoint rule-set
vectors (../shared/vectors/sts-endpoint-rules) through `create_client('sts')`
and writes (or checks) the cases where `meta.endpoint_url` differs from the
vector's URL or error into crates/credchain/test-data/
sts-endpoint-differences.json; crates/credchain/src/endpoints/tests.rs
requires credchain to give the vector's answer for every other case and
botocore's for these.
Requires Python 3.11, stdlib + botocore (1.43.11).
"""

import argparse
import copy
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import botocore.session
from botocore import utils
from botocore.regions import EndpointResolver

GLOBAL = ['iam', 'route53', 'cloudfront', 's3', 'sts', 'sso', 'sso-oidc', 's3control',
          'organizations', 'globalaccelerator', 'shield', 'waf', 'budgets', 'ce',
          'health', 'networkmanager', 'route53domains', 'importexport', 'sdb']
REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1', 'ca-central-1',
           'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1',
           'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1',
           'eusc-de-east-1', 'us-foo-1', 'eu-isoe-west-9', 'cn-foo-1',
           'aws-global', 'aws-cn-global', 'aws-us-gov-global', 'fips-us-east-1',
           'us-west-2-fips', 'fips-us-gov-west-1', 'mars-1', 'local', None]
ENV_BOOL = ['true', 'TRUE', 'false', '1']


def generate(seed, index, services):
    r = random.Random('%s-%d' % (seed, index))
    svc = r.choice(GLOBAL) if r.random() < 0.5 else r.choice(services)
    env, profile, s3 = {}, [], []
    region = r.choice(REGIONS)
    if region is not None:
        if r.random() < 0.7:
            env['AWS_DEFAULT_REGION'] = region
        else:
            profile.append('region = ' + region)
    for var, key in [('AWS_USE_FIPS_ENDPOINT', 'use_fips_endpoint'),
                     ('AWS_USE_DUALSTACK_ENDPOINT', 'use_dualstack_endpoint')]:
        x = r.random()
        if x < 0.2:
            env[var] = r.choice(ENV_BOOL)
        elif x < 0.3:
            profile.append('%s = %s' % (key, r.choice(ENV_BOOL)))
    x = r.random()
    if x < 0.25:
        env['AWS_STS_REGIONAL_ENDPOINTS'] = r.choice(['legacy', 'regional', '', 'Legacy'])
    elif x < 0.35:
        profile.append('sts_regional_endpoints = ' + r.choice(['legacy', 'regional']))
    x = r.random()
    if x < 0.2:
        env['AWS_S3_US_EAST_1_REGIONAL_ENDPOINT'] = r.choice(['legacy', 'regional', 'bogus'])
    elif x < 0.3:
        s3.append('us_east_1_regional_endpoint = ' + r.choice(['legacy', 'regional']))
    if r.random() < 0.15:
        s3.append('use_dualstack_endpoint = ' + r.choice(['true', 'True', 'TRUE', 'false']))
    x = r.random()
    # '' is unset at its location (ConfiguredEndpointProvider's `if endpoint_url:`).
    if x < 0.05:
        env['AWS_ENDPOINT_URL'] = r.choice(['http://127.0.0.1:5%03d' % r.randrange(1000), ''])
    elif x < 0.1:
        suffix = utils.CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES.get(svc, svc)
        env['AWS_ENDPOINT_URL_' + suffix.replace('-', '_').upper()] = r.choice(
            ['http://127.0.0.1:6000', ''])
        if r.random() < 0.5:
            env['AWS_ENDPOINT_URL'] = 'http://127.0.0.1:7000'
    config = '[default]\n' + ''.join(line + '\n' for line in profile)
    if r.random() < 0.03:
        config += 's3 = plain\n'
    elif s3:
        config += 's3 =\n' + ''.join('  %s\n' % line for line in s3)
    return {'index': index, 'service': svc, 'env': env, 'config': config}


def case_env(case, home):
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': home, 'LANG': 'C.UTF-8',
           'AWS_EC2_METADATA_DISABLED': 'true'}
    env.update(case['env'])
    return env


def run_botocore(case, home, data):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(case_env(case, home))
    try:
        s = botocore.session.Session()
        s._internal_components.register_component(
            'endpoint_resolver', EndpointResolver(copy.deepcopy(data), uses_builtin_data=True))
        try:
            c = s.create_client(case['service'], aws_access_key_id='AKIDEXAMPLE',
                                aws_secret_access_key='x')
            return {'url': c.meta.endpoint_url, 'region': c.meta.region_name,
                    'signing_region': c._request_signer._region_name}
        except Exception as e:  # noqa: BLE001 - class and message are compared
            # credchain prints messages without trailing blanks.
            return {'error': type(e).__name__, 'message': str(e).rstrip()}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_credchain(binary, case, home):
    args = [os.path.abspath(binary), 'configure', 'list', '--all', '--output', 'json',
            '--service', case['service']]
    p = subprocess.run(args, env=case_env(case, home), cwd=home, capture_output=True,
                       text=True, timeout=60)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return {'no-json': p.stderr.strip()}
    if 'error' in doc:
        # The client view: a client-creation error is the whole answer.
        return {'error': doc['error']['kind'], 'message': doc['error']['message']}
    rows = {s['name']: s for s in doc['settings']}
    row = rows.get('endpoint_url.' + case['service'])
    if row is None:
        return {'no-row': sorted(rows)}
    if 'error' in row:
        return {'error': row['error']['kind'], 'message': row['error']['message']}
    if row['value'] is None:
        return {'error': 'NoRegionError', 'message': 'You must specify a region.'}
    return {'url': row['value'], 'region': row.get('region'),
            'signing_region': row.get('signing_region')}


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STS_VECTORS = os.path.join(ROOT, '..', 'shared', 'vectors', 'sts-endpoint-rules', 'tests',
                           'functional', 'endpoint-rules', 'sts', 'endpoint-tests-1.json')
STS_DIFFERENCES = os.path.join(ROOT, 'crates', 'credchain', 'test-data',
                               'sts-endpoint-differences.json')
WHY = {
    'FIPS and custom endpoint': 'botocore creates the client with the configured URL; the rule '
    'set raises only when a request is made',
    'Dualstack and custom endpoint': 'botocore creates the client with the configured URL; the '
    'rule set raises only when a request is made',
}


def sts_vectors(check):
    if not os.path.exists(STS_VECTORS):
        print('skipped: no ../shared/vectors (STS endpoint vectors)')
        return 0
    with open(STS_VECTORS) as f:
        doc = json.load(f)
    home = tempfile.mkdtemp(prefix='credchain-sts-vectors-')
    saved = dict(os.environ)
    out = []
    try:
        for i, case in enumerate(doc['testCases']):
            p = case.get('params')
            if p is None:
                continue
            env = {'HOME': home, 'AWS_EC2_METADATA_DISABLED': 'true',
                   'AWS_CONFIG_FILE': os.path.join(home, 'none'),
                   'AWS_STS_REGIONAL_ENDPOINTS':
                       'legacy' if p.get('UseGlobalEndpoint') else 'regional'}
            if p.get('UseFIPS'):
                env['AWS_USE_FIPS_ENDPOINT'] = 'true'
            if p.get('UseDualStack'):
                env['AWS_USE_DUALSTACK_ENDPOINT'] = 'true'
            if 'Endpoint' in p:
                env['AWS_ENDPOINT_URL_STS'] = p['Endpoint']
            os.environ.clear()
            os.environ.update(env)
            try:
                c = botocore.session.Session().create_client(
                    'sts', region_name=p.get('Region'), aws_access_key_id='AKIDEXAMPLE',
                    aws_secret_access_key='x')
                got = {'url': c.meta.endpoint_url}
            except Exception as e:  # noqa: BLE001
                got = {'error': type(e).__name__, 'message': str(e)}
            expect = case['expect']
            want = ({'url': expect['endpoint']['url']} if 'endpoint' in expect
                    else {'error': expect['error']})
            if got != want:
                why = next((w for k, w in WHY.items() if k in want.get('error', '')),
                           'UNCLASSIFIED')
                out.append({'index': i, 'documentation': case.get('documentation', ''),
                            'params': p, 'vector': want, 'botocore': got, 'why': why})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    text = json.dumps({'generated_by': 'tests/differential/endpoint_diff.py --sts-vectors',
                       'botocore': botocore.__version__, 'differences': out}, indent=2) + '\n'
    if check:
        with open(STS_DIFFERENCES) as f:
            if f.read() != text:
                print('error: %s is stale; rerun tests/differential/endpoint_diff.py --sts-vectors'
                      % os.path.relpath(STS_DIFFERENCES, ROOT), file=sys.stderr)
                return 1
        print('STS endpoint vectors: %d differences from botocore, as recorded' % len(out))
        return 0
    with open(STS_DIFFERENCES, 'w') as f:
        f.write(text)
    print('wrote %s: %d differences' % (os.path.relpath(STS_DIFFERENCES, ROOT), len(out)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary')
    ap.add_argument('--cases', type=int, default=400)
    ap.add_argument('--seed', default='1')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--only')
    ap.add_argument('--dump', type=int)
    ap.add_argument('--sts-vectors', action='store_true')
    ap.add_argument('--check', action='store_true')
    args = ap.parse_args()
    if args.sts_vectors:
        return sts_vectors(args.check)
    services = botocore.session.get_session().get_available_services()
    if args.dump is not None:
        print(json.dumps(generate(args.seed, args.dump, services), indent=2))
        return 0
    if not args.binary:
        ap.error('--binary is required')
    indices = [int(i) for i in args.only.split(',')] if args.only else range(args.cases)
    cases = [generate(args.seed, i, services) for i in indices]
    root = tempfile.mkdtemp(prefix='credchain-endpoint-diff-')
    homes = {}
    for case in cases:
        home = os.path.join(root, str(case['index']))
        os.makedirs(os.path.join(home, '.aws'))
        with open(os.path.join(home, '.aws', 'config'), 'w') as f:
            f.write(case['config'])
        homes[case['index']] = home
    data = botocore.session.get_session().get_component('data_loader').load_data('endpoints')
    data = copy.deepcopy(data)
    real_connect = socket.socket.connect

    def no_connect(self, addr):
        raise RuntimeError('network use in the differential: %r' % (addr,))
    socket.socket.connect = no_connect
    try:
        bc = {c['index']: run_botocore(c, homes[c['index']], data) for c in cases}
    finally:
        socket.socket.connect = real_connect
    with ThreadPoolExecutor(args.jobs) as pool:
        cc = dict(zip([c['index'] for c in cases],
                      pool.map(lambda c: run_credchain(args.binary, c, homes[c['index']]), cases)))
    failures = errors = 0
    for case in cases:
        b, c = bc[case['index']], cc[case['index']]
        errors += 'error' in b
        if b != c:
            failures += 1
            print('case %d (--only %d): %s %s' % (case['index'], case['index'], case['service'],
                                                  json.dumps(case['env'])))
            print('    config: %r' % case['config'])
            print('    botocore:  %s' % json.dumps(b))
            print('    credchain: %s' % json.dumps(c))
    print('endpoint differential: %d cases, %d differ (%d botocore errors compared), seed %s'
          % (len(cases), failures, errors, args.seed))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
