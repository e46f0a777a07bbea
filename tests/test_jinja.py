"""``microdot_jinja`` (CPython only: not in PORTABLE)."""
import importlib
import sys
import unittest

import jinja2

from microdot import Microdot
import microdot_test_client
import microdot_jinja
from microdot_jinja import init_templates, render_template, Rendered

TEMPLATES = 'tests/templates/jinja'
EXPECTED = 'tests/templates/expected/jinja_page.html'
PAGE = {'title': 'Fish & Chips', 'items': ['cod', '<script>'],
        'user': "O'Brien", 'note': '<em>fresh</em>'}
OPTIONS = {'trim_blocks': True, 'lstrip_blocks': True,
           'keep_trailing_newline': True}


def read_text(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


class TestJinja(unittest.TestCase):
    def setUp(self):
        init_templates(TEMPLATES, **OPTIONS)

    def tearDown(self):
        init_templates()

    def test_page_matches_expected_file(self):
        self.assertEqual(render_template('page.html', **PAGE),
                         read_text(EXPECTED))

    def test_context_as_a_positional_dict(self):
        self.assertEqual(render_template('page.html', PAGE),
                         read_text(EXPECTED))

    def test_returns_a_str_with_a_content_type(self):
        text = render_template('item.html', item='x')
        self.assertIsInstance(text, str)
        self.assertIsInstance(text, Rendered)
        self.assertEqual(text, '<li>x</li>\n')
        self.assertEqual(text.content_type, 'text/html; charset=UTF-8')
        self.assertEqual(render_template('note.txt', name='x').content_type,
                         'text/plain; charset=UTF-8')

    def test_autoescape_by_extension(self):
        self.assertEqual(render_template('item.html', item='<b>&'),
                         '<li>&lt;b&gt;&amp;</li>\n')
        self.assertEqual(render_template('note.txt', name='<b>'),
                         'Hello, <b>!\n')

    def test_autoescape_can_be_changed(self):
        init_templates(TEMPLATES, autoescape=False)
        self.assertEqual(render_template('item.html', item='<b>'),
                         '<li><b></li>')

    def test_default_directory_and_environment(self):
        init_templates()
        environment = microdot_jinja.get_environment()
        self.assertEqual(environment.loader.searchpath, ['templates'])
        self.assertTrue(environment.autoescape('x.html'))
        self.assertFalse(environment.autoescape('x.txt'))

    def test_environment_is_created_on_first_use(self):
        microdot_jinja._environment = None
        self.assertIsInstance(microdot_jinja.get_environment(),
                              jinja2.Environment)

    def test_missing_template(self):
        with self.assertRaises(jinja2.TemplateNotFound):
            render_template('missing.html')

    def test_served_by_an_app(self):
        app = Microdot()

        @app.get('/')
        def index(req):
            return render_template('page.html', **PAGE)

        @app.get('/html')
        def html(req):
            return render_template('page.html', **PAGE), {
                'Content-Type': 'text/html; charset=UTF-8'}

        client = microdot_test_client.TestClient(app)
        self.assertEqual(client.get('/').text, read_text(EXPECTED))
        res = client.get('/html')
        self.assertEqual(res.headers['Content-Type'],
                         'text/html; charset=UTF-8')


class TestWithoutJinja(unittest.TestCase):
    def test_clear_import_error(self):
        saved = sys.modules.pop('microdot_jinja')
        sys.modules['jinja2'] = None  # makes `import jinja2` fail
        try:
            with self.assertRaises(ImportError) as context:
                importlib.import_module('microdot_jinja')
        finally:
            sys.modules['jinja2'] = jinja2
            sys.modules['microdot_jinja'] = saved
        self.assertEqual(str(context.exception), 'microdot_jinja needs '
                         'Jinja2: pip install "microdot[jinja]"')
