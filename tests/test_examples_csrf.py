"""The CSRF example, ``examples/csrf/app.py``, loaded from its file and
driven with the test client as a browser would drive it: the form posted
from the site's own page, from another site, from the trusted dashboard,
and the exempt webhook (CPython only; the module's own tests,
``tests/test_csrf.py``, also run under MicroPython).
"""
import importlib.util
import os
import unittest

import microdot_test_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, 'examples', 'csrf', 'app.py')


def load_example():
    spec = importlib.util.spec_from_file_location('example_csrf_app',
                                                  EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestCsrfExample(unittest.TestCase):
    def setUp(self):
        self.client = microdot_test_client.TestClient(load_example().app)

    def counter(self):
        res = self.client.get('/')
        self.assertEqual(res.status_code, 200)
        return res.text.split('Counter: ')[1].split('<')[0]

    def test_own_page_posts(self):
        res = self.client.post('/counter', headers={
            'Sec-Fetch-Site': 'same-origin',
            'Origin': 'http://localhost'})
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'], '/')
        self.assertEqual(self.counter(), '1')
        # an older browser: no Sec-Fetch-Site, Origin matches Host
        self.client.post('/counter', headers={'Origin': 'http://localhost'})
        self.assertEqual(self.counter(), '2')

    def test_other_sites_are_refused(self):
        for headers in ({'Sec-Fetch-Site': 'cross-site',
                         'Origin': 'https://evil.example'},
                        {'Sec-Fetch-Site': 'same-site',
                         'Origin': 'https://blog.example.com'},
                        {'Origin': 'https://evil.example'},
                        {'Origin': 'null'}):
            res = self.client.post('/counter', headers=headers)
            self.assertEqual(res.status_code, 403, headers)
            self.assertIn('Refused', res.text)
        self.assertEqual(self.counter(), '0')

    def test_trusted_dashboard_posts(self):
        res = self.client.post('/counter', headers={
            'Sec-Fetch-Site': 'cross-site',
            'Origin': 'https://dashboard.example.com'})
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://dashboard.example.com')
        self.assertEqual(self.counter(), '1')

    def test_webhook_is_exempt(self):
        self.client.post('/counter')  # curl: no browser headers
        self.assertEqual(self.counter(), '1')
        res = self.client.post('/webhook', headers={
            'Sec-Fetch-Site': 'cross-site', 'Origin': 'https://ci.example'})
        self.assertEqual(res.json, {'reset': True})
        self.assertEqual(self.counter(), '0')
