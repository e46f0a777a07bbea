"""The one application every server kind of the e2e battery runs.

Usage::

    python basic_app.py PORT            # CPython, threaded server
    micropython basic_app.py PORT       # MicroPython unix port (MICROPYPATH=src:...)

Only the public ``microdot`` API is used, and only what MicroPython has (no
f-strings with ``=``, no ``os.path``, no ``tempfile``). The module defines
``app`` at import time so WSGI/ASGI servers can load ``basic_app:app``; the
environment variable ``E2E_MICRODOT_MODULE`` picks the module the ``Microdot``
class comes from (default ``microdot``).
"""
import sys
import time

from e2e_app import MODULE, module as _module, new_app

Response = _module.Response
abort = getattr(_module, 'abort', None) or _module.Microdot.abort

if '/' in __file__:
    APP_DIR = __file__.rsplit('/', 1)[0]
else:
    APP_DIR = '.'
STATIC_DIR = APP_DIR + '/static/'


class E2EIntentionalError(Exception):
    """Raised by ``/error``; the fixture ignores tracebacks ending in it."""


app = new_app()


@app.route('/')
def hello(request):
    return 'Hello, world!'


@app.route('/users/<int:user_id>/<name>')
def user(request, user_id, name):
    return {'id': user_id, 'name': name}


@app.route('/files/<path:rest>')
def files(request, rest):
    return {'rest': rest}


@app.route('/method', methods=['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
def method(request):
    return request.method


@app.post('/post-only')
def post_only(request):
    return 'posted'


@app.route('/info', methods=['GET', 'POST'])
def info(request):
    return {
        'method': request.method,
        'path': request.path,
        'query_string': request.query_string,
        'http_version': request.http_version,
        'content_length': request.content_length,
        'content_type': request.content_type,
        'x_test': request.headers.get('X-Test'),
    }


@app.route('/args')
def args(request):
    return {'x': request.args.getlist('x'), 'y': request.args.get('y')}


@app.post('/echo')
def echo(request):
    return request.body


@app.post('/echo/json')
def echo_json(request):
    return {'received': request.json}


@app.post('/form')
def form(request):
    return {'a': request.form.get('a'), 'b': request.form.getlist('b')}


@app.route('/cookie/set')
def cookie_set(request):
    res = Response('cookie set')
    res.set_cookie('e2e', 'value123', path='/', http_only=True)
    res.set_cookie('second', 'two')
    return res


@app.route('/cookie/read')
def cookie_read(request):
    return request.cookies


@app.route('/redirect')
def redirect_route(request):
    return Response.redirect('/')


@app.route('/error')
def error(request):
    raise E2EIntentionalError('intentional e2e failure')


@app.route('/abort/<int:code>')
def abort_route(request, code):
    abort(code)


@app.route('/abort-reason')
def abort_reason(request):
    abort(406, 'Custom Reason')


@app.route('/nocontent')
def nocontent(request):
    return None


@app.route('/status')
def status(request):
    return 'created', 201, {'X-E2E': 'yes'}


@app.route('/stream')
def stream(request):
    # n chunks; the chunk at index `slow` is preceded by a `delay` second sleep
    count = request.args.get('n', 5, type=int)
    slow = request.args.get('slow', 2, type=int)
    delay = request.args.get('delay', 0.2, type=float)

    def generate():
        for i in range(count):
            if i == slow:
                time.sleep(delay)
            yield 'chunk %d\n' % i
    return generate()


def _pattern(size):
    # one allocation of `size` bytes: MicroPython's unix heap is only 2 MiB
    block = bytes(range(256))
    if size % 256:
        return block * (size // 256) + block[:size % 256]
    return block * (size // 256)


@app.route('/large')
def large(request):
    return _pattern(request.args.get('size', 1024 * 1024, type=int))


@app.route('/large-stream')
def large_stream(request):
    size = request.args.get('size', 1024 * 1024, type=int)
    piece = _pattern(16 * 1024)

    def generate():
        sent = 0
        while sent < size:
            data = piece[:size - sent]
            sent += len(data)
            yield data
    return Response(generate())


@app.route('/static/<name>')
def static(request, name):
    if '..' in name:
        abort(404)
    return Response.send_file(STATIC_DIR + name)


if MODULE in ('microdot_asyncio', 'microdot_asgi'):
    import asyncio

    @app.route('/loop')
    async def loop(request):
        return type(asyncio.get_event_loop()).__module__

    @app.route('/slow')
    async def slow(request):
        seconds = request.args.get('seconds', 1, type=float)
        await asyncio.sleep(seconds)
        return 'slept %s' % seconds
else:
    @app.route('/slow')
    def slow(request):
        seconds = request.args.get('seconds', 1, type=float)
        time.sleep(seconds)
        return 'slept %s' % seconds


@app.route('/shutdown')
def shutdown(request):
    request.app.shutdown()
    return 'shutting down'


# WebSocket routes, from the module that matches the server; WSGI has none.
# MicroPython kinds run these with a larger heap (-X heapsize=16M).
_WEBSOCKET_MODULES = {'microdot': 'microdot_websocket',
                      'microdot_asyncio': 'microdot_asyncio_websocket',
                      'microdot_asgi': 'microdot_asgi_websocket'}
_websocket_name = _WEBSOCKET_MODULES.get(MODULE)
if _websocket_name:
    _websocket = __import__(_websocket_name)
    with_websocket = _websocket.with_websocket
    ConnectionClosed = _websocket.ConnectionClosed
    # a 1 MiB echo fits; 2 MiB + 1 byte gets 1009
    _websocket.WebSocket.max_message_size = 2 * 1024 * 1024
    last_close = {}  # the close code and reason /ws/record last saw
    SMALL_MESSAGE = 1024

    def _small_limit(ws):
        # a per-route limit for /ws/small: there is no public way, so set
        # it where each module reads it (the sync/asyncio modules copy it
        # into their session when the WebSocket is made)
        ws.max_message_size = SMALL_MESSAGE
        session = getattr(ws, 'session', None)
        if session is not None:
            session.max_message_size = SMALL_MESSAGE

    @app.route('/ws/last-close')
    def ws_last_close(request):
        return last_close

if _websocket_name == 'microdot_websocket':
    @app.route('/ws/echo')
    @with_websocket
    def ws_echo(request, ws):
        while True:
            ws.send(ws.receive())

    @app.route('/ws/small')
    @with_websocket
    def ws_small(request, ws):
        _small_limit(ws)
        while True:
            ws.send(ws.receive())

    @app.route('/ws/close/<int:code>')
    @with_websocket
    def ws_close(request, ws, code):
        ws.send('closing')
        ws.close(code, 'bye')

    @app.route('/ws/count/<int:n>')
    @with_websocket
    def ws_count(request, ws, n):
        for i in range(n):
            ws.send('message %d' % i)

    @app.route('/ws/record')
    @with_websocket
    def ws_record(request, ws):
        last_close.clear()
        ws.send('ready')
        try:
            while True:
                ws.receive()
        except ConnectionClosed as exc:
            last_close.update(code=exc.code, reason=exc.reason)

    @app.route('/ws/error')
    @with_websocket
    def ws_error(request, ws):
        ws.receive()
        raise E2EIntentionalError('intentional WebSocket failure')
elif _websocket_name:
    @app.route('/ws/echo')
    @with_websocket
    async def ws_echo(request, ws):
        while True:
            await ws.send(await ws.receive())

    @app.route('/ws/small')
    @with_websocket
    async def ws_small(request, ws):
        _small_limit(ws)
        while True:
            await ws.send(await ws.receive())

    @app.route('/ws/close/<int:code>')
    @with_websocket
    async def ws_close(request, ws, code):
        await ws.send('closing')
        await ws.close(code, 'bye')

    @app.route('/ws/count/<int:n>')
    @with_websocket
    async def ws_count(request, ws, n):
        for i in range(n):
            await ws.send('message %d' % i)

    @app.route('/ws/record')
    @with_websocket
    async def ws_record(request, ws):
        last_close.clear()
        await ws.send('ready')
        try:
            while True:
                await ws.receive()
        except ConnectionClosed as exc:
            last_close.update(code=exc.code, reason=exc.reason)

    @app.route('/ws/error')
    @with_websocket
    async def ws_error(request, ws):
        await ws.receive()
        raise E2EIntentionalError('intentional WebSocket failure')


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    app.run(host='127.0.0.1', port=port)
