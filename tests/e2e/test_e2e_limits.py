"""Limits and malformed requests over raw sockets (docs/internals.md):
each gets its status with ``Connection: close``, the connection closes, and
the server goes on serving. Runs once per server kind."""
import pytest

LONG = 3 * 1024   # past max_readline (2 KiB)


def _headers(count):
    lines = [b'Host: e2e'] + [b'X-H%d: v' % i for i in range(count - 1)]
    return b''.join(line + b'\r\n' for line in lines)


CASES = [
    ('request-line-too-long',
     b'GET /' + b'a' * LONG + b' HTTP/1.1\r\nHost: e2e\r\n\r\n', 414),
    ('header-line-too-long',
     b'GET / HTTP/1.1\r\nHost: e2e\r\nX-Long: ' + b'a' * LONG + b'\r\n\r\n',
     431),
    ('too-many-headers',
     b'GET / HTTP/1.1\r\n' + _headers(65) + b'\r\n', 431),
    ('content-length-too-large',
     b'POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: %d\r\n\r\n'
     % (16 * 1024 + 1), 413),
    ('malformed-request-line', b'GARBAGE\r\n\r\n', 400),
    ('header-without-colon',
     b'GET / HTTP/1.1\r\nHost: e2e\r\nNoColonHere\r\n\r\n', 400),
    ('space-before-colon',
     b'GET / HTTP/1.1\r\nHost : e2e\r\n\r\n', 400),
    ('bad-content-length',
     b'POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: abc\r\n\r\n', 400),
    ('negative-content-length',
     b'POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: -5\r\n\r\n', 400),
    ('content-length-and-chunked',
     b'POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: 5\r\n'
     b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400),
    ('unknown-transfer-coding',
     b'POST /echo HTTP/1.1\r\nHost: e2e\r\nTransfer-Encoding: gzip\r\n\r\n',
     501),
    ('unsupported-http-version', b'GET / HTTP/2.0\r\n\r\n', 505),
]


@pytest.mark.parametrize('case,request_bytes,status', CASES,
                         ids=[case[0] for case in CASES])
def test_rejected_and_server_keeps_serving(server, case, request_bytes,
                                           status):
    expected = server.difference(case, {})
    with server.connect() as conn:
        conn.send(request_bytes)
        response = conn.read_response()
        assert response.status == expected.get('status', status)
        if not expected.get('keeps_connection'):
            assert 'close' in response.connection_tokens()
            conn.assert_closed()
    server.assert_alive()


def test_exactly_max_headers_accepted(server):
    with server.connect() as conn:
        conn.send(b'GET / HTTP/1.1\r\n' + _headers(64) + b'\r\n')
        assert conn.read_response().body == b'Hello, world!'


def test_limits_do_not_leak_between_connections(server):
    # a rejected request must not leave state behind for the next client
    for request_bytes, status in [case[1:] for case in CASES[:4]]:
        with server.connect() as conn:
            conn.send(request_bytes)
            assert conn.read_response().status == status
        with server.connect() as conn:
            conn.send(b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n')
            assert conn.read_response().body == b'Hello, world!'
