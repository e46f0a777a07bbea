"""Tests of ``microdot_session``: the seed's login app, cookie flags,
tampered and expired tokens, and the missing-secret error.

``SessionContract`` talks to apps only through ``make_app()``,
``make_client(app)`` and ``resolve(value)``, so an asyncio binding can reuse
it by overriding those three. It is bound twice here: to our own HS256 codec
(everywhere, MicroPython included) and to PyJWT (CPython with PyJWT).
Portable: runs under tests/mp_runner.py.
"""
import json
import unittest

import _microdot_jwt
import microdot_session
from microdot import Microdot, Request, NoCaseDict, redirect
from microdot_session import set_session_secret_key, get_session, \
    update_session, delete_session, with_session, SessionSettings, \
    encode_token, decode_token
import microdot_test_client
from _microdot_jwt import b64url_decode, b64url_encode
from test_jwt import bad_tokens, signed, segment, KEY

try:
    import time
except ImportError:  # pragma: no cover
    import utime as time

try:
    import warnings
except ImportError:  # MicroPython
    warnings = None

_SETTINGS = ('cookie_name', 'path', 'domain', 'same_site', 'secure',
             'max_age')


def add_seed_routes(app):
    """The seed's session example, verbatim but for the app creation."""
    @app.route('/', methods=['GET', 'POST'])
    @with_session
    def index(req, session):
        username = session.get('username')
        if req.method == 'POST':
            username = req.form.get('username')
            update_session(req, {'username': username})
            return redirect('/')
        if username is None:
            return 'Not logged in'
        else:
            return 'Logged in as ' + username

    @app.post('/logout')
    def logout(req):
        delete_session(req)
        return redirect('/')


def add_async_seed_routes(app):
    """The seed's session example with ``async def`` handlers."""
    @app.route('/', methods=['GET', 'POST'])
    @with_session
    async def index(req, session):
        username = session.get('username')
        if req.method == 'POST':
            username = req.form.get('username')
            update_session(req, {'username': username})
            return redirect('/')
        if username is None:
            return 'Not logged in'
        else:
            return 'Logged in as ' + username

    @app.post('/logout')
    async def logout(req):
        delete_session(req)
        return redirect('/')


def cookie_parts(line):
    """Split a Set-Cookie line into (name, value, {attribute: value})."""
    parts = [part.strip() for part in line.split(';')]
    name, _, value = parts[0].partition('=')
    attributes = {}
    for part in parts[1:]:
        attribute, _, text = part.partition('=')
        attributes[attribute.lower()] = text if '=' in part else True
    return name, value, attributes


def token_payload(token):
    return json.loads(b64url_decode(token.split('.')[1]).decode())


def session_token(session):
    """The token of the cookie that ``update_session(req, session)`` sets."""
    app = Microdot()

    @app.route('/')
    def index(req):
        update_session(req, session)
        return ''

    res = microdot_test_client.TestClient(app).get('/')
    return cookie_parts(res.headers['Set-Cookie'][0])[1]


def session_of(token):
    """What ``get_session`` reads from a request carrying ``token``."""
    return get_session(Request(Microdot(), ('127.0.0.1', 1), 'GET', '/',
                               '1.1', NoCaseDict({'Cookie': 'session=' +
                                                  token})))


FORM = {'Content-Type': 'application/x-www-form-urlencoded'}


class SessionContract:
    """Behaviour tests of sessions, independent of the client kind."""
    use_pyjwt = False

    def make_app(self):
        return Microdot()

    def make_client(self, app, cookies=None):
        return microdot_test_client.TestClient(app, cookies=cookies)

    def resolve(self, value):
        return value

    def add_routes(self, app):
        add_seed_routes(app)

    def setUp(self):
        if self.use_pyjwt and microdot_session._codec is _microdot_jwt:
            self.skipTest('PyJWT is not installed (CPython only)')
        saved = [(name, getattr(SessionSettings, name)) for name in _SETTINGS]
        saved_backend = microdot_session._codec
        if not self.use_pyjwt:
            microdot_session._codec = _microdot_jwt
        self.addCleanup(self._restore, saved, saved_backend)
        if warnings is not None:
            catcher = warnings.catch_warnings()
            catcher.__enter__()
            self.addCleanup(catcher.__exit__, None, None, None)
            warnings.simplefilter('ignore')  # PyJWT: the seed's short key
        set_session_secret_key(KEY)
        self.app = self.make_app()
        self.add_routes(self.app)

    def _restore(self, saved, backend):
        for name, value in saved:
            setattr(SessionSettings, name, value)
        microdot_session._codec = backend
        set_session_secret_key(None)

    def get(self, client, path, headers=None):
        return self.resolve(client.get(path, headers=headers))

    def post(self, client, path, body=None, headers=None):
        return self.resolve(client.post(path, headers=headers, body=body))

    def login(self, client, username='susan'):
        return self.post(client, '/', 'username=' + username, FORM)

    def set_cookie_line(self, res):
        lines = res.headers.get('Set-Cookie', [])
        self.assertEqual(len(lines), 1)
        return lines[0]

    def assert_not_logged_in(self, token):
        client = self.make_client(self.app, {'session': token})
        res = self.get(client, '/')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'Not logged in')

    def test_seed_round_trip(self):
        client = self.make_client(self.app)
        self.assertEqual(self.get(client, '/').text, 'Not logged in')
        res = self.login(client)
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'], '/')
        self.assertIn('session', client.cookies)
        self.assertEqual(self.get(client, '/').text, 'Logged in as susan')
        res = self.post(client, '/logout')
        self.assertEqual(res.status_code, 302)
        self.assertNotIn('session', client.cookies)
        self.assertEqual(self.get(client, '/').text, 'Not logged in')

    def test_reading_sets_no_cookie(self):
        client = self.make_client(self.app)
        self.login(client)
        self.assertNotIn('Set-Cookie', self.get(client, '/').headers)

    def test_default_cookie_flags(self):
        name, value, attributes = cookie_parts(self.set_cookie_line(
            self.login(self.make_client(self.app))))
        self.assertEqual(name, 'session')
        self.assertEqual(token_payload(value), {'username': 'susan'})
        self.assertIs(attributes.get('httponly'), True)
        self.assertEqual(attributes.get('path'), '/')
        self.assertEqual(attributes.get('samesite'), 'Lax')
        for absent in ('secure', 'max-age', 'expires', 'domain'):
            self.assertNotIn(absent, attributes)

    def test_configured_cookie_flags(self):
        SessionSettings.secure = True
        SessionSettings.same_site = 'Strict'
        SessionSettings.path = '/app'
        SessionSettings.domain = 'example.com'
        SessionSettings.cookie_name = 'sid'
        name, _, attributes = cookie_parts(self.set_cookie_line(
            self.login(self.make_client(self.app))))
        self.assertEqual(name, 'sid')
        self.assertIs(attributes.get('secure'), True)
        self.assertIs(attributes.get('httponly'), True)
        self.assertEqual(attributes.get('samesite'), 'Strict')
        self.assertEqual(attributes.get('path'), '/app')
        self.assertEqual(attributes.get('domain'), 'example.com')

    def test_no_same_site(self):
        SessionSettings.same_site = None
        _, _, attributes = cookie_parts(self.set_cookie_line(
            self.login(self.make_client(self.app))))
        self.assertNotIn('samesite', attributes)

    def test_max_age_sets_cookie_and_exp_claim(self):
        SessionSettings.max_age = 600
        client = self.make_client(self.app)
        before = int(time.time())
        _, value, attributes = cookie_parts(self.set_cookie_line(
            self.login(client)))
        self.assertEqual(attributes.get('max-age'), '600')
        exp = token_payload(value)['exp']
        self.assertTrue(before + 600 <= exp <= int(time.time()) + 600)
        self.assertEqual(self.get(client, '/').text, 'Logged in as susan')

    def test_exp_claim_hidden_from_the_session(self):
        SessionSettings.max_age = 600
        app = self.make_app()

        @app.route('/keys')
        @with_session
        def keys(req, session):
            return ','.join(sorted(session.keys()))

        client = self.make_client(app, {'session': signed(
            {'alg': 'HS256'}, {'a': 1, 'exp': int(time.time()) + 60})})
        self.assertEqual(self.get(client, '/keys').text, 'a')

    def test_logout_cookie_flags(self):
        client = self.make_client(self.app)
        self.login(client)
        name, value, attributes = cookie_parts(self.set_cookie_line(
            self.post(client, '/logout')))
        self.assertEqual(name, 'session')
        self.assertEqual(value, '')
        self.assertEqual(attributes.get('max-age'), '0')
        self.assertEqual(attributes.get('path'), '/')
        self.assertIn('1970', attributes.get('expires'))

    def test_every_bad_token_gives_empty_session(self):
        for label, token in bad_tokens():
            if ';' in token or ' ' in token:
                continue  # not a cookie value a browser would send
            self.assert_not_logged_in(token)

    def test_tampered_username(self):
        client = self.make_client(self.app)
        self.login(client)
        header, _, signature = client.cookies['session'].split('.')
        self.assert_not_logged_in(header + '.' + segment(
            {'username': 'admin'}) + '.' + signature)

    def test_token_signed_with_another_key(self):
        client = self.make_client(self.app)
        self.login(client)
        token = client.cookies['session']
        set_session_secret_key('another key, also 32 bytes long!')
        self.assert_not_logged_in(token)

    def test_expired_token(self):
        self.assert_not_logged_in(signed(
            {'alg': 'HS256', 'typ': 'JWT'},
            {'username': 'susan', 'exp': int(time.time()) - 10}))

    def test_valid_hand_made_token_accepted(self):
        client = self.make_client(self.app, {'session': signed(
            {'alg': 'HS256', 'typ': 'JWT'},
            {'username': 'lee', 'exp': int(time.time()) + 60})})
        self.assertEqual(self.get(client, '/').text, 'Logged in as lee')

    def test_alg_none_token(self):
        self.assert_not_logged_in(
            segment({'alg': 'none', 'typ': 'JWT'}) + '.' +
            segment({'username': 'susan'}) + '.')

    def test_no_secret_key(self):
        set_session_secret_key(None)
        req = self.make_request('session=x')
        try:
            get_session(req)
        except ValueError as exc:  # as 1.x
            self.assertIn('set_session_secret_key', str(exc))
        else:
            self.fail('no ValueError')
        self.assertRaises(ValueError, update_session, req, {'a': 1})
        self.assertRaises(ValueError, delete_session, req)
        self.assertEqual(self.get(self.make_client(self.app), '/').status_code,
                         500)

    def test_empty_secret_key_rejected(self):
        self.assertRaises(ValueError, set_session_secret_key, '')
        self.assertRaises(ValueError, set_session_secret_key, b'')

    def test_bytes_secret_key(self):
        set_session_secret_key(b'\x00\x01' * 20)
        client = self.make_client(self.app)
        self.login(client)
        self.assertEqual(self.get(client, '/').text, 'Logged in as susan')

    def make_request(self, cookie=None):
        headers = NoCaseDict({'Cookie': cookie} if cookie else {})
        return Request(self.app, ('127.0.0.1', 1), 'GET', '/', '1.1',
                       headers)

    def test_get_session_is_cached_on_the_request(self):
        req = self.make_request('session=' + signed({'alg': 'HS256'},
                                                    {'a': 1}))
        session = get_session(req)
        self.assertEqual(session, {'a': 1})
        self.assertIs(get_session(req), session)
        self.assertIs(req.g._session, session)

    def test_update_then_get_returns_new_session(self):
        req = self.make_request()
        update_session(req, {'b': 2})
        self.assertEqual(get_session(req), {'b': 2})
        delete_session(req)
        self.assertEqual(get_session(req), {})
        self.assertEqual(len(req.after_request_handlers), 1)

    def test_last_of_update_and_delete_wins(self):
        app = self.make_app()

        @app.route('/update-delete')
        def update_delete(req):
            update_session(req, {'a': 1})
            delete_session(req)
            return 'ok'

        @app.route('/delete-update')
        def delete_update(req):
            delete_session(req)
            update_session(req, {'a': 2})
            return 'ok'

        client = self.make_client(app)
        line = self.set_cookie_line(self.get(client, '/update-delete'))
        self.assertEqual(cookie_parts(line)[2].get('max-age'), '0')
        line = self.set_cookie_line(self.get(client, '/delete-update'))
        self.assertEqual(token_payload(cookie_parts(line)[1]), {'a': 2})

    def test_with_session_passes_url_arguments(self):
        app = self.make_app()

        @app.route('/items/<int:number>')
        @with_session
        def item(req, session, number):
            return '{} {}'.format(session.get('user'), number + 1)

        client = self.make_client(app, {'session': signed(
            {'alg': 'HS256'}, {'user': 'ann'})})
        self.assertEqual(self.get(client, '/items/41').text, 'ann 42')

    def test_registered_claim_names_are_plain_keys(self):
        data = {'aud': 'x', 'iss': 1, 'sub': 5, 'jti': 7, 'iat': 'now'}
        app = self.make_app()

        @app.route('/set')
        def set_claims(req):
            update_session(req, data)
            return 'ok'

        @app.route('/get')
        @with_session
        def get_claims(req, session):
            return session

        client = self.make_client(app)
        self.get(client, '/set')
        self.assertEqual(self.get(client, '/get').json, data)

    def test_encode_token_round_trip(self):
        token = encode_token({'user': 'lee', 'n': [1, 2]})
        self.assertEqual(decode_token(token), {'user': 'lee', 'n': [1, 2]})
        # the session cookie is such a token
        client = self.make_client(self.app, {'session': encode_token(
            {'username': 'ann'})})
        self.assertEqual(self.get(client, '/').text, 'Logged in as ann')

    def test_decode_token_refuses_bad_tokens(self):
        good = encode_token({'a': 1})
        tampered = good[:-2] + ('A' if good[-2] != 'A' else 'B') + good[-1]
        expired = encode_token({'a': 1, 'exp': int(time.time()) - 10})
        for token in (tampered, expired, 'x', '', good + '.x',
                      segment({'alg': 'none'}) + '.' + segment({}) + '.'):
            with self.assertRaises(ValueError):
                decode_token(token)
        set_session_secret_key('another key, also 32 bytes long!')
        with self.assertRaises(ValueError):
            decode_token(good)

    def test_tokens_need_a_key(self):
        set_session_secret_key(None)
        with self.assertRaises(ValueError):
            encode_token({'a': 1})
        with self.assertRaises(ValueError):
            decode_token('a.b.c')

    def test_non_ascii_session_values(self):
        app = self.make_app()

        @app.route('/set')
        def set_name(req):
            update_session(req, {'name': 'Jos\u00e9 \u2603'})
            return 'ok'

        @app.route('/get')
        @with_session
        def get_name(req, session):
            return session['name']

        client = self.make_client(app)
        self.get(client, '/set')
        self.assertEqual(self.get(client, '/get').text, 'Jos\u00e9 \u2603')


class TestSessionOwnJWT(SessionContract, unittest.TestCase):
    use_pyjwt = False


class TestSessionPyJWT(SessionContract, unittest.TestCase):
    use_pyjwt = True


class TestSessionAsyncClient(SessionContract, unittest.TestCase):
    """The contract over microdot_asyncio, seed handlers as coroutines."""

    def make_app(self):
        import microdot_asyncio
        return microdot_asyncio.Microdot()

    def make_client(self, app, cookies=None):
        import microdot_asyncio_test_client
        return microdot_asyncio_test_client.TestClient(app, cookies=cookies)

    def resolve(self, value):
        import asyncio
        return asyncio.run(value)

    def add_routes(self, app):
        add_async_seed_routes(app)


class TestWithSessionAsync(unittest.TestCase):
    def setUp(self):
        set_session_secret_key(KEY)
        self.addCleanup(set_session_secret_key, None)

    def test_coroutine_handler_is_returned_unawaited(self):
        import asyncio

        async def handler(req, session, name):
            return session.get('user') + ' ' + name

        token = signed({'alg': 'HS256'}, {'user': 'ann'})
        req = Request(Microdot(), ('127.0.0.1', 1), 'GET', '/', '1.1',
                      NoCaseDict({'Cookie': 'session=' + token}))
        result = with_session(handler)(req, name='x')
        self.assertIn(type(result).__name__, ('coroutine', 'generator'))
        self.assertEqual(asyncio.run(result), 'ann x')

    def test_token_is_url_and_cookie_safe(self):
        token = session_token({'a': '?&;= ,"'})
        for char in token:
            self.assertIn(char, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop'
                                'qrstuvwxyz0123456789-_.')
        self.assertEqual(b64url_encode(b64url_decode(token.split('.')[2])),
                         token.split('.')[2].encode())


@unittest.skipIf(microdot_session._codec is _microdot_jwt,
                 'PyJWT is not installed (CPython only)')
class TestCodecsAgree(unittest.TestCase):
    """A session cookie made through PyJWT equals our codec's, both ways."""

    def setUp(self):
        set_session_secret_key(KEY)
        self.addCleanup(set_session_secret_key, None)
        self.addCleanup(setattr, microdot_session, '_codec',
                        microdot_session._codec)

    def test_same_token_and_cross_decoding(self):
        payload = {'username': 'susan', 'sub': 5, 'exp': 4102444800}
        session = {'username': 'susan', 'sub': 5}  # exp: see max_age
        with_pyjwt = session_token(payload)
        pyjwt = microdot_session._codec
        microdot_session._codec = _microdot_jwt
        self.assertEqual(session_token(payload), with_pyjwt)
        self.assertEqual(token_payload(with_pyjwt), payload)
        self.assertEqual(session_of(with_pyjwt), session)
        microdot_session._codec = pyjwt
        self.assertEqual(session_of(session_token(payload)), session)
        self.assertEqual(session_of(with_pyjwt), session)
