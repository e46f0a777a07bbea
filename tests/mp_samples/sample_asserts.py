"""The unittest subset portable tests may use.

Every test here passes or is skipped, on CPython's unittest and on
tests/_mp_unittest.py alike (tests/test_mp_runner.py checks both).
"""
import asyncio
import unittest

LOG = []


async def _value(value):
    await asyncio.sleep(0)
    return value


async def _raise(exc):
    await asyncio.sleep(0)
    raise exc


class TestAssertions(unittest.TestCase):
    def test_equality(self):
        self.assertEqual([1, 2], [1, 2])
        self.assertNotEqual(1, 2)
        with self.assertRaises(AssertionError):
            self.assertEqual(1, 2)
        with self.assertRaises(AssertionError):
            self.assertNotEqual(1, 1)

    def test_truth_and_identity(self):
        marker = object()
        self.assertTrue(1)
        self.assertFalse('')
        self.assertIs(marker, marker)
        self.assertIsNot(marker, object())
        self.assertIsNone(None)
        self.assertIsNotNone(0)
        for check, args in ((self.assertTrue, (0,)),
                            (self.assertFalse, (1,)),
                            (self.assertIs, (1, 2)),
                            (self.assertIsNot, (marker, marker)),
                            (self.assertIsNone, (0,)),
                            (self.assertIsNotNone, (None,))):
            self.assertRaises(AssertionError, check, *args)

    def test_membership_and_type(self):
        self.assertIn('a', 'abc')
        self.assertNotIn(3, [1, 2])
        self.assertIsInstance(1, int)  # not True: bool is no int on MicroPython
        self.assertIsInstance(1, (str, int))
        with self.assertRaises(AssertionError):
            self.assertIn(3, [1, 2])
        with self.assertRaises(AssertionError):
            self.assertNotIn('b', 'abc')
        with self.assertRaises(AssertionError):
            self.assertIsInstance('1', int)

    def test_ordering(self):
        self.assertGreater(2, 1)
        self.assertGreaterEqual(2, 2)
        self.assertLess(1, 2)
        self.assertLessEqual(2, 2)
        for check in (self.assertGreater, self.assertLess):
            with self.assertRaises(AssertionError):
                check(1, 1)
        with self.assertRaises(AssertionError):
            self.assertGreaterEqual(1, 2)
        with self.assertRaises(AssertionError):
            self.assertLessEqual(2, 1)

    def test_almost_and_count_equal(self):
        self.assertAlmostEqual(1.0, 1.00000001)
        self.assertAlmostEqual(1.0, 1.1, delta=0.2)
        self.assertAlmostEqual(1.0, 1.004, places=2)
        with self.assertRaises(AssertionError):
            self.assertAlmostEqual(1.0, 1.1)
        self.assertCountEqual([1, 2, 2], [2, 1, 2])
        with self.assertRaises(AssertionError):
            self.assertCountEqual([1, 2], [1, 2, 2])

    def test_assert_raises_context(self):
        with self.assertRaises(ValueError) as cm:
            int('x')
        self.assertIsInstance(cm.exception, ValueError)
        with self.assertRaises((KeyError, IndexError)) as cm:
            [][1]
        self.assertIsInstance(cm.exception, IndexError)
        with self.assertRaises(AssertionError):
            with self.assertRaises(ValueError):
                pass
        with self.assertRaises(KeyError):
            with self.assertRaises(ValueError):
                raise KeyError('other exceptions propagate')

    def test_assert_raises_callable(self):
        self.assertRaises(ZeroDivisionError, lambda a, b: a / b, 1, 0)
        self.assertRaises(AssertionError, self.assertRaises, ValueError,
                          lambda: None)

    def test_fail_and_messages(self):
        with self.assertRaises(AssertionError) as cm:
            self.fail('boom')
        self.assertIn('boom', str(cm.exception))
        with self.assertRaises(AssertionError) as cm:
            self.assertEqual(1, 2, 'extra words')
        self.assertIn('extra words', str(cm.exception))

    def test_sub_test(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 3)


class TestLifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        LOG.append('setUpClass')
        cls.shared = 'shared'

    @classmethod
    def tearDownClass(cls):
        LOG.append('tearDownClass')

    def setUp(self):
        LOG.append('setUp')
        self.value = 42
        self.addCleanup(LOG.append, 'cleanup')

    def tearDown(self):
        LOG.append('tearDown')

    def test_a_first(self):
        self.assertEqual(self.shared, 'shared')
        self.assertEqual(self.value, 42)
        LOG.append('test')

    def test_b_second(self):
        self.assertEqual(LOG, ['setUpClass', 'setUp', 'test', 'tearDown',
                               'cleanup', 'setUp'])


class TestLifecycleDone(unittest.TestCase):
    def test_class_torn_down(self):
        self.assertEqual(LOG[-1], 'tearDownClass')


class TestAsync(unittest.TestCase):
    async def test_await(self):
        self.assertEqual(await _value(3), 3)

    async def test_assert_raises_around_await(self):
        with self.assertRaises(ValueError):
            await _raise(ValueError('x'))


class TestIsolatedAsync(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.ready = await _value('ready')

    async def test_async_setup_ran(self):
        self.assertEqual(self.ready, 'ready')
        self.assertEqual(await _value(1), 1)

    def test_sync_test_in_async_case(self):
        self.assertEqual(self.ready, 'ready')


class TestSkips(unittest.TestCase):
    @unittest.skipIf(True, 'condition true')
    def test_skip_if(self):
        self.fail('ran')

    @unittest.skipIf(False, 'never')
    def test_skip_if_false_runs(self):
        pass

    @unittest.skipUnless(False, 'condition false')
    def test_skip_unless(self):
        self.fail('ran')

    @unittest.skipUnless(True, 'never')
    def test_skip_unless_true_runs(self):
        pass

    def test_skip_test(self):
        self.skipTest('skipped from inside')
        self.fail('ran')

    @unittest.skip('async skipped')
    async def test_skip_async(self):
        self.fail('ran')


@unittest.skip('whole class skipped')
class TestSkippedClass(unittest.TestCase):
    def test_one(self):
        self.fail('ran')

    def test_two(self):
        self.fail('ran')


class TestSkippedInSetUpClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise unittest.SkipTest('not here')

    def test_one(self):
        self.fail('ran')
