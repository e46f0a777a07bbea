"""The app contract (``AppContract`` in test_app.py) bound to the WSGI and
ASGI adapters.

Each adapter gets a small client with microdot_test_client.TestClient's
interface (its cookie jar included): the WSGI one builds a PEP 3333 environ
and calls the app through ``wsgiref.validate.validator``; the ASGI one runs
the app's ``(scope, receive, send)`` under ``asyncio.run``. What the app
answers is written back as the bytes of an HTTP response and parsed by
TestResponse, so a test sees the same response object as with our servers.

CPython only: this module is not in ``PORTABLE`` (tests/__init__.py), the
only list tests/mp_runner.py runs.
"""
import asyncio
import io
import json
import unittest
from urllib.parse import unquote, unquote_to_bytes
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

import microdot_asgi
import microdot_wsgi
from _microdot_errors import reason_phrase
from _microdot_http import NoCaseDict, add_header
import microdot_test_client
from test_app import AppContract, TXT, header

pytestmark = pytest.mark.filterwarnings(
    'error::wsgiref.validate.WSGIWarning')

CLIENT = ('127.0.0.1', 1234)  # the peer address both clients report


class AdapterClient(microdot_test_client.TestClient):
    """TestClient's interface over an adapter: a subclass's ``call(method,
    path, headers, body)`` runs the app and returns ``(status line, header
    pairs, body)`` as a server would write them."""

    def request(self, method, path, headers=None, body=None):
        headers = NoCaseDict(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault('Content-Type', 'application/json')
        body = body.encode() if isinstance(body, str) else body or b''
        headers.setdefault('Host', 'localhost')
        if body or method in ('POST', 'PUT', 'PATCH'):
            headers.setdefault('Content-Length', str(len(body)))
        for name, value in self.cookies.items():
            add_header(headers, 'Cookie', name + '=' + value)
        status, pairs, body = self.call(method, path, headers, body)
        head = ['HTTP/1.1 ' + status] + [name + ': ' + value
                                         for name, value in pairs]
        response = microdot_test_client.TestResponse(
            ('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + body)
        self._update_cookies(response)
        return response


class WSGIClient(AdapterClient):
    def call(self, method, path, headers, body):
        path, _, query = path.partition('?')
        environ = {
            'REQUEST_METHOD': method, 'SCRIPT_NAME': '',
            # as servers pass it: percent-decoded, the bytes seen as latin-1
            'PATH_INFO': unquote_to_bytes(path).decode('latin-1'),
            'QUERY_STRING': query, 'SERVER_PROTOCOL': 'HTTP/1.1',
            'REMOTE_ADDR': CLIENT[0], 'REMOTE_PORT': str(CLIENT[1]),
            'wsgi.input': io.BytesIO(body)}
        for name, value in headers.items():
            key = name.upper().replace('-', '_')
            if key not in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                key = 'HTTP_' + key
            environ[key] = value
        setup_testing_defaults(environ)
        # the validator refuses an environ with an invalid CONTENT_LENGTH,
        # which only the adapter's own 400 is tested with
        app = validator(self.app) if \
            environ.get('CONTENT_LENGTH', '0').isdigit() else self.app
        started = []
        result = app(environ, lambda status, pairs, exc_info=None:
                     started.append((status, pairs)))
        try:
            body = b''.join(result)
        finally:
            if hasattr(result, 'close'):
                result.close()
        return started[0] + (body,)


class ASGIClient(AdapterClient):
    def call(self, method, path, headers, body):
        return asyncio.run(self._call(method, path, headers, body))

    async def _call(self, method, path, headers, body):
        path, _, query = path.partition('?')
        scope = {
            'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': '1.1',
            'method': method, 'scheme': 'http', 'path': unquote(path),
            'raw_path': path.encode(), 'query_string': query.encode(),
            'root_path': '', 'client': CLIENT, 'server': ('localhost', 80),
            'headers': [(name.lower().encode(), value.encode('latin-1'))
                        for name, value in headers.items()]}
        incoming = [{'type': 'http.request', 'body': body}]
        sent, ended = [], asyncio.Event()

        async def receive():  # the body, then the client leaves at the end
            if incoming:
                return incoming.pop()
            await ended.wait()
            return {'type': 'http.disconnect'}

        async def send(message):
            assert not ended.is_set(), message
            assert message['type'] == ('http.response.body' if sent else
                                       'http.response.start'), message
            sent.append(message)
            if len(sent) > 1 and not message.get('more_body'):
                ended.set()
        await self.app(scope, receive, send)
        assert ended.is_set(), sent
        status = sent[0]['status']
        return ('%d %s' % (status, reason_phrase(status)),
                [(name.decode(), value.decode('latin-1'))
                 for name, value in sent[0]['headers']],
                b''.join([message.get('body', b'') for message in sent[1:]]))


class AdapterContract(AppContract):
    """The contract, and what both adapters owe beyond it."""

    adapter = None  # the adapter's module
    client_class = None

    def make_app(self):
        return self.adapter.Microdot()

    def make_client(self, app, cookies=None):
        return self.client_class(app, cookies=cookies)

    def test_client_addr_is_host_and_int_port(self):
        # as on our own servers: a tuple, the port an int
        app = self.make_app()
        app.route('/')(lambda req: repr(req.client_addr))
        self.assertEqual(self.get(self.make_client(app), '/').text,
                         repr(CLIENT))

    def test_bodyless_answers_have_no_content_type(self):
        # a 204 or a 304 types no body, as from our servers (and wsgiref's
        # validator insists)
        self.assertIsNone(header(self.get_one(lambda req: None),
                                 'Content-Type'))
        etag = header(self.send(TXT), 'ETag')
        res = self.send(TXT, request_headers={'If-None-Match': etag})
        self.assertEqual(res.status_code, 304)
        self.assertIsNone(header(res, 'Content-Type'))


class TestWSGIApp(AdapterContract, unittest.TestCase):
    adapter, client_class = microdot_wsgi, WSGIClient
    request_class = microdot_wsgi.Request
    response_class = microdot_wsgi.Response


# ASGI's http.response.start has a status code and no reason phrase: the
# server writes the standard one (uvicorn does)
no_reason_phrase = unittest.skip('ASGI carries no reason phrase')


class TestASGIApp(AdapterContract, unittest.TestCase):
    adapter, client_class = microdot_asgi, ASGIClient
    request_class = microdot_asgi.Request
    response_class = microdot_asgi.Response

    test_response_custom_reason = no_reason_phrase(
        AppContract.test_response_custom_reason)
    test_response_object = no_reason_phrase(AppContract.test_response_object)
