"""WebSocket for the threaded server over MicroPython's native ``websocket``
module (the one behind WebREPL). Unsupported on CPython: use
``microdot_websocket`` there, which this module mirrors.

The native module reads frame payloads as a byte stream: a message is what
has arrived when the socket runs dry, which holds for messages that fit in
one TCP segment. Prefer ``microdot_websocket`` unless flash is very short.
"""
import sys

if sys.implementation.name != 'micropython':
    raise ImportError('microdot_websocket_alt needs MicroPython\'s native '
                      'websocket module: use microdot_websocket on CPython')

import select  # noqa: E402
import websocket as _native  # noqa: E402

from _microdot_http import run_sync  # noqa: E402
from microdot_websocket import ConnectionClosed, accept, serve, \
    OP_TEXT, OP_BINARY  # noqa: E402

__all__ = ['WebSocket', 'ConnectionClosed', 'websocket_upgrade',
           'with_websocket']

_GET_DATA_OPTS = 8  # the stream ioctls that read and set the frame opcode
_SET_DATA_OPTS = 9


class WebSocket:
    """A server-side WebSocket: ``receive()``, ``send()`` and ``close()``."""
    #: Largest message accepted.
    max_message_size = 4 * 1024

    def __init__(self, request):
        self.sock = request.connection.sock
        self.native = _native.websocket(self.sock, True)
        self.poller = select.poll()
        self.poller.register(self.sock, select.POLLIN)
        self.closed = False

    def receive(self):
        """Wait for the next message: str for text, bytes for binary."""
        if self.closed:
            raise ConnectionClosed()
        buffer = bytearray(self.max_message_size)
        size = None
        while size is None:  # None: a control frame was consumed
            self.poller.poll()
            size = self.native.readinto(buffer)
        if not size:
            self.closed = True
            raise ConnectionClosed()
        data = bytes(buffer[:size])
        if self.native.ioctl(_GET_DATA_OPTS) == OP_TEXT:
            return data.decode()
        return data

    def send(self, data, opcode=None):
        """Send a message: str as text, bytes as binary, or ``opcode``."""
        if opcode is None:
            opcode = OP_TEXT if isinstance(data, str) else OP_BINARY
        self.native.ioctl(_SET_DATA_OPTS, opcode)
        self.native.write(data.encode() if isinstance(data, str) else data)

    def close(self, code=1000, reason=''):
        """Close the WebSocket."""
        if not self.closed:
            self.closed = True
            self.native.close()


def websocket_upgrade(request):
    """Complete the opening handshake and return the WebSocket."""
    request.connection.write(accept(request))
    request.connection.set_read_timeout(0)  # the native reads never block
    return WebSocket(request)


def with_websocket(f):
    """Decorator for a route whose handler takes ``(request, ws)``."""
    def handler(request, *args, **kwargs):
        return run_sync(serve(websocket_upgrade, f, request, args, kwargs))
    return handler
