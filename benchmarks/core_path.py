"""Microseconds per request of our own code, in process, no network.

Usage: ``.venv/bin/python benchmarks/core_path.py`` (a few seconds).
Measures a hello-world GET through: the connection flow that the servers and
the test clients run (parse, dispatch, write, over in-memory streams), the
ASGI app called with a scope, and the WSGI app called with an environ. Each
is timed in 5 rounds and the best is kept: other work on the machine only
ever adds time. ``benchmarks/instructions.py`` counts instructions instead,
which this machine's noise does not move.
"""
import io
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'src'))

from microdot import Microdot  # noqa: E402
from microdot_asgi import Microdot as AsgiMicrodot  # noqa: E402
from microdot_wsgi import Microdot as WsgiMicrodot  # noqa: E402
from microdot import serve_connection  # noqa: E402
from _microdot_http import Connection, run_sync  # noqa: E402

COUNT = 10000
ROUNDS = 5
REQUEST = b'GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: wrk\r\n\r\n'
SCOPE = {'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': '1.1',
         'method': 'GET', 'scheme': 'http', 'path': '/', 'raw_path': b'/',
         'query_string': b'', 'root_path': '', 'client': ('127.0.0.1', 5555),
         'server': ('127.0.0.1', 8000),
         'headers': [(b'host', b'127.0.0.1:8000'), (b'user-agent', b'wrk')]}
ENVIRON = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'RAW_URI': '/',
           'QUERY_STRING': '', 'SERVER_PROTOCOL': 'HTTP/1.1',
           'SERVER_NAME': '127.0.0.1', 'SERVER_PORT': '8000',
           'REMOTE_ADDR': '127.0.0.1', 'REMOTE_PORT': '5555',
           'HTTP_HOST': '127.0.0.1:8000', 'HTTP_USER_AGENT': 'wrk',
           'wsgi.url_scheme': 'http'}


def hello_app(cls, coroutine):
    app = cls()
    if coroutine:
        async def index(request):
            return 'Hello, world!'
    else:
        def index(request):
            return 'Hello, world!'
    app.route('/')(index)
    return app


def per_request(function):
    # the best of ROUNDS: other work on the machine only ever adds time
    best = None
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(COUNT):
            function()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best / COUNT * 1e6


def main():
    app = hello_app(Microdot, False)
    flow = per_request(lambda: run_sync(serve_connection(
        app, Connection(io.BytesIO(REQUEST), io.BytesIO()),
        ('127.0.0.1', 5555))))

    asgi_app = hello_app(AsgiMicrodot, True)

    async def receive():
        return {'type': 'http.request', 'body': b'', 'more_body': False}

    async def send(message):
        pass

    def asgi_request():
        # the app never suspends here: step its coroutine by hand
        try:
            asgi_app(SCOPE, receive, send).send(None)
        except StopIteration:
            pass
    asgi = per_request(asgi_request)

    wsgi_app = hello_app(WsgiMicrodot, False)
    wsgi = per_request(lambda: list(wsgi_app(
        dict(ENVIRON, **{'wsgi.input': io.BytesIO()}),
        lambda status, headers: None)))
    print('| path | us per request |\n|---|---:|')
    print('| connection flow (servers, test clients) | %.1f |' % flow)
    print('| ASGI app | %.1f |' % asgi)
    print('| WSGI app | %.1f |' % wsgi)


if __name__ == '__main__':
    main()
