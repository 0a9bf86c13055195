#!/usr/bin/env python3
"""Differential test: `credchain configure list --all --output json` vs botocore.

Usage:
    python3 tests/differential/config_diff.py --binary PATH [--scenarios N]
        [--seed S] [--jobs J] [--only 3,17] [--dump IDX]

Every scenario is generated from (seed, index) alone, so `--only IDX`
reproduces it. A scenario is env vars + config/credentials file contents +
a profile selection (none, AWS_PROFILE, AWS_DEFAULT_PROFILE, --profile, or a
missing profile). The generator draws setting names, env vars and profile
keys from botocore's own tables (BOTOCORE_DEFAUT_SESSION_VARIABLES,
DEFAULT_S3_CONFIG_VARS), so a drift of credchain's checked-in table shows up
as a difference. For each scenario:

* the names credchain lists equal botocore's table (plus awscli's `output`);
* every setting's value (and Python type) equals
  `Session(profile=P).get_config_variable(name)`, or both raise the same
  exception class;
* `s3.<key>` equals `get_config_variable('s3').get(key)` (botocore's
  conversions applied);
* `endpoint_url.<svc>` for sts, s3, sso, dynamodb equals
  `create_client(svc).meta.endpoint_url`, configured or built in; null when
  botocore raises NoRegionError (creating a client sends nothing; sockets
  are blocked anyway; tests/differential/endpoint_diff.py covers every
  client);
* provenance is consistent: an `env` row names a variable of the scenario,
  a file row's `path:line` is a line that sets that key.

* the client view: for one sampled service (sts, s3, ec2, dynamodb, ...;
  sts or s3 in 4 of 5 scenarios without a region, NoRegionError in the
  fifth), `credchain configure list --all --service SVC
  --output json` against `session.create_client(SVC)`: the same exception
  class and exact message when botocore refuses to create the client (the
  first failing check of several), else every effective client setting
  equals `client.meta.config` (`retries` mode and total_max_attempts (the
  retry handler's default when unset), connect/read timeouts, compression,
  checksum, account-id mode, sigv4a region set, auth scheme preference,
  host-prefix injection, s3 express auth, s3 us-east-1 option) and
  `tcp_keepalive` equals SO_KEEPALIVE in the endpoint's socket options.
  `defaults_mode` (including `auto`, with `AWS_EXECUTION_ENV`/`AWS_REGION`)
  is generated, so the smart defaults are compared. A profile may name an
  sso-session that is missing, empty, incomplete or complete (the config
  checks of create_client's `get_auth_token`).

IMDS is disabled (AWS_EC2_METADATA_DISABLED=true) in most scenarios; in about
one in six it is enabled and `AWS_EC2_METADATA_SERVICE_ENDPOINT` points at a
fake IMDS on 127.0.0.1 (the only address the blocked sockets may reach) that
serves an availability zone: then credchain's `region` row (IMDS fallback)
must equal `get_config_variable('region')`, else botocore's
`IMDSRegionProvider(session).provide()`, and `defaults_mode = auto` resolves
against that region.
Requires Python 3.11, stdlib + botocore (1.43.11).
"""

import argparse
import collections
import http.server
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import botocore.retries.standard
import botocore.session
from botocore.configprovider import (
    BOTOCORE_DEFAUT_SESSION_VARIABLES,
    DEFAULT_S3_CONFIG_VARS,
)
from botocore.utils import IMDSRegionProvider

CLI_VARS = {'output': ('output', 'AWS_DEFAULT_OUTPUT', 'json', None)}
SERVICES = ['sts', 's3', 'sso', 'dynamodb']
# Clients whose creation is compared (`--service`).
CLIENTS = ['sts', 's3', 'ec2', 'dynamodb', 's3control', 'lambda', 'sso-oidc', 'timestream-write']
# Served by the fake IMDS; its region is one the generator also uses.
IMDS_ZONE = 'us-west-2b'
# Settings that only name files or profiles: changing them would move the
# scenario's files, so they are never generated (they are still compared).
FIXED = {'profile', 'config_file', 'credentials_file', 'data_path'}

BOOL_VALUES = ['true', 'TRUE', 'True', 'false', '1', 'yes', '']
INT_VALUES = ['3', ' 7 ', '1_0', '0', '-2', 'x', '0x5', '', '12345']
STR_VALUES = {
    'region': ['us-west-2', 'eu-west-1', 'us-east-1', 'ap-south-1', 'us west 2', '',
               'fips-us-west-2', 'us-east-1-fips'],
    'retry_mode': ['legacy', 'standard', 'adaptive', 'bogus', ''],
    'defaults_mode': ['legacy', 'standard', 'in-region', 'cross-region', 'mobile', 'nope',
                      'auto', 'AUTO', 'Standard'],
    'sts_regional_endpoints': ['regional', 'legacy', 'bogus', ''],
    'addressing_style': ['auto', 'virtual', 'path', 'bogus'],
    'us_east_1_regional_endpoint': ['regional', 'legacy', 'bogus', ''],
    'request_checksum_calculation': ['when_supported', 'when_required', 'WHEN_REQUIRED', 'bogus'],
    'response_checksum_validation': ['when_supported', 'when_required', 'When_Supported', 'bogus'],
    'account_id_endpoint_mode': ['preferred', 'disabled', 'required', 'Disabled', 'bogus'],
    'request_min_compression_size_bytes': ['1', '128', ' 1_0 ', '0', '1048576', '1048577', 'x', ''],
    'auth_scheme_preference': ['sigv4a,sigv4', ' sigv4 , ,\tsig v4a', 'smithy.api#httpBearerAuth', ''],
    's3_disable_express_session_auth': ['true', 'False', 'bogus', ''],
    'endpoint_discovery_enabled': ['auto', 'true', 'False', ' TRUE ', 'bogus'],
    'sigv4a_signing_region_set': ['*', 'us-east-1,us-west-2'],
    'output': ['json', 'text', 'table', 'yaml'],
    'ca_bundle': ['/etc/ssl/x.pem', '~/bundle.pem'],
    'ec2_metadata_service_endpoint_mode': ['ipv4', 'ipv6'],
}
GENERIC_STR = ['a', 'some value', '10', 'http://127.0.0.1:1', 'x=y']
# '' is unset at its location (ConfiguredEndpointProvider's `if endpoint_url:`).
ENDPOINTS = ['http://127.0.0.1:4566', 'https://localhost:8443', 'http://127.0.0.1:9000/path', '']


def table():
    """logical name -> (config keys, env vars, conversion) from botocore."""
    out = {}
    for name, (keys, envs, _default, conv) in {**BOTOCORE_DEFAUT_SESSION_VARIABLES, **CLI_VARS}.items():
        out[name] = (keys, envs, conv)
    return out


def as_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, list) else [x]


def values_for(name, conv):
    conv_name = getattr(conv, '__name__', None)
    if conv_name == 'ensure_boolean':
        return BOOL_VALUES
    if conv is int:
        return INT_VALUES
    return STR_VALUES.get(name, GENERIC_STR)


def generate(seed, index):
    r = random.Random('credchain-config-diff:%s:%s' % (seed, index))
    env = {}
    profiles = {'default': {}, 'dev': {}}
    creds = {'default': {}, 'dev': {}}
    s3_block = {'default': {}, 'dev': {}}
    services = {}
    t = table()
    names = [n for n in t if n not in FIXED and t[n][0] is not None]
    for name in r.sample(names, r.randint(2, 12)):
        keys, envs, conv = t[name]
        value = r.choice(values_for(name, conv))
        where = r.choice(['env', 'config', 'config', 'creds', 'both'])
        envs = as_list(envs)
        if where in ('env', 'both') and envs:
            env[r.choice(envs)] = value
        if where in ('config', 'both', 'creds') or not envs:
            prof = r.choice(['default', 'dev'])
            target = creds if where == 'creds' else profiles
            target[prof][keys] = r.choice(values_for(name, conv)) if where == 'both' else value
    for key, (keys, envs, _d, conv) in DEFAULT_S3_CONFIG_VARS.items():
        if r.random() < 0.3:
            for k in as_list(keys):
                if r.random() < 0.6:
                    val = r.choice(values_for(key, conv))
                    prof = r.choice(['default', 'dev'])
                    if isinstance(k, tuple):
                        s3_block[prof][k[1]] = val
                    else:
                        profiles[prof][k] = val
            if envs and r.random() < 0.4:
                env[envs] = r.choice(values_for(key, conv))
    # Endpoints: global and per-service env, profile endpoint_url, services.
    if r.random() < 0.3:
        env['AWS_ENDPOINT_URL'] = r.choice(ENDPOINTS)
    for svc in SERVICES:
        if r.random() < 0.2:
            env['AWS_ENDPOINT_URL_' + svc.upper()] = r.choice(ENDPOINTS)
    for prof in ('default', 'dev'):
        if r.random() < 0.25:
            profiles[prof]['endpoint_url'] = r.choice(ENDPOINTS)
        if r.random() < 0.25:
            sect = r.choice(['local', 'local', 'missing'])
            profiles[prof]['services'] = sect
    if r.random() < 0.7:
        services['local'] = {svc: r.choice(ENDPOINTS) for svc in r.sample(SERVICES, r.randint(1, 3))}
    if r.random() < 0.15:
        env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] = r.choice(['true', 'false'])
    sel = r.choice(['none', 'none', 'env', 'default_env', 'explicit', 'explicit_default', 'missing'])
    profile = None
    if sel == 'env':
        env['AWS_PROFILE'] = 'dev'
    elif sel == 'default_env':
        env['AWS_DEFAULT_PROFILE'] = 'dev'
    elif sel == 'explicit':
        profile = 'dev'
    elif sel == 'explicit_default':
        profile = 'default'
    elif sel == 'missing':
        profile = 'nope'
    client = r.choice(CLIENTS)
    if r.random() < 0.3:
        # More smart-defaults cases than the uniform draw above gives.
        mode = r.choice(['standard', 'in-region', 'cross-region', 'mobile', 'auto', 'Auto'])
        if r.random() < 0.5:
            env['AWS_DEFAULTS_MODE'] = mode
        else:
            profiles[r.choice(['default', 'dev'])]['defaults_mode'] = mode
    if r.random() < 0.25:
        env['AWS_EXECUTION_ENV'] = r.choice(['AWS_Lambda_python3.12', ''])
        if r.random() < 0.6:
            env['AWS_REGION'] = r.choice(['us-west-2', 'eu-west-1', ''])
    imds = r.random() < 0.17
    if imds and r.random() < 0.6:
        # auto against the IMDS region: in-region and cross-region clients.
        env['AWS_DEFAULTS_MODE'] = 'auto'
        env['AWS_DEFAULT_REGION'] = r.choice(['us-west-2', 'eu-west-1'])
    # create_client's get_auth_token checks the profile's sso-session
    # (missing, empty or incomplete: InvalidConfigError). A separate stream
    # keeps the scenarios above as they were.
    rs = random.Random('credchain-config-diff-sso:%s:%s' % (seed, index))
    sso_sessions = {}
    if rs.random() < 0.15:
        prof = rs.choice(['default', 'dev'])
        profiles[prof]['sso_session'] = 'corp'
        kind = rs.choice(['missing', 'empty', 'no_url', 'no_region', 'other', 'complete'])
        if kind != 'missing':
            sso_sessions['corp'] = {
                'empty': {},
                'no_url': {'sso_region': 'us-east-1'},
                'no_region': {'sso_start_url': 'https://corp.awsapps.com/start'},
                'other': {'registration_scopes': 'sso:account:access'},
                'complete': {'sso_region': 'us-east-1', 'sso_start_url': 'https://corp.awsapps.com/start'},
            }[kind]
    config = []
    for name, block in sso_sessions.items():
        config.append('[sso-session %s]' % name)
        for k, v in block.items():
            config.append('%s = %s' % (k, v))
        config.append('')
    for prof in ('default', 'dev'):
        header = '[default]' if prof == 'default' else '[profile dev]'
        config.append(header)
        for k, v in profiles[prof].items():
            config.append('%s = %s' % (k, v))
        if s3_block[prof]:
            config.append('s3 =')
            for k, v in s3_block[prof].items():
                config.append('  %s = %s' % (k, v))
        config.append('')
    for name, block in services.items():
        config.append('[services %s]' % name)
        for svc, url in block.items():
            config.append('%s =' % svc)
            config.append('  endpoint_url = %s' % url)
        config.append('')
    cred_text = []
    for prof in ('default', 'dev'):
        if creds[prof]:
            cred_text.append('[%s]' % prof)
            for k, v in creds[prof].items():
                cred_text.append('%s = %s' % (k, v))
    return {
        'index': index,
        'env': env,
        'profile': profile,
        'config': '\n'.join(config) + '\n',
        'credentials': '\n'.join(cred_text) + '\n' if cred_text else None,
        'client': client,
        'imds': imds,
    }


IMDS_PORT = None


class ImdsHandler(http.server.BaseHTTPRequestHandler):
    """IMDSv2 that knows one thing: the availability zone."""
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _reply(self, status, body):
        body = body.encode()
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.close_connection = True
        self.wfile.write(body)

    def do_PUT(self):
        self._reply(200, 'fake-token') if self.path == '/latest/api/token' else self._reply(404, '')

    def do_GET(self):
        if self.path.rstrip('/') == '/latest/meta-data/placement/availability-zone':
            self._reply(200, IMDS_ZONE)
        else:
            self._reply(404, '')


def start_imds():
    global IMDS_PORT
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), ImdsHandler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    IMDS_PORT = srv.server_address[1]
    return srv


def scenario_env(sc, home):
    env = {
        'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': home,
        'LANG': 'C.UTF-8',
        'AWS_EC2_METADATA_DISABLED': 'true',
    }
    env.update(sc['env'])
    if sc.get('imds'):
        env.pop('AWS_EC2_METADATA_DISABLED', None)
        env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = 'http://127.0.0.1:%d/' % IMDS_PORT
    return env


def write_files(sc, home):
    os.makedirs(os.path.join(home, '.aws'), exist_ok=True)
    with open(os.path.join(home, '.aws', 'config'), 'w') as f:
        f.write(sc['config'])
    if sc['credentials'] is not None:
        with open(os.path.join(home, '.aws', 'credentials'), 'w') as f:
            f.write(sc['credentials'])


def outcome(fn):
    try:
        return ('ok', fn())
    except Exception as e:  # noqa: BLE001 - the class name is what is compared
        return ('err', type(e).__name__, str(e))


def run_botocore(sc, home):
    """botocore's answers, in-process with os.environ replaced."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(scenario_env(sc, home))
    try:
        s = botocore.session.Session(session_vars=CLI_VARS, profile=sc['profile'])
        got = {}
        for name in table():
            got[name] = outcome(lambda n=name: s.get_config_variable(n))[:2]
        s3 = outcome(lambda: s.get_config_variable('s3'))
        for key in DEFAULT_S3_CONFIG_VARS:
            got['s3.' + key] = ('ok', (s3[1] or {}).get(key)) if s3[0] == 'ok' else s3[:2]
        for svc in SERVICES:
            def mk(svc=svc):
                c = s.create_client(svc, aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='x')
                return c.meta.endpoint_url
            got['endpoint_url.' + svc] = outcome(mk)
        region = outcome(lambda: s.get_config_variable('region'))
        if region == ('ok', None):
            # create_client does not ask IMDS; list --all's region row does.
            region = outcome(lambda: IMDSRegionProvider(s).provide())
            if region[0] == 'err':
                region = ('ok', None)
        got['__region'] = region
        client = sc['client']
        configured = outcome(lambda: s.get_config_variable('region'))
        if (configured[0] != 'ok' or not configured[1]) and sc['index'] % 5:
            # Most clients need a region (NoRegionError): keep 4 in 5 of
            # the region-less scenarios on sts / s3, which have global
            # endpoints, so they compare created clients.
            client = client if client in ('sts', 's3') else 'sts'
        got['__client'] = client
        got['__view'] = outcome(lambda: client_view(s, client))
        return got
    finally:
        os.environ.clear()
        os.environ.update(saved)


def client_view(s, svc):
    c = s.create_client(svc, aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='x')
    cfg = c.meta.config
    mode = cfg.retries['mode']
    default_attempts = (
        s.get_component('data_loader').load_data('_retry')['retry']['__default__']['max_attempts']
        if mode == 'legacy' else botocore.retries.standard.DEFAULT_MAX_ATTEMPTS)
    view = {
        'retries.mode': mode,
        'retries.total_max_attempts': cfg.retries.get('total_max_attempts', default_attempts),
        'connect_timeout': cfg.connect_timeout,
        'read_timeout': cfg.read_timeout,
        'tcp_keepalive': (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        in c._endpoint.http_session._socket_options,
        'request_min_compression_size_bytes': cfg.request_min_compression_size_bytes,
        'disable_request_compression': cfg.disable_request_compression,
        'request_checksum_calculation': cfg.request_checksum_calculation,
        'response_checksum_validation': cfg.response_checksum_validation,
        'account_id_endpoint_mode': cfg.account_id_endpoint_mode,
        'sigv4a_signing_region_set': cfg.sigv4a_signing_region_set,
        'auth_scheme_preference': cfg.auth_scheme_preference,
        'inject_host_prefix': cfg.inject_host_prefix,
        's3_disable_express_session_auth': cfg.s3_disable_express_session_auth,
        # The endpoint the client is created with: configured or built in,
        # smart defaults applied (sts / s3 us-east-1 modes).
        'endpoint_url.' + svc: c.meta.endpoint_url,
    }
    if svc == 's3':
        view['s3.us_east_1_regional_endpoint'] = (cfg.s3 or {}).get('us_east_1_regional_endpoint')
    return view


def run_credchain(binary, sc, home, service=None):
    args = [os.path.abspath(binary), 'configure', 'list', '--all', '--output', 'json']
    if service is not None:
        args += ['--service', service]
    if sc['profile'] is not None:
        args += ['--profile', sc['profile']]
    p = subprocess.run(args, env=scenario_env(sc, home), cwd=home, capture_output=True, text=True, timeout=60)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return None, p
    if service is not None:
        return doc, p
    return {s['name']: s for s in doc['settings']}, p


def compare_view(bc, doc, proc):
    """The client view: same error (class and message), or same settings."""
    view = bc['__view']
    if doc is None:
        return ['client %s: no JSON (exit %d): %s' % (bc['__client'], proc.returncode, proc.stderr.strip())]
    if 'error' in doc:
        got = (doc['error']['kind'], doc['error']['message'])
        if view[0] != 'err':
            return ['client %s: credchain %s: %s, botocore created it' % ((bc['__client'],) + got)]
        if got[0] == 'ValueError' and got[1].startswith(view[2] + ' (setting '):
            # credchain names the setting after Python's message.
            got = (got[0], view[2])
        if got != tuple(view[1:]):
            return ['client %s: credchain %s: %s\n      botocore %s: %s' % ((bc['__client'],) + got + tuple(view[1:]))]
        return []
    if proc.returncode != 0:
        return ['client %s: exit %d without an error document' % (bc['__client'], proc.returncode)]
    if view[0] == 'err':
        return ['client %s: credchain created it, botocore %s: %s' % (bc['__client'], view[1], view[2])]
    rows = {r['name']: r for r in doc['settings']}
    diffs = []
    for name, want in view[1].items():
        row = rows.get(name)
        if row is None:
            diffs.append('client %s: no row %s' % (bc['__client'], name))
        elif not same(row['value'], want):
            diffs.append('client %s: %s: credchain %r, botocore %r' % (bc['__client'], name, row['value'], want))
        elif row['type'] == 'default' and row['location'] \
                and not row['location'].startswith('defaults_mode ') \
                and not (name.startswith('endpoint_url.') and row['location'] == 'botocore endpoints.json'):
            diffs.append('client %s: %s: default with location %r' % (bc['__client'], name, row['location']))
    return diffs


def same(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a == b
    return type(a) is type(b) and a == b


def check_provenance(row, sc, home):
    kind, loc = row['type'], row['location']
    if kind == 'env':
        return loc in scenario_env(sc, home)
    if kind in ('config-file', 'credentials-file'):
        path, _, line = loc.rpartition(':')
        path = path.replace('~', home, 1)
        with open(path) as f:
            text = f.read().splitlines()[int(line) - 1]
        keys = []
        if row['name'].startswith('s3.'):
            for k in as_list(DEFAULT_S3_CONFIG_VARS[row['name'][3:]][0]):
                keys.append(k[0] if isinstance(k, tuple) else k)
        else:
            keys = as_list(table()[row['name']][0])
        return text.split('=')[0].strip() in keys
    return kind in ('default', 'instance')


def compare(sc, bc, cc, home):
    diffs = []
    names = set(table()) | {'s3.' + k for k in DEFAULT_S3_CONFIG_VARS}
    listed = {n for n in cc if not n.startswith('endpoint_url.')}
    if listed != names:
        diffs.append('names differ: only credchain %s, only botocore %s'
                     % (sorted(listed - names), sorted(names - listed)))
    region = bc['__region']
    row = cc.get('region')
    if region[0] == 'ok' and row is not None and 'error' not in row:
        if not same(row['value'], region[1]):
            diffs.append('region (IMDS fallback): credchain %r, botocore %r' % (row['value'], region[1]))
        if sc.get('imds') and region[1] is not None and row['type'] not in ('imds', 'env', 'config-file', 'credentials-file', 'instance'):
            diffs.append('region: type %s' % row['type'])
    for name, (status, val, *message) in bc.items():
        if name.startswith('__'):
            continue
        row = cc.get(name)
        if row is None or (name == 'region' and row.get('type') == 'imds'):
            # An IMDS region is compared with IMDSRegionProvider above.
            continue
        if name.startswith('endpoint_url.'):
            endpoint_error = status == 'err' and (
                val in ('ProfileNotFound', 'ConfigParseError')
                or (val == 'InvalidConfigError' and 'services section' in message[0]))
            if 'error' in row:
                # create_client may fail earlier on another setting
                # (InvalidRegionError, ...): then only "it failed" is
                # comparable.
                if status != 'err' or (endpoint_error and val != row['error']['kind']):
                    diffs.append('%s: credchain %s, botocore %s %r' % (name, row['error']['kind'], status, val))
            elif status == 'err':
                # Client creation fails for reasons outside the endpoint
                # (e.g. an invalid region): not this row's business, unless
                # it is the endpoint's own error.
                if val == 'InvalidConfigError' and 'services section' in message[0]:
                    diffs.append('%s: botocore InvalidConfigError, credchain %r' % (name, row['value']))
                if val == 'NoRegionError' and row['value'] is not None:
                    diffs.append('%s: botocore NoRegionError, credchain %r' % (name, row['value']))
            elif row['value'] != val:
                diffs.append('%s: credchain %r, botocore client %r' % (name, row['value'], val))
            continue
        if 'error' in row:
            if status != 'err' or val != row['error']['kind']:
                diffs.append('%s: credchain %s, botocore %s %r' % (name, row['error']['kind'], status, val))
            continue
        if status == 'err':
            diffs.append('%s: credchain %r, botocore raised %s' % (name, row['value'], val))
        elif not same(row['value'], val):
            diffs.append('%s: credchain %r, botocore %r' % (name, row['value'], val))
        elif not check_provenance(row, sc, home):
            diffs.append('%s: provenance %s %s does not hold' % (name, row['type'], row['location']))
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary')
    ap.add_argument('--scenarios', type=int, default=320)
    ap.add_argument('--seed', default='1')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--only')
    ap.add_argument('--dump', type=int)
    args = ap.parse_args()
    if args.dump is not None:
        print(json.dumps(generate(args.seed, args.dump), indent=2))
        return 0
    if not args.binary:
        ap.error('--binary is required')
    indices = [int(i) for i in args.only.split(',')] if args.only else range(args.scenarios)
    scenarios = [generate(args.seed, i) for i in indices]
    root = tempfile.mkdtemp(prefix='credchain-config-diff-')
    homes = {}
    for sc in scenarios:
        home = os.path.join(root, str(sc['index']))
        write_files(sc, home)
        homes[sc['index']] = home
    imds_server = start_imds()
    # Block the network for botocore: creating a client must send nothing;
    # only the fake IMDS on 127.0.0.1 is reachable.
    real_connect = socket.socket.connect

    def no_connect(self, addr):
        if addr == ('127.0.0.1', IMDS_PORT):
            return real_connect(self, addr)
        raise RuntimeError('network use in the differential: %r' % (addr,))
    socket.socket.connect = no_connect
    try:
        bc = {sc['index']: run_botocore(sc, homes[sc['index']]) for sc in scenarios}
    finally:
        socket.socket.connect = real_connect
    with ThreadPoolExecutor(args.jobs) as pool:
        cc = dict(zip([sc['index'] for sc in scenarios],
                      pool.map(lambda sc: run_credchain(args.binary, sc, homes[sc['index']]), scenarios)))
        views = dict(zip([sc['index'] for sc in scenarios],
                         pool.map(lambda sc: run_credchain(args.binary, sc, homes[sc['index']],
                                                           bc[sc['index']]['__client']), scenarios)))
    imds_server.shutdown()
    failures = 0
    errors_seen = 0
    client_errors = {}
    imds_cases = 0
    smart = 0
    auto = collections.Counter()
    for sc in scenarios:
        rows, proc = cc[sc['index']]
        view = bc[sc['index']]['__view']
        if view[0] == 'err':
            client_errors[view[1]] = client_errors.get(view[1], 0) + 1
        elif view[1]['connect_timeout'] != 60:
            smart += 1
            doc = views[sc['index']][0] or {}
            loc = {r['name']: r['location'] for r in doc.get('settings', [])}.get('defaults_mode') or ''
            if loc.endswith('(auto)'):
                auto[('imds' if sc['imds'] else 'env') + ':' + loc.split()[1]] += 1
        imds_cases += 1 if sc['imds'] else 0
        if rows is None:
            failures += 1
            print('scenario %d: no JSON (exit %d): %s' % (sc['index'], proc.returncode, proc.stderr.strip()))
            continue
        errors_seen += sum(1 for r in rows.values() if 'error' in r)
        diffs = compare(sc, bc[sc['index']], rows, homes[sc['index']])
        diffs += compare_view(bc[sc['index']], *views[sc['index']])
        if diffs:
            failures += 1
            print('scenario %d (--only %d):' % (sc['index'], sc['index']))
            for d in diffs:
                print('   ', d)
    print('config differential: %d scenarios, %d differ (%d error rows compared), seed %s'
          % (len(scenarios), failures, errors_seen, args.seed))
    print('  client views: %d created (%d with smart defaults), %d refused (%s); %d with a fake IMDS'
          % (len(scenarios) - sum(client_errors.values()), smart, sum(client_errors.values()),
             ', '.join('%s %d' % kv for kv in sorted(client_errors.items())), imds_cases))
    print('  defaults_mode auto resolved (region source:mode): %s'
          % (', '.join('%s %d' % kv for kv in sorted(auto.items())) or 'none'))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
