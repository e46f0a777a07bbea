"""``Expect: 100-continue`` (RFC 9110 §10.1.1) on the built-in servers and
the test clients; under WSGI and ASGI the front server answers it.

A client that sends it waits for ``100 Continue`` before the body. The body
is left unread until a route takes the request: a 404, 405 or 413 goes out
without ``100 Continue`` and without reading the body (the connection then
closes), and a request that a handler will get is answered ``100
Continue`` just before the before-request hooks, then its body is read as
any other. Any other expectation gets 417. Loaded by the first request
with an ``Expect`` header.
"""
from _microdot_http import HTTPException, read_body


def expect(request, kind):
    """Check ``request``'s Expect header when its head is read; ``kind`` is
    its body rule (``body_kind``). Returns the rule to apply now: None
    while the body waits for ``answer``."""
    if request.headers['Expect'].lower() != '100-continue':
        raise HTTPException(417)
    if kind is None or request.http_version == '1.0':  # nothing to wait for
        return kind  # (an HTTP/1.0 client cannot take a 100: RFC 9110)
    request._expect, request._deferred = answer, kind
    return None


def answer(request):
    """``request._expect`` until the body is read (``dispatch`` calls it):
    generator of the calls that send ``100 Continue`` and read the body
    that ``expect`` left on the connection."""
    conn, kind = request.connection, request._deferred
    request._expect = None
    yield conn.write, (b'HTTP/1.1 100 Continue\r\n\r\n',), {}
    try:
        request._body = yield from read_body(request, conn, kind)
    except Exception as exc:  # a client that sends no body after all: 408
        from _microdot_errors import client_gone
        if client_gone(exc):
            raise HTTPException(408)
        raise
