"""HTTP/1.1 requests without I/O: the dicts, the parser and its connection.

A request is read by the ``read_request`` generator, which yields each read
it needs as a ``(function, args, kwargs)`` call: ``run_sync`` makes the
calls, an async runner awaits them, so the parsing rules exist once. No
socket, event loop or thread here (a test checks), and only what a
hello-world request needs: rarer parts load on first use (chunked and
streamed bodies in ``_microdot_body``, error responses in
``_microdot_errors``, what a request parses on first use in
``_microdot_query``).
"""
try:
    from sys import print_exception  # MicroPython
except ImportError:  # CPython 3.10+
    from traceback import print_exception

# CPython checks bytes in C (translate), and its dict subclasses need no
# dict.__init__ call
_CPYTHON = hasattr(bytes, 'translate')
_TOKEN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" \
    b"!#$%&'*+.^`|~"
_CONTROLS = bytes(range(9)) + bytes(range(10, 32)) + b'\x7f'
_VISIBLE = bytes(range(33, 127))


class HTTPException(Exception):
    """An HTTP error response, raised to stop a request with a status code.

    Example::

        raise HTTPException(404, 'No such user')
    """

    def __init__(self, status_code, reason=None):
        super(HTTPException, self).__init__(status_code, reason)
        self.status_code = status_code
        if reason is None:  # the texts load with the first error
            from _microdot_errors import error_body
            reason = error_body(status_code)
        self.reason = reason


class NoCaseDict(dict):
    """A dict with case-insensitive string keys that keeps the first spelling.

    Example::

        headers = NoCaseDict({'Content-Type': 'text/plain'})
        headers['content-type']  # 'text/plain'

    ``_keys`` maps each lowercase key to its stored spelling.
    """
    __slots__ = ('_keys',)  # no __dict__: a request makes two of these
    # super(NoCaseDict, self): a bare super() makes each method a closure
    # over its class, about 48 B more RAM each on MicroPython

    def __init__(self, initial_dict=None):
        if not _CPYTHON:
            super(NoCaseDict, self).__init__()
        self._keys = {}
        if initial_dict:
            self.update(initial_dict)

    def __setitem__(self, key, value):
        super(NoCaseDict, self).__setitem__(
            self._keys.setdefault(key.lower(), key), value)

    def __getitem__(self, key):
        return super(NoCaseDict, self).__getitem__(
            self._keys.get(key.lower(), key))

    def __delitem__(self, key):
        super(NoCaseDict, self).__delitem__(self._keys.pop(key.lower(), key))

    def __contains__(self, key):
        return key.lower() in self._keys

    def get(self, key, default=None):
        return super(NoCaseDict, self).get(
            self._keys.get(key.lower(), key), default)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key, *default):
        return super(NoCaseDict, self).pop(
            self._keys.pop(key.lower(), key), *default)

    def update(self, other_dict=(), **kwargs):
        for pairs in (other_dict.items() if hasattr(other_dict, 'items')
                      else other_dict, kwargs.items()):
            for key, value in pairs:
                self[key] = value


def decode_text(data):
    """Decode bytes as UTF-8, falling back to Latin-1 for invalid input."""
    try:
        return data.decode()
    except UnicodeError:
        text = ''
        for byte in data:
            text += chr(byte)
        return text


def _check(data, chars, forbidden):
    # 400 unless each byte of data is in chars (forbidden: none is)
    if _CPYTHON:
        bad = len(data.translate(None, chars)) != len(data) if forbidden \
            else not data or data.translate(None, chars)
    else:
        bad = not (data or forbidden)
        for byte in data:
            if (byte in chars) == forbidden:
                bad = True
                break
    if bad:
        raise HTTPException(400)


def parse_request_line(line):
    """Parse ``b'GET /path HTTP/1.1\\r\\n'`` into ``(method, target,
    version)``.

    Raises HTTPException(400) for a malformed line (a bare LF ending it
    included) and 505 for an unknown HTTP major version. The target's form
    (origin, asterisk, absolute) is checked by ``read_request``.
    """
    parts = line[:-2].split(b' ') if line[-2:] == b'\r\n' else ()
    if len(parts) != 3 or parts[2] not in (b'HTTP/1.1', b'HTTP/1.0'):
        from _microdot_head import other_request_line
        parts = other_request_line(parts)
    method, target, version = parts
    _check(method, _TOKEN[:64], False)
    _check(target, _VISIBLE, False)  # no raw byte above 0x7F either
    return method.decode(), target.decode(), \
        '1.0' if version == b'HTTP/1.0' else '1.1'


def parse_header_line(line):
    """Parse ``b'Name: value\\r\\n'`` into ``('Name', 'value')``.

    Raises HTTPException(400) for a line that is not a valid header field,
    including obsolete line folding and a bare CR or LF.
    """
    if line[-2:] == b'\r\n':  # the test client's lines come without it
        line = line[:-2]
    name, colon, value = line.partition(b':')
    _check(name if colon else b'', _TOKEN, False)
    value = value.strip(b' \t')  # OWS; a CR or LF left in it is a 400
    _check(value, _CONTROLS, True)
    return name.decode(), decode_text(value)


def add_header(headers, name, value):
    """Add a request header, joining repeats as RFC 9110 allows.

    Raises HTTPException(400) for a second ``Host`` or ``Content-Type`` and
    for a second, different ``Content-Length``.
    """
    if name in headers:
        from _microdot_head import repeated_field
        value = repeated_field(headers, name, value)
    if value is not None:
        headers[name] = value


def read_request_line(conn, limit):
    """Generator of the reads of a request line, after at most two empty
    lines (RFC 9112); returns ``parse_request_line``'s triple, or None when
    the input ended first. HTTPException(414) for a line over ``limit``."""
    for _ in range(3):
        line = yield conn.readline, (limit + 2,), {}
        if len(line) > limit and len(line.rstrip(b'\r\n')) > limit:
            raise HTTPException(414)
        if line != b'\r\n':
            if line[-2:] == b'\r\n':
                return parse_request_line(line)
            if line:  # a bare LF, or the input ended mid-line
                raise HTTPException(400)
            return None
    raise HTTPException(400)


def read_headers(conn, cls):
    """Generator of the reads of a request's header lines, to the empty
    line; returns them as a NoCaseDict. HTTPException(431) past ``cls``'s
    ``max_readline`` or ``max_headers``, 400 for a malformed line."""
    headers, limit, count = NoCaseDict(), cls.max_readline, 0
    while True:
        line = yield conn.readline, (limit + 2,), {}
        if len(line) > limit and len(line.rstrip(b'\r\n')) > limit:
            raise HTTPException(431)
        if line == b'\r\n':
            return headers
        if line[-2:] != b'\r\n':  # the input ended, or a bare LF
            raise HTTPException(400)
        count += 1
        add_header(headers, *parse_header_line(line))
        if count > cls.max_headers:
            raise HTTPException(431)


def read_request(cls, app, conn, client_addr, sock=None):
    """Generator of the reads of one request on a driver's connection.

    ``conn`` gives ``readline(limit)`` and ``read(n)`` (see ``Connection``).
    Returns a ``cls`` instance (a Request class), or None when the
    connection closed before a request. Raises HTTPException for a malformed
    or oversized request, and 408 for a read that timed out after the
    request line.
    """
    request_line = yield from read_request_line(conn, cls.max_readline)
    if request_line is None:
        return None
    try:
        headers = yield from read_headers(conn, cls)
        method, url, version = request_line
        if url[:1] != '/':  # asterisk-form or absolute-form: rare
            from _microdot_head import request_target
            url = request_target(method, url, headers)
        request = cls(app, client_addr, method, url, version, headers,
                      sock=sock)
        kind = body_kind(request)
        if 'expect' in headers._keys:  # rare: 417, or the body waits
            from _microdot_expect import expect
            kind = expect(request, kind)
        if kind:
            request._body = yield from read_body(request, conn, kind)
    except Exception as exc:
        # a read that timed out once the request began: a 408 can still be
        # sent. client_gone knows every driver's timeout (and when the
        # client really left, the driver drops the failed write of it)
        from _microdot_errors import client_gone
        if client_gone(exc):
            raise HTTPException(408)
        raise
    request.connection = conn  # for protocols that take it over (WebSocket)
    return request


def read_body(request, conn, kind):
    """Generator of the reads of a body by its rule (``body_kind``);
    returns the bytes (``b''`` for a body left as ``request.stream``)."""
    if kind == 'read':
        return (yield from read_exact(conn.read, request.content_length))
    from _microdot_body import rare_body  # larger and chunked: rarer
    return (yield from rare_body(request, conn))


def body_kind(request):
    """The body rule of a request, for every driver: ``'chunked'``,
    ``'stream'`` (larger than the class buffers: left on the connection as
    ``request.stream``), ``'read'`` (whole, into ``request.body``), or None
    (no body)."""
    if 'Transfer-Encoding' in request.headers:
        return 'chunked'
    if request.content_length > min(request.max_body_length,
                                    request.max_content_length):
        return 'stream'
    return 'read' if request.content_length else None


def read_exact(read, size):
    """Generator of ``read`` calls; returns exactly ``size`` bytes.

    Raises HTTPException(400) when the stream ends first.
    """
    data = b''
    while len(data) < size:
        part = yield read, (size - len(data),), {}
        if not part:
            raise HTTPException(400, 'Incomplete body')
        data += part
    return data


class Connection:
    """The connection interface that the core reads requests through.

    Drivers give ``readline(limit)``, ``read(n)`` (exactly ``n`` bytes unless
    the input ends) and ``write(data)``, sync or async, and may override the
    defaults: ``wait_for_request()`` (False: stop waiting, close),
    ``discard_input()`` and ``set_read_timeout(seconds)``. This class reads
    and writes blocking file-like streams (test clients, ``Request.create``).
    """

    def __init__(self, stream, output=None):
        self.readline = stream.readline
        self.read = stream.read
        self.write = (output or stream).write

    def wait_for_request(self, *args):
        return True

    discard_input = set_read_timeout = wait_for_request


def run_sync(steps):
    """Drive a generator of calls, making each call it yields.

    The result of a call is sent back into the generator, an exception
    thrown into it; returns what the generator returns.
    """
    value = error = None
    while True:
        try:
            function, args, kwargs = steps.send(value) if error is None \
                else steps.throw(error)
        except StopIteration as done:
            return done.value
        try:
            value, error = function(*args, **kwargs), None
            if type(value).__name__ == 'coroutine':
                from _microdot_errors import not_sync
                not_sync(function, value)
        except Exception as exc:
            value, error = None, exc

