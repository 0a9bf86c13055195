#!/usr/bin/env python3
"""Differential test: credchain's credential chain vs botocore's.

Usage:
    python3 tests/differential/botocore_diff.py --binary PATH [--scenarios N]
        [--seed S] [--keep-failures DIR] [--jobs J]

Extra options (for development and triage):
    --botocore-only        run only the botocore side; print the outcome tally and
                           check that nothing tried to use the network
    --only 3,17,42         run only these scenario indices (same seed)
    --dump IDX             print scenario IDX (files, env, profile) and exit
    --weights t=w,...      override target weights (see TARGET_WEIGHTS)
    --check-messages       also fail when error messages differ (default: reported only)

Every scenario is generated from (seed, index) alone, so `--only IDX` reproduces it.
For each scenario a temp dir becomes HOME (and cwd); files are written there; a
clean environment is built (PATH, HOME, LANG=C.UTF-8, AWS_EC2_METADATA_DISABLED=true
plus the scenario's variables); botocore resolves credentials in a long-lived
worker process (one per job; os.environ fully replaced and a new Session per
scenario) and `credchain explain --output json` (+ `configure export-credentials
--format process` on success) runs with the same environment.

Only offline providers are ever triggered: no role_arn / source_profile /
credential_source / web_identity / sso / credential_process / login keys are
generated anywhere, no container or web-identity env vars are set, IMDS is
disabled, and the worker blocks sockets (a connection attempt is a harness error).

Requires Python 3.11, stdlib + botocore.
"""

import argparse
import base64
import collections
import datetime
import json
import os
import random
import shlex
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
HOME_MARK = '@HOME@'

OFFLINE_METHODS = {
    'env', 'shared-credentials-file', 'config-file', 'ec2-credentials-file',
    'boto-config',
}
# Substrings that must never occur (case-insensitively) in any generated file or
# env name: they would trigger a networked or process-spawning provider.
FORBIDDEN_SUBSTRINGS = (
    'role_arn', 'source_profile', 'credential_source', 'web_identity',
    'sso_', 'credential_process', 'login_session', 'role_session_name',
    'mfa_serial', 'external_id', 'duration_seconds',
)
FORBIDDEN_ENV_PREFIXES = (
    'AWS_WEB_IDENTITY', 'AWS_ROLE_', 'AWS_CONTAINER_', 'AWS_METADATA_SERVICE_',
    'AWS_EC2_METADATA_SERVICE_', 'AWS_EC2_METADATA_V1', 'AWS_IMDS',
    'AWS_LOGIN', 'AWS_SSO', 'AWS_ENDPOINT_URL',
)

# Which outcome each scenario aims for (botocore decides the real outcome).
TARGET_WEIGHTS = {
    'env': 9,
    'env_partial': 4,
    'env_expiry': 5,
    'shared': 15,
    'config': 12,
    'split': 6,
    'ec2': 7,
    'ec2_missing': 3,
    'ec2_keyerror': 3,
    'boto': 7,
    'boto_partial': 3,
    'profile_missing': 7,
    'parse_error': 9,
    'none': 5,
    'imds_cfg': 3,
    'chaos': 10,
}

UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits

# Profile-name pool: (name, weight).
PROFILE_POOL = [
    ('default', 30), ('dev', 20), ('prod', 12), ('my prof', 6),
    ('profile dev', 3), ('Dev', 3), ('x.y', 3), ('\u00fcn\u00ef', 2),
    ('team-a_1', 3), ('', 1), ('a]b', 1),
]
OTHER_NAMES = ['dev', 'prod', 'stage', 'qa', 'default', 'my prof', 'Dev', 'x.y', 'ops']
OTHER_KEYS = ['region', 'output', 'cli_pager', 'tcp_keepalive', 'parameter_validation',
              'foo', 'my key', 'Color', 'retry_mode', 'max_attempts', 'ca_bundle_x']
EXOTIC_WS = ['\x1f', '\x1c', '\xa0', '\u3000', '\x0b', '\x0c', '\u2009', '\u200b', '\x85']


# --------------------------------------------------------------------------------------
# small random helpers
# --------------------------------------------------------------------------------------

def wchoice(r, pairs):
    """Weighted choice from [(value, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = r.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def rand_akid(r):
    return r.choice(['AKIA', 'AKIA', 'AKIA', 'ASIA']) + ''.join(r.choice(UPPER_DIGITS) for _ in range(16))


def rand_secret(r):
    return ''.join(r.choice(ALNUM + '/+') for _ in range(40))


def rand_token(r):
    return 'IQoJ' + ''.join(r.choice(ALNUM + '/+=') for _ in range(r.randint(16, 60)))


def rand_word(r, n=None):
    return ''.join(r.choice(string.ascii_lowercase) for _ in range(n or r.randint(3, 8)))


def case_variant(r, key):
    k = r.random()
    if k < 0.3:
        return key.upper()
    if k < 0.6:
        return '_'.join(p[:1].upper() + p[1:] for p in key.split('_'))
    return ''.join(c.upper() if r.random() < 0.5 else c for c in key)


class Scenario:
    def __init__(self, index, target):
        self.index = index
        self.target = target
        self.tags = set()
        self.files = []          # dicts: path (rel to HOME), type file|dir|symlink, data/target
        self.env = {}            # values may contain HOME_MARK
        self.profile = None      # explicit profile (Session(profile=) / --profile)

    def tag(self, t):
        self.tags.add(t)

    def add_file(self, rel, data):
        self.files.append({'path': rel, 'type': 'file', 'data': data})

    def add_dir(self, rel):
        self.files.append({'path': rel, 'type': 'dir'})

    def add_symlink(self, rel, target):
        self.files.append({'path': rel, 'type': 'symlink', 'target': target})

    def describe(self):
        prof = 'explicit=%r' % self.profile if self.profile is not None else ''
        envp = ' '.join('%s=%r' % (k, self.env[k]) for k in ('AWS_DEFAULT_PROFILE', 'AWS_PROFILE')
                        if k in self.env)
        tags = ','.join(sorted(t for t in self.tags if not t.startswith('target:')))
        return 'target=%s %s %s [%s]' % (self.target, prof, envp, tags)

    def to_json(self):
        files = []
        for f in self.files:
            g = dict(f)
            if 'data' in g:
                try:
                    g['text'] = g['data'].decode('utf-8')
                except UnicodeDecodeError:
                    g['base64'] = base64.b64encode(g['data']).decode()
                del g['data']
            files.append(g)
        return {'index': self.index, 'target': self.target, 'tags': sorted(self.tags),
                'profile': self.profile, 'env': self.env, 'files': files}


# --------------------------------------------------------------------------------------
# INI rendering
# --------------------------------------------------------------------------------------

class Section:
    """One INI section: header text (without brackets) and items.

    items: ('kv', key, value, cont_lines) | ('nested', key, [(k, v)...], extra_lines)
           | ('comment', text) | ('blank',) | ('raw', line)
    """

    def __init__(self, header, items=None, raw_header=None):
        self.header = header
        self.items = items or []
        self.raw_header = raw_header   # full header line override


def decorate_value(r, sc, v, where):
    x = r.random()
    if x < 0.05:
        sc.tag('val:#-comment')
        return v + ' # ' + rand_word(r)
    if x < 0.08:
        sc.tag('val:;-comment')
        return v + ' ; ' + rand_word(r)
    if x < 0.11:
        sc.tag('val:dquotes')
        return '"' + v + '"'
    if x < 0.125:
        sc.tag('val:squotes')
        return "'" + v + "'"
    if x < 0.145:
        sc.tag('val:percent')
        return v[:3] + '%' + v[3:] + '%(x)s'
    if x < 0.17:
        sc.tag('val:padded')
        return v + r.choice([' ', '  ', '\t', ' \t '])
    if x < 0.18:
        sc.tag('val:exotic-ws')
        ws = r.choice(EXOTIC_WS)
        return (ws + v) if r.random() < 0.5 else (v + ws)
    if x < 0.195:
        sc.tag('val:inner-delim')
        return v[:4] + r.choice(['=', ':', ' = ', '==']) + v[4:]
    if x < 0.205:
        sc.tag('val:leading-#')
        return r.choice(['#', ';']) + v
    return v


def render_kv(r, sc, key, value, indent, sep=None):
    if r.random() < 0.10:
        key = case_variant(r, key)
        sc.tag('key:case-variant')
    if sep is None:
        sep = wchoice(r, [(' = ', 50), ('=', 20), (' =', 4), ('= ', 4), (':', 5), (': ', 5),
                          (' : ', 3), ('  =  ', 4), ('\t=\t', 3), ('\t= ', 2)])
        if ':' in sep:
            sc.tag('sep:colon')
    if r.random() < 0.01:
        key = key + r.choice(['\xa0', '\x1f', '\u3000'])
        sc.tag('key:exotic-ws')
    if r.random() < 0.01 and 'k' in key.lower():
        # U+212A KELVIN SIGN lower-cases to 'k' under str.lower()
        i = key.lower().index('k')
        key = key[:i] + '\u212a' + key[i + 1:]
        sc.tag('key:kelvin-sign')
    if value == '':
        return indent + key + sep.rstrip() if r.random() < 0.5 else indent + key + sep
    return indent + key + sep + value


def render_sections(r, sc, sections, lead_lines=None):
    """Render sections to a list of lines (no EOL)."""
    lines = list(lead_lines or [])
    for s in sections:
        if s.raw_header is not None:
            lines.append(s.raw_header)
        else:
            # a '\x00' in the header text marks where the closing bracket goes
            # (the rest is trailing text after the header)
            h = s.header
            lines.append('[' + h.replace('\x00', ']') if '\x00' in h else '[' + h + ']')
        indent = ''
        if r.random() < 0.06:
            indent = r.choice(['  ', '   ', '\t', '    '])
            sc.tag('ini:indented-body')
        for it in s.items:
            kind = it[0]
            if kind == 'kv':
                _, k, v, cont = it
                lines.append(render_kv(r, sc, k, v, indent))
                for c in cont:
                    lines.append(c if c == '' else indent + '  ' + c)
            elif kind == 'nested':
                _, k, subs, extra = it
                lines.append(render_kv(r, sc, k, '', indent, sep=r.choice([' =', ' = ', '=', ':'])))
                sub_indent = indent + r.choice(['  ', '    ', '\t'])
                for j, (sk, sv) in enumerate(subs):
                    if r.random() < 0.1:
                        lines.append(sub_indent + r.choice(['# c', '; c']))
                    if r.random() < 0.08:
                        lines.append('')
                    deeper = '  ' if (j > 0 and r.random() < 0.1) else ''
                    line = sub_indent + deeper + sk + r.choice([' = ', '=', ' =  ']) + sv
                    if r.random() < 0.04:
                        # _parse_nested uses str.splitlines(): these split the sub-line
                        brk = r.choice(['\x0c', '\x0b', '\x1c', '\x1e', '\x85', '\u2028'])
                        line += brk + r.choice(['extra = 1', 'noequals', ''])
                        sc.tag('exotic:nested-splitlines')
                    lines.append(line)
                for e in extra:
                    lines.append(sub_indent + e)
            elif kind == 'comment':
                pre = r.choice(['', '', '  ', '\t']) if indent == '' else indent
                if r.random() < 0.03:
                    # str.strip() removes these before the comment test
                    pre = r.choice(['\x1f', '\x1c', '\xa0', '\u3000', '\x0c'])
                    sc.tag('exotic:comment-prefix')
                lines.append(pre + it[1])
            elif kind == 'blank':
                if r.random() < 0.04:
                    # a line of Python-whitespace only: blank for configparser
                    lines.append(r.choice(['\x1f', '\x1c', '  \x1d', '\x0c', '\xa0', '\x0b', '\u2003']))
                    sc.tag('exotic:ws-only-line')
                else:
                    lines.append(r.choice(['', '', '   ', '\t']))
            elif kind == 'raw':
                lines.append(it[1])
        if r.random() < 0.3:
            lines.append('')
    return lines


def join_lines(r, sc, lines, name):
    mode = wchoice(r, [('lf', 70), ('crlf', 14), ('cr', 7), ('mixed', 9)])
    if mode != 'lf':
        sc.tag('%s:eol-%s' % (name, mode))
    if mode == 'lf':
        eols = ['\n'] * len(lines)
    elif mode == 'crlf':
        eols = ['\r\n'] * len(lines)
    elif mode == 'cr':
        eols = ['\r'] * len(lines)
    else:
        eols = [r.choice(['\n', '\r\n', '\r']) for _ in lines]
    if lines and r.random() < 0.15:
        eols[-1] = ''
        sc.tag('%s:no-final-eol' % name)
    return ''.join(l + e for l, e in zip(lines, eols))


# --------------------------------------------------------------------------------------
# section content
# --------------------------------------------------------------------------------------

def token_items(r, sc):
    mode = wchoice(r, [('none', 55), ('session', 20), ('security', 9), ('both', 9),
                       ('security-empty', 4), ('session-empty', 3)])
    if mode != 'none':
        sc.tag('tok:' + mode)
    if mode == 'session':
        return [('aws_session_token', rand_token(r))]
    if mode == 'security':
        return [('aws_security_token', rand_token(r))]
    if mode == 'both':
        return [('aws_session_token', rand_token(r)), ('aws_security_token', rand_token(r))]
    if mode == 'security-empty':
        return [('aws_security_token', ''), ('aws_session_token', rand_token(r))]
    if mode == 'session-empty':
        return [('aws_session_token', '')]
    return []


def cred_kvs(r, sc, shape):
    """Key/value pairs for a credential shape."""
    kvs = []
    if shape in ('full', 'key_only', 'full_empty_secret', 'empty_key'):
        kvs.append(('aws_access_key_id', '' if shape == 'empty_key' else rand_akid(r)))
    if shape in ('full', 'secret_only', 'empty_key'):
        kvs.append(('aws_secret_access_key', rand_secret(r)))
    if shape == 'full_empty_secret':
        kvs.append(('aws_secret_access_key', ''))
    if shape in ('full', 'key_only', 'empty_key', 'full_empty_secret'):
        kvs += token_items(r, sc)
    if r.random() < 0.15:
        kvs.append(('aws_account_id', ''.join(r.choice(string.digits) for _ in range(12))))
    return kvs


def other_kvs(r, n):
    out = []
    for _ in range(n):
        k = r.choice(OTHER_KEYS)
        if k == 'region':
            v = r.choice(['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'])
        elif k == 'output':
            v = r.choice(['json', 'text', 'table', 'yaml'])
        else:
            v = r.choice([rand_word(r), 'true', '0', '', 'a b c', 'x=y', 'http://localhost:1'])
        out.append((k, v))
    return out


def build_items(r, sc, kvs, allow_nested=True):
    """Turn key/value pairs into section items with noise (comments, blanks, nested,
    continuations). Duplicate keys are removed (unless introduced as a fault later)."""
    seen = set()
    uniq = []
    for k, v in kvs:
        if k.lower() in seen:
            continue
        seen.add(k.lower())
        uniq.append((k, v))
    if r.random() < 0.3:
        r.shuffle(uniq)
    items = []
    for k, v in uniq:
        if r.random() < 0.07:
            items.append(('comment', r.choice(['#', ';', '# ', '; ']) + rand_word(r)))
            sc.tag('ini:comment')
        if r.random() < 0.04:
            # a commented-out credential line
            items.append(('comment', r.choice(['# ', ';', '#']) + 'aws_access_key_id = ' + rand_akid(r)))
            sc.tag('ini:commented-key')
        if r.random() < 0.05:
            items.append(('blank',))
        cont = []
        if v != '':
            v = decorate_value(r, sc, v, k)
            if r.random() < 0.03:
                cont = [rand_word(r)] + ([rand_word(r)] if r.random() < 0.5 else [])
                if r.random() < 0.3:
                    cont = [''] + cont
                    sc.tag('ini:blank-in-continuation')
                if r.random() < 0.2:
                    cont.insert(0, '# inner comment')
                sc.tag('ini:continuation')
        items.append(('kv', k, v, cont))
    if allow_nested and r.random() < 0.12:
        subs = [(r.choice(['addressing_style', 'Max_Concurrent_Requests', 'use_accelerate_endpoint',
                           'payload_signing_enabled']), r.choice(['path', '20', 'true', 'a=b']))
                for _ in range(r.randint(1, 3))]
        pos = r.randint(0, len(items))
        items.insert(pos, ('nested', r.choice(['s3', 'sts', 'dynamodb']), subs, []))
        sc.tag('ini:nested')
    if allow_nested and r.random() < 0.02:
        # "s3 = foo" + indented line: a multi-line string, not a dict
        items.append(('kv', 's3', 'foo', ['addressing_style = path']))
        sc.tag('ini:nested-string')
    return items


# --------------------------------------------------------------------------------------
# headers
# --------------------------------------------------------------------------------------

def cfg_header(r, sc, name, correct=True):
    """Config-file header text for profile `name`. With correct=False, a header that
    botocore will NOT map to that profile."""
    needs_quote = name == '' or any(c in name for c in ' \t"\'\\')
    if correct:
        if name == 'default':
            h = wchoice(r, [('default', 75), ('profile default', 12), ('profile "default"', 4),
                            ('profile  default', 3), ('profilex default', 2), ('default\x00 # c', 3), ('default] # c', 1),
                            ('default\x00aws_access_key_id=AKIATRAILINGGARBAGE', 1)])
        elif needs_quote:
            if name == '':
                h = r.choice(['profile ""', "profile ''"])
            else:
                h = wchoice(r, [('profile "%s"' % name, 5), ("profile '%s'" % name, 3),
                                ('profile ' + name.replace(' ', '\\ '), 2)])
        else:
            h = wchoice(r, [('profile ' + name, 60), ('profile  ' + name, 7), ('profile\t' + name, 6),
                            ('profile "%s"' % name, 7), ("profile '%s'" % name, 5),
                            ('profilex ' + name, 3), ('profile %s ' % name, 4),
                            ('profile %s\x00 # c' % name, 3), ('profile "%s"' % name[:1] + name[1:], 2),
                            ('profile %s"%s"' % (name[:1], name[1:]), 2)])
        if h != 'default' and h != 'profile ' + name:
            sc.tag('hdr:variant')
        return h
    sc.tag('hdr:mistake')
    if name == 'default':
        return r.choice(['Default', ' default ', 'profile default extra', 'PROFILE default', 'profile "default'])
    opts = ['PROFILE ' + name, 'Profile ' + name, ' profile ' + name, 'profile "%s' % name,
            'profile %s extra' % name, 'profile\xa0' + name, 'profile\x0b' + name, 'profile\u3000' + name]
    if name != '':
        opts.append(name)
    if ' ' in name:
        opts += ['profile ' + name] * 2
    return r.choice(opts)


def cred_header(r, sc, name, correct=True):
    if correct:
        return name
    sc.tag('hdr:mistake')
    opts = [' %s ' % name if name else ' x ', name.swapcase() if name.swapcase() != name else name + '_']
    if not name.startswith('profile '):
        opts.append('profile ' + name if name else 'profile')
    return r.choice(opts)


# --------------------------------------------------------------------------------------
# faults that make an INI file unparseable (ConfigParseError)
# --------------------------------------------------------------------------------------

LINE_FAULTS = ['dup-section', 'dup-key', 'dup-key-case', 'dup-key-unicode-case', 'key-before-section', 'nested-no-eq',
               'nested-colon', 'empty-optname', 'no-delimiter', 'unclosed-header', 'empty-header',
               'dup-default-key', 'indented-first-key']
BYTE_FAULTS = ['bad-utf8', 'bom', 'surrogate-utf8']
FATAL_FAULTS = LINE_FAULTS + BYTE_FAULTS
# faults that are not (necessarily) parse errors
SOFT_FAULTS = ['dir', 'empty-file', 'dup-DEFAULT-ok', 'indented-header', 'symlink',
               'dangling-symlink', 'comment-only', 'whitespace-only']


def apply_line_fault(r, sc, sections, fault, lead):
    """Mutate sections/lead-lines to introduce a line-level fault."""
    if not sections:
        sections.append(Section('default', [('kv', 'region', 'us-east-1', [])]))
    s = r.choice(sections)
    if fault == 'dup-section':
        dup = Section(s.header, build_items(r, sc, other_kvs(r, 1), allow_nested=False), s.raw_header)
        sections.insert(r.randint(sections.index(s) + 1, len(sections)), dup)
    elif fault in ('dup-key', 'dup-key-case'):
        kvs = [it for it in s.items if it[0] == 'kv']
        k = kvs[0][1] if kvs else 'region'
        if not kvs:
            s.items.append(('kv', k, 'x', []))
        k2 = case_variant(r, k) if fault == 'dup-key-case' else k
        s.items.append(('raw', k2 + ' = ' + rand_word(r)))
    elif fault == 'dup-key-unicode-case':
        a, b = r.choice([('cl\u00e9', 'CL\u00c9'), ('\u00e5rea', '\u212brea'), ('stra\u00dfe', 'STRA\u00dfE'),
                         ('\u03c3x', '\u03a3x')])
        s.items.append(('raw', a + ' = 1'))
        s.items.append(('raw', b + ' = 2'))
    elif fault == 'key-before-section':
        lead.append(r.choice(['region = us-east-1', 'aws_access_key_id = ' + rand_akid(r), 'x: y']))
    elif fault == 'indented-first-key':
        lead.append(r.choice(['# leading comment', '']))
        lead.append('  region = us-east-1')
    elif fault == 'nested-no-eq':
        s.items.append(('nested', 's3', [('addressing_style', 'path')], ['max_concurrent_requests']))
    elif fault == 'nested-colon':
        s.items.append(('raw', 's3 ='))
        s.items.append(('raw', '  addressing_style: path'))
    elif fault == 'empty-optname':
        s.items.insert(r.randint(0, len(s.items)), ('raw', r.choice(['= value', ' : value', '=x'])))
    elif fault == 'no-delimiter':
        s.items.insert(r.randint(0, len(s.items)), ('raw', r.choice(['garbage', 'aws_access_key_id', 'region us-east-1'])))
    elif fault == 'unclosed-header':
        sections.insert(r.randint(0, len(sections)), Section(None, [('kv', 'region', 'x', [])], raw_header='[profile broken'))
    elif fault == 'empty-header':
        sections.insert(r.randint(0, len(sections)), Section(None, [('kv', 'region', 'x', [])], raw_header='[]'))
    elif fault == 'dup-default-key':
        sections.insert(0, Section('DEFAULT', [('kv', 'output', 'json', [])]))
        sections.append(Section('DEFAULT', [('kv', 'Output', 'text', [])]))


def apply_byte_fault(r, sc, data, fault):
    if fault == 'bom':
        return b'\xef\xbb\xbf' + data
    bad = b'\xff\xfe' if fault == 'bad-utf8' else b'\xed\xa0\x80'
    lines = data.split(b'\n')
    i = r.randint(0, len(lines) - 1) if lines else 0
    choice = r.random()
    if choice < 0.5:
        lines.insert(i, b'# caf' + bad + b'e')
    else:
        lines[i] = lines[i] + bad
    return b'\n'.join(lines)


# --------------------------------------------------------------------------------------
# scenario generation
# --------------------------------------------------------------------------------------

def pick_profile_name(r):
    return wchoice(r, PROFILE_POOL)


def choose_path(r, sc, default_rel, envvar, name, need_readable):
    """Decide where a file lives and how it is referred to.

    Returns rel path (relative to HOME) where the file should be written, or None if the
    reference cannot reach a file (undefined var / empty string)."""
    modes = [('default', 62), ('abs', 9), ('tilde', 7), ('var', 6), ('var-braces', 3),
             ('tilde-var', 3), ('relative', 3), ('var-is-tilde', 2)]
    if not need_readable:
        modes += [('undefined-var', 2), ('empty', 1)]
    mode = wchoice(r, modes)
    sub = 'custom%d' % r.randint(1, 3)
    fname = name + ('.ini' if r.random() < 0.3 else '')
    rel = '%s/%s' % (sub, fname)
    if mode != 'default':
        sc.tag('%s:path-%s' % (name, mode))
    if mode == 'default':
        return default_rel
    if mode == 'abs':
        sc.env[envvar] = HOME_MARK + '/' + rel
    elif mode == 'tilde':
        sc.env[envvar] = '~/' + rel
    elif mode == 'var':
        sc.env['CC_DIR_' + name.upper()] = HOME_MARK + '/' + sub
        sc.env[envvar] = '$CC_DIR_%s/%s' % (name.upper(), fname)
    elif mode == 'var-braces':
        sc.env['CC_DIR_' + name.upper()] = HOME_MARK + '/' + sub
        sc.env[envvar] = '${CC_DIR_%s}/%s' % (name.upper(), fname)
    elif mode == 'tilde-var':
        sc.env['CC_SUB'] = sub
        sc.env[envvar] = '~/$CC_SUB/' + fname
    elif mode == 'relative':
        sc.env[envvar] = rel
    elif mode == 'var-is-tilde':
        sc.env['CC_T'] = '~'
        sc.env[envvar] = '$CC_T/' + rel
    elif mode == 'undefined-var':
        sc.env[envvar] = '$CC_UNDEFINED_VAR/' + fname
        return None
    elif mode == 'empty':
        sc.env[envvar] = ''
        return None
    if r.random() < 0.3:
        sc.tag('%s:decoy-at-default' % name)
        sc.decoys.append(default_rel)
    return rel


def write_ini(r, sc, rel, sections, name, fault=None, lead=None):
    """Render sections into file `rel`, applying `fault`."""
    lead = list(lead or [])
    if r.random() < 0.1:
        lead.insert(0, r.choice(['# generated', '; comment', '', '   # indented comment']))
    if fault:
        sc.tag('fault:%s:%s' % (name, fault))
    if fault == 'dir':
        sc.add_dir(rel)
        return
    if fault in ('symlink', 'dangling-symlink'):
        real = 'real/%s' % name
        depth = rel.count('/')
        target = '../' * depth + real
        sc.add_symlink(rel, target)
        if fault == 'dangling-symlink':
            return
        rel = real
        fault = None
    if fault == 'empty-file':
        sc.add_file(rel, b'')
        return
    if fault == 'comment-only':
        sc.add_file(rel, b'# nothing here\n; really\n')
        return
    if fault == 'whitespace-only':
        sc.add_file(rel, b'\n   \n\t\n')
        return
    if fault in LINE_FAULTS:
        apply_line_fault(r, sc, sections, fault, lead)
    if fault == 'dup-DEFAULT-ok':
        sections.insert(0, Section('DEFAULT', [('kv', 'output', 'json', [])]))
        sections.append(Section('DEFAULT', [('kv', 'cli_pager', '', [])]))
    lines = render_sections(r, sc, sections, lead)
    if fault == 'indented-header' and len(sections) >= 2:
        # indent a later header: after a key line it becomes a continuation line
        for i in range(len(lines) - 1, 0, -1):
            if lines[i].startswith('[') and i > 0:
                lines[i] = '  ' + lines[i]
                break
    text = join_lines(r, sc, lines, name)
    data = text.encode('utf-8')
    if fault in BYTE_FAULTS:
        data = apply_byte_fault(r, sc, data, fault)
    sc.add_file(rel, data)


def gen_env_creds(r, sc, mode):
    e = sc.env
    if mode == 'none':
        return
    sc.tag('envcreds:' + mode)
    if mode in ('full', 'key_only', 'key_empty_secret'):
        e['AWS_ACCESS_KEY_ID'] = rand_akid(r)
    if mode == 'empty_key':
        e['AWS_ACCESS_KEY_ID'] = ''
        if r.random() < 0.6:
            e['AWS_SECRET_ACCESS_KEY'] = rand_secret(r)
    if mode == 'secret_only':
        e['AWS_SECRET_ACCESS_KEY'] = rand_secret(r)
    if mode == 'full':
        e['AWS_SECRET_ACCESS_KEY'] = rand_secret(r)
    if mode == 'key_empty_secret':
        e['AWS_SECRET_ACCESS_KEY'] = ''
    if mode in ('full', 'key_only', 'key_empty_secret'):
        t = wchoice(r, [('absent', 60), ('value', 30), ('empty', 10)])
        if t != 'absent':
            e['AWS_SESSION_TOKEN'] = rand_token(r) if t == 'value' else ''
            sc.tag('envtok:session-' + t)
        t = wchoice(r, [('absent', 78), ('value', 14), ('empty', 8)])
        if t != 'absent':
            e['AWS_SECURITY_TOKEN'] = rand_token(r) if t == 'value' else ''
            sc.tag('envtok:security-' + t)


def generate(seed, index, weights):
    r = random.Random('credchain-diff:%s:%s' % (seed, index))
    target = wchoice(r, sorted(weights.items()))
    sc = Scenario(index, target)
    sc.decoys = []
    sc.tag('target:' + target)
    chaos = target == 'chaos'

    # ---- 1. profile selection -------------------------------------------------------
    src = wchoice(r, [('none', 28), ('explicit', 27), ('AWS_PROFILE', 18), ('AWS_DEFAULT_PROFILE', 10),
                      ('both-env', 7), ('explicit+env', 7), ('empty-env', 3)])
    if target == 'profile_missing' and src == 'none':
        src = r.choice(['explicit', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE'])
    sc.tag('profsrc:' + src)
    name = pick_profile_name(r)
    if src == 'none':
        p_eff = 'default'
    elif src == 'explicit':
        sc.profile = name
        p_eff = name
    elif src in ('AWS_PROFILE', 'AWS_DEFAULT_PROFILE'):
        sc.env[src] = name
        p_eff = name
    elif src == 'both-env':
        other = pick_profile_name(r)
        sc.env['AWS_DEFAULT_PROFILE'] = name
        sc.env['AWS_PROFILE'] = other
        p_eff = name
    elif src == 'explicit+env':
        sc.profile = name
        sc.env[r.choice(['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'])] = r.choice([pick_profile_name(r), 'nope'])
        p_eff = name
    else:  # empty-env
        if r.random() < 0.5:
            sc.env['AWS_PROFILE'] = ''
        else:
            sc.env['AWS_DEFAULT_PROFILE'] = ''
            sc.env['AWS_PROFILE'] = pick_profile_name(r)
        p_eff = ''
    if src == 'explicit' and target in ('env', 'env_expiry', 'env_partial') and r.random() < 0.75:
        # an explicit profile disables the env provider; mostly use AWS_PROFILE instead
        sc.profile = None
        sc.env['AWS_PROFILE'] = name
        src = 'AWS_PROFILE'
        sc.tags.discard('profsrc:explicit')
        sc.tag('profsrc:AWS_PROFILE')
    profile_set = src != 'none'
    explicit = sc.profile is not None

    # ---- 2. plan per target ---------------------------------------------------------
    plan = {
        'env': 'none', 'exp': None,
        'cfg': None, 'cred': None,        # shape of p_eff's section in each file, or None
        'cfg_mistake': False, 'cred_mistake': False,
        'legacy': None, 'boto': None,
        'fault': None,                    # (file, fault)
        'imds': False, 'ensure_exists': profile_set,
    }

    def low_env():
        # env creds that must not produce env credentials
        if explicit:
            return wchoice(r, [('none', 60), ('full', 20), ('empty_key', 8), ('secret_only', 6), ('key_only', 6)])
        return wchoice(r, [('none', 84), ('empty_key', 9), ('secret_only', 7)])

    def no_cred_shape():
        return wchoice(r, [(None, 50), ('none', 35), ('secret_only', 15)])

    if target == 'env':
        plan['env'] = 'full'
        if r.random() < 0.25:
            plan['exp'] = wchoice(r, [('future', 85), ('empty', 15)])
        plan['cfg'] = wchoice(r, [(None, 50), ('full', 25), ('none', 25)])
        plan['cred'] = wchoice(r, [(None, 50), ('full', 25), ('none', 25)])
    elif target == 'env_partial':
        plan['env'] = r.choice(['key_only', 'key_empty_secret'])
        plan['cred'] = wchoice(r, [(None, 60), ('full', 40)])
    elif target == 'env_expiry':
        plan['env'] = 'full'
        plan['exp'] = wchoice(r, [('past', 60), ('future', 40)])
    elif target == 'shared':
        plan['env'] = low_env()
        plan['cred'] = wchoice(r, [('full', 88), ('empty_key', 6), ('full_empty_secret', 6)])
        plan['cfg'] = wchoice(r, [(None, 40), ('full', 30), ('none', 30)])
        plan['cred_mistake'] = r.random() < 0.05
    elif target == 'config':
        plan['env'] = low_env()
        plan['cfg'] = wchoice(r, [('full', 88), ('empty_key', 6), ('full_empty_secret', 6)])
        plan['cred'] = no_cred_shape()
        plan['cfg_mistake'] = r.random() < 0.1
    elif target == 'split':
        plan['env'] = low_env()
        plan['cred'], plan['cfg'] = r.choice([('key_only', 'secret_only'), ('secret_only', 'key_only'),
                                             ('key_only', None), (None, 'key_only'), ('key_only', 'full')])
    elif target in ('ec2', 'ec2_missing', 'ec2_keyerror'):
        plan['env'] = low_env()
        plan['cred'] = no_cred_shape()
        plan['cfg'] = no_cred_shape()
        plan['legacy'] = {'ec2': wchoice(r, [('ok', 90), ('no_key', 5), ('empty', 5)]),
                          'ec2_missing': r.choice(['missing', 'missing', 'dir', 'var', 'empty-path']),
                          'ec2_keyerror': 'no_secret'}[target]
        if r.random() < 0.3:
            plan['boto'] = 'ok'
    elif target in ('boto', 'boto_partial'):
        plan['env'] = low_env()
        plan['cred'] = no_cred_shape()
        plan['cfg'] = no_cred_shape()
        if r.random() < 0.15:
            plan['legacy'] = 'no_key'
        plan['boto'] = 'ok' if target == 'boto' else 'no_secret'
    elif target == 'profile_missing':
        plan['ensure_exists'] = False
        plan['env'] = wchoice(r, [('none', 50), ('full', 50)])
        if r.random() < 0.3:
            plan['cfg'] = 'full'
            plan['cfg_mistake'] = True
        if r.random() < 0.3:
            plan['cred'] = 'full'
            plan['cred_mistake'] = True
        if r.random() < 0.2:
            plan['legacy'] = 'ok'
    elif target == 'parse_error':
        plan['env'] = wchoice(r, [('none', 50), ('full', 30), ('empty_key', 20)])
        which = wchoice(r, [('cfg', 45), ('cred', 45), ('boto', 10)])
        plan['fault'] = (which, r.choice(FATAL_FAULTS))
        plan['cfg'] = wchoice(r, [(None, 30), ('full', 35), ('none', 35)])
        plan['cred'] = wchoice(r, [(None, 30), ('full', 35), ('none', 35)])
        if which == 'boto':
            plan['env'] = low_env()
            plan['cfg'] = no_cred_shape()
            plan['cred'] = no_cred_shape()
            plan['boto'] = 'ok'
    elif target == 'none':
        plan['env'] = low_env()
        plan['cfg'] = no_cred_shape()
        plan['cred'] = no_cred_shape()
        if r.random() < 0.3:
            plan['legacy'] = r.choice(['no_key', 'empty'])
        if r.random() < 0.4:
            plan['boto'] = r.choice(['wrongcase', 'env-missing', 'no_key', 'dir'])
    elif target == 'imds_cfg':
        plan['imds'] = True
        plan['env'] = wchoice(r, [('none', 50), ('full', 50)])
        plan['cfg'] = wchoice(r, [('full', 50), ('none', 50)])
        plan['cred'] = wchoice(r, [(None, 50), ('full', 50)])
    else:  # chaos
        plan['env'] = wchoice(r, [('none', 55), ('full', 15), ('empty_key', 8), ('secret_only', 7),
                                  ('key_only', 8), ('key_empty_secret', 7)])
        plan['exp'] = wchoice(r, [(None, 80), ('future', 8), ('past', 8), ('empty', 4)])
        shapes = [(None, 30), ('full', 25), ('none', 15), ('key_only', 10), ('secret_only', 10),
                  ('empty_key', 5), ('full_empty_secret', 5)]
        plan['cfg'] = wchoice(r, shapes)
        plan['cred'] = wchoice(r, shapes)
        plan['cfg_mistake'] = r.random() < 0.1
        plan['cred_mistake'] = r.random() < 0.1
        plan['legacy'] = wchoice(r, [(None, 70), ('ok', 10), ('no_secret', 5), ('no_key', 5),
                                     ('missing', 5), ('empty', 5)])
        plan['boto'] = wchoice(r, [(None, 60), ('ok', 15), ('no_secret', 5), ('wrongcase', 5),
                                   ('env-missing', 5), ('broken', 5), ('dir', 5)])
        plan['imds'] = r.random() < 0.05
        if r.random() < 0.08:
            plan['fault'] = (r.choice(['cfg', 'cred', 'boto']), r.choice(FATAL_FAULTS + SOFT_FAULTS))
        plan['ensure_exists'] = profile_set and r.random() < 0.7

    # Soft (non-fatal or may-be-fatal) faults sprinkled over every target.
    if plan['fault'] is None and not chaos and r.random() < 0.10:
        which = r.choice(['cfg', 'cred'])
        soft = r.choice(SOFT_FAULTS)
        if soft in ('dir', 'empty-file', 'dangling-symlink', 'comment-only', 'whitespace-only') \
                and plan[which] is not None and target not in ('none', 'profile_missing'):
            soft = r.choice(['dup-DEFAULT-ok', 'symlink', 'indented-header'])
        plan['fault'] = (which, soft)
    # A small rate of fatal faults everywhere (keeps parse errors interleaved with everything).
    if plan['fault'] is None and not chaos and target != 'parse_error' and r.random() < 0.03:
        plan['fault'] = (r.choice(['cfg', 'cred']), r.choice(FATAL_FAULTS))

    # ---- 3. env ----------------------------------------------------------------------
    gen_env_creds(r, sc, plan['env'])
    if plan['exp']:
        sc.env['AWS_CREDENTIAL_EXPIRATION'] = {'future': '2099-01-01T00:00:00Z',
                                               'past': '2001-01-01T00:00:00Z', 'empty': ''}[plan['exp']]
        sc.tag('exp:' + plan['exp'])
    if r.random() < 0.08:
        sc.env['AWS_ACCOUNT_ID'] = ''.join(r.choice(string.digits) for _ in range(12))
    if r.random() < 0.15:
        sc.env['AWS_DEFAULT_REGION'] = r.choice(['us-east-1', 'eu-west-1', ''])
    if r.random() < 0.08:
        sc.env['AWS_REGION'] = 'ap-south-1'

    # ---- 4. config and credentials files ---------------------------------------------
    fault_file, fault = plan['fault'] if plan['fault'] else (None, None)
    gen_config_file(r, sc, plan, p_eff, profile_set, fault if fault_file == 'cfg' else None)
    gen_credentials_file(r, sc, plan, p_eff, profile_set, fault if fault_file == 'cred' else None)

    # ---- 5. legacy EC2 file and boto2 file -------------------------------------------
    if plan['legacy']:
        gen_legacy(r, sc, plan['legacy'])
    if plan['boto'] or fault_file == 'boto':
        gen_boto(r, sc, plan['boto'] or 'ok', fault if fault_file == 'boto' else None)

    # decoys: files at default locations that must be ignored because a custom path is used
    for rel in sc.decoys:
        if not any(f['path'] == rel for f in sc.files):
            sec = Section('default' if 'config' in rel else 'default',
                          build_items(r, sc, cred_kvs(r, sc, 'full')))
            extra = [Section(cfg_header(r, sc, p_eff) if 'config' in rel else p_eff or 'x',
                             build_items(r, sc, cred_kvs(r, sc, 'full')))] if p_eff != 'default' else []
            write_ini(r, sc, rel, [sec] + extra, 'decoy')
    check_offline(sc)
    return sc


def maybe_other_sections(r, sc, names_to_avoid, cfg):
    secs = []
    for _ in range(wchoice(r, [(0, 35), (1, 35), (2, 20), (3, 10)])):
        n = r.choice(OTHER_NAMES)
        if n in names_to_avoid:
            continue
        names_to_avoid.add(n)
        shape = wchoice(r, [('full', 40), ('none', 40), ('key_only', 10), ('secret_only', 10)])
        hdr = cfg_header(r, sc, n) if cfg else n
        secs.append(Section(hdr, build_items(r, sc, cred_kvs(r, sc, shape) + other_kvs(r, r.randint(0, 2)))))
    return secs


def junk_cfg_sections(r, sc):
    secs = []
    if r.random() < 0.15:
        for _ in range(r.randint(1, 2)):
            h = r.choice(['preview', 'plugins', 'profile', 'profile a b', 'Default', ' default ',
                          'sso-session corp', 'services local', 'profile "unbalanced', 'a]b',
                          'PROFILE dev', 'profile a\\ b c'])
            shape = r.choice(['full', 'none'])
            kvs = other_kvs(r, 1) if h.startswith(('sso-session', 'services')) else cred_kvs(r, sc, shape)
            secs.append(Section(h, build_items(r, sc, kvs)))
            sc.tag('cfg:junk-section')
    return secs


def default_section(r, sc, name):
    """A [DEFAULT] section (inherited by every section of that file)."""
    kvs = other_kvs(r, r.randint(0, 2))
    x = r.random()
    if x < 0.35:
        kvs += [('aws_access_key_id', rand_akid(r))]
    elif x < 0.55:
        kvs += [('aws_secret_access_key', rand_secret(r))]
    elif x < 0.7:
        kvs += [('aws_session_token', rand_token(r))]
    sc.tag('%s:DEFAULT-section' % name)
    return Section('DEFAULT', build_items(r, sc, kvs, allow_nested=False))


def imds_kvs(r, sc):
    kvs = []
    if r.random() < 0.6:
        kvs.append(('metadata_service_timeout', r.choice(['1', '2', '+3', '1_0', 'abc', '1.5', '0x10',
                                                          '\u0663', '\uff11', '-1', ''])))
    if r.random() < 0.5:
        kvs.append(('metadata_service_num_attempts', r.choice(['1', '3', 'two', '', ' 4'])))
    if r.random() < 0.4:
        kvs.append(('ec2_metadata_service_endpoint_mode', r.choice(['ipv4', 'IPv6', 'IPV4', 'ipv5', ''])))
    if r.random() < 0.2:
        kvs.append(('imds_use_ipv6', r.choice(['true', 'false', 'yes'])))
    if not kvs:
        kvs.append(('metadata_service_timeout', 'abc'))
    sc.tag('imds-keys')
    return kvs


def gen_config_file(r, sc, plan, p_eff, profile_set, fault):
    shape = plan['cfg']
    need = shape is not None or (plan['ensure_exists'] and r.random() < 0.5) or plan['imds']
    present = need or r.random() < 0.5 or fault is not None
    if not present:
        sc.tag('cfg:absent')
        return
    rel = choose_path(r, sc, '.aws/config', 'AWS_CONFIG_FILE', 'config', need_readable=need or bool(fault))
    if rel is None:
        return
    sc.cfg_rel = rel
    sections = []
    avoid = {p_eff}
    if shape is not None or need:
        kvs = cred_kvs(r, sc, shape) if shape not in (None, 'none') else []
        kvs += other_kvs(r, r.randint(0, 2))
        if plan['imds']:
            kvs += imds_kvs(r, sc)
        if not kvs:
            kvs = other_kvs(r, 1)
        sections.append(Section(cfg_header(r, sc, p_eff, correct=not plan['cfg_mistake']),
                                build_items(r, sc, kvs)))
        sc.cfg_has_p = not plan['cfg_mistake']
        if not plan['cfg_mistake'] and r.random() < 0.06:
            # the same profile spelled twice: the later section replaces the earlier entirely
            alt = Section(cfg_header(r, sc, p_eff), build_items(r, sc, cred_kvs(r, sc, r.choice(['full', 'none', 'key_only']))))
            if alt.header != sections[0].header:
                sections.insert(0 if r.random() < 0.5 else 1, alt)
                sc.tag('cfg:alias-sections')
    if p_eff != 'default' and r.random() < 0.3:
        sections.append(Section('default', build_items(r, sc, cred_kvs(r, sc, r.choice(['full', 'none'])))))
        avoid.add('default')
    if r.random() < 0.06:
        # [default] and [profile default]: the later one replaces the earlier one
        a = Section('default', build_items(r, sc, cred_kvs(r, sc, r.choice(['full', 'none', 'key_only']))))
        b = Section('profile default', build_items(r, sc, cred_kvs(r, sc, r.choice(['full', 'full', 'none', 'secret_only']))))
        sections = [s for s in sections if s.header not in ('default', 'profile default')]
        sections += [a, b] if r.random() < 0.5 else [b, a]
        sc.tag('cfg:default+profile-default')
        avoid.add('default')
    sections += maybe_other_sections(r, sc, avoid, cfg=True)
    sections += junk_cfg_sections(r, sc)
    if r.random() < 0.3:
        r.shuffle(sections)
    if r.random() < 0.06:
        sections.insert(r.randint(0, len(sections)), default_section(r, sc, 'cfg'))
    if plan['imds'] and r.random() < 0.2:
        # the imds keys in [default] too (used when the profile is default / unset)
        sections.append(Section('profile default' if any(s.header == 'default' for s in sections) else 'default',
                                build_items(r, sc, imds_kvs(r, sc))))
    write_ini(r, sc, rel, sections, 'cfg', fault)


def gen_credentials_file(r, sc, plan, p_eff, profile_set, fault):
    shape = plan['cred']
    cfg_has = getattr(sc, 'cfg_has_p', False)
    need = shape is not None or (plan['ensure_exists'] and not cfg_has and p_eff != '')
    present = need or r.random() < 0.5 or fault is not None
    if not present:
        sc.tag('cred:absent')
        return
    if 'AWS_CONFIG_FILE' in sc.env and getattr(sc, 'cfg_rel', None) and fault is None and r.random() < 0.12:
        # both variables name the same file
        sc.env['AWS_SHARED_CREDENTIALS_FILE'] = sc.env['AWS_CONFIG_FILE']
        sc.tag('credentials:same-file-as-config')
        return
    rel = choose_path(r, sc, '.aws/credentials', 'AWS_SHARED_CREDENTIALS_FILE', 'credentials',
                      need_readable=need or bool(fault))
    if rel is None:
        return
    sections = []
    avoid = {p_eff}
    if need:
        kvs = cred_kvs(r, sc, shape) if shape not in (None, 'none') else []
        kvs += other_kvs(r, r.randint(0, 1))
        if plan['imds'] and r.random() < 0.3:
            kvs += imds_kvs(r, sc)
        if not kvs:
            kvs = other_kvs(r, 1)
        hdr = cred_header(r, sc, p_eff, correct=not plan['cred_mistake'])
        if hdr == '':
            hdr = 'x'
        sections.append(Section(hdr, build_items(r, sc, kvs)))
    sections += maybe_other_sections(r, sc, avoid, cfg=False)
    if r.random() < 0.08:
        # a profile literally called "profile dev" in the credentials file
        sections.append(Section('profile dev', build_items(r, sc, cred_kvs(r, sc, 'full'))))
        sc.tag('cred:profile-prefixed-section')
    if r.random() < 0.05:
        h = r.choice(['Default', ' default ', 'DEFAULT'])
        sections.append(Section(h, build_items(r, sc, cred_kvs(r, sc, 'full'))))
        sc.tag('cred:odd-default')
    if r.random() < 0.3:
        r.shuffle(sections)
    if r.random() < 0.07:
        sections.insert(r.randint(0, len(sections)), default_section(r, sc, 'cred'))
    write_ini(r, sc, rel, sections, 'cred', fault)


def gen_legacy(r, sc, mode):
    sc.tag('legacy:' + mode)
    path_mode = wchoice(r, [('abs', 60), ('tilde', 30), ('relative', 10)])
    rel = 'legacy/ec2-cred%d' % r.randint(1, 2)
    if mode == 'missing':
        sc.env['AWS_CREDENTIAL_FILE'] = r.choice([HOME_MARK + '/nope/cred', '~/nope/cred', 'nope'])
        return
    if mode == 'empty-path':
        sc.env['AWS_CREDENTIAL_FILE'] = ''
        return
    if mode == 'var':
        # $VAR is NOT expanded for AWS_CREDENTIAL_FILE
        sc.env['CC_LEG'] = HOME_MARK + '/legacy'
        sc.env['AWS_CREDENTIAL_FILE'] = '$CC_LEG/ec2-cred1'
        mode = 'ok'
        rel = 'legacy/ec2-cred1'
    else:
        sc.env['AWS_CREDENTIAL_FILE'] = {'abs': HOME_MARK + '/' + rel, 'tilde': '~/' + rel,
                                         'relative': rel}[path_mode]
    if mode == 'dir':
        sc.add_dir(rel)
        return
    lines = []
    key = rand_akid(r)
    sec = rand_secret(r)

    def kv(k, v):
        return r.choice(['', '', ' ', '\t']) + k + r.choice(['=', ' = ', '= ', ' =']) + v + r.choice(['', '', ' ', '\t'])
    if mode in ('ok', 'no_secret'):
        lines.append(kv('AWSAccessKeyId', key))
    if mode in ('ok', 'no_key'):
        lines.append(kv('AWSSecretKey', sec if r.random() > 0.05 else sec[:5] + '=' + sec[5:]))
    if mode == 'no_key' and r.random() < 0.5:
        lines.append(kv('awsaccesskeyid', key))
    r.shuffle(lines)
    if r.random() < 0.4:
        junk = r.choice(['# comment line', '[Credentials]', 'junk without equals', '', 'AWSAccessKeyId',
                         '# AWSSecretKey=commented'])
        lines.insert(r.randint(0, len(lines)), junk)
        sc.tag('legacy:junk')
    if mode == 'ok' and r.random() < 0.1:
        lines.insert(0, kv('AWSAccessKeyId', rand_akid(r)))   # duplicate: the later one wins
        sc.tag('legacy:dup-key')
    if mode == 'empty':
        lines = []
    eol = wchoice(r, [('\n', 75), ('\r\n', 15), ('\r', 5), ('\x0c', 2), ('\u2028', 2), ('\x1e', 1),
                      ('\x85', 1), ('\x0b', 1), ('\x1d', 1)])
    if eol not in ('\n',):
        sc.tag('legacy:eol-%r' % eol)
    text = eol.join(lines) + (eol if r.random() < 0.8 else '')
    data = text.encode('utf-8')
    if mode == 'ok' and r.random() < 0.03:
        data = b'\xef\xbb\xbf' + data
        sc.tag('legacy:bom')
    sc.add_file(rel, data)


def gen_boto(r, sc, mode, fault):
    sc.tag('boto:' + mode)
    where = wchoice(r, [('env', 55), ('dotboto', 30), ('env-tilde', 10), ('env-var', 5)])
    if mode in ('env-missing', 'dir'):
        where = 'env'
    rel = '.boto' if where == 'dotboto' else 'boto/boto%d.cfg' % r.randint(1, 2)
    if where == 'env':
        sc.env['BOTO_CONFIG'] = HOME_MARK + '/' + rel
    elif where == 'env-tilde':
        sc.env['BOTO_CONFIG'] = '~/' + rel
    elif where == 'env-var':
        sc.env['CC_BOTO'] = HOME_MARK + '/boto'
        sc.env['BOTO_CONFIG'] = '$CC_BOTO/' + rel.split('/')[-1]
    sc.tag('boto-at:' + where)
    if mode == 'env-missing':
        sc.env['BOTO_CONFIG'] = HOME_MARK + '/boto/missing.cfg'
        if r.random() < 0.7:
            # ~/.boto exists but BOTO_CONFIG wins and has no fallback
            write_ini(r, sc, '.boto', [Section('Credentials', build_items(r, sc, cred_kvs(r, sc, 'full')[:2], False))], 'boto')
        return
    if mode == 'dir':
        sc.add_dir(rel)
        return
    kvs = [('aws_access_key_id', rand_akid(r)), ('aws_secret_access_key', rand_secret(r))]
    if mode == 'no_secret':
        kvs = kvs[:1]
    if mode == 'no_key':
        kvs = kvs[1:]
    if r.random() < 0.2:
        kvs.append(('aws_session_token', rand_token(r)))   # ignored by boto-config
    secs = [Section('credentials' if mode == 'wrongcase' else 'Credentials', build_items(r, sc, kvs))]
    if r.random() < 0.3:
        secs.append(Section('Boto', build_items(r, sc, [('debug', '0'), ('num_retries', '3')])))
    if r.random() < 0.3:
        r.shuffle(secs)
    if mode == 'broken' and fault is None:
        fault = r.choice(FATAL_FAULTS)
    write_ini(r, sc, rel, secs, 'boto', fault)


def check_offline(sc):
    for k in sc.env:
        assert not k.startswith(FORBIDDEN_ENV_PREFIXES), (sc.index, k)
        for bad in FORBIDDEN_SUBSTRINGS:
            assert bad not in k.lower(), (sc.index, k)
    assert sc.env.get('AWS_EC2_METADATA_DISABLED', 'true') == 'true'
    for f in sc.files:
        if f['type'] != 'file':
            continue
        low = f['data'].decode('utf-8', 'replace').lower()
        for bad in FORBIDDEN_SUBSTRINGS:
            assert bad not in low, (sc.index, f['path'], bad)


# --------------------------------------------------------------------------------------
# materialisation
# --------------------------------------------------------------------------------------

BASE_ENV_KEYS = ('PATH',)


def base_env(home):
    return {'PATH': os.environ.get('PATH', '/usr/local/bin:/usr/bin:/bin'), 'HOME': home,
            'LANG': 'C.UTF-8', 'AWS_EC2_METADATA_DISABLED': 'true'}


def scenario_env(sc, home):
    env = base_env(home)
    for k, v in sc.env.items():
        env[k] = v.replace(HOME_MARK, home)
    env['HOME'] = home
    env['AWS_EC2_METADATA_DISABLED'] = 'true'
    return env


def materialise(sc, home):
    os.makedirs(home, exist_ok=True)
    for f in sc.files:
        p = os.path.join(home, f['path'])
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if f['type'] == 'dir':
            os.makedirs(p, exist_ok=True)
        elif f['type'] == 'symlink':
            if not os.path.lexists(p):
                os.symlink(f['target'], p)
        else:
            if os.path.isdir(p) and not os.path.islink(p):
                continue
            with open(p, 'wb') as fh:
                fh.write(f['data'])


# --------------------------------------------------------------------------------------
# botocore side (worker process)
# --------------------------------------------------------------------------------------

def botocore_resolve(profile, net_flag):
    import botocore.session
    try:
        if profile:
            # `--profile ''` is ignored by the AWS CLI (awscli/clidriver.py:
            # `if args.profile: self.session.set_config_variable('profile', ...)`)
            # and by credchain, so an empty explicit profile means "no explicit profile".
            s = botocore.session.Session(profile=profile)
        else:
            s = botocore.session.Session()
        c = s.get_credentials()
        if c is None:
            res = {'none': True}
        else:
            ak, sk, tok, m = c.access_key, c.secret_key, c.token, c.method
            exp = getattr(c, '_expiry_time', None)
            res = {'method': m, 'access_key': ak, 'secret_key': sk, 'token': tok,
                   'expiration': exp.isoformat() if exp is not None else None}
            for k in ('access_key', 'secret_key', 'token'):
                if res[k] is not None and not isinstance(res[k], str):
                    res[k] = {'non-string': repr(res[k])}
    except Exception as e:  # noqa: BLE001 - we record every escaping exception type
        res = {'error': type(e).__name__, 'message': str(e)}
    if net_flag and net_flag[0]:
        res['network'] = True
    return res


def install_network_guard():
    import socket
    flag = [False]

    def deny(*a, **k):
        flag[0] = True
        raise OSError('credchain-diff: network access attempted')
    socket.socket.connect = deny
    socket.socket.connect_ex = deny
    socket.create_connection = deny
    socket.getaddrinfo = deny
    return flag


def worker_main():
    flag = install_network_guard()
    import botocore.session  # noqa: F401  (import once)
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        os.environ.clear()
        os.environ.update(req['env'])
        os.chdir(req['cwd'])
        flag[0] = False
        res = botocore_resolve(req['profile'], flag)
        out.write(json.dumps(res) + '\n')
        out.flush()


def botocore_once_main(profile):
    flag = install_network_guard()
    print(json.dumps(botocore_resolve(profile, flag), indent=1))


class Worker:
    def __init__(self, home):
        env = base_env(home)
        self.p = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--worker'],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=home,
                                  text=True, encoding='utf-8', bufsize=1)

    def run(self, env, cwd, profile):
        self.p.stdin.write(json.dumps({'env': env, 'cwd': cwd, 'profile': profile}) + '\n')
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError('botocore worker died (rc=%s)' % self.p.poll())
        return json.loads(line)

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.p.kill()


# --------------------------------------------------------------------------------------
# credchain side
# --------------------------------------------------------------------------------------

class BinaryCrash(Exception):
    pass


def run_binary(binary, args, env, cwd):
    try:
        p = subprocess.run([binary] + args, env=env, cwd=cwd, capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise BinaryCrash('timeout running %s' % ' '.join(args))
    except OSError as e:
        raise BinaryCrash('cannot run %s: %s' % (binary, e))
    return p


def ours_resolve(binary, profile, env, cwd):
    pargs = ['--profile', profile] if profile is not None else []
    p = run_binary(binary, ['explain', '--output', 'json'] + pargs, env, cwd)
    out = p.stdout.decode('utf-8', 'replace')
    err = p.stderr.decode('utf-8', 'replace')
    if p.returncode not in (0, 1):
        raise BinaryCrash('explain exited %s; stderr: %s; stdout: %s' % (p.returncode, err.strip()[-400:], out.strip()[-400:]))
    try:
        j = json.loads(out)
    except ValueError:
        raise BinaryCrash('explain printed non-JSON (rc %s): %r; stderr: %s' % (p.returncode, out[:300], err.strip()[-300:]))
    if not isinstance(j, dict):
        raise BinaryCrash('explain printed a JSON %s' % type(j).__name__)
    if 'error' in j and j['error'] is not None:
        e = j['error']
        if p.returncode != 1:
            raise BinaryCrash('explain reported an error but exited %s' % p.returncode)
        kind = e.get('kind') if isinstance(e, dict) else str(e)
        msg = e.get('message') if isinstance(e, dict) else None
        if kind == 'NoCredentialsError':
            return {'none': True, 'message': msg}
        return {'error': kind, 'message': msg}
    if p.returncode != 0:
        raise BinaryCrash('explain exited 1 without an "error" field: %r' % out[:300])
    res = {'method': j.get('method'), 'explain_access_key': j.get('access_key_id'),
           'expiration': j.get('expiration'), 'profile': j.get('profile')}
    p2 = run_binary(binary, ['configure', 'export-credentials', '--format', 'process'] + pargs, env, cwd)
    out2 = p2.stdout.decode('utf-8', 'replace')
    if p2.returncode != 0:
        res['export_error'] = 'rc=%s stderr=%s stdout=%s' % (p2.returncode, p2.stderr.decode('utf-8', 'replace').strip()[-300:], out2.strip()[-200:])
        return res
    try:
        x = json.loads(out2)
    except ValueError:
        res['export_error'] = 'non-JSON: %r' % out2[:300]
        return res
    res['access_key'] = x.get('AccessKeyId')
    res['secret_key'] = x.get('SecretAccessKey')
    res['token'] = x.get('SessionToken')
    res['token_present'] = 'SessionToken' in x
    res['export_expiration'] = x.get('Expiration')
    return res


def parse_ts(s):
    if s is None:
        return None
    try:
        return datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))
    except (ValueError, AttributeError):
        return 'unparseable:%r' % (s,)


def compare(b, o):
    """Return (list of hard differences, list of message differences)."""
    diffs, msgdiffs = [], []
    if 'none' in b:
        if 'none' not in o:
            diffs.append('outcome: botocore=no-credentials ours=%s' % outcome_of(o))
        return diffs, msgdiffs
    if 'error' in b:
        if o.get('error') != b['error']:
            diffs.append('outcome: botocore=error:%s ours=%s' % (b['error'], outcome_of(o)))
        elif (o.get('message') or '') != (b.get('message') or ''):
            msgdiffs.append((b['error'], b.get('message'), o.get('message')))
        return diffs, msgdiffs
    if 'method' not in o:
        diffs.append('outcome: botocore=%s ours=%s' % (b['method'], outcome_of(o)))
        return diffs, msgdiffs
    if o['method'] != b['method']:
        diffs.append('method: botocore=%r ours=%r' % (b['method'], o['method']))
    if o.get('explain_access_key') != b['access_key']:
        diffs.append('explain access_key_id: botocore=%r ours=%r' % (b['access_key'], o.get('explain_access_key')))
    if 'export_error' in o:
        diffs.append('export-credentials failed: %s' % o['export_error'])
        return diffs, msgdiffs
    if o.get('access_key') != b['access_key']:
        diffs.append('AccessKeyId: botocore=%r ours=%r' % (b['access_key'], o.get('access_key')))
    if o.get('secret_key') != b['secret_key']:
        diffs.append('SecretAccessKey: botocore=%r ours=%r' % (b['secret_key'], o.get('secret_key')))
    if b['token'] is None:
        if o.get('token_present'):
            diffs.append('SessionToken: botocore=None ours=%r' % o.get('token'))
    elif not o.get('token_present') or o.get('token') != b['token']:
        diffs.append('SessionToken: botocore=%r ours=%s' % (b['token'], repr(o.get('token')) if o.get('token_present') else '<absent>'))
    be, oe = parse_ts(b.get('expiration')), parse_ts(o.get('expiration'))
    if be != oe:
        diffs.append('expiration: botocore=%r ours(explain)=%r' % (b.get('expiration'), o.get('expiration')))
    return diffs, msgdiffs


def outcome_of(res):
    if res is None:
        return '?'
    if 'none' in res:
        return 'no-credentials'
    if 'error' in res:
        return 'error:%s' % res['error']
    return res.get('method') or '?'


def short(res):
    if res is None:
        return 'null'
    d = {k: v for k, v in res.items() if v is not None and k not in ('token_present',)}
    return json.dumps(d, ensure_ascii=True)


# --------------------------------------------------------------------------------------
# keep-failures
# --------------------------------------------------------------------------------------

def sh_value(v, home_var='$H'):
    parts = v.split(HOME_MARK)
    return ('"%s"' % home_var).join(shlex.quote(p) if p else '' for p in parts) or "''"


def keep_failure(dirpath, sc, home, bres, ores, diffs, binary):
    d = os.path.join(dirpath, str(sc.index))
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    shutil.copytree(home, os.path.join(d, 'home'), symlinks=True)
    with open(os.path.join(d, 'scenario.json'), 'w') as f:
        json.dump(sc.to_json(), f, indent=1, ensure_ascii=False)
    with open(os.path.join(d, 'results.json'), 'w') as f:
        json.dump({'botocore': bres, 'ours': ores, 'differences': diffs}, f, indent=1, ensure_ascii=False)
    envs = ' '.join('%s=%s' % (k, sh_value(v)) for k, v in sorted(sc.env.items()))
    pargs = (' --profile ' + shlex.quote(sc.profile)) if sc.profile is not None else ''
    harness = os.path.abspath(__file__)
    script = """#!/bin/sh
# Reproduce differential scenario {idx}: {desc}
# usage: sh repro.sh [BINARY]      (files are in ./home, which becomes HOME and cwd)
HERE=$(cd "$(dirname "$0")" && pwd)
H="$HERE/home"
BIN="${{1:-{binary}}}"
cd "$H" || exit 1
run() {{ env -i PATH="$PATH" HOME="$H" LANG=C.UTF-8 AWS_EC2_METADATA_DISABLED=true {envs} "$@"; }}
echo '--- botocore'
run {py} {harness} --botocore-once{pargs}
echo '--- credchain explain'
run "$BIN" explain --output json{pargs}
echo "(rc=$?)"
echo '--- credchain configure export-credentials'
run "$BIN" configure export-credentials --format process{pargs}
echo "(rc=$?)"
""".format(idx=sc.index, desc=sc.describe().replace('\n', ' '), binary=binary, envs=envs,
           py=shlex.quote(sys.executable), harness=shlex.quote(harness), pargs=pargs)
    with open(os.path.join(d, 'repro.sh'), 'w') as f:
        f.write(script)
    os.chmod(os.path.join(d, 'repro.sh'), 0o755)


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------

def parse_weights(spec):
    w = dict(TARGET_WEIGHTS)
    if spec:
        for part in spec.split(','):
            k, v = part.split('=')
            if k not in w:
                raise SystemExit('unknown target %r (known: %s)' % (k, ', '.join(sorted(w))))
            w[k] = float(v)
    return {k: v for k, v in w.items() if v > 0}


def dump_scenario(sc):
    print('# scenario %d: %s' % (sc.index, sc.describe()))
    print('# explicit profile: %r' % (sc.profile,))
    for k, v in sorted(sc.env.items()):
        print('env %s=%r' % (k, v))
    for f in sc.files:
        if f['type'] == 'file':
            print('--- %s (%d bytes)' % (f['path'], len(f['data'])))
            print(repr(f['data'].decode('utf-8', 'backslashreplace')))
        else:
            print('--- %s: %s %s' % (f['path'], f['type'], f.get('target', '')))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary')
    ap.add_argument('--scenarios', type=int, default=600)
    ap.add_argument('--seed', default='1')
    ap.add_argument('--keep-failures')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--botocore-only', action='store_true')
    ap.add_argument('--only')
    ap.add_argument('--dump', type=int)
    ap.add_argument('--weights')
    ap.add_argument('--check-messages', action='store_true')
    ap.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--botocore-once', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--profile', help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        worker_main()
        return 0
    if args.botocore_once:
        botocore_once_main(args.profile)
        return 0

    weights = parse_weights(args.weights)
    if args.dump is not None:
        dump_scenario(generate(args.seed, args.dump, weights))
        return 0

    indices = list(range(args.scenarios))
    if args.only:
        indices = [int(x) for x in args.only.split(',') if x.strip()]

    binary = None
    if not args.botocore_only:
        if not args.binary:
            ap.error('--binary is required (or use --botocore-only)')
        binary = os.path.abspath(args.binary)
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            print('ERROR: credchain binary not found or not executable: %s' % binary)
            print('differential: 0 passed, %d failed' % len(indices))
            return 1

        # preflight: the binary must answer `explain --output json` in an empty HOME
        pre = tempfile.mkdtemp(prefix='credchain-diff-pre-')
        try:
            ours_resolve(binary, None, base_env(pre), pre)
        except (BinaryCrash, OSError) as e:
            print('ERROR: credchain binary %s does not work with `explain --output json`: %s' % (binary, e))
            print('differential: 0 passed, %d failed' % len(indices))
            return 1
        finally:
            shutil.rmtree(pre, ignore_errors=True)

    t0 = time.time()
    scenarios = [generate(args.seed, i, weights) for i in indices]
    tmp_root = tempfile.mkdtemp(prefix='credchain-diff-')
    local = threading.local()
    workers = []
    wlock = threading.Lock()

    def get_worker():
        w = getattr(local, 'w', None)
        if w is None:
            whome = os.path.join(tmp_root, 'worker-%d' % threading.get_ident())
            os.makedirs(whome, exist_ok=True)
            w = local.w = Worker(whome)
            with wlock:
                workers.append(w)
        return w

    def run_one(sc):
        home = os.path.join(tmp_root, 's%05d' % sc.index)
        materialise(sc, home)
        env = scenario_env(sc, home)
        bres = get_worker().run(env, home, sc.profile)
        ores, crash = None, None
        if binary:
            try:
                ores = ours_resolve(binary, sc.profile, env, home)
            except BinaryCrash as e:
                crash = str(e)
        diffs, msgdiffs = ([], []) if (ores is None) else compare(bres, ores)
        if crash:
            diffs = ['CRASH: ' + crash]
        if args.check_messages and msgdiffs:
            diffs += ['message: botocore=%r ours=%r' % (m[1], m[2]) for m in msgdiffs]
        if diffs and args.keep_failures:
            keep_failure(os.path.abspath(args.keep_failures), sc, home, bres, ores, diffs, binary)
        shutil.rmtree(home, ignore_errors=True)
        return sc, bres, ores, diffs, msgdiffs, crash

    results = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            for res in ex.map(run_one, scenarios):
                results.append(res)
    finally:
        for w in workers:
            w.close()
        shutil.rmtree(tmp_root, ignore_errors=True)

    # ---- report ------------------------------------------------------------------------
    tally = collections.Counter()
    by_target = collections.defaultdict(collections.Counter)
    feature = collections.Counter()
    fail_by_outcome = collections.Counter()
    harness_errors = []
    failed = passed = crashes = 0
    msg_examples = {}
    for sc, bres, ores, diffs, msgdiffs, crash in results:
        oc = outcome_of(bres)
        tally[oc] += 1
        by_target[sc.target][oc] += 1
        for t in sc.tags:
            feature[t.split(':')[0] if t.startswith(('target:',)) else t] += 1
        if bres.get('network'):
            harness_errors.append('scenario %d: botocore attempted network access: %s' % (sc.index, short(bres)))
        if 'method' in bres and bres['method'] not in OFFLINE_METHODS:
            harness_errors.append('scenario %d: botocore used non-offline method %r' % (sc.index, bres['method']))
        for m in msgdiffs:
            msg_examples.setdefault((m[0], m[1] if m[0] != 'ConfigParseError' else 'path'), (sc.index, m))
        if binary is None:
            continue
        if diffs:
            failed += 1
            fail_by_outcome[oc] += 1
            if crash:
                crashes += 1
            print('MISMATCH #%d %s' % (sc.index, sc.describe()))
            for d in diffs:
                print('    %s' % d)
            print('    botocore: %s' % short(bres))
            print('    ours:     %s' % short(ores))
        else:
            passed += 1

    print()
    print('botocore outcome tally over %d scenarios (seed %s):' % (len(results), args.seed))
    for oc, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
        extra = (' (%d failed)' % fail_by_outcome[oc]) if fail_by_outcome.get(oc) else ''
        print('  %-32s %4d%s' % (oc, n, extra))
    print('by target:')
    for t in sorted(by_target):
        c = by_target[t]
        print('  %-16s %s' % (t, ', '.join('%s=%d' % kv for kv in sorted(c.items(), key=lambda kv: -kv[1]))))
    feats = sorted((k, v) for k, v in feature.items() if not k.startswith('target'))
    print('features exercised (scenario counts):')
    line = '  '
    for k, v in feats:
        item = '%s=%d  ' % (k, v)
        if len(line) + len(item) > 110:
            print(line.rstrip())
            line = '  '
        line += item
    print(line.rstrip())
    if msg_examples:
        print('error-message differences (%s):' % ('counted as failures' if args.check_messages else 'informational, not counted'))
        for (kind, _), (idx, m) in sorted(msg_examples.items())[:15]:
            print('  #%d %s: botocore=%r ours=%r' % (idx, kind, m[1], m[2]))
    for h in harness_errors:
        print('HARNESS ERROR: ' + h)
    print('elapsed: %.1fs' % (time.time() - t0))
    if binary is None:
        print('botocore-only: %d scenarios, %d harness errors' % (len(results), len(harness_errors)))
        return 1 if harness_errors else 0
    if crashes:
        print('NOTE: the credchain binary crashed / misbehaved in %d scenarios (see CRASH lines)' % crashes)
    print('differential: %d passed, %d failed' % (passed, failed))
    return 1 if (failed or harness_errors) else 0


if __name__ == '__main__':
    sys.exit(main())
