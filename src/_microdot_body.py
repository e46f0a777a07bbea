"""Request bodies that are not read whole: chunked, or too large to buffer.

Loaded on the first such request (see ``_microdot_http.read_request``).
"""
from _microdot_http import HTTPException, read_exact


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
    """Return the size announced by a chunked-encoding size line."""
    size = line.rstrip(b'\r\n').split(b';', 1)[0].strip()
    try:
        if not size or len(size) > 8:
            raise ValueError()
        return int(size, 16)
    except ValueError:
        raise HTTPException(400)


def rare_body(request, conn):
    """Generator of reads: a chunked body, or the stream of a large one.

    Returns the body bytes (``b''`` when it is left as ``request.stream``).
    """
    headers = request.headers
    coding = headers.get('Transfer-Encoding')
    if coding is None:
        request._stream = BodyStream(conn, request.content_length)
        return b''
    if 'Content-Length' in headers:
        raise HTTPException(400)
    if coding.lower() != 'chunked':
        raise HTTPException(501)
    limit, body, trailers = request.max_readline, b'', 0
    while True:
        line = yield conn.readline, (limit + 2,), {}
        if len(line.rstrip(b'\r\n')) > limit:
            raise HTTPException(431 if trailers else 400)
        if trailers:  # trailer fields are read and ignored
            if not line.strip():
                break
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
