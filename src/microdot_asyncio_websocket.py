"""WebSocket for the asyncio server: ``receive()``, ``send()`` and
``close()`` are coroutines.

Example::

    from microdot_asyncio import Microdot
    from microdot_asyncio_websocket import with_websocket

    app = Microdot()

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            message = await ws.receive()
            await ws.send(message)
"""
from microdot_asyncio import Response
from microdot_asyncio import run_async
from _microdot_ws import WebSocketSession, ConnectionClosed, \
    check_handshake, handshake_response, websocket_handler, \
    OP_TEXT, OP_BINARY, OP_PING  # noqa: F401 - re-exported
import microdot_websocket

__all__ = ['WebSocket', 'ConnectionClosed', 'websocket_upgrade',
           'with_websocket']


class WebSocket(microdot_websocket.WebSocket):
    """A server-side WebSocket whose methods are coroutines."""

    async def receive(self):
        """Wait for the next message: str for text, bytes for binary."""
        return await run_async(self.session.receive())

    async def send(self, data, opcode=None):
        """Send a message: str as text, bytes as binary, or ``opcode``."""
        await run_async(self.session.send(data, opcode))

    async def close(self, code=1000, reason=''):
        """Close the WebSocket with a status code."""
        await run_async(self.session.close(code, reason))


async def websocket_upgrade(request):
    """Complete the opening handshake and return the WebSocket.

    Raises HTTPException(400) if the request is not a WebSocket handshake.
    """
    accept = check_handshake(request)
    await request.connection.write(handshake_response(accept))
    request.connection.set_read_timeout(None)
    return WebSocket(request)


def websocket_decorator(upgrade):
    """Make a ``with_websocket`` decorator around an ``upgrade`` coroutine
    (the ASGI module brings its own)."""
    def with_websocket(f):
        """Decorator for a route whose coroutine handler takes
        ``(request, ws)``."""
        async def handler(request, *args, **kwargs):
            return await run_async(websocket_handler(
                upgrade, f, request, args, kwargs, Response.already_handled))
        return handler
    return with_websocket


with_websocket = websocket_decorator(websocket_upgrade)
