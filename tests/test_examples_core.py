"""The seed's examples for the core, asyncio, WebSocket, test clients, WSGI
and ASGI, run as users run them (examples/)."""
import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / 'examples'
BIN = Path(sys.executable).parent


def load(relative):
    spec = importlib.util.spec_from_file_location(
        relative.replace('/', '_')[:-3], EXAMPLES / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def port_busy(port):
    with socket.socket() as sock:
        return sock.connect_ex(('127.0.0.1', port)) == 0


def fetch(port, path='/', deadline=15):
    end = time.time() + deadline
    while True:
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d%s' % (port, path),
                                        timeout=5) as response:
                return response.status, response.read()
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.1)


def run_server(argv, port, env=None, cwd=None):
    full_env = dict(os.environ, PYTHONPATH=str(ROOT / 'src'),
                    MICROPYPATH=str(ROOT / 'src') + ':.frozen', **(env or {}))
    proc = subprocess.Popen(argv, env=full_env, cwd=cwd,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        return fetch(port)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert b'Traceback' not in err, err.decode()


@pytest.mark.parametrize('interpreter', ['python', 'micropython'])
def test_asyncio_hello_on_port_5000(interpreter):
    # the seed's app.run() takes the default port: 5000
    if port_busy(5000):
        pytest.skip('port 5000 is in use (make demo?)')
    binary = sys.executable if interpreter == 'python' else \
        shutil.which('micropython', path=str(BIN))
    if binary is None:
        pytest.skip('MicroPython NOT RUN: no micropython binary')
    assert run_server([binary, str(EXAMPLES / 'asyncio' / 'hello.py')],
                      5000) == (200, b'Hello, world!')


@pytest.mark.parametrize('relative', ['websocket/echo.py',
                                      'websocket/echo_async.py'])
def test_websocket_echo(relative):
    module = load(relative)
    if relative.endswith('_async.py'):
        from microdot_asyncio_test_client import TestClient
    else:
        from microdot_test_client import TestClient

    def client():
        assert (yield 'hello') == 'hello'
        assert (yield b'\x00\x01') == b'\x00\x01'
    response = TestClient(module.app).websocket('/echo', client)
    if asyncio.iscoroutine(response):
        response = asyncio.run(response)
    assert response.status_code == 101
    assert response.messages == ['hello', b'\x00\x01']


def test_test_client_example():
    load('testing/test_hello.py').test_app()


def test_async_test_client_example():
    asyncio.run(load('testing/test_hello_async.py').test_app())


def test_wsgi_example_under_gunicorn():
    port = free_port()
    assert run_server([str(BIN / 'gunicorn'), '--bind', '127.0.0.1:%d' % port,
                       'test:app'], port, cwd=EXAMPLES / 'wsgi') == \
        (200, b'Hello, World!')


def test_asgi_example_under_uvicorn():
    port = free_port()
    assert run_server([str(BIN / 'uvicorn'), '--port', str(port),
                       'test:app'], port, cwd=EXAMPLES / 'asgi') == \
        (200, b'Hello, World!')
