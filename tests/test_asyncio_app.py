"""microdot_asyncio: the app contract through the async test client, and
what only async apps do (coroutine handlers, hooks and error handlers,
async bodies, awaited request streams).

Portable: runs under pytest and under tests/mp_runner.py on MicroPython.
"""
import sys
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
import microdot_asyncio
from microdot_asyncio import Microdot, Request, Response, abort
from microdot_asyncio_test_client import TestClient
from test_app import AppContract

MICROPYTHON = sys.implementation.name == 'micropython'


def run(coro):
    return asyncio.run(coro)


class TestAsyncClientApp(AppContract, unittest.TestCase):
    request_class = Request
    response_class = Response

    def make_app(self):
        return Microdot()

    def make_client(self, app, cookies=None):
        return TestClient(app, cookies=cookies)

    def resolve(self, value):
        return run(value)



class Chunks:
    """An async iterator written as a class, as MicroPython needs."""

    def __init__(self, *chunks):
        self.chunks = list(chunks)

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self.chunks:
            raise StopAsyncIteration
        await asyncio.sleep(0)
        return self.chunks.pop(0)


class TestAsyncBehaviour(unittest.TestCase):
    def setUp(self):
        self.app = Microdot()
        self.client = TestClient(self.app)

    def get(self, path, **kwargs):
        return run(self.client.get(path, **kwargs))

    def test_public_names(self):
        for name in ('Microdot', 'Request', 'Response', 'abort', 'redirect',
                     'send_file'):
            self.assertTrue(hasattr(microdot_asyncio, name), name)

    def test_classes_subclass_the_sync_ones(self):
        self.assertTrue(issubclass(Microdot, microdot.Microdot))
        self.assertTrue(issubclass(Request, microdot.Request))
        self.assertTrue(issubclass(Response, microdot.Response))

    def test_coroutine_handler(self):
        @self.app.route('/')
        async def index(req):
            await asyncio.sleep(0)
            return 'async hello'
        self.assertEqual(self.get('/').text, 'async hello')

    def test_sync_and_async_handlers_side_by_side(self):
        @self.app.route('/sync')
        def sync(req):
            return 'sync'

        @self.app.route('/async')
        async def async_(req):
            return 'async'
        self.assertEqual(self.get('/sync').text, 'sync')
        self.assertEqual(self.get('/async').text, 'async')

    def test_async_before_request_short_circuits(self):
        @self.app.before_request
        async def guard(req):
            if 'X-Token' not in req.headers:
                return 'denied', 401

        @self.app.route('/')
        async def index(req):
            return 'ok'
        self.assertEqual(self.get('/').status_code, 401)
        self.assertEqual(self.get('/', headers={'X-Token': '1'}).text, 'ok')

    def test_async_after_request_replaces_response(self):
        @self.app.after_request
        async def stamp(req, res):
            res.headers['X-Stamp'] = 'yes'
            return res

        @self.app.route('/')
        async def index(req):
            return 'ok'
        self.assertEqual(self.get('/').headers['X-Stamp'], 'yes')

    def test_async_error_handler_reached_through_abort(self):
        # Microdot 1.x crashed here: its async dispatch was a copy
        @self.app.errorhandler(404)
        async def not_found(req):
            await asyncio.sleep(0)
            return 'custom not found', 404

        @self.app.route('/missing')
        async def missing(req):
            abort(404)
        res = self.get('/missing')
        self.assertEqual((res.status_code, res.text), (404, 'custom not found'))
        self.assertEqual(self.get('/nowhere').text, 'custom not found')

    def test_async_exception_handler(self):
        @self.app.errorhandler(ZeroDivisionError)
        async def div(req, exc):
            return 'division', 400

        @self.app.route('/')
        async def index(req):
            return 1 // 0
        res = self.get('/')
        self.assertEqual((res.status_code, res.text), (400, 'division'))

    def test_async_after_error_request(self):
        @self.app.after_error_request
        async def mark(req, res):
            res.headers['X-Error'] = str(res.status_code)
            return res
        self.assertEqual(self.get('/nowhere').headers['X-Error'], '404')

    def test_async_iterator_body(self):
        @self.app.route('/')
        async def index(req):
            return Response(Chunks(b'one ', 'two ', b'three'))
        res = self.get('/')
        self.assertEqual(res.body, b'one two three')
        self.assertEqual(res.headers['Transfer-Encoding'], 'chunked')

    def test_sync_generator_wrapped_in_response(self):
        def gen():
            yield 'a'
            yield 'b'

        @self.app.route('/')
        async def index(req):
            return Response(gen())
        self.assertEqual(self.get('/').body, b'ab')

    def test_handler_awaits_with_a_timeout(self):
        # on MicroPython the handler's coroutine is stepped by run_async's
        # generator check: cancellation must still reach it
        @self.app.route('/')
        async def index(req):
            async def slow():
                await asyncio.sleep(1)
            try:
                await asyncio.wait_for(slow(), 0.01)
            except asyncio.TimeoutError:
                return 'timed out'
        self.assertEqual(self.get('/').text, 'timed out')

    def test_plain_handler_returning_a_generator_streams(self):
        @self.app.route('/')
        def index(req):
            def gen():
                yield 'x'
                yield b'y'
            return gen()
        self.assertEqual(self.get('/').body, b'xy')

    def test_body_with_content_type_attribute(self):
        class Page(str):
            content_type = 'text/html; charset=UTF-8'

        @self.app.route('/')
        async def index(req):
            return Page('<p>hi</p>')
        res = self.get('/')
        self.assertEqual(res.headers['Content-Type'], 'text/html; charset=UTF-8')

    def test_small_body_stream_read_is_awaited(self):
        @self.app.post('/')
        async def index(req):
            return (await req.stream.read(3)) + b'|' + \
                (await req.stream.read())
        res = run(self.client.post('/', body=b'abcdef'))
        self.assertEqual(res.body, b'abc|def')

    def test_large_body_streamed_not_buffered(self):
        class BigRequest(Request):
            max_body_length = 8
        self.app.request_class = BigRequest

        @self.app.post('/')
        async def index(req):
            chunks = []
            while True:
                chunk = await req.stream.read(5)
                if not chunk:
                    break
                chunks.append(chunk)
            return '%d %d' % (len(chunks), sum(map(len, chunks)))
        res = run(self.client.post('/', body=b'x' * 1000))
        self.assertEqual(res.text, '200 1000')

    def test_dispatch_request_is_a_coroutine(self):
        @self.app.route('/')
        async def index(req):
            return 'ok'
        req = Request(self.app, ('127.0.0.1', 1), 'GET', '/', '1.1',
                      microdot.NoCaseDict())
        res = run(self.app.dispatch_request(req))
        self.assertEqual(res.status_code, 200)

    def test_async_response_write(self):
        class Writer:
            def __init__(self):
                self.data = b''

            def write(self, data):
                self.data += data

            async def drain(self):
                pass
        writer = Writer()
        run(Response('hi').write(writer))
        self.assertTrue(writer.data.startswith(b'HTTP/1.0 200 OK\r\n'))
        self.assertTrue(writer.data.endswith(b'\r\n\r\nhi'))


class TestSyncServerRejectsCoroutines(unittest.TestCase):
    def test_coroutine_handler_on_sync_app_is_500_naming_asyncio(self):
        if MICROPYTHON:
            self.skipTest('MicroPython cannot tell a coroutine apart')
        from microdot_test_client import TestClient as SyncClient
        app = microdot.Microdot()

        @app.route('/')
        async def index(req):
            return 'never'
        errors = []
        import _microdot_errors
        original = _microdot_errors.print_exception
        _microdot_errors.print_exception = errors.append
        try:
            res = SyncClient(app).get('/')
        finally:
            _microdot_errors.print_exception = original
        self.assertEqual(res.status_code, 500)
        self.assertIn('microdot_asyncio', str(errors[0]))
