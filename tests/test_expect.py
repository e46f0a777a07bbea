"""``Expect: 100-continue`` through both test clients: the interim
``100 Continue`` is on the wire (the in-memory connection keeps every byte)
only when a route takes the request; 417 for other expectations. Over real
sockets on every server kind: ``tests/e2e/test_e2e_expect.py``.

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
from _microdot_http import Connection, run_sync
from microdot_test_client import TestClient
from microdot_asyncio_test_client import TestClient as AsyncTestClient

CONTINUE = b'HTTP/1.1 100 Continue\r\n\r\n'


def exchange(app, data):
    """Serve ``data`` on an in-memory connection; return every byte sent."""
    output = io.BytesIO()
    run_sync(microdot.serve_connection(app, Connection(io.BytesIO(data),
                                                       output), ('h', 1)))
    return output.getvalue()


def head(path, body=b'', expect='100-continue', version='1.1',
         framing=None):
    framing = framing or 'Content-Length: %d' % len(body)
    return ('POST %s HTTP/%s\r\nHost: h\r\nExpect: %s\r\n%s\r\n\r\n'
            % (path, version, expect, framing)).encode() + body


class TestExpect(unittest.TestCase):
    def setUp(self):
        self.saved = microdot.Request.max_content_length
        self.app = microdot.Microdot()
        self.app.post('/echo')(lambda req: req.body)
        self.app.post('/stream')(lambda req: req.stream.read())

    def tearDown(self):
        microdot.Request.max_content_length = self.saved

    def test_continue_then_the_response(self):
        sent = exchange(self.app, head('/echo', b'hello'))
        self.assertTrue(sent.startswith(CONTINUE + b'HTTP/1.1 200 OK\r\n'))
        self.assertTrue(sent.endswith(b'\r\n\r\nhello'))

    def test_continue_for_a_streamed_and_a_chunked_body(self):
        microdot.Request.max_body_length, saved = 2, \
            microdot.Request.max_body_length
        try:
            sent = exchange(self.app, head('/stream', b'hello'))
        finally:
            microdot.Request.max_body_length = saved
        self.assertTrue(sent.startswith(CONTINUE + b'HTTP/1.1 200 OK\r\n'))
        self.assertTrue(sent.endswith(b'hello'))
        sent = exchange(self.app, head(
            '/echo', b'5\r\nhello\r\n0\r\n\r\n',
            framing='Transfer-Encoding: chunked'))
        self.assertTrue(sent.startswith(CONTINUE + b'HTTP/1.1 200 OK\r\n'))
        self.assertTrue(sent.endswith(b'\r\n\r\nhello'))

    def test_no_continue_when_no_route_takes_it(self):
        sent = exchange(self.app, head('/nowhere', b'hello'))
        self.assertTrue(sent.startswith(b'HTTP/1.1 404 '))
        self.assertIn(b'Connection: close', sent)
        self.assertNotIn(b' 100 ', sent)

    def test_no_continue_over_max_content_length(self):
        microdot.Request.max_content_length = 4
        sent = exchange(self.app, head('/echo', b'hello'))
        self.assertTrue(sent.startswith(b'HTTP/1.1 413 '))
        self.assertIn(b'Connection: close', sent)

    def test_other_expectation_is_417(self):
        sent = exchange(self.app, head('/echo', b'hello', expect='x-magic'))
        self.assertTrue(sent.startswith(b'HTTP/1.1 417 '))
        self.assertIn(b'Connection: close', sent)

    def test_no_continue_without_a_body_or_for_http10(self):
        sent = exchange(self.app, head('/echo'))
        self.assertTrue(sent.startswith(b'HTTP/1.1 200 OK\r\n'))
        sent = exchange(self.app, head('/echo', b'hi', version='1.0'))
        self.assertTrue(sent.startswith(b'HTTP/1.0 200 OK\r\n'))

    def test_test_clients_skip_the_interim_response(self):
        res = TestClient(self.app).post(
            '/echo', headers={'Expect': '100-continue'}, body=b'hello')
        self.assertEqual((res.status_code, res.body), (200, b'hello'))
        app = microdot_asyncio.Microdot()

        async def echo(req):
            return req.body
        app.post('/echo')(echo)
        res = asyncio.run(AsyncTestClient(app).post(
            '/echo', headers={'Expect': '100-continue'}, body=b'hello'))
        self.assertEqual((res.status_code, res.body), (200, b'hello'))
        res = asyncio.run(AsyncTestClient(app).post(
            '/echo', headers={'Expect': 'nope'}, body=b'hello'))
        self.assertEqual(res.status_code, 417)
