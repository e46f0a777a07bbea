"""User sessions kept in a signed cookie (an HS256 JSON Web Token).

The session is a dict stored in the client's browser in a cookie named
``session``. It is signed, not encrypted: the client can read it but cannot
change it without the secret key. Works with every Microdot driver and with
sync and async handlers.

On CPython the token is made by PyJWT when it is installed
(``pip install "microdot[session]"``, see ``_microdot_pyjwt``); otherwise,
and always on MicroPython, by the small HS256 codec in ``_microdot_jwt``.
Both make identical tokens.

Example::

    from microdot_session import set_session_secret_key, with_session, \\
        update_session

    set_session_secret_key('a long random string, kept secret')

    @app.post('/login')
    @with_session
    def login(req, session):
        update_session(req, {'username': req.form.get('username')})
        return redirect('/')
"""
try:  # PyJWT makes the tokens where it is installed (CPython)...
    __import__('jwt').api_jws  # not micropython-lib's jwt: it has none
    import _microdot_pyjwt as _codec
except (ImportError, AttributeError):  # ...our own HS256 codec otherwise
    import _microdot_jwt as _codec

# No __all__: every module-level name but the API starts with "_" (the
# list would cost ~160 B of RAM on MicroPython).
_secret_key = None
_NO_KEY = 'No session secret key: call ' \
    'microdot_session.set_session_secret_key(key) first'


class SessionSettings:
    """Settings of the session cookie, as class attributes.

    Example::

        from microdot_session import SessionSettings

        SessionSettings.secure = True      # behind HTTPS only
        SessionSettings.max_age = 7 * 24 * 3600
    """
    #: Name of the cookie that carries the session token.
    cookie_name = 'session'
    #: Cookie ``Path``: the session is sent for every URL of the site.
    path = '/'
    #: Cookie ``Domain`` (None: only the host that set it).
    domain = None
    #: Cookie ``SameSite``: ``'Lax'``, ``'Strict'``, ``'None'`` or None.
    same_site = 'Lax'
    #: Cookie ``Secure``: only sent over HTTPS. Turn on when served by HTTPS.
    secure = False
    #: Seconds a session lasts after its last ``update_session``; it sets
    #: the cookie's ``Max-Age`` and the token's ``exp`` claim, checked on
    #: every request. None: a browser-session cookie and no ``exp`` claim.
    max_age = None


def set_session_secret_key(key):
    """Set the key (str or bytes) that signs and verifies session cookies.

    Keep it secret: whoever knows it can forge any session. Use at least
    32 random bytes (PyJWT warns about shorter keys). ``None`` unsets it.
    """
    global _secret_key
    if key is not None and not key:
        raise ValueError('empty key')
    _secret_key = key


def encode_token(payload):
    """Sign ``payload`` (a JSON-serializable dict) with the session key, as
    the session cookie is: an HS256 JSON Web Token. A claim ``exp`` (Unix
    time) makes it expire. For other signed values of an app ("remember
    me" cookies, links in e-mails). ValueError if no key was set.
    """
    if _secret_key is None:
        raise ValueError(_NO_KEY)
    return _codec.encode(payload, _secret_key)


def decode_token(token):
    """Return the payload of a token made by ``encode_token``.

    ValueError for a tampered, malformed or expired token, or when no key
    was set.
    """
    if _secret_key is None:
        raise ValueError(_NO_KEY)
    try:
        return _codec.decode(token, _secret_key)
    except TypeError:  # a payload that is no JSON object, say
        raise ValueError('Invalid token')


def get_session(req):
    """Return the session of this request as a dict (``{}`` if none).

    A missing, tampered, malformed or expired cookie gives an empty
    session. The result is cached for the rest of the request. Raises
    ValueError if no secret key was set.
    """
    if _secret_key is None:
        raise ValueError(_NO_KEY)
    g = req.g
    session = getattr(g, '_session', None)
    if session is None:
        session = {}
        token = req.cookies.get(SessionSettings.cookie_name)
        if token:
            try:
                session = decode_token(token)
            except ValueError:  # not a valid session: none
                pass
            session.pop('exp', None)  # ours: see SessionSettings.max_age
        g._session = session
    return session


def _write_cookie(req, res):
    # the after-request hook that update_session registers
    import time  # here: a module-level name would be exported (no __all__)
    settings = SessionSettings
    g = req.g
    if g._session_deleted:
        res.delete_cookie(settings.cookie_name, path=settings.path,
                          domain=settings.domain)
        return res
    session = dict(g._session)
    if settings.max_age is not None:
        session['exp'] = int(time.time()) + settings.max_age
    res.set_cookie(settings.cookie_name, encode_token(session),
                   path=settings.path, domain=settings.domain,
                   max_age=settings.max_age, secure=settings.secure,
                   http_only=True, same_site=settings.same_site)
    return res


def update_session(req, session):
    """Store ``session`` (a dict, JSON-serializable) as the new session.

    The cookie is written when the response is sent. The key ``exp`` is
    reserved for the expiry (see ``SessionSettings.max_age``).
    """
    if _secret_key is None:  # fail now, inside the handler
        raise ValueError(_NO_KEY)
    g = req.g
    if not hasattr(g, '_session_deleted'):
        req.after_request(_write_cookie)
    g._session = dict(session)
    g._session_deleted = False


def delete_session(req):
    """Remove the session: the response tells the client to drop it."""
    update_session(req, {})
    req.g._session_deleted = True


def with_session(f):
    """Decorator that passes the session to the handler as 2nd argument.

    Works for plain and ``async def`` handlers: the handler's result (a
    coroutine for the latter) is returned as is, for the server to await.

    Example::

        @app.route('/')
        @with_session
        def index(req, session):
            return 'Hello, ' + session.get('username', 'stranger')
    """
    def handler(req, *args, **kwargs):
        return f(req, get_session(req), *args, **kwargs)
    return handler
