"""The asyncio streams driver: MicroPython's server, and CPython's with
``Microdot.use_streams``. Loaded when the server starts.
"""
try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio

from _microdot_http import Connection


class StreamsConnection(Connection):
    """A client connection over asyncio streams (MicroPython, or CPython
    with ``Microdot.use_streams``), with read and idle timeouts."""

    def __init__(self, app, reader, writer):
        self.reader = reader
        self.writer = writer
        self.read_timeout = app.request_class.socket_read_timeout
        self.idle_timeout = app.keep_alive_timeout
        self.idle = True  # until the first line of a request arrives

    async def readline(self, limit):
        # asyncio's readline takes no limit: an overlong line is cut short
        idle, self.idle = self.idle, False
        try:
            return await asyncio.wait_for(self.reader.readline(), (
                self.idle_timeout if idle else self.read_timeout))
        except ValueError:  # CPython: the line outgrew the stream's buffer
            return b'-' * limit

    async def read(self, size):
        data = b''
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


def start_server(app, host, port, ssl):
    """Listen with ``asyncio.start_server``; connections go to
    ``app.serve``."""
    return asyncio.start_server(
        lambda reader, writer: app.serve(StreamsConnection(
            app, reader, writer), writer.get_extra_info('peername')),
        host, port, backlog=128, **({'ssl': ssl} if ssl else {}))
