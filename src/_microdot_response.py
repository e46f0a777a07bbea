"""The response model shared by every Microdot driver: no I/O here."""
import json
import os

from _microdot_core import NoCaseDict, run_sync, print_exception
from _microdot_http import HTTPException, cookie_line, http_date, \
    parse_http_date, parse_range, status_line, header_lines, \
    check_header_value, encode_chunk, error_body

_NO_BODY_STATUS = (204, 304)


def _next_async(chunks):
    return chunks.__anext__()


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
    #: File extension to content type map used by send_file.
    types_map = {
        'css': 'text/css', 'gif': 'image/gif', 'html': 'text/html',
        'htm': 'text/html', 'jpg': 'image/jpeg', 'jpeg': 'image/jpeg',
        'js': 'application/javascript', 'mjs': 'application/javascript',
        'json': 'application/json', 'png': 'image/png', 'txt': 'text/plain',
        'svg': 'image/svg+xml', 'ico': 'image/x-icon', 'webp': 'image/webp',
        'wasm': 'application/wasm', 'mp4': 'video/mp4', 'pdf':
        'application/pdf', 'xml': 'application/xml', 'woff2': 'font/woff2',
        'csv': 'text/csv', 'md': 'text/markdown',
    }
    #: Returned by a handler that wrote the response itself (WebSocket).
    already_handled = None

    _file_size = _body_limit = None  # set by send_file and ranges
    reason = None

    def __init__(self, body='', status_code=200, headers=None, reason=None):
        self.status_code = status_code
        self.headers = NoCaseDict(headers)
        if reason is not None:
            self.reason = reason
        if type(body) is str:  # the common case first
            self.body = body.encode()
            return
        if body is None and status_code == 200:
            body, self.status_code = b'', 204
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
        line = cookie_line(cookie, value, path, domain, expires, max_age,
                           secure, http_only, same_site)
        cookies = self.headers.get('Set-Cookie')
        if cookies is None:
            self.headers['Set-Cookie'] = cookies = []
        elif not isinstance(cookies, list):
            self.headers['Set-Cookie'] = cookies = [cookies]
        cookies.append(line)

    def delete_cookie(self, cookie, path=None, domain=None):
        """Ask the client to forget a cookie."""
        self.set_cookie(cookie, '', path=path, domain=domain, max_age=0,
                        expires='Thu, 01 Jan 1970 00:00:01 GMT')

    def complete(self):
        """Fill in Content-Length and Content-Type where they are missing."""
        pairs = self._completion()
        if not self.headers and isinstance(self.headers, NoCaseDict):
            self.headers._fill(pairs)
        else:  # also when the app gave headers a plain dict
            for name, value in pairs:
                self.headers[name] = value

    def _completion(self):
        # the (name, value) headers that complete() adds
        if self.status_code in _NO_BODY_STATUS:
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
        """Yield the body as a sequence of bytes chunks."""
        body = self.body
        if isinstance(body, bytes):
            if body:
                yield body
        elif hasattr(body, 'read'):
            yield from self._file_chunks(body)
        else:
            for chunk in body:
                yield chunk.encode() if isinstance(chunk, str) else chunk

    def _file_chunks(self, body):
        remaining = self._body_limit
        try:
            while remaining is None or remaining > 0:
                size = self.send_file_buffer_size
                if remaining is not None:
                    size = min(size, remaining)
                    remaining -= size
                chunk = body.read(size)
                if not chunk:
                    break
                yield chunk
        finally:
            self.close()

    def close(self):
        """Release the body's resources (an open file, a generator)."""
        if hasattr(self.body, 'close'):
            self.body.close()

    def render_head(self, http_version='1.0', keep_alive=False,
                    head_only=False):
        """Frame this response for one connection.

        Returns ``(head bytes, chunked, keep_alive)``: a body of unknown
        length is chunked on a persistent HTTP/1.1 connection, otherwise it
        ends when the connection closes.
        """
        self.complete()
        headers = self.headers
        chunked = False
        if 'Content-Length' not in headers and not head_only and \
                self.status_code not in _NO_BODY_STATUS:
            if keep_alive and http_version == '1.1':
                headers['Transfer-Encoding'] = chunked = 'chunked'
            else:
                keep_alive = False
        if not keep_alive:
            headers['Connection'] = 'close'
        elif http_version == '1.0':
            headers['Connection'] = 'keep-alive'
        head = status_line(http_version, self.status_code, self.reason) + \
            header_lines(headers) + b'\r\n'
        return head, bool(chunked), keep_alive

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

        Drivers run it with ``run_sync`` or ``run_async``; async iterable
        bodies are read through awaited ``__anext__`` calls. Returns whether
        the connection may stay open.
        """
        try:
            head, chunked, keep_alive = self.render_head(
                http_version, keep_alive, head_only)
        except ValueError as exc:  # a header value would split the response
            print_exception(exc)
            self.close()
            return (yield from type(self)(error_body(500), 500).write_steps(
                write, http_version, False, head_only))
        body = self.body
        if head_only or self.status_code in _NO_BODY_STATUS:
            self.close()
            yield write, (head,), {}
        elif isinstance(body, bytes) and len(body) < 4096:
            yield write, (head + body,), {}  # one send for small responses
        else:
            yield write, (head,), {}
            yield from self.body_steps(
                (lambda chunk: write(encode_chunk(chunk))) if chunked
                else write)
            if chunked:
                yield write, (encode_chunk(b''),), {}
        return keep_alive

    def body_steps(self, emit):
        """Generator of ``emit(chunk)`` calls, one per non-empty body chunk.

        Handles every kind of body, async iterables included (their
        ``__anext__`` is a yielded call too, awaited by ``run_async``).
        """
        body = self.body
        if not hasattr(body, '__aiter__'):
            for chunk in self.body_iter():
                if chunk:
                    yield emit, (chunk,), {}
            return
        chunks = body.__aiter__()
        while True:
            try:
                chunk = yield _next_async, (chunks,), {}
            except StopAsyncIteration:
                return
            if isinstance(chunk, str):
                chunk = chunk.encode()
            if chunk:
                yield emit, (chunk,), {}

    @classmethod
    def redirect(cls, location, status_code=302):
        """Return a redirect response; ValueError on CR/LF in location."""
        check_header_value(location)
        return cls(status_code=status_code, headers={'Location': location})

    @classmethod
    def send_file(cls, filename, status_code=200, content_type=None,
                  stream=None, max_age=None, compressed=False,
                  file_extension=''):
        """Return a response that streams a file.

        The content type comes from ``types_map`` by extension. Files opened
        by name carry Content-Length, Last-Modified and ETag, so requests
        with If-None-Match, If-Modified-Since or Range get 304 or 206.
        """
        if content_type is None:
            extension = filename.split('.')[-1].lower() \
                if '.' in filename.split('/')[-1] else ''
            content_type = cls.types_map.get(extension,
                                             'application/octet-stream')
        headers = {'Content-Type': content_type}
        if compressed:
            headers['Content-Encoding'] = compressed \
                if isinstance(compressed, str) else 'gzip'
        if max_age is None:
            max_age = cls.default_send_file_max_age
        if max_age is not None:
            headers['Cache-Control'] = 'max-age=%d' % max_age
        size = None
        if stream is None:
            path = filename + file_extension
            stat = os.stat(path)
            size, mtime = stat[6], int(stat[8])
            headers['Content-Length'] = str(size)
            headers['Last-Modified'] = http_date(mtime)
            headers['ETag'] = '"%x-%x"' % (mtime, size)
            headers['Accept-Ranges'] = 'bytes'
            stream = open(path, 'rb')
        response = cls(body=stream, status_code=status_code, headers=headers)
        response._file_size = size
        return response

    def apply_conditions(self, request):
        """Answer If-None-Match, If-Modified-Since and Range for this request.

        Returns the response to send: this one, possibly turned into a 206, a
        304, or a new 416 response.
        """
        if self.status_code != 200 or request.method not in ('GET', 'HEAD') \
                or not self.headers or 'ETag' not in self.headers:
            return self
        if self._not_modified(request.headers):
            self.close()
            self.status_code, self.body = 304, b''
            for name in ('Content-Length', 'Content-Type', 'Accept-Ranges'):
                self.headers.pop(name, None)
            return self
        if self._file_size is None or 'Range' not in request.headers or \
                request.headers.get('If-Range', self.headers['ETag']) != \
                self.headers['ETag']:
            return self
        return self._apply_range(request.headers['Range'])

    def _not_modified(self, headers):
        if 'If-None-Match' in headers:
            tags = [tag.strip() for tag in headers['If-None-Match'].split(',')]
            return '*' in tags or self.headers['ETag'] in tags or \
                'W/' + self.headers['ETag'] in tags
        since = parse_http_date(headers.get('If-Modified-Since', ''))
        modified = parse_http_date(self.headers.get('Last-Modified', ''))
        return since is not None and modified is not None and \
            modified <= since

    def _apply_range(self, header):
        try:
            byte_range = parse_range(header, self._file_size)
        except HTTPException:
            self.close()
            return type(self)(b'', 416, {
                'Content-Range': 'bytes */%d' % self._file_size})
        if byte_range is None:
            return self
        start, end = byte_range
        self.body.seek(start)
        self._body_limit = end - start + 1
        self.status_code = 206
        self.headers['Content-Length'] = str(self._body_limit)
        self.headers['Content-Range'] = 'bytes %d-%d/%d' % (
            start, end, self._file_size)
        return self


Response.already_handled = Response()


def make_response(value, response_class=Response):
    """Turn a handler's return value into a Response.

    Accepts a Response, a body, or a tuple ``(body, status)``,
    ``(body, headers)`` or ``(body, status, headers)``.
    """
    if isinstance(value, Response):
        return value
    if isinstance(value, tuple):
        body, status_code, headers = value[0], 200, None
        if len(value) == 3:
            status_code, headers = value[1], value[2]
        elif len(value) == 2 and isinstance(value[1], int):
            status_code = value[1]
        elif len(value) == 2:
            headers = value[1]
        if isinstance(body, Response):
            body.status_code = status_code
            body.headers.update(headers or {})
            return body
        return response_class(body, status_code, headers)
    return response_class(value)
