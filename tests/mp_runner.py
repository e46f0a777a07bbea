"""Run the portable unittest-style tests under MicroPython (or CPython).

Usage, from the repository root::

    micropython tests/mp_runner.py [-v] [--list] [MODULE[:Class[.test]] ...]
    python tests/mp_runner.py ...       # the same run on CPython, to debug

Which modules: the arguments, or else the list ``PORTABLE`` in
``tests/__init__.py``. The runner puts ``tests/`` first on ``sys.path`` and
does ``from __init__ import PORTABLE``: importing that file as a plain
top-level module works the same on CPython and MicroPython and needs no
package support. Names are import names relative to ``tests/``
(``test_http``; dotted ``mp_samples.sample_basic`` works too). ``--list``
prints the modules that would run and exits.

``sys.path``: ``tests/`` then ``src/``, found from this file's path with
string operations (MicroPython has no ``os.path``; ``__file__`` may be
relative), so test modules ``import microdot`` from ``src/`` and import
shared helpers in ``tests/`` by plain name.

``unittest``: the real one where it exists (CPython); otherwise
``tests/_mp_unittest.py`` is installed as ``sys.modules['unittest']`` before
any test module is imported.

Collection: every class in a module's namespace that subclasses
``unittest.TestCase`` (imported ones included, as pytest does), and in it
every callable attribute whose name starts with ``test``, both sorted by
name (MicroPython's ``dir()`` has no stable order). A class marked with
``unittest.skip`` counts all its tests as skipped.

Running: ``setUpClass`` once per class, then per test a fresh instance,
``setUp``, the method, ``tearDown`` and cleanups, then ``tearDownClass``.
Async tests: a test method whose call returns a coroutine (CPython) or a
generator (MicroPython, where a coroutine is a generator) is run with
``asyncio.run()``, so a test method must never return a generator for any
other reason. In a class with ``asyncSetUp`` (``IsolatedAsyncioTestCase``,
the portable way to write async tests that pytest also awaits),
``asyncSetUp``, the test and ``asyncTearDown`` share one ``asyncio.run()``.

Output: ``FAIL: module:Class.test`` and the traceback for every failure or
error (a module that fails to import and a failing ``setUpClass`` count as
one failure each), ``SKIP:``/``ok:`` lines with ``-v``, then exactly
``N passed, N failed`` (``, N skipped`` when any). Exit status 1 if
anything failed.
"""
import gc
import sys


def _dirname(path):
    i = path.rfind('/')
    if i < 0:
        return '.'
    return path[:i] or '/'


TESTS_DIR = _dirname(__file__)
SRC_DIR = TESTS_DIR + '/../src'
sys.path.insert(0, SRC_DIR)
sys.path.insert(0, TESTS_DIR)

try:
    import unittest
except ImportError:
    import _mp_unittest as unittest
    sys.modules['unittest'] = unittest

try:
    _print_exception = sys.print_exception
except AttributeError:
    import traceback

    def _print_exception(exc):
        traceback.print_exception(type(exc), exc, exc.__traceback__,
                                  file=sys.stdout)

_BASES = (unittest.TestCase,
          getattr(unittest, 'IsolatedAsyncioTestCase', unittest.TestCase))


class Result:
    def __init__(self, verbose=False):
        self.passed = self.failed = self.skipped = 0
        self.verbose = verbose

    def ok(self, label):
        self.passed += 1
        if self.verbose:
            print('ok: ' + label)

    def skip(self, label, reason):
        self.skipped += 1
        if self.verbose:
            print('SKIP: %s (%s)' % (label, reason))

    def fail(self, label, exc):
        self.failed += 1
        print('FAIL: ' + label)
        _print_exception(exc)

    def summary(self):
        line = '%d passed, %d failed' % (self.passed, self.failed)
        if self.skipped:
            line += ', %d skipped' % self.skipped
        return line


def _is_coroutine(obj):
    # MicroPython: an async def call returns a generator
    name = type(obj).__name__
    return name == 'coroutine' or name == 'generator'


def _run_async(coro):
    import asyncio
    asyncio.run(coro)


async def _async_case(case, method):
    await case.asyncSetUp()
    try:
        result = method()
        if _is_coroutine(result):
            await result
    finally:
        await case.asyncTearDown()


def _call_test(case, name):
    method = getattr(case, name)
    if hasattr(case, 'asyncSetUp'):
        _run_async(_async_case(case, method))
        return
    result = method()
    if _is_coroutine(result):
        _run_async(result)


def _run_cleanups(case):
    # CPython and the shim both keep (function, args, kwargs) tuples
    cleanups = getattr(case, '_cleanups', None) or []
    while cleanups:
        function, args, kwargs = cleanups.pop()
        function(*args, **kwargs)


def _run_case(case, name):
    try:
        case.setUp()
        try:
            _call_test(case, name)
        finally:
            case.tearDown()
    finally:
        _run_cleanups(case)


def run_one(cls, name, label, result):
    try:
        _run_case(cls(name), name)
    except unittest.SkipTest as exc:
        result.skip(label, exc)
    except Exception as exc:
        result.fail(label, exc)
    else:
        result.ok(label)


def collect_test_names(cls):
    return sorted(name for name in dir(cls)
                  if name.startswith('test') and callable(getattr(cls, name)))


def run_class(cls, prefix, result, only=None):
    names = [n for n in collect_test_names(cls) if only is None or n == only]
    if not names:
        return
    skip_reason = None
    if getattr(cls, '__unittest_skip__', False):
        skip_reason = getattr(cls, '__unittest_skip_why__', '')
    else:
        try:
            cls.setUpClass()
        except unittest.SkipTest as exc:
            skip_reason = exc
        except Exception as exc:
            result.fail(prefix + '.setUpClass', exc)
            return
    if skip_reason is not None:
        for name in names:
            result.skip(prefix + '.' + name, skip_reason)
        return
    try:
        for name in names:
            run_one(cls, name, prefix + '.' + name, result)
    finally:
        try:
            cls.tearDownClass()
        except Exception as exc:
            result.fail(prefix + '.tearDownClass', exc)


def collect_classes(module):
    found = []
    for name in sorted(dir(module)):
        obj = getattr(module, name)
        if (isinstance(obj, type) and issubclass(obj, unittest.TestCase)
                and obj not in _BASES):
            found.append((name, obj))
    return found


def run_module(selector, result):
    # selector: module, module:Class or module:Class.test_name
    module_name, _, target = selector.partition(':')
    class_name, _, test_name = target.partition('.')
    try:
        __import__(module_name)
        module = sys.modules[module_name]
    except Exception as exc:
        result.fail(module_name + ' (import)', exc)
        return
    for name, cls in collect_classes(module):
        if class_name and name != class_name:
            continue
        run_class(cls, module_name + ':' + name, result, test_name or None)
        gc.collect()


def portable_modules():
    from __init__ import PORTABLE
    return list(PORTABLE)


def main(argv):
    verbose = '-v' in argv
    listing = '--list' in argv
    selectors = [a for a in argv if not a.startswith('-')]
    if not selectors:
        selectors = portable_modules()
    if listing:
        for selector in selectors:
            print(selector)
        return 0
    if not selectors:
        print('no portable test modules listed in tests/__init__.py')
    result = Result(verbose)
    for selector in selectors:
        run_module(selector, result)
    print(result.summary())
    return 1 if result.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
