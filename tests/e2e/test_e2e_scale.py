"""Many connections at once: what the asyncio servers promise.

A thread per connection (the threaded server) is bounded by
``max_connections``; these tests are for the servers that multiplex.
Counts and waits are bounded: every test ends by itself.
"""
import asyncio
import resource
import socket
import time

import pytest

KEEP_ALIVE_CLIENTS = 1000
# the unix port's default heap is 2 MiB, a board's far less: a hundred
# connections at once is already more than a board can open
MICROPYTHON_CLIENTS = 100
IDLE_CLIENTS = 200
REQUEST = b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n'


def _require_multiplexing(server):
    if 'asyncio' not in server.kind:
        pytest.skip('%s serves a connection per thread (or one at a time): '
                    'bounded by max_connections, not multiplexed'
                    % server.kind)


def _raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


async def _read_response(reader):
    head = await reader.readuntil(b'\r\n\r\n')
    length = 0
    for line in head.split(b'\r\n'):
        if line.lower().startswith(b'content-length:'):
            length = int(line.split(b':')[1])
    return head.split(b' ', 2)[1], await reader.readexactly(length)


async def _keep_alive_client(host, port, requests):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        results = []
        for _ in range(requests):
            writer.write(REQUEST)
            await writer.drain()
            results.append(await _read_response(reader))
        return results
    finally:
        writer.close()


def test_1000_concurrent_keep_alive_connections(server):
    _require_multiplexing(server)
    count = MICROPYTHON_CLIENTS if 'micropython' in server.kind else \
        KEEP_ALIVE_CLIENTS
    _raise_fd_limit(count + 100)

    async def main():
        clients = [_keep_alive_client(server.host, server.port, 2)
                   for _ in range(count)]
        return await asyncio.wait_for(
            asyncio.gather(*clients, return_exceptions=True), 120)
    results = asyncio.run(main())
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, '%d of %d clients failed, first: %r' % (
        len(errors), count, errors[0])
    for pair in results:
        assert pair == [(b'200', b'Hello, world!')] * 2


def test_idle_connections_do_not_delay_a_request(server):
    _require_multiplexing(server)
    _raise_fd_limit(IDLE_CLIENTS + 100)
    idle = []
    try:
        for _ in range(IDLE_CLIENTS):
            idle.append(socket.create_connection((server.host, server.port),
                                                 timeout=5))
        start = time.monotonic()
        reply = server.get('/')
        elapsed = time.monotonic() - start
        assert reply.status == 200
        # the idle ones wait for their keep-alive timeout (5 s); a normal
        # request must not queue behind them
        assert elapsed < 2, elapsed
    finally:
        for sock in idle:
            sock.close()


EXPECTED_LOOPS = {'asyncio': 'uvloop', 'asyncio-plain': 'asyncio',
                  'asyncio-streams': 'asyncio'}


def test_event_loop_in_use(server):
    if server.kind not in EXPECTED_LOOPS:
        pytest.skip('%s has no choice of event loop' % server.kind)
    loop_module = server.get('/loop').text.split('.')[0]
    assert loop_module == EXPECTED_LOOPS[server.kind]
