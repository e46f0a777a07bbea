"""The uTemplate compiler and ``microdot_utemplate``.

Portable: runs under pytest on CPython and under tests/mp_runner.py on
MicroPython, with the repository root as the working directory. Rendered
pages are compared with the files in ``tests/templates/expected/``, so both
interpreters must produce the same bytes.
"""
import sys
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

from microdot import Microdot
import microdot_asyncio
import microdot_asyncio_test_client
import microdot_test_client
import microdot_utemplate
from microdot_utemplate import init_templates, render_template, Loader, \
    Rendered, TemplateSyntaxError, TemplateNotFound, content_type_for
from _microdot_template import compile_template, escape, tokenize

TEMPLATES = 'tests/templates'
HTML = 'text/html; charset=UTF-8'


def read_text(path):
    with open(path, 'rb') as f:
        return f.read().decode()


def render(source, *args, **kwargs):
    return ''.join(compile_template(source, 'test.html')(*args, **kwargs))


# (template source, args, kwargs, expected output)
RENDER_CASES = [
    ('plain text', (), {}, 'plain text'),
    ('', (), {}, ''),
    ('{% args a %}{{ a }}', (1,), {}, '1'),
    ('{% args a, b=2 %}{{ a }}-{{ b }}', (1,), {}, '1-2'),
    ('{% args a, b=2 %}{{ a }}-{{ b }}', (), {'a': 3, 'b': 4}, '3-4'),
    ('\n{% args a %}\n{{ a }}', ('x',), {}, 'x'),
    ('{% args a %}{{ a }}', ('<&>"\'',), {}, '&lt;&amp;&gt;&quot;&#39;'),
    ('{% args a %}{{! a }}', ('<b>',), {}, '<b>'),
    ('{% args a %}{{!a}}', ('<b>',), {}, '<b>'),
    ('{% args a %}{{ a }}', (None,), {}, 'None'),
    ('{{ 6 * 7 }}|{{ "%02d" % 5 }}', (), {}, '42|05'),
    ('{{ [1,\n 2] }}', (), {}, '[1, 2]'),
    ('a{# hidden #}b', (), {}, 'ab'),
    ('a\n{# a comment\n on two lines #}\nb', (), {}, 'a\nb'),
    ('{% args x %}{% if x %}yes{% endif %}', (1,), {}, 'yes'),
    ('{% args x %}{% if x %}yes{% else %}no{% endif %}', (0,), {}, 'no'),
    ('{% args x %}{% if x == 1 %}one{% elif x == 2 %}two{% elif x %}many'
     '{% else %}none{% endif %}', (2,), {}, 'two'),
    ('{% args x %}{% if x == 1 %}one{% elif x == 2 %}two{% elif x %}many'
     '{% else %}none{% endif %}', (5,), {}, 'many'),
    ('{% if 0 %}{% elif 0 %}{% else %}{% endif %}[]', (), {}, '[]'),
    ('{% for i in range(3) %}{{ i }},{% endfor %}', (), {}, '0,1,2,'),
    ('{% for i in () %}{% endfor %}.', (), {}, '.'),
    ('{% for a, b in [(1, 2)] %}{{ a + b }}{% endfor %}', (), {}, '3'),
    ('{% for i in range(2) %}{% for j in range(2) %}{{ i }}{{ j }} '
     '{% endfor %}{% endfor %}', (), {}, '00 01 10 11 '),
    ('{% set n = 3 %}{% while n %}{{ n }}{% set n = n - 1 %}{% endwhile %}',
     (), {}, '321'),
    ('{% set s = "a" + "b" %}{{ s }}', (), {}, 'ab'),
    # a line holding only statement tags or comments produces no output
    ('<ul>\n  {% for i in [1, 2] %}\n  <li>{{ i }}</li>\n  {% endfor %}\n'
     '</ul>\n', (), {}, '<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n'),
    ('{% if 1 %}{% if 1 %}\nx\n{% endif %}{% endif %}\n', (), {}, 'x\n'),
    ('a {% if 1 %}b{% endif %}\nc', (), {}, 'a b\nc'),
    ('{% if 1 %} {{ 1 }}\n{% endif %}', (), {}, ' 1\n'),
    ('x\r\n{% if 1 %}\r\ny\r\n{% endif %}\r\n', (), {}, 'x\r\ny\r\n'),
    ('{ not a tag } {x} {', (), {}, '{ not a tag } {x} {'),
    ('caf\u00e9 {{ "\u00e9" }}', (), {}, 'caf\u00e9 \u00e9'),
]

# (template source, fragment of the message, template line)
ERROR_CASES = [
    ('{{ x', 'unclosed {{', 1),
    ('a\n{% if x', 'unclosed {%', 2),
    ('{# x', 'unclosed {#', 1),
    ('\n\n{% endfor %}', '{% endfor %} without {% for %}', 3),
    ('{% for x in y %}{% endif %}', '{% endif %} without {% if %}', 1),
    ('a\n{% if x %}\nb', '{% if %} is never closed', 2),
    ('{% while 1 %}', '{% while %} is never closed', 1),
    ('{% foo %}', 'unknown tag {% foo %}', 1),
    ('{% %}', 'empty {% %}', 1),
    ('{{ }}', 'empty {{ }}', 1),
    ('{{! }}', 'empty {{ }}', 1),
    ('{% else %}', '{% else %} without {% if %}', 1),
    ('{% if 1 %}{% else %}{% else %}{% endif %}',
     '{% else %} without {% if %}', 1),
    ('{% if 1 %}{% else %}{% elif 2 %}{% endif %}',
     '{% elif %} without {% if %}', 1),
    ('{% for x %}{% endfor %}', 'needs "name in iterable"', 1),
    ('{% if %}{% endif %}', 'needs a condition', 1),
    ('{% set x %}', 'needs "name = expression"', 1),
    ('{% include %}', '{% include %} needs', 1),
    ('{% include other.html %}', '{% include %} needs', 1),
    ('x{% args a %}', '{% args %} must come first', 1),
    ('{% args a %}{% args b %}', '{% args %} must come first', 1),
    ('a\n\n{{ 1 + }}', 'invalid Python', 3),
    ('{% args a %}\n{% if a = 1 %}{% endif %}', 'invalid Python', 2),
    ('\n{% args a b %}', 'invalid Python', 2),
    ('{% set x = %}', 'invalid Python', 1),
    ('{% include "a.html" 1 2 %}', 'invalid Python', 1),
]


class TestEscape(unittest.TestCase):
    def test_escape(self):
        self.assertEqual(escape('<a href="x">T&C\'s</a>'),
                         '&lt;a href=&quot;x&quot;&gt;T&amp;C&#39;s&lt;/a&gt;')
        self.assertEqual(escape(42), '42')
        self.assertEqual(escape('&amp;'), '&amp;amp;')

    def test_objects_with_html_are_trusted(self):
        class Html:
            def __html__(self):
                return '<b>ok</b>'

        self.assertEqual(escape(Html()), '<b>ok</b>')
        self.assertEqual(render('{% args h %}{{ h }}', Html()), '<b>ok</b>')

    def test_tokens_carry_line_numbers(self):
        self.assertEqual(tokenize('a\n{{ b }}\n{# c #}\nd'), [
            ('text', 'a\n', 1), ('{{', 'b', 2), ('text', '\n', 2),
            ('{#', 'c', 3), ('text', 'd', 4)])


class TestCompiler(unittest.TestCase):
    def test_render_table(self):
        for source, args, kwargs, expected in RENDER_CASES:
            self.assertEqual(render(source, *args, **kwargs), expected,
                             source)

    def test_render_is_a_generator_of_chunks(self):
        chunks = compile_template('{% args a %}<p>{{ a }}</p>')('x')
        self.assertEqual(next(chunks), '<p>')
        self.assertEqual(list(chunks), ['x', '</p>'])

    def test_error_table(self):
        for source, fragment, line in ERROR_CASES:
            with self.assertRaises(TemplateSyntaxError) as context:
                compile_template(source, 'bad.html')
            error = context.exception
            self.assertIn(fragment, str(error), source)
            self.assertIn('bad.html, line %d:' % line, str(error), source)
            self.assertEqual(error.line, line, source)
            self.assertEqual(error.name, 'bad.html')

    def test_invalid_python_with_no_bad_line(self):
        # every line parses alone, the function as a whole does not
        with self.assertRaises(TemplateSyntaxError) as context:
            compile_template('{% args x %}{% set global x; y = 2 %}',
                             'bad.html')
        self.assertIsNone(context.exception.line)
        self.assertIn('bad.html: invalid Python', str(context.exception))

    def test_syntax_error_is_a_value_error(self):
        with self.assertRaises(ValueError):
            compile_template('{% endif %}')

    def test_undeclared_argument_is_a_type_error(self):
        with self.assertRaises(TypeError):
            compile_template('{% args a %}{{ a }}')('x', b=1)

    def test_expression_errors_raise_when_rendered(self):
        chunks = compile_template('a{{ 1 // 0 }}')()
        self.assertEqual(next(chunks), 'a')
        with self.assertRaises(ZeroDivisionError):
            next(chunks)


class TestLoader(unittest.TestCase):
    def setUp(self):
        self.loader = Loader(None, TEMPLATES)

    def test_compiles_once(self):
        render = self.loader.load('item.html')
        self.assertIs(self.loader.load('item.html'), render)
        self.assertIn('item.html', self.loader.cache)
        self.assertEqual(''.join(render('a')),
                         '  <li class="item-0">a</li>\n')

    def test_includes_are_cached_too(self):
        ''.join(self.loader.render('page.html', 't', ['a']))
        self.assertIn('item.html', self.loader.cache)

    def test_paths(self):
        self.assertEqual(self.loader.path('a.html'), TEMPLATES + '/a.html')
        self.assertEqual(Loader(None, 'x/').path('a.html'), 'x/a.html')

    def test_dynamic_include(self):
        self.assertEqual(''.join(self.loader.render('dynamic.html',
                                                    'item.html')),
                         '  <li class="item-0">x</li>\n')

    def test_missing_template(self):
        with self.assertRaises(TemplateNotFound) as context:
            self.loader.load('nope.html')
        self.assertIn('tests/templates/nope.html', str(context.exception))
        self.assertTrue(isinstance(context.exception, OSError))

    def test_malformed_template_names_file_and_line(self):
        with self.assertRaises(TemplateSyntaxError) as context:
            self.loader.load('unclosed.html')
        self.assertIn('tests/templates/unclosed.html, line 3: {% for %} is '
                      'never closed', str(context.exception))
        with self.assertRaises(TemplateSyntaxError) as context:
            self.loader.load('bad_python.html')
        self.assertIn('tests/templates/bad_python.html, line 3: invalid '
                      'Python', str(context.exception))
        self.assertNotIn('unclosed.html', self.loader.cache)


PAGE_ARGS = ('Fish & Chips', ['cod', '<script>alert("x")</script>'])
PAGE_KWARGS = {'user': "O'Brien", 'note': '<em>fresh</em>'}


class TestRenderTemplate(unittest.TestCase):
    def setUp(self):
        init_templates(TEMPLATES, loader_class=Loader)

    def tearDown(self):
        init_templates()

    def test_page_matches_expected_file(self):
        self.assertEqual(
            ''.join(render_template('page.html', *PAGE_ARGS, **PAGE_KWARGS)),
            read_text(TEMPLATES + '/expected/page.html'))
        self.assertEqual(''.join(render_template('page.html', 'Empty', [])),
                         read_text(TEMPLATES + '/expected/page_empty.html'))

    def test_result_streams_chunks(self):
        result = render_template('page.html', *PAGE_ARGS, **PAGE_KWARGS)
        self.assertTrue(isinstance(result, Rendered))
        self.assertEqual(iter(result), result)
        first = next(result)
        self.assertEqual(first, '<!DOCTYPE html>\n<html>\n<head><title>')
        self.assertGreater(len(list(result)), 5)
        result.close()

    def test_content_type_from_extension(self):
        self.assertEqual(render_template('plain.html').content_type, HTML)
        self.assertEqual(render_template('greeting.txt', 'x').content_type,
                         'text/plain; charset=UTF-8')

    def test_content_type_of_rarer_extensions(self):
        # the types send_file knows beside types_map, one lookup for both
        for name, expected in (('a.htm', HTML),
                               ('a.SVG', 'image/svg+xml; charset=UTF-8'),
                               ('a.xml', 'application/xml; charset=UTF-8'),
                               ('a.ics', None), ('noextension', None),
                               ('dir.d/page', None)):
            self.assertEqual(content_type_for(name), expected, name)

    def test_init_templates_resets_the_cache(self):
        render_template('plain.html')
        loader = microdot_utemplate._loader
        init_templates(TEMPLATES, loader_class=Loader)
        self.assertIsNot(microdot_utemplate._loader, loader)
        self.assertEqual(microdot_utemplate._loader.cache, {})

    def test_default_directory(self):
        init_templates()
        self.assertEqual(microdot_utemplate._loader.template_dir,
                         'templates')

    def test_missing_template(self):
        with self.assertRaises(TemplateNotFound):
            render_template('missing.html')

    def test_served_by_an_app(self):
        app = Microdot()

        @app.get('/')
        def index(req):
            return render_template('page.html', *PAGE_ARGS, **PAGE_KWARGS)

        @app.get('/html')
        def html(req):
            return render_template('plain.html'), {'Content-Type': HTML}

        @app.get('/missing')
        def missing(req):
            return render_template('missing.html')

        client = microdot_test_client.TestClient(app)
        res = client.get('/')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, read_text(TEMPLATES +
                                             '/expected/page.html'))
        res = client.get('/html')
        self.assertEqual(res.headers['Content-Type'], HTML)
        self.assertEqual(res.text, '<p>No arguments here.</p>\n')
        _quiet(self)
        self.assertEqual(client.get('/missing').status_code, 500)

    def test_served_by_an_async_app(self):
        # the result is not a generator: MicroPython's asyncio dispatch
        # cannot tell a generator returned by a plain handler from a
        # coroutine (it would await it), but streams this iterator
        app = microdot_asyncio.Microdot()

        @app.get('/')
        def index(req):
            return render_template('page.html', *PAGE_ARGS, **PAGE_KWARGS)

        @app.get('/async')
        async def async_index(req):
            return render_template('page.html', *PAGE_ARGS, **PAGE_KWARGS)

        client = microdot_asyncio_test_client.TestClient(app)
        for path in ('/', '/async'):
            res = asyncio.run(client.get(path))
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.text, read_text(TEMPLATES +
                                                 '/expected/page.html'))


class _FakeLoader:
    def __init__(self, pkg, dir):
        self.made_with = (pkg, dir)

    def load(self, name):
        def render(*args):
            yield 'fake %s %r' % (name, args)
        return render


class _FakeRecompile:
    Loader = _FakeLoader


class _FakeUtemplate:
    recompile = _FakeRecompile


class TestRealUtemplatePreferred(unittest.TestCase):
    def test_real_package_is_used_when_importable(self):
        saved = sys.modules.pop('microdot_utemplate')
        sys.modules['utemplate'] = _FakeUtemplate
        try:
            module = __import__('microdot_utemplate')
            self.assertIs(module._default_loader_class, _FakeLoader)
            module.init_templates('somewhere')
            self.assertEqual(module._loader.made_with, (None, 'somewhere'))
            self.assertEqual(''.join(module.render_template('a.html', 1)),
                             "fake a.html (1,)")
        finally:
            del sys.modules['utemplate']
            sys.modules['microdot_utemplate'] = saved

    def test_own_compiler_without_the_package(self):
        try:
            import utemplate  # noqa: F401
            self.skipTest('the real utemplate is installed')
        except ImportError:
            pass
        self.assertIs(microdot_utemplate._default_loader_class, Loader)


def _quiet(test):
    # the 500 above prints a traceback: keep the test output readable
    import _microdot_errors
    saved = getattr(_microdot_errors, 'print_exception', None)
    if saved is not None:
        _microdot_errors.print_exception = lambda exc: None
        test.addCleanup(setattr, _microdot_errors, 'print_exception', saved)
