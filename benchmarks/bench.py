#!/usr/bin/env python3
"""Threaded-server load benchmark: our microdot against microdot 1.3.4.

Usage::

    python3 benchmarks/bench.py            # print a markdown table
    python3 benchmarks/bench.py --write    # also write docs/benchmarks.md
    python3 benchmarks/bench.py --runs 1 --duration 3    # a quick look

Each server runs ``benchmarks/hello_threaded.py`` pinned to CPU 0 with
``taskset -c 0``; ``wrk`` (1 thread, 10 connections, 10 s) is pinned to
CPU 1. Every mode (keep-alive, ``Connection: close``) is measured ``--runs``
times per server, interleaving the servers, and the median req/s reported.
The peer, ``microdot==1.3.4`` from PyPI, is installed into
``benchmarks/.venvs/microdot-1.3.4`` (gitignored) on first use; ``wrk`` is
installed with apt-get when missing. Only loopback is used, every wait is
bounded, and only processes started here are stopped (by PID).
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
APP = os.path.join(HERE, 'hello_threaded.py')
PEER_VERSION = '1.3.4'
PEER_VENV = os.path.join(HERE, '.venvs', 'microdot-' + PEER_VERSION)
RESULTS = os.path.join(ROOT, 'docs', 'benchmarks.md')
HOST = '127.0.0.1'
MODES = [('keep-alive', []), ('close', ['-H', 'Connection: close'])]
EXPECTED_BODY = b'Hello, world!'


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_wrk():
    if shutil.which('wrk'):
        return shutil.which('wrk')
    log('wrk not found: installing the Debian package')
    subprocess.run(['apt-get', 'update'], check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    subprocess.run(['apt-get', 'install', '-y', 'wrk'], check=True,
                   timeout=600, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
    return shutil.which('wrk')


def peer_python():
    python = os.path.join(PEER_VENV, 'bin', 'python')
    check = [python, '-c',
             'import importlib.metadata as m; print(m.version("microdot"))']
    if os.path.exists(python):
        done = subprocess.run(check, capture_output=True, text=True)
        if done.stdout.strip() == PEER_VERSION:
            return python
    log('creating %s with microdot==%s' % (PEER_VENV, PEER_VERSION))
    subprocess.run([sys.executable, '-m', 'venv', '--clear', PEER_VENV],
                   check=True, timeout=300)
    subprocess.run([python, '-m', 'pip', 'install', '-q',
                    'microdot==' + PEER_VERSION], check=True, timeout=600)
    return python


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def pinned(cpu, argv):
    if shutil.which('taskset') and (os.cpu_count() or 1) > 1:
        return ['taskset', '-c', str(cpu)] + argv
    return argv


class Server:
    """One hello-world server subprocess, stopped by its PID."""

    def __init__(self, name, python, pythonpath):
        self.name = name
        self.port = free_port()
        env = dict(os.environ)
        env.pop('PYTHONPATH', None)
        if pythonpath:
            env['PYTHONPATH'] = pythonpath
        # a file, not a pipe: a chatty server must never block on stderr
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            pinned(0, [python, APP, str(self.port)]), cwd=HERE, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.log, start_new_session=True)
        self.url = 'http://%s:%d/' % (HOST, self.port)
        self.version = subprocess.run(
            [python, '-c', 'import sys; print(sys.version.split()[0])'],
            capture_output=True, text=True, env=env).stdout.strip()

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited: %s' % (self.name, self.errors()))
            try:
                with urllib.request.urlopen(self.url, timeout=2) as res:
                    body = res.read()
                if body != EXPECTED_BODY:
                    raise RuntimeError('%s answered %r' % (self.name, body))
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('%s not ready after %s s' % (self.name, timeout))

    def errors(self):
        self.log.seek(0)
        return self.log.read().decode(errors='replace')

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def parse_wrk(output):
    rate = re.search(r'Requests/sec:\s+([\d.]+)', output)
    latency = re.search(r'Latency\s+([\d.]+\w+)', output)
    errors = 0
    socket_errors = re.search(
        r'Socket errors: connect (\d+), read (\d+), write (\d+), '
        r'timeout (\d+)', output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return {'rps': float(rate.group(1)) if rate else 0.0,
            'latency': latency.group(1) if latency else '?',
            'errors': errors}


def run_wrk(wrk, url, extra, args):
    argv = pinned(1, [wrk, '-t1', '-c%d' % args.connections,
                      '-d%ds' % args.duration, '--timeout', '5s'] +
                  extra + [url])
    done = subprocess.run(argv, capture_output=True, text=True,
                          timeout=args.duration + 60)
    if done.returncode != 0:
        raise RuntimeError('wrk failed: %s' % done.stderr)
    return parse_wrk(done.stdout)


def measure(wrk, servers, args):
    results = {(s.name, mode): [] for s in servers for mode, _ in MODES}
    for run in range(args.runs):
        for mode, extra in MODES:
            for server in servers:
                if server.proc.poll() is not None:
                    raise RuntimeError('%s died' % server.name)
                result = run_wrk(wrk, server.url, extra, args)
                results[(server.name, mode)].append(result)
                log('run %d %-16s %-10s %8.0f req/s  errors %d' % (
                    run + 1, server.name, mode, result['rps'],
                    result['errors']))
    return results


def median_rps(runs):
    return statistics.median(r['rps'] for r in runs)


def table(servers, results, args):
    ours, peer = servers[0].name, servers[1].name
    lines = [
        '| server | ' + ' | '.join(
            '%s req/s (median of %d)' % (mode, args.runs)
            for mode, _ in MODES) + ' | errors |',
        '|---|' + '---:|' * len(MODES) + '---:|',
    ]
    for server in servers:
        cells = ['%.0f' % median_rps(results[(server.name, mode)])
                 for mode, _ in MODES]
        errors = sum(r['errors'] for mode, _ in MODES
                     for r in results[(server.name, mode)])
        lines.append('| %s | %s | %d |' % (server.name, ' | '.join(cells),
                                           errors))
    ratios = []
    for mode, _ in MODES:
        base = median_rps(results[(peer, mode)])
        mine = median_rps(results[(ours, mode)])
        ratios.append('%.2fx' % (mine / base) if base else 'n/a')
    lines.append('| ours / %s | %s | |' % (peer, ' | '.join(ratios)))
    lines.append('')
    for server in servers:
        for mode, _ in MODES:
            lines.append('- %s, %s: runs %s req/s' % (
                server.name, mode, ', '.join(
                    '%.0f' % r['rps'] for r in results[(server.name, mode)])))
    return '\n'.join(lines)


def describe(servers, wrk, args):
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = re.findall(r'model name\s*:\s*(.*)', f.read())
            cpu = names[0] if names else cpu
    except OSError:
        pass
    wrk_version = subprocess.run([wrk, '-v'], capture_output=True,
                                 text=True).stdout.split('\n')[0]
    wrk_version = wrk_version.split(' [')[0].split(' Copyright')[0]
    return '\n'.join([
        '- date: %s' % datetime.date.today().isoformat(),
        '- machine: %s, %d CPUs; %s' % (cpu, os.cpu_count() or 1,
                                        platform.platform()),
        '- servers: %s' % ', '.join('%s on Python %s' % (s.name, s.version)
                                    for s in servers),
        '- load: `%s`, 1 thread, %d connections, %d s per run; server pinned'
        ' to CPU 0 (`taskset -c 0`), wrk to CPU 1'
        % (wrk_version.strip(), args.connections, args.duration),
        '- app: `benchmarks/hello_threaded.py` (GET / -> `Hello, world!`)',
    ])


def write_results(text):
    with open(RESULTS, 'w') as f:
        f.write('# Benchmarks\n\n'
                'Produced by `python3 benchmarks/bench.py --write`.\n\n'
                '## Threaded server, hello world\n\n' + text + '\n')
    log('wrote %s' % RESULTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help='write the results to docs/benchmarks.md')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--duration', type=int, default=10)
    parser.add_argument('--connections', type=int, default=10)
    args = parser.parse_args()
    wrk = ensure_wrk()
    peer = peer_python()
    servers = []
    try:
        servers.append(Server('microdot (ours)', sys.executable,
                              os.path.join(ROOT, 'src')))
        servers.append(Server('microdot ' + PEER_VERSION, peer, None))
        for server in servers:
            server.wait_ready()
        results = measure(wrk, servers, args)
    finally:
        for server in servers:
            server.stop()
            if server.errors().strip():
                log('%s stderr:\n%s' % (server.name, server.errors()[-3000:]))
    text = table(servers, results, args) + '\n\n' + describe(servers, wrk,
                                                             args)
    print(text)
    if args.write:
        write_results(text)


if __name__ == '__main__':
    main()
