"""CPython's fast path for microdot_asyncio: a thin ``asyncio.Protocol``.

asyncio streams cost a task switch and several Python calls per line; this
driver keeps one buffer per connection and hands the core whole lines and
reads from it as plain bytes: a coroutine is made only when the buffer runs
dry. Everything else is the shared core.
"""
import asyncio
import errno

from microdot import Request

try:
    import uvloop
except ImportError:
    uvloop = None

# buffered input past which reading pauses until the handler catches up
_MAX_BUFFERED = 4 * (Request.max_readline + Request.max_body_length)


class ProtocolConnection(asyncio.Protocol):
    """One client connection: a receive buffer with awaitable reads."""

    def __init__(self, app, serve):
        self.app = app
        self.serve = serve  # serve(app, connection, client_addr)
        self.buffer = bytearray()
        self.transport = None
        self.eof = False  # no more input will come
        self.lost = False  # the connection is gone
        self.idle = True  # until the first line of a request arrives
        self._waiter = None
        self._writable = None
        self._timer = None
        self._deadline = 0
        self.read_timeout = app.request_class.socket_read_timeout
        self._loop = asyncio.get_running_loop()

    def connection_made(self, transport):
        self.transport = transport
        self._loop.create_task(self.serve(
            self.app, self, transport.get_extra_info('peername')))

    def data_received(self, data):
        self.buffer += data
        if len(self.buffer) > _MAX_BUFFERED:
            self.transport.pause_reading()  # the handler reads too slowly
        self._wake()

    def eof_received(self):
        self.eof = True
        self._wake()
        # keep the transport open to finish the reply (TLS cannot)
        return self.transport.get_extra_info('sslcontext') is None

    def connection_lost(self, exc):
        if self._timer is not None:
            self._timer.cancel()
        self.eof = self.lost = True
        self._wake()
        self.resume_writing()

    def pause_writing(self):
        self._writable = self._loop.create_future()

    def resume_writing(self):
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    def _wake(self):
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _more_data(self, timeout):
        # wait for data_received (or EOF); TimeoutError after ``timeout``
        if self.eof:
            return
        self.transport.resume_reading()
        self._waiter = self._loop.create_future()
        if timeout is None:
            self._deadline = None  # a pending timer will find nothing to do
        else:
            self._set_deadline(self._loop.time() + timeout)
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _set_deadline(self, deadline):
        # one timer per connection, re-armed when it fires early: arming a
        # timer for every wait would cost more than the rest of a request
        self._deadline = deadline
        if self._timer is not None and self._timer.when() > deadline:
            self._timer.cancel()
            self._timer = None
        if self._timer is None:
            self._timer = self._loop.call_at(deadline, self._check_deadline)

    def _check_deadline(self):
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done() or self._deadline is None:
            return
        if self._loop.time() >= self._deadline:
            waiter.set_exception(asyncio.TimeoutError())
        else:
            self._timer = self._loop.call_at(self._deadline,
                                             self._check_deadline)

    def _take_line(self, limit):
        # a whole line, or ``limit`` bytes of an overlong one; None: wait
        buffer = self.buffer
        end = buffer.find(b'\n', 0, limit) + 1
        if not end:
            if len(buffer) < limit and not self.eof:
                return None
            end = min(len(buffer), limit)
        line = bytes(buffer[:end])
        del buffer[:end]
        return line

    def readline(self, limit):
        # bytes when a line is buffered, else a coroutine that waits for it
        line = self._take_line(limit)
        if line is None:
            return self._wait_line(limit)
        self.idle = False
        return line

    async def _wait_line(self, limit):
        if self.idle:  # between requests: the idle timeout applies
            try:
                await self._more_data(self.app.keep_alive_timeout)
            finally:
                self.idle = False
        line = self._take_line(limit)
        while line is None:
            await self._more_data(self.read_timeout)
            line = self._take_line(limit)
        return line

    def read(self, size):
        # exactly size bytes (fewer at EOF): bytes when they are buffered
        if len(self.buffer) < size and not self.eof:
            return self._wait_read(size)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    async def _wait_read(self, size):
        while len(self.buffer) < size and not self.eof:
            await self._more_data(self.read_timeout)
        return self.read(size)

    def set_read_timeout(self, seconds):
        self.read_timeout = seconds

    async def write(self, data):
        if self.lost or self.transport.is_closing():
            raise OSError(errno.ECONNRESET, 'client disconnected')
        self.transport.write(data)
        if self._writable is not None:
            await self._writable

    def wait_for_request(self):
        self.idle = True  # the next readline waits with the idle timeout
        return True

    async def discard_input(self):
        self.buffer = bytearray()

    def close_if_idle(self):
        if self.idle:
            self.close()

    def close(self):
        if self._timer is not None:
            self._timer.cancel()
        if self.transport is not None:
            self.transport.close()
        self.eof = True
        self._wake()

    async def aclose(self):
        self.close()


async def create_server(app, host, port, ssl, serve):
    """Start listening; ``serve(app, connection, client_addr)`` serves each
    connection."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: ProtocolConnection(app, serve), host, port,
        backlog=1024, **tls_options(ssl))


def tls_options(ssl):
    """The keyword arguments that serve with TLS (CPython's asyncio),
    the handshake deadline included; none without TLS."""
    if not ssl:
        return {}
    import microdot_ssl
    return {'ssl': ssl,
            'ssl_handshake_timeout': microdot_ssl.HANDSHAKE_TIMEOUT}


def run(main):
    """Run a coroutine on uvloop when it is installed, else on asyncio."""
    if uvloop is not None:
        return uvloop.run(main)
    return asyncio.run(main)
