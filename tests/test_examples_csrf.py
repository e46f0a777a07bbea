"""The CSRF example, ``examples/csrf/app.py``, loaded from its file and
driven with the test client as a browser would drive it: the form posted
from the site's own page, from another site, from the trusted dashboard,
and the exempt webhook; then the same example under the ``micropython``
binary, when it is installed.
"""
import importlib.util
import os
import subprocess
import sys
import unittest

import microdot_test_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, 'examples', 'csrf', 'app.py')
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), 'micropython')
# what a board would run: the example's app through the test client
ON_MICROPYTHON = """
import app
from microdot_test_client import TestClient
client = TestClient(app.app)
for headers in ({'Sec-Fetch-Site': 'cross-site'}, {'Origin': 'null'},
                {'Sec-Fetch-Site': 'same-origin'}, {}):
    print(client.post('/counter', headers=headers).status_code)
print(client.post('/webhook', headers={'Sec-Fetch-Site': 'cross-site'}).json)
"""


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


@unittest.skipUnless(os.path.exists(MICROPYTHON), 'no micropython binary')
class TestCsrfExampleOnMicroPython(unittest.TestCase):
    def test_refused_accepted_and_exempt(self):
        out = subprocess.run(
            [MICROPYTHON, '-c', ON_MICROPYTHON], cwd=os.path.dirname(EXAMPLE),
            env=dict(os.environ, MICROPYPATH=os.path.join(ROOT, 'src')),
            capture_output=True, text=True, timeout=30)
        self.assertEqual(out.stderr, '')
        self.assertEqual(out.stdout.split(), ['403', '403', '302', '302',
                                              "{'reset':", 'True}'])
