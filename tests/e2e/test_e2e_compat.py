"""The 1.x behaviours of issue 15 over real sockets, on every server kind
(threaded and asyncio servers on CPython and MicroPython, gunicorn with
``microdot_wsgi``, uvicorn with ``microdot_asgi``), serving
``apps/compat_app.py``. The same behaviours through the test clients, and
those only they have (``already_handled``, ``Request.create``,
``body_iter``): ``tests/test_compat_1x.py``.
"""
import json

import pytest

from conftest import _selected_kinds, module_server

ORIGIN = 'https://a.example'


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def compat_server(request, tmp_path_factory):
    """One server per kind for the module: its requests are short."""
    yield from module_server(request.param, tmp_path_factory.mktemp(
        request.param.name), 'compat_app')


def test_cors_star_without_origin(compat_server):
    reply = compat_server.get('/')
    assert reply.status == 200
    assert reply.headers['Access-Control-Allow-Origin'] == '*'
    assert reply.headers.get('Vary') is None


def test_cors_star_echoes_the_origin(compat_server):
    reply = compat_server.get('/', {'Origin': ORIGIN})
    assert reply.headers['Access-Control-Allow-Origin'] == ORIGIN
    assert reply.headers['Vary'] == 'Origin'


def test_cors_preflight_is_200_with_an_empty_body(compat_server):
    reply = compat_server.request('OPTIONS', '/', headers={
        'Origin': ORIGIN, 'Access-Control-Request-Method': 'PUT'})
    assert reply.status == 200
    assert reply.body == b''
    assert reply.headers['Access-Control-Allow-Origin'] == ORIGIN
    assert reply.headers['Access-Control-Allow-Methods'] == 'GET, PUT'


def test_default_options_is_200_with_an_empty_body(compat_server):
    reply = compat_server.request('OPTIONS', '/client')
    assert reply.status == 200
    assert reply.body == b''
    assert reply.headers['Allow'] == 'GET, HEAD, OPTIONS'


@pytest.mark.parametrize('path', ['/body-first', '/stream-first'])
def test_large_body_is_empty_and_stream_reads_it_all(compat_server, path):
    reply = compat_server.request('POST', path, body=b'x' * 1000)
    assert reply.status == 200
    assert reply.json() == {'body': 0, 'stream': 1000}


@pytest.mark.parametrize('path', ['/body-first', '/stream-first'])
def test_large_chunked_body_is_streamed_too(compat_server, path):
    # http.client sends an iterable body chunked, a piece a chunk
    reply = compat_server.request('POST', path, body=iter([b'x' * 300] * 4))
    assert reply.status == 200
    assert reply.json() == {'body': 0, 'stream': 1200}


def test_connection_goes_on_after_a_streamed_chunked_body(compat_server):
    with compat_server.connect() as conn:
        chunk = b'64\r\n' + b'y' * 100 + b'\r\n'
        conn.send(b'POST /stream-first HTTP/1.1\r\nHost: a\r\n'
                  b'Transfer-Encoding: chunked\r\n\r\n' + chunk * 2 +
                  b'0\r\n\r\n')
        assert json.loads(conn.read_response().body) == {'body': 0,
                                                          'stream': 200}
        conn.send(b'GET / HTTP/1.1\r\nHost: a\r\n\r\n')
        assert conn.read_response().body == b'compat'


def test_client_addr_port_is_an_int(compat_server):
    found = compat_server.get('/client').json()
    if compat_server.kind.startswith('micropython'):
        # the unix port's accept() gives the raw sockaddr (16 bytes for
        # IPv4), as it gave 1.x; boards' lwIP sockets give (host, port)
        assert found == {'sockaddr': 16}
        return
    assert found['host'] == '127.0.0.1'
    assert isinstance(found['port'], int) and found['port'] > 0
