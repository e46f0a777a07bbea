"""What the e2e apps share: the Microdot module that ``E2E_MICRODOT_MODULE``
names (default ``microdot``: the threaded server; ``microdot_asyncio``,
``microdot_wsgi``, ``microdot_asgi``), and a new app of it with the asyncio
driver options of the server kind (``E2E_USE_STREAMS``, ``E2E_NO_UVLOOP``).
Runs on CPython and MicroPython.
"""
from os import getenv  # the unix port has it, as CPython does

MODULE = getenv('E2E_MICRODOT_MODULE') or 'microdot'
module = __import__(MODULE)


def new_app():
    """A new ``Microdot`` of ``module``, set up for this server kind."""
    app = module.Microdot()
    if getenv('E2E_USE_STREAMS'):
        app.use_streams = True  # microdot_asyncio's portable streams driver
    if getenv('E2E_NO_UVLOOP'):
        app.use_uvloop = False
    return app
