"""The session and HTTPS examples, run as users run them (CPython).

``examples/sessions/login.py`` is loaded from its file and driven with the
test client: login form POST, redirect, logged-in page, logout.
``examples/ssl/hello_tls.py`` runs unchanged in a subprocess, in a directory
where ``examples/ssl/make_cert.sh`` made its certificate; only the port of
its ``app.run()`` call is swapped for a free one, and a verifying TLS client
fetches its page. The same again under the ``micropython`` binary.
"""
import importlib.util
import shutil
import subprocess
import sys
import warnings

import pytest

from microdot_test_client import TestClient as Client
from test_ssl import ROOT, SRC, Subprocess, fetch, free_port, \
    find_micropython

EXAMPLES = ROOT / 'examples'
FORM = {'Content-Type': 'application/x-www-form-urlencoded'}

# runs an example as __main__ (on CPython and MicroPython) with its
# app.run() moved to 127.0.0.1 and the port given on the command line
RUN_ON_PORT = '''
import sys
sys.path.insert(0, sys.argv[1])
import microdot
_run = microdot.Microdot.run

def run(self, host='0.0.0.0', port=5000, debug=False, ssl=None):
    _run(self, '127.0.0.1', int(sys.argv[2]), debug, ssl)

microdot.Microdot.run = run
exec(open(sys.argv[3]).read(), {'__name__': '__main__'})
'''


def load_example(path):
    spec = importlib.util.spec_from_file_location('login_example', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def login_app():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # PyJWT: the example's short key
        yield load_example(EXAMPLES / 'sessions' / 'login.py').app


def test_login_example(login_app):
    client = Client(login_app)
    assert client.get('/').text == 'Not logged in'
    res = client.post('/', headers=FORM, body='username=susan')
    assert res.status_code == 302
    assert res.headers['Location'] == '/'
    assert 'HttpOnly' in res.headers['Set-Cookie'][0]
    assert client.get(res.headers['Location']).text == 'Logged in as susan'
    res = client.post('/logout')
    assert res.status_code == 302
    assert 'session' not in client.cookies
    assert client.get('/').text == 'Not logged in'


def test_login_example_is_not_served_on_import(login_app):
    assert login_app.server is None


def test_login_example_runs_as_a_script(tmp_path):
    script = tmp_path / 'run_on_port.py'
    script.write_text(RUN_ON_PORT)
    port = free_port()
    argv = [sys.executable, '-u', str(script), str(SRC), str(port),
            str(EXAMPLES / 'sessions' / 'login.py')]
    with Subprocess(argv) as server:
        wait_until_listening(server, port)
        import http.client
        connection = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        connection.request('POST', '/', body='username=lee', headers=FORM)
        response = connection.getresponse()
        response.read()
        cookie = response.getheader('Set-Cookie').split(';')[0]
        connection.request('GET', '/', headers={'Cookie': cookie})
        assert connection.getresponse().read() == b'Logged in as lee'
        connection.close()


def wait_until_listening(server, port):
    import socket
    import time
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), 1).close()
            return
        except OSError:
            assert server.process.poll() is None, server.stop()
            assert time.time() < deadline, 'server did not start'
            time.sleep(0.05)


@pytest.fixture(scope='module')
def example_certs(tmp_path_factory):
    if shutil.which('openssl') is None:
        pytest.skip('HTTPS example NOT RUN: no openssl command')
    directory = tmp_path_factory.mktemp('hello_tls')
    subprocess.run(['sh', str(EXAMPLES / 'ssl' / 'make_cert.sh')],
                   cwd=directory, check=True, capture_output=True)
    for name in ('cert.der', 'key.der', 'cert.pem'):
        assert (directory / name).exists()
    assert not (directory / 'key.pem').exists()
    return directory


def start_hello_tls(interpreter, directory, port):
    script = directory / 'run_on_port.py'
    script.write_text(RUN_ON_PORT)
    return Subprocess([interpreter, str(script), str(SRC), str(port),
                       str(EXAMPLES / 'ssl' / 'hello_tls.py')], cwd=directory)


def test_hello_tls_example(example_certs):
    port = free_port()
    with start_hello_tls(sys.executable, example_certs, port) as server:
        server.wait_for('Starting')
        assert fetch(port, example_certs / 'cert.pem') == \
            (200, b'Hello, World!')
        assert fetch(port, example_certs / 'cert.pem', host='127.0.0.1') == \
            (200, b'Hello, World!')
        server.wait_for('GET / 200')


def test_hello_tls_example_on_micropython(example_certs):
    import http.client
    port = free_port()
    with start_hello_tls(find_micropython(), example_certs, port) as server:
        server.wait_for('Starting')
        try:
            result = fetch(port, example_certs / 'cert.pem')
        except (OSError, http.client.HTTPException):
            output = server.stop()
            raise AssertionError('HTTPS request failed; server said:\n' +
                                 output)
    assert result == (200, b'Hello, World!')
