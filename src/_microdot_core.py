"""The request and response models shared by every Microdot driver.

No I/O here: a request is read by the ``read_request`` generator, which
yields the reads it needs to the driver that owns the connection.
"""
import json

from _microdot_run import run_sync, run_async, print_exception  # noqa: F401
from _microdot_dicts import NoCaseDict, MultiDict
from _microdot_http import HTTPException, parse_request_line, \
    parse_header_line, parse_content_length, parse_chunk_size, parse_query, \
    parse_cookies, unquote_path


try:
    import io
except ImportError:  # pragma: no cover
    import uio as io


class _Globals:
    pass


class Request:
    """An HTTP request: what the client sent, parsed.

    Created by the server for each request and given to every handler.
    """
    #: Largest accepted request body; larger gets 413.
    max_content_length = 16 * 1024
    #: Bodies up to this size are read into ``body``; larger only via stream.
    max_body_length = 16 * 1024
    #: Longest request line (414 above it) and header line (431 above it).
    max_readline = 2 * 1024
    #: Most header lines in a request; more gets 431.
    max_headers = 64
    #: Seconds a socket read may wait (threaded server).
    socket_read_timeout = 1

    def __init__(self, app, client_addr, method, url, http_version, headers,
                 body=None, stream=None, sock=None):
        self.app = app
        self.client_addr = client_addr
        self.method = method
        self.url = url
        self.path, mark, query_string = url.partition('?')
        if mark:
            self.query_string = query_string
        self.http_version = http_version
        self.headers = headers
        # most requests have no body: ask a NoCaseDict's own key map first
        keys = getattr(headers, '_keys', None)
        if keys is None or 'content-length' in keys:
            length = headers.get('Content-Length')
            if length is not None:
                self.content_length = parse_content_length(length)
        self.after_request_handlers = []
        if sock is not None:
            self.sock = sock
        if body:
            self._body = body
        if stream is not None:
            self._stream = stream

    # the defaults of the attributes above and below: on the class, so that
    # a request costs only the ones it sets
    content_length = 0
    query_string = url_args = sock = connection = None
    _body = b''
    _body_used = _stream_used = False
    _json = _form = _args = _cookies = _g = _content_type = _stream = None

    @property
    def content_type(self):
        """The Content-Type header, or None."""
        if self._content_type is None:
            self._content_type = self.headers.get('Content-Type')
        return self._content_type

    @content_type.setter
    def content_type(self, value):
        self._content_type = value

    @property
    def g(self):
        """An empty object for the application's use during this request."""
        if self._g is None:
            self._g = _Globals()
        return self._g

    @g.setter
    def g(self, value):
        self._g = value

    # args and cookies are parsed on first use: most requests never look
    @property
    def args(self):
        """The query string arguments, a MultiDict."""
        if self._args is None:
            self._args = MultiDict(parse_query(self.query_string or ''))
        return self._args

    @args.setter
    def args(self, value):
        self._args = value

    @property
    def cookies(self):
        """The cookies the client sent, a dict."""
        if self._cookies is None:
            self._cookies = parse_cookies(self.headers.get('Cookie', ''))
        return self._cookies

    @cookies.setter
    def cookies(self, value):
        self._cookies = value

    @property
    def body(self):
        """The request body as bytes (empty above ``max_body_length``)."""
        if self._stream_used:
            raise RuntimeError('Cannot use both stream and body')
        self._body_used = True
        return self._body

    @property
    def stream(self):
        """The request body as a file-like object."""
        if self._body_used:
            raise RuntimeError('Cannot use both stream and body')
        self._stream_used = True
        if self._stream is None:
            self._stream = self._buffered_stream(self._body)
        return self._stream

    @staticmethod
    def _buffered_stream(body):
        # the stream of a body already read; async drivers read it async
        return io.BytesIO(body)

    def _media_type(self):
        return (self.content_type or '').split(';')[0].strip().lower()

    @property
    def json(self):
        """The body parsed as JSON, or None if it is not ``application/json``.

        A body that is not valid JSON aborts the request with 400.
        """
        if self._json is None and self._media_type() == 'application/json':
            try:
                self._json = json.loads(self.body.decode())
            except (ValueError, UnicodeError):
                raise HTTPException(400, 'Invalid JSON body')
        return self._json

    @property
    def form(self):
        """Form fields of an url-encoded body as a MultiDict, else None."""
        if self._form is None and \
                self._media_type() == 'application/x-www-form-urlencoded':
            self._form = MultiDict(parse_query(self.body.decode()))
        return self._form

    def after_request(self, f):
        """Register ``f(request, response)`` to run after this request only."""
        self.after_request_handlers.append(f)
        return f

    @property
    def body_pending(self):
        """True when body bytes are still unread on the connection."""
        if self._stream is None:
            return self.content_length > len(self._body)
        return getattr(self._stream, 'remaining', 0) > 0

    @classmethod
    def create(cls, app, client_stream, client_addr, client_sock=None):
        """Read a request from a file-like stream; None if it closed first.

        Raises HTTPException for a malformed or oversized request.
        """
        return run_sync(read_request(cls, app, StreamConnection(client_stream),
                                     client_addr, client_sock))


def _check_line(line, limit, status):
    if len(line) > limit and len(line.rstrip(b'\r\n')) > limit:
        raise HTTPException(status)
    return line


def read_exact(read, size):
    """Generator of ``read`` calls; returns exactly ``size`` bytes.

    Raises HTTPException(400) when the stream ends first.
    """
    parts = []
    while size > 0:
        data = yield read, (size,), {}
        if not data:
            raise HTTPException(400, 'Incomplete body')
        parts.append(data)
        size -= len(data)
    return b''.join(parts)


def _read_chunked(request_class, readline, read):
    limit = request_class.max_readline
    parts, total = [], 0
    while True:
        line = _check_line((yield readline, (limit + 2,), {}), limit, 400)
        size = parse_chunk_size(line)
        if size == 0:
            break
        total += size
        if total > request_class.max_content_length:
            raise HTTPException(413)
        parts.append((yield from read_exact(read, size)))
        if (yield from read_exact(read, 2)) != b'\r\n':
            raise HTTPException(400)
    for _ in range(request_class.max_headers):
        line = _check_line((yield readline, (limit + 2,), {}), limit, 431)
        if not line.strip():
            return b''.join(parts)  # trailer fields are read and ignored
    raise HTTPException(431)


def add_header(headers, name, value):
    """Add a request header, joining repeats as RFC 9110 allows."""
    if name in headers:
        lower = name.lower()
        if lower == 'content-length':  # identical repeats stand as one
            if headers[name] != value:
                raise HTTPException(400)
            return
        value = headers[name] + ('; ' if lower == 'cookie' else ', ') + value
    headers[name] = value


class HeadParser:
    """Parses a request head that a driver feeds line by line.

    Example, in a blocking driver::

        parser = HeadParser(Request)
        while not parser.feed(stream.readline(parser.line_limit)):
            pass
    """

    def __init__(self, request_class):
        self.request_class = request_class
        #: Most bytes the driver should read for one line.
        self.line_limit = request_class.max_readline + 2
        self.request_line = None
        self.headers = NoCaseDict()
        #: True when the connection closed before a request started.
        self.closed = False
        self._count = 0

    def feed(self, line):
        """Take the next line; True once the head is complete or closed."""
        if self.request_line is None:
            return self._feed_request_line(line)
        if len(line) > self.line_limit - 2:
            _check_line(line, self.line_limit - 2, 431)
        if line in (b'\r\n', b'\n'):
            return True
        if not line:
            raise HTTPException(400, 'Incomplete request')
        self._count += 1
        if self._count > self.request_class.max_headers:
            raise HTTPException(431)
        add_header(self.headers, *parse_header_line(line))
        return False

    def _feed_request_line(self, line):
        _check_line(line, self.request_class.max_readline, 414)
        if not line:
            self.closed = True
            return True
        if line in (b'\r\n', b'\n'):  # RFC 9112: ignore a few empty lines
            self._count += 1
            if self._count > 2:
                raise HTTPException(400)
            return False
        self.request_line = parse_request_line(line)
        self._count = 0
        return False

    @property
    def has_body(self):
        """Whether the head announces a body."""
        headers = self.headers
        return 'Transfer-Encoding' in headers or \
            headers.get('Content-Length', '0') != '0'

    def read_body(self, readline, read, body_stream=None):
        """Generator of the driver's reads; returns ``(body, stream)``.

        A body larger than the request class buffers is left on the wire
        as ``body_stream(size)``.
        """
        request_class, headers = self.request_class, self.headers
        coding = headers.get('Transfer-Encoding')
        if coding is not None:
            if 'Content-Length' in headers:
                raise HTTPException(400)
            if coding.lower() != 'chunked':
                raise HTTPException(501)
            body = yield from _read_chunked(request_class, readline, read)
            headers['Content-Length'] = str(len(body))
            del headers['Transfer-Encoding']
            return body, None
        length = parse_content_length(headers['Content-Length'])
        if length > min(request_class.max_body_length,
                        request_class.max_content_length):
            return b'', body_stream(length) if body_stream else None
        return (yield from read_exact(read, length)), None

    def request(self, app, client_addr, body=b'', stream=None, sock=None):
        """Build the Request that this head describes."""
        method, url, http_version = self.request_line
        return self.request_class(app, client_addr, method, url, http_version,
                                  self.headers, body, stream, sock)


def read_request(request_class, app, conn, client_addr, sock=None):
    """Generator that reads one request from a driver's connection.

    ``conn`` gives ``read_head(parser)``, ``readline(limit)``, ``read(n)``
    and ``body_stream(size)``, sync or async. Returns a Request, or None
    when the connection closed before a request.
    """
    parser = HeadParser(request_class)
    yield conn.read_head, (parser,), {}
    if parser.closed:
        return None
    body, stream = b'', None
    if parser.has_body:
        body, stream = yield from parser.read_body(
            conn.readline, conn.read, conn.body_stream)
    request = parser.request(app, client_addr, body, stream, sock)
    request.connection = conn  # for protocols that take it over (WebSocket)
    return request


class StreamConnection:
    """A connection over blocking file-like streams, as the core reads it.

    Drivers subclass it to add timeouts and socket details.
    """

    def __init__(self, stream, output=None):
        self.stream = stream
        self.output = stream if output is None else output

    def readline(self, limit):
        return self.stream.readline(limit)

    def read(self, size):
        return self.stream.read(size)

    def write(self, data):
        self.output.write(data)

    def read_head(self, parser):
        while not parser.feed(self.readline(parser.line_limit)):
            pass

    def body_stream(self, size):
        return BodyStream(self, size)

    def wait_for_request(self):
        return True

    def discard_input(self):
        pass

    def set_read_timeout(self, seconds):
        """Change how long a read may wait (None: for ever)."""


class BodyStream:
    """A file-like view of a request body left on the connection."""

    def __init__(self, stream, length):
        self.stream = stream
        self.remaining = length

    def read(self, size=-1):
        """Read up to ``size`` bytes of the body (all that is left if -1)."""
        if size < 0 or size > self.remaining:
            size = self.remaining
        if not size:
            return b''
        data = self.stream.read(size) or b''
        self.remaining -= len(data)
        return data


def wants_keep_alive(request):
    """Whether the client asked for the connection to stay open."""
    connection = request.headers.get('Connection', '').lower()
    if request.http_version == '1.0':
        return 'keep-alive' in connection
    return 'close' not in connection


def url_arg(text):
    """Decode a URL argument taken from the path."""
    return unquote_path(text) if '%' in text else text
