"""Tests of ``microdot_login``: login and logout, the redirect to the login
page and back to a local ``next`` only, the session id rotated at login,
"remember me" and fresh logins, and forged or stale cookies.

``LoginContract`` is bound to the sync test client, and to the asyncio
test client with an ``async def`` user loader and routes. The same over
real sockets: ``tests/e2e/test_e2e_auth.py`` (its login part).

Portable: runs under pytest and under tests/mp_runner.py on MicroPython.
"""
import unittest

import _microdot_jwt
import microdot_session
from microdot_session import set_session_secret_key, get_session, \
    update_session, SessionSettings
from microdot_login import Login, is_local
from test_session import cookie_parts, token_payload
from test_jwt import KEY, signed
from test_auth import SyncBinding, AsyncBinding

FORM = {'Content-Type': 'application/x-www-form-urlencoded'}


class User:
    def __init__(self, id, name):
        self.id = id
        self.name = name


USERS = {7: User(7, 'susan'), 8: User(8, 'david')}

# next arguments that must never become the redirect after login
NOT_LOCAL = ['https://evil.example/', '//evil.example', '///evil.example',
             '/\\evil.example', '\\\\evil.example', '/\t/evil.example',
             '/\n/evil.example', 'javascript:alert(1)', 'evil.example',
             '', ' /x', '/x\r\nSet-Cookie: a=b', '/x\x00', '/x\x7f',
             'http:/evil.example']


class LoginContract(SyncBinding):
    """Bound below (see ``test_auth.SyncBinding``); ``use_async`` makes the
    loader and the routes ``async def``."""
    use_async = False

    def setUp(self):
        saved_codec = microdot_session._codec
        microdot_session._codec = _microdot_jwt
        self.addCleanup(self._restore, saved_codec, SessionSettings.max_age)
        set_session_secret_key(KEY)
        self.loaded = []
        self.login = Login()
        self.app = self.make_app(self.login)

    def _restore(self, codec, max_age):
        microdot_session._codec = codec
        SessionSettings.max_age = max_age
        set_session_secret_key(None)

    def wrap(self, f):
        """``f`` as a plain or an ``async def`` function, by binding."""
        if not self.use_async:
            return f

        async def wrapped(*args, **kwargs):
            return f(*args, **kwargs)
        return wrapped

    def make_app(self, login):
        app = self.modules[0].Microdot()

        def load_user(user_id):
            self.loaded.append(user_id)
            return USERS.get(user_id)
        login.user_loader(self.wrap(load_user))

        def do_login(req):
            user = USERS[int(req.form['id'])]
            return login.login_user(req, user,
                                    remember='remember' in req.form)
        app.post('/login')(self.wrap(do_login))
        app.route('/login')(lambda req: 'the login page')

        def do_logout(req):
            login.logout_user(req)
            return 'bye'
        app.post('/logout')(self.wrap(do_logout))
        app.route('/')(login(self.wrap(
            lambda req: 'Hello, ' + req.g.current_user.name)))
        app.route('/items/<int:n>')(login(self.wrap(
            lambda req, n: {'n': n, 'q': req.args.get('q')})))
        app.route('/fresh')(login.fresh(self.wrap(lambda req: 'fresh')))

        def session(req):
            return get_session(req)
        app.route('/session')(session)

        def keep(req):
            update_session(req, {'cart': [1, 2]})
            return 'kept'
        app.route('/cart')(keep)
        return app

    def client(self, cookies=None):
        return self.modules[1].TestClient(self.app, cookies=cookies)

    def get(self, client, path):
        return self.resolve(client.get(path))

    def post(self, client, path, body=''):
        return self.resolve(client.post(path, headers=FORM, body=body))

    def logged_in_client(self, body='id=7'):
        client = self.client()
        res = self.post(client, '/login', body)
        self.assertEqual(res.status_code, 302)
        return client

    def assert_sent_to_login(self, res, next_url):
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'], '/login?next=' + next_url)

    # -- login, logout, the redirect ----------------------------------------

    def test_not_logged_in_goes_to_the_login_page(self):
        client = self.client()
        self.assert_sent_to_login(self.get(client, '/'), '%2F')
        self.assert_sent_to_login(self.get(client, '/items/3?q=a+b'),
                                  '%2Fitems%2F3%3Fq%3Da%2Bb')
        self.assertEqual(self.loaded, [])

    def test_login_then_protected_page(self):
        client = self.logged_in_client()
        self.assertEqual(self.get(client, '/').text, 'Hello, susan')
        self.assertEqual(self.get(client, '/items/3?q=x').json,
                         {'n': 3, 'q': 'x'})
        self.assertEqual(self.loaded, [7, 7])

    def test_login_redirects_to_a_local_next(self):
        client = self.client()
        res = self.post(client, '/login?next=%2Fitems%2F3%3Fq%3Dx', 'id=7')
        self.assertEqual(res.headers['Location'], '/items/3?q=x')
        res = self.post(client, '/login', 'id=7')
        self.assertEqual(res.headers['Location'], '/')

    def test_login_never_redirects_to_another_site(self):
        from microdot import urlencode
        client = self.client()
        for url in NOT_LOCAL:
            res = self.post(client, '/login?next=' + urlencode(url), 'id=7')
            self.assertEqual(res.headers['Location'], '/', repr(url))

    def test_is_local(self):
        for url in NOT_LOCAL + [None]:
            self.assertFalse(is_local(url), repr(url))
        for url in ('/', '/a/b?c=d#e', '/%2F%2Fx', '/caf\u00e9'):
            self.assertTrue(is_local(url), url)

    def test_custom_redirect_url_and_login_url(self):
        login = Login(login_url='/sign-in')
        self.app = app = self.make_app(login)
        app.post('/in')(lambda req: login.login_user(
            req, USERS[8], redirect_url='/home'))
        client = self.client()
        res = self.get(client, '/')
        self.assertEqual(res.headers['Location'], '/sign-in?next=%2F')
        self.assertEqual(self.post(client, '/in').headers['Location'],
                         '/home')
        self.assertEqual(self.get(client, '/').text, 'Hello, david')

    def test_login_url_with_a_query(self):
        self.app = self.make_app(Login(login_url='/login?lang=fr'))
        self.assertEqual(self.get(self.client(), '/').headers['Location'],
                         '/login?lang=fr&next=%2F')

    def test_logout(self):
        client = self.logged_in_client()
        self.get(client, '/cart')
        self.assertEqual(self.post(client, '/logout').text, 'bye')
        self.assert_sent_to_login(self.get(client, '/'), '%2F')
        self.assertEqual(self.get(client, '/session').json, {'cart': [1, 2]})

    def test_user_gone_is_not_logged_in(self):
        client = self.logged_in_client()
        user = USERS.pop(7)
        self.addCleanup(USERS.__setitem__, 7, user)
        self.assert_sent_to_login(self.get(client, '/'), '%2F')

    def test_user_as_its_own_id(self):
        login = Login()
        self.app = app = self.make_app(login)
        login.user_loader(lambda user_id: User(None, user_id.upper()))
        app.post('/as')(lambda req: login.login_user(req, 'lee'))
        client = self.client()
        self.post(client, '/as')
        self.assertEqual(self.get(client, '/').text, 'Hello, LEE')
        self.assertEqual(self.get(client, '/session').json['_user_id'],
                         'lee')

    # -- the session id, forged and stale sessions --------------------------

    def test_session_id_rotated_at_login(self):
        client = self.client({'session': signed(
            {'alg': 'HS256'}, {'_id': 'planted', 'cart': [3]})})
        before = client.cookies['session']
        self.post(client, '/login', 'id=7')
        session = token_payload(client.cookies['session'])
        self.assertNotEqual(client.cookies['session'], before)
        self.assertNotEqual(session['_id'], 'planted')
        self.assertEqual(len(session['_id']), 24)
        self.assertEqual(session['cart'], [3])
        first = session['_id']
        self.post(client, '/login', 'id=7')
        self.assertNotEqual(token_payload(client.cookies['session'])['_id'],
                            first)

    def test_forged_session_is_not_logged_in(self):
        client = self.logged_in_client()
        header, _, signature = client.cookies['session'].split('.')
        forged = header + '.' + signed({'alg': 'HS256'}, {
            '_user_id': 8, '_fresh': True}).split('.')[1] + '.' + signature
        client = self.client({'session': forged})
        self.assert_sent_to_login(self.get(client, '/'), '%2F')

    # -- remember me and fresh logins ---------------------------------------

    def test_login_without_remember_sets_no_remember_cookie(self):
        client = self.client()
        res = self.post(client, '/login', 'id=7')
        self.assertNotIn('remember', client.cookies)
        self.assertEqual(len(res.headers['Set-Cookie']), 1)

    def test_remember_me_outlives_the_browser_session(self):
        client = self.logged_in_client('id=7&remember=1')
        remember = client.cookies['remember']
        lines = [cookie_parts(line) for line in
                 self.post(client, '/login', 'id=7&remember=1')
                 .headers['Set-Cookie']]
        attributes = [a for name, _, a in lines if name == 'remember'][0]
        self.assertEqual(attributes['max-age'], str(Login.remember_max_age))
        self.assertIs(attributes.get('httponly'), True)
        self.assertEqual(token_payload(remember)['user_id'], 7)
        self.assertEqual(token_payload(remember)['use'], 'remember')
        # the browser is closed: the session cookie is gone
        client = self.client({'remember': remember})
        res = self.get(client, '/')
        self.assertEqual(res.text, 'Hello, susan')
        session = token_payload(client.cookies['session'])
        self.assertEqual(session['_user_id'], 7)
        self.assertIs(session['_fresh'], False)
        self.assertEqual(self.get(client, '/').text, 'Hello, susan')

    def test_fresh_login_needed(self):
        client = self.logged_in_client('id=7&remember=1')
        self.assertEqual(self.get(client, '/fresh').text, 'fresh')
        client = self.client({'remember': client.cookies['remember']})
        self.assertEqual(self.get(client, '/').status_code, 200)
        self.assert_sent_to_login(self.get(client, '/fresh'), '%2Ffresh')
        self.post(client, '/login', 'id=7')
        self.assertEqual(self.get(client, '/fresh').text, 'fresh')
        self.assertNotIn('remember', client.cookies)  # a new login

    def test_fresh_needs_a_login_too(self):
        self.assert_sent_to_login(self.get(self.client(), '/fresh'),
                                  '%2Ffresh')

    def test_logout_deletes_the_remember_cookie(self):
        client = self.logged_in_client('id=7&remember=1')
        self.post(client, '/logout')
        self.assertNotIn('remember', client.cookies)
        self.assert_sent_to_login(self.get(client, '/'), '%2F')

    def test_bad_remember_cookies(self):
        for token in ('x', signed({'alg': 'HS256'}, {'user_id': 7,
                                                     'exp': 1}),
                      signed({'alg': 'HS256'}, {'id': 7}),
                      signed({'alg': 'HS256'}, {'use': 'remember'}),
                      signed({'alg': 'none'}, {'user_id': 7,
                                               'use': 'remember'}),
                      # signed with the key, but made for something else
                      signed({'alg': 'HS256'}, {'user_id': 8}),
                      signed({'alg': 'HS256'}, {'user_id': 8,
                                                'use': 'invite'}),
                      signed({'alg': 'HS256'}, [8, 'remember'])):
            client = self.client({'remember': token})
            self.assert_sent_to_login(self.get(client, '/'), '%2F')
        client = self.client({'remember': signed(
            {'alg': 'HS256'}, {'user_id': 8, 'use': 'remember'})})
        self.assertEqual(self.get(client, '/').text, 'Hello, david')

    def test_remember_cookie_of_a_removed_user_logs_nobody_in(self):
        client = self.client({'remember': signed(
            {'alg': 'HS256'}, {'user_id': 9, 'use': 'remember'})})
        self.assert_sent_to_login(self.get(client, '/'), '%2F')
        self.assertEqual(self.loaded, [9])
        session = client.cookies.get('session')
        self.assertTrue(session is None or
                        '_user_id' not in token_payload(session))


class TestLoginSync(LoginContract, unittest.TestCase):
    pass


class TestLoginAsync(AsyncBinding, LoginContract, unittest.TestCase):
    use_async = True
