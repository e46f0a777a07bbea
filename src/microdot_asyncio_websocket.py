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
from microdot_asyncio import run_async
import microdot_websocket
from microdot_websocket import ConnectionClosed, OP_TEXT, OP_BINARY, \
    OP_PING, accept, serve  # noqa: F401 - re-exported


class WebSocket(microdot_websocket.WebSocket):
    """A server-side WebSocket whose ``receive()``, ``send()`` and
    ``close()`` return coroutines: ``await ws.receive()``."""
    run = staticmethod(run_async)


async def websocket_upgrade(request):
    """Complete the opening handshake and return the WebSocket.

    Raises HTTPException(400) if the request is not a WebSocket handshake.
    """
    await request.connection.write(accept(request))
    request.connection.set_read_timeout(None)
    return WebSocket(request)


def with_websocket(f, upgrade=websocket_upgrade):
    """Decorator for a route whose coroutine handler takes
    ``(request, ws)``. ``upgrade(request)`` is the coroutine that accepts
    the WebSocket (the ASGI module passes its own)."""
    async def handler(request, *args, **kwargs):
        return await run_async(serve(upgrade, f, request, args, kwargs))
    return handler
