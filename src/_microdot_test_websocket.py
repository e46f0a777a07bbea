"""The client end of an in-memory WebSocket, for the test clients.

Loaded by the first ``TestClient.websocket()``.
"""
from _microdot_http import run_sync
from microdot_test_client import TestResponse
from _microdot_ws import WebSocketSession, ConnectionClosed, encode_frame, \
    close_payload, OP_TEXT, OP_BINARY, OP_CLOSE

HEADERS = {'Upgrade': 'websocket', 'Connection': 'Upgrade',
           'Sec-WebSocket-Version': '13',
           'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='}


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
