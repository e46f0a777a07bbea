"""``microdot_csrf``: a table of requests (method, ``Sec-Fetch-Site``,
``Origin``, ``Host``) and whether each gets through, then the route marks,
the refusal and the set-up. ``CsrfContract`` is bound to both apps and
their test clients (sync and asyncio), so the hook runs in both real
dispatches; the handlers are plain functions. Portable: pytest, and
``micropython tests/mp_runner.py test_csrf``.
"""
import asyncio
import unittest

from microdot import Microdot, NoCaseDict, Request
from microdot_asyncio import Microdot as AsyncMicrodot
from microdot_asyncio_test_client import TestClient as AsyncTestClient
from microdot_cors import CORS
from microdot_csrf import CSRF
from microdot_test_client import TestClient

HOST = 'app.example'
A = 'https://a.example'
EVIL = 'https://evil.example'

DEFAULT = {}
SUB = {'allow_subdomains': True}
LIST = {'cors': [A, 'null']}  # made a CORS object by make_app
STAR = {'cors': '*'}


def site(value, origin=None, host=HOST):
    headers = {'Sec-Fetch-Site': value, 'Host': host}
    if origin is not None:
        headers['Origin'] = origin
    return headers


def origin(value, host=HOST):
    return {'Origin': value, 'Host': host}


# (configuration, method, headers, expected status)
CASES = [
    # safe methods always pass
    (DEFAULT, 'GET', site('cross-site', EVIL), 200),
    (DEFAULT, 'HEAD', site('cross-site', EVIL), 200),
    (DEFAULT, 'OPTIONS', site('cross-site', EVIL), 200),
    (DEFAULT, 'GET', origin('null'), 200),
    # no browser (neither header): passes
    (DEFAULT, 'POST', {}, 200),
    (DEFAULT, 'DELETE', {'Host': HOST}, 200),
    (DEFAULT, 'POST', {'Sec-Fetch-Site': ''}, 200),
    # Sec-Fetch-Site decides when present
    (DEFAULT, 'POST', site('same-origin'), 200),
    (DEFAULT, 'POST', site('none'), 200),
    (DEFAULT, 'POST', site('Same-Origin'), 200),
    (DEFAULT, 'POST', site('cross-site'), 403),
    (DEFAULT, 'PUT', site('cross-site'), 403),
    (DEFAULT, 'PATCH', site('cross-site'), 403),
    (DEFAULT, 'DELETE', site('cross-site'), 403),
    (DEFAULT, 'POST', site('CROSS-SITE'), 403),
    (DEFAULT, 'POST', site('cross-site', EVIL), 403),
    (DEFAULT, 'POST', site('same-site'), 403),
    (DEFAULT, 'POST', site('bogus'), 403),
    (DEFAULT, 'POST', site('same-origin, cross-site'), 403),
    # ... even against an Origin that matches Host
    (DEFAULT, 'POST', site('cross-site', 'https://' + HOST), 403),
    (SUB, 'POST', site('same-site'), 200),
    (SUB, 'POST', site('same-site', 'https://www.' + HOST), 200),
    (SUB, 'POST', site('cross-site', 'https://www.' + HOST), 403),
    # the CORS list's origins are trusted, '*' and 'null' are not
    (LIST, 'POST', site('cross-site', A), 200),
    (LIST, 'PUT', site('cross-site', 'HTTPS://A.EXAMPLE/'), 200),
    (LIST, 'POST', site('same-site', A), 200),
    (LIST, 'POST', site('cross-site', EVIL), 403),
    (LIST, 'POST', site('cross-site'), 403),
    (LIST, 'POST', site('cross-site', 'null'), 403),
    (LIST, 'POST', origin('null'), 403),
    (LIST, 'POST', origin(A), 200),
    (LIST, 'POST', origin(A + ':443'), 403),
    (STAR, 'POST', site('cross-site', A), 403),
    (STAR, 'POST', origin(A), 403),
    (STAR, 'POST', origin('https://' + HOST), 200),
    # without Sec-Fetch-Site: Origin against Host, scheme aside
    (DEFAULT, 'POST', origin('http://' + HOST), 200),
    (DEFAULT, 'POST', origin('https://' + HOST), 200),
    (DEFAULT, 'POST', origin('HTTPS://APP.Example'), 200),
    (DEFAULT, 'POST', origin('https://' + HOST, 'APP.EXAMPLE'), 200),
    (DEFAULT, 'POST', origin('https://' + HOST + '/'), 200),
    (DEFAULT, 'POST', origin(EVIL), 403),
    (DEFAULT, 'POST', origin('null'), 403),
    (DEFAULT, 'POST', origin(''), 403),
    (DEFAULT, 'POST', origin(HOST), 403),
    (DEFAULT, 'POST', origin('ftp://' + HOST), 403),
    (DEFAULT, 'POST', origin('https://' + HOST + '.evil.example'), 403),
    (DEFAULT, 'POST', origin('https://evil' + HOST), 403),
    (DEFAULT, 'POST', origin('https://' + HOST + '/path'), 403),
    (DEFAULT, 'POST', origin('https://' + HOST + '@evil.example'), 403),
    (DEFAULT, 'POST', origin('https://evil.example@' + HOST), 403),
    (DEFAULT, 'POST', origin('https://' + HOST + ', ' + EVIL), 403),
    (DEFAULT, 'POST', origin('https://'), 403),
    (DEFAULT, 'POST', origin('https://', ''), 403),
    (DEFAULT, 'POST', origin('https://' + HOST, ''), 403),
    # ports: default ones on either side, others must be equal
    (DEFAULT, 'POST', origin('https://' + HOST + ':443'), 200),
    (DEFAULT, 'POST', origin('https://' + HOST, HOST + ':443'), 200),
    (DEFAULT, 'POST', origin('http://' + HOST, HOST + ':80'), 200),
    (DEFAULT, 'POST', origin('http://' + HOST + ':80', HOST + ':80'), 200),
    (DEFAULT, 'POST', origin('http://' + HOST + ':8080', HOST + ':8080'),
     200),
    (DEFAULT, 'POST', origin('http://' + HOST + ':8080'), 403),
    (DEFAULT, 'POST', origin('http://' + HOST, HOST + ':8080'), 403),
    (DEFAULT, 'POST', origin('https://' + HOST + ':80'), 403),
    (DEFAULT, 'POST', origin('http://' + HOST, HOST + ':443'), 403),
    # IP literals
    (DEFAULT, 'POST', origin('http://10.0.0.1:5000', '10.0.0.1:5000'), 200),
    (DEFAULT, 'POST', origin('http://10.0.0.2:5000', '10.0.0.1:5000'), 403),
    (DEFAULT, 'POST', origin('http://[::1]:5000', '[::1]:5000'), 200),
    (DEFAULT, 'POST', origin('http://[::1]', '[::1]'), 200),
    (DEFAULT, 'POST', origin('http://[::1]:80', '[::1]'), 200),
    (DEFAULT, 'POST', origin('http://[FE80::1]:5000', '[fe80::1]:5000'), 200),
    (DEFAULT, 'POST', origin('http://[::2]:5000', '[::1]:5000'), 403),
    (DEFAULT, 'POST', origin('http://[::1]:5001', '[::1]:5000'), 403),
    (DEFAULT, 'POST', origin('http://[::1]', '[::1]:80'), 200),
    # allow_subdomains without Sec-Fetch-Site: subdomains of Host
    (SUB, 'POST', origin('https://' + HOST), 200),
    (SUB, 'POST', origin('https://www.' + HOST), 200),
    (DEFAULT, 'POST', origin('https://www.' + HOST), 403),
    (SUB, 'POST', origin('https://a.b.' + HOST), 200),
    (SUB, 'POST', origin('https://WWW.' + HOST.upper()), 200),
    (SUB, 'POST', origin('https://www.' + HOST + ':8443', HOST + ':8080'),
     200),
    (SUB, 'POST', origin('https://www' + HOST), 403),
    (SUB, 'POST', origin('https://' + HOST + '.evil.example'), 403),
    (SUB, 'POST', origin('https://sibling.example', 'www.sibling.example'),
     403),
    (SUB, 'POST', origin('https://evil.example?.' + HOST), 403),
    (SUB, 'POST', origin('https://evil.example#.' + HOST), 403),
    (SUB, 'POST', origin('https://evil.example/.' + HOST), 403),
    (SUB, 'POST', origin('https://evil.example\\.' + HOST), 403),
    (SUB, 'POST', origin('https://x@www.' + HOST), 403),
    (SUB, 'POST', origin('https://5.10.0.0.1', '10.0.0.1'), 403),
    (SUB, 'POST', origin('http://x.[::1]', '[::1]'), 403),
    (SUB, 'POST', origin('http://x.', ''), 403),
    (SUB, 'POST', origin('null'), 403),
]


class CsrfContract:
    """The CSRF behaviour, through a test client of one driver."""

    # -- binding points ----------------------------------------------------

    app_class = Microdot
    client_class = TestClient

    def resolve(self, value):
        return value

    # -- helpers -----------------------------------------------------------

    def make_app(self, cors=None, **options):
        app = self.app_class()
        if cors is not None:
            cors = CORS(app, allowed_origins=cors)
        csrf = CSRF(app, cors=cors, **options)

        @app.route('/items', methods=['GET', 'POST', 'PUT', 'PATCH',
                                      'DELETE'])
        def items(req):
            return 'items'

        @app.route('/hook', methods=['POST'])
        @csrf.exempt
        def hook(req):
            return 'hook'

        @csrf.exempt
        @app.route('/hook2', methods=['POST'])
        def hook2(req):
            return 'hook2'

        @app.route('/items/<int:id>', methods=['POST', 'PUT'])
        @csrf.exempt
        def item(req, id):
            return {'id': id}

        @app.route('/guarded', methods=['GET', 'POST'])
        @csrf.protect
        def guarded(req):
            return 'guarded'

        return app, csrf

    def send(self, app, method, path, headers=None):
        return self.resolve(self.client_class(app).request(
            method, path, headers=headers or {}))

    # -- the tables --------------------------------------------------------

    def test_table(self):
        apps = {}
        for case in CASES:
            config, method, headers, status = case
            key = repr(sorted(config.items()))
            if key not in apps:
                apps[key] = self.make_app(**config)[0]
            res = self.send(apps[key], method, '/items', headers)
            self.assertEqual(res.status_code, status, case)
            if method not in ('HEAD', 'OPTIONS') and status == 200:
                self.assertEqual(res.text, 'items', case)

    def test_is_trusted_matches_the_table(self):
        for config, method, headers, status in CASES:
            csrf = self.make_app(**config)[1]
            req = Request(None, None, method, '/', '1.1',
                          NoCaseDict(headers))
            if method not in ('GET', 'HEAD', 'OPTIONS'):
                self.assertEqual(csrf.is_trusted(req), status == 200,
                                 (config, headers))

    # -- exempt and protect ------------------------------------------------

    def test_exempt_routes_pass(self):
        app = self.make_app()[0]
        cross = site('cross-site', EVIL)
        self.assertEqual(self.send(app, 'POST', '/hook', cross).text, 'hook')
        self.assertEqual(self.send(app, 'POST', '/hook2', cross).text,
                         'hook2')
        res = self.send(app, 'PUT', '/items/7', cross)
        self.assertEqual(res.json, {'id': 7})
        self.assertEqual(self.send(app, 'POST', '/guarded', cross)
                         .status_code, 403)

    def test_protect_only_marked_routes(self):
        app = self.make_app(protect_all=False)[0]
        cross = site('cross-site', EVIL)
        self.assertEqual(self.send(app, 'POST', '/items', cross).text,
                         'items')
        self.assertEqual(self.send(app, 'POST', '/hook', cross).text, 'hook')
        self.assertEqual(self.send(app, 'POST', '/guarded', cross)
                         .status_code, 403)
        self.assertEqual(self.send(app, 'GET', '/guarded', cross).text,
                         'guarded')
        self.assertEqual(self.send(app, 'POST', '/guarded',
                                   site('same-origin')).text, 'guarded')

    def test_protect_all_false_without_marks(self):
        app = self.app_class()
        CSRF(app, protect_all=False)

        @app.post('/')
        def index(req):
            return 'ok'

        self.assertEqual(self.send(app, 'POST', '/', site('cross-site')).text,
                         'ok')

    def test_one_handler_on_two_urls(self):
        app = self.app_class()
        csrf = CSRF(app)

        @app.post('/a')
        @app.post('/b/<name>')
        @csrf.exempt
        def both(req, name='a'):
            return name

        self.assertEqual(self.send(app, 'POST', '/a', site('cross-site'))
                         .text, 'a')
        self.assertEqual(self.send(app, 'POST', '/b/x', site('cross-site'))
                         .text, 'x')

    def test_mounted_app(self):
        api = self.app_class()
        csrf = CSRF(api)

        @api.post('/open')
        @csrf.exempt
        def open_(req):
            return 'open'

        @api.post('/closed')
        def closed(req):
            return 'closed'

        app = self.app_class()
        app.mount(api, url_prefix='/api')
        cross = site('cross-site')
        self.assertEqual(self.send(app, 'POST', '/api/open', cross).text,
                         'open')
        self.assertEqual(self.send(app, 'POST', '/api/closed', cross)
                         .status_code, 403)

    # -- the refusal -------------------------------------------------------

    def test_refusal_is_a_403_error_response(self):
        app, csrf = self.make_app(cors=[A])
        res = self.send(app, 'POST', '/items', site('cross-site', EVIL))
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.text, 'Forbidden')
        # the CORS after-error hook ran: no Allow-Origin, Vary for caches
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        self.assertEqual(res.headers['Vary'], 'Origin')

        @app.errorhandler(403)
        def forbidden(req):
            return {'error': 'cross-site request'}, 403

        res = self.send(app, 'POST', '/items', site('cross-site', EVIL))
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res.json, {'error': 'cross-site request'})

    def test_trusted_origin_gets_cors_headers(self):
        app = self.make_app(cors=[A])[0]
        res = self.send(app, 'DELETE', '/items', site('cross-site', A))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], A)

    def test_preflight_passes(self):
        app = self.make_app(cors=[A])[0]
        res = self.send(app, 'OPTIONS', '/items', {
            'Origin': A, 'Sec-Fetch-Site': 'cross-site',
            'Access-Control-Request-Method': 'DELETE'})
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], A)

    def test_handler_not_called_when_refused(self):
        app = self.app_class()
        CSRF(app)
        called = []

        @app.post('/')
        def index(req):
            called.append(1)
            return 'ok'

        self.assertEqual(self.send(app, 'POST', '/', site('cross-site'))
                         .status_code, 403)
        self.assertEqual(called, [])

    # -- setting up --------------------------------------------------------

    def test_initialize_later(self):
        app = self.app_class()

        @app.post('/')
        def index(req):
            return 'ok'

        csrf = CSRF()
        self.assertIsNone(csrf.app)
        self.assertEqual(self.send(app, 'POST', '/', site('cross-site'))
                         .status_code, 200)
        csrf.initialize(app)
        self.assertIs(csrf.app, app)
        self.assertEqual(self.send(app, 'POST', '/', site('cross-site'))
                         .status_code, 403)

    def test_cors_origins_are_read_per_request(self):
        app = self.app_class()
        cors = CORS(app)
        CSRF(app, cors=cors)

        @app.post('/')
        def index(req):
            return 'ok'

        headers = site('cross-site', A)
        self.assertEqual(self.send(app, 'POST', '/', headers).status_code,
                         403)
        cors.allowed_origins = [A]
        self.assertEqual(self.send(app, 'POST', '/', headers).status_code,
                         200)


class TestSyncCsrf(CsrfContract, unittest.TestCase):
    pass


class TestAsyncCsrf(CsrfContract, unittest.TestCase):
    app_class = AsyncMicrodot
    client_class = AsyncTestClient

    def resolve(self, value):
        return asyncio.run(value)

    def test_async_handlers(self):
        app = self.app_class()
        csrf = CSRF(app)

        @app.post('/')
        async def index(req):
            return 'ok'

        @app.post('/open')
        @csrf.exempt
        async def open_(req):
            return 'open'

        self.assertEqual(self.send(app, 'POST', '/', site('cross-site'))
                         .status_code, 403)
        self.assertEqual(self.send(app, 'POST', '/', site('same-origin'))
                         .text, 'ok')
        self.assertEqual(self.send(app, 'POST', '/open', site('cross-site'))
                         .text, 'open')
