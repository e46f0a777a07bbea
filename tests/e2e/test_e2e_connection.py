"""Connection handling over raw sockets: keep-alive, pipelining, HTTP/1.0,
Connection: close, chunked request bodies, slow and vanishing clients,
concurrency and graceful shutdown. Runs once per server kind."""
import socket
import struct
import threading
import time

HELLO = b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n'


def test_keep_alive_serves_several_requests_on_one_connection(server):
    with server.connect() as conn:
        for i in range(3):
            conn.send(b'GET /users/%d/k HTTP/1.1\r\nHost: e2e\r\n\r\n' % i)
            response = conn.read_response()
            assert response.status == 200
            assert response.version == 'HTTP/1.1'
            assert 'close' not in response.connection_tokens()
            assert response.body == b'{"id": %d, "name": "k"}' % i


def test_http_client_reuses_connection(server):
    conn = server.http()
    try:
        sockets = []
        for path in ('/', '/users/1/a', '/'):
            conn.request('GET', path)
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            sockets.append(conn.sock)
        assert sockets[0] is not None
        assert all(sock is sockets[0] for sock in sockets), 'reconnected'
    finally:
        conn.close()


def test_pipelined_requests_answered_in_order(server):
    with server.connect() as conn:
        conn.send(b'GET /slow?seconds=0.3 HTTP/1.1\r\nHost: e2e\r\n\r\n'
                  b'POST /echo HTTP/1.1\r\nHost: e2e\r\n'
                  b'Content-Length: 5\r\n\r\nhello'
                  b'GET /users/2/b HTTP/1.1\r\nHost: e2e\r\n\r\n')
        assert conn.read_response().body == b'slept 0.3'
        assert conn.read_response().body == b'hello'
        assert conn.read_response().body == b'{"id": 2, "name": "b"}'


def test_http10_request_closes_connection(server):
    with server.connect() as conn:
        conn.send(b'GET /info HTTP/1.0\r\n\r\n')
        response = conn.read_response()
        assert response.status == 200
        assert b'"http_version": "1.0"' in response.body
        conn.assert_closed()


def test_http10_keep_alive(server):
    server.difference('http10-keep-alive')
    with server.connect() as conn:
        conn.send(b'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
        response = conn.read_response()
        assert response.body == b'Hello, world!'
        assert 'keep-alive' in response.connection_tokens()
        conn.send(b'GET / HTTP/1.0\r\n\r\n')
        assert conn.read_response().body == b'Hello, world!'
        conn.assert_closed()


def test_connection_close_honoured(server):
    with server.connect() as conn:
        conn.send(b'GET / HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n\r\n')
        response = conn.read_response()
        assert response.body == b'Hello, world!'
        conn.assert_closed()
    server.assert_alive()


def test_chunked_request_body(server):
    with server.connect() as conn:
        conn.send(b'POST /echo HTTP/1.1\r\nHost: e2e\r\n'
                  b'Transfer-Encoding: chunked\r\n\r\n'
                  b'5\r\nhello\r\n'
                  b'6;ext=1\r\n world\r\n'
                  b'0\r\n\r\n')
        response = conn.read_response()
        assert response.status == 200
        assert response.body == b'hello world'
        # the whole chunked body was consumed: the connection goes on
        conn.send(HELLO)
        assert conn.read_response().body == b'Hello, world!'


def _abandon(server, path, reset):
    with server.connect() as conn:
        if reset:  # close with RST instead of FIN
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack('ii', 1, 0))
        conn.send(b'GET %s HTTP/1.1\r\nHost: e2e\r\n\r\n' % path.encode())
        received = conn.sock.recv(1000)
        assert received.startswith(b'HTTP/1.')


def test_client_disconnects_mid_response(server):
    for path in ('/large?size=%d' % (1024 * 1024),
                 '/large-stream?size=%d' % (8 * 1024 * 1024)):
        for reset in (False, True):
            _abandon(server, path, reset)
            server.assert_alive()
    # let the server notice the broken pipes, then check once more
    time.sleep(0.2)
    server.assert_alive()


def test_client_stalling_mid_headers_is_dropped(server):
    server.difference('stalling-client')
    with server.connect() as conn:
        conn.send(b'GET / HTTP/1.1\r\nHost: e2e\r\nX-Partial: yes')
        start = time.monotonic()
        conn.sock.settimeout(6)
        data = b''
        try:
            while True:
                piece = conn.sock.recv(65536)
                if not piece:
                    break
                data += piece
        except ConnectionResetError:
            pass
        except socket.timeout:
            raise AssertionError('stalled client kept for more than 6 s')
        waited = time.monotonic() - start
    # socket_read_timeout is 1 s: dropped after it, not before
    assert waited >= 0.5, 'dropped after only %.2f s' % waited
    if data:  # a server may say why (408/400) before closing
        status = int(data.split(b' ', 2)[1])
        assert 400 <= status < 500, data[:200]
    server.assert_alive()


def test_idle_keep_alive_connection_closed(server):
    with server.connect() as conn:
        conn.send(HELLO)
        assert conn.read_response().status == 200
        waited = conn.assert_closed(within=9)
    # keep_alive_timeout is 5 s
    assert 3.5 <= waited, 'idle connection closed after %.2f s' % waited
    server.assert_alive()


def _in_thread(function, *args):
    result = {}

    def run():
        try:
            result['value'] = function(*args)
        except BaseException as exc:  # reported by the caller
            result['error'] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _joined(thread, result, timeout=15):
    thread.join(timeout)
    assert not thread.is_alive(), 'client thread still running'
    if 'error' in result:
        raise result['error']
    return result['value']


def test_slow_request_does_not_block_others(server):
    server.require_concurrency()
    thread, result = _in_thread(server.get, '/slow?seconds=1.5')
    time.sleep(0.2)
    start = time.monotonic()
    server.assert_alive()
    assert time.monotonic() - start < 1.0
    assert _joined(thread, result).body == b'slept 1.5'


def test_requests_served_concurrently(server):
    server.require_concurrency()
    start = time.monotonic()
    workers = [_in_thread(server.get, '/slow?seconds=1') for _ in range(3)]
    for thread, result in workers:
        assert _joined(thread, result).body == b'slept 1.0'
    assert time.monotonic() - start < 2.5


def test_shutdown_exits(server):
    server.require_shutdown()
    server.expect_exit = True
    reply = server.get('/shutdown')
    assert reply.status == 200
    assert reply.body == b'shutting down'
    assert server.proc.wait(timeout=10) == server.difference('exit-code', 0)


def test_graceful_shutdown_finishes_inflight_request(server):
    server.require_shutdown()
    server.require_concurrency()
    server.expect_exit = True
    thread, result = _in_thread(server.get, '/slow?seconds=1.5')
    time.sleep(0.3)
    assert server.get('/shutdown').body == b'shutting down'
    reply = _joined(thread, result)
    assert reply.status == 200
    assert reply.body == b'slept 1.5'
    assert server.proc.wait(timeout=10) == server.difference('exit-code', 0)
