"""One passing, one failing, one skipped and one async test."""
import unittest


class TestSample(unittest.TestCase):
    def test_pass(self):
        self.assertEqual(1 + 1, 2)

    def test_fail(self):
        self.assertEqual('expected', 'actual')

    @unittest.skip('skipped on purpose')
    def test_skip(self):
        self.fail('a skipped test ran')

    async def test_async(self):
        import asyncio
        await asyncio.sleep(0)
        self.assertTrue(True)
