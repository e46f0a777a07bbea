"""Cross-site request forgery (CSRF) protection for Microdot applications.

Refuses, with 403, requests with an unsafe method (anything but GET, HEAD
and OPTIONS) that a browser sends on behalf of another site. It asks the
browser: ``Sec-Fetch-Site``, sent by every current browser, or else
``Origin``, compared with the request's own ``Host`` and with the origins
that a ``microdot_cors.CORS`` object allows. No token, no cookie, no form
field: it works through one ``before_request`` hook, so with every driver
(threaded, asyncio, WSGI, ASGI and the test clients).

Example::

    from microdot import Microdot
    from microdot_csrf import CSRF

    app = Microdot()
    csrf = CSRF(app)

    @app.post('/webhook')
    @csrf.exempt
    def webhook(request):
        ...
"""
from _microdot_http import HTTPException


class CSRF:
    """Add CSRF protection to an application.

    :param app: the application; or call ``initialize`` later.
    :param cors: a ``microdot_cors.CORS`` object: the origins in its
        ``allowed_origins`` list are trusted to send unsafe requests too
        (``'*'`` trusts none, ``'null'`` is never trusted).
    :param protect_all: check every route but those marked with
        ``@csrf.exempt``; False checks only those marked with
        ``@csrf.protect``.
    :param allow_subdomains: also accept requests from the same site
        (``Sec-Fetch-Site: same-site``; without it, an ``Origin`` whose host
        is a subdomain of the requested host).
    """

    def __init__(self, app=None, cors=None, protect_all=True,
                 allow_subdomains=False):
        self.cors = cors
        self.protect_all = protect_all
        self.allow_subdomains = allow_subdomains
        # handler -> True (@protect) or False (@exempt): a dict kept here,
        # since MicroPython functions take no attributes
        self.marks = {}
        self.app = None
        if app is not None:
            self.initialize(app)

    def initialize(self, app):
        """Attach to an application (registers the ``before_request``
        hook)."""
        self.app = app
        app.before_request(self.before_request)

    def exempt(self, f):
        """Decorator: never check this route. Put it right below the route
        decorator, so it marks the function that the route registers."""
        self.marks[f] = False
        return f

    def protect(self, f):
        """Decorator: check this route even with ``protect_all=False``."""
        self.marks[f] = True
        return f

    def is_trusted(self, request):
        """Whether ``request`` may have an unsafe method: it comes from the
        app's own origin, a trusted one, or from no browser at all."""
        headers = request.headers
        site = (headers.get('Sec-Fetch-Site') or '').lower()
        origin = headers.get('Origin')
        if site == 'same-origin' or site == 'none' or \
                site == 'same-site' and self.allow_subdomains:
            return True
        if origin is None:  # without either header: not a browser
            return not site
        origin = origin.lower().rstrip('/')
        allowed = self.cors and self.cors.allowed_origins
        if allowed and allowed != '*' and origin in allowed and \
                origin != 'null':
            return True
        if site:  # the browser said cross-site (or same-site): trust it
            return False
        # an older browser: Origin is [scheme]://host[:port], compared with
        # Host; the scheme only says which port is the default one
        scheme, _, host = origin.partition('://')
        if scheme != 'http' and scheme != 'https':
            return False
        for char in '/?#@\\':  # a path, userinfo: never what a browser sends
            if char in host:
                return False
        own = headers.get('Host', '').lower()
        port = ':443' if scheme == 'https' else ':80'
        if host.endswith(port):
            host = host[:-len(port)]
        if own.endswith(port):
            own = own[:-len(port)]
        if host and host == own:
            return True
        own = own.partition(':')[0]  # subdomains: ports aside, as same-site
        return bool(self.allow_subdomains) and \
            own[-1:] not in '0123456789[]' and \
            host.partition(':')[0].endswith('.' + own)

    def before_request(self, request):
        """Hook: refuse an unsafe request that ``is_trusted`` does not
        accept, unless its route is exempt, with ``HTTPException(403)``
        (the app's 403 error handler, if any, makes the response)."""
        if request.method in ('GET', 'HEAD', 'OPTIONS') or \
                self.is_trusted(request):
            return
        marks = self.marks
        # the route again, only for a refusal and only if routes are marked
        handler = request.app.find_route(request) if marks else None
        if marks.get(handler, self.protect_all):
            raise HTTPException(403)
