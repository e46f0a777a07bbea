"""RAM budgets: what ``import M`` keeps on MicroPython's heap, per module.

tests/ram_budgets.json maps a key to the most bytes the import may retain
(its "budgets"); its "targets" are the figures the footprint work aims at
and are not checked here. A key is a module name, or ``M+FIRST`` for an
extension measured on top of the core it needs (``FIRST`` is imported
before the measure; several may be chained with ``+``).

The method, one fresh ``.venv/bin/micropython`` per key, run from the
repository root with ``MICROPYPATH=src:.frozen`` (relative on purpose: a
module's ``__file__`` lands on the heap, so an absolute path would make the
numbers depend on where the checkout lives)::

    gc.collect(); a = gc.mem_alloc(); import M; gc.collect()
    print(gc.mem_alloc() - a)

Skipped when the binary is missing. To see every measure against its
budget, and the budget each would get today (rounded up to 256 bytes)::

    .venv/bin/python tests/test_ram_budgets.py
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUDGETS_FILE = os.path.join(ROOT, 'tests', 'ram_budgets.json')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
ROUND = 256

with open(BUDGETS_FILE) as f:
    BUDGETS = json.load(f)['budgets']

# The measuring program; FIRST and NAME are filled in per key.
MEASURE = '''import gc
for m in FIRST:
    __import__(m)
gc.collect()
a = gc.mem_alloc()
__import__(NAME)
gc.collect()
print('RAM', gc.mem_alloc() - a)
'''


def split_key(key):
    """``'microdot_session+microdot'`` -> ``('microdot_session',
    ['microdot'])``."""
    name, *first = key.split('+')
    return name, first


def measure(key):
    """Bytes retained by importing the key's module, or raise
    AssertionError with the interpreter's output."""
    name, first = split_key(key)
    program = 'FIRST = %r\nNAME = %r\n' % (first, name) + MEASURE
    env = dict(os.environ, MICROPYPATH='src:.frozen')
    done = subprocess.run([MICROPYTHON, '-c', program], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)
    for line in done.stdout.splitlines():
        if line.startswith('RAM '):
            return int(line.split()[1])
    raise AssertionError('%s: import failed under MicroPython (exit %d):\n'
                         '%s%s' % (key, done.returncode, done.stdout,
                                   done.stderr))


needs_micropython = pytest.mark.skipif(
    not os.access(MICROPYTHON, os.X_OK),
    reason='no .venv/bin/micropython (make test installs it)')


@needs_micropython
@pytest.mark.parametrize('key', sorted(BUDGETS))
def test_import_within_budget(key):
    measured = measure(key)
    budget = BUDGETS[key]
    assert measured <= budget, (
        '%s: import keeps %d bytes on the MicroPython heap, over its budget '
        'of %d (+%d); shrink it, or raise the budget in '
        'tests/ram_budgets.json and say why in the commit'
        % (key, measured, budget, measured - budget))


def test_budget_file_shape():
    with open(BUDGETS_FILE) as f:
        data = json.load(f)
    assert 'must say why' in data['_comment']
    for table in ('budgets', 'targets'):
        for key, value in data[table].items():
            assert isinstance(value, int) and value > 0, (table, key)
    for key in data['targets']:
        assert key in data['budgets'], key


def main():
    """Print measured vs budget for every key, and today's rounded value."""
    if not os.access(MICROPYTHON, os.X_OK):
        sys.exit('no %s' % MICROPYTHON)
    print('%-36s %9s %9s %9s' % ('key', 'measured', 'budget', 'today'))
    for key in sorted(BUDGETS):
        measured = measure(key)
        today = -(-measured // ROUND) * ROUND
        print('%-36s %9d %9d %9d%s' % (key, measured, BUDGETS[key], today,
                                      '  OVER' if measured > BUDGETS[key]
                                      else ''))


if __name__ == '__main__':
    main()
