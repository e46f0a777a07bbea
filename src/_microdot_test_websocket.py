"""The client end of an in-memory WebSocket, for the test clients.

Loaded by the first ``TestClient.websocket()``. The client's side of the
codec lives here: a server never masks, so ``microdot_websocket`` only
reads masked frames and sends unmasked ones.
"""
from _microdot_http import run_sync
from microdot_test_client import TestResponse
from microdot_websocket import read_frame

HEADERS = {'Upgrade': 'websocket', 'Connection': 'Upgrade',
           'Sec-WebSocket-Version': '13',
           'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='}


def apply_mask(mask, data):
    """XOR ``data`` with a 4-byte mask (masking and unmasking alike)."""
    size = len(data)
    if not size:
        return b''
    repeated = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(data, 'big') ^
            int.from_bytes(repeated, 'big')).to_bytes(size, 'big')


def encode_frame(opcode, payload, fin=True, mask=None):
    """Encode one frame: a client's with a 4-byte ``mask``, a server's
    without."""
    size = len(payload)
    mask_bit = 0x80 if mask else 0
    head = bytes([(0x80 if fin else 0) | opcode])
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 65536:
        head += bytes([mask_bit | 126]) + size.to_bytes(2, 'big')
    else:
        head += bytes([mask_bit | 127]) + size.to_bytes(8, 'big')
    if mask:
        return head + mask + apply_mask(mask, payload)
    return head + payload


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
        while self.close_code is None and self._has_frame():
            # the app's frames, checked as strictly as a client would
            fin, opcode, payload = run_sync(read_frame(
                self._next_output, 1 << 30, False))
            if opcode == 8:  # the app closed
                self.close_code = int.from_bytes(payload[:2], 'big') \
                    if payload else 1005
            elif opcode < 3:
                self.messages.append(payload if opcode == 2
                                     else payload.decode())
                self.unread += 1

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
            self.incoming = encode_frame(8, (1000).to_bytes(2, 'big'),
                                         mask=b'mask')
            return
        opcode = 1 if isinstance(message, str) else 2
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
