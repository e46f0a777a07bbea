#!/usr/bin/env python3
"""Adapters benchmark: hello world on our ASGI app under uvicorn and our WSGI
app under gunicorn, against bare callables and the peers on the same server.

Usage (``make bench-adapters`` runs the first with the project's .venv)::

    python benchmarks/bench_adapters.py          # print the markdown report
    python benchmarks/bench_adapters.py --write  # and write docs/benchmarks.md
    python benchmarks/bench_adapters.py --quick  # 1 run x 3 s, a quick look
    python benchmarks/bench_adapters.py --runs 5 --servers \
        bare-wsgi,ours-wsgi,bottle               # a subset (ids in --help)

Servers (apps in ``benchmarks/hello_adapters.py``, each answering ``GET /``
with 200 ``Hello, world!`` as text/plain):

- uvicorn, one process, ``--no-access-log``, ``--http h11`` (``--http``
  changes it, for all alike), once with ``--loop asyncio`` and once with
  ``--loop uvloop``: a bare ASGI callable, Starlette, microdot 1.3.4's
  ``microdot_asgi`` and ours (``microdot_asgi`` from ``src/``);
- gunicorn, one sync worker, its default settings (the access log is off
  unless ``--access-logfile`` is given, and it is not): a bare WSGI callable,
  Bottle, Flask and ours (``microdot_wsgi`` from ``src/``).

Ours and the bare callables run on the project's Python (its .venv, where
the dev extra installs gunicorn, uvicorn and uvloop); the peers run in
``benchmarks/.venvs/adapters`` (gitignored, created on first use), which
holds starlette, bottle, flask and microdot==1.3.4 from PyPI plus the same
versions of gunicorn, uvicorn, uvloop and h11 as the project's venv, so
every server of a group runs the same server code. The peers are never
runtime dependencies of the project.

Each server runs pinned to CPU 0 (``taskset -c 0``) and ``wrk`` (1 thread,
10 connections, default mode: HTTP/1.1 keep-alive, which gunicorn's sync
worker answers by closing every connection) to CPU 1. Every server is probed
before and after the load over a raw socket: 200, ``Hello, world!``,
text/plain. All servers are started up front, warmed up, then measured
``--runs`` times round by round (servers interleaved), and the report gives
medians, spreads and the ratios issue 4 asks for, all from this one run,
each with its ceiling (bare callable / denominator: what an app costing
nothing would reach). Before each round the harness waits (up to
``--wait-quiet`` s) for the machine to be idle, and during each run it
records the CPU used by the server and by every other process (the noise).

When a target is missed (or with ``--profile always``), ours is profiled
under the same load with py-spy (``py-spy record -r 500 -d 5 -f raw -p
PID``, installed into the running Python's venv when missing) and the
folded stacks are aggregated by self and by inclusive time. Only 127.0.0.1
is used, every wait is bounded, and only the processes started here are
stopped (by PID). Raw output (wrk, py-spy) goes to ``benchmarks/out/``
(gitignored).
"""
import argparse
import collections
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import _docs
from _docs import log
from _process import ServerProcess
from bench import Conn, ensure_wrk, free_port, installed_version, \
    load_average, parse_wrk, pinned, wrk_version

HERE = _docs.HERE
ROOT = _docs.ROOT
SRC = os.path.join(ROOT, 'src')
PEER_VENV = os.path.join(HERE, '.venvs', 'adapters')
HOST = '127.0.0.1'
EXPECTED_BODY = b'Hello, world!'
PEER_1 = '1.3.4'
# the peers, from PyPI into PEER_VENV only; the servers are pinned to the
# versions of the project's venv at run time (see peer_requirements)
PEERS = ['starlette', 'bottle', 'flask', 'microdot==' + PEER_1]
SERVER_DISTS = ['uvicorn', 'gunicorn', 'uvloop', 'h11']

# groups: id, title, server, uvicorn loop
GROUPS = [
    ('asgi-asyncio', 'uvicorn, `--loop asyncio`', 'uvicorn', 'asyncio'),
    ('asgi-uvloop', 'uvicorn, `--loop uvloop`', 'uvicorn', 'uvloop'),
    ('wsgi', 'gunicorn, 1 sync worker', 'gunicorn', None),
]

# id, label, group, python ('ours' or 'peer'), app in hello_adapters
SERVERS = [
    ('bare-asyncio', 'bare ASGI callable', 'asgi-asyncio', 'ours',
     'bare_asgi'),
    ('starlette-asyncio', 'Starlette', 'asgi-asyncio', 'peer',
     'starlette_asgi'),
    ('1.3.4-asyncio', 'microdot 1.3.4 microdot_asgi', 'asgi-asyncio', 'peer',
     'microdot_asgi'),
    ('ours-asyncio', 'ours: microdot_asgi', 'asgi-asyncio', 'ours',
     'microdot_asgi'),
    ('bare-uvloop', 'bare ASGI callable', 'asgi-uvloop', 'ours',
     'bare_asgi'),
    ('starlette-uvloop', 'Starlette', 'asgi-uvloop', 'peer',
     'starlette_asgi'),
    ('1.3.4-uvloop', 'microdot 1.3.4 microdot_asgi', 'asgi-uvloop', 'peer',
     'microdot_asgi'),
    ('ours-uvloop', 'ours: microdot_asgi', 'asgi-uvloop', 'ours',
     'microdot_asgi'),
    ('bare-wsgi', 'bare WSGI callable', 'wsgi', 'ours', 'bare_wsgi'),
    ('bottle', 'Bottle', 'wsgi', 'peer', 'bottle_wsgi'),
    ('flask', 'Flask', 'wsgi', 'peer', 'flask_wsgi'),
    ('ours-wsgi', 'ours: microdot_wsgi', 'wsgi', 'ours', 'microdot_wsgi'),
]
SERVER_IDS = [s[0] for s in SERVERS]

# label, numerator, denominator, target (None: for information)
RATIOS = [
    ('ours ASGI / bare ASGI', 'ours-asyncio', 'bare-asyncio', 0.9),
    ('Starlette / bare ASGI', 'starlette-asyncio', 'bare-asyncio', None),
    ('microdot 1.3.4 ASGI / bare ASGI', '1.3.4-asyncio', 'bare-asyncio',
     None),
    ('ours ASGI / Starlette', 'ours-asyncio', 'starlette-asyncio', None),
    ('ours ASGI / bare ASGI', 'ours-uvloop', 'bare-uvloop', 0.9),
    ('Starlette / bare ASGI', 'starlette-uvloop', 'bare-uvloop', None),
    ('microdot 1.3.4 ASGI / bare ASGI', '1.3.4-uvloop', 'bare-uvloop', None),
    ('ours ASGI / Starlette', 'ours-uvloop', 'starlette-uvloop', None),
    ('ours WSGI / bare WSGI', 'ours-wsgi', 'bare-wsgi', 0.95),
    ('ours WSGI / Bottle', 'ours-wsgi', 'bottle', 1.2),
    ('Flask / bare WSGI', 'flask', 'bare-wsgi', None),
    ('Bottle / bare WSGI', 'bottle', 'bare-wsgi', None),
]
PROFILE_RATE, PROFILE_SECONDS, PROFILE_TOP = 500, 5, 12
QUIET = 20.0  # % of one CPU used by all processes: an idle machine


def server_info(ident):
    ident, label, group, python, app = [s for s in SERVERS
                                        if s[0] == ident][0]
    return {'ident': ident, 'label': label, 'group': group, 'python': python,
            'app': app}


def group_info(ident):
    group, title, server, loop = [g for g in GROUPS if g[0] == ident][0]
    return {'ident': group, 'title': title, 'server': server, 'loop': loop}


# -- environments ------------------------------------------------------------

def run_checked(argv, timeout):
    log('$ %s' % ' '.join(shlex.quote(a) for a in argv))
    subprocess.run(argv, check=True, timeout=timeout)


def ensure_dists(python, dists, notes):
    """Install the missing ``dists`` into the venv of ``python``."""
    missing = [d for d in dists if not installed_version(python, d)]
    if missing:
        run_checked([python, '-m', 'pip', 'install', '-q',
                     '--disable-pip-version-check'] + missing, 600)
        notes.append('%s missing from %s: installed by bench_adapters.py' % (
            ', '.join(missing), os.path.dirname(os.path.dirname(python))))


def peer_requirements(ours, http):
    """PEERS, plus the project venv's exact server versions."""
    pins = []
    for dist in SERVER_DISTS + (['httptools'] if http == 'httptools' else []):
        version = installed_version(ours, dist)
        if not version:
            raise RuntimeError('%s is not installed for %s' % (dist, ours))
        pins.append('%s==%s' % (dist, version))
    return PEERS + pins


def peer_venv(requirements):
    """The python of PEER_VENV holding ``requirements``; (re)installed when
    the list written by the last install differs."""
    python = os.path.join(PEER_VENV, 'bin', 'python')
    stamp = os.path.join(PEER_VENV, '.bench-adapters-requirements')
    wanted = '\n'.join(requirements) + '\n'
    if os.path.exists(python):
        try:
            with open(stamp) as f:
                if f.read() == wanted:
                    return python
        except OSError:
            pass
    else:
        log('creating %s' % PEER_VENV)
        run_checked([sys.executable, '-m', 'venv', PEER_VENV], 300)
    run_checked([python, '-m', 'pip', 'install', '-q',
                 '--disable-pip-version-check'] + requirements, 900)
    with open(stamp, 'w') as f:
        f.write(wanted)
    return python


def versions(python, dists):
    return {d: installed_version(python, d) for d in dists}


def server_env(kind):
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    if kind == 'ours':  # ours from src/, as bench.py does
        env['PYTHONPATH'] = SRC
    return env


def check_imports(ids, pythons):
    """Import every app the way its server will, and check where its
    microdot module comes from (ours from src/, 1.3.4 from the peer venv)."""
    for ident in ids:
        info = server_info(ident)
        module = info['app'] if info['app'].startswith('microdot') else None
        code = 'import hello_adapters as h, sys; h.%s; print(%s)' % (
            info['app'], 'sys.modules[%r].__file__' % module if module
            else '"-"')
        done = subprocess.run(
            [pythons[info['python']], '-c', code], cwd=HERE,
            env=server_env(info['python']), capture_output=True, text=True,
            timeout=120)
        if done.returncode != 0:
            raise RuntimeError('%s: the app does not import:\n%s' % (
                ident, done.stderr[-2000:]))
        path = done.stdout.strip()
        if ident.startswith('ours') and not path.startswith(SRC):
            raise RuntimeError('%s imports %s, not src/' % (ident, path))
        if ident.startswith('1.3.4') and not path.startswith(PEER_VENV):
            raise RuntimeError('%s imports %s, not the peer venv' % (
                ident, path))


# -- servers -----------------------------------------------------------------

def server_argv(python, group, app, port, http):
    spec = 'hello_adapters:' + app
    if group['server'] == 'uvicorn':
        return [python, '-m', 'uvicorn', spec, '--host', HOST, '--port',
                str(port), '--no-access-log', '--loop', group['loop'],
                '--http', http]
    return [python, '-m', 'gunicorn', '--bind', '%s:%d' % (HOST, port),
            '--workers', '1', '--worker-class', 'sync', spec]


class Server(ServerProcess):
    """One server (uvicorn process, or gunicorn master and its worker),
    stopped by PID."""

    def __init__(self, ident, pythons, http):
        info = server_info(ident)
        self.ident = ident
        self.label = info['label']
        self.group = group_info(info['group'])
        port = free_port()
        self.argv = server_argv(pythons[info['python']], self.group,
                                info['app'], port, http)
        ServerProcess.__init__(self, self.argv, server_env(info['python']),
                               HERE, port)
        self.probes = []
        self.workers = []

    @property
    def command(self):
        """The command line from ``uvicorn``/``gunicorn`` on, as run in
        benchmarks/ by the venv's Python (``python -m``)."""
        return ' '.join(self.argv[2:])

    @property
    def generic_command(self):
        return self.command.replace(str(self.port), 'PORT').replace(
            'hello_adapters:' + server_info(self.ident)['app'],
            'hello_adapters:APP')

    def wait_ready(self, timeout=30):
        deadline = self.wait_listening(timeout)
        if self.group['server'] == 'gunicorn':
            # the master listens before its worker is forked: wait for it
            while time.monotonic() < deadline and not self.children():
                time.sleep(0.05)
            self.workers = self.children()
            if not self.workers:
                raise RuntimeError('no gunicorn worker after %s s' % timeout)

    def children(self):
        try:
            with open('/proc/%d/task/%d/children' % (self.proc.pid,
                                                     self.proc.pid)) as f:
                return [int(pid) for pid in f.read().split()]
        except (OSError, ValueError):
            return []

    @property
    def busy_pid(self):
        """The process that runs the app: uvicorn itself, gunicorn's worker."""
        return self.workers[0] if self.workers else self.proc.pid

    def stop(self):
        ServerProcess.stop(self, 10)
        for pid in self.workers:  # gunicorn stops its worker; make sure
            try:
                os.kill(pid, 0)
            except OSError:
                continue
            time.sleep(0.5)
            try:
                os.kill(pid, 9)
            except OSError:
                pass


def probe(port):
    """Two requests on one connection: each must be 200 ``Hello, world!``
    as text/plain. Tells whether the connection stayed open."""
    def check(status, headers, body, what):
        ctype = headers.get('content-type', '')
        if status != 200 or body != EXPECTED_BODY or \
                not ctype.startswith('text/plain'):
            raise RuntimeError('%s: answered %d %r (%s)' % (
                what, status, body, ctype))
        return ctype

    conn = Conn(port)
    try:
        status, headers, body = conn.request()
        ctype = check(status, headers, body, 'first request')
        try:
            status, headers, body = conn.request()
            check(status, headers, body, 'second request, same connection')
            keep_alive = True
        except (EOFError, ConnectionError):
            keep_alive = False
    finally:
        conn.close()
    return {'keep_alive': keep_alive, 'content_type': ctype}


def start_servers(ids, pythons, http, notes):
    servers, failed = [], {}
    for ident in ids:
        server = Server(ident, pythons, http)
        try:
            server.wait_ready()
            server.probes.append(probe(server.port))
        except (RuntimeError, OSError, EOFError, ValueError,
                IndexError) as exc:
            server.stop()
            failed[ident] = 'not measured: %s' % exc
            notes.append('%s (%s) not measured: %s' % (
                server.label, server.group['title'], exc))
            log('%s failed: %s\n%s' % (ident, exc, server.output()[-2000:]))
            continue
        log('%-18s ready on port %d (%s)' % (ident, server.port,
                                             server.command))
        servers.append(server)
    return servers, failed


# -- measuring ---------------------------------------------------------------

def wrk_argv(wrk, server, duration, connections):
    return pinned(1, [wrk, '-t1', '-c%d' % connections, '-d%ds' % duration,
                      '--timeout', '5s',
                      'http://%s:%d/' % (HOST, server.port)])


TICK = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100


def cpu_totals():
    """(user + nice + system, steal) ticks of all CPUs, from /proc/stat."""
    try:
        with open('/proc/stat') as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _, _, _, _, steal = fields
    return user + nice + system, steal


def process_ticks(pids):
    """utime + stime of ``pids`` (their own, not their children's)."""
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/stat' % pid) as f:
                fields = f.read().rpartition(')')[2].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total


def children_ticks():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * TICK


class Quiet:
    """Waits for an idle machine before each run, within a total budget
    of ``max_wait`` seconds for the whole benchmark."""

    def __init__(self, limit, max_wait, window=2.0):
        self.limit = limit  # % of one CPU used by all processes
        self.max_wait = self.left = max_wait
        self.window = window
        self.waited = 0.0

    def wait(self):
        """Wait until the machine is idle or the budget is spent; whether
        it is idle."""
        if self.max_wait <= 0:  # --max-wait 0: never look
            return True
        while True:
            before = cpu_totals()
            time.sleep(self.window)
            after = cpu_totals()
            if before is None or after is None:
                return True
            busy = 100.0 * (after[0] - before[0]) / TICK / self.window
            if busy < self.limit:
                return True
            if self.left <= 0:
                return False
            self.left -= self.window
            self.waited += self.window
            log('the machine is busy (%.0f%% of a CPU used by other '
                'processes): waiting' % busy)


def run_wrk(wrk, server, duration, args, name):
    """One wrk run; the result also tells the CPU that processes other than
    the server and wrk used meanwhile (``other``, % of one CPU, interrupts
    left out) and the CPU stolen by the hypervisor (``steal``)."""
    argv = wrk_argv(wrk, server, duration, args.connections)
    pids = [server.proc.pid] + server.workers
    cpu0, own0, wrk0 = cpu_totals(), process_ticks(pids), children_ticks()
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True,
                          timeout=duration + 60)
    elapsed = time.monotonic() - start
    cpu1, own1, wrk1 = cpu_totals(), process_ticks(pids), children_ticks()
    _docs.save_log(name, ' '.join(argv) + '\n' + done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError('wrk failed: %s' % done.stderr)
    result = parse_wrk(done.stdout)
    if cpu0 and cpu1:
        scale = 100.0 / TICK / elapsed
        result['other'] = max(0.0, (cpu1[0] - cpu0[0]) - (own1 - own0) -
                              (wrk1 - wrk0)) * scale
        result['steal'] = (cpu1[1] - cpu0[1]) * scale
        result['server_cpu'] = (own1 - own0) * scale
    return result


def check_alive(server):
    if server.proc.poll() is not None:
        raise RuntimeError('%s died: %s' % (server.ident,
                                            server.output()[-2000:]))


def measure(wrk, servers, args, quiet):
    """``--runs`` rounds, each server once per round. A run during which
    other processes used more than ``--max-other`` % of a CPU is redone
    (``--retries`` times at most, while the wait budget lasts); the result
    keeps the discarded runs' count in ``redone``."""
    if args.warmup:
        for server in servers:
            check_alive(server)
            run_wrk(wrk, server, args.warmup, args,
                    'adapters-wrk-%s-warmup.txt' % server.ident)
        log('warmed up: %d s each' % args.warmup)
    results = {s.ident: [] for s in servers}
    for run in range(args.runs):
        for server in servers:
            for attempt in range(args.retries + 1):
                idle = quiet.wait()
                check_alive(server)
                result = run_wrk(wrk, server, args.duration, args,
                                 'adapters-wrk-%s-%d.txt' % (server.ident,
                                                             run + 1))
                result['redone'] = attempt
                result['noisy'] = result.get('other', 0) > args.max_other
                log('run %d  %-18s %8.0f req/s  server %3.0f%%  other %3.0f%%'
                    '  steal %2.0f%%  %s%s' % (
                        run + 1, server.ident, result['rps'],
                        result.get('server_cpu', -1),
                        result.get('other', -1), result.get('steal', -1),
                        format_errors(result['errors']) or 'no errors',
                        '  NOISY' if result['noisy'] else ''))
                if not result['noisy'] or not idle or quiet.left <= 0:
                    break
            results[server.ident].append(result)
    return results


# -- profiling ---------------------------------------------------------------

def ensure_py_spy(notes):
    exe = os.path.join(os.path.dirname(sys.executable), 'py-spy')
    if os.path.exists(exe):
        return exe
    ensure_dists(sys.executable, ['py-spy'], notes)
    return exe if os.path.exists(exe) else shutil.which('py-spy')


def profile(wrk, server, args, py_spy):
    """py-spy's folded stacks of ``server`` under wrk load; the path of the
    raw file and the py-spy command (PID shown as PID)."""
    server.workers = server.children() or server.workers  # a respawn?
    raw = os.path.join(_docs.OUT, 'adapters-py-spy-%s.txt' % server.ident)
    os.makedirs(_docs.OUT, exist_ok=True)
    argv = [py_spy, 'record', '-r', str(PROFILE_RATE), '-d',
            str(PROFILE_SECONDS), '-f', 'raw', '-p', str(server.busy_pid),
            '-o', raw]
    load = subprocess.Popen(
        wrk_argv(wrk, server, PROFILE_SECONDS + 4, args.connections),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)  # let the load settle first
        done = subprocess.run(pinned(1, argv), capture_output=True,
                              text=True, timeout=PROFILE_SECONDS + 60)
    finally:
        try:
            load.wait(PROFILE_SECONDS + 30)
        except subprocess.TimeoutExpired:
            load.kill()
            load.wait(5)
    if done.returncode != 0 or not os.path.exists(raw):
        raise RuntimeError('py-spy failed: %s' % (done.stderr or
                                                   done.stdout)[-1000:])
    shown = ['py-spy'] + argv[1:]
    shown[shown.index('-p') + 1] = 'PID'
    shown[shown.index('-o') + 1] = os.path.relpath(raw, ROOT)
    return raw, ' '.join(shown)


SRC_FILES = set(name for name in os.listdir(SRC) if name.endswith('.py'))
# frames of the server itself: below one of ours, it is the server doing
# work our code waits on (uvicorn's send, gunicorn's start_response)
SERVER_PACKAGES = ('uvicorn/', 'h11/', 'httptools/', 'uvloop/', 'gunicorn/')
TRUNK = 90.0  # % of the samples: frames above it are the server's main loop


def short_frame(frame):
    """``func (path:line)`` -> ``func (short path)``: lines merged; ours
    shown as ``src/FILE`` (py-spy shortens paths to their sys.path entry)."""
    name, _, where = frame.partition(' (')
    where = where[:-1] if where.endswith(')') else where
    path = where.rpartition(':')[0] if ':' in where else where
    if '/site-packages/' in path:
        path = path.split('/site-packages/', 1)[1]
    elif path.startswith(SRC + '/') or ('/' not in path and
                                        path in SRC_FILES):
        path = 'src/' + os.path.basename(path)
    elif path.startswith(ROOT + '/'):
        path = os.path.relpath(path, ROOT)
    elif '/lib/python' in path:
        path = path.split('/lib/python', 1)[1].split('/', 1)[-1]
    return '%s (%s)' % (name, path) if path else name


def aggregate(raw):
    """Per function of py-spy's raw (folded) output: self and inclusive
    sample counts; the total; the samples with a frame of ours on the stack
    (``in_src``) and those spent in our own code (``own``: a frame of ours
    with no server frame below it, i.e. not the server's send or receive
    that our code awaits)."""
    own, inclusive = collections.Counter(), collections.Counter()
    total = in_src = own_code = 0
    with open(raw) as f:
        for line in f:
            stack, _, count = line.rstrip('\n').rpartition(' ')
            if not stack or not count.isdigit():
                continue
            count = int(count)
            frames = [short_frame(f) for f in stack.split(';') if f]
            if not frames:
                continue
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
            ours = [i for i, frame in enumerate(frames) if '(src/' in frame]
            if ours:
                in_src += count
                below = frames[ours[-1] + 1:]
                if not any('(' + package in frame for frame in below
                           for package in SERVER_PACKAGES):
                    own_code += count
    return {'self': own, 'inclusive': inclusive, 'total': total,
            'in_src': in_src, 'own': own_code}


def percent(count, stats):
    return 100.0 * count / (stats['total'] or 1)


def profile_tables(stats):
    """Top frames by self time and by inclusive time (the trunk left out),
    side by side; then our own functions by inclusive time."""
    by_self = stats['self'].most_common(PROFILE_TOP)
    by_incl = [(frame, count) for frame, count in
               stats['inclusive'].most_common()
               if percent(count, stats) < TRUNK][:PROFILE_TOP]
    lines = ['| # | self % | function (by self time) | inclusive % | '
             'function (by inclusive time) |', '|---:|---:|---|---:|---|']
    for index in range(PROFILE_TOP):
        cells = ['%d' % (index + 1)]
        for table in (by_self, by_incl):
            if index < len(table):
                frame, count = table[index]
                cells += ['%.1f' % percent(count, stats), '`%s`' % frame]
            else:
                cells += ['', '']
        lines.append('| %s |' % ' | '.join(cells))
    ours = [(frame, count) for frame, count in
            stats['inclusive'].most_common() if '(src/' in frame]
    lines += ['', '| inclusive % | self % | our function |',
              '|---:|---:|---|']
    for frame, count in ours[:PROFILE_TOP]:
        lines.append('| %.1f | %.1f | `%s` |' % (
            percent(count, stats), percent(stats['self'][frame], stats),
            frame))
    return '\n'.join(lines)


# -- report ------------------------------------------------------------------

def format_errors(errors):
    return ', '.join('%s %d' % item for item in sorted(errors.items()))


def median_rps(runs):
    return statistics.median(r['rps'] for r in runs)


def spread(runs):
    """(max - min) / median of the runs' req/s, in percent."""
    values = [r['rps'] for r in runs]
    middle = statistics.median(values)
    return 100.0 * (max(values) - min(values)) / middle if middle else 0.0


def median_of(runs, key):
    values = [r[key] for r in runs if key in r]
    return '%.0f%%' % statistics.median(values) if values else '?'


def servers_table(servers, failed, results, group):
    lines = ['| server | req/s (median) | spread | runs | server CPU | '
             'other CPU | steal | wrk errors | persistent | Content-Type |',
             '|---|---:|---:|---|---:|---:|---:|---|:-:|---|']
    for server in servers:
        if server.group['ident'] != group:
            continue
        runs = results[server.ident]
        errors = collections.Counter()
        for run in runs:
            errors.update(run['errors'])
        first = server.probes[0]
        lines.append('| %s | %.0f | %.0f%% | %s | %s | %s | %s | %s | %s | '
                     '`%s` |' % (
                        server.label, median_rps(runs), spread(runs),
                        ', '.join('%.0f%s' % (r['rps'], '*' if r.get(
                            'noisy') else '') for r in runs),
                        median_of(runs, 'server_cpu'),
                        median_of(runs, 'other'), median_of(runs, 'steal'),
                        format_errors(errors) or 'none',
                        'yes' if first['keep_alive'] else 'no',
                        first['content_type']))
    for ident, reason in failed.items():
        info = server_info(ident)
        if info['group'] == group:
            lines.append('| %s | %s | | | | | | | | |' % (info['label'],
                                                         reason))
    return '\n'.join(lines)


def bare_of(group):
    return [s[0] for s in SERVERS if s[2] == group and
            s[0].startswith('bare')][0]


def ratio_rows(results):
    """One dict per RATIOS entry: the ratio of the medians, its per-round
    range, the ceiling (what a framework costing nothing would reach: bare
    callable / denominator) and the verdict."""
    rows = []
    for label, num, den, target in RATIOS:
        group = server_info(num)['group']
        row = {'label': label, 'group': group, 'num': num, 'den': den,
               'target': target, 'ratio': None, 'low': None, 'high': None,
               'ceiling': None, 'verdict': 'n/a' if target else ''}
        rows.append(row)
        a, b = results.get(num), results.get(den)
        if not a or not b or not median_rps(b):
            continue
        row['ratio'] = median_rps(a) / median_rps(b)
        rounds = [x['rps'] / y['rps'] for x, y in zip(a, b) if y['rps']]
        row['low'], row['high'] = min(rounds), max(rounds)
        bare = results.get(bare_of(group))
        if bare:
            row['ceiling'] = median_rps(bare) / median_rps(b)
        if target is not None:
            verdict = 'met' if row['ratio'] >= target else 'MISSED'
            if min(rounds) < target <= max(rounds):
                verdict += ' (borderline: the rounds straddle the target)'
            if row['ceiling'] is not None and target > row['ceiling']:
                verdict += ' (target above the ceiling: out of reach of ' \
                    'any app in this run)'
            row['verdict'] = verdict
    return rows


def ratios_table(rows):
    lines = ['| ratio | server | median ratio | per-round range | ceiling | '
             'target | verdict |', '|---|---|---:|---:|---:|---:|---|']
    for row in rows:
        if row['ratio'] is None and row['target'] is None:
            continue  # a subset of the servers: leave out what was not run
        lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (
            row['label'], group_info(row['group'])['title'],
            '%.2fx' % row['ratio'] if row['ratio'] is not None else 'n/a',
            '%.2f-%.2fx' % (row['low'], row['high'])
            if row['low'] is not None else '',
            '%.2fx' % row['ceiling'] if row['ceiling'] is not None else '',
            '>= %gx' % row['target'] if row['target'] is not None
            else '(info)', row['verdict']))
    return '\n'.join(lines)


def command():
    argv = sys.argv[1:]
    if not argv:
        return 'make bench-adapters'
    return "make bench-adapters BENCH_ARGS='%s'" % ' '.join(argv)


def python_version(python):
    return subprocess.run(
        [python, '-c', 'import sys; print(sys.version.split()[0])'],
        capture_output=True, text=True, timeout=60).stdout.strip()


def report(servers, failed, results, rows, profiles, meta, notes, args):
    others = [r['other'] for runs in results.values() for r in runs
              if 'other' in r]
    other = {'median': '%.0f%%' % statistics.median(others) if others
             else '?', 'max': '%.0f%%' % max(others) if others else '?'}
    ours, peer = meta['ours'], meta['peer']
    lines = [
        '## Adapters: hello world under uvicorn and gunicorn',
        '',
        'Command: `%s` (`make bench-adapters` runs `.venv/bin/python '
        'benchmarks/bench_adapters.py $(BENCH_ARGS)`).' % command(),
        '',
    ] + _docs.header_lines() + [
        '- Python %s for every server; uvicorn %s (`--http %s`, '
        '`--no-access-log`, one process), uvloop %s, h11 %s; gunicorn %s '
        '(`-w 1 -k sync`, otherwise its defaults: no access log)' % (
            meta['python'], ours['uvicorn'], args.http, ours['uvloop'],
            ours['h11'], ours['gunicorn']),
        '- ours and the bare callables run on the project\'s .venv (ours '
        'from `src/`); the peers on `benchmarks/.venvs/adapters` with the '
        'same server versions: starlette %s, bottle %s, flask %s, microdot '
        '%s' % (peer['starlette'], peer['bottle'], peer['flask'],
                peer['microdot']),
        '- load: `%s`, 1 thread, %d connections, default mode (HTTP/1.1 '
        'keep-alive), %d s warm-up then %d runs x %d s per server, servers '
        'interleaved round by round; server pinned to CPU 0 (`taskset -c '
        '0`), wrk to CPU 1' % (meta['wrk'], args.connections, args.warmup,
                                args.runs, args.duration),
        '- apps: `benchmarks/hello_adapters.py` (`GET /` -> 200 `Hello, '
        'world!`, text/plain; async handlers under ASGI, sync under WSGI)',
        '- servers started as: %s' % '; '.join(
            '`%s`' % c for c in meta['commands']),
    ]
    for group, title, _, _ in GROUPS:
        if not any(s.group['ident'] == group for s in servers) and \
                not any(server_info(i)['group'] == group for i in failed):
            continue
        lines += ['', '### %s: requests per second' % title, '',
                  servers_table(servers, failed, results, group)]
    lines += [
        '',
        '"spread" is (max - min) / median of the runs. "persistent": a '
        'raw-socket probe sent two requests on one connection before the '
        'load (gunicorn\'s sync worker closes after every response, so '
        'its keep-alive and `Connection: close` numbers are the same '
        'thing and only the default mode is measured).',
        '',
        '### Ratios (issue 4 targets)',
        '',
        ratios_table(rows),
        '',
        'Each ratio divides the medians above; the per-round range divides '
        'the two servers\' req/s round by round, a measure of how much the '
        'ratio itself moves.',
    ]
    for ident, (raw, cmd, stats) in profiles.items():
        server = [s for s in servers if s.ident == ident][0]
        lines += [
            '',
            '### Profile: %s under %s' % (server.label,
                                          server.group['title']),
            '',
            '%s, so it was profiled under the same wrk load (%d '
            'connections): `%s`, PID being %s. The folded stacks are '
            'aggregated by function (lines merged): self time counts the '
            'innermost frame of each sample, inclusive time every sample '
            'with the function anywhere on its stack; frames on %g%% or '
            'more of the samples (the server\'s main loop) are left out of '
            'the inclusive column.' % (
                'A target of this server was missed'
                if args.profile == 'missed' else '`--profile always`',
                args.connections, cmd,
                'the uvicorn process' if server.group['server'] ==
                'uvicorn' else 'the gunicorn worker', TRUNK),
            '',
            '%d busy samples (py-spy leaves idle ones out). A frame of ours '
            '(`src/`) is on %.1f%% of them; %.1f%% are spent in our own '
            'code and the handler, the rest of those being the server\'s '
            'work that our code awaits or calls (sending the response). '
            'The bare callable spends next to nothing of its own, so '
            'that own share is roughly what separates ours from it.' % (
                stats['total'], percent(stats['in_src'], stats),
                percent(stats['own'], stats)),
            '',
            profile_tables(stats),
        ]
    lines += [
        '',
        '### Caveats',
        '',
        '- Two CPUs: the server has one core and wrk the other; other work '
        'on the machine shows as noise (the 1-minute load average was %s '
        'before the load and %s at its end; the server and wrk account for '
        'about 2). Ratios are comparable within one run, not across '
        'machines.' % (args.load_before, args.load_after),
        '- The bare callables parse nothing and send fixed bytes: they are '
        'the server\'s own ceiling, not peers. Everything above them is '
        'the framework\'s cost per request.',
        '- `--http %s` for every uvicorn server (%s). The two loops are '
        'separate passes over the same apps.' % (
            args.http, 'h11 is what the dev extra installs with plain '
            'uvicorn; httptools would raise every ceiling and make the '
            'frameworks\' share of the time larger' if args.http == 'h11'
            else 'installed for this run'),
        '- "ceiling" is the bare callable\'s req/s over the denominator\'s: '
        'the ratio a framework costing nothing would reach. A target above '
        'it cannot be met by any app on this server and machine.',
        '- "server CPU" is the CPU time of the server\'s processes during '
        'a run (%% of one CPU; about 100%% means the server is the '
        'bottleneck); "other CPU" is what every other process on the '
        'machine used meanwhile (wrk and interrupts left out): other '
        'sessions\' tests show up there, and runs with a lot of it are '
        'noisier. Over all the runs kept here: median %s, max %s. "steal" '
        'is the CPU the hypervisor gave to other machines (all CPUs, %% of '
        'one).' % (other['median'], other['max']),
        '- Noise control: before each run the harness waits for the machine '
        'to be idle (under %g%% of a CPU in use), and a run during which '
        'other processes used more than %g%% of a CPU is redone, up to %d '
        'times, within %d s of waiting in all. This run waited %.0f s and '
        'redid %d runs; %d kept runs are still over the limit (marked * '
        'in the runs column).' % (
            QUIET, args.max_other, args.retries, args.max_wait,
            meta.get('waited', 0), sum(r.get('redone', 0) for runs in
                                        results.values() for r in runs),
            sum(1 for runs in results.values() for r in runs
                if r.get('noisy'))),
        '- A verdict marked borderline is not settled by this run: rerun '
        'or run longer (`--runs 5`).',
    ]
    if notes:
        lines += ['', '### Notes from this run', '']
        lines += ['- %s' % note for note in notes]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help='write the results to docs/benchmarks.md')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--duration', type=int, default=10,
                        help='seconds per wrk run')
    parser.add_argument('--warmup', type=int, default=2,
                        help='seconds of unrecorded load per server first')
    parser.add_argument('--connections', type=int, default=10)
    parser.add_argument('--quick', action='store_true',
                        help='1 run x 3 s, 1 s warm-up')
    parser.add_argument('--http', choices=['h11', 'httptools'],
                        default='h11', help='uvicorn --http, for all')
    parser.add_argument('--profile', choices=['missed', 'always', 'never'],
                        default='missed',
                        help='py-spy ours when a target is missed (default),'
                        ' always, or never')
    parser.add_argument('--max-other', type=float, default=15.0,
                        help='%% of a CPU that other processes may use '
                        'during a run before it is redone (default 15)')
    parser.add_argument('--retries', type=int, default=3,
                        help='times a noisy run is redone at most')
    parser.add_argument('--max-wait', type=int, default=900,
                        help='seconds of waiting for an idle machine, in '
                        'all (before each run; 0: never wait)')
    parser.add_argument('--servers', default=','.join(SERVER_IDS),
                        help='comma-separated ids among: %s' % ', '.join(
                            SERVER_IDS))
    args = parser.parse_args()
    if args.max_wait <= 0:
        args.retries = 0
    if args.quick:
        args.runs, args.duration, args.warmup = 1, 3, 1
    ids = [i.strip() for i in args.servers.split(',') if i.strip()]
    unknown = set(ids) - set(SERVER_IDS)
    if unknown:
        parser.error('unknown server ids: %s' % ', '.join(sorted(unknown)))
    ids = [i for i in SERVER_IDS if i in ids]  # the interleaving order

    notes = []
    wrk = ensure_wrk()
    ensure_dists(sys.executable, SERVER_DISTS + (
        ['httptools'] if args.http == 'httptools' else []), notes)
    pythons = {'ours': sys.executable}
    if any(server_info(i)['python'] == 'peer' for i in ids):
        pythons['peer'] = peer_venv(peer_requirements(sys.executable,
                                                      args.http))
    check_imports(ids, pythons)
    meta = {
        'python': python_version(sys.executable),
        'ours': versions(sys.executable, SERVER_DISTS),
        'peer': versions(pythons['peer'], [
            'starlette', 'bottle', 'flask', 'microdot']) if 'peer' in pythons
        else {d: 'not used' for d in ('starlette', 'bottle', 'flask',
                                      'microdot')},
        'wrk': wrk_version(wrk),
    }
    if 'peer' in pythons and python_version(pythons['peer']) != \
            meta['python']:
        notes.append('the peer venv runs Python %s' % python_version(
            pythons['peer']))
    log('%d servers x %d runs x %d s: about %d s of load' % (
        len(ids), args.runs, args.duration,
        len(ids) * (args.runs * args.duration + args.warmup)))

    servers, results, profiles = [], {}, {}
    try:
        servers, failed = start_servers(ids, pythons, args.http, notes)
        meta['commands'] = []
        for server in servers:
            if server.generic_command not in meta['commands']:
                meta['commands'].append(server.generic_command)
        args.load_before = load_average()
        quiet = Quiet(QUIET, args.max_wait)
        results = measure(wrk, servers, args, quiet)
        meta['waited'] = quiet.waited
        args.load_after = load_average()
        for server in servers:
            try:
                server.probes.append(probe(server.port))
            except (RuntimeError, OSError, EOFError, ValueError,
                    IndexError) as exc:
                notes.append('%s (%s): probe after the load failed: %s' % (
                    server.label, server.group['title'], exc))
        rows = ratio_rows(results)
        to_profile = []
        for row in rows:
            if row['target'] is None or row['ratio'] is None:
                continue
            if args.profile == 'always' or (
                    args.profile == 'missed' and
                    row['verdict'].startswith('MISSED')):
                if row['num'] not in to_profile:
                    to_profile.append(row['num'])
        if to_profile:
            py_spy = ensure_py_spy(notes)
            for ident in to_profile:
                server = [s for s in servers if s.ident == ident][0]
                log('profiling %s (pid %d) with py-spy' % (ident,
                                                           server.busy_pid))
                quiet.wait()
                try:
                    raw, cmd = profile(wrk, server, args, py_spy)
                except (RuntimeError, OSError,
                        subprocess.SubprocessError) as exc:
                    notes.append('%s: profile failed: %s' % (ident, exc))
                    continue
                profiles[ident] = (raw, cmd, aggregate(raw))
    finally:
        for server in servers:
            server.stop()
            output = server.output()
            bad = [line for line in output.splitlines() if any(
                word in line for word in ('Error', 'Traceback', 'WARNING',
                                          'CRITICAL', 'Exception'))]
            if bad:
                notes.append('%s (%s) printed: `%s`' % (
                    server.label, server.group['title'],
                    ' | '.join(bad[-5:])[-400:]))
                log('%s output:\n%s' % (server.ident, output[-3000:]))
    for ident, runs in results.items():
        for index, run in enumerate(runs):
            if run['errors']:
                notes.append('%s, run %d: wrk errors %s (raw output in '
                             '`benchmarks/out/adapters-wrk-%s-%d.txt`)' % (
                                 ident, index + 1,
                                 format_errors(run['errors']), ident,
                                 index + 1))
    text = report(servers, failed, results, rows, profiles, meta, notes,
                  args)
    print(text)
    if args.write:
        _docs.write_section('adapters', text)


if __name__ == '__main__':
    main()
