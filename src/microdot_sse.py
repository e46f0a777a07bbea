"""Server-Sent Events (the HTML ``text/event-stream`` format).

Example::

    @app.route('/news')
    @with_sse
    async def news(request, sse):
        async for item in feed(since=sse.last_event_id):
            await sse.send(item.text, event='news', event_id=item.id)

With ``microdot`` (threaded server, WSGI) the handler is a plain function
and ``sse.send()`` a plain call (CPython: the handler runs in a thread of
its own, see docs/sse.md).

The events are the body of a streamed Response, so every driver (both
servers, WSGI, ASGI, both test clients) sends them as it sends any streamed
body, after-request hooks (CORS) included. The handler runs beside the body:
``send()`` puts an event in a small bounded buffer that the body empties.
When the client leaves, the body is closed: an async handler is cancelled,
a sync one gets OSError from its next ``send()``.
"""
import json

from _microdot_http import run_sync, print_exception

try:
    import asyncio
except ImportError:  # pragma: no cover - a MicroPython build without it
    asyncio = None


def format_event(data, event=None, event_id=None, retry=None):
    """The bytes of one event: a dict or list is sent as JSON, bytes as
    UTF-8 text, anything else as ``str()``; each line of the data is a
    ``data:`` field. ValueError for a line break in ``event`` or
    ``event_id``."""
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    elif isinstance(data, bytes):
        data = data.decode()
    else:
        data = str(data)
    lines = []
    for name, value in (('event', event), ('id', event_id),
                        ('retry', retry)):
        if value is not None:
            value = str(value) if name != 'retry' else str(int(value))
            if '\n' in value or '\r' in value or '\0' in value:
                raise ValueError('Invalid character in SSE ' + name)
            lines.append(name + ': ' + value)
    for line in data.replace('\r\n', '\n').replace('\r', '\n').split('\n'):
        lines.append('data: ' + line)
    return ('\n'.join(lines) + '\n\n').encode()


class SSE:
    """The handler's end of an event stream: ``send()`` an event.

    ``last_event_id`` is the client's ``Last-Event-ID`` header (None when
    it sent none): an EventSource that reconnects sends the id of the last
    event it received, to resume from there.
    """
    #: Seconds without an event after which a ``: ping`` comment is sent,
    #: so that proxies keep the stream open and a client that left is
    #: noticed (None: no heartbeat).
    ping_interval = None
    #: Events buffered for a client that reads slowly; a ``send()`` then
    #: waits for room.
    max_queue = 16
    #: Seconds a ``send()`` waits for room before the client is dropped
    #: (the handler gets OSError and the stream ends).
    send_timeout = 10
    # what runs send(): run_async for the asyncio drivers, which makes
    # send() a coroutine
    run = staticmethod(run_sync)

    def __init__(self, request, stream):
        self.request = request
        self.last_event_id = request.headers.get('Last-Event-ID')
        self.stream = stream

    def send(self, data, event=None, event_id=None, retry=None):
        """Send an event: ``data`` is str, bytes, or a dict or list (sent
        as JSON). ``event`` names it (default 'message' in the browser),
        ``event_id`` becomes the client's ``Last-Event-ID``, ``retry`` the
        milliseconds it waits before reconnecting. Raises OSError once the
        client has left."""
        return self.run(self._send(format_event(data, event, event_id,
                                                retry)))

    def _send(self, chunk):
        # the one flow of send(), sync and async: only put() differs
        if self.stream.done:
            raise OSError(104, 'client disconnected')
        yield self.stream.put, (chunk,), {}

    def serve(self, handler, args, kwargs):
        # the handler's life, for both streams: a client that left ends it
        # quietly, a failure is logged and ends the stream
        try:
            yield handler, (self.request, self) + args, kwargs
        except Exception as exc:
            if not (isinstance(exc, OSError) and self.stream.done):
                print_exception(exc)  # not just the client leaving


class AsyncEventStream:
    """The body of an asyncio event stream: an async iterator (MicroPython
    has no async generators) that starts the handler as a task on first
    use and cancels it when closed."""

    def __init__(self, handler, sse, args, kwargs):
        self.buffer = []
        self.done = False
        self.task = None
        self.ready = asyncio.Event()  # the buffer has events, or done
        self.room = asyncio.Event()  # the buffer has room
        self.handler, self.sse, self.args, self.kwargs = \
            handler, sse, args, kwargs

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.task is None:
            self.task = asyncio.create_task(self.run())
        while not self.buffer:
            if self.done:
                raise StopAsyncIteration
            self.ready.clear()
            try:
                await _wait(self.ready, self.sse.ping_interval)
            except asyncio.TimeoutError:
                return b': ping\n\n'
        chunk = b''.join(self.buffer)
        self.buffer = []
        self.room.set()
        return chunk

    async def put(self, chunk):
        while len(self.buffer) >= self.sse.max_queue and not self.done:
            self.room.clear()
            try:
                await _wait(self.room, self.sse.send_timeout)
            except asyncio.TimeoutError:  # the client reads nothing: drop
                # it (close() would cancel this very task)
                self.done = True
                self.ready.set()
        if self.done:
            raise OSError(104, 'client disconnected')
        self.buffer.append(chunk)
        self.ready.set()

    async def run(self):
        await self.sse.run(self.sse.serve(self.handler, self.args,
                                          self.kwargs))
        self.done = True
        self.ready.set()

    def close(self):
        """End the stream and the handler (the driver calls this when the
        body is done or the client left)."""
        self.done = True
        self.ready.set()
        self.room.set()
        if self.task is not None:
            self.task.cancel()


async def _wait(event, timeout):
    # MicroPython's wait_for takes no None timeout
    if timeout is None:
        await event.wait()
    else:
        await asyncio.wait_for(event.wait(), timeout)


def sse_response(request, event_function, *args, **kwargs):
    """Return a streamed Response whose events ``event_function(request,
    sse, *args, **kwargs)`` sends: a coroutine function for the asyncio
    drivers, a plain function for ``microdot`` and WSGI (CPython)."""
    sse = SSE(request, None)
    if request._awaited:  # a microdot_asyncio request
        from microdot_asyncio import run_async
        sse.run = run_async
        sse.stream = AsyncEventStream(event_function, sse, args, kwargs)
    else:  # CPython: the unix port has no threads
        from _microdot_sse_thread import ThreadEventStream
        sse.stream = ThreadEventStream(event_function, sse, args, kwargs)
    return request.app.response_class(sse.stream, headers={
        'Content-Type': 'text/event-stream; charset=UTF-8',
        'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no'})


def with_sse(f):
    """Decorator for a route whose handler takes ``(request, sse)`` and
    sends events with ``sse.send()``; the stream ends when it returns.

    Example::

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('hello')
    """
    def handler(request, *args, **kwargs):
        return sse_response(request, f, *args, **kwargs)
    return handler
