"""Request bodies that are not read whole: chunked, or too large to buffer.

Loaded on the first such request (see ``_microdot_http.read_request``).
"""
from _microdot_http import HTTPException, read_exact, read_headers, \
    run_sync, _check, _CONTROLS


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


class ChunkedStream:
    """A chunked request body (RFC 9112 7.1), decoded as it is read.

    ``read`` returns bytes on a blocking connection and an awaitable on an
    async one. ``remaining`` is 1 until the last chunk and its trailer
    fields were read, then 0 (``Request.body_pending``). A body that grows
    past ``max_content_length`` raises HTTPException(413), a malformed one
    400, from the read that meets it.
    """

    def __init__(self, request, conn):
        self.request = request
        self.conn = conn
        self.buffer = b''  # decoded, not read yet
        self.left = 0  # bytes of the current chunk still on the connection
        self.size = 0  # bytes decoded so far
        self.remaining = 1
        self.run = run_sync
        if request._awaited:  # an asyncio request: reads are awaited
            from microdot_asyncio import run_async
            self.run = run_async

    def read(self, size=-1):
        """Read up to ``size`` bytes of the body (all that is left if -1)."""
        return self.run(self.read_steps(size))

    def read_steps(self, size):
        # generator of the connection's reads for read(size)
        while self.remaining and (size < 0 or len(self.buffer) < size):
            yield from self.decode()
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def decode(self):
        # generator of the reads that add the next piece of chunk data to
        # the buffer, or that read the last chunk and the trailer fields
        conn, request = self.conn, self.request
        while not self.left:
            line = yield conn.readline, (request.max_readline + 2,), {}
            if len(line.rstrip(b'\r\n')) > request.max_readline:
                raise HTTPException(400)
            self.left = parse_chunk_size(line)
            if not self.left:  # the last chunk: trailer fields checked, dropped
                yield from read_headers(conn, request)
                self.remaining = 0
                return
        if self.size + self.left > request.max_content_length:
            raise HTTPException(413)
        data = yield conn.read, (min(self.left, 4096),), {}
        if not data:
            raise HTTPException(400, 'Incomplete body')
        self.left -= len(data)
        self.size += len(data)
        self.buffer += data
        if not self.left and (yield from read_exact(conn.read, 2)) != b'\r\n':
            raise HTTPException(400)


def rare_body(request, conn):
    """Generator of reads: a chunked body, or the stream of a large one.

    Returns the body bytes (``b''`` when it is left as ``request.stream``:
    a Content-Length over the class's buffers, or a chunked body that grew
    past ``max_body_length``).
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
    return (yield from body_or_stream(request, ChunkedStream(request, conn)))


def body_or_stream(request, stream):
    """Generator of the reads of a body of unknown length from ``stream``
    (a ChunkedStream): returns the body, or ``b''`` with the stream left as
    ``request.stream`` once the body grows past ``max_body_length``."""
    while stream.remaining and len(stream.buffer) <= request.max_body_length:
        yield from stream.decode()
    if stream.remaining:  # too large to keep: the handler streams the rest
        request._stream = stream
        return b''
    request.content_length = len(stream.buffer)
    request.headers['Content-Length'] = str(request.content_length)
    del request.headers['Transfer-Encoding']
    return stream.buffer
