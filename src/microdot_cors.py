"""Cross-Origin Resource Sharing (CORS) for Microdot applications.

Works through the app's hooks only (``before_request`` answers preflight
requests, ``after_request`` and ``after_error_request`` add the headers), so
it runs with every driver: threaded, asyncio, WSGI, ASGI and test clients.

Example::

    from microdot import Microdot
    from microdot_cors import CORS

    app = Microdot()
    cors = CORS(app, allowed_origins=['https://example.com'],
                allow_credentials=True)
"""


def _join(value):
    return value if isinstance(value, str) else ', '.join(value)


def _tokens(value):
    return [token.strip().lower() for token in value.split(',')]


def merge_vary(response, name='Origin'):
    """Add ``name`` to the response's Vary header unless it is covered."""
    vary = response.headers.get('Vary')
    if not vary:
        response.headers['Vary'] = name
        return
    values = vary if isinstance(vary, list) else [vary]
    for value in values:
        tokens = _tokens(value)
        if '*' in tokens or name.lower() in tokens:
            return
    if isinstance(vary, list):
        vary.append(name)
    else:
        response.headers['Vary'] = vary + ', ' + name


def is_preflight(request):
    """Whether a request is a CORS preflight (OPTIONS asking permission)."""
    headers = request.headers
    return request.method == 'OPTIONS' and 'Origin' in headers and \
        'Access-Control-Request-Method' in headers


class CORS:
    """Add CORS support to an application.

    :param app: the application; or call ``initialize`` later.
    :param allowed_origins: ``'*'`` (any origin) or a list of origins such
        as ``['https://example.com']``. None (default): no cross-origin
        access at all.
    :param allow_credentials: send ``Access-Control-Allow-Credentials:
        true``. The origin is then always echoed, never ``*``.
    :param allowed_methods: methods allowed in preflights (a list); None:
        the methods the requested URL's routes accept.
    :param expose_headers: response headers scripts may read (a list).
    :param allowed_headers: request headers allowed in preflights (a
        list); None: the headers the preflight asks for.
    :param max_age: seconds a browser may cache a preflight answer.
    :param handle_cors: register the hooks; False leaves it to the app,
        which can call ``get_cors_headers``.
    """
    #: Status code of preflight answers.
    preflight_status = 204

    def __init__(self, app=None, allowed_origins=None,
                 allow_credentials=False, allowed_methods=None,
                 expose_headers=None, allowed_headers=None, max_age=None,
                 handle_cors=True):
        if isinstance(allowed_origins, str) and allowed_origins != '*':
            allowed_origins = [allowed_origins]
        if allowed_origins is not None and allowed_origins != '*':
            allowed_origins = [origin.rstrip('/').lower()
                               for origin in allowed_origins]
        self.allowed_origins = allowed_origins
        self.allow_credentials = allow_credentials
        self.allowed_methods = allowed_methods
        self.expose_headers = expose_headers
        self.allowed_headers = allowed_headers
        self.max_age = max_age
        self.app = None
        if app is not None:
            self.initialize(app, handle_cors=handle_cors)

    def initialize(self, app, handle_cors=True):
        """Attach to an application (registers the hooks if handle_cors)."""
        self.app = app
        if handle_cors:
            app.before_request(self.before_request)
            app.after_request(self.after_request)
            app.after_error_request(self.after_error_request)

    def origin_allowed(self, origin):
        """Whether the ``Origin`` of a request may have access."""
        if self.allowed_origins == '*':
            return True
        return self.allowed_origins is not None and \
            origin.lower() in self.allowed_origins

    def _echoes_origin(self):
        return self.allowed_origins != '*' or self.allow_credentials

    def get_cors_headers(self, request):
        """The headers to add to the response to ``request``, as a dict.

        Empty for a request without ``Origin``; only ``Vary: Origin`` for
        an origin that is not allowed when the answer depends on the origin.
        """
        origin = request.headers.get('Origin')
        if origin is None:
            return {}
        if not self.origin_allowed(origin):
            return {'Vary': 'Origin'} if self.allowed_origins else {}
        headers = {'Access-Control-Allow-Origin': '*'}
        if self._echoes_origin():
            headers['Access-Control-Allow-Origin'] = origin
            headers['Vary'] = 'Origin'
        if self.allow_credentials:
            headers['Access-Control-Allow-Credentials'] = 'true'
        if is_preflight(request):
            headers.update(self._preflight_headers(request))
        elif self.expose_headers:
            headers['Access-Control-Expose-Headers'] = _join(
                self.expose_headers)
        return headers

    def _preflight_headers(self, request):
        headers = {}
        methods = self.allowed_methods or _route_methods(request)
        if methods:
            headers['Access-Control-Allow-Methods'] = _join(methods)
        allowed = self.allowed_headers
        if allowed is None:
            allowed = request.headers.get('Access-Control-Request-Headers')
        if allowed:
            headers['Access-Control-Allow-Headers'] = _join(allowed)
        if self.max_age is not None:
            headers['Access-Control-Max-Age'] = str(self.max_age)
        return headers

    def add_headers(self, request, response):
        """Add the CORS headers for ``request`` to ``response``.

        Headers the handler already set are kept; Vary is merged.
        """
        if request is None or response is response.already_handled:
            return response
        for name, value in self.get_cors_headers(request).items():
            if name == 'Vary':
                merge_vary(response, value)
            else:
                response.headers.setdefault(name, value)
        return response

    def preflight_response(self, request):
        """A response to a preflight from an allowed origin, else None."""
        if not is_preflight(request) or \
                not self.origin_allowed(request.headers['Origin']):
            return None
        response = request.app.response_class(
            status_code=self.preflight_status)
        return self.add_headers(request, response)

    def before_request(self, request):
        """Hook: answer preflights for URLs that have routes."""
        return self.preflight_response(request)

    def after_request(self, request, response):
        """Hook: add the CORS headers to a response."""
        return self.add_headers(request, response)

    def after_error_request(self, request, response):
        """Hook: add the CORS headers to an error response.

        A preflight to a URL without an OPTIONS route, refused with 405
        when the app's automatic OPTIONS handler is disabled, is answered
        as a preflight.
        """
        if request is not None and response.status_code == 405:
            preflight = self.preflight_response(request)
            if preflight is not None:
                return preflight
        return self.add_headers(request, response)


def _route_methods(request):
    methods = []
    for route_methods, pattern, _ in request.app.url_map:
        if pattern.match(request.path) is not None:
            methods.extend([m for m in route_methods if m not in methods])
    return methods
