"""WebSocket for the threaded server (and the sync test client).

Example::

    from microdot import Microdot
    from microdot_websocket import with_websocket

    app = Microdot()

    @app.route('/echo')
    @with_websocket
    def echo(request, ws):
        while True:
            message = ws.receive()
            ws.send(message)

``receive()`` raises ``ConnectionClosed`` once the client has left or
closed; ``with_websocket`` ends the route quietly then.
"""
import sys

from microdot import Response
from _microdot_http import run_sync
from _microdot_ws import WebSocketSession, ConnectionClosed, \
    check_handshake, handshake_response, websocket_handler, \
    OP_TEXT, OP_BINARY, OP_PING  # noqa: F401 - re-exported

_MICROPYTHON = sys.implementation.name == 'micropython'
__all__ = ['WebSocket', 'ConnectionClosed', 'websocket_upgrade',
           'with_websocket']


class WebSocket:
    """A server-side WebSocket: ``receive()``, ``send()`` and ``close()``."""
    #: Largest message accepted; a larger one closes with 1009. On
    #: MicroPython 32 KiB: a board's heap is far smaller than a PC's.
    max_message_size = 32 * 1024 if _MICROPYTHON else 1024 * 1024

    def __init__(self, request):
        conn = request.connection
        self.request = request
        self.session = WebSocketSession(conn.read, conn.write,
                                        self.max_message_size,
                                        set_timeout=conn.set_read_timeout)

    def receive(self):
        """Wait for the next message: str for text, bytes for binary."""
        return run_sync(self.session.receive())

    def send(self, data, opcode=None):
        """Send a message: str as text, bytes as binary, or ``opcode``."""
        run_sync(self.session.send(data, opcode))

    def close(self, code=1000, reason=''):
        """Close the WebSocket with a status code."""
        run_sync(self.session.close(code, reason))


def websocket_upgrade(request):
    """Complete the opening handshake and return the WebSocket.

    Raises HTTPException(400) if the request is not a WebSocket handshake.
    """
    accept = check_handshake(request)
    request.connection.write(handshake_response(accept))
    request.connection.set_read_timeout(None)
    return WebSocket(request)


def websocket_decorator(upgrade):
    """Make a ``with_websocket`` decorator around an ``upgrade`` function
    (the alt module brings its own)."""
    def with_websocket(f):
        """Decorator for a route whose handler takes ``(request, ws)``."""
        def handler(request, *args, **kwargs):
            return run_sync(websocket_handler(
                upgrade, f, request, args, kwargs, Response.already_handled))
        return handler
    return with_websocket


with_websocket = websocket_decorator(websocket_upgrade)
