"""microdot_asgi.Microdot as a real ASGI 3 callable (CPython only).

What an app does whichever driver serves it is tested once, in the app
contract bound to this adapter (test_adapter_contract.py); these tests are
about what is ASGI's own: the scope, body messages, disconnects, streamed
bodies, async handlers, lifespan, WebSocket scopes, real servers and
shutdown.

The tests talk to the app through the ASGI interface itself: a scope dict
and ``receive``/``send`` coroutines that behave like uvicorn's (request
body messages, then ``http.disconnect`` once the response has ended), and
check every message the app sends. Where a real client matters (cookie
jar, chunked uploads) ``httpx.AsyncClient`` drives the app through
``httpx.ASGITransport``. ``shutdown()`` sends SIGTERM, so it is tested in
uvicorn subprocesses only.
"""
import asyncio
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

import microdot_asgi
import microdot_session
from microdot_asgi import Microdot, Response, abort

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / 'src'
HOST = '127.0.0.1'
CALL_TIMEOUT = 5.0  # seconds one ASGI call may take before the test fails
_NO_RAW_PATH = object()


# -- harness -------------------------------------------------------------

def http_scope(method='GET', path='/', query=b'', headers=(),
               raw_path=None, http_version='1.1', scope_type='http'):
    """A scope as uvicorn builds it: ``path`` decoded, ``raw_path`` the
    percent-encoded bytes (derived from ``path`` unless given, omitted with
    ``_NO_RAW_PATH``), header names lowercased bytes."""
    scope = {
        'type': scope_type, 'asgi': {'version': '3.0', 'spec_version': '2.3'},
        'http_version': http_version, 'scheme': 'http', 'path': path,
        'query_string': query, 'root_path': '',
        'headers': [(name.lower().encode('latin-1'), value.encode('latin-1'))
                    for name, value in (headers.items() if
                                        hasattr(headers, 'items')
                                        else headers)],
        'client': ('10.1.2.3', 50000), 'server': ('127.0.0.1', 8000),
    }
    if scope_type == 'http':
        scope['method'] = method
    if raw_path is None:
        raw_path = quote(path.encode(), safe="/:@!$&'()*+,;=-._~").encode()
    if raw_path is not _NO_RAW_PATH:
        scope['raw_path'] = raw_path
    return scope


def body_messages(*parts):
    """``http.request`` messages carrying ``parts``, the last one final."""
    parts = parts or (b'',)
    return [{'type': 'http.request', 'body': part,
             'more_body': i < len(parts) - 1} for i, part in enumerate(parts)]


class Exchange:
    """One HTTP request/response over ASGI, as a server sees it.

    ``receive`` hands out the request messages (yielding to the loop like a
    server reading a socket), then waits until the response has ended (or,
    with ``disconnect_after=n``, until n streamed chunks were sent) and
    reports ``http.disconnect``. ``send`` checks the message order.
    """

    def __init__(self, messages=None, disconnect_after=None):
        self.incoming = list(messages or body_messages())
        self.disconnect_after = disconnect_after
        self.receive_calls = 0
        self.bytes_received = 0
        self.sent = []
        self.ended = asyncio.Event()
        self.client_gone = asyncio.Event()

    async def receive(self):
        self.receive_calls += 1
        if self.incoming:
            message = self.incoming.pop(0)
            self.bytes_received += len(message.get('body', b''))
            await asyncio.sleep(0)
            return message
        if self.disconnect_after is not None:
            await self.client_gone.wait()
        else:
            await self.ended.wait()
        return {'type': 'http.disconnect'}

    async def send(self, message):
        assert not self.ended.is_set(), 'sent after the response ended: %r' \
            % (message,)
        if not self.sent:
            assert message['type'] == 'http.response.start', message
            assert isinstance(message['status'], int)
            for name, value in message.get('headers', []):
                assert isinstance(name, bytes) and isinstance(value, bytes)
                assert name == name.lower(), 'ASGI: header names lowercased'
        else:
            assert message['type'] == 'http.response.body', message
            assert isinstance(message.get('body', b''), bytes)
        self.sent.append(message)
        if message['type'] != 'http.response.body':
            return
        if not message.get('more_body', False):
            self.ended.set()
        elif self.disconnect_after is not None and \
                len(self.sent) - 1 >= self.disconnect_after:
            self.client_gone.set()
        await asyncio.sleep(0)

    @property
    def status(self):
        return self.sent[0]['status']

    @property
    def header_list(self):
        return [(name.decode('latin-1'), value.decode('latin-1'))
                for name, value in self.sent[0].get('headers', [])]

    def header_values(self, name):
        return [value for key, value in self.header_list
                if key.lower() == name.lower()]

    def header(self, name, default=None):
        values = self.header_values(name)
        return values[0] if values else default

    @property
    def body_messages(self):
        return self.sent[1:]

    @property
    def body(self):
        return b''.join(m.get('body', b'') for m in self.body_messages)

    def json(self):
        return json.loads(self.body.decode())


def run(coroutine, timeout=CALL_TIMEOUT):
    async def bounded():
        return await asyncio.wait_for(coroutine, timeout)
    return asyncio.run(bounded())


def call(app, scope, messages=None, **options):
    """Run one ASGI call to its end; returns the Exchange."""
    exchange = Exchange(messages, **options)

    async def main():
        await app(scope, exchange.receive, exchange.send)
    run(main())
    return exchange


def request(app, method='GET', path='/', body=None, headers=None, **scope):
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault('Content-Length', str(len(body)))
    return call(app, http_scope(method, path, headers=headers, **scope),
                body_messages(body or b''))


@pytest.fixture
def app():
    return Microdot()


def limits(monkeypatch, **settings):
    for name, value in settings.items():
        monkeypatch.setattr(microdot_asgi.Request, name, value)


# -- the scope and request bodies ------------------------------------------

def test_request_asgi_scope(app):
    seen = []

    @app.route('/info')
    def info(req):
        seen.append(req)
        return {'method': req.method, 'path': req.path,
                'query_string': req.query_string,
                'http_version': req.http_version,
                'client': list(req.client_addr),
                'x_custom': req.headers.get('X-Custom-Header'),
                'type': req.asgi_scope['type']}

    scope = http_scope('GET', '/info', b'a=1', {'X-Custom-Header': 'yes'},
                       http_version='1.0')
    res = call(app, scope)
    assert res.status == 200
    assert res.json() == {'method': 'GET', 'path': '/info',
                          'query_string': 'a=1', 'http_version': '1.0',
                          'client': ['10.1.2.3', 50000], 'x_custom': 'yes',
                          'type': 'http'}
    assert seen[0].asgi_scope is scope
    assert len(res.body_messages) == 1
    assert res.body_messages[0].get('more_body', False) is False


def test_repeated_header_names_are_joined(app):
    # as our own servers do: cookies with '; ', other fields with ', '
    @app.route('/headers')
    def headers(req):
        return {'cookie': req.headers['Cookie'],
                'accept': req.headers['Accept'],
                'cookies': req.cookies, 'host': req.headers['Host']}

    scope = http_scope('GET', '/headers', headers=[
        ('Host', 'example.com'), ('Cookie', 'a=1'), ('Accept', 'text/html'),
        ('Cookie', 'b=2'), ('Accept', 'application/json')])
    res = call(app, scope)
    assert res.json() == {'cookie': 'a=1; b=2',
                          'accept': 'text/html, application/json',
                          'cookies': {'a': '1', 'b': '2'},
                          'host': 'example.com'}


def test_repeated_content_length_must_agree(app):
    app.route('/', methods=['POST'])(lambda req: req.body)
    same = http_scope('POST', '/', headers=[('Content-Length', '2'),
                                            ('Content-Length', '2')])
    assert call(app, same, body_messages(b'ok')).status == 200
    differ = http_scope('POST', '/', headers=[('Content-Length', '2'),
                                              ('Content-Length', '3')])
    assert call(app, differ, body_messages(b'ok')).status == 400


def test_body_in_several_messages(app):
    @app.post('/form')
    async def form(req):
        return {'a': req.form.get('a'), 'b': req.form.getlist('b'),
                'length': req.content_length}

    messages = body_messages(b'a=1', b'&b=x+y', b'', b'&b=%C3%A9')
    del messages[2]['body']  # 'body' is optional in a message
    res = call(app, http_scope('POST', '/form', headers={
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': '21'}), messages)
    assert res.json() == {'a': '1', 'b': ['x y', '\u00e9'], 'length': 21}


def test_large_body_streamed_never_buffered(app, monkeypatch):
    limits(monkeypatch, max_content_length=4 * 1024 * 1024)
    parts = [os.urandom(10000) for _ in range(20)]
    data = b''.join(parts)
    seen = {'held': []}

    @app.post('/upload')
    async def upload(req):
        digest, total = hashlib.sha256(), 0
        while True:
            chunk = await req.stream.read(4096)
            if not chunk:
                break
            if total == 0:
                seen['receives_at_first_chunk'] = exchange.receive_calls
            digest.update(chunk)
            total += len(chunk)
            # bytes the adapter took from the server and has not handed out
            seen['held'].append(exchange.bytes_received - total)
        return {'total': total, 'sha256': digest.hexdigest(),
                'body_attribute_unused': True}

    exchange = Exchange(body_messages(*parts))
    scope = http_scope('POST', '/upload', headers={
        'Content-Length': str(len(data))})
    run(app(scope, exchange.receive, exchange.send))
    assert exchange.json() == {'total': len(data),
                               'sha256': hashlib.sha256(data).hexdigest(),
                               'body_attribute_unused': True}
    # the handler had data after one message of twenty
    assert seen['receives_at_first_chunk'] == 1
    assert max(seen['held']) < 10000


def test_large_body_is_not_in_body(app, monkeypatch):
    limits(monkeypatch, max_content_length=1024 * 1024)

    @app.post('/upload')
    def upload(req):
        return {'body': len(req.body), 'length': req.content_length}

    res = request(app, 'POST', '/upload', b'x' * 100000)
    assert res.json() == {'body': 0, 'length': 100000}
    assert res.receive_calls == 0
    assert res.header('Connection') == 'close'  # the body was left unread


def test_large_chunked_body_left_unread_closes(app, monkeypatch):
    # as with a Content-Length: the rest must not be read as a request
    limits(monkeypatch, max_content_length=1024 * 1024)

    @app.post('/upload')
    async def upload(req):
        return {'first': len(await req.stream.read(1000))}

    res = call(app, http_scope('POST', '/upload', headers={
        'Transfer-Encoding': 'chunked'}),
        body_messages(*[b'x' * 10000 for _ in range(10)]))
    assert res.json() == {'first': 1000}
    assert res.header('Connection') == 'close'


def test_content_length_above_max_is_413_unread(app):
    @app.post('/echo')
    def echo(req):
        return req.body

    res = request(app, 'POST', '/echo', b'x' * (64 * 1024))
    assert res.status == 413
    assert res.body == b'Payload too large'
    assert res.header('Connection') == 'close'
    assert res.receive_calls == 0


@pytest.mark.parametrize('parts', [
    (), (b'abc',), (b'a' * 6000, b'b' * 6000, b'c' * 4384),
], ids=['empty', 'small', 'max'])
def test_unknown_length_body_up_to_max_content_length(app, parts):
    @app.post('/echo')
    def echo(req):
        return {'length': req.content_length,
                'sha256': hashlib.sha256(req.body).hexdigest(),
                'coding': req.headers.get('Transfer-Encoding')}

    data = b''.join(parts)
    res = call(app, http_scope('POST', '/echo', headers={
        'Transfer-Encoding': 'chunked'}), body_messages(*parts))
    assert res.status == 200
    # de-chunked, it has a Content-Length, as on our own servers
    assert res.json() == {'length': len(data), 'coding': None,
                          'sha256': hashlib.sha256(data).hexdigest()}


def test_unknown_length_body_above_max_is_413_early(app):
    @app.post('/echo')
    def echo(req):
        return req.body

    parts = [b'x' * 6000] * 5
    res = call(app, http_scope('POST', '/echo', headers={
        'Transfer-Encoding': 'chunked'}), body_messages(*parts))
    assert res.status == 413
    assert res.header('Connection') == 'close'
    assert res.receive_calls == 3  # stopped once past 16 KiB


def test_disconnect_while_reading_the_body_is_quiet(app, capsys):
    # http.disconnect means the connection is closed: an answer reaches
    # nobody (a server of ASGI 2.4 may raise OSError on that send), and
    # neither the handler nor the error handlers run for a half request
    calls = []

    @app.post('/echo')
    def echo(req):
        calls.append('handler')
        return req.body

    @app.errorhandler(400)
    def bad_request(req):
        calls.append('400 handler')
        return 'bad', 400

    messages = body_messages(b'x' * 100, b'never')[:1] + \
        [{'type': 'http.disconnect'}]
    res = call(app, http_scope('POST', '/echo', headers={
        'Content-Length': '500'}), messages)
    assert res.sent == []
    assert calls == []
    assert capsys.readouterr().err == ''


# -- responses -------------------------------------------------------------

def test_bytes_body_is_one_message(app):
    @app.route('/')
    def index(req):
        return 'Hello, world!'

    res = request(app)
    assert res.status == 200
    assert res.header('Content-Length') == '13'
    assert res.header('Content-Type') == 'text/plain; charset=UTF-8'
    assert [m.get('more_body', False) for m in res.body_messages] == [False]
    assert res.body == b'Hello, world!'


@pytest.mark.parametrize('kind', ['sync', 'async'])
def test_streamed_response_messages(app, kind):
    events = []

    def sync_body():
        try:
            yield 'one '
            yield b'two '
            yield 'three'
        finally:
            events.append('closed')

    async def async_body():
        try:
            for part in ('one ', b'two ', 'three'):
                await asyncio.sleep(0)
                yield part
        finally:
            events.append('closed')

    @app.route('/stream')
    async def stream(req):
        return sync_body() if kind == 'sync' else async_body()

    res = request(app, 'GET', '/stream')
    assert res.status == 200
    assert res.header('Content-Length') is None
    assert [(m['body'], m.get('more_body', False))
            for m in res.body_messages] == [
        (b'one ', True), (b'two ', True), (b'three', True), (b'', False)]
    assert events == ['closed']


def test_disconnect_stops_a_streaming_response(app):
    produced = []

    @app.route('/forever')
    def forever(req):
        def generate():
            try:
                for i in range(10000):
                    produced.append(i)
                    yield 'chunk %d\n' % i
            finally:
                produced.append('closed')
        return generate()

    res = call(app, http_scope('GET', '/forever'), disconnect_after=3)
    chunks = [m for m in res.body_messages if m.get('more_body')]
    assert 3 <= len(chunks) < 10
    assert produced[-1] == 'closed'
    assert len(produced) < 12  # the generator was not exhausted


def test_streamed_response_may_read_the_request_body(app, monkeypatch):
    limits(monkeypatch, max_content_length=1024 * 1024)

    @app.post('/relay')
    def relay(req):
        class Relay:  # echoes the body while it arrives
            def __aiter__(self):
                return self

            async def __anext__(self):
                chunk = await req.stream.read(1000)
                if not chunk:
                    raise StopAsyncIteration
                return chunk
        return Relay()

    parts = [bytes([65 + i]) * 5000 for i in range(8)]
    res = call(app, http_scope('POST', '/relay', headers={
        'Content-Length': '40000'}), body_messages(*parts))
    assert res.body == b''.join(parts)


def test_head_does_not_start_a_streamed_body(app):
    events = []

    @app.route('/stream')
    def stream(req):
        def generate():
            events.append('started')
            yield 'never sent'
        return generate()

    res = request(app, 'HEAD', '/stream')
    assert res.status == 200 and res.body == b''
    assert len(res.body_messages) == 1
    assert events == []


def test_header_value_with_newline_is_500(app):
    @app.route('/split')
    def split(req):
        return 'x', {'X-Bad': 'a\r\nSet-Cookie: evil=1'}

    res = request(app, 'GET', '/split')
    assert res.status == 500
    assert res.header_values('Set-Cookie') == []


# -- paths and query strings -----------------------------------------------

@pytest.mark.parametrize('raw_path', [None, _NO_RAW_PATH],
                         ids=['raw_path', 'no-raw_path'])
def test_utf8_path_and_query(app, raw_path):
    @app.route('/users/<name>')
    def user(req, name):
        return {'name': name, 'path': req.path, 'x': req.args.getlist('x')}

    res = call(app, http_scope('GET', '/users/caf\u00e9 cr\u00e8me',
                               b'x=%E2%82%AC&x=a+b', raw_path=raw_path))
    assert res.status == 200
    assert res.json() == {'name': 'caf\u00e9 cr\u00e8me',
                          'path': '/users/caf%C3%A9%20cr%C3%A8me',
                          'x': ['\u20ac', 'a b']}


def test_raw_path_keeps_an_encoded_slash(app):
    @app.route('/files/<name>')
    def file(req, name):
        return {'name': name}

    res = call(app, http_scope('GET', '/files/a/b', raw_path=b'/files/a%2Fb'))
    assert res.json() == {'name': 'a/b'}


# -- limits, errors, handlers and hooks ---------------------------------------

@pytest.mark.parametrize('scope_args, status', [
    (dict(path='/' + 'a' * 3000), 414),
    (dict(path='/', query=b'q=' + b'a' * 3000), 414),
    (dict(headers={'X-Big': 'b' * 3000}), 431),
    (dict(headers=dict(('X-H%d' % i, 'v') for i in range(70))), 431),
    (dict(method='POST', headers={'Transfer-Encoding': 'chunked',
                                  'Content-Length': '3'}), 400),
    (dict(method='POST', headers={'Transfer-Encoding': 'gzip'}), 501),
    (dict(method='POST', headers={'Content-Length': 'abc'}), 400),
], ids=['long-path', 'long-query', 'long-header', 'many-headers',
        'te-and-cl', 'unknown-coding', 'bad-length'])
def test_limits_answered_with_connection_close(app, scope_args, status):
    calls = []

    @app.route('/<path:anything>', methods=['GET', 'POST'])
    def anything(req, anything):
        calls.append(anything)
        return 'reached'

    res = call(app, http_scope(**scope_args))
    assert res.status == status
    assert res.header('Connection') == 'close'
    assert calls == []
    assert res.receive_calls == 0


def test_error_handler_for_limit_gets_no_request(app):
    @app.errorhandler(414)
    async def too_long(req):
        return {'error': 'url', 'request': req}, 414

    res = call(app, http_scope('GET', '/' + 'a' * 3000))
    assert res.status == 414
    assert res.json() == {'error': 'url', 'request': None}
    assert res.header('Connection') == 'close'


def test_sync_and_async_handlers_and_hooks(app):
    order = []

    @app.before_request
    async def before_async(req):
        order.append('before-async')

    @app.before_request
    def before_sync(req):
        order.append('before-sync')
        if req.headers.get('X-Block'):
            return 'blocked', 403

    @app.after_request
    async def after_async(req, res):
        order.append('after-async')
        res.headers['X-After'] = 'async'

    @app.after_request
    def after_sync(req, res):
        order.append('after-sync')
        return res

    @app.route('/sync')
    def sync_handler(req):
        order.append('sync')
        return 'sync'

    @app.route('/async')
    async def async_handler(req):
        await asyncio.sleep(0)
        order.append('async')
        return 'async', 201

    res = request(app, 'GET', '/sync')
    assert (res.status, res.body, res.header('X-After')) == \
        (200, b'sync', 'async')
    assert order == ['before-async', 'before-sync', 'sync', 'after-async',
                     'after-sync']
    del order[:]
    res = request(app, 'GET', '/async')
    assert (res.status, res.body) == (201, b'async')
    res = request(app, 'GET', '/sync', headers={'X-Block': '1'})
    assert (res.status, res.body) == (403, b'blocked')


def test_abort_and_error_handlers(app, capsys):
    class Teapot(Exception):
        pass

    @app.route('/abort/<int:code>')
    async def do_abort(req, code):
        abort(code)

    @app.route('/teapot')
    def teapot(req):
        raise Teapot()

    @app.route('/error')
    async def error(req):
        raise RuntimeError('ASGI test error, on purpose')

    @app.errorhandler(404)
    async def not_found(req):
        return {'missing': req.path}, 404

    @app.errorhandler(Teapot)
    def handle_teapot(req, exc):
        return 'short and stout', 418

    @app.after_error_request
    async def mark(req, res):
        res.headers['X-Error'] = str(res.status_code)

    res = request(app, 'GET', '/abort/404')
    assert res.status == 404 and res.json() == {'missing': '/abort/404'}
    assert res.header('X-Error') == '404'
    res = request(app, 'GET', '/abort/409')
    assert res.status == 409 and res.body == b'Conflict'
    res = request(app, 'GET', '/teapot')
    assert (res.status, res.body) == (418, b'short and stout')
    res = request(app, 'GET', '/error')
    assert (res.status, res.body) == (500, b'Internal server error')
    err = capsys.readouterr().err
    assert 'Traceback (most recent call last)' in err
    assert 'RuntimeError: ASGI test error, on purpose' in err


# -- lifespan -----------------------------------------------------------------

def lifespan(app, stages=('startup', 'shutdown')):
    incoming = [{'type': 'lifespan.' + stage} for stage in stages]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    run(app({'type': 'lifespan', 'asgi': {'version': '3.0',
                                          'spec_version': '2.0'}},
            receive, send))
    return sent


def test_lifespan_runs_sync_and_async_handlers(app):
    events = []

    @app.on_startup
    def open_pool():
        events.append('startup-sync')

    @app.on_startup
    async def warm_cache():
        await asyncio.sleep(0)
        events.append('startup-async')

    @app.on_shutdown
    async def close_pool():
        events.append('shutdown-async')

    @app.on_shutdown
    def flush():
        events.append('shutdown-sync')

    sent = lifespan(app)
    assert sent == [{'type': 'lifespan.startup.complete'},
                    {'type': 'lifespan.shutdown.complete'}]
    assert events == ['startup-sync', 'startup-async', 'shutdown-async',
                      'shutdown-sync']


def test_lifespan_without_handlers(app):
    assert lifespan(app) == [{'type': 'lifespan.startup.complete'},
                             {'type': 'lifespan.shutdown.complete'}]


def test_lifespan_startup_failure(app, capsys):
    events = []

    @app.on_startup
    async def broken():
        raise RuntimeError('no database')

    @app.on_startup
    def never():
        events.append('never')

    sent = lifespan(app)
    assert sent == [{'type': 'lifespan.startup.failed',
                     'message': 'no database'}]
    assert events == []
    assert 'RuntimeError: no database' in capsys.readouterr().err


def test_lifespan_shutdown_failure(app, capsys):
    @app.on_shutdown
    def broken():
        raise ValueError('cannot flush')

    sent = lifespan(app)
    assert sent == [{'type': 'lifespan.startup.complete'},
                    {'type': 'lifespan.shutdown.failed',
                     'message': 'cannot flush'}]
    assert 'ValueError: cannot flush' in capsys.readouterr().err


# -- websocket scope ----------------------------------------------------------

def websocket_call(app, path='/ws', client_messages=None):
    incoming = list(client_messages or [
        {'type': 'websocket.connect'},
        {'type': 'websocket.receive', 'text': 'hi'},
        {'type': 'websocket.disconnect', 'code': 1000}])
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    scope = http_scope(path=path, headers={
        'Host': 'example.com', 'Upgrade': 'websocket',
        'Connection': 'Upgrade', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='},
        scope_type='websocket')
    scope['scheme'] = 'ws'
    scope['subprotocols'] = []
    run(app(scope, receive, send))
    return scope, sent


def test_websocket_handler_takes_over(app):
    seen = []

    @app.before_request
    def before(req):
        seen.append(('before', req.method, req.path))

    @app.route('/ws')
    async def ws(req):
        seen.append(req.asgi_scope['type'])
        receive, send = req.asgi_receive, req.asgi_send
        assert (await receive())['type'] == 'websocket.connect'
        await send({'type': 'websocket.accept'})
        message = await receive()
        await send({'type': 'websocket.send', 'text': 'echo: ' +
                    message['text']})
        await send({'type': 'websocket.close', 'code': 1000})
        return Response.already_handled

    scope, sent = websocket_call(app)
    assert seen == [('before', 'GET', '/ws'), 'websocket']
    assert sent == [{'type': 'websocket.accept'},
                    {'type': 'websocket.send', 'text': 'echo: hi'},
                    {'type': 'websocket.close', 'code': 1000}]


@pytest.mark.parametrize('path', ['/ws', '/missing'])
def test_websocket_not_taken_over_is_closed(app, path):
    @app.route('/ws')
    def not_a_websocket(req):
        return 'plain HTTP answer'

    scope, sent = websocket_call(app, path)
    assert sent == [{'type': 'websocket.close', 'code': 1008}]


# -- through httpx.ASGITransport ----------------------------------------------

def with_client(app, test):
    async def main():
        transport = httpx.ASGITransport(app=app, client=('10.9.8.7', 4321))
        async with httpx.AsyncClient(transport=transport,
                                     base_url='http://testserver') as client:
            return await test(client)
    return run(main())


def test_httpx_session_cookies_round_trip(app, monkeypatch):
    monkeypatch.setattr(microdot_session, '_secret_key', None)
    microdot_session.set_session_secret_key('test-secret-' + 'x' * 32)

    @app.post('/login')
    @microdot_session.with_session
    async def login(req, session):
        microdot_session.update_session(req, {'user': req.form['user']})
        return 'welcome'

    @app.route('/me')
    @microdot_session.with_session
    def me(req, session):
        return {'user': session.get('user'), 'client': req.client_addr[0]}

    async def test(client):
        res = await client.post('/login', data={'user': 'caf\u00e9'})
        assert res.status_code == 200
        assert 'HttpOnly' in res.headers['set-cookie']
        res = await client.get('/me')
        assert res.json() == {'user': 'caf\u00e9', 'client': '10.9.8.7'}
        client.cookies.clear()
        res = await client.get('/me')
        assert res.json()['user'] is None
    with_client(app, test)


def test_httpx_chunked_upload(app):
    @app.post('/upload')
    def upload(req):
        return {'length': req.content_length, 'body': req.body.decode(),
                'coding': req.headers.get('Transfer-Encoding')}

    async def chunks(size):
        for _ in range(size):
            yield b'x' * 1000

    async def test(client):
        res = await client.post('/upload', content=chunks(3))
        assert res.json() == {'length': 3000, 'body': 'x' * 3000,
                              'coding': None}
        res = await client.post('/upload', content=chunks(20))
        assert res.status_code == 413
        assert res.headers['connection'] == 'close'
    with_client(app, test)


def test_httpx_streamed_download_and_head(app):
    @app.route('/lines')
    async def lines(req):
        async def generate():
            for i in range(50):
                yield 'line %d\n' % i
        return generate()

    async def test(client):
        res = await client.get('/lines')
        assert res.status_code == 200
        assert res.text == ''.join('line %d\n' % i for i in range(50))
        res = await client.head('/lines')
        assert res.status_code == 200 and res.content == b''
        res = await client.get('/nowhere')
        assert res.status_code == 404
    with_client(app, test)


# -- shutdown() under uvicorn, in subprocesses --------------------------------

SHUTDOWN_APP = '''
from microdot_asgi import Microdot

app = Microdot()


@app.route('/')
async def index(req):
    return 'up'


@app.route('/shutdown')
async def shutdown(req):
    req.app.shutdown()
    return 'bye'
'''


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port, path):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request('GET', path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def uvicorn_server(tmp_path):
    """Start uvicorn on the shutdown app; stopped by its PID at teardown."""
    uvicorn = Path(sys.executable).parent / 'uvicorn'
    if not uvicorn.exists():
        pytest.skip('uvicorn is not installed next to %s' % sys.executable)
    (tmp_path / 'shutdown_app.py').write_text(SHUTDOWN_APP)
    procs = []

    def start(*options):
        port = free_port()
        log = tmp_path / 'uvicorn.log'
        env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED='1')
        with open(log, 'wb') as out:
            proc = subprocess.Popen(
                [str(uvicorn), '--host', HOST, '--port', str(port),
                 '--app-dir', str(tmp_path), '--no-access-log'] +
                list(options) + ['shutdown_app:app'], env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        procs.append(proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail('uvicorn exited early:\n' + log.read_text())
            try:
                if get(port, '/') == (200, b'up'):
                    return proc, port, log
            except OSError:
                time.sleep(0.1)
        pytest.fail('uvicorn not ready:\n' + log.read_text())

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_shutdown_under_uvicorn(uvicorn_server):
    proc, port, log = uvicorn_server()
    assert get(port, '/shutdown') == (200, b'bye')
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pytest.fail('uvicorn still running after /shutdown:\n'
                    + log.read_text())


def test_shutdown_under_uvicorn_workers(uvicorn_server):
    proc, port, log = uvicorn_server('--workers', '2')
    assert get(port, '/shutdown') == (200, b'bye')
    try:
        proc.wait(6)
    except subprocess.TimeoutExpired:
        pytest.fail('uvicorn --workers 2 still running 6 s after /shutdown')
