"""Idle connections cost no worker: a request is answered at once while
hundreds of sockets sit open without sending, or wait between keep-alive
requests; idle sockets are still closed on time and at shutdown.

The threaded server keeps idle connections in one poller and takes a worker
only when bytes arrive; the asyncio servers multiplex. MicroPython's threaded
kind serves one connection at a time (no threads): these cases do not apply.
Last, MicroPython's asyncio streams driver reads a 100 KB request line in
RAM bounded by the line limit. Every socket has a timeout and every wait is
bounded.
"""
import resource
import socket
import subprocess
import sys
import time
import warnings

import pytest

from conftest import APPS, ROOT, SRC, ServerKind, Unavailable, \
    _selected_kinds, check_server_health, find_micropython, free_port, \
    start_server

IDLE_CLIENTS = 200
# the unix port's default heap is 2 MiB (see test_e2e_scale.py)
MICROPYTHON_IDLE_CLIENTS = 100
ANSWERED_WITHIN = 0.1  # seconds, with the idle ones open
HELLO = b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n'


def _require_idle_handling(server):
    if not server.concurrent:
        pytest.skip('%s serves one connection at a time (no threads): an '
                    'idle connection is given up when another client waits'
                    % server.kind)


def _idle_count(server):
    needed = IDLE_CLIENTS + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    return MICROPYTHON_IDLE_CLIENTS if 'micropython' in server.kind \
        else IDLE_CLIENTS


def _timed_hello(server):
    """Seconds from connecting to the end of a response to ``GET /``."""
    start = time.monotonic()
    with server.connect(timeout=5) as conn:
        conn.send(HELLO)
        response = conn.read_response()
    elapsed = time.monotonic() - start
    assert response.status == 200
    assert response.body == b'Hello, world!'
    return elapsed


def _best_of_three(server):
    # the first connection after a burst may meet a busy scheduler on a
    # shared machine; a delay caused by the idle sockets shows in all three
    return min(_timed_hello(server) for _ in range(3))


def _close_all(sockets):
    for sock in sockets:
        sock.close()


def test_request_behind_idle_sockets(server):
    """Sockets that connected and sent nothing do not delay a request."""
    _require_idle_handling(server)
    server.difference('idle-sockets')
    idle = []
    try:
        for _ in range(_idle_count(server)):
            idle.append(socket.create_connection((server.host, server.port),
                                                 timeout=5))
        time.sleep(0.1)  # let the server accept them all
        elapsed = _best_of_three(server)
        assert elapsed < ANSWERED_WITHIN, \
            'answered after %.3f s behind %d idle sockets' % (elapsed,
                                                              len(idle))
    finally:
        _close_all(idle)
    server.assert_alive()


def test_request_behind_idle_keep_alive_connections(server):
    """Keep-alive connections that made one request and wait for the next
    do not delay another client's request."""
    _require_idle_handling(server)
    idle = []
    try:
        start = time.monotonic()
        for _ in range(_idle_count(server)):
            conn = server.connect(timeout=5)
            idle.append(conn)
            conn.send(HELLO)
            assert conn.read_response().status == 200
        # none of them waits for another's keep-alive timeout (5 s)
        assert time.monotonic() - start < 4
        elapsed = _best_of_three(server)
        assert elapsed < ANSWERED_WITHIN, \
            'answered after %.3f s behind %d idle keep-alive connections' % (
                elapsed, len(idle))
        # each of them is still served
        for conn in idle[:5] + idle[-5:]:
            conn.send(HELLO)
            assert conn.read_response().body == b'Hello, world!'
    finally:
        _close_all(idle)


def _seconds_until_closed(sock, limit):
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        data = sock.recv(65536)
    except ConnectionResetError:
        data = b''
    except socket.timeout:
        raise AssertionError('idle connection still open after %.1f s'
                             % limit)
    assert data == b'', data[:200]
    return time.monotonic() - start


def test_silent_connection_closed_after_read_timeout(server):
    """In the threaded server's poller, a new connection that sends nothing
    is closed after ``Request.socket_read_timeout`` (1 s), as it was when
    it waited in a worker. (A kept-alive one after ``keep_alive_timeout``:
    test_e2e_connection's test_idle_keep_alive_connection_closed.)"""
    if server.kind != 'threaded':
        pytest.skip('the poller is the threaded server\'s (the asyncio '
                    'servers wait keep_alive_timeout for a first request)')
    with server.connect(timeout=5) as silent:
        waited = _seconds_until_closed(silent.sock, 3)
    assert 0.5 < waited < 1.5, waited
    server.assert_alive()


def test_shutdown_closes_idle_connections(server):
    """``app.shutdown()`` closes idle connections, new and kept alive, and
    the server exits without waiting for their timeouts."""
    server.require_shutdown()
    _require_idle_handling(server)
    server.difference('idle-shutdown')
    server.expect_exit = True
    with server.connect(timeout=5) as silent, \
            server.connect(timeout=5) as kept:
        kept.send(HELLO)
        assert kept.read_response().status == 200
        start = time.monotonic()
        assert server.get('/shutdown').body == b'shutting down'
        assert server.proc.wait(timeout=4) == \
            server.difference('exit-code', 0)
        for conn in (silent, kept):
            assert _seconds_until_closed(conn.sock, 1) < 1
        assert time.monotonic() - start < 4


# --- MicroPython's asyncio streams driver: a long line in bounded RAM ------

LONG_LINE = b'GET /' + b'a' * 100000 + b' HTTP/1.1\r\n'
# enough for the app and a request; an uncapped readline of the 100 KB line
# needs more (measured: it fails with 256K, passes with 384K)
SMALL_HEAP = '192K'


def _micropython_asyncio_kind():
    for kind in _selected_kinds():
        if kind.name == 'micropython-asyncio':
            try:
                kind.command(0)
            except Unavailable as exc:
                warnings.warn(str(exc))
                pytest.skip(str(exc))
            return kind
    pytest.skip('micropython-asyncio is not among the selected server kinds')


def test_long_request_line_on_a_small_heap(tmp_path):
    """A 100 KB request line gets 414 from a MicroPython asyncio server
    whose whole heap is 192 KiB."""
    server = start_server(_micropython_asyncio_kind(), tmp_path,
                          heapsize=SMALL_HEAP)
    try:
        with server.connect(timeout=10) as conn:
            conn.send(LONG_LINE + b'Host: e2e\r\n\r\n')
            assert conn.read_response().status == 414
        server.assert_alive()
    finally:
        check_server_health(server)


# what StreamsConnection.readline allocates for the 100 KB line, with the
# garbage collector off (so every byte it allocated is counted)
HEAP_PROBE = '''
import sys
sys.path.insert(0, sys.argv[1])
import asyncio, gc
from microdot_asyncio import Microdot
from _microdot_asyncio_server import StreamsConnection
PORT = int(sys.argv[2])
LINE = b'GET /' + b'a' * 100000 + b' HTTP/1.1\\r\\n'
app = Microdot()
result = []

async def handle(reader, writer):
    conn = StreamsConnection(app, reader, writer)
    await conn.readline(2050)  # a short line first: the code path is warm
    await asyncio.sleep(0.2)
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    line = await conn.readline(2050)
    result.append((len(line), gc.mem_alloc() - before))
    gc.enable()
    await conn.aclose()

async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', PORT)
    reader, writer = await asyncio.open_connection('127.0.0.1', PORT)
    writer.write(b'GET / HTTP/1.1\\r\\n' + LINE)
    await writer.drain()
    for _ in range(100):
        if result:
            break
        await asyncio.sleep(0.05)
    print('%d %d' % result[0])
    writer.close()
    server.close()

asyncio.run(main())
'''


def test_long_request_line_allocates_about_the_line_limit(tmp_path):
    """Reading a 100 KB line allocates a few times the 2 KB line limit in
    all (before: the whole line, about 100 KB): a 256-byte read, a read of
    the rest up to the limit, their concatenation and two wait_for."""
    _micropython_asyncio_kind()
    script = tmp_path / 'heap_probe.py'
    script.write_text(HEAP_PROBE)
    result = subprocess.run(
        [find_micropython(), str(script), str(SRC), str(free_port())],
        cwd=str(ROOT), capture_output=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    length, allocated = map(int, result.stdout.split())
    assert length == 2050  # the limit: read_request answers 414
    assert allocated < 5 * 2048, allocated


# --- Out of file descriptors ----------------------------------------------

LOW_FD_SERVER = '''
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
'''


def test_out_of_descriptors_closes_the_oldest_idle_connection(tmp_path):
    """With 64 descriptors and 100 silent sockets, the threaded server
    closes the idle connections nearest their deadline to accept more: a
    request is answered at once, not after the silent ones time out."""
    if 'threaded' not in [kind.name for kind in _selected_kinds()]:
        pytest.skip('threaded is not among the selected server kinds')
    script = tmp_path / 'low_fd.py'
    script.write_text(LOW_FD_SERVER)
    kind = ServerKind('threaded-64-fds', lambda port, **options: [
        sys.executable, script, APPS / 'basic_app.py', port])
    server = start_server(kind, tmp_path)
    silent = []
    try:
        for _ in range(100):
            silent.append(socket.create_connection((server.host,
                                                    server.port), 5))
        time.sleep(0.2)
        start = time.monotonic()
        with server.connect(timeout=5) as conn:
            conn.send(HELLO)
            assert conn.read_response().status == 200
        assert time.monotonic() - start < 0.5
        assert _seconds_until_closed(silent[0], 1) < 0.1
    finally:
        _close_all(silent)
        check_server_health(server)
