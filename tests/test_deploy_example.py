"""The deployment example (examples/deploy/), run as docs/deployment.md says.

gunicorn starts with ``gunicorn.conf.py`` and 2 workers, uvicorn with
``--workers 2`` and ``asgi_app:app``, each on a free 127.0.0.1 port with the
same SECRET_KEY. A session cookie set by one request must be honoured by the
following ones whichever worker (and whichever server) serves them: every
request opens a new connection, so the kernel hands it to either worker.
Servers are stopped by their PID; every wait is bounded.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / 'src'
DEPLOY = ROOT / 'examples' / 'deploy'
HOST = '127.0.0.1'
SECRET = 'deploy-test-secret-' + 'k' * 32
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
IO_TIMEOUT = 10.0
MIN_REQUESTS, MAX_REQUESTS = 20, 60


def _bin(name):
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.skip('%s is not installed next to %s' % (name, sys.executable))
    return str(path)


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """A server subprocess in its own session; its output goes to a file."""

    def __init__(self, name, argv, port, log, secret=SECRET,
                 worker_line=None):
        self.name, self.port, self.log = name, port, log
        self.worker_line = worker_line  # logged once per ready worker
        env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED='1')
        env.pop('SECRET_KEY', None)
        if secret is not None:
            env['SECRET_KEY'] = secret
        with open(log, 'wb') as out:
            self.proc = subprocess.Popen(
                argv, cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        return self.log.read_text(errors='replace')

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail('exited on startup with code %s'
                          % self.proc.returncode)
            try:
                if request(self.port, 'GET', '/healthz')[0] == 200 and \
                        self.workers_ready():
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        self.fail('not ready within %s s' % START_TIMEOUT)

    def workers_ready(self):
        # the first worker answers while the others may still boot
        found = self.output().count(self.worker_line[0])
        return found >= self.worker_line[1]

    def fail(self, message):
        pytest.fail('%s %s\n--- output ---\n%s'
                    % (self.name, message, self.output()[-4000:]))

    def stop(self):
        """SIGTERM by PID, then SIGKILL; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        return self.proc.returncode


def start_gunicorn(tmp, secret=SECRET, workers=2):
    port = free_port()
    argv = [_bin('gunicorn'), '-c', str(DEPLOY / 'gunicorn.conf.py'),
            '--bind', '%s:%d' % (HOST, port), '--workers', str(workers)]
    return Server('gunicorn', argv, port, tmp / 'gunicorn.log', secret,
                  ('Booting worker with pid', workers))


def start_uvicorn(tmp, secret=SECRET):
    port = free_port()
    argv = [_bin('uvicorn'), '--host', HOST, '--port', str(port),
            '--workers', '2', '--app-dir', str(DEPLOY), 'asgi_app:app']
    # asgi_app.py's on_startup hook prints a line in each worker
    return Server('uvicorn', argv, port, tmp / 'uvicorn.log', secret,
                  ('started', 2))


def check_clean_exit(server):
    server.stop()
    out = server.output()
    assert 'Traceback' not in out, out[-4000:]


@pytest.fixture(scope='module')
def gunicorn(tmp_path_factory):
    server = start_gunicorn(tmp_path_factory.mktemp('gunicorn'))
    try:
        yield server.wait_ready()
    finally:
        check_clean_exit(server)


@pytest.fixture(scope='module')
def uvicorn(tmp_path_factory):
    server = start_uvicorn(tmp_path_factory.mktemp('uvicorn'))
    try:
        yield server.wait_ready()
    finally:
        check_clean_exit(server)


def request(port, method, path, body=None, cookie=None, headers=None):
    """One request on a new connection; returns (status, headers, body)."""
    headers = dict(headers or {}, Connection='close')
    if cookie:
        headers['Cookie'] = cookie
    conn = http.client.HTTPConnection(HOST, port, timeout=IO_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def session_cookie(headers, previous=None):
    """The ``session=...`` pair of a response's Set-Cookie, else previous."""
    for line in headers.get_all('Set-Cookie') or []:
        pair = line.split(';', 1)[0].strip()
        if pair.startswith('session='):
            return pair
    return previous


def login(port, username):
    status, headers, body = request(
        port, 'POST', '/login', urlencode({'username': username}),
        headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert status == 302, body
    cookie = session_cookie(headers)
    assert cookie, 'no session cookie set by /login'
    line = headers.get_all('Set-Cookie')[0]
    assert 'HttpOnly' in line and 'Path=/' in line
    return cookie


def visit(port, cookie):
    status, headers, body = request(port, 'GET', '/visit', cookie=cookie)
    assert status == 200, body
    return json.loads(body), session_cookie(headers, cookie)


def visit_until_both_workers(port, cookie, visits=0):
    """Visit MIN_REQUESTS times, then on until two workers have answered
    (at most MAX_REQUESTS); every answer must continue the count."""
    pids = set()
    for count in range(visits + 1, visits + MAX_REQUESTS + 1):
        page, cookie = visit(port, cookie)
        assert page['visits'] == count, (page, pids)
        assert page['username'] == 'susan'
        pids.add(page['pid'])
        if count - visits >= MIN_REQUESTS and len(pids) > 1:
            break
    return cookie, count, pids


def require_two_workers(pids, server):
    if len(pids) < 2:
        pytest.skip('the session held on every request, but the OS routed '
                    'all %d connections to one %s worker (pid %s): nothing '
                    'showed a second worker' % (MAX_REQUESTS, server.name,
                                                pids.pop()))


@pytest.mark.parametrize('fixture', ['gunicorn', 'uvicorn'])
def test_session_honoured_by_every_worker(request_fixture, fixture):
    server = request_fixture(fixture)
    cookie = login(server.port, 'susan')
    cookie, count, pids = visit_until_both_workers(server.port, cookie)
    status, _, body = request(server.port, 'GET', '/', cookie=cookie)
    assert body.decode() == 'Logged in as susan, %d visits' % count
    status, _, body = request(server.port, 'GET', '/whoami', cookie=cookie)
    assert json.loads(body)['interface'] == \
        ('WSGI' if fixture == 'gunicorn' else 'ASGI')
    require_two_workers(pids, server)


@pytest.fixture
def request_fixture(request):
    return request.getfixturevalue


def test_session_moves_between_servers(gunicorn, uvicorn):
    # two servers, one secret: as two machines behind a load balancer
    cookie = login(gunicorn.port, 'susan')
    for count in range(1, 7):
        server = (gunicorn, uvicorn)[count % 2]
        page, cookie = visit(server.port, cookie)
        assert page['visits'] == count
    status, _, body = request(uvicorn.port, 'POST', '/logout', cookie=cookie)
    assert status == 302


def test_logout_and_no_session(gunicorn):
    cookie = login(gunicorn.port, 'susan')
    status, headers, _ = request(gunicorn.port, 'POST', '/logout',
                                 cookie=cookie)
    assert status == 302
    assert session_cookie(headers) == 'session='
    assert request(gunicorn.port, 'GET', '/visit')[0] == 401
    assert request(gunicorn.port, 'GET', '/')[2] == b'Not logged in'


def test_another_secret_rejects_the_cookie(gunicorn, tmp_path):
    cookie = login(gunicorn.port, 'susan')
    other = start_gunicorn(tmp_path, secret='another-secret-' + 'z' * 32,
                           workers=1)
    try:
        other.wait_ready()
        status, _, body = request(other.port, 'GET', '/whoami',
                                  cookie=cookie)
        assert json.loads(body)['username'] is None
        assert request(other.port, 'GET', '/visit', cookie=cookie)[0] == 401
    finally:
        check_clean_exit(other)


def test_missing_secret_key_stops_gunicorn_at_boot(tmp_path):
    server = start_gunicorn(tmp_path, secret=None, workers=1)
    try:
        code = server.proc.wait(START_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.stop()
        server.fail('kept running without SECRET_KEY')
    assert code != 0
    assert "KeyError: 'SECRET_KEY'" in server.output()


def test_gunicorn_limits_match_the_request_class(gunicorn):
    # the conf file's limits: gunicorn refuses what Microdot would refuse,
    # with the same status, before the app sees the request (its own page)
    for path, headers, status in [
            ('/healthz', {'X-Big': 'b' * 3000}, 431),
            ('/healthz?' + 'q' * 3000, {}, 414),
            ('/healthz', dict(('X-H%d' % i, 'v') for i in range(70)), 431)]:
        reply = request(gunicorn.port, 'GET', path, headers=headers)
        assert reply[0] == status
        assert b'<html>' in reply[2]
    reply = request(gunicorn.port, 'GET', '/healthz',
                    headers={'X-Fine': 'f' * 1500})
    assert reply[0] == 200


def worker_lines(server, event):
    # the workers of one server print to one pipe, at once: a line of one
    # may run into another's ('... 1041 stoppedmicrodot worker 1042 ...')
    return set(re.findall(r'microdot worker (\d+) %s' % event,
                          server.output()))


def test_uvicorn_runs_lifespan_hooks_in_every_worker(tmp_path):
    server = start_uvicorn(tmp_path)
    try:
        server.wait_ready()  # waits for the two on_startup lines
        assert len(worker_lines(server, 'started')) == 2, server.output()
    finally:
        check_clean_exit(server)
    # on_shutdown ran in both workers before the supervisor exited
    assert worker_lines(server, 'stopped') == \
        worker_lines(server, 'started'), server.output()
