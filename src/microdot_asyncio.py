"""Microdot on asyncio: handlers, hooks and error handlers may be coroutines.

Example::

    from microdot_asyncio import Microdot

    app = Microdot()

    @app.route('/')
    async def hello(request):
        return 'Hello, world!'

    app.run()

On CPython connections are served by a thin ``asyncio.Protocol`` driver
(``_microdot_asyncio_protocol``); on MicroPython by asyncio streams. Both
feed the same core as the threaded server.
"""
try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio

import microdot
from microdot import abort, redirect, send_file, URLPattern, \
    HTTPException, NoCaseDict, MultiDict, urlencode, urldecode_str, \
    urldecode_bytes  # noqa: F401 - re-exported
from _microdot_core import run_async, read_request
from _microdot_app import dispatch, serve_connection, print_exception

if hasattr(asyncio, 'Protocol'):  # CPython
    import _microdot_asyncio_protocol as _protocol
else:  # MicroPython: streams only
    _protocol = None

__all__ = ['Microdot', 'Request', 'Response', 'abort', 'redirect',
           'send_file', 'URLPattern', 'HTTPException']


class _BytesReader:
    """``await stream.read(n)`` over a body that was already read."""

    def __init__(self, data):
        self.data = data
        self.position = 0

    async def read(self, size=-1):
        start = self.position
        end = len(self.data) if size < 0 else min(start + size,
                                                   len(self.data))
        self.position = end
        return self.data[start:end]


class AsyncBodyStream:
    """``await stream.read(n)`` over a request body left on the wire."""

    def __init__(self, conn, length):
        self.conn = conn
        self.remaining = length

    async def read(self, size=-1):
        """Read up to ``size`` bytes of the body (all that is left if -1)."""
        if size < 0 or size > self.remaining:
            size = self.remaining
        if not size:
            return b''
        data = await self.conn.read(size)
        self.remaining -= len(data)
        return data


class Request(microdot.Request):
    """A request read by the asyncio server; ``stream`` reads are awaited."""

    @classmethod
    async def create(cls, app, client_reader, client_writer, client_addr):
        """Read a request from asyncio streams; None if the client left."""
        conn = StreamsConnection(client_reader, client_writer)
        return await run_async(read_request(cls, app, conn, client_addr))

    @staticmethod
    def _buffered_stream(body):
        return _BytesReader(body)


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


class StreamsConnection:
    """A client connection over asyncio streams (MicroPython, or CPython
    with ``Microdot.use_streams``), with read timeouts."""

    def __init__(self, reader, writer, read_timeout=None, idle_timeout=None):
        self.reader = reader
        self.writer = writer
        self.read_timeout = read_timeout or Request.socket_read_timeout
        self.idle_timeout = idle_timeout or self.read_timeout
        self.idle = False

    async def readline(self, limit, timeout=None):
        # asyncio's readline takes no limit: an overlong line is cut short
        try:
            return await asyncio.wait_for(self.reader.readline(),
                                          timeout or self.read_timeout)
        except ValueError:  # CPython: the line outgrew the stream's buffer
            return b'-' * limit

    async def read(self, size):
        return await asyncio.wait_for(self.reader.read(size),
                                      self.read_timeout)

    async def read_head(self, parser):
        self.idle = True
        try:
            line = await self.readline(parser.line_limit, self.idle_timeout)
        finally:
            self.idle = False
        while not parser.feed(line):
            line = await self.readline(parser.line_limit)

    def body_stream(self, size):
        return AsyncBodyStream(self, size)

    def set_read_timeout(self, seconds):
        self.read_timeout = seconds

    async def write(self, data):
        self.writer.write(data)
        await self.writer.drain()

    def wait_for_request(self):
        return True  # read_head waits, with the idle timeout

    async def discard_input(self):
        try:
            for _ in range(64):
                if not await asyncio.wait_for(self.reader.read(1024), 0.1):
                    break
        except Exception:
            pass

    def close_if_idle(self):
        if self.idle:
            asyncio.create_task(self.aclose())

    async def aclose(self):
        # MicroPython's close() does nothing: wait_closed() closes
        try:
            self.writer.close()
            await self.writer.wait_closed()
        except Exception:
            pass


class _Gate:
    # caps concurrent connections; MicroPython's asyncio has no Semaphore
    def __init__(self, size):
        self.free = size
        self.event = asyncio.Event()

    async def enter(self):
        while self.free <= 0:
            self.event.clear()
            await self.event.wait()
        self.free -= 1

    def leave(self):
        self.free += 1
        self.event.set()


def _client_gone(exc):
    if isinstance(exc, asyncio.TimeoutError):
        return True
    return isinstance(exc, OSError) and microdot._client_gone(exc)


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

    def __init__(self):
        microdot.Microdot.__init__(self)
        self._connections = set()
        self._gate = None
        self._stopped = None

    async def dispatch_request(self, req):
        """Run the whole request flow and return the Response."""
        return await run_async(dispatch(self, req))

    async def start_server(self, host='0.0.0.0', port=5000, debug=False,
                           ssl=None):
        """Serve the application until ``shutdown()`` (a coroutine).

        Example::

            asyncio.run(app.start_server(port=8000, debug=True))
        """
        self.debug = debug
        self.stopping = False
        self._gate = _Gate(self.max_connections)
        self._stopped = asyncio.Event()
        if _protocol is not None and not self.use_streams:
            self.server = await _protocol.create_server(self, host, port, ssl,
                                                        AsyncBodyStream)
        else:
            kwargs = {'ssl': ssl} if ssl else {}
            self.server = await asyncio.start_server(
                self._handle_streams, host, port, backlog=128, **kwargs)
        if debug:
            print('Starting async server on {}:{}...'.format(host, port))
        await self._stopped.wait()
        await self._drain()

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
        self.stopping = True
        if self.server is not None:
            self.server.close()
        for conn in list(self._connections):
            conn.close_if_idle()
        if self._stopped is not None:
            self._stopped.set()

    async def _drain(self):
        deadline = self.shutdown_timeout * 10
        while self._connections and deadline > 0:
            await asyncio.sleep(0.1)
            deadline -= 1
        for conn in list(self._connections):
            await conn.aclose()
        self.server = None

    async def _handle_streams(self, reader, writer):
        conn = StreamsConnection(reader, writer, idle_timeout=(
            self.keep_alive_timeout))
        await self.serve(conn, writer.get_extra_info('peername'))

    async def serve(self, conn, client_addr):
        """Serve every request of one connection, then close it."""
        await self._gate.enter()
        self._connections.add(conn)
        try:
            await run_async(serve_connection(self, conn, client_addr))
        except Exception as exc:
            if not _client_gone(exc):
                print_exception(exc)
        finally:
            self._connections.discard(conn)
            self._gate.leave()
            await conn.aclose()
