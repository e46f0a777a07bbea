"""Shared by bench.py, bench_adapters.py, instructions.py, memory.py and
ws_bench.py: machine description, docs/benchmarks.md.

Each script owns one section of ``docs/benchmarks.md``, between
``<!-- NAME:begin -->`` and ``<!-- NAME:end -->`` markers, and ``--write``
replaces only that section, so the load, adapters, memory and WebSocket
results can be refreshed independently.
"""
import datetime
import os
import platform
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(ROOT, 'docs', 'benchmarks.md')
OUT = os.path.join(HERE, 'out')  # raw logs, gitignored
SECTIONS = ['load', 'adapters', 'instructions', 'memory', 'websocket']

INTRO = """# Benchmarks

Five harnesses live in `benchmarks/`; each writes its own section below
with `--write` and leaves the others as they were.

- `make bench` (`benchmarks/bench.py`): requests per second of hello world
  under `wrk`, our servers against microdot 1.3.4, microdot 2.x and a bare
  asyncio `Protocol` server.
- `make bench-adapters` (`benchmarks/bench_adapters.py`): requests per
  second of hello world with our WSGI app under gunicorn and our ASGI app
  under uvicorn, against bare callables, Bottle, Flask, Starlette and
  microdot 1.3.4 on the same servers.
- `make bench-instructions` (`benchmarks/instructions.py`): the same
  servers under valgrind, counting the instructions each spends per request,
  a measure that the shared machine's noise does not move.
- `make bench-memory` (`benchmarks/memory.py`): RAM used on MicroPython
  after importing each portable module, while serving hello world (and the
  smallest heap that does it) and while serving a typical app, from source
  and from `.mpy`, ours beside microdot 1.3.4 measured in the same run.
- `make bench-ws` (`benchmarks/ws_bench.py`): WebSocket messages per second
  of a 1 KB echo, our servers against the `websockets` library's own server,
  with the same client.

Pass options with `BENCH_ARGS`, e.g. `make bench BENCH_ARGS=--write` or
`make bench BENCH_ARGS=--quick` (1 run x 3 s) for a quick look.
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            names = re.findall(r'model name\s*:\s*(.*)', f.read())
        if names:
            return names[0].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_revision():
    """``git describe`` of the tree measured, and whether src/ has edits."""
    try:
        rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                             cwd=ROOT, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'src'],
                               cwd=ROOT, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return 'unknown'
    if not rev:
        return 'unknown'
    return rev + (' with uncommitted changes in src/' if dirty else '')


def header_lines():
    return [
        '- date: %s' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        '- machine: %s, %d CPUs; %s' % (cpu_model(), os.cpu_count() or 1,
                                        platform.platform()),
        '- source: commit %s' % source_revision(),
    ]


def _marker(name, edge):
    return '<!-- %s:%s -->' % (name, edge)


def write_section(name, text):
    """Replace section ``name`` of docs/benchmarks.md with ``text``."""
    try:
        with open(RESULTS) as f:
            current = f.read()
    except OSError:
        current = ''
    sections = {}
    for other in SECTIONS:
        match = re.search(re.escape(_marker(other, 'begin')) + r'\n(.*?)' +
                          re.escape(_marker(other, 'end')), current, re.S)
        if match:
            sections[other] = match.group(1).rstrip('\n')
    sections[name] = text.rstrip('\n')
    parts = [INTRO]
    for section in SECTIONS:
        if section in sections:
            parts.append('%s\n%s\n%s\n' % (_marker(section, 'begin'),
                                           sections[section],
                                           _marker(section, 'end')))
    with open(RESULTS, 'w') as f:
        f.write('\n'.join(parts))
    log('wrote %s' % RESULTS)


def save_log(name, text):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        f.write(text)
    return path
