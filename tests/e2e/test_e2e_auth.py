"""``microdot_auth`` over real sockets on every server kind (threaded and
asyncio servers on CPython and MicroPython, gunicorn with ``microdot_wsgi``,
uvicorn with ``microdot_asgi``), serving ``apps/auth_app.py`` with httpx:
valid credentials, refusals with their challenge, optional routes, async
lookups on the async kinds, and hostile credentials (401, never 500).
The behaviours in detail, through both test clients:
``tests/test_auth.py``.
"""
import httpx
import pytest

from conftest import _selected_kinds, module_server
from test_auth import HOSTILE_BASIC

ASYNC_KINDS = ('asyncio', 'asyncio-plain', 'asyncio-streams',
               'micropython-asyncio', 'uvicorn')
CHALLENGE = 'Basic realm="e2e", charset="UTF-8"'


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def auth_server(request, tmp_path_factory):
    """One server per kind for the module: its requests are short."""
    yield from module_server(request.param, tmp_path_factory.mktemp(
        request.param.name), 'auth_app')


def fetch(server, path, auth=None, headers=None):
    """GET with httpx on a new connection, closed after the response (the
    one-at-a-time servers must not be left waiting on an idle one)."""
    headers = dict(headers or {}, Connection='close')
    return httpx.get('http://%s:%s%s' % (server.host, server.port, path),
                     auth=auth, headers=headers, timeout=10)


def test_basic_valid(auth_server):
    res = fetch(auth_server, '/basic', auth=('susan', 'hello'))
    assert res.status_code == 200
    assert res.json() == {'user': 'susan'}


def test_basic_utf8(auth_server):
    res = fetch(auth_server, '/basic', auth=('jos\u00e9'.encode(),
                                     'p\u00e4ss'.encode()))
    assert res.json() == {'user': 'jos\u00e9'}


def test_basic_refused_with_challenge(auth_server):
    for auth in (None, ('susan', 'nope')):
        res = fetch(auth_server, '/basic', auth=auth)
        assert res.status_code == 401
        assert res.headers['WWW-Authenticate'] == CHALLENGE


def test_hostile_basic_credentials(auth_server):
    # a raw socket: httpx refuses some of these header values
    for label, value in HOSTILE_BASIC:
        if label == 'long' and auth_server.kind == 'gunicorn':
            continue  # gunicorn's limit: 2048-byte header lines (431/400)
        with auth_server.connect() as conn:
            conn.send(b'GET /basic HTTP/1.1\r\nHost: x\r\n'
                      b'Connection: close\r\nAuthorization: ' +
                      value.encode('utf-8') + b'\r\n\r\n')
            res = conn.read_response()
        assert res.status == 401, label
        assert res.header('WWW-Authenticate') == CHALLENGE


def test_optional(auth_server):
    assert fetch(auth_server, '/maybe').json() == {'user': None}
    assert fetch(auth_server, '/maybe', auth=('susan', 'nope')).json() == \
        {'user': None}
    assert fetch(auth_server, '/maybe', auth=('susan', 'hello')).json() == \
        {'user': 'susan'}


def test_token(auth_server):
    res = fetch(auth_server, '/token',
                headers={'Authorization': 'Bearer t0ken'})
    assert res.status_code == 200
    assert res.json() == {'user': 'susan',
                          'async': auth_server.kind in ASYNC_KINDS}
    for value in ('Bearer nope', 'Basic t0ken', 'Bearer'):
        res = fetch(auth_server, '/token', headers={'Authorization': value})
        assert res.status_code == 401
        assert res.headers['WWW-Authenticate'] == 'Bearer'
    assert fetch(auth_server, '/').text == 'Hello, world!'


# -- microdot_login -----------------------------------------------------------

def test_login_round_trip(auth_server):
    base = 'http://%s:%s' % (auth_server.host, auth_server.port)
    with httpx.Client(base_url=base, headers={'Connection': 'close'},
                      timeout=10) as browser:
        res = browser.get('/private')
        assert res.status_code == 302
        assert res.headers['Location'] == '/login?next=%2Fprivate'
        res = browser.post(res.headers['Location'],
                           data={'name': 'susan', 'password': 'hello'})
        assert res.status_code == 302
        assert res.headers['Location'] == '/private'
        assert browser.get('/private').json() == {
            'user': 'susan', 'async': auth_server.kind in ASYNC_KINDS}
        assert browser.get('/fresh').json() == {'user': 'susan'}
        assert browser.post('/logout').text == 'bye'
        assert browser.get('/private').status_code == 302


def test_login_never_redirects_off_site(auth_server):
    for next_url in ('//evil.example', 'https://evil.example/',
                     '/\\evil.example'):
        res = httpx.post('http://%s:%s/login' % (auth_server.host,
                                                 auth_server.port),
                         params={'next': next_url}, timeout=10,
                         data={'name': 'susan', 'password': 'hello'},
                         headers={'Connection': 'close'})
        assert res.status_code == 302
        assert res.headers['Location'] == '/'


def test_remember_me_login_is_not_fresh(auth_server):
    res = httpx.post('http://%s:%s/login' % (auth_server.host,
                                             auth_server.port), timeout=10,
                     data={'name': 'susan', 'password': 'hello',
                           'remember': '1'},
                     headers={'Connection': 'close'})
    remember = res.cookies['remember']
    # a new browser session: only the remember cookie is left
    res = fetch(auth_server, '/private',
                headers={'Cookie': 'remember=' + remember})
    assert res.json()['user'] == 'susan'
    res = fetch(auth_server, '/fresh',
                headers={'Cookie': 'remember=' + remember})
    assert res.status_code == 302
    assert res.headers['Location'] == '/login?next=%2Ffresh'
