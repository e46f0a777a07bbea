"""The asyncio server behind ``microdot_asyncio.Microdot.start_server``:
listening, the connection cap, shutdown, and the asyncio streams driver
(MicroPython's, and CPython's with ``use_streams``; CPython's default is
the Protocol driver, ``_microdot_asyncio_protocol``). Loaded when the
server starts.
"""
try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio

from _microdot_http import Connection, print_exception
from microdot import serve_connection
from microdot_asyncio import run_async, _protocol


class StreamsConnection(Connection):
    """A client connection over asyncio streams (MicroPython, or CPython
    with ``Microdot.use_streams``), with read and idle timeouts."""

    def __init__(self, app, reader, writer):
        self.reader = reader
        self.writer = writer
        self.read_timeout = app.request_class.socket_read_timeout
        self.idle_timeout = app.keep_alive_timeout
        self.idle = True  # until the first byte of a request arrives
        self.buffer = b''  # read past the last line

    async def readline(self, limit):
        # MicroPython's readline takes no limit: a long line would cost its
        # whole length in RAM. Read up to ``limit`` bytes instead, 256 at a
        # time until the line is that long (a read allocates its whole size
        # at once, and on a fragmented heap a 2 KB block may be missing when
        # 256 B ones are not), then the rest in one read (each read costs a
        # wait_for); what follows the line waits in self.buffer.
        data = self.buffer
        while True:
            end = data.find(b'\n', 0, limit) + 1 or \
                (len(data) >= limit and limit)
            if end:
                break
            part = await asyncio.wait_for(
                self.reader.read(limit - len(data) if len(data) >= 256
                                 else min(limit - len(data), 256)),
                self.idle_timeout if self.idle else self.read_timeout)
            if not part:
                end = len(data)
                break
            self.idle = False
            data += part
        self.idle = False
        self.buffer = data[end:]
        return data[:end]

    async def read(self, size):
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        while len(data) < size:
            part = await asyncio.wait_for(self.reader.read(size - len(data)),
                                          self.read_timeout)
            if not part:
                break
            data += part
        return data

    def set_read_timeout(self, seconds):
        self.read_timeout = seconds

    async def write(self, data):
        self.writer.write(data)
        await self.writer.drain()

    def wait_for_request(self):
        self.idle = True  # the next readline waits with the idle timeout
        return True

    async def discard_input(self):
        self.buffer = b''
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


async def serve(app, host, port, debug, ssl):
    """Serve ``app`` until ``app.shutdown()``; then let the requests in
    flight finish (within ``shutdown_timeout``) and close the rest."""
    app.debug = debug
    app.stopping = False
    app._stopped = asyncio.Event()
    if _protocol is not None and not app.use_streams:
        app.server = await _protocol.create_server(app, host, port, ssl,
                                                   serve_connections)
    else:
        app.server = await asyncio.start_server(
            lambda reader, writer: serve_connections(app, StreamsConnection(
                app, reader, writer), writer.get_extra_info('peername')),
            host, port, backlog=128, **(
                {'ssl': ssl} if _protocol is None or not ssl
                else _protocol.tls_options(ssl)))
    if debug:
        print('Starting async server on {}:{}...'.format(host, port))
    await app._stopped.wait()
    for _ in range(app.shutdown_timeout * 10):
        if not app.connections:
            break
        await asyncio.sleep(0.1)
    for conn in app.connections[:]:
        await conn.aclose()
    app.server = None


async def serve_connections(app, conn, client_addr):
    """Serve every request of one connection, then close it."""
    while len(app.connections) >= app.max_connections:
        await asyncio.sleep(0.05)  # MicroPython has no Semaphore
    app.connections.append(conn)
    try:
        await run_async(serve_connection(app, conn, client_addr))
    except Exception as exc:
        # an OSError before a request's first byte is the client's doing:
        # it left, or spoke no TLS (MicroPython handshakes on the first read)
        from _microdot_errors import client_gone
        if not (client_gone(exc) or conn.idle and isinstance(exc, OSError)):
            print_exception(exc)
    finally:
        app.connections.remove(conn)
        await conn.aclose()
