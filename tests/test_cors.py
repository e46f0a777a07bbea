"""``microdot_cors``: tables of requests and the CORS headers they get.

Portable: runs under pytest on CPython and under tests/mp_runner.py on
MicroPython. ``CorsContract`` holds the tests; it is bound to the sync app
with ``microdot_test_client`` and to the asyncio app with
``microdot_asyncio_test_client``, so the hooks run in both real dispatches.
Handlers are plain functions, which both dispatchers call.
"""
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
from microdot import Response, abort
import microdot_asyncio
import microdot_asyncio_test_client
import microdot_test_client
from microdot_cors import CORS, merge_vary, is_preflight

A = 'https://a.example'
B = 'https://b.example'
EVIL = 'https://evil.example'

ACAO = 'Access-Control-Allow-Origin'
ACAC = 'Access-Control-Allow-Credentials'
ACAM = 'Access-Control-Allow-Methods'
ACAH = 'Access-Control-Allow-Headers'
ACEH = 'Access-Control-Expose-Headers'
ACMA = 'Access-Control-Max-Age'

LIST = {'allowed_origins': [A, B + '/']}
LIST_CRED = {'allowed_origins': [A], 'allow_credentials': True}
STAR = {'allowed_origins': '*'}
STAR_CRED = {'allowed_origins': '*', 'allow_credentials': True}
NONE = {}
ONE = {'allowed_origins': A}

# (configuration, Origin sent or None, Allow-Origin expected or None,
#  Vary: Origin expected, Allow-Credentials expected or None)
SIMPLE_CASES = [
    (LIST, A, A, True, None),
    (LIST, B, B, True, None),
    (LIST, 'HTTPS://A.EXAMPLE', 'HTTPS://A.EXAMPLE', True, None),
    (LIST, EVIL, None, True, None),
    (LIST, 'null', None, True, None),
    (LIST, None, None, False, None),
    (LIST_CRED, A, A, True, 'true'),
    (LIST_CRED, B, None, True, None),
    # '*': the origin echoed (1.x), or '*' to a request without one
    (STAR, A, A, True, None),
    (STAR, 'null', 'null', True, None),
    (STAR, None, '*', False, None),
    (STAR_CRED, None, '*', False, None),
    (STAR_CRED, A, A, True, 'true'),
    (STAR_CRED, EVIL, EVIL, True, 'true'),
    (NONE, A, None, False, None),
    (ONE, A, A, True, None),
    (ONE, B, None, True, None),
]

# (configuration, automatic OPTIONS handler on, path, Origin,
#  Access-Control-Request-Headers or None, expected status,
#  Allow-Origin, Allow-Methods, Allow-Headers expected or None)
PREFLIGHT_CASES = [
    (LIST, True, '/items', A, None, 200, A, 'GET, POST', None),
    (LIST, False, '/items', A, None, 200, A, 'GET, POST', None),
    (LIST, True, '/items', A, 'X-Token, Content-Type', 200, A,
     'GET, POST', 'X-Token, Content-Type'),
    (LIST, True, '/items/7', A, None, 200, A, 'GET, PUT, DELETE', None),
    (STAR, True, '/items', EVIL, None, 200, EVIL, 'GET, POST', None),
    (STAR_CRED, False, '/items', EVIL, None, 200, EVIL, 'GET, POST', None),
    (dict(LIST, allowed_methods=['GET', 'PATCH']), True, '/items', A, None,
     200, A, 'GET, PATCH', None),
    (dict(LIST, allowed_headers=['X-Token']), True, '/items', A,
     'X-Other', 200, A, 'GET, POST', 'X-Token'),
    (dict(LIST, allowed_headers=[]), True, '/items', A, 'X-Other', 200, A,
     'GET, POST', None),
    # a route that accepts OPTIONS itself: the preflight is still answered
    (LIST, True, '/own-options', A, None, 200, A, 'GET, OPTIONS', None),
    # not allowed: the request is handled as if CORS were not there
    (LIST, True, '/items', EVIL, None, 200, None, None, None),
    (LIST, False, '/items', EVIL, None, 405, None, None, None),
    (NONE, True, '/items', A, None, 200, None, None, None),
    # no such URL: 404, with the CORS headers so the page can read it
    (LIST, True, '/nowhere', A, None, 404, A, None, None),
    (LIST, False, '/nowhere', A, None, 404, A, None, None),
]


def vary_has_origin(res):
    return 'origin' in [token.strip().lower() for token in
                        res.headers.get('Vary', '').split(',')]


def quiet(test):
    # a 500 prints its traceback: keep the test output readable
    import _microdot_errors
    saved = getattr(_microdot_errors, 'print_exception', None)
    if saved is not None:
        _microdot_errors.print_exception = lambda exc: None
        test.addCleanup(setattr, _microdot_errors, 'print_exception', saved)


class CorsContract:
    """The CORS behaviour, through a test client of one driver."""

    # -- binding points ----------------------------------------------------

    app_class = microdot.Microdot

    def make_client(self, app):
        return microdot_test_client.TestClient(app)

    def resolve(self, value):
        return value

    # -- helpers -----------------------------------------------------------

    def make_app(self, options_handler=True, **cors_options):
        app = self.app_class()
        if not options_handler:
            app.options_handler = None
        CORS(app, **cors_options)

        @app.route('/items', methods=['GET', 'POST'])
        def items(req):
            return 'items'

        @app.route('/items/<int:id>', methods=['GET', 'PUT', 'DELETE'])
        def item(req, id):
            return {'id': id}

        @app.route('/own-options', methods=['GET', 'OPTIONS'])
        def own_options(req):
            return 'own handler'

        @app.get('/fail')
        def fail(req):
            raise RuntimeError('boom')

        @app.get('/forbidden')
        def forbidden(req):
            abort(403)

        @app.get('/vary/<value>')
        def vary(req, value):
            return 'vary', {'Vary': value}

        @app.get('/own-origin')
        def own_origin(req):
            return 'own', {ACAO: 'https://fixed.example'}

        return app

    def send(self, app, method, path, origin=None, headers=None):
        headers = dict(headers or {})
        if origin is not None:
            headers['Origin'] = origin
        return self.resolve(self.make_client(app).request(
            method, path, headers=headers))

    def preflight(self, app, path, origin, request_headers=None,
                  method='POST'):
        headers = {'Access-Control-Request-Method': method}
        if request_headers is not None:
            headers['Access-Control-Request-Headers'] = request_headers
        return self.send(app, 'OPTIONS', path, origin, headers)

    def check(self, res, case, acao, vary, acac):
        self.assertEqual(res.headers.get(ACAO), acao, case)
        self.assertEqual(vary_has_origin(res), vary, case)
        self.assertEqual(res.headers.get(ACAC), acac, case)
        if acao == '*':
            self.assertIsNone(res.headers.get(ACAC), case)

    # -- simple requests ---------------------------------------------------

    def test_table_get(self):
        for config, origin, acao, vary, acac in SIMPLE_CASES:
            res = self.send(self.make_app(**config), 'GET', '/items', origin)
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.text, 'items')
            self.check(res, (config, origin), acao, vary, acac)

    def test_table_error_responses(self):
        quiet(self)
        for method, path, status in (('GET', '/nowhere', 404),
                                     ('GET', '/fail', 500),
                                     ('GET', '/forbidden', 403),
                                     ('DELETE', '/items', 405)):
            for config, origin, acao, vary, acac in SIMPLE_CASES:
                res = self.send(self.make_app(**config), method, path, origin)
                self.assertEqual(res.status_code, status)
                self.check(res, (path, config, origin), acao, vary, acac)

    def test_no_origin_means_no_change(self):
        res = self.send(self.make_app(**LIST_CRED), 'GET', '/items')
        for name in res.headers:
            self.assertFalse(name.lower().startswith('access-control-'))
        self.assertNotIn('Vary', res.headers)

    def test_post_and_head(self):
        app = self.make_app(**LIST)
        self.assertEqual(self.send(app, 'POST', '/items', A).headers[ACAO], A)
        self.assertEqual(self.send(app, 'HEAD', '/items', A).headers[ACAO], A)

    def test_expose_headers_on_responses_only(self):
        app = self.make_app(expose_headers=['X-Total', 'X-Page'], max_age=600,
                            **LIST)
        res = self.send(app, 'GET', '/items', A)
        self.assertEqual(res.headers[ACEH], 'X-Total, X-Page')
        self.assertNotIn(ACMA, res.headers)
        self.assertNotIn(ACAM, res.headers)
        res = self.preflight(app, '/items', A)
        self.assertNotIn(ACEH, res.headers)
        self.assertEqual(res.headers[ACMA], '600')

    def test_non_preflight_options(self):
        res = self.send(self.make_app(**LIST), 'OPTIONS', '/items', A)
        self.assertEqual(res.status_code, 200)
        self.assertIn('GET', res.headers['Allow'])
        self.assertEqual(res.headers[ACAO], A)
        self.assertNotIn(ACAM, res.headers)

    # -- preflights --------------------------------------------------------

    def test_preflight_table(self):
        for case in PREFLIGHT_CASES:
            config, options_on, path, origin, request_headers, status, \
                acao, methods, allow_headers = case
            app = self.make_app(options_handler=options_on, **config)
            res = self.preflight(app, path, origin, request_headers)
            self.assertEqual(res.status_code, status, case)
            self.assertEqual(res.headers.get(ACAO), acao, case)
            self.assertEqual(res.headers.get(ACAM), methods, case)
            self.assertEqual(res.headers.get(ACAH), allow_headers, case)
            if methods is not None:  # a preflight's answer
                self.assertEqual(res.body, b'')
                self.assertEqual(vary_has_origin(res), acao != '*', case)

    def test_preflight_with_credentials(self):
        res = self.preflight(self.make_app(**LIST_CRED), '/items', A,
                             'X-Token')
        self.assertEqual(res.headers[ACAO], A)
        self.assertEqual(res.headers[ACAC], 'true')
        self.assertEqual(res.headers[ACAH], 'X-Token')

    def test_preflight_does_not_call_the_handler(self):
        res = self.preflight(self.make_app(**LIST), '/own-options', A)
        self.assertEqual(res.text, '')

    def test_is_preflight(self):
        app = self.app_class()
        seen = []

        @app.route('/', methods=['GET', 'OPTIONS'])
        def index(req):
            seen.append(is_preflight(req))
            return ''

        self.send(app, 'OPTIONS', '/', A,
                  {'Access-Control-Request-Method': 'PUT'})
        self.send(app, 'OPTIONS', '/', A)
        self.send(app, 'GET', '/', A, {'Access-Control-Request-Method': 'PUT'})
        self.assertEqual(seen, [True, False, False])

    # -- merging with the handler's headers --------------------------------

    def test_vary_merge(self):
        app = self.make_app(**LIST)
        for value, expected in (('Accept-Encoding', 'Accept-Encoding, Origin'),
                                ('origin', 'origin'),
                                ('Accept, Origin', 'Accept, Origin'),
                                ('*', '*')):
            res = self.send(app, 'GET', '/vary/' + value.replace(' ', '%20'),
                            A)
            self.assertEqual(res.headers['Vary'], expected)

    def test_handler_headers_are_kept(self):
        res = self.send(self.make_app(**LIST), 'GET', '/own-origin', A)
        self.assertEqual(res.headers[ACAO], 'https://fixed.example')

    # -- setting up --------------------------------------------------------

    def test_initialize_later(self):
        app = self.make_app()
        cors = CORS(allowed_origins=[A])
        self.assertIsNone(self.send(app, 'GET', '/items', A).headers.get(ACAO))
        cors.initialize(app)
        self.assertIs(cors.app, app)
        self.assertEqual(self.send(app, 'GET', '/items', A).headers[ACAO], A)

    def test_handle_cors_false(self):
        app = self.app_class()
        cors = CORS(app, allowed_origins=[A], allow_credentials=True,
                    handle_cors=False)
        found = []

        @app.get('/')
        def index(req):
            found.append(cors.get_cors_headers(req))
            return 'x'

        res = self.send(app, 'GET', '/', A)
        self.assertNotIn(ACAO, res.headers)
        self.assertEqual(found, [{ACAO: A, 'Vary': 'Origin', ACAC: 'true'}])

    def test_get_cors_headers_for_a_preflight(self):
        app = self.app_class()
        cors = CORS(app, allowed_origins='*', max_age=60, handle_cors=False)
        found = []

        @app.route('/', methods=['GET', 'PUT', 'OPTIONS'])
        def index(req):
            found.append(cors.get_cors_headers(req))
            return 'x'

        self.preflight(app, '/', EVIL, 'X-A', 'PUT')
        self.assertEqual(found, [{ACAO: EVIL, 'Vary': 'Origin',
                                  ACAM: 'GET, PUT, OPTIONS', ACAH: 'X-A',
                                  ACMA: '60'}])

    def test_mounted_app(self):
        api = self.make_app()
        app = self.app_class()
        CORS(app, allowed_origins=[A])
        app.mount(api, url_prefix='/api')
        res = self.preflight(app, '/api/items/3', A)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers[ACAM], 'GET, PUT, DELETE')
        self.assertEqual(self.send(app, 'GET', '/api/items', A).headers[ACAO],
                         A)


class TestSyncCors(CorsContract, unittest.TestCase):
    pass


class TestAsyncCors(CorsContract, unittest.TestCase):
    app_class = microdot_asyncio.Microdot

    def make_client(self, app):
        return microdot_asyncio_test_client.TestClient(app)

    def resolve(self, value):
        return asyncio.run(value)


class TestMergeVary(unittest.TestCase):
    def test_merge_vary(self):
        res = Response('x')
        merge_vary(res)
        merge_vary(res)
        self.assertEqual(res.headers['Vary'], 'Origin')
        res = Response('x', headers={'Vary': 'Cookie'})
        merge_vary(res, 'Accept')
        self.assertEqual(res.headers['Vary'], 'Cookie, Accept')
        res = Response('x', headers={'Vary': ['Cookie']})
        merge_vary(res)
        self.assertEqual(res.headers['Vary'], ['Cookie', 'Origin'])
        merge_vary(res)
        self.assertEqual(res.headers['Vary'], ['Cookie', 'Origin'])
