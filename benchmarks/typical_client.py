"""The client of benchmarks/typical_app.py (CPython, real sockets).

``run(port, keep_alive)`` sends a warm-up round that touches every feature
of the app once, ``GET /mark`` (the app's baseline), ``REQUESTS`` requests
cycling through the same mix, then ``GET /shutdown``. Every answer is
checked; a wrong one raises ``RuntimeError``.

With ``keep_alive`` all of it goes over one connection, and the server
closing it is an error; without (Microdot 1.3.4 closes every connection)
each request gets a new connection. Like a browser, the client keeps the
cookie that ``POST /login`` sets and sends it back, and revalidates the
stylesheet with the ETag and Last-Modified it was given.

Standalone, against an app already listening::

    python benchmarks/typical_client.py PORT [--close]
"""
import json
import os
import socket
import sys

from bench import Conn

HOST = '127.0.0.1'
REQUESTS = 100
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static',
                      'style.css')


class Client(Conn):
    """HTTP/1.1 over one socket, reopened per request unless keep-alive;
    responses are read by ``bench.Conn``."""

    def __init__(self, port, keep_alive, timeout=5):
        self.port = port
        self.keep_alive = keep_alive
        self.timeout = timeout
        self.sock = None
        self.buffer = b''
        self.connections = 0

    def _connect(self):
        self.close()
        self.sock = socket.create_connection((HOST, self.port),
                                             timeout=self.timeout)
        self.buffer = b''
        self.connections += 1

    def request(self, method, path, headers=None, body=b''):
        """Return (status, headers with lowercase names, body)."""
        if self.sock is None or not self.keep_alive:
            self._connect()
        head = ['%s %s HTTP/1.1' % (method, path), 'Host: localhost']
        for name, value in (headers or {}).items():
            head.append('%s: %s' % (name, value))
        if body or method == 'POST':
            head.append('Content-Length: %d' % len(body))
        self.sock.sendall(('\r\n'.join(head) + '\r\n\r\n').encode() + body)
        status, response_headers, data = self.read_response(method == 'HEAD')
        if self.keep_alive and method != 'HEAD' and \
                status not in (204, 304) and \
                'content-length' not in response_headers and \
                'transfer-encoding' not in response_headers:
            raise RuntimeError('%s %s: no length on a keep-alive connection'
                               % (method, path))
        if self.keep_alive and \
                response_headers.get('connection', '').lower() == 'close':
            raise RuntimeError('%s %s: the server closed a keep-alive '
                               'connection' % (method, path))
        if not self.keep_alive:
            self.close()
        return status, response_headers, data

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Session:
    """The requests of the mix, each checking its answer."""

    def __init__(self, client):
        self.client = client
        self.cookie = None
        self.etag = self.modified = None
        with open(STATIC, 'rb') as f:
            self.stylesheet = f.read()

    def call(self, method, path, headers=None, payload=None, expect=200):
        headers = dict(headers or {})
        body = b''
        if payload is not None:
            body = json.dumps(payload).encode()
            headers['Content-Type'] = 'application/json'
        if self.cookie:
            headers['Cookie'] = self.cookie
        status, response_headers, data = self.client.request(
            method, path, headers, body)
        if status != expect:
            raise RuntimeError('%s %s: %d, expected %d: %r' % (
                method, path, status, expect, data[:200]))
        return response_headers, data

    def json(self, method, path, payload=None, expect=200):
        headers, data = self.call(method, path, payload=payload,
                                  expect=expect)
        if not headers.get('content-type', '').startswith(
                'application/json'):
            raise RuntimeError('%s %s: not JSON: %r' % (method, path,
                                                        headers))
        return json.loads(data)

    def user(self):
        assert_equal(self.json('GET', '/users/1'), {'id': 1, 'name': 'ann'})

    def user_list(self):
        assert_equal(len(self.json('GET', '/users?limit=2')['users']), 2)

    def create_user(self):
        created = self.json('POST', '/users', {'name': 'dee'}, expect=201)
        assert_equal(created['name'], 'dee')

    def login(self):
        headers, _ = self.call('POST', '/login', payload={'name': 'ann'})
        cookie = headers.get('set-cookie', '')
        if not cookie.startswith('user=ann'):
            raise RuntimeError('POST /login set no cookie: %r' % headers)
        self.cookie = cookie.split(';')[0]

    def me(self):
        assert_equal(self.json('GET', '/me'), {'user': 'ann'})

    def static(self):
        headers, data = self.call('GET', '/static/style.css')
        assert_equal(data, self.stylesheet)
        self.etag = headers['etag']
        self.modified = headers['last-modified']

    def static_etag(self):
        self.call('GET', '/static/style.css', {'If-None-Match': self.etag},
                  expect=304)

    def static_since(self):
        self.call('GET', '/static/style.css',
                  {'If-Modified-Since': self.modified}, expect=304)

    def missing_page(self):
        assert_equal(self.json('GET', '/nope', expect=404)['error'],
                     'not found')

    def missing_user(self):
        assert_equal(self.json('GET', '/users/99', expect=404)['error'],
                     'no such user')

    def mix(self):
        """The requests of one round, in order (login before /me, the
        stylesheet before its revalidations)."""
        return [self.user, self.user_list, self.create_user, self.login,
                self.me, self.static, self.static_etag, self.static_since,
                self.missing_page, self.missing_user]


def assert_equal(actual, expected):
    if actual != expected:
        raise RuntimeError('got %r, expected %r' % (actual, expected))


def run(port, keep_alive, requests=REQUESTS):
    """Warm-up round, /mark, ``requests`` requests, /shutdown; returns the
    number of connections opened."""
    client = Client(port, keep_alive)
    try:
        session = Session(client)
        mix = session.mix()
        for step in mix:  # warm-up: every feature once
            step()
        session.call('GET', '/mark')
        for i in range(requests):
            mix[i % len(mix)]()
        client.keep_alive = False  # /shutdown ends the connection anyway
        try:
            session.call('GET', '/shutdown', {'Connection': 'close'})
        except (EOFError, ConnectionError):
            pass  # 1.3.4's asyncio server stops before it answers
    finally:
        client.close()
    return client.connections


if __name__ == '__main__':
    print('connections:', run(int(sys.argv[1]), '--close' not in sys.argv))
