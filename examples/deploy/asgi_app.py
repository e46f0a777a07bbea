"""The application of ``app.py`` as an ASGI app, for uvicorn.

Run it (from this directory, with SECRET_KEY set as ``app.py`` explains)::

    uvicorn --host 0.0.0.0 --port 8000 --workers 4 asgi_app:app

The routes, hooks and error handlers are mounted from ``app.py``: one
application, two server interfaces. Lifespan hooks run once per worker.
"""
import os

from microdot_asgi import Microdot

from app import app as wsgi_app

app = Microdot()
app.mount(wsgi_app)


@app.on_startup
def started():
    # per worker process: open connection pools and the like here
    print('microdot worker %d started' % os.getpid(), flush=True)


@app.on_shutdown
async def stopped():
    print('microdot worker %d stopped' % os.getpid(), flush=True)
