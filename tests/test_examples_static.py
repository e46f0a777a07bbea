"""examples/static/app.py: the site in public/ through the test client,
and served for real by CPython and MicroPython."""
import shutil
import sys

import pytest

from microdot_test_client import TestClient
from test_examples_core import BIN, EXAMPLES, free_port, load, run_server

PUBLIC = EXAMPLES / 'static' / 'public'


def test_serves_the_site_and_nothing_else():
    client = TestClient(load('static/app.py').app)
    res = client.get('/')
    assert res.status_code == 200
    assert res.body == (PUBLIC / 'index.html').read_bytes()
    assert res.headers['Content-Type'] == 'text/html'
    res = client.get('/css/style.css')
    assert res.body == (PUBLIC / 'css' / 'style.css').read_bytes()
    assert res.headers['Cache-Control'] == 'max-age=3600'
    assert client.get('/css/style.css', headers={
        'If-None-Match': res.headers['ETag']}).status_code == 304
    for path in ('/%2e%2e/app.py', '/../app.py', '/css/..%2f..%2fapp.py',
                 '/..%5capp.py', '/css', '/missing.html'):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize('interpreter', ['python', 'micropython'])
def test_runs(interpreter):
    binary = sys.executable if interpreter == 'python' else \
        shutil.which('micropython', path=str(BIN))
    if binary is None:
        pytest.skip('MicroPython NOT RUN: no micropython binary')
    port = free_port()
    assert run_server([binary, str(EXAMPLES / 'static' / 'app.py'),
                       str(port)], port) == (
        200, (PUBLIC / 'index.html').read_bytes())
