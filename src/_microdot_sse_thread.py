"""The event stream of sync SSE handlers (``microdot``, WSGI): a driver,
CPython only (the unix port has no threads).

A sync handler calls ``sse.send()`` as a plain function while the server
pulls the body: the handler runs in a thread of its own, and its events go
through a bounded queue that the body (an iterator) empties. Not in
microdot_sse itself: on MicroPython even a class that is never defined
keeps its compiled code (3.5 KB).
"""
try:
    import threading
except ImportError:  # pragma: no cover - MicroPython's unix port
    raise ImportError('microdot_sse: sync handlers need threads; on '
                      'MicroPython use microdot_asyncio')
import queue


class ThreadEventStream:
    """The body of a sync event stream; ``close()`` makes the handler's
    next ``send()`` raise OSError, so its thread ends."""

    def __init__(self, handler, sse, args, kwargs):
        self.queue = queue.Queue(sse.max_queue)
        self.done = False
        self.thread = None
        self.handler, self.sse, self.args, self.kwargs = \
            handler, sse, args, kwargs

    def __iter__(self):
        return self

    def __next__(self):
        if self.done:  # closed, or the client was dropped: no more pings
            raise StopIteration
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, daemon=True)
            self.thread.start()
        try:
            chunk = self.queue.get(timeout=self.sse.ping_interval)
        except queue.Empty:
            return b': ping\n\n'
        if chunk is None:
            self.done = True
            raise StopIteration
        return chunk

    def put(self, chunk):
        try:
            self.queue.put(chunk, timeout=self.sse.send_timeout)
        except queue.Full:  # the client reads nothing: drop it
            self.close()
        if self.done:
            raise OSError(104, 'client disconnected')

    def run(self):
        self.sse.run(self.sse.serve(self.handler, self.args,
                                    self.kwargs))
        while not self.done:  # the end mark, unless nobody reads any more
            try:
                self.queue.put(None, timeout=0.1)
                return
            except queue.Full:
                pass

    def close(self):
        """End the stream; the handler ends at its next ``send()``."""
        self.done = True
        while True:  # free a send() waiting for room
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return
