"""The application object and the one request dispatch, free of I/O.

``dispatch`` is a generator that yields every call it needs as
``(function, args, kwargs)``: ``run_sync`` makes the calls, an async runner
awaits the results that are awaitable, so the control flow exists once.
"""
from _microdot_http import HTTPException, error_body
from _microdot_core import run_sync, read_request, wants_keep_alive, \
    print_exception
from _microdot_response import Response, make_response
from _microdot_routing import URLPattern, Router

def _mro(cls):
    # MicroPython has no __mro__: walk __bases__ depth first
    if hasattr(cls, '__mro__'):
        return cls.__mro__
    classes = [cls]
    for base in cls.__bases__:
        classes.extend([c for c in _mro(base) if c not in classes])
    return classes


class Microdot:
    """A web application: routes, hooks and error handlers.

    Example::

        app = Microdot()

        @app.route('/')
        def index(request):
            return 'Hello, world!'
    """
    request_class = None
    response_class = Response
    #: True once ``shutdown()`` was called: connections close after a reply.
    stopping = False

    def __init__(self):
        self.router = Router()
        self.before_request_handlers = []
        self.after_request_handlers = []
        self.after_error_request_handlers = []
        self.error_handlers = {}
        self.options_handler = self.default_options_handler
        self.debug = False

    @property
    def url_map(self):
        """The routes as ``(methods, URLPattern, handler)`` tuples."""
        return self.router.routes

    def route(self, url_pattern, methods=None):
        """Decorator that registers a handler for a URL pattern.

        Example::

            @app.route('/users/<int:id>', methods=['GET', 'PUT'])
            def user(request, id):
                ...
        """
        def decorated(f):
            self.router.add(methods or ['GET'], URLPattern(url_pattern), f)
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
        for methods, pattern, handler in subapp.router.routes:
            self.router.add(methods, URLPattern(url_prefix +
                                                pattern.url_pattern), handler)
        self.before_request_handlers.extend(subapp.before_request_handlers)
        self.after_request_handlers.extend(subapp.after_request_handlers)
        self.after_error_request_handlers.extend(
            subapp.after_error_request_handlers)
        self.error_handlers.update(subapp.error_handlers)

    @staticmethod
    def abort(status_code, reason=None):
        """Stop the request with an HTTP error."""
        raise HTTPException(status_code, reason)

    def find_route(self, req):
        """Return the handler for a request, or 404 or 405."""
        handler, args, allowed = self.router.match(req.method, req.path)
        if handler is not None:
            req.url_args = args
            return handler
        if req.method == 'OPTIONS' and allowed and self.options_handler:
            req.url_args = {}
            return self.options_handler
        return 405 if allowed else 404

    def default_options_handler(self, req):
        """Answer OPTIONS with the methods the URL accepts."""
        allowed = self.router.allowed_methods(req.path)
        if 'GET' in allowed and 'HEAD' not in allowed:
            allowed.append('HEAD')
        allowed.append('OPTIONS')
        return self.response_class(headers={'Allow': ', '.join(allowed)})

    def dispatch_request(self, req):
        """Run the whole request flow and return the Response."""
        return run_sync(dispatch(self, req))


def _error_response(app, req, exc):
    if isinstance(exc, HTTPException):
        status_code = exc.status_code
        handler = app.error_handlers.get(status_code)
        args = (req,)
    else:
        print_exception(exc)
        status_code, handler, args = 500, None, (req, exc)
        for cls in _mro(type(exc)):
            if cls in app.error_handlers:
                handler = app.error_handlers[cls]
                break
        if handler is None:
            handler, args = app.error_handlers.get(500), (req,)
    if handler is not None:
        res = make_response((yield handler, args, {}), app.response_class)
    else:
        res = app.response_class(error_body(status_code, getattr(
            exc, 'reason', None)), status_code)
    if res.status_code == 405 and 'Allow' not in res.headers:
        res.headers['Allow'] = ', '.join(app.router.allowed_methods(req.path))
    return res


def unreadable_request(app, exc):
    """Response flow for a request that could not be parsed (no Request).

    The app's handler for the status is called with None as the request.
    """
    try:
        return (yield from _error_response(app, None, exc))
    except Exception as error:
        print_exception(error)
        return app.response_class(error_body(exc.status_code, exc.reason),
                                  exc.status_code)


def dispatch(app, req):
    """The request flow as a generator of calls; returns the Response."""
    try:  # before hooks, the handler, after hooks
        if req.content_length > req.max_content_length:
            raise HTTPException(413)
        handler = app.find_route(req)
        if type(handler) is int:  # 404 or 405
            raise HTTPException(handler)
        res = None
        if app.before_request_handlers:
            for hook in app.before_request_handlers:
                res = yield hook, (req,), {}
                if res:
                    break
        if not res:
            res = yield handler, (req,), req.url_args
        res = make_response(res, app.response_class)
        if res.headers:  # conditions need an ETag: none without headers
            res = res.apply_conditions(req)
        if app.after_request_handlers or req.after_request_handlers:
            for hook in app.after_request_handlers + \
                    req.after_request_handlers:
                res = make_response((yield hook, (req, res), {}) or res,
                                    app.response_class)
        return res
    except Exception as exc:
        error = exc
    try:
        res = yield from _error_response(app, req, error)
        for hook in app.after_error_request_handlers:
            res = make_response((yield hook, (req, res), {}) or res,
                                app.response_class)
        return res
    except Exception as exc:  # a failing error handler
        print_exception(exc)
        return app.response_class(error_body(500), 500)


def _reject(app, conn, exc):
    # a request that could not be read: answer it, then close
    res = yield from unreadable_request(app, exc)
    yield from res.write_steps(conn.write, '1.1', False)
    if app.debug:
        print('- - {}'.format(res.status_code))
    yield conn.discard_input, (), {}


def serve_connection(app, conn, client_addr, sock=None):
    """The life of one client connection, as a generator of calls.

    ``conn`` is the driver's connection (see ``read_request``) with also
    ``write(data)``, ``wait_for_request()`` (False: stop waiting, close)
    and ``discard_input()``. I/O errors propagate to the driver.
    """
    while True:
        try:
            req = yield from read_request(app.request_class, app, conn,
                                          client_addr, sock)
        except HTTPException as exc:
            yield from _reject(app, conn, exc)
            return
        if req is None:
            return
        res = yield from dispatch(app, req)
        if res is Response.already_handled:
            return
        keep_alive = wants_keep_alive(req) and not req.body_pending and \
            not app.stopping
        keep_alive = yield from res.write_steps(
            conn.write, req.http_version, keep_alive, req.method == 'HEAD')
        if app.debug:
            print('{} {} {}'.format(req.method, req.path, res.status_code))
        if req.body_pending:
            yield conn.discard_input, (), {}
        if not keep_alive or not (yield conn.wait_for_request, (), {}):
            return
