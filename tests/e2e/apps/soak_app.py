"""The application of the soak (``tools/soak.py``, ``make soak``,
``tests/e2e/test_e2e_soak.py``): a few ordinary routes, a streamed
response and a file large enough to abort in the middle, and the counters
that tell whether aborted clients left a generator or a file open.

Usage::

    python soak_app.py PORT             # CPython, threaded server
    micropython soak_app.py PORT        # MICROPYPATH=src:tests/e2e/apps

Like ``basic_app.py``, ``E2E_MICRODOT_MODULE`` picks the module (default
``microdot``) and ``app`` exists at import time for gunicorn and uvicorn.
``SOAK_FILE`` names the file that ``/file`` sends (the soak writes it).
"""
import sys

from os import getenv  # the unix port has it, as CPython does
try:
    from os import getpid
except ImportError:  # MicroPython: one process
    def getpid():
        return 0

from e2e_app import MODULE, module as _module, new_app

Response = _module.Response
app = new_app()

# generators of /stream started and closed (finished, or closed by the
# server when the client left); WebSocket handlers running
counters = {'started': 0, 'closed': 0, 'websockets': 0}
PIECE = b'x' * 16384


@app.route('/')
def hello(request):
    return 'Hello, world!'


@app.route('/args')
def args(request):
    return {'x': request.args.getlist('x'), 'c': request.cookies}


@app.post('/echo')
def echo(request):
    return request.body


@app.route('/stream')
def stream(request):
    count = request.args.get('n', 4, type=int)

    def generate():
        counters['started'] += 1
        try:
            for _ in range(count):
                yield PIECE
        finally:
            counters['closed'] += 1
    return Response(generate())


@app.route('/file')
def file(request):
    return Response.send_file(getenv('SOAK_FILE'),
                              content_type='application/octet-stream')


def counts():
    """What the soak compares with its baseline: this process's id, the
    generators started and closed, and (asyncio) the running tasks."""
    tasks = None
    if MODULE in ('microdot_asyncio', 'microdot_asgi'):
        import asyncio
        all_tasks = getattr(asyncio, 'all_tasks', None)  # not MicroPython
        if all_tasks is not None:
            tasks = len(all_tasks())
    return {'pid': getpid(), 'started': counters['started'],
            'closed': counters['closed'], 'tasks': tasks,
            'websockets': counters['websockets']}


if MODULE in ('microdot_asyncio', 'microdot_asgi'):
    @app.route('/debug/counters')
    async def debug_counters(request):  # on the loop: all_tasks() works
        return counts()
else:
    @app.route('/debug/counters')
    def debug_counters(request):
        return counts()


# /ws/echo from the module that matches the server; WSGI has no WebSocket
_websocket_name = {'microdot': 'microdot_websocket',
                   'microdot_asyncio': 'microdot_asyncio_websocket',
                   'microdot_asgi': 'microdot_asgi_websocket'}.get(MODULE)
if _websocket_name == 'microdot_websocket':
    from microdot_websocket import with_websocket, ConnectionClosed

    @app.route('/ws/echo')
    @with_websocket
    def ws_echo(request, ws):
        counters['websockets'] += 1
        try:
            while True:
                ws.send(ws.receive())
        except ConnectionClosed:
            pass
        finally:
            counters['websockets'] -= 1
elif _websocket_name:
    _websocket = __import__(_websocket_name)
    ConnectionClosed = _websocket.ConnectionClosed

    @app.route('/ws/echo')
    @_websocket.with_websocket
    async def ws_echo(request, ws):
        counters['websockets'] += 1
        try:
            while True:
                await ws.send(await ws.receive())
        except ConnectionClosed:
            pass
        finally:
            counters['websockets'] -= 1


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
