#!/usr/bin/env python3
"""WebSocket benchmark: 1 KB echo messages per second, our servers against
the ``websockets`` library's own server.

Usage (``make bench-ws`` runs the first with the project's .venv)::

    python benchmarks/ws_bench.py              # print the markdown report
    python benchmarks/ws_bench.py --write      # also write docs/benchmarks.md
    python benchmarks/ws_bench.py --quick      # 1 run, fewer messages
    python benchmarks/ws_bench.py --servers threaded,websockets --runs 5

Servers (``benchmarks/ws_echo.py``, each in its own process pinned to CPU 0
with ``taskset -c 0``): ``microdot`` threaded, ``microdot_asyncio`` on plain
asyncio and on uvloop, ``microdot_asgi`` under uvicorn (its defaults: the
``--ws auto`` protocol and ``--loop auto``), and the ``websockets`` server
(``websockets.asyncio.server.serve`` echo, plain asyncio). The client is
the same for all: the ``websockets`` asyncio client, in a process of its own
pinned to CPU 1, permessage-deflate off (none of our servers offers it).

Two modes: ``sequential``, one connection sending ``--messages`` messages
one after the other, each after the echo of the previous one came back (a
round-trip per message); ``concurrent``, ``--connections`` (10)
connections doing the same at once, ``--concurrent-messages`` in all split
among them. Each echo is checked against what was sent. Connecting, a
warm-up of 100 messages per connection and closing are not timed (the close
time is reported apart). Every (server, mode) is measured ``--runs`` times,
the servers interleaved round by round; the report gives medians, the
spread of the runs and the ratio of each server to the websockets server of
the same run. Only 127.0.0.1 is used, every wait is bounded, and only the
processes started here are stopped (by PID).
"""
import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import _docs
from _docs import log
from _process import ServerProcess, free_port, pinned

HERE = _docs.HERE
ROOT = _docs.ROOT
SRC = os.path.join(ROOT, 'src')
HOST = '127.0.0.1'
WARMUP = 100
# the client's wait for the server to close TCP after the closing handshake
CLOSE_TIMEOUT = 3
REFERENCE = 'websockets'

# id, label
SERVERS = [
    ('threaded', 'ours: microdot_websocket, threaded'),
    ('asyncio', 'ours: microdot_asyncio_websocket, asyncio'),
    ('uvloop', 'ours: microdot_asyncio_websocket, uvloop'),
    ('asgi', 'ours: microdot_asgi_websocket under uvicorn'),
    ('websockets', 'websockets library server (asyncio)'),
]
MODES = ['sequential', 'concurrent']


# -- the client (run in a subprocess pinned to CPU 1) ------------------------

def process_cpu(pid):
    """User + system seconds of process ``pid`` so far (Linux), or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, ValueError, IndexError):
        return None


async def _client_main(uri, messages, connections, size, binary,
                       server_pid=None):
    from websockets.asyncio.client import connect

    payload = b'x' * size if binary else 'x' * size
    per_connection = max(1, messages // connections)
    sockets = [await connect(uri, compression=None, max_size=None,
                             open_timeout=10, close_timeout=CLOSE_TIMEOUT,
                             ping_interval=None)
               for _ in range(connections)]

    async def talk(ws, count):
        for _ in range(count):
            await ws.send(payload)
            echo = await ws.recv()
            if echo != payload:
                raise RuntimeError('wrong echo: %r' % (echo[:40],))

    try:
        await asyncio.gather(*[talk(ws, WARMUP) for ws in sockets])
        server_cpu = process_cpu(server_pid) if server_pid else None
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*[talk(ws, per_connection) for ws in sockets])
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if server_cpu is not None:
            after = process_cpu(server_pid)
            server_cpu = (after - server_cpu) / elapsed \
                if after is not None else None
    finally:
        closing = time.perf_counter()
        await asyncio.gather(*[ws.close() for ws in sockets])
        close_seconds = time.perf_counter() - closing
    return {'messages': per_connection * connections, 'seconds': elapsed,
            'close_seconds': close_seconds, 'client_cpu': cpu / elapsed,
            'server_cpu': server_cpu}


def client(args):
    main = asyncio.wait_for(
        _client_main(args.uri, args.messages, args.connections, args.size,
                     args.binary, args.server_pid), args.timeout)
    if args.loop == 'uvloop':
        import uvloop
        result = uvloop.run(main)
    else:
        result = asyncio.run(main)
    print(json.dumps(result))


# -- servers -----------------------------------------------------------------

def version(dist):
    try:
        from importlib.metadata import version as _version
        return _version(dist)
    except Exception:  # noqa: BLE001 - not installed
        return None


def uvicorn_command():
    exe = os.path.join(os.path.dirname(sys.executable), 'uvicorn')
    return [exe] if os.path.exists(exe) else [sys.executable, '-m',
                                              'uvicorn']


class Server(ServerProcess):
    """One echo server subprocess on 127.0.0.1, stopped by its PID."""

    def __init__(self, ident, label):
        self.ident = ident
        self.label = label
        port = free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([SRC, HERE]))
        if ident == 'asgi':
            argv = uvicorn_command() + [
                '--factory', 'ws_echo:make_asgi_app', '--host', HOST,
                '--port', str(port), '--log-level', 'warning']
        else:
            argv = [sys.executable, os.path.join(HERE, 'ws_echo.py'), ident,
                    str(port)]
        self.argv = argv
        ServerProcess.__init__(self, argv, env, HERE, port)

    @property
    def uri(self):
        return 'ws://%s:%d/echo' % (HOST, self.port)

    def wait_ready(self, timeout=20):
        self.wait_listening(timeout)


# -- measuring ---------------------------------------------------------------

def run_client(server, mode, args):
    if mode == 'sequential':
        connections, messages = 1, args.messages
    else:
        connections, messages = args.connections, args.concurrent_messages
    argv = pinned(1, [sys.executable, os.path.abspath(__file__), 'client',
                      '--uri', server.uri, '--messages', str(messages),
                      '--connections', str(connections),
                      '--size', str(args.size), '--timeout',
                      str(args.client_timeout), '--loop', args.client_loop,
                      '--server-pid', str(server.proc.pid)] +
                  (['--binary'] if args.binary else []))
    done = subprocess.run(argv, capture_output=True, text=True,
                          timeout=args.client_timeout + 30)
    if done.returncode != 0:
        raise RuntimeError('client failed on %s (%s): %s' % (
            server.label, mode, done.stderr.strip()[-1500:]))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result['rate'] = result['messages'] / result['seconds']
    result['server_us'] = None if result['server_cpu'] is None else \
        1e6 * result['server_cpu'] * result['seconds'] / result['messages']
    return result


def measure(servers, args):
    results = {(s.ident, mode): [] for s in servers for mode in MODES}
    lines = []
    for run in range(args.runs):
        for mode in MODES:
            for server in servers:
                if server.proc.poll() is not None:
                    raise RuntimeError('%s died: %s' % (
                        server.label, server.output()[-2000:]))
                result = run_client(server, mode, args)
                results[(server.ident, mode)].append(result)
                line = 'run %d  %-45s %-10s %8.0f msg/s  (%d in %.2f s; ' \
                    'CPU busy: server %s, client %s; server %s us/msg; ' \
                    'close %.3f s)' % (
                        run + 1, server.label, mode, result['rate'],
                        result['messages'], result['seconds'],
                        percent(result['server_cpu']),
                        percent(result['client_cpu']),
                        '-' if result['server_us'] is None
                        else '%.1f' % result['server_us'],
                        result['close_seconds'])
                lines.append(line)
                log(line)
    _docs.save_log('ws_bench.txt', '\n'.join(lines) + '\n')
    return results


# -- report ------------------------------------------------------------------

def percent(share):
    return '-' if share is None else '%.0f%%' % (100 * share)


def median_share(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def median_rate(runs):
    return statistics.median(r['rate'] for r in runs)


def spread(runs):
    values = [r['rate'] for r in runs]
    middle = statistics.median(values)
    return 100.0 * (max(values) - min(values)) / middle if middle else 0.0


def report(servers, results, args, meta):
    kind = 'binary' if args.binary else 'text'
    command = 'make bench-ws BENCH_ARGS=\'%s\'' % ' '.join(args.argv) \
        if args.argv else 'make bench-ws'
    lines = [
        '## WebSocket: 1 KB echo, messages per second', '',
        'Command: `%s` (`make bench-ws` runs `.venv/bin/python '
        'benchmarks/ws_bench.py $(BENCH_ARGS)`).' % command, '',
    ] + _docs.header_lines() + [
        '- Python %s (servers and client); websockets %s, uvicorn %s '
        '(`--ws auto` -> %s, `--loop auto` -> %s), uvloop %s' % (
            meta['python'], meta['websockets'], meta['uvicorn'],
            meta['uvicorn_ws'], meta['uvicorn_loop'], meta['uvloop']),
        '- client: the `websockets` asyncio client (`benchmarks/ws_bench.py '
        'client`) on %s, permessage-deflate off, pinned to CPU 1; each server '
        'pinned to CPU 0 (`taskset`); apps in `benchmarks/ws_echo.py`'
        % args.client_loop,
        '- load: %d-byte %s messages; sequential: 1 connection, %d messages '
        'one at a time (send, wait for the echo); concurrent: %d connections '
        'doing the same at once, %d messages in all; %d untimed warm-up '
        'messages per connection; %d runs per server and mode, servers '
        'interleaved round by round' % (
            args.size, kind, args.messages, args.connections,
            (args.concurrent_messages // args.connections) *
            args.connections, WARMUP, args.runs),
        '- 1-minute load average: %.2f before, %.2f after (the server and '
        'client account for up to 2 while measuring; more is other work on '
        'the machine)' % (meta['load_before'], meta['load_after']),
        '',
        '### Messages per second (median of %d runs)' % args.runs, '',
        '| server | sequential msg/s | spread | vs websockets | '
        'concurrent (%d conns) msg/s | spread | vs websockets |'
        % args.connections,
        '|---|---:|---:|---:|---:|---:|---:|',
    ]
    reference = {mode: results.get((REFERENCE, mode)) for mode in MODES}
    for server in servers:
        cells = []
        for mode in MODES:
            runs = results[(server.ident, mode)]
            rate = median_rate(runs)
            ref = reference[mode]
            ratio = '%.2fx' % (rate / median_rate(ref)) if ref else '-'
            if server.ident == REFERENCE:
                ratio = '1.00x'
            cells += ['%.0f' % rate, '%.0f%%' % spread(runs), ratio]
        lines.append('| %s | %s |' % (server.label, ' | '.join(cells)))
    lines += ['', '"spread" is (max - min) / median of the runs. "vs '
              'websockets" is the ratio of the medians to the websockets '
              'server\'s in this same run.', '',
              '### CPU: who bounds the rate, and the server\'s cost per '
              'message (medians)', '',
              '"busy" is the user + system CPU time of the server process '
              'and of the client over the timed messages, as a share of the '
              'elapsed time: near 100% that process saturates its core and '
              'bounds the rate; well below it, they wait on each other '
              '(round trips, wake-ups) or on other work of the machine. '
              '"server CPU per message" is the server\'s CPU time divided by '
              'the messages echoed: its cost, less sensitive than msg/s to '
              'what else runs on the machine.', '',
              '| server | sequential: server busy | client busy | server CPU '
              'per message | concurrent: server busy | client busy | server '
              'CPU per message | vs websockets |',
              '|---|---:|---:|---:|---:|---:|---:|---:|']
    ref_us = median_share(reference['concurrent'] or [], 'server_us')
    for server in servers:
        cells = []
        for mode in MODES:
            runs = results[(server.ident, mode)]
            cost = median_share(runs, 'server_us')
            cells += [percent(median_share(runs, 'server_cpu')),
                      percent(median_share(runs, 'client_cpu')),
                      '-' if cost is None else '%.1f us' % cost]
        cost = median_share(results[(server.ident, 'concurrent')],
                            'server_us')
        cells.append('%.2fx' % (cost / ref_us) if cost and ref_us else '-')
        lines.append('| %s | %s |' % (server.label, ' | '.join(cells)))
    lines += ['', 'In "vs websockets" of this table, below 1 means our server '
              'spends less CPU per message than the websockets server.', '']
    if all(reference.values()):
        lines += ['### Ratio per round', '',
                  'Each round measures every server once, back to back; '
                  'the ratio to the websockets server of the same round:', '']
        for server in servers:
            if server.ident == REFERENCE:
                continue
            parts = []
            for mode in MODES:
                ratios = [r['rate'] / ref['rate'] for r, ref in
                          zip(results[(server.ident, mode)],
                              reference[mode])]
                parts.append('%s %s' % (mode, ', '.join(
                    '%.2fx' % ratio for ratio in ratios)))
            lines.append('- %s: %s' % (server.label, '; '.join(parts)))
        lines.append('')
    lines += ['### Runs (msg/s)', '']
    for server in servers:
        lines.append('- %s: %s' % (server.label, '; '.join(
            '%s %s' % (mode, ', '.join(
                '%.0f' % r['rate'] for r in results[(server.ident, mode)]))
            for mode in MODES)))
    slow_close = [server.label for server in servers if statistics.median(
        r['close_seconds'] for mode in MODES
        for r in results[(server.ident, mode)]) > 1]
    lines += ['', 'Closing (not timed above): the client\'s `close()`, the '
              'closing handshake and the wait for the server to close TCP '
              '(at most %d s), median seconds per server: %s.' % (
                  CLOSE_TIMEOUT, ', '.join('%s %.3f' % (
                      server.label, statistics.median(
                          r['close_seconds'] for mode in MODES
                          for r in results[(server.ident, mode)]))
                      for server in servers))]
    if slow_close:
        lines.append('')
        lines.append('**%s left the TCP connection open after the closing '
                     'handshake** (the client waited its full close timeout; '
                     'RFC 6455 section 7.1.1 wants the server to close '
                     'first).' % ', '.join(slow_close))
    lines += [
        '', '### Caveats', '',
        '- Two CPUs: server on one, client on the other. The client is one '
        'Python process: where its CPU share above is near 100% it, not '
        'the server, bounds the rate, and the servers\' differences are '
        'understated. The sequential column is a round-trip latency '
        'measure: each message waits for the previous echo.',
        '- Other work on the machine (the load average above) shows up as '
        'spread; read the per-round ratios before a single median.',
        '- The websockets server runs on plain asyncio; uvicorn picks uvloop '
        'and its own WebSocket protocol implementation by default, so the '
        'ASGI row measures uvicorn\'s framing plus our adapter, not our '
        'codec.',
        '- Results are comparable within one run, not across machines.',
    ]
    if meta.get('notes'):
        lines += ['- %s' % note for note in meta['notes']]
    return '\n'.join(lines) + '\n'


def uvicorn_choices():
    # as uvicorn.protocols.websockets.auto chooses
    ws = 'websockets-sansio' if importlib.util.find_spec('websockets') else \
        'wsproto' if importlib.util.find_spec('wsproto') else 'none'
    loop = 'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'
    return ws, loop


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['client']:
        parser = argparse.ArgumentParser(prog='ws_bench.py client')
        parser.add_argument('--uri', required=True)
        parser.add_argument('--messages', type=int, required=True)
        parser.add_argument('--connections', type=int, default=1)
        parser.add_argument('--size', type=int, default=1024)
        parser.add_argument('--binary', action='store_true')
        parser.add_argument('--timeout', type=float, default=120)
        parser.add_argument('--loop', default='asyncio')
        parser.add_argument('--server-pid', type=int, default=None)
        return client(parser.parse_args(argv[1:]))

    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--write', action='store_true',
                        help='write the results to docs/benchmarks.md')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--messages', type=int, default=20000,
                        help='messages of a sequential measurement '
                        '(default 20000)')
    parser.add_argument('--concurrent-messages', type=int, default=100000,
                        help='messages of a concurrent measurement, over '
                        'all its connections (default 100000)')
    parser.add_argument('--connections', type=int, default=10,
                        help='connections in the concurrent mode')
    parser.add_argument('--size', type=int, default=1024,
                        help='message size in bytes (default 1024)')
    parser.add_argument('--binary', action='store_true',
                        help='binary messages (default: text)')
    parser.add_argument('--quick', action='store_true',
                        help='1 run of 5000 (sequential) and 20000 '
                        '(concurrent) messages, a quick look')
    parser.add_argument('--client-timeout', type=int, default=180)
    parser.add_argument('--client-loop', choices=['uvloop', 'asyncio'],
                        default=None, help='event loop of the client '
                        '(default: uvloop when installed, the faster one)')
    parser.add_argument('--servers', default=','.join(s[0] for s in SERVERS),
                        help='comma-separated ids among: %s' % ', '.join(
                            s[0] for s in SERVERS))
    args = parser.parse_args(argv)
    args.argv = argv
    if args.quick:
        args.runs, args.messages, args.concurrent_messages = 1, 5000, 20000
    ids = [i.strip() for i in args.servers.split(',') if i.strip()]
    unknown = set(ids) - set(s[0] for s in SERVERS)
    if unknown:
        parser.error('unknown server ids: %s' % ', '.join(sorted(unknown)))
    notes = []
    if 'uvloop' in ids and not importlib.util.find_spec('uvloop'):
        ids.remove('uvloop')
        notes.append('uvloop is not installed: its row is skipped')
    if args.client_loop is None:
        args.client_loop = 'uvloop' if importlib.util.find_spec('uvloop') \
            else 'asyncio'
    uvicorn_ws, uvicorn_loop = uvicorn_choices()
    meta = {'python': '%d.%d.%d' % sys.version_info[:3],
            'websockets': version('websockets'),
            'uvicorn': version('uvicorn'), 'uvloop': version('uvloop'),
            'uvicorn_ws': uvicorn_ws, 'uvicorn_loop': uvicorn_loop,
            'notes': notes}

    servers = []
    try:
        for ident, label in SERVERS:
            if ident in ids:
                server = Server(ident, label)
                servers.append(server)
                server.wait_ready()
        meta['load_before'] = os.getloadavg()[0]
        results = measure(servers, args)
        meta['load_after'] = os.getloadavg()[0]
    finally:
        for server in servers:
            server.stop()
            output = server.output().strip()
            if output:
                log('%s output:\n%s' % (server.label, output[-3000:]))
    text = report(servers, results, args, meta)
    print(text)
    if args.write:
        _docs.write_section('websocket', text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
