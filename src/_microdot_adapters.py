"""What the WSGI and ASGI adapters share: their servers parse HTTP and frame
responses, so a request arrives as parsed headers and leaves as header pairs.

CPython only (the adapters are), which keeps it out of a board's RAM.
"""
from _microdot_http import HTTPException, NoCaseDict, add_header, \
    print_exception
from _microdot_response import header_items
from _microdot_body import ChunkedStream


class DechunkedStream(ChunkedStream):
    """A chunked request body that the server decoded: ``conn`` is its
    input (``read(n)``, sync for WSGI, async for ASGI), read to its end."""

    def decode(self):
        limit = self.request.max_content_length
        data = yield self.conn.read, (min(4096, limit + 1 - self.size),), {}
        self.size += len(data)
        if self.size > limit:  # found with one byte more than it allows
            raise HTTPException(413)
        self.remaining = 1 if data else 0  # the input ended: 0
        self.buffer += data


def server_headers(request_class, method, url, pairs):
    """The headers of a request that a server parsed, as a NoCaseDict.

    For the WSGI and ASGI adapters: ``pairs`` are ``(name, value)`` strings.
    The request class's limits apply, so that a request gets the same answer
    (414, 431, 400, 501) whichever server read it.
    """
    limit = request_class.max_readline
    if len(method) + len(url) + 10 > limit:
        raise HTTPException(414)
    if len(pairs) > request_class.max_headers:
        raise HTTPException(431)
    for name, value in pairs:
        if len(name) + len(value) + 2 > limit:
            raise HTTPException(431)
    headers = NoCaseDict()
    keys = headers._keys
    for name, _ in pairs:
        keys[name.lower()] = name
    if len(keys) == len(pairs):  # no name repeats: one pass
        dict.update(headers, pairs)
    else:  # some do: join their values
        keys.clear()
        for name, value in pairs:
            add_header(headers, name, value)
    if 'transfer-encoding' in headers._keys:
        if 'content-length' in headers._keys:
            raise HTTPException(400)
        if headers['Transfer-Encoding'].lower() != 'chunked':
            raise HTTPException(501)
    return headers


def completed_headers(res):
    """Complete a response for a WSGI or ASGI server: ``(res, pairs)``.

    ``pairs`` are the ``(name, value)`` headers, a Set-Cookie line each. A
    header value with CR or LF turns the response into a 500 (logged).
    """
    if not res.headers:  # none set by the app: only complete()'s own
        return res, res._completion()
    res.complete()
    try:
        return res, header_items(res.headers)
    except ValueError as exc:
        print_exception(exc)
        res.close()
        res = type(res)('Internal server error', 500)
        res.complete()
        return res, header_items(res.headers)
