"""Microdot on asyncio: handlers, hooks and error handlers may be coroutines.

Example::

    from microdot_asyncio import Microdot

    app = Microdot()

    @app.route('/')
    async def hello(request):
        return 'Hello, world!'

    app.run()

On CPython connections are served by a thin ``asyncio.Protocol`` driver
(``_microdot_asyncio_protocol``); on MicroPython by asyncio streams. The
server (``_microdot_asyncio_server``) loads when it starts; both drivers
feed the same core as the threaded server.
"""
try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio

import microdot
from microdot import abort, URLPattern, HTTPException, NoCaseDict, \
    dispatch  # noqa: F401 - re-exported
from _microdot_http import read_request

if hasattr(asyncio, 'Protocol'):  # CPython
    import _microdot_asyncio_protocol as _protocol
else:  # MicroPython: streams only
    _protocol = None

__all__ = ['Microdot', 'Request', 'Response', 'abort', 'redirect',
           'send_file', 'URLPattern', 'HTTPException']


def __getattr__(name):
    # redirect and send_file make this module's Response (as in 1.x); the
    # other names are those that microdot loads on first use (MultiDict...)
    if name == 'redirect' or name == 'send_file':
        return getattr(Response, name)
    return getattr(microdot, name)


async def run_async(steps):
    """Drive a generator of calls, awaiting the results that are awaitable
    (see ``run_sync``)."""
    value = error = None
    while True:
        try:
            function, args, kwargs = steps.send(value) if error is None \
                else steps.throw(error)
        except StopIteration as done:
            return done.value
        try:
            value, error = function(*args, **kwargs), None
            if hasattr(value, '__await__'):
                value = await value
            elif _protocol is None and type(value).__name__ == 'generator':
                value = await _coroutine_or_stream(value)
        except Exception as exc:
            value, error = None, exc


def _coroutine_or_stream(gen):
    # MicroPython's coroutines are generators: step this one once. A sync
    # generator yields its body chunks (str or bytes): give them back as a
    # list of that chunk and the generator. A coroutine yields to the
    # scheduler: pass that on, resume it.
    try:
        step = gen.send(None)
    except StopIteration as done:
        return done.value
    if isinstance(step, (str, bytes)):
        return _chain(step, gen)
    while True:
        try:
            sent = yield step
        except BaseException as exc:  # cancellation, timeouts
            send, arg = gen.throw, exc
        else:
            send, arg = gen.send, sent
        try:
            step = send(arg)
        except StopIteration as done:
            return done.value


def _chain(first, rest):
    # a generator's first chunk, then the rest of it
    yield first
    yield from rest


class Request(microdot.Request):
    """A request read by the asyncio server; ``stream`` reads are awaited."""
    _awaited = True

    @classmethod
    async def create(cls, app, client_reader, client_writer, client_addr):
        """Read a request from asyncio streams; None if the client left.

        Raises a ValueError for a malformed or oversized request (see the
        sync ``Request.create``)."""
        from _microdot_asyncio_server import StreamsConnection
        from _microdot_compat import creating
        conn = StreamsConnection(app, client_reader, client_writer)
        return await run_async(creating(read_request(cls, app, conn,
                                                     client_addr)))


class Response(microdot.Response):
    """A response; ``write`` is a coroutine and bodies may be async."""

    async def write(self, stream, http_version='1.0', keep_alive=False,
                    head_only=False):
        """Write the response to an asyncio stream writer."""
        async def write(data):
            stream.write(data)
            await stream.drain()
        return await run_async(self.write_steps(write, http_version,
                                                keep_alive, head_only))

    def body_iter(self):
        """Return an async iterator over the body's chunks, as 1.x did::

            async for chunk in response.body_iter():
                ...
        """
        if hasattr(self.body, '__aiter__'):
            return self.body.__aiter__()
        from _microdot_compat import AsyncChunks
        return AsyncChunks(microdot.Response.body_iter(self))


class Microdot(microdot.Microdot):
    """A web application served by asyncio (see ``run``/``start_server``)."""
    #: Connections served at once; more wait until one closes.
    max_connections = 1024
    #: Serve through asyncio streams even where the faster Protocol driver
    #: exists (CPython).
    use_streams = False
    #: On CPython, run on uvloop when it is installed.
    use_uvloop = True
    request_class = Request
    response_class = Response

    _stopped = None  # an asyncio.Event, made by start_server

    async def dispatch_request(self, req):
        """Run the whole request flow and return the Response."""
        return await run_async(dispatch(self, req))

    async def start_server(self, host='0.0.0.0', port=5000, debug=False,
                           ssl=None):
        """Serve the application until ``shutdown()`` (a coroutine).

        Example::

            asyncio.run(app.start_server(port=8000, debug=True))
        """
        from _microdot_asyncio_server import serve
        await serve(self, host, port, debug, ssl)

    def run(self, host='0.0.0.0', port=5000, debug=False, ssl=None):
        """Serve the application until ``shutdown()`` (blocking).

        Example::

            app.run(port=8000, debug=True)
        """
        main = self.start_server(host, port, debug, ssl)
        try:
            if self.use_uvloop and _protocol is not None:
                _protocol.run(main)
            else:
                asyncio.run(main)
        except KeyboardInterrupt:  # pragma: no cover
            pass

    def shutdown(self):
        """Stop accepting connections; requests in flight are completed
        (within ``shutdown_timeout``) and idle connections are closed."""
        microdot.Microdot.shutdown(self)
        if self.server is not None:
            self.server.close()
        if self._stopped is not None:
            self._stopped.set()
