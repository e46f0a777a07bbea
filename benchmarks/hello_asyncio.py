"""Hello world on an asyncio server of whichever ``microdot`` is importable.

``python hello_asyncio.py PORT MODULE [DRIVER]``:

- ``MODULE`` is where ``Microdot`` comes from: ``microdot_asyncio`` for ours
  and for microdot 1.3.4, ``microdot`` for microdot 2.x (where the asyncio
  server is the only one);
- ``DRIVER`` sets our class settings: ``asyncio`` (``use_uvloop = False``),
  ``uvloop`` (``use_uvloop = True``, and uvloop must import), ``streams``
  (``use_streams = True`` on plain asyncio); ``default`` (the default) sets
  nothing, for the peers.

The handler is a coroutine: microdot 2.x runs plain functions in a thread
executor, which would measure the executor and not the server.
"""
import sys

port = int(sys.argv[1])
module = sys.argv[2] if len(sys.argv) > 2 else 'microdot_asyncio'
driver = sys.argv[3] if len(sys.argv) > 3 else 'default'
Microdot = __import__(module).Microdot

app = Microdot()
if driver == 'asyncio':
    app.use_uvloop = False
elif driver == 'uvloop':
    import uvloop  # noqa: F401  (fail loudly rather than fall back)
    app.use_uvloop = True
elif driver == 'streams':
    app.use_streams = True
    app.use_uvloop = False
elif driver != 'default':
    sys.exit('unknown driver %r' % driver)


@app.route('/')
async def index(request):
    return 'Hello, world!'


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=port)
