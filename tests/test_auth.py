"""Tests of ``microdot_auth``: Basic and token authentication, optional
routes, custom errors, and hostile credentials (always a 401, never a 500,
and never a call to the lookup).

``AuthContract`` is bound to the sync test client with a sync lookup, and
to the asyncio test client with a sync and with an async lookup (and async
routes). The same over real sockets on every server kind:
``tests/e2e/test_e2e_auth.py``.

Portable: runs under pytest and under tests/mp_runner.py on MicroPython.
"""
import sys
import unittest
from binascii import b2a_base64

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
import microdot_asyncio
import microdot_test_client
import microdot_asyncio_test_client
from microdot_auth import BasicAuth, TokenAuth

USERS = {'susan': 'hello', 'jos\u00e9': 'p\u00e4ss', 'ann': 'a:b:c'}
TOKENS = {'t0ken': 'susan', 'other': 'ann'}


def basic(text):
    """The Authorization value for ``text`` (str or bytes)."""
    if isinstance(text, str):
        text = text.encode()
    return 'Basic ' + b2a_base64(text)[:-1].decode()


# Authorization values that must be refused before the lookup is called
HOSTILE_BASIC = [
    ('no colon', basic('susanhello')),
    ('not UTF-8', basic(b'\xff\xfe:hello')),
    ('latin-1 name', basic(b'jos\xe9:p\xe4ss')),
    ('not base64', 'Basic !!!!'),
    ('bad padding', 'Basic c3VzYW46aGVsbG8'),
    ('stray characters', 'Basic c3VzYW46aGVsbG8=!'),
    ('inner space', 'Basic c3VzYW46 aGVsbG8='),
    ('non-canonical bits', 'Basic c3VzYW46aGVsbG9='),
    ('no credentials', 'Basic'),
    ('blank credentials', 'Basic    '),
    ('other scheme', 'Bearer ' + basic('susan:hello')[6:]),
    ('no scheme', basic('susan:hello')[6:]),
    ('non-ASCII header', 'Basic c3VzYW46aGVsbG8=\u00e9'),
    ('empty', ''),
    ('long', 'Basic ' + 'A' * 1500),
]


class SyncBinding:
    """What a contract gets from its binding: ``modules``, the framework
    module and its test client module, and ``resolve``, which turns what
    the client returns into the response (also used by test_login)."""
    modules = (microdot, microdot_test_client)

    def resolve(self, value):
        return value


class AsyncBinding:
    """The binding to ``microdot_asyncio`` and its test client."""
    modules = (microdot_asyncio, microdot_asyncio_test_client)

    def resolve(self, value):
        return asyncio.run(value)


class AuthContract(SyncBinding):
    """Bound below; ``async_lookup`` wraps the lookups and routes in
    ``async def``."""
    async_lookup = False

    def setUp(self):
        self.calls = []

    def lookup(self, f):
        """``f`` as the lookup of this binding (sync or async), counted."""
        def counted(*args):
            self.calls.append(args[1:])
            return f(*args)
        if not self.async_lookup:
            return counted

        async def wrapped(*args):
            return counted(*args)
        return wrapped

    def route(self, app, path, decorator, f):
        """``f`` as a route of this binding (sync or async) decorated by
        ``decorator``."""
        if self.async_lookup:
            async def handler(req, *args, **kwargs):
                return f(req, *args, **kwargs)
            app.route(path)(decorator(handler))
        else:
            app.route(path)(decorator(f))

    def basic_app(self, auth=None):
        app = self.modules[0].Microdot()
        auth = auth or BasicAuth()
        auth.authenticate(self.lookup(
            lambda req, username, password: {'name': username}
            if USERS.get(username) == password else None))
        self.route(app, '/', auth, (
            lambda req: 'Hello, ' + req.g.current_user['name']))
        self.route(app, '/maybe', auth.optional, (
            lambda req: repr(req.g.current_user)))
        self.route(app, '/items/<int:n>', auth, (
            lambda req, n: {'n': n + 1, 'q': req.args.get('q')}))
        return app, auth

    def get(self, app, path='/', authorization=None, headers=None):
        headers = dict(headers or {})
        if authorization is not None:
            headers['Authorization'] = authorization
        client = self.modules[1].TestClient(app)
        return self.resolve(client.get(path, headers=headers))

    def assert_refused(self, res, challenge):
        self.assertEqual(res.status_code, 401)
        self.assertEqual(res.headers['WWW-Authenticate'], challenge)

    # -- BasicAuth ----------------------------------------------------------

    def test_basic_valid(self):
        app, _ = self.basic_app()
        res = self.get(app, '/', basic('susan:hello'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'Hello, susan')
        self.assertEqual(self.calls, [('susan', 'hello')])

    def test_basic_wrong_password(self):
        app, _ = self.basic_app()
        res = self.get(app, '/', basic('susan:nope'))
        self.assert_refused(res, 'Basic realm="Please login", '
                            'charset="UTF-8"')
        self.assertEqual(res.text, 'Unauthorized')
        self.assertEqual(self.calls, [('susan', 'nope')])

    def test_basic_missing_header(self):
        app, _ = self.basic_app()
        self.assertEqual(self.get(app).status_code, 401)
        self.assertEqual(self.calls, [])

    def test_basic_utf8_credentials(self):
        app, _ = self.basic_app()
        res = self.get(app, '/', basic('jos\u00e9:p\u00e4ss'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'Hello, jos\u00e9')

    def test_basic_password_with_colons(self):
        app, _ = self.basic_app()
        self.assertEqual(self.get(app, '/', basic('ann:a:b:c')).status_code,
                         200)
        self.assertEqual(self.calls, [('ann', 'a:b:c')])

    def test_basic_scheme_is_case_insensitive(self):
        app, _ = self.basic_app()
        value = basic('susan:hello')[6:]
        for scheme in ('basic', 'BASIC', 'bAsIc'):
            res = self.get(app, '/', scheme + ' ' + value)
            self.assertEqual(res.status_code, 200)
        res = self.get(app, '/', '  Basic   ' + value + '  ')
        self.assertEqual(res.status_code, 200)

    def test_hostile_basic_credentials_are_401(self):
        app, _ = self.basic_app()
        for label, value in HOSTILE_BASIC:
            res = self.get(app, '/', value)
            self.assertEqual(res.status_code, 401, label)
            self.assertIn('WWW-Authenticate', res.headers)
        self.assertEqual(self.calls, [])

    def test_empty_username_and_password_reach_the_lookup(self):
        app, _ = self.basic_app()
        self.assertEqual(self.get(app, '/', basic(':')).status_code, 401)
        self.assertEqual(self.calls, [('', '')])

    def test_realm_is_quoted_and_charset_optional(self):
        app, _ = self.basic_app(BasicAuth(realm='say "hi" \\o/',
                                          charset=None))
        self.assert_refused(self.get(app), 'Basic realm="say \\"hi\\" '
                            '\\\\o/"')

    def test_other_scheme_name(self):
        app, _ = self.basic_app(BasicAuth(scheme='Custom'))
        value = basic('susan:hello')[6:]
        self.assertEqual(self.get(app, '/', 'Custom ' + value).status_code,
                         200)
        self.assertEqual(self.get(app, '/', 'Basic ' + value).status_code,
                         401)
        self.assertTrue(self.get(app).headers['WWW-Authenticate']
                        .startswith('Custom realm='))

    def test_error_status_other_than_401(self):
        app, _ = self.basic_app(BasicAuth(error_status=404))
        res = self.get(app, '/', basic('susan:nope'))
        self.assertEqual(res.status_code, 404)
        self.assertNotIn('WWW-Authenticate', res.headers)

    def test_url_arguments_reach_the_route(self):
        app, _ = self.basic_app()
        res = self.get(app, '/items/41?q=x', basic('susan:hello'))
        self.assertEqual(res.json, {'n': 42, 'q': 'x'})
        self.assertEqual(self.get(app, '/items/41').status_code, 401)

    # -- optional -----------------------------------------------------------

    def test_optional_without_credentials(self):
        app, _ = self.basic_app()
        res = self.get(app, '/maybe')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'None')
        self.assertEqual(self.calls, [])

    def test_optional_with_credentials(self):
        app, _ = self.basic_app()
        res = self.get(app, '/maybe', basic('susan:hello'))
        self.assertEqual(res.text, repr({'name': 'susan'}))

    def test_optional_with_wrong_or_hostile_credentials(self):
        app, _ = self.basic_app()
        for value in (basic('susan:nope'), 'Basic !!!!'):
            res = self.get(app, '/maybe', value)
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.text, 'None')

    # -- custom error handler -----------------------------------------------

    def test_custom_error_handler(self):
        app, auth = self.basic_app()
        seen = []

        def refuse(req):
            seen.append(req.g.current_user)
            return {'error': 'who are you?'}, 403, {'X-Auth': 'no'}
        if self.async_lookup:
            async def handler(req):
                return refuse(req)
            auth.errorhandler(handler)
        else:
            auth.errorhandler(refuse)
        res = self.get(app, '/', basic('susan:nope'))
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.json, {'error': 'who are you?'})
        self.assertEqual(res.headers['X-Auth'], 'no')
        self.assertNotIn('WWW-Authenticate', res.headers)
        self.assertEqual(seen, [None])
        self.assertEqual(self.get(app, '/', basic('susan:hello')).status_code,
                         200)

    def test_error_handler_is_per_auth_object(self):
        app, first = self.basic_app()
        second = BasicAuth(realm='second')
        second.authenticate(lambda req, username, password: None)
        second.errorhandler(lambda req: ('second', 401))
        app.route('/second')(second(lambda req: 'x'))
        self.assertEqual(self.get(app, '/second').text, 'second')
        self.assert_refused(self.get(app, '/'), first.challenge())

    # -- streamed bodies and hooks ------------------------------------------

    def test_streamed_body_of_a_protected_route(self):
        app, auth = self.basic_app()

        def stream(req):
            yield 'a'
            yield 'b'
        app.route('/stream')(auth(stream))
        self.assertEqual(self.get(app, '/stream', basic('susan:hello')).text,
                         'ab')
        self.assertEqual(self.get(app, '/stream').status_code, 401)

    def test_after_request_hooks_see_the_refusal(self):
        app, _ = self.basic_app()
        app.after_request(lambda req, res: res.headers.__setitem__(
            'X-User', repr(req.g.current_user)) or res)
        self.assertEqual(self.get(app).headers['X-User'], 'None')
        self.assertEqual(self.get(app, '/', basic('susan:hello'))
                         .headers['X-User'], repr({'name': 'susan'}))

    # -- TokenAuth ----------------------------------------------------------

    def token_app(self, auth=None):
        app = self.modules[0].Microdot()
        auth = auth or TokenAuth()
        auth.authenticate(self.lookup(lambda req, token: TOKENS.get(token)))
        self.route(app, '/', auth, lambda req: 'Hi ' + req.g.current_user)
        self.route(app, '/maybe', auth.optional, (
            lambda req: repr(req.g.current_user)))
        return app, auth

    def test_token_valid(self):
        app, _ = self.token_app()
        for value in ('Bearer t0ken', 'bearer t0ken', ' Bearer  t0ken '):
            res = self.get(app, '/', value)
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.text, 'Hi susan')
        self.assertEqual(self.calls, [('t0ken',)] * 3)

    def test_token_refused(self):
        app, _ = self.token_app()
        for value in (None, 'Bearer wrong', 'Bearer', 'Bearer   ',
                      'Basic t0ken', 't0ken', '', 'Bearer t0ken\u00e9'):
            self.assert_refused(self.get(app, '/', value), 'Bearer')
        self.assertEqual(self.calls, [('wrong',), ('t0ken\u00e9',)])

    def test_token_in_another_header_without_scheme(self):
        app, _ = self.token_app(TokenAuth(header='X-API-Key', scheme=None))
        res = self.get(app, headers={'X-API-Key': 'other'})
        self.assertEqual(res.text, 'Hi ann')
        self.assert_refused(self.get(app, '/', 'Bearer other'), 'X-API-Key')
        self.assert_refused(self.get(app, headers={'X-API-Key': ' '}),
                            'X-API-Key')

    def test_token_optional(self):
        app, _ = self.token_app()
        self.assertEqual(self.get(app, '/maybe').text, 'None')
        self.assertEqual(self.get(app, '/maybe', 'Bearer other').text,
                         "'ann'")

    def test_token_error_status(self):
        app, _ = self.token_app(TokenAuth(error_status=403))
        res = self.get(app, '/', 'Bearer wrong')
        self.assertEqual(res.status_code, 403)
        self.assertNotIn('WWW-Authenticate', res.headers)


class TestAuthSync(AuthContract, unittest.TestCase):
    def test_async_lookup_needs_microdot_asyncio(self):
        app = microdot.Microdot()
        auth = TokenAuth()

        @auth.authenticate
        async def lookup(req, token):
            return token

        if sys.implementation.name == 'micropython':
            self.skipTest('MicroPython cannot tell a coroutine from a '
                          'generator: run_sync cannot refuse it')

        app.route('/')(auth(lambda req: 'x'))
        self.assertEqual(self.get(app, '/', 'Bearer t').status_code, 500)


class TestAuthAsyncClient(AsyncBinding, AuthContract, unittest.TestCase):
    pass


class TestAuthAsyncLookup(TestAuthAsyncClient):
    async_lookup = True
