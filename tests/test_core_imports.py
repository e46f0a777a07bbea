"""The private core modules stay sans-IO (CPython only, pytest).

ARCHITECTURE.md: "The core modules never import socket, asyncio, threading
or select (a test proves it)." Every ``src/_microdot_*.py`` is checked twice:
except the private drivers listed in DRIVERS,
statically (every ``import``/``from ... import`` in its AST, at any depth,
guarded or not) and dynamically (imported in a fresh interpreter, it must
not pull any of those modules into ``sys.modules``, directly or through a
module it imports).
"""
import ast
import glob
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, 'src')
FORBIDDEN = {'socket', 'asyncio', 'threading', 'select', 'selectors',
             '_thread', 'usocket', 'uasyncio', 'uselect', 'ssl'}
# _thread is built in and preloaded by importlib itself: source check only
LOADED_FORBIDDEN = FORBIDDEN - {'_thread'}
REQUIRED = ['_microdot_http', '_microdot_response']
# private modules that are drivers, not core: I/O is their job
DRIVERS = {'_microdot_asyncio_protocol', '_microdot_threaded',
           '_microdot_thread_pool', '_microdot_asyncio_server',
           '_microdot_sse_thread'}


def core_modules():
    found = [os.path.basename(p)[:-3]
             for p in glob.glob(os.path.join(SRC, '_microdot_*.py'))]
    return sorted((set(found) | set(REQUIRED)) - DRIVERS)


def imported_names(tree):
    """Top-level names of every module an AST imports (relative ones too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split('.')[0])
        elif isinstance(node, ast.Call) and \
                getattr(node.func, 'id', None) == '__import__' and \
                node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value).split('.')[0])
    return names


def test_core_modules_exist():
    for name in REQUIRED:
        assert os.path.exists(os.path.join(SRC, name + '.py')), name


def test_imported_names_helper_sees_guarded_and_nested_imports():
    tree = ast.parse('try:\n    import socket\nexcept ImportError:\n'
                     '    pass\ndef f():\n    from asyncio import sleep\n'
                     'import os.path\n__import__("select")\n')
    assert imported_names(tree) == {'socket', 'asyncio', 'os', 'select'}


@pytest.mark.parametrize('module', core_modules())
def test_no_io_imports_in_source(module):
    path = os.path.join(SRC, module + '.py')
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    bad = imported_names(tree) & FORBIDDEN
    assert not bad, '%s imports %s' % (module, sorted(bad))


CHECK = '''
import json, sys
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
__import__(sys.argv[2])
print(json.dumps({"before": sorted(before), "after": sorted(sys.modules)}))
'''


def modules_after_import(module):
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    proc = subprocess.run(
        # -S: site .pth files may preload threading; stdlib only is enough
        [sys.executable, '-S', '-c', CHECK, SRC, module], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize('module', core_modules())
def test_no_io_modules_loaded_by_import(module):
    result = modules_after_import(module)
    before = {m.split('.')[0] for m in result['before']}
    after = {m.split('.')[0] for m in result['after']}
    # a clean interpreter must not have them already, or the check is void
    assert not (before & LOADED_FORBIDDEN), sorted(before & LOADED_FORBIDDEN)
    assert module in after
    bad = after & LOADED_FORBIDDEN
    assert not bad, '%s loads %s' % (module, sorted(bad))
