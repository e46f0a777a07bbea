#!/usr/bin/env python3
"""Autobahn testsuite (fuzzingclient mode) against our WebSocket servers.

Usage (``make autobahn`` runs the first with the project's .venv)::

    python tools/autobahn/run.py                  # install if needed, run all
    python tools/autobahn/run.py --servers threaded,asgi
    python tools/autobahn/run.py --cases '1.*,9.*' # 9.* too (slow, 16 MiB)
    python tools/autobahn/run.py --install-only

The suite is PyPI ``autobahntestsuite`` 25.10.1, Python 2 code run by the
Python 2.7.18 that pyenv provides (``PYENV_VERSION=2.7.18 python2.7``). It is
installed once, offline from the rest of the machine, with ``python2.7 -m
pip install --target tools/autobahn/.env/site`` and the pins below (the sdist
itself with ``--no-deps``); ``tools/autobahn/.env/wstest.py`` calls
``site.addsitedir`` on that folder (so the zope namespace ``.pth`` is
processed) and then ``autobahntestsuite.wstest.run()``. A stamp file holding
the pins makes the install idempotent; change a pin and it is redone.

Each server (``tools/autobahn/echo_app.py``, or uvicorn with its ASGI app)
is started on a free port of 127.0.0.1, run through the cases by one
``wstest -m fuzzingclient`` and stopped by its PID. Reports go to
``tools/autobahn/reports/SERVER/`` (Autobahn's ``index.json`` and HTML),
with ``summary.json`` and ``summary.md`` for all servers beside them.

Every case gets one status, the worse of Autobahn's ``behavior`` and
``behaviorClose``: OK, NON-STRICT (close code WRONG CODE and FAILED BY
CLIENT count here too, as the HTML report colours them), INFORMATIONAL,
UNIMPLEMENTED, UNCLEAN (the closing handshake was not clean where the spec
requires it) or FAILED. The exit status is 1 when a tested server has a
FAILED or UNCLEAN case or could not be run, 77 when Python 2.7 is missing
(said loudly: nothing was run), 2 when the install failed, else 0. The
``websockets`` row is the library's own server, run as a reference only.
"""
import argparse
import collections
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SRC = os.path.join(ROOT, 'src')
ENV_DIR = os.path.join(HERE, '.env')
REPORTS = os.path.join(HERE, 'reports')
HOST = '127.0.0.1'
PYTHON2_VERSION = '2.7.18'
SUITE = 'autobahntestsuite==25.10.1'
PINS = [
    'Twisted==19.10.0', 'autobahn[twisted]==0.10.9', 'txaio==2.1.0',
    'pyOpenSSL==19.1.0', 'cryptography==3.3.2', 'zope.interface==4.6.0',
    'jinja2==2.11.3', 'markupsafe==1.1.1', 'Werkzeug==1.0.1',
    'klein==17.10.0', 'service_identity==18.1.0', 'unittest2==1.1.0',
    'six==1.16.0', 'incremental==16.10.1', 'setuptools==44.0.0',
]
DEFAULT_CASES = ['1.*', '2.*', '3.*', '4.*', '5.*', '6.*', '7.*', '10.*']
SKIPPED = 77

# id: (label, tested (gates the exit status), how it is started)
SERVERS = collections.OrderedDict([
    ('threaded', ('microdot + microdot_websocket (threaded)', True)),
    ('asyncio', ('microdot_asyncio + microdot_asyncio_websocket (asyncio)',
                 True)),
    ('uvloop', ('microdot_asyncio + microdot_asyncio_websocket (uvloop)',
                True)),
    ('asgi', ('microdot_asgi + microdot_asgi_websocket under uvicorn', True)),
    ('websockets', ('websockets library server (reference)', False)),
])
STATUSES = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED',
            'UNCLEAN']
_RANK = {'OK': 0, 'UNIMPLEMENTED': 1, 'INFORMATIONAL': 2, 'NON-STRICT': 3,
         'UNCLEAN': 4, 'FAILED': 5}


def log(message):
    print(message, file=sys.stderr, flush=True)


def loud(message):
    bar = '!' * 72
    log('%s\n!! %s\n%s' % (bar, message.replace('\n', '\n!! '), bar))


# -- Python 2.7 and the install ----------------------------------------------

def python2_env():
    env = dict(os.environ, PYENV_VERSION=PYTHON2_VERSION,
               PIP_DISABLE_PIP_VERSION_CHECK='1')
    for name in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV'):
        env.pop(name, None)
    return env


def python2():
    """``(command, version)`` of Python 2.7, or ``(None, why)``."""
    exe = shutil.which('python2.7')
    if exe is None:
        return None, 'no python2.7 on PATH (pyenv %s expected)' % \
            PYTHON2_VERSION
    try:
        done = subprocess.run([exe, '--version'], env=python2_env(),
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, '%s --version failed: %s' % (exe, exc)
    version = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or not version.startswith('Python 2.7'):
        return None, 'PYENV_VERSION=%s %s --version: %s' % (
            PYTHON2_VERSION, exe, version.splitlines()[-1] if version
            else 'exit %d' % done.returncode)
    return exe, version


def _stamp_text():
    return '\n'.join([SUITE] + PINS) + '\n'


WRAPPER = '''\
# written by tools/autobahn/run.py: wstest from the --target install
import os
import site
import sys

site.addsitedir(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'site'))
from autobahntestsuite import wstest  # noqa: E402

sys.argv[0] = 'wstest'
wstest.run()
'''


@contextlib.contextmanager
def _locked(path):
    import fcntl
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def install(exe, env_dir=ENV_DIR, force=False):
    """Install the suite under ``env_dir`` unless its stamp matches;
    return the wrapper's path. Raises RuntimeError when pip fails."""
    site_dir = os.path.join(env_dir, 'site')
    wrapper = os.path.join(env_dir, 'wstest.py')
    stamp = os.path.join(env_dir, '.stamp')
    with _locked(os.path.join(env_dir, '.lock')):
        try:
            with open(stamp) as f:
                current = f.read() == _stamp_text()
        except OSError:
            current = False
        if current and not force and os.path.isdir(site_dir) and \
                os.path.exists(wrapper):
            return wrapper
        log('autobahn: installing %s for Python 2.7 into %s (once)'
            % (SUITE, site_dir))
        started = time.monotonic()
        staging = tempfile.mkdtemp(prefix='site.', dir=env_dir)
        log_path = os.path.join(env_dir, 'install.log')
        with open(log_path, 'w') as out:
            for args in (PINS, ['--no-deps', SUITE]):
                command = [exe, '-m', 'pip', 'install', '--no-input',
                           '--target', staging] + args
                out.write('$ %s\n' % ' '.join(command))
                out.flush()
                done = subprocess.run(command, env=python2_env(), stdout=out,
                                      stderr=subprocess.STDOUT, timeout=900)
                if done.returncode != 0:
                    shutil.rmtree(staging, ignore_errors=True)
                    with open(log_path) as f:
                        tail = [line for line in f.read().splitlines()
                                if 'is ignored' not in line][-25:]
                    raise RuntimeError('pip failed (exit %d); see %s:\n%s' % (
                        done.returncode, log_path, '\n'.join(tail)))
        shutil.rmtree(site_dir, ignore_errors=True)
        os.rename(staging, site_dir)
        with open(wrapper, 'w') as f:
            f.write(WRAPPER)
        check = subprocess.run([exe, wrapper, '--autobahnversion'],
                               env=python2_env(), capture_output=True,
                               text=True, timeout=120)
        if check.returncode != 0:
            raise RuntimeError('wstest does not start:\n%s' % (
                check.stdout + check.stderr)[-3000:])
        with open(stamp, 'w') as f:
            f.write(_stamp_text())
        log('autobahn: installed in %.0f s (%s)' % (
            time.monotonic() - started, ' '.join(check.stdout.split())))
        return wrapper


# -- servers -----------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def resolve_uvicorn_ws(choice):
    """uvicorn's ``--ws`` for the asgi server: ``auto`` takes wsproto when
    it is installed (it passes the suite), else what uvicorn's own ``auto``
    takes when websockets is installed: ``websockets-sansio``."""
    if choice != 'auto':
        return choice
    import importlib.util
    return 'wsproto' if importlib.util.find_spec('wsproto') else \
        'websockets-sansio'


def uvicorn_command():
    exe = os.path.join(os.path.dirname(sys.executable), 'uvicorn')
    return [exe] if os.path.exists(exe) else [sys.executable, '-m',
                                              'uvicorn']


class Server:
    """One echo server subprocess on 127.0.0.1, stopped by its PID."""

    def __init__(self, ident, port, max_size, log_path, uvicorn_ws='auto'):
        self.ident = ident
        self.port = port
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join([SRC, HERE])
        if ident == 'asgi':
            env['ECHO_MAX_SIZE'] = str(max_size)
            argv = uvicorn_command() + [
                '--factory', 'echo_app:make_asgi_app', '--host', HOST,
                '--port', str(port), '--log-level', 'warning',
                '--ws', uvicorn_ws,
                '--ws-max-size', str(max(max_size * 2, 16 * 1024 * 1024))]
        else:
            argv = [sys.executable, os.path.join(HERE, 'echo_app.py'), ident,
                    str(port), str(max_size)]
        self.log = open(log_path, 'wb')
        self.proc = subprocess.Popen(argv, cwd=HERE, env=env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     start_new_session=True)

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('server exited with %s'
                                   % self.proc.returncode)
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('server not listening after %d s' % timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


# -- one run of the suite ----------------------------------------------------

def classify(entry):
    """One status out of Autobahn's behavior and behaviorClose."""
    behavior = entry.get('behavior')
    if behavior == 'UNIMPLEMENTED':
        return 'UNIMPLEMENTED'
    status = behavior if behavior in ('OK', 'NON-STRICT',
                                      'INFORMATIONAL') else 'FAILED'
    close = entry.get('behaviorClose')
    close_status = {'OK': 'OK', 'INFORMATIONAL': 'INFORMATIONAL',
                    'WRONG CODE': 'NON-STRICT',
                    'FAILED BY CLIENT': 'NON-STRICT',
                    'UNCLEAN': 'UNCLEAN'}.get(close, 'FAILED')
    return status if _RANK[status] >= _RANK[close_status] else close_status


def _case_key(case_id):
    return tuple(int(part) for part in case_id.split('.') if part.isdigit())


def parse_index(index_path, agent):
    """Counts and the non-OK cases (with Autobahn's own explanations)."""
    with open(index_path) as f:
        index = json.load(f)
    cases = index.get(agent, {})
    counts = collections.OrderedDict((status, 0) for status in STATUSES)
    details = []
    for case_id in sorted(cases, key=_case_key):
        entry = cases[case_id]
        status = classify(entry)
        counts[status] += 1
        if status == 'OK':
            continue
        detail = {'case': case_id, 'status': status,
                  'behavior': entry.get('behavior'),
                  'behaviorClose': entry.get('behaviorClose'),
                  'remoteCloseCode': entry.get('remoteCloseCode')}
        try:
            with open(os.path.join(os.path.dirname(index_path),
                                   entry['reportfile'])) as f:
                report = json.load(f)
            detail['description'] = ' '.join(
                (report.get('description') or '').split())
            detail['expectation'] = ' '.join(
                (report.get('expectation') or '').split())
            detail['result'] = report.get('result')
            detail['resultClose'] = report.get('resultClose')
        except (OSError, KeyError, ValueError):
            pass
        details.append(detail)
    return counts, details


def run_server(ident, wrapper, exe, cases, reports, max_size, timeout,
               uvicorn_ws='auto'):
    label, tested = SERVERS[ident]
    if ident == 'asgi':
        label = '%s (--ws %s)' % (label, uvicorn_ws)
    outdir = os.path.join(reports, ident)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    result = {'server': ident, 'label': label, 'tested': tested,
              'cases': cases, 'error': None}
    if ident == 'asgi':
        result['uvicorn_ws'] = uvicorn_ws
    port = free_port()
    spec = {
        'outdir': outdir,
        'servers': [{'agent': ident,
                     'url': 'ws://%s:%d/echo' % (HOST, port)}],
        'cases': cases,
        'exclude-cases': [],
        'exclude-agent-cases': {},
    }
    spec_path = os.path.join(outdir, 'fuzzingclient.json')
    with open(spec_path, 'w') as f:
        json.dump(spec, f, indent=2)
    log('autobahn: %s (%s) on port %d' % (ident, label, port))
    started = time.monotonic()
    server = Server(ident, port, max_size, os.path.join(outdir, 'server.log'),
                    uvicorn_ws)
    try:
        server.wait_ready()
        with open(os.path.join(outdir, 'wstest.log'), 'wb') as out:
            try:
                done = subprocess.run(
                    [exe, wrapper, '-m', 'fuzzingclient', '-s', spec_path],
                    cwd=outdir, env=python2_env(), stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
                if done.returncode != 0:
                    result['error'] = 'wstest exited with %d' % \
                        done.returncode
            except subprocess.TimeoutExpired:
                result['error'] = 'wstest timed out after %d s' % timeout
        if server.proc.poll() is not None:
            result['error'] = (result['error'] or '') + \
                ' server died during the suite (exit %s)' % \
                server.proc.returncode
    except RuntimeError as exc:
        result['error'] = str(exc)
    finally:
        server.stop()
    result['seconds'] = round(time.monotonic() - started, 1)
    index_path = os.path.join(outdir, 'index.json')
    if os.path.exists(index_path):
        counts, details = parse_index(index_path, ident)
        result['counts'] = counts
        result['total'] = sum(counts.values())
        result['not_ok'] = details
        if not result['total'] and not result['error']:
            result['error'] = 'no case ran'
    else:
        result['counts'] = None
        result['error'] = result['error'] or 'no index.json written'
    if result['error']:
        with open(os.path.join(outdir, 'server.log'), 'rb') as f:
            result['server_log_tail'] = f.read()[-2000:].decode(
                errors='replace')
    return result


def passed(result):
    counts = result.get('counts')
    upstream = len(result.get('upstream') or [])
    return not result['error'] and counts is not None and \
        counts['FAILED'] - upstream == 0 and counts['UNCLEAN'] == 0


def compare_with_reference(results):
    """Mark what the ``websockets`` reference server shares.

    ``upstream``: on the asgi server under uvicorn's websockets protocol,
    the FAILED cases that the websockets reference fails the same way: the
    framing there is the websockets library's, not ours; they are not
    counted against the server. ``beyond_reference``: NON-STRICT cases that
    the reference does not have (the issue allows NON-STRICT only where
    websockets has the same); reported, not gating.
    """
    reference = next((r for r in results if r['server'] == 'websockets'
                      and r.get('counts')), None)
    if reference is None:
        return
    ref_status = {d['case']: d['status'] for d in reference['not_ok']}
    for result in results:
        if not result['tested'] or not result.get('counts'):
            continue
        if result['server'] == 'asgi' and \
                result.get('uvicorn_ws', '').startswith('websockets'):
            result['upstream'] = [
                d['case'] for d in result['not_ok']
                if d['status'] == 'FAILED' and
                ref_status.get(d['case']) == 'FAILED']
        result['beyond_reference'] = [
            d['case'] for d in result['not_ok']
            if d['status'] == 'NON-STRICT' and
            ref_status.get(d['case']) != 'NON-STRICT']


# -- report ------------------------------------------------------------------

def versions():
    found = {}
    for dist in ('uvicorn', 'websockets', 'uvloop'):
        try:
            from importlib.metadata import version
            found[dist] = version(dist)
        except Exception:  # noqa: BLE001 - not installed
            found[dist] = None
    return found


def verdict(result):
    if not result['tested']:
        text = 'reference'
    else:
        text = 'pass' if passed(result) else 'FAIL'
    if result.get('upstream'):
        text += ' (FAILED %s also by the websockets reference: upstream)' \
            % ' '.join(result['upstream'])
    if result['error']:
        text += ' (%s)' % result['error'].strip()
    return text


def notes(result):
    """Lines that explain a server's row: close behaviours, upstream."""
    lines = []
    closes = collections.Counter(
        d['behaviorClose'] for d in result.get('not_ok') or []
        if d['behaviorClose'] not in ('OK', 'INFORMATIONAL'))
    for close, count in sorted(closes.items()):
        lines.append('close behaviour %s on %d case(s)%s' % (
            close, count, ': the server left the TCP connection open after '
            'the closing handshake; the client dropped it (RFC 6455 7.1.1: '
            'the server SHOULD close first)' if close == 'FAILED BY CLIENT'
            else ''))
    if result.get('upstream'):
        lines.append('FAILED also by the websockets reference, whose library '
                     'frames for uvicorn --ws %s here (not counted): %s' % (
                         result.get('uvicorn_ws'),
                         ' '.join(result['upstream'])))
    if result.get('beyond_reference'):
        lines.append('NON-STRICT where the websockets reference is not: %s'
                     % ' '.join(result['beyond_reference']))
    return lines


def summary_markdown(results, meta):
    lines = ['# Autobahn testsuite results', '',
             '- suite: %s, Python %s (`%s`), fuzzingclient mode' % (
                 SUITE, meta['python2'], 'PYENV_VERSION=%s python2.7'
                 % PYTHON2_VERSION),
             '- cases: %s' % ', '.join(meta['cases']),
             '- servers: Python %s; uvicorn %s (--ws %s), websockets %s, '
             'uvloop %s' % (
                 meta['python3'], meta['versions'].get('uvicorn'),
                 meta['uvicorn_ws'], meta['versions'].get('websockets'),
                 meta['versions'].get('uvloop')),
             '- max_message_size: %d bytes' % meta['max_size'], '',
             '| server | ' + ' | '.join(STATUSES) + ' | total | seconds | '
             'verdict |',
             '|---|' + '---:|' * (len(STATUSES) + 2) + '---|']
    for result in results:
        counts = result.get('counts') or {}
        lines.append('| %s | %s | %s | %s | %s |' % (
            result['label'],
            ' | '.join(str(counts.get(status, '-')) for status in STATUSES),
            result.get('total', '-'), result['seconds'], verdict(result)))
    lines.append('')
    for result in results:
        if not result.get('not_ok') and not result['error']:
            continue
        lines.append('## %s' % result['label'])
        lines.append('')
        for note in notes(result):
            lines.append('- %s' % note)
        for detail in result.get('not_ok') or []:
            lines.append('- %s %s (behavior %s, close %s, close code %s): %s'
                         ' %s %s' % (
                             detail['case'], detail['status'],
                             detail['behavior'], detail['behaviorClose'],
                             detail['remoteCloseCode'],
                             detail.get('description', ''),
                             detail.get('result') or '',
                             detail.get('resultClose') or ''))
        lines.append('')
    return '\n'.join(lines)


def print_summary(results):
    width = max(len(r['server']) for r in results)
    print('Autobahn fuzzingclient, cases per status:')
    for result in results:
        counts = result.get('counts')
        if counts:
            text = '  '.join('%s %d' % (status, counts[status])
                             for status in STATUSES)
        else:
            text = 'no results'
        print('%-*s  %s  [%s, %.0f s]' % (width, result['server'], text,
                                          verdict(result), result['seconds']))
        if result['error'] and result.get('server_log_tail'):
            print(result['server_log_tail'])
        by_status = collections.OrderedDict()
        for detail in result.get('not_ok') or []:
            by_status.setdefault(detail['status'], []).append(detail['case'])
        for status, ids in by_status.items():
            print('%-*s    %s: %s' % (width, '', status, ' '.join(ids)))
        for note in notes(result):
            print('%-*s    note: %s' % (width, '', note))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--servers', default=','.join(SERVERS),
                        help='comma-separated, of: %s (default: all)'
                        % ', '.join(SERVERS))
    parser.add_argument('--cases', default=','.join(DEFAULT_CASES),
                        help='comma-separated case patterns (default: %s)'
                        % ','.join(DEFAULT_CASES))
    parser.add_argument('--reports', default=REPORTS,
                        help='report folder (default: tools/autobahn/'
                        'reports)')
    parser.add_argument('--env', default=ENV_DIR,
                        help='install folder (default: tools/autobahn/.env)')
    parser.add_argument('--max-size', type=int, default=32 * 1024 * 1024,
                        help='WebSocket.max_message_size of the servers '
                        '(default 32 MiB, enough for the 9.* cases)')
    parser.add_argument('--timeout', type=int, default=600,
                        help='seconds allowed per server (default 600)')
    parser.add_argument('--uvicorn-ws', default='auto',
                        help="uvicorn's --ws for the asgi server: auto "
                        '(default: wsproto if installed, else '
                        'websockets-sansio, uvicorn\'s own default), '
                        'websockets, websockets-sansio, wsproto')
    parser.add_argument('--install-only', action='store_true')
    parser.add_argument('--reinstall', action='store_true')
    args = parser.parse_args(argv)

    ids = [s.strip() for s in args.servers.split(',') if s.strip()]
    unknown = [s for s in ids if s not in SERVERS]
    if unknown:
        parser.error('unknown server(s): %s' % ', '.join(unknown))
    cases = [c.strip() for c in args.cases.split(',') if c.strip()]

    exe, version = python2()
    if exe is None:
        loud('AUTOBAHN SKIPPED: Python 2.7 is missing on this machine.\n'
             '%s\nThe Autobahn testsuite (Python 2 code) cannot run: NO '
             'conformance result.\nInstall it with `pyenv install %s`.'
             % (version, PYTHON2_VERSION))
        return SKIPPED
    try:
        wrapper = install(exe, args.env, force=args.reinstall)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        loud('AUTOBAHN: the install failed: %s' % exc)
        return 2
    if args.install_only:
        log('autobahn: installed (%s)' % wrapper)
        return 0

    uvicorn_ws = resolve_uvicorn_ws(args.uvicorn_ws)
    if 'asgi' in ids and uvicorn_ws.startswith('websockets') and \
            'websockets' not in ids:
        log('autobahn: adding the websockets reference server: uvicorn '
            'frames with the websockets library here')
        ids.append('websockets')
    os.makedirs(args.reports, exist_ok=True)
    results = [run_server(ident, wrapper, exe, cases, args.reports,
                          args.max_size, args.timeout, uvicorn_ws)
               for ident in ids]
    compare_with_reference(results)
    meta = {'python2': version.split()[-1],
            'python3': '%d.%d.%d' % sys.version_info[:3],
            'versions': versions(), 'cases': cases,
            'max_size': args.max_size, 'uvicorn_ws': uvicorn_ws}
    with open(os.path.join(args.reports, 'summary.json'), 'w') as f:
        json.dump({'meta': meta, 'results': results}, f, indent=2)
    with open(os.path.join(args.reports, 'summary.md'), 'w') as f:
        f.write(summary_markdown(results, meta))
    print_summary(results)
    log('autobahn: reports in %s (summary.md, SERVER/index.html)'
        % args.reports)
    bad = [r['server'] for r in results if r['tested'] and not passed(r)]
    if bad:
        log('autobahn: FAILED or UNCLEAN cases, or no result, on: %s'
            % ', '.join(bad))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
