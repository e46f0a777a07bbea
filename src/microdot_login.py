"""Session-based login for Microdot, on top of ``microdot_session``.

The logged-in user's id is kept in the session cookie. ``@login`` lets only
logged-in users into a route and sends the others to the login page with a
``next`` argument; the login handler calls ``login_user``, which redirects
back to that ``next`` (local URLs only). ``remember=True`` also sets a
signed "remember me" cookie that logs the user in again after the browser
session ends; such a login is not *fresh* (see ``@login.fresh``).

Example::

    from microdot import Microdot
    from microdot_session import set_session_secret_key
    from microdot_login import Login

    app = Microdot()
    set_session_secret_key('a long random string, kept secret')
    login = Login()

    @login.user_loader
    def load_user(user_id):
        return USERS.get(user_id)

    @app.post('/login')
    def do_login(request):
        user = check_password(request.form)
        if user is None:
            return redirect('/login')
        return login.login_user(request, user)

    @app.route('/')
    @login
    def index(request):
        return 'Hello, ' + request.g.current_user.name
"""
from microdot import redirect
from microdot_session import get_session, update_session, SessionSettings, \
    encode_token, decode_token
from _microdot_run_for import run_for


class Login:
    """Session-based login.

    :param login_url: where ``@login`` sends users who are not logged in,
        with the URL they asked for as the ``next`` query argument.

    A user is an object with an ``id`` attribute, or else its own id; ids
    are stored in the session, so they must be JSON-serializable (str or
    int).
    """
    #: Name of the "remember me" cookie.
    remember_cookie = 'remember'
    #: Seconds a "remember me" login lasts.
    remember_max_age = 30 * 24 * 3600

    def __init__(self, login_url='/login'):
        self.login_url = login_url
        self.loader = None

    def user_loader(self, f):
        """Decorator that registers ``f(user_id)``, which returns the user
        with that id, or None if there is none (the login is then void).
        It may be ``async def`` on an app of ``microdot_asyncio``."""
        self.loader = f
        return f

    def login_user(self, request, user, remember=False, redirect_url='/'):
        """Log ``user`` in and return the redirect that ends the login: to
        the request's ``next`` argument if it is a local URL, else to
        ``redirect_url``.

        The session gets a new random id (the session id is rotated) and
        the login is fresh. ``remember=True`` also sets the "remember me"
        cookie, for ``remember_max_age`` seconds.
        """
        user_id = getattr(user, 'id', user)
        self._start(request, user_id, True)
        request.g._remember = _encode(user_id, self.remember_max_age) \
            if remember else ''
        if remember or self.remember_cookie in request.cookies:
            request.after_request(self._remember)
        next_url = request.args.get('next')
        return redirect(next_url if is_local(next_url) else redirect_url)

    def logout_user(self, request):
        """Log the user out: the login is removed from the session (its
        other keys stay) and the "remember me" cookie is deleted."""
        session = get_session(request)
        for key in ('_user_id', '_fresh', '_id'):
            session.pop(key, None)
        update_session(request, session)
        request.g._remember = ''
        request.after_request(self._remember)
        request.g.current_user = None

    def __call__(self, f, fresh=False):
        """Decorator for routes that need a logged-in user, who is in
        ``request.g.current_user``; others are redirected to the login
        page."""
        def handler(req, *args, **kwargs):
            return run_for(req, self._flow(req, f, fresh, args, kwargs))
        return handler

    def fresh(self, f):
        """Decorator for routes that need a fresh login: one made by
        ``login_user`` in this browser session, not restored from the
        "remember me" cookie. Others are sent to log in again."""
        return self(f, True)

    def _start(self, req, user_id, fresh):
        # a logged-in session with a new random id
        session = get_session(req)
        session.update(_user_id=user_id, _fresh=fresh, _id=_random_id())
        update_session(req, session)

    def _flow(self, req, f, fresh, args, kwargs):
        # a generator of calls (see run_sync): the user, then the route
        session = get_session(req)
        user_id = session.get('_user_id')
        token = req.cookies.get(self.remember_cookie)
        remembered = user_id is None and token  # "remember me", if valid
        if remembered:
            try:
                payload = decode_token(token)
                if payload.get('use') == 'remember':  # no other token
                    user_id = payload['user_id']
            except (ValueError, TypeError, KeyError, AttributeError):
                pass
        user = None
        if user_id is not None:
            user = yield self.loader, (user_id,), {}
            if remembered and user is not None:  # a user that still exists
                self._start(req, user_id, False)
        req.g.current_user = user
        if user is None or fresh and not get_session(req).get('_fresh'):
            from _microdot_query import urlencode  # req.g loaded it
            url = self.login_url
            return redirect(url + ('&' if '?' in url else '?') + 'next=' +
                            urlencode(req.url))
        return (yield f, (req,) + args, kwargs)

    def _remember(self, req, res):
        # the after-request hook: set or delete the "remember me" cookie
        token = req.g._remember
        settings = SessionSettings
        if token:
            res.set_cookie(self.remember_cookie, token, path=settings.path,
                           domain=settings.domain,
                           max_age=self.remember_max_age,
                           secure=settings.secure, http_only=True,
                           same_site=settings.same_site)
        else:
            res.delete_cookie(self.remember_cookie, path=settings.path,
                              domain=settings.domain)
        return res


def is_local(url):
    """Whether ``url`` is a path on this site, safe to redirect to: it
    starts with one ``/`` and has no backslash, space or control character
    (browsers drop tabs and newlines, and read ``\\`` as ``/``)."""
    if not url or url[0] != '/' or url[1:2] == '/':
        return False
    for char in url:
        if char <= ' ' or char == '\\' or char == '\x7f':
            return False
    return True


def _encode(user_id, max_age):
    # the "remember me" token: signed as the session is, with an expiry
    import time
    return encode_token({'user_id': user_id, 'use': 'remember',
                         'exp': int(time.time()) + max_age})


def _random_id():
    import os
    try:
        data = os.urandom(12)
    except AttributeError:  # pragma: no cover - ports without urandom
        import random
        data = bytes(random.getrandbits(8) for _ in range(12))
    return ''.join('%02x' % byte for byte in data)
