"""The soak: mixed valid, hostile, slow and aborted traffic against every
server kind of the e2e battery, then a check that nothing leaked.

Usage::

    python tools/soak.py [--seconds 120] [--kinds threaded,uvicorn]

``make soak`` runs it for ``SOAK_SECONDS``; ``tests/e2e/test_e2e_soak.py``
runs a 16-second one (20 s in all) in ``make test``. Every kind runs at once, each
serving ``tests/e2e/apps/soak_app.py`` (started and stopped, by its PID,
through ``tests/e2e/conftest.py``) to its own clients on 127.0.0.1:

1. warm-up: the same traffic as the soak, from twice as many clients, for a
   fifth of the time (at most 10 s), so that thread pools, caches and the
   allocator reach their working size; then the baseline, once the
   connections are closed;
2. the soak: ``CLIENTS`` client threads per server (one for a server that
   serves one connection at a time), each picking actions at random
   (``ACTIONS``) until the time is up;
3. the end: once the server has closed what the clients closed (up to
   ``SETTLE_SECONDS``), its figures against the baseline.

The figures, summed over the server's processes (gunicorn's master and
workers): RSS (``VmRSS``), threads, file descriptors, descriptors open on
the file that ``/file`` sends, and from the app (``/debug/counters``, on
every gunicorn worker it reaches) the asyncio tasks, the ``/stream``
generators started and closed and the WebSocket handlers still running.
The checks: RSS grew by less than 5%; fds, threads and tasks are back at
the baseline or below; no descriptor on the file; every generator closed;
no WebSocket handler left; every valid request and WebSocket message
answered right, no hostile request answered 500; no unexpected traceback
in the server's output.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / 'tests' / 'e2e'), str(ROOT / 'src')]

from conftest import HOST, SERVER_KINDS, RawConnection, Unavailable, \
    start_server, unexpected_tracebacks  # noqa: E402
from _microdot_test_websocket import encode_frame  # noqa: E402

CLIENTS = 4            # client threads per server that serves concurrently
SETTLE_SECONDS = 3     # how long the server has to close what clients left
IO_TIMEOUT = 5         # seconds a client waits for the server
RSS_GROWTH_LIMIT = 0.05
FILE_SIZE = 4 * 1024 * 1024
MAX_ACTIONS = 100000   # per client thread, whatever the time
APP = 'soak_app'


# What the server's processes hold (Linux /proc)

def process_tree(pid):
    """``pid`` and its descendants."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as stat:
                    # the command may hold spaces and parentheses
                    ppid = int(stat.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, index = [pid], 0
    while index < len(tree):
        tree.extend(children.get(tree[index], ()))
        index += 1
    return tree


def process_figures(pid, watched_file):
    """RSS (kB), threads, fds and fds on ``watched_file`` of a process
    tree."""
    figures = {'rss_kb': 0, 'threads': 0, 'fds': 0, 'file_fds': 0,
               'processes': 0}
    for member in process_tree(pid):
        try:
            with open('/proc/%d/status' % member) as status:
                for line in status:
                    name, _, value = line.partition(':')
                    if name == 'VmRSS':
                        figures['rss_kb'] += int(value.split()[0])
                    elif name == 'Threads':
                        figures['threads'] += int(value)
            fd_dir = '/proc/%d/fd' % member
            for fd in os.listdir(fd_dir):
                figures['fds'] += 1
                try:
                    if os.readlink(os.path.join(fd_dir, fd)) == watched_file:
                        figures['file_fds'] += 1
                except OSError:  # closed meanwhile
                    pass
            figures['processes'] += 1
        except OSError:  # exited meanwhile
            continue
    return figures


def app_counters(port, processes):
    """``/debug/counters`` of each process reached (gunicorn's workers
    take connections in turn: ask until every one has answered, or 30
    times), summed; ``tasks`` is None where asyncio has no all_tasks."""
    seen = {}
    for _ in range(30):
        with RawConnection(HOST, port, IO_TIMEOUT) as conn:
            conn.send(b'GET /debug/counters HTTP/1.1\r\nHost: soak\r\n'
                      b'Connection: close\r\n\r\n')
            reply = json.loads(conn.read_response().body)
        seen[reply['pid']] = reply
        if len(seen) >= processes:
            break
    tasks = [reply['tasks'] for reply in seen.values()]
    return {'started': sum(reply['started'] for reply in seen.values()),
            'closed': sum(reply['closed'] for reply in seen.values()),
            'tasks': None if None in tasks else sum(tasks),
            'websockets': sum(reply['websockets'] for reply in seen.values()),
            'workers_seen': len(seen)}


# The traffic: each action opens its own connection(s) and closes them

def _abort(conn):
    # close with a reset (SO_LINGER 0), as a client that is killed does
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
    conn.close()


def keep_alive(port, rng):
    """Three valid requests on one connection; each answer checked."""
    with RawConnection(HOST, port, IO_TIMEOUT) as conn:
        conn.send(b'GET / HTTP/1.1\r\nHost: soak\r\n\r\n')
        reply = conn.read_response()
        assert (reply.status, reply.body) == (200, b'Hello, world!'), \
            (reply.status, reply.body[:100])
        conn.send(b'GET /args?x=1&x=%C3%A9 HTTP/1.1\r\nHost: soak\r\n'
                  b'Cookie: a=1; b="2"\r\n\r\n')
        reply = conn.read_response()
        assert reply.status == 200 and json.loads(reply.body) == {
            'x': ['1', '\xe9'], 'c': {'a': '1', 'b': '2'}}, reply.body[:100]
        body = os.urandom(rng.randrange(0, 4000))
        conn.send(b'POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: '
                  b'%d\r\n\r\n%s' % (len(body), body))
        reply = conn.read_response()
        assert (reply.status, reply.body) == (200, body), reply.status


def full_stream(port, rng):
    """A streamed response read to its end."""
    count = rng.randrange(1, 8)
    with RawConnection(HOST, port, IO_TIMEOUT) as conn:
        conn.send(b'GET /stream?n=%d HTTP/1.1\r\nHost: soak\r\n'
                  b'Connection: close\r\n\r\n' % count)
        reply = conn.read_response()
        assert (reply.status, len(reply.body)) == (200, count * 16384), \
            (reply.status, len(reply.body))


MALFORMED = [
    b'GET / HTTP/1.1\r\nHost: x\r\nA: a\nContent-Length: 26\r\n\r\n',
    b'GET /\x00 HTTP/1.1\r\n\r\n',
    b'GET / HTTP/9.9\r\n\r\n',
    b'G E T / HTTP/1.1\r\n\r\n',
    b'GET / HTTP/1.1\r\nNo colon here\r\n\r\n',
    b'GET / HTTP/1.1\r\n folded: header\r\n\r\n',
    b'GET /' + b'a' * 5000 + b' HTTP/1.1\r\n\r\n',
    b'GET / HTTP/1.1\r\nX: ' + b'b' * 5000 + b'\r\n\r\n',
    b'GET / HTTP/1.1\r\n' + b'X-N: 1\r\n' * 200 + b'\r\n',
    b'POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
    b'POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
    b'POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    b'POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
    b'POST /echo HTTP/1.1\r\nContent-Length: 999999\r\n\r\n',
    b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + b'\x00' * 40,
    b'\r\n\r\n\r\n\r\n\r\n',
]


def malformed(port, rng):
    """A malformed request: its answer (any status but 500), or a close,
    or no answer within a second (gunicorn and uvicorn wait for more of
    some of them)."""
    index = rng.randrange(len(MALFORMED))
    with RawConnection(HOST, port, 1) as conn:
        try:
            conn.send(MALFORMED[index])
            reply = conn.read_response()
        except (EOFError, ConnectionResetError, BrokenPipeError):
            return '#%d closed' % index
        except socket.timeout:
            return '#%d no answer' % index
        assert reply.status != 500, reply.status
        return '#%d %d' % (index, reply.status)


def slow_client(port, rng):
    """Half a head, a wait, then either the rest or a close."""
    with RawConnection(HOST, port, IO_TIMEOUT) as conn:
        conn.send(b'GET /args?x=slow HTTP/1.1\r\nHost: soak\r\n')
        time.sleep(rng.uniform(0.1, 0.6))
        if rng.random() < 0.5:
            return 'left'
        conn.send(b'X-Slow: 1\r\n\r\n')
        reply = conn.read_response()
        assert reply.status == 200, reply.status
        return 'finished'


def abort_request(port, rng):
    """A body cut short: the client leaves mid-request."""
    conn = RawConnection(HOST, port, IO_TIMEOUT)
    conn.send(b'POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 8000'
              b'\r\n\r\n' + b'y' * rng.randrange(0, 4000))
    time.sleep(rng.uniform(0, 0.2))
    _abort(conn)


def abort_response(port, rng):
    """A large streamed response or file, left after its first bytes."""
    path = rng.choice([b'/stream?n=512', b'/file'])
    conn = RawConnection(HOST, port, IO_TIMEOUT)
    try:
        conn.send(b'GET %s HTTP/1.1\r\nHost: soak\r\n\r\n' % path)
        while len(conn.buffer) < rng.randrange(1, 100000):
            conn._fill()
    finally:
        _abort(conn)


def idle(port, rng):
    """Connect, send nothing, leave."""
    conn = RawConnection(HOST, port, IO_TIMEOUT)
    time.sleep(rng.uniform(0, 0.3))
    conn.close()


def _server_frame(conn):
    # (opcode, payload) of the next frame; a server's frames are not masked
    first, second = conn.read_exact(2)
    size = second & 0x7F
    if size == 126:
        size = struct.unpack('!H', conn.read_exact(2))[0]
    elif size == 127:
        size = struct.unpack('!Q', conn.read_exact(8))[0]
    return first & 0x0F, conn.read_exact(size)


def websocket(port, rng):
    """A few echoed messages, then a clean close or a reset."""
    conn = RawConnection(HOST, port, IO_TIMEOUT)
    try:
        conn.send(b'GET /ws/echo HTTP/1.1\r\nHost: soak\r\nUpgrade: '
                  b'websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: '
                  b'dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13'
                  b'\r\n\r\n')
        status = conn.read_head()[1]
        assert status == 101, status
        for _ in range(rng.randrange(1, 4)):
            message = os.urandom(rng.randrange(0, 3000))
            conn.send(encode_frame(2, message, mask=os.urandom(4)))
            assert _server_frame(conn) == (2, message)
        if rng.random() < 0.5:
            return 'reset'
        conn.send(encode_frame(8, b'\x03\xe8', mask=os.urandom(4)))
        assert _server_frame(conn)[0] == 8
        return 'closed'
    finally:
        _abort(conn)


# (action, weight)
ACTIONS = [(keep_alive, 5), (full_stream, 1), (malformed, 2),
           (slow_client, 1), (abort_request, 1), (abort_response, 2),
           (idle, 1), (websocket, 1)]


def client_loop(port, seed, until, stats, actions):
    """Actions at random until ``until`` (time.monotonic()); counts and
    failures go into ``stats`` (shared, under its lock)."""
    rng = random.Random(seed)
    for _ in range(MAX_ACTIONS):
        if time.monotonic() >= until:
            break
        action = rng.choice(actions)
        try:
            outcome = action(port, rng)
            error = None
        except Exception as exc:
            outcome, error = 'FAILED', '%s: %s: %r' % (
                action.__name__, type(exc).__name__, exc)
        with stats['lock']:
            key = action.__name__ + ('' if outcome is None
                                     else ' ' + str(outcome))
            stats['counts'][key] = stats['counts'].get(key, 0) + 1
            if error and len(stats['failures']) < 20:
                stats['failures'].append(error)


def traffic(spec, port, seconds, clients, seed):
    stats = {'lock': threading.Lock(), 'counts': {}, 'failures': []}
    until = time.monotonic() + seconds
    # WSGI has no WebSocket (the kind says so in its differences)
    actions = [action for action, weight in ACTIONS for _ in range(weight)
               if action is not websocket or
               'websocket' not in spec.differences]
    threads = [threading.Thread(target=client_loop,
                                args=(port, seed + i, until, stats, actions))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    del stats['lock']
    return stats


def settle(server, baseline, watched_file):
    """Figures once the server is back at the baseline, or after
    SETTLE_SECONDS; with the seconds it took."""
    start = time.monotonic()
    while True:
        figures = process_figures(server.proc.pid, watched_file)
        elapsed = time.monotonic() - start
        if elapsed > SETTLE_SECONDS or baseline is not None and \
                figures['fds'] <= baseline['fds'] and \
                figures['threads'] <= baseline['threads'] and \
                not figures['file_fds']:
            figures['settle_seconds'] = round(elapsed, 2)
            return figures
        time.sleep(0.25)


def soak_kind(spec, seconds, log_dir, seed=1):
    """Soak one server kind for about ``seconds``; returns its report:
    ``figures`` (baseline and end), ``traffic``, ``problems``."""
    warm = min(seconds * 0.2, 10)
    clients = CLIENTS if spec.concurrent else 1
    server = start_server(spec, log_dir, app=APP)
    report = {'kind': spec.name, 'problems': []}
    try:
        port, pid = server.port, server.proc.pid
        traffic(spec, port, warm, clients * 2, seed)
        time.sleep(1)  # the warm-up's last connections close
        base = process_figures(pid, WATCHED_FILE)
        base.update(app_counters(port, base['processes'] - 1 or 1))
        stats = traffic(spec, port, seconds - warm, clients, seed + 1000)
        end = settle(server, base, WATCHED_FILE)
        end.update(app_counters(port, base['processes'] - 1 or 1))
        report.update(baseline=base, end=end, traffic=stats)
        report['problems'] = check(spec, base, end, stats)
    finally:
        exited = server.proc.poll() is not None
        server.stop()
        out, err = server.output()
        allowed = spec.allowed_logs()
        if exited:
            report['problems'].append('server exited during the soak')
        for text in (out, err):
            report['problems'].extend(
                'logged: ' + block[-1500:]
                for block in unexpected_tracebacks(text, allowed))
    return report


def check(spec, base, end, stats):
    problems = ['client: ' + failure for failure in stats['failures']]
    growth = (end['rss_kb'] - base['rss_kb']) / float(base['rss_kb'])
    if growth >= RSS_GROWTH_LIMIT:
        problems.append('RSS grew by %.1f%% (%d kB -> %d kB)'
                        % (growth * 100, base['rss_kb'], end['rss_kb']))
    for name in ('fds', 'threads', 'tasks'):
        if end[name] is not None and end[name] > base[name]:
            problems.append('%s: %s at the baseline, %s at the end'
                            % (name, base[name], end[name]))
    if end['file_fds']:
        problems.append('file: %d descriptors still open on the sent file'
                        % end['file_fds'])
    if end['websockets']:
        problems.append('websockets: %d handlers still running'
                        % end['websockets'])
    if end['started'] != end['closed']:
        problems.append('/stream generators: %d started, %d closed'
                        % (end['started'], end['closed']))
    return problems


WATCHED_FILE = None


def make_watched_file(directory):
    """The file that ``/file`` sends (``SOAK_FILE``, set in os.environ,
    which the servers inherit)."""
    global WATCHED_FILE
    WATCHED_FILE = os.path.join(directory, 'soak-file.bin')
    with open(WATCHED_FILE, 'wb') as out:
        out.write(os.urandom(1024) * (FILE_SIZE // 1024))
    os.environ['SOAK_FILE'] = WATCHED_FILE
    return WATCHED_FILE


def available(kinds):
    usable, skipped = [], []
    for spec in kinds:
        try:
            spec.command(0)
            usable.append(spec)
        except Unavailable as exc:
            skipped.append((spec.name, str(exc)))
    return usable, skipped


def soak_all(kinds, seconds, directory):
    """Soak every kind at once (a thread each); the reports in order."""
    make_watched_file(directory)
    reports = {}

    def run(spec):
        log_dir = Path(directory) / spec.name
        log_dir.mkdir(exist_ok=True)
        try:
            reports[spec.name] = soak_kind(spec, seconds, log_dir)
        except BaseException as exc:  # pytest.fail in start_server, too
            reports[spec.name] = {'kind': spec.name, 'problems': [
                'soak failed: %s: %s' % (type(exc).__name__, exc)]}
    threads = [threading.Thread(target=run, args=(spec,)) for spec in kinds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [reports[spec.name] for spec in kinds]


def table(reports):
    """The figures as a Markdown table."""
    lines = ['| server | RSS kB before -> after | fds | threads | tasks | '
             'file fds | generators started/closed | WebSocket handlers '
             '| actions | problems |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for report in reports:
        base, end = report.get('baseline'), report.get('end')
        if not base:
            lines.append('| %s | | | | | | | | | %d |' % (
                report['kind'], len(report['problems'])))
            continue
        actions = sum(report['traffic']['counts'].values())
        lines.append(
            '| %s | %d -> %d (%+.1f%%) | %d -> %d | %d -> %d | %s -> %s | '
            '%d | %d/%d | %d | %d | %d |' % (
                report['kind'], base['rss_kb'], end['rss_kb'],
                100.0 * (end['rss_kb'] - base['rss_kb']) / base['rss_kb'],
                base['fds'], end['fds'], base['threads'], end['threads'],
                base['tasks'], end['tasks'], end['file_fds'],
                end['started'], end['closed'], end['websockets'], actions,
                len(report['problems'])))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=float(
        os.environ.get('SOAK_SECONDS') or 120))
    parser.add_argument('--kinds', help='comma-separated server kinds '
                        '(default: every one)')
    parser.add_argument('--json', help='write the reports to this file')
    args = parser.parse_args()
    kinds = SERVER_KINDS
    if args.kinds:
        names = args.kinds.split(',')
        kinds = [spec for spec in SERVER_KINDS if spec.name in names]
    kinds, skipped = available(kinds)
    for name, reason in skipped:
        print('== SKIPPED %s: %s' % (name, reason))
    with tempfile.TemporaryDirectory(prefix='microdot-soak-') as directory:
        reports = soak_all(kinds, args.seconds, directory)
    print(table(reports))
    for report in reports:
        for name, count in sorted(report.get('traffic', {}).get(
                'counts', {}).items()):
            print('  %s %s: %d' % (report['kind'], name, count))
        for problem in report['problems']:
            print('!! %s: %s' % (report['kind'], problem))
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(reports, out, indent=1, default=str)
    return 1 if any(report['problems'] for report in reports) else 0


if __name__ == '__main__':
    sys.exit(main())
