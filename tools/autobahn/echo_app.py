"""Echo servers for the Autobahn fuzzingclient (and the ws benchmark).

``python echo_app.py KIND PORT [MAX_SIZE]`` serves ``/echo`` on 127.0.0.1:

- ``threaded``: ``microdot`` + ``microdot_websocket``;
- ``asyncio``: ``microdot_asyncio`` + ``microdot_asyncio_websocket`` on plain
  asyncio; ``uvloop``: the same on uvloop;
- ``websockets``: the ``websockets`` library's own asyncio server
  (``websockets.asyncio.server.serve``), the reference the issue compares
  with (it answers any path);
- ``asgi`` is not served from here: uvicorn imports ``make_asgi_app`` as a
  factory (``uvicorn --factory echo_app:make_asgi_app``), with the size in
  the ``ECHO_MAX_SIZE`` environment variable.

Every message is sent back as it came: text as text, binary as binary.
``MAX_SIZE`` sets ``WebSocket.max_message_size`` (Autobahn's 9.* cases send
messages up to 16 MiB; the default of 1 MiB is kept when it is not given).
``src/`` must be on ``PYTHONPATH``.
"""
import os
import sys

HOST = '127.0.0.1'


def make_threaded_app(max_size=None):
    from microdot import Microdot
    from microdot_websocket import WebSocket, with_websocket

    if max_size:
        WebSocket.max_message_size = max_size
    app = Microdot()

    @app.route('/echo')
    @with_websocket
    def echo(request, ws):
        while True:
            ws.send(ws.receive())

    return app


def make_asyncio_app(max_size=None, uvloop=False):
    from microdot_asyncio import Microdot
    from microdot_asyncio_websocket import WebSocket, with_websocket

    if max_size:
        WebSocket.max_message_size = max_size
    app = Microdot()
    app.use_uvloop = uvloop

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            await ws.send(await ws.receive())

    return app


def make_asgi_app():
    from microdot_asgi import Microdot
    from microdot_asgi_websocket import WebSocket, with_websocket

    max_size = int(os.environ.get('ECHO_MAX_SIZE') or 0)
    if max_size:
        WebSocket.max_message_size = max_size
    app = Microdot()

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            await ws.send(await ws.receive())

    return app


def serve_websockets(port, max_size=None):
    import asyncio
    from websockets.asyncio.server import serve

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def main():
        async with serve(echo, HOST, port,
                         max_size=max_size or 1024 * 1024) as server:
            await server.serve_forever()

    asyncio.run(main())


def main(argv):
    kind, port = argv[1], int(argv[2])
    max_size = int(argv[3]) if len(argv) > 3 else None
    if kind == 'threaded':
        app = make_threaded_app(max_size)
    elif kind == 'asyncio':
        app = make_asyncio_app(max_size)
    elif kind == 'uvloop':
        import uvloop  # noqa: F401  (fail loudly rather than fall back)
        app = make_asyncio_app(max_size, uvloop=True)
    elif kind == 'websockets':
        return serve_websockets(port, max_size)
    else:
        sys.exit('unknown kind %r (threaded, asyncio, uvloop, websockets)'
                 % kind)
    app.run(host=HOST, port=port)


if __name__ == '__main__':
    main(sys.argv)
