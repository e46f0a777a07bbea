"""``microdot_csrf`` over real sockets, on every server kind (threaded and
asyncio servers on CPython and MicroPython, gunicorn with ``microdot_wsgi``,
uvicorn with ``microdot_asgi``), serving ``apps/csrf_app.py`` with httpx
(its own ``Host``, as a browser sends it) and raw sockets (hostile heads).
The full table of cases runs through the test clients: ``tests/test_csrf.py``.
"""
import httpx
import pytest

from conftest import _selected_kinds, module_server


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def csrf_server(request, tmp_path_factory):
    yield from module_server(request.param, tmp_path_factory.mktemp(
        request.param.name), 'csrf_app')


TRUSTED = 'https://trusted.example'  # in the app's CORS list
EVIL = 'https://evil.example'


@pytest.fixture
def client(csrf_server):
    # one connection for the test's requests: keep-alive after a 403 too
    with httpx.Client(base_url='http://%s:%d' % (csrf_server.host,
                                                 csrf_server.port),
                      timeout=10) as client:
        yield client


def test_safe_methods_pass(client):
    for method in ('GET', 'HEAD', 'OPTIONS'):
        reply = client.request(method, '/', headers={
            'Sec-Fetch-Site': 'cross-site', 'Origin': EVIL})
        assert reply.status_code == 200, method


def test_cross_site_is_refused_on_a_kept_alive_connection(client):
    for method in ('POST', 'PUT', 'DELETE'):
        reply = client.request(method, '/', content=b'x' * 1000, headers={
            'Sec-Fetch-Site': 'cross-site', 'Origin': EVIL})
        assert reply.status_code == 403, method
        assert reply.text == 'Forbidden'
        assert 'access-control-allow-origin' not in reply.headers
        # the same connection serves the next request
        reply = client.request(method, '/', content=b'x' * 1000,
                               headers={'Sec-Fetch-Site': 'same-origin'})
        assert reply.status_code == 200, method
        assert reply.text == 'csrf %s 1000' % method


def test_same_site_is_refused(client):
    reply = client.post('/', headers={'Sec-Fetch-Site': 'same-site'})
    assert reply.status_code == 403


def test_no_browser_headers_pass(client):
    reply = client.post('/', content=b'data')
    assert reply.status_code == 200
    assert reply.text == 'csrf POST 4'


def test_trusted_cors_origin_passes(client):
    reply = client.post('/', headers={'Sec-Fetch-Site': 'cross-site',
                                      'Origin': TRUSTED})
    assert reply.status_code == 200
    assert reply.headers['access-control-allow-origin'] == TRUSTED


def test_exempt_route(client):
    reply = client.post('/webhook', headers={'Sec-Fetch-Site': 'cross-site',
                                             'Origin': EVIL})
    assert reply.status_code == 200
    assert reply.text == 'webhook'


def test_origin_against_host(client, csrf_server):
    own = 'http://%s:%d' % (csrf_server.host, csrf_server.port)
    for value, status in ((own, 200), (own.upper() + '/', 200),
                          (own.replace('http:', 'https:'), 200),
                          ('http://%s:%d' % (csrf_server.host,
                                             csrf_server.port + 1), 403),
                          (EVIL, 403), ('null', 403), (own + '/x', 403)):
        reply = client.post('/', headers={'Origin': value})
        assert reply.status_code == status, value


@pytest.mark.parametrize('host, origin, status', [
    ('[::1]:8000', 'http://[::1]:8000', 200),
    ('[::1]', 'http://[::1]:80', 200),
    ('[::1]:8000', 'http://[::2]:8000', 403),
    ('APP.Example:443', 'https://app.example', 200),
    ('app.example', 'https://www.app.example', 403),
])
def test_raw_host_headers(csrf_server, host, origin, status):
    with csrf_server.connect() as conn:
        conn.send(('POST / HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\n'
                   'Content-Length: 0\r\nConnection: close\r\n\r\n'
                   % (host, origin)).encode())
        status_line = conn.read_line()
        conn.read_to_eof()
    assert status_line.startswith(b'HTTP/1.1 %d ' % status), status_line
