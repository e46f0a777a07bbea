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
from _microdot_ws import WebSocketSession, ConnectionClosed, encode_frame, \
    close_payload, OP_TEXT, OP_BINARY, OP_CLOSE

try:
    import io
except ImportError:  # pragma: no cover
    import uio as io

try:
    import time
except ImportError:  # pragma: no cover
    import utime as time


CLIENT_ADDR = ('127.0.0.1', 1234)
_WEBSOCKET_HEADERS = {'Upgrade': 'websocket', 'Connection': 'Upgrade',
                      'Sec-WebSocket-Version': '13',
                      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='}


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

    def _websocket_exchange(self, path, client, headers):
        # the handshake then the client's messages, produced as the app reads
        all_headers = dict(_WEBSOCKET_HEADERS)
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


def _ignore(data):
    pass


class WebSocketPeer:
    """The client end of an in-memory WebSocket, for the test clients.

    The app reads through ``readline``/``read``: when it has read all the
    client sent, the client generator is asked for its next message.
    """

    def __init__(self, request_bytes, client):
        self.incoming = request_bytes
        self.output = b''
        self.client = client()
        self.started = self.finished = False
        self.messages = []
        self.close_code = None
        self.unread = 0  # messages the client was not given yet
        self.head = None
        self.frames = WebSocketSession(self._next_output, _ignore, 1 << 30,
                                       client=True)

    def readline(self, limit):
        line, sep, rest = self.incoming.partition(b'\n')
        line, self.incoming = (line + sep, rest) if sep else (line, b'')
        return line

    def read(self, size):
        if not self.incoming:
            self._client_turn()
        data, self.incoming = self.incoming[:size], self.incoming[size:]
        return data

    def write(self, data):
        self.output += data
        if self.head is None:
            if not self.output.startswith(b'HTTP/1.1 101 ') or \
                    b'\r\n\r\n' not in self.output:
                return  # not accepted (yet): a plain HTTP response
            self.head, self.output = self.output.split(b'\r\n\r\n', 1)
        while self._has_frame():
            try:
                self.messages.append(run_sync(self.frames.receive()))
                self.unread += 1
            except ConnectionClosed as exc:  # the app closed
                self.close_code = exc.code
                self.output = b''

    def _has_frame(self):
        data = self.output
        if len(data) < 2:
            return False
        size, start = data[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(data[2:4], 'big'), 4
        elif size == 127:
            size, start = int.from_bytes(data[2:10], 'big'), 10
        return len(data) >= start + size

    def _next_output(self, size):
        data, self.output = self.output[:size], self.output[size:]
        return data

    def _client_turn(self):
        if self.finished:
            return
        reply = None
        if self.unread:
            reply = self.messages[len(self.messages) - self.unread]
            self.unread -= 1
        try:
            message = self.client.send(reply) if self.started \
                else next(self.client)
            self.started = True
        except StopIteration:
            self.finished = True
            self.incoming = encode_frame(OP_CLOSE, close_payload(1000),
                                         mask=b'mask')
            return
        opcode = OP_TEXT if isinstance(message, str) else OP_BINARY
        if isinstance(message, str):
            message = message.encode()
        self.incoming = encode_frame(opcode, message, mask=b'mask')

    def response(self):
        """The handshake's TestResponse, with ``messages`` from the app."""
        if self.head is None:  # refused: a plain HTTP response
            response = TestResponse.from_bytes(self.output)
        else:
            response = TestResponse.from_bytes(self.head + b'\r\n\r\n')
        response.messages = self.messages
        response.close_code = self.close_code
        return response
