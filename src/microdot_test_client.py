"""A test client that sends requests through the real wire path, in memory.

Example::

    client = TestClient(app)
    response = client.get('/')
    assert response.text == 'Hello, World!'
"""
import json

from _microdot_http import parse_header_line, parse_chunk_size, \
    parse_http_date
from _microdot_core import NoCaseDict, StreamConnection, run_sync
from _microdot_app import serve_connection

try:
    import io
except ImportError:  # pragma: no cover
    import uio as io

try:
    import time
except ImportError:  # pragma: no cover
    import utime as time


CLIENT_ADDR = ('127.0.0.1', 1234)


class TestResponse:
    """A response as the client received it."""

    def __init__(self, status_code, reason, headers, body):
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.body = body

    @property
    def text(self):
        """The body decoded as UTF-8, or None if it is not valid UTF-8."""
        try:
            return self.body.decode()
        except UnicodeError:
            return None

    @property
    def json(self):
        """The body parsed as JSON, or None if it is not application/json."""
        content_type = self.headers.get('Content-Type', '')
        if content_type.split(';')[0].strip() != 'application/json':
            return None
        return json.loads(self.body.decode())

    @classmethod
    def from_bytes(cls, data):
        """Parse a complete HTTP/1.x response."""
        stream = io.BytesIO(data)
        version, status, reason = stream.readline().decode().strip().split(
            ' ', 2)
        headers = NoCaseDict()
        while True:
            line = stream.readline()
            if line in (b'\r\n', b'\n', b''):
                break
            name, value = parse_header_line(line)
            if name.lower() == 'set-cookie':
                headers.setdefault(name, []).append(value)
            elif name in headers:
                headers[name] += ', ' + value
            else:
                headers[name] = value
        return cls(int(status), reason, headers, _read_body(stream, headers))


def _read_body(stream, headers):
    if headers.get('Transfer-Encoding', '').lower() == 'chunked':
        parts = []
        while True:
            size = parse_chunk_size(stream.readline())
            if not size:
                return b''.join(parts)
            parts.append(stream.read(size))
            stream.readline()
    if 'Content-Length' in headers:
        return stream.read(int(headers['Content-Length']))
    return stream.read()


def _cookie_expired(attributes):
    for attribute in attributes:
        name, _, value = attribute.strip().partition('=')
        name = name.lower()
        if name == 'max-age' and value.strip().lstrip('-').isdigit():
            return int(value) <= 0
        if name == 'expires':
            expires = parse_http_date(value.strip())
            if expires is not None and expires < time.time():
                return True
    return False


class TestClient:
    """A client that sends requests to an app without a network.

    ``cookies`` is the initial cookie jar (a dict); Set-Cookie headers in
    responses update it and it is sent with every request.
    """

    __test__ = False  # not a pytest test class
    connection_class = StreamConnection

    def __init__(self, app, cookies=None):
        self.app = app
        self.cookies = dict(cookies or {})

    def _request_bytes(self, method, path, headers, body):
        headers = NoCaseDict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault('Content-Type', 'application/json')
        if isinstance(body, str):
            body = body.encode()
        body = body or b''
        headers.setdefault('Host', 'localhost')
        if body or method in ('POST', 'PUT', 'PATCH'):
            headers.setdefault('Content-Length', str(len(body)))
        if self.cookies:
            jar = '; '.join([name + '=' + value
                             for name, value in self.cookies.items()])
            headers['Cookie'] = headers['Cookie'] + '; ' + jar \
                if 'Cookie' in headers else jar
        head = '{} {} HTTP/1.1\r\n'.format(method, path) + ''.join(
            ['{}: {}\r\n'.format(name, value)
             for name, value in headers.items()]) + '\r\n'
        return head.encode() + body

    def _update_cookies(self, response):
        for line in response.headers.get('Set-Cookie', []):
            parts = line.split(';')
            name, _, value = parts[0].partition('=')
            name = name.strip()
            if _cookie_expired(parts[1:]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value.strip()

    def _exchange(self, method, path, headers, body):
        # the connection flow to run, and where the response bytes land
        output = io.BytesIO()
        connection = self.connection_class(io.BytesIO(self._request_bytes(
            method, path, headers, body)), output)
        return serve_connection(self.app, connection, CLIENT_ADDR), output

    def _response(self, output):
        response = TestResponse.from_bytes(output.getvalue())
        self._update_cookies(response)
        return response

    def request(self, method, path, headers=None, body=None):
        """Send a request; ``body`` may be bytes, str, or a dict/list (JSON).

        Returns a TestResponse.
        """
        flow, output = self._exchange(method, path, headers, body)
        run_sync(flow)
        return self._response(output)

    def get(self, path, headers=None):
        """Send a GET request."""
        return self.request('GET', path, headers=headers)

    def post(self, path, headers=None, body=None):
        """Send a POST request."""
        return self.request('POST', path, headers=headers, body=body)

    def put(self, path, headers=None, body=None):
        """Send a PUT request."""
        return self.request('PUT', path, headers=headers, body=body)

    def patch(self, path, headers=None, body=None):
        """Send a PATCH request."""
        return self.request('PATCH', path, headers=headers, body=body)

    def delete(self, path, headers=None):
        """Send a DELETE request."""
        return self.request('DELETE', path, headers=headers)
