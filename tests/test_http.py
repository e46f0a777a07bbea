"""Byte-level tables for the sans-IO HTTP core (``_microdot_http`` and the
parts that load on first use).

Portable: runs under pytest on CPython and under tests/mp_runner.py on
MicroPython. Every table is checked in both directions where the function
has an inverse (parse a rendered value, render a parsed one).
"""
import io
import unittest

from _microdot_http import (
    HTTPException, parse_request_line, parse_header_line, run_sync,
    read_request, Connection)
from _microdot_query import parse_query, urlencode, urldecode_str, \
    urldecode_bytes
from _microdot_errors import reason_phrase
from _microdot_cookies import parse_cookies, cookie_line
from _microdot_files import http_date, parse_http_date
from _microdot_ranges import parse_range
from _microdot_response import Response
from microdot import Microdot, Request, serve_connection


def encode_chunk(data):
    # the framing of one chunk of a streamed body, as a server writes it
    out = []
    run_sync(Response(iter([data])).write_steps(out.append, '1.1', True))
    wire = b''.join(out).split(b'\r\n\r\n', 1)[1]
    return wire[:-5] if data else wire  # without the last chunk


class HTTPTestCase(unittest.TestCase):
    def assertHTTPStatus(self, status, func, *args):
        """``func(*args)`` must raise HTTPException with ``status``."""
        try:
            with self.assertRaises(HTTPException) as cm:
                func(*args)
        except AssertionError:
            raise AssertionError('no HTTPException for %r' % (args,))
        self.assertEqual(cm.exception.status_code, status, repr(args))


# --------------------------------------------------------------------------
# HTTPException / reason_phrase

class TestHTTPException(HTTPTestCase):
    def test_status_code_kept(self):
        self.assertEqual(HTTPException(418).status_code, 418)

    def test_custom_reason_kept(self):
        self.assertEqual(HTTPException(418, 'Teapot').reason, 'Teapot')

    def test_default_reason_is_phrase(self):
        self.assertEqual(HTTPException(200).reason, reason_phrase(200))

    def test_is_exception(self):
        self.assertTrue(isinstance(HTTPException(400), Exception))

    def test_reason_phrase_ok(self):
        self.assertEqual(reason_phrase(200), 'OK')

    def test_reason_phrase_known_codes_are_text(self):
        for status in (400, 404, 405, 413, 414, 416, 431, 500, 505):
            phrase = reason_phrase(status)
            self.assertTrue(isinstance(phrase, str) and phrase, status)


# --------------------------------------------------------------------------
# request line

REQUEST_LINES = [
    (b'GET / HTTP/1.1\r\n', ('GET', '/', '1.1')),
    (b'GET / HTTP/1.0\r\n', ('GET', '/', '1.0')),
    (b'GET /a/b?x=1&y=2 HTTP/1.1\r\n', ('GET', '/a/b?x=1&y=2', '1.1')),
    (b'GET /a%20b?q=caf%C3%A9 HTTP/1.0\r\n',
     ('GET', '/a%20b?q=caf%C3%A9', '1.0')),
    (b'POST /submit HTTP/1.1\r\n', ('POST', '/submit', '1.1')),
    (b'DELETE /users/42 HTTP/1.1\r\n', ('DELETE', '/users/42', '1.1')),
    (b'OPTIONS * HTTP/1.1\r\n', ('OPTIONS', '*', '1.1')),
    (b'OPTIONS /x HTTP/1.1\r\n', ('OPTIONS', '/x', '1.1')),
    # the target's form is read_request's to check (see HEADS)
    (b'GET http://example.com/a?b=1 HTTP/1.1\r\n',
     ('GET', 'http://example.com/a?b=1', '1.1')),
]

BAD_REQUEST_LINES = [
    b'',
    b'\r\n',
    b'\n',
    b'GET\r\n',
    b'GET /\r\n',
    b'GET  / HTTP/1.1\r\n',
    b'GET /  HTTP/1.1\r\n',
    b' GET / HTTP/1.1\r\n',
    b'GET / HTTP/1.1 extra\r\n',
    b'GET / http/1.1\r\n',
    b'GET / HTTP/1.x\r\n',
    b'GET / HTTP/\r\n',
    b'GET / HTTP\r\n',
    b'GET / FOO/1.1\r\n',
    b'GET / 1.1\r\n',
    b'GET /\x00 HTTP/1.1\r\n',
    b'GET /a\x01b HTTP/1.1\r\n',
    b'GET /a\x1bb HTTP/1.1\r\n',
    b'GET /a\x7fb HTTP/1.1\r\n',
    b'GET\t/ HTTP/1.1\r\n',
    b'GET / HTTP/1.1\n',  # a bare LF ends no line
    b'GET / HTTP/1.1\r\r\n',
    b'GET / HTTP/1.1',
    b'GET /a\tb HTTP/1.1\r\n',
    b'GET /\x80 HTTP/1.1\r\n',  # raw bytes above 0x7F in the target
    b'GET /caf\xc3\xa9 HTTP/1.1\r\n',
    b'GET /\xff HTTP/1.1\r\n',
    b'GET /a\rb HTTP/1.1\r\n',
]

UNSUPPORTED_VERSION_LINES = [
    b'GET / HTTP/2.0\r\n',
    b'GET / HTTP/3.0\r\n',
]


class TestParseRequestLine(HTTPTestCase):
    def test_valid_lines(self):
        for line, expected in REQUEST_LINES:
            self.assertEqual(tuple(parse_request_line(line)), expected,
                             repr(line))

    def test_rendered_lines_parse_back(self):
        for _, (method, target, version) in REQUEST_LINES:
            line = (method + ' ' + target + ' HTTP/' + version +
                    '\r\n').encode()
            self.assertEqual(tuple(parse_request_line(line)),
                             (method, target, version), repr(line))

    def test_malformed_lines_are_400(self):
        for line in BAD_REQUEST_LINES:
            self.assertHTTPStatus(400, parse_request_line, line)

    def test_unsupported_version_is_505(self):
        for line in UNSUPPORTED_VERSION_LINES:
            self.assertHTTPStatus(505, parse_request_line, line)


# --------------------------------------------------------------------------
# header lines

HEADER_LINES = [
    (b'Host: example.com\r\n', ('Host', 'example.com')),
    (b'Host: example.com', ('Host', 'example.com')),  # the test client's
    (b'Content-Type:text/html\r\n', ('Content-Type', 'text/html')),
    (b'X-Pad:   spaced   \r\n', ('X-Pad', 'spaced')),
    (b'X-Tab:\tvalue\t\r\n', ('X-Tab', 'value')),
    (b'X-Inner: a  b\r\n', ('X-Inner', 'a  b')),
    (b'X-Empty:\r\n', ('X-Empty', '')),
    (b'X-Empty:   \r\n', ('X-Empty', '')),
    (b'Referer: http://a.b:80/x?y=1\r\n', ('Referer', 'http://a.b:80/x?y=1')),
    (b'x-lower-case: v\r\n', ('x-lower-case', 'v')),
    (b'Cookie: a=1; b=2\r\n', ('Cookie', 'a=1; b=2')),
]

BAD_HEADER_LINES = [
    b'NoColon\r\n',
    b'Bad : value\r\n',
    b'Bad\t: value\r\n',
    b': value\r\n',
    b' folded continuation\r\n',
    b'\tfolded continuation\r\n',
    b'X-Ctl: a\x00b\r\n',
    b'X-Ctl: a\x01b\r\n',
    b'X\x01Name: v\r\n',
    b'X Name: v\r\n',
    b'Host: example.com\n',  # a bare LF
    b'X: a\nb\r\n',
    b'X: a\rb\r\n',  # a bare CR
    b'X: a\r\r\n',
    b'X: a\r \r\n',
]


class TestParseHeaderLine(HTTPTestCase):
    def test_valid_lines(self):
        for line, expected in HEADER_LINES:
            self.assertEqual(tuple(parse_header_line(line)), expected,
                             repr(line))

    def test_rendered_lines_parse_back(self):
        for _, (name, value) in HEADER_LINES:
            line = (name + ': ' + value + '\r\n').encode()
            self.assertEqual(tuple(parse_header_line(line)), (name, value),
                             repr(line))

    def test_malformed_lines_are_400(self):
        for line in BAD_HEADER_LINES:
            self.assertHTTPStatus(400, parse_header_line, line)


# --------------------------------------------------------------------------
# whole heads and bodies: read_request

def read(data, cls=Request):
    """The request read_request makes of ``data``."""
    return run_sync(read_request(cls, None, Connection(io.BytesIO(data)),
                                 ('127.0.0.1', 1234)))


CHUNKED = b'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'

# (request bytes, (method, url, headers that must be there, body));
# headers absent from the request are listed with the value None
HEADS = [
    (b'GET / HTTP/1.1\r\nHost: a\r\n\r\n', ('GET', '/', {'Host': 'a'}, b'')),
    (b'\r\nGET / HTTP/1.1\r\n\r\n', ('GET', '/', {}, b'')),
    (b'GET / HTTP/1.1\r\nX: 1\r\nx: 2\r\n\r\n', ('GET', '/', {'X': '1, 2'},
                                                    b'')),
    (b'POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab',
     ('POST', '/', {'Content-Length': '2'}, b'ab')),
    # absolute-form (RFC 9112 3.2.2): routed by path and query; the Host
    # comes from the target
    (b'GET http://example.com/args?a=1 HTTP/1.1\r\nHost: other\r\n\r\n',
     ('GET', '/args?a=1', {'Host': 'example.com'}, b'')),
    (b'GET HTTPS://example.com:8443 HTTP/1.1\r\n\r\n',
     ('GET', '/', {'Host': 'example.com:8443'}, b'')),
    (b'GET http://example.com?a=1/b HTTP/1.1\r\nHost: example.com\r\n\r\n',
     ('GET', '/?a=1/b', {'Host': 'example.com'}, b'')),
    (b'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n', ('OPTIONS', '*', {}, b'')),
    (CHUNKED + b'5;name=value\r\nhello\r\n1;a;b="c d"\r\n!\r\n0\r\n\r\n',
     ('POST', '/', {'Content-Length': '6', 'Transfer-Encoding': None},
      b'hello!')),
    (CHUNKED + b'A\r\n0123456789\r\n0\r\n\r\n',
     ('POST', '/', {}, b'0123456789')),
    # trailer fields are checked and dropped: forbidden ones never reach
    # request.headers
    (CHUNKED + b'5\r\nhello\r\n0\r\nHost: evil\r\nContent-Length: 1\r\n'
     b'Transfer-Encoding: gzip\r\nX-Trailer: t\r\n\r\n',
     ('POST', '/', {'Host': 'a', 'Content-Length': '5', 'X-Trailer': None,
                    'Transfer-Encoding': None}, b'hello')),
]

# (request bytes, status): each raises HTTPException with the status
BAD_HEADS = [
    # a bare LF anywhere in the head (the two examples first)
    (b'GET / HTTP/1.1\r\nHost: x\r\nA: a\nContent-Length: 26\r\n\r\n', 400),
    (b'GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n', 400),
    (b'GET / HTTP/1.1\nHost: a\r\n\r\n', 400),
    (b'GET / HTTP/1.1\r\nHost: a\r\n\n', 400),
    (b'GET / HTTP/1.1\n\n', 400),
    (b'\nGET / HTTP/1.1\r\n\r\n', 400),
    # a bare CR
    (b'GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n', 400),
    (b'GET / HTTP/1.1\r\nHost: a\r\r\n\r\n', 400),
    # the input ends inside the head
    (b'GET / HTTP/1.1\r\nHost: a\r\n', 400),
    (b'GET / HTTP/1.1\r\nHost: a', 400),
    (b'GET / HTTP/1.1', 400),
    # one Host, one Content-Type (RFC 9112 3.2, RFC 9110 8.3)
    (b'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400),
    (b'GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 400),
    (b'POST / HTTP/1.1\r\nContent-Type: text/plain\r\n'
     b'Content-Type: application/json\r\n\r\n', 400),
    (b'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
     400),
    # Content-Length: ASCII digits only (str.isdigit() takes more)
    (b'POST / HTTP/1.1\r\nContent-Length: \xc2\xb2\r\n\r\nab', 400),
    (b'POST / HTTP/1.1\r\nContent-Length: \xd9\xa2\r\n\r\nab', 400),
    (b'POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\nab', 400),
    (b'POST / HTTP/1.1\r\nContent-Length: 2 2\r\n\r\nab', 400),
    (b'POST / HTTP/1.1\r\nContent-Length:\r\n\r\n', 400),
    # a raw byte above 0x7F in the target
    (b'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    (b'GET /?q=\xff HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    # targets that are not a path, *, or http(s)://authority[/path]
    (b'GET  HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    (b'GET * HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    (b'OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    (b'GET a/b HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    (b'CONNECT example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n', 400),
    (b'GET ftp://example.com/ HTTP/1.1\r\n\r\n', 400),
    (b'GET http:///path HTTP/1.1\r\n\r\n', 400),
    (b'GET http://user@example.com/ HTTP/1.1\r\n\r\n', 400),
    (b'GET http://example.com/#top HTTP/1.1\r\n\r\n', 400),
    (b'GET http:/example.com/ HTTP/1.1\r\n\r\n', 400),
    # chunk sizes: hex digits only, nothing around them
    (CHUNKED + b'+5\r\nhello\r\n0\r\n\r\n', 400),
    (CHUNKED + b'-0\r\n\r\n', 400),
    (CHUNKED + b' 0\r\n\r\n', 400),
    (CHUNKED + b'0 \r\n\r\n', 400),
    (CHUNKED + b'\t0\r\n\r\n', 400),
    (CHUNKED + b'5 ;a=b\r\nhello\r\n0\r\n\r\n', 400),
    (CHUNKED + b'0x5\r\nhello\r\n0\r\n\r\n', 400),
    (CHUNKED + b'5_0\r\n\r\n', 400),
    (CHUNKED + b'\r\n\r\n', 400),
    (CHUNKED + b';a\r\n\r\n', 400),
    (CHUNKED + b'123456789\r\n', 400),
    (CHUNKED + b'g\r\n\r\n', 400),
    # a bare CR in a chunk extension; a bare LF ending a chunk line
    (CHUNKED + b'5;a=\rb\r\nhello\r\n0\r\n\r\n', 400),
    (CHUNKED + b'5;a\r\r\nhello\r\n0\r\n\r\n', 400),
    (CHUNKED + b'5\nhello\r\n0\r\n\r\n', 400),
    (CHUNKED + b'5\r\nhello\n0\r\n\r\n', 400),
    (CHUNKED + b'5\r\nhello\r\n0\n\r\n', 400),
    # trailers: a bare LF, a line that is no field, the input ending
    (CHUNKED + b'0\r\nX: 1\n\r\n', 400),
    (CHUNKED + b'0\r\n\n', 400),
    (CHUNKED + b'0\r\nno field\r\n\r\n', 400),
    (CHUNKED + b'0\r\nX: 1\r\n', 400),
    # Transfer-Encoding on HTTP/1.0 (RFC 9112 6.1), or with Content-Length
    (b'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
     400),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5'
     b'\r\n\r\n0\r\n\r\n', 400),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 501),
]


class TestReadRequest(HTTPTestCase):
    def test_heads(self):
        for data, (method, url, headers, body) in HEADS:
            req = read(data)
            self.assertEqual((req.method, req.url, req.body),
                             (method, url, body), repr(data))
            for name, value in headers.items():
                self.assertEqual(req.headers.get(name), value, repr(data))

    def test_bad_heads(self):
        for data, status in BAD_HEADS:
            self.assertHTTPStatus(status, read, data)

    def test_closed_before_a_request_is_none(self):
        self.assertIsNone(read(b''))


class SmallBodyRequest(Request):
    max_body_length = 8
    max_content_length = 40


def chunked(*pieces):
    return CHUNKED + b''.join(b'%x\r\n%s\r\n' % (len(piece), piece)
                              for piece in pieces) + b'0\r\n\r\n'


class TestChunkedStream(HTTPTestCase):
    """A chunked body larger than max_body_length is left as a stream that
    decodes the chunks as it is read."""

    def test_small_body_is_read_whole(self):
        req = read(chunked(b'abc', b'de'), SmallBodyRequest)
        self.assertEqual((req.body, req.content_length), (b'abcde', 5))
        self.assertFalse(req.body_pending())

    def test_large_body_streams(self):
        pieces = (b'0123456', b'789', b'abcdefghij', b'k')
        req = read(chunked(*pieces) + b'GET / HTTP/1.1\r\n\r\n',
                   SmallBodyRequest)
        self.assertEqual(req.body, b'')
        self.assertTrue(req.body_pending())
        stream = req.stream
        self.assertEqual(stream.read(3), b'012')
        self.assertEqual(stream.read(12), b'3456789abcde')
        self.assertEqual(stream.read(), b'fghijk')
        self.assertEqual(stream.read(), b'')
        self.assertFalse(req.body_pending())  # the next request may follow
        self.assertEqual(req.connection.readline(100), b'GET / HTTP/1.1\r\n')

    def test_trailers_after_a_streamed_body_are_read(self):
        data = chunked(b'x' * 20)[:-2] + b'X-Sum: 1\r\n\r\nnext'
        req = read(data, SmallBodyRequest)
        self.assertEqual(req.stream.read(), b'x' * 20)
        self.assertFalse(req.body_pending())
        self.assertEqual(req.connection.read(4), b'next')

    def test_growing_past_max_content_length_is_413_on_read(self):
        req = read(chunked(b'y' * 30, b'z' * 30), SmallBodyRequest)
        self.assertEqual(req.stream.read(30), b'y' * 30)
        self.assertHTTPStatus(413, req.stream.read)

    def test_bad_framing_is_400_on_read(self):
        for tail in (b'zz\r\n', b'5\r\nabc', b'3\r\nabcXY', b'3\nabc'):
            req = read(CHUNKED + b'10\r\n' + b'a' * 16 + b'\r\n' + tail,
                       SmallBodyRequest)
            self.assertHTTPStatus(400, req.stream.read)


class TimeoutError(Exception):
    """Named as CPython's and asyncio's (MicroPython has no builtin one)."""


class StallingConnection(Connection):
    """A connection whose reads give ``data``, then raise ``error``."""

    def __init__(self, data, error):
        self.stream, self.error = io.BytesIO(data), error
        super().__init__(self.stream)
        self.readline, self.read = self.stalling_readline, self.stalling_read

    def stalling_readline(self, limit):
        return self.stream.readline(limit) or self.stall()

    def stalling_read(self, size):
        return self.stream.read(size) or self.stall()

    def stall(self):
        raise self.error


# (bytes that arrive before the client stalls, status): a read that times
# out once the request line came gets a 408; before it, the driver's error
STALLS = [
    (b'GET / HTTP/1.1\r\n', 408),
    (b'GET / HTTP/1.1\r\nHost: a\r\n', 408),
    (b'POST / HTTP/1.1\r\nContent-Length: 26\r\n\r\nabc', 408),
    (CHUNKED + b'5\r\nhel', 408),
    (CHUNKED + b'5\r\nhello\r\n', 408),
    (CHUNKED + b'0\r\nX: 1\r\n', 408),
    (b'', None),
]


class TestReadTimeouts(HTTPTestCase):
    def test_stalls(self):
        # the timeouts of CPython's sockets and asyncio, MicroPython's
        # sockets; a reset too (writing the 408 then fails in the driver,
        # which knows that the client left)
        for error in (TimeoutError(), OSError(110, 'ETIMEDOUT'),
                      OSError(104, 'ECONNRESET')):
            for data, status in STALLS:
                conn = StallingConnection(data, error)
                steps = read_request(Request, None, conn, ('127.0.0.1', 1))
                if status is None:
                    with self.assertRaises(type(error)):
                        run_sync(steps)
                else:
                    self.assertHTTPStatus(status, run_sync, steps)

    def test_other_errors_pass(self):
        conn = StallingConnection(b'GET / HTTP/1.1\r\n', ValueError('bug'))
        with self.assertRaises(ValueError):
            run_sync(read_request(Request, None, conn, ('127.0.0.1', 1)))


def exchange(app, data):
    """What a server running ``app`` writes for ``data``: (status line,
    header lines, body) of the first response, and whether it wrote more."""
    out = io.BytesIO()
    run_sync(serve_connection(app, Connection(io.BytesIO(data), out),
                              ('127.0.0.1', 1234)))
    head, _, body = out.getvalue().partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    return lines[0], lines[1:], body


class TestServeConnection(HTTPTestCase):
    """What a client gets: the same on every server, whose drivers run
    serve_connection."""

    def setUp(self):
        self.app = Microdot()

        @self.app.route('/args')
        def args(req):
            return req.headers['Host'] + ' ' + req.path + '?' + \
                req.query_string

        @self.app.route('/items', methods=['GET', 'POST'])
        def items(req):
            return 'items'

        @self.app.route('/items/<int:id>', methods=['PUT', 'DELETE'])
        def item(req, id):
            return 'item'

    def test_bad_heads_get_400_and_close(self):
        for data, status in BAD_HEADS:
            status_line, headers, _ = exchange(self.app, data)
            self.assertEqual(status_line.split(' ')[1], str(status),
                             repr(data))
            self.assertIn('Connection: close', headers, repr(data))

    def test_stalled_request_gets_408_and_close(self):
        out = io.BytesIO()
        conn = StallingConnection(b'GET / HTTP/1.1\r\nHost: a\r\n',
                                  TimeoutError())
        conn.write = out.write
        run_sync(serve_connection(self.app, conn, ('127.0.0.1', 1234)))
        head = out.getvalue().split(b'\r\n\r\n')[0].split(b'\r\n')
        self.assertEqual(head[0], b'HTTP/1.1 408 Request Timeout')
        self.assertIn(b'Connection: close', head)

    def test_options_asterisk_allows_every_routed_method(self):
        status_line, headers, body = exchange(
            self.app, b'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n')
        self.assertEqual(status_line, 'HTTP/1.1 200 OK')
        self.assertIn('Allow: GET, POST, PUT, DELETE, HEAD, OPTIONS',
                      headers)
        self.assertEqual(body, b'')

    def test_options_asterisk_without_routes(self):
        status_line, headers, _ = exchange(
            Microdot(), b'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n')
        self.assertEqual(status_line, 'HTTP/1.1 200 OK')
        self.assertIn('Allow: OPTIONS', headers)

    def test_absolute_form_is_routed_by_path_and_query(self):
        status_line, _, body = exchange(
            self.app, b'GET http://example.com/args?a=1 HTTP/1.1\r\n'
            b'Host: other\r\n\r\n')
        self.assertEqual(status_line, 'HTTP/1.1 200 OK')
        self.assertEqual(body, b'example.com /args?a=1')


# --------------------------------------------------------------------------
# url encoding

# (plain, encoded): urlencode(plain) == encoded and urldecode(encoded) == plain
URLENCODE_TABLE = [
    ('', ''),
    ('abcXYZ019-_.', 'abcXYZ019-_.'),
    ('a b', 'a+b'),
    ('a+b', 'a%2Bb'),
    ('100%', '100%25'),
    ('a&b', 'a%26b'),
    ('a=b', 'a%3Db'),
    ('a?b', 'a%3Fb'),
    ('a#b', 'a%23b'),
    ('x y+z%&=?#', 'x+y%2Bz%25%26%3D%3F%23'),
]

# (encoded, plain): decoding only
URLDECODE_TABLE = [
    ('a+b', 'a b'),
    ('a%20b', 'a b'),
    ('%41%42c', 'ABc'),
    ('caf%C3%A9', 'caf\u00e9'),
    ('caf%c3%a9', 'caf\u00e9'),
    ('%E2%82%AC5', '\u20ac5'),
    ('100%', '100%'),
    ('%', '%'),
    ('a%2', 'a%2'),
    ('%zz', '%zz'),
    ('a%zzb', 'a%zzb'),
    ('%%41', '%A'),
    ('plain', 'plain'),
]

ROUND_TRIP_STRINGS = [
    'hello world', 'a+b=c&d', '50% off?', '#tag', 'caf\u00e9 \u20ac',
    '/path/with/slashes', 'x%41y', '',
]


class TestUrlEncoding(HTTPTestCase):
    def test_urlencode(self):
        for plain, encoded in URLENCODE_TABLE:
            self.assertEqual(urlencode(plain), encoded, repr(plain))

    def test_urldecode_str_inverts_table(self):
        for plain, encoded in URLENCODE_TABLE:
            self.assertEqual(urldecode_str(encoded), plain, repr(encoded))

    def test_urldecode_bytes_inverts_table(self):
        for plain, encoded in URLENCODE_TABLE:
            self.assertEqual(urldecode_bytes(encoded.encode()), plain,
                             repr(encoded))

    def test_urldecode_str(self):
        for encoded, plain in URLDECODE_TABLE:
            self.assertEqual(urldecode_str(encoded), plain, repr(encoded))

    def test_urldecode_bytes(self):
        for encoded, plain in URLDECODE_TABLE:
            self.assertEqual(urldecode_bytes(encoded.encode()), plain,
                             repr(encoded))

    def test_round_trip(self):
        for s in ROUND_TRIP_STRINGS:
            self.assertEqual(urldecode_str(urlencode(s)), s, repr(s))
            self.assertEqual(urldecode_bytes(urlencode(s).encode()), s,
                             repr(s))

    def test_encoded_is_single_component(self):
        for s in ROUND_TRIP_STRINGS:
            encoded = urlencode(s)
            for ch in ' &=?#':
                self.assertNotIn(ch, encoded, repr(s))


# --------------------------------------------------------------------------
# query strings

QUERY_TABLE = [
    ('', []),
    ('a=1', [('a', '1')]),
    ('a=1&b=2', [('a', '1'), ('b', '2')]),
    ('a=1&a=2&b=3&a=4', [('a', '1'), ('a', '2'), ('b', '3'), ('a', '4')]),
    ('a=&b=', [('a', ''), ('b', '')]),
    ('flag', [('flag', '')]),
    ('flag&a=1', [('flag', ''), ('a', '1')]),
    ('a=1&&b=2', [('a', '1'), ('b', '2')]),
    ('a=b=c', [('a', 'b=c')]),
    ('q=caf%C3%A9+au+lait', [('q', 'caf\u00e9 au lait')]),
    ('k%20ey=v%26w', [('k ey', 'v&w')]),
    ('x=%zz', [('x', '%zz')]),
]


class TestParseQuery(HTTPTestCase):
    def test_table(self):
        for qs, expected in QUERY_TABLE:
            self.assertEqual([tuple(p) for p in parse_query(qs)], expected,
                             repr(qs))

    def test_rendered_pairs_parse_back(self):
        pairs = [('a', '1'), ('a', 'two words'), ('b&c', 'd=e'),
                 ('name', 'caf\u00e9'), ('empty', '')]
        qs = '&'.join([urlencode(k) + '=' + urlencode(v) for k, v in pairs])
        self.assertEqual([tuple(p) for p in parse_query(qs)], pairs)


# --------------------------------------------------------------------------
# cookies

COOKIE_HEADERS = [
    ('', {}),
    ('a=1', {'a': '1'}),
    ('a=1; b=2', {'a': '1', 'b': '2'}),
    ('a=1;b=2', {'a': '1', 'b': '2'}),
    ('  a=1 ;   b=2  ', {'a': '1', 'b': '2'}),
    ('a=', {'a': ''}),
    ('a=x=y', {'a': 'x=y'}),
    ('a="quoted"', {'a': 'quoted'}),
    ('a="two words"; b=2', {'a': 'two words', 'b': '2'}),
    ('a=1;', {'a': '1'}),
]


class TestParseCookies(HTTPTestCase):
    def test_table(self):
        for header, expected in COOKIE_HEADERS:
            self.assertEqual(parse_cookies(header), expected, repr(header))

    def test_rendered_cookies_parse_back(self):
        cookies = {'session': 'abc.def', 'theme': 'dark', 'n': '42'}
        header = '; '.join([k + '=' + v for k, v in cookies.items()])
        self.assertEqual(parse_cookies(header), cookies)

    def test_pair_without_equals_is_tolerated(self):
        cookies = parse_cookies('a=1; junk; b=2')
        self.assertEqual(cookies.get('a'), '1')
        self.assertEqual(cookies.get('b'), '2')


def cookie_attributes(line):
    """Split a Set-Cookie value into (name=value, set of attributes)."""
    parts = [p.strip() for p in line.split(';')]
    return parts[0], set(parts[1:])


# (kwargs, expected attribute)
COOKIE_ATTRIBUTES = [
    ({'path': '/'}, 'Path=/'),
    ({'path': '/app'}, 'Path=/app'),
    ({'domain': 'example.com'}, 'Domain=example.com'),
    ({'expires': 'Thu, 01 Jan 1970 00:00:00 GMT'},
     'Expires=Thu, 01 Jan 1970 00:00:00 GMT'),
    ({'max_age': 60}, 'Max-Age=60'),
    ({'secure': True}, 'Secure'),
    ({'http_only': True}, 'HttpOnly'),
    ({'same_site': 'Lax'}, 'SameSite=Lax'),
    ({'same_site': 'Strict'}, 'SameSite=Strict'),
]


class TestCookieLine(HTTPTestCase):
    def test_name_and_value_only(self):
        self.assertEqual(cookie_line('a', '1'), 'a=1')

    def test_each_attribute(self):
        for kwargs, attribute in COOKIE_ATTRIBUTES:
            first, attributes = cookie_attributes(
                cookie_line('a', '1', **kwargs))
            self.assertEqual(first, 'a=1', repr(kwargs))
            self.assertEqual(attributes, set([attribute]), repr(kwargs))

    def test_false_flags_add_nothing(self):
        self.assertEqual(cookie_line('a', '1', secure=False, http_only=False),
                         'a=1')

    def test_all_attributes_together(self):
        kwargs = {}
        for k, _ in COOKIE_ATTRIBUTES[:-1]:
            kwargs.update(k)
        first, attributes = cookie_attributes(cookie_line('n', 'v', **kwargs))
        self.assertEqual(first, 'n=v')
        self.assertEqual(attributes, set([
            'Path=/app', 'Domain=example.com',
            'Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'Max-Age=60', 'Secure',
            'HttpOnly', 'SameSite=Lax']))

    def test_line_parses_back_as_cookie(self):
        line = cookie_line('token', 'abc123', path='/', http_only=True)
        self.assertEqual(parse_cookies(line.split(';')[0]),
                         {'token': 'abc123'})

    def test_injection_in_name_or_value_rejected(self):
        for name, value in [('a\r', '1'), ('a\n', '1'), ('a;b', '1'),
                            ('a', '1\r'), ('a', '1\nX: y'), ('a', '1;b'),
                            ('a', '1\r\nSet-Cookie: evil=1')]:
            with self.assertRaises(ValueError):
                cookie_line(name, value)

    def test_injection_in_path_or_domain_rejected(self):
        # header injection through an attribute is as bad as through a value
        for kwargs in [{'path': '/\r\nX: y'}, {'domain': 'a.com\nX: y'}]:
            with self.assertRaises(ValueError):
                cookie_line('a', '1', **kwargs)


# --------------------------------------------------------------------------
# dates

HTTP_DATES = [
    (784111777, 'Sun, 06 Nov 1994 08:49:37 GMT'),
    (0, 'Thu, 01 Jan 1970 00:00:00 GMT'),
    (951782400, 'Tue, 29 Feb 2000 00:00:00 GMT'),
    (1700000000, 'Tue, 14 Nov 2023 22:13:20 GMT'),
    (4102444799, 'Thu, 31 Dec 2099 23:59:59 GMT'),
]

BAD_HTTP_DATES = [
    '',
    'garbage',
    'Sun, 06 Nov 1994',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Sun, xx Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49 GMT',
    '784111777',
]


class TestHTTPDate(HTTPTestCase):
    def test_format(self):
        for timestamp, text in HTTP_DATES:
            self.assertEqual(http_date(timestamp), text, timestamp)

    def test_parse(self):
        for timestamp, text in HTTP_DATES:
            self.assertEqual(parse_http_date(text), timestamp, text)

    def test_round_trip_of_fractional_time(self):
        self.assertEqual(parse_http_date(http_date(784111777.9)), 784111777)

    def test_garbage_is_none(self):
        for text in BAD_HTTP_DATES:
            self.assertIsNone(parse_http_date(text), repr(text))


# --------------------------------------------------------------------------
# ranges

# (header, size, (start, end_inclusive))
RANGES = [
    ('bytes=0-99', 1000, (0, 99)),
    ('bytes=0-0', 1000, (0, 0)),
    ('bytes=100-', 1000, (100, 999)),
    ('bytes=-50', 1000, (950, 999)),
    ('bytes=990-5000', 1000, (990, 999)),
    ('bytes=-5000', 1000, (0, 999)),
    ('bytes=999-', 1000, (999, 999)),
    ('bytes=5-9', 10, (5, 9)),
]

UNSATISFIABLE_RANGES = [
    ('bytes=1000-', 1000),
    ('bytes=1000-1100', 1000),
    ('bytes=5000-6000', 1000),
]

IGNORED_RANGES = [
    ('', 1000),
    ('bytes=', 1000),
    ('bytes=abc', 1000),
    ('bytes=a-b', 1000),
    ('bytes=-', 1000),
    ('bytes=5-1', 1000),
    ('bytes=0-1,5-6', 1000),
    ('bytes=0-1, 5-6', 1000),
    ('items=0-1', 1000),
    ('0-1', 1000),
]


class TestParseRange(HTTPTestCase):
    def test_table(self):
        for header, size, expected in RANGES:
            self.assertEqual(tuple(parse_range(header, size)), expected,
                             header)

    def test_rendered_ranges_parse_back(self):
        for _, size, (start, end) in RANGES:
            header = 'bytes=%d-%d' % (start, end)
            self.assertEqual(tuple(parse_range(header, size)), (start, end),
                             header)

    def test_unsatisfiable_is_416(self):
        for header, size in UNSATISFIABLE_RANGES:
            self.assertHTTPStatus(416, parse_range, header, size)

    def test_malformed_or_multi_range_is_ignored(self):
        for header, size in IGNORED_RANGES:
            self.assertIsNone(parse_range(header, size), repr(header))


# --------------------------------------------------------------------------
# chunked framing

def decode_chunks(data):
    """Minimal chunked decoder: returns (payload, saw_last_chunk)."""
    payload = b''
    while data:
        size_line, data = data.split(b'\r\n', 1)
        size = int(size_line, 16)
        if size == 0:
            return payload, data == b'\r\n'
        payload += data[:size]
        if data[size:size + 2] != b'\r\n':
            raise ValueError('missing chunk CRLF')
        data = data[size + 2:]
    return payload, False


CHUNKS = [
    (b'hello', b'5\r\nhello\r\n'),
    (b'a', b'1\r\na\r\n'),
    (b'x' * 26, b'1a\r\n' + b'x' * 26 + b'\r\n'),
    (b'y' * 256, b'100\r\n' + b'y' * 256 + b'\r\n'),
    (b'\r\n', b'2\r\n\r\n\r\n'),
]


class TestEncodeChunk(HTTPTestCase):
    def test_table(self):
        for data, expected in CHUNKS:
            chunk = encode_chunk(data)
            size_line, rest = chunk.split(b'\r\n', 1)
            self.assertEqual(size_line.lower() + b'\r\n' + rest, expected,
                             repr(data))

    def test_last_chunk(self):
        self.assertEqual(encode_chunk(b''), b'0\r\n\r\n')

    def test_chunks_decode_back(self):
        for data, _ in CHUNKS:
            self.assertEqual(decode_chunks(encode_chunk(data) +
                                           encode_chunk(b'')), (data, True),
                             repr(data))

    def test_stream_of_chunks_decodes_to_payload(self):
        parts = [b'one ', b'two ', b'three']
        wire = b''.join([encode_chunk(p) for p in parts]) + encode_chunk(b'')
        self.assertEqual(decode_chunks(wire), (b'one two three', True))


if __name__ == '__main__':
    unittest.main()
