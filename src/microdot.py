"""Microdot: the impossibly small web framework.

The core API: the application, its requests and responses. ``run()`` serves
it with a threaded HTTP/1.1 server (``_microdot_threaded``, loaded then);
under MicroPython, which has no threading module, one connection at a time.

Example::

    from microdot import Microdot

    app = Microdot()

    @app.route('/')
    def index(request):
        return 'Hello, world!'

    app.run()
"""
from _microdot_http import HTTPException, NoCaseDict, read_request, \
    run_sync, Connection
from _microdot_response import Response, make_response

__all__ = ['Microdot', 'Request', 'Response', 'URLPattern', 'HTTPException',
           'NoCaseDict', 'MultiDict', 'abort', 'redirect', 'send_file',
           'urlencode', 'urldecode_str', 'urldecode_bytes']


def __getattr__(name):
    # the names of __all__ not defined here (MultiDict, urlencode,
    # urldecode_str, urldecode_bytes) load on first use
    if name in __all__:
        import _microdot_query
        return getattr(_microdot_query, name)
    raise AttributeError(name)


class Request:
    """An HTTP request: what the client sent, parsed.

    Created by the server for each request and given to every handler.
    ``args``, ``cookies``, ``g``, ``body``, ``stream``, ``json`` and ``form``
    are computed on first use.
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

    # defaults on the class: a request costs only the attributes it sets
    content_length = 0
    content_type = query_string = url_args = sock = connection = None
    _body = b''
    _stream = _used = _awaited = _expect = None

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
        # most requests have neither: ask a NoCaseDict's own key map first
        keys = getattr(headers, '_keys', None)
        if keys is None or 'content-length' in keys:
            length = headers.get('Content-Length')
            if length is not None:
                # ASCII digits only: str.isdigit() takes '²' and '٢' too
                if not length or length.strip('0123456789') or \
                        len(length) > 15:
                    raise HTTPException(400)  # not a valid Content-Length
                self.content_length = int(length)
        if keys is None or 'content-type' in keys:
            self.content_type = headers.get('Content-Type')
        self.after_request_handlers = []
        if sock is not None:
            self.sock = sock
        if body:
            self._body = body
        if stream is not None:
            self._stream = stream

    def __getattr__(self, name):
        # the attributes computed on first use (_microdot_query), each then
        # kept: body, stream, g and the parsed ones
        from _microdot_query import parsed
        value = parsed(self, name)
        setattr(self, name, value)
        return value

    def after_request(self, f):
        """Register ``f(request, response)`` to run after this request only."""
        self.after_request_handlers.append(f)
        return f

    def body_pending(self):
        """True when body bytes are still unread on the connection."""
        if self._stream is None:  # (or a body that waits for 100 Continue)
            return self.content_length > len(self._body) or \
                self._expect is not None
        return getattr(self._stream, 'remaining', 0) > 0

    @classmethod
    def create(cls, app, client_stream, client_addr, client_sock=None):
        """Read a request from a file-like stream; None if it closed first.

        Raises a ValueError for a malformed or oversized request, which on
        CPython is also an HTTPException with the status to answer.
        """
        from _microdot_compat import creating
        return run_sync(creating(read_request(
            cls, app, Connection(client_stream), client_addr, client_sock)))


class URLPattern:
    """A compiled route pattern such as ``/users/<int:id>``.

    Segments: ``<name>`` or ``<string:name>`` (one segment), ``<int:name>``,
    ``<path:name>`` (the rest of the path) and ``<re:REGEX:name>``.
    """
    is_static = True

    def __init__(self, url_pattern):
        self.url_pattern = url_pattern
        if '<' in url_pattern:  # arguments maybe: parsed in _microdot_routes
            from _microdot_routes import parse_pattern
            parse_pattern(self)

    def match(self, path):
        """Return a dict of the URL arguments in ``path``, or None."""
        if self.is_static:
            return {} if path == self.url_pattern else None
        return self.match_arguments(self, path)  # set by parse_pattern


class Microdot:
    """A web application: routes, hooks and error handlers.

    Example::

        app = Microdot()

        @app.route('/')
        def index(request):
            return 'Hello, world!'
    """
    request_class = Request
    response_class = Response
    #: Seconds a persistent connection may sit idle between requests.
    keep_alive_timeout = 5
    #: Requests served at once (a worker thread each, on CPython); more wait
    #: their turn. Idle connections wait in one poller and do not count.
    max_connections = 64
    #: Seconds ``run`` waits for in-flight requests after ``shutdown``.
    shutdown_timeout = 10
    #: True once ``shutdown()`` was called: connections close after a reply.
    stopping = debug = False
    server = None

    def __init__(self):
        #: The routes as ``(methods, URLPattern, handler)`` tuples.
        self.url_map = []
        self._static = {}  # static path -> indexes in url_map
        self._dynamic = []  # indexes of the patterns with arguments
        self.before_request_handlers = []
        self.after_request_handlers = []
        self.after_error_request_handlers = []
        self.error_handlers = {}
        self.options_handler = self.default_options_handler
        self.connections = []  # those that shutdown() closes when idle

    def route(self, url_pattern, methods=None):
        """Decorator that registers a handler for a URL pattern.

        Example::

            @app.route('/users/<int:id>', methods=['GET', 'PUT'])
            def user(request, id):
                ...
        """
        def decorated(f):
            pattern = URLPattern(url_pattern)
            index = len(self.url_map)
            self.url_map.append((methods or ['GET'], pattern, f))
            if pattern.is_static:
                self._static.setdefault(url_pattern, []).append(index)
            else:
                self._dynamic.append(index)
            return f
        return decorated

    def get(self, url_pattern):
        """Shortcut for ``route(url_pattern, methods=['GET'])``."""
        return self.route(url_pattern, ['GET'])

    def post(self, url_pattern):
        """Shortcut for ``route(url_pattern, methods=['POST'])``."""
        return self.route(url_pattern, ['POST'])

    def put(self, url_pattern):
        """Shortcut for ``route(url_pattern, methods=['PUT'])``."""
        return self.route(url_pattern, ['PUT'])

    def patch(self, url_pattern):
        """Shortcut for ``route(url_pattern, methods=['PATCH'])``."""
        return self.route(url_pattern, ['PATCH'])

    def delete(self, url_pattern):
        """Shortcut for ``route(url_pattern, methods=['DELETE'])``."""
        return self.route(url_pattern, ['DELETE'])

    def before_request(self, f):
        """Register ``f(request)``; a truthy return value is the response."""
        self.before_request_handlers.append(f)
        return f

    def after_request(self, f):
        """Register ``f(request, response)``; it may return a new response."""
        self.after_request_handlers.append(f)
        return f

    def after_error_request(self, f):
        """Register ``f(request, response)`` for error responses."""
        self.after_error_request_handlers.append(f)
        return f

    def errorhandler(self, status_code_or_exception_class):
        """Decorator for a handler of an error status or exception class.

        Status handlers take ``(request)``, exception handlers
        ``(request, exception)``.
        """
        def decorated(f):
            self.error_handlers[status_code_or_exception_class] = f
            return f
        return decorated

    def mount(self, subapp, url_prefix=''):
        """Add the routes, hooks and error handlers of another app."""
        from _microdot_routes import mount
        mount(self, subapp, url_prefix)

    def find_route(self, req):
        """Return the handler for a request (setting ``req.url_args``), or
        the status 404 or 405."""
        method, path, routes = req.method, req.path, self.url_map
        best = len(routes)
        for index in self._static.get(path, ()):
            methods = routes[index][0]
            if method in methods or method == 'HEAD' and 'GET' in methods:
                best = index
                break
        for index in self._dynamic:
            if index > best:
                break
            methods, pattern, handler = routes[index]
            if method in methods or method == 'HEAD' and 'GET' in methods:
                args = pattern.match(path)
                if args is not None:
                    req.url_args = args
                    return handler
        req.url_args = {}
        if best < len(routes):
            return routes[best][2]
        from _microdot_routes import unrouted
        return unrouted(self, req)

    def default_options_handler(self, req):
        """Answer OPTIONS with the methods the URL accepts."""
        from _microdot_routes import options_response
        return options_response(self, req)

    def dispatch_request(self, req):
        """Run the whole request flow and return the Response."""
        return run_sync(dispatch(self, req))

    def run(self, host='0.0.0.0', port=5000, debug=False, ssl=None):
        """Serve the application until ``shutdown()`` (blocking).

        Example::

            app.run(port=8000, debug=True)
        """
        from _microdot_threaded import serve
        serve(self, host, port, debug, ssl)

    def handle_request(self, sock, addr, ssl=None, listener=None):
        """Serve every request of one client connection, then close it."""
        from _microdot_threaded import serve_socket
        serve_socket(self, sock, addr, ssl, listener)

    def shutdown(self):
        """Stop accepting connections; requests in flight are completed and
        idle connections closed."""
        self.stopping = True
        for connection in self.connections[:]:
            connection.close_if_idle()


def abort(status_code, reason=None):
    """Stop the current request with an HTTP error response.

    Example::

        abort(404, 'No such user')
    """
    raise HTTPException(status_code, reason)


Microdot.abort = staticmethod(abort)


# the module's functions of 1.x: Response's own, bound to Response
redirect = Response.redirect
send_file = Response.send_file


def dispatch(app, req):
    """The request flow as a generator of calls; returns the Response."""
    try:  # before hooks, the handler, after hooks
        if req.content_length > req.max_content_length:
            raise HTTPException(413)
        handler = app.find_route(req)
        if type(handler) is int:  # 404 or 405
            raise HTTPException(handler)
        if req._expect:  # Expect: 100-continue, now that a route takes it
            yield from req._expect(req)
        res = None
        for hook in app.before_request_handlers:
            res = yield hook, (req,), {}
            if res:
                break
        if not res:
            res = yield handler, (req,), req.url_args
        res = make_response(res, app.response_class)
        if res.headers and 'ETag' in res.headers:  # maybe 304, 206 or 416
            from _microdot_files import apply_conditions
            res = apply_conditions(res, req)
        for hook in app.after_request_handlers + req.after_request_handlers:
            res = make_response((yield hook, (req, res), {}) or res,
                                app.response_class)
        return res
    except Exception as exc:
        error = exc
    from _microdot_errors import error_flow
    return (yield from error_flow(app, req, error))


def serve_connection(app, conn, client_addr, sock=None):
    """The life of one client connection, as a generator of calls.

    ``conn`` is the driver's connection (see ``_microdot_http.Connection``).
    I/O errors propagate to the driver.
    """
    while True:
        try:
            req = yield from read_request(app.request_class, app, conn,
                                          client_addr, sock)
        except HTTPException as exc:  # unreadable: answered, then closed
            from _microdot_errors import refuse
            return (yield from refuse(app, conn, exc))
        if req is None:
            return
        res = yield from dispatch(app, req)
        if res is Response.already_handled:
            return
        connection = req.headers.get('Connection', '').lower()
        keep_alive = yield from res.write_steps(
            conn.write, req.http_version, not app.stopping and (
                'keep-alive' in connection if req.http_version == '1.0'
                else 'close' not in connection) and not req.body_pending(),
            req.method == 'HEAD')
        if app.debug:
            print('{} {} {}'.format(req.method, req.path, res.status_code))
        if req.body_pending():
            yield conn.discard_input, (), {}
        if not keep_alive or not (yield conn.wait_for_request, (), {}):
            return
