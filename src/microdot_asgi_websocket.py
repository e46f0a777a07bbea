"""WebSocket for ``microdot_asgi`` apps, over the ASGI websocket messages.

Same interface as ``microdot_asyncio_websocket``; the ASGI server (uvicorn)
does the framing. Example::

    from microdot_asgi import Microdot
    from microdot_asgi_websocket import with_websocket

    app = Microdot()

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            await ws.send(await ws.receive())
"""
from _microdot_http import HTTPException
from microdot_websocket import ConnectionClosed, OP_TEXT, OP_BINARY  # noqa
import microdot_asyncio_websocket

CLOSE_NO_STATUS = 1005
CLOSE_TOO_BIG = 1009

__all__ = ['WebSocket', 'ConnectionClosed', 'websocket_upgrade',
           'with_websocket']


class WebSocket:
    """A WebSocket carried by ASGI ``websocket.*`` messages."""
    #: Largest message accepted; a larger one closes with 1009.
    max_message_size = 1024 * 1024

    def __init__(self, request):
        self.request = request
        self._receive = request.asgi_receive
        self._send = request.asgi_send
        self.closed = False

    async def receive(self):
        """Wait for the next message: str for text, bytes for binary."""
        if self.closed:
            raise ConnectionClosed()
        message = await self._receive()
        if message['type'] == 'websocket.disconnect':
            self.closed = True
            raise ConnectionClosed(message.get('code', CLOSE_NO_STATUS),
                                   message.get('reason') or '')
        data = message.get('text')
        if data is None:
            data = message.get('bytes') or b''
        if len(data) > self.max_message_size:
            await self.close(CLOSE_TOO_BIG)
            raise ConnectionClosed(CLOSE_TOO_BIG)
        return data

    async def send(self, data, opcode=None):
        """Send a message: str as text, bytes as binary, or ``opcode``."""
        if self.closed:
            raise ConnectionClosed()
        text = opcode == OP_TEXT or opcode is None and isinstance(data, str)
        if text and isinstance(data, bytes):
            data = data.decode()
        elif not text and isinstance(data, str):
            data = data.encode()
        await self._send({'type': 'websocket.send',
                          'text' if text else 'bytes': data})

    async def close(self, code=1000, reason=''):
        """Close the WebSocket with a status code."""
        if not self.closed:
            self.closed = True
            await self._send({'type': 'websocket.close', 'code': code,
                              'reason': reason})


async def websocket_upgrade(request):
    """Accept the WebSocket and return it.

    Raises HTTPException(400) outside of an ASGI websocket connection.
    """
    if getattr(request, 'asgi_send', None) is None:
        raise HTTPException(400, 'Not a WebSocket handshake')
    message = await request.asgi_receive()
    if message['type'] != 'websocket.connect':
        raise HTTPException(400, 'Not a WebSocket handshake')
    await request.asgi_send({'type': 'websocket.accept'})
    return WebSocket(request)


def with_websocket(f):
    """Decorator for a route whose coroutine handler takes
    ``(request, ws)``."""
    return microdot_asyncio_websocket.with_websocket(f, websocket_upgrade)
