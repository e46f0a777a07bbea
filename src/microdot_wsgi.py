"""Microdot as a WSGI application, for gunicorn, uWSGI and friends.

Example::

    from microdot_wsgi import Microdot

    app = Microdot()

    @app.route('/')
    def index(request):
        return 'Hello, World!'

Run it with ``gunicorn -w 4 module:app``. ``app.run()`` still starts the
threaded development server.
"""
import os
import signal
from urllib.parse import quote

import microdot
from microdot import abort, redirect, send_file, Response, URLPattern, \
    HTTPException  # noqa: F401 - re-exported
from microdot import dispatch
from _microdot_body import BodyStream, body_or_stream
from _microdot_http import run_sync, body_kind
from _microdot_errors import reason_phrase, error_response
from _microdot_adapters import server_headers, completed_headers, \
    DechunkedStream
from _microdot_head import request_target

__all__ = ['Microdot', 'Request', 'Response', 'abort', 'redirect',
           'send_file']

# CONTENT_* keys carry headers without the HTTP_ prefix
_CGI_HEADERS = {'CONTENT_TYPE': 'Content-Type',
                'CONTENT_LENGTH': 'Content-Length'}


class Request(microdot.Request):
    """A request built from a WSGI environ, available as ``environ``.

    ``client_addr`` is ``(REMOTE_ADDR, int(REMOTE_PORT))``, as on the other
    drivers; the port is 0 when the server sets none (wsgiref does not).
    """

    @classmethod
    def from_environ(cls, app, environ):
        """Build the request a WSGI server describes in ``environ``."""
        pairs = _header_pairs(environ)
        if 'CONTENT_TYPE' in environ or 'CONTENT_LENGTH' in environ:
            pairs += [(name, environ[key]) for key, name in
                      _CGI_HEADERS.items() if environ.get(key)]
        method, url = environ['REQUEST_METHOD'], _raw_url(environ)
        headers = server_headers(cls, method, url, pairs)
        if url[:1] not in '/?':  # absolute-form (gunicorn's RAW_URI), '*'
            url = request_target(method, url, headers)
        client_addr = (environ.get('REMOTE_ADDR'),
                       int(environ.get('REMOTE_PORT') or 0))
        req = cls(app, client_addr, method, url,
                  environ.get('SERVER_PROTOCOL', 'HTTP/1.1')[5:], headers)
        req.environ = environ
        kind = ('content-length' in headers._keys or 'transfer-encoding' in
                headers._keys) and body_kind(req)
        if kind:
            source = environ['wsgi.input']
            if kind == 'chunked':  # the server de-chunks it
                req._body = run_sync(body_or_stream(
                    req, DechunkedStream(req, source)))
            elif kind == 'stream':
                req._stream = BodyStream(source, req.content_length)
            else:
                req._body = source.read(req.content_length)
        return req


# every environ key seen so far -> its header name, '' for other keys
_ENVIRON_KEYS = {}


def _header_pairs(environ):
    # the HTTP_* keys as (name, value) headers
    keys = _ENVIRON_KEYS
    try:
        return [(keys[key], value) for key, value in environ.items()
                if keys[key]]
    except KeyError:  # a key not seen before
        if len(keys) + len(environ) > 512:  # e.g. random header names
            return [(_header_name(key), value)
                    for key, value in environ.items() if key[:5] == 'HTTP_']
        for key in environ:
            keys[key] = _header_name(key)
        return _header_pairs(environ)


def _header_name(key):
    # HTTP_X_FORWARDED_FOR -> X-Forwarded-For
    if key[:5] != 'HTTP_':
        return ''
    return '-'.join([part.capitalize() for part in key[5:].split('_')])


def _raw_url(environ):
    # PATH_INFO is percent-decoded and latin-1 mangled: prefer the raw URI
    url = environ.get('RAW_URI') or environ.get('REQUEST_URI')
    if url:
        return url
    path = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
    url = quote(path.encode('latin-1'), safe="/:@!$&'()*+,;=-._~")
    query = environ.get('QUERY_STRING')
    return url + '?' + query if query else url


class Microdot(microdot.Microdot):
    """A web application that is also a WSGI callable."""
    request_class = Request

    def __call__(self, environ, start_response):
        # no Connection header: WSGI servers own the connection (PEP 3333)
        try:
            req = self.request_class.from_environ(self, environ)
        except HTTPException as exc:
            res = run_sync(error_response(self, None, exc))
        else:
            res = run_sync(dispatch(self, req))
        res, headers = completed_headers(res)
        start_response('%d %s' % (res.status_code, res.reason or
                                  reason_phrase(res.status_code)), headers)
        if res.bodyless(environ['REQUEST_METHOD'] == 'HEAD'):
            res.close()
            body = []
        elif isinstance(res.body, bytes):
            body = [res.body]
        else:
            body = _bytes_body(res)
        if self.stopping and self.server is None:  # shutdown() under WSGI
            return _ShutdownAfter(body, environ)
        return body


def _bytes_body(res):
    # a WSGI server takes bytes chunks, and body_iter() yields a generator
    # body's str chunks as they are. The server's close() of this generator
    # closes the body (a generator's finally, a file) when the client left.
    try:
        for chunk in res.body_iter():
            yield chunk.encode() if isinstance(chunk, str) else chunk
    finally:
        res.close()


class _ShutdownAfter:
    # a WSGI body that stops the server once it was sent: the server calls
    # close() after the last chunk. gunicorn's master is the parent process.
    def __init__(self, body, environ):
        self.body = body
        self.gunicorn = environ.get('SERVER_SOFTWARE', '').startswith(
            'gunicorn')

    def __iter__(self):
        return iter(self.body)

    def close(self):
        if hasattr(self.body, 'close'):
            self.body.close()
        os.kill(os.getppid() if self.gunicorn else os.getpid(), signal.SIGTERM)
