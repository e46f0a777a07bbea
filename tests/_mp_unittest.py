"""A minimal ``unittest`` for MicroPython, which has none.

``tests/mp_runner.py`` installs this module as ``sys.modules['unittest']``
when ``import unittest`` fails, before it imports any test module, so test
modules simply ``import unittest``. It provides the subset our tests use;
the runner, not this module, finds and runs the tests.

Differences from CPython's ``unittest`` (keep tests inside this subset):

- ``subTest()`` is a no-op context manager: the first failing sub-test ends
  the test.
- ``assertRaises`` works as a context manager (``cm.exception``) and in the
  callable form; there is no ``assertRaisesRegex``, ``assertWarns``,
  ``assertLogs`` or ``assertRegex``.
- ``IsolatedAsyncioTestCase`` only adds ``asyncSetUp``/``asyncTearDown``; the
  runner awaits them and the test in one ``asyncio.run()``.
- ``skip`` wraps a method in a function that raises ``SkipTest``
  (MicroPython functions cannot carry attributes); on a class it sets
  ``__unittest_skip__`` and ``__unittest_skip_why__`` as CPython does.
"""


class SkipTest(Exception):
    """Raised to skip a test; the reason is its argument."""


def _name(classes):
    if isinstance(classes, tuple):
        return ' or '.join(c.__name__ for c in classes)
    return classes.__name__


class _AssertRaisesContext:
    def __init__(self, expected, test):
        self.expected = expected
        self.test = test
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.test.fail('%s not raised' % _name(self.expected))
        if not issubclass(exc_type, self.expected):
            return False
        self.exception = exc
        return True


class _SubTest:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False


class TestCase:
    """The base class of test cases (a subset of CPython's)."""

    failureException = AssertionError
    maxDiff = 640

    def __init__(self, methodName='runTest'):
        self._testMethodName = methodName
        self._cleanups = []

    def __repr__(self):
        return '<%s testMethod=%s>' % (type(self).__name__,
                                       self._testMethodName)

    def id(self):
        return '%s.%s' % (type(self).__name__, self._testMethodName)

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def addCleanup(self, function, *args, **kwargs):
        self._cleanups.append((function, args, kwargs))

    def doCleanups(self):
        while self._cleanups:
            function, args, kwargs = self._cleanups.pop()
            function(*args, **kwargs)
        return True

    def subTest(self, msg=None, **params):
        return _SubTest()

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=None):
        raise self.failureException(msg)

    def _fail(self, standard, msg):
        # CPython's longMessage format: "standard : msg"
        if msg is not None:
            standard = '%s : %s' % (standard, msg)
        raise self.failureException(standard)

    def assertEqual(self, first, second, msg=None):
        if not first == second:
            self._fail('%r != %r' % (first, second), msg)

    assertDictEqual = assertListEqual = assertTupleEqual = assertEqual
    assertSetEqual = assertMultiLineEqual = assertSequenceEqual = assertEqual

    def assertNotEqual(self, first, second, msg=None):
        if not first != second:
            self._fail('%r == %r' % (first, second), msg)

    def assertTrue(self, expr, msg=None):
        if not expr:
            self._fail('%r is not true' % (expr,), msg)

    def assertFalse(self, expr, msg=None):
        if expr:
            self._fail('%r is not false' % (expr,), msg)

    def assertIs(self, first, second, msg=None):
        if first is not second:
            self._fail('%r is not %r' % (first, second), msg)

    def assertIsNot(self, first, second, msg=None):
        if first is second:
            self._fail('unexpectedly identical: %r' % (first,), msg)

    def assertIsNone(self, obj, msg=None):
        if obj is not None:
            self._fail('%r is not None' % (obj,), msg)

    def assertIsNotNone(self, obj, msg=None):
        if obj is None:
            self._fail('unexpectedly None', msg)

    def assertIn(self, member, container, msg=None):
        if member not in container:
            self._fail('%r not found in %r' % (member, container), msg)

    def assertNotIn(self, member, container, msg=None):
        if member in container:
            self._fail('%r unexpectedly found in %r' % (member, container),
                       msg)

    def assertIsInstance(self, obj, cls, msg=None):
        if not isinstance(obj, cls):
            self._fail('%r is not an instance of %r' % (obj, cls), msg)

    def assertNotIsInstance(self, obj, cls, msg=None):
        if isinstance(obj, cls):
            self._fail('%r is an instance of %r' % (obj, cls), msg)

    def assertGreater(self, a, b, msg=None):
        if not a > b:
            self._fail('%r not greater than %r' % (a, b), msg)

    def assertGreaterEqual(self, a, b, msg=None):
        if not a >= b:
            self._fail('%r not greater than or equal to %r' % (a, b), msg)

    def assertLess(self, a, b, msg=None):
        if not a < b:
            self._fail('%r not less than %r' % (a, b), msg)

    def assertLessEqual(self, a, b, msg=None):
        if not a <= b:
            self._fail('%r not less than or equal to %r' % (a, b), msg)

    def assertAlmostEqual(self, first, second, places=None, msg=None,
                          delta=None):
        if first == second:
            return
        diff = abs(first - second)
        if delta is not None:
            if diff <= delta:
                return
            standard = '%r != %r within %r delta' % (first, second, delta)
        else:
            places = 7 if places is None else places
            if round(diff, places) == 0:
                return
            standard = '%r != %r within %r places' % (first, second, places)
        self._fail(standard, msg)

    def assertNotAlmostEqual(self, first, second, places=None, msg=None,
                             delta=None):
        try:
            self.assertAlmostEqual(first, second, places, None, delta)
        except AssertionError:
            return
        self._fail('%r == %r (almost)' % (first, second), msg)

    def assertCountEqual(self, first, second, msg=None):
        rest = list(second)
        for item in first:
            if item not in rest:
                break
            rest.remove(item)
        else:
            if not rest:
                return
        self._fail('element counts differ: %r != %r' % (first, second), msg)

    def assertRaises(self, expected, *args, **kwargs):
        context = _AssertRaisesContext(expected, self)
        if not args:
            return context
        with context:
            args[0](*args[1:], **kwargs)


class IsolatedAsyncioTestCase(TestCase):
    """A TestCase whose ``async def`` tests and hooks the runner awaits."""

    async def asyncSetUp(self):
        pass

    async def asyncTearDown(self):
        pass


def _identity(obj):
    return obj


def skip(reason):
    """Skip a test method or a whole TestCase class."""
    def decorator(obj):
        if isinstance(obj, type):
            obj.__unittest_skip__ = True
            obj.__unittest_skip_why__ = reason
            return obj

        def skipped(*args, **kwargs):
            raise SkipTest(reason)
        return skipped

    if callable(reason) and not isinstance(reason, str):
        # bare @unittest.skip
        obj, reason = reason, ''
        return decorator(obj)
    return decorator


def skipIf(condition, reason):
    return skip(reason) if condition else _identity


def skipUnless(condition, reason):
    return _identity if condition else skip(reason)


def main(*args, **kwargs):
    raise NotImplementedError('run tests with: micropython tests/mp_runner.py')
