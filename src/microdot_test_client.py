"""A test client that sends requests through the real wire path, in memory.

Example::

    client = TestClient(app)
    response = client.get('/')
    assert response.text == 'Hello, World!'
"""
import io
import json

from _microdot_http import NoCaseDict, Connection, run_sync, \
    parse_header_line, add_header
from microdot import serve_connection


class TestResponse:
    """A response as the client received it, parsed from its bytes:
    ``status_code``, ``reason``, ``headers`` (Set-Cookie: a list of lines),
    ``body`` (bytes), ``text`` (None if the body is not UTF-8) and ``json``
    (None unless the Content-Type is application/json); for an event
    stream, ``events``: the events parsed as EventSource does (microdot_sse).

    ``TestResponse.from_bytes(data)`` is the same as ``TestResponse(data)``.
    """

    def __init__(self, data):
        if data[9:13] == b'100 ':  # the interim 100 Continue
            data = data.partition(b'\r\n\r\n')[2]
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.split(b'\r\n')
        _, status, self.reason = lines.pop(0).decode().split(' ', 2)
        self.status_code = int(status)
        self.headers = headers = NoCaseDict()
        for line in lines:
            name, value = parse_header_line(line)
            if name.lower() == 'set-cookie':
                value = headers.get(name, []) + [value]
            elif name in headers:
                value = headers[name] + ', ' + value
            headers[name] = value
        if headers.get('Transfer-Encoding') == 'chunked':
            data, body, size = body, b'', 1
            while size:  # our server's chunks: no extensions, no trailers
                size, _, data = data.partition(b'\r\n')
                size = int(size, 16)
                body, data = body + data[:size], data[size + 2:]
        elif 'Content-Length' in headers:
            body = body[:int(headers['Content-Length'])]
        self.body = body
        try:
            self.text = body.decode()
        except UnicodeError:
            self.text = None
        media = headers.get('Content-Type', '').split(';')[0].strip()
        self.json = json.loads(body) if media == 'application/json' else None
        if media == 'text/event-stream':  # microdot_sse
            from _microdot_sse_events import parse_events
            self.events = parse_events(body)


# a class, not a classmethod: reached through the class or an instance it
# stays unbound, and costs no function of its own
TestResponse.from_bytes = TestResponse


class TestClient:
    """A client that sends requests to an app without a network.

    ``cookies`` is the initial cookie jar (a dict); Set-Cookie headers in
    responses update it (Max-Age and Expires honoured) and it is sent with
    every request.

    ``get(path, headers=None)``, ``delete(path, headers=None)``,
    ``post(path, headers=None, body=None)``, ``put(...)`` and ``patch(...)``
    send ``request()`` with that method.
    """

    __test__ = False  # not a pytest test class
    connection_class = Connection
    # runs an exchange (a generator of calls) to its response; the asyncio
    # client's is run_async, so its request() returns an awaitable
    _run = staticmethod(run_sync)

    def __init__(self, app, cookies=None):
        self.app = app
        self.cookies = dict(cookies or {})

    def request(self, method, path, headers=None, body=None):
        """Send a request; ``body`` may be bytes, str, or a dict/list (JSON).

        Returns a TestResponse, or None when the app answered with
        ``Response.already_handled`` and wrote nothing.
        """
        return self._run(self._exchange(method, path, headers, body, None))

    def websocket(self, path, client, headers=None):
        """Open a WebSocket to ``path`` and run a conversation with it.

        ``client`` is a generator function: each value it yields is sent to
        the app as a message (str: text, bytes: binary), and it receives the
        app's next message (or None) as the value of ``yield``. When it
        returns, the client closes the WebSocket. Returns the handshake's
        TestResponse, with every message the app sent in ``messages`` and
        the code of the app's close frame in ``close_code``.
        """
        return self._run(self._exchange('GET', path, headers, None, client))

    def __getattr__(self, name):
        # get, post, put, patch and delete: one shared function costs less
        # RAM on MicroPython than five methods
        if name not in ('get', 'post', 'put', 'patch', 'delete'):
            raise AttributeError(name)
        return lambda path, headers=None, body=None: self.request(
            name.upper(), path, headers, body)

    def _exchange(self, method, path, headers, body, client):
        # generator of calls: the request's bytes through serve_connection,
        # then the response parsed and the cookie jar updated from it
        headers = NoCaseDict(headers)
        if client:  # a WebSocket: the handshake, then the client's messages
            from _microdot_test_websocket import WebSocketPeer, HEADERS
            for name in HEADERS:
                headers.setdefault(name, HEADERS[name])
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault('Content-Type', 'application/json')
        if isinstance(body, str):
            body = body.encode()
        body = body or b''
        headers.setdefault('Host', 'localhost')
        if body or method in ('POST', 'PUT', 'PATCH'):
            headers.setdefault('Content-Length', str(len(body)))
        for name in self.cookies:
            add_header(headers, 'Cookie', name + '=' + self.cookies[name])
        data = '%s %s HTTP/1.1\r\n' % (method, path)
        for name in headers:
            data += '%s: %s\r\n' % (name, headers[name])
        data = (data + '\r\n').encode() + body
        if client:
            stream = output = WebSocketPeer(data, client)
        else:
            stream, output = io.BytesIO(data), io.BytesIO()
        yield from serve_connection(self.app, self.connection_class(
            stream, output), ('127.0.0.1', 1234))
        if client:
            response = output.response()
        else:  # nothing written: the handler returned already_handled
            response = output.getvalue()
            if not response:
                return None
            response = TestResponse(response)
        self._update_cookies(response)
        return response

    def _update_cookies(self, response):
        for line in response.headers.get('Set-Cookie', ()):
            parts = line.split(';')
            name, _, value = parts.pop(0).partition('=')
            age = expires = None
            for part in parts:
                key, _, text = part.strip().partition('=')
                key = key.lower()
                if key == 'max-age' and text.lstrip('-').isdigit():
                    age = int(text)
                elif key == 'expires':
                    expires = text
            if age is None and expires:  # Max-Age wins; dates are rarer
                from _microdot_files import parse_http_date
                import time
                age = (parse_http_date(expires) or 2 ** 31) - time.time()
            name = name.strip()
            self.cookies[name] = value.strip()
            if age is not None and age <= 0:
                del self.cookies[name]
