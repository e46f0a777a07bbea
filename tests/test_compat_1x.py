"""What Microdot 1.x did and its apps and tests rely on, through both test
clients (issue 15). The same behaviours over real sockets, on every server
kind, WSGI and ASGI included, are in ``tests/e2e/test_e2e_compat.py``; the
deliberate differences from 1.x are listed in ``docs/migrating.md``.

Portable: runs under pytest and under tests/mp_runner.py on MicroPython.
"""
import io
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
import microdot_asyncio
import microdot_test_client
import microdot_asyncio_test_client
from microdot_cors import CORS

ORIGIN = 'https://a.example'
PREFLIGHT = {'Origin': ORIGIN, 'Access-Control-Request-Method': 'PUT'}


class Compat1xContract:
    """Bound below to the sync and the asyncio test client: ``modules`` is
    (framework module, its test client module). A tuple, because
    MicroPython asks a module-valued class attribute for ``__set_name__``,
    which a module ``__getattr__`` answers by raising."""
    modules = (microdot, microdot_test_client)

    @property
    def module(self):
        return self.modules[0]

    @property
    def client_module(self):
        return self.modules[1]

    def resolve(self, value):
        return value

    def setUp(self):
        request = self.module.Request
        self.saved = request.max_body_length, request.max_content_length

    def tearDown(self):
        request = self.module.Request
        request.max_body_length, request.max_content_length = self.saved

    def send(self, app, method, path, headers=None, body=None):
        client = self.client_module.TestClient(app)
        return self.resolve(client.request(method, path, headers, body))

    # -- Response.already_handled ------------------------------------------

    def test_already_handled_gives_none(self):
        app = self.module.Microdot()
        app.route('/')(lambda req: self.module.Response.already_handled)
        self.assertIsNone(self.send(app, 'GET', '/'))

    def test_already_handled_from_a_before_request_hook(self):
        app = self.module.Microdot()
        app.route('/')(lambda req: 'not reached')
        app.before_request(lambda req: self.module.Response.already_handled)
        client = self.client_module.TestClient(app, cookies={'a': '1'})
        self.assertIsNone(self.resolve(client.get('/')))
        self.assertEqual(client.cookies, {'a': '1'})

    # -- CORS with allowed_origins='*' -------------------------------------

    def cors_app(self, **options):
        app = self.module.Microdot()
        app.route('/', methods=['GET', 'PUT'])(lambda req: 'x')
        CORS(app, **options)
        return app

    def test_star_without_origin_is_star(self):
        res = self.send(self.cors_app(allowed_origins='*'), 'GET', '/')
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], '*')
        self.assertNotIn('Vary', res.headers)

    def test_star_with_origin_echoes_it(self):
        res = self.send(self.cors_app(allowed_origins='*'), 'GET', '/',
                        {'Origin': ORIGIN})
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], ORIGIN)
        self.assertEqual(res.headers['Vary'], 'Origin')

    def test_preflight_is_200_with_an_empty_body(self):
        for origins in ('*', [ORIGIN]):
            res = self.send(self.cors_app(allowed_origins=origins),
                            'OPTIONS', '/', PREFLIGHT)
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.body, b'')
            self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                             ORIGIN)
            self.assertEqual(res.headers['Access-Control-Allow-Methods'],
                             'GET, PUT')

    def test_default_options_is_200_with_an_empty_body(self):
        app = self.module.Microdot()
        app.route('/')(lambda req: 'x')
        res = self.send(app, 'OPTIONS', '/')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.body, b'')
        self.assertEqual(res.headers['Allow'], 'GET, HEAD, OPTIONS')

    # -- bodies over max_body_length, within max_content_length -------------

    def body_app(self, body_first):
        """POST / answers ``{'body': len(body), 'stream': len(stream read)}``
        having touched ``body`` first or ``stream`` first."""
        app = self.module.Microdot()

        def both(req):
            if body_first:
                body = req.body
                data = req.stream.read()
            else:
                data = req.stream.read()
                body = req.body
            return {'body': len(body), 'stream': len(data)}
        app.post('/')(both)
        return app

    def test_large_body_is_empty_and_stream_reads_it_all(self):
        self.module.Request.max_body_length = 8
        for body_first in (True, False):
            res = self.send(self.body_app(body_first), 'POST', '/',
                            body=b'x' * 100)
            self.assertEqual(res.json, {'body': 0, 'stream': 100},
                             body_first)

    def test_body_then_stream_within_the_limit_is_an_error(self):
        from test_cors import quiet
        quiet(self)  # the RuntimeError's traceback
        for body_first in (True, False):
            res = self.send(self.body_app(body_first), 'POST', '/',
                            body=b'x' * 100)
            self.assertEqual(res.status_code, 500, body_first)

    def test_request_create_raises_value_errors(self):
        self.module.Request.max_content_length = 50
        cases = [(b'GET /' + b'a' * 3000 + b' HTTP/1.1\r\n\r\n', 414),
                 (b'GET / HTTP/1.1\r\n' + b'X: y\r\n' * 100 + b'\r\n', 431),
                 (b'POST / HTTP/1.1\r\nContent-Length: 60\r\n\r\n' +
                  b'x' * 60, 413),
                 (b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
                  b'3c\r\n' + b'x' * 60 + b'\r\n0\r\n\r\n', 413),
                 (b'GET / HTTP/1.1\r\nBad header\r\n\r\n', 400)]
        for data, status in cases:
            try:
                self.create(data)
            except ValueError as exc:
                self.assertEqual(exc.status_code, status, data[:40])
            else:
                self.fail('no ValueError for %r' % data[:40])
        self.assertEqual(self.create(b'GET /x HTTP/1.1\r\n\r\n').path, '/x')
        self.assertIsNone(self.create(b''))

    # -- Response.body_iter -------------------------------------------------

    def test_body_iter_yields_what_the_body_yields(self):
        def chunks():
            yield 'caf\u00e9'
            yield b'!'
        res = self.module.Response(chunks())
        self.assertEqual(self.chunks(res), ['caf\u00e9', b'!'])
        self.assertEqual(self.chunks(self.module.Response('abc')), [b'abc'])
        self.assertEqual(self.chunks(self.module.Response(b'')), [])

    def test_str_chunks_are_encoded_when_written(self):
        def chunks():
            yield 'caf\u00e9'
        app = self.module.Microdot()
        app.route('/')(lambda req: self.module.Response(chunks()))
        self.assertEqual(self.send(app, 'GET', '/').body,
                         b'caf\xc3\xa9')


class TestCompat1xSync(Compat1xContract, unittest.TestCase):
    def create(self, data):
        return microdot.Request.create(microdot.Microdot(), io.BytesIO(data),
                                       ('127.0.0.1', 1234))

    def chunks(self, res):
        return list(res.body_iter())

    def test_body_iter_of_a_file(self):
        res = microdot.Response(io.BytesIO(b'x' * 2500))
        self.assertEqual(b''.join(self.chunks(res)), b'x' * 2500)


class _Reader:
    """What ``Request.create`` reads from: an asyncio stream's coroutines."""

    def __init__(self, data):
        self.data = io.BytesIO(data)

    async def readline(self):
        return self.data.readline()

    async def read(self, size):
        return self.data.read(size)


class TestCompat1xAsync(Compat1xContract, unittest.TestCase):
    modules = (microdot_asyncio, microdot_asyncio_test_client)

    def resolve(self, value):
        return asyncio.run(value)

    def body_app(self, body_first):
        app = microdot_asyncio.Microdot()

        async def both(req):
            if body_first:
                body = req.body
                data = await req.stream.read()
            else:
                data = await req.stream.read()
                body = req.body
            return {'body': len(body), 'stream': len(data)}
        app.post('/')(both)
        return app

    def create(self, data):
        return asyncio.run(microdot_asyncio.Request.create(
            microdot_asyncio.Microdot(), _Reader(data), None,
            ('127.0.0.1', 1234)))

    def chunks(self, res):
        async def collect():
            found = []
            async for chunk in res.body_iter():
                found.append(chunk)
            return found
        return asyncio.run(collect())

    def test_body_iter_of_every_kind_of_body(self):
        class Chunks:  # an async iterable, written as MicroPython needs
            def __init__(self):
                self.left = ['a', b'b']

            def __aiter__(self):
                return self

            async def __anext__(self):
                if not self.left:
                    raise StopAsyncIteration
                return self.left.pop(0)
        Response = microdot_asyncio.Response
        self.assertEqual(self.chunks(Response(Chunks())), ['a', b'b'])
        self.assertEqual(self.chunks(Response(io.BytesIO(b'x' * 2500))),
                         [b'x' * 1024, b'x' * 1024, b'x' * 452])
        self.assertEqual(self.chunks(Response({'a': 1})), [b'{"a": 1}'])

    def test_module_functions_make_this_modules_response(self):
        # 1.x: microdot_asyncio.send_file and redirect are its Response's
        Response = microdot_asyncio.Response
        res = microdot_asyncio.send_file('x.txt', stream=io.BytesIO(b'x'))
        self.assertIs(type(res), Response)
        self.assertIs(type(microdot_asyncio.redirect('/')), Response)

    def test_no_asyncio_object_before_the_server_starts(self):
        # an app built at import time, with no event loop yet
        kinds = tuple(getattr(asyncio, name) for name in (
            'Event', 'Lock', 'Task', 'Future', 'Semaphore', 'Queue',
            'ThreadSafeFlag') if isinstance(getattr(asyncio, name, None),
                                            type))
        app = microdot_asyncio.Microdot()
        for name in dir(app):
            value = getattr(app, name)
            self.assertFalse(isinstance(value, kinds), name)
        app.route('/')(lambda req: 'ok')
        for _ in range(2):  # two event loops, one after the other
            res = self.send(app, 'GET', '/')
            self.assertEqual(res.text, 'ok')
