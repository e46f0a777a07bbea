"""User sessions kept in a signed cookie (an HS256 JSON Web Token).

The session is a dict stored in the client's browser in a cookie named
``session``. It is signed, not encrypted: the client can read it but cannot
change it without the secret key. Works with every Microdot driver and with
sync and async handlers.

On CPython the token is made by PyJWT when it is installed
(``pip install "microdot[session]"``); otherwise, and always on MicroPython,
by the small HS256 codec in ``_microdot_jwt``. Both make identical tokens.

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
import json

try:
    import time
except ImportError:  # pragma: no cover
    import utime as time

import _microdot_jwt

try:
    import jwt as _pyjwt
    _pyjwt.api_jws.encode  # PyJWT, not another jwt module (micropython-lib)
except (ImportError, AttributeError):
    _pyjwt = None

if _pyjwt is None and _microdot_jwt.sha256 is None:  # pragma: no cover
    raise ImportError('microdot_session needs PyJWT (or hashlib.sha256): '
                      'pip install "microdot[session]"')

__all__ = ['set_session_secret_key', 'get_session', 'update_session',
           'delete_session', 'with_session', 'SessionSettings']

_secret_key = None
# PyJWT signs and verifies (its JWS layer); the claims are checked by
# _microdot_jwt on both paths, so a session may hold any key ('sub': 5...).
# RuntimeError: CPython's RecursionError on a deeply nested JSON header
_TOKEN_ERRORS = (ValueError, TypeError, RuntimeError) + (
    (_pyjwt.PyJWTError,) if _pyjwt is not None else ())


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
        raise ValueError('The session secret key must not be empty')
    _secret_key = key


def _key():
    if _secret_key is None:
        raise RuntimeError('No session secret key: call '
                           'microdot_session.set_session_secret_key(key) '
                           'before using sessions')
    return _secret_key


def _encode(payload):
    if _pyjwt is None:
        return _microdot_jwt.encode(payload, _key())
    body = json.dumps(payload, separators=(',', ':')).encode()
    token = _pyjwt.api_jws.encode(body, _key(), algorithm='HS256')
    return token.decode() if isinstance(token, bytes) else token


def _decode(token, key):
    # any failure means "no valid session": never an exception
    try:
        if _pyjwt is None:
            return _microdot_jwt.decode(token, key)
        body = _pyjwt.api_jws.decode(token, key, algorithms=['HS256'])
        return _microdot_jwt.check_claims(json.loads(body.decode()))
    except _TOKEN_ERRORS:
        return None


def get_session(req):
    """Return the session of this request as a dict (``{}`` if none).

    A missing, tampered, malformed or expired cookie gives an empty
    session. The result is cached for the rest of the request. Raises
    RuntimeError if no secret key was set.
    """
    key = _key()
    session = getattr(req.g, '_session', None)
    if session is None:
        session = {}
        token = req.cookies.get(SessionSettings.cookie_name)
        if token:
            session = _decode(token, key) or {}
            session.pop('exp', None)  # ours: see SessionSettings.max_age
        req.g._session = session
    return session


def _write_cookie(req, res):
    settings = SessionSettings
    if req.g._session_deleted:
        res.delete_cookie(settings.cookie_name, path=settings.path,
                          domain=settings.domain)
        return res
    payload = dict(req.g._session)
    if settings.max_age is not None:
        payload['exp'] = int(time.time()) + settings.max_age
    res.set_cookie(settings.cookie_name, _encode(payload),
                   path=settings.path, domain=settings.domain,
                   max_age=settings.max_age, secure=settings.secure,
                   http_only=True, same_site=settings.same_site)
    return res


def _schedule_cookie(req, session, deleted):
    _key()  # fail now, inside the handler, if there is no secret key
    if not hasattr(req.g, '_session_deleted'):
        req.after_request(_write_cookie)
    req.g._session = session
    req.g._session_deleted = deleted


def update_session(req, session):
    """Store ``session`` (a dict, JSON-serializable) as the new session.

    The cookie is written when the response is sent. The key ``exp`` is
    reserved for the expiry (see ``SessionSettings.max_age``).
    """
    _schedule_cookie(req, dict(session), False)


def delete_session(req):
    """Remove the session: the response tells the client to drop it."""
    _schedule_cookie(req, {}, True)


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
    def wrapper(req, *args, **kwargs):
        return f(req, get_session(req), *args, **kwargs)
    return wrapper
