"""The seed's CORS and template examples in examples/, driven by TestClient.

CPython only (not in PORTABLE); the uTemplate example is also run under the
``micropython`` binary when it is installed.
"""
import importlib.util
import os
import subprocess
import sys
import unittest

import microdot_test_client
import microdot_jinja
import microdot_utemplate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')
TEMPLATES_EXAMPLE = os.path.join(EXAMPLES, 'templates')
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), 'micropython')
HTML = 'text/html; charset=UTF-8'


def load_example(*parts):
    path = os.path.join(EXAMPLES, *parts)
    name = 'example_' + '_'.join(parts).replace('.py', '').replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestCorsExample(unittest.TestCase):
    def setUp(self):
        self.client = microdot_test_client.TestClient(
            load_example('cors', 'app.py').app)

    def test_preflight(self):
        res = self.client.request('OPTIONS', '/', headers={
            'Origin': 'https://example.com',
            'Access-Control-Request-Method': 'POST',
            'Access-Control-Request-Headers': 'Content-Type'})
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://example.com')
        self.assertEqual(res.headers['Access-Control-Allow-Credentials'],
                         'true')
        self.assertEqual(res.headers['Access-Control-Allow-Methods'],
                         'GET, POST')
        self.assertEqual(res.headers['Access-Control-Allow-Headers'],
                         'Content-Type')

    def test_allowed_and_other_origins(self):
        res = self.client.post('/', headers={'Origin': 'https://example.com'},
                               body={'x': 1})
        self.assertEqual(res.json, {'hello': 'world'})
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://example.com')
        self.assertEqual(res.headers['Vary'], 'Origin')
        res = self.client.get('/', headers={'Origin': 'https://evil.example'})
        self.assertEqual(res.status_code, 200)
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)


class TemplateExample:
    """Runs an example from examples/templates, where its templates are."""
    module = engine = None

    def setUp(self):
        self.cwd = os.getcwd()
        os.chdir(TEMPLATES_EXAMPLE)
        self.addCleanup(os.chdir, self.cwd)
        self.engine.init_templates()  # the default 'templates', from here
        self.addCleanup(self.engine.init_templates)
        self.client = microdot_test_client.TestClient(
            load_example('templates', self.module).app)

    def test_index(self):
        res = self.client.get('/')
        self.assertEqual(res.status_code, 200)
        self.assertIn('<h1>Hello from a template!</h1>', res.text)

    def test_init_templates(self):
        # the seed's second snippet, unchanged
        self.engine.init_templates('my_templates')
        self.assertIn('<h1>Hello from my_templates!</h1>',
                      self.client.get('/').text)

    def test_content_type_of_the_rendered_page(self):
        self.assertEqual(
            self.engine.render_template('index.html').content_type, HTML)

    def test_page_is_served_as_html(self):
        self.assertEqual(self.client.get('/').headers['Content-Type'], HTML)


class TestUtemplateExample(TemplateExample, unittest.TestCase):
    module = 'utemplate_app.py'
    engine = microdot_utemplate

    @unittest.skipUnless(os.path.exists(MICROPYTHON), 'no micropython')
    def test_under_micropython(self):
        script = (
            "import sys\nsys.path.insert(0, %r)\nsys.path.insert(0, '.')\n"
            "from utemplate_app import app\n"
            "from microdot_test_client import TestClient\n"
            "print(TestClient(app).get('/').text)\n"
        ) % os.path.join(ROOT, 'src')
        result = subprocess.run([MICROPYTHON, '-c', script],
                                cwd=TEMPLATES_EXAMPLE, capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('<h1>Hello from a template!</h1>', result.stdout)


class TestJinjaExample(TemplateExample, unittest.TestCase):
    module = 'jinja_app.py'
    engine = microdot_jinja
