"""Hello world apps for ``bench_adapters.py``, one attribute each.

Every app answers ``GET /`` with 200 ``Hello, world!`` as ``text/plain``.
The attributes are built on first access (a module ``__getattr__``), so one
module serves every server and every venv: the peers' imports happen only in
the venv that has them. Run as ``uvicorn hello_adapters:NAME`` or
``gunicorn hello_adapters:NAME`` from ``benchmarks/``:

ASGI 3 (uvicorn):

- ``bare_asgi``: a plain coroutine sending a fixed ``http.response.start``
  and ``http.response.body``, nothing read, nothing parsed (the ceiling);
- ``starlette_asgi``: Starlette, one ``PlainTextResponse`` route;
- ``microdot_asgi``: ``from microdot_asgi import Microdot`` with an async
  handler: ours with ``src/`` on ``PYTHONPATH``, microdot 1.3.4's in the
  peer venv (the module names are the same).

WSGI (gunicorn):

- ``bare_wsgi``: a plain function with a fixed status, headers and body;
- ``bottle_wsgi``: Bottle, one route, ``text/plain``;
- ``flask_wsgi``: Flask, one route, ``text/plain``;
- ``microdot_wsgi``: ours, ``from microdot_wsgi import Microdot``, a sync
  handler.
"""
BODY = b'Hello, world!'
TEXT = 'Hello, world!'


def make_bare_asgi():
    start = {'type': 'http.response.start', 'status': 200,
             'headers': [(b'content-type', b'text/plain'),
                         (b'content-length', str(len(BODY)).encode())]}
    body = {'type': 'http.response.body', 'body': BODY}

    async def app(scope, receive, send):
        if scope['type'] == 'http':
            await send(start)
            await send(body)
        elif scope['type'] == 'lifespan':  # keep uvicorn's log quiet
            while True:
                message = await receive()
                if message['type'] == 'lifespan.startup':
                    await send({'type': 'lifespan.startup.complete'})
                else:
                    await send({'type': 'lifespan.shutdown.complete'})
                    return

    return app


def make_starlette_asgi():
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def index(request):
        return PlainTextResponse(TEXT)

    return Starlette(routes=[Route('/', index)])


def make_microdot_asgi():
    from microdot_asgi import Microdot

    app = Microdot()

    @app.route('/')
    async def index(request):
        return TEXT

    return app


def make_bare_wsgi():
    headers = [('Content-Type', 'text/plain'),
               ('Content-Length', str(len(BODY)))]

    def app(environ, start_response):
        start_response('200 OK', headers)
        return [BODY]

    return app


def make_bottle_wsgi():
    import bottle

    app = bottle.Bottle()

    @app.route('/')
    def index():
        bottle.response.content_type = 'text/plain'
        return TEXT

    return app


def make_flask_wsgi():
    from flask import Flask

    app = Flask(__name__)

    @app.route('/')
    def index():
        return TEXT, 200, {'Content-Type': 'text/plain'}

    return app


def make_microdot_wsgi():
    from microdot_wsgi import Microdot

    app = Microdot()

    @app.route('/')
    def index(request):
        return TEXT

    return app


_BUILT = {}


def __getattr__(name):
    factory = globals().get('make_' + name)
    if factory is None:
        raise AttributeError(name)
    if name not in _BUILT:
        _BUILT[name] = factory()
    return _BUILT[name]
