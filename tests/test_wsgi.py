"""microdot_wsgi.Microdot as a real WSGI callable (CPython only).

What an app does whichever driver serves it is tested once, in the app
contract bound to this adapter (test_adapter_contract.py); these tests are
about what is WSGI's own: the environ, wsgi.input, streamed bodies, the
status line, real servers and shutdown.

Most tests call the app through ``wsgiref.validate.validator``, the stdlib's
PEP 3333 checker: it asserts on every environ, status, header list and body
chunk that crosses the interface, and its warnings are errors here. A few
tests serve the app with ``wsgiref.simple_server`` on a free 127.0.0.1 port,
and ``shutdown()`` is checked in subprocesses running gunicorn and
wsgiref (it sends SIGTERM, which must never reach the test process).
"""
import hashlib
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from wsgiref.simple_server import make_server, WSGIRequestHandler
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

import microdot_wsgi
from microdot_wsgi import Microdot, Response, abort, send_file

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / 'src'
HOST = '127.0.0.1'
IO_TIMEOUT = 10.0

pytestmark = pytest.mark.filterwarnings(
    'error::wsgiref.validate.WSGIWarning')


# -- harness -------------------------------------------------------------

class RecordingInput(io.BytesIO):
    """A ``wsgi.input`` that remembers the size of every read."""

    def __init__(self, data=b''):
        super().__init__(data)
        self.reads = []

    def read(self, size=-1):
        data = super().read(size)
        self.reads.append((size, len(data)))
        return data


def make_environ(method='GET', path='/', query='', body=b'', headers=None,
                 content_type=None, content_length=None, **extra):
    """A valid PEP 3333 environ, as a server would build it.

    ``path`` is PATH_INFO as a real server passes it: the URL percent-
    decoded, its UTF-8 bytes seen as latin-1. ``body`` is bytes or a
    RecordingInput; ``headers`` are request headers by HTTP name;
    ``content_length`` defaults to the body's size when it is not empty
    ('' or False: leave CONTENT_LENGTH out).
    """
    environ = {}
    setup_testing_defaults(environ)
    environ.update({
        'REQUEST_METHOD': method,
        'PATH_INFO': path,
        'QUERY_STRING': query,
        'SERVER_PROTOCOL': 'HTTP/1.1',
        'REMOTE_ADDR': '10.1.2.3',
        'REMOTE_PORT': '50000',
        'wsgi.input': body if hasattr(body, 'read') else
        RecordingInput(body),
    })
    if content_length is None:
        size = len(body.getvalue() if hasattr(body, 'getvalue') else body)
        content_length = size or None
    if content_length not in (None, '', False):
        environ['CONTENT_LENGTH'] = str(content_length)
    if content_type is not None:
        environ['CONTENT_TYPE'] = content_type
    for name, value in (headers or {}).items():
        environ['HTTP_' + name.upper().replace('-', '_')] = value
    environ.update(extra)
    return environ


class Result:
    """What a WSGI server got from one call of the application."""

    def __init__(self, status, headers, chunks):
        self.status_line = status
        self.status = int(status.split(' ', 1)[0])
        self.reason = status.split(' ', 1)[1]
        self.header_list = headers
        self.chunks = chunks
        self.body = b''.join(chunks)

    def header(self, name, default=None):
        values = self.header_values(name)
        return values[0] if values else default

    def header_values(self, name):
        return [value for key, value in self.header_list
                if key.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode()

    def json(self):
        return json.loads(self.body.decode())


def call(app, environ, validate=True, stop_after=None):
    """Call the app as a WSGI server does: start_response, iterate the body,
    always close it. ``stop_after=n`` closes after n chunks (client gone)."""
    wsgi_app = validator(app) if validate else app
    started = {}

    def start_response(status, headers, exc_info=None):
        assert exc_info is None
        started['status'], started['headers'] = status, headers
        return lambda data: pytest.fail('write() is not used')

    iterable = wsgi_app(environ, start_response)
    chunks = []
    try:
        for chunk in iterable:
            chunks.append(chunk)
            if stop_after is not None and len(chunks) >= stop_after:
                break
    finally:
        if hasattr(iterable, 'close'):
            iterable.close()
    return Result(started['status'], started['headers'], chunks)


@pytest.fixture
def app():
    return Microdot()


def limits(monkeypatch, **settings):
    # class settings of the WSGI Request only, undone after the test
    for name, value in settings.items():
        monkeypatch.setattr(microdot_wsgi.Request, name, value)


# -- environ and request bodies ------------------------------------------

def test_request_environ_and_head(app):
    seen = []

    @app.route('/info')
    def info(req):
        seen.append(req)
        return {'method': req.method, 'path': req.path,
                'query_string': req.query_string,
                'http_version': req.http_version,
                'x_custom': req.headers.get('X-Custom-Header'),
                'client': list(req.client_addr),
                'scheme': req.environ['wsgi.url_scheme']}

    environ = make_environ('GET', '/info', 'a=1',
                           headers={'X-Custom-Header': 'yes'})
    res = call(app, environ)
    assert res.status == 200
    assert res.header('Content-Type') == 'application/json; charset=UTF-8'
    assert res.json() == {'method': 'GET', 'path': '/info',
                          'query_string': 'a=1', 'http_version': '1.1',
                          'x_custom': 'yes', 'client': ['10.1.2.3', 50000],
                          'scheme': 'http'}
    assert seen[0].environ is environ


def test_client_port_is_an_int_and_0_when_unknown(app):
    app.route('/')(lambda req: repr(req.client_addr))
    environ = make_environ()
    assert call(app, environ).body == b"('10.1.2.3', 50000)"
    del environ['REMOTE_PORT']  # wsgiref.simple_server sets none
    assert call(app, environ).body == b"('10.1.2.3', 0)"


def test_repeated_header_names_are_rebuilt(app):
    @app.route('/headers')
    def headers(req):
        return dict(req.headers)

    res = call(app, make_environ('GET', '/headers', headers={
        'X-Forwarded-For': '1.2.3.4', 'Accept-Language': 'fr',
        'Cookie': 'a=1; b=2'}, content_type='text/plain'))
    assert res.json()['X-Forwarded-For'] == '1.2.3.4'
    assert res.json()['Accept-Language'] == 'fr'
    assert res.json()['Content-Type'] == 'text/plain'


def test_many_distinct_header_names_all_reach_the_request(app):
    # the adapter remembers environ keys it has seen; a flood of new header
    # names must neither be lost nor grow that memory without bound
    @app.route('/headers')
    def headers(req):
        return dict(req.headers)

    for batch in range(20):
        names = {'X-Random-%d-%d' % (batch, i): str(i) for i in range(40)}
        res = call(app, make_environ('GET', '/headers', headers=names))
        assert res.status == 200
        got = res.json()
        assert {name: got.get(name) for name in names} == names
    assert len(microdot_wsgi._ENVIRON_KEYS) <= 512


def test_body_reads_exactly_content_length(app):
    @app.post('/echo')
    def echo(req):
        return req.body

    source = RecordingInput(b'hello world, and what a server left after')
    res = call(app, make_environ('POST', '/echo', body=source,
                                 content_length=11))
    assert res.body == b'hello world'
    assert source.tell() == 11  # nothing read past CONTENT_LENGTH


def test_no_content_length_means_no_body(app):
    @app.route('/echo', methods=['GET', 'POST'])
    def echo(req):
        return {'body': req.body.decode(), 'length': req.content_length}

    source = RecordingInput(b'not a body')
    res = call(app, make_environ('POST', '/echo', body=source,
                                 content_length=''))
    assert res.json() == {'body': '', 'length': 0}
    assert source.reads == []


def test_large_body_streamed_never_buffered(app, monkeypatch):
    limits(monkeypatch, max_content_length=4 * 1024 * 1024)
    data = bytes(range(256)) * 2048  # 512 KiB, well above max_body_length
    seen = {}

    @app.post('/upload')
    def upload(req):
        digest, total, reads = hashlib.sha256(), 0, 0
        while True:
            chunk = req.stream.read(4096)
            if not chunk:
                break
            if reads == 0:
                seen['consumed_at_first_chunk'] = source.tell()
            digest.update(chunk)
            total += len(chunk)
            reads += 1
        return {'total': total, 'sha256': digest.hexdigest(), 'reads': reads}

    source = RecordingInput(data)
    res = call(app, make_environ('POST', '/upload', body=source,
                                 content_type='application/octet-stream'))
    assert res.json() == {'total': len(data),
                          'sha256': hashlib.sha256(data).hexdigest(),
                          'reads': len(data) // 4096}
    # the handler saw data when only its first block had been read
    assert seen['consumed_at_first_chunk'] == 4096
    assert max(size for size, _ in source.reads) == 4096


def test_large_body_is_not_in_body(app, monkeypatch):
    limits(monkeypatch, max_content_length=1024 * 1024)

    @app.post('/upload')
    def upload(req):
        return {'body': len(req.body), 'length': req.content_length}

    source = RecordingInput(b'x' * 100000)
    res = call(app, make_environ('POST', '/upload', body=source))
    assert res.json() == {'body': 0, 'length': 100000}
    assert source.reads == []  # left for the server to discard


def test_content_length_above_max_is_413_unread(app):
    @app.post('/echo')
    def echo(req):
        return req.body

    source = RecordingInput(b'x' * (64 * 1024))
    res = call(app, make_environ('POST', '/echo', body=source))
    assert res.status == 413
    assert res.body == b'Payload too large'
    assert source.reads == []


def chunked_environ(body):
    # what a server that de-chunks passes: no CONTENT_LENGTH, the header
    return make_environ('POST', '/echo', body=RecordingInput(body),
                        content_length=False,
                        headers={'Transfer-Encoding': 'chunked'},
                        content_type='application/octet-stream')


@pytest.mark.parametrize('size', [0, 1, 5000, 16 * 1024])
def test_chunked_body_up_to_max_content_length(app, size):
    @app.post('/echo')
    def echo(req):
        return {'length': req.content_length,
                'sha256': hashlib.sha256(req.body).hexdigest()}

    body = os.urandom(size)
    res = call(app, chunked_environ(body))
    assert res.status == 200
    assert res.json() == {'length': size,
                          'sha256': hashlib.sha256(body).hexdigest()}


def test_chunked_body_above_max_content_length_is_413(app):
    @app.post('/echo')
    def echo(req):
        return req.body

    environ = chunked_environ(b'x' * (1024 * 1024))
    source = environ['wsgi.input']  # the validator wraps it in place
    res = call(app, environ)
    assert res.status == 413
    # read in one bounded step, never the whole megabyte
    assert source.tell() <= \
        microdot_wsgi.Request.max_content_length + 1


# -- responses -------------------------------------------------------------


def test_streamed_generator_response(app):
    events = []

    @app.route('/stream')
    def stream(req):
        def generate():
            events.append('started')
            try:
                for part in ('one ', 'two ', b'three'):
                    yield part
            finally:
                events.append('closed')
        return generate()

    res = call(app, make_environ('GET', '/stream'))
    assert res.status == 200
    assert res.chunks == [b'one ', b'two ', b'three']
    assert res.header('Content-Length') is None
    assert res.header('Content-Type') == 'text/plain; charset=UTF-8'
    assert events == ['started', 'closed']


def test_streamed_response_is_lazy_and_closed_early(app):
    events = []

    @app.route('/stream')
    def stream(req):
        def generate():
            try:
                for i in range(1000):
                    events.append(i)
                    yield 'chunk %d\n' % i
            finally:
                events.append('closed')
        return generate()

    res = call(app, make_environ('GET', '/stream'), stop_after=2)
    assert res.chunks == [b'chunk 0\n', b'chunk 1\n']
    assert events == [0, 1, 'closed']  # the server's close() stopped it


def test_file_body_streamed_in_blocks(app, tmp_path, monkeypatch):
    monkeypatch.setattr(Response, 'send_file_buffer_size', 1000)
    path = tmp_path / 'data.bin'
    path.write_bytes(os.urandom(2500))

    @app.route('/file')
    def file(req):
        return send_file(str(path))

    res = call(app, make_environ('GET', '/file'))
    assert [len(chunk) for chunk in res.chunks] == [1000, 1000, 500]
    assert res.body == path.read_bytes()
    assert res.header('Content-Length') == '2500'
    assert res.header('Content-Type') == 'application/octet-stream'


def test_head_does_not_start_a_streamed_body(app):
    events = []

    @app.route('/stream')
    def stream(req):
        def generate():
            events.append('started')
            yield 'never sent'
        return generate()

    res = call(app, make_environ('HEAD', '/stream'))
    assert res.status == 200 and res.body == b''
    assert events == []


@pytest.mark.parametrize('handler, status_line', [
    (lambda req: 'ok', '200 OK'),
    (lambda req: ('made', 201), '201 Created'),
    (lambda req: None, '204 No Content'),
    (lambda req: microdot_wsgi.redirect('/new'), '302 Found'),
    (lambda req: abort(418), "418 I'm a teapot"),
])
def test_status_line_has_the_standard_reason(app, handler, status_line):
    # WSGI's status is a line: the adapter writes the reason phrase
    app.route('/')(handler)
    assert call(app, make_environ()).status_line == status_line


@pytest.fixture
def file_app(app, tmp_path):
    path = tmp_path / 'page.txt'
    path.write_bytes(b'0123456789abcdefghij')

    @app.route('/page.txt')
    def page(req):
        return send_file(str(path))
    return app


def test_send_file_304_on_etag_and_date(file_app):
    first = call(file_app, make_environ('GET', '/page.txt'))
    assert first.status == 200 and first.body == b'0123456789abcdefghij'
    etag, modified = first.header('ETag'), first.header('Last-Modified')
    for headers in ({'If-None-Match': etag},
                    {'If-Modified-Since': modified}):
        res = call(file_app, make_environ('GET', '/page.txt',
                                          headers=headers))
        assert res.status_line == '304 Not Modified'
        assert res.body == b''
        assert res.header('Content-Type') is None  # PEP 3333 validator
        assert res.header('ETag') == etag


def test_send_file_range_206_and_416(file_app):
    res = call(file_app, make_environ('GET', '/page.txt',
                                      headers={'Range': 'bytes=5-9'}))
    assert res.status_line == '206 Partial Content'
    assert res.body == b'56789'
    assert res.header('Content-Range') == 'bytes 5-9/20'
    assert res.header('Content-Length') == '5'
    res = call(file_app, make_environ('GET', '/page.txt',
                                      headers={'Range': 'bytes=-3'}))
    assert res.body == b'hij'
    res = call(file_app, make_environ('GET', '/page.txt',
                                      headers={'Range': 'bytes=50-60'}))
    assert res.status == 416
    assert res.header('Content-Range') == 'bytes */20'


# -- paths and query strings -----------------------------------------------

def latin1(text):
    # PEP 3333: PATH_INFO holds the decoded URL's bytes as latin-1
    return text.encode('utf-8').decode('latin-1')


@pytest.fixture
def path_app(app):
    @app.route('/users/<name>')
    def user(req, name):
        return {'name': name, 'path': req.path, 'args': req.args.getlist('x')}

    @app.route('/app/users/<name>')
    def mounted_user(req, name):
        return {'mounted': name, 'path': req.path}

    @app.route('/files/<path:rest>')
    def files(req, rest):
        return {'rest': rest}
    return app


@pytest.mark.parametrize('extra', [
    {'RAW_URI': '/users/caf%C3%A9?x=%E2%82%AC'},       # gunicorn
    {'REQUEST_URI': '/users/caf%C3%A9?x=%E2%82%AC'},   # uWSGI, mod_wsgi
    {},                                                 # wsgiref, others
], ids=['RAW_URI', 'REQUEST_URI', 'PATH_INFO'])
def test_percent_encoded_utf8_path(path_app, extra):
    environ = make_environ('GET', latin1('/users/caf\u00e9'),
                           'x=%E2%82%AC', **extra)
    res = call(path_app, environ)
    assert res.status == 200
    assert res.json() == {'name': 'caf\u00e9', 'path': '/users/caf%C3%A9',
                          'args': ['\u20ac']}


@pytest.mark.parametrize('raw_uri', [None, '/app/users/J%C3%BCrgen'])
def test_script_name_prefix_is_part_of_the_path(path_app, raw_uri):
    # SCRIPT_NAME + PATH_INFO, as Microdot 1.x routed them; RAW_URI holds
    # the same full path
    extra = {'SCRIPT_NAME': '/app'}
    if raw_uri:
        extra['RAW_URI'] = raw_uri
    res = call(path_app, make_environ('GET', latin1('/users/J\u00fcrgen'),
                                      **extra))
    assert res.json() == {'mounted': 'J\u00fcrgen',
                          'path': '/app/users/J%C3%BCrgen'}


def test_path_with_space_and_reserved_characters(path_app):
    res = call(path_app, make_environ('GET', '/files/a b/c+d;e'))
    assert res.json() == {'rest': 'a b/c+d;e'}


# -- limits, errors, hooks -------------------------------------------------

@pytest.mark.parametrize('environ_args, status', [
    (dict(path='/' + 'a' * 3000), 414),
    (dict(path='/', query='q=' + 'a' * 3000), 414),
    (dict(headers={'X-Big': 'b' * 3000}), 431),
    (dict(headers=dict(('X-H%d' % i, 'v') for i in range(70))), 431),
    (dict(method='POST', body=b'abc',
          headers={'Transfer-Encoding': 'chunked'}), 400),
    (dict(method='POST', content_length=False,
          headers={'Transfer-Encoding': 'gzip'}), 501),
], ids=['long-path', 'long-query', 'long-header', 'many-headers',
        'te-and-cl', 'unknown-coding'])
def test_limits_checked_by_the_adapter(app, environ_args, status):
    calls = []

    @app.route('/<path:anything>', methods=['GET', 'POST'])
    def anything(req, anything):
        calls.append(anything)
        return 'reached'

    @app.route('/', methods=['GET', 'POST'])
    def index(req):
        calls.append('/')
        return 'reached'

    res = call(app, make_environ(**environ_args))
    assert res.status == status
    assert calls == []
    # PEP 3333: the app sends no hop-by-hop header; the server closes
    assert res.header('Connection') is None


def test_limits_follow_request_settings(app, monkeypatch):
    limits(monkeypatch, max_readline=8192, max_headers=100)

    @app.route('/')
    def index(req):
        return str(len(req.headers))

    res = call(app, make_environ(headers=dict(
        [('X-Big', 'b' * 5000)] + [('X-H%d' % i, 'v') for i in range(80)])))
    assert res.status == 200


def test_error_handler_for_limit_gets_no_request(app):
    @app.errorhandler(431)
    def too_large(req):
        return {'error': 'headers', 'request': req}, 431

    res = call(app, make_environ(headers={'X-Big': 'b' * 3000}))
    assert res.status == 431
    assert res.json() == {'error': 'headers', 'request': None}


def test_500_with_a_logged_traceback(app, capsys):
    class WSGITestError(Exception):
        pass

    @app.route('/error')
    def error(req):
        raise WSGITestError('this one is on purpose')

    res = call(app, make_environ('GET', '/error'))
    assert res.status_line == '500 Internal Server Error'
    assert res.body == b'Internal server error'
    err = capsys.readouterr().err
    assert 'Traceback (most recent call last)' in err
    assert 'WSGITestError: this one is on purpose' in err


def test_hooks(app):
    @app.before_request
    def gate(req):
        if req.headers.get('X-Block'):
            return 'blocked', 403

    @app.after_request
    def stamp(req, res):
        res.headers['X-After'] = 'yes'

    @app.after_error_request
    def stamp_error(req, res):
        res.headers['X-After-Error'] = 'yes'

    @app.route('/')
    def index(req):
        req.after_request(lambda req, res: res.headers.update(
            {'X-This-Request': 'yes'}))
        return 'ok'

    res = call(app, make_environ('GET', '/'))
    assert (res.body, res.header('X-After'), res.header('X-This-Request')) \
        == (b'ok', 'yes', 'yes')
    res = call(app, make_environ('GET', '/', headers={'X-Block': '1'}))
    assert res.status == 403 and res.header('X-After') == 'yes'
    res = call(app, make_environ('GET', '/missing'))
    assert res.status == 404 and res.header('X-After-Error') == 'yes'


def test_async_handler_is_refused_clearly(app, capsys):
    @app.route('/async')
    async def handler(req):
        return 'never'

    res = call(app, make_environ('GET', '/async'))
    assert res.status == 500
    assert 'use microdot_asyncio' in capsys.readouterr().err


def test_header_value_with_newline_is_500(app):
    @app.route('/split')
    def split(req):
        return 'x', {'X-Bad': 'a\r\nSet-Cookie: evil=1'}

    res = call(app, make_environ('GET', '/split'))
    assert res.status == 500
    assert res.header_values('Set-Cookie') == []


# -- a real WSGI server: wsgiref.simple_server -------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(app, monkeypatch):
    """The ``app`` fixture, validated, served by wsgiref on 127.0.0.1."""
    limits(monkeypatch, max_content_length=4 * 1024 * 1024)
    server = make_server(HOST, 0, validator(app),
                         handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def http_request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=IO_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_wsgiref_form_json_and_utf8_path(app, served):
    @app.post('/users/<name>')
    def user(req, name):
        return {'name': name, 'form': req.form and dict(req.form.items()),
                'json': req.json}

    response, body = http_request(
        served, 'POST', '/users/caf%C3%A9', b'a=1&b=%C3%A9',
        {'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status == 200
    assert json.loads(body) == {'name': 'caf\u00e9',
                                'form': {'a': '1', 'b': '\u00e9'},
                                'json': None}
    response, body = http_request(
        served, 'POST', '/users/x', b'{"k": [1, 2]}',
        {'Content-Type': 'application/json'})
    assert json.loads(body) == {'name': 'x', 'form': None,
                                'json': {'k': [1, 2]}}


def test_wsgiref_large_upload_cookies_stream_and_head(app, served):
    @app.post('/upload')
    def upload(req):
        digest, total = hashlib.sha256(), 0
        while True:
            chunk = req.stream.read(8192)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
        res = Response({'total': total, 'sha256': digest.hexdigest()})
        res.set_cookie('a', '1')
        res.set_cookie('b', '2', http_only=True)
        return res

    @app.route('/stream')
    def stream(req):
        return (('line %d\n' % i) for i in range(100))

    data = os.urandom(1024 * 1024)
    response, body = http_request(served, 'POST', '/upload', data)
    assert json.loads(body) == {'total': len(data),
                                'sha256': hashlib.sha256(data).hexdigest()}
    assert response.headers.get_all('Set-Cookie') == ['a=1',
                                                      'b=2; HttpOnly']
    response, body = http_request(served, 'GET', '/stream')
    assert body == b''.join(b'line %d\n' % i for i in range(100))
    response, body = http_request(served, 'HEAD', '/stream')
    assert response.status == 200 and body == b''


# -- shutdown() under a WSGI server, in subprocesses --------------------------

SHUTDOWN_APP = '''
from microdot_wsgi import Microdot

app = Microdot()


@app.route('/')
def index(req):
    return 'up'


@app.route('/shutdown')
def shutdown(req):
    req.app.shutdown()
    return 'bye'


if __name__ == '__main__':
    import sys
    from wsgiref.simple_server import make_server
    make_server('127.0.0.1', int(sys.argv[1]), app).serve_forever()
'''


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_ready(proc, port, log, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail('server exited early (%s):\n%s'
                        % (proc.returncode, log.read_text()))
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail('server not ready in %s s:\n%s' % (timeout, log.read_text()))


@pytest.fixture
def start_process(tmp_path):
    """Start a server subprocess; stopped by its PID at teardown."""
    procs = []

    def start(argv, port):
        log = tmp_path / ('server%d.log' % len(procs))
        env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED='1')
        with open(log, 'wb') as out:
            proc = subprocess.Popen(argv, cwd=str(tmp_path), env=env,
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT,
                                    start_new_session=True)
        procs.append(proc)
        wait_ready(proc, port, log)
        return proc, log

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_shutdown_under_gunicorn_stops_the_master(tmp_path, start_process):
    gunicorn = Path(sys.executable).parent / 'gunicorn'
    if not gunicorn.exists():
        pytest.skip('gunicorn is not installed next to %s' % sys.executable)
    (tmp_path / 'shutdown_app.py').write_text(SHUTDOWN_APP)
    port = free_port()
    proc, log = start_process([str(gunicorn), '--bind', '%s:%d' % (HOST, port),
                               '--workers', '1', '--graceful-timeout', '5',
                               'shutdown_app:app'], port)
    assert http_request(port, 'GET', '/')[1] == b'up'
    response, body = http_request(port, 'GET', '/shutdown')
    assert (response.status, body) == (200, b'bye')
    try:
        code = proc.wait(15)
    except subprocess.TimeoutExpired:
        pytest.fail('gunicorn still running 15 s after /shutdown:\n%s'
                    % log.read_text())
    assert code == 0, log.read_text()
    assert 'Handling signal: term' in log.read_text()


def test_shutdown_under_wsgiref_terminates_the_process(tmp_path,
                                                       start_process):
    (tmp_path / 'shutdown_app.py').write_text(SHUTDOWN_APP)
    port = free_port()
    proc, log = start_process([sys.executable, 'shutdown_app.py', str(port)],
                              port)
    response, body = http_request(port, 'GET', '/shutdown')
    assert (response.status, body) == (200, b'bye')  # answered first
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:
        pytest.fail('server still running after /shutdown')
    assert code == -signal.SIGTERM
