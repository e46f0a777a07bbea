"""A test client that sends requests through the real wire path, in memory.

Example::

    client = TestClient(app)
    response = client.get('/')
    assert response.text == 'Hello, World!'
"""
import json

from _microdot_http import NoCaseDict, Connection, run_sync, \
    parse_header_line
from microdot import serve_connection

try:
    import io
except ImportError:  # pragma: no cover
    import uio as io

CLIENT_ADDR = ('127.0.0.1', 1234)


class TestResponse:
    """A response as the client received it: ``status_code``, ``reason``,
    ``headers``, ``body`` (bytes), ``text`` (None if the body is not
    UTF-8) and ``json``."""

    def __init__(self, status_code, reason, headers, body):
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.body = body
        try:
            self.text = body.decode()
        except UnicodeError:
            self.text = None

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
        if headers.get('Transfer-Encoding', '').lower() == 'chunked':
            from _microdot_body import parse_chunk_size
            body = b''
            size = parse_chunk_size(stream.readline())
            while size:
                body += stream.read(size)
                stream.readline()
                size = parse_chunk_size(stream.readline())
        elif 'Content-Length' in headers:
            body = stream.read(int(headers['Content-Length']))
        else:
            body = stream.read()
        return cls(int(status), reason, headers, body)


class TestClient:
    """A client that sends requests to an app without a network.

    ``cookies`` is the initial cookie jar (a dict); Set-Cookie headers in
    responses update it and it is sent with every request.
    """

    __test__ = False  # not a pytest test class
    connection_class = Connection

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
            name, expired = name.strip(), False
            for attribute in parts[1:]:
                key, _, text = attribute.strip().partition('=')
                key, text = key.lower(), text.strip()
                if key == 'max-age' and text.lstrip('-').isdigit():
                    expired = int(text) <= 0
                    break
                if key == 'expires':
                    from _microdot_files import parse_http_date
                    import time
                    expired = (parse_http_date(text) or 2 ** 31) < time.time()
                    if expired:
                        break
            if expired:
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

    def _websocket_exchange(self, path, client, headers):
        # the handshake then the client's messages, produced as the app reads
        from _microdot_test_websocket import WebSocketPeer, HEADERS
        all_headers = dict(HEADERS)
        all_headers.update(headers or {})
        peer = WebSocketPeer(self._request_bytes('GET', path, all_headers,
                                                 None), client)
        return serve_connection(self.app, self.connection_class(peer),
                                CLIENT_ADDR), peer

    def websocket(self, path, client, headers=None):
        """Open a WebSocket to ``path`` and run a conversation with it.

        ``client`` is a generator function: each value it yields is sent to
        the app as a message (str: text, bytes: binary), and it receives the
        app's next message (or None) as the value of ``yield``. When it
        returns, the client closes the WebSocket. Returns the handshake's
        TestResponse, with every message the app sent in ``messages`` and
        the code of the app's close frame in ``close_code``.
        """
        flow, peer = self._websocket_exchange(path, client, headers)
        run_sync(flow)
        return peer.response()

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
