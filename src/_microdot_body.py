"""Request bodies that are not read whole: chunked, or too large to buffer.

Loaded on the first such request (see ``_microdot_http.read_request``).
"""
from _microdot_http import HTTPException, read_exact, parse_header_line, \
    _check, _CONTROLS


class BodyStream:
    """A file-like view of a request body left on the connection.

    ``read`` returns what the connection's ``read`` returns: bytes on a
    blocking connection, an awaitable on an async one.
    """

    def __init__(self, conn, length):
        self.conn = conn
        self.remaining = length

    def read(self, size=-1):
        """Read up to ``size`` bytes of the body (all that is left if -1)."""
        if size < 0 or size > self.remaining:
            size = self.remaining
        self.remaining -= size
        return self.conn.read(size)


def parse_chunk_size(line):
    """Return the size announced by a chunked-encoding size line.

    Raises HTTPException(400) unless the line is 1 to 8 hex digits (no
    sign, no whitespace around them), an optional extension after ``;``
    with no control character but HTAB, and CRLF.
    """
    size, _, extension = line[:-2].partition(b';')
    if line[-2:] != b'\r\n' or len(size) > 8:
        raise HTTPException(400)
    _check(size, b'0123456789abcdefABCDEF', False)
    _check(extension, _CONTROLS, True)  # a bare CR or LF, say
    return int(size, 16)


def rare_body(request, conn):
    """Generator of reads: a chunked body, or the stream of a large one.

    Returns the body bytes (``b''`` when it is left as ``request.stream``).
    """
    headers = request.headers
    coding = headers.get('Transfer-Encoding')
    if coding is None:
        request._stream = BodyStream(conn, request.content_length)
        return b''
    if 'Content-Length' in headers or request.http_version == '1.0':
        raise HTTPException(400)  # RFC 9112 6.1 and 6.3: a smuggling risk
    if coding.lower() != 'chunked':
        raise HTTPException(501)
    limit, body, trailers = request.max_readline, b'', 0
    while True:
        line = yield conn.readline, (limit + 2,), {}
        if len(line.rstrip(b'\r\n')) > limit:
            raise HTTPException(431 if trailers else 400)
        if trailers:  # trailer fields are checked and dropped
            if line == b'\r\n':
                break
            if line[-2:] != b'\r\n':  # a bare LF, or the input ended
                raise HTTPException(400)
            parse_header_line(line)
            trailers += 1
            if trailers > request.max_headers:
                raise HTTPException(431)
            continue
        size = parse_chunk_size(line)
        if not size:
            trailers = 1
            continue
        if len(body) + size > request.max_content_length:
            raise HTTPException(413)
        body += yield from read_exact(conn.read, size)
        if (yield from read_exact(conn.read, 2)) != b'\r\n':
            raise HTTPException(400)
    request.content_length = len(body)
    headers['Content-Length'] = str(len(body))
    del headers['Transfer-Encoding']
    return body
