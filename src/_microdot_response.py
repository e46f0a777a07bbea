"""The response model shared by every Microdot driver: no I/O here.

Only the common path is here; cookies (``_microdot_cookies``), file
metadata with conditional and Range requests (``_microdot_files``) and
status texts (``_microdot_errors``) load on first use.
"""
import json

from _microdot_http import NoCaseDict, run_sync


def header_items(headers):
    """The ``(name, value)`` pairs of a headers dict, values as str.

    A list value gives one pair per item. ValueError is raised for a value
    with CR or LF (response splitting).
    """
    items = []
    for name, value in headers.items():
        for value in value if isinstance(value, list) else (value,):
            value = str(value)
            if '\n' in value or '\r' in value:
                raise ValueError('Invalid character in header value')
            items.append((name, value))
    return items


class Response:
    """An HTTP response.

    ``body`` may be str (UTF-8 encoded), bytes, a dict or list (sent as
    JSON), a file-like object or a generator (streamed), or None.

    Example::

        return Response('<h1>Hi</h1>', headers={'Content-Type': 'text/html'})
    """
    #: Content type of str and bytes bodies when the handler set none.
    default_content_type = 'text/plain'
    #: Size of the blocks a file is sent in.
    send_file_buffer_size = 1024
    #: Cache-Control max-age of send_file responses (None: no header).
    default_send_file_max_age = None
    #: File extension to content type map used by send_file (more common
    #: types are known to it when a name is not here).
    types_map = {
        'css': 'text/css', 'gif': 'image/gif', 'html': 'text/html',
        'jpg': 'image/jpeg', 'js': 'application/javascript',
        'json': 'application/json', 'png': 'image/png', 'txt': 'text/plain',
    }
    #: Returned by a handler that wrote the response itself (WebSocket).
    already_handled = None

    reason = _file_size = _body_limit = None  # set by send_file and ranges

    def __init__(self, body='', status_code=200, headers=None, reason=None):
        self.status_code = status_code
        self.headers = NoCaseDict(headers)
        if reason is not None:
            self.reason = reason
        if type(body) is str:  # the common case first
            self.body = body.encode()
            return
        if body is None and status_code == 200:
            self.status_code = 204
        content_type = getattr(body, 'content_type', None)
        if content_type:  # a rendered template knows what it is
            self.headers.setdefault('Content-Type', content_type)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            self.headers.setdefault('Content-Type',
                                    'application/json; charset=UTF-8')
        elif isinstance(body, str):
            body = body.encode()
        self.body = b'' if body is None else body

    def set_cookie(self, cookie, value, path=None, domain=None, expires=None,
                   max_age=None, secure=False, http_only=False,
                   same_site=None):
        """Add a Set-Cookie header (one line per cookie).

        ValueError is raised when the name or value contains CR, LF or ``;``.
        """
        from _microdot_cookies import cookie_line
        cookies = self.headers.get('Set-Cookie') or []
        self.headers['Set-Cookie'] = (
            cookies if isinstance(cookies, list) else [cookies]) + [
            cookie_line(cookie, value, path, domain, expires, max_age,
                        secure, http_only, same_site)]

    def delete_cookie(self, cookie, path=None, domain=None):
        """Ask the client to forget a cookie."""
        from _microdot_cookies import EXPIRED
        self.set_cookie(cookie, '', path, domain, EXPIRED, 0)

    def complete(self):
        """Fill in Content-Length and Content-Type where they are missing."""
        for name, value in self._completion():
            self.headers[name] = value

    def _completion(self):
        # the (name, value) headers that complete() adds
        if self.bodyless(False):
            return []
        headers, pairs = self.headers, []
        if isinstance(self.body, bytes) and \
                (not headers or 'Content-Length' not in headers):
            pairs.append(('Content-Length', str(len(self.body))))
        if not headers or 'Content-Type' not in headers:
            content_type = self.default_content_type
            if 'charset=' not in content_type:
                content_type += '; charset=UTF-8'
            pairs.append(('Content-Type', content_type))
        return pairs

    def body_iter(self):
        """Yield the body's chunks: what a generator body yields (str or
        bytes, encoded when written), the blocks of a file, or the bytes."""
        body = self.body
        if isinstance(body, bytes):
            if body:
                yield body
        elif hasattr(body, 'read'):
            from _microdot_files import file_chunks
            yield from file_chunks(self)
        else:
            yield from body

    def bodyless(self, head_only):
        """Whether this response goes without a body: the answer to a HEAD
        request (``head_only``), a 204 or a 304. The one rule of every
        driver."""
        return head_only or self.status_code in (204, 304)

    def close(self):
        """Release the body's resources (an open file, a generator)."""
        if hasattr(self.body, 'close'):
            self.body.close()

    def render_head(self, http_version='1.0', keep_alive=False,
                    head_only=False):
        """Frame this response for one connection.

        Returns ``(head bytes, chunked, keep_alive)``: a body of unknown
        length is chunked on a persistent HTTP/1.1 connection, otherwise it
        ends when the connection closes. ValueError for a header value with
        CR or LF.
        """
        self.complete()
        headers, chunked = self.headers, False
        if 'Content-Length' not in headers and not self.bodyless(head_only):
            if keep_alive and http_version == '1.1':
                headers['Transfer-Encoding'] = 'chunked'
                chunked = True
            else:
                keep_alive = False
        if not keep_alive:
            headers['Connection'] = 'close'
        elif http_version == '1.0':
            headers['Connection'] = 'keep-alive'
        reason = self.reason
        if reason is None:
            if self.status_code == 200:
                reason = 'OK'
            else:
                from _microdot_errors import reason_phrase
                reason = reason_phrase(self.status_code)
        lines = ['HTTP/%s %d %s\r\n' % (http_version, self.status_code,
                                         reason)]
        for item in header_items(headers):
            lines.append('%s: %s\r\n' % item)
        lines.append('\r\n')
        head = ''.join(lines)
        if '\n' in reason or '\r' in reason:
            raise ValueError('Invalid character in header value')
        return head.encode(), chunked, keep_alive

    def write(self, stream, http_version='1.0', keep_alive=False,
              head_only=False):
        """Write the response to a file-like stream.

        On its own this writes an HTTP/1.0 response that ends the connection;
        a server passes the request's version and whether the connection
        stays open. Returns whether it may stay open.
        """
        return run_sync(self.write_steps(stream.write, http_version,
                                         keep_alive, head_only))

    def write_steps(self, write, http_version='1.0', keep_alive=False,
                    head_only=False):
        """Generator of the ``write(data)`` calls that send this response.

        Drivers run it with ``run_sync`` or ``run_async``. Returns whether
        the connection may stay open.
        """
        try:
            head, chunked, keep_alive = self.render_head(
                http_version, keep_alive, head_only)
        except ValueError as exc:  # a header value would split the response
            from _microdot_errors import unsplit
            return (yield from unsplit(self, exc).write_steps(
                write, http_version, False, head_only))
        body = self.body
        if self.bodyless(head_only):
            self.close()
            yield write, (head,), {}
        elif isinstance(body, bytes) and len(body) < 4096:
            yield write, (head + body,), {}  # one send for small responses
        else:
            try:  # a client that leaves mid-body: close the body now (no
                # refcount on MicroPython to close a generator or file)
                yield write, (head,), {}
                yield from self.body_steps(write, chunked)
                if chunked:
                    yield write, (b'0\r\n\r\n',), {}
            finally:
                self.close()
        return keep_alive

    def body_steps(self, emit, chunked):
        """Generator of ``emit(chunk)`` calls, one per non-empty body chunk,
        framed as an HTTP/1.1 chunk when ``chunked``. The ``__anext__``
        calls of an async iterable body are yielded too, for ``run_async``
        to await."""
        is_async = hasattr(self.body, '__aiter__')
        # Response's own body_iter: the asyncio one is async
        chunks = self.body.__aiter__() if is_async else \
            Response.body_iter(self)
        while True:
            try:
                chunk = (yield chunks.__anext__, (), {}) if is_async \
                    else next(chunks)
            except (StopIteration, StopAsyncIteration):
                return
            if isinstance(chunk, str):
                chunk = chunk.encode()
            if chunk:
                yield emit, (b'%x\r\n%s\r\n' % (len(chunk), chunk)
                             if chunked else chunk,), {}

    @classmethod
    def redirect(cls, location, status_code=302):
        """Return a redirect response; ValueError on CR/LF in location."""
        if '\r' in location or '\n' in location:
            raise ValueError('Invalid character in header value')
        return cls(status_code=status_code, headers={'Location': location})

    @classmethod
    def send_file(cls, filename, *args, **kwargs):
        """Return a response that streams a file: ``send_file(filename,
        status_code=200, content_type=None, stream=None, max_age=None,
        compressed=False, file_extension='')`` (the signature lives in
        ``_microdot_files``: parameter names cost RAM in the eager core).

        The content type comes from ``types_map`` by extension. Files
        opened by name carry Content-Length, Last-Modified and ETag, so
        requests with If-None-Match, If-Modified-Since or Range get 304 or
        206. A name that is missing, not a regular file, too long or has a
        NUL raises HTTPException(404). To serve names from a URL, use
        ``send_from_directory`` (docs/static-files.md).
        """
        from _microdot_files import send_file
        return send_file(cls, filename, *args, **kwargs)

    @classmethod
    def send_from_directory(cls, root, path, **options):
        """Return ``send_file`` of ``path`` (a URL-decoded relative path,
        e.g. a ``<path:...>`` route argument) inside the directory ``root``.

        HTTPException(404) when the file is missing or ``path`` might leave
        ``root``: a ``..`` segment, an absolute path, a backslash, ``:``
        (drive letters), ``%`` (a second encoding), NUL, or a symlink out of
        ``root`` (on MicroPython, any symlink below it). ``options`` go to
        ``send_file``; a HEAD request never reads the file.

        Example::

            @app.route('/static/<path:path>')
            def static(request, path):
                return Response.send_from_directory('static', path)
        """
        from _microdot_files import send_from_directory
        return send_from_directory(cls, root, path, options)


Response.already_handled = Response()


def make_response(value, response_class):
    """Turn a handler's return value into a Response.

    Accepts a Response, a body, or a tuple ``(body, status)``,
    ``(body, headers)`` or ``(body, status, headers)``.
    """
    if isinstance(value, Response):
        return value
    if not isinstance(value, tuple):
        return response_class(value)
    body, status_code, headers = value[0], 200, None
    if len(value) == 3:
        status_code, headers = value[1], value[2]
    elif len(value) == 2:
        if isinstance(value[1], int):
            status_code = value[1]
        else:
            headers = value[1]
    if isinstance(body, Response):
        body.status_code = status_code
        body.headers.update(headers or {})
        return body
    return response_class(body, status_code, headers)
