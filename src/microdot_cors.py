"""Cross-Origin Resource Sharing (CORS) for Microdot applications.

Works through the app's hooks only (``before_request`` answers preflight
requests, ``after_request`` and ``after_error_request`` add the headers), so
it runs with every driver: threaded, asyncio, WSGI, ASGI and test clients.
The headers of preflight answers and ``Access-Control-Expose-Headers`` are
added by ``_microdot_cors_extra``, loaded by the first response that needs
one.

Example::

    from microdot import Microdot
    from microdot_cors import CORS

    app = Microdot()
    cors = CORS(app, allowed_origins=['https://example.com'],
                allow_credentials=True)
"""


def merge_vary(response, name='Origin'):
    """Add ``name`` to the response's Vary header unless it is covered."""
    headers = response.headers
    value = headers.get('Vary')
    if value:
        text = value if isinstance(value, str) else ','.join(value)
        for item in text.split(','):
            if item.strip().lower() in ('*', name.lower()):
                return
        if not isinstance(value, str):  # a list of header lines
            value.append(name)
            return
        name = value + ', ' + name
    headers['Vary'] = name


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
        true`` to allowed origins.
    :param allowed_methods: methods allowed in preflights (a list); None:
        the methods the requested URL's routes accept.
    :param expose_headers: response headers scripts may read (a list).
    :param allowed_headers: request headers allowed in preflights (a
        list); None: the headers the preflight asks for.
    :param max_age: seconds a browser may cache a preflight answer.
    :param handle_cors: register the hooks; False leaves it to the app,
        which can call ``get_cors_headers``.
    """
    #: Status code of preflight answers (1.x: 200, with an empty body).
    preflight_status = 200

    def __init__(self, app=None, allowed_origins=None,
                 allow_credentials=False, allowed_methods=None,
                 expose_headers=None, allowed_headers=None, max_age=None,
                 handle_cors=True):
        if allowed_origins is not None and allowed_origins != '*':
            allowed = []  # compared with the request's, lowercased
            for item in [allowed_origins] if isinstance(
                    allowed_origins, str) else allowed_origins:
                allowed.append(item.rstrip('/').lower())
            allowed_origins = allowed
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

    def get_cors_headers(self, request):
        """The headers to add to the response to ``request``, as a dict.

        An allowed ``Origin`` is echoed, with ``Vary: Origin``; with
        ``allowed_origins='*'`` a request without one gets ``*`` (as 1.x).
        Otherwise only ``Vary: Origin`` for an origin that is not allowed,
        and nothing for a request without ``Origin``.
        """
        origin = request.headers.get('Origin')
        allowed = self.allowed_origins
        if origin is None:
            return {'Access-Control-Allow-Origin': '*'} \
                if allowed == '*' else {}
        headers = {'Vary': 'Origin'}
        if not allowed or allowed != '*' and origin.lower() not in allowed:
            return headers if allowed else {}
        if self.allow_credentials:
            headers['Access-Control-Allow-Credentials'] = 'true'
        headers['Access-Control-Allow-Origin'] = origin
        if self.expose_headers or is_preflight(request):  # on first use
            import _microdot_cors_extra
            _microdot_cors_extra.add_headers(self, request, headers)
        return headers

    def preflight_response(self, request):
        """A response to a preflight from an allowed origin, else None."""
        if is_preflight(request):
            import _microdot_cors_extra
            return _microdot_cors_extra.preflight_response(self, request)

    def add_headers(self, request, response):
        """Add the CORS headers for ``request`` to ``response``.

        Headers the handler already set are kept; Vary is merged. A
        preflight refused with 405 (a URL without an OPTIONS route, when
        the app's automatic OPTIONS handler is disabled) gets the answer
        to a preflight instead.
        """
        if request is None or response is response.already_handled:
            return response
        if response.status_code == 405:
            response = self.preflight_response(request) or response
        for name, value in self.get_cors_headers(request).items():
            if name == 'Vary':
                merge_vary(response, value)
            else:
                response.headers.setdefault(name, value)
        return response

    #: Hook: answer preflights for URLs that have routes.
    before_request = preflight_response
    #: Hooks: add the CORS headers to a response, and to an error response.
    after_request = after_error_request = add_headers
