#!/usr/bin/env python3
"""Instructions per request of the adapters benchmark's servers, counted by
valgrind: a cost that the machine's noise does not move.

Usage (``make bench-instructions`` runs the first with the project's .venv)::

    python benchmarks/instructions.py          # print the markdown report
    python benchmarks/instructions.py --write  # and write docs/benchmarks.md
    python benchmarks/instructions.py --servers bare-wsgi,ours-wsgi

The servers, apps and peers are those of ``bench_adapters.py`` (same
commands, same venvs). Each server runs twice under ``valgrind
--tool=cachegrind --cache-sim=no``: once answering ``--warmup`` requests,
once ``--warmup`` + ``--requests``; the difference of the two instruction
totals over ``--requests`` is the count per request of the process that
runs the app (uvicorn itself, gunicorn's worker), startup and warm-up
cancelled out. Requests are sent one at a time: on one keep-alive
connection to uvicorn, on a new connection each to gunicorn's sync worker
(which closes every connection).

Wall-clock req/s on this shared machine moves by 10 to 40% from one run to
the next (see the adapters section); instruction counts repeat to within a
fraction of a percent. They leave out what instructions do not show (cache
misses, system calls' time), so they complement the req/s ratios rather
than replace them.
"""
import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import _docs
from _docs import log
import bench_adapters as adapters
from _process import ServerProcess, free_port, HOST

REQUEST = b'GET / HTTP/1.1\r\nHost: %s\r\n\r\n'


def valgrind_argv(argv, out_pattern):
    return ['valgrind', '--tool=cachegrind', '--cache-sim=no',
            '--trace-children=no', '--cachegrind-out-file=' + out_pattern,
            '--log-file=' + out_pattern + '.log'] + argv


def read_response(sock, buffer):
    # one response with a Content-Length body; returns the bytes after it
    while b'\r\n\r\n' not in buffer:
        data = sock.recv(65536)
        if not data:
            raise RuntimeError('connection closed before a response')
        buffer += data
    head, _, rest = buffer.partition(b'\r\n\r\n')
    if not head.startswith(b'HTTP/1.1 200'):
        raise RuntimeError('unexpected response: %r' % head[:200])
    length = [int(line.split(b':', 1)[1]) for line in head.split(b'\r\n')
              if line.lower().startswith(b'content-length:')][0]
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            raise RuntimeError('connection closed in a body')
        rest += data
    if rest[:length] != adapters.EXPECTED_BODY:
        raise RuntimeError('unexpected body: %r' % rest[:100])
    return rest[length:]


def send_requests(port, count, keep_alive, timeout=120):
    request = REQUEST % ('%s:%d' % (HOST, port)).encode()
    sock = None
    try:
        for _ in range(count):
            if sock is None:
                sock = socket.create_connection((HOST, port), timeout=timeout)
                buffer = b''
            sock.sendall(request)
            buffer = read_response(sock, buffer)
            if not keep_alive:
                sock.close()
                sock = None
    finally:
        if sock is not None:
            sock.close()


def counted_run(ident, pythons, http, requests, timeout):
    """Total instructions of the app's process after ``requests``."""
    info = adapters.server_info(ident)
    group = adapters.group_info(info['group'])
    port = free_port()
    argv = adapters.server_argv(pythons[info['python']], group, info['app'],
                                port, http)
    workdir = tempfile.mkdtemp(prefix='instructions-')
    pattern = os.path.join(workdir, 'cg.%p')
    server = ServerProcess(valgrind_argv(argv, pattern),
                           adapters.server_env(info['python']), adapters.HERE,
                           port)
    try:
        server.wait_listening(timeout)
        gunicorn = group['server'] == 'gunicorn'
        if gunicorn:
            time.sleep(2)  # the master listens before it forks the worker
        send_requests(port, requests, keep_alive=not gunicorn)
    finally:
        server.stop(timeout)
    totals = {}
    for path in glob.glob(os.path.join(workdir, 'cg.*')):
        if path.endswith('.log'):
            continue
        with open(path) as f:
            for line in f:
                if line.startswith('summary:'):
                    totals[int(path.rsplit('.', 1)[1])] = int(line.split()[1])
    shutil.rmtree(workdir, ignore_errors=True)
    if gunicorn:  # the worker: the process that is not the master
        totals.pop(server.proc.pid, None)
    if len(totals) != 1:
        raise RuntimeError('%s: expected one counted process, got %r' % (
            ident, totals))
    return list(totals.values())[0]


def per_request(ident, pythons, args):
    base = counted_run(ident, pythons, args.http, args.warmup, args.timeout)
    total = counted_run(ident, pythons, args.http,
                        args.warmup + args.requests, args.timeout)
    count = (total - base) / args.requests
    log('%-20s %9.0f instructions per request' % (ident, count))
    return count


def ratio_rows(counts):
    rows = []
    for label, numerator, denominator, target in adapters.RATIOS:
        if numerator not in counts or denominator not in counts:
            continue
        group = adapters.group_info(adapters.server_info(numerator)['group'])
        # fewer instructions is faster: the req/s ratio they predict
        ratio = counts[denominator] / counts[numerator]
        verdict = ''
        if target is not None:
            verdict = 'met' if ratio >= target else 'missed'
        rows.append('| %s | %s | %.3fx | %s | %s |' % (
            label, group['title'], ratio,
            '>= %sx' % target if target is not None else '(info)', verdict))
    return rows


def report(counts, args, meta):
    lines = [
        '## Adapters: instructions per request under valgrind', '',
        'Command: `make bench-instructions BENCH_ARGS=\'%s\'` (`make '
        'bench-instructions` runs `.venv/bin/python '
        'benchmarks/instructions.py $(BENCH_ARGS)`).' % ' '.join(
            a for a in sys.argv[1:]), '',
    ] + _docs.header_lines() + [
        '- %s; Python %s; servers, apps and peers as in the adapters '
        'section' % (meta['valgrind'], meta['python']),
        '- each server run twice under `valgrind --tool=cachegrind '
        '--cache-sim=no`, answering %d and then %d + %d requests one at a '
        'time (uvicorn: one keep-alive connection; gunicorn: a connection '
        'each); instructions per request = difference of the totals / %d, '
        'counted in the app\'s process (uvicorn, gunicorn\'s worker)' % (
            args.warmup, args.warmup, args.requests, args.requests), '',
        '| server | group | instructions per request | above the bare '
        'callable |',
        '|---|---|---:|---:|',
    ]
    for ident in adapters.SERVER_IDS:
        if ident not in counts:
            continue
        info = adapters.server_info(ident)
        group = adapters.group_info(info['group'])
        bare = [i for i in counts if i.startswith('bare') and
                adapters.server_info(i)['group'] == info['group']]
        extra = '%+.0f' % (counts[ident] - counts[bare[0]]) if bare else ''
        lines.append('| %s | %s | %.0f | %s |' % (
            info['label'], group['title'], counts[ident], extra))
    lines += [
        '', '### Ratios from instruction counts', '',
        'The req/s ratio each pair would show if every instruction cost the '
        'same: the denominator\'s count over the numerator\'s.', '',
        '| ratio | server | predicted ratio | target | verdict |',
        '|---|---|---:|---:|---|',
    ] + ratio_rows(counts)
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help='write the results to docs/benchmarks.md')
    parser.add_argument('--requests', type=int, default=1000)
    parser.add_argument('--warmup', type=int, default=200)
    parser.add_argument('--http', choices=['h11', 'httptools'],
                        default='h11', help='uvicorn --http, for all')
    parser.add_argument('--timeout', type=int, default=300,
                        help='seconds a server may take to start or stop')
    parser.add_argument('--servers', default=','.join(adapters.SERVER_IDS),
                        help='comma-separated ids among: %s' % ', '.join(
                            adapters.SERVER_IDS))
    args = parser.parse_args()
    if not shutil.which('valgrind'):
        sys.exit('valgrind is needed (Debian: apt install valgrind)')
    ids = [i for i in adapters.SERVER_IDS if i in args.servers.split(',')]
    notes = []
    adapters.ensure_dists(sys.executable, adapters.SERVER_DISTS, notes)
    pythons = {'ours': sys.executable}
    if any(adapters.server_info(i)['python'] == 'peer' for i in ids):
        pythons['peer'] = adapters.peer_venv(adapters.peer_requirements(
            sys.executable, args.http))
    adapters.check_imports(ids, pythons)
    counts = {ident: per_request(ident, pythons, args) for ident in ids}
    meta = {'python': adapters.python_version(sys.executable),
            'valgrind': subprocess.run(['valgrind', '--version'],
                                       capture_output=True, text=True,
                                       timeout=30).stdout.strip()}
    text = report(counts, args, meta)
    print(text)
    if args.write:
        _docs.write_section('instructions', text)


if __name__ == '__main__':
    main()
