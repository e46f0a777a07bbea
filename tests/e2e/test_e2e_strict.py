"""The request parser's strictness over real sockets, on every server kind
(issue 13): each malformed or smuggling-prone request gets a 400 with
``Connection: close``, never a silent close; forbidden trailer fields never
reach ``request.headers``; ``OPTIONS *`` gets the server-wide ``Allow``; an
absolute-form target is routed by its path and query, its authority being
the Host; a request that stalls after its request line gets a 408. The
same rules byte by byte, through the core the servers share:
the ``HEADS``/``BAD_HEADS`` tables of ``tests/test_http.py``.

gunicorn and uvicorn (h11) parse HTTP themselves: what they do instead is
in their ``differences`` (``tests/e2e/conftest.py``), keyed by the case
names below.
"""
import json
import socket

import pytest

from conftest import _selected_kinds, module_server

CHUNKED = (b'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n'
           b'\r\n')

# (case, request bytes): each gets a 400 with Connection: close
REFUSED = [
    ('bare-lf-in-header-line',
     b'GET / HTTP/1.1\r\nHost: x\r\nA: a\nContent-Length: 26\r\n\r\n'),
    ('bare-lf-in-head', b'GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n'),
    ('bare-lf-ending-request-line', b'GET / HTTP/1.1\nHost: a\r\n\r\n'),
    ('bare-lf-ending-head', b'GET / HTTP/1.1\r\nHost: a\r\n\n'),
    ('bare-cr-in-head', b'GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n'),
    ('two-host-lines', b'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'),
    ('two-content-type-lines',
     b'POST / HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n'
     b'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'),
    ('chunk-size-with-sign', CHUNKED + b'+5\r\nhello\r\n0\r\n\r\n'),
    ('chunk-size-space-before', CHUNKED + b' 0\r\n\r\n'),
    ('chunk-size-space-after', CHUNKED + b'0 \r\n\r\n'),
    ('bare-cr-in-chunk-extension',
     CHUNKED + b'5;a=\rb\r\nhello\r\n0\r\n\r\n'),
    ('transfer-encoding-on-http10',
     b'POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'
     b'5\r\nhello\r\n0\r\n\r\n'),
    ('raw-byte-above-7f-in-target',
     b'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n'),
    ('asterisk-target-not-options', b'GET * HTTP/1.1\r\nHost: a\r\n\r\n'),
    # str.isdigit() takes these; int() made the first a 500 (a traceback
    # and a silent close on our servers) and the second a length of 2
    ('content-length-superscript-digit',
     b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xc2\xb2\r\n\r\nab'),
    ('content-length-arabic-indic-digit',
     b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xd9\xa2\r\n\r\nab'),
    # the client closes its side inside the head: it can still read
    ('head-cut-by-eof', b'GET / HTTP/1.1\r\nHost: a\r\n'),
]


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def strict_server(request, tmp_path_factory):
    """One server per kind for the module: its requests are short."""
    yield from module_server(request.param, tmp_path_factory.mktemp(
        request.param.name), 'strict_app')


def _exchange(server, data):
    # one request on its own connection; the response read by its framing
    with server.connect() as conn:
        conn.send(data)
        return conn.read_response()


def assert_alive(server):
    assert _exchange(server, b'GET / HTTP/1.1\r\nHost: a\r\n\r\n').status \
        == 200


@pytest.mark.parametrize('case,request_bytes', REFUSED,
                         ids=[case for case, _ in REFUSED])
def test_refused_with_400_and_close(strict_server, case, request_bytes):
    expected = strict_server.difference(case, {})
    with strict_server.connect() as conn:
        conn.send(request_bytes)
        if case == 'head-cut-by-eof':
            conn.sock.shutdown(socket.SHUT_WR)
        if expected.get('silent_close'):
            conn.assert_closed()
        else:
            response = conn.read_response()
            assert response.status == expected.get('status', 400)
            if not expected.get('keeps_connection'):
                assert 'close' in response.connection_tokens()
                conn.assert_closed()
    assert_alive(strict_server)


def test_forbidden_trailer_fields_never_reach_headers(strict_server):
    expected = strict_server.difference('forbidden-trailer-fields', {})
    response = _exchange(strict_server, CHUNKED + (
        b'5\r\nhello\r\n0\r\nHost: evil\r\nContent-Length: 1\r\n'
        b'Transfer-Encoding: gzip\r\nX-Trailer: t\r\n\r\n'))
    if expected.get('status'):  # refused as a whole
        assert response.status == expected['status']
        return
    assert response.status == 200
    found = json.loads(response.body)
    assert found['host'] == 'a'
    assert found['body'] == 'hello'
    assert found['content_length'] == '5'
    assert found['headers'] == ['content-length', 'host']


def test_trailers_are_dropped_and_connection_kept(strict_server):
    with strict_server.connect() as conn:
        conn.send(CHUNKED + b'2\r\nhi\r\n0\r\nX-Trailer: t\r\n\r\n'
                  b'GET / HTTP/1.1\r\nHost: b\r\n\r\n')
        first, second = conn.read_response(), conn.read_response()
    assert first.status == 200
    assert b'x-trailer' not in first.body
    assert second.status == 200
    assert b'"host": "b"' in second.body


def test_options_asterisk_allows_every_routed_method(strict_server):
    response = _exchange(strict_server,
                         b'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n')
    assert response.status == 200
    assert response.header('Allow') == \
        'GET, POST, PUT, DELETE, HEAD, OPTIONS'
    assert response.body == b''


@pytest.mark.parametrize('host', [b'Host: other\r\n', b'Host: example.com\r\n',
                                  b''], ids=['other', 'same', 'none'])
def test_absolute_form_routed_by_path_and_query(strict_server, host):
    expected = strict_server.difference('absolute-form-without-host', {}) \
        if not host else {}
    response = _exchange(strict_server, b'GET http://example.com/?a=1 '
                         b'HTTP/1.1\r\n' + host + b'\r\n')
    if expected.get('status'):
        assert response.status == expected['status']
        return
    assert response.status == 200
    found = json.loads(response.body)
    assert (found['host'], found['path'], found['query']) == \
        ('example.com', '/', 'a=1')


# (case, request bytes): the client stalls after them; once the request
# line came, the read timeout (socket_read_timeout, 1 s) gets a 408
STALLED = [
    ('body-shorter-than-content-length',
     b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 26\r\n\r\nabc'),
    ('head-stalled', b'GET / HTTP/1.1\r\nHost: a\r\n'),
]


def test_stalled_requests_get_408_and_close(strict_server):
    strict_server.difference('stalling-client')
    # at once where the server is concurrent: one read timeout for all
    batches = [STALLED] if strict_server.concurrent else \
        [[stalled] for stalled in STALLED]
    for batch in batches:
        conns = [strict_server.connect() for _ in batch]
        try:
            for conn, (_, request_bytes) in zip(conns, batch):
                conn.send(request_bytes)
            for conn, (case, _) in zip(conns, batch):
                response = conn.read_response()
                assert response.status == 408, case
                assert 'close' in response.connection_tokens(), case
                conn.assert_closed()
        finally:
            for conn in conns:
                conn.close()
    assert_alive(strict_server)
