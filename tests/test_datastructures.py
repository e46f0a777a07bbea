"""NoCaseDict, MultiDict and URLPattern, through the public ``microdot`` names.

Portable: runs under pytest on CPython and under tests/mp_runner.py on
MicroPython.
"""
import unittest

from microdot import NoCaseDict, MultiDict, URLPattern


class TestNoCaseDict(unittest.TestCase):
    def make(self):
        d = NoCaseDict()
        d['Content-Type'] = 'text/plain'
        return d

    def test_is_a_dict(self):
        self.assertTrue(isinstance(NoCaseDict(), dict))

    def test_getitem_any_case(self):
        d = self.make()
        for key in ('Content-Type', 'content-type', 'CONTENT-TYPE',
                    'cOnTeNt-TyPe'):
            self.assertEqual(d[key], 'text/plain', key)

    def test_getitem_missing_raises_keyerror(self):
        with self.assertRaises(KeyError):
            self.make()['Content-Length']

    def test_get_any_case(self):
        self.assertEqual(self.make().get('CONTENT-type'), 'text/plain')

    def test_get_missing_default(self):
        d = self.make()
        self.assertIsNone(d.get('X-Missing'))
        self.assertEqual(d.get('X-Missing', 'dflt'), 'dflt')

    def test_in_any_case(self):
        d = self.make()
        self.assertIn('content-TYPE', d)
        self.assertNotIn('Content-Length', d)

    def test_set_other_case_overwrites(self):
        d = self.make()
        d['CONTENT-TYPE'] = 'text/html'
        self.assertEqual(len(d), 1)
        self.assertEqual(d['content-type'], 'text/html')

    def test_keeps_first_spelling(self):
        d = self.make()
        d['content-type'] = 'text/html'
        self.assertEqual(list(d.keys()), ['Content-Type'])

    def test_del_any_case(self):
        d = self.make()
        del d['CONTENT-TYPE']
        self.assertNotIn('Content-Type', d)
        self.assertEqual(len(d), 0)

    def test_del_then_set_again(self):
        d = self.make()
        del d['content-type']
        d['CONTENT-TYPE'] = 'x'
        self.assertEqual(len(d), 1)
        self.assertEqual(d['Content-Type'], 'x')

    def test_del_missing_raises_keyerror(self):
        d = self.make()
        with self.assertRaises(KeyError):
            del d['X-Missing']

    def test_update_any_case(self):
        d = self.make()
        d.update({'content-type': 'text/html', 'X-New': '1'})
        self.assertEqual(len(d), 2)
        self.assertEqual(d['Content-Type'], 'text/html')
        self.assertEqual(d['x-new'], '1')
        self.assertIn('Content-Type', list(d.keys()))

    def test_initial_dict(self):
        d = NoCaseDict({'X-Foo': 'bar'})
        self.assertEqual(d['x-foo'], 'bar')
        self.assertIn('X-FOO', d)
        self.assertEqual(list(d.keys()), ['X-Foo'])

    def test_equals_plain_dict(self):
        d = NoCaseDict({'X-Foo': 'bar'})
        d['Y'] = 1
        self.assertEqual(d, {'X-Foo': 'bar', 'Y': 1})
        self.assertTrue(d == {'X-Foo': 'bar', 'Y': 1})
        self.assertFalse(d == {'X-Foo': 'baz', 'Y': 1})

    def test_items_values(self):
        d = self.make()
        d['x-a'] = '1'
        self.assertEqual(sorted(d.items()),
                         [('Content-Type', 'text/plain'), ('x-a', '1')])
        self.assertEqual(sorted(d.values()), ['1', 'text/plain'])


class TestMultiDict(unittest.TestCase):
    def make(self):
        d = MultiDict()
        d['a'] = '1'
        d['a'] = '2'
        d['n'] = '42'
        d['bad'] = 'abc'
        return d

    def test_is_a_dict(self):
        self.assertTrue(isinstance(MultiDict(), dict))

    def test_setitem_appends_getitem_first(self):
        self.assertEqual(self.make()['a'], '1')

    def test_one_key_for_repeated_values(self):
        d = self.make()
        self.assertIn('a', d)
        self.assertEqual(len(d), 3)

    def test_getitem_missing_raises_keyerror(self):
        with self.assertRaises(KeyError):
            self.make()['missing']

    def test_get_first(self):
        self.assertEqual(self.make().get('a'), '1')

    def test_get_default(self):
        d = self.make()
        self.assertIsNone(d.get('missing'))
        self.assertEqual(d.get('missing', 'x'), 'x')
        self.assertEqual(d.get('missing', default='y'), 'y')

    def test_get_type(self):
        self.assertEqual(self.make().get('n', type=int), 42)

    def test_get_type_failure_gives_default(self):
        d = self.make()
        self.assertEqual(d.get('bad', default=0, type=int), 0)
        self.assertIsNone(d.get('bad', type=int))

    def test_getlist(self):
        self.assertEqual(self.make().getlist('a'), ['1', '2'])

    def test_getlist_missing_is_empty(self):
        self.assertEqual(self.make().getlist('missing'), [])

    def test_getlist_type(self):
        self.assertEqual(self.make().getlist('a', type=int), [1, 2])

    def test_initial_dict(self):
        d = MultiDict({'k': 'v'})
        self.assertEqual(d['k'], 'v')
        self.assertEqual(d.getlist('k'), ['v'])


# (pattern, path, expected url_args or None)
URL_MATCHES = [
    ('/', '/', {}),
    ('/', '/x', None),
    ('/users', '/users', {}),
    ('/users', '/users/', None),
    ('/users/', '/users/', {}),
    ('/users/', '/users', None),
    ('/users', '/user', None),
    ('/users', '/usersx', None),
    ('/users', '/users/1', None),
    ('/a/b/c', '/a/b/c', {}),
    ('/a/b/c', '/a/b', None),
    ('/users/<id>', '/users/abc', {'id': 'abc'}),
    ('/users/<id>', '/users/', None),
    ('/users/<id>', '/users', None),
    ('/users/<id>', '/users/a/b', None),
    ('/users/<string:id>', '/users/abc', {'id': 'abc'}),
    ('/users/<string:id>', '/users/a.b-c', {'id': 'a.b-c'}),
    ('/users/<int:id>', '/users/42', {'id': 42}),
    ('/users/<int:id>', '/users/0', {'id': 0}),
    ('/users/<int:id>', '/users/-7', {'id': -7}),
    ('/users/<int:id>', '/users/4x', None),
    ('/users/<int:id>', '/users/abc', None),
    ('/users/<int:id>', '/users/', None),
    ('/users/<int:id>/posts', '/users/3/posts', {'id': 3}),
    ('/files/<path:p>', '/files/a/b/c.txt', {'p': 'a/b/c.txt'}),
    ('/files/<path:p>', '/files/x', {'p': 'x'}),
    ('/files/<path:p>', '/files/', None),
    ('/files/<path:p>', '/files', None),
    ('/a/<path:p>/end', '/a/x/y/end', {'p': 'x/y'}),
    ('/a/<path:p>/end', '/a/x/end', {'p': 'x'}),
    ('/a/<path:p>/end', '/a/x/y', None),
    ('/r/<re:[a-c]+:v>', '/r/abcab', {'v': 'abcab'}),
    ('/r/<re:[a-c]+:v>', '/r/abd', None),
    ('/r/<re:[a-c]+:v>', '/r/', None),
    ('/<a>/<int:b>', '/x/3', {'a': 'x', 'b': 3}),
    ('/<a>/<b>/<c>', '/1/2/3', {'a': '1', 'b': '2', 'c': '3'}),
]

BAD_PATTERNS = [
    '/users/<id',
    '/users/<int:id',
    '/users/<foo:id>',
    '/users/<float:id>',
]


class TestURLPattern(unittest.TestCase):
    def test_table(self):
        for pattern, path, expected in URL_MATCHES:
            self.assertEqual(URLPattern(pattern).match(path), expected,
                             pattern + ' ~ ' + path)

    def test_int_is_converted(self):
        args = URLPattern('/<int:id>').match('/12')
        self.assertTrue(isinstance(args['id'], int))

    def test_long_path_matches(self):
        # MicroPython's re recurses on long inputs: plain segments avoid it
        path = '/files/' + '/'.join(['seg%d' % i for i in range(200)])
        args = URLPattern('/files/<path:p>').match(path)
        self.assertEqual(args, {'p': path[len('/files/'):]})

    def test_long_segment_matches(self):
        name = 'x' * 2000
        self.assertEqual(URLPattern('/u/<name>').match('/u/' + name),
                         {'name': name})

    def test_bad_patterns_raise_valueerror(self):
        for pattern in BAD_PATTERNS:
            with self.assertRaises(ValueError):
                URLPattern(pattern)


if __name__ == '__main__':
    unittest.main()


class TestModuleNames(unittest.TestCase):
    """The names that microdot and microdot_asyncio load on first use are
    theirs; other modules' internals are not."""

    def test_lazy_names_resolve(self):
        import microdot
        import microdot_asyncio
        import _microdot_query
        for name in ('MultiDict', 'urlencode', 'urldecode_str',
                     'urldecode_bytes'):
            self.assertIs(getattr(microdot, name),
                          getattr(_microdot_query, name))
            self.assertIs(getattr(microdot_asyncio, name),
                          getattr(_microdot_query, name))

    def test_internals_of_the_lazy_module_are_not_exported(self):
        import microdot
        import microdot_asyncio
        for name in ('parsed', 'Globals', 'io', 'json', 'no_such_name'):
            self.assertFalse(hasattr(microdot, name), name)
            self.assertFalse(hasattr(microdot_asyncio, name), name)
