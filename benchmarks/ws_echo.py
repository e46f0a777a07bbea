"""WebSocket echo servers for ``ws_bench.py``.

``python ws_echo.py KIND PORT`` serves an echo WebSocket on 127.0.0.1 at
``/echo`` (the websockets server answers on any path):

- ``threaded``: ``microdot`` + ``microdot_websocket``;
- ``asyncio`` / ``uvloop``: ``microdot_asyncio`` +
  ``microdot_asyncio_websocket`` with ``use_uvloop`` False / True;
- ``websockets``: the ``websockets`` library's own asyncio server
  (``websockets.asyncio.server.serve``), compression off as the client asks
  for none, on plain asyncio.

The ASGI app is ``make_asgi_app``
(``uvicorn --factory ws_echo:make_asgi_app``).
Every message is sent back as it came: text as text, binary as binary.
"""
import sys

HOST = '127.0.0.1'


def make_threaded_app():
    from microdot import Microdot
    from microdot_websocket import with_websocket

    app = Microdot()

    @app.route('/echo')
    @with_websocket
    def echo(request, ws):
        while True:
            ws.send(ws.receive())

    return app


def make_asyncio_app(uvloop):
    from microdot_asyncio import Microdot
    from microdot_asyncio_websocket import with_websocket

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
    from microdot_asgi_websocket import with_websocket

    app = Microdot()

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            await ws.send(await ws.receive())

    return app


def serve_websockets(port):
    import asyncio
    from websockets.asyncio.server import serve

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def main():
        async with serve(echo, HOST, port, compression=None) as server:
            await server.serve_forever()

    asyncio.run(main())


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == 'threaded':
        make_threaded_app().run(host=HOST, port=port)
    elif kind in ('asyncio', 'uvloop'):
        if kind == 'uvloop':
            import uvloop  # noqa: F401  (fail loudly rather than fall back)
        make_asyncio_app(kind == 'uvloop').run(host=HOST, port=port)
    elif kind == 'websockets':
        serve_websockets(port)
    else:
        sys.exit('unknown kind %r' % kind)


if __name__ == '__main__':
    main()
