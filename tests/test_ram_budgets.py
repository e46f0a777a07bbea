"""RAM budgets: what ``import M`` keeps on MicroPython's heap, per module.

tests/ram_budgets.json maps a key to the most bytes the import may retain
(its "budgets"); its "targets" are the figures the footprint work aims at
and are not checked here. A key is a module name, or ``M+FIRST`` for an
extension measured on top of the core it needs (``FIRST`` is imported
before the measure; several may be chained with ``+``).

The method, one fresh ``.venv/bin/micropython -c PROGRAM`` per key, run
from the repository root with ``MICROPYPATH=src:.frozen`` (relative on
purpose: a module's ``__file__`` lands on the heap, so an absolute path
would make the numbers depend on where the checkout lives), PROGRAM being
exactly (the ``import FIRST`` line only for an ``M+FIRST`` key)::

    import gc
    import FIRST
    gc.collect(); a=gc.mem_alloc(); import M; gc.collect(); print(gc.mem_alloc()-a)

benchmarks/memory.py measures its import table with the same program, so
its ``.py`` column for ours matches. Keep the program as it is: every name
it adds is interned before the measure, and MicroPython grows its table of
interned names (qstrs) by whole pools, each about twice the last (3.6 KB at
today's size); the import that overflows a pool pays for the next one.
So a measure can jump by a pool when names elsewhere change, with no change
in the module itself; a failure here says when a pool was allocated.

Skipped when the binary is missing. To see every measure against its
budget, and the budget each would get today (rounded up to 256 bytes)::

    .venv/bin/python tests/test_ram_budgets.py
"""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUDGETS_FILE = os.path.join(ROOT, 'tests', 'ram_budgets.json')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
ROUND = 256

with open(BUDGETS_FILE) as f:
    BUDGETS = json.load(f)['budgets']

def split_key(key):
    """``'microdot_session+microdot'`` -> ``('microdot_session',
    ['microdot'])``."""
    name, *first = key.split('+')
    return name, first


def program(key, qstr_info=False):
    """The measuring program for ``key``; with ``qstr_info`` it also prints
    MicroPython's qstr table before and after (a diagnostic: those lines
    move the measure a little)."""
    name, first = split_key(key)
    lines = ['import gc'] + ['import %s' % module for module in first]
    if qstr_info:
        lines += ['import micropython', 'micropython.qstr_info()']
    lines.append('gc.collect(); a=gc.mem_alloc(); import %s; gc.collect(); '
                 'print(gc.mem_alloc()-a)' % name)
    if qstr_info:
        lines.append('micropython.qstr_info()')
    return '\n'.join(lines)


def run_program(key, qstr_info=False):
    env = dict(os.environ, MICROPYPATH='src:.frozen')
    return subprocess.run([MICROPYTHON, '-c', program(key, qstr_info)],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=30)


def measure(key):
    """Bytes retained by importing the key's module, or raise
    AssertionError with the interpreter's output."""
    done = run_program(key)
    lines = done.stdout.split()
    if done.returncode == 0 and lines and lines[-1].isdigit():
        return int(lines[-1])
    raise AssertionError('%s: import failed under MicroPython (exit %d):\n'
                         '%s%s' % (key, done.returncode, done.stdout,
                                   done.stderr))


def qstr_growth(key):
    """A sentence on the qstr pools allocated during the import."""
    done = run_program(key, qstr_info=True)
    pools = re.findall(r'n_pool=(\d+), n_qstr=(\d+), n_str_data_bytes=\d+, '
                       r'n_total_bytes=(\d+)', done.stdout)
    if len(pools) != 2:
        return ''
    (pool0, qstr0, total0), (pool1, qstr1, total1) = pools
    text = ' The import interned %d names; the qstr tables grew by %d bytes' \
        % (int(qstr1) - int(qstr0), int(total1) - int(total0))
    if pool1 != pool0:
        text += (', a new pool among them: MicroPython pays for a whole pool '
                 'in the import that overflows the last one, so this may be '
                 'names added elsewhere rather than growth of this module')
    return text + '.'


needs_micropython = pytest.mark.skipif(
    not os.access(MICROPYTHON, os.X_OK),
    reason='no .venv/bin/micropython (make test installs it)')


@needs_micropython
@pytest.mark.parametrize('key', sorted(BUDGETS))
def test_import_within_budget(key):
    measured = measure(key)
    budget = BUDGETS[key]
    if measured > budget:
        raise AssertionError(
            '%s: import keeps %d bytes on the MicroPython heap, over its '
            'budget of %d (+%d); shrink it, or raise the budget in '
            'tests/ram_budgets.json and say why in the commit.%s'
            % (key, measured, budget, measured - budget, qstr_growth(key)))


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
