"""HTTP authentication for Microdot routes: ``BasicAuth`` and ``TokenAuth``.

An auth object protects routes with ``@auth`` (or ``@auth.optional``) and
finds the user with the function registered by ``@auth.authenticate``. The
user it returns is in ``request.g.current_user``; ``None`` means the
credentials are wrong, and the route answers ``401`` with a
``WWW-Authenticate`` challenge (or what ``@auth.errorhandler`` returns).
Lookups, error handlers and routes may each be plain or ``async def``;
async ones need an app of ``microdot_asyncio`` (or ``microdot_asgi``).

Example::

    from microdot import Microdot
    from microdot_auth import BasicAuth

    app = Microdot()
    auth = BasicAuth()

    @auth.authenticate
    def check(request, username, password):
        if username == 'susan' and password == 'hello':
            return {'name': username}

    @app.route('/')
    @auth
    def index(request):
        return 'Hello, ' + request.g.current_user['name']
"""
from binascii import a2b_base64, b2a_base64
from _microdot_run_for import run_for


class _Auth:
    # what BasicAuth and TokenAuth share: the decorators and the flow

    def __init__(self, scheme, error_status):
        self.scheme = scheme
        self.error_status = error_status
        self.lookup = self.error_handler = None

    def authenticate(self, f):
        """Decorator that registers the function that finds the user.

        It gets the request and the credentials (see the class) and returns
        the user (any object but None) or None when they are wrong.
        """
        self.lookup = f
        return f

    def errorhandler(self, f):
        """Decorator that registers ``f(request)``, whose return value
        answers a request that failed authentication (instead of the
        default ``401`` with ``WWW-Authenticate``)."""
        self.error_handler = f
        return f

    def __call__(self, f, optional=False):
        """Decorator that lets only authenticated requests into a route."""
        def handler(req, *args, **kwargs):
            return run_for(req, self._flow(req, f, optional, args, kwargs))
        return handler

    def optional(self, f):
        """Decorator for a route that also serves anonymous requests: a
        request without valid credentials gets ``current_user`` None."""
        return self(f, True)

    def _flow(self, req, f, optional, args, kwargs):
        # a generator of calls (see run_sync): lookup, then the route or
        # the error answer; malformed credentials never reach the lookup
        user = None
        credentials = self.credentials(req)
        if credentials is not None:
            user = yield self.lookup, (req,) + credentials, {}
        req.g.current_user = user
        if user is None and not optional:
            if self.error_handler is not None:
                return (yield self.error_handler, (req,), {})
            headers = {}
            if self.error_status == 401:
                headers['WWW-Authenticate'] = self.challenge()
            return 'Unauthorized', self.error_status, headers
        return (yield f, (req,) + args, kwargs)

    def _value(self, req, header):
        # the credentials after the scheme in header, or None
        value = req.headers.get(header)
        if value is None:
            return None
        scheme, sep, value = value.strip().partition(' ')
        if self.scheme is None:
            value = scheme + sep + value
        elif not sep or scheme.lower() != self.scheme.lower():
            return None
        return value.strip() or None


class BasicAuth(_Auth):
    """HTTP Basic authentication (RFC 7617): the lookup is called as
    ``lookup(request, username, password)``.

    :param realm: the realm named in the ``WWW-Authenticate`` challenge.
    :param charset: the charset of the credentials, sent in the challenge
        (None: not sent). MicroPython decodes UTF-8 only.
    :param scheme: the scheme expected in ``Authorization``.
    :param error_status: the status of a refused request (a 401 also gets
        ``WWW-Authenticate``).

    Credentials that are not base64, have no colon or do not decode with
    ``charset`` are refused without calling the lookup.
    """

    def __init__(self, realm='Please login', charset='UTF-8', scheme='Basic',
                 error_status=401):
        _Auth.__init__(self, scheme, error_status)
        self.realm = realm
        self.charset = charset

    def challenge(self):
        """The ``WWW-Authenticate`` value of a refused request."""
        # realm as an RFC 9110 quoted-string
        text = '%s realm="%s"' % (self.scheme, self.realm.replace(
            '\\', '\\\\').replace('"', '\\"'))
        if self.charset:
            text += ', charset="%s"' % self.charset
        return text

    def credentials(self, req):
        """``(username, password)`` from the request, or None."""
        value = self._value(req, 'Authorization')
        if value is None:
            return None
        try:
            value = value.encode()
            data = a2b_base64(value)
            # a2b_base64 skips stray characters: only canonical base64
            if b2a_base64(data)[:-1] != value:
                return None
            username, colon, password = data.decode(
                self.charset or 'utf-8').partition(':')
        except ValueError:  # UnicodeError and binascii.Error included
            return None
        return (username, password) if colon else None


class TokenAuth(_Auth):
    """Token authentication, such as OAuth 2.0 bearer tokens (RFC 6750):
    the lookup is called as ``lookup(request, token)``.

    :param header: the request header that carries the token.
    :param scheme: the scheme before the token in ``header``; None: the
        whole value of ``header`` is the token (as in ``X-API-Key: abc``).
    :param error_status: the status of a refused request (a 401 also gets
        ``WWW-Authenticate``: the scheme, or the header name if None).
    """

    def __init__(self, header='Authorization', scheme='Bearer',
                 error_status=401):
        _Auth.__init__(self, scheme, error_status)
        self.header = header

    def challenge(self):
        """The ``WWW-Authenticate`` value of a refused request."""
        return self.scheme or self.header

    def credentials(self, req):
        """``(token,)`` from the request, or None."""
        value = self._value(req, self.header)
        return None if value is None else (value,)

