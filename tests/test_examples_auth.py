"""The authentication examples, run as users run them.

``examples/auth/app.py`` (Basic and token) is loaded from its file and
driven with the test client, then run unchanged as a script (only its
``app.run()`` moved to a free port) under CPython and under the
``micropython`` binary, and fetched with httpx. ``examples/auth/login.py``
(session logins) is driven with the test client: the login form, the
redirect back to ``next``, "remember me", a fresh-only page, logout.
"""
import sys

import httpx
import pytest

from microdot_test_client import TestClient
from test_examples_sessions_ssl import EXAMPLES, RUN_ON_PORT, \
    load_example, wait_until_listening
from test_ssl import SRC, Subprocess, free_port, find_micropython

EXAMPLE = EXAMPLES / 'auth' / 'app.py'
FORM = {'Content-Type': 'application/x-www-form-urlencoded'}


def test_auth_example_with_the_test_client():
    client = TestClient(load_example(EXAMPLE).app)
    res = client.get('/')
    assert res.status_code == 401
    assert res.headers['WWW-Authenticate'] == \
        'Basic realm="Example", charset="UTF-8"'
    res = client.get('/', headers={'Authorization': 'Basic c3VzYW46aGVsbG8='})
    assert res.text == 'Hello, susan!'
    assert client.get('/welcome').text == 'Hello, stranger!'
    res = client.get('/api')
    assert res.status_code == 401
    assert res.json == {'error': 'a valid bearer token is needed'}
    res = client.get('/api', headers={'Authorization': 'Bearer s3cr3t-t0ken'})
    assert res.json == {'user': 'susan'}


@pytest.mark.parametrize('runtime', ['cpython', 'micropython'])
def test_auth_example_runs_as_a_script(tmp_path, runtime):
    interpreter = sys.executable if runtime == 'cpython' \
        else find_micropython()
    script = tmp_path / 'run_on_port.py'
    script.write_text(RUN_ON_PORT)
    port = free_port()
    with Subprocess([str(interpreter), str(script), str(SRC), str(port),
                     str(EXAMPLE)]) as server:
        wait_until_listening(server, port)
        base = 'http://127.0.0.1:%d' % port
        headers = {'Connection': 'close'}
        res = httpx.get(base + '/', auth=('david', 'bye'), headers=headers)
        assert res.text == 'Hello, david!'
        res = httpx.get(base + '/', auth=('david', 'no'), headers=headers)
        assert res.status_code == 401


def test_login_example_with_the_test_client():
    app = load_example(EXAMPLES / 'auth' / 'login.py').app
    client = TestClient(app)
    res = client.get('/settings')
    assert res.headers['Location'] == '/login?next=%2Fsettings'
    assert '<form method="post">' in client.get('/login').text
    res = client.post('/login?next=%2Fsettings', headers=FORM,
                      body='username=susan&password=nope')
    assert res.status_code == 401
    res = client.post('/login?next=%2Fsettings', headers=FORM,
                      body='username=susan&password=hello&remember=on')
    assert res.headers['Location'] == '/settings'
    assert client.get('/settings').text == 'The settings of susan'
    assert 'Hello, susan!' in client.get('/').text
    remembered = TestClient(app, cookies={
        'remember': client.cookies['remember']})
    assert 'Hello, susan!' in remembered.get('/').text
    assert remembered.get('/settings').status_code == 302
    assert client.post('/logout').text == 'Logged out'
    assert client.get('/').status_code == 302
